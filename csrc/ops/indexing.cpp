// Indexing: Python keys (basic parts as views, advanced parts gathered),
// index_put / index_add, nonzero, masked_select / masked_scatter, each with its
// backward node. Placement of the advanced dims follows PyTorch: when the
// indexed dims are adjacent, the broadcast index shape replaces them in place,
// else it goes first.
#include "../kernels/gather.h"
#include "../kernels/index.h"
#include "internal.h"

namespace st::ops {

namespace {

using autograd::AutoGradMode;

bool is_mask(const Tensor& t) { return t.dtype() == ScalarType::Bool || t.dtype() == ScalarType::UInt8; }

Tensor bool_index(bool v) {  // the index tensor of a Python True / False: [0] or []
  Tensor t = st::empty({v ? 1 : 0}, ScalarType::Int64);
  if (v) t.data<int64_t>()[0] = 0;
  return t;
}

// A key with its basic parts applied: `view` (a view of a) and one index
// tensor (int64) per dim of view, undefined where the dim is not indexed.
struct Walked {
  Tensor view;
  std::vector<Tensor> adv;
  bool any_adv = false, any_view = false;
};

Walked walk(const Tensor& a, const std::vector<TensorIndex>& key) {
  int64_t specified = 0;
  bool ellipsis = false;
  for (auto& k : key) {
    if (k.kind == TensorIndex::Int || k.kind == TensorIndex::Slice) ++specified;
    if (k.kind == TensorIndex::Array) specified += is_mask(k.tensor) ? k.tensor.dim() : 1;
    if (k.kind == TensorIndex::Ellipsis) {
      ST_CHECK_T(!ellipsis, IndexError, "an index can only have a single ellipsis ('...')");
      ellipsis = true;
    }
  }
  ST_CHECK_T(specified <= a.dim(), IndexError, "too many indices for tensor of dimension ", a.dim(), " (got ",
             specified, ")");
  Walked w;
  Tensor r = a;
  std::vector<std::pair<int64_t, Tensor>> adv;
  int64_t dim = 0, src_dim = 0;  // position in r, and the dim of `a` it came from (for messages)
  auto add_bool = [&](bool v) {
    r = unsqueeze(r, dim);
    adv.emplace_back(dim++, bool_index(v));
  };
  for (auto& k : key) {
    switch (k.kind) {
      case TensorIndex::Int: {
        int64_t size = r.sizes()[dim];
        ST_CHECK_T(k.i >= -size && k.i < size, IndexError, "index ", k.i, " is out of bounds for dimension ", src_dim,
                   " with size ", size);
        r = select(r, dim, k.i);
        w.any_view = true;
        ++src_dim;
        break;
      }
      case TensorIndex::Slice:
        r = slice(r, dim++, k.start, k.stop, k.step);
        w.any_view = true;
        ++src_dim;
        break;
      case TensorIndex::None:
        r = unsqueeze(r, dim++);
        w.any_view = true;
        break;
      case TensorIndex::Ellipsis:
        dim += a.dim() - specified;
        src_dim += a.dim() - specified;
        break;
      case TensorIndex::Bool:
        add_bool(k.i != 0);
        break;
      case TensorIndex::Array: {
        const Tensor& t = k.tensor;
        if (is_mask(t)) {
          if (t.dim() == 0) { add_bool(item(t).to<bool>()); break; }
          for (int64_t j = 0; j < t.dim(); ++j)
            ST_CHECK_T(t.sizes()[j] == r.sizes()[dim + j], IndexError, "The shape of the mask ", shape_str(t.sizes()),
                       " at index ", j, " does not match the shape of the indexed tensor ", shape_str(r.sizes()),
                       " at index ", dim + j);
          Tensor nz = kernels::nonzero(t);
          for (int64_t j = 0; j < t.dim(); ++j) adv.emplace_back(dim++, make_view(nz, {nz.sizes()[0]}, {t.dim()}, j));
          src_dim += t.dim();
          break;
        }
        ST_CHECK_T(t.dtype() == ScalarType::Int64 || t.dtype() == ScalarType::Int32, IndexError,
                   "tensors used as indices must be long, int, byte or bool tensors (got ", dtype_name(t.dtype()), ")");
        adv.emplace_back(dim++, cast_raw(t, ScalarType::Int64));
        ++src_dim;
        break;
      }
    }
  }
  w.view = r;
  w.any_adv = !adv.empty();
  w.adv.resize(r.dim());
  for (auto& [d, t] : adv) w.adv[d] = t;
  return w;
}

// Where the elements of src[adv] live: `out_sizes` (pre dims, broadcast index
// shape B, post dims), src viewed with that shape (stride 0 on B) and the
// element offsets (int64 over B) viewed with it too (stride 0 elsewhere).
struct Geometry {
  DimVector out_sizes;
  Tensor src, off;
};

Geometry geometry(const Tensor& src, const std::vector<Tensor>& adv) {
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < static_cast<int64_t>(adv.size()); ++d)
    if (adv[d].defined()) dims.push_back(d);
  DimVector B = adv[dims[0]].sizes();
  for (size_t j = 1; j < dims.size(); ++j) {
    const DimVector& s = adv[dims[j]].sizes();
    try {
      B = broadcast_shapes(B, s);
    } catch (const Error&) {
      std::string shapes;
      for (size_t q = 0; q < dims.size(); ++q) shapes += (q ? ", " : "") + shape_str(adv[dims[q]].sizes());
      throw IndexError(str("shape mismatch: indexing tensors could not be broadcast together with shapes ", shapes));
    }
  }
  const bool adjacent = dims.back() - dims.front() + 1 == static_cast<int64_t>(dims.size());
  Geometry g;
  DimVector src_strides, off_strides;
  const DimVector b_strides = contiguous_strides(B);
  auto keep = [&](int64_t d) {
    g.out_sizes.push_back(src.sizes()[d]);
    src_strides.push_back(src.strides()[d]);
    off_strides.push_back(0);
  };
  auto put_b = [&] {
    for (size_t j = 0; j < B.size(); ++j) {
      g.out_sizes.push_back(B[j]);
      src_strides.push_back(0);
      off_strides.push_back(b_strides[j]);
    }
  };
  if (!adjacent) put_b();
  for (int64_t d = 0; d < src.dim(); ++d) {
    if (adjacent && d == dims.front()) put_b();
    if (!adv[d].defined()) keep(d);
  }
  checked_numel(g.out_sizes);
  Tensor off = zeros(B, ScalarType::Int64);
  for (int64_t d : dims) {
    int64_t bad = 0, size = src.sizes()[d];
    Tensor idx = make_view(adv[d], B, broadcast_strides(adv[d].sizes(), adv[d].strides(), B), adv[d].impl()->offset());
    ST_CHECK_T(kernels::index_offsets(off, idx, size, src.strides()[d], bad), IndexError, "index ", bad,
               " is out of bounds for dimension ", d, " with size ", size);
  }
  g.src = make_view(src, g.out_sizes, src_strides, src.impl()->offset());
  g.off = make_view(off, g.out_sizes, off_strides, 0);
  return g;
}


std::vector<TensorIndex> key_of(const std::vector<Tensor>& indices) {
  std::vector<TensorIndex> key(indices.size());
  for (size_t j = 0; j < indices.size(); ++j) {
    if (indices[j].defined()) { key[j].kind = TensorIndex::Array; key[j].tensor = indices[j]; }
    else key[j].kind = TensorIndex::Slice;
  }
  return key;
}

bool has_advanced(const std::vector<TensorIndex>& key) {
  for (auto& k : key)
    if (k.kind == TensorIndex::Bool || k.kind == TensorIndex::Array) return true;
  return false;
}

Tensor gather_raw(const Tensor& src, const std::vector<Tensor>& adv) {
  Geometry g = geometry(src, adv);
  Tensor out = st::empty(g.out_sizes, src.dtype());
  kernels::index_gather(out, g.src, g.off);
  return out;
}

// dst[adv] = value (+= when accumulate), value cast to dst's dtype and
// broadcast to the indexing result (extra leading size-1 dims allowed).
// Returns value's shape with those extra dims dropped. No history.
DimVector put_raw(const Tensor& dst, const std::vector<Tensor>& adv, const Tensor& value, bool accumulate) {
  Geometry g = geometry(dst, adv);
  DimVector vs = value.sizes(), vst = value.strides();
  while (vs.size() > g.out_sizes.size() && vs[0] == 1) { vs.erase(0); vst.erase(0); }
  bool ok = vs.size() <= g.out_sizes.size();
  for (size_t j = 0; ok && j < vs.size(); ++j) {
    int64_t o = g.out_sizes[g.out_sizes.size() - vs.size() + j];
    ok = vs[j] == o || vs[j] == 1;
  }
  ST_CHECK(ok, "shape mismatch: value tensor of shape ", shape_str(value.sizes()),
           " cannot be broadcast to indexing result of shape ", shape_str(g.out_sizes));
  // a contiguous copy in dst's dtype: the put kernel's loop order, and safe when value aliases dst
  Tensor val = st::empty(g.out_sizes, dst.dtype());
  kernels::copy(val, make_view(value, vs, vst, value.impl()->offset()));
  kernels::index_put(g.src, g.off, val, accumulate);
  return vs;
}

struct IndexBackward0 : Node {
  static constexpr bool jvp = true;  // the tangent indexed alike
  DimVector sizes;
  std::vector<Tensor> indices;  // int64, one per dim (undefined: not indexed)
  const char* name() const override { return "IndexBackward0"; }
  TensorList apply(TensorList&& g) override { return {index_put(zeros(sizes, g[0].dtype()), indices, g[0], true)}; }
};

struct IndexPutBackward0 : Node {
  static constexpr bool jvp = true;  // IndexPutBackward0::tangent
  std::vector<TensorIndex> key;
  DimVector value_sizes, value_kept;  // value's shape, and with extra leading 1s dropped
  bool accumulate = false;
  const char* name() const override { return "IndexPutBackward0"; }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) {
      if (accumulate) {
        r[0] = g[0];
      } else {
        r[0] = clone(g[0]);
        index_put_(r[0], key, zeros({}, g[0].dtype()));
      }
    }
    if (should_compute(1)) r[1] = reshape(sum_to(index(g[0], key), value_kept), value_sizes);
    return r;
  }
  // Forward mode: a's tangent (zeros if none) with value's tangent (zeros if
  // none) put at the key, as the op puts value; undefined when neither has one.
  static Tensor tangent(const Tensor& a, const std::vector<TensorIndex>& key, const Tensor& value, bool accumulate) {
    if (!forward_ad::active() || !is_floating(a.dtype()) || !forward_ad::any_tangent({&a, &value})) return Tensor();
    forward_ad::Disable plain;
    AutoGradMode off(false);
    Tensor ta = forward_ad::tangent(a);
    ta = ta.defined() ? clone(ta) : zeros(a.sizes(), a.dtype());
    Tensor tv = forward_ad::tangent(value);
    if (tv.defined()) index_put_(ta, key, tv, accumulate);
    else if (!accumulate) index_put_(ta, key, zeros({}, a.dtype()), false);
    return ta;
  }
};

struct IndexAddBackward0 : Node {
  static constexpr bool jvp = true;  // a's tangent with alpha · source's added at the index
  int64_t dim = 0;
  Tensor index;
  Scalar alpha;
  DimVector source_sizes;
  const char* name() const override { return "IndexAddBackward0"; }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) r[0] = g[0];
    if (should_compute(1)) {
      Tensor s = g[0].dim() == 0 ? g[0] : index_select(g[0], dim, index);
      if (alpha.to<double>() != 1.0) s = mul(s, alpha);
      r[1] = reshape(s, source_sizes);
    }
    return r;
  }
};

struct MaskedSelectBackward0 : Node {
  static constexpr bool jvp = true;
  Tensor mask;  // expanded to `sizes`
  DimVector sizes;
  const char* name() const override { return "MaskedSelectBackward0"; }
  TensorList apply(TensorList&& g) override { return {index_put(zeros(sizes, g[0].dtype()), {mask}, g[0], false)}; }
};

struct MaskedScatterBackward0 : Node {
  static constexpr bool jvp = true;  // the same masked_scatter of the tangents
  Tensor mask;
  DimVector source_sizes;
  const char* name() const override { return "MaskedScatterBackward0"; }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) r[0] = masked_fill(g[0], mask, Scalar(int64_t(0)));
    if (should_compute(1)) {
      Tensor s = masked_select(g[0], mask);
      int64_t numel = checked_numel(source_sizes);
      if (s.numel() < numel) s = cat({s, zeros({numel - s.numel()}, g[0].dtype())});
      r[1] = reshape(s, source_sizes);
    }
    return r;
  }
};

Tensor expand_raw(const Tensor& t, const DimVector& sizes) {
  return make_view(t, sizes, broadcast_strides(t.sizes(), t.strides(), sizes), t.impl()->offset());
}

// a[mask] with no history: the view and index tensors for gather_raw / put_raw.
Walked walk_mask(const Tensor& a, const Tensor& mask) {
  TensorIndex k;
  k.kind = TensorIndex::Array;
  k.tensor = mask;
  AutoGradMode off(false);
  return walk(a, {k});
}

}  // namespace

// ------------------------------------------------------------ keys

Tensor index(const Tensor& a, const std::vector<TensorIndex>& key) {
  Walked w = walk(a, key);
  if (!w.any_adv) return w.any_view ? w.view : alias(a);
  Tensor out = gather_raw(w.view, w.adv);
  forward_ad::linear(out, w.view, [&](const Tensor& t) { return gather_raw(t, w.adv); });
  if (auto n = make_node<IndexBackward0>({&w.view})) {
    n->sizes = w.view.sizes();
    n->indices = std::move(w.adv);
    autograd::set_history(out, n);
  }
  return out;
}

namespace {
// Where a basic key writes: the view it selects, or `a` itself when the key
// selects all of it unchanged (x[:] = v, x[...] = v), as PyTorch's setitem.
Tensor basic_target(const Tensor& a, const std::vector<TensorIndex>& key) {
  Tensor t = index(a, key);
  if (t.sizes() == a.sizes() && t.strides() == a.strides() && t.impl()->offset() == a.impl()->offset()) return a;
  return t;
}
}  // namespace

Tensor& index_put_(Tensor& a, const std::vector<TensorIndex>& key, const Tensor& value, bool accumulate) {
  if (!has_advanced(key)) {  // basic: write through the view
    Tensor target = basic_target(a, key);
    if (accumulate) add_(target, value);
    else if (value.dim() == 0) fill_(target, value);  // PyTorch: a 0-d value fills (FillBackward3)
    else copy_(target, value);
    return a;
  }
  Walked w;
  {
    AutoGradMode off(false);
    w = walk(a, key);
  }
  check_inplace(a, "index_put_", &value);
  if (a.numel() > 0) check_no_internal_overlap(a);
  auto n = make_node<IndexPutBackward0>({&a, &value});
  Tensor new_tangent = IndexPutBackward0::tangent(a, key, value, accumulate);
  DimVector kept = put_raw(w.view, w.adv, value, accumulate);
  if (n) {
    n->key = key;
    n->value_sizes = value.sizes();
    n->value_kept = kept;
    n->accumulate = accumulate;
  }
  commit_inplace(a, n);
  forward_ad::assign_tangent(a, new_tangent);
  return a;
}

Tensor& index_put_(Tensor& a, const std::vector<TensorIndex>& key, const Scalar& value) {
  check_scalar_fits(value, a.dtype());
  if (!has_advanced(key)) {
    Tensor target = basic_target(a, key);
    fill_(target, wrapped_scalar(value));  // PyTorch: setitem fills with a 0-d tensor (FillBackward3)
    return a;
  }
  return index_put_(a, key, wrapped_scalar(value), false);
}

// ------------------------------------------------------------ ATen forms

Tensor index(const Tensor& a, const std::vector<Tensor>& indices) { return index(a, key_of(indices)); }

Tensor& index_put_(Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  ST_CHECK(values.dtype() == a.dtype(), "Index put requires the source and destination dtypes match, got ",
           dtype_name(a.dtype()), " for the destination and ", dtype_name(values.dtype()), " for the source.");
  return index_put_(a, key_of(indices), values, accumulate);
}

Tensor index_put(const Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  Tensor out = clone(a);
  return index_put_(out, indices, values, accumulate);
}

Tensor& index_add_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  ST_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
           "index_add_(): Expected dtype int32/int64 for index but got: ", dtype_name(index.dtype()));
  ST_CHECK_T(index.dim() <= 1, IndexError, "index_add_(): Index is supposed to be a vector, but got an index of shape ",
             shape_str(index.sizes()));
  ST_CHECK(a.dtype() == source.dtype(), "index_add_(): self (", dtype_name(a.dtype()), ") and source (",
           dtype_name(source.dtype()), ") must have the same scalar type");
  const int64_t d = wrap_dim(dim, std::max<int64_t>(a.dim(), 1));
  auto as_1d = [](const Tensor& t) { return t.dim() == 0 ? make_view(t, {1}, {1}, t.impl()->offset()) : t; };
  Tensor av = as_1d(a), sv = as_1d(source);
  ST_CHECK(sv.dim() == av.dim(), "index_add_(): source (", shape_str(source.sizes()), ") and self (",
           shape_str(a.sizes()), ") must have the same number of dimensions");
  ST_CHECK(index.numel() == sv.sizes()[d], "index_add_(): Number of indices (", index.numel(),
           ") should be equal to source.size(dim): (", sv.sizes()[d], "), for dim: ", d);
  for (int64_t j = 0; j < av.dim(); ++j)
    ST_CHECK(j == d || sv.sizes()[j] == av.sizes()[j], "source tensor shape must match self tensor shape, excluding "
             "the specified dimension. Got self.shape = ", shape_str(a.sizes()), " source.shape = ",
             shape_str(source.sizes()));
  Tensor idx = cast_raw(index, ScalarType::Int64);
  idx = make_view(idx, {idx.numel()}, {idx.dim() ? idx.strides()[0] : 1}, idx.impl()->offset());
  int64_t bad = 0, size = av.sizes()[d];
  ST_CHECK_T(kernels::indices_in_range(idx, 0, size, bad), IndexError, "index out of range in self: index ", bad,
             " for dimension ", d, " with size ", size);
  check_inplace(a, "index_add_", &source);
  if (a.numel() > 0) check_no_internal_overlap(a);
  auto n = make_node<IndexAddBackward0>({&a, &source});
  Tensor new_tangent;
  if (forward_ad::active() && is_floating(a.dtype()) && forward_ad::any_tangent({&a, &source})) {
    forward_ad::Disable plain;
    AutoGradMode off(false);
    Tensor ta = forward_ad::tangent(a);
    new_tangent = ta.defined() ? clone(ta) : zeros(a.sizes(), a.dtype());
    Tensor ts = forward_ad::tangent(source);
    if (ts.defined()) index_add_(new_tangent, dim, index, ts, alpha);
  }
  Tensor src = sv.impl()->storage() == av.impl()->storage() ? copy_raw(sv) : sv;  // read before any write
  if (alpha.to<double>() != 1.0) {
    AutoGradMode off(false);
    src = mul(sv, alpha);
  }
  // self.select(d, idx[i]) += src.select(d, i): a scatter-add whose index is idx along d, broadcast (stride 0)
  // over source's other dims; each slot adds its slices in the order of i, as a loop over i would
  DimVector spread(sv.dim(), 0);
  spread[d] = idx.strides()[0];
  kernels::scatter(av, d, make_view(idx, sv.sizes(), spread, idx.impl()->offset()), src, /*accumulate=*/true);
  if (n) {
    n->dim = d;
    n->index = idx;
    n->alpha = alpha;
    n->source_sizes = source.sizes();
  }
  commit_inplace(a, n);
  forward_ad::assign_tangent(a, new_tangent);
  return a;
}

Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  Tensor out = clone(a);
  return index_add_(out, dim, index, source, alpha);
}

// ------------------------------------------------------------ masks

Tensor nonzero(const Tensor& a) { return kernels::nonzero(a); }

std::vector<Tensor> nonzero_tuple(const Tensor& a) {
  Tensor nz = kernels::nonzero(a.dim() == 0 ? make_view(a, {1}, {1}, a.impl()->offset()) : a);
  std::vector<Tensor> out;
  for (int64_t j = 0; j < nz.sizes()[1]; ++j) out.push_back(contiguous(select(nz, 1, j)));
  return out;
}

Tensor masked_select(const Tensor& a, const Tensor& mask) {
  ST_CHECK(mask.dtype() == ScalarType::Bool, "masked_select: expected BoolTensor for mask");
  DimVector B = broadcast_shapes(a.sizes(), mask.sizes());
  Tensor mb = expand_raw(mask, B);
  Walked w = walk_mask(expand_raw(a, B), mb);
  Tensor out = gather_raw(w.view, w.adv);
  if (auto n = make_node<MaskedSelectBackward0>({&a})) {
    n->mask = mb;
    n->sizes = B;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, a, [&](const Tensor& t) { return masked_select(t, mask); });
  return out;
}

Tensor& masked_scatter_(Tensor& a, const Tensor& mask, const Tensor& source) {
  ST_CHECK(mask.dtype() == ScalarType::Bool, "masked_scatter_ only supports boolean masks, but got mask with dtype ",
           dtype_name(mask.dtype()));
  ST_CHECK(source.dtype() == a.dtype(), "masked_scatter_: expected self and source to have same dtypes but got ",
           dtype_name(a.dtype()), " and ", dtype_name(source.dtype()));
  DimVector B = broadcast_shapes(a.sizes(), mask.sizes());
  ST_CHECK(B == a.sizes(), "masked_scatter_: the mask of shape ", shape_str(mask.sizes()),
           " cannot be broadcast to self of shape ", shape_str(a.sizes()));
  Tensor mb = expand_raw(mask, B);
  Walked w = walk_mask(a, mb);
  int64_t count = 1;
  for (auto& t : w.adv)
    if (t.defined()) count = t.numel();
  ST_CHECK(source.numel() >= count, "masked_scatter_: number of elements of source (", source.numel(),
           ") < number of ones in mask (", count, ")");
  check_inplace(a, "masked_scatter_", &source);
  if (a.numel() > 0) check_no_internal_overlap(a);
  auto n = make_node<MaskedScatterBackward0>({&a, &source});
  Tensor new_tangent;
  if (forward_ad::active() && is_floating(a.dtype()) && forward_ad::any_tangent({&a, &source})) {
    forward_ad::Disable plain;
    AutoGradMode off(false);
    Tensor ta = forward_ad::tangent(a), ts = forward_ad::tangent(source);
    new_tangent = ta.defined() ? clone(ta) : zeros(a.sizes(), a.dtype());
    masked_scatter_(new_tangent, mask, ts.defined() ? ts : zeros(source.sizes(), a.dtype()));
  }
  Tensor src = source;
  if (!src.is_contiguous()) { src = st::empty(source.sizes(), source.dtype()); kernels::copy(src, source); }
  put_raw(w.view, w.adv, make_view(src, {count}, {1}, src.impl()->offset()), false);
  if (n) {
    n->mask = mb;
    n->source_sizes = source.sizes();
  }
  commit_inplace(a, n);
  forward_ad::assign_tangent(a, new_tangent);
  return a;
}

Tensor masked_scatter(const Tensor& a, const Tensor& mask, const Tensor& source) {
  Tensor out = clone(expand(a, broadcast_shapes(a.sizes(), mask.sizes())));
  return masked_scatter_(out, mask, source);
}

}  // namespace st::ops
