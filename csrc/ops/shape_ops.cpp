// Shape and data-movement ops (cat/stack/split, flip/roll/repeat, diagonals
// and triangles, gather/scatter/index_select/take), each with its backward
// node next to it. Sorting and searching (sort/topk/unique) is in sorting.cpp.
#include <limits>
#include "../kernels/gather.h"
#include "internal.h"

namespace st::ops {

using autograd::AutoGradMode;
using autograd::NodePtr;

namespace {

// A node with one edge per tensor of a list (make_node takes a fixed list).
template <typename N>
std::shared_ptr<N> make_list_node(const std::vector<Tensor>& ts) {
  if constexpr (!forward_ad::has_jvp<N>::value)
    if (forward_ad::active())
      for (auto& t : ts)
        if (forward_ad::tangent(t).defined()) forward_ad::refuse(N().name());
  bool need = false;
  if (autograd::GradMode::is_enabled())
    for (auto& t : ts) need = need || autograd::requires_grad(t);
  if (!need) return nullptr;
  auto n = std::make_shared<N>();
  for (auto& t : ts) n->next_edges.push_back(autograd::gradient_edge(t));
  return n;
}

// Forward mode for an op over a list (cat, stack), linear in every input: the
// same op over the tangents, zeros standing for inputs without one.
template <class F>
void list_jvp(const Tensor& out, const std::vector<Tensor>& ts, F&& op) {
  if (!forward_ad::active() || !is_floating(out.dtype())) return;
  bool any = false;
  for (const Tensor& t : ts) any = any || forward_ad::tangent(t).defined();
  if (!any) return;
  Tensor t;
  {
    forward_ad::Disable plain;
    std::vector<Tensor> tans;
    for (const Tensor& x : ts) {
      const Tensor tx = forward_ad::tangent(x);
      tans.push_back(tx.defined() ? tx : zeros(x.sizes(), out.dtype()));
    }
    t = op(tans);
  }
  forward_ad::set_tangent(out, t);
}

// History of output `nr` of a view op with several outputs (none of which may be written in place).
void set_view_output(const Tensor& out, const Tensor& base, const NodePtr& fn, uint32_t nr) {
  set_view_history(out, base, fn, ViewCreation::MultipleOutputs, nr);
}

void check_range(const Tensor& index, int64_t dim, int64_t size) {
  int64_t bad = 0;
  ST_CHECK(kernels::indices_in_range(index, 0, size, bad), "index ", bad, " is out of bounds for dimension ", dim,
           " with size ", size);
}

// Zero-pads t (shape <= sizes in every dim) up to `sizes`, differentiably.
Tensor pad_to(Tensor t, const DimVector& sizes) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.sizes()[d] == sizes[d]) continue;
    DimVector s = t.sizes();
    s[d] = sizes[d];
    t = slice_backward(t, s, d, 0, t.sizes()[d], 1);
  }
  return t;
}

// ------------------------------------------------------------ backward nodes

struct CatBackward0 : Node {
  static constexpr bool jvp = true;
  int64_t dim = 0;
  std::vector<int64_t> lens;    // -1: an empty 1-d input that cat skipped
  std::vector<DimVector> sizes;
  const char* name() const override { return "CatBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("dim", Scalar(dim))); }
  TensorList apply(TensorList&& g) override {
    TensorList r(next_edges.size());
    int64_t off = 0;
    for (size_t i = 0; i < lens.size(); ++i) {
      if (lens[i] < 0) {
        if (should_compute(i)) r[i] = zeros(sizes[i], g[0].dtype());
        continue;
      }
      if (should_compute(i)) r[i] = slice(g[0], dim, off, off + lens[i], 1);
      off += lens[i];
    }
    return r;
  }
};

struct StackBackward0 : Node {
  static constexpr bool jvp = true;
  int64_t dim = 0;
  const char* name() const override { return "StackBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("dim", Scalar(dim))); }
  TensorList apply(TensorList&& g) override {
    TensorList r(next_edges.size());
    for (size_t i = 0; i < r.size(); ++i)
      if (should_compute(i)) r[i] = select(g[0], dim, static_cast<int64_t>(i));
    return r;
  }
};

struct SplitBackward : Node {  // SplitBackward0 / SplitWithSizesBackward0
  static constexpr bool jvp = true;
  const char* which = "SplitBackward0";
  int64_t dim = 0;
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override { return {cat(g, dim)}; }
};

struct UnbindBackward0 : Node {
  static constexpr bool jvp = true;
  int64_t dim = 0;
  const char* name() const override { return "UnbindBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("dim", Scalar(dim))); }
  TensorList apply(TensorList&& g) override { return {stack(g, dim)}; }
};

struct FlipBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector dims;
  const char* name() const override { return "FlipBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("dims", dims)); }
  TensorList apply(TensorList&& g) override { return {flip(g[0], dims)}; }
};

struct RollBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector shifts, dims;
  const char* name() const override { return "RollBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dims", dims));
    out.push_back(SavedField::of("shifts", shifts));
  }
  TensorList apply(TensorList&& g) override {
    DimVector back;
    for (auto s : shifts) back.push_back(-s);
    return {roll(g[0], back, dims)};
  }
};

struct RepeatBackward0 : Node {
  static constexpr bool jvp = true;
  DimVector self_sizes, repeats;
  const char* name() const override { return "RepeatBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("repeats", repeats));
    out.push_back(SavedField::of("self_sym_sizes", self_sizes));
  }
  TensorList apply(TensorList&& g) override {
    const int64_t pad = static_cast<int64_t>(repeats.size()) - static_cast<int64_t>(self_sizes.size());
    DimVector inter, rdims;
    for (int64_t i = 0; i < static_cast<int64_t>(repeats.size()); ++i) {
      rdims.push_back(2 * i);
      inter.push_back(repeats[i]);
      inter.push_back(i < pad ? 1 : self_sizes[i - pad]);
    }
    if (rdims.empty()) return {g[0]};
    return {reshape(sum(reshape(g[0], inter), rdims, false), self_sizes)};
  }
};

struct DiagonalBackward : Node {  // DiagonalBackward0, and diag()'s DiagonalBackward0_copy
  static constexpr bool jvp = true;
  const char* which = "DiagonalBackward0";
  DimVector sizes;
  int64_t offset = 0, dim1 = 0, dim2 = 1;
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override { return {diagonal_backward(g[0], sizes, offset, dim1, dim2)}; }
};

struct DiagonalBackwardBackward0 : Node {
  int64_t offset = 0, dim1 = 0, dim2 = 1;
  const char* name() const override { return "DiagonalBackwardBackward0"; }
  TensorList apply(TensorList&& g) override { return {diagonal(g[0], offset, dim1, dim2)}; }
};

struct DiagEmbedBackward0 : Node {
  static constexpr bool jvp = true;
  int64_t offset = 0;
  const char* name() const override { return "DiagEmbedBackward0"; }
  TensorList apply(TensorList&& g) override { return {diagonal(g[0], offset, 0, 1)}; }
};

struct TriBackward : Node {  // TrilBackward0 / TriuBackward0
  static constexpr bool jvp = true;
  int64_t k = 0;
  bool lower = true;
  const char* name() const override { return lower ? "TrilBackward0" : "TriuBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("diagonal", Scalar(k)));
  }
  TensorList apply(TensorList&& g) override { return {lower ? tril(g[0], k) : triu(g[0], k)}; }
};

struct IndexSelectBackward0 : Node {
  static constexpr bool jvp = true;
  SavedTensor index;  // 1-d int64
  DimVector sizes;
  int64_t dim = 0;
  const char* name() const override { return "IndexSelectBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", Scalar(dim)));
    out.push_back(SavedField::of("index", index));
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
  TensorList apply(TensorList&& g) override {
    Tensor idx = index.unpack(*this);
    DimVector vs(g[0].dim(), 1);
    vs[dim] = idx.numel();
    Tensor spread = expand(view(idx, vs), g[0].sizes());
    return {scatter_add(zeros(sizes, g[0].dtype()), dim, spread, g[0])};
  }
  void release_variables() override { index.release(); }
};

struct GatherBackward0 : Node {
  static constexpr bool jvp = true;
  SavedTensor index;
  DimVector sizes;
  int64_t dim = 0;
  const char* name() const override { return "GatherBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", Scalar(dim)));
    out.push_back(SavedField::of("index", index));
    out.push_back(SavedField::of("sparse_grad", Scalar(false)));
  }
  TensorList apply(TensorList&& g) override {
    return {scatter_add(zeros(sizes, g[0].dtype()), dim, index.unpack(*this), g[0])};
  }
  void release_variables() override { index.release(); }
};

struct ScatterBackward : Node {  // ScatterBackward0 (src), ScatterBackward1 (value), ScatterAddBackward0
  static constexpr bool jvp = true;  // the same scatter of the tangents (scatter_impl)
  const char* which = "ScatterBackward0";
  SavedTensor index;
  DimVector src_sizes;
  int64_t dim = 0;
  bool add = false;
  const char* name() const override { return which; }
  TensorList apply(TensorList&& g) override {
    TensorList r(next_edges.size());
    Tensor idx = index.unpack(*this);
    if (should_compute(0)) r[0] = add ? g[0] : scatter(g[0], dim, idx, Scalar(0.0));
    if (should_compute(1)) r[1] = pad_to(gather(g[0], dim, idx), src_sizes);
    return r;
  }
  void release_variables() override { index.release(); }
};

struct TakeBackward0 : Node {
  static constexpr bool jvp = true;
  SavedTensor index;  // contiguous, negatives wrapped
  DimVector sizes;
  const char* name() const override { return "TakeBackward0"; }
  TensorList apply(TensorList&& g) override {
    Tensor idx = index.unpack(*this);
    Tensor flat = zeros({checked_numel(sizes)}, g[0].dtype());
    return {reshape(scatter_add(flat, 0, reshape(idx, {-1}), reshape(g[0], {-1})), sizes)};
  }
  void release_variables() override { index.release(); }
};

}  // namespace

// ------------------------------------------------------------ joining and splitting

Tensor cat(const std::vector<Tensor>& ts, int64_t dim) {
  ST_CHECK_T(!ts.empty(), ValueError, "torch.cat(): expected a non-empty list of Tensors");
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };  // legacy: ignored
  ScalarType dt = ts[0].dtype();
  int64_t ref = -1;
  for (size_t i = 0; i < ts.size(); ++i) {
    ST_CHECK(ts[i].dim() > 0, "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    dt = promote_types(dt, ts[i].dtype());
    if (ref < 0 && !skipped(ts[i])) ref = static_cast<int64_t>(i);
  }
  DimVector sizes = ts[ref < 0 ? 0 : ref].sizes();
  const int64_t nd = static_cast<int64_t>(sizes.size());
  const int64_t d = wrap_dim(dim, nd);
  int64_t total = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    if (skipped(t)) continue;
    ST_CHECK(t.dim() == nd, "Tensors must have same number of dimensions: got ", nd, " and ", t.dim());
    for (int64_t k = 0; k < nd; ++k)
      ST_CHECK(k == d || t.sizes()[k] == sizes[k], "Sizes of tensors must match except in dimension ", d,
               ". Expected size ", sizes[k], " but got size ", t.sizes()[k], " for tensor number ", i,
               " in the list.");
    total += t.sizes()[d];
  }
  sizes[d] = total;
  Tensor out = st::empty(sizes, dt);
  auto n = make_list_node<CatBackward0>(ts);
  int64_t off = 0;
  for (const Tensor& t : ts) {
    if (n) n->sizes.push_back(t.sizes());
    if (skipped(t)) {
      if (n) n->lens.push_back(-1);
      continue;
    }
    DimVector part = sizes;
    part[d] = t.sizes()[d];
    kernels::copy(make_view(out, part, out.strides(), off * out.strides()[d]), t);
    if (n) n->lens.push_back(t.sizes()[d]);
    off += t.sizes()[d];
  }
  if (n) { n->dim = d; autograd::set_history(out, n); }
  list_jvp(out, ts, [&](const std::vector<Tensor>& tans) { return cat(tans, dim); });
  return out;
}

Tensor stack(const std::vector<Tensor>& ts, int64_t dim) {
  ST_CHECK(!ts.empty(), "stack expects a non-empty TensorList");
  ScalarType dt = ts[0].dtype();
  for (size_t i = 1; i < ts.size(); ++i) {
    ST_CHECK(ts[i].sizes() == ts[0].sizes(), "stack expects each tensor to be equal size, but got ",
             shape_str(ts[0].sizes()), " at entry 0 and ", shape_str(ts[i].sizes()), " at entry ", i);
    dt = promote_types(dt, ts[i].dtype());
  }
  const int64_t d = wrap_dim(dim, ts[0].dim() + 1);
  DimVector sizes = ts[0].sizes();
  sizes.insert(d, static_cast<int64_t>(ts.size()));
  Tensor out = st::empty(sizes, dt);
  DimVector part_strides = out.strides();
  part_strides.erase(d);
  for (size_t i = 0; i < ts.size(); ++i)
    kernels::copy(make_view(out, ts[0].sizes(), part_strides, static_cast<int64_t>(i) * out.strides()[d]), ts[i]);
  if (auto n = make_list_node<StackBackward0>(ts)) { n->dim = d; autograd::set_history(out, n); }
  list_jvp(out, ts, [&](const std::vector<Tensor>& tans) { return stack(tans, dim); });
  return out;
}

namespace {
std::vector<Tensor> split_views(const Tensor& a, const DimVector& lens, int64_t d, const char* which) {
  auto n = make_node<SplitBackward>({&a});
  if (n) { n->which = which; n->dim = d; }
  std::vector<Tensor> out;
  int64_t off = 0;
  for (size_t i = 0; i < lens.size(); ++i) {
    DimVector sz = a.sizes();
    sz[d] = lens[i];
    Tensor v = make_view(a, sz, a.strides(), a.impl()->offset() + off * a.strides()[d]);
    off += lens[i];
    set_view_output(v, a, n, static_cast<uint32_t>(i));
    out.push_back(v);
  }
  return out;
}
}  // namespace

std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim) {
  ST_CHECK(a.dim() > 0, "split expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, a.dim()), n = a.sizes()[d];
  ST_CHECK(split_size >= 0, "split expects split_size be non-negative, but got split_size=", split_size);
  ST_CHECK(split_size > 0 || n == 0, "split_size can only be 0 if dimension size is 0, but got dimension size of ", n);
  int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  DimVector lens;
  for (int64_t i = 0; i < pieces; ++i) lens.push_back(std::max<int64_t>(0, std::min(split_size, n - i * split_size)));
  return split_views(a, lens, d, "SplitBackward0");
}

std::vector<Tensor> split_with_sizes(const Tensor& a, const DimVector& sizes, int64_t dim) {
  ST_CHECK(a.dim() > 0, "split expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, a.dim()), n = a.sizes()[d];
  int64_t total = 0;
  for (auto s : sizes) {
    ST_CHECK(s >= 0, "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
             shape_str(sizes));
    total += s;
  }
  ST_CHECK(total == n, "split_with_sizes expects split_sizes to sum exactly to ", n, " (input tensor's size at "
           "dimension ", d, "), but got split_sizes=", shape_str(sizes));
  return split_views(a, sizes, d, "SplitWithSizesBackward0");
}

std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim) {
  ST_CHECK(a.dim() > 0, "chunk expects at least a 1-dimensional tensor");
  ST_CHECK(chunks > 0, "chunk expects `chunks` to be greater than 0, got: ", chunks);
  const int64_t d = wrap_dim(dim, a.dim()), n = a.sizes()[d];
  const int64_t size = (n + chunks - 1) / chunks;
  if (size == 0) return split_with_sizes(a, DimVector(static_cast<size_t>(chunks), 0), d);
  return split(a, size, d);
}

std::vector<Tensor> unbind(const Tensor& a, int64_t dim) {
  ST_CHECK_T(a.dim() > 0, IndexError, "Dimension specified as ", dim, " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, a.dim());
  auto n = make_node<UnbindBackward0>({&a});
  if (n) n->dim = d;
  DimVector sz = a.sizes(), st = a.strides();
  sz.erase(d);
  st.erase(d);
  std::vector<Tensor> out;
  for (int64_t i = 0; i < a.sizes()[d]; ++i) {
    Tensor v = make_view(a, sz, st, a.impl()->offset() + i * a.strides()[d]);
    set_view_output(v, a, n, static_cast<uint32_t>(i));
    out.push_back(v);
  }
  return out;
}

// ------------------------------------------------------------ flip, roll, repeat, movedim

Tensor flip(const Tensor& a, const DimVector& dims) {
  auto mask = reduce_mask(a, dims, false);
  DimVector st = a.strides(), wrapped;
  int64_t off = a.impl()->offset();
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (!mask[d]) continue;
    wrapped.push_back(d);
    if (a.sizes()[d] > 0) off += (a.sizes()[d] - 1) * st[d];
    st[d] = -st[d];
  }
  Tensor out = copy_raw(make_view(a, a.sizes(), st, off));
  if (auto n = make_node<FlipBackward0>({&a})) { n->dims = wrapped; autograd::set_history(out, n); }
  forward_ad::linear(out, a, [&](const Tensor& t) { return flip(t, dims); });
  return out;
}

namespace {
Tensor roll_raw(const Tensor& a, const DimVector& shifts, const DimVector& dims) {
  AutoGradMode off(false);
  if (dims.empty()) {
    ST_CHECK(shifts.size() == 1, "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:0");
    return reshape(roll_raw(reshape(a, {-1}), shifts, {0}), a.sizes());
  }
  ST_CHECK(shifts.size() == dims.size(), "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:",
           dims.size());
  Tensor cur = a;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], a.dim()), n = cur.dim() ? cur.sizes()[d] : 1;
    Tensor out = st::empty(cur.sizes(), cur.dtype());
    if (n > 0 && cur.dim() > 0) {
      const int64_t s = ((shifts[i] % n) + n) % n;
      kernels::copy(slice(out, d, s, n, 1), slice(cur, d, 0, n - s, 1));
      kernels::copy(slice(out, d, 0, s, 1), slice(cur, d, n - s, n, 1));
    } else {
      kernels::copy(out, cur);
    }
    cur = out;
  }
  return cur;
}
}  // namespace

Tensor roll(const Tensor& a, const DimVector& shifts, const DimVector& dims) {
  Tensor out = roll_raw(a, shifts, dims);
  if (out.is_same(a)) out = copy_raw(a);
  if (auto n = make_node<RollBackward0>({&a})) {
    n->shifts = shifts;
    n->dims = dims;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return roll(t, shifts, dims); });
  return out;
}

Tensor repeat(const Tensor& a, const DimVector& repeats) {
  const int64_t r = static_cast<int64_t>(repeats.size());
  ST_CHECK(r >= a.dim(), "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const int64_t pad = r - a.dim();
  DimVector inter, src_strides, final_sizes;
  for (int64_t i = 0; i < r; ++i) {
    ST_CHECK(repeats[i] >= 0, "Trying to create tensor with negative dimension ", repeats[i], ": ",
             shape_str(repeats));
    const int64_t s = i < pad ? 1 : a.sizes()[i - pad];
    inter.push_back(repeats[i]);
    inter.push_back(s);
    src_strides.push_back(0);
    src_strides.push_back(i < pad ? 0 : a.strides()[i - pad]);
    final_sizes.push_back(repeats[i] * s);
  }
  Tensor out = st::empty(final_sizes, a.dtype());
  kernels::copy(make_view(out, inter, contiguous_strides(inter), 0),
                make_view(a, inter, src_strides, a.impl()->offset()));
  if (auto n = make_node<RepeatBackward0>({&a})) {
    n->self_sizes = a.sizes();
    n->repeats = repeats;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return repeat(t, repeats); });
  return out;
}

Tensor repeat_interleave(const Tensor& a, int64_t repeats, std::optional<int64_t> dim) {
  ST_CHECK(repeats >= 0, "repeats can not be negative");
  Tensor in = dim ? a : flatten(a);
  if (in.dim() == 0) in = reshape(in, {1});
  const int64_t d = dim ? wrap_dim(*dim, in.dim()) : 0;
  Tensor u = unsqueeze(in, d + 1);
  DimVector es = u.sizes();
  es[d + 1] = repeats;
  DimVector fs = in.sizes();
  fs[d] *= repeats;
  return view(clone(expand(u, es)), fs);
}

Tensor repeat_interleave(const Tensor& repeats) {
  ST_CHECK(repeats.dim() <= 1, "repeat_interleave only accept 1D vector as repeat");
  ST_CHECK(repeats.dtype() == ScalarType::Int64 || repeats.dtype() == ScalarType::Int32,
           "repeats has to be Long or Int tensor");
  Tensor r = copy_raw(cast_raw(repeats, ScalarType::Int64));
  const int64_t* rp = r.data<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < r.numel(); ++i) {
    ST_CHECK(rp[i] >= 0, "repeats can not be negative");
    total += rp[i];
  }
  Tensor out = st::empty({total}, ScalarType::Int64);
  int64_t* op = out.data<int64_t>();
  for (int64_t i = 0, k = 0; i < r.numel(); ++i)
    for (int64_t j = 0; j < rp[i]; ++j) op[k++] = i;
  return out;
}

Tensor repeat_interleave(const Tensor& a, const Tensor& repeats, std::optional<int64_t> dim) {
  Tensor in = dim ? a : flatten(a);
  if (in.dim() == 0) in = reshape(in, {1});
  const int64_t d = dim ? wrap_dim(*dim, in.dim()) : 0;
  Tensor rep = repeats;
  if (repeats.numel() == 1 && repeats.dim() <= 1) rep = expand(reshape(repeats, {1}), {in.sizes()[d]});
  ST_CHECK(rep.dim() == 1 && rep.numel() == in.sizes()[d], "repeats must have the same size as input along dim, but "
           "got repeats.size(0) = ", rep.numel(), " and input.size(", d, ") = ", in.sizes()[d]);
  return index_select(in, d, repeat_interleave(rep));
}

Tensor movedim(const Tensor& a, const DimVector& source, const DimVector& destination) {
  const int64_t nd = a.dim();
  ST_CHECK(source.size() == destination.size(), "movedim: Invalid source or destination dims: source (",
           shape_str(source), " dims) should contain the same number of dims as destination (",
           shape_str(destination), " dims)");
  const int64_t n = std::max<int64_t>(nd, 1);
  DimVector perm(n, -1);
  std::vector<bool> used(n, false), filled(n, false);
  for (size_t i = 0; i < source.size(); ++i) {
    const int64_t s = wrap_dim(source[i], nd), t = wrap_dim(destination[i], nd);
    ST_CHECK(!used[s], "movedim: repeated dim in `source` (", shape_str(source), ")");
    ST_CHECK(!filled[t], "movedim: repeated dim in `destination` (", shape_str(destination), ")");
    used[s] = filled[t] = true;
    perm[t] = s;
  }
  if (nd == 0) return alias(a);  // PyTorch: a 0-d movedim is an alias (AliasBackward0)
  for (int64_t t = 0, next = 0; t < nd; ++t) {
    if (filled[t]) continue;
    while (used[next]) ++next;
    perm[t] = next++;
  }
  return permute(a, perm);
}

// ------------------------------------------------------------ diagonals and triangles

Tensor diagonal(const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2) {
  ST_CHECK(a.dim() >= 2, "diagonal(): expected a tensor with at least 2 dimensions, but got ", a.dim(), "-D");
  const int64_t d1 = wrap_dim(dim1, a.dim()), d2 = wrap_dim(dim2, a.dim());
  ST_CHECK(d1 != d2, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const int64_t s1 = a.sizes()[d1], s2 = a.sizes()[d2], t1 = a.strides()[d1], t2 = a.strides()[d2];
  const int64_t len = std::max<int64_t>(0, offset >= 0 ? std::min(s1, s2 - offset) : std::min(s1 + offset, s2));
  int64_t off = a.impl()->offset();
  if (len > 0) off += offset >= 0 ? offset * t2 : -offset * t1;
  DimVector sizes, strides;
  for (int64_t k = 0; k < a.dim(); ++k)
    if (k != d1 && k != d2) { sizes.push_back(a.sizes()[k]); strides.push_back(a.strides()[k]); }
  sizes.push_back(len);
  strides.push_back(t1 + t2);
  Tensor out = make_view(a, sizes, strides, off);
  auto n = make_node<DiagonalBackward>({&a});
  if (n) { n->sizes = a.sizes(); n->offset = offset; n->dim1 = d1; n->dim2 = d2; }
  set_view_history(out, a, n);
  return out;
}

Tensor diagonal_backward(const Tensor& g, const DimVector& sizes, int64_t offset, int64_t dim1, int64_t dim2) {
  Tensor r = zeros(sizes, g.dtype());
  {
    AutoGradMode off(false);
    kernels::copy(diagonal(r, offset, dim1, dim2), g);
  }
  if (auto n = make_node<DiagonalBackwardBackward0>({&g})) {
    n->offset = offset; n->dim1 = dim1; n->dim2 = dim2;
    autograd::set_history(r, n);
  }
  return r;
}

Tensor diag(const Tensor& a, int64_t k) {
  ST_CHECK(a.dim() == 1 || a.dim() == 2, "diag(): Supports 1D or 2D tensors. Got ", a.dim(), "D");
  Tensor out;
  if (a.dim() == 1) {
    const int64_t m = a.numel() + (k < 0 ? -k : k);
    out = zeros({m, m}, a.dtype());
    AutoGradMode off(false);
    kernels::copy(diagonal(out, k, 0, 1), a);
  } else {
    AutoGradMode off(false);
    out = copy_raw(diagonal(a, k, 0, 1));
  }
  if (a.dim() == 1) {
    if (auto n = make_node<DiagEmbedBackward0>({&a})) { n->offset = k; autograd::set_history(out, n); }
  } else if (auto n = make_node<DiagonalBackward>({&a})) {
    n->which = "DiagonalBackward0_copy"; n->sizes = a.sizes(); n->offset = k;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return diag(t, k); });
  return out;
}

namespace {
Tensor tri(const Tensor& a, int64_t k, bool lower) {
  ST_CHECK(a.dim() >= 2, lower ? "tril" : "triu", ": input tensor must have at least 2 dimensions");
  Tensor out = copy_raw(a);
  kernels::triangle(out, k, lower);
  if (auto n = make_node<TriBackward>({&a})) { n->k = k; n->lower = lower; autograd::set_history(out, n); }
  forward_ad::linear(out, a, [&](const Tensor& t) { return tri(t, k, lower); });
  return out;
}
Tensor& tri_(Tensor& self, int64_t k, bool lower) {
  const char* op = lower ? "tril_" : "triu_";
  ST_CHECK(self.dim() >= 2, op, ": input tensor must have at least 2 dimensions");
  check_inplace(self, op);
  check_no_internal_overlap(self);
  auto n = make_node<TriBackward>({&self});
  Tensor new_tangent = forward_ad::inplace_tangent(self, {&self}, [&](const Tensor& v) { return tri(v, k, lower); });
  kernels::triangle(self, k, lower);
  if (n) { n->k = k; n->lower = lower; }
  commit_inplace(self, n);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}
}  // namespace

Tensor tril(const Tensor& a, int64_t k) { return tri(a, k, true); }
Tensor triu(const Tensor& a, int64_t k) { return tri(a, k, false); }
Tensor& tril_(Tensor& self, int64_t k) { return tri_(self, k, true); }
Tensor& triu_(Tensor& self, int64_t k) { return tri_(self, k, false); }

// ------------------------------------------------------------ index-driven ops

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  ST_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
           "index_select(): Expected dtype int32 or int64 for index, but got ", dtype_name(index.dtype()));
  ST_CHECK_T(index.dim() <= 1, IndexError, "index_select(): Index is supposed to be a vector, but got an index of "
             "shape ", shape_str(index.sizes()));
  if (a.dim() == 0) return reshape(index_select(reshape(a, {1}), dim, index), {});
  const int64_t d = wrap_dim(dim, a.dim()), size = a.sizes()[d];
  Tensor idx = as1d(copy_raw(cast_raw(index, ScalarType::Int64)));
  int64_t bad = 0;
  ST_CHECK_T(kernels::indices_in_range(idx, 0, size, bad), IndexError, "index out of range in self: index ", bad,
             " is out of bounds for dimension ", d, " with size ", size);
  DimVector os = a.sizes();
  os[d] = idx.numel();
  Tensor out = st::empty(os, a.dtype());
  DimVector spread(os.size(), 0);
  spread[d] = 1;
  kernels::gather(out, a, d, make_view(idx, os, spread, 0));
  if (auto n = make_node<IndexSelectBackward0>({&a})) {
    n->index.save(idx); n->sizes = a.sizes(); n->dim = d;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return index_select(t, dim, index); });
  return out;
}

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  ST_CHECK(index.dtype() == ScalarType::Int64, "gather(): Expected dtype int64 for index, but got ",
           dtype_name(index.dtype()));
  const int64_t d = wrap_dim(dim, a.dim());
  Tensor a1 = as1d(a), i1 = as1d(index);
  ST_CHECK(i1.dim() == a1.dim(), "Index tensor must have the same number of dimensions as input tensor (index ",
           shape_str(index.sizes()), ", input ", shape_str(a.sizes()), ")");
  if (index.numel() > 0)
    for (int64_t k = 0; k < a1.dim(); ++k)
      ST_CHECK(k == d || i1.sizes()[k] <= a1.sizes()[k], "Size does not match at dimension ", k, " expected index ",
               shape_str(index.sizes()), " to be smaller than self ", shape_str(a.sizes()), " apart from dimension ",
               d);
  check_range(i1, d, a1.sizes()[d]);
  Tensor out = st::empty(index.sizes(), a.dtype());
  kernels::gather(as1d(out), a1, d, i1);
  if (auto n = make_node<GatherBackward0>({&a})) {
    n->index.save(index); n->sizes = a.sizes(); n->dim = d;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return gather(t, dim, index); });
  return out;
}

namespace {
// scatter / scatter_add, out of place (into a copy of a) or in place (into a).
Tensor scatter_impl(const Tensor& a, int64_t dim, const Tensor& index, const Tensor* src, const Scalar* value,
                    bool add, bool inplace) {
  const char* op = add ? (inplace ? "scatter_add_" : "scatter_add") : (inplace ? "scatter_" : "scatter");
  ST_CHECK(index.dtype() == ScalarType::Int64, op, "(): Expected dtype int64 for index, but got ",
           dtype_name(index.dtype()));
  if (src)
    ST_CHECK(src->dtype() == a.dtype(), op, "(): Expected self.dtype to be equal to src.dtype (got ",
             dtype_name(a.dtype()), " and ", dtype_name(src->dtype()), ")");
  const int64_t d = wrap_dim(dim, a.dim());
  Tensor a1 = as1d(a), i1 = as1d(index);
  ST_CHECK(i1.dim() == a1.dim() && (!src || as1d(*src).dim() == a1.dim()), op, "(): Index tensor must have the same "
           "number of dimensions as self tensor (index ", shape_str(index.sizes()), ", self ", shape_str(a.sizes()),
           ")");
  if (index.numel() > 0)
    for (int64_t k = 0; k < a1.dim(); ++k)
      ST_CHECK((k == d || i1.sizes()[k] <= a1.sizes()[k]) && (!src || i1.sizes()[k] <= as1d(*src).sizes()[k]), op,
               "(): Expected index ", shape_str(index.sizes()), " to be smaller than self ", shape_str(a.sizes()),
               " apart from dimension ", d, src ? str(" and to be smaller size than src ", shape_str(src->sizes()))
                                                 : std::string());
  // the index range is checked inside the scatter kernel (one pass over the index, not two)
  if (inplace) {
    check_inplace(a, op, src);
    check_no_internal_overlap(a);
  }
  auto n = make_node<ScatterBackward>({&a, src});
  // forward mode: the same scatter of the tangents (zeros for an operand without one; the value form writes 0)
  Tensor new_tangent;
  if (forward_ad::active() && is_floating(a.dtype()) && forward_ad::any_tangent({&a, src})) {
    forward_ad::Disable plain;
    autograd::AutoGradMode off(false);
    Tensor ta = forward_ad::tangent(a);
    if (!ta.defined()) ta = zeros(a.sizes(), a.dtype());
    Tensor ts = src ? forward_ad::tangent(*src) : Tensor();
    if (src && !ts.defined()) ts = zeros(src->sizes(), a.dtype());
    const Scalar zero(0.0);
    new_tangent = scatter_impl(ta, dim, index, src ? &ts : nullptr, src ? nullptr : &zero, add, false);
  }
  Tensor target = inplace ? a : copy_raw(a);
  Tensor s;
  if (src) {
    s = as1d(inplace && src->impl()->storage() == a.impl()->storage() ? copy_raw(*src) : *src);
  } else {
    Tensor v = full({}, *value, a.dtype());
    s = make_view(v, i1.sizes(), DimVector(i1.dim(), 0), 0);
  }
  kernels::scatter(as1d(target), d, i1, s, add, /*check_index=*/true);
  if (n) {
    n->which = add ? "ScatterAddBackward0" : src ? "ScatterBackward0" : "ScatterBackward1";
    n->index.save(index);
    n->dim = d;
    n->add = add;
    if (src) n->src_sizes = src->sizes();
  }
  if (inplace) commit_inplace(target, n);
  else if (n) autograd::set_history(target, n);
  if (inplace) forward_ad::assign_tangent(target, new_tangent);
  else forward_ad::set_tangent(target, new_tangent);
  return target;
}
}  // namespace

Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(a, dim, index, &src, nullptr, false, false);
}
Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Scalar& value) {
  return scatter_impl(a, dim, index, nullptr, &value, false, false);
}
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  scatter_impl(self, dim, index, &src, nullptr, false, true);
  return self;
}
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  scatter_impl(self, dim, index, nullptr, &value, false, true);
  return self;
}
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(a, dim, index, &src, nullptr, true, false);
}
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  scatter_impl(self, dim, index, &src, nullptr, true, true);
  return self;
}

Tensor take(const Tensor& a, const Tensor& index) {
  ST_CHECK(index.dtype() == ScalarType::Int64, "take(): Expected a long tensor for index, but got ",
           dtype_name(index.dtype()));
  const int64_t n = a.numel(), m = index.numel();
  int64_t bad = 0;
  ST_CHECK_T(kernels::indices_in_range(index, -n, n, bad), IndexError, "out of range: tried to access index ", bad,
             " on a tensor of ", n, " elements.");
  Tensor flat = a.is_contiguous() ? a : copy_raw(a);
  Tensor idx = copy_raw(index);
  int64_t* ip = idx.data<int64_t>();
  for (int64_t i = 0; i < m; ++i)
    if (ip[i] < 0) ip[i] += n;
  Tensor out = st::empty(index.sizes(), a.dtype());
  kernels::gather(make_view(out, {m}, {1}, 0), make_view(flat, {n}, {1}, flat.impl()->offset()), 0,
                  make_view(idx, {m}, {1}, 0));
  if (auto node = make_node<TakeBackward0>({&a})) {
    node->index.save(idx);
    node->sizes = a.sizes();
    autograd::set_history(out, node);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return take(t, idx); });
  return out;
}

// ------------------------------------------------------------ scatter_reduce, index_reduce, put

namespace {
enum class Reduce { Sum, Prod, Mean, Amax, Amin };

Reduce parse_reduce(const std::string& r, bool index_form) {
  if (r == "prod") return Reduce::Prod;
  if (r == "mean") return Reduce::Mean;
  if (r == "amax") return Reduce::Amax;
  if (r == "amin") return Reduce::Amin;
  ST_CHECK(!index_form, "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got ", r, ".");
  if (r == "sum") return Reduce::Sum;
  if (r == "max") return Reduce::Amax;  // the older names PyTorch still takes
  if (r == "min") return Reduce::Amin;
  throw Error(str("reduce argument must be either sum, prod, mean, amax or amin, got ", r));
}

// The value a slot starts from when include_self is false: the reduction's identity in dtype dt.
Scalar reduce_identity(Reduce r, ScalarType dt) {
  const bool lo = r == Reduce::Amax;
  if (r == Reduce::Sum || r == Reduce::Mean) return Scalar(int64_t(0));
  if (r == Reduce::Prod) return Scalar(int64_t(1));
  switch (dt) {
    case ScalarType::Float16: case ScalarType::BFloat16: case ScalarType::Float32: case ScalarType::Float64:
      return Scalar(lo ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity());
    case ScalarType::Bool: return Scalar(!lo);
    case ScalarType::UInt8: return Scalar(int64_t(lo ? 0 : 255));
    case ScalarType::Int32:
      return Scalar(int64_t(lo ? std::numeric_limits<int32_t>::lowest() : std::numeric_limits<int32_t>::max()));
    default:
      return Scalar(lo ? std::numeric_limits<int64_t>::lowest() : std::numeric_limits<int64_t>::max());
  }
}

// target[index along d] op= src (index int64; src read over index's shape), no history. check_index: the
// index has not been range-checked yet; the first pass over it checks it (one pass fewer over a large index).
void scatter_reduce_raw(const Tensor& target, int64_t d, const Tensor& index, const Tensor& src, Reduce r,
                        bool include_self, bool check_index = false) {
  const ScalarType dt = target.dtype();
  auto spread = [&](const Scalar& v) {
    Tensor one = full({}, v, dt);
    return make_view(one, index.sizes(), DimVector(index.dim(), 0), 0);
  };
  if (!include_self) {
    kernels::scatter(target, d, index, spread(reduce_identity(r, dt)), false, check_index);
    check_index = false;
  }
  using kernels::ScatterOp;
  const ScatterOp op = r == Reduce::Prod ? ScatterOp::Prod : r == Reduce::Amax ? ScatterOp::Max
                       : r == Reduce::Amin ? ScatterOp::Min : ScatterOp::Sum;
  kernels::scatter_reduce(target, d, index, src, op, check_index);
  if (r != Reduce::Mean) return;
  // mean: the sum over how many values each slot took (at least 1); integers divide with floor
  Tensor counts = full(target.sizes(), Scalar(int64_t(include_self ? 1 : 0)), dt);
  kernels::scatter(counts, d, index, spread(Scalar(int64_t(1))), true);
  AutoGradMode off(false);
  forward_ad::Disable plain;
  Tensor c = clamp_min(counts, Scalar(int64_t(1)));
  kernels::copy(target, is_floating(dt) ? div(alias_raw(target), c) : div_mode(alias_raw(target), c, "floor"));
}

// t cut down to the shape `sizes` (<= t's in every dim), differentiably.
Tensor narrow_to(Tensor t, const DimVector& sizes) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.sizes()[d] != sizes[d]) t = slice(t, d, 0, sizes[d], 1);
  return t;
}

// g times the partial derivatives of scatter_reduce's result: (for self, for src read over idx's shape).
// Each slot of the result depends on self's value there and on the src values sent to it, so these also
// give the forward-mode tangent (with g = 1). a, s (narrowed to idx's shape) and r (the result) are read by
// prod, amax and amin only. With include_self false, amax/amin's backward (as PyTorch's) still counts a
// self value equal to the result among the values sharing the gradient, then drops self's share;
// `exact` (the forward mode, as PyTorch's) leaves such a self out of the count.
std::pair<Tensor, Tensor> reduce_partials(const Tensor& g, const Tensor& a, const Tensor& s, const Tensor& r,
                                          const Tensor& idx, int64_t dim, Reduce reduce, bool include_self,
                                          bool exact = false) {
  const ScalarType dt = g.dtype();
  Tensor gs, gsrc;
  const Scalar zero(int64_t(0)), one(int64_t(1));
  if (reduce == Reduce::Sum) {
    gs = g;
    gsrc = gather(g, dim, idx);
  } else if (reduce == Reduce::Mean) {
    Tensor n = full(g.sizes(), include_self ? one : zero, dt);
    n = scatter_add(n, dim, idx, ones(idx.sizes(), dt));
    n = masked_fill(n, eq(n, zero), one);
    gs = div(g, n);
    gsrc = div(gather(g, dim, idx), gather(n, dim, idx));
  } else if (reduce == Reduce::Prod) {
    // products that leave a zero factor out, so that its gradient is the product of the others
    Tensor masked_self = masked_fill(a, eq(a, zero), one);
    Tensor masked_self_result = scatter_reduce(masked_self, dim, idx, s, "prod", include_self);
    gs = div(mul(g, masked_self_result), masked_self);
    Tensor src_zero = eq(s, zero);
    Tensor zeros_per_slot = gather(scatter_add(zeros(a.sizes(), dt), dim, idx, to_dtype(src_zero, dt)), dim, idx);
    Tensor single_zero = logical_and(src_zero, eq(zeros_per_slot, one));
    Tensor masked_src_result = scatter_reduce(a, dim, idx, masked_fill(s, single_zero, one), "prod", include_self);
    gsrc = where(single_zero, gather(mul(g, masked_src_result), dim, idx),
                 div(gather(mul(g, r), dim, idx), masked_fill(s, src_zero, one)));
  } else {  // amax / amin: the gradient is split evenly among the values equal to the result
    Tensor self_is = to_dtype(eq(a, r), dt);
    if (exact && !include_self) self_is = scatter(self_is, dim, idx, Scalar(0.0));
    Tensor src_is = to_dtype(eq(s, gather(r, dim, idx)), dt);
    Tensor share = div(g, scatter_add(self_is, dim, idx, src_is));
    gs = mul(self_is, share);
    gsrc = mul(src_is, gather(share, dim, idx));
  }
  if (!include_self) gs = scatter(gs, dim, idx, Scalar(0.0));
  return {gs, gsrc};
}

// ScatterReduceBackward0 / IndexReduceBackward0 (index_reduce saves its index
// spread over source's shape, so both read the same formulas).
struct ScatterReduceBackward0 : Node {
  static constexpr bool jvp = true;  // reduce_into: the partials of reduce_partials times the tangents
  const char* which = "ScatterReduceBackward0";
  SavedTensor self, src, index, result;
  DimVector src_sizes;
  int64_t dim = 0;
  Reduce reduce = Reduce::Sum;
  bool include_self = true;
  const char* name() const override { return which; }
  void release_variables() override { self.release(); src.release(); index.release(); result.release(); }
  TensorList apply(TensorList&& grads) override {
    Tensor idx = index.unpack(*this);
    Tensor a, s, r;
    if (reduce != Reduce::Sum && reduce != Reduce::Mean) {
      a = self.unpack(*this);
      s = narrow_to(src.unpack(*this), idx.sizes());
      r = result.unpack(*this);
    }
    auto [gs, gsrc] = reduce_partials(grads[0], a, s, r, idx, dim, reduce, include_self);
    TensorList out(next_edges.size());
    if (should_compute(0)) out[0] = gs;
    if (next_edges.size() > 1 && should_compute(1)) out[1] = pad_to(gsrc, src_sizes);
    return out;
  }
};

// The shared body of scatter_reduce(_) and index_reduce(_): idx is int64, checked, shaped like the part of
// src it reads (index_reduce: its index spread over source's shape).
Tensor reduce_into(const Tensor& a, int64_t d, const Tensor& idx, const Tensor& src, Reduce r, bool include_self,
                   bool inplace, const char* op, const char* node_name, bool check_index = false) {
  ST_CHECK_T(!(r == Reduce::Mean && a.dtype() == ScalarType::Bool), NotImplementedError,
             "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'");
  if (inplace) {
    check_inplace(a, op, &src);
    check_no_internal_overlap(a);
  }
  const bool fw = forward_ad::active() && is_floating(a.dtype()) && forward_ad::any_tangent({&a, &src});
  if (fw && std::string(node_name) == "IndexReduceBackward0") forward_ad::refuse(node_name);  // as PyTorch 2.13
  auto n = make_node<ScatterReduceBackward0>({&a, &src});
  const Tensor a_before = fw && inplace ? copy_raw(a) : a;  // (the partials read self's old values)
  if (n && r != Reduce::Sum && r != Reduce::Mean) {
    n->self.save(inplace ? copy_raw(a) : a);
    n->src.save(src);
  }
  Tensor target = inplace ? a : copy_raw(a);
  Tensor s = as1d(inplace && src.impl()->storage() == a.impl()->storage() ? copy_raw(src) : src);
  scatter_reduce_raw(as1d(target), d, idx, s, r, include_self, check_index);
  if (n) {
    n->which = node_name;
    n->index.save(idx);
    n->src_sizes = as1d(src).sizes();
    n->dim = d;
    n->reduce = r;
    n->include_self = include_self;
  }
  if (inplace) commit_inplace(target, n);
  else if (n) autograd::set_history(target, n);
  if (n && r != Reduce::Sum && r != Reduce::Mean) n->result.save(target, true);
  if (fw) {  // t = ∂r/∂self · t_self + (∂r/∂src · t_src summed into the slots): the partials with g = 1
    Tensor t;
    {
      forward_ad::Disable plain;
      AutoGradMode off(false);
      Tensor a1 = as1d(a_before), s1 = narrow_to(as1d(alias_raw(src)), idx.sizes()), r1 = as1d(alias_raw(target));
      auto [ds, dsrc] = reduce_partials(ones(a1.sizes(), a.dtype()), a1, s1, r1, idx, d, r, include_self, true);
      const Tensor ta = forward_ad::tangent(a), tsrc = forward_ad::tangent(src);
      t = ta.defined() ? mul(ds, as1d(ta)) : zeros(a1.sizes(), a.dtype());
      if (tsrc.defined()) t = scatter_add(t, d, idx, mul(dsrc, narrow_to(as1d(tsrc), idx.sizes())));
      t = reshape(t, a.sizes());
    }
    if (inplace) forward_ad::assign_tangent(target, t);
    else forward_ad::set_tangent(target, t);
  }
  return target;
}

Tensor scatter_reduce_impl(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src,
                           const std::string& reduce, bool include_self, bool inplace) {
  const Reduce r = parse_reduce(reduce, false);
  ST_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
           "scatter(): Expected dtype int32/int64 for index");
  ST_CHECK(src.dtype() == a.dtype(), "scatter(): Expected self.dtype to be equal to src.dtype");
  const int64_t d = wrap_dim(dim, a.dim());
  Tensor a1 = as1d(a), s1 = as1d(src);
  Tensor idx = as1d(cast_raw(index, ScalarType::Int64));
  ST_CHECK(idx.dim() == a1.dim() && s1.dim() == a1.dim(),
           "Index tensor must have the same number of dimensions as self tensor");
  if (idx.numel() > 0)
    for (int64_t k = 0; k < a1.dim(); ++k)
      ST_CHECK((k == d || idx.sizes()[k] <= a1.sizes()[k]) && idx.sizes()[k] <= s1.sizes()[k], "Expected index ",
               shape_str(index.sizes()), " to be no larger than self ", shape_str(a.sizes()), " apart from dimension ",
               d, " and to be no larger size than src ", shape_str(src.sizes()));
  // the index is range-checked by the kernel's first pass over it, as PyTorch's kernel checks it
  return reduce_into(a, d, idx, src, r, include_self, inplace, inplace ? "scatter_reduce_" : "scatter_reduce",
                     "ScatterReduceBackward0", true);
}

Tensor index_reduce_impl(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source,
                         const std::string& reduce, bool include_self, bool inplace) {
  const Reduce r = parse_reduce(reduce, true);
  const int64_t d = wrap_dim(dim, a.dim());
  ST_CHECK_T(index.dim() <= 1, IndexError, "index_reduce_(): Index is supposed to be a vector, but got dim: ",
             index.dim(), " with type: ", torch_type_name(index.dtype()), " and size: ", shape_str(index.sizes()));
  ST_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
           "index_reduce_(): Expected dtype int32/int64 for index but got: ", torch_type_name(index.dtype()));
  ST_CHECK(a.dtype() == source.dtype(), "index_reduce_(): self (", torch_type_name(a.dtype()), ") and source (",
           torch_type_name(source.dtype()), ") must have the same scalar type");
  Tensor a1 = as1d(a), s1 = as1d(source);
  bool same = a1.dim() == s1.dim();
  for (int64_t k = 0; same && k < a1.dim(); ++k) same = k == d || a1.sizes()[k] == s1.sizes()[k];
  if (same)
    ST_CHECK(index.numel() == s1.sizes()[d], "index_reduce_(): Number of indices (", index.numel(),
             ") should be equal to source.size(dim): (", s1.sizes()[d], "), for dim: ", d);
  ST_CHECK(same, "source tensor shape must match self tensor shape, excluding the specified dimension. Got "
           "self.shape = ", shape_str(a.sizes()), " source.shape = ", shape_str(source.sizes()));
  Tensor flat = as1d(copy_raw(cast_raw(index, ScalarType::Int64)));
  int64_t bad = 0;
  ST_CHECK_T(kernels::indices_in_range(flat, 0, a1.sizes()[d], bad), IndexError, "index out of range in self");
  DimVector along(s1.dim(), 0);
  along[d] = 1;
  Tensor idx = make_view(flat, s1.sizes(), along, 0);  // index[i] at every position i along d
  return reduce_into(a, d, idx, source, r, include_self, inplace, inplace ? "index_reduce_" : "index_reduce",
                     "IndexReduceBackward0");
}

struct PutBackward0 : Node {
  static constexpr bool jvp = true;  // linear: the same put of the tangents (put_impl)
  SavedTensor index;  // 1-d int64, negatives wrapped
  DimVector src_sizes;
  bool accumulate = false;
  const char* name() const override { return "PutBackward0"; }
  void release_variables() override { index.release(); }
  TensorList apply(TensorList&& g) override {
    Tensor idx = index.unpack(*this);
    TensorList r(next_edges.size());
    if (should_compute(0))
      r[0] = accumulate ? g[0] : put(g[0], idx, zeros({idx.numel()}, g[0].dtype()), false);
    if (next_edges.size() > 1 && should_compute(1)) r[1] = reshape(take(g[0], idx), src_sizes);
    return r;
  }
};

Tensor put_impl(const Tensor& a, const Tensor& index, const Tensor& source, bool accumulate, bool inplace) {
  ST_CHECK(index.dtype() == ScalarType::Int64, "put_(): Expected a long tensor for index, but got ",
           torch_type_name(index.dtype()));
  ST_CHECK(a.dtype() == source.dtype(), "put_(): self and source expected to have the same dtype, but got "
           "self.dtype = ", torch_type_name(a.dtype()), " and source.dtype = ", torch_type_name(source.dtype()));
  ST_CHECK_T(source.numel() == index.numel(), IndexError, "put_(): Expected source and index to have the same number "
             "of elements, but got source.numel() = ", source.numel(), ", index.numel() = ", index.numel());
  const int64_t n = a.numel(), m = index.numel();
  ST_CHECK_T(n > 0 || m == 0, IndexError, "put_(): Tried to put elements into an empty tensor");
  int64_t bad = 0;
  ST_CHECK_T(kernels::indices_in_range(index, -n, n, bad), IndexError, "out of range: tried to access index ", bad,
             " on a tensor of ", n, " elements.");
  if (inplace) {
    check_inplace(a, "put_", &source);
    check_no_internal_overlap(a);
  }
  auto node = make_node<PutBackward0>({&a, &source});
  // forward mode: the same put of the tangents (zeros for an operand without one)
  Tensor new_tangent;
  if (forward_ad::active() && is_floating(a.dtype()) && forward_ad::any_tangent({&a, &source})) {
    forward_ad::Disable plain;
    AutoGradMode off(false);
    Tensor ta = forward_ad::tangent(a), ts = forward_ad::tangent(source);
    new_tangent = put_impl(ta.defined() ? ta : zeros(a.sizes(), a.dtype()), index,
                           ts.defined() ? ts : zeros(source.sizes(), a.dtype()), accumulate, false);
  }
  Tensor target = inplace ? a : copy_raw(a);
  Tensor idx = copy_raw(index);
  int64_t* ip = idx.data<int64_t>();
  for (int64_t i = 0; i < m; ++i)
    if (ip[i] < 0) ip[i] += n;
  idx = make_view(idx, {m}, {1}, 0);
  Tensor src = copy_raw(source);  // (a copy also when it shares self's memory)
  Tensor flat = target.is_contiguous() ? make_view(target, {n}, {1}, target.impl()->offset()) : copy_raw(target);
  if (!flat.is_same(target) && flat.dim() != 1) flat = make_view(flat, {n}, {1}, 0);
  kernels::scatter(flat, 0, idx, make_view(src, {m}, {1}, 0), accumulate);
  if (!target.is_contiguous()) kernels::copy(target, make_view(flat, target.sizes(), contiguous_strides(target.sizes()), 0));
  if (node) {
    node->index.save(idx);
    node->src_sizes = source.sizes();
    node->accumulate = accumulate;
  }
  if (inplace) commit_inplace(target, node);
  else if (node) autograd::set_history(target, node);
  if (inplace) forward_ad::assign_tangent(target, new_tangent);
  else forward_ad::set_tangent(target, new_tangent);
  return target;
}
}  // namespace

Tensor scatter_reduce(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                      bool include_self) {
  return scatter_reduce_impl(a, dim, index, src, reduce, include_self, false);
}
Tensor& scatter_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                        bool include_self) {
  scatter_reduce_impl(self, dim, index, src, reduce, include_self, true);
  return self;
}
Tensor index_reduce(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                    bool include_self) {
  return index_reduce_impl(a, dim, index, source, reduce, include_self, false);
}
Tensor& index_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                      bool include_self) {
  index_reduce_impl(self, dim, index, source, reduce, include_self, true);
  return self;
}
Tensor put(const Tensor& a, const Tensor& index, const Tensor& source, bool accumulate) {
  return put_impl(a, index, source, accumulate, false);
}
Tensor& put_(Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  put_impl(self, index, source, accumulate, true);
  return self;
}

}  // namespace st::ops
