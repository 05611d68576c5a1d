// Batch, layer and group normalisation: fused forward and backward kernels
// (kernels/norm.cpp), one node each as PyTorch (NativeBatchNormBackward0, ...).
// Backward runs the fused kernels; under create_graph it is written with ops
// (statistics recomputed from the input) so that higher derivatives are right.
#include <cmath>
#include <limits>
#include <vector>
#include "../kernels/nn.h"
#include "internal.h"
#include "nn.h"

namespace st::ops {
namespace {

void check_norm_dtype(const Tensor& input, const char* kname) {
  ST_CHECK_T(is_floating(input.dtype()), NotImplementedError, "\"", kname, "\" not implemented for '",
             torch_type_name(input.dtype()), "'");
}

// Every parameter has input's dtype (PyTorch's CPU kernels refuse mixed dtypes). PyTorch's
// message names Float for a float32 input, and for batch norm's weight and bias always.
void check_param_dtypes(const Tensor& input, std::initializer_list<const Tensor*> params, bool float_msg = false) {
  for (auto* p : params) {
    if (!p->defined() || p->dtype() == input.dtype()) continue;
    if (float_msg || input.dtype() == ScalarType::Float32)
      throw Error("mixed dtype (CPU): expect parameter to have scalar type of Float");
    throw Error("mixed dtype (CPU): all inputs must share same datatype.");
  }
}

// The values of a 1-d tensor as doubles (an undefined tensor gives `fill`).
std::vector<double> as_doubles(const Tensor& t, int64_t n, double fill) {
  std::vector<double> v(size_t(n), fill);
  if (!t.defined() || n == 0) return v;
  Tensor d = cast_raw(t, ScalarType::Float64);
  const double* p = d.data<double>();
  std::copy(p, p + n, v.begin());
  return v;
}

Tensor from_doubles(const std::vector<double>& v, const DimVector& shape, ScalarType dt) {
  Tensor d = st::empty({int64_t(v.size())}, ScalarType::Float64);
  std::copy(v.begin(), v.end(), d.data<double>());
  Tensor out = st::empty(shape, dt);
  kernels::copy(out, make_view(d, shape, contiguous_strides(shape), 0));
  return out;
}

// dst (any layout, float dtype) = v; no history, version bumped (running statistics).
void write_doubles(const Tensor& dst, const std::vector<double>& v) {
  Tensor d = st::empty({int64_t(v.size())}, ScalarType::Float64);
  std::copy(v.begin(), v.end(), d.data<double>());
  kernels::copy(dst, make_view(d, dst.sizes(), contiguous_strides(dst.sizes()), 0));
  dst.impl()->bump_version();
}

// Contiguous gradient in the input's dtype.
Tensor grad_of(const Tensor& g, ScalarType dt) { return dense_raw(g, dt); }

// Dims of x other than `keep`.
DimVector all_but(int64_t ndim, int64_t keep) {
  DimVector d;
  for (int64_t i = 0; i < ndim; ++i)
    if (i != keep) d.push_back(i);
  return d;
}

// (1, C, 1, ...) shape for broadcasting per-channel values against x.
DimVector channel_shape(const Tensor& x) {
  DimVector s(x.dim(), 1);
  s[1] = x.sizes()[1];
  return s;
}

// The normalisation x -> xhat = (x - mean) * rstd over `dims`, recomputed with ops so that
// the backward written on it is differentiable again (create_graph).
struct OpNorm {
  Tensor rstd, xhat;
};

OpNorm normalize_ops(const Tensor& x, const DimVector& dims, double eps) {
  Tensor xc = sub(x, ops::mean(x, dims, true));
  Tensor rstd = rsqrt(add(ops::mean(mul(xc, xc), dims, true), Scalar(eps)));
  return {rstd, mul(xc, rstd)};
}

// Input gradient of a normalisation from the gradient gy reaching xhat (g times the weight):
// rstd * (gy - mean(gy) - xhat * mean(gy * xhat)), means over `dims`.
Tensor normalize_grad_ops(const OpNorm& n, const Tensor& gy, const DimVector& dims) {
  Tensor centred = sub(sub(gy, ops::mean(gy, dims, true)), mul(n.xhat, ops::mean(mul(gy, n.xhat), dims, true)));
  return mul(n.rstd, centred);
}

// Forward mode of a normalisation out = xhat · w + b, given xhat's tangent
// (undefined when the input has none): t_xhat · w + xhat · t_w + t_b, the
// parameters laid out as `cs`. For a normalisation over `dims`, t_xhat is
// normalize_grad_ops(n, t_input, dims): the Jacobian of x -> xhat is symmetric.
Tensor normalized_affine_tangent(const OpNorm& n, const Tensor& t_xhat, const Tensor& w, const Tensor& b,
                                 const DimVector& cs) {
  Tensor t = t_xhat;
  if (t.defined() && w.defined()) t = mul(t, reshape(w, cs));
  t = forward_ad::add_tangents(t, forward_ad::term(w, [&](const Tensor& tw) { return mul(n.xhat, reshape(tw, cs)); }));
  return forward_ad::add_tangents(t, forward_ad::term(b, [&](const Tensor& tb) { return reshape(tb, cs); }));
}

// ------------------------------------------------------------------ batch norm

struct NativeBatchNormBackward0 : Node {
  static constexpr bool jvp = true;  // tangent below
  SavedTensor input, weight, running_mean, running_var, result1, result2;
  bool training = false;
  double eps = 0;
  std::vector<double> mean, invstd;  // the statistics used, in double
  const char* name() const override { return "NativeBatchNormBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("eps", Scalar(eps)));
    out.push_back(SavedField::of("input", input));
    out.push_back(SavedField::of("result1", result1));
    out.push_back(SavedField::of("result2", result2));
    out.push_back(running_mean.defined() ? SavedField::of("running_mean", running_mean)
                                         : SavedField::none("running_mean"));
    out.push_back(running_var.defined() ? SavedField::of("running_var", running_var)
                                        : SavedField::none("running_var"));
    out.push_back(SavedField::of("training", Scalar(training)));
    out.push_back(weight.defined() ? SavedField::of("weight", weight) : SavedField::none("weight"));
  }
  void release_variables() override {
    input.release();
    weight.release();
    running_mean.release();
    running_var.release();
    result1.release();
    result2.release();
  }

  TensorList apply(TensorList&& grads) override {
    Tensor x = input.unpack(*this);
    Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    const Tensor& g = grads[0];
    if (autograd::GradMode::is_enabled()) return composite(x, w, g);
    const int64_t N = x.sizes()[0], C = x.sizes()[1], L = x.numel() / std::max<int64_t>(N * C, 1);
    const int64_t M = N * L;
    Tensor xc = dense_raw(x, x.dtype()), gc = grad_of(g, x.dtype());
    std::vector<double> wv = as_doubles(w, C, 1.0);
    std::vector<double> sg_r(static_cast<size_t>(N * C)), sgx_r(static_cast<size_t>(N * C));
    kernels::row_grad_sums(gc, xc, N * C, L, C, mean.data(), sg_r.data(), sgx_r.data());
    std::vector<double> sg(size_t(C), 0.0), sgx(size_t(C), 0.0);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) {
        sg[c] += sg_r[n * C + c];
        sgx[c] += sgx_r[n * C + c];
      }
    TensorList out(3);
    if (should_compute(0)) {
      std::vector<double> a(static_cast<size_t>(C)), b(static_cast<size_t>(C)), k(static_cast<size_t>(C));
      for (int64_t c = 0; c < C; ++c) {
        a[c] = wv[c] * invstd[c];
        if (training) {
          b[c] = M ? -a[c] * invstd[c] * invstd[c] * sgx[c] / double(M) : 0.0;
          k[c] = M ? -a[c] * sg[c] / double(M) : 0.0;
        }
      }
      Tensor gi = st::empty(x.sizes(), x.dtype());
      kernels::row_grad_input(gi, gc, xc, N * C, L, C, a.data(), training ? b.data() : nullptr, mean.data(),
                              k.data());
      out[0] = gi;
    }
    if (should_compute(1)) {
      std::vector<double> gw(static_cast<size_t>(C));
      for (int64_t c = 0; c < C; ++c) gw[c] = sgx[c] * invstd[c];
      out[1] = from_doubles(gw, {C}, w.dtype());
    }
    if (should_compute(2)) out[2] = from_doubles(sg, {C}, x.dtype());
    return out;
  }

  // The same formulas with ops, statistics recomputed from x (differentiable again).
  TensorList composite(const Tensor& x, const Tensor& w, const Tensor& g) {
    const DimVector dims = all_but(x.dim(), 1), cs = channel_shape(x);
    OpNorm n;
    if (training) {
      n = normalize_ops(x, dims, eps);
    } else {  // the running statistics are constants
      n.rstd = rsqrt(add(reshape(running_var.unpack(*this), cs), Scalar(eps)));
      n.xhat = mul(sub(x, reshape(running_mean.unpack(*this), cs)), n.rstd);
    }
    TensorList out(3);
    if (should_compute(0)) {
      Tensor gy = w.defined() ? mul(g, reshape(w, cs)) : g;
      out[0] = training ? normalize_grad_ops(n, gy, dims) : mul(gy, n.rstd);
    }
    if (should_compute(1)) out[1] = ops::sum(mul(g, n.xhat), dims, false);
    if (should_compute(2)) out[2] = ops::sum(g, dims, false);
    return out;
  }

  // Forward mode of the output (statistics from the batch, or the running ones as constants).
  static Tensor tangent(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& running_mean,
                        const Tensor& running_var, bool training, double eps) {
    const DimVector dims = all_but(x.dim(), 1), cs = channel_shape(x);
    OpNorm n;
    if (training) {
      n = normalize_ops(x, dims, eps);
    } else {
      n.rstd = rsqrt(add(reshape(running_var, cs), Scalar(eps)));
      n.xhat = mul(sub(x, reshape(running_mean, cs)), n.rstd);
    }
    Tensor t_xhat = forward_ad::term(x, [&](const Tensor& tx) {
      return training ? normalize_grad_ops(n, tx, dims) : mul(tx, n.rstd);
    });
    return normalized_affine_tangent(n, t_xhat, w, b, cs);
  }
};

// ------------------------------------------------------------------ layer norm

struct NativeLayerNormBackward0 : Node {
  static constexpr bool jvp = true;  // normalized_affine_tangent over the trailing dims
  SavedTensor input, weight, bias, result1, result2;
  DimVector normalized_shape;
  std::vector<double> mean, rstd;
  double eps = 0;
  const char* name() const override { return "NativeLayerNormBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(bias.defined() ? SavedField::of("bias", bias) : SavedField::none("bias"));
    out.push_back(SavedField::of("input", input));
    out.push_back(SavedField::of("normalized_shape", normalized_shape));
    out.push_back(SavedField::of("result1", result1));
    out.push_back(SavedField::of("result2", result2));
    out.push_back(weight.defined() ? SavedField::of("weight", weight) : SavedField::none("weight"));
  }
  void release_variables() override {
    input.release();
    weight.release();
    bias.release();
    result1.release();
    result2.release();
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = input.unpack(*this);
    Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    const Tensor& g = grads[0];
    const int64_t k = int64_t(normalized_shape.size());
    DimVector dims;
    for (int64_t i = x.dim() - k; i < x.dim(); ++i) dims.push_back(i);
    TensorList out(3);
    if (autograd::GradMode::is_enabled()) {
      OpNorm n = normalize_ops(x, dims, eps);
      if (should_compute(0)) out[0] = normalize_grad_ops(n, w.defined() ? mul(g, w) : g, dims);
      if (should_compute(1)) out[1] = sum_to(mul(g, n.xhat), normalized_shape);
      if (should_compute(2)) out[2] = sum_to(g, normalized_shape);
      return out;
    }
    int64_t L = 1;
    for (auto s : normalized_shape) L *= s;
    const int64_t R = L ? x.numel() / L : 0;
    Tensor gi = should_compute(0) ? st::empty(x.sizes(), x.dtype()) : Tensor();
    Tensor gwt = should_compute(1) ? st::empty(normalized_shape, x.dtype()) : Tensor();
    Tensor gbt = should_compute(2) ? st::empty(normalized_shape, x.dtype()) : Tensor();
    kernels::layer_norm_backward(gi, gwt, gbt, grad_of(g, x.dtype()), dense_raw(x, x.dtype()), R, L, mean.data(),
                                 rstd.data(), w.defined() ? dense_raw(w, x.dtype()) : Tensor());
    return {gi, gwt, gbt};
  }
};

// ------------------------------------------------------------------ group norm

struct NativeGroupNormBackward0 : Node {
  static constexpr bool jvp = true;  // tangent below
  SavedTensor input, weight, result1, result2;
  int64_t N = 0, C = 0, HxW = 0, group = 1;
  double eps = 0;
  std::vector<double> mean, rstd;  // (N, group)
  const char* name() const override { return "NativeGroupNormBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("C", Scalar(C)));
    out.push_back(SavedField::of("HxW", Scalar(HxW)));
    out.push_back(SavedField::of("N", Scalar(N)));
    out.push_back(SavedField::of("eps", Scalar(eps)));
    out.push_back(SavedField::of("group", Scalar(group)));
    out.push_back(SavedField::of("input", input));
    out.push_back(SavedField::of("result1", result1));
    out.push_back(SavedField::of("result2", result2));
    out.push_back(weight.defined() ? SavedField::of("weight", weight) : SavedField::none("weight"));
  }
  void release_variables() override {
    input.release();
    weight.release();
    result1.release();
    result2.release();
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = input.unpack(*this);
    Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    const Tensor& g = grads[0];
    const DimVector cdims = all_but(x.dim(), 1), cs = channel_shape(x);
    TensorList out(3);
    if (autograd::GradMode::is_enabled()) {
      OpNorm n = normalize_ops(reshape(x, {N, group, -1}), {2}, eps);  // per (sample, group)
      Tensor xhat = reshape(n.xhat, x.sizes());
      if (should_compute(0)) {
        Tensor gy = reshape(w.defined() ? mul(g, reshape(w, cs)) : g, {N, group, -1});
        out[0] = reshape(normalize_grad_ops(n, gy, {2}), x.sizes());
      }
      if (should_compute(1)) out[1] = ops::sum(mul(g, xhat), cdims, false);
      if (should_compute(2)) out[2] = ops::sum(g, cdims, false);
      return out;
    }
    const int64_t cpg = C / group, M = cpg * HxW, R = N * C;
    Tensor xc = dense_raw(x, x.dtype()), gc = grad_of(g, x.dtype());
    std::vector<double> wv = as_doubles(w, C, 1.0);
    std::vector<double> shift(static_cast<size_t>(R)), sg(static_cast<size_t>(R)), sgx(static_cast<size_t>(R));
    for (int64_t r = 0; r < R; ++r) shift[r] = mean[(r / C) * group + (r % C) / cpg];
    kernels::row_grad_sums(gc, xc, R, HxW, R, shift.data(), sg.data(), sgx.data());
    if (should_compute(0)) {
      std::vector<double> a(static_cast<size_t>(R)), b(static_cast<size_t>(R)), k(static_cast<size_t>(R));
      for (int64_t n = 0; n < N; ++n)
        for (int64_t gr = 0; gr < group; ++gr) {
          const int64_t ng = n * group + gr;
          const double s = rstd[ng];
          double s1 = 0, s2 = 0;
          for (int64_t c = gr * cpg; c < (gr + 1) * cpg; ++c) {
            s1 += wv[c] * sg[n * C + c];
            s2 += wv[c] * sgx[n * C + c];
          }
          s2 *= s;  // sum of g * w * xhat over the group
          const double bb = M ? -s * s * s2 / double(M) : 0.0;
          const double kk = M ? -s * s1 / double(M) : 0.0;
          for (int64_t c = gr * cpg; c < (gr + 1) * cpg; ++c) {
            a[n * C + c] = s * wv[c];
            b[n * C + c] = bb;
            k[n * C + c] = kk;
          }
        }
      Tensor gi = st::empty(x.sizes(), x.dtype());
      kernels::row_grad_input(gi, gc, xc, R, HxW, R, a.data(), b.data(), shift.data(), k.data());
      out[0] = gi;
    }
    if (should_compute(1) || should_compute(2)) {
      std::vector<double> gw(size_t(C), 0.0), gb(size_t(C), 0.0);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c) {
          gw[c] += rstd[n * group + c / cpg] * sgx[n * C + c];
          gb[c] += sg[n * C + c];
        }
      if (should_compute(1)) out[1] = from_doubles(gw, {C}, x.dtype());
      if (should_compute(2)) out[2] = from_doubles(gb, {C}, x.dtype());
    }
    return out;
  }

  // Forward mode: normalised per (sample, group), then the per-channel affine map.
  static Tensor tangent(const Tensor& x, const Tensor& w, const Tensor& b, int64_t N, int64_t group, double eps) {
    OpNorm n = normalize_ops(reshape(x, {N, group, -1}), {2}, eps);
    Tensor t_xhat = forward_ad::term(x, [&](const Tensor& tx) {
      return reshape(normalize_grad_ops(n, reshape(tx, {N, group, -1}), {2}), x.sizes());
    });
    n.xhat = reshape(n.xhat, x.sizes());
    return normalized_affine_tangent(n, t_xhat, w, b, channel_shape(x));
  }
};

void check_channel_param(const Tensor& p, const char* what, int64_t C) {
  if (p.defined())
    ST_CHECK(p.numel() == C, what, " should contain ", C, " elements not ", p.numel());
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                                     const Tensor& running_mean, const Tensor& running_var,
                                                     bool training, double momentum, double eps) {
  check_norm_dtype(input, "batch_norm");
  ST_CHECK(input.dim() >= 2, "batch_norm: expected input with at least 2 dims, got ", input.dim());
  const int64_t N = input.sizes()[0], C = input.sizes()[1];
  const int64_t L = N * C ? input.numel() / (N * C) : 0, R = N * C, M = N * L;
  check_channel_param(running_mean, "running_mean", C);
  check_channel_param(running_var, "running_var", C);
  check_channel_param(weight, "weight", C);
  check_channel_param(bias, "bias", C);
  ST_CHECK(training || (running_mean.defined() && running_var.defined()),
           "running_mean and running_var must be defined in evaluation mode");
  check_param_dtypes(input, {&weight, &bias}, true);
  check_param_dtypes(input, {&running_mean, &running_var});

  Tensor x = dense_raw(input, input.dtype());
  std::vector<double> mean(size_t(C), 0.0), invstd(size_t(C), 0.0);
  if (training) {
    std::vector<double> rm(static_cast<size_t>(R)), rm2(static_cast<size_t>(R));
    kernels::row_moments(x, R, L, rm.data(), rm2.data());
    std::vector<double> var(size_t(C), 0.0);
    for (int64_t c = 0; c < C; ++c) {
      double m = 0;
      for (int64_t n = 0; n < N; ++n) m += rm[n * C + c];
      m = N ? m / double(N) : 0.0;
      double m2 = 0;  // Chan et al.: within-row M2 plus the spread of the row means
      for (int64_t n = 0; n < N; ++n) {
        const double d = rm[n * C + c] - m;
        m2 += rm2[n * C + c] + double(L) * d * d;
      }
      mean[c] = M ? m : std::nan("");
      var[c] = M ? m2 / double(M) : std::nan("");
      invstd[c] = 1.0 / std::sqrt(var[c] + eps);
    }
    if (running_mean.defined() || running_var.defined()) {
      if (running_mean.defined()) {
        std::vector<double> r = as_doubles(running_mean, C, 0.0);
        for (int64_t c = 0; c < C; ++c) r[c] = (1.0 - momentum) * r[c] + momentum * mean[c];
        write_doubles(running_mean, r);
      }
      if (running_var.defined()) {
        std::vector<double> r = as_doubles(running_var, C, 0.0);
        const double unbias = M > 1 ? double(M) / double(M - 1) : std::numeric_limits<double>::infinity();
        for (int64_t c = 0; c < C; ++c) r[c] = (1.0 - momentum) * r[c] + momentum * var[c] * unbias;
        write_doubles(running_var, r);
      }
    }
  } else {
    mean = as_doubles(running_mean, C, 0.0);
    std::vector<double> rv = as_doubles(running_var, C, 1.0);
    for (int64_t c = 0; c < C; ++c) invstd[c] = 1.0 / std::sqrt(rv[c] + eps);
  }
  std::vector<double> wv = as_doubles(weight, C, 1.0), bv = as_doubles(bias, C, 0.0);
  std::vector<double> scale(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) scale[c] = wv[c] * invstd[c];
  Tensor out = st::empty(input.sizes(), input.dtype());
  if (R) kernels::row_affine(out, x, R, L, C, mean.data(), scale.data(), bv.data());
  Tensor save_mean = training ? from_doubles(mean, {C}, input.dtype()) : st::empty({0}, input.dtype());
  Tensor save_invstd = training ? from_doubles(invstd, {C}, input.dtype()) : st::empty({0}, input.dtype());
  if (auto n = make_node<NativeBatchNormBackward0>({&input, &weight, &bias})) {
    n->input.save(input);
    if (weight.defined()) n->weight.save(weight);
    if (running_mean.defined()) n->running_mean.save(running_mean);
    if (running_var.defined()) n->running_var.save(running_var);
    n->result1.save(save_mean);
    n->result2.save(save_invstd);
    n->training = training;
    n->eps = eps;
    n->mean = std::move(mean);
    n->invstd = std::move(invstd);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input, &weight, &bias}, [&] {
    return NativeBatchNormBackward0::tangent(input, weight, bias, running_mean, running_var, training, eps);
  });
  return {out, save_mean, save_invstd};
}

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, const DimVector& normalized_shape,
                                                     const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t k = int64_t(normalized_shape.size());
  ST_CHECK(k >= 1, "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, "
                   "but got normalized_shape = ", shape_str(normalized_shape));
  ST_CHECK(!weight.defined() || weight.sizes() == normalized_shape,
           "Expected weight to be of same shape as normalized_shape, but got weight of shape ",
           shape_str(weight.sizes()), " and normalized_shape = ", shape_str(normalized_shape));
  ST_CHECK(!bias.defined() || bias.sizes() == normalized_shape,
           "Expected bias to be of same shape as normalized_shape, but got bias of shape ", shape_str(bias.sizes()),
           " and normalized_shape = ", shape_str(normalized_shape));
  bool fits = input.dim() >= k;
  for (int64_t i = 0; fits && i < k; ++i) fits = input.sizes()[input.dim() - k + i] == normalized_shape[i];
  if (!fits) {
    std::string star = "[*";
    for (auto s : normalized_shape) star += ", " + std::to_string(s);
    throw Error(str("Given normalized_shape=", shape_str(normalized_shape), ", expected input with shape ", star,
                    "], but got input of size", shape_str(input.sizes())));
  }
  check_norm_dtype(input, "LayerNormKernelImpl");
  check_param_dtypes(input, {&weight, &bias});
  int64_t L = 1;
  for (auto s : normalized_shape) L *= s;
  const int64_t R = L ? input.numel() / L : 0;
  Tensor x = dense_raw(input, input.dtype());
  std::vector<double> mean(static_cast<size_t>(R)), rstd(static_cast<size_t>(R));
  kernels::row_moments(x, R, L, mean.data(), rstd.data());
  for (int64_t r = 0; r < R; ++r) rstd[r] = 1.0 / std::sqrt(rstd[r] / double(L) + eps);
  Tensor out = st::empty(input.sizes(), input.dtype());
  kernels::layer_norm_forward(out, x, R, L, mean.data(), rstd.data(),
                              weight.defined() ? dense_raw(weight, x.dtype()) : Tensor(),
                              bias.defined() ? dense_raw(bias, x.dtype()) : Tensor());
  DimVector stat_shape(input.sizes().begin(), input.sizes().end() - k);
  for (int64_t i = 0; i < k; ++i) stat_shape.push_back(1);
  Tensor mean_t = from_doubles(mean, stat_shape, input.dtype()), rstd_t = from_doubles(rstd, stat_shape, input.dtype());
  if (auto n = make_node<NativeLayerNormBackward0>({&input, &weight, &bias})) {
    n->input.save(input);
    if (weight.defined()) n->weight.save(weight);
    if (bias.defined()) n->bias.save(bias);
    n->result1.save(mean_t);
    n->result2.save(rstd_t);
    n->normalized_shape = normalized_shape;
    n->eps = eps;
    n->mean = std::move(mean);
    n->rstd = std::move(rstd);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input, &weight, &bias}, [&] {
    DimVector dims;
    for (int64_t i = input.dim() - k; i < input.dim(); ++i) dims.push_back(i);
    const OpNorm n = normalize_ops(input, dims, eps);
    const Tensor t_xhat = forward_ad::term(input, [&](const Tensor& tx) { return normalize_grad_ops(n, tx, dims); });
    return normalized_affine_tangent(n, t_xhat, weight, bias, normalized_shape);
  });
  return {out, mean_t, rstd_t};
}

std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                                     int64_t groups, double eps) {
  ST_CHECK(input.dim() >= 2, "Expected at least 2 dimensions for input tensor but received ", input.dim());
  const int64_t N = input.sizes()[0], C = input.sizes()[1];
  ST_CHECK(groups > 0 && C % groups == 0,
           "Expected number of channels in input to be divisible by num_groups, but got input of shape ",
           shape_str(input.sizes()), " and num_groups=", groups);
  ST_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == C),
           "Expected weight to be a vector of size equal to the number of channels in input, but got weight of "
           "shape ", shape_str(weight.sizes()), " and input of shape ", shape_str(input.sizes()));
  ST_CHECK(!bias.defined() || (bias.dim() == 1 && bias.numel() == C),
           "Expected bias to be a vector of size equal to the number of channels in input, but got bias of shape ",
           shape_str(bias.sizes()), " and input of shape ", shape_str(input.sizes()));
  check_norm_dtype(input, "GroupNormKernelImpl");
  check_param_dtypes(input, {&weight, &bias});
  const int64_t HxW = N * C ? input.numel() / (N * C) : 0, cpg = C / groups, G = N * groups;
  Tensor x = dense_raw(input, input.dtype());
  std::vector<double> mean(static_cast<size_t>(G)), rstd(static_cast<size_t>(G));
  kernels::row_moments(x, G, cpg * HxW, mean.data(), rstd.data());
  for (int64_t i = 0; i < G; ++i) {
    const double M = double(cpg * HxW);
    rstd[i] = 1.0 / std::sqrt((M ? rstd[i] / M : std::nan("")) + eps);
  }
  std::vector<double> wv = as_doubles(weight, C, 1.0), bv = as_doubles(bias, C, 0.0);
  std::vector<double> center(static_cast<size_t>(N * C)), scale(static_cast<size_t>(N * C)),
      shift(static_cast<size_t>(N * C));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const int64_t ng = n * groups + c / cpg;
      center[n * C + c] = mean[ng];
      scale[n * C + c] = rstd[ng] * wv[c];
      shift[n * C + c] = bv[c];
    }
  Tensor out = st::empty(input.sizes(), input.dtype());
  if (N * C) kernels::row_affine(out, x, N * C, HxW, N * C, center.data(), scale.data(), shift.data());
  Tensor mean_t = from_doubles(mean, {N, groups}, input.dtype()), rstd_t = from_doubles(rstd, {N, groups}, input.dtype());
  if (auto n = make_node<NativeGroupNormBackward0>({&input, &weight, &bias})) {
    n->input.save(input);
    if (weight.defined()) n->weight.save(weight);
    n->result1.save(mean_t);
    n->result2.save(rstd_t);
    n->N = N;
    n->C = C;
    n->HxW = HxW;
    n->group = groups;
    n->eps = eps;
    n->mean = std::move(mean);
    n->rstd = std::move(rstd);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input, &weight, &bias},
                  [&] { return NativeGroupNormBackward0::tangent(input, weight, bias, N, groups, eps); });
  return {out, mean_t, rstd_t};
}

}  // namespace st::ops
