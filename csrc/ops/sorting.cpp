// Sorting and searching ops (sort, argsort, topk, unique), each with its
// backward node next to it; kernels in kernels/gather.cpp.
#include "../kernels/gather.h"
#include "internal.h"

namespace st::ops {

using autograd::AutoGradMode;

namespace {

struct SortBackward : Node {  // SortBackward0 / TopkBackward0
  static constexpr bool jvp = true;  // the tangent gathered at the indices
  const char* which = "SortBackward0";
  SavedTensor indices;
  DimVector sizes;
  int64_t dim = 0;
  const char* name() const override { return which; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", Scalar(dim)));
    out.push_back(SavedField::of("indices", indices));
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
  TensorList apply(TensorList&& g) override {
    return {scatter(zeros(sizes, g[0].dtype()), dim, indices.unpack(*this), g[0])};
  }
  void release_variables() override { indices.release(); }
};

std::pair<Tensor, Tensor> sort_impl(const Tensor& a, int64_t k, int64_t d, bool descending, const char* which) {
  DimVector os = a.sizes();
  if (a.dim() > 0) os[d] = k;
  Tensor values = st::empty(os, a.dtype()), indices = st::empty(os, ScalarType::Int64);
  kernels::sort(as1d(values), as1d(indices), as1d(a), d, descending);
  if (auto n = make_node<SortBackward>({&a})) {
    n->which = which; n->indices.save(indices); n->sizes = a.sizes(); n->dim = d;
    autograd::set_history(values, n);
  }
  forward_ad::linear(values, a, [&](const Tensor& t) { return a.dim() ? gather(t, d, indices) : clone(t); });
  return {values, indices};
}
}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& a, int64_t dim, bool descending, std::optional<bool> stable) {
  const int64_t d = wrap_dim(dim, a.dim());  // the sort is always stable
  return sort_impl(a, a.dim() ? a.sizes()[d] : 1, d, descending, stable ? "SortBackward1" : "SortBackward0");
}

Tensor argsort(const Tensor& a, int64_t dim, bool descending, std::optional<bool> stable) {
  AutoGradMode off(false);
  return sort(a, dim, descending, stable).second;
}

std::pair<Tensor, Tensor> topk(const Tensor& a, int64_t k, int64_t dim, bool largest, bool /*sorted: always*/) {
  const int64_t d = wrap_dim(dim, a.dim());
  const int64_t n = a.dim() ? a.sizes()[d] : 1;
  ST_CHECK(k >= 0 && k <= n, "selected index k out of range (k = ", k, ", size of dimension ", d, " = ", n, ")");
  return sort_impl(a, k, d, largest, "TopkBackward0");
}

namespace {
// PyTorch records a node for unique's values whose backward is not implemented.
struct Unique2Backward0 : Node {
  const char* name() const override { return "Unique2Backward0"; }
  TensorList apply(TensorList&&) override {
    throw NotImplementedError("the derivative for '_unique2' is not implemented.");
  }
};

// unique(dim=): the same for its node, under PyTorch's name for it.
struct UniqueDimBackward0 : Node {
  const char* name() const override { return "UniqueDimBackward0"; }
  TensorList apply(TensorList&&) override {
    throw NotImplementedError("the derivative for 'unique_dim' is not implemented.");
  }
};

std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& a, int64_t dim) {
  ST_CHECK_T(a.dim() > 0, IndexError, "Dimension specified as ", dim, " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, a.dim());
  for (int64_t k = 0; k < a.dim(); ++k)
    ST_CHECK(k == d || a.sizes()[k] != 0,
             "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied");
  const int64_t n = a.sizes()[d];
  Tensor values, inverse, counts;
  {
    autograd::AutoGradMode no_grad(false);
    Tensor rows = contiguous(movedim(a, {d}, {0}));
    rows = make_view(rows, {n, n ? a.numel() / n : 0}, {n ? a.numel() / n : 0, 1}, rows.impl()->offset());
    Tensor index = kernels::unique_rows(rows, inverse, counts);
    values = index_select(a, d, index);
  }
  if (auto node = make_node<UniqueDimBackward0>({&a})) autograd::set_history(values, node);
  return {values, inverse, counts};
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& a, std::optional<int64_t> dim) {
  if (dim) return unique_dim(a, *dim);
  Tensor c = a.is_contiguous() ? a : copy_raw(a);
  Tensor inverse, counts;
  Tensor values = kernels::unique(make_view(c, {a.numel()}, {1}, c.impl()->offset()), inverse, counts);
  inverse.impl()->set_geometry(a.sizes(), contiguous_strides(a.sizes()), 0);
  if (auto n = make_node<Unique2Backward0>({&a})) autograd::set_history(values, n);
  return {values, inverse, counts};
}

}  // namespace st::ops
