// Operator declarations of the sorting and searching family (definitions in sorting.cpp).
#pragma once
#include <optional>
#include <tuple>
#include <utility>
#include "../core/tensor.h"

namespace st::ops {

// (values, int64 indices); the sort is always stable (`stable` given only picks the
// node name, SortBackward1, as PyTorch's sort.stable overload does).
std::pair<Tensor, Tensor> sort(const Tensor& a, int64_t dim = -1, bool descending = false,
                               std::optional<bool> stable = std::nullopt);
Tensor argsort(const Tensor& a, int64_t dim = -1, bool descending = false, std::optional<bool> stable = std::nullopt);
std::pair<Tensor, Tensor> topk(const Tensor& a, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
// (sorted distinct values, inverse indices shaped like a, counts); no gradient.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& a, std::optional<int64_t> dim = std::nullopt);

}  // namespace st::ops
