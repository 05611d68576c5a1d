// Views (sharing storage), copies, conversions and the in-place fills, each
// with its backward (indexing lives in indexing.cpp).
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>
#include "internal.h"

namespace st::ops {

using autograd::get_meta;
using autograd::NodePtr;

Tensor alias_raw(const Tensor& t) { return make_view(t, t.sizes(), t.strides(), t.impl()->offset()); }

void set_view_history(const Tensor& view, const Tensor& base, const std::shared_ptr<Node>& fn,
                      ViewCreation creation, uint32_t output_nr) {
  autograd::make_differentiable_view(view, base, creation);
  if (fn) autograd::set_history(view, fn, output_nr);
  if (forward_ad::active()) forward_ad::propagate_view(view, base);  // the same view of base's tangent
}

void check_inplace(const Tensor& self, const char* op, const Tensor* other) {
  if (!autograd::GradMode::is_enabled()) return;
  autograd::check_inplace(
      self, autograd::requires_grad(self) || (other && other->defined() && autograd::requires_grad(*other)), op);
}

void check_inplace_result(const Tensor& self, ScalarType rt, const DimVector& other_sizes, const char* op) {
  ST_CHECK(can_cast(rt, self.dtype()), op, ": result type ", dtype_name(rt),
           " can't be cast to the desired output type ", dtype_name(self.dtype()));
  if (other_sizes != self.sizes()) {
    DimVector bs = broadcast_shapes(self.sizes(), other_sizes);
    ST_CHECK(bs == self.sizes(), op, ": output with shape ", shape_str(self.sizes()),
             " doesn't match the broadcast shape ", shape_str(bs));
  }
  check_no_internal_overlap(self);
}

namespace {

// Whether t's elements fill a block of memory exactly once in some order of its dims.
bool dense_without_overlap(const Tensor& t) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of the dims that step
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.sizes()[d] != 1) dims.emplace_back(t.strides()[d], t.sizes()[d]);
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

}  // namespace

void check_no_partial_overlap(const Tensor& written, const Tensor& input) {
  if (!input.defined() || written.is_same(input) || written.numel() == 0 || input.numel() == 0) return;
  if (written.impl()->storage() != input.impl()->storage()) return;
  if (!dense_without_overlap(written) || !dense_without_overlap(input)) return;
  const auto range = [](const Tensor& t) {  // the bytes t spans
    const int64_t begin = t.impl()->offset() * int64_t(element_size(t.dtype()));
    return std::pair<int64_t, int64_t>{begin, begin + t.numel() * int64_t(element_size(t.dtype()))};
  };
  const auto [wb, we] = range(written);
  const auto [ib, ie] = range(input);
  const bool same_block = wb == ib && we == ie && written.strides() == input.strides();
  ST_CHECK(same_block || we <= ib || ie <= wb,
           "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
           "memory location. Please clone() the tensor before performing the operation.");
}

bool resize_output(Tensor& out, const DimVector& shape) {
  if (out.sizes() == shape) return false;
  if (out.numel() != 0)
    warn(str("An output with one or more elements was resized since it had shape ", shape_str(out.sizes()),
             ", which does not match the required output shape ", shape_str(shape),
             ". This behavior is deprecated, and in a future PyTorch release outputs will not be resized unless "
             "they have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
             "elements with t.resize_(0)."));
  return out.impl()->resize(shape);
}

namespace {

struct ViewBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  const char* name() const override { return "ViewBackward0"; }
  TensorList apply(TensorList&& g) override { return {reshape(g[0], sizes)}; }
};
struct UnsafeViewBackward0 : ViewBackward0 {
  const char* name() const override { return "UnsafeViewBackward0"; }
};
struct ReshapeAliasBackward0 : ViewBackward0 {
  const char* name() const override { return "ReshapeAliasBackward0"; }
};
struct TransposeBackward0 : Node {
  static constexpr bool jvp = true;
  int64_t d0 = 0, d1 = 0;
  const char* which = "TransposeBackward0";  // TransposeBackward1: transpose_
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override { return {transpose(g[0], d0, d1)}; }
};
struct TBackward0 : Node {
  static constexpr bool jvp = true;
  const char* which = "TBackward0";  // TBackward1: t_
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override { return {t(g[0])}; }
};
struct PermuteBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector inverse;
  const char* name() const override { return "PermuteBackward0"; }
  TensorList apply(TensorList&& g) override { return {permute(g[0], inverse)}; }
};
struct ExpandBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  const char* name() const override { return "ExpandBackward0"; }
  TensorList apply(TensorList&& g) override { return {sum_to(g[0], sizes)}; }
};
struct SqueezeBackward : Node {  // 0: all dims, 1: one dim, 2: several dims (3, 4, 5: squeeze_)
  static constexpr bool jvp = true;
  DimVector sizes;
  const char* which = "SqueezeBackward0";
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override { return {reshape(g[0], sizes)}; }
};
struct UnsqueezeBackward0 : Node {
  static constexpr bool jvp = true;
  int64_t dim = 0;
  const char* which = "UnsqueezeBackward0";  // UnsqueezeBackward1: unsqueeze_
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override { return {squeeze(g[0], dim)}; }
};
struct SelectBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  int64_t dim = 0, index = 0;
  const char* name() const override { return "SelectBackward0"; }
  TensorList apply(TensorList&& g) override { return {select_backward(g[0], sizes, dim, index)}; }
};
struct SliceBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  int64_t dim = 0, start = 0, end = 0, step = 1;
  const char* name() const override { return "SliceBackward0"; }
  TensorList apply(TensorList&& g) override { return {slice_backward(g[0], sizes, dim, start, end, step)}; }
};
struct SelectBackwardBackward0 : Node {
  int64_t dim = 0, index = 0;
  const char* name() const override { return "SelectBackwardBackward0"; }
  TensorList apply(TensorList&& g) override { return {select(g[0], dim, index)}; }
};
struct SliceBackwardBackward0 : Node {
  int64_t dim = 0, start = 0, end = 0, step = 1;
  const char* name() const override { return "SliceBackwardBackward0"; }
  TensorList apply(TensorList&& g) override { return {slice(g[0], dim, start, end, step)}; }
};
struct AliasBackward0 : Node {
  static constexpr bool jvp = true;
  const char* name() const override { return "AliasBackward0"; }
  TensorList apply(TensorList&& g) override { return {g[0]}; }
};
struct CloneBackward0 : Node {
  static constexpr bool jvp = true;
  const char* name() const override { return "CloneBackward0"; }
  TensorList apply(TensorList&& g) override { return {g[0]}; }
};
struct ToCopyBackward0 : Node {
  static constexpr bool jvp = true;
  ScalarType dtype = ScalarType::Float32;
  const char* name() const override { return "ToCopyBackward0"; }
  TensorList apply(TensorList&& g) override { return {to_dtype(g[0], dtype)}; }
};
struct CopyBackwards : Node {
  static constexpr bool jvp = true;
  DimVector src_sizes;
  ScalarType src_dtype = ScalarType::Float32;
  const char* name() const override { return "torch::autograd::CopyBackwards"; }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) r[0] = zeros(g[0].sizes(), g[0].dtype());
    if (should_compute(1)) r[1] = to_dtype(sum_to(g[0], src_sizes), src_dtype);
    return r;
  }
};
struct ZeroBackward0 : Node {
  static constexpr bool jvp = true;
  const char* name() const override { return "ZeroBackward0"; }
  TensorList apply(TensorList&& g) override { return {zeros(g[0].sizes(), g[0].dtype())}; }
};
struct FillBackward : Node {  // 2: fill_(scalar), 3: fill_(tensor)
  static constexpr bool jvp = true;
  const char* which = "FillBackward2";
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override {
    TensorList r(next_edges.size());
    r[0] = zeros(g[0].sizes(), g[0].dtype());
    if (should_compute(1)) r[1] = sum(g[0]);
    return r;
  }
};

struct UnfoldBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector sizes;
  int64_t dim = 0, size = 0, step = 1;
  const char* name() const override { return "UnfoldBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dimension", Scalar(dim)));
    out.push_back(SavedField::of("self_sym_sizes", sizes));
    out.push_back(SavedField::of("size", Scalar(size)));
    out.push_back(SavedField::of("step", Scalar(step)));
  }
  TensorList apply(TensorList&& g) override { return {unfold_backward(g[0], sizes, dim, size, step)}; }
};

DimVector inverse_perm(const DimVector& p) {
  DimVector inv(p.size());
  for (size_t i = 0; i < p.size(); ++i) inv[p[i]] = static_cast<int64_t>(i);
  return inv;
}

Tensor view_raw(const Tensor& a, const DimVector& sizes, const DimVector& strides, int64_t offset) {
  return make_view(a, sizes, strides, offset);
}

}  // namespace

// ------------------------------------------------------------ views

Tensor view_dtype(const Tensor& a, ScalarType dt) {
  const int64_t from = static_cast<int64_t>(element_size(a.dtype())), to = static_cast<int64_t>(element_size(dt));
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t offset = a.impl()->offset();
  if (from != to) {
    const std::string what = str(" to view ", torch_type_name(a.dtype()), " as ", torch_type_name(dt),
                                 " (different element sizes)");
    ST_CHECK(a.dim() > 0, "self.dim() cannot be 0", what);
    const int64_t last = a.dim() - 1;
    ST_CHECK(strides[last] == 1, "self.stride(-1) must be 1", what, ", but got ", strides[last]);
    if (to > from) {
      const int64_t r = to / from;
      ST_CHECK(sizes[last] % r == 0, "self.size(-1) must be divisible by ", r, what, ", but got ", sizes[last]);
      ST_CHECK(offset % r == 0, "self.storage_offset() must be divisible by ", r, what, ", but got ", offset);
      for (int64_t d = 0; d < last; ++d)
        ST_CHECK(strides[d] % r == 0, "self.stride(", d, ") must be divisible by ", r, what, ", but got ", strides[d]);
      sizes[last] /= r;
      for (int64_t d = 0; d < last; ++d) strides[d] /= r;
      offset /= r;
    } else {
      const int64_t r = from / to;
      sizes[last] *= r;
      for (int64_t d = 0; d < last; ++d) strides[d] *= r;
      offset *= r;
    }
  }
  Tensor v(std::make_shared<TensorImpl>(a.impl()->storage(), offset, std::move(sizes), std::move(strides), dt,
                                        a.impl()->version_counter()));
  v.impl()->is_view = true;
  return v;
}

Tensor view(const Tensor& a, const IntList& shape) {
  DimVector sizes = infer_size(shape, a.numel());
  DimVector strides;
  ST_CHECK(view_strides(a.sizes(), a.strides(), sizes, strides),
           "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
           "two contiguous subspaces): input of shape ", shape_str(a.sizes()), " and strides ",
           shape_str(a.strides()), " viewed as ", shape_str(sizes), ". Use .reshape(...) instead.");
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  auto n = make_node<ViewBackward0>({&a});
  if (n) n->sizes = a.sizes();
  set_view_history(out, a, n);
  return out;
}

Tensor reshape(const Tensor& a, const IntList& shape) {
  DimVector sizes = infer_size(shape, a.numel());
  DimVector strides;
  if (view_strides(a.sizes(), a.strides(), sizes, strides)) {
    if (a.is_contiguous()) return view(a, sizes);
    // a strided input that can still be viewed: PyTorch's _reshape_alias
    Tensor out = make_view(a, sizes, strides, a.impl()->offset());
    auto n = make_node<ReshapeAliasBackward0>({&a});
    if (n) n->sizes = a.sizes();
    set_view_history(out, a, n);
    return out;
  }
  Tensor c = clone(a);
  Tensor out = view_raw(c, sizes, contiguous_strides(sizes), 0);
  if (auto n = make_node<UnsafeViewBackward0>({&c})) { n->sizes = a.sizes(); autograd::set_history(out, n); }
  if (forward_ad::active()) forward_ad::propagate_view(out, c);
  return out;
}

Tensor flatten(const Tensor& a, int64_t start, int64_t end) {
  int64_t nd = a.dim();
  if (nd == 0) return reshape(a, {1});
  int64_t s = wrap_dim(start, nd), e = wrap_dim(end, nd);
  ST_CHECK(s <= e, "flatten() has invalid args: start_dim (", start, ") cannot come after end_dim (", end, ")");
  if (s == e) return a;
  DimVector shape;
  for (int64_t d = 0; d < s; ++d) shape.push_back(a.sizes()[d]);
  int64_t prod = 1;
  for (int64_t d = s; d <= e; ++d) prod *= a.sizes()[d];
  shape.push_back(prod);
  for (int64_t d = e + 1; d < nd; ++d) shape.push_back(a.sizes()[d]);
  return reshape(a, shape);
}

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1) {
  int64_t nd = a.dim();
  int64_t x = wrap_dim(d0, nd), y = wrap_dim(d1, nd);
  DimVector sizes = a.sizes(), strides = a.strides();
  if (nd > 0) { std::swap(sizes[x], sizes[y]); std::swap(strides[x], strides[y]); }
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  auto n = make_node<TransposeBackward0>({&a});
  if (n) { n->d0 = x; n->d1 = y; }
  set_view_history(out, a, n);
  return out;
}

Tensor t(const Tensor& a) {
  ST_CHECK(a.dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is ", a.dim(), "D");
  DimVector sizes = a.sizes(), strides = a.strides();
  if (a.dim() == 2) { std::swap(sizes[0], sizes[1]); std::swap(strides[0], strides[1]); }
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  set_view_history(out, a, make_node<TBackward0>({&a}));
  return out;
}

Tensor numpy_T(const Tensor& a) {
  DimVector p(a.dim());
  for (int64_t i = 0; i < a.dim(); ++i) p[i] = a.dim() - 1 - i;
  return permute(a, p);
}

Tensor mT(const Tensor& a) {
  ST_CHECK(a.dim() >= 2, "tensor.mT is only supported on matrices or batches of matrices. Got ", a.dim(),
           "-D tensor.");
  return transpose(a, -2, -1);
}

Tensor permute(const Tensor& a, const IntList& dims) {
  int64_t nd = a.dim();
  ST_CHECK(static_cast<int64_t>(dims.size()) == nd, "permute(sparse_coo): number of dimensions in the tensor input "
           "does not match the length of the desired ordering of dimensions i.e. input.dim() = ", nd,
           " is not equal to len(dims) = ", dims.size());
  DimVector p(nd), sizes(nd), strides(nd);
  std::vector<bool> seen(nd, false);
  for (int64_t i = 0; i < nd; ++i) {
    p[i] = wrap_dim(dims[i], nd);
    ST_CHECK(!seen[p[i]], "permute(): duplicate dims are not allowed (dims ", shape_str(dims), ")");
    seen[p[i]] = true;
    sizes[i] = a.sizes()[p[i]];
    strides[i] = a.strides()[p[i]];
  }
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  auto n = make_node<PermuteBackward0>({&a});
  if (n) n->inverse = inverse_perm(p);
  set_view_history(out, a, n);
  return out;
}

Tensor expand(const Tensor& a, const IntList& shape) {
  int64_t nd = static_cast<int64_t>(shape.size());
  ST_CHECK(nd >= a.dim(), "expand: the number of sizes provided (", nd, ") must be greater or equal to the number "
           "of dimensions in the tensor (", a.dim(), ")");
  DimVector sizes(nd), strides(nd);
  int64_t off = nd - a.dim();
  for (int64_t i = nd - 1; i >= 0; --i) {
    int64_t want = shape[i];
    if (i < off) {
      ST_CHECK(want >= 0, "expand: -1 is not allowed in a leading, non-existing dimension ", i);
      sizes[i] = want;
      // a new size-1 dim gets the stride a contiguous layout would give it (as PyTorch does)
      strides[i] = want == 1 ? (i + 1 < nd ? sizes[i + 1] * strides[i + 1] : 1) : 0;
      continue;
    }
    int64_t have = a.sizes()[i - off];
    if (want == -1) want = have;
    ST_CHECK(have == want || have == 1, "The expanded size of the tensor (", want, ") must match the existing size (",
             have, ") at non-singleton dimension ", i, ".  Target sizes: ", shape_str(shape),
             ".  Tensor sizes: ", shape_str(a.sizes()));
    sizes[i] = want;
    strides[i] = have == want ? a.strides()[i - off] : 0;
  }
  checked_numel(sizes);
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  auto n = make_node<ExpandBackward0>({&a});
  if (n) n->sizes = a.sizes();
  set_view_history(out, a, n);
  return out;
}

namespace {
Tensor squeeze_impl(const Tensor& a, const std::vector<bool>& mask, const char* which) {
  DimVector sizes, strides;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!(mask[d] && a.sizes()[d] == 1)) { sizes.push_back(a.sizes()[d]); strides.push_back(a.strides()[d]); }
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  auto n = make_node<SqueezeBackward>({&a});
  if (n) { n->sizes = a.sizes(); n->which = which; }
  set_view_history(out, a, n);
  return out;
}
}  // namespace

Tensor squeeze(const Tensor& a) { return squeeze_impl(a, std::vector<bool>(a.dim(), true), "SqueezeBackward0"); }

Tensor squeeze(const Tensor& a, int64_t dim) {
  std::vector<bool> mask(a.dim(), false);
  int64_t d = wrap_dim(dim, a.dim());
  if (a.dim() > 0) mask[d] = true;
  return squeeze_impl(a, mask, "SqueezeBackward1");
}

Tensor squeeze(const Tensor& a, const IntList& dims) {
  std::vector<bool> mask(a.dim(), false);
  for (auto dim : dims) {
    int64_t d = wrap_dim(dim, a.dim());
    if (a.dim() > 0) mask[d] = true;
  }
  return squeeze_impl(a, mask, "SqueezeBackward2");
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim() + 1);
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t st = d < a.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(d, 1);
  strides.insert(d, st);
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  auto n = make_node<UnsqueezeBackward0>({&a});
  if (n) n->dim = d;
  set_view_history(out, a, n);
  return out;
}

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  ST_CHECK_T(a.dim() > 0, IndexError, "select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t size = a.sizes()[d];
  ST_CHECK_T(index >= -size && index < size, IndexError, "index ", index, " is out of bounds for dimension ", d,
             " with size ", size);
  int64_t i = index < 0 ? index + size : index;
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t offset = a.impl()->offset() + i * strides[d];
  sizes.erase(d);
  strides.erase(d);
  Tensor out = view_raw(a, sizes, strides, offset);
  auto n = make_node<SelectBackward0>({&a});
  if (n) { n->sizes = a.sizes(); n->dim = d; n->index = i; }
  set_view_history(out, a, n);
  return out;
}

Tensor slice(const Tensor& a, int64_t dim, std::optional<int64_t> start_, std::optional<int64_t> end_, int64_t step) {
  ST_CHECK_T(a.dim() > 0, IndexError, "slice() cannot be applied to a 0-dim tensor.");
  ST_CHECK_T(step > 0, ValueError, "step must be greater than zero");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t size = a.sizes()[d];
  int64_t start = start_.value_or(0), end = end_.value_or(size);
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::min(std::max<int64_t>(start, 0), size);
  end = std::min(std::max<int64_t>(end, start), size);
  int64_t len = (end - start + step - 1) / step;
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t offset = a.impl()->offset() + start * strides[d];
  sizes[d] = len;
  strides[d] *= step;
  Tensor out = view_raw(a, sizes, strides, offset);
  auto n = make_node<SliceBackward0>({&a});
  if (n) { n->sizes = a.sizes(); n->dim = d; n->start = start; n->end = end; n->step = step; }
  set_view_history(out, a, n);
  return out;
}

Tensor alias(const Tensor& a) {
  Tensor out = alias_raw(a);
  set_view_history(out, a, make_node<AliasBackward0>({&a}));
  return out;
}

// ------------------------------------------------------------ strided views

namespace {
// The checks PyTorch makes of an explicit geometry over a's storage.
void check_geometry(const Tensor& a, const IntList& size, const IntList& stride, int64_t offset) {
  ST_CHECK(size.size() == stride.size(), "mismatch in length of strides and shape");
  for (auto st : stride)
    ST_CHECK(st >= 0, "as_strided: Negative strides are not supported at the moment, got strides: ",
             shape_str(stride));
  ST_CHECK(offset >= 0, "Tensor: invalid storage offset ", offset);
  bool empty = false;
  for (auto sz : size) {
    ST_CHECK(sz >= 0, "Storage size calculation overflowed with sizes=", shape_str(size), " and strides=",
             shape_str(stride));
    empty = empty || sz == 0;
  }
  const int64_t item = static_cast<int64_t>(element_size(a.dtype()));
  int64_t need = 0;
  if (!empty) {
    need = 1;
    for (size_t d = 0; d < size.size(); ++d) need += (size[d] - 1) * stride[d];
    need = (need + offset) * item;
  }
  const int64_t have = static_cast<int64_t>(a.impl()->storage()->nbytes());
  ST_CHECK(need <= have, "setStorage: sizes ", shape_str(size), ", strides ", shape_str(stride), ", storage offset ",
           offset, ", and itemsize ", item, " requiring a storage size of ", need,
           " are out of bounds for storage of size ", have);
}

// An in-place view op: self takes the new geometry (its version moves on, as
// PyTorch's); n, when grad is recorded, was made over self's old history and
// becomes its grad_fn (a view stays a view of its base).
Tensor& restride_(Tensor& self, const char* op, const DimVector& sizes, const DimVector& strides, int64_t offset,
                  const NodePtr& n) {
  (void)op;
  // forward mode: self's tangent takes the same new geometry (a view of its old tangent)
  const Tensor old_tangent = forward_ad::active() ? forward_ad::tangent(self) : Tensor();
  const Tensor before = old_tangent.defined() ? make_view(self, self.sizes(), self.strides(), self.impl()->offset())
                                              : Tensor();
  self.impl()->set_geometry(sizes, strides, offset);
  self.impl()->bump_version();
  if (old_tangent.defined()) forward_ad::view_tangent(self, before, old_tangent);
  if (n) {
    autograd::set_history(self, n);
    if (ViewMeta* vm = self.impl()->view_meta()) vm->attr_version = self.impl()->version();
  }
  return self;
}

// The checks of an in-place view op: refused on a leaf that requires grad
// (and on the views autograd refuses to write), as any in-place op.
void check_inplace_view(const Tensor& self) {
  autograd::check_inplace(self, autograd::GradMode::is_enabled() && autograd::requires_grad(self), nullptr);
}
}  // namespace

Tensor as_strided(const Tensor& a, const IntList& size, const IntList& stride, std::optional<int64_t> offset_) {
  const int64_t offset = offset_.value_or(a.impl()->offset());
  check_geometry(a, size, stride, offset);
  Tensor out = view_raw(a, DimVector(size), DimVector(stride), offset);
  NodePtr n;
  if (autograd::any_requires_grad({&a})) n = autograd::as_strided_node(a, out.sizes(), out.strides(), offset, false);
  autograd::make_differentiable_view(out, a, ViewCreation::Default);
  if (n) autograd::set_history(out, n);
  if (forward_ad::active()) forward_ad::propagate_view(out, a);  // the same geometry over a's tangent
  return out;
}

Tensor& as_strided_(Tensor& self, const IntList& size, const IntList& stride, std::optional<int64_t> offset_) {
  const int64_t offset = offset_.value_or(self.impl()->offset());
  check_geometry(self, size, stride, offset);
  check_inplace_view(self);
  NodePtr n;
  if (autograd::any_requires_grad({&self})) n = autograd::as_strided_node(self, DimVector(size), DimVector(stride),
                                                                          offset, true);
  return restride_(self, "as_strided_", DimVector(size), DimVector(stride), offset, n);
}

Tensor unfold(const Tensor& a, int64_t dimension, int64_t size, int64_t step) {
  const int64_t nd = a.dim();
  const int64_t d = wrap_dim(dimension, nd);
  const int64_t len = nd == 0 ? 1 : a.sizes()[d];
  ST_CHECK(size <= len, "maximum size for tensor at dimension ", d, " is ", len, " but size is ", size);
  ST_CHECK(step > 0, "step is ", step, " but must be > 0");
  ST_CHECK(size >= 0, "size is ", size, " but must be >= 0");
  DimVector sizes = a.sizes(), strides = a.strides();
  if (nd == 0) {
    sizes = {size};
    strides = {1};
  } else {
    const int64_t st = strides[d];
    sizes[d] = (len - size) / step + 1;
    strides[d] = st * step;
    sizes.push_back(size);
    strides.push_back(st);
  }
  Tensor out = view_raw(a, sizes, strides, a.impl()->offset());
  auto n = make_node<UnfoldBackward0>({&a});
  if (n) { n->sizes = a.sizes(); n->dim = d; n->size = size; n->step = step; }
  set_view_history(out, a, n);
  return out;
}

Tensor unfold_backward(const Tensor& g, const IntList& sizes, int64_t dim, int64_t size, int64_t step) {
  if (sizes.empty()) return reshape(sum(g), {});  // a 0-d input: its one window
  const int64_t windows = g.sizes()[dim];
  Tensor idx = st::empty({windows * size}, ScalarType::Int64);
  int64_t* p = idx.data<int64_t>();
  for (int64_t w = 0; w < windows; ++w)
    for (int64_t k = 0; k < size; ++k) p[w * size + k] = w * step + k;
  // (..., windows, ..., size) -> (..., windows * size, ...), window by window
  Tensor flat = flatten(movedim(g, {g.dim() - 1}, {dim + 1}), dim, dim + 1);
  return index_add(zeros(sizes, g.dtype()), dim, idx, flat);
}

// ------------------------------------------------------------ in-place views

Tensor& squeeze_(Tensor& self) {
  check_inplace_view(self);
  DimVector sizes, strides;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (self.sizes()[d] != 1) { sizes.push_back(self.sizes()[d]); strides.push_back(self.strides()[d]); }
  auto n = make_node<SqueezeBackward>({&self});
  if (n) { n->sizes = self.sizes(); n->which = "SqueezeBackward3"; }
  return restride_(self, "squeeze_", sizes, strides, self.impl()->offset(), n);
}

Tensor& squeeze_(Tensor& self, const IntList& dims, bool one) {
  std::vector<bool> mask(self.dim(), false);
  for (auto dim : dims) {
    int64_t d = wrap_dim(dim, self.dim());
    if (self.dim() > 0) {
      ST_CHECK(one || !mask[d], "dim ", d, " appears multiple times in the list of dims");
      mask[d] = true;
    }
  }
  check_inplace_view(self);
  DimVector sizes, strides;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (!(mask[d] && self.sizes()[d] == 1)) { sizes.push_back(self.sizes()[d]); strides.push_back(self.strides()[d]); }
  auto n = make_node<SqueezeBackward>({&self});
  if (n) { n->sizes = self.sizes(); n->which = one ? "SqueezeBackward4" : "SqueezeBackward5"; }
  return restride_(self, "squeeze_", sizes, strides, self.impl()->offset(), n);
}

Tensor& unsqueeze_(Tensor& self, int64_t dim) {
  int64_t d = wrap_dim(dim, self.dim() + 1);
  check_inplace_view(self);
  DimVector sizes = self.sizes(), strides = self.strides();
  int64_t st = d < self.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(d, 1);
  strides.insert(d, st);
  auto n = make_node<UnsqueezeBackward0>({&self});
  if (n) { n->dim = d; n->which = "UnsqueezeBackward1"; }
  return restride_(self, "unsqueeze_", sizes, strides, self.impl()->offset(), n);
}

Tensor& transpose_(Tensor& self, int64_t d0, int64_t d1) {
  int64_t nd = self.dim();
  int64_t x = wrap_dim(d0, nd), y = wrap_dim(d1, nd);
  check_inplace_view(self);
  DimVector sizes = self.sizes(), strides = self.strides();
  if (nd > 0) { std::swap(sizes[x], sizes[y]); std::swap(strides[x], strides[y]); }
  auto n = make_node<TransposeBackward0>({&self});
  if (n) { n->d0 = x; n->d1 = y; n->which = "TransposeBackward1"; }
  return restride_(self, "transpose_", sizes, strides, self.impl()->offset(), n);
}

Tensor& resize_(Tensor& self, const IntList& sizes) {
  ST_CHECK(!autograd::requires_grad(self), "cannot resize variables that require grad");
  if (self.impl()->resize(DimVector(sizes.begin(), sizes.end()))) self.impl()->bump_version();
  return self;
}

Tensor& t_(Tensor& self) {
  ST_CHECK(self.dim() <= 2, "t_() expects a tensor with <= 2 dimensions, but self is ", self.dim(), "D");
  check_inplace_view(self);
  DimVector sizes = self.sizes(), strides = self.strides();
  if (self.dim() == 2) { std::swap(sizes[0], sizes[1]); std::swap(strides[0], strides[1]); }
  auto n = make_node<TBackward0>({&self});
  if (n) n->which = "TBackward1";
  return restride_(self, "t_", sizes, strides, self.impl()->offset(), n);
}

Tensor select_backward(const Tensor& g, const IntList& sizes, int64_t dim, int64_t index) {
  Tensor r = zeros(sizes, g.dtype());
  {
    autograd::AutoGradMode off(false);
    Tensor dst = select(r, dim, index);
    kernels::copy(dst, g);
  }
  if (auto n = make_node<SelectBackwardBackward0>({&g})) {
    n->dim = dim; n->index = index;
    autograd::set_history(r, n);
  }
  return r;
}

Tensor slice_backward(const Tensor& g, const IntList& sizes, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Tensor r = zeros(sizes, g.dtype());
  {
    autograd::AutoGradMode off(false);
    Tensor dst = slice(r, dim, start, end, step);
    kernels::copy(dst, g);
  }
  if (auto n = make_node<SliceBackwardBackward0>({&g})) {
    n->dim = dim; n->start = start; n->end = end; n->step = step;
    autograd::set_history(r, n);
  }
  return r;
}

// ------------------------------------------------------------ copies

namespace {
// Forward mode: a fill makes self constant, its tangent zero.
void zero_tangent(const Tensor& self) {
  if (!forward_ad::has_tangent(self)) return;
  forward_ad::Disable plain;
  forward_ad::assign_tangent(self, zeros(self.sizes(), forward_ad::tangent(self).dtype()));
}
}  // namespace

Tensor clone(const Tensor& a) {
  Tensor out = st::empty(a.sizes(), a.dtype());
  kernels::copy(out, a);
  if (auto n = make_node<CloneBackward0>({&a})) autograd::set_history(out, n);
  forward_ad::linear(out, a, [](const Tensor& t) { return clone(t); });
  return out;
}

Tensor contiguous(const Tensor& a) { return a.is_contiguous() ? a : clone(a); }

Tensor detach(const Tensor& a) { return alias_raw(a); }

Tensor to_dtype(const Tensor& a, ScalarType dtype, bool copy) {
  if (a.dtype() == dtype && !copy) return a;
  Tensor out = st::empty(a.sizes(), dtype);
  kernels::copy(out, a);
  if (is_floating(dtype))
    if (auto n = make_node<ToCopyBackward0>({&a})) { n->dtype = a.dtype(); autograd::set_history(out, n); }
  forward_ad::linear(out, a, [&](const Tensor& t) { return to_dtype(t, dtype); });
  return out;
}

Tensor& copy_(Tensor& self, const Tensor& src) {
  check_inplace(self, "copy_", &src);
  if (self.sizes() != src.sizes()) {
    DimVector bs = broadcast_shapes(self.sizes(), src.sizes());
    ST_CHECK(bs == self.sizes(), "copy_: the source of shape ", shape_str(src.sizes()),
             " cannot be broadcast to the destination of shape ", shape_str(self.sizes()));
  }
  check_no_internal_overlap(self);
  check_no_partial_overlap(self, src);
  auto n = make_node<CopyBackwards>({&self, &src});
  // forward mode: self's tangent becomes src's (zero where src has none)
  Tensor new_tangent;
  if (forward_ad::active() && is_floating(self.dtype()) && forward_ad::any_tangent({&self, &src})) {
    forward_ad::Disable plain;
    const Tensor ts = forward_ad::tangent(src);
    new_tangent = ts.defined() ? ts : zeros(self.sizes(), forward_ad::tangent(self).dtype());
  }
  Tensor s = src;
  if (src.impl()->storage() == self.impl()->storage() && !src.is_same(self)) s = clone(alias_raw(src));
  kernels::copy(self, s);
  if (n) {
    n->src_sizes = src.sizes();
    n->src_dtype = src.dtype();
  }
  commit_inplace(self, n);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

Tensor& zero_(Tensor& self) {
  check_inplace(self, "zero_");
  auto n = make_node<ZeroBackward0>({&self});
  if (self.is_contiguous()) std::memset(self.raw_data(), 0, self.numel() * element_size(self.dtype()));
  else kernels::fill(self, Scalar(int64_t(0)));
  commit_inplace(self, n);
  zero_tangent(self);
  return self;
}

Tensor& fill_(Tensor& self, const Scalar& v) {
  check_inplace(self, "fill_");
  check_scalar_fits(v, self.dtype());
  auto n = make_node<FillBackward>({&self});
  kernels::fill(self, v);
  commit_inplace(self, n);
  zero_tangent(self);
  return self;
}

Tensor& fill_(Tensor& self, const Tensor& v) {
  ST_CHECK(v.dim() == 0, "fill_ only supports 0-dimension value tensor but got tensor with ", v.dim(),
           " dimensions.");
  check_inplace(self, "fill_", &v);
  auto n = make_node<FillBackward>({&self, &v});
  kernels::copy(self, v);
  if (n) n->which = "FillBackward3";
  commit_inplace(self, n);
  if (forward_ad::active() && forward_ad::any_tangent({&self, &v})) {  // the value's tangent, everywhere
    Tensor t;
    {
      forward_ad::Disable plain;
      const Tensor tv = forward_ad::tangent(v);
      t = tv.defined() ? expand(tv, self.sizes()) : zeros(self.sizes(), forward_ad::tangent(self).dtype());
    }
    forward_ad::assign_tangent(self, t);
  }
  return self;
}

}  // namespace st::ops
