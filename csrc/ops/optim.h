// Multi-tensor ("foreach") optimiser updates: one call updates every
// parameter of a group, each parameter in one fused pass over its elements
// (reading param, grad and state once, writing param and state once) instead
// of the 4-8 separate elementwise ops, temporaries and Python calls the
// per-tensor formulation costs. The arithmetic is PyTorch's single-tensor
// optimisers' (torch/optim/*.py), evaluated in the parameter's dtype.
//
// Every list holds one tensor per parameter; params, grads and state tensors
// must be float32 or float64, contiguous, of one dtype and shape per
// parameter. State tensors passed undefined are created (the first step) and
// returned through the same vector. Each call runs under no autograd: it
// bumps the version of every tensor it writes, as in-place ops do.
#pragma once
#include <vector>
#include "../core/tensor.h"

namespace st::ops {

// Whether the foreach_* updates take these lists: every parameter a contiguous float32/float64
// tensor, and every defined tensor of each list (one per parameter) contiguous with its parameter's
// dtype and shape. The Python optimisers take their per-tensor path when not (one C++ call instead
// of a dozen attribute reads per parameter).
bool foreach_eligible(const std::vector<Tensor>& params, const std::vector<std::vector<Tensor>>& lists);

struct SgdOptions {
  double lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
};
// momentum_buffers: read and written when momentum != 0 (undefined: created from the gradient, as
// PyTorch's first step does); ignored otherwise.
void foreach_sgd(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 std::vector<Tensor>& momentum_buffers, const SgdOptions& o);

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool amsgrad = false, maximize = false, decoupled_weight_decay = false;  // decoupled: AdamW
};
// steps: each parameter's step count, a one-element floating tensor (PyTorch's state["step"]), which
// the update advances by one first; max_exp_avg_sqs used with amsgrad.
void foreach_adam(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  std::vector<Tensor>& exp_avgs, std::vector<Tensor>& exp_avg_sqs,
                  std::vector<Tensor>& max_exp_avg_sqs, const std::vector<Tensor>& steps, const AdamOptions& o);

struct RmspropOptions {
  double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;
};
// grad_avgs used when centered, momentum_buffers when momentum > 0.
void foreach_rmsprop(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     std::vector<Tensor>& square_avgs, std::vector<Tensor>& grad_avgs,
                     std::vector<Tensor>& momentum_buffers, const RmspropOptions& o);

struct AdagradOptions {
  double lr = 1e-2, lr_decay = 0, weight_decay = 0, eps = 1e-10;
  bool maximize = false;
};
void foreach_adagrad(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     std::vector<Tensor>& state_sums, const std::vector<Tensor>& steps, const AdagradOptions& o);

struct AdadeltaOptions {
  double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0;
  bool maximize = false;
};
void foreach_adadelta(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                      std::vector<Tensor>& square_avgs, std::vector<Tensor>& acc_deltas, const AdadeltaOptions& o);

}  // namespace st::ops
