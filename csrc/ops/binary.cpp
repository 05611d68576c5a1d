// The elementwise registry of two-input ops: every row of ST_BINARY_OPS
// (binary.h) becomes its ops, its in-place forms and its backward node through
// the generic code below. One path for every row: check the operands, promote,
// check the rule, broadcast, cast, run the row's ISA loop or its functor map
// (kernels/map.h) over the loop plan, record the node. The in-place forms and
// out= share the checks (castable result, shape, overlap) and the kernel.
#include "binary.h"
#include <atomic>
#include <string>
#include <type_traits>
#include "../kernels/map.h"
#include "../kernels/scalar_math.h"
#include "../kernels/special_math.h"
#include "dtype_rules.h"
#include "internal.h"

namespace st::ops {
namespace {

namespace sm = kernels::sm;
namespace spm = kernels::spm;

enum class Save { None, In, InOut, Cross, Quot, Alpha, Num };
// The isa column: which hand-vectorised loop of kernels::binary runs the row (None: the functor).
enum class Isa { None, Add, Sub, Mul, Div, Pow };
constexpr kernels::BinaryOp binary_op(Isa k) {
  return k == Isa::Add ? kernels::BinaryOp::Add : k == Isa::Sub ? kernels::BinaryOp::Sub
       : k == Isa::Mul ? kernels::BinaryOp::Mul : k == Isa::Div ? kernels::BinaryOp::Div : kernels::BinaryOp::Pow;
}
// Which operands are tensors: both, `other` a number, or `input` a number.
enum class Form { TT, TS, ST };

// 1, the alpha of every call that gives none (and of every row without the keyword)
const Scalar& one() {
  static const Scalar s(int64_t(1));
  return s;
}

// -s, of s's kind (bools become integers): sub's alpha for the a + alpha * b loop
Scalar negated(const Scalar& s) {
  return s.kind == Scalar::Float ? Scalar(-s.to_double()) : Scalar(-s.to<int64_t>());
}

// b * alpha as a Scalar, exact for integers: a number operand scaled before the loop
Scalar scaled(const Scalar& b, const Scalar& alpha) {
  if (is_one(alpha)) return b;
  if (b.kind != Scalar::Float && alpha.kind != Scalar::Float) return Scalar(b.to<int64_t>() * alpha.to<int64_t>());
  return Scalar(b.to_double() * alpha.to_double());
}

// PyTorch's alpha_check, against the promoted dtype t
void check_alpha(ScalarType t, const Scalar& alpha) {
  ST_CHECK(alpha.kind != Scalar::Bool || t == ScalarType::Bool, "Boolean alpha only supported for Boolean results.");
  ST_CHECK(is_floating(t) || alpha.kind != Scalar::Float,
           "For integral input tensors, argument alpha must not be a floating point number.");
}

// maximum/minimum's gradient: to the larger (smaller) input, halved on ties;
// `loses` marks where this input was not chosen.
Tensor tie_split(const Tensor& g, const Tensor& a, const Tensor& b, const Tensor& loses) {
  return masked_fill(where(eq(a, b), div(g, Scalar(int64_t(2))), g), loses, Scalar(int64_t(0)));
}

// pow's formulas (save kind Num: a number operand reaches them as a Scalar). e - 1 of a number, exact for
// integers (a bool counts as 0 or 1), and ln of one.
Scalar sub(const Scalar& x, const Scalar& y) {
  if (x.kind != Scalar::Float && y.kind != Scalar::Float) return Scalar(x.to<int64_t>() - y.to<int64_t>());
  return Scalar(x.to_double() - y.to_double());
}
Scalar log(const Scalar& x) { return Scalar(std::log(x.to_double())); }
using ops::log;  // the tensor ops beside the Scalar overloads above
using ops::sub;

// x, but 0 where the exponent e is 0, 0⁰ included (PyTorch's pow gradient to self)
Tensor unless_zero(const Tensor& e, const Tensor& x) {
  return where(eq(e, Scalar(int64_t(0))), zeros({}, x.dtype()), x);
}
Tensor unless_zero(const Scalar& e, const Tensor& x) { return e.to_double() == 0.0 ? zeros(x.sizes(), x.dtype()) : x; }

// x, but 0 where the base a is 0 and the exponent b is not negative (PyTorch's pow gradient to the exponent)
Tensor unless_zero_base(const Tensor& a, const Tensor& b, const Tensor& x) {
  return where(logical_and(eq(a, Scalar(int64_t(0))), ge(b, Scalar(int64_t(0)))), zeros({}, x.dtype()), x);
}
Tensor unless_zero_base(const Scalar& a, const Tensor& b, const Tensor& x) {
  return a.to_double() == 0.0 ? where(ge(b, Scalar(int64_t(0))), zeros({}, x.dtype()), x) : x;
}

// PyTorch's kernel names, which its dtype errors quote.
std::string kernel_name(const char* op) {
  if (same_str(op, "floor_divide")) return "div_floor_cpu";
  if (same_str(op, "bitwise_left_shift")) return "lshift_cpu";
  if (same_str(op, "bitwise_right_shift")) return "rshift_cpu";
  return std::string(op) + "_cpu";
}

// One struct per table row: its columns, its functor and its gradient formulas.
#define ST_BINARY_DEFINE(nm, rule_, forms, inplace, Node_, SNode_, RNode_, save_, isa_, kw, oper, arg2_, fwd, gself,  \
                         gother)                                                                                    \
  struct Op_##nm {                                                                                          \
    static constexpr const char* op_name = #nm;                                                             \
    static constexpr const char* arg2 = #arg2_;                                                             \
    static constexpr Rule rule = Rule::rule_;                                                               \
    static constexpr Save saves = Save::save_;                                                              \
    static constexpr Isa isa = Isa::isa_;                                                                   \
    static constexpr const char* node = #Node_;                                                             \
    static constexpr const char* snode = #SNode_;                                                           \
    static constexpr const char* rnode = #RNode_;                                                           \
    static constexpr bool differentiable = !same_str(#Node_, "NoNode");                                     \
    static constexpr bool alpha = same_str(#kw, "Alpha");                                                   \
    template <typename T>                                                                                   \
    static auto f(T a, T b, sm::ZeroFlag z) {                                                               \
      (void)z;                                                                                              \
      return fwd;                                                                                           \
    }                                                                                                       \
    template <class A, class B> /* Tensor, or Scalar for a Num row's number */                              \
    static Tensor grad_self(const Tensor& g, const A& a, const B& b, const Tensor& r, const Scalar& k) {     \
      (void)a, (void)b, (void)r, (void)k;                                                                   \
      return gself;                                                                                         \
    }                                                                                                       \
    template <class A, class B>                                                                             \
    static Tensor grad_other(const Tensor& g, const A& a, const B& b, const Tensor& r, const Scalar& k) {    \
      (void)a, (void)b, (void)r, (void)k;                                                                   \
      return gother;                                                                                        \
    }                                                                                                       \
  };
ST_BINARY_OPS(ST_BINARY_DEFINE)
#undef ST_BINARY_DEFINE

const char* node_name(const char* column) {
  return same_str(column, "NotImplemented") ? "torch::autograd::NotImplemented" : column;
}

// Form::ST (a number as `input`): the rnode column (gradient to `other`
// only); NotImplemented raises when reached.
template <class Op>
constexpr bool scalar_input_differentiable() {
  return !same_str(Op::rnode, "NotImplemented");
}

// the scalar-input nodes' formulas in the trace's notation (the row's gother column with self the number)
ST_VJP_FORMULA("XlogyBackward1", "grad_other = grad · self / other")
ST_VJP_FORMULA("SpecialXlog1PyBackward1", "grad_other = grad · self / (other + 1)")
ST_VJP_FORMULA("RsubBackward1", "grad_self = -(alpha · grad)")
ST_VJP_FORMULA("PowBackward2", "grad_exponent = grad · result · ln(self), but 0 where self = 0 and exponent ≥ 0")

// The backward node of every row.
template <class Op>
struct BinaryBackward : Node {
  static constexpr bool jvp = true;  // binary_jvp
  Form form = Form::TT;
  SavedTensor self, other, result;
  Tensor self_number;   // Form::ST: the number `input` stood for (a wrapped 0-d constant)
  Tensor other_number;  // Form::TS with Save::Cross: the number `other` stood for (a constant: no pack hook)
  Scalar self_scalar, other_scalar;  // Save::Num: the number of Form::ST (input) or Form::TS (other)
  Scalar alpha = one();  // Save::Alpha: the alpha keyword
  const char* name() const override {
    return node_name(form == Form::TT ? Op::node : form == Form::TS ? Op::snode : Op::rnode);
  }
  TensorList apply(TensorList&& grads) override {
    ST_CHECK_T(!same_str(name(), "torch::autograd::NotImplemented"), NotImplementedError, "the derivative for '",
               Op::op_name, "' is not implemented.");
    const Tensor& g = grads[0];
    const Tensor a = form == Form::ST ? self_number : self.defined() ? self.unpack(*this) : Tensor();
    const Tensor b = other_number.defined() ? other_number : other.defined() ? other.unpack(*this) : Tensor();
    const Tensor r = result.defined() ? result.unpack(*this) : Tensor();
    TensorList out(next_edges.size());
    if (next_edges.size() == 1) {  // a number form with PyTorch's Scalar node: the tensor's edge only
      if (!should_compute(0)) return out;
      if constexpr (Op::saves == Save::Num)  // the formulas get the number itself
        out[0] = form == Form::ST ? Op::grad_other(g, self_scalar, b, r, alpha)
                                  : Op::grad_self(g, a, other_scalar, r, alpha);
      else
        out[0] = form == Form::ST ? Op::grad_other(g, a, b, r, alpha) : Op::grad_self(g, a, b, r, alpha);
      return out;
    }
    if (should_compute(0)) out[0] = Op::grad_self(g, a, b, r, alpha);
    if (should_compute(1)) out[1] = Op::grad_other(g, a, b, r, alpha);
    return out;
  }
  void release_variables() override { self.release(); other.release(); result.release(); }
  // _saved_self, _saved_<arg2> and _saved_result, as PyTorch names them (self a number in Form::ST); _saved_alpha
  void saved_fields(std::vector<SavedField>& out) const override {
    if (Op::saves == Save::Alpha) {
      out.push_back(SavedField::of("alpha", alpha));
      return;
    }
    if (Op::saves == Save::Cross || Op::saves == Save::Quot) {  // a number shows as the 0-d tensor it stood for
      out.push_back(form == Form::ST ? SavedField::of("self", self_number) : SavedField::of("self", self));
      out.push_back(form == Form::TS ? SavedField::of(Op::arg2, other_number) : SavedField::of(Op::arg2, other));
      return;
    }
    if (Op::saves == Save::Num) {  // a number shows as itself (an int or a float)
      out.push_back(form == Form::ST ? SavedField::of("self", self_scalar) : SavedField::of("self", self));
      out.push_back(form == Form::TS ? SavedField::of(Op::arg2, other_scalar) : SavedField::of(Op::arg2, other));
      if (form != Form::TS) out.push_back(SavedField::of("result", result));
      return;
    }
    if (Op::saves == Save::None || form == Form::TS) return;
    if (form == Form::ST) {
      if (!scalar_input_differentiable<Op>()) return;
      out.push_back(SavedField::of("self", item(self_number)));
    } else {
      out.push_back(SavedField::of("self", self));
    }
    out.push_back(SavedField::of(Op::arg2, other));
    if (Op::saves == Save::InOut) out.push_back(SavedField::of("result", result));
  }
};

// out = Op::f(a, b) elementwise; a and b already have the compute dtype (out's, or float32 for float16/bfloat16).
template <class Op>
void run_kernel(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (is_reduced_float(out.dtype()))
    return kernels::through_float32(out, [&](const Tensor& o) { run_kernel<Op>(o, kernels::widen(a), kernels::widen(b)); });
  std::atomic<bool> zero{false};
  const sm::ZeroFlag z{&zero};
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (allows<Op::rule, T>()) {
      using O = std::conditional_t<Op::rule == Rule::Pred, bool, T>;
      kernels::map_binary<O, T>(out, a, b, [z](T x, T y) { return static_cast<O>(Op::template f<T>(x, y, z)); });
    }
  });
  ST_CHECK(!zero.load(), "ZeroDivisionError");
}

// Whether PyTorch takes the number of this form as a wrapped 0-d tensor (its
// node is the tensor form's, with an edge for each input, the number's empty)
// rather than through a Scalar overload with a node of its own (one edge).
template <class Op>
bool number_wrapped(Form form) {
  return (form == Form::TS && same_str(Op::snode, Op::node)) || (form == Form::ST && same_str(Op::rnode, Op::node));
}

// Records the node of `out` = op(a, b). `a_before` is the value a had before
// an in-place op overwrote it (a itself otherwise); `inplace`: out is a,
// written by the op (commit_inplace ends it). Integer and bool results carry
// no gradient, as in PyTorch.
template <class Op>
void record(const Tensor& out, const Tensor& a, const Tensor& b, Form form, const Tensor& a_before,
            const Scalar& alpha, bool inplace = false) {
  std::shared_ptr<BinaryBackward<Op>> n;
  if constexpr (Op::differentiable) {
    if (is_floating(out.dtype())) {
      n = form == Form::TT || number_wrapped<Op>(form) ? make_node<BinaryBackward<Op>>({&a, &b})
          : form == Form::TS                           ? make_node<BinaryBackward<Op>>({&a})
                                                       : make_node<BinaryBackward<Op>>({&b});
      if (n) {
        n->form = form;
        const Tensor& b_before = b.is_same(a) ? a_before : b;
        if (Op::saves == Save::Alpha) {
          n->alpha = alpha;
        } else if (Op::saves == Save::Num) {  // a number as itself, the tensors as In
          if (form == Form::ST) n->self_scalar = item(a);
          else n->self.save(a_before);
          if (form == Form::TS) n->other_scalar = item(b);
          else n->other.save(b_before);
        } else if (Op::saves == Save::Cross || Op::saves == Save::Quot) {  // self for other's gradient; a number always
          if (form == Form::ST) n->self_number = a;
          else if (form == Form::TT && n->should_compute(1)) n->self.save(a_before);
          if (form == Form::TS) n->other_number = b;  // other: for self's gradient (Quot: and its own)
          else if (Op::saves == Save::Quot || n->should_compute(0)) n->other.save(b_before);
        } else if (Op::saves != Save::None && form != Form::ST) {
          n->self.save(a_before);
          n->other.save(b_before);
        } else if (Op::saves != Save::None && scalar_input_differentiable<Op>()) {
          n->self_number = a;
          n->other.save(b);
        }
      }
    }
  }
  if (inplace) commit_inplace(out, n);
  else if (n) autograd::set_history(out, n);
  if constexpr (Op::differentiable)
    if (n && (Op::saves == Save::InOut || (Op::saves == Save::Num && form != Form::TS))) n->result.save(out, true);
}

// out's tangent from a's and b's (forward mode): the gradient formulas with
// the tangents as g, each a diagonal Jacobian, summed.
template <class Op>
void binary_jvp(const Tensor& out, const Tensor& a, const Tensor& b, Form form, const Scalar& alpha) {
  if constexpr (Op::differentiable) {
    const Tensor ta = form == Form::ST ? Tensor() : forward_ad::tangent(a);
    const Tensor tb = form == Form::TS ? Tensor() : forward_ad::tangent(b);
    if ((!ta.defined() && !tb.defined()) || !is_floating(out.dtype())) return;
    if (same_str(Op::node, "NotImplemented")) forward_ad::refuse(Op::op_name);
    Tensor t;
    {
      forward_ad::Disable plain;
      if constexpr (Op::saves == Save::Num) {  // the number of a number form as itself, as the node has it
        if (form == Form::TS) t = Op::grad_self(ta, a, item(b), out, alpha);
        else if (form == Form::ST) t = Op::grad_other(tb, item(a), b, out, alpha);
      }
      if (!t.defined()) {
        if (ta.defined()) t = Op::grad_self(ta, a, b, out, alpha);
        if (tb.defined()) {
          const Tensor tg = Op::grad_other(tb, a, b, out, alpha);
          t = t.defined() ? add(t, tg) : tg;
        }
      }
    }
    forward_ad::set_tangent(out, t);
  }
}

template <class Op>
void check_dtype(ScalarType promoted) {
  if (!accepts(Op::rule, promoted)) check_rule(Op::rule, promoted, kernel_name(Op::op_name).c_str());
}

// The checks of the operands' own dtypes (a number's natural dtype), before
// promotion: Rule::NoBool refuses a bool operand with PyTorch's sub messages.
template <class Op>
void check_operands(ScalarType a, ScalarType b) {
  if constexpr (Op::rule == Rule::NoBool) {
    ST_CHECK(!(a == ScalarType::Bool && b == ScalarType::Bool),
             "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
             "operator instead.");
    ST_CHECK(a != ScalarType::Bool && b != ScalarType::Bool,
             "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
             "use the `~` or `logical_not()` operator instead.");
  }
}

// Every check of op(a, b) before anything is computed; returns the promoted dtype.
template <class Op>
ScalarType check_call(ScalarType a, ScalarType b, ScalarType promoted, const Scalar& alpha) {
  check_operands<Op>(a, b);
  check_dtype<Op>(promoted);
  if constexpr (Op::alpha) check_alpha(promoted, alpha);
  return promoted;
}

// Rule::Power's checks of other (the exponent) against the result dtype rt, as PyTorch's pow: an integer
// result takes no negative integer exponent; a number exponent must fit an integer or float16 result (it is
// converted to that dtype); a bool result takes only a number exponent (always 0 or 1).
template <class Op>
void check_values(ScalarType rt, const Scalar& e) {
  if constexpr (Op::rule == Rule::Power) {
    if (!is_floating(rt) && e.kind != Scalar::Float)
      ST_CHECK(e.to<int64_t>() >= 0, "Integers to negative integer powers are not allowed.");
    if (!is_floating(rt) || rt == ScalarType::Float16) check_scalar_fits(e, rt);
  }
}
template <class Op>
void check_values(ScalarType rt, const Tensor& e) {
  if constexpr (Op::rule == Rule::Power) {
    if (e.impl()->is_wrapped_number) return check_values<Op>(rt, item(e));
    ST_CHECK_T(rt != ScalarType::Bool, NotImplementedError, '"', Op::op_name, "\" not implemented for '",
               torch_type_name(rt), "'");
    if (is_floating(rt) || e.numel() == 0) return;
    Tensor c = cast_raw(e, ScalarType::Int64);
    if (!c.is_contiguous()) c = clone(c);
    const int64_t* p = c.data<int64_t>();
    for (int64_t i = 0; i < c.numel(); ++i)
      ST_CHECK(p[i] >= 0, "Integers to negative integer powers are not allowed.");
  } else {
    (void)rt, (void)e;
  }
}

// Whether `out` = op(a, b) will record a node or a tangent (the number forms make their wrapped 0-d tensor then).
template <class Op>
bool needs_graph(const Tensor& a) {
  return forward_ad::active() || (Op::differentiable && autograd::GradMode::is_enabled() && autograd::requires_grad(a));
}

// out = op(a, b) in out's dtype, the row's result dtype (pt: the promoted
// dtype); a number operand is a wrapped 0-d tensor. A row with an ISA loop
// runs it in the result dtype, a number operand as a scalar (`other` times
// alpha first); alpha other than 1 runs a + alpha * b (sub: a + (-alpha) * b)
// in one rounding, as PyTorch. (Callers run Rule::Power's value checks first.)
template <class Op>
void compute(const Tensor& out, const Tensor& a, const Tensor& b, ScalarType pt, const Scalar& alpha) {
  if constexpr (Op::isa != Isa::None) {
    const ScalarType rt = out.dtype();
    const kernels::BinaryOp op = binary_op(Op::isa);
    if (b.impl()->is_wrapped_number)
      kernels::binary_scalar(op, out, cast_raw(a, rt), scaled(item(b), alpha), false);
    else if (!is_one(alpha))
      kernels::add_scaled(out, cast_raw(a, rt), cast_raw(b, rt), Op::isa == Isa::Sub ? negated(alpha) : alpha);
    else if (a.impl()->is_wrapped_number)
      kernels::binary_scalar(op, out, cast_raw(b, rt), item(a), true);
    else
      kernels::binary(op, out, cast_raw(a, rt), cast_raw(b, rt));
  } else {
    (void)alpha;
    const ScalarType ct = compute_type(Op::rule, pt);
    run_kernel<Op>(out, cast_raw(a, ct), cast_raw(b, ct));
  }
}

template <class Op>
Tensor binary_forward(const Tensor& a, const Tensor& b, Form form, const Scalar& alpha) {
  const ScalarType pt = check_call<Op>(a.dtype(), b.dtype(), result_type(a, b), alpha);
  Tensor out = st::empty(a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes()),
                         result_dtype(Op::rule, pt));
  check_values<Op>(pt, b);
  compute<Op>(out, a, b, pt, alpha);
  if (Op::differentiable && autograd::GradMode::is_enabled() &&
      (autograd::requires_grad(a) || autograd::requires_grad(b)))  // (record is a no-op otherwise)
    record<Op>(out, a, b, form, a, alpha);
  if (forward_ad::active()) binary_jvp<Op>(out, a, b, form, alpha);
  return out;
}

// op(a, s) (Form::TS) or op(s, a) (Form::ST) for a number s. A row with an
// ISA loop runs it on the number itself and wraps the number in a 0-d tensor
// only for the node or tangent that reads it (and for s + alpha * a).
template <class Op>
Tensor binary_forward_number(const Tensor& a, const Scalar& s, Form form, const Scalar& alpha) {
  if constexpr (Op::isa == Isa::None) {
    return form == Form::TS ? binary_forward<Op>(a, wrapped_scalar(s), form, alpha)
                            : binary_forward<Op>(wrapped_scalar(s), a, form, alpha);
  } else {
    if (form == Form::ST && !is_one(alpha)) return binary_forward<Op>(wrapped_scalar(s), a, form, alpha);
    const ScalarType pt = check_call<Op>(a.dtype(), s.natural_dtype(), result_type(a, s), alpha);
    const ScalarType rt = result_dtype(Op::rule, pt);
    if (form == Form::TS) check_values<Op>(pt, s);
    else check_values<Op>(pt, a);
    Tensor out = st::empty(a.sizes(), rt);
    kernels::binary_scalar(binary_op(Op::isa), out, cast_raw(a, rt), form == Form::TS ? scaled(s, alpha) : s,
                           form == Form::ST);
    if (needs_graph<Op>(a)) {
      const Tensor w = wrapped_scalar(s);
      const Tensor& x = form == Form::TS ? a : w;
      const Tensor& y = form == Form::TS ? w : a;
      record<Op>(out, x, y, form, x, alpha);
      if (forward_ad::active()) binary_jvp<Op>(out, x, y, form, alpha);
    }
    return out;
  }
}

// "name_", the in-place op's name in messages
template <class Op>
const char* inplace_name() {
  static const std::string name = std::string(Op::op_name) + "_";
  return name.c_str();
}

// The checks of self = op(self, b) (b null for a number of dtype b_dtype; value:
// other, tensor or number, for Rule::Power's value checks), in
// PyTorch's order; returns the promoted dtype.
template <class Op, class V>
ScalarType check_inplace_call(Tensor& self, const Tensor* b, const V& value, ScalarType b_dtype, ScalarType pt,
                              const DimVector& b_sizes, const Scalar& alpha) {
  const char* op = inplace_name<Op>();
  check_inplace(self, op, b);
  check_operands<Op>(self.dtype(), b_dtype);
  if (b) check_no_partial_overlap(self, *b);
  check_dtype<Op>(pt);
  check_values<Op>(pt, value);
  check_inplace_result(self, result_dtype(Op::rule, pt), b_sizes, op);
  if constexpr (Op::alpha) check_alpha(pt, alpha);
  return pt;
}

template <class Op>
Tensor& binary_inplace(Tensor& self, const Tensor& b, Form form, const Scalar& alpha) {
  const ScalarType pt = check_inplace_call<Op>(self, form == Form::TT ? &b : nullptr, b, b.dtype(),
                                               result_type(self, b), b.sizes(), alpha);
  const ScalarType ct = compute_type(Op::rule, pt), rt = result_dtype(Op::rule, pt);
  // the value before the update, when the node will read it (Cross: only for other's gradient)
  Tensor before = self;
  const bool reads_self = Op::saves == Save::Cross || Op::saves == Save::Quot
                               ? form == Form::TT && autograd::requires_grad(b)
                               : Op::saves != Save::None && Op::saves != Save::Alpha;
  if (Op::differentiable && reads_self && is_floating(self.dtype()) && autograd::GradMode::is_enabled() &&
      autograd::any_requires_grad({&self, form == Form::TT ? &b : nullptr}))
    before = clone(self);
  Tensor new_tangent;  // forward mode: computed out of place from the value before the update
  if (forward_ad::has_tangent(self) || (form == Form::TT && forward_ad::has_tangent(b)))
    new_tangent = forward_ad::inplace_jvp(self, [&](const Tensor& v) { return binary_forward<Op>(v, b, form, alpha); });
  // Straight into self when nothing else reads its memory and no error can
  // leave it half-written (integer division by zero); else through a result.
  const bool shares = b.impl()->storage() == self.impl()->storage() && !b.is_same(self);
  if constexpr (Op::isa != Isa::None) {  // the ISA loop in self's dtype, straight into self
    Tensor o = b;
    if (!b.impl()->is_wrapped_number) {
      o = cast_raw(b, self.dtype());
      if (o.impl()->storage() == self.impl()->storage() && !o.is_same(self)) o = clone(alias_raw(o));
    }
    compute<Op>(self, self, o, pt, alpha);
  } else if (ct == self.dtype() && rt == self.dtype() && is_floating(ct) && !shares) {
    run_kernel<Op>(self, self, cast_raw(b, ct));
  } else {
    Tensor tmp = st::empty(self.sizes(), rt);
    run_kernel<Op>(tmp, cast_raw(self, ct), cast_raw(b, ct));
    kernels::copy(self, tmp);
  }
  record<Op>(self, self, b, form, before, alpha, true);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

// self = op(self, s) for a number s. A row with an ISA loop runs it on the
// number itself when no node or tangent will read it (the wrapped 0-d tensor
// and the generic path otherwise).
template <class Op>
Tensor& binary_inplace_number(Tensor& self, const Scalar& s, const Scalar& alpha) {
  if constexpr (Op::isa != Isa::None) {
    if (!needs_graph<Op>(self) && !forward_ad::has_tangent(self)) {
      check_inplace_call<Op>(self, nullptr, s, s.natural_dtype(), result_type(self, s), self.sizes(), alpha);
      kernels::binary_scalar(binary_op(Op::isa), self, self, scaled(s, alpha), false);
      commit_inplace(self, nullptr);
      return self;
    }
  }
  return binary_inplace<Op>(self, wrapped_scalar(s), Form::TS, alpha);
}

// Whether t reads memory that out writes, other than element for element in the same layout.
bool reads_other_elements(const Tensor& out, const Tensor& t) {
  return t.impl()->storage() == out.impl()->storage() && !t.is_same(out) &&
         !(t.sizes() == out.sizes() && t.strides() == out.strides() && t.impl()->offset() == out.impl()->offset());
}

// The function's out=: out = op(a, b), no autograd (a number operand is a
// wrapped 0-d tensor). The checks of the op, then out's as given: no gradient
// wanted, no leaf or view misuse, no partial overlap with an input, a castable
// result, no internal overlap; then out resized to the result's shape
// (resize_output); straight into out when its dtype is the result's and no
// input reads other elements of it.
template <class Op>
Tensor& binary_out(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  const char* name = Op::op_name;
  const ScalarType pt = check_call<Op>(a.dtype(), b.dtype(), result_type(a, b), alpha);
  ST_CHECK(!(Op::differentiable && Op::rule != Rule::Pred && autograd::GradMode::is_enabled() &&
             (autograd::requires_grad(a) || autograd::requires_grad(b) || autograd::requires_grad(out))),
           name, "(): functions with out=... arguments don't support automatic differentiation, but one of the "
           "arguments requires grad.");
  const DimVector shape = a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes());
  check_inplace(out, name);
  check_no_partial_overlap(out, a);
  check_no_partial_overlap(out, b);
  const ScalarType rt = result_dtype(Op::rule, pt);
  check_inplace_result(out, rt, out.sizes(), name);
  resize_output(out, shape);
  check_values<Op>(pt, b);
  if (out.dtype() == rt && !reads_other_elements(out, a) && !reads_other_elements(out, b)) {
    compute<Op>(out, a, b, pt, alpha);
  } else {
    Tensor tmp = st::empty(shape, rt);
    compute<Op>(tmp, a, b, pt, alpha);
    kernels::copy(out, tmp);
  }
  out.impl()->bump_version();
  return out;
}

}  // namespace

// ------------------------------------------------------------ the table's ops
#define ST_BINARY_FUNCTIONS(nm, rule, forms, inplace, node, snode, rnode, save, isa, kw, ...)                 \
  Tensor nm(const Tensor& a, const Tensor& b) { return binary_forward<Op_##nm>(a, b, Form::TT, one()); }     \
  ST_BINARY_IF_##forms##_2(Tensor nm(const Tensor& a, const Scalar& b) {                                     \
    return binary_forward_number<Op_##nm>(a, b, Form::TS, one());                                            \
  })                                                                                                          \
  ST_BINARY_IF_##forms##_1(Tensor nm(const Scalar& a, const Tensor& b) {                                     \
    return binary_forward_number<Op_##nm>(b, a, Form::ST, one());                                            \
  })                                                                                                          \
  Tensor& nm##_out(Tensor& out, const Tensor& a, const Tensor& b) { return binary_out<Op_##nm>(out, a, b, one()); } \
  ST_BINARY_IF_INPLACE_##inplace(                                                                             \
      Tensor& nm##_(Tensor& self, const Tensor& b) { return binary_inplace<Op_##nm>(self, b, Form::TT, one()); } \
      ST_BINARY_IF_##forms##_2(Tensor& nm##_(Tensor& self, const Scalar& b) {                                \
        return binary_inplace_number<Op_##nm>(self, b, one());                                               \
      }))                                                                                                     \
  ST_BINARY_FUNCTIONS_KW_##kw(nm, forms, inplace)
// the alpha overloads of a row whose kw is Alpha
#define ST_BINARY_FUNCTIONS_KW_None(nm, forms, inplace)
#define ST_BINARY_FUNCTIONS_KW_RoundingMode(nm, forms, inplace)
#define ST_BINARY_FUNCTIONS_KW_Alpha(nm, forms, inplace)                                                      \
  Tensor nm(const Tensor& a, const Tensor& b, const Scalar& alpha) {                                          \
    return binary_forward<Op_##nm>(a, b, Form::TT, alpha);                                                    \
  }                                                                                                           \
  ST_BINARY_IF_##forms##_2(Tensor nm(const Tensor& a, const Scalar& b, const Scalar& alpha) {                \
    return binary_forward_number<Op_##nm>(a, b, Form::TS, alpha);                                            \
  })                                                                                                          \
  ST_BINARY_IF_##forms##_1(Tensor nm(const Scalar& a, const Tensor& b, const Scalar& alpha) {                \
    return binary_forward_number<Op_##nm>(b, a, Form::ST, alpha);                                            \
  })                                                                                                          \
  Tensor& nm##_out(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha) {                      \
    return binary_out<Op_##nm>(out, a, b, alpha);                                                             \
  }                                                                                                           \
  ST_BINARY_IF_INPLACE_##inplace(                                                                             \
      Tensor& nm##_(Tensor& self, const Tensor& b, const Scalar& alpha) {                                     \
        return binary_inplace<Op_##nm>(self, b, Form::TT, alpha);                                             \
      } ST_BINARY_IF_##forms##_2(Tensor& nm##_(Tensor& self, const Scalar& b, const Scalar& alpha) {         \
        return binary_inplace_number<Op_##nm>(self, b, alpha);                                               \
      }))
ST_BINARY_OPS(ST_BINARY_FUNCTIONS)
#undef ST_BINARY_FUNCTIONS
#undef ST_BINARY_FUNCTIONS_KW_None
#undef ST_BINARY_FUNCTIONS_KW_RoundingMode
#undef ST_BINARY_FUNCTIONS_KW_Alpha

}  // namespace st::ops
