// Kernels of the pointwise ops that are not rows of the elementwise registry
// (ops/binary.h): rounding division, where, lerp, addcmul/addcdiv.
// Every function takes fully allocated outputs; inputs broadcast to out's shape.
#pragma once
#include "../core/tensor.h"

namespace st::kernels {

// out = a / b rounded toward zero (trunc) or down (floor); out, a and b share
// one numeric dtype. Returns false when an integer division by zero was met.
bool div_rounded(bool floor, const Tensor& out, const Tensor& a, const Tensor& b);

// out = cond ? a : b; cond is bool, out, a and b share one dtype.
void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
// out = self + value * t1 * t2 (or t1 / t2 when divide); all four share one dtype.
void addcmul(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value,
             bool divide);
// out = start + weight * (end - start); floating, all four share one dtype.
void lerp(const Tensor& out, const Tensor& start, const Tensor& end, const Tensor& weight);

}  // namespace st::kernels
