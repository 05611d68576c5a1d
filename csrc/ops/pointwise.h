// Operator declarations of the "pointwise" family (definitions in pointwise.cpp):
// the elementwise ops with arguments beyond two tensors, which the registry of
// binary.h does not cover: div with rounding_mode, where, masked_fill, lerp,
// addcmul/addcdiv.
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
