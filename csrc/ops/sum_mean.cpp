// Reductions: sum and mean over all elements or over dims, with backward; also
// reduce_mask (internal.h) and sum_to (ops.h). The other reductions: reductions.cpp.
#include "internal.h"

namespace st::ops {

std::vector<bool> reduce_mask(const Tensor& a, const IntList& dims, bool all_if_empty) {
  int64_t nd = a.dim();
  std::vector<bool> mask(std::max<int64_t>(nd, 0), dims.empty() && all_if_empty);
  for (auto d : dims) {
    int64_t w = wrap_dim(d, nd);
    if (nd == 0) continue;
    ST_CHECK(!mask[w], "dim ", w, " appears multiple times in the list of dims");
    mask[w] = true;
  }
  return mask;
}

namespace {

ScalarType sum_type(ScalarType in, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return is_floating(in) ? in : ScalarType::Int64;
}

// Reduces into a keepdim-shaped tensor, then drops the reduced dims unless keepdim.
Tensor sum_raw(const Tensor& a, const std::vector<bool>& mask, bool keepdim, ScalarType out_type) {
  DimVector kept(a.dim());
  DimVector squeezed;
  for (int64_t d = 0; d < a.dim(); ++d) {
    kept[d] = mask[d] ? 1 : a.sizes()[d];
    if (!mask[d]) squeezed.push_back(a.sizes()[d]);
  }
  ScalarType acc = is_floating(a.dtype()) ? a.dtype() : ScalarType::Int64;
  Tensor src = a;
  if (out_type != a.dtype()) {  // sum(dtype=...) casts the input first, as PyTorch: [1.5, 2.5] -> int64 sums 1 + 2
    src = cast_raw(a, out_type);
    acc = is_floating(out_type) ? out_type : ScalarType::Int64;
  }
  Tensor out = st::empty(kept, acc);
  kernels::sum(out, src, mask);
  if (!keepdim) out = make_view(out, squeezed, contiguous_strides(squeezed), 0);
  return cast_raw(out, out_type);
}

// The reduced dims of a mask, for grad_fn._saved_dim.
DimVector mask_dims(const std::vector<bool>& mask) {
  DimVector dims;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) dims.push_back(static_cast<int64_t>(d));
  return dims;
}

// The formulas of the nodes below, as the backward trace explains them.
ST_VJP_FORMULA("SumBackward0", "grad_self = grad expanded to self's shape")
ST_VJP_FORMULA("SumBackward1", "grad_self = grad (reduced dims put back) expanded to self's shape")
ST_VJP_FORMULA("MeanBackward0", "grad_self = grad / numel(self), expanded to self's shape")
ST_VJP_FORMULA("MeanBackward1", "grad_self = grad / (size of the reduced dims), expanded to self's shape")

struct SumBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  const char* name() const override { return "SumBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
  TensorList apply(TensorList&& g) override { return {expand(g[0], sizes)}; }
};

struct SumBackward1 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  std::vector<bool> mask;
  bool keepdim = false;
  const char* name() const override { return "SumBackward1"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", mask_dims(mask)));
    out.push_back(SavedField::of("keepdim", Scalar(keepdim)));
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
  TensorList apply(TensorList&& g) override {
    Tensor r = g[0];
    if (!keepdim)
      for (int64_t d = 0; d < static_cast<int64_t>(mask.size()); ++d)
        if (mask[d]) r = unsqueeze(r, d);
    return {expand(r, sizes)};
  }
};

struct MeanBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  int64_t count = 1;
  const char* name() const override { return "MeanBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self_sym_numel", Scalar(count)));
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
  TensorList apply(TensorList&& g) override {
    return {div(expand(g[0], sizes), Scalar(static_cast<double>(count)))};
  }
};

struct MeanBackward1 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  std::vector<bool> mask;
  bool keepdim = false;
  int64_t count = 1;
  const char* name() const override { return "MeanBackward1"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", mask_dims(mask)));
    out.push_back(SavedField::of("keepdim", Scalar(keepdim)));
    int64_t numel = 1;
    for (int64_t n : sizes) numel *= n;
    out.push_back(SavedField::of("self_sym_numel", Scalar(numel)));
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
  TensorList apply(TensorList&& g) override {
    Tensor r = g[0];
    if (!keepdim)
      for (int64_t d = 0; d < static_cast<int64_t>(mask.size()); ++d)
        if (mask[d]) r = unsqueeze(r, d);
    return {div(expand(r, sizes), Scalar(static_cast<double>(count)))};
  }
};

void check_mean_dtype(const Tensor& a, std::optional<ScalarType> dtype) {
  ScalarType t = dtype ? *dtype : a.dtype();
  ST_CHECK(is_floating(t), "mean(): could not infer output dtype. ",
           dtype ? "Optional dtype" : "Input dtype", " must be either a floating point or complex dtype. Got: ",
           torch_type_name(t));
}

}  // namespace

Tensor sum(const Tensor& a, std::optional<ScalarType> dtype) {
  std::vector<bool> mask(a.dim(), true);
  Tensor out = sum_raw(a, mask, false, sum_type(a.dtype(), dtype));
  if (auto n = make_node<SumBackward0>({&a})) { n->sizes = a.sizes(); autograd::set_history(out, n); }
  forward_ad::linear(out, a, [&](const Tensor& t) { return sum(t); });
  return out;
}

Tensor sum(const Tensor& a, const IntList& dims, bool keepdim, std::optional<ScalarType> dtype) {
  auto mask = reduce_mask(a, dims, true);
  Tensor out = sum_raw(a, mask, keepdim, sum_type(a.dtype(), dtype));
  if (auto n = make_node<SumBackward1>({&a})) {
    n->sizes = a.sizes();
    n->mask = mask;
    n->keepdim = keepdim;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return sum(t, dims, keepdim); });
  return out;
}

Tensor mean(const Tensor& a, std::optional<ScalarType> dtype) {
  check_mean_dtype(a, dtype);
  std::vector<bool> mask(a.dim(), true);
  ScalarType t = dtype ? *dtype : a.dtype();
  Tensor s = sum_raw(a, mask, false, t);
  Tensor out = st::empty({}, t);
  kernels::binary_scalar(kernels::BinaryOp::Div, out, s, Scalar(static_cast<double>(a.numel())), false);
  if (auto n = make_node<MeanBackward0>({&a})) {
    n->sizes = a.sizes();
    n->count = a.numel();
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return mean(t); });
  return out;
}

Tensor mean(const Tensor& a, const IntList& dims, bool keepdim, std::optional<ScalarType> dtype) {
  check_mean_dtype(a, dtype);
  auto mask = reduce_mask(a, dims, true);
  ScalarType t = dtype ? *dtype : a.dtype();
  int64_t count = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (mask[d]) count *= a.sizes()[d];
  Tensor s = sum_raw(a, mask, keepdim, t);
  Tensor out = st::empty(s.sizes(), t);
  kernels::binary_scalar(kernels::BinaryOp::Div, out, s, Scalar(static_cast<double>(count)), false);
  if (auto n = make_node<MeanBackward1>({&a})) {
    n->sizes = a.sizes();
    n->mask = mask;
    n->keepdim = keepdim;
    n->count = count;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return mean(t, dims, keepdim); });
  return out;
}

Tensor sum_to(const Tensor& g, const IntList& sizes) {
  if (g.sizes() == sizes) return g;
  int64_t lead = g.dim() - static_cast<int64_t>(sizes.size());
  ST_CHECK(lead >= 0, "sum_to: cannot sum a tensor of shape ", shape_str(g.sizes()), " to shape ",
           shape_str(sizes));
  DimVector dims;
  for (int64_t d = 0; d < lead; ++d) dims.push_back(d);
  for (int64_t d = lead; d < g.dim(); ++d) {
    int64_t want = sizes[d - lead];
    if (want == 1 && g.sizes()[d] != 1) dims.push_back(d);
    else
      ST_CHECK(want == g.sizes()[d], "sum_to: cannot sum a tensor of shape ", shape_str(g.sizes()), " to shape ",
               shape_str(sizes));
  }
  Tensor r = dims.empty() ? g : sum(g, dims, true);
  return lead > 0 || r.sizes() != sizes ? view(r, sizes) : r;
}

}  // namespace st::ops
