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
//   vec      the vector loop of the kernels' ISA tables for float32/float64
//            (kernels::UnaryOp: Exp, Sigmoid, Tanh hand-vectorised; Sin, Log, Erf ...
//            glibc's vector math where the build has it), or None (the functor map)
//   inplace  1 when PyTorch has the `name_` method, 2 when that method also
//            records its own node (PyTorch's name ending in Backward1)
//   out      the dtypes the function's out= takes (OutDtype below): Cast (any
//            the result casts to), Same (the result's only), Bool (bool only)
//            or None (the function has no out=), as PyTorch's
//   node     PyTorch's name of the backward node (NoNode: not differentiable)
//   save     what backward needs: None, Self (the input) or Result (the output)
//   fwd      the scalar functor, an expression of `x` (its C++ type T)
//   bwd      the gradient, an expression of ops on `g` (incoming gradient)
//            and `s` (the saved tensor)
// Helpers named sf::*, zero_grad and the math constants (k*) are defined in unary.cpp; spm::* (the special
// functions) in kernels/special_math.h. Rows named special_* are bound only as smalltorch.special functions.
#pragma once
#include <optional>
#include "../core/tensor.h"

// clang-format off
#define ST_UNARY_OPS(X)                                                                                       \
  X(abs,         Keep,      None,    1, Same, AbsBackward0,     Self,   sf::abs(x),        mul(g, sign(s)))                   \
  X(sign,        Any,       None,    1, Same, SignBackward0,    None,   sf::sign(x),       zero_grad(g))                       \
  X(exp,         Float,     Exp,     1, Cast, ExpBackward0,     Result, std::exp(x),       mul(g, s))                         \
  X(exp2,        Float,     Exp2,    1, Cast, Exp2Backward0,    Result, std::exp2(x),      mul(mul(g, s), M_LN2))             \
  X(expm1,       Float,     Expm1,   1, Cast, Expm1Backward0,   Result, std::expm1(x),     mul(g, add(s, 1)))                 \
  X(log,         Float,     Log,     1, Cast, LogBackward0,     Self,   std::log(x),       div(g, s))                         \
  X(log2,        Float,     Log2,    1, Cast, Log2Backward0,    Self,   std::log2(x),      div(g, mul(s, M_LN2)))             \
  X(log10,       Float,     Log10,   1, Cast, Log10Backward0,   Self,   std::log10(x),     div(g, mul(s, M_LN10)))            \
  X(log1p,       Float,     Log1p,   1, Cast, Log1PBackward0,   Self,   std::log1p(x),     div(g, add(s, 1)))                 \
  X(sqrt,        Float,     None,    1, Cast, SqrtBackward0,    Result, std::sqrt(x),      div(g, mul(s, 2)))                 \
  X(rsqrt,       Float,     None,    1, Cast, RsqrtBackward0,   Result, T(1) / std::sqrt(x), mul(mul(g, pow(s, 3)), -0.5))    \
  X(sin,         Float,     Sin,     1, Cast, SinBackward0,     Self,   std::sin(x),       mul(g, cos(s)))                    \
  X(cos,         Float,     Cos,     1, Cast, CosBackward0,     Self,   std::cos(x),       neg(mul(g, sin(s))))               \
  X(tan,         Float,     Tan,     1, Cast, TanBackward0,     Result, std::tan(x),       mul(g, add(square(s), 1)))         \
  X(asin,        Float,     Asin,    1, Cast, AsinBackward0,    Self,   std::asin(x),      div(g, sqrt(rsub(square(s), 1))))  \
  X(acos,        Float,     Acos,    1, Cast, AcosBackward0,    Self,   std::acos(x),      neg(div(g, sqrt(rsub(square(s), 1))))) \
  X(atan,        Float,     Atan,    1, Cast, AtanBackward0,    Self,   std::atan(x),      div(g, add(square(s), 1)))         \
  X(sinh,        Float,     Sinh,    1, Cast, SinhBackward0,    Self,   std::sinh(x),      mul(g, cosh(s)))                   \
  X(cosh,        Float,     Cosh,    1, Cast, CoshBackward0,    Self,   std::cosh(x),      mul(g, sinh(s)))                   \
  X(tanh,        Float,     Tanh,    1, Cast, TanhBackward0,    Result, std::tanh(x),      tanh_grad(g, s))                   \
  X(sigmoid,     Float,     Sigmoid, 1, Cast, SigmoidBackward0, Result, T(1) / (T(1) + std::exp(-x)), sigmoid_grad(g, s)) \
  X(relu,        Keep,      None,    1, None, ReluBackward0,    Result, sf::relu(x),       relu_grad(g, s))                   \
  X(erf,         Float,     Erf,     1, Cast, ErfBackward0,     Self,   std::erf(x),       mul(g, mul(exp(neg(square(s))), M_2_SQRTPI))) \
  X(floor,       Keep,      None,    1, Same, FloorBackward0,   None,   sf::floor(x),      zero_grad(g))                       \
  X(ceil,        Keep,      None,    1, Same, CeilBackward0,    None,   sf::ceil(x),       zero_grad(g))                       \
  X(trunc,       Keep,      None,    1, Same, TruncBackward0,   None,   sf::trunc(x),      zero_grad(g))                       \
  X(round,       Keep,      None,    1, Same, RoundBackward0,   None,   sf::round(x),      zero_grad(g))                       \
  X(frac,        FloatOnly, None,    1, Same, FracBackward0,    None,   x - std::trunc(x), g)                                 \
  X(isnan,       Pred,      None,    0, None, NoNode,           None,   sf::isnan(x),      g)                                 \
  X(isinf,       Pred,      None,    0, None, NoNode,           None,   sf::isinf(x),      g)                                 \
  X(isfinite,    Pred,      None,    0, None, NoNode,           None,   sf::isfinite(x),   g)                                 \
  X(logical_not, Pred,      None,    1, Cast, NoNode,           None,   x == T(0),         g)                                 \
  X(bitwise_not, Bits,      None,    1, Same, NoNode,           None,   sf::bnot(x),       g)                                 \
  X(asinh,       Float,     Asinh,   2, Cast, AsinhBackward0,   Self,   std::asinh(x),     div(g, sqrt(add(square(s), 1))))   \
  X(acosh,       Float,     Acosh,   2, Cast, AcoshBackward0,   Self,   std::acosh(x),     div(g, sqrt(sub(square(s), 1))))   \
  X(atanh,       Float,     Atanh,   2, Cast, AtanhBackward0,   Self,   std::atanh(x),     div(g, rsub(square(s), 1)))        \
  X(deg2rad,     Float,     None,    1, Cast, Deg2RadBackward0, None,   x * T(kDegToRad),  mul(g, kDegToRad))               \
  X(rad2deg,     Float,     None,    1, Cast, Rad2DegBackward0, None,   x * T(kRadToDeg),  mul(g, kRadToDeg))               \
  X(erfc,        Float,     Erfc,    1, Cast, ErfcBackward0,    Self,   std::erfc(x),      neg(mul(g, mul(exp(neg(square(s))), M_2_SQRTPI)))) \
  X(sgn,         Any,       None,    1, Same, SgnBackward0,     None,   sf::sign(x),       zero_grad(g))                       \
  X(signbit,     Pred,      None,    0, Bool, NoNode,           None,   sf::signbit(x),    g)                                 \
  X(isneginf,    Pred,      None,    0, Bool, NoNode,           None,   sf::isneginf(x),   g)                                 \
  X(isposinf,    Pred,      None,    0, Bool, NoNode,           None,   sf::isposinf(x),   g)                                 \
  X(lgamma,      Float,     None,    1, Cast, LgammaBackward0,  Self,   T(spm::lgamma(x)), mul(g, digamma(s)))                \
  X(digamma,     Float,     None,    1, Cast, DigammaBackward0, Self,   T(spm::digamma(x)), mul(g, polygamma(1, s)))          \
  X(erfinv,      Float,     None,    1, Cast, ErfinvBackward0,  Self,   T(spm::erfinv(x)), mul(g, mul(exp(square(erfinv(s))), kSqrtPiOver2))) \
  X(i0,          Float,     None,    1, Cast, I0Backward0,      Self,   T(spm::i0(x)),     mul(g, special_i1(s)))             \
  X(sinc,        Float,     None,    1, Cast, SincBackward0,    Self,   T(spm::sinc(x)),   mul(g, sinc_grad(s)))              \
  X(logit,       Float,     None,    1, Cast, LogitBackward0,   Self,   T(spm::logit(x)),  div(g, mul(s, rsub(s, 1))))        \
  X(special_i0e, Float,     None,    0, Cast, SpecialI0EBackward0, Self, T(spm::i0e(x)),   mul(g, sub(special_i1e(s), mul(sgn(s), special_i0e(s))))) \
  X(special_i1,  Float,     None,    0, Cast, SpecialI1Backward0, Self, T(spm::i1(x)),     mul(g, i1_grad(s, false)))         \
  X(special_i1e, Float,     None,    0, Cast, SpecialI1EBackward0, Self, T(spm::i1e(x)),   mul(g, i1_grad(s, true)))          \
  X(special_ndtri, Float,   None,    0, Cast, SpecialNdtriBackward0, Result, T(spm::ndtri(x)), mul(g, mul(exp(mul(square(s), 0.5)), kSqrt2Pi))) \
  X(special_log_ndtr, Float, None,    0, Cast, SpecialLogNdtrBackward0, Self, T(spm::log_ndtr(x)), \
    mul(g, mul(exp(sub(mul(square(s), -0.5), special_log_ndtr(s))), kInvSqrt2Pi)))                                  \
  X(special_entr, Float,    None,    0, Cast, SpecialEntrBackward0, Self, T(spm::entr(x)), mul(g, neg(add(log(s), 1))))
// clang-format on

namespace st::ops {

// The `vec` column as the kernels' UnaryOp (or -1: no vector loop); expanded in unary.cpp only.
#define ST_UNARY_VEC_None -1
#define ST_UNARY_VEC_Exp int(::st::kernels::UnaryOp::Exp)
#define ST_UNARY_VEC_Sigmoid int(::st::kernels::UnaryOp::Sigmoid)
#define ST_UNARY_VEC_Tanh int(::st::kernels::UnaryOp::Tanh)
#define ST_UNARY_VEC_Sin int(::st::kernels::UnaryOp::Sin)
#define ST_UNARY_VEC_Cos int(::st::kernels::UnaryOp::Cos)
#define ST_UNARY_VEC_Tan int(::st::kernels::UnaryOp::Tan)
#define ST_UNARY_VEC_Log int(::st::kernels::UnaryOp::Log)
#define ST_UNARY_VEC_Log2 int(::st::kernels::UnaryOp::Log2)
#define ST_UNARY_VEC_Log10 int(::st::kernels::UnaryOp::Log10)
#define ST_UNARY_VEC_Log1p int(::st::kernels::UnaryOp::Log1p)
#define ST_UNARY_VEC_Exp2 int(::st::kernels::UnaryOp::Exp2)
#define ST_UNARY_VEC_Expm1 int(::st::kernels::UnaryOp::Expm1)
#define ST_UNARY_VEC_Sinh int(::st::kernels::UnaryOp::Sinh)
#define ST_UNARY_VEC_Cosh int(::st::kernels::UnaryOp::Cosh)
#define ST_UNARY_VEC_Asin int(::st::kernels::UnaryOp::Asin)
#define ST_UNARY_VEC_Acos int(::st::kernels::UnaryOp::Acos)
#define ST_UNARY_VEC_Atan int(::st::kernels::UnaryOp::Atan)
#define ST_UNARY_VEC_Asinh int(::st::kernels::UnaryOp::Asinh)
#define ST_UNARY_VEC_Acosh int(::st::kernels::UnaryOp::Acosh)
#define ST_UNARY_VEC_Atanh int(::st::kernels::UnaryOp::Atanh)
#define ST_UNARY_VEC_Erf int(::st::kernels::UnaryOp::Erf)
#define ST_UNARY_VEC_Erfc int(::st::kernels::UnaryOp::Erfc)

// ST_UNARY_IF_<inplace>(code) keeps code only for rows with an in-place form.
#define ST_UNARY_IF_0(...)
#define ST_UNARY_IF_1(...) __VA_ARGS__
#define ST_UNARY_IF_2(...) __VA_ARGS__
#define ST_UNARY_DECLARE(name, rule, vec, inplace, out, node, save, fwd, bwd) \
  Tensor name(const Tensor& a);                                     \
  ST_UNARY_IF_##inplace(Tensor& name##_(Tensor& a);)
ST_UNARY_OPS(ST_UNARY_DECLARE)
#undef ST_UNARY_DECLARE

Tensor square(const Tensor& a);  // a ** 2 (PowBackward0), bool -> int64 like PyTorch
Tensor& square_(Tensor& a);
// round(a) (half to even) comes from the table; round(a, decimals) rounds to that many decimal places
Tensor round(const Tensor& a, int64_t decimals);
Tensor& round_(Tensor& a, int64_t decimals);

Tensor nan_to_num(const Tensor& a, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
Tensor& nan_to_num_(Tensor& a, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt);

// psi^(n)(a), n >= 0 (PolygammaBackward0); the row digamma is n = 0.
Tensor polygamma(int64_t n, const Tensor& a);
Tensor& polygamma_(Tensor& a, int64_t n);

// Raises PyTorch's "unsupported operation: some elements of the input tensor
// and the written-to tensor refer to a single memory location" when `input`
// and `written` (an in-place op's self, or out=) share some of their memory but
// not all of it in the same layout (every elementwise op's in-place and out= forms;
// defined in view.cpp). As PyTorch, a tensor that is not dense
// without overlap (a strided view) is too hard to judge and passes.
void check_no_partial_overlap(const Tensor& written, const Tensor& input);

// out= of a result of shape `shape`, as PyTorch's resize_output: an out of
// another shape is resized to it (contiguous, TensorImpl::resize), with
// PyTorch's deprecation UserWarning unless out had no elements. Call it after
// out's overlap and dtype checks, which judge out as given. Returns whether out
// was resized.
bool resize_output(Tensor& out, const DimVector& shape);

// Writes `result` into `out` (the out= form of an op named `op`; out resized to
// the result's shape, resize_output); `inputs`, the op's tensor operands, must
// not partly overlap out (check_no_partial_overlap).
Tensor& write_out(Tensor& out, const Tensor& result, const char* op, std::initializer_list<const Tensor*> inputs = {});

}  // namespace st::ops
