// Operator declarations of the "shape_ops" family (definitions in shape_ops.cpp):
// joining and splitting, flips and rolls, repeats, diagonals and triangles,
// index-driven gather/scatter (sorting and unique: sorting.h).
#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <vector>
#include "../core/tensor.h"

namespace st::ops {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& a, const DimVector& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim = 0);
std::vector<Tensor> unbind(const Tensor& a, int64_t dim = 0);

Tensor flip(const Tensor& a, const DimVector& dims);
Tensor roll(const Tensor& a, const DimVector& shifts, const DimVector& dims);
Tensor repeat(const Tensor& a, const DimVector& repeats);
Tensor repeat_interleave(const Tensor& a, int64_t repeats, std::optional<int64_t> dim);
Tensor repeat_interleave(const Tensor& a, const Tensor& repeats, std::optional<int64_t> dim);
Tensor repeat_interleave(const Tensor& repeats);  // [0]*r0 + [1]*r1 + ...
Tensor movedim(const Tensor& a, const DimVector& source, const DimVector& destination);

Tensor diagonal(const Tensor& a, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor diagonal_backward(const Tensor& g, const DimVector& sizes, int64_t offset, int64_t dim1, int64_t dim2);
Tensor diag(const Tensor& a, int64_t diagonal = 0);
Tensor tril(const Tensor& a, int64_t diagonal = 0);
Tensor triu(const Tensor& a, int64_t diagonal = 0);
Tensor& tril_(Tensor& self, int64_t diagonal = 0);
Tensor& triu_(Tensor& self, int64_t diagonal = 0);

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Scalar& value);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor take(const Tensor& a, const Tensor& index);
// reduce: "sum", "prod", "mean", "amax", "amin"; include_self: whether self's value joins its slot's reduction.
Tensor scatter_reduce(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                      bool include_self = true);
Tensor& scatter_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                        bool include_self = true);
// self's slices at index (1-d) along dim reduced with source's ("prod", "mean", "amax", "amin").
Tensor index_reduce(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                    bool include_self = true);
Tensor& index_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                      bool include_self = true);
// self as if flattened: self.flat[index] = source (+= when accumulate); negative indices count from the end.
Tensor put(const Tensor& a, const Tensor& index, const Tensor& source, bool accumulate = false);
Tensor& put_(Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false);

}  // namespace st::ops
