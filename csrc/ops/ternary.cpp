// The elementwise registry of three-input ops: every row of ST_TERNARY_OPS
// (ternary.h) becomes its op, its in-place form and its backward node through
// the generic code below. One path for every row, as for the two-input rows
// (binary.cpp): check the operand forms, promote (the row's types rule),
// broadcast, cast, run the functor map (kernels/map.h), record the node.
#include "ternary.h"
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include "../kernels/map.h"
#include "../kernels/unary.h"
#include "internal.h"

namespace st::ops {

TernaryArg::TernaryArg(const Scalar& s) : t(wrapped_scalar(s)), number(true) {}
TernaryArg::TernaryArg(const std::optional<Scalar>& s) {
  if (s) { t = wrapped_scalar(*s); number = true; }
}

namespace {

// ------------------------------------------------------------ column values

enum Numbers { NoNumber, Wrapped12, Number2, Bounds12 };
enum Kinds { BTT, TBT, TTT };
enum Saves : unsigned { A0 = 1, A1 = 2, A2 = 4, A12 = 6, A012 = 7 };

namespace sm {
// x * y + z rounded once (PyTorch's CPU kernels use fused multiply-adds here). float32 goes
// through double, where the product is exact: the same result but for a double rounding
// about once in 2^29, and it vectorises without FMA instructions (this file is built for
// baseline x86-64).
template <typename T> T fmadd(T x, T y, T z) {
  if constexpr (std::is_same<T, float>::value) return float(double(x) * double(y) + double(z));
  else if constexpr (std::is_floating_point<T>::value) return std::fma(x, y, z);
  else return T(x * y + z);
}
// start + weight * (end - start), in two formulas so that weight 0 gives start
// and weight 1 gives end exactly, each one fused multiply-add (PyTorch's lerp)
template <typename T> T lerp(T a, T b, T w) {
  return std::abs(w) < T(0.5) ? fmadd<T>(w, T(b - a), a) : fmadd<T>(T(-(b - a)), T(T(1) - w), b);
}
// A NaN bound wins, a NaN input stays NaN (PyTorch's clamp); an absent bound
// is a stand-in that changes nothing (no_bound).
template <typename T> T clamp(T x, T lo, T hi) {
  if (x < lo || lo != lo) x = lo;
  if (x > hi || hi != hi) x = hi;
  return x;
}
}  // namespace sm

// ------------------------------------------------------------ types rules

ScalarType types_of(std::initializer_list<const Tensor*> ts) {
  std::vector<const Tensor*> present;
  for (const Tensor* t : ts)
    if (t->defined()) present.push_back(t);
  return result_type(present);
}

void check_bool_mask(const Tensor& m, const char* what) {
  ST_CHECK(m.dtype() == ScalarType::Bool, what, dtype_name(m.dtype()));
}

ScalarType where_types(const char*, const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_bool_mask(cond, "where expected condition to be a boolean tensor, but got a tensor with dtype ");
  return types_of({&a, &b});
}

ScalarType fill_types(const char*, const Tensor& self, const Tensor& mask, const Tensor& value) {
  check_bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype ");
  ST_CHECK(value.dim() == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
           value.dim(), " dimension(s).");
  const ScalarType dt = self.dtype();
  if (value.impl()->is_wrapped_number) check_scalar_fits(item(value), dt);
  else if (!is_floating(dt) && is_floating(value.dtype())) {
    const double v = item(value).to_double();
    ST_CHECK(v == v, "value cannot be converted to type ", dtype_name(dt), " without overflow");
  }
  return dt;
}

ScalarType lerp_types(const char*, const Tensor& start, const Tensor& end, const Tensor& weight) {
  ST_CHECK_T(is_floating(start.dtype()), NotImplementedError, "\"lerp_kernel_scalar\" not implemented for '",
             torch_type_name(start.dtype()), "'");
  ST_CHECK(end.dtype() == start.dtype(), "expected dtype ", dtype_name(start.dtype()), " for `end` but got dtype ",
           dtype_name(end.dtype()));
  ST_CHECK(weight.impl()->is_wrapped_number || weight.dtype() == start.dtype() || weight.dim() == 0,
           "expected dtype ", dtype_name(start.dtype()), " for `weight` but got dtype ", dtype_name(weight.dtype()));
  return start.dtype();
}

ScalarType addc_types(const char* op, const Tensor& self, const Tensor& t1, const Tensor& t2) {
  if (same_str(op, "addcdiv"))
    ST_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)),
             "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a "
             "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
             "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
             "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
             "implementation: (input + value * tensor1 / tensor2), for all dtypes.");
  const ScalarType rt = types_of({&self, &t1, &t2});
  ST_CHECK_T(rt != ScalarType::Bool, NotImplementedError, '"', op, "_cpu_out\" not implemented for '",
             torch_type_name(rt), "'");
  return rt;
}

ScalarType clamp_types(const char*, const Tensor& self, const Tensor& lo, const Tensor& hi) {
  ST_CHECK(lo.defined() || hi.defined(), "torch.clamp: At least one of 'min' or 'max' must not be None");
  const ScalarType rt = types_of({&self, &lo, &hi});
  const auto number = [](const Tensor& b) { return !b.defined() || b.impl()->is_wrapped_number; };
  ST_CHECK_T(rt != ScalarType::Bool || !number(lo) || !number(hi), NotImplementedError, "\"",  // no bool kernel
             lo.defined() && hi.defined() ? "clamp_scalar_cpu" : lo.defined() ? "clamp_min_scalar_cpu"
                                                                               : "clamp_max_scalar_cpu",
             "\" not implemented for 'Bool'");
  for (const Tensor* b : {&lo, &hi})
    if (b->defined() && b->impl()->is_wrapped_number) check_scalar_fits(item(*b), rt);
  return rt;
}

// ------------------------------------------------------------ formula helpers

// clamp's gradient to argument `which` (PyTorch's clamp_backward masks);
// an undefined bound is absent.
Tensor clamp_grad(const Tensor& g, const Tensor& x, const Tensor& lo, const Tensor& hi, int which) {
  const ScalarType ct = types_of({&x, &lo, &hi});
  const Tensor cx = cast_raw(x, ct);
  const Tensor cl = lo.defined() ? cast_raw(lo, ct) : Tensor(), ch = hi.defined() ? cast_raw(hi, ct) : Tensor();
  // g may be a tangent smaller than x (forward mode: a broadcast bound's): the mask takes every shape
  DimVector shape = broadcast_shapes(g.sizes(), x.sizes());
  if (lo.defined()) shape = broadcast_shapes(shape, lo.sizes());
  if (hi.defined()) shape = broadcast_shapes(shape, hi.sizes());
  Tensor mask = st::empty(shape, ScalarType::Bool);
  kernels::clamp_mask(mask, cx, cl.defined() ? &cl : nullptr, ch.defined() ? &ch : nullptr, which);
  return mul(g, mask);
}

// The stand-in of an absent clamp bound: the lowest (a1) or highest (a2) value of dt
// (of float32, the compute dtype, for float16/bfloat16).
Tensor no_bound(int arg, ScalarType dt) {
  Tensor t;
  dt = compute_dtype(dt);
  dispatch_all(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using L = std::numeric_limits<T>;
    T v;
    if constexpr (std::is_floating_point<T>::value) v = arg == 1 ? -L::infinity() : L::infinity();
    else v = arg == 1 ? L::lowest() : L::max();
    t = scalar_tensor(std::is_floating_point<T>::value ? Scalar(double(v)) : Scalar(int64_t(v)), dt);
  });
  return t;
}

// ------------------------------------------------------------ one struct per row

#define ST_TERNARY_DEFINE(nm, n0_, n1_, n2_, mself_, types_, numbers_, value_, inplace_, Node_, SNode_, save_,    \
                          ssave_, kinds_, fwd, g0, g1, g2)                                                      \
  struct Op_##nm {                                                                                              \
    static constexpr const char* op_name = #nm;                                                                 \
    static constexpr const char* names[3] = {#n0_, #n1_, #n2_};                                                 \
    static constexpr Numbers numbers = numbers_;                                                                \
    static constexpr Kinds kinds = kinds_;                                                                      \
    static constexpr bool has_value = value_;                                                                   \
    static constexpr const char* node = #Node_;                                                                 \
    static constexpr const char* snode = #SNode_;                                                               \
    static constexpr unsigned saves = save_, ssaves = ssave_;                                                   \
    static ScalarType types(const Tensor& a, const Tensor& b, const Tensor& c) { return types_(#nm, a, b, c); } \
    template <typename T>                                                                                       \
    using A = std::conditional_t<kinds == BTT, bool, T>;                                                        \
    template <typename T>                                                                                       \
    using B = std::conditional_t<kinds == TBT, bool, T>;                                                        \
    template <typename T>                                                                                       \
    static T f(A<T> a, B<T> b, T c, T v) {                                                                      \
      (void)v;                                                                                                  \
      return fwd;                                                                                               \
    }                                                                                                           \
    static Tensor grad(int i, const Tensor& g, const Tensor& a, const Tensor& b, const Tensor& c,               \
                       const Scalar& v) {                                                                       \
      (void)a, (void)b, (void)c, (void)v;                                                                       \
      const Scalar zero(int64_t(0));                                                                            \
      (void)zero;                                                                                               \
      return i == 0 ? Tensor(g0) : i == 1 ? Tensor(g1) : Tensor(g2);                                            \
    }                                                                                                           \
  };
ST_TERNARY_OPS(ST_TERNARY_DEFINE)
#undef ST_TERNARY_DEFINE

// The saved value's name as PyTorch shows it (`_saved_self` for `input`).
const char* saved_name(const char* arg) { return same_str(arg, "input") ? "self" : arg; }

// The backward node of every row. Edges: one per non-mask argument, except
// a Number2/Bounds12 number (the number form has no edge for it).
template <class Op>
struct TernaryBackward : Node {
  static constexpr bool jvp = true;  // ternary_jvp
  const char* nm = Op::node;
  bool number_form = false, show_absent = true;
  int arg_of_edge[3] = {0, 0, 0};
  SavedTensor saved[3];
  bool absent[3] = {false, false, false};
  Scalar value;
  const char* name() const override { return nm; }
  TensorList apply(TensorList&& grads) override {
    const Tensor& g = grads[0];
    Tensor s[3];
    for (int i = 0; i < 3; ++i)
      if (saved[i].defined()) s[i] = saved[i].unpack(*this);
    TensorList out(next_edges.size());
    for (size_t e = 0; e < out.size(); ++e)
      if (should_compute(e)) out[e] = Op::grad(arg_of_edge[e], g, s[0], s[1], s[2], value);
    return out;
  }
  void release_variables() override {
    for (auto& s : saved) s.release();
  }
  void saved_fields(std::vector<SavedField>& out) const override {
    const unsigned mask = number_form ? Op::ssaves : Op::saves;
    for (int i = 0; i < 3; ++i) {
      if (!(mask >> i & 1u)) continue;
      const char* n = saved_name(Op::names[i]);
      if (absent[i]) {
        if (show_absent) out.push_back(SavedField::none(n));
      } else if (numbers[i]) {
        out.push_back(SavedField::of(n, number_values[i]));
      } else {
        out.push_back(SavedField::of(n, saved[i]));
      }
    }
    if (Op::has_value) out.push_back(SavedField::of("value", value));
  }
  bool numbers[3] = {false, false, false};
  Scalar number_values[3];
};

// The operands as tensors, their forms checked against the row's column.
template <class Op>
void check_forms(const TernaryArg* x[3]) {
  for (int i = 0; i < 3; ++i) {
    const bool may_number = (Op::numbers == Wrapped12 && i > 0) || (Op::numbers == Number2 && i == 2) ||
                            (Op::numbers == Bounds12 && i > 0);
    const bool may_absent = Op::numbers == Bounds12 && i > 0;
    ST_CHECK_T(!x[i]->number || may_number, TypeError, Op::op_name, "(): argument '", Op::names[i], "' (position ",
               i + 1, ") must be Tensor, not Number");
    ST_CHECK_T(x[i]->t.defined() || may_absent, TypeError, Op::op_name, "(): argument '", Op::names[i],
               "' (position ", i + 1, ") must be Tensor, not NoneType");
  }
  if (Op::numbers == Bounds12 && x[1]->t.defined() && x[2]->t.defined())
    ST_CHECK_T(x[1]->number == x[2]->number, TypeError, Op::op_name, "(): received an invalid combination of "
               "arguments: 'min' and 'max' must be both Tensors or both Numbers");
}

// out = Op::f(a, b, c) elementwise; a, b and c already have their compute dtypes.
template <class Op>
void run_kernel(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& value) {
  if (is_reduced_float(out.dtype()))
    return kernels::through_float32(out, [&](const Tensor& o) {
      run_kernel<Op>(o, kernels::widen(a), kernels::widen(b), kernels::widen(c), value);
    });
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = typename Op::template A<T>;
    using B = typename Op::template B<T>;
    const T v = value.to<T>();
    kernels::map3<T, A, B, T>(out, a, b, c, [v](A x, B y, T z) { return Op::template f<T>(x, y, z, v); });
  });
}

// Records the node of `out` = op(x0, x1, x2); `before` stands for x0's value
// when an in-place op has overwritten it.
template <class Op>
void record(const Tensor& out, const TernaryArg* x[3], const Scalar& value, const char* node_override,
            bool drop_absent, const Tensor& before, bool inplace = false) {
  if (!is_floating(out.dtype())) {
    if (inplace) commit_inplace(out, nullptr);
    return;
  }
  const bool number_form = x[1]->number || x[2]->number;
  // the edges: every non-mask argument, less the numbers of the number form (and absent ones on request)
  const Tensor* edges[3] = {nullptr, nullptr, nullptr};
  int arg_of_edge[3] = {0, 0, 0};
  size_t count = 0;
  for (int i = 0; i < 3; ++i) {
    if ((Op::kinds == BTT && i == 0) || (Op::kinds == TBT && i == 1)) continue;
    if (x[i]->number && Op::numbers != Wrapped12) continue;
    if (!x[i]->t.defined() && (drop_absent || number_form)) continue;
    arg_of_edge[count] = i;
    edges[count++] = x[i]->t.defined() && !x[i]->number ? &x[i]->t : nullptr;
  }
  auto n = make_node<TernaryBackward<Op>>({edges[0], edges[1], edges[2]});
  if (!n) {
    if (inplace) commit_inplace(out, nullptr);
    return;
  }
  n->next_edges.resize(count);
  for (size_t e = 0; e < count; ++e) n->arg_of_edge[e] = arg_of_edge[e];
  n->number_form = number_form;
  n->nm = node_override ? node_override : number_form ? Op::snode : Op::node;
  n->show_absent = !drop_absent;
  n->value = value;
  const unsigned mask = number_form ? Op::ssaves : Op::saves;
  for (int i = 0; i < 3; ++i) {
    if (!(mask >> i & 1u)) continue;
    n->absent[i] = !x[i]->t.defined();
    if (n->absent[i]) continue;
    if (x[i]->number) {  // a plain 0-d tensor of the result's dtype for the formulas, the number for display
      n->numbers[i] = true;
      n->number_values[i] = item(x[i]->t);
      n->saved[i].save(scalar_tensor(n->number_values[i], out.dtype()));
    } else {
      n->saved[i].save(i == 0 ? before : x[i]->t.is_same(x[0]->t) ? before : x[i]->t);
    }
  }
  if (inplace) commit_inplace(out, n);  // a view's base gets CopySlices
  else autograd::set_history(out, n);
}

// out's tangent from the operands' (forward mode): each operand's gradient
// formula with its tangent as g (diagonal Jacobians), summed. The formulas
// read the operands as the node would have saved them.
template <class Op>
void ternary_jvp(const Tensor& out, const TernaryArg* x[3], const Scalar& value, const Tensor& before) {
  if (!is_floating(out.dtype())) return;
  Tensor tan[3];
  bool any = false;
  for (int i = 0; i < 3; ++i) {
    const bool mask = (Op::kinds == BTT && i == 0) || (Op::kinds == TBT && i == 1);
    if (mask || x[i]->number || !x[i]->t.defined()) continue;
    tan[i] = forward_ad::tangent(i == 0 ? before : x[i]->t);
    any = any || tan[i].defined();
  }
  if (!any) return;
  Tensor s[3];
  for (int i = 0; i < 3; ++i) {
    if (!x[i]->t.defined()) continue;
    s[i] = x[i]->number ? scalar_tensor(item(x[i]->t), out.dtype()) : i == 0 ? before : x[i]->t;
  }
  Tensor t;
  {
    forward_ad::Disable plain;
    for (int i = 0; i < 3; ++i) {
      if (!tan[i].defined()) continue;
      Tensor gi = Op::grad(i, tan[i], s[0], s[1], s[2], value);
      t = t.defined() ? add(t, gi) : gi;
    }
  }
  forward_ad::set_tangent(out, t);
}

struct Prepared {
  ScalarType rt;
  DimVector shape;
  Tensor c[3];  // the operands in their compute dtypes (absent bounds: stand-ins)
};

template <class Op>
Prepared prepare(const TernaryArg* x[3]) {
  check_forms<Op>(x);
  Prepared p;
  p.rt = Op::types(x[0]->t, x[1]->t, x[2]->t);
  p.shape = x[0]->t.sizes();
  for (int i = 1; i < 3; ++i)
    if (x[i]->t.defined()) p.shape = broadcast_shapes(p.shape, x[i]->t.sizes());
  for (int i = 0; i < 3; ++i) {
    const bool mask = (Op::kinds == BTT && i == 0) || (Op::kinds == TBT && i == 1);
    // a number stays in the compute dtype (float32 for float16/bfloat16 results, unrounded, as PyTorch's opmath)
    p.c[i] = !x[i]->t.defined() ? no_bound(i, p.rt)
             : mask             ? x[i]->t
                                : cast_raw(x[i]->t, x[i]->number ? compute_dtype(p.rt) : p.rt);
  }
  return p;
}

template <class Op>
Tensor ternary_forward(const TernaryArg& a0, const TernaryArg& a1, const TernaryArg& a2, const Scalar& value,
                       const char* node_override = nullptr, bool drop_absent = false) {
  const TernaryArg* x[3] = {&a0, &a1, &a2};
  Prepared p = prepare<Op>(x);
  Tensor out = st::empty(p.shape, p.rt);
  run_kernel<Op>(out, p.c[0], p.c[1], p.c[2], value);
  record<Op>(out, x, value, node_override, drop_absent, a0.t);
  if (forward_ad::active()) ternary_jvp<Op>(out, x, value, a0.t);
  return out;
}

template <class Op>
Tensor& ternary_inplace(Tensor& self, const TernaryArg& a1, const TernaryArg& a2, const Scalar& value) {
  const std::string op = std::string(Op::op_name) + "_";
  const TernaryArg s(self);
  const TernaryArg* x[3] = {&s, &a1, &a2};
  for (int i = 1; i < 3; ++i)
    if (x[i]->t.defined() && !x[i]->number) check_inplace(self, op.c_str(), &x[i]->t);
  check_inplace(self, op.c_str());
  for (int i = 1; i < 3; ++i)
    if (x[i]->t.defined() && !x[i]->number) check_no_partial_overlap(self, x[i]->t);
  Prepared p = prepare<Op>(x);
  check_inplace_result(self, p.rt, p.shape, op.c_str());
  // the value before the update, when the node will read it
  Tensor before = self;
  if (is_floating(self.dtype()) && (Op::saves & A0) &&
      autograd::any_requires_grad({&self, a1.number ? nullptr : &a1.t, a2.number ? nullptr : &a2.t}))
    before = clone(self);  // with its history: double backward through the write
  Tensor new_tangent;  // forward mode: computed out of place from the value before the update
  if (forward_ad::active() &&
      forward_ad::any_tangent({&self, a1.number ? nullptr : &a1.t, a2.number ? nullptr : &a2.t}))
    new_tangent = forward_ad::inplace_jvp(self, [&](const Tensor& v) {
      return ternary_forward<Op>(TernaryArg(v), a1, a2, value);
    });
  // Straight into self when it is the compute operand and nothing else reads
  // its memory (each element reads only its own position); else through a result.
  bool shares = false;
  for (int i = 1; i < 3; ++i)
    shares = shares || (p.c[i].defined() && p.c[i].impl()->storage() == self.impl()->storage());
  if (p.rt == self.dtype() && p.c[0].is_same(self) && !shares) {
    run_kernel<Op>(self, self, p.c[1], p.c[2], value);
  } else {
    Tensor tmp = st::empty(self.sizes(), p.rt);
    run_kernel<Op>(tmp, p.c[0], p.c[1], p.c[2], value);
    kernels::copy(self, tmp);
  }
  record<Op>(self, x, value, nullptr, false, before, true);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

}  // namespace

// ------------------------------------------------------------ the table's ops
#define ST_TERNARY_FUNCTIONS(nm, n0, n1, n2, mself, types, numbers, value_, inplace, ...)                         \
  Tensor nm(const TernaryArg& n0, const TernaryArg& n1,                                                          \
            const TernaryArg& n2 ST_TERNARY_IF_VALUE_##value_(, const Scalar& value)) {                          \
    return ternary_forward<Op_##nm>(n0, n1, n2, ST_TERNARY_IF_VALUE_##value_(value) ST_TERNARY_UNLESS_VALUE_##value_(Scalar(int64_t(1)))); \
  }                                                                                                              \
  ST_TERNARY_IF_INPLACE_##inplace(                                                                               \
      Tensor& nm##_(Tensor& self, const TernaryArg& n1,                                                          \
                    const TernaryArg& n2 ST_TERNARY_IF_VALUE_##value_(, const Scalar& value)) {                  \
        return ternary_inplace<Op_##nm>(self, n1, n2, ST_TERNARY_IF_VALUE_##value_(value) ST_TERNARY_UNLESS_VALUE_##value_(Scalar(int64_t(1)))); \
      })
#define ST_TERNARY_UNLESS_VALUE_0(...) __VA_ARGS__
#define ST_TERNARY_UNLESS_VALUE_1(...)
ST_TERNARY_OPS(ST_TERNARY_FUNCTIONS)
#undef ST_TERNARY_FUNCTIONS

Tensor clamp_min(const Tensor& a, const TernaryArg& min) {
  return ternary_forward<Op_clamp>(a, min, std::nullopt, Scalar(int64_t(1)),
                                   min.number ? "ClampMinBackward0" : "ClampMinBackward1", true);
}
Tensor clamp_max(const Tensor& a, const TernaryArg& max) {
  return ternary_forward<Op_clamp>(a, std::nullopt, max, Scalar(int64_t(1)),
                                   max.number ? "ClampMaxBackward0" : "ClampMaxBackward1", true);
}

}  // namespace st::ops
