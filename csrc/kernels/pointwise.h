// The kernel of div with rounding_mode (the elementwise registries' rows run
// through the functor maps of map.h). Inputs broadcast to out's shape.
#pragma once
#include "../core/tensor.h"

namespace st::kernels {

// out = a / b rounded toward zero (trunc) or down (floor); out, a and b share
// one numeric dtype. Returns false when an integer division by zero was met.
bool div_rounded(bool floor, const Tensor& out, const Tensor& a, const Tensor& b);

}  // namespace st::kernels
