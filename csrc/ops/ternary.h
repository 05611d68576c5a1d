// The elementwise registry of three-input ops (definitions in ternary.cpp).
//
// Every elementwise op of three operands is ONE row of ST_TERNARY_OPS below,
// as the one- and two-input ops are rows of ST_UNARY_OPS (unary.h) and
// ST_BINARY_OPS (binary.h). Generic code turns the row into the op
// `name(a0, a1, a2)`, its in-place form `name_(self, a1, a2)`, its backward
// node, and (csrc/python/bind_ternary.cpp) the Python function with out=, the
// method and the in-place method. Adding an op is one row here plus one OpInfo
// row in tests/opinfo_pointwise.py.
//
// Columns:
//   name     C++ and Python name
//   n0 n1 n2 PyTorch's argument names (also the names of the saved values:
//            `input` is saved as `self`, as PyTorch names it)
//   mself    which argument is `self` of the Tensor method (Tensor.where's
//            self is its second argument)
//   types    the promotion rule: a function of (op, a0, a1, a2) that checks
//            the dtypes and returns the dtype the op computes in and returns
//   numbers  where a Python number may stand for a tensor:
//              NoNumber  tensors only
//              Wrapped12 a1 and/or a2 (a 0-d wrapped tensor: same node, edge kept)
//              Number2   a2 (the number form: node `snode`, no edge for it)
//              Bounds12  a1 and a2 both numbers or both tensors, either may be
//                        None but not both (clamp)
//   value    1 when the op takes PyTorch's keyword `value` (a number, `v`)
//   inplace  1 when PyTorch has the `name_` method
//   node     PyTorch's node name; snode: the node name of the number form
//   save     which arguments backward reads (A0, A1, A2, A12, A012; PyTorch
//   ssave    shows them as `_saved_<name>`), for the tensor and number forms
//   kinds    which argument is a bool mask: BTT (a0), TBT (a1) or TTT (none)
//   fwd      the scalar functor, an expression of `a`, `b`, `c` (C++ type T,
//            or bool for the mask) and `v`
//   g0 g1 g2 the gradient of each argument: expressions of ops on `g`
//            (incoming gradient), the saved `a`, `b`, `c` (undefined when not
//            saved or absent), `v` (value) and `zero`
// The helpers (sm::*, clamp_grad, no_bound) are defined in ternary.cpp.
#pragma once
#include <optional>
#include "../core/tensor.h"

// clang-format off
#define ST_TERNARY_OPS(X)                                                                                          \
  X(where,       condition, input,   other,   1, where_types, Wrapped12, 0, 0, WhereBackward0,      WhereBackward0,  \
    A0,   A0,   BTT, a ? b : c,                                                                                     \
    g, where(a, g, zero), where(a, zero, g))                                                                        \
  X(masked_fill, input,     mask,    value,   0, fill_types,  Number2,   0, 1, MaskedFillBackward1, MaskedFillBackward0, \
    A1,   A1,   TBT, b ? c : a,                                                                                     \
    where(b, zero, g), g, where(b, g, zero))                                                                        \
  X(lerp,        input,     end,     weight,  0, lerp_types,  Number2,   0, 1, LerpBackward1,       LerpBackward0,   \
    A012, A2,   TTT, sm::lerp(a, b, c),                                                                             \
    mul(g, rsub(c, Scalar(int64_t(1)))), mul(g, c), mul(g, sub(b, a)))                                              \
  X(addcmul,     input,     tensor1, tensor2, 0, addc_types,  NoNumber,  1, 1, AddcmulBackward0,    AddcmulBackward0, \
    A12,  A12,  TTT, sm::fmadd<T>(T(v * b), c, a),                                                                  \
    g, mul(mul(g, v), c), mul(mul(g, v), b))                                                                        \
  X(addcdiv,     input,     tensor1, tensor2, 0, addc_types,  NoNumber,  1, 1, AddcdivBackward0,    AddcdivBackward0, \
    A12,  A12,  TTT, T(a + T(v * b) / c),                                                                            \
    g, div(mul(g, v), c), neg(div(mul(mul(g, v), b), mul(c, c))))                                                   \
  X(clamp,       input,     min,     max,     0, clamp_types, Bounds12,  0, 1, ClampBackward0,      ClampBackward1,  \
    A012, A012, TTT, sm::clamp(a, b, c),                                                                            \
    clamp_grad(g, a, b, c, 0), clamp_grad(g, a, b, c, 1), clamp_grad(g, a, b, c, 2))

// PyTorch's other names for rows of the table: (alias, name).
#define ST_TERNARY_ALIASES(X) X(clip, clamp)
// clang-format on

namespace st::ops {

// An operand of a ternary op: a tensor, a number (a wrapped 0-d tensor) or
// absent (None). The row's `numbers` column says which an argument may be.
struct TernaryArg {
  Tensor t;             // undefined when absent
  bool number = false;  // t wraps a Python number
  TernaryArg(const Tensor& x) : t(x) {}
  TernaryArg(const Scalar& s);
  TernaryArg(std::nullopt_t) {}
  TernaryArg(const std::optional<Tensor>& x) : t(x ? *x : Tensor()) {}
  TernaryArg(const std::optional<Scalar>& s);
};

#define ST_TERNARY_IF_VALUE_0(...)
#define ST_TERNARY_IF_VALUE_1(...) __VA_ARGS__
#define ST_TERNARY_IF_INPLACE_0(...)
#define ST_TERNARY_IF_INPLACE_1(...) __VA_ARGS__

#define ST_TERNARY_DECLARE(name, n0, n1, n2, mself, types, numbers, value_, inplace, ...)                           \
  Tensor name(const TernaryArg& n0, const TernaryArg& n1,                                                          \
              const TernaryArg& n2 ST_TERNARY_IF_VALUE_##value_(, const Scalar& value = Scalar(int64_t(1))));        \
  ST_TERNARY_IF_INPLACE_##inplace(                                                                                 \
      Tensor& name##_(Tensor& self, const TernaryArg& n1,                                                          \
                      const TernaryArg& n2 ST_TERNARY_IF_VALUE_##value_(, const Scalar& value = Scalar(int64_t(1)))););
ST_TERNARY_OPS(ST_TERNARY_DECLARE)
#undef ST_TERNARY_DECLARE

// clamp with one bound, a tensor or a number (ClampMin/ClampMaxBackward*).
Tensor clamp_min(const Tensor& a, const TernaryArg& min);
Tensor clamp_max(const Tensor& a, const TernaryArg& max);

}  // namespace st::ops
