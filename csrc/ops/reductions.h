// Operator declarations of the "reductions" family (definitions in reductions.cpp).
// sum/mean (ops.h) live in sum_mean.cpp; these follow their dims/keepdim conventions:
// an empty dim list (or std::nullopt) reduces every dim.
#pragma once
#include <optional>
#include <utility>
#include "../core/shape.h"
#include "../core/tensor.h"

namespace st::ops {

Tensor prod(const Tensor& a, std::optional<ScalarType> dtype = std::nullopt);
Tensor prod(const Tensor& a, int64_t dim, bool keepdim, std::optional<ScalarType> dtype = std::nullopt);
Tensor max(const Tensor& a);
Tensor min(const Tensor& a);
std::pair<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim);  // (values, indices)
std::pair<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim);
Tensor amax(const Tensor& a, const DimVector& dims, bool keepdim);
Tensor amin(const Tensor& a, const DimVector& dims, bool keepdim);
Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim);
Tensor argmin(const Tensor& a, std::optional<int64_t> dim, bool keepdim);
Tensor var(const Tensor& a, const std::optional<DimVector>& dims, double correction, bool keepdim);
Tensor stddev(const Tensor& a, const std::optional<DimVector>& dims, double correction, bool keepdim);
// Vector p-norm (p = 0, 1, 2, inf, -inf or any other real) over dims.
Tensor norm(const Tensor& a, double p, const std::optional<DimVector>& dims, bool keepdim);
Tensor logsumexp(const Tensor& a, const DimVector& dims, bool keepdim);
Tensor all(const Tensor& a, const std::optional<DimVector>& dims, bool keepdim);
Tensor any(const Tensor& a, const std::optional<DimVector>& dims, bool keepdim);
Tensor cumsum(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor cumprod(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor& cumsum_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor& cumprod_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor softmax(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

}  // namespace st::ops
