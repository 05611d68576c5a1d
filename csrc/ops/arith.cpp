// Promotion (result_type), pow, neg and reciprocal with their backward nodes. (add, sub, mul and div
// are rows of the elementwise registry, binary.h.)
#include <cmath>
#include "../autograd/node.h"
#include "internal.h"

namespace st::ops {

using kernels::BinaryOp;

// ---------------------------------------------------------------- promotion
namespace {
ScalarType combine_categories(ScalarType higher, ScalarType lower) {
  if (higher == ScalarType::Undefined) return lower;
  if (is_floating(higher)) return higher;
  if (higher == ScalarType::Bool || (lower != ScalarType::Undefined && is_floating(lower)))
    return promote_types(higher, lower);
  return higher;
}
struct PromoteState {
  ScalarType dim = ScalarType::Undefined, zero = ScalarType::Undefined, wrapped = ScalarType::Undefined;
  void add(const Tensor& t) {
    if (t.impl()->is_wrapped_number) {
      ScalarType c = is_floating(t.dtype()) ? default_dtype() : t.dtype();
      wrapped = promote_types(wrapped, c);
    } else if (t.dim() == 0) {
      zero = promote_types(zero, t.dtype());
    } else {
      dim = promote_types(dim, t.dtype());
    }
  }
  ScalarType result() const { return combine_categories(dim, combine_categories(zero, wrapped)); }
};
}  // namespace

ScalarType result_type(const Tensor& a, const Tensor& b) {
  PromoteState s;
  s.add(a);
  s.add(b);
  return s.result();
}

ScalarType result_type(const std::vector<const Tensor*>& ts) {
  PromoteState s;
  for (const Tensor* t : ts) s.add(*t);
  return s.result();
}

ScalarType result_type(const Tensor& a, const Scalar& b) {
  PromoteState s;
  s.add(a);
  s.wrapped = promote_types(s.wrapped, b.natural_dtype());
  return s.result();
}

Tensor cast_raw(const Tensor& t, ScalarType dt) {
  if (t.dtype() == dt) return t;
  Tensor out = st::empty(t.sizes(), dt);
  kernels::copy(out, t);
  return out;
}

void check_no_internal_overlap(const Tensor& t) {
  if (t.numel() == 0) return;  // nothing is written
  for (int64_t d = 0; d < t.dim(); ++d)
    ST_CHECK(!(t.strides()[d] == 0 && t.sizes()[d] > 1),
             "unsupported operation: more than one element of the written-to tensor refers to a single memory "
             "location. Please clone() the tensor before performing the operation.");
}

// ------------------------------------------------------------ forward cores
namespace {

Tensor scalar_raw(BinaryOp op, const Tensor& a, const Scalar& s, bool scalar_first, ScalarType compute) {
  Tensor ca = cast_raw(a, compute);
  Tensor out = st::empty(a.sizes(), compute);
  kernels::binary_scalar(op, out, ca, s, scalar_first);
  return out;
}

ScalarType div_type(ScalarType t) { return is_floating(t) ? t : default_dtype(); }

void check_bool_pow(ScalarType compute) {
  ST_CHECK_T(compute != ScalarType::Bool, NotImplementedError, "\"pow\" not implemented for 'bool'");
}

void check_int_pow(ScalarType compute, const Scalar& e) {
  check_bool_pow(compute);
  if (!is_floating(compute) && e.kind != Scalar::Float) {
    ST_CHECK(e.to<int64_t>() >= 0, "Integers to negative integer powers are not allowed.");
    check_scalar_fits(e, compute);  // the exponent is converted to the integer dtype, as in PyTorch
  }
}

void check_int_pow_tensor(ScalarType compute, const Tensor& e) {
  check_bool_pow(compute);
  if (is_floating(compute) || e.numel() == 0) return;
  Tensor c = cast_raw(e, ScalarType::Int64);
  if (!c.is_contiguous()) c = clone(c);
  const int64_t* p = c.data<int64_t>();
  for (int64_t i = 0; i < c.numel(); ++i)
    ST_CHECK(p[i] >= 0, "Integers to negative integer powers are not allowed.");
}

}  // namespace

// ------------------------------------------------------------ backward nodes
namespace {

struct PowBackward0 : Node {  // tensor ** scalar
  static constexpr bool jvp = true;  // see the forward-mode tangents below
  SavedTensor self;
  Scalar exponent;
  const char* name() const override { return "PowBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("exponent", exponent));
  }
  TensorList apply(TensorList&& g) override {
    Tensor a = self.unpack(*this);
    double e = exponent.to_double();
    if (e == 0.0) return {zeros(a.sizes(), g[0].dtype())};
    Scalar em1 = exponent.kind == Scalar::Float ? Scalar(e - 1.0) : Scalar(exponent.to<int64_t>() - 1);
    return {mul(mul(g[0], pow(a, em1)), exponent)};
  }
  void release_variables() override { self.release(); }
};

struct PowBackward1 : Node {  // tensor ** tensor
  static constexpr bool jvp = true;  // see the forward-mode tangents below
  SavedTensor self, exponent, result;
  const char* name() const override { return "PowBackward1"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("exponent", exponent));
    out.push_back(SavedField::of("result", result));
  }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    Tensor a = self.unpack(*this), b = exponent.unpack(*this);
    if (should_compute(0)) r[0] = mul(mul(g[0], b), pow(a, sub(b, Scalar(int64_t(1)))));
    if (should_compute(1)) r[1] = mul(mul(g[0], result.unpack(*this)), log(a));
    return r;
  }
  void release_variables() override { self.release(); exponent.release(); result.release(); }
};

struct PowBackward2 : Node {  // scalar ** tensor
  static constexpr bool jvp = true;  // see the forward-mode tangents below
  SavedTensor result;
  Scalar base;
  const char* name() const override { return "PowBackward2"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self", base));
    out.push_back(SavedField::of("result", result));
  }
  TensorList apply(TensorList&& g) override {
    return {mul(mul(g[0], result.unpack(*this)), Scalar(std::log(base.to_double())))};
  }
  void release_variables() override { result.release(); }
};

struct NegBackward0 : Node {
  static constexpr bool jvp = true;  // see the forward-mode tangents below
  const char* name() const override { return "NegBackward0"; }
  TensorList apply(TensorList&& g) override { return {neg(g[0])}; }
};

struct ReciprocalBackward0 : Node {
  static constexpr bool jvp = true;  // see the forward-mode tangents below
  SavedTensor result;
  const char* name() const override { return "ReciprocalBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("result", result)); }
  TensorList apply(TensorList&& g) override {
    Tensor r = result.unpack(*this);
    return {neg(mul(g[0], mul(r, r)))};
  }
  void release_variables() override { result.release(); }
};

}  // namespace

// The formulas of the nodes above, as the backward trace explains them.
ST_VJP_FORMULA("PowBackward0", "grad_self = grad · exponent · self^(exponent - 1)")
ST_VJP_FORMULA("PowBackward1", "grad_self = grad · exponent · self^(exponent - 1)\n"
                               "grad_exponent = grad · result · ln(self)")
ST_VJP_FORMULA("PowBackward2", "grad_exponent = grad · result · ln(self)")
ST_VJP_FORMULA("NegBackward0", "grad_self = -grad")
ST_VJP_FORMULA("ReciprocalBackward0", "grad_self = -grad · result²")

// Forward mode: each op below gives its result a tangent through forward_ad::jvp,
// its JVP written beside it (forward_ad::term/add_tangents treat a missing tangent as zero).

// ------------------------------------------------------------ out-of-place ops

Tensor rdiv(const Tensor& a, const Scalar& b) { return mul(reciprocal(a), b); }

Tensor pow(const Tensor& a, const Tensor& b) {
  ScalarType rt = result_type(a, b);
  check_int_pow_tensor(rt, b);
  Tensor out = st::empty(a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes()), rt);
  kernels::binary(BinaryOp::Pow, out, cast_raw(a, rt), cast_raw(b, rt));
  if (auto n = make_node<PowBackward1>({&a, &b})) {
    n->self.save(a);
    n->exponent.save(b);
    if (n->should_compute(1)) { autograd::set_history(out, n); n->result.save(out, true); }
    finish(n, out);
  }
  forward_ad::jvp(out, {&a, &b}, [&] {
    return forward_ad::add_tangents(forward_ad::term(a, [&](const Tensor& t) { return mul(mul(t, b), pow(a, sub(b, Scalar(int64_t(1))))); }),
                forward_ad::term(b, [&](const Tensor& t) { return mul(mul(t, out), log(a)); }));
  });
  return out;
}

Tensor pow(const Tensor& a, const Scalar& e) {
  ScalarType rt = result_type(a, e);
  check_int_pow(rt, e);
  Tensor out = scalar_raw(BinaryOp::Pow, a, e, false, rt);
  if (auto n = make_node<PowBackward0>({&a})) {
    n->self.save(a);
    n->exponent = e;
    finish(n, out);
  }
  forward_ad::jvp(out, {&a}, [&] {
    const double d = e.to_double();
    if (d == 0.0) return zeros(a.sizes(), forward_ad::tangent(a).dtype());
    const Scalar em1 = e.kind == Scalar::Float ? Scalar(d - 1.0) : Scalar(e.to<int64_t>() - 1);
    return mul(mul(forward_ad::tangent(a), pow(a, em1)), e);
  });
  return out;
}

Tensor pow(const Scalar& base, const Tensor& b) {
  // A Python number as base counts as a wrapped scalar in promotion.
  ScalarType rt = result_type(b, base);
  check_int_pow_tensor(rt, b);
  Tensor out = scalar_raw(BinaryOp::Pow, b, base, true, rt);
  if (auto n = make_node<PowBackward2>({&b})) {
    n->base = base;
    autograd::set_history(out, n);
    n->result.save(out, true);
  }
  forward_ad::jvp(out, {&b}, [&] { return mul(mul(forward_ad::tangent(b), out), Scalar(std::log(base.to_double()))); });
  return out;
}

Tensor neg(const Tensor& a) {
  ST_CHECK(a.dtype() != ScalarType::Bool,
           "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
           "the `~` or `logical_not()` operator instead.");
  Tensor out = st::empty(a.sizes(), a.dtype());
  kernels::unary(kernels::UnaryOp::Neg, out, a);
  finish(make_node<NegBackward0>({&a}), out);
  forward_ad::jvp(out, {&a}, [&] { return neg(forward_ad::tangent(a)); });
  return out;
}

Tensor reciprocal(const Tensor& a) {
  ScalarType rt = div_type(a.dtype());
  Tensor out = scalar_raw(BinaryOp::Div, a, Scalar(1.0), true, rt);
  if (auto n = make_node<ReciprocalBackward0>({&a})) {
    autograd::set_history(out, n);
    n->result.save(out, true);
  }
  forward_ad::jvp(out, {&a}, [&] { return neg(mul(forward_ad::tangent(a), mul(out, out))); });
  return out;
}

Tensor& pow_(Tensor& self, const Scalar& e) {
  Tensor new_tangent = forward_ad::inplace_tangent(self, {&self}, [&](const Tensor& v) { return pow(v, e); });
  check_int_pow(self.dtype(), e);
  auto n = make_node<PowBackward0>({&self});
  if (n) { n->self.save(clone(self)); n->exponent = e; }
  check_inplace(self, "pow_");
  check_inplace_result(self, result_type(self, e), self.sizes(), "pow_");
  kernels::binary_scalar(BinaryOp::Pow, self, self, e, false);
  commit_inplace(self, n);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

Tensor& pow_(Tensor& self, const Tensor& b) {
  check_inplace(self, "pow_", &b);
  check_no_partial_overlap(self, b);
  Tensor new_tangent = forward_ad::inplace_tangent(self, {&self, &b}, [&](const Tensor& v) { return pow(v, b.is_same(self) ? v : b); });
  Tensor r = pow(alias_raw(self), b);  // validates and computes; history is re-made below
  auto n = make_node<PowBackward1>({&self, &b});
  if (n) { n->self.save(clone(self)); n->exponent.save(b.is_same(self) ? clone(b) : b); }
  check_inplace_result(self, r.dtype(), r.sizes(), "pow_");
  kernels::copy(self, r);
  commit_inplace(self, n);
  if (n && n->should_compute(1)) n->result.save(self, true);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

// pow's out= (a number operand as a wrapped 0-d tensor): the registry's overlap check, then write_out.
Tensor& pow_out(Tensor& out, const Tensor& a, const Tensor& b) {
  check_no_partial_overlap(out, a);
  check_no_partial_overlap(out, b);
  const Tensor r = a.impl()->is_wrapped_number   ? pow(item(a), b)
                   : b.impl()->is_wrapped_number ? pow(a, item(b))
                                                 : pow(a, b);
  return write_out(out, r, "pow");
}

Tensor& neg_(Tensor& self) {
  Tensor new_tangent = forward_ad::inplace_tangent(self, {&self}, [&](const Tensor& v) { return neg(v); });
  check_inplace(self, "neg_");
  auto n = make_node<NegBackward0>({&self});
  ST_CHECK(self.dtype() != ScalarType::Bool, "Negation, the `-` operator, on a bool tensor is not supported.");
  check_no_internal_overlap(self);
  kernels::unary(kernels::UnaryOp::Neg, self, self);
  commit_inplace(self, n);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

}  // namespace st::ops
