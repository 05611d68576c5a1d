// The per-element optimiser updates (ops/optim.cpp), as loops compiled once per ISA
// (isa_optim.h, included by isa_impl.h) and reached through isa().optim_f32 / optim_f64.
// Each loop updates the elements [b, e) of one contiguous parameter and its state. The
// scalars are already rounded to T where PyTorch rounds its Python-number arguments; the
// loops are compiled without floating-point contraction, so every product and sum rounds
// as PyTorch's op-by-op single-tensor optimisers round them.
#pragma once
#include <cstdint>

namespace st::kernels {

template <typename T>
struct SgdArgs {
  T* p;
  const T* g;
  T* buf;                    // the momentum buffer; null without momentum
  T wd, mom, damp, neg_lr;   // damp = 1 - dampening, neg_lr = -lr
  bool maximize, weight_decay, nesterov;
  bool fresh;                // the buffer starts as this step's gradient (its first step)
};

template <typename T>
struct AdamArgs {
  T* p;
  const T* g;
  T *m, *v, *vmax;                // vmax: null unless amsgrad
  T step_size;                    // -(lr / (1 - beta1^step))
  T bc2_sqrt, eps, w1, b2, w2;    // w1 = 1 - beta1, w2 = 1 - beta2
  T wd, decay;                    // decay = 1 - lr * weight_decay (AdamW)
  bool maximize, weight_decay, decoupled;
};

template <typename T>
struct RmspropArgs {
  T* p;
  const T* g;
  T *sq, *ga, *buf;  // ga: null unless centered; buf: null without momentum
  T alpha, w, eps, wd, mom, neg_lr;
  bool maximize, weight_decay;
};

template <typename T>
struct AdagradArgs {
  T* p;
  const T* g;
  T* sum;
  T clr, eps, wd;  // clr = -lr / (1 + (step - 1) * lr_decay)
  bool maximize, weight_decay;
};

template <typename T>
struct AdadeltaArgs {
  T* p;
  const T* g;
  T *sq, *acc;
  T rho, w, eps, wd, neg_lr;
  bool maximize, weight_decay;
};

template <typename T>
struct OptimLoops {
  void (*sgd)(const SgdArgs<T>& a, int64_t b, int64_t e);
  void (*adam)(const AdamArgs<T>& a, int64_t b, int64_t e);
  void (*rmsprop)(const RmspropArgs<T>& a, int64_t b, int64_t e);
  void (*adagrad)(const AdagradArgs<T>& a, int64_t b, int64_t e);
  void (*adadelta)(const AdadeltaArgs<T>& a, int64_t b, int64_t e);
};

}  // namespace st::kernels
