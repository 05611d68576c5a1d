// The two 16-bit float formats (IEEE binary16 "float16" and bfloat16) as
// storage types: their values are converted to float32 to compute and rounded
// back (to nearest, ties to even) to store, as PyTorch's CPU kernels do.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace st {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0) {  // zero or subnormal: m * 2^-24, exact in float32
    const float v = static_cast<float>(m) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  if (e == 31) return bits_float(sign | 0x7f800000u | (m << 13));  // inf, nan (payload kept)
  return bits_float(sign | ((e + 112) << 23) | (m << 13));
}

inline uint16_t float_to_half(float f) {
  const uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // nan: quiet, top payload bits (as F16C)
  if (ax >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds to inf (inf included)
  if (ax < 0x38800000u) {
    // below 2^-14: a subnormal (or zero). Adding 0.5 puts the value's bits at
    // float32's ulp of 2^-24, the subnormal step, rounding it to nearest even
    // in one float addition; the low mantissa bits are then the result.
    const float r = bits_float(ax) + 0.5f;
    return static_cast<uint16_t>(sign | (float_bits(r) - 0x3f000000u));
  }
  // normal: rebias the exponent by -112 and round the 13 dropped bits to nearest even
  const uint32_t odd = (ax >> 13) & 1u;
  return static_cast<uint16_t>(sign | ((ax - 0x38000000u + 0xfffu + odd) >> 13));
}

// bfloat16: the upper half of a float32.
inline float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }
inline uint16_t float_to_bfloat16(float f) {  // branch-free, so loops over it vectorise
  const uint32_t x = float_bits(f);
  const uint32_t r = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
  return static_cast<uint16_t>((x & 0x7fffffffu) > 0x7f800000u ? 0xffffu : r);  // nan: all ones, as PyTorch's vectorised conversion
}

// Element types for the dispatchers that move or convert stored values
// (copy, fill, item); arithmetic never sees them.
struct Half {
  uint16_t bits;
  Half() = default;
  explicit Half(float f) : bits(float_to_half(f)) {}
  explicit operator float() const { return half_to_float(bits); }
};
static_assert(sizeof(uint16_t) == 2, "16-bit storage");
struct BFloat16 {
  uint16_t bits;
  BFloat16() = default;
  explicit BFloat16(float f) : bits(float_to_bfloat16(f)) {}
  explicit operator float() const { return bfloat16_to_float(bits); }
};

template <typename T> struct is_reduced_float_t { static constexpr bool value = false; };
template <> struct is_reduced_float_t<Half> { static constexpr bool value = true; };
template <> struct is_reduced_float_t<BFloat16> { static constexpr bool value = true; };

// Converts between any two element types, the 16-bit floats through float32
// (as PyTorch's c10::convert does, double -> float -> half included).
template <typename D, typename S>
inline D convert_value(S v) {
  if constexpr (is_reduced_float_t<S>::value) {
    const float f = static_cast<float>(v);
    if constexpr (is_reduced_float_t<D>::value) return D(f);
    else if constexpr (std::is_same<D, bool>::value) return f != 0.0f;
    else return static_cast<D>(f);
  } else if constexpr (is_reduced_float_t<D>::value) {
    return D(static_cast<float>(v));
  } else {
    return static_cast<D>(v);
  }
}

}  // namespace st
