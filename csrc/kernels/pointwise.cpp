// Kernels of the pointwise family that are not rows of ops/binary.h, built on
// the functor maps (map.h).
#include "pointwise.h"
#include <atomic>
#include <cmath>
#include "map.h"
#include "scalar_math.h"

namespace st::kernels {

bool div_rounded(bool floor, const Tensor& out, const Tensor& a, const Tensor& b) {
  std::atomic<bool> zero{false};
  const sm::ZeroFlag z{&zero};
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (floor) map_binary<T, T>(out, a, b, [z](T x, T y) { return sm::div_floor(x, y, z); });
    else map_binary<T, T>(out, a, b, [z](T x, T y) { return sm::div_trunc(x, y, z); });
  });
  return !zero.load();
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_ternary<T, bool>(out, cond, a, b, [](bool c, T x, T y) { return c ? x : y; });
  });
}

void addcmul(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value,
             bool divide) {
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    if (divide) {
      map_ternary<T, T>(out, self, t1, t2, [v](T s, T x, T y) { return static_cast<T>(s + v * (x / y)); });
    } else {
      map_ternary<T, T>(out, self, t1, t2, [v](T s, T x, T y) { return static_cast<T>(s + v * (x * y)); });
    }
  });
}

void lerp(const Tensor& out, const Tensor& start, const Tensor& end, const Tensor& weight) {
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // two formulas so that weight 0 gives start and weight 1 gives end exactly
    map_ternary<T, T>(out, start, end, weight, [](T a, T b, T w) {
      return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * (T(1) - w);
    });
  });
}

}  // namespace st::kernels
