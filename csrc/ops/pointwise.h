// div with rounding_mode (definitions in pointwise.cpp); the other
// elementwise ops are rows of unary.h, binary.h and ternary.h.
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

}  // namespace st::ops
