// The pointwise family: div with rounding_mode, where, masked_fill, lerp,
// addcmul/addcdiv (the two-tensor elementwise ops are rows of binary.h).
// Forward and backward node side by side; kernels in kernels/pointwise.cpp.
#include "../kernels/pointwise.h"
#include "internal.h"

namespace st::ops {

namespace {

void check_supported(bool ok, const char* kernel, ScalarType t) {
  if (!ok) throw NotImplementedError(str("\"", kernel, "\" not implemented for '", torch_type_name(t), "'"));
}


// ---------------------------------------------------------------- backward nodes

// A node whose inputs get zero gradients (div with a rounding mode).
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
  Tensor out = st::empty(broadcast_shapes(a.sizes(), b.sizes()), rt);
  ST_CHECK(kernels::div_rounded(mode == Round::Floor, out, cast_raw(a, rt), cast_raw(b, rt)), "ZeroDivisionError");
  if (auto n = make_node<ZeroBackward>({&a, scalar_other ? nullptr : &b})) { n->nm = "DivBackward2"; finish(n, out); }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- div with rounding_mode

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
