// The pointwise family: rounding division, remainder/fmod, atan2, maximum/minimum,
// comparisons, logical/bitwise ops, where, masked_fill, lerp, addcmul/addcdiv.
// Forward and backward node side by side; kernels in kernels/pointwise.cpp.
#include "../kernels/pointwise.h"
#include "internal.h"

namespace st::ops {

using kernels::PointwiseOp;

namespace {

void check_supported(bool ok, const char* kernel, ScalarType t) {
  if (!ok) throw NotImplementedError(str("\"", kernel, "\" not implemented for '", torch_type_name(t), "'"));
}

Tensor run_pointwise(PointwiseOp op, const Tensor& a, const Tensor& b, ScalarType ct) {
  Tensor out = st::empty(broadcast_shapes(a.sizes(), b.sizes()), ct);
  ST_CHECK(kernels::pointwise(op, out, cast_raw(a, ct), cast_raw(b, ct)), "ZeroDivisionError");
  return out;
}

// ---------------------------------------------------------------- backward nodes

// A node whose inputs get zero gradients (rounding division, in-place comparisons).
struct ZeroBackward : Node {
  const char* nm = "";
  const char* name() const override { return nm; }
  TensorList apply(TensorList&& g) override {
    TensorList r(next_edges.size());
    for (size_t i = 0; i < r.size(); ++i)
      if (should_compute(i)) r[i] = zeros(g[0].sizes(), g[0].dtype());
    return r;
  }
};

// PyTorch records this node where an op has no derivative formula.
struct NotImplementedBackward : Node {
  const char* op = "";
  const char* name() const override { return "torch::autograd::NotImplemented"; }
  TensorList apply(TensorList&&) override {
    throw NotImplementedError(str("the derivative for '", op, "' is not implemented."));
  }
};

// Gradient passes to the first input unchanged (remainder/fmod by a number).
struct PassBackward : Node {
  const char* nm = "";
  const char* name() const override { return nm; }
  TensorList apply(TensorList&& g) override { return {g[0]}; }
};

// remainder / fmod of two tensors: d/db (a - b * round(a / b)) = -round(a / b).
struct ModBackward1 : Node {
  const char* nm = "";
  const char* mode = "floor";
  SavedTensor self, other;
  const char* name() const override { return nm; }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) r[0] = g[0];
    if (should_compute(1)) r[1] = neg(mul(g[0], div_mode(self.unpack(*this), other.unpack(*this), std::string(mode))));
    return r;
  }
  void release_variables() override { self.release(); other.release(); }
};

struct Atan2Backward0 : Node {
  SavedTensor self, other;
  const char* name() const override { return "Atan2Backward0"; }
  TensorList apply(TensorList&& g) override {
    Tensor a = self.unpack(*this), b = other.unpack(*this);
    Tensor scale = div(g[0], add(mul(a, a), mul(b, b)));
    TensorList r(2);
    if (should_compute(0)) r[0] = mul(scale, b);
    if (should_compute(1)) r[1] = neg(mul(scale, a));
    return r;
  }
  void release_variables() override { self.release(); other.release(); }
};

// maximum/minimum: the gradient goes to the chosen input; ties split it half/half.
struct MaxMinBackward : Node {
  bool is_max = true;
  SavedTensor self, other;
  const char* name() const override { return is_max ? "MaximumBackward0" : "MinimumBackward0"; }
  TensorList apply(TensorList&& g) override {
    Tensor a = self.unpack(*this), b = other.unpack(*this);
    Tensor shared = where(eq(a, b), div(g[0], Scalar(int64_t(2))), g[0]);
    TensorList r(2);
    if (should_compute(0)) r[0] = masked_fill(shared, is_max ? lt(a, b) : gt(a, b), Scalar(int64_t(0)));
    if (should_compute(1)) r[1] = masked_fill(shared, is_max ? gt(a, b) : lt(a, b), Scalar(int64_t(0)));
    return r;
  }
  void release_variables() override { self.release(); other.release(); }
};

struct WhereBackward0 : Node {
  SavedTensor cond;
  const char* name() const override { return "WhereBackward0"; }
  TensorList apply(TensorList&& g) override {
    Tensor c = cond.unpack(*this);
    const Scalar zero(int64_t(0));
    TensorList r(2);
    if (should_compute(0)) r[0] = where(c, g[0], zero);
    if (should_compute(1)) r[1] = where(c, zero, g[0]);
    return r;
  }
  void release_variables() override { cond.release(); }
};

struct MaskedFillBackward : Node {  // 0: number value; 1: 0-d tensor value (second edge)
  bool tensor_value = false;
  SavedTensor mask;
  const char* name() const override { return tensor_value ? "MaskedFillBackward1" : "MaskedFillBackward0"; }
  TensorList apply(TensorList&& g) override {
    Tensor m = mask.unpack(*this);
    TensorList r(next_edges.size());
    if (should_compute(0)) r[0] = masked_fill(g[0], m, Scalar(int64_t(0)));
    if (should_compute(1)) r[1] = sum(where(m, g[0], Scalar(int64_t(0))));
    return r;
  }
  void release_variables() override { mask.release(); }
};

struct LerpBackward0 : Node {  // number weight
  Scalar weight;
  const char* name() const override { return "LerpBackward0"; }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) r[0] = mul(g[0], Scalar(1.0 - weight.to_double()));
    if (should_compute(1)) r[1] = mul(g[0], weight);
    return r;
  }
};

struct LerpBackward1 : Node {  // tensor weight
  SavedTensor self, end, weight;
  const char* name() const override { return "LerpBackward1"; }
  TensorList apply(TensorList&& g) override {
    Tensor w = weight.unpack(*this);
    TensorList r(3);
    if (should_compute(0)) r[0] = mul(g[0], rsub(w, Scalar(int64_t(1))));
    if (should_compute(1)) r[1] = mul(g[0], w);
    if (should_compute(2)) r[2] = mul(g[0], sub(end.unpack(*this), self.unpack(*this)));
    return r;
  }
  void release_variables() override { self.release(); end.release(); weight.release(); }
};

struct AddcBackward : Node {  // addcmul / addcdiv
  bool divide = false;
  Scalar value;
  SavedTensor t1, t2;
  const char* name() const override { return divide ? "AddcdivBackward0" : "AddcmulBackward0"; }
  TensorList apply(TensorList&& g) override {
    Tensor gv = mul(g[0], value);
    TensorList r(3);
    if (should_compute(0)) r[0] = g[0];
    if (divide) {
      Tensor y = t2.unpack(*this);
      if (should_compute(1)) r[1] = div(gv, y);
      if (should_compute(2)) r[2] = neg(div(mul(gv, t1.unpack(*this)), mul(y, y)));
    } else {
      if (should_compute(1)) r[1] = mul(gv, t2.unpack(*this));
      if (should_compute(2)) r[2] = mul(gv, t1.unpack(*this));
    }
    return r;
  }
  void release_variables() override { t1.release(); t2.release(); }
};

// ---------------------------------------------------------------- rounding division family

enum class Round { Trunc, Floor };

Round parse_mode(const std::string& m) {
  ST_CHECK(m == "trunc" || m == "floor",
           "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", m, "'");
  return m == "trunc" ? Round::Trunc : Round::Floor;
}

Tensor div_round(const Tensor& a, const Tensor& b, Round mode, bool scalar_other) {
  ScalarType rt = result_type(a, b);
  check_supported(rt != ScalarType::Bool, mode == Round::Trunc ? "div_trunc_cpu" : "div_floor_cpu", rt);
  Tensor out = run_pointwise(mode == Round::Trunc ? PointwiseOp::DivTrunc : PointwiseOp::DivFloor, a, b, rt);
  if (auto n = make_node<ZeroBackward>({&a, scalar_other ? nullptr : &b})) { n->nm = "DivBackward2"; finish(n, out); }
  return out;
}

// remainder / fmod: scalar_other selects the ...Backward0 node (gradient only to a).
Tensor mod_op(bool floor, const Tensor& a, const Tensor& b, bool scalar_other) {
  ScalarType rt = result_type(a, b);
  check_supported(rt != ScalarType::Bool, floor ? "remainder_cpu" : "fmod_cpu", rt);
  Tensor out = run_pointwise(floor ? PointwiseOp::Remainder : PointwiseOp::Fmod, a, b, rt);
  if (scalar_other) {
    if (auto n = make_node<PassBackward>({&a})) { n->nm = floor ? "RemainderBackward0" : "FmodBackward0"; finish(n, out); }
  } else if (auto n = make_node<ModBackward1>({&a, &b})) {
    n->nm = floor ? "RemainderBackward1" : "FmodBackward1";
    n->mode = floor ? "floor" : "trunc";
    n->self.save(a);
    n->other.save(b);
    finish(n, out);
  }
  return out;
}

void not_implemented_node(const Tensor& out, const Tensor& a, const Tensor* b, const char* op) {
  if (auto n = make_node<NotImplementedBackward>({&a, b})) { n->op = op; finish(n, out); }
}

}  // namespace

// ---------------------------------------------------------------- div / floor_divide

Tensor div_mode(const Tensor& a, const Tensor& b, const std::optional<std::string>& mode) {
  if (!mode) return div(a, b);
  return div_round(a, b, parse_mode(*mode), false);
}

Tensor div_mode(const Tensor& a, const Scalar& b, const std::optional<std::string>& mode) {
  if (!mode) return div(a, b);
  return div_round(a, wrapped_scalar(b), parse_mode(*mode), true);
}

Tensor& div_mode_(Tensor& self, const Tensor& b, const std::optional<std::string>& mode) {
  if (!mode) return div_(self, b);
  Round m = parse_mode(*mode);
  return inplace_via(self, "div_", &b, {&self, &b},
                     [&](const Tensor& s) { return div_round(s, same(b, self, s), m, false); });
}

Tensor& div_mode_(Tensor& self, const Scalar& b, const std::optional<std::string>& mode) {
  if (!mode) return div_(self, b);
  Round m = parse_mode(*mode);
  return inplace_via(self, "div_", nullptr, {&self},
                     [&](const Tensor& s) { return div_round(s, wrapped_scalar(b), m, true); });
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  ScalarType rt = result_type(a, b);
  check_supported(rt != ScalarType::Bool, "div_floor_cpu", rt);
  Tensor out = run_pointwise(PointwiseOp::DivFloor, a, b, rt);
  not_implemented_node(out, a, &b, "floor_divide");
  return out;
}

Tensor floor_divide(const Tensor& a, const Scalar& b) { return floor_divide(a, wrapped_scalar(b)); }
Tensor floor_divide(const Scalar& a, const Tensor& b) { return floor_divide(wrapped_scalar(a), b); }

Tensor& floor_divide_(Tensor& self, const Tensor& b) {
  return inplace_via(self, "floor_divide_", &b, {&self, &b},
                     [&](const Tensor& s) { return floor_divide(s, same(b, self, s)); });
}
Tensor& floor_divide_(Tensor& self, const Scalar& b) {
  return inplace_via(self, "floor_divide_", nullptr, {&self}, [&](const Tensor& s) { return floor_divide(s, b); });
}

// ---------------------------------------------------------------- remainder / fmod

Tensor remainder(const Tensor& a, const Tensor& b) { return mod_op(true, a, b, false); }
Tensor remainder(const Tensor& a, const Scalar& b) { return mod_op(true, a, wrapped_scalar(b), true); }
Tensor remainder(const Scalar& a, const Tensor& b) {
  Tensor wa = wrapped_scalar(a);
  ScalarType rt = result_type(wa, b);
  check_supported(rt != ScalarType::Bool, "remainder_cpu", rt);
  Tensor out = run_pointwise(PointwiseOp::Remainder, wa, b, rt);
  not_implemented_node(out, b, nullptr, "remainder");
  return out;
}
Tensor& remainder_(Tensor& self, const Tensor& b) {
  return inplace_via(self, "remainder_", &b, {&self, &b},
                     [&](const Tensor& s) { return remainder(s, same(b, self, s)); });
}
Tensor& remainder_(Tensor& self, const Scalar& b) {
  return inplace_via(self, "remainder_", nullptr, {&self}, [&](const Tensor& s) { return remainder(s, b); });
}

Tensor fmod(const Tensor& a, const Tensor& b) { return mod_op(false, a, b, false); }
Tensor fmod(const Tensor& a, const Scalar& b) { return mod_op(false, a, wrapped_scalar(b), true); }
Tensor& fmod_(Tensor& self, const Tensor& b) {
  return inplace_via(self, "fmod_", &b, {&self, &b}, [&](const Tensor& s) { return fmod(s, same(b, self, s)); });
}
Tensor& fmod_(Tensor& self, const Scalar& b) {
  return inplace_via(self, "fmod_", nullptr, {&self}, [&](const Tensor& s) { return fmod(s, b); });
}

// ---------------------------------------------------------------- atan2, maximum, minimum

Tensor atan2(const Tensor& a, const Tensor& b) {
  ScalarType rt = result_type(a, b);
  if (!is_floating(rt)) rt = default_dtype();
  Tensor out = run_pointwise(PointwiseOp::Atan2, a, b, rt);
  if (auto n = make_node<Atan2Backward0>({&a, &b})) {
    n->self.save(a);
    n->other.save(b);
    finish(n, out);
  }
  return out;
}

Tensor& atan2_(Tensor& self, const Tensor& b) {
  return inplace_via(self, "atan2_", &b, {&self, &b}, [&](const Tensor& s) { return atan2(s, same(b, self, s)); });
}

namespace {
Tensor max_min(bool is_max, const Tensor& a, const Tensor& b) {
  Tensor out = run_pointwise(is_max ? PointwiseOp::Maximum : PointwiseOp::Minimum, a, b, result_type(a, b));
  if (auto n = make_node<MaxMinBackward>({&a, &b})) {
    n->is_max = is_max;
    n->self.save(a);
    n->other.save(b);
    finish(n, out);
  }
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return max_min(true, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min(false, a, b); }

// ---------------------------------------------------------------- comparisons and logical ops

namespace {
Tensor compare_raw(kernels::CompareOp op, const Tensor& a, const Tensor& b, ScalarType ct) {
  Tensor out = st::empty(broadcast_shapes(a.sizes(), b.sizes()), ScalarType::Bool);
  kernels::compare(op, out, cast_raw(a, ct), cast_raw(b, ct));
  return out;
}
kernels::CompareOp kop(Compare op) { return static_cast<kernels::CompareOp>(static_cast<int>(op)); }
const char* compare_node_name(Compare op, bool tensor_other) {
  static const char* names[6][2] = {{"EqBackward0", "EqBackward1"}, {"NeBackward0", "NeBackward1"},
                                    {"LtBackward0", "LtBackward1"}, {"LeBackward0", "LeBackward1"},
                                    {"GtBackward0", "GtBackward1"}, {"GeBackward0", "GeBackward1"}};
  return names[static_cast<int>(op)][tensor_other ? 1 : 0];
}
}  // namespace

Tensor compare(Compare op, const Tensor& a, const Tensor& b) { return compare_raw(kop(op), a, b, result_type(a, b)); }
Tensor compare(Compare op, const Tensor& a, const Scalar& b) { return compare(op, a, wrapped_scalar(b)); }

// In place the 0/1 result is written in self's dtype; like PyTorch, self then
// gets a node passing zero gradients.
Tensor& compare_(Compare op, Tensor& self, const Tensor& b) {
  const bool scalar_other = b.impl()->is_wrapped_number;
  return inplace_via(self, "compare_", scalar_other ? nullptr : &b, {&self, &b}, [&](const Tensor& s) {
    Tensor r = cast_raw(compare(op, s, same(b, self, s)), self.dtype());
    if (auto n = make_node<ZeroBackward>({&s, scalar_other ? nullptr : &b})) {
      n->nm = compare_node_name(op, !scalar_other);
      finish(n, r);
    }
    return r;
  });
}
Tensor& compare_(Compare op, Tensor& self, const Scalar& b) { return compare_(op, self, wrapped_scalar(b)); }

Tensor eq(const Tensor& a, const Tensor& b) { return compare(Compare::Eq, a, b); }
Tensor eq(const Tensor& a, const Scalar& b) { return compare(Compare::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(Compare::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(Compare::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(Compare::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(Compare::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(Compare::Ge, a, b); }

Tensor logical(Logical op, const Tensor& a, const Tensor& b) {
  auto k = static_cast<kernels::CompareOp>(static_cast<int>(kernels::CompareOp::LogicalAnd) + static_cast<int>(op));
  return compare_raw(k, a, b, result_type(a, b));
}

Tensor& logical_(Logical op, Tensor& self, const Tensor& b) {
  // no node, as in PyTorch (self keeps its history)
  check_inplace(self, "logical_", &b);
  Tensor r = logical(op, alias_raw(self), b);
  ST_CHECK(r.sizes() == self.sizes(), "output with shape ", shape_str(self.sizes()),
           " doesn't match the broadcast shape ", shape_str(r.sizes()));
  check_no_internal_overlap(self, "logical_");
  kernels::copy(self, r);
  self.impl()->bump_version();
  return self;
}

Tensor bitwise(Bitwise op, const Tensor& a, const Tensor& b) {
  static const char* kernels_names[3] = {"bitwise_and_cpu", "bitwise_or_cpu", "bitwise_xor_cpu"};
  ScalarType rt = result_type(a, b);
  check_supported(!is_floating(rt), kernels_names[static_cast<int>(op)], rt);
  auto k = static_cast<PointwiseOp>(static_cast<int>(PointwiseOp::BitAnd) + static_cast<int>(op));
  return run_pointwise(k, a, b, rt);
}
Tensor bitwise(Bitwise op, const Tensor& a, const Scalar& b) { return bitwise(op, a, wrapped_scalar(b)); }
Tensor& bitwise_(Bitwise op, Tensor& self, const Tensor& b) {
  return inplace_via(self, "bitwise_", &b, {}, [&](const Tensor& s) { return bitwise(op, s, b); });
}
Tensor& bitwise_(Bitwise op, Tensor& self, const Scalar& b) { return bitwise_(op, self, wrapped_scalar(b)); }

// ---------------------------------------------------------------- where / masked_fill

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  ST_CHECK(cond.dtype() == ScalarType::Bool, "where expected condition to be a boolean tensor, but got a tensor with dtype ",
           dtype_name(cond.dtype()));
  ScalarType rt = result_type(a, b);
  DimVector shape = broadcast_shapes(cond.sizes(), broadcast_shapes(a.sizes(), b.sizes()));
  Tensor out = st::empty(shape, rt);
  kernels::where(out, cond, cast_raw(a, rt), cast_raw(b, rt));
  const bool wa = a.impl()->is_wrapped_number, wb = b.impl()->is_wrapped_number;
  if (auto n = make_node<WhereBackward0>({wa ? nullptr : &a, wb ? nullptr : &b})) {
    n->cond.save(cond);
    finish(n, out);
  }
  return out;
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) { return where(cond, a, wrapped_scalar(b)); }
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) { return where(cond, wrapped_scalar(a), b); }
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b) {
  return where(cond, wrapped_scalar(a), wrapped_scalar(b));
}

namespace {
void check_mask(const Tensor& mask) {
  ST_CHECK(mask.dtype() == ScalarType::Bool, "masked_fill_ only supports boolean masks, but got mask with dtype ",
           dtype_name(mask.dtype()));
}
Tensor masked_fill_impl(const Tensor& self, const Tensor& mask, const Tensor& value, bool tensor_value) {
  check_mask(mask);
  ST_CHECK(value.dim() == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
           value.dim(), " dimension(s).");
  ScalarType dt = self.dtype();
  if (!is_floating(dt) && value.numel() == 1 && is_floating(value.dtype())) {
    double v = item(value).to_double();
    ST_CHECK(v == v, "value cannot be converted to type ", dtype_name(dt), " without overflow");
  }
  Tensor out = st::empty(broadcast_shapes(self.sizes(), mask.sizes()), dt);
  kernels::where(out, mask, cast_raw(value, dt), self);
  if (auto n = make_node<MaskedFillBackward>({&self, tensor_value ? &value : nullptr})) {
    n->tensor_value = tensor_value;
    n->mask.save(mask);
    finish(n, out);
  }
  return out;
}
}  // namespace

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  check_scalar_fits(value, self.dtype());
  return masked_fill_impl(self, mask, wrapped_scalar(value), false);
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  return masked_fill_impl(self, mask, value, true);
}
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Scalar& value) {
  return inplace_via(self, "masked_fill_", nullptr, {&self},
                     [&](const Tensor& s) { return masked_fill(s, mask, value); });
}
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  return inplace_via(self, "masked_fill_", &value, {&self, &value},
                     [&](const Tensor& s) { return masked_fill(s, mask, same(value, self, s)); });
}

// ---------------------------------------------------------------- lerp

namespace {
void check_lerp(const Tensor& start, const Tensor& end) {
  check_supported(is_floating(start.dtype()), "lerp_kernel_scalar", start.dtype());
  ST_CHECK(end.dtype() == start.dtype(), "expected dtype ", dtype_name(start.dtype()), " for `end` but got dtype ",
           dtype_name(end.dtype()));
}
Tensor lerp_raw(const Tensor& start, const Tensor& end, const Tensor& weight) {
  DimVector shape = broadcast_shapes(start.sizes(), broadcast_shapes(end.sizes(), weight.sizes()));
  Tensor out = st::empty(shape, start.dtype());
  kernels::lerp(out, start, end, cast_raw(weight, start.dtype()));
  return out;
}
}  // namespace

Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  check_lerp(start, end);
  Tensor out = lerp_raw(start, end, scalar_tensor(weight, start.dtype()));
  if (auto n = make_node<LerpBackward0>({&start, &end})) { n->weight = weight; finish(n, out); }
  return out;
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_lerp(start, end);
  ST_CHECK(weight.dtype() == start.dtype() || weight.dim() == 0, "expected dtype ", dtype_name(start.dtype()),
           " for `weight` but got dtype ", dtype_name(weight.dtype()));
  Tensor out = lerp_raw(start, end, weight);
  if (auto n = make_node<LerpBackward1>({&start, &end, &weight})) {
    n->weight.save(weight);
    if (n->should_compute(2)) { n->self.save(start); n->end.save(end); }
    finish(n, out);
  }
  return out;
}

Tensor& lerp_(Tensor& self, const Tensor& end, const Scalar& weight) {
  return inplace_via(self, "lerp_", &end, {&self, &end},
                     [&](const Tensor& s) { return lerp(s, same(end, self, s), weight); });
}
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight) {
  return inplace_via(self, "lerp_", &end, {&self, &end, &weight}, [&](const Tensor& s) {
    return lerp(s, same(end, self, s), same(weight, self, s));
  });
}

// ---------------------------------------------------------------- addcmul / addcdiv

namespace {
Tensor addc(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value, bool divide) {
  // promotion over three tensors: t1 and t2 first, then self against a stand-in of their category
  ScalarType rt12 = result_type(t1, t2);
  Tensor stand_in = st::empty(t1.dim() > 0 || t2.dim() > 0 ? DimVector{0} : DimVector{}, rt12);
  ScalarType rt = result_type(self, stand_in);
  if (divide)
    ST_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)),
             "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a "
             "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
             "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
             "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
             "implementation: (input + value * tensor1 / tensor2), for all dtypes.");
  check_supported(rt != ScalarType::Bool, divide ? "addcdiv_cpu_out" : "addcmul_cpu_out", rt);
  DimVector shape = broadcast_shapes(self.sizes(), broadcast_shapes(t1.sizes(), t2.sizes()));
  Tensor out = st::empty(shape, rt);
  kernels::addcmul(out, cast_raw(self, rt), cast_raw(t1, rt), cast_raw(t2, rt), value, divide);
  if (auto n = make_node<AddcBackward>({&self, &t1, &t2})) {
    n->divide = divide;
    n->value = value;
    if (n->should_compute(2)) n->t1.save(t1);
    if (n->should_compute(1) || divide) n->t2.save(t2);
    finish(n, out);
  }
  return out;
}
}  // namespace

Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  return addc(self, t1, t2, value, false);
}
Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  return addc(self, t1, t2, value, true);
}
Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  return inplace_via(self, "addcmul_", &t1, {&self, &t1, &t2}, [&](const Tensor& s) {
    return addcmul(s, same(t1, self, s), same(t2, self, s), value);
  });
}
Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  return inplace_via(self, "addcdiv_", &t1, {&self, &t1, &t2}, [&](const Tensor& s) {
    return addcdiv(s, same(t1, self, s), same(t2, self, s), value);
  });
}

}  // namespace st::ops
