// The fused pointwise losses smooth_l1_loss(beta), huber_loss(delta) and
// binary_cross_entropy(weight), in the style of loss.cpp's mse_loss: one
// elementwise kernel (kernels::map_binary, threaded) for the loss and one for
// its derivative, one node each named as PyTorch names it. Under create_graph
// the derivative is written with ops so that it is differentiable again.
#include <algorithm>
#include <cmath>
#include "../kernels/map.h"
#include "binary.h"
#include "internal.h"
#include "nn.h"
#include "ternary.h"
#include "unary.h"

namespace st::ops {
namespace {

enum class PLoss { SmoothL1, Huber, Bce };

// The loss of one element (x input, t target, p beta / delta).
template <PLoss K, typename T>
T loss_of(T x, T t, T p) {
  if constexpr (K == PLoss::SmoothL1) {
    const T d = std::abs(x - t);
    return d < p ? T(0.5) * d * d / p : d - T(0.5) * p;
  } else if constexpr (K == PLoss::Huber) {
    const T d = std::abs(x - t);
    return d < p ? T(0.5) * d * d : p * (d - T(0.5) * p);
  } else {  // PyTorch clamps each log at -100
    const T lx = std::max(std::log(x), T(-100)), l1x = std::max(std::log1p(-x), T(-100));
    return -(t * lx + (T(1) - t) * l1x);
  }
}

// d loss / d input of one element.
template <PLoss K, typename T>
T grad_of(T x, T t, T p) {
  if constexpr (K == PLoss::SmoothL1) {
    const T d = x - t;
    return std::abs(d) < p ? d / p : T((T(0) < d) - (d < T(0)));
  } else if constexpr (K == PLoss::Huber) {
    const T d = x - t;
    return std::abs(d) < p ? d : p * T((T(0) < d) - (d < T(0)));
  } else {
    return (x - t) / std::max((T(1) - x) * x, T(1e-12));
  }
}

// The derivative to input as ops (differentiable again).
Tensor grad_ops(PLoss k, const Tensor& x, const Tensor& t, double p) {
  Tensor d = sub(x, t);
  switch (k) {
    case PLoss::SmoothL1: return where(lt(abs(d), Scalar(p)), div(d, Scalar(p)), sign(d));
    case PLoss::Huber: return where(lt(abs(d), Scalar(p)), d, mul(sign(d), Scalar(p)));
    default: return div(d, clamp_min(mul(rsub(x, Scalar(1.0)), x), TernaryArg(Scalar(1e-12))));
  }
}

template <PLoss K>
void map_loss(bool derivative, const Tensor& out, const Tensor& x, const Tensor& t, double p) {
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T tp = static_cast<T>(p);
    if (derivative) kernels::map_binary<T, T>(out, x, t, [tp](T a, T b) { return grad_of<K, T>(a, b, tp); });
    else kernels::map_binary<T, T>(out, x, t, [tp](T a, T b) { return loss_of<K, T>(a, b, tp); });
  });
}

void map_any(PLoss k, bool derivative, const Tensor& out, const Tensor& x, const Tensor& t, double p) {
  switch (k) {
    case PLoss::SmoothL1: map_loss<PLoss::SmoothL1>(derivative, out, x, t, p); break;
    case PLoss::Huber: map_loss<PLoss::Huber>(derivative, out, x, t, p); break;
    default: map_loss<PLoss::Bce>(derivative, out, x, t, p); break;
  }
}

struct PointwiseLossBackward : Node {
  static constexpr bool jvp = true;  // tangent below
  SavedTensor self, target, weight;
  PLoss kind = PLoss::SmoothL1;
  double p = 1.0;
  int64_t reduction = 1;
  const char* name() const override {
    return kind == PLoss::SmoothL1 ? "SmoothL1LossBackward0"
           : kind == PLoss::Huber  ? "HuberLossBackward0"
                                   : "BinaryCrossEntropyBackward0";
  }
  void saved_fields(std::vector<SavedField>& out) const override {
    if (kind == PLoss::SmoothL1) out.push_back(SavedField::of("beta", Scalar(p)));
    if (kind == PLoss::Huber) out.push_back(SavedField::of("delta", Scalar(p)));
    out.push_back(SavedField::of("reduction", Scalar(reduction)));
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("target", target));
    if (kind == PLoss::Bce)
      out.push_back(weight.defined() ? SavedField::of("weight", weight) : SavedField::none("weight"));
  }
  void release_variables() override {
    self.release();
    target.release();
    weight.release();
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this), t = target.unpack(*this);
    Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    // g, scaled by the reduction (a 0-d factor broadcast over the elementwise derivative)
    Tensor g = grads[0];
    if (reduction == kReductionMean) g = div(g, Scalar(double(x.numel())));
    Tensor gx;
    if (autograd::GradMode::is_enabled()) {
      gx = grad_ops(kind, x, t, p);
    } else {
      gx = st::empty(x.sizes(), x.dtype());
      map_any(kind, true, gx, dense_raw(x, x.dtype()), dense_raw(t, x.dtype()), p);
    }
    if (w.defined()) gx = mul(gx, w);
    gx = mul(gx, g);
    Tensor gt;
    if (should_compute(1)) {
      if (kind == PLoss::Bce) {  // d loss / d target = log(1 - x) - log(x)
        gt = mul(sub(log1p(neg(x)), log(x)), g);
        if (w.defined()) gt = mul(gt, w);
      } else {
        gt = neg(gx);
      }
    }
    return {should_compute(0) ? gx : Tensor(), gt};
  }
  // Forward mode: the elementwise derivatives times the tangents, weighted and reduced.
  static Tensor tangent(PLoss kind, const Tensor& x, const Tensor& t, const Tensor& w, double p, int64_t reduction) {
    Tensor e = forward_ad::add_tangents(
        forward_ad::term(x, [&](const Tensor& tx) { return mul(grad_ops(kind, x, t, p), tx); }),
        forward_ad::term(t, [&](const Tensor& tt) {
          return mul(kind == PLoss::Bce ? sub(log1p(neg(x)), log(x)) : neg(grad_ops(kind, x, t, p)), tt);
        }));
    if (w.defined()) e = mul(e, w);
    return reduction == kReductionNone ? e : reduction == kReductionSum ? sum(e) : mean(e);
  }
};

Tensor pointwise_loss(PLoss kind, const char* kernel, const Tensor& input, const Tensor& target, const Tensor& weight,
                      double p, int64_t reduction) {
  ST_CHECK_T(reduction >= 0 && reduction <= 2, ValueError, reduction, " is not a valid value for reduction");
  ST_CHECK(input.sizes() == target.sizes(), kernel, ": input of shape ", shape_str(input.sizes()),
           " and target of shape ", shape_str(target.sizes()), " differ");
  const ScalarType dt = kind == PLoss::Bce ? input.dtype() : result_type(input, target);
  ST_CHECK_T(is_floating(dt), NotImplementedError, '"', kernel, "\" not implemented for '", torch_type_name(dt),
             "'");
  Tensor x = dense_raw(input, dt), t = dense_raw(target, dt);
  Tensor elem = st::empty(input.sizes(), dt);
  map_any(kind, false, elem, x, t, p);
  Tensor out;
  {
    autograd::AutoGradMode no_grad(false);
    if (weight.defined()) elem = mul(elem, weight);
    out = reduction == kReductionNone ? elem : reduction == kReductionSum ? sum(elem) : mean(elem);
  }
  if (auto n = make_node<PointwiseLossBackward>({&input, &target})) {
    n->kind = kind;
    n->p = p;
    n->reduction = reduction;
    n->self.save(input);
    n->target.save(target);
    if (weight.defined()) n->weight.save(weight);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input, &target},
                  [&] { return PointwiseLossBackward::tangent(kind, input, target, weight, p, reduction); });
  return out;
}

}  // namespace

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, int64_t reduction, double beta) {
  ST_CHECK(beta >= 0, "smooth_l1_loss does not support negative values for beta.");
  return pointwise_loss(PLoss::SmoothL1, "smooth_l1_cpu", input, target, Tensor(), beta, reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, int64_t reduction, double delta) {
  ST_CHECK(delta > 0, "huber_loss does not support non-positive values for delta.");
  return pointwise_loss(PLoss::Huber, "huber_cpu", input, target, Tensor(), delta, reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction) {
  ST_CHECK(target.dtype() == input.dtype(), "Found dtype ", torch_type_name(target.dtype()), " but expected ",
           torch_type_name(input.dtype()));
  return pointwise_loss(PLoss::Bce, "binary_cross_entropy", input, target, weight, 0.0, reduction);
}

}  // namespace st::ops
