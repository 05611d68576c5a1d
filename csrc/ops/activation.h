// The registry of parameterised one-input activations (definitions in
// activation.cpp), as ST_UNARY_OPS (unary.h) is for the plain ones: generic
// code turns each row of ST_ACTIVATION_OPS into the op `name(a, p, q, r)`, its
// in-place form `name_(a, p, q, r)` (when `inplace` is not 0), its backward
// node and (csrc/python/bind_activation.cpp) its Python binding
// `_C._nn_<name>(input, <params>)` / `_C._nn_<name>_(...)`; nn.functional
// names them as PyTorch does. glu (the two-halves op) is written by hand.
//
// Columns:
//   name     C++ name (Python: _C._nn_<name>)
//   rule     FloatOnly (floating inputs only) or Keep (every dtype but bool)
//   kernel   PyTorch's kernel name in the NotImplementedError for other dtypes
//   inplace  0: no in-place form; 1: in-place form recording the row's node;
//            2: the in-place form records PyTorch's ...Backward1
//   node     PyTorch's name of the backward node
//   save     what backward reads: Self (the input; a copy for in-place forms)
//   P Q R    the parameters' Python names (`_`: unused) and defaults (the
//   dP dQ dR functors and formulas read them as p, q, r)
//   fwd      the scalar functor, an expression of `x` (C++ type T) and p, q, r
//   bwd      the gradient: an expression of ops on `g` (incoming gradient),
//            `s` (the saved input) and p, q, r (doubles), differentiable again
//            where PyTorch's is
// Helpers af::* (scalar) and act_* (formulas) are defined in activation.cpp.
#pragma once
#include "../core/tensor.h"

// clang-format off
#define ST_ACTIVATION_OPS(X)                                                                                          \
  X(hardtanh,    Keep,      "hardtanh",       1, HardtanhBackward0,    Self, min_val, -1.0, max_val, 1.0, _, 0.0,       \
    af::hardtanh(x, p, q),                    act_mask(g, s, p, q, 1.0, 0.0))                                           \
  X(relu6,       Keep,      "hardtanh",       1, HardtanhBackward0,    Self, _, 0.0, _, 0.0, _, 0.0,                    \
    af::hardtanh(x, T(0), T(6)),              act_mask(g, s, 0.0, 6.0, 1.0, 0.0))                                       \
  X(leaky_relu,  FloatOnly, "leaky_relu_cpu", 2, LeakyReluBackward0,   Self, negative_slope, 0.01, _, 0.0, _, 0.0,      \
    x > T(0) ? x : x * p,                     act_mask(g, s, 0.0, INFINITY, 1.0, p))                                    \
  X(elu,         FloatOnly, "elu_cpu",        2, EluBackward0,         Self, alpha, 1.0, scale, 1.0, input_scale, 1.0,  \
    af::elu(x, p, q, r),                      act_elu_grad(g, s, p, q, r))                                              \
  X(selu,        FloatOnly, "elu_cpu",        2, EluBackward0,         Self, _, 0.0, _, 0.0, _, 0.0,                    \
    af::elu(x, T(kSeluAlpha), T(kSeluScale), T(1)), act_elu_grad(g, s, kSeluAlpha, kSeluScale, 1.0))                    \
  X(celu,        FloatOnly, "elu_cpu",        2, CeluBackward0,        Self, alpha, 1.0, _, 0.0, _, 0.0,                \
    af::elu(x, p, T(1), T(1) / p),            act_elu_grad(g, s, p, 1.0, 1.0 / p))                                      \
  X(gelu,        FloatOnly, "GeluKernelImpl", 0, GeluBackward0,        Self, approximate, 0.0, _, 0.0, _, 0.0,          \
    af::gelu(x, p != T(0)),                   act_gelu_grad(g, s, p != 0.0))                                            \
  X(silu,        FloatOnly, "silu_cpu",       1, SiluBackward0,        Self, _, 0.0, _, 0.0, _, 0.0,                    \
    x / (T(1) + std::exp(-x)),                act_silu_grad(g, s))                                                      \
  X(mish,        FloatOnly, "mish_cpu",       1, MishBackward0,        Self, _, 0.0, _, 0.0, _, 0.0,                    \
    x * std::tanh(af::softplus(x, T(1), T(20))), act_mish_grad(g, s))                                                   \
  X(softplus,    FloatOnly, "softplus_cpu",   0, SoftplusBackward0,    Self, beta, 1.0, threshold, 20.0, _, 0.0,        \
    af::softplus(x, p, q),                    act_softplus_grad(g, s, p, q))                                            \
  X(hardsigmoid, FloatOnly, "hardsigmoid_cpu", 1, HardsigmoidBackward0, Self, _, 0.0, _, 0.0, _, 0.0,                   \
    af::hardtanh(x / T(6) + T(0.5), T(0), T(1)), act_mask(g, s, -3.0, 3.0, 1.0 / 6, 0.0))                               \
  X(hardswish,   FloatOnly, "hardswish_cpu",  1, HardswishBackward0,   Self, _, 0.0, _, 0.0, _, 0.0,                    \
    x * af::hardtanh(x + T(3), T(0), T(6)) / T(6), act_hardswish_grad(g, s))                                            \
  X(logsigmoid,  FloatOnly, "log_sigmoid_cpu", 0, LogSigmoidBackward0, Self, _, 0.0, _, 0.0, _, 0.0,                    \
    af::logsigmoid(x),                        mul(g, sigmoid(neg(s))))
// clang-format on

namespace st::ops {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

#define ST_ACTIVATION_DECLARE(name, rule, kernel, inplace, ...)   \
  Tensor name(const Tensor& a, double p, double q, double r); \
  Tensor& name##_(Tensor& a, double p, double q, double r);
ST_ACTIVATION_OPS(ST_ACTIVATION_DECLARE)
#undef ST_ACTIVATION_DECLARE

// glu(a, dim): first half times the sigmoid of the second half along dim (GluBackward0).
Tensor glu(const Tensor& a, int64_t dim);

}  // namespace st::ops
