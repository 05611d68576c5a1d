// Sampling ops over a Generator (nullptr: the default one): bernoulli, multinomial, poisson, randperm, the
// in-place random fills of Tensor (random_, exponential_, geometric_, cauchy_, log_normal_, bernoulli_) and
// the standard Gamma draw behind distributions.Gamma/Beta/Dirichlet. Checks and messages follow PyTorch.
#pragma once
#include <optional>
#include "ops.h"

namespace st::ops {

Tensor randperm(int64_t n, ScalarType dtype, kernels::Generator* g = nullptr);
Tensor bernoulli(const Tensor& p, kernels::Generator* g = nullptr);            // draws with probabilities p
Tensor bernoulli(const Tensor& self, double p, kernels::Generator* g = nullptr);  // self's shape and dtype
Tensor& bernoulli_(Tensor& self, double p, kernels::Generator* g = nullptr);
Tensor& bernoulli_(Tensor& self, const Tensor& p, kernels::Generator* g = nullptr);
Tensor multinomial(const Tensor& probs, int64_t n, bool replacement, kernels::Generator* g = nullptr);
Tensor poisson(const Tensor& rates, kernels::Generator* g = nullptr);
// Gamma(alpha, 1) draws; records StandardGammaBackward0 (grad * standard_gamma_grad(alpha, result)) when alpha
// requires grad: the implicit reparameterisation of the draw.
Tensor standard_gamma(const Tensor& alpha, kernels::Generator* g = nullptr);
// d sample / d alpha of Gamma(alpha, 1) samples, and PyTorch's _dirichlet_grad (kernels/random.h); arguments
// broadcast, all of the first one's floating dtype. Their node raises when reached: PyTorch has no derivative.
Tensor standard_gamma_grad(const Tensor& self, const Tensor& output);
Tensor dirichlet_grad(const Tensor& x, const Tensor& alpha, const Tensor& total);
// random_(): the dtype's whole range; random_(to): [0, to); random_(from, to): [from, to) (to absent: the max)
Tensor& random_(Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to,
                kernels::Generator* g = nullptr);
Tensor& exponential_(Tensor& self, double lambd, kernels::Generator* g = nullptr);
Tensor& geometric_(Tensor& self, double p, kernels::Generator* g = nullptr);
Tensor& cauchy_(Tensor& self, double median, double sigma, kernels::Generator* g = nullptr);
Tensor& log_normal_(Tensor& self, double mean, double std, kernels::Generator* g = nullptr);

}  // namespace st::ops
