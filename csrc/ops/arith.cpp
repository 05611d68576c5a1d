// Promotion (result_type), neg and reciprocal with their backward nodes. (add, sub, mul, div and pow
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

ScalarType div_type(ScalarType t) { return is_floating(t) ? t : default_dtype(); }

Tensor scalar_raw(BinaryOp op, const Tensor& a, const Scalar& s, bool scalar_first, ScalarType compute) {
  Tensor ca = cast_raw(a, compute);
  Tensor out = st::empty(a.sizes(), compute);
  kernels::binary_scalar(op, out, ca, s, scalar_first);
  return out;
}

}  // namespace

// ------------------------------------------------------------ backward nodes
namespace {

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
ST_VJP_FORMULA("NegBackward0", "grad_self = -grad")
ST_VJP_FORMULA("ReciprocalBackward0", "grad_self = -grad · result²")

// Forward mode: each op below gives its result a tangent through forward_ad::jvp,
// its JVP written beside it (forward_ad::term/add_tangents treat a missing tangent as zero).

// ------------------------------------------------------------ out-of-place ops

Tensor rdiv(const Tensor& a, const Scalar& b) { return mul(reciprocal(a), b); }

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
