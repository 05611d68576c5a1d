// Fused losses (nll_loss, mse_loss, binary_cross_entropy_with_logits), embedding
// and dropout's mask: kernels in kernels/loss.cpp, one node each named as PyTorch
// names it. Backward runs the kernels; under create_graph the gradient is
// written with ops so that it is differentiable again.
#include <cmath>
#include <vector>
#include "../kernels/nn.h"
#include "internal.h"
#include "nn.h"

namespace st::ops {

Tensor dense_raw(const Tensor& t, ScalarType dt) {
  bool dense = t.dtype() == dt;
  int64_t expect = 1;
  for (int64_t d = t.dim() - 1; dense && d >= 0; --d) {
    if (t.sizes()[d] != 1 && t.strides()[d] != expect) dense = false;
    expect *= t.sizes()[d];
  }
  if (dense) return t;
  Tensor out = st::empty(t.sizes(), dt);
  kernels::copy(out, t);
  return out;
}

namespace {

void check_reduction(int64_t r) {
  ST_CHECK_T(r >= 0 && r <= 2, ValueError, r, " is not a valid value for reduction");
}

// The factor a reduced loss's gradient carries: 1 (sum), 1/n (mean), or g's value.
double reduced_scale(int64_t reduction, int64_t n) {
  return reduction == kReductionMean ? 1.0 / double(n) : 1.0;
}

Tensor scalar_of(double v, ScalarType dt) { return full({}, Scalar(v), dt); }

// An elementwise loss's values reduced as `reduction` says (forward mode).
Tensor reduce_loss(const Tensor& elem, int64_t reduction) {
  return reduction == kReductionNone ? elem : reduction == kReductionSum ? sum(elem) : mean(elem);
}

struct NllLossBackward : Node {
  static constexpr bool jvp = true;  // tangent below
  SavedTensor self, target, weight, total_weight;
  int64_t reduction = 1, ignore_index = -100;
  int64_t N = 1, C = 0, S = 1;
  bool two_d = false;
  const char* name() const override { return two_d ? "NllLoss2DBackward0" : "NllLossBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("ignore_index", Scalar(ignore_index)));
    out.push_back(SavedField::of("reduction", Scalar(reduction)));
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("target", target));
    out.push_back(SavedField::of("total_weight", total_weight));
    out.push_back(weight.defined() ? SavedField::of("weight", weight) : SavedField::none("weight"));
  }
  void release_variables() override {
    self.release();
    target.release();
    weight.release();
    total_weight.release();
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this), t = target.unpack(*this);
    Tensor w = weight.defined() ? dense_raw(weight.unpack(*this), x.dtype()) : Tensor();
    const Tensor& g = grads[0];
    if (!should_compute(0)) return {Tensor()};
    double scale = 1.0;
    if (reduction == kReductionMean) scale = 1.0 / item(total_weight.unpack(*this)).to_double();
    t = dense_raw(t, ScalarType::Int64);
    Tensor gi = st::empty(x.sizes(), x.dtype());
    const bool graph = autograd::GradMode::is_enabled();
    Tensor ge;
    if (reduction == kReductionNone && !graph) ge = dense_raw(g, x.dtype());
    else if (!graph) scale *= item(g).to_double();
    kernels::nll_loss_backward(gi, t, w, N, C, S, ignore_index, ge, scale);
    if (!graph) return {gi};
    // the gradient is linear in g: coefficients (computed above with g = 1) times g
    Tensor gb = g;
    if (reduction == kReductionNone && x.dim() >= 2) gb = unsqueeze(g, 1);
    return {mul(gi, gb)};
  }
  // Forward mode (the loss is linear in the input): the tangent weighted by the
  // loss's coefficients (the kernel's gradient for g = 1), summed over the
  // classes, and over the samples unless unreduced.
  static Tensor tangent(const Tensor& t_in, const Tensor& x, const Tensor& target, const Tensor& w, int64_t N,
                        int64_t C, int64_t S, int64_t ignore_index, int64_t reduction, double total_weight) {
    Tensor coef = st::empty(x.sizes(), x.dtype());
    kernels::nll_loss_backward(coef, target, w, N, C, S, ignore_index, Tensor(),
                               reduction == kReductionMean ? 1.0 / total_weight : 1.0);
    Tensor weighted = mul(coef, t_in);
    if (reduction != kReductionNone || x.dim() == 1) return sum(weighted);
    return sum(weighted, {1}, false);
  }
};

struct MseLossBackward0 : Node {
  static constexpr bool jvp = true;  // reduction of 2 (input - target) (t_input - t_target)
  SavedTensor self, target;
  int64_t reduction = 1;
  const char* name() const override { return "MseLossBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("reduction", Scalar(reduction)));
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("target", target));
  }
  void release_variables() override {
    self.release();
    target.release();
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this), t = target.unpack(*this);
    const Tensor& g = grads[0];
    const double scale = reduced_scale(reduction, x.numel());
    if (autograd::GradMode::is_enabled()) {
      Tensor gi = mul(mul(sub(x, t), g), Scalar(2.0 * scale));
      return {should_compute(0) ? gi : Tensor(), should_compute(1) ? neg(gi) : Tensor()};
    }
    Tensor gi = should_compute(0) ? st::empty(x.sizes(), x.dtype()) : Tensor();
    Tensor gt = should_compute(1) ? st::empty(x.sizes(), x.dtype()) : Tensor();
    Tensor ge;
    double s = scale;
    if (reduction == kReductionNone) ge = dense_raw(g, x.dtype());
    else s *= item(g).to_double();
    kernels::mse_backward(gi, gt, dense_raw(x, x.dtype()), dense_raw(t, x.dtype()), ge, s);
    return {gi, gt};
  }
};

struct BinaryCrossEntropyWithLogitsBackward0 : Node {
  static constexpr bool jvp = true;  // tangent below
  SavedTensor self, target, weight, pos_weight;
  int64_t reduction = 1;
  const char* name() const override { return "BinaryCrossEntropyWithLogitsBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(pos_weight.defined() ? SavedField::of("pos_weight", pos_weight) : SavedField::none("pos_weight"));
    out.push_back(SavedField::of("reduction", Scalar(reduction)));
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("target", target));
    out.push_back(weight.defined() ? SavedField::of("weight", weight) : SavedField::none("weight"));
  }
  void release_variables() override {
    self.release();
    target.release();
    weight.release();
    pos_weight.release();
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this), t = target.unpack(*this);
    Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    Tensor pw = pos_weight.defined() ? pos_weight.unpack(*this) : Tensor();
    const Tensor& g = grads[0];
    const double scale = reduced_scale(reduction, x.numel());
    if (autograd::GradMode::is_enabled()) {
      Tensor f = mul(g, Scalar(scale));
      if (w.defined()) f = mul(f, w);
      Tensor sp = add(log1p(exp(neg(abs(x)))), relu(neg(x)));  // softplus(-x)
      TensorList out(2);
      if (should_compute(0)) out[0] = mul(f, d_input(x, t, pw));
      if (should_compute(1)) out[1] = mul(f, d_target(x, pw));
      return out;
    }
    auto full_shape = [&](const Tensor& p) {
      return p.defined() ? dense_raw(expand(p, x.sizes()), x.dtype()) : Tensor();
    };
    Tensor gi = should_compute(0) ? st::empty(x.sizes(), x.dtype()) : Tensor();
    Tensor gt = should_compute(1) ? st::empty(x.sizes(), x.dtype()) : Tensor();
    Tensor ge;
    double s = scale;
    if (reduction == kReductionNone) ge = dense_raw(g, x.dtype());
    else s *= item(g).to_double();
    kernels::bce_logits_backward(gi, gt, dense_raw(x, x.dtype()), dense_raw(t, x.dtype()), full_shape(w),
                                 full_shape(pw), ge, s);
    return {gi, gt};
  }
  // The elementwise derivatives of the unweighted loss, as ops.
  static Tensor d_input(const Tensor& x, const Tensor& t, const Tensor& pw) {
    Tensor lw = pw.defined() ? add(mul(sub(pw, Scalar(1.0)), t), Scalar(1.0)) : Tensor();
    Tensor sneg = sigmoid(neg(x));
    return sub(rsub(t, Scalar(1.0)), lw.defined() ? mul(lw, sneg) : sneg);
  }
  static Tensor d_target(const Tensor& x, const Tensor& pw) {
    Tensor sp = add(log1p(exp(neg(abs(x)))), relu(neg(x)));  // softplus(-x)
    return pw.defined() ? sub(mul(sub(pw, Scalar(1.0)), sp), x) : neg(x);
  }
  // Forward mode: the derivatives times the tangents, weighted and reduced.
  static Tensor tangent(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw, int64_t reduction) {
    Tensor e = forward_ad::add_tangents(forward_ad::term(x, [&](const Tensor& tx) { return mul(d_input(x, t, pw), tx); }),
                                        forward_ad::term(t, [&](const Tensor& tt) { return mul(d_target(x, pw), tt); }));
    if (w.defined()) e = mul(e, w);
    return reduce_loss(e, reduction);
  }
};

struct EmbeddingBackward0 : Node {
  static constexpr bool jvp = true;  // linear in the weight: the tangent's rows
  SavedTensor indices;
  int64_t num_weights = 0, padding_idx = -1;
  bool scale_grad_by_freq = false;
  ScalarType dtype = ScalarType::Float32;
  const char* name() const override { return "EmbeddingBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("indices", indices));
    out.push_back(SavedField::of("padding_idx", Scalar(padding_idx)));
    out.push_back(SavedField::of("scale_grad_by_freq", Scalar(scale_grad_by_freq)));
    out.push_back(SavedField::of("sparse", Scalar(false)));
    out.push_back(SavedField::of("weight_sym_argsize_0", Scalar(num_weights)));
  }
  void release_variables() override { indices.release(); }
  TensorList apply(TensorList&& grads) override {
    Tensor idx = dense_raw(indices.unpack(*this), ScalarType::Int64);
    const Tensor& g = grads[0];
    const int64_t n = idx.numel(), D = g.dim() ? g.sizes().back() : 1;
    if (autograd::GradMode::is_enabled()) {
      // gw = index_add(0, idx, g * coef) with coef the row factor (0 for padding, 1/count)
      const int64_t* pi = idx.data<int64_t>();
      std::vector<int64_t> cnt(size_t(num_weights), 0);
      for (int64_t i = 0; i < n; ++i)
        if (pi[i] >= 0 && pi[i] < num_weights) ++cnt[size_t(pi[i])];
      Tensor coef = st::empty({n, 1}, g.dtype());
      dispatch_floating(g.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* pc = coef.data<T>();
        for (int64_t i = 0; i < n; ++i)
          pc[i] = pi[i] == padding_idx ? T(0) : (scale_grad_by_freq ? T(1) / T(cnt[size_t(pi[i])]) : T(1));
      });
      Tensor src = mul(reshape(g, {n, D}), coef);
      return {index_add(zeros({num_weights, D}, g.dtype()), 0, reshape(idx, {n}), src)};
    }
    Tensor gw = st::empty({num_weights, D}, g.dtype());
    kernels::embedding_backward(gw, dense_raw(g, g.dtype()), idx, n, num_weights, D, padding_idx, scale_grad_by_freq);
    return {gw};
  }
};

}  // namespace

std::tuple<Tensor, Tensor> nll_loss_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                            int64_t reduction, int64_t ignore_index) {
  check_reduction(reduction);
  ST_CHECK(input.dim() >= 1 && input.dim() <= 2 || input.dim() == 4,
           "nll_loss: expected input of 1, 2 or 4 dims, got ", input.dim());
  ST_CHECK_T(is_floating(input.dtype()), NotImplementedError, "\"nll_loss_out_frame\" not implemented for '",
             torch_type_name(input.dtype()), "'");
  const bool two_d = input.dim() == 4;
  const int64_t N = input.dim() == 1 ? 1 : input.sizes()[0], C = input.sizes()[input.dim() == 1 ? 0 : 1];
  const int64_t S = two_d ? input.sizes()[2] * input.sizes()[3] : 1;
  ST_CHECK(target.numel() == N * S, "nll_loss: target has ", target.numel(), " elements, expected ", N * S);
  ST_CHECK(!weight.defined() || weight.numel() == C, "weight tensor should be defined either for all ", C,
           " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  Tensor x = dense_raw(input, input.dtype()), t = dense_raw(target, ScalarType::Int64);
  Tensor w = weight.defined() ? dense_raw(weight, input.dtype()) : Tensor();
  // a 1-d input is one sample: its unreduced loss is 0-d whether target is () or (1,)
  Tensor elem = reduction == kReductionNone
                    ? st::empty(input.dim() == 1 ? DimVector{} : target.sizes(), input.dtype())
                    : Tensor();
  double ls = 0, ws = 0;
  kernels::nll_loss_forward(x, t, w, N, C, S, ignore_index, elem, &ls, &ws);
  Tensor total = scalar_of(ws, input.dtype());
  Tensor out = elem.defined() ? elem : scalar_of(reduction == kReductionMean ? ls / ws : ls, input.dtype());
  if (auto n = make_node<NllLossBackward>({&input})) {
    n->self.save(input);
    n->target.save(t);
    if (w.defined()) n->weight.save(weight);
    n->total_weight.save(total);
    n->reduction = reduction;
    n->ignore_index = ignore_index;
    n->N = N;
    n->C = C;
    n->S = S;
    n->two_d = two_d;
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input}, [&] {
    return NllLossBackward::tangent(forward_ad::tangent(input), x, t, w, N, C, S, ignore_index, reduction, ws);
  });
  return {out, total};
}

Tensor mse_loss(const Tensor& input, const Tensor& target, int64_t reduction) {
  check_reduction(reduction);
  ST_CHECK(input.sizes() == target.sizes(), "mse_loss: input of shape ", shape_str(input.sizes()),
           " and target of shape ", shape_str(target.sizes()), " differ");
  ScalarType dt = result_type(input, target);
  ST_CHECK_T(is_floating(dt), NotImplementedError, "\"mse_cpu\" not implemented for '", torch_type_name(dt), "'");
  Tensor x = dense_raw(input, dt), t = dense_raw(target, dt);
  Tensor out;
  if (reduction == kReductionNone) {
    out = st::empty(input.sizes(), dt);
    kernels::mse_forward(x, t, out);
  } else {
    double s = kernels::mse_forward(x, t, Tensor());
    out = scalar_of(reduction == kReductionMean ? s / double(x.numel()) : s, dt);
  }
  if (auto n = make_node<MseLossBackward0>({&input, &target})) {
    n->self.save(input);
    n->target.save(target);
    n->reduction = reduction;
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input, &target}, [&] {
    Tensor d = forward_ad::add_tangents(forward_ad::tangent(input),
                                        forward_ad::term(target, [](const Tensor& tt) { return neg(tt); }));
    return reduce_loss(mul(mul(sub(input, target), d), Scalar(2.0)), reduction);
  });
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, int64_t reduction) {
  check_reduction(reduction);
  ST_CHECK(input.sizes() == target.sizes(), "Target size (", shape_str(target.sizes()),
           ") must be the same as input size (", shape_str(input.sizes()), ")");
  ScalarType dt = result_type(input, target);
  ST_CHECK_T(is_floating(dt), NotImplementedError, "\"binary_cross_entropy_with_logits\" not implemented for '",
             torch_type_name(dt), "'");
  // The loss is written in input's shape: a weight must broadcast to it. PyTorch multiplies
  // loss * weight and pos_weight * target, so a mismatch names the tensors in that order.
  auto full_shape = [&](const Tensor& p, bool param_first) {
    if (!p.defined()) return Tensor();
    DimVector b =
        param_first ? broadcast_shapes(p.sizes(), input.sizes()) : broadcast_shapes(input.sizes(), p.sizes());
    ST_CHECK(b == input.sizes(), "output with shape ", shape_str(input.sizes()),
             " doesn't match the broadcast shape ", shape_str(b));
    return dense_raw(expand(alias_raw(p), input.sizes()), dt);
  };
  Tensor x = dense_raw(input, dt), t = dense_raw(target, dt), w = full_shape(weight, false),
         pw = full_shape(pos_weight, true);
  Tensor out;
  if (reduction == kReductionNone) {
    out = st::empty(input.sizes(), dt);
    kernels::bce_logits_forward(x, t, w, pw, out);
  } else {
    double s = kernels::bce_logits_forward(x, t, w, pw, Tensor());
    out = scalar_of(reduction == kReductionMean ? s / double(x.numel()) : s, dt);
  }
  if (auto n = make_node<BinaryCrossEntropyWithLogitsBackward0>({&input, &target})) {
    n->self.save(input);
    n->target.save(target);
    if (weight.defined()) n->weight.save(weight);
    if (pos_weight.defined()) n->pos_weight.save(pos_weight);
    n->reduction = reduction;
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input, &target}, [&] {
    return BinaryCrossEntropyWithLogitsBackward0::tangent(input, target, weight, pos_weight, reduction);
  });
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq) {
  ST_CHECK(weight.dim() == 2, "'weight' must be 2-D");
  ST_CHECK(indices.dtype() == ScalarType::Int64 || indices.dtype() == ScalarType::Int32,
           "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ",
           torch_type_name(indices.dtype()), "Tensor instead (while checking arguments for embedding)");
  const int64_t V = weight.sizes()[0], D = weight.sizes()[1], n = indices.numel();
  Tensor idx = dense_raw(indices, ScalarType::Int64);
  DimVector shape = indices.sizes();
  shape.push_back(D);
  Tensor out = st::empty(shape, weight.dtype());
  kernels::embedding_forward(out, dense_raw(weight, weight.dtype()), idx, n, V, D);
  if (auto node = make_node<EmbeddingBackward0>({&weight})) {
    node->indices.save(indices);
    node->num_weights = V;
    node->padding_idx = padding_idx;
    node->scale_grad_by_freq = scale_grad_by_freq;
    autograd::set_history(out, node);
  }
  forward_ad::linear(out, weight, [&](const Tensor& t) { return embedding(t, indices, padding_idx, scale_grad_by_freq); });
  return out;
}

Tensor dropout_mask(const Tensor& input, double p) {
  ST_CHECK(is_floating(input.dtype()), "dropout: expected a floating point input, got ", dtype_name(input.dtype()));
  Tensor mask = st::empty(input.sizes(), input.dtype());
  kernels::dropout_mask(mask, p);
  return mask;
}

}  // namespace st::ops
