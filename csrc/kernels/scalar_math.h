// Scalar functions of two numbers that C++ does not provide with PyTorch's
// meaning: rounding division, remainder and fmod that never trap (an integer
// division by zero raises a flag the caller turns into an error; x / -1 wraps
// like two's complement instead of raising SIGFPE), and NaN-propagating
// maximum/minimum, and shifts by any count. The elementwise rows of ops/binary.h use them as functors.
#pragma once
#include <atomic>
#include <cmath>
#include <type_traits>

namespace st::kernels::sm {

template <typename T> constexpr bool kFloat = std::is_floating_point<T>::value;
template <typename T> constexpr bool kSigned = std::is_signed<T>::value && !kFloat<T>;

// Set by an integer division by zero; checked by the op after the loop.
struct ZeroFlag {
  std::atomic<bool>* hit = nullptr;
  void set() const { hit->store(true, std::memory_order_relaxed); }
};

template <typename T> T wrap_neg(T a) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U(0) - static_cast<U>(a));
}

template <typename T> T div_trunc(T a, T b, ZeroFlag z) {
  if constexpr (kFloat<T>) {
    return std::trunc(a / b);
  } else {
    if (b == 0) { z.set(); return 0; }
    if constexpr (kSigned<T>) if (b == T(-1)) return wrap_neg(a);
    return static_cast<T>(a / b);
  }
}

template <typename T> T div_floor(T a, T b, ZeroFlag z) {
  if constexpr (kFloat<T>) {
    if (b == 0) return a / b;
    T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return std::copysign(T(0), a / b);
    T fl = std::floor(div);
    if (div - fl > T(0.5)) fl += 1;
    return fl;
  } else {
    if (b == 0) { z.set(); return 0; }
    if constexpr (kSigned<T>) {
      if (b == T(-1)) return wrap_neg(a);
      T q = static_cast<T>(a / b), r = static_cast<T>(a % b);
      return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(q - 1) : q;
    } else {
      return static_cast<T>(a / b);
    }
  }
}

// The sign of b (Python's %).
template <typename T> T remainder(T a, T b, ZeroFlag z) {
  if constexpr (kFloat<T>) {
    T r = std::fmod(a, b);
    return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;
  } else {
    if (b == 0) { z.set(); return 0; }
    if constexpr (kSigned<T>) {
      if (b == T(-1)) return 0;
      T r = static_cast<T>(a % b);
      return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
    } else {
      return static_cast<T>(a % b);
    }
  }
}

// The sign of a (C's fmod).
template <typename T> T fmod(T a, T b, ZeroFlag z) {
  if constexpr (kFloat<T>) {
    return std::fmod(a, b);
  } else {
    if (b == 0) { z.set(); return 0; }
    if constexpr (kSigned<T>) if (b == T(-1)) return 0;
    return static_cast<T>(a % b);
  }
}

// A NaN on either side wins.
template <typename T> T maximum(T a, T b) { return (a > b || a != a) ? a : b; }
template <typename T> T minimum(T a, T b) { return (a < b || a != a) ? a : b; }

// Integer shifts as PyTorch defines them for any count: a count that is
// negative or at least the width shifts every bit out (0; for a right shift of
// a negative value, -1), and a left shift wraps in two's complement.
template <typename T> T shift_left(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (b < 0 || static_cast<uint64_t>(b) >= sizeof(T) * 8) return 0;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) << b));
}
template <typename T> T shift_right(T a, T b) {
  if (b < 0 || static_cast<uint64_t>(b) >= sizeof(T) * 8) return a < 0 ? T(-1) : T(0);
  return static_cast<T>(a >> b);
}

}  // namespace st::kernels::sm
