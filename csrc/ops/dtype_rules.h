// The dtype rules of the elementwise registries (unary.h and binary.h): which
// dtypes a row accepts and which dtype it computes in and returns.
#pragma once
#include <type_traits>
#include "../core/error.h"
#include "../core/scalar_type.h"

namespace st::ops {

enum class Rule {
  Float,      // integers and bool compute in the default float dtype
  FloatOnly,  // floating dtypes only, kept
  Keep,       // every dtype but bool, kept
  Any,        // every dtype, kept
  NoBool,     // every dtype, kept, but no bool operand (PyTorch's subtraction messages, binary.cpp)
  Pred,       // every dtype, bool result
  Bits,       // integers and bool only, kept
  Int,        // integers only (not bool), kept
  Power,      // every dtype, kept; other's values are checked too (binary.cpp): an integer result takes no negative
              // integer exponent, a bool result only a number exponent (PyTorch's pow)
};

// Whether rule r accepts the promoted dtype t.
inline bool accepts(Rule r, ScalarType t) {
  return r == Rule::Float || r == Rule::Any || r == Rule::NoBool || r == Rule::Pred || r == Rule::Power ||
         (r == Rule::FloatOnly && is_floating(t)) ||
         (r == Rule::Keep && t != ScalarType::Bool) || (r == Rule::Bits && !is_floating(t)) ||
         (r == Rule::Int && !is_floating(t) && t != ScalarType::Bool);
}
// NotImplementedError naming `kernel` (PyTorch's kernel name) unless rule r accepts t.
inline void check_rule(Rule r, ScalarType t, const char* kernel) {
  ST_CHECK_T(accepts(r, t), NotImplementedError, '"', kernel, "\" not implemented for '", torch_type_name(t), "'");
}
// The dtypes a function's out= takes (PyTorch's TensorIterator configurations): Cast, any the result casts to
// (checked where it is written); Same, the result's dtype only; Bool, bool only; None, no out= at all (the
// binding has no out argument). check_out_dtype runs before the op, as PyTorch checks.
enum class OutDtype { Cast, Same, Bool, None };
inline void check_out_dtype(OutDtype k, ScalarType out, ScalarType result, const char* op) {
  if (k == OutDtype::Same)
    ST_CHECK(out == result, "Found dtype ", torch_type_name(out), " but expected ", torch_type_name(result));
  if (k == OutDtype::Bool) ST_CHECK(out == ScalarType::Bool, op, " does not support non-boolean outputs.");
}

// The dtype a row returns for inputs promoted to t, and the one it computes in (float32 for float16/bfloat16).
inline ScalarType result_dtype(Rule r, ScalarType t) {
  return r == Rule::Pred ? ScalarType::Bool : r == Rule::Float && !is_floating(t) ? default_dtype() : t;
}
inline ScalarType compute_type(Rule r, ScalarType t) {
  return compute_dtype(r == Rule::Float && !is_floating(t) ? default_dtype() : t);
}

// Whether a row of rule R is instantiated for the C++ element type T.
template <Rule R, typename T>
constexpr bool allows() {
  constexpr bool fp = std::is_floating_point<T>::value;
  if constexpr (R == Rule::Float || R == Rule::FloatOnly) return fp;
  else if constexpr (R == Rule::Keep) return !std::is_same<T, bool>::value;
  else if constexpr (R == Rule::Bits) return !fp;
  else if constexpr (R == Rule::Int) return !fp && !std::is_same<T, bool>::value;
  else return true;
}

}  // namespace st::ops
