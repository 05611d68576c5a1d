#include "scalar_type.h"
#include <cmath>
#include <limits>

namespace st {

const char* dtype_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::UInt8: return "uint8";
    case ScalarType::Int8: return "int8";
    case ScalarType::Int16: return "int16";
    case ScalarType::Int32: return "int32";
    case ScalarType::Int64: return "int64";
    case ScalarType::Float32: return "float32";
    case ScalarType::Float64: return "float64";
    case ScalarType::Float16: return "float16";
    case ScalarType::BFloat16: return "bfloat16";
    default: return "undefined";
  }
}

const char* torch_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "Bool";
    case ScalarType::UInt8: return "Byte";
    case ScalarType::Int8: return "Char";
    case ScalarType::Int16: return "Short";
    case ScalarType::Int32: return "Int";
    case ScalarType::Int64: return "Long";
    case ScalarType::Float32: return "Float";
    case ScalarType::Float64: return "Double";
    case ScalarType::Float16: return "Half";
    case ScalarType::BFloat16: return "BFloat16";
    default: return "Undefined";
  }
}

const char* cpp_name(ScalarType t) {
  switch (t) {
    case ScalarType::Float32: return "float";
    case ScalarType::Float64: return "double";
    case ScalarType::Float16: return "c10::Half";
    case ScalarType::BFloat16: return "c10::BFloat16";
    case ScalarType::Int64: return "long int";
    case ScalarType::Int32: return "int";
    case ScalarType::Int16: return "short int";
    case ScalarType::Int8: return "signed char";
    case ScalarType::UInt8: return "unsigned char";
    default: return "bool";
  }
}

void integer_range(ScalarType t, int64_t& lo, int64_t& hi) {
  switch (t) {
    case ScalarType::Bool: lo = 0; hi = 1; break;
    case ScalarType::UInt8: lo = 0; hi = std::numeric_limits<uint8_t>::max(); break;
    case ScalarType::Int8: lo = std::numeric_limits<int8_t>::min(); hi = std::numeric_limits<int8_t>::max(); break;
    case ScalarType::Int16: lo = std::numeric_limits<int16_t>::min(); hi = std::numeric_limits<int16_t>::max(); break;
    case ScalarType::Int32: lo = std::numeric_limits<int32_t>::min(); hi = std::numeric_limits<int32_t>::max(); break;
    case ScalarType::Int64: lo = std::numeric_limits<int64_t>::min(); hi = std::numeric_limits<int64_t>::max(); break;
    default: throw Error(str("integer_range: ", dtype_name(t), " is not an integral dtype"));
  }
}

double max_finite(ScalarType t) {
  switch (t) {
    case ScalarType::Float16: return 65504.0;
    case ScalarType::BFloat16: return 3.3895313892515355e38;  // float32's exponent, 8 significant bits
    case ScalarType::Float32: return std::numeric_limits<float>::max();
    case ScalarType::Float64: return std::numeric_limits<double>::max();
    default: throw Error(str("max_finite: ", dtype_name(t), " is not a floating dtype"));
  }
}

bool scalar_overflows(const Scalar& s, ScalarType t) {
  if (t == ScalarType::Bool || s.kind == Scalar::Bool) return false;
  if (t == ScalarType::Float64) return false;
  if (is_floating(t)) {
    // PyTorch checks ints against float16's range too, but not against the wider ones
    const double top = max_finite(t);
    if (s.kind == Scalar::Int) return t == ScalarType::Float16 && (s.v.i > top || s.v.i < -top);
    double d = s.v.d;
    return std::isfinite(d) && (d > top || d < -top);
  }
  int64_t lo = 0, hi = 0;
  integer_range(t, lo, hi);
  if (s.kind == Scalar::Int) {
    if (t == ScalarType::UInt8) return s.v.i > hi || s.v.i < -hi;  // two's complement wrap of -1..-255
    return s.v.i > hi || s.v.i < lo;
  }
  double d = s.v.d;
  if (std::isnan(d)) return true;
  return d < static_cast<double>(lo) || d > static_cast<double>(hi);
}

static const char* c_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::UInt8: return "uint8_t";
    case ScalarType::Int8: return "int8_t";
    case ScalarType::Int16: return "int16_t";
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "int64_t";
    case ScalarType::Float32: return "float";
    case ScalarType::Float16: return "c10::Half";
    case ScalarType::BFloat16: return "c10::BFloat16";
    default: return "double";
  }
}

void check_scalar_fits(const Scalar& s, ScalarType t) {
  if (scalar_overflows(s, t))
    throw Error(str("value cannot be converted to type ", c_type_name(t), " without overflow"));
}

void dispatch_error(ScalarType t) {
  if (is_reduced_float(t))
    throw NotImplementedError(str("\"operation\" not implemented for '", torch_type_name(t),
                                  "' (float16 and bfloat16 compute in float32 where smalltorch supports them)"));
  throw Error("dispatch: undefined dtype");
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (a == ScalarType::Undefined) return b;
  if (b == ScalarType::Undefined) return a;
  // uint8 with a signed 8-bit value needs 16 bits; otherwise the order
  // b1 < u8 < i8 < i16 < i32 < i64 < f16/bf16 < f32 < f64 is a chain: the larger one wins
  // (bool with anything -> the other, uint8 with int32 -> int32).
  if ((a == ScalarType::UInt8 && b == ScalarType::Int8) || (a == ScalarType::Int8 && b == ScalarType::UInt8))
    return ScalarType::Int16;
  // neither 16-bit float holds the other's values
  if ((a == ScalarType::Float16 && b == ScalarType::BFloat16) || (a == ScalarType::BFloat16 && b == ScalarType::Float16))
    return ScalarType::Float32;
  return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

bool can_cast(ScalarType from, ScalarType to) {
  return category(from) <= category(to);
}

static ScalarType g_default_dtype = ScalarType::Float32;
ScalarType default_dtype() { return g_default_dtype; }
void set_default_dtype(ScalarType t) {
  ST_CHECK_T(is_floating(t), TypeError, "only floating-point types are supported as the default type, got ", dtype_name(t));
  g_default_dtype = t;
}

}  // namespace st
