// The ops layer: the operators users call. Each checks its arguments, picks a
// kernel and, when grad mode is on and an input requires grad, records its
// backward node (defined next to the forward in the same .cpp file).
#pragma once
#include <optional>
#include <vector>
#include "../core/shape.h"
#include "../core/tensor.h"

namespace st::kernels { struct Generator; }

namespace st::ops {

using IntList = DimVector;

// ---- creation ----
Tensor empty(const IntList& sizes, ScalarType dtype);
Tensor full(const IntList& sizes, const Scalar& v, ScalarType dtype);
Tensor zeros(const IntList& sizes, ScalarType dtype);
Tensor ones(const IntList& sizes, ScalarType dtype);
Tensor scalar_tensor(const Scalar& v, ScalarType dtype);
Tensor wrapped_scalar(const Scalar& v);  // 0-d tensor that does not raise dtypes
Tensor arange(double start, double end, double step, ScalarType dtype);
Tensor arange_int(int64_t start, int64_t end, int64_t step, ScalarType dtype);  // exact integer arithmetic
Tensor linspace(double start, double end, int64_t steps, ScalarType dtype);
Tensor eye(int64_t n, int64_t m, ScalarType dtype);
Tensor rand(const IntList& sizes, ScalarType dtype, kernels::Generator* g = nullptr);
Tensor randn(const IntList& sizes, ScalarType dtype, kernels::Generator* g = nullptr);
Tensor randint(int64_t low, int64_t high, const IntList& sizes, ScalarType dtype, kernels::Generator* g = nullptr);

// ---- type promotion ----
ScalarType result_type(const Tensor& a, const Tensor& b);
ScalarType result_type(const Tensor& a, const Scalar& b);
ScalarType result_type(const std::vector<const Tensor*>& ts);  // PyTorch's result_type over several tensors

// ---- arithmetic (add, sub, mul, div, pow and rsub: rows of binary.h) ----
Tensor rdiv(const Tensor& a, const Scalar& b);  // b / a
Tensor neg(const Tensor& a);
Tensor reciprocal(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);

// in place: self is modified and returned
Tensor& neg_(Tensor& self);
Tensor& zero_(Tensor& self);
Tensor& fill_(Tensor& self, const Scalar& v);
Tensor& fill_(Tensor& self, const Tensor& v);  // v is 0-d
Tensor& copy_(Tensor& self, const Tensor& src);
Tensor& uniform_(Tensor& self, double lo, double hi, kernels::Generator* g = nullptr);
Tensor& normal_(Tensor& self, double mean, double std, kernels::Generator* g = nullptr);

// ---- reductions ----
Tensor sum(const Tensor& a, std::optional<ScalarType> dtype = std::nullopt);
Tensor sum(const Tensor& a, const IntList& dims, bool keepdim, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& a, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& a, const IntList& dims, bool keepdim, std::optional<ScalarType> dtype = std::nullopt);
// Sums `g` down to `sizes` (the inverse of broadcasting `sizes` up to g's shape).
Tensor sum_to(const Tensor& g, const IntList& sizes);

// ---- views and shape ----
Tensor view(const Tensor& a, const IntList& sizes);
// a's bytes read as dtype dt (Tensor.view(dtype)): no history; with a different element size the last dim
// (stride 1) scales, as in PyTorch.
Tensor view_dtype(const Tensor& a, ScalarType dt);
Tensor reshape(const Tensor& a, const IntList& sizes);
Tensor flatten(const Tensor& a, int64_t start = 0, int64_t end = -1);
Tensor transpose(const Tensor& a, int64_t d0, int64_t d1);
Tensor t(const Tensor& a);
Tensor numpy_T(const Tensor& a);  // .T: reverse all dims
Tensor mT(const Tensor& a);       // transpose of the last two dims
Tensor permute(const Tensor& a, const IntList& dims);
Tensor expand(const Tensor& a, const IntList& sizes);
Tensor squeeze(const Tensor& a);
Tensor squeeze(const Tensor& a, int64_t dim);
Tensor squeeze(const Tensor& a, const IntList& dims);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
Tensor slice(const Tensor& a, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);
Tensor alias(const Tensor& a);
Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);
Tensor detach(const Tensor& a);           // shares storage and version counter
Tensor to_dtype(const Tensor& a, ScalarType dtype, bool copy = false);
// A view of a's storage with these sizes and strides, from storage_offset (a's own when none): AsStridedBackward0.
Tensor as_strided(const Tensor& a, const IntList& size, const IntList& stride,
                  std::optional<int64_t> storage_offset = std::nullopt);
// Every window of `size` elements along `dimension`, `step` apart, as a new last dim (a view): UnfoldBackward0.
Tensor unfold(const Tensor& a, int64_t dimension, int64_t size, int64_t step);
Tensor unfold_backward(const Tensor& g, const IntList& sizes, int64_t dim, int64_t size, int64_t step);
// In-place view ops: self itself takes the new geometry (and the node over its old history).
Tensor& as_strided_(Tensor& self, const IntList& size, const IntList& stride,
                    std::optional<int64_t> storage_offset = std::nullopt);
Tensor& squeeze_(Tensor& self);
Tensor& squeeze_(Tensor& self, const IntList& dims, bool one_dim);  // one_dim: squeeze_(dim), else squeeze_(dims)
Tensor& unsqueeze_(Tensor& self, int64_t dim);
Tensor& transpose_(Tensor& self, int64_t d0, int64_t d1);
Tensor& t_(Tensor& self);
// resize_: self takes `sizes`, contiguous, at its offset (TensorImpl::resize: the storage grows when it ends too
// soon; the new elements are uninitialised). Refused for a tensor that requires grad, as PyTorch.
Tensor& resize_(Tensor& self, const IntList& sizes);
Tensor select_backward(const Tensor& g, const IntList& sizes, int64_t dim, int64_t index);
Tensor slice_backward(const Tensor& g, const IntList& sizes, int64_t dim, int64_t start, int64_t end, int64_t step);

// ---- indexing (TensorIndex, index, index_put_): see indexing.h

// ---- scalars ----
Scalar item(const Tensor& a);

// Raises when an in-place op may not modify `self` (leaf requiring grad in grad mode, ...).
// `other` is the tensor whose value flows into self, if any.
void check_inplace(const Tensor& self, const char* op, const Tensor* other = nullptr);

}  // namespace st::ops

// Operator families, each in its own file pair.
#include "binary.h"
#include "indexing.h"
#include "linalg.h"
#include "linalg_lapack.h"
#include "pointwise.h"
#include "reductions.h"
#include "shape_ops.h"
#include "ternary.h"
#include "sorting.h"
#include "unary.h"
