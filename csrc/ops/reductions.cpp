// Reductions beyond sum/mean: prod, max/min, amax/amin, argmax/argmin, var/std,
// norm, logsumexp, all/any, cumsum/cumprod, softmax/log_softmax, with backward.
#include <cmath>
#include <limits>
#include "../kernels/reductions.h"
#include "internal.h"

namespace st::ops {

using kernels::CmpOp;
using kernels::LineReduce;

namespace {

// ------------------------------------------------------------------ geometry

// A view (or, when the reduced dims cannot merge, a copy) of `a` with the kept
// dims first and all reduced dims merged into one last dim.
Tensor lines_view(const Tensor& a, const std::vector<bool>& mask) {
  DimVector ks, kst, rs, rst;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (mask[d]) {
      if (a.sizes()[d] != 1) { rs.push_back(a.sizes()[d]); rst.push_back(a.strides()[d]); }
    } else {
      ks.push_back(a.sizes()[d]);
      kst.push_back(a.strides()[d]);
    }
  }
  int64_t r = 1, rstride = 1;
  bool mergeable = true;
  for (size_t i = 0; i < rs.size(); ++i) {
    r *= rs[i];
    if (i + 1 < rs.size() && rst[i] != rst[i + 1] * rs[i + 1]) mergeable = false;
  }
  if (!rs.empty()) rstride = rst.back();
  DimVector sizes = ks, strides = kst;
  sizes.push_back(r);
  strides.push_back(rstride);
  if (mergeable) return make_view(a, sizes, strides, a.impl()->offset());
  DimVector ps = ks, pst = kst;  // permuted: kept dims then reduced dims, copied contiguous
  for (size_t i = 0; i < rs.size(); ++i) { ps.push_back(rs[i]); pst.push_back(rst[i]); }
  Tensor c = st::empty(ps, a.dtype());
  kernels::copy(c, make_view(a, ps, pst, a.impl()->offset()));
  return make_view(c, sizes, contiguous_strides(sizes), 0);
}

DimVector reduced_shape(const Tensor& a, const std::vector<bool>& mask, bool keepdim) {
  DimVector s;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!mask[d]) s.push_back(a.sizes()[d]);
    else if (keepdim) s.push_back(1);
  return s;
}

DimVector mask_dims(const std::vector<bool>& mask) {
  DimVector dims;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) dims.push_back(static_cast<int64_t>(d));
  return dims;
}

// Runs a line reduction of `a` over `mask` into a new tensor of dtype `out_type`.
Tensor reduce_raw(LineReduce op, const Tensor& a, const std::vector<bool>& mask, bool keepdim, ScalarType out_type,
                  double param = 0) {
  Tensor out = st::empty(reduced_shape(a, mask, keepdim), out_type);
  kernels::reduce_lines(op, out, lines_view(a, mask), param);
  return out;
}

std::vector<bool> all_mask(const Tensor& a) { return std::vector<bool>(a.dim(), true); }

// View of `a` with `dim` moved last (a 0-d tensor becomes shape [1]).
Tensor dim_last(const Tensor& a, int64_t dim) {
  if (a.dim() == 0) return make_view(a, {1}, {1}, a.impl()->offset());
  DimVector s, st_;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (d != dim) { s.push_back(a.sizes()[d]); st_.push_back(a.strides()[d]); }
  s.push_back(a.sizes()[dim]);
  st_.push_back(a.strides()[dim]);
  return make_view(a, s, st_, a.impl()->offset());
}

// ------------------------------------------------------------ constant masks

// (a op b) as 0/1 of dtype `dt`, with no history (a and b broadcast).
Tensor cmp(CmpOp op, const Tensor& a, const Tensor& b, ScalarType dt) {
  Tensor cb = cast_raw(b, a.dtype());
  Tensor out = st::empty(a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes()), dt);
  kernels::compare_mask(op, out, a, cb);
  return out;
}
Tensor cmp(CmpOp op, const Tensor& a, double v, ScalarType dt) { return cmp(op, a, scalar_tensor(Scalar(v), a.dtype()), dt); }

// sign(x) with no history (the derivative of |x| away from 0).
Tensor sign_raw(const Tensor& x) {
  Tensor a = alias_raw(x);
  return sub(cmp(CmpOp::Gt, a, 0.0, x.dtype()), cmp(CmpOp::Lt, a, 0.0, x.dtype()));
}

// ------------------------------------------------------------ backward nodes

// Which dims a reduction reduces: unsqueezes a gradient back to the keepdim
// layout so it broadcasts against the input.
struct ReduceGeom {
  std::vector<bool> mask;
  bool keepdim = false;
  DimVector dims() const { return mask_dims(mask); }
  int64_t count(const Tensor& x) const {
    int64_t n = 1;
    for (size_t d = 0; d < mask.size(); ++d)
      if (mask[d]) n *= x.sizes()[d];
    return n;
  }
  Tensor keep(Tensor g) const {
    if (!keepdim)
      for (int64_t d = 0; d < static_cast<int64_t>(mask.size()); ++d)
        if (mask[d]) g = unsqueeze(g, d);
    return g;
  }
  // Reduction over the mask keeping dims (0-d tensors: the tensor itself).
  Tensor sum_keep(const Tensor& t) const { return mask.empty() ? t : sum(t, dims(), true); }
  // Forward mode of a reduction whose backward is elementwise in the (keepdim)
  // gradient, grad_self = g · J: the output's tangent is the sum over the
  // reduced dims of J · tangent, i.e. that backward with the tangent as g.
  Tensor reduce_tangent(const Tensor& jt) const { return mask.empty() ? jt : sum(jt, dims(), keepdim); }
};

// Shared by the nodes of reductions over a mask of dims.
struct ReduceNode : Node, ReduceGeom {};

// Fills a ReduceNode saving `self` (and the output when save_result) and makes it out's grad_fn.
template <typename N>
void finish_reduce(const std::shared_ptr<N>& n, const std::vector<bool>& mask, bool keepdim, const Tensor& self,
                   const Tensor& out, bool save_result = true) {
  n->mask = mask;
  n->keepdim = keepdim;
  n->self.save(self);
  autograd::set_history(out, n);
  if (save_result) n->result.save(out, true);  // after set_history, so double backward sees its history
}

struct ProdBackward : ReduceNode {
  static constexpr bool jvp = true;  // grad below with the tangent as g, summed (reduce_tangent)
  SavedTensor self, result;
  bool all_dims = false;
  const char* name() const override { return all_dims ? "ProdBackward0" : "ProdBackward1"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    if (!all_dims) {
      out.push_back(SavedField::of("dim", Scalar(dims().empty() ? int64_t(0) : dims()[0])));
      out.push_back(SavedField::of("keepdim", Scalar(keepdim)));
    }
    out.push_back(SavedField::of("result", result));
    out.push_back(SavedField::of("self", self));
  }
  TensorList apply(TensorList&& grads) override {
    return {grad(*this, keep(grads[0]), self.unpack(*this), keep(result.unpack(*this)), all_dims)};
  }
  // g (broadcasting against x) times the product of the other elements of each line.
  static Tensor grad(const ReduceGeom& r, const Tensor& g, const Tensor& x, const Tensor& res, bool all_dims) {
    Tensor zero = cmp(CmpOp::Eq, alias_raw(x), 0.0, x.dtype());
    if (item(sum(zero)).to_double() == 0) return div(mul(g, res), x);
    // With zeros: the product of the others is the product of the nonzero
    // entries for the single zero of a line, and 0 elsewhere.
    Tensor x_safe = add(x, zero);
    Tensor nz = r.sum_keep(zero);
    Tensor pn = r.mask.empty() ? x_safe : all_dims ? prod(x_safe) : prod(x_safe, r.dims()[0], true);
    Tensor c0 = cmp(CmpOp::Eq, nz, 0.0, x.dtype()), c1 = cmp(CmpOp::Eq, nz, 1.0, x.dtype());
    return mul(g, add(div(mul(pn, c0), x_safe), mul(pn, mul(c1, zero))));
  }
  void release_variables() override { self.release(); result.release(); }
};

// max()/min()/amax/amin: the gradient is split evenly among the tied extremes.
struct ExtremeBackward : ReduceNode {
  static constexpr bool jvp = true;  // the tangent averaged over the tied extremes (reduce_tangent of grad)
  SavedTensor self, result;
  const char* nm = "";
  const char* name() const override { return nm; }
  void saved_fields(std::vector<SavedField>& out) const override {
    if (nm[0] == 'A') {  // amax/amin take dims; max()/min() reduce everything
      out.push_back(SavedField::of("dim", dims()));
      out.push_back(SavedField::of("keepdim", Scalar(keepdim)));
    }
    out.push_back(SavedField::of("result", result));
    out.push_back(SavedField::of("self", self));
  }
  TensorList apply(TensorList&& grads) override {
    return {grad(*this, keep(grads[0]), self.unpack(*this), keep(result.unpack(*this)))};
  }
  static Tensor grad(const ReduceGeom& r, const Tensor& g, const Tensor& x, const Tensor& res) {
    Tensor m = cmp(CmpOp::Eq, alias_raw(x), alias_raw(res), x.dtype());
    return div(mul(g, m), r.sum_keep(m));
  }
  void release_variables() override { self.release(); result.release(); }
};

// max(dim)/min(dim): the gradient goes to the selected index (forward mode:
// the tangent at that index).
struct SelectedBackward : Node {
  static constexpr bool jvp = true;
  Tensor indices;  // keepdim layout, no history
  DimVector sizes;
  int64_t dim = 0;
  bool keepdim = false;
  const char* nm = "";
  const char* name() const override { return nm; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", Scalar(dim)));
    out.push_back(SavedField::of("indices", keepdim || sizes.empty() ? indices : squeeze(indices, dim)));
    out.push_back(SavedField::of("keepdim", Scalar(keepdim)));
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor g = grads[0];
    if (sizes.empty()) return {g};
    if (!keepdim) g = unsqueeze(g, dim);
    DimVector pos_shape(sizes.size(), 1);
    pos_shape[dim] = sizes[dim];
    Tensor pos = view(arange(0, static_cast<double>(sizes[dim]), 1, ScalarType::Int64), pos_shape);
    Tensor onehot = cmp(CmpOp::Eq, pos, indices, g.dtype());
    return {mul(expand(g, sizes), onehot)};
  }
};

struct VarStdBackward : ReduceNode {
  static constexpr bool jvp = true;  // var: reduce_tangent of var_grad; std: that / (2 · result), as PyTorch
  SavedTensor self, result;  // result only for std
  double correction = 1;
  bool is_std = false;
  const char* name() const override { return is_std ? "StdBackward0" : "VarBackward0"; }
  // g · d var / d self.
  static Tensor var_grad(const ReduceGeom& r, const Tensor& g, const Tensor& x, double correction) {
    double denom = std::max(0.0, static_cast<double>(r.count(x)) - correction);
    Tensor centered = sub(x, r.mask.empty() ? x : mean(x, r.dims(), true));
    return mul(mul(g, centered), Scalar(2.0 / denom));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this);
    double denom = std::max(0.0, static_cast<double>(count(x)) - correction);
    Tensor g = keep(grads[0]);
    if (is_std) {
      Tensor centered = sub(x, mask.empty() ? x : mean(x, dims(), true));
      // d std = (x - mean) / (std * denom); where std is 0 the gradient is 0 (as in PyTorch), not 0/0
      Tensor sd = keep(result.unpack(*this));
      Tensor zero = cmp(CmpOp::Eq, alias_raw(sd), 0.0, sd.dtype());
      return {mul(div(mul(g, centered), mul(add(sd, zero), Scalar(denom))), rsub(zero, Scalar(int64_t(1))))};
    }
    return {var_grad(*this, g, x, correction)};
  }
  void release_variables() override { self.release(); result.release(); }
};

struct LinalgVectorNormBackward0 : ReduceNode {
  static constexpr bool jvp = true;  // reduce_tangent of grad
  SavedTensor self, result;
  double p = 2;
  const char* name() const override { return "LinalgVectorNormBackward0"; }
  TensorList apply(TensorList&& grads) override {
    return {grad(*this, keep(grads[0]), self.unpack(*this), keep(result.unpack(*this)), p)};
  }
  static Tensor grad(const ReduceGeom& r, const Tensor& g, const Tensor& x, const Tensor& res, double p) {
    if (p == 0) return mul(x, Scalar(0.0));
    Tensor sgn = sign_raw(x);
    if (p == 1) return mul(g, sgn);
    Tensor res_safe = add(res, cmp(CmpOp::Eq, alias_raw(res), 0.0, res.dtype()));
    if (p == 2) return div(mul(g, x), res_safe);
    if (std::isinf(p)) {
      Tensor m = cmp(CmpOp::Eq, mul(alias_raw(x), sgn), alias_raw(res), x.dtype());
      return div(mul(mul(g, sgn), m), r.sum_keep(m));
    }
    Tensor ax = mul(x, sgn);
    return div(mul(mul(g, sgn), pow(ax, Scalar(p - 1))), pow(res_safe, Scalar(p - 1)));
  }
  void release_variables() override { self.release(); result.release(); }
};

struct LogsumexpBackward0 : ReduceNode {
  static constexpr bool jvp = true;  // sum of tangent · exp(self - result) over the reduced dims
  SavedTensor self, result;
  const char* name() const override { return "LogsumexpBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", dims()));
    out.push_back(SavedField::of("keepdim", Scalar(keepdim)));
    out.push_back(SavedField::of("result", result));
    out.push_back(SavedField::of("self", self));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this);
    return {mul(keep(grads[0]), exp(sub(x, keep(result.unpack(*this)))))};
  }
  void release_variables() override { self.release(); result.release(); }
};

// The formulas of the reduction nodes, as the backward trace explains them.
ST_VJP_FORMULA("MaxBackward0", "grad_self = grad at the maximal element(s), shared evenly; 0 elsewhere")
ST_VJP_FORMULA("MinBackward0", "grad_self = grad at the minimal element(s), shared evenly; 0 elsewhere")
ST_VJP_FORMULA("MaxBackward1", "grad_self = grad at the index max returned along dim; 0 elsewhere")
ST_VJP_FORMULA("MinBackward1", "grad_self = grad at the index min returned along dim; 0 elsewhere")
ST_VJP_FORMULA("AmaxBackward0", "grad_self = grad at the maximal elements along dim, shared evenly")
ST_VJP_FORMULA("AminBackward0", "grad_self = grad at the minimal elements along dim, shared evenly")
ST_VJP_FORMULA("LogsumexpBackward0", "grad_self = grad · exp(self - result)")
ST_VJP_FORMULA("CumsumBackward0", "grad_self = reversed cumsum of grad along dim")
ST_VJP_FORMULA("CumprodBackward0", "grad_self = reversed cumsum of (grad · result) along dim / self")
ST_VJP_FORMULA("SoftmaxBackward0", "grad_self = result · (grad - sum(grad · result, dim))")
ST_VJP_FORMULA("LogSoftmaxBackward0", "grad_self = grad - exp(result) · sum(grad, dim)")
ST_VJP_FORMULA("ProdBackward0", "grad_self = grad · result / self (products of the others where self is 0)")
ST_VJP_FORMULA("ProdBackward1", "grad_self = grad · result / self along dim (products of the others where self is 0)")

struct CumsumBackward0 : Node {
  static constexpr bool jvp = true;
  int64_t dim = 0;
  const char* name() const override { return "CumsumBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("dim", Scalar(dim))); }
  TensorList apply(TensorList&& grads) override {
    const Tensor& g = grads[0];  // reversed cumsum: total - cumsum + g
    return {add(sub(sum(g, {dim}, true), cumsum(g, dim)), g)};
  }
};

struct CumprodBackward0 : Node {
  static constexpr bool jvp = true;  // cumprod_tangent
  SavedTensor self, result;
  int64_t dim = 0;
  const char* name() const override { return "CumprodBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", Scalar(dim)));
    out.push_back(SavedField::of("result", result));
    out.push_back(SavedField::of("self", self));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this), y = result.unpack(*this);
    const Tensor& g = grads[0];
    auto rev_cumsum = [&](const Tensor& t) { return add(sub(sum(t, {dim}, true), cumsum(t, dim)), t); };
    Tensor zero = cmp(CmpOp::Eq, alias_raw(x), 0.0, x.dtype());
    if (item(sum(zero)).to_double() == 0) return {div(rev_cumsum(mul(g, y)), x)};
    // Before the first zero of a line the zero-free formula holds; at the first
    // zero the gradient is the reversed cumsum of g times the cumprod with that
    // zero replaced by 1; after it every product includes the zero.
    Tensor seen = cumsum(zero, dim);
    Tensor before = cmp(CmpOp::Eq, seen, 0.0, x.dtype());
    Tensor at = mul(zero, cmp(CmpOp::Eq, seen, 1.0, x.dtype()));
    Tensor denom = add(mul(x, before), rsub(before, Scalar(1.0)));
    Tensor left = mul(before, div(rev_cumsum(mul(g, y)), denom));
    Tensor right = mul(at, rev_cumsum(mul(g, cumprod(add(x, at), dim))));
    return {add(left, right)};
  }
  void release_variables() override { self.release(); result.release(); }
  // Forward mode: out_k = sum over i <= k of t_i · (product of x_j, j <= k, j != i):
  // result · cumsum(t / x) before a line's first zero; from it on, while that is
  // the only zero seen, t at that zero times the cumprod with it replaced by 1; 0 after.
  static Tensor tangent(const Tensor& t, const Tensor& x, const Tensor& y, int64_t dim) {
    Tensor zero = cmp(CmpOp::Eq, alias_raw(x), 0.0, x.dtype());
    if (item(sum(zero)).to_double() == 0) return mul(y, cumsum(div(t, x), dim));
    Tensor seen = cumsum(zero, dim);
    Tensor before = cmp(CmpOp::Eq, seen, 0.0, x.dtype());
    Tensor one = cmp(CmpOp::Eq, seen, 1.0, x.dtype());
    Tensor at = mul(zero, one);
    Tensor denom = add(mul(x, before), rsub(before, Scalar(1.0)));
    Tensor left = mul(before, mul(y, cumsum(div(t, denom), dim)));
    Tensor right = mul(one, mul(cumprod(add(x, at), dim), sum(mul(t, at), {dim}, true)));
    return add(left, right);
  }
};

// SoftmaxBackward0 / LogSoftmaxBackward0, written with ops so they are differentiable.
struct SoftmaxBackward : Node {
  static constexpr bool jvp = true;
  SavedTensor result;
  int64_t dim = 0;
  bool log = false;
  const char* name() const override { return log ? "LogSoftmaxBackward0" : "SoftmaxBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", Scalar(dim)));
    out.push_back(SavedField::of("result", result));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor y = result.unpack(*this);
    const Tensor& g = grads[0];
    if (one_pass_grad(g, y)) {
      Tensor out = st::empty(y.sizes(), y.dtype());
      const bool rows = y.dtype() == ScalarType::Float32 && dim == y.dim() - 1 && y.is_contiguous();  // the ISA's row loop
      kernels::softmax_backward_lines(log, dim_last(out, dim), dim_last(rows ? contiguous_raw(g) : g, dim),
                                      dim_last(y, dim));
      return {out};
    }
    if (log) return {sub(g, mul(exp(y), sum(g, {dim}, true)))};
    return {mul(y, sub(g, sum(mul(g, y), {dim}, true)))};
  }
  void release_variables() override { result.release(); }
};

// ------------------------------------------------------------------ checks

// max/min/amax/amin/argmax/argmin have no identity: an empty reduction raises.
void check_nonempty(const Tensor& a, const std::vector<bool>& mask, bool all, const char* op) {
  if (all) {
    if (a.numel() != 0) return;
    std::string msg = str(op, "(): Expected reduction dim to be specified for input.numel() == 0.");
    if (std::string(op).rfind("arg", 0) == 0) throw IndexError(msg);  // argmax/argmin raise IndexError
    throw Error(msg + " Specify the reduction dim with the 'dim' argument.");
    return;
  }
  for (int64_t d = 0; d < a.dim(); ++d)
    ST_CHECK_T(!mask[d] || a.sizes()[d] != 0, IndexError, op, "(): Expected reduction dim ", d,
               " to have non-zero size.");
}

std::pair<Tensor, Tensor> extreme_dim(const Tensor& a, int64_t dim, bool keepdim, bool is_max) {
  int64_t d = wrap_dim(dim, a.dim());
  std::vector<bool> mask(a.dim(), false);
  if (a.dim() > 0) mask[d] = true;
  check_nonempty(a, mask, false, is_max ? "max" : "min");
  DimVector shape = reduced_shape(a, mask, keepdim);
  Tensor values = st::empty(shape, a.dtype()), indices = st::empty(shape, ScalarType::Int64);
  kernels::arg_reduce_lines(is_max, values, indices, lines_view(a, mask));
  if (auto n = make_node<SelectedBackward>({&a})) {
    n->nm = is_max ? "MaxBackward0" : "MinBackward0";
    n->sizes = a.sizes();
    n->dim = d;
    n->keepdim = keepdim;
    n->indices = keepdim || a.dim() == 0 ? indices : unsqueeze(indices, d);
    autograd::set_history(values, n);
  }
  forward_ad::jvp(values, {&a}, [&] {
    const Tensor t = forward_ad::tangent(a);
    if (a.dim() == 0) return clone(t);
    const Tensor picked = gather(t, d, keepdim ? indices : unsqueeze(indices, d));
    return keepdim ? picked : squeeze(picked, d);
  });
  return {values, indices};
}

// max()/min() (all dims, MaxBackward1) and amax/amin over dims (AmaxBackward0).
Tensor extreme_reduce(const Tensor& a, const DimVector& dims, bool keepdim, bool is_max, bool amax_form) {
  const char* op = amax_form ? (is_max ? "amax" : "amin") : (is_max ? "max" : "min");
  auto mask = reduce_mask(a, dims, true);
  check_nonempty(a, mask, dims.empty(), op);
  Tensor out = reduce_raw(is_max ? LineReduce::Max : LineReduce::Min, a, mask, keepdim, a.dtype());
  if (auto n = make_node<ExtremeBackward>({&a})) {
    n->nm = amax_form ? (is_max ? "AmaxBackward0" : "AminBackward0") : (is_max ? "MaxBackward1" : "MinBackward1");
    finish_reduce(n, mask, keepdim, a, out);
  }
  forward_ad::jvp(out, {&a}, [&] {
    const ReduceGeom r{mask, keepdim};
    return r.reduce_tangent(ExtremeBackward::grad(r, forward_ad::tangent(a), a, r.keep(out)));
  });
  return out;
}

Tensor arg_extreme(const Tensor& a, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  ST_CHECK(a.dtype() != ScalarType::Bool, op, "(): does not support bool input");
  if (!dim) {
    check_nonempty(a, {}, true, op);
    Tensor flat = a.is_contiguous() ? a : cast_raw(clone(alias_raw(a)), a.dtype());
    flat = make_view(flat, {a.numel()}, {1}, flat.impl()->offset());
    DimVector shape = keepdim ? DimVector(a.dim(), 1) : DimVector{};
    Tensor idx = st::empty(shape, ScalarType::Int64);
    kernels::arg_reduce_lines(is_max, Tensor(), idx, flat);
    return idx;
  }
  int64_t d = wrap_dim(*dim, a.dim());
  std::vector<bool> mask(a.dim(), false);
  if (a.dim() > 0) mask[d] = true;
  check_nonempty(a, mask, false, op);
  Tensor idx = st::empty(reduced_shape(a, mask, keepdim), ScalarType::Int64);
  kernels::arg_reduce_lines(is_max, Tensor(), idx, lines_view(a, mask));
  return idx;
}

Tensor var_std(const Tensor& a, const std::optional<DimVector>& dims, double correction, bool keepdim, bool is_std) {
  ST_CHECK(is_floating(a.dtype()), "std and var only support floating point and complex dtypes");
  auto mask = reduce_mask(a, dims ? *dims : DimVector{}, true);
  Tensor out = reduce_raw(is_std ? LineReduce::Std : LineReduce::Var, a, mask, keepdim, a.dtype(), correction);
  if (auto n = make_node<VarStdBackward>({&a})) {
    n->is_std = is_std;
    n->correction = correction;
    finish_reduce(n, mask, keepdim, a, out, is_std);
  }
  forward_ad::jvp(out, {&a}, [&] {
    const ReduceGeom r{mask, keepdim};
    const Tensor t = r.reduce_tangent(VarStdBackward::var_grad(r, forward_ad::tangent(a), a, correction));
    return is_std ? div(t, mul(out, Scalar(2.0))) : t;
  });
  return out;
}

Tensor all_any(const Tensor& a, const std::optional<DimVector>& dims, bool keepdim, bool is_all) {
  // dim=[] reduces no dimension (PyTorch); no dim at all reduces every one
  auto mask = reduce_mask(a, dims ? *dims : DimVector{}, !dims);
  ScalarType rt = a.dtype() == ScalarType::UInt8 ? ScalarType::UInt8 : ScalarType::Bool;
  return reduce_raw(is_all ? LineReduce::All : LineReduce::Any, a, mask, keepdim, rt);
}

ScalarType int_to_long(ScalarType t, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return is_integral(t, true) ? ScalarType::Int64 : t;
}

Tensor scan(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype, bool is_prod) {
  int64_t d = wrap_dim(dim, a.dim());
  Tensor src = to_dtype(a, int_to_long(a.dtype(), dtype));
  Tensor out = st::empty(a.sizes(), src.dtype());
  kernels::scan_lines(is_prod, dim_last(out, d), dim_last(src, d));
  if (!is_floating(out.dtype())) return out;
  if (is_prod) {
    if (auto n = make_node<CumprodBackward0>({&src})) {
      n->dim = d;
      n->self.save(src);
      autograd::set_history(out, n);
      n->result.save(out, true);
    }
    forward_ad::jvp(out, {&src}, [&] { return CumprodBackward0::tangent(forward_ad::tangent(src), src, out, d); });
  } else {
    if (auto n = make_node<CumsumBackward0>({&src})) {
      n->dim = d;
      autograd::set_history(out, n);
    }
    forward_ad::linear(out, src, [&](const Tensor& t) { return scan(t, d, std::nullopt, false); });
  }
  return out;
}

Tensor softmax_impl(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype, bool log) {
  int64_t d = wrap_dim(dim, a.dim());
  Tensor src = dtype ? to_dtype(a, *dtype) : a;
  const char* kname = log ? "log_softmax" : "softmax";
  ST_CHECK_T(is_floating(src.dtype()), NotImplementedError, "\"", kname, "_lastdim_kernel_impl\" not implemented for '",
             torch_type_name(src.dtype()), "'");
  Tensor out = st::empty(a.sizes(), src.dtype());
  kernels::softmax_lines(log, dim_last(out, d), dim_last(src, d));
  if (auto n = make_node<SoftmaxBackward>({&src})) {
    n->dim = d;
    n->log = log;
    autograd::set_history(out, n);
    n->result.save(out, true);
  }
  // forward mode: y·(t - sum(y·t)) for softmax, t - sum(softmax·t) for log_softmax
  forward_ad::jvp(out, {&src}, [&] {
    const Tensor t = forward_ad::tangent(src);
    const Tensor p = log ? exp(out) : out;
    const Tensor centred = sub(t, sum(mul(p, t), {d}, true));
    return log ? centred : mul(out, centred);
  });
  return out;
}

Tensor prod_impl(const Tensor& a, const std::vector<bool>& mask, bool keepdim, bool all_dims,
                 std::optional<ScalarType> dtype) {
  ScalarType rt = int_to_long(a.dtype(), dtype);
  Tensor out = reduce_raw(LineReduce::Prod, cast_raw(a, rt), mask, keepdim, rt);
  if (!is_floating(rt)) return out;
  if (auto n = make_node<ProdBackward>({&a})) {
    n->all_dims = all_dims;
    finish_reduce(n, mask, keepdim, a, out);
  }
  forward_ad::jvp(out, {&a}, [&] {
    const ReduceGeom r{mask, keepdim};
    const Tensor x = cast_raw(a, rt);
    const Tensor jt = ProdBackward::grad(r, to_dtype(forward_ad::tangent(a), rt), x, r.keep(out), all_dims);
    return r.reduce_tangent(jt);
  });
  return out;
}

}  // namespace

// ------------------------------------------------------------------ public ops

Tensor prod(const Tensor& a, std::optional<ScalarType> dtype) { return prod_impl(a, all_mask(a), false, true, dtype); }

Tensor prod(const Tensor& a, int64_t dim, bool keepdim, std::optional<ScalarType> dtype) {
  return prod_impl(a, reduce_mask(a, {dim}, true), keepdim, false, dtype);
}

Tensor max(const Tensor& a) { return extreme_reduce(a, {}, false, true, false); }
Tensor min(const Tensor& a) { return extreme_reduce(a, {}, false, false, false); }
std::pair<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim) { return extreme_dim(a, dim, keepdim, true); }
std::pair<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim) { return extreme_dim(a, dim, keepdim, false); }
Tensor amax(const Tensor& a, const DimVector& dims, bool keepdim) { return extreme_reduce(a, dims, keepdim, true, true); }
Tensor amin(const Tensor& a, const DimVector& dims, bool keepdim) { return extreme_reduce(a, dims, keepdim, false, true); }
Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(a, dim, keepdim, true); }
Tensor argmin(const Tensor& a, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(a, dim, keepdim, false); }

Tensor var(const Tensor& a, const std::optional<DimVector>& dims, double correction, bool keepdim) {
  return var_std(a, dims, correction, keepdim, false);
}
Tensor stddev(const Tensor& a, const std::optional<DimVector>& dims, double correction, bool keepdim) {
  return var_std(a, dims, correction, keepdim, true);
}

Tensor norm(const Tensor& a, double p, const std::optional<DimVector>& dims, bool keepdim) {
  ST_CHECK(is_floating(a.dtype()), "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ",
           torch_type_name(a.dtype()));
  auto mask = reduce_mask(a, dims ? *dims : DimVector{}, true);
  if (p < 0 || std::isinf(p)) {  // no identity: an empty reduction raises
    bool empty_line = a.numel() == 0 && (!dims || dims->empty());
    for (int64_t d = 0; d < a.dim(); ++d) empty_line = empty_line || (mask[d] && a.sizes()[d] == 0);
    ST_CHECK(!empty_line, "linalg.vector_norm cannot compute the ", p,
             " norm on an empty tensor because the operation does not have an identity");
  }
  LineReduce op = p == 0 ? LineReduce::Norm0 : p == 1 ? LineReduce::Norm1 : p == 2 ? LineReduce::Norm2
                : std::isinf(p) ? (p > 0 ? LineReduce::NormInf : LineReduce::NormNegInf) : LineReduce::NormP;
  Tensor out = reduce_raw(op, a, mask, keepdim, a.dtype(), p);
  if (auto n = make_node<LinalgVectorNormBackward0>({&a})) {
    n->p = p;
    finish_reduce(n, mask, keepdim, a, out);
  }
  forward_ad::jvp(out, {&a}, [&] {
    const ReduceGeom r{mask, keepdim};
    return r.reduce_tangent(LinalgVectorNormBackward0::grad(r, forward_ad::tangent(a), a, r.keep(out), p));
  });
  return out;
}

Tensor logsumexp(const Tensor& a, const DimVector& dims, bool keepdim) {
  Tensor src = is_floating(a.dtype()) ? a : cast_raw(a, default_dtype());
  auto mask = reduce_mask(src, dims, true);
  Tensor out = reduce_raw(LineReduce::LogSumExp, src, mask, keepdim, src.dtype());
  if (auto n = make_node<LogsumexpBackward0>({&src})) finish_reduce(n, mask, keepdim, src, out);
  forward_ad::jvp(out, {&src}, [&] {
    const ReduceGeom r{mask, keepdim};
    return r.reduce_tangent(mul(forward_ad::tangent(src), exp(sub(src, r.keep(out)))));
  });
  return out;
}

Tensor all(const Tensor& a, const std::optional<DimVector>& dims, bool keepdim) { return all_any(a, dims, keepdim, true); }
Tensor any(const Tensor& a, const std::optional<DimVector>& dims, bool keepdim) { return all_any(a, dims, keepdim, false); }
Tensor cumsum(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype) { return scan(a, dim, dtype, false); }
Tensor cumprod(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype) { return scan(a, dim, dtype, true); }
Tensor softmax(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype) { return softmax_impl(a, dim, dtype, false); }
Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype) {
  return softmax_impl(a, dim, dtype, true);
}

Tensor& cumsum_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return inplace_via(self, "cumsum_", nullptr, {&self}, [&](const Tensor& s) { return cumsum(s, dim, dtype); });
}
Tensor& cumprod_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return inplace_via(self, "cumprod_", nullptr, {&self}, [&](const Tensor& s) { return cumprod(s, dim, dtype); });
}

}  // namespace st::ops
