// clamp's gradient masks (clamp itself is a row of ops/ternary.h).
#pragma once
#include "kernels.h"
#include "map.h"

namespace st::kernels {

// Bool masks of where clamp passes gradient (PyTorch's clamp_backward):
// which 0: to the input (lo <= x <= hi); 1: to lo (x < lo, and lo < hi when
// hi is given); 2: to hi (x > hi, or hi < lo when lo is given). x, lo and hi
// share one dtype and broadcast to out's shape.
void clamp_mask(const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi, int which);

}  // namespace st::kernels
