// The parameterised activations: every row of ST_ACTIVATION_OPS (activation.h)
// becomes its op, its in-place form and its backward node through the generic
// code below (the pattern of unary.cpp, with the row's parameters p, q, r kept
// on the node); glu is written by hand after it.
#include "activation.h"
#include <cmath>
#include <cstring>
#include <string>
#include "../kernels/map.h"
#include "dtype_rules.h"
#include "internal.h"
#include "binary.h"
#include "shape_ops.h"
#include "ternary.h"
#include "unary.h"

namespace st::ops {
namespace {

// ------------------------------------------------------------ scalar functors
namespace af {
// NaN stays NaN (neither comparison holds)
template <typename T> T hardtanh(T x, T lo, T hi) { return x < lo ? lo : x > hi ? hi : x; }
template <typename T> T elu(T x, T alpha, T scale, T input_scale) {
  return x > T(0) ? x * scale : std::expm1(x * input_scale) * alpha * scale;
}
template <typename T> T softplus(T x, T beta, T threshold) {
  return x * beta > threshold ? x : std::log1p(std::exp(x * beta)) / beta;
}
template <typename T> T logsigmoid(T x) { return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x))); }
template <typename T> T gelu(T x, bool tanh_form) {
  if (!tanh_form) return x * T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
  const T k = T(M_SQRT2 * M_2_SQRTPI * 0.5);  // sqrt(2 / pi)
  return T(0.5) * x * (T(1) + std::tanh(k * (x + T(0.044715) * x * x * x)));
}
}  // namespace af

// ------------------------------------------------------------ gradient formulas (ops, differentiable)
Tensor num(double v, const Tensor& like) { return scalar_tensor(Scalar(v), like.dtype()); }

// g * (lo < s < hi ? inside : outside): the piecewise-constant derivatives
Tensor act_mask(const Tensor& g, const Tensor& s, double lo, double hi, double inside, double outside) {
  const ScalarType ct = compute_dtype(s.dtype());  // float16/bfloat16 compared in float32
  Tensor d = st::empty(s.sizes(), ct);
  dispatch_all(ct, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same<T, bool>::value) {
      const double l = lo, h = hi, in = inside, out = outside;
      kernels::map<T, T>(d, cast_raw(s, ct), [=](T x) { return double(x) > l && double(x) < h ? T(in) : T(out); });
    }
  });
  return mul(g, cast_raw(d, s.dtype()));
}
Tensor act_elu_grad(const Tensor& g, const Tensor& s, double alpha, double scale, double input_scale) {
  // the exp of the clamped input: the branch where() drops must not overflow (0 * inf)
  Tensor neg_branch = mul(exp(mul(clamp_max(s, TernaryArg(Scalar(0.0))), input_scale)), alpha * scale * input_scale);
  return mul(g, where(gt(s, Scalar(0.0)), num(scale, s), neg_branch));
}
Tensor act_gelu_grad(const Tensor& g, const Tensor& s, bool tanh_form) {
  if (!tanh_form) {
    Tensor cdf = mul(add(erf(mul(s, M_SQRT1_2)), Scalar(1.0)), 0.5);
    Tensor pdf = mul(exp(mul(mul(s, s), -0.5)), 0.5 * M_2_SQRTPI * M_SQRT1_2);  // 1 / sqrt(2 pi)
    return mul(g, add(cdf, mul(s, pdf)));
  }
  const double k = M_SQRT2 * M_2_SQRTPI * 0.5, c = 0.044715;
  Tensor s2 = mul(s, s);
  Tensor t = tanh(mul(mul(s, add(mul(s2, c), Scalar(1.0))), k));
  Tensor left = mul(add(t, Scalar(1.0)), 0.5);
  Tensor right = mul(mul(mul(s, rsub(mul(t, t), Scalar(1.0))), add(mul(s2, 3 * c), Scalar(1.0))), 0.5 * k);
  return mul(g, add(left, right));
}
Tensor act_silu_grad(const Tensor& g, const Tensor& s) {
  Tensor sg = sigmoid(s);
  return mul(g, mul(sg, add(mul(s, rsub(sg, Scalar(1.0))), Scalar(1.0))));
}
Tensor act_softplus_grad(const Tensor& g, const Tensor& s, double beta, double threshold) {
  Tensor z = mul(s, beta);
  return mul(g, where(gt(z, Scalar(threshold)), num(1.0, s), sigmoid(z)));
}
Tensor act_mish_grad(const Tensor& g, const Tensor& s) {
  Tensor sp = softplus(s, 1.0, 20.0, 0.0);
  Tensor t = tanh(sp);
  return mul(g, add(t, mul(mul(s, sigmoid(s)), rsub(mul(t, t), Scalar(1.0)))));
}
Tensor act_hardswish_grad(const Tensor& g, const Tensor& s) {
  Tensor mid = add(div(s, Scalar(3.0)), Scalar(0.5));
  return mul(g, where(lt(s, Scalar(-3.0)), num(0.0, s), where(le(s, Scalar(3.0)), mid, num(1.0, s))));
}

// ------------------------------------------------------------ one struct per row
void check_params(const char* op, double p) {
  if (same_str(op, "celu")) ST_CHECK(p != 0.0, "ZeroDivisionError: alpha cannot be 0 for CELU");
}

// PyTorch's ...Backward1 nodes read the result, which a negative slope or alpha makes ambiguous.
void check_inplace_backward(const char* op, double p) {
  const char* tail = " backward calculation is triggered with a negative slope which is not supported. This is caused "
                     "by calling in-place forward function with a negative slope, please call out-of-place version "
                     "instead.";
  if (same_str(op, "leaky_relu"))
    ST_CHECK(p >= 0, "In-place leakyReLu", tail,
             " File an issue at https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
             "backward calculation with negative slope");
  else ST_CHECK(p >= 0, "In-place elu", tail);
}

#define ST_ACTIVATION_DEFINE(nm, rule_, kernel_, inplace_, Node_, save_, P_, dP, Q_, dQ, R_, dR, fwd, bwd)     \
  struct Act_##nm {                                                                                            \
    static constexpr const char* op_name = #nm;                                                                \
    static constexpr const char* kernel = kernel_;                                                             \
    static constexpr Rule rule = Rule::rule_;                                                                  \
    static constexpr bool own_inplace_node = inplace_ == 2;                                                    \
    static constexpr const char* node_name = #Node_;                                                           \
    static constexpr const char* params[3] = {#P_, #Q_, #R_};                                                  \
    template <typename T>                                                                                      \
    static T f(T x, T p, T q, T r) {                                                                           \
      (void)p; (void)q; (void)r;                                                                               \
      return fwd;                                                                                              \
    }                                                                                                          \
    /* forward mode: the backward expression with the tangent as g (a diagonal Jacobian) */                   \
    static Tensor tangent_of(const Tensor& g, const Tensor& s, double p, double q, double r) {                 \
      (void)p; (void)q; (void)r;                                                                               \
      return bwd;                                                                                              \
    }                                                                                                          \
    struct Backward : Node {                                                                                   \
      static constexpr bool jvp = true;                                                                        \
      SavedTensor saved;                                                                                       \
      double p = 0, q = 0, r = 0;                                                                              \
      bool inplace = false;                                                                                    \
      const char* node_name = #Node_;                                                                          \
      const char* name() const override { return node_name; }                                                  \
      TensorList apply(TensorList&& grads) override {                                                          \
        if (inplace) check_inplace_backward(#nm, p);                                                           \
        const Tensor& g = grads[0];                                                                            \
        Tensor s = saved.unpack(*this);                                                                        \
        return {bwd};                                                                                          \
      }                                                                                                        \
      void release_variables() override { saved.release(); }                                                   \
      void saved_fields(std::vector<SavedField>& out) const override {                                         \
        const double v[3] = {p, q, r};                                                                         \
        for (int i = 0; i < 3; ++i)                                                                            \
          if (params[i][0] != '_') out.push_back(SavedField::of(params[i], Scalar(v[i])));                     \
        out.push_back(SavedField::of("self", saved));                                                          \
      }                                                                                                        \
    };                                                                                                         \
  };
ST_ACTIVATION_OPS(ST_ACTIVATION_DEFINE)
#undef ST_ACTIVATION_DEFINE

// out = Op::f(in, p, q, r) elementwise (kernels::map: threaded over large tensors).
template <class Op>
void run_kernel(const Tensor& out, const Tensor& in, double p, double q, double r) {
  if (is_reduced_float(out.dtype()))  // float16/bfloat16: in float32, rounded once
    return kernels::through_float32(out, [&](const Tensor& o) { run_kernel<Op>(o, kernels::widen(in), p, q, r); });
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (allows<Op::rule, T>()) {
      const T tp = static_cast<T>(p), tq = static_cast<T>(q), tr = static_cast<T>(r);
      kernels::map<T, T>(out, in, [=](T x) { return static_cast<T>(Op::template f<T>(x, tp, tq, tr)); });
    }
  });
}

template <class Op>
std::shared_ptr<typename Op::Backward> make_act_node(const Tensor& a, double p, double q, double r) {
  auto n = make_node<typename Op::Backward>({&a});
  if (n) {
    n->p = p;
    n->q = q;
    n->r = r;
  }
  return n;
}

template <class Op>
Tensor act_forward(const Tensor& a, double p, double q, double r) {
  check_rule(Op::rule, a.dtype(), Op::kernel);
  check_params(Op::op_name, p);
  Tensor out = st::empty(a.sizes(), a.dtype());
  run_kernel<Op>(out, a, p, q, r);
  if (auto n = make_act_node<Op>(a, p, q, r)) {
    n->saved.save(a);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&a}, [&] { return Op::tangent_of(forward_ad::tangent(a), a, p, q, r); });
  return out;
}

template <class Op>
Tensor& act_inplace(Tensor& self, double p, double q, double r) {
  const std::string op = std::string(Op::op_name) + "_";
  check_rule(Op::rule, self.dtype(), Op::kernel);
  check_params(Op::op_name, p);
  check_inplace(self, op.c_str());
  check_inplace_result(self, self.dtype(), self.sizes(), op.c_str());
  auto n = make_act_node<Op>(self, p, q, r);
  if (n) {
    if constexpr (Op::own_inplace_node) {  // PyTorch's ...Backward1: the node's name, last digit 1
      static const std::string inode = std::string(Op::node_name).substr(0, std::strlen(Op::node_name) - 1) + "1";
      n->node_name = inode.c_str();
      n->inplace = true;
    }
    n->saved.save(clone(self));  // the value before the update
  }
  Tensor new_tangent =
      forward_ad::inplace_tangent(self, {&self}, [&](const Tensor& v) { return act_forward<Op>(v, p, q, r); });
  run_kernel<Op>(self, self, p, q, r);
  commit_inplace(self, n);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

}  // namespace

#define ST_ACTIVATION_FUNCTIONS(nm, ...)                                                                      \
  Tensor nm(const Tensor& a, double p, double q, double r) { return act_forward<Act_##nm>(a, p, q, r); }   \
  Tensor& nm##_(Tensor& a, double p, double q, double r) { return act_inplace<Act_##nm>(a, p, q, r); }
ST_ACTIVATION_OPS(ST_ACTIVATION_FUNCTIONS)
#undef ST_ACTIVATION_FUNCTIONS

// ------------------------------------------------------------ glu
namespace {
struct GluBackward0 : Node {
  static constexpr bool jvp = true;  // t_a · σ(b) + a · σ(b) (1 - σ(b)) · t_b
  SavedTensor self;
  int64_t dim = -1;
  const char* name() const override { return "GluBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("dim", Scalar(dim)));
    out.push_back(SavedField::of("self", self));
  }
  void release_variables() override { self.release(); }
  TensorList apply(TensorList&& grads) override {
    const Tensor& g = grads[0];
    Tensor x = self.unpack(*this);
    const int64_t h = x.sizes()[dim] / 2;
    Tensor a = slice(x, dim, 0, h, 1), b = slice(x, dim, h, 2 * h, 1);
    Tensor sb = sigmoid(b);
    Tensor ga = mul(g, sb);
    Tensor gb = mul(mul(mul(g, a), sb), rsub(sb, Scalar(1.0)));
    return {cat({ga, gb}, dim)};
  }
};
}  // namespace

Tensor glu(const Tensor& a, int64_t dim) {
  ST_CHECK(a.dim() > 0, "glu does not support scalars because halving size must be even");
  check_rule(Rule::FloatOnly, a.dtype(), "glu_cpu");
  const int64_t nd = a.dim();
  ST_CHECK_T(dim >= -nd && dim < nd, IndexError, "Dimension out of range (expected to be in range of [", -nd, ", ",
             nd - 1, "], but got ", dim, ")");
  if (dim < 0) dim += nd;
  const int64_t n = a.sizes()[dim];
  ST_CHECK(n % 2 == 0, "Halving dimension must be even, but dimension ", dim, " is size ", n);
  Tensor x = cast_raw(a, a.dtype());
  Tensor first = slice(x, dim, 0, n / 2, 1), second = slice(x, dim, n / 2, n, 1);
  Tensor out = st::empty(first.sizes(), a.dtype());
  const auto run = [&](const Tensor& o) {
    const Tensor u = kernels::widen(first), v = kernels::widen(second);
    dispatch_floating(o.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      kernels::map_binary<T, T>(o, u, v, [](T x, T y) { return x / (T(1) + std::exp(-y)); });
    });
  };
  if (is_reduced_float(out.dtype())) kernels::through_float32(out, run);  // float16/bfloat16: in float32
  else run(out);
  auto n_ = make_node<GluBackward0>({&a});
  if (n_) {
    n_->dim = dim;
    n_->self.save(a);
    autograd::set_history(out, n_);
  }
  forward_ad::jvp(out, {&a}, [&] {
    const Tensor t = forward_ad::tangent(a);
    const Tensor sb = sigmoid(second);
    const Tensor ta = slice(t, dim, 0, n / 2, 1), tb = slice(t, dim, n / 2, n, 1);
    return add(mul(ta, sb), mul(mul(mul(first, sb), rsub(sb, Scalar(1.0))), tb));
  });
  return out;
}

}  // namespace st::ops
