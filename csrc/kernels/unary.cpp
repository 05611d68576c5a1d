// clamp's gradient masks (clamp itself is a row of ops/ternary.h).
#include "unary.h"

namespace st::kernels {

void clamp_mask(const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi, int which) {
  if (out.numel() == 0) return;
  if (is_reduced_float(x.dtype())) {  // compared in float32, where the values are the same
    const Tensor wl = lo ? widen(*lo) : Tensor(), wh = hi ? widen(*hi) : Tensor();
    return clamp_mask(out, widen(x), lo ? &wl : nullptr, hi ? &wh : nullptr, which);
  }
  // an absent bound reads x in its place and is ignored by the mask
  const Tensor& l = lo ? *lo : x;
  const Tensor& h = hi ? *hi : x;
  const bool L = lo != nullptr, H = hi != nullptr;
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (which == 0)
      map3<bool, T, T, T>(out, x, l, h, [L, H](T v, T a, T b) { return (!L || v >= a) && (!H || v <= b); });
    else if (which == 1)
      map3<bool, T, T, T>(out, x, l, h, [L, H](T v, T a, T b) { return L && v < a && (!H || a < b); });
    else
      map3<bool, T, T, T>(out, x, l, h, [L, H](T v, T a, T b) { return H && (v > b || (L && b < a)); });
  });
}

}  // namespace st::kernels
