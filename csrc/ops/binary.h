// The elementwise registry of two-input ops (definitions in binary.cpp).
//
// Every elementwise op of two tensors is ONE row of ST_BINARY_OPS below.
// Generic code turns the row into the op `name(a, b)` (and its number forms),
// the in-place form `name_`, the backward node, and the Python bindings
// (csrc/python/bind_binary.cpp: the function with out=, the method, the
// in-place method and the operators). Adding an op is one row here plus one
// OpInfo row in tests/opinfo_pointwise.py. (The one-input ops have their own
// table, ST_UNARY_OPS in unary.h.)
//
// Columns:
//   name     C++ and Python name
//   rule     dtypes accepted (judged on the promoted dtype of the two inputs)
//            and the result dtype:
//              Float, FloatOnly, Keep, Any, NoBool, Pred, Bits, Int or Power
//              (dtype_rules.h; Power also checks other's values, binary.cpp)
//   forms    where a Python number may stand for a tensor:
//              TT  tensors only;  TS  `other` may be a number;
//              TSS `other` or `input` may be a number;
//              TSR as TSS, but the function takes a number `input` as a
//                  wrapped 0-d tensor (the tensor form's node): only the
//                  reflected operator (`2 - t`, ops::rsub) gets the rnode
//   inplace  1 when PyTorch has the `name_` method
//   node     PyTorch's node name with two tensor inputs (NoNode: not
//            differentiable; NotImplemented: PyTorch's node without a formula)
//   snode    the node name when `other` is a number (gradient to input only)
//   rnode    the node name when `input` is a number (gradient to other only;
//            NotImplemented: the node raises when reached)
//   save     what backward reads and grad_fn._saved_* shows: None; In (both
//            inputs); InOut (and the result); Cross (each input only when the
//            other's gradient is wanted, as mul; a number operand shows as a
//            0-d tensor); Quot (as Cross, but other for both gradients, as div);
//            Alpha (no tensor: the alpha keyword, `_saved_alpha`); Num (as
//            InOut, but a number operand is kept as the number itself, as
//            PyTorch's Scalar overloads: its `_saved_*` field is an int or a
//            float and the gradient formulas get it as a Scalar; the result
//            is saved where other's gradient reads it, the tensor and
//            number-input forms)
//   isa      the hand-vectorised loop of kernels::binary (kernels/isa_impl.h)
//            that runs the row: None (the functor below, through
//            kernels/map.h) or a BinaryOp (Add, Sub, Mul, Div, Pow)
//   kw       the keyword-only argument the bindings take besides out=: None;
//            RoundingMode (`rounding_mode=None`: a string picks div_mode,
//            ops/pointwise.h); or Alpha (`alpha=1`: input + alpha * other,
//            one rounding; the ops take alpha as a third argument, `k` in
//            the gradient columns)
//   oper     the Python operator's stem: "" (none), a comparison ("eq" … "ge":
//            `__eq__`) or "and", "or", "xor", "mod", "floordiv", "lshift",
//            "rshift" (`__x__`, `__rx__` and `__ix__`); + - * / ** are the C
//            slots of the Tensor type (python/tensor_type.cpp)
//   arg2     the second input's name: in the bindings' signatures and
//            messages, the `_saved_*` fields and the gradient formulas' text
//            (`other`, or `exponent` for pow)
//   fwd      the scalar functor, an expression of `a`, `b` (C++ type T) and,
//            for integer division, the zero-divisor flag `z`
//   gself    gradient to input: an expression of ops on `g` (incoming
//   gother   gradient), `a`, `b` (the saved inputs), `r` (the saved result)
//            and `k` (the alpha keyword; 1 for rows without it); a number
//            operand of a Num row is a Scalar there
// The helpers sm:: (kernels/scalar_math.h), spm:: (kernels/special_math.h),
// zero_grad, tie_split, unless_zero, unless_zero_base and the Scalar sub and log are defined for the table
// in binary.cpp, alpha_scaled in internal.h. (isa rows never instantiate fwd: the loop runs them.) Rows named
// special_* are bound only as smalltorch.special functions.
#pragma once
#include "../core/tensor.h"

// clang-format off
#define ST_BINARY_OPS(X)                                                                                                                                       \
  X(atan2,               Float,     TT,  1, Atan2Backward0,          NoNode,                  NotImplemented,          In,    None, None,         "",         other,    std::atan2(a, b), \
    mul(g, div(b, add(mul(a, a), mul(b, b)))), neg(mul(g, div(a, add(mul(a, a), mul(b, b))))))                                                                 \
  X(hypot,               FloatOnly, TT,  1, HypotBackward0,          NoNode,                  NotImplemented,          InOut, None, None,         "",         other,    std::hypot(a, b), \
    mul(g, div(a, r)), mul(g, div(b, r)))                                                                                                                      \
  X(maximum,             Any,       TT,  0, MaximumBackward0,        NoNode,                  NotImplemented,          In,    None, None,         "",         other,    sm::maximum(a, b), \
    tie_split(g, a, b, lt(a, b)), tie_split(g, a, b, gt(a, b)))                                                                                                \
  X(minimum,             Any,       TT,  0, MinimumBackward0,        NoNode,                  NotImplemented,          In,    None, None,         "",         other,    sm::minimum(a, b), \
    tie_split(g, a, b, gt(a, b)), tie_split(g, a, b, lt(a, b)))                                                                                                \
  X(remainder,           Keep,      TSS, 1, RemainderBackward1,      RemainderBackward0,      NotImplemented,          In,    None, None,         "mod",      other,    sm::remainder(a, b, z), \
    g, neg(mul(g, div_mode(a, b, std::string("floor")))))                                                                                                      \
  X(fmod,                Keep,      TS,  1, FmodBackward1,           FmodBackward0,           NotImplemented,          In,    None, None,         "",         other,    sm::fmod(a, b, z), \
    g, neg(mul(g, div_mode(a, b, std::string("trunc")))))                                                                                                      \
  X(floor_divide,        Keep,      TSS, 1, NotImplemented,          NotImplemented,          NotImplemented,          None,  None, None,         "floordiv", other,    sm::div_floor(a, b, z), \
    g, g)                                                                                                                                                      \
  X(bitwise_and,         Bits,      TSS, 1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "and",      other,    T(a & b), \
    g, g)                                                                                                                                                      \
  X(bitwise_or,          Bits,      TSS, 1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "or",       other,    T(a | b), \
    g, g)                                                                                                                                                      \
  X(bitwise_xor,         Bits,      TSS, 1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "xor",      other,    T(a ^ b), \
    g, g)                                                                                                                                                      \
  X(bitwise_left_shift,  Int,       TSS, 1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "lshift",   other,    sm::shift_left(a, b), \
    g, g)                                                                                                                                                      \
  X(bitwise_right_shift, Int,       TSS, 1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "rshift",   other,    sm::shift_right(a, b), \
    g, g)                                                                                                                                                      \
  X(logical_and,         Pred,      TT,  1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "",         other,    a != T(0) && b != T(0), \
    g, g)                                                                                                                                                      \
  X(logical_or,          Pred,      TT,  1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "",         other,    a != T(0) || b != T(0), \
    g, g)                                                                                                                                                      \
  X(logical_xor,         Pred,      TT,  1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "",         other,    (a != T(0)) != (b != T(0)), \
    g, g)                                                                                                                                                      \
  X(eq,                  Pred,      TS,  1, EqBackward1,             EqBackward0,             NotImplemented,          None,  None, None,         "eq",       other,    a == b, \
    zero_grad(g), zero_grad(g))                                                                                                                                \
  X(ne,                  Pred,      TS,  1, NeBackward1,             NeBackward0,             NotImplemented,          None,  None, None,         "ne",       other,    a != b, \
    zero_grad(g), zero_grad(g))                                                                                                                                \
  X(lt,                  Pred,      TS,  1, LtBackward1,             LtBackward0,             NotImplemented,          None,  None, None,         "lt",       other,    a < b, \
    zero_grad(g), zero_grad(g))                                                                                                                                \
  X(le,                  Pred,      TS,  1, LeBackward1,             LeBackward0,             NotImplemented,          None,  None, None,         "le",       other,    a <= b, \
    zero_grad(g), zero_grad(g))                                                                                                                                \
  X(gt,                  Pred,      TS,  1, GtBackward1,             GtBackward0,             NotImplemented,          None,  None, None,         "gt",       other,    a > b, \
    zero_grad(g), zero_grad(g))                                                                                                                                \
  X(ge,                  Pred,      TS,  1, GeBackward1,             GeBackward0,             NotImplemented,          None,  None, None,         "ge",       other,    a >= b, \
    zero_grad(g), zero_grad(g))                                                                                                                                \
  X(xlogy,               Float,     TSS, 1, XlogyBackward0,          XlogyBackward2,          XlogyBackward1,          In,    None, None,         "",         other,    spm::xlogy(a, b), \
    mul(g, xlogy(ne(a, Scalar(int64_t(0))), b)), div(mul(g, a), b))                                                                                            \
  X(special_xlog1py,     Float,     TSS, 0, SpecialXlog1PyBackward0, SpecialXlog1PyBackward2, SpecialXlog1PyBackward1, In,    None, None,         "",         other,    spm::xlog1py(a, b), \
    mul(g, special_xlog1py(ne(a, Scalar(int64_t(0))), b)), div(mul(g, a), add(b, Scalar(int64_t(1)))))                                                         \
  X(copysign,            Float,     TS,  1, CopysignBackward0,       CopysignBackward1,       NotImplemented,          InOut, None, None,         "",         other,    std::copysign(a, b), \
    mul(g, masked_fill(div(r, a), eq(a, Scalar(int64_t(0))), Scalar(int64_t(0)))), zero_grad(g))                                                               \
  X(nextafter,           FloatOnly, TT,  1, NextafterBackward0,      NoNode,                  NotImplemented,          None,  None, None,         "",         other,    std::nextafter(a, b), \
    g, zero_grad(g))                                                                                                                                           \
  X(ldexp,               Float,     TT,  1, LdexpBackward0,          NoNode,                  NotImplemented,          InOut, None, None,         "",         other,    T(a * std::exp2(b)), \
    mul(g, exp2(b)), mul(mul(g, r), M_LN2))                                                                                                                    \
  X(heaviside,           Any,       TT,  1, NotImplemented,          NotImplemented,          NotImplemented,          None,  None, None,         "",         other,    spm::heaviside(a, b), \
    g, g)                                                                                                                                                      \
  X(gcd,                 Int,       TT,  1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "",         other,    spm::gcd(a, b), \
    g, g)                                                                                                                                                      \
  X(lcm,                 Int,       TT,  1, NoNode,                  NoNode,                  NotImplemented,          None,  None, None,         "",         other,    spm::lcm(a, b), \
    g, g)                                                                                                                                                      \
  X(add,                 Any,       TSS, 1, AddBackward0,            AddBackward0,            AddBackward0,            Alpha, Add,  Alpha,        "",         other,    T(a + b), \
    g, alpha_scaled(g, k))                                                                                                                                     \
  X(sub,                 NoBool,    TSR, 1, SubBackward0,            SubBackward0,            RsubBackward1,           Alpha, Sub,  Alpha,        "",         other,    T(a - b), \
    g, neg(alpha_scaled(g, k)))                                                                                                                                \
  X(mul,                 Any,       TSS, 1, MulBackward0,            MulBackward0,            MulBackward0,            Cross, Mul,  None,         "",         other,    T(a * b), \
    mul(g, b), mul(g, a))                                                                                                                                      \
  X(div,                 Float,     TSS, 1, DivBackward0,            DivBackward0,            DivBackward0,            Quot,  Div,  RoundingMode, "",         other,    T(a / b), \
    div(g, b), neg(div(mul(g, a), mul(b, b))))                                                                                                                 \
  X(pow,                 Power,     TSS, 1, PowBackward1,            PowBackward0,            PowBackward2,            Num,   Pow,  None,         "",         exponent, T(std::pow(a, b)), \
    unless_zero(b, mul(g, mul(b, pow(a, sub(b, Scalar(int64_t(1))))))), mul(g, unless_zero_base(a, b, mul(r, log(a)))))                                      \
  X(logaddexp,           FloatOnly, TT,  0, LogaddexpBackward0,      NoNode,                  NotImplemented,          In,    None, None,         "",         other,    spm::logaddexp(a, b), \
    div(g, add(exp(sub(b, a)), Scalar(int64_t(1)))), div(g, add(exp(sub(a, b)), Scalar(int64_t(1)))))                                                          \
  X(logaddexp2,          FloatOnly, TT,  0, Logaddexp2Backward0,     NoNode,                  NotImplemented,          In,    None, None,         "",         other,    spm::logaddexp2(a, b), \
    div(g, add(exp2(sub(b, a)), Scalar(int64_t(1)))), div(g, add(exp2(sub(a, b)), Scalar(int64_t(1)))))

// PyTorch's other names for rows of the table: (alias, name).
#define ST_BINARY_ALIASES(X) \
  X(subtract, sub) X(multiply, mul) X(divide, div) X(true_divide, div) X(arctan2, atan2) X(not_equal, ne) X(less, lt) \
  X(less_equal, le) X(greater, gt) X(greater_equal, ge)
// clang-format on

namespace st::ops {

// ST_BINARY_IF_<form>_<n>(code): keeps code for the forms that take a number
// as `other` (n = 2) or as `input` (n = 1); ST_BINARY_UNLESS_… keeps it for
// the others. ST_BINARY_IF_INPLACE_<inplace> and UNLESS likewise.
#define ST_BINARY_IF_TT_2(...)
#define ST_BINARY_IF_TS_2(...) __VA_ARGS__
#define ST_BINARY_IF_TSS_2(...) __VA_ARGS__
#define ST_BINARY_IF_TSR_2(...) __VA_ARGS__
#define ST_BINARY_IF_TT_1(...)
#define ST_BINARY_IF_TS_1(...)
#define ST_BINARY_IF_TSS_1(...) __VA_ARGS__
#define ST_BINARY_IF_TSR_1(...) __VA_ARGS__
#define ST_BINARY_IF_INPLACE_0(...)
#define ST_BINARY_IF_INPLACE_1(...) __VA_ARGS__
#define ST_BINARY_UNLESS_TT_2(...) __VA_ARGS__
#define ST_BINARY_UNLESS_TS_2(...)
#define ST_BINARY_UNLESS_TSS_2(...)
#define ST_BINARY_UNLESS_TSR_2(...)
#define ST_BINARY_UNLESS_TT_1(...) __VA_ARGS__
#define ST_BINARY_UNLESS_TS_1(...) __VA_ARGS__
#define ST_BINARY_UNLESS_TSS_1(...)
#define ST_BINARY_UNLESS_TSR_1(...)
#define ST_BINARY_UNLESS_INPLACE_0(...) __VA_ARGS__
#define ST_BINARY_UNLESS_INPLACE_1(...)

// Every row also has name_out(out, a, b): the function's out= (a number
// operand as a wrapped 0-d tensor). A row whose kw is Alpha has each op once
// more with alpha as a last argument (input + alpha * other).
#define ST_BINARY_DECLARE_KW_None(name, forms, inplace)
#define ST_BINARY_DECLARE_KW_RoundingMode(name, forms, inplace)
#define ST_BINARY_DECLARE_KW_Alpha(name, forms, inplace)                                                  \
  Tensor name(const Tensor& a, const Tensor& b, const Scalar& alpha);                                     \
  ST_BINARY_IF_##forms##_2(Tensor name(const Tensor& a, const Scalar& b, const Scalar& alpha);)           \
  ST_BINARY_IF_##forms##_1(Tensor name(const Scalar& a, const Tensor& b, const Scalar& alpha);)           \
  Tensor& name##_out(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha);                 \
  ST_BINARY_IF_INPLACE_##inplace(Tensor& name##_(Tensor& self, const Tensor& b, const Scalar& alpha);     \
                                 ST_BINARY_IF_##forms##_2(                                                \
                                     Tensor& name##_(Tensor& self, const Scalar& b, const Scalar& alpha);))
#define ST_BINARY_DECLARE(name, rule, forms, inplace, node, snode, rnode, save, isa, kw, ...)  \
  Tensor name(const Tensor& a, const Tensor& b);                                               \
  ST_BINARY_IF_##forms##_2(Tensor name(const Tensor& a, const Scalar& b);)                     \
  ST_BINARY_IF_##forms##_1(Tensor name(const Scalar& a, const Tensor& b);)                     \
  Tensor& name##_out(Tensor& out, const Tensor& a, const Tensor& b);                           \
  ST_BINARY_IF_INPLACE_##inplace(Tensor& name##_(Tensor& self, const Tensor& b);               \
                                 ST_BINARY_IF_##forms##_2(Tensor& name##_(Tensor& self, const Scalar& b);)) \
  ST_BINARY_DECLARE_KW_##kw(name, forms, inplace)
ST_BINARY_OPS(ST_BINARY_DECLARE)
#undef ST_BINARY_DECLARE

// b - a for a number b: the sub row with a number input (RsubBackward1, as
// PyTorch's `b - a`).
inline Tensor rsub(const Tensor& a, const Scalar& b) { return sub(b, a); }

}  // namespace st::ops
