// Floor 2: kernels of the pointwise family (rounding division, remainder,
// min/max, comparisons, logical and bitwise ops, where, lerp, addcmul/addcdiv).
// Every function takes fully allocated outputs; inputs broadcast to out's shape.
#pragma once
#include "../core/tensor.h"

namespace st::kernels {

// out = op(a, b); out, a and b share one dtype.
enum class PointwiseOp : int8_t { DivTrunc, DivFloor, Remainder, Fmod, Atan2, Maximum, Minimum, BitAnd, BitOr, BitXor };
// Returns false when an integer division by zero was met (out is then garbage).
bool pointwise(PointwiseOp op, const Tensor& out, const Tensor& a, const Tensor& b);

// out (bool) = op(a, b); a and b share one dtype.
enum class CompareOp : int8_t { Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor };
void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b);

// out = cond ? a : b; cond is bool, out, a and b share one dtype.
void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
// out = self + value * t1 * t2 (or t1 / t2 when divide); all four share one dtype.
void addcmul(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value,
             bool divide);
// out = start + weight * (end - start); floating, all four share one dtype.
void lerp(const Tensor& out, const Tensor& start, const Tensor& end, const Tensor& weight);

}  // namespace st::kernels
