// Operator declarations of the "linalg" family (definitions in linalg.cpp).
#pragma once
#include <optional>
#include "../core/shape.h"
#include "../core/tensor.h"

namespace st::ops {

// Products. Both operands must share one dtype (as in PyTorch); float32/float64
// run on OpenBLAS, integer dtypes on a plain loop.
Tensor dot(const Tensor& a, const Tensor& b);      // 1-d . 1-d          (DotBackward0)
Tensor mv(const Tensor& m, const Tensor& v);       // 2-d @ 1-d          (MvBackward0)
Tensor mm(const Tensor& a, const Tensor& b);       // 2-d @ 2-d          (MmBackward0)
Tensor bmm(const Tensor& a, const Tensor& b);      // 3-d @ 3-d          (BmmBackward0)
Tensor matmul(const Tensor& a, const Tensor& b);   // any >= 1-d, batch dims broadcast
Tensor outer(const Tensor& a, const Tensor& b);    // a[:, None] * b (promotes like mul)
// beta * input + alpha * (m1 @ m2); input broadcasts to the product's shape (AddmmBackward0).
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = Scalar(int64_t(1)),
             const Scalar& alpha = Scalar(int64_t(1)));
Tensor& addmm_(Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta = Scalar(int64_t(1)),
               const Scalar& alpha = Scalar(int64_t(1)));

// ||x||_ord over `dims` (all dims when empty); ord may be +-inf or 0 (LinalgVectorNormBackward0).
Tensor linalg_vector_norm(const Tensor& x, double ord, const DimVector& dims, bool keepdim,
                          std::optional<ScalarType> dtype = std::nullopt);

}  // namespace st::ops
