// Data-movement kernels driven by an index tensor (gather, scatter,
// index_select, take) plus the per-row sort behind sort/topk/unique, and the
// triangle mask of tril/triu. Outputs are allocated by ops/; indices are int64
// and already range-checked there (see indices_in_range).
#pragma once
#include "../core/tensor.h"

namespace st::kernels {

// True when every value of the int64 tensor `idx` lies in [lo, hi); otherwise
// `bad` receives the first value outside.
bool indices_in_range(const Tensor& idx, int64_t lo, int64_t hi, int64_t& bad);

// out[p] = src[p with coordinate `dim` replaced by index[p]] for every p in out's
// shape. index (int64) has out's shape with any strides (0 on broadcast dims);
// src has out's number of dims and sizes >= out's apart from `dim`. A negative
// index counts from the end of `dim`.
void gather(const Tensor& out, const Tensor& src, int64_t dim, const Tensor& index);

// self[p with coordinate `dim` replaced by index[p]] = src[p] (+= when
// accumulate) for every p in index's shape; src has self's dtype and is read
// with its own strides (0 for one broadcast value). Runs on one thread so
// repeated indices accumulate deterministically. check_index: the indices
// have not been range-checked; each must lie in [0, size of dim) and the first
// that does not raises "index i is out of bounds for dimension d with size n"
// (the writes before it stay, as PyTorch's kernel leaves them). Otherwise they
// are in range already, negative ones counting from the end.
void scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate,
             bool check_index = false);

// scatter with a reduction: self[p with coordinate `dim` replaced by index[p]]
// = op(that, src[p]); Max/Min let NaN win; on bool, Sum/Max are `or` and
// Prod/Min `and`. One thread (a fixed order for repeated indices).
enum class ScatterOp { Sum, Prod, Max, Min };
void scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, ScatterOp op,
                    bool check_index = false);

// Sorts every row of src along `dim` (NaN counts as the largest value, ties
// keep their original order) and writes the first k = values.size(dim)
// values and their int64 positions.
void sort(const Tensor& values, const Tensor& indices, const Tensor& src, int64_t dim, bool descending);

// Zeroes, in place, the entries of the last two dims of t above diagonal k
// (lower == true, tril) or below it (triu).
void triangle(const Tensor& t, int64_t k, bool lower);

// Distinct values of a 1-d tensor in ascending order; inverse[i] is the slot
// of flat[i] among them and counts[j] how often value j occurs (int64).
Tensor unique(const Tensor& flat, Tensor& inverse, Tensor& counts);

// Distinct rows of a contiguous (n, m) tensor in lexicographic order: returns
// the index of one row of each (int64, in that order); inverse[i] is the slot
// of row i among them and counts[j] how often row j occurs.
Tensor unique_rows(const Tensor& rows, Tensor& inverse, Tensor& counts);

}  // namespace st::kernels
