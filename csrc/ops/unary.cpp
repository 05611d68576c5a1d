// The unary op family: every row of ST_UNARY_OPS (unary.h) becomes an op, its
// in-place form and its backward node through the generic code below; clamp,
// nan_to_num, round(decimals) and square are written by hand after it.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include "../autograd/node.h"
#include "../kernels/unary.h"
#include "dtype_rules.h"
#include "internal.h"

namespace st::ops {
namespace {

enum class Save { None, Self, Result };

// Scalar helpers used by the table's functors: integers pass through the
// float-only functions, and no integer type sees a pointless comparison.
namespace sf {
template <typename T> constexpr bool fp = std::is_floating_point<T>::value;
template <typename T> constexpr bool uns = std::is_unsigned<T>::value;  // bool and uint8
template <typename T> T abs(T x) {
  if constexpr (uns<T>) return x;
  else return x < T(0) ? T(-x) : x;
}
template <typename T> T sign(T x) {
  if constexpr (uns<T>) return T(x > T(0));
  else return T((T(0) < x) - (x < T(0)));
}
template <typename T> T relu(T x) {
  if constexpr (uns<T>) return x;
  else return x < T(0) ? T(0) : x;
}
template <typename T> T floor(T x) { if constexpr (fp<T>) return std::floor(x); else return x; }
template <typename T> T ceil(T x) { if constexpr (fp<T>) return std::ceil(x); else return x; }
template <typename T> T trunc(T x) { if constexpr (fp<T>) return std::trunc(x); else return x; }
// nearbyint in the default rounding mode rounds half to even
template <typename T> T round(T x) { if constexpr (fp<T>) return std::nearbyint(x); else return x; }
template <typename T> bool isnan(T x) { if constexpr (fp<T>) return std::isnan(x); else return false; }
template <typename T> bool isinf(T x) { if constexpr (fp<T>) return std::isinf(x); else return false; }
template <typename T> bool isfinite(T x) { if constexpr (fp<T>) return std::isfinite(x); else return true; }
template <typename T> bool signbit(T x) {
  if constexpr (fp<T>) return std::signbit(x);
  else if constexpr (uns<T>) return false;
  else return x < T(0);
}
template <typename T> bool isneginf(T x) {
  if constexpr (fp<T>) return x == -std::numeric_limits<T>::infinity();
  else return false;
}
template <typename T> bool isposinf(T x) {
  if constexpr (fp<T>) return x == std::numeric_limits<T>::infinity();
  else return false;
}
template <typename T> T bnot(T x) {
  if constexpr (std::is_same<T, bool>::value) return !x;
  else return static_cast<T>(~x);
}
}  // namespace sf

// One struct per table row: the functor, the rules and the backward node.
#define ST_UNARY_DEFINE(nm, rule_, inplace, Node_, save_, fwd, bwd)                   \
  struct Op_##nm {                                                                    \
    static constexpr const char* op_name = #nm;                                       \
    static constexpr Rule rule = Rule::rule_;                                         \
    static constexpr Save saves = Save::save_;                                        \
    static constexpr bool differentiable = !same_str(#Node_, "NoNode");               \
    template <typename T> static auto f(T x) { return fwd; }                          \
    struct Backward : Node {                                                          \
      SavedTensor saved;                                                              \
      const char* node_name = #Node_;                                                 \
      const char* name() const override { return node_name; }                         \
      TensorList apply(TensorList&& grads) override {                                 \
        const Tensor& g = grads[0];                                                   \
        Tensor s = saves == Save::None ? Tensor() : saved.unpack(*this);              \
        (void)s;                                                                      \
        return {bwd};                                                                 \
      }                                                                               \
      void release_variables() override { saved.release(); }                          \
      void saved_fields(std::vector<SavedField>& out) const override {                \
        if (saves != Save::None)                                                      \
          out.push_back(SavedField::of(saves == Save::Self ? "self" : "result", saved)); \
      }                                                                               \
    };                                                                                \
  };
ST_UNARY_OPS(ST_UNARY_DEFINE)
#undef ST_UNARY_DEFINE

// Ops with a hand-vectorised float loop in the kernels' ISA tables.
constexpr int fast_unary(const char* name) {
  return same_str(name, "exp") ? static_cast<int>(kernels::UnaryOp::Exp)
         : same_str(name, "sigmoid") ? static_cast<int>(kernels::UnaryOp::Sigmoid) : -1;
}

// out = Op::f(in) elementwise; `in` already has the compute dtype.
template <class Op>
void run_kernel(const Tensor& out, const Tensor& in) {
  constexpr int fast = fast_unary(Op::op_name);
  if constexpr (fast >= 0) {
    if (is_floating(in.dtype()) && out.dtype() == in.dtype()) {
      kernels::unary(static_cast<kernels::UnaryOp>(fast), out, in);
      return;
    }
  }
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (allows<Op::rule, T>()) {
      using O = std::conditional_t<Op::rule == Rule::Pred, bool, T>;
      kernels::map<T, O>(out, in, [](T x) { return static_cast<O>(Op::template f<T>(x)); });
    }
  });
}

// Saves what the node needs and makes it the history of `out`.
template <class N>
void record(const std::shared_ptr<N>& n, const Tensor& out, Save saves) {
  if (!n) return;
  autograd::set_history(out, n);
  if (saves == Save::Result) n->saved.save(out, true);
}

template <class Op>
Tensor unary_forward(const Tensor& a) {
  check_rule(Op::rule, a.dtype(), Op::op_name);
  Tensor out = st::empty(a.sizes(), result_dtype(Op::rule, a.dtype()));
  run_kernel<Op>(out, cast_raw(a, compute_type(Op::rule, a.dtype())));
  if constexpr (Op::differentiable) {
    auto n = make_node<typename Op::Backward>({&a});
    if (n && Op::saves == Save::Self) n->saved.save(a);
    record(n, out, Op::saves);
  }
  return out;
}

// PyTorch gives the in-place form of a few ops its own node, named ...Backward1.
// (For the lead: this belongs in a registry column once the table has one.)
const char* inplace_node_name(const char* op, const char* node) {
  return same_str(op, "asinh")   ? "AsinhBackward1"
         : same_str(op, "acosh") ? "AcoshBackward1"
         : same_str(op, "atanh") ? "AtanhBackward1"
                                 : node;
}

// The checks an in-place form makes before writing an `rt` result into self.
void check_inplace_unary(const Tensor& self, ScalarType rt, const char* op) {
  check_inplace(self, op);
  check_inplace_result(self, rt, self.sizes(), op);
}

template <class Op>
Tensor& unary_inplace(Tensor& self) {
  const std::string op = std::string(Op::op_name) + "_";
  check_rule(Op::rule, self.dtype(), Op::op_name);
  ScalarType rt = result_dtype(Op::rule, self.dtype());
  check_inplace_unary(self, rt, op.c_str());
  std::shared_ptr<typename Op::Backward> n;
  if constexpr (Op::differentiable) {
    n = make_node<typename Op::Backward>({&self});
    if (n) n->node_name = inplace_node_name(Op::op_name, n->node_name);
    if (n && Op::saves == Save::Self) n->saved.save(clone(alias_raw(self)));  // the value before the update
  }
  if (rt == self.dtype()) {
    run_kernel<Op>(self, self);
  } else {
    Tensor tmp = st::empty(self.sizes(), rt);
    run_kernel<Op>(tmp, self);
    kernels::copy(self, tmp);
  }
  self.impl()->bump_version();
  record(n, self, Op::saves);
  return self;
}

}  // namespace

// ------------------------------------------------------------ the table's ops
#define ST_UNARY_FUNCTIONS(nm, rule, inplace, ...)                   \
  Tensor nm(const Tensor& a) { return unary_forward<Op_##nm>(a); } \
  ST_UNARY_IF_##inplace(Tensor& nm##_(Tensor& a) { return unary_inplace<Op_##nm>(a); })
ST_UNARY_OPS(ST_UNARY_FUNCTIONS)
#undef ST_UNARY_FUNCTIONS

// ------------------------------------------------------------ round, square
namespace {
void check_decimals(int64_t decimals) {
  ST_CHECK_T(decimals == 0, NotImplementedError, "round: decimals=", decimals,
             " is not supported by smalltorch yet (only decimals=0)");
}

// PyTorch names the node of the decimals= overload RoundBackward1.
struct RoundBackward1 : Node {
  const char* name() const override { return "RoundBackward1"; }
  TensorList apply(TensorList&& g) override { return {zero_grad(g[0])}; }
};
}  // namespace

Tensor round(const Tensor& a, int64_t decimals) {
  check_decimals(decimals);
  Tensor out;
  {
    autograd::AutoGradMode no_grad(false);
    out = round(a);
  }
  if (auto n = make_node<RoundBackward1>({&a})) autograd::set_history(out, n);
  return out;
}

Tensor& round_(Tensor& a, int64_t decimals) {
  check_decimals(decimals);
  check_inplace(a, "round_");
  auto n = make_node<RoundBackward1>({&a});
  {
    autograd::AutoGradMode no_grad(false);
    round_(a);
  }
  if (n) autograd::set_history(a, n);
  return a;
}

// PyTorch's square is pow(a, 2): same node (PowBackward0) and dtypes.
Tensor square(const Tensor& a) { return pow(a, Scalar(int64_t(2))); }
Tensor& square_(Tensor& a) { return pow_(a, Scalar(int64_t(2))); }

// ------------------------------------------------------------ clamp
namespace {

const char* const kNoBound = "torch.clamp: At least one of 'min' or 'max' must not be None";

// ClampBackward1 / ClampMinBackward0 / ClampMaxBackward0 (number bounds)
struct ClampScalarBackward : Node {
  const char* node_name = "ClampBackward1";
  SavedTensor self;
  std::optional<Scalar> lo, hi;
  const char* name() const override { return node_name; }
  void saved_fields(std::vector<SavedField>& out) const override {  // ClampBackward1 shows both bounds
    const bool both = node_name[5] == 'B';
    if (both || lo) out.push_back(lo ? SavedField::of("min", *lo) : SavedField::none("min"));
    if (both || hi) out.push_back(hi ? SavedField::of("max", *hi) : SavedField::none("max"));
    out.push_back(SavedField::of("self", self));
  }
  TensorList apply(TensorList&& g) override {
    Tensor x = self.unpack(*this);
    Tensor l = lo ? scalar_tensor(*lo, x.dtype()) : Tensor(), h = hi ? scalar_tensor(*hi, x.dtype()) : Tensor();
    Tensor mask = st::empty(x.sizes(), ScalarType::Bool);
    kernels::clamp_mask(mask, x, lo ? &l : nullptr, hi ? &h : nullptr, 0);
    return {mul(g[0], mask)};
  }
  void release_variables() override { self.release(); }
};

// ClampBackward0 / ClampMinBackward1 / ClampMaxBackward1 (tensor bounds)
struct ClampTensorBackward : Node {
  const char* node_name = "ClampBackward0";
  SavedTensor self, lo, hi;
  ScalarType compute = ScalarType::Float32;
  const char* name() const override { return node_name; }
  void saved_fields(std::vector<SavedField>& out) const override {  // ClampBackward0 shows both bounds
    const bool both = node_name[5] == 'B';
    if (both || lo.defined()) out.push_back(SavedField::of("min", lo));
    if (both || hi.defined()) out.push_back(SavedField::of("max", hi));
    out.push_back(SavedField::of("self", self));
  }
  TensorList apply(TensorList&& g) override {
    TensorList r(3);
    Tensor x = cast_raw(self.unpack(*this), compute);
    Tensor l = lo.defined() ? cast_raw(lo.unpack(*this), compute) : Tensor();
    Tensor h = hi.defined() ? cast_raw(hi.unpack(*this), compute) : Tensor();
    for (int i = 0; i < 3; ++i) {
      if (!should_compute(i)) continue;
      Tensor mask = st::empty(g[0].sizes(), ScalarType::Bool);
      kernels::clamp_mask(mask, x, l.defined() ? &l : nullptr, h.defined() ? &h : nullptr, i);
      r[i] = mul(g[0], mask);
    }
    return r;
  }
  void release_variables() override { self.release(); lo.release(); hi.release(); }
};

ScalarType clamp_type(const Tensor& a, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  if (lo && hi) return promote_types(result_type(a, *lo), result_type(a, *hi));
  return result_type(a, lo ? *lo : *hi);
}
ScalarType clamp_type(const Tensor& a, const Tensor* lo, const Tensor* hi) {
  if (lo && hi) return promote_types(result_type(a, *lo), result_type(a, *hi));
  return result_type(a, lo ? *lo : *hi);
}

// PyTorch has no bool kernel for number bounds (tensor bounds are fine)
void check_clamp_not_bool(ScalarType rt, bool lo, bool hi) {
  ST_CHECK_T(rt != ScalarType::Bool, NotImplementedError, "\"",
             lo && hi ? "clamp_scalar_cpu" : lo ? "clamp_min_scalar_cpu" : "clamp_max_scalar_cpu",
             "\" not implemented for 'Bool'");
}

Tensor clamp_scalar(const Tensor& a, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi,
                    const char* node) {
  ST_CHECK(lo || hi, kNoBound);
  ScalarType rt = clamp_type(a, lo, hi);
  check_clamp_not_bool(rt, lo.has_value(), hi.has_value());
  if (lo) check_scalar_fits(*lo, rt);
  if (hi) check_scalar_fits(*hi, rt);
  Tensor out = st::empty(a.sizes(), rt);
  kernels::clamp(out, cast_raw(a, rt), lo ? &*lo : nullptr, hi ? &*hi : nullptr);
  if (auto n = make_node<ClampScalarBackward>({&a})) {
    n->node_name = node;
    n->self.save(a);
    n->lo = lo;
    n->hi = hi;
    autograd::set_history(out, n);
  }
  return out;
}

Tensor clamp_tensor(const Tensor& a, const Tensor* lo, const Tensor* hi, const char* node) {
  ST_CHECK(lo || hi, kNoBound);
  ScalarType rt = clamp_type(a, lo, hi);
  DimVector shape = a.sizes();
  if (lo) shape = broadcast_shapes(shape, lo->sizes());
  if (hi) shape = broadcast_shapes(shape, hi->sizes());
  Tensor cl = lo ? cast_raw(*lo, rt) : Tensor(), ch = hi ? cast_raw(*hi, rt) : Tensor();
  Tensor out = st::empty(shape, rt);
  kernels::clamp(out, cast_raw(a, rt), lo ? &cl : nullptr, hi ? &ch : nullptr);
  if (auto n = make_node<ClampTensorBackward>({&a, lo, hi})) {
    n->node_name = node;
    n->compute = rt;
    n->self.save(a);
    if (lo) n->lo.save(*lo);
    if (hi) n->hi.save(*hi);
    autograd::set_history(out, n);
  }
  return out;
}

const Tensor* opt_ptr(const std::optional<Tensor>& t) { return t ? &*t : nullptr; }

}  // namespace

Tensor clamp(const Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return clamp_scalar(a, min, max, "ClampBackward1");
}
Tensor clamp(const Tensor& a, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  return clamp_tensor(a, opt_ptr(min), opt_ptr(max), "ClampBackward0");
}
Tensor clamp_min(const Tensor& a, const Scalar& min) { return clamp_scalar(a, min, std::nullopt, "ClampMinBackward0"); }
Tensor clamp_max(const Tensor& a, const Scalar& max) { return clamp_scalar(a, std::nullopt, max, "ClampMaxBackward0"); }
Tensor clamp_min(const Tensor& a, const Tensor& min) { return clamp_tensor(a, &min, nullptr, "ClampMinBackward1"); }
Tensor clamp_max(const Tensor& a, const Tensor& max) { return clamp_tensor(a, nullptr, &max, "ClampMaxBackward1"); }

Tensor& clamp_(Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  ST_CHECK(min || max, kNoBound);
  check_clamp_not_bool(clamp_type(a, min, max), min.has_value(), max.has_value());
  check_inplace_unary(a, clamp_type(a, min, max), "clamp_");
  auto n = make_node<ClampScalarBackward>({&a});
  if (n) { n->self.save(clone(alias_raw(a))); n->lo = min; n->hi = max; }
  kernels::clamp(a, a, min ? &*min : nullptr, max ? &*max : nullptr);
  a.impl()->bump_version();
  if (n) autograd::set_history(a, n);
  return a;
}

Tensor& clamp_(Tensor& a, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  ST_CHECK(min || max, kNoBound);
  const Tensor* other = min ? &*min : &*max;
  check_inplace(a, "clamp_", other);
  if (min && max) check_inplace(a, "clamp_", &*max);
  Tensor r;
  {
    autograd::AutoGradMode no_grad(false);  // validates and computes; the history is made below
    r = clamp(alias_raw(a), min, max);
  }
  ST_CHECK(r.sizes() == a.sizes(), "clamp_: output with shape ", shape_str(a.sizes()),
           " doesn't match the broadcast shape ", shape_str(r.sizes()));
  check_inplace_unary(a, r.dtype(), "clamp_");
  auto n = make_node<ClampTensorBackward>({&a, opt_ptr(min), opt_ptr(max)});
  if (n) {
    n->compute = r.dtype();
    n->self.save(clone(alias_raw(a)));
    if (min) n->lo.save(min->is_same(a) ? clone(alias_raw(*min)) : *min);
    if (max) n->hi.save(max->is_same(a) ? clone(alias_raw(*max)) : *max);
  }
  kernels::copy(a, r);
  a.impl()->bump_version();
  if (n) autograd::set_history(a, n);
  return a;
}

// ------------------------------------------------------------ nan_to_num
namespace {

struct NanToNumBackward0 : Node {
  SavedTensor self;
  const char* name() const override { return "NanToNumBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("self", self)); }
  TensorList apply(TensorList&& g) override { return {mul(g[0], isfinite(self.unpack(*this)))}; }
  void release_variables() override { self.release(); }
};

// out = a with NaN and infinities replaced (a copy for integer dtypes).
void nan_to_num_raw(const Tensor& out, const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf) {
  if (!is_floating(a.dtype())) {
    kernels::copy(out, a);
    return;
  }
  dispatch_floating(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T n = static_cast<T>(nan.value_or(0.0));
    const T p = posinf ? static_cast<T>(*posinf) : std::numeric_limits<T>::max();
    const T q = neginf ? static_cast<T>(*neginf) : std::numeric_limits<T>::lowest();
    const T inf = std::numeric_limits<T>::infinity();
    kernels::map<T, T>(out, a, [=](T x) { return x != x ? n : x == inf ? p : x == -inf ? q : x; });
  });
}

}  // namespace

Tensor nan_to_num(const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  Tensor out = st::empty(a.sizes(), a.dtype());
  nan_to_num_raw(out, a, nan, posinf, neginf);
  if (auto n = make_node<NanToNumBackward0>({&a})) {
    n->self.save(a);
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& nan_to_num_(Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf) {
  check_inplace_unary(a, a.dtype(), "nan_to_num_");
  auto n = make_node<NanToNumBackward0>({&a});
  if (n) n->self.save(clone(alias_raw(a)));
  nan_to_num_raw(a, a, nan, posinf, neginf);
  a.impl()->bump_version();
  if (n) autograd::set_history(a, n);
  return a;
}

// ------------------------------------------------------------ out=
Tensor& write_out(Tensor& out, const Tensor& result, const char* op) {
  ST_CHECK(!autograd::requires_grad(result), op,
           "(): functions with out=... arguments don't support automatic differentiation, but one of the "
           "arguments requires grad.");
  ST_CHECK(out.sizes() == result.sizes(), op, "(): out= has shape ", shape_str(out.sizes()),
           " but the result has shape ", shape_str(result.sizes()));
  check_inplace_unary(out, result.dtype(), op);
  kernels::copy(out, result);
  out.impl()->bump_version();
  return out;
}

}  // namespace st::ops
