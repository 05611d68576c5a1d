// Multi-tensor optimiser updates (see optim.h). Each update is written as
// PyTorch's single-tensor optimiser writes it, op by op, so a float32
// parameter sees the same roundings (fused multiply-adds where PyTorch's ops
// fuse, kernels/isa_optim.h; the Python numbers rounded to the parameter's
// dtype where PyTorch's scalar arguments are).
#include "optim.h"
#include <algorithm>
#include <cmath>
#include <string>
#include "../kernels/isa.h"
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
// dispatch tag). The parameters' elements are split over the pool as one range (one fork-join
// per call, however many parameters; many small parameters share a thread's chunk).
template <class Body>
void each_param(const std::vector<Tensor>& params, Body&& body) {
  std::vector<int64_t> start(params.size() + 1, 0);
  for (size_t i = 0; i < params.size(); ++i) start[i + 1] = start[i] + params[i].numel();
  kernels::parallel_for(0, start.back(), kernels::kGrainSize, [&](int64_t b, int64_t e) {
    size_t i = size_t(std::upper_bound(start.begin(), start.end(), b) - start.begin()) - 1;
    for (; i < params.size() && start[i] < e; ++i) {
      const int64_t lo = std::max(b, start[i]) - start[i], hi = std::min(e, start[i + 1]) - start[i];
      if (hi > lo) dispatch_floating(params[i].dtype(), [&](auto tag) { body(tag, i, lo, hi); });
    }
  });
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

bool foreach_eligible(const std::vector<Tensor>& params, const std::vector<std::vector<Tensor>>& lists) {
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    if (!p.defined() || (p.dtype() != ScalarType::Float32 && p.dtype() != ScalarType::Float64) || !p.is_contiguous())
      return false;
    for (const std::vector<Tensor>& ts : lists) {
      if (ts.size() != params.size()) return false;
      const Tensor& t = ts[i];
      if (t.defined() && (t.dtype() != p.dtype() || t.sizes() != p.sizes() || !t.is_contiguous())) return false;
    }
  }
  return true;
}

void foreach_sgd(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 std::vector<Tensor>& bufs, const SgdOptions& o) {
  check_list("_foreach_sgd", "grads", params, grads);
  const bool use_buf = o.momentum != 0;
  if (use_buf) {
    check_list("_foreach_sgd", "momentum_buffers", params, bufs, true);
  }
  std::vector<char> fresh(params.size(), 0);
  for (size_t i = 0; use_buf && i < params.size(); ++i) {
    fresh[i] = !bufs[i].defined();
    state_for(bufs[i], params[i], 0.0);
  }
  each_param(params, [&](auto tag, size_t i, int64_t b, int64_t e) {
    using T = typename decltype(tag)::type;
    const kernels::SgdArgs<T> a{ptr<T>(params[i]), ptr<T>(grads[i]), use_buf ? ptr<T>(bufs[i]) : nullptr,
                                T(o.weight_decay), T(o.momentum), T(1 - o.dampening), T(-o.lr), o.maximize,
                                o.weight_decay != 0, o.nesterov, fresh[i] != 0};
    kernels::optim_loops<T>().sgd(a, b, e);
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
    const double bc1 = 1 - std::pow(o.beta1, steps[i]), bc2 = 1 - std::pow(o.beta2, steps[i]);
    const kernels::AdamArgs<T> a{ptr<T>(params[i]), ptr<T>(grads[i]), ptr<T>(exp_avgs[i]), ptr<T>(exp_avg_sqs[i]),
                                 o.amsgrad ? ptr<T>(max_exp_avg_sqs[i]) : nullptr, T(-(o.lr / bc1)),
                                 T(std::sqrt(bc2)), T(o.eps), T(1 - o.beta1), T(o.beta2), T(1 - o.beta2),
                                 T(o.weight_decay), T(1 - o.lr * o.weight_decay), o.maximize, o.weight_decay != 0,
                                 o.decoupled_weight_decay};
    kernels::optim_loops<T>().adam(a, b, e);
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
    const kernels::RmspropArgs<T> a{ptr<T>(params[i]), ptr<T>(grads[i]), ptr<T>(square_avgs[i]),
                                    o.centered ? ptr<T>(grad_avgs[i]) : nullptr,
                                    o.momentum > 0 ? ptr<T>(bufs[i]) : nullptr, T(o.alpha), T(1 - o.alpha),
                                    T(o.eps), T(o.weight_decay), T(o.momentum), T(-o.lr), o.maximize,
                                    o.weight_decay != 0};
    kernels::optim_loops<T>().rmsprop(a, b, e);
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
    const kernels::AdagradArgs<T> a{ptr<T>(params[i]), ptr<T>(grads[i]), ptr<T>(state_sums[i]),
                                    T(-(o.lr / (1 + (steps[i] - 1) * o.lr_decay))), T(o.eps), T(o.weight_decay),
                                    o.maximize, o.weight_decay != 0};
    kernels::optim_loops<T>().adagrad(a, b, e);
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
    const kernels::AdadeltaArgs<T> a{ptr<T>(params[i]), ptr<T>(grads[i]), ptr<T>(square_avgs[i]),
                                     ptr<T>(acc_deltas[i]), T(o.rho), T(1 - o.rho), T(o.eps), T(o.weight_decay),
                                     T(-o.lr), o.maximize, o.weight_decay != 0};
    kernels::optim_loops<T>().adadelta(a, b, e);
  });
  bump(params);
  bump(square_avgs);
  bump(acc_deltas);
}

}  // namespace st::ops
