// Operator declarations of the "indexing" family (definitions in indexing.cpp):
// Python-style keys x[i, a:b, None, ..., True, idx_tensor, mask] (basic parts
// give views, advanced parts a gathered copy), index_put / index_add,
// nonzero, masked_select / masked_scatter.
#pragma once
#include <optional>
#include <vector>
#include "../core/shape.h"
#include "../core/tensor.h"

namespace st::ops {

// One entry of an indexing key.
struct TensorIndex {
  // Int: i; Slice: start/stop/step; Bool: a Python True/False (i = 1/0), which adds
  // a dim of size 1/0; Array: an integer index tensor (one dim) or a bool/uint8
  // mask (as many dims as it has), in `tensor`.
  enum Kind : int8_t { Int, Slice, None, Ellipsis, Bool, Array } kind = Int;
  int64_t i = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  Tensor tensor;
};

// a[key]: a view when the key is basic, else a copy (IndexBackward0).
Tensor index(const Tensor& a, const std::vector<TensorIndex>& key);
// a[key] = value (value cast to a's dtype and broadcast to a[key]'s shape); with
// advanced parts the history is IndexPutBackward0, += when accumulate.
Tensor& index_put_(Tensor& a, const std::vector<TensorIndex>& key, const Tensor& value, bool accumulate = false);
Tensor& index_put_(Tensor& a, const std::vector<TensorIndex>& key, const Scalar& value);

// ATen forms: indices[d] indexes dim d (an undefined tensor: the whole dim; a
// mask covers as many dims as it has).
Tensor index(const Tensor& a, const std::vector<Tensor>& indices);
Tensor& index_put_(Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);
Tensor index_put(const Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);

Tensor& index_add_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha = Scalar(int64_t(1)));
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha = Scalar(int64_t(1)));

// (n, a.dim()) int64 coordinates of the non-zero elements, in row-major order.
Tensor nonzero(const Tensor& a);
std::vector<Tensor> nonzero_tuple(const Tensor& a);  // as_tuple=True: one 1-d tensor per dim

Tensor masked_select(const Tensor& a, const Tensor& mask);
Tensor& masked_scatter_(Tensor& a, const Tensor& mask, const Tensor& source);
Tensor masked_scatter(const Tensor& a, const Tensor& mask, const Tensor& source);

}  // namespace st::ops
