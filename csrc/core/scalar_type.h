// dtypes and PyTorch's type promotion lattice.
#pragma once
#include <cstdint>
#include <cstddef>
#include <utility>
#include "error.h"
#include "half.h"

namespace st {

// Ordered so that, but for uint8/int8 and float16/bfloat16, promotion takes the later of two types.
enum class ScalarType : int8_t {
  Bool = 0, UInt8, Int8, Int16, Int32, Int64, Float16, BFloat16, Float32, Float64, NumTypes, Undefined = -1
};
constexpr int kNumScalarTypes = static_cast<int>(ScalarType::NumTypes);

inline size_t element_size(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: case ScalarType::UInt8: case ScalarType::Int8: return 1;
    case ScalarType::Int16: case ScalarType::Float16: case ScalarType::BFloat16: return 2;
    case ScalarType::Int32: case ScalarType::Float32: return 4;
    case ScalarType::Int64: case ScalarType::Float64: return 8;
    default: throw Error("element_size: undefined dtype");
  }
}
inline bool is_floating(ScalarType t) {
  return t == ScalarType::Float32 || t == ScalarType::Float64 || t == ScalarType::Float16 || t == ScalarType::BFloat16;
}
// float16 and bfloat16: stored in 16 bits, computed in float32 (compute_dtype).
inline bool is_reduced_float(ScalarType t) { return t == ScalarType::Float16 || t == ScalarType::BFloat16; }
inline ScalarType compute_dtype(ScalarType t) { return is_reduced_float(t) ? ScalarType::Float32 : t; }
// The largest finite value of a floating dtype.
double max_finite(ScalarType t);
inline bool is_integral(ScalarType t, bool include_bool) {
  return t == ScalarType::UInt8 || t == ScalarType::Int8 || t == ScalarType::Int16 || t == ScalarType::Int32 ||
         t == ScalarType::Int64 || (include_bool && t == ScalarType::Bool);
}
const char* dtype_name(ScalarType t);  // "float32", ...
// PyTorch's C++ type name ("Float", "Long", ...), as its "not implemented for 'Long'" errors say.
const char* torch_type_name(ScalarType t);
// The C++ type name ("float", "double", "long int", ...), as PyTorch's "float != double" errors say.
const char* cpp_name(ScalarType t);

// Category: 0 bool, 1 integer, 2 floating.
inline int category(ScalarType t) { return t == ScalarType::Bool ? 0 : is_floating(t) ? 2 : 1; }

// Smallest type both values fit in (PyTorch's promoteTypes for our ten dtypes).
ScalarType promote_types(ScalarType a, ScalarType b);
// Whether a value of `from` may be written into `to` without crossing categories downwards.
bool can_cast(ScalarType from, ScalarType to);

ScalarType default_dtype();
void set_default_dtype(ScalarType t);

// The dispatchers' error for a dtype they do not take: PyTorch's NotImplementedError naming it.
[[noreturn]] void dispatch_error(ScalarType t);

// Calls f.template operator()<T>() with T the C++ type of `t`. float16 and
// bfloat16 have no arithmetic: the ops compute them in float32, and only
// dispatch_storage (moving and converting values) gives Half and BFloat16.
template <typename T> struct Tag { using type = T; };
#define ST_DISPATCH_CASE(enum_, T) case ::st::ScalarType::enum_: return f(::st::Tag<T>{});
template <typename F>
decltype(auto) dispatch_all(ScalarType t, F&& f) {
  switch (t) {
    ST_DISPATCH_CASE(Bool, bool)
    ST_DISPATCH_CASE(UInt8, uint8_t)
    ST_DISPATCH_CASE(Int8, int8_t)
    ST_DISPATCH_CASE(Int16, int16_t)
    ST_DISPATCH_CASE(Int32, int32_t)
    ST_DISPATCH_CASE(Int64, int64_t)
    ST_DISPATCH_CASE(Float32, float)
    ST_DISPATCH_CASE(Float64, double)
    default: dispatch_error(t);
  }
}
template <typename F>
decltype(auto) dispatch_storage(ScalarType t, F&& f) {
  switch (t) {
    ST_DISPATCH_CASE(Float16, Half)
    ST_DISPATCH_CASE(BFloat16, BFloat16)
    default: return dispatch_all(t, std::forward<F>(f));
  }
}
template <typename F>
decltype(auto) dispatch_numeric(ScalarType t, F&& f) {  // everything but bool
  switch (t) {
    ST_DISPATCH_CASE(UInt8, uint8_t)
    ST_DISPATCH_CASE(Int8, int8_t)
    ST_DISPATCH_CASE(Int16, int16_t)
    ST_DISPATCH_CASE(Int32, int32_t)
    ST_DISPATCH_CASE(Int64, int64_t)
    ST_DISPATCH_CASE(Float32, float)
    ST_DISPATCH_CASE(Float64, double)
    default:
      if (is_reduced_float(t)) dispatch_error(t);
      throw TypeError(str("operation not supported for dtype ", dtype_name(t)));
  }
}
template <typename F>
decltype(auto) dispatch_floating(ScalarType t, F&& f) {
  switch (t) {
    ST_DISPATCH_CASE(Float32, float)
    ST_DISPATCH_CASE(Float64, double)
    default:
      if (is_reduced_float(t)) dispatch_error(t);
      throw TypeError(str("operation only supported for floating dtypes, got ", dtype_name(t)));
  }
}
#undef ST_DISPATCH_CASE

template <typename T> constexpr ScalarType scalar_type_of();
template <> constexpr ScalarType scalar_type_of<bool>() { return ScalarType::Bool; }
template <> constexpr ScalarType scalar_type_of<uint8_t>() { return ScalarType::UInt8; }
template <> constexpr ScalarType scalar_type_of<int8_t>() { return ScalarType::Int8; }
template <> constexpr ScalarType scalar_type_of<int16_t>() { return ScalarType::Int16; }
template <> constexpr ScalarType scalar_type_of<int32_t>() { return ScalarType::Int32; }
template <> constexpr ScalarType scalar_type_of<int64_t>() { return ScalarType::Int64; }
template <> constexpr ScalarType scalar_type_of<float>() { return ScalarType::Float32; }
template <> constexpr ScalarType scalar_type_of<double>() { return ScalarType::Float64; }
template <> constexpr ScalarType scalar_type_of<Half>() { return ScalarType::Float16; }
template <> constexpr ScalarType scalar_type_of<BFloat16>() { return ScalarType::BFloat16; }

// A Python-like scalar: bool, int64 or double, remembering which.
struct Scalar {
  enum Kind : int8_t { Bool, Int, Float } kind = Int;
  union { bool b; int64_t i; double d; } v{};
  Scalar() { v.i = 0; }
  Scalar(bool x) : kind(Bool) { v.b = x; }
  Scalar(int x) : kind(Int) { v.i = x; }
  Scalar(int64_t x) : kind(Int) { v.i = x; }
  Scalar(double x) : kind(Float) { v.d = x; }
  template <typename T> T to() const {
    switch (kind) {
      case Bool: return static_cast<T>(v.b);
      case Int: return static_cast<T>(v.i);
      default: return static_cast<T>(v.d);
    }
  }
  double to_double() const { return to<double>(); }
  bool is_floating() const { return kind == Float; }
  // dtype a Python scalar of this kind gets when it becomes a tensor
  ScalarType natural_dtype() const {
    return kind == Bool ? ScalarType::Bool : kind == Int ? ScalarType::Int64 : default_dtype();
  }
};

// The integers an integral dtype (bool included) holds: [lo, hi].
void integer_range(ScalarType t, int64_t& lo, int64_t& hi);

// Whether writing `s` into a tensor of dtype `t` overflows, by PyTorch's rule: bool takes anything;
// a float dtype takes nan, inf and any int but not a finite double beyond its range; an integer dtype
// takes no nan/inf and nothing outside its range, except that uint8 wraps ints in [-255, -1].
bool scalar_overflows(const Scalar& s, ScalarType t);
// RuntimeError "value cannot be converted to type uint8_t without overflow" when it does (as the
// factories, fill_, clamp and masked_fill check their scalar in PyTorch).
void check_scalar_fits(const Scalar& s, ScalarType t);

}  // namespace st
