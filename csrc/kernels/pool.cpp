// Pooling kernels (see pool.h): planes split over the thread pool.
#include "pool.h"
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels.h"
#include "parallel.h"

namespace st::kernels {

namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

int64_t plane_grain(const PoolWindows& w) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, w.H * w.W + w.oH * w.oW));
}

}  // namespace

// float16/bfloat16 planes are pooled in float32 (kernels.h: widen, through_float32), rounded once.
void max_pool_forward(const PoolWindows& w, const Tensor& in, const Tensor& out, const Tensor& indices) {
  if (is_reduced_float(out.dtype()))
    return through_float32(out, [&](const Tensor& o) { max_pool_forward(w, widen(in), o, indices); });
  dispatch_numeric(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    int64_t* ix = indices.data<int64_t>();
    parallel_for(0, w.P, plane_grain(w), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const T* plane = x + p * w.H * w.W;
        T* yo = y + p * w.oH * w.oW;
        int64_t* io = ix + p * w.oH * w.oW;
        for (int64_t oh = 0; oh < w.oH; ++oh) {
          for (int64_t ow = 0; ow < w.oW; ++ow) {
            int64_t best_i = w.hs[oh] * w.W + w.ws[ow];
            T best = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                          : std::numeric_limits<T>::lowest();
            for (int64_t h = w.hs[oh]; h < w.he[oh]; h += w.stepH) {
              const T* row = plane + h * w.W;
              for (int64_t c = w.ws[ow]; c < w.we[ow]; c += w.stepW) {
                const T v = row[c];
                if (v > best || is_nan(v)) {
                  best = v;
                  best_i = h * w.W + c;
                }
              }
            }
            yo[oh * w.oW + ow] = best;
            io[oh * w.oW + ow] = best_i;
          }
        }
      }
    });
  });
}

void max_pool_backward(const PoolWindows& w, const Tensor& grad_out, const Tensor& indices, const Tensor& grad_in) {
  if (is_reduced_float(grad_in.dtype()))
    return through_float32(grad_in, [&](const Tensor& o) { max_pool_backward(w, widen(grad_out), indices, o); });
  dispatch_floating(grad_in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = grad_out.data<T>();
    const int64_t* ix = indices.data<int64_t>();
    T* d = grad_in.data<T>();
    const int64_t S = w.oH * w.oW, HW = w.H * w.W;
    parallel_for(0, w.P, plane_grain(w), [&](int64_t p0, int64_t p1) {
      std::memset(d + p0 * HW, 0, sizeof(T) * (p1 - p0) * HW);
      for (int64_t p = p0; p < p1; ++p) {
        T* plane = d + p * HW;
        for (int64_t i = 0; i < S; ++i) {
          const int64_t j = ix[p * S + i];
          if (j >= 0 && j < HW) plane[j] += g[p * S + i];  // an empty window's index points nowhere
        }
      }
    });
  });
}

void avg_pool_forward(const PoolWindows& w, const Tensor& in, const Tensor& out) {
  if (is_reduced_float(out.dtype()))
    return through_float32(out, [&](const Tensor& o) { avg_pool_forward(w, widen(in), o); });
  dispatch_floating(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    parallel_for(0, w.P, plane_grain(w), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const T* plane = x + p * w.H * w.W;
        T* yo = y + p * w.oH * w.oW;
        for (int64_t oh = 0; oh < w.oH; ++oh) {
          for (int64_t ow = 0; ow < w.oW; ++ow) {
            T s = 0;
            for (int64_t h = w.hs[oh]; h < w.he[oh]; ++h) {
              const T* row = plane + h * w.W;
              for (int64_t c = w.ws[ow]; c < w.we[ow]; ++c) s += row[c];
            }
            yo[oh * w.oW + ow] = static_cast<T>(s / static_cast<T>(w.divisor[oh * w.oW + ow]));
          }
        }
      }
    });
  });
}

void avg_pool_backward(const PoolWindows& w, const Tensor& grad_out, const Tensor& grad_in) {
  if (is_reduced_float(grad_in.dtype()))
    return through_float32(grad_in, [&](const Tensor& o) { avg_pool_backward(w, widen(grad_out), o); });
  dispatch_floating(grad_in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = grad_out.data<T>();
    T* d = grad_in.data<T>();
    const int64_t HW = w.H * w.W;
    parallel_for(0, w.P, plane_grain(w), [&](int64_t p0, int64_t p1) {
      std::memset(d + p0 * HW, 0, sizeof(T) * (p1 - p0) * HW);
      for (int64_t p = p0; p < p1; ++p) {
        T* plane = d + p * HW;
        const T* go = g + p * w.oH * w.oW;
        for (int64_t oh = 0; oh < w.oH; ++oh) {
          for (int64_t ow = 0; ow < w.oW; ++ow) {
            const T v = static_cast<T>(go[oh * w.oW + ow] / static_cast<T>(w.divisor[oh * w.oW + ow]));
            for (int64_t h = w.hs[oh]; h < w.he[oh]; ++h) {
              T* row = plane + h * w.W;
              for (int64_t c = w.ws[ow]; c < w.we[ow]; ++c) row[c] += v;
            }
          }
        }
      }
    });
  });
}

}  // namespace st::kernels
