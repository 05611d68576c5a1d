// Kernels of advanced indexing. The op (ops/indexing.cpp) folds the
// index tensors into one int64 tensor of element offsets over their broadcast
// shape B, then views source/destination and offsets with the result's shape
// (pre dims, B, post dims): the data operand has stride 0 on B, the offsets
// stride 0 outside B, so one strided loop moves every element.
#pragma once
#include "../core/tensor.h"

namespace st::kernels {

// off[b] += wrap(idx[b]) * stride for every b (off contiguous int64, idx int64
// with off's shape, any strides); wrap adds size to negative indices. Returns
// false, with the offending value in `bad`, when an index is outside [-size, size).
bool index_offsets(const Tensor& off, const Tensor& idx, int64_t size, int64_t stride, int64_t& bad);

// out[p] = element at (src[p] + off[p]) for every p of out's shape; src and off
// are views with out's shape (element offsets). Splits large work over threads.
void index_gather(const Tensor& out, const Tensor& src, const Tensor& off);

// element at (dst[p] + off[p]) = val[p] (+= when accumulate) for every p; val is
// contiguous with dst's dtype. One thread, row-major order: the last of
// repeated positions wins.
void index_put(const Tensor& dst, const Tensor& off, const Tensor& val, bool accumulate);

// (n, t.dim()) int64 coordinates of the non-zero elements of t, row-major.
Tensor nonzero(const Tensor& t);

}  // namespace st::kernels
