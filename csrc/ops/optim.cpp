// Multi-tensor optimiser updates (see optim.h). Each update is written as
// PyTorch's single-tensor optimiser writes it, op by op, so a float32
// parameter sees the same roundings (the Python numbers rounded to the
// parameter's dtype where PyTorch's scalar arguments are).
#include "optim.h"
#include <cmath>
#include <string>
#include "../kernels/parallel.h"
#include "internal.h"

namespace st::ops {
namespace {

// The checks every list goes through: one entry per parameter, float32/float64, contiguous, the
// parameter's dtype and shape. `what` names the list in messages.
void check_list(const char* op, const char* what, const std::vector<Tensor>& params, const std::vector<Tensor>& ts,
                bool may_be_undefined = false) {
  ST_CHECK(ts.size() == params.size(), op, ": expected ", params.size(), " ", what, " (one per parameter), got ",
           ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& p = params[i];
    const Tensor& t = ts[i];
    if (!t.defined()) {
      ST_CHECK(may_be_undefined, op, ": ", what, "[", i, "] is None");
      continue;
    }
    ST_CHECK(p.defined(), op, ": params[", i, "] is None");
    ST_CHECK(is_floating(p.dtype()), op, ": parameters must be floating point, but params[", i, "] has dtype ",
             dtype_name(p.dtype()));
    ST_CHECK(t.dtype() == p.dtype(), op, ": ", what, "[", i, "] has dtype ", dtype_name(t.dtype()),
             " but its parameter has dtype ", dtype_name(p.dtype()));
    ST_CHECK(t.sizes() == p.sizes(), op, ": ", what, "[", i, "] has shape ", shape_str(t.sizes()),
             " but its parameter has shape ", shape_str(p.sizes()));
    ST_CHECK(t.is_contiguous() && p.is_contiguous(), op, ": ", what, "[", i,
             "] and its parameter must be contiguous");
  }
}

// A state tensor for parameter p: t itself, or (undefined) a new one filled with `init`.
Tensor& state_for(Tensor& t, const Tensor& p, double init) {
  if (!t.defined()) t = full(p.sizes(), Scalar(init), p.dtype());
  return t;
}

// Runs body(tag, i, b, e) over the elements [b, e) of each parameter i (tag: the dtype's
// dispatch tag), a large parameter's elements split over the pool.
template <class Body>
void each_param(const std::vector<Tensor>& params, Body&& body) {
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    dispatch_floating(p.dtype(), [&](auto tag) {
      kernels::parallel_for(0, p.numel(), kernels::kGrainSize, [&](int64_t b, int64_t e) { body(tag, i, b, e); });
    });
  }
}

template <typename T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// Advances each parameter's step tensor by one; returns the new counts.
std::vector<double> advance_steps(const char* op, const std::vector<Tensor>& steps, size_t n) {
  ST_CHECK(steps.size() == n, op, ": expected ", n, " step tensors (one per parameter), got ", steps.size());
  std::vector<double> out;
  for (size_t i = 0; i < n; ++i) {
    const Tensor& s = steps[i];
    ST_CHECK(s.defined() && s.numel() == 1 && is_floating(s.dtype()), op, ": state_steps[", i,
             "] must be a one-element floating tensor");
    dispatch_floating(s.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* v = static_cast<T*>(s.impl()->data());
      *v = *v + T(1);
      out.push_back(double(*v));
    });
    s.impl()->bump_version();
  }
  return out;
}

void bump(const std::vector<Tensor>& ts) {
  for (const Tensor& t : ts)
    if (t.defined()) t.impl()->bump_version();
}

}  // namespace

void foreach_sgd(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 std::vector<Tensor>& bufs, const SgdOptions& o) {
  check_list("_foreach_sgd", "grads", params, grads);
  const bool use_buf = o.momentum != 0;
  if (use_buf) {
    check_list("_foreach_sgd", "momentum_buffers", params, bufs, true);
  }
  std::vector<bool> fresh(params.size(), false);
  for (size_t i = 0; use_buf && i < params.size(); ++i) {
    fresh[i] = !bufs[i].defined();
    state_for(bufs[i], params[i], 0.0);
  }
  each_param(params, [&](auto tag, size_t i, int64_t b, int64_t e) {
    using T = typename decltype(tag)::type;
    T* p = ptr<T>(params[i]);
    const T* g = ptr<T>(grads[i]);
    T* buf = use_buf ? ptr<T>(bufs[i]) : nullptr;
    const T wd = T(o.weight_decay), mom = T(o.momentum), damp = T(1 - o.dampening), lr = T(-o.lr);
    for (int64_t k = b; k < e; ++k) {
      T d = o.maximize ? -g[k] : g[k];
      if (o.weight_decay != 0) d = d + wd * p[k];
      if (use_buf) {
        buf[k] = fresh[i] ? d : buf[k] * mom + damp * d;
        d = o.nesterov ? d + mom * buf[k] : buf[k];
      }
      p[k] = p[k] + lr * d;
    }
  });
  bump(params);
  if (use_buf) bump(bufs);
}

void foreach_adam(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  std::vector<Tensor>& exp_avgs, std::vector<Tensor>& exp_avg_sqs,
                  std::vector<Tensor>& max_exp_avg_sqs, const std::vector<Tensor>& step_tensors,
                  const AdamOptions& o) {
  const char* op = "_foreach_adam";
  check_list(op, "grads", params, grads);
  check_list(op, "exp_avgs", params, exp_avgs, true);
  check_list(op, "exp_avg_sqs", params, exp_avg_sqs, true);
  if (o.amsgrad) check_list(op, "max_exp_avg_sqs", params, max_exp_avg_sqs, true);
  const std::vector<double> steps = advance_steps(op, step_tensors, params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    state_for(exp_avgs[i], params[i], 0.0);
    state_for(exp_avg_sqs[i], params[i], 0.0);
    if (o.amsgrad) state_for(max_exp_avg_sqs[i], params[i], 0.0);
  }
  each_param(params, [&](auto tag, size_t i, int64_t b, int64_t e) {
    using T = typename decltype(tag)::type;
    T* p = ptr<T>(params[i]);
    const T* g = ptr<T>(grads[i]);
    T *m = ptr<T>(exp_avgs[i]), *v = ptr<T>(exp_avg_sqs[i]), *vmax = o.amsgrad ? ptr<T>(max_exp_avg_sqs[i]) : nullptr;
    const double bc1 = 1 - std::pow(o.beta1, steps[i]), bc2 = 1 - std::pow(o.beta2, steps[i]);
    const T step_size = T(-(o.lr / bc1)), bc2_sqrt = T(std::sqrt(bc2)), eps = T(o.eps);
    const T w1 = T(1 - o.beta1), b2 = T(o.beta2), w2 = T(1 - o.beta2), wd = T(o.weight_decay);
    const T decay = T(1 - o.lr * o.weight_decay);
    for (int64_t k = b; k < e; ++k) {
      T d = o.maximize ? -g[k] : g[k];
      if (o.weight_decay != 0) {
        if (o.decoupled_weight_decay) p[k] = p[k] * decay;
        else d = d + wd * p[k];
      }
      m[k] = m[k] + w1 * (d - m[k]);  // lerp with weight 1 - beta1 (< 0.5: PyTorch's first form)
      v[k] = v[k] * b2 + w2 * (d * d);
      T s = v[k];
      if (vmax) s = vmax[k] = std::max(vmax[k], v[k]);
      const T denom = std::sqrt(s) / bc2_sqrt + eps;
      p[k] = p[k] + step_size * (m[k] / denom);
    }
  });
  bump(params);
  bump(exp_avgs);
  bump(exp_avg_sqs);
  if (o.amsgrad) bump(max_exp_avg_sqs);
}

void foreach_rmsprop(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     std::vector<Tensor>& square_avgs, std::vector<Tensor>& grad_avgs,
                     std::vector<Tensor>& bufs, const RmspropOptions& o) {
  const char* op = "_foreach_rmsprop";
  check_list(op, "grads", params, grads);
  check_list(op, "square_avgs", params, square_avgs, true);
  if (o.centered) check_list(op, "grad_avgs", params, grad_avgs, true);
  if (o.momentum > 0) check_list(op, "momentum_buffers", params, bufs, true);
  for (size_t i = 0; i < params.size(); ++i) {
    state_for(square_avgs[i], params[i], 0.0);
    if (o.centered) state_for(grad_avgs[i], params[i], 0.0);
    if (o.momentum > 0) state_for(bufs[i], params[i], 0.0);
  }
  each_param(params, [&](auto tag, size_t i, int64_t b, int64_t e) {
    using T = typename decltype(tag)::type;
    T* p = ptr<T>(params[i]);
    const T* g = ptr<T>(grads[i]);
    T *sq = ptr<T>(square_avgs[i]), *ga = o.centered ? ptr<T>(grad_avgs[i]) : nullptr;
    T* buf = o.momentum > 0 ? ptr<T>(bufs[i]) : nullptr;
    const T alpha = T(o.alpha), w = T(1 - o.alpha), eps = T(o.eps), wd = T(o.weight_decay), mom = T(o.momentum);
    const T lr = T(-o.lr);
    for (int64_t k = b; k < e; ++k) {
      T d = o.maximize ? -g[k] : g[k];
      if (o.weight_decay != 0) d = d + wd * p[k];
      sq[k] = sq[k] * alpha + w * (d * d);
      T avg;
      if (ga) {
        ga[k] = ga[k] + w * (d - ga[k]);
        avg = std::sqrt(sq[k] + T(-1) * (ga[k] * ga[k]));
      } else {
        avg = std::sqrt(sq[k]);
      }
      avg = avg + eps;
      if (buf) {
        buf[k] = buf[k] * mom + d / avg;
        p[k] = p[k] + lr * buf[k];
      } else {
        p[k] = p[k] + lr * (d / avg);
      }
    }
  });
  bump(params);
  bump(square_avgs);
  if (o.centered) bump(grad_avgs);
  if (o.momentum > 0) bump(bufs);
}

void foreach_adagrad(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     std::vector<Tensor>& state_sums, const std::vector<Tensor>& step_tensors,
                     const AdagradOptions& o) {
  const char* op = "_foreach_adagrad";
  check_list(op, "grads", params, grads);
  check_list(op, "state_sums", params, state_sums);
  const std::vector<double> steps = advance_steps(op, step_tensors, params.size());
  each_param(params, [&](auto tag, size_t i, int64_t b, int64_t e) {
    using T = typename decltype(tag)::type;
    T* p = ptr<T>(params[i]);
    const T* g = ptr<T>(grads[i]);
    T* sum = ptr<T>(state_sums[i]);
    const T clr = T(-(o.lr / (1 + (steps[i] - 1) * o.lr_decay))), eps = T(o.eps), wd = T(o.weight_decay);
    for (int64_t k = b; k < e; ++k) {
      T d = o.maximize ? -g[k] : g[k];
      if (o.weight_decay != 0) d = d + wd * p[k];
      sum[k] = sum[k] + d * d;
      p[k] = p[k] + clr * (d / (std::sqrt(sum[k]) + eps));
    }
  });
  bump(params);
  bump(state_sums);
}

void foreach_adadelta(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                      std::vector<Tensor>& square_avgs, std::vector<Tensor>& acc_deltas, const AdadeltaOptions& o) {
  const char* op = "_foreach_adadelta";
  check_list(op, "grads", params, grads);
  check_list(op, "square_avgs", params, square_avgs, true);
  check_list(op, "acc_deltas", params, acc_deltas, true);
  for (size_t i = 0; i < params.size(); ++i) {
    state_for(square_avgs[i], params[i], 0.0);
    state_for(acc_deltas[i], params[i], 0.0);
  }
  each_param(params, [&](auto tag, size_t i, int64_t b, int64_t e) {
    using T = typename decltype(tag)::type;
    T* p = ptr<T>(params[i]);
    const T* g = ptr<T>(grads[i]);
    T *sq = ptr<T>(square_avgs[i]), *acc = ptr<T>(acc_deltas[i]);
    const T rho = T(o.rho), w = T(1 - o.rho), eps = T(o.eps), wd = T(o.weight_decay), lr = T(-o.lr);
    for (int64_t k = b; k < e; ++k) {
      T d = o.maximize ? -g[k] : g[k];
      if (o.weight_decay != 0) d = d + wd * p[k];
      sq[k] = sq[k] * rho + w * (d * d);
      const T std_ = std::sqrt(sq[k] + eps);
      const T delta = std::sqrt(acc[k] + eps) / std_ * d;
      acc[k] = acc[k] * rho + w * (delta * delta);
      p[k] = p[k] + lr * delta;
    }
  });
  bump(params);
  bump(square_avgs);
  bump(acc_deltas);
}

}  // namespace st::ops
