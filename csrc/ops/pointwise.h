// Operator declarations of the "pointwise" family (definitions in pointwise.cpp):
// rounding division, remainder/fmod, atan2, maximum/minimum, comparisons,
// logical and bitwise ops, where, masked_fill, lerp, addcmul/addcdiv.
#pragma once
#include <optional>
#include <string>
#include "../core/tensor.h"

namespace st::ops {

// div with rounding_mode: nullopt (true division, = div), "trunc" or "floor".
Tensor div_mode(const Tensor& a, const Tensor& b, const std::optional<std::string>& mode);
Tensor div_mode(const Tensor& a, const Scalar& b, const std::optional<std::string>& mode);
Tensor& div_mode_(Tensor& self, const Tensor& b, const std::optional<std::string>& mode);
Tensor& div_mode_(Tensor& self, const Scalar& b, const std::optional<std::string>& mode);

Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor floor_divide(const Tensor& a, const Scalar& b);
Tensor floor_divide(const Scalar& a, const Tensor& b);
Tensor& floor_divide_(Tensor& self, const Tensor& b);
Tensor& floor_divide_(Tensor& self, const Scalar& b);

Tensor remainder(const Tensor& a, const Tensor& b);  // sign of b (Python's %)
Tensor remainder(const Tensor& a, const Scalar& b);
Tensor remainder(const Scalar& a, const Tensor& b);
Tensor& remainder_(Tensor& self, const Tensor& b);
Tensor& remainder_(Tensor& self, const Scalar& b);

Tensor fmod(const Tensor& a, const Tensor& b);  // sign of a (C's fmod)
Tensor fmod(const Tensor& a, const Scalar& b);
Tensor& fmod_(Tensor& self, const Tensor& b);
Tensor& fmod_(Tensor& self, const Scalar& b);

Tensor atan2(const Tensor& a, const Tensor& b);
Tensor& atan2_(Tensor& self, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);  // NaN-propagating
Tensor minimum(const Tensor& a, const Tensor& b);

// Comparisons (bool result, no gradient); the in-place forms write 0/1 in self's dtype.
enum class Compare : int8_t { Eq, Ne, Lt, Le, Gt, Ge };
Tensor compare(Compare op, const Tensor& a, const Tensor& b);
Tensor compare(Compare op, const Tensor& a, const Scalar& b);
Tensor& compare_(Compare op, Tensor& self, const Tensor& b);
Tensor& compare_(Compare op, Tensor& self, const Scalar& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Scalar& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

// Logical ops (any dtypes, bool result); in place keeps self's dtype.
enum class Logical : int8_t { And, Or, Xor };
Tensor logical(Logical op, const Tensor& a, const Tensor& b);
Tensor& logical_(Logical op, Tensor& self, const Tensor& b);

// Bitwise ops on integer and bool tensors.
enum class Bitwise : int8_t { And, Or, Xor };
Tensor bitwise(Bitwise op, const Tensor& a, const Tensor& b);
Tensor bitwise(Bitwise op, const Tensor& a, const Scalar& b);
Tensor& bitwise_(Bitwise op, Tensor& self, const Tensor& b);
Tensor& bitwise_(Bitwise op, Tensor& self, const Scalar& b);

// where(cond, a, b): cond is bool; a Python number may stand for a or b.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b);
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b);

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);  // value is 0-d
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Scalar& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);

Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight);
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
Tensor& lerp_(Tensor& self, const Tensor& end, const Scalar& weight);
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight);

Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = Scalar(int64_t(1)));
Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = Scalar(int64_t(1)));
Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = Scalar(int64_t(1)));
Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = Scalar(int64_t(1)));

}  // namespace st::ops
