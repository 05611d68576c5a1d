// The optimisers' per-element updates (optim_loops.h), compiled once per ISA: included by
// isa_impl.h inside `namespace st::kernels::<isa>`. No includes here.
//
// Each update is written as PyTorch's single-tensor optimiser writes it, op by op, with
// PyTorch's roundings: its add with alpha, lerp and addcmul are one fused multiply-add each
// (std::fma here), addcdiv is (value * t1) / t2 + self, and nothing else is fused (the file
// is compiled without floating-point contraction). A parameter so follows PyTorch's bits. The options that change the arithmetic are template
// flags, so each inner loop is branch-free and vectorises; maximize multiplies the gradient
// by -1 (exact).

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#define ST_NO_CONTRACT
#elif defined(__clang__)
#define ST_NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define ST_NO_CONTRACT
#endif

namespace {

// PyTorch's lerp: start + weight * (end - start), or end - (end - start) * (1 - weight)
// from weight 0.5 up, each one fused multiply-add.
template <typename T>
inline T lerp_fused(T start, T end, T weight) {
  return std::abs(weight) < T(0.5) ? std::fma(weight, end - start, start) : std::fma(start - end, T(1) - weight, end);
}

// Calls f(std::true_type) or f(std::false_type).
template <class F>
inline void with_flag(bool v, F&& f) {
  if (v) f(std::true_type{});
  else f(std::false_type{});
}

// Buf: 0 no momentum, 1 momentum, 2 momentum whose buffer starts as this step's gradient.
template <typename T, bool Wd, int Buf, bool Nesterov>
void sgd_run(const SgdArgs<T>& a, int64_t b, int64_t e) {
  ST_NO_CONTRACT
  T* __restrict p = a.p;
  const T* __restrict g = a.g;
  T* __restrict buf = a.buf;
  const T sgn = a.maximize ? T(-1) : T(1), wd = a.wd, mom = a.mom, damp = a.damp, lr = a.neg_lr;
  for (int64_t k = b; k < e; ++k) {
    const T pk = p[k];
    T d = g[k] * sgn;
    if constexpr (Wd) d = std::fma(pk, wd, d);                        // grad.add(param, alpha=wd)
    if constexpr (Buf != 0) {
      const T nb = Buf == 2 ? d : std::fma(d, damp, buf[k] * mom);    // buf.mul_(mom).add_(grad, alpha=1-damp)
      buf[k] = nb;
      d = Nesterov ? std::fma(nb, mom, d) : nb;                       // grad.add(buf, alpha=mom)
    }
    p[k] = std::fma(d, lr, pk);                                       // param.add_(grad, alpha=-lr)
  }
}

template <typename T>
void sgd_loop(const SgdArgs<T>& a, int64_t b, int64_t e) {
  with_flag(a.weight_decay, [&](auto wd) {
    constexpr bool W = decltype(wd)::value;
    if (!a.buf) return sgd_run<T, W, 0, false>(a, b, e);
    with_flag(a.nesterov, [&](auto nest) {
      constexpr bool N = decltype(nest)::value;
      if (a.fresh) sgd_run<T, W, 2, N>(a, b, e);
      else sgd_run<T, W, 1, N>(a, b, e);
    });
  });
}

// Wd: 0 none, 1 L2 (added to the gradient), 2 decoupled (AdamW).
template <typename T, int Wd, bool Amsgrad>
void adam_run(const AdamArgs<T>& a, int64_t b, int64_t e) {
  ST_NO_CONTRACT
  T* __restrict p = a.p;
  const T* __restrict g = a.g;
  T* __restrict m = a.m;
  T* __restrict v = a.v;
  T* __restrict vmax = a.vmax;
  const T sgn = a.maximize ? T(-1) : T(1), step_size = a.step_size, bc2_sqrt = a.bc2_sqrt, eps = a.eps;
  const T w1 = a.w1, b2 = a.b2, w2 = a.w2, wd = a.wd, decay = a.decay;
  for (int64_t k = b; k < e; ++k) {
    T pk = p[k];
    T d = g[k] * sgn;
    if constexpr (Wd == 2) pk = pk * decay;
    if constexpr (Wd == 1) d = std::fma(pk, wd, d);
    const T mk = lerp_fused(m[k], d, w1);      // exp_avg.lerp_(grad, 1 - beta1)
    m[k] = mk;
    const T vk = std::fma(w2 * d, d, v[k] * b2);  // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    v[k] = vk;
    T s = vk;
    if constexpr (Amsgrad) {
      s = std::max(vmax[k], vk);
      vmax[k] = s;
    }
    const T denom = std::sqrt(s) / bc2_sqrt + eps;
    p[k] = pk + (step_size * mk) / denom;      // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
}

template <typename T>
void adam_loop(const AdamArgs<T>& a, int64_t b, int64_t e) {
  with_flag(a.vmax != nullptr, [&](auto ams) {
    constexpr bool A = decltype(ams)::value;
    if (!a.weight_decay) adam_run<T, 0, A>(a, b, e);
    else if (a.decoupled) adam_run<T, 2, A>(a, b, e);
    else adam_run<T, 1, A>(a, b, e);
  });
}

template <typename T, bool Wd, bool Centered, bool Momentum>
void rmsprop_run(const RmspropArgs<T>& a, int64_t b, int64_t e) {
  ST_NO_CONTRACT
  T* __restrict p = a.p;
  const T* __restrict g = a.g;
  T* __restrict sq = a.sq;
  T* __restrict ga = a.ga;
  T* __restrict buf = a.buf;
  const T sgn = a.maximize ? T(-1) : T(1), alpha = a.alpha, w = a.w, eps = a.eps, wd = a.wd, mom = a.mom;
  const T lr = a.neg_lr;
  for (int64_t k = b; k < e; ++k) {
    const T pk = p[k];
    T d = g[k] * sgn;
    if constexpr (Wd) d = std::fma(pk, wd, d);
    const T sqk = std::fma(w * d, d, sq[k] * alpha);
    sq[k] = sqk;
    T avg;
    if constexpr (Centered) {
      const T gak = lerp_fused(ga[k], d, w);
      ga[k] = gak;
      avg = std::sqrt(std::fma(-gak, gak, sqk));  // square_avg.addcmul(grad_avg, grad_avg, value=-1)
    } else {
      avg = std::sqrt(sqk);
    }
    avg = avg + eps;
    if constexpr (Momentum) {
      const T bk = buf[k] * mom + d / avg;
      buf[k] = bk;
      p[k] = std::fma(bk, lr, pk);
    } else {
      p[k] = pk + (lr * d) / avg;
    }
  }
}

template <typename T>
void rmsprop_loop(const RmspropArgs<T>& a, int64_t b, int64_t e) {
  with_flag(a.weight_decay, [&](auto wd) {
    with_flag(a.ga != nullptr, [&](auto centered) {
      with_flag(a.buf != nullptr, [&](auto mom) {
        rmsprop_run<T, decltype(wd)::value, decltype(centered)::value, decltype(mom)::value>(a, b, e);
      });
    });
  });
}

template <typename T, bool Wd>
void adagrad_run(const AdagradArgs<T>& a, int64_t b, int64_t e) {
  ST_NO_CONTRACT
  T* __restrict p = a.p;
  const T* __restrict g = a.g;
  T* __restrict sum = a.sum;
  const T sgn = a.maximize ? T(-1) : T(1), clr = a.clr, eps = a.eps, wd = a.wd;
  for (int64_t k = b; k < e; ++k) {
    const T pk = p[k];
    T d = g[k] * sgn;
    if constexpr (Wd) d = std::fma(pk, wd, d);
    const T s = std::fma(d, d, sum[k]);  // state_sum.addcmul_(grad, grad, value=1)
    sum[k] = s;
    p[k] = pk + (clr * d) / (std::sqrt(s) + eps);
  }
}

template <typename T>
void adagrad_loop(const AdagradArgs<T>& a, int64_t b, int64_t e) {
  with_flag(a.weight_decay, [&](auto wd) { adagrad_run<T, decltype(wd)::value>(a, b, e); });
}

template <typename T, bool Wd>
void adadelta_run(const AdadeltaArgs<T>& a, int64_t b, int64_t e) {
  ST_NO_CONTRACT
  T* __restrict p = a.p;
  const T* __restrict g = a.g;
  T* __restrict sq = a.sq;
  T* __restrict acc = a.acc;
  const T sgn = a.maximize ? T(-1) : T(1), rho = a.rho, w = a.w, eps = a.eps, wd = a.wd, lr = a.neg_lr;
  for (int64_t k = b; k < e; ++k) {
    const T pk = p[k];
    T d = g[k] * sgn;
    if constexpr (Wd) d = std::fma(pk, wd, d);
    const T sqk = std::fma(w * d, d, sq[k] * rho);
    sq[k] = sqk;
    const T std_ = std::sqrt(sqk + eps);
    const T delta = std::sqrt(acc[k] + eps) / std_ * d;
    acc[k] = std::fma(w * delta, delta, acc[k] * rho);
    p[k] = std::fma(delta, lr, pk);
  }
}

template <typename T>
void adadelta_loop(const AdadeltaArgs<T>& a, int64_t b, int64_t e) {
  with_flag(a.weight_decay, [&](auto wd) { adadelta_run<T, decltype(wd)::value>(a, b, e); });
}

template <typename T>
const OptimLoops<T> kOptimLoops{&sgd_loop<T>, &adam_loop<T>, &rmsprop_loop<T>, &adagrad_loop<T>, &adadelta_loop<T>};

}  // namespace

const OptimLoops<float>* const optim_loops_f32 = &kOptimLoops<float>;
const OptimLoops<double>* const optim_loops_f64 = &kOptimLoops<double>;

#undef ST_NO_CONTRACT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
