// The unary op family: every row of ST_UNARY_OPS (unary.h) becomes an op, its
// in-place form and its backward node through the generic code below;
// nan_to_num, round(decimals) and square are written by hand after it (clamp
// is a row of ternary.h).
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include "../autograd/node.h"
#include "../kernels/map.h"
#include "../kernels/special_math.h"
#include "../kernels/unary.h"
#include "dtype_rules.h"
#include "internal.h"

namespace st::ops {
namespace {

enum class Save { None, Self, Result };

constexpr double kDegToRad = M_PI / 180;  // deg2rad / rad2deg factors (named so formulas print as text)
constexpr double kRadToDeg = 180 / M_PI;
constexpr double kSqrtPiOver2 = 0.88622692545275801365;  // erfinv's derivative: sqrt(pi) / 2 exp(erfinv(x)^2)
constexpr double kSqrt2Pi = 2.50662827463100050242;      // ndtri's: sqrt(2 pi) exp(ndtri(x)^2 / 2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // log_ndtr's: phi(x) / Phi(x)
namespace spm = kernels::spm;

// The gradients of sigmoid and tanh from their result s, with PyTorch's roundings:
// (g · (1 − s)) · s and g · (1 − s²), 1 − s² rounded once (a fused multiply-add in
// PyTorch's loop; float32 computes it in double, where s² is exact). A float32/float64
// gradient of s's shape takes one pass; with grad mode on (a double backward records
// the ops) or for other dtypes, the same from ops.
Tensor sigmoid_grad(const Tensor& g, const Tensor& s) {
  if (!one_pass_grad(g, s)) return mul(mul(g, rsub(s, Scalar(int64_t(1)))), s);
  Tensor out = st::empty(s.sizes(), s.dtype());
  dispatch_floating(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    kernels::map_binary<T, T>(out, g, s, [](T x, T y) { return T(T(x * T(T(1) - y)) * y); });
  });
  return out;
}
Tensor tanh_grad(const Tensor& g, const Tensor& s) {
  if (!one_pass_grad(g, s)) return mul(g, rsub(square(s), Scalar(int64_t(1))));
  Tensor out = st::empty(s.sizes(), s.dtype());
  if (s.dtype() == ScalarType::Float32)
    kernels::map_binary<float, float>(out, g, s, [](float x, float y) { return x * float(1.0 - double(y) * double(y)); });
  else
    kernels::map_binary<double, double>(out, g, s, [](double x, double y) { return x * std::fma(-y, y, 1.0); });
  return out;
}
// relu's gradient from its result s: g where s > 0, else 0, in one pass (PyTorch's threshold_backward: a zero
// even where g is inf or NaN); other cases as g · sign(s), which is differentiable again.
Tensor relu_grad(const Tensor& g, const Tensor& s) {
  if (!one_pass_grad(g, s)) return mul(g, sign(s));
  Tensor out = st::empty(s.sizes(), s.dtype());
  dispatch_floating(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    kernels::map_binary<T, T>(out, g, s, [](T x, T y) { return y > T(0) ? x : T(0); });
  });
  return out;
}

// sinc'(x) = (cos(pi x) pi x - sin(pi x)) / (pi x^2), 0 at 0
Tensor sinc_grad(const Tensor& s) {
  Tensor ps = mul(s, M_PI);
  return masked_fill(div(sub(mul(cos(ps), ps), sin(ps)), mul(ps, s)), eq(s, Scalar(int64_t(0))), Scalar(0.0));
}

// I1'(x) = I0(x) - I1(x) / x; scaled: i0e(x) - i1e(x) (sgn(x) + 1 / x); both 1/2 at 0
Tensor i1_grad(const Tensor& s, bool scaled) {
  Tensor r = scaled ? sub(special_i0e(s), mul(special_i1e(s), add(sgn(s), reciprocal(s))))
                    : sub(i0(s), div(special_i1(s), s));
  return masked_fill(r, eq(s, Scalar(int64_t(0))), Scalar(0.5));
}

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
#define ST_UNARY_DEFINE(nm, rule_, vec_, inplace, out_, Node_, save_, fwd, bwd)             \
  struct Op_##nm {                                                                    \
    static constexpr const char* op_name = #nm;                                       \
    static constexpr Rule rule = Rule::rule_;                                         \
    static constexpr Save saves = Save::save_;                                        \
    static constexpr int vec = ST_UNARY_VEC_##vec_;                                   \
    static constexpr bool differentiable = !same_str(#Node_, "NoNode");               \
    static constexpr bool own_inplace_node = inplace == 2;                            \
    static constexpr const char* node_name = #Node_;                                  \
    template <typename T> static auto f(T x) { return fwd; }                          \
    /* the JVP: the backward expression with the tangent as g (a diagonal Jacobian) */ \
    static Tensor tangent_of(const Tensor& g, const Tensor& s) {                      \
      (void)s;                                                                        \
      return bwd;                                                                     \
    }                                                                                 \
    struct Backward : Node {                                                          \
      static constexpr bool jvp = true;                                               \
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

// out = Op::f(in) elementwise; `in` has the compute dtype (float32 for float16/bfloat16 results), or
// out's 16-bit dtype for a row with a vector loop.
template <class Op>
void run_kernel(const Tensor& out, const Tensor& in) {
  if constexpr (Op::vec >= 0) {  // the row's vector loop (16-bit floats: one pass through float32 blocks)
    if (is_floating(in.dtype()) && out.dtype() == in.dtype()) {
      kernels::unary(static_cast<kernels::UnaryOp>(Op::vec), out, in);
      return;
    }
  }
  if (is_reduced_float(out.dtype()))
    return kernels::through_float32(out, [&](const Tensor& o) { run_kernel<Op>(o, kernels::widen(in)); });
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (allows<Op::rule, T>()) {
      using O = std::conditional_t<Op::rule == Rule::Pred, bool, T>;
      kernels::map<T, O>(out, in, [](T x) { return static_cast<O>(Op::template f<T>(x)); });
    }
  });
}

// Saves what the node needs and makes it the history of `out` (`inplace`:
// out was written in place, commit_inplace ends it).
template <class N>
void record(const std::shared_ptr<N>& n, const Tensor& out, Save saves, bool inplace = false) {
  if (inplace) commit_inplace(out, n);
  if (!n) return;
  if (!inplace) autograd::set_history(out, n);
  if (saves == Save::Result) n->saved.save(out, true);
}

// out's tangent from a's (forward mode).
template <class Op>
void unary_jvp(const Tensor& out, const Tensor& a) {
  const Tensor ta = forward_ad::tangent(a);
  if (!ta.defined() || !is_floating(out.dtype())) return;
  Tensor t;
  {
    forward_ad::Disable plain;
    t = Op::tangent_of(ta, Op::saves == Save::Result ? out : a);
  }
  forward_ad::set_tangent(out, t);
}

template <class Op>
Tensor unary_forward(const Tensor& a) {
  check_rule(Op::rule, a.dtype(), Op::op_name);
  Tensor out = st::empty(a.sizes(), result_dtype(Op::rule, a.dtype()));
  // a row with a vector loop takes float16/bfloat16 as they are (one pass through float32 blocks)
  const bool as_is = Op::vec >= 0 && is_reduced_float(a.dtype()) && out.dtype() == a.dtype();
  run_kernel<Op>(out, as_is ? a : cast_raw(a, compute_type(Op::rule, a.dtype())));
  if constexpr (Op::differentiable) {
    auto n = make_node<typename Op::Backward>({&a});
    if (n && Op::saves == Save::Self) n->saved.save(a);
    record(n, out, Op::saves);
    if (forward_ad::active()) unary_jvp<Op>(out, a);
  }
  return out;
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
    if constexpr (Op::own_inplace_node) {  // PyTorch's ...Backward1: the node's name, last digit 1
      static const std::string inode = std::string(Op::node_name).substr(0, std::strlen(Op::node_name) - 1) + "1";
      if (n) n->node_name = inode.c_str();
    }
    if (n && Op::saves == Save::Self) n->saved.save(clone(self));  // the value before the update
  }
  Tensor new_tangent;  // forward mode: computed out of place from the value before the update
  if constexpr (Op::differentiable)
    if (forward_ad::has_tangent(self))
      new_tangent = forward_ad::inplace_jvp(self, [](const Tensor& v) { return unary_forward<Op>(v); });
  if (rt == self.dtype()) {
    run_kernel<Op>(self, self);
  } else {
    Tensor tmp = st::empty(self.sizes(), rt);
    run_kernel<Op>(tmp, self);
    kernels::copy(self, tmp);
  }
  record(n, self, Op::saves, true);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

}  // namespace

// ------------------------------------------------------------ the table's ops
#define ST_UNARY_FUNCTIONS(nm, rule, vec, inplace, ...)              \
  Tensor nm(const Tensor& a) { return unary_forward<Op_##nm>(a); } \
  ST_UNARY_IF_##inplace(Tensor& nm##_(Tensor& a) { return unary_inplace<Op_##nm>(a); })
ST_UNARY_OPS(ST_UNARY_FUNCTIONS)
#undef ST_UNARY_FUNCTIONS

// ------------------------------------------------------------ round, square
namespace {
// round to `decimals` places as PyTorch computes it, in the tensor's dtype:
// nearbyint(a * 10^d) / 10^d, or nearbyint(a / 10^-d) * 10^-d for d < 0.
Tensor round_decimals(const Tensor& a, int64_t decimals) {
  if (decimals == 0) return round(a);
  ST_CHECK_T(is_floating(a.dtype()), NotImplementedError, "\"round_cpu\" not implemented for '",
             torch_type_name(a.dtype()), "'");
  const Scalar p(std::pow(10.0, static_cast<double>(decimals < 0 ? -decimals : decimals)));
  return decimals > 0 ? div(round(mul(a, p)), p) : mul(round(div(a, p)), p);
}

// PyTorch names the node of the decimals= overload RoundBackward1.
struct RoundBackward1 : Node {
  static constexpr bool jvp = true;  // round() (decimals=0), which these call, gives the zero tangent
  const char* name() const override { return "RoundBackward1"; }
  TensorList apply(TensorList&& g) override { return {zero_grad(g[0])}; }
};
}  // namespace

Tensor round(const Tensor& a, int64_t decimals) {
  Tensor out;
  {
    autograd::AutoGradMode no_grad(false);
    out = round_decimals(a, decimals);
  }
  if (auto n = make_node<RoundBackward1>({&a})) autograd::set_history(out, n);
  return out;
}

Tensor& round_(Tensor& a, int64_t decimals) {
  if (decimals != 0)
    ST_CHECK_T(is_floating(a.dtype()), NotImplementedError, "\"round_cpu\" not implemented for '",
               torch_type_name(a.dtype()), "'");
  check_inplace(a, "round_");
  auto n = make_node<RoundBackward1>({&a});
  {
    autograd::AutoGradMode no_grad(false);
    if (decimals == 0) round_(a);  // bumps a's version
    else copy_(a, round_decimals(a, decimals));
  }
  if (n) autograd::rebase_history(a, n);
  return a;
}

// PyTorch's square is pow(a, 2): same node (PowBackward0) and dtypes.
Tensor square(const Tensor& a) { return pow(a, Scalar(int64_t(2))); }
Tensor& square_(Tensor& a) { return pow_(a, Scalar(int64_t(2))); }

// ------------------------------------------------------------ nan_to_num
namespace {

struct NanToNumBackward0 : Node {
  static constexpr bool jvp = true;  // the tangent where self is finite
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
  if (is_reduced_float(a.dtype())) {  // in float32, with the 16-bit type's largest values as the defaults
    const double top = max_finite(a.dtype());
    return kernels::through_float32(out, [&](const Tensor& o) {
      nan_to_num_raw(o, kernels::widen(a), nan, posinf ? posinf : std::optional<double>(top),
                     neginf ? neginf : std::optional<double>(-top));
    });
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
  forward_ad::jvp(out, {&a}, [&] { return mul(forward_ad::tangent(a), isfinite(a)); });
  return out;
}

Tensor& nan_to_num_(Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf) {
  check_inplace_unary(a, a.dtype(), "nan_to_num_");
  auto n = make_node<NanToNumBackward0>({&a});
  if (n) n->self.save(clone(a));
  Tensor new_tangent = forward_ad::inplace_tangent(a, {&a}, [&](const Tensor& v) {
    return nan_to_num(v, nan, posinf, neginf);
  });
  nan_to_num_raw(a, a, nan, posinf, neginf);
  commit_inplace(a, n);
  forward_ad::assign_tangent(a, new_tangent);
  return a;
}

// ------------------------------------------------------------ out=
Tensor& write_out(Tensor& out, const Tensor& result, const char* op, std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* in : inputs) check_no_partial_overlap(out, *in);
  ST_CHECK(!autograd::requires_grad(result), op,
           "(): functions with out=... arguments don't support automatic differentiation, but one of the "
           "arguments requires grad.");
  check_inplace_unary(out, result.dtype(), op);
  resize_output(out, result.sizes());
  kernels::copy(out, result);
  out.impl()->bump_version();
  return out;
}

// ------------------------------------------------------------ polygamma
namespace {

struct PolygammaBackward0 : Node {
  static constexpr bool jvp = true;  // tangent · polygamma(n + 1, self)
  SavedTensor self;
  int64_t n = 0;
  const char* node_name = "PolygammaBackward0";  // PolygammaBackward1 for polygamma_, as PyTorch
  const char* name() const override { return node_name; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("self", self)); }
  TensorList apply(TensorList&& g) override { return {mul(g[0], polygamma(n + 1, self.unpack(*this)))}; }
  void release_variables() override { self.release(); }
};

void check_polygamma_order(int64_t n) {
  ST_CHECK(n >= 0, "polygamma(n, x) does not support negative n.");
}

void polygamma_raw(const Tensor& out, const Tensor& in, int64_t n) {
  if (is_reduced_float(out.dtype()))
    return kernels::through_float32(out, [&](const Tensor& o) { polygamma_raw(o, kernels::widen(in), n); });
  dispatch_floating(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    kernels::map<T, T>(out, in, [n](T x) { return static_cast<T>(spm::polygamma(n, double(x))); });
  });
}

}  // namespace

Tensor polygamma(int64_t n, const Tensor& a) {
  check_polygamma_order(n);
  check_rule(Rule::Float, a.dtype(), "polygamma");
  Tensor out = st::empty(a.sizes(), result_dtype(Rule::Float, a.dtype()));
  polygamma_raw(out, cast_raw(a, compute_type(Rule::Float, a.dtype())), n);
  if (auto node = make_node<PolygammaBackward0>({&a})) {
    node->self.save(a);
    node->n = n;
    autograd::set_history(out, node);
  }
  forward_ad::jvp(out, {&a}, [&] { return mul(forward_ad::tangent(a), polygamma(n + 1, a)); });
  return out;
}

Tensor& polygamma_(Tensor& a, int64_t n) {
  check_polygamma_order(n);
  check_inplace_unary(a, result_dtype(Rule::Float, a.dtype()), "polygamma_");
  auto node = make_node<PolygammaBackward0>({&a});
  if (node) {
    node->self.save(clone(a));
    node->n = n;
    node->node_name = "PolygammaBackward1";
  }
  Tensor new_tangent = forward_ad::inplace_tangent(a, {&a}, [&](const Tensor& v) { return polygamma(n, v); });
  polygamma_raw(a, a, n);
  commit_inplace(a, node);
  forward_ad::assign_tangent(a, new_tangent);
  return a;
}

}  // namespace st::ops
