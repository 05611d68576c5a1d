// div with rounding_mode, on the functor maps (map.h).
#include "pointwise.h"
#include <atomic>
#include <cmath>
#include "kernels.h"
#include "map.h"
#include "scalar_math.h"

namespace st::kernels {

bool div_rounded(bool floor, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (is_reduced_float(out.dtype())) {  // in float32, rounded once
    bool ok = true;
    through_float32(out, [&](const Tensor& o) { ok = div_rounded(floor, o, widen(a), widen(b)); });
    return ok;
  }
  std::atomic<bool> zero{false};
  const sm::ZeroFlag z{&zero};
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (floor) map_binary<T, T>(out, a, b, [z](T x, T y) { return sm::div_floor(x, y, z); });
    else map_binary<T, T>(out, a, b, [z](T x, T y) { return sm::div_trunc(x, y, z); });
  });
  return !zero.load();
}

}  // namespace st::kernels
