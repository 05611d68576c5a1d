#include "scalar_type.h"

namespace st {

const char* dtype_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::UInt8: return "uint8";
    case ScalarType::Int32: return "int32";
    case ScalarType::Int64: return "int64";
    case ScalarType::Float32: return "float32";
    case ScalarType::Float64: return "float64";
    default: return "undefined";
  }
}

const char* torch_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "Bool";
    case ScalarType::UInt8: return "Byte";
    case ScalarType::Int32: return "Int";
    case ScalarType::Int64: return "Long";
    case ScalarType::Float32: return "Float";
    case ScalarType::Float64: return "Double";
    default: return "Undefined";
  }
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (a == ScalarType::Undefined) return b;
  if (b == ScalarType::Undefined) return a;
  // Order b1 < u8 < i32 < i64 < f32 < f64 is a chain for our six types, so the
  // larger one wins: uint8 with int32 -> int32, bool with anything -> other.
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
