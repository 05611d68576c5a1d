// Operator declarations of the "unary" family (definitions in unary.cpp).
//
// The elementwise one-input ops are declared ONCE, in ST_UNARY_OPS below;
// generic code turns each row into the op `name(a)`, its in-place form
// `name_(a)` (when `inplace` is 1), its backward node and its Python binding.
// Adding an op is one row here plus one OpInfo row in tests/opinfo_unary.py.
//
// Columns:
//   name     C++ and Python name
//   rule     dtypes accepted and result dtype:
//              Float     integers and bool promote to the default float dtype
//              FloatOnly floating inputs only, dtype kept
//              Keep      any dtype but bool, dtype kept
//              Any       any dtype, dtype kept
//              Pred      any dtype, bool result
//              Bits      integers and bool only, dtype kept
//   inplace  1 when PyTorch has the `name_` method
//   node     PyTorch's name of the backward node (NoNode: not differentiable)
//   save     what backward needs: None, Self (the input) or Result (the output)
//   fwd      the scalar functor, an expression of `x` (its C++ type T)
//   bwd      the gradient, an expression of ops on `g` (incoming gradient)
//            and `s` (the saved tensor)
// Helpers named sf::*, zero_grad and the math constants are defined in unary.cpp.
#pragma once
#include <optional>
#include "../core/tensor.h"

// clang-format off
#define ST_UNARY_OPS(X)                                                                                       \
  X(abs,         Keep,      1, AbsBackward0,     Self,   sf::abs(x),        mul(g, sign(s)))                   \
  X(sign,        Any,       1, SignBackward0,    None,   sf::sign(x),       zero_grad(g))                       \
  X(exp,         Float,     1, ExpBackward0,     Result, std::exp(x),       mul(g, s))                         \
  X(exp2,        Float,     1, Exp2Backward0,    Result, std::exp2(x),      mul(mul(g, s), M_LN2))             \
  X(expm1,       Float,     1, Expm1Backward0,   Result, std::expm1(x),     mul(g, add(s, 1)))                 \
  X(log,         Float,     1, LogBackward0,     Self,   std::log(x),       div(g, s))                         \
  X(log2,        Float,     1, Log2Backward0,    Self,   std::log2(x),      div(g, mul(s, M_LN2)))             \
  X(log10,       Float,     1, Log10Backward0,   Self,   std::log10(x),     div(g, mul(s, M_LN10)))            \
  X(log1p,       Float,     1, Log1PBackward0,   Self,   std::log1p(x),     div(g, add(s, 1)))                 \
  X(sqrt,        Float,     1, SqrtBackward0,    Result, std::sqrt(x),      div(g, mul(s, 2)))                 \
  X(rsqrt,       Float,     1, RsqrtBackward0,   Result, T(1) / std::sqrt(x), mul(mul(g, pow(s, 3)), -0.5))    \
  X(sin,         Float,     1, SinBackward0,     Self,   std::sin(x),       mul(g, cos(s)))                    \
  X(cos,         Float,     1, CosBackward0,     Self,   std::cos(x),       neg(mul(g, sin(s))))               \
  X(tan,         Float,     1, TanBackward0,     Result, std::tan(x),       mul(g, add(square(s), 1)))         \
  X(asin,        Float,     1, AsinBackward0,    Self,   std::asin(x),      div(g, sqrt(rsub(square(s), 1))))  \
  X(acos,        Float,     1, AcosBackward0,    Self,   std::acos(x),      neg(div(g, sqrt(rsub(square(s), 1))))) \
  X(atan,        Float,     1, AtanBackward0,    Self,   std::atan(x),      div(g, add(square(s), 1)))         \
  X(sinh,        Float,     1, SinhBackward0,    Self,   std::sinh(x),      mul(g, cosh(s)))                   \
  X(cosh,        Float,     1, CoshBackward0,    Self,   std::cosh(x),      mul(g, sinh(s)))                   \
  X(tanh,        Float,     1, TanhBackward0,    Result, std::tanh(x),      mul(g, rsub(square(s), 1)))        \
  X(sigmoid,     Float,     1, SigmoidBackward0, Result, T(1) / (T(1) + std::exp(-x)), mul(g, mul(s, rsub(s, 1)))) \
  X(relu,        Keep,      1, ReluBackward0,    Result, sf::relu(x),       mul(g, sign(s)))                   \
  X(erf,         Float,     1, ErfBackward0,     Self,   std::erf(x),       mul(g, mul(exp(neg(square(s))), M_2_SQRTPI))) \
  X(floor,       Keep,      1, FloorBackward0,   None,   sf::floor(x),      zero_grad(g))                       \
  X(ceil,        Keep,      1, CeilBackward0,    None,   sf::ceil(x),       zero_grad(g))                       \
  X(trunc,       Keep,      1, TruncBackward0,   None,   sf::trunc(x),      zero_grad(g))                       \
  X(round,       Keep,      1, RoundBackward0,   None,   sf::round(x),      zero_grad(g))                       \
  X(frac,        FloatOnly, 1, FracBackward0,    None,   x - std::trunc(x), g)                                 \
  X(isnan,       Pred,      0, NoNode,           None,   sf::isnan(x),      g)                                 \
  X(isinf,       Pred,      0, NoNode,           None,   sf::isinf(x),      g)                                 \
  X(isfinite,    Pred,      0, NoNode,           None,   sf::isfinite(x),   g)                                 \
  X(logical_not, Pred,      1, NoNode,           None,   x == T(0),         g)                                 \
  X(bitwise_not, Bits,      1, NoNode,           None,   sf::bnot(x),       g)                                 \
  X(asinh,       Float,     1, AsinhBackward0,   Self,   std::asinh(x),     div(g, sqrt(add(square(s), 1))))   \
  X(acosh,       Float,     1, AcoshBackward0,   Self,   std::acosh(x),     div(g, sqrt(sub(square(s), 1))))   \
  X(atanh,       Float,     1, AtanhBackward0,   Self,   std::atanh(x),     div(g, rsub(square(s), 1)))        \
  X(deg2rad,     Float,     1, Deg2RadBackward0, None,   x * T(M_PI / 180), mul(g, M_PI / 180))                \
  X(rad2deg,     Float,     1, Rad2DegBackward0, None,   x * T(180 / M_PI), mul(g, 180 / M_PI))                \
  X(erfc,        Float,     1, ErfcBackward0,    Self,   std::erfc(x),      mul(g, mul(exp(neg(square(s))), -M_2_SQRTPI))) \
  X(sgn,         Any,       1, SgnBackward0,     None,   sf::sign(x),       zero_grad(g))                       \
  X(signbit,     Pred,      0, NoNode,           None,   sf::signbit(x),    g)                                 \
  X(isneginf,    Pred,      0, NoNode,           None,   sf::isneginf(x),   g)                                 \
  X(isposinf,    Pred,      0, NoNode,           None,   sf::isposinf(x),   g)
// clang-format on

namespace st::ops {

// ST_UNARY_IF_<inplace>(code) keeps code only for rows with an in-place form.
#define ST_UNARY_IF_0(...)
#define ST_UNARY_IF_1(...) __VA_ARGS__
#define ST_UNARY_DECLARE(name, rule, inplace, node, save, fwd, bwd) \
  Tensor name(const Tensor& a);                                     \
  ST_UNARY_IF_##inplace(Tensor& name##_(Tensor& a);)
ST_UNARY_OPS(ST_UNARY_DECLARE)
#undef ST_UNARY_DECLARE

Tensor square(const Tensor& a);  // a ** 2 (PowBackward0), bool -> int64 like PyTorch
Tensor& square_(Tensor& a);
// round(a) (half to even) comes from the table; only decimals == 0 is supported
Tensor round(const Tensor& a, int64_t decimals);
Tensor& round_(Tensor& a, int64_t decimals);

// clamp with number bounds (ClampBackward1) or tensor bounds (ClampBackward0);
// at least one bound must be given. clamp_min/clamp_max name their nodes
// ClampMin/ClampMaxBackward0 (numbers) or ...Backward1 (tensors).
Tensor clamp(const Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
Tensor clamp(const Tensor& a, const std::optional<Tensor>& min, const std::optional<Tensor>& max);
Tensor& clamp_(Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
Tensor& clamp_(Tensor& a, const std::optional<Tensor>& min, const std::optional<Tensor>& max);
Tensor clamp_min(const Tensor& a, const Scalar& min);
Tensor clamp_min(const Tensor& a, const Tensor& min);
Tensor clamp_max(const Tensor& a, const Scalar& max);
Tensor clamp_max(const Tensor& a, const Tensor& max);

Tensor nan_to_num(const Tensor& a, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
Tensor& nan_to_num_(Tensor& a, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt);

// Writes `result` into `out` (the out= form of an op named `op`).
Tensor& write_out(Tensor& out, const Tensor& result, const char* op);

}  // namespace st::ops
