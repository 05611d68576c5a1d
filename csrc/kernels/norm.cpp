// Normalisation kernels (batch, layer and group norm): see nn.h.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>
#include <vector>
#include "nn.h"
#include "kernels.h"
#include "parallel.h"

namespace st::kernels {
namespace {

// Rows per thread chunk: enough rows that a chunk holds about kGrainSize elements.
inline int64_t row_grain(int64_t L) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(L, 1)); }

// Sum of p[0..L) in double, four independent accumulators (no reassociation needed to pipeline).
template <typename T>
inline double sum_row(const T* p, int64_t L) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= L; i += 4) {
    a0 += p[i];
    a1 += p[i + 1];
    a2 += p[i + 2];
    a3 += p[i + 3];
  }
  for (; i < L; ++i) a0 += p[i];
  return (a0 + a1) + (a2 + a3);
}

// Sum of (p[i] - c)^2.
template <typename T>
inline double sq_dev_row(const T* p, int64_t L, double c) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= L; i += 4) {
    double d0 = p[i] - c, d1 = p[i + 1] - c, d2 = p[i + 2] - c, d3 = p[i + 3] - c;
    a0 += d0 * d0;
    a1 += d1 * d1;
    a2 += d2 * d2;
    a3 += d3 * d3;
  }
  for (; i < L; ++i) {
    double d = p[i] - c;
    a0 += d * d;
  }
  return (a0 + a1) + (a2 + a3);
}

}  // namespace

// float16/bfloat16 rows are read and written through float32 (kernels.h: widen, through_float32).
void row_moments(const Tensor& x, int64_t R, int64_t L, double* mean, double* m2) {
  if (is_reduced_float(x.dtype())) return row_moments(widen(x), R, L, mean, m2);
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    parallel_for(0, R, row_grain(L), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const T* p = px + r * L;
        double m = L ? sum_row(p, L) / double(L) : 0.0;
        mean[r] = m;
        m2[r] = sq_dev_row(p, L, m);
      }
    });
  });
}

void row_affine(const Tensor& y, const Tensor& x, int64_t R, int64_t L, int64_t period, const double* center,
                const double* scale, const double* shift) {
  if (is_reduced_float(y.dtype()))
    return through_float32(y, [&](const Tensor& o) { row_affine(o, widen(x), R, L, period, center, scale, shift); });
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    T* py = y.data<T>();
    parallel_for(0, R, row_grain(L), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const T c = static_cast<T>(center[r % period]), s = static_cast<T>(scale[r % period]),
                h = static_cast<T>(shift[r % period]);
        const T* p = px + r * L;
        T* q = py + r * L;
        for (int64_t i = 0; i < L; ++i) q[i] = (p[i] - c) * s + h;
      }
    });
  });
}

void row_grad_sums(const Tensor& g, const Tensor& x, int64_t R, int64_t L, int64_t period, const double* shift,
                   double* sg, double* sgx) {
  if (is_reduced_float(x.dtype())) return row_grad_sums(widen(g), widen(x), R, L, period, shift, sg, sgx);
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pg = g.data<T>();
    const T* px = x.data<T>();
    parallel_for(0, R, row_grain(L), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const T* gr = pg + r * L;
        const T* xr = px + r * L;
        const double c = shift[r % period];
        double s0 = 0, s1 = 0, t0 = 0, t1 = 0;
        int64_t i = 0;
        for (; i + 2 <= L; i += 2) {
          s0 += gr[i];
          s1 += gr[i + 1];
          t0 += double(gr[i]) * (double(xr[i]) - c);
          t1 += double(gr[i + 1]) * (double(xr[i + 1]) - c);
        }
        for (; i < L; ++i) {
          s0 += gr[i];
          t0 += double(gr[i]) * (double(xr[i]) - c);
        }
        sg[r] = s0 + s1;
        sgx[r] = t0 + t1;
      }
    });
  });
}

void row_grad_input(const Tensor& gi, const Tensor& g, const Tensor& x, int64_t R, int64_t L, int64_t period,
                    const double* a, const double* b, const double* center, const double* k) {
  if (is_reduced_float(gi.dtype()))
    return through_float32(
        gi, [&](const Tensor& o) { row_grad_input(o, widen(g), widen(x), R, L, period, a, b, center, k); });
  dispatch_floating(g.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pg = g.data<T>();
    const T* px = b ? x.data<T>() : nullptr;
    T* po = gi.data<T>();
    parallel_for(0, R, row_grain(L), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const int64_t p = r % period;
        const T ca = static_cast<T>(a[p]);
        const T* gr = pg + r * L;
        T* o = po + r * L;
        if (px) {
          const T cb = static_cast<T>(b[p]), cc = static_cast<T>(center[p]), ck = static_cast<T>(k[p]);
          const T* xr = px + r * L;
          for (int64_t i = 0; i < L; ++i) o[i] = ca * gr[i] + cb * (xr[i] - cc) + ck;
        } else {
          for (int64_t i = 0; i < L; ++i) o[i] = ca * gr[i];
        }
      }
    });
  });
}

void layer_norm_forward(const Tensor& y, const Tensor& x, int64_t R, int64_t L, const double* mean,
                        const double* rstd, const Tensor& w, const Tensor& b) {
  if (is_reduced_float(y.dtype()))
    return through_float32(
        y, [&](const Tensor& o) { layer_norm_forward(o, widen(x), R, L, mean, rstd, widen(w), widen(b)); });
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    T* py = y.data<T>();
    const T* pw = w.defined() ? w.data<T>() : nullptr;
    const T* pb = b.defined() ? b.data<T>() : nullptr;
    parallel_for(0, R, row_grain(L), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const T s = static_cast<T>(rstd[r]), m = static_cast<T>(mean[r]);
        const T* p = px + r * L;
        T* q = py + r * L;
        if (pw && pb)
          for (int64_t i = 0; i < L; ++i) q[i] = (p[i] - m) * s * pw[i] + pb[i];
        else if (pw)
          for (int64_t i = 0; i < L; ++i) q[i] = (p[i] - m) * s * pw[i];
        else if (pb)
          for (int64_t i = 0; i < L; ++i) q[i] = (p[i] - m) * s + pb[i];
        else
          for (int64_t i = 0; i < L; ++i) q[i] = (p[i] - m) * s;
      }
    });
  });
}

void layer_norm_backward(const Tensor& gi, const Tensor& gw, const Tensor& gb, const Tensor& g, const Tensor& x,
                         int64_t R, int64_t L, const double* mean, const double* rstd, const Tensor& w) {
  if (is_reduced_float(x.dtype())) {  // float32 stand-ins for the outputs asked for, rounded at the end
    const auto stand_in = [](const Tensor& t) { return t.defined() ? empty(t.sizes(), ScalarType::Float32) : Tensor(); };
    const Tensor gi32 = stand_in(gi), gw32 = stand_in(gw), gb32 = stand_in(gb);
    layer_norm_backward(gi32, gw32, gb32, widen(g), widen(x), R, L, mean, rstd, widen(w));
    for (const auto& [to, from] : {std::pair<const Tensor*, const Tensor*>{&gi, &gi32}, {&gw, &gw32}, {&gb, &gb32}})
      if (to->defined()) copy(*to, *from);
    return;
  }
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pg = g.data<T>();
    const T* px = x.data<T>();
    const T* pw = w.defined() ? w.data<T>() : nullptr;
    T* pgi = gi.defined() ? gi.data<T>() : nullptr;
    const bool cols = gw.defined() || gb.defined();
    std::vector<double> acc_w(cols ? L : 0, 0.0), acc_b(cols ? L : 0, 0.0);
    std::mutex merge;
    parallel_for(0, R, row_grain(L), [&](int64_t rb, int64_t re) {
      std::vector<double> lw(cols ? L : 0, 0.0), lb(cols ? L : 0, 0.0);
      for (int64_t r = rb; r < re; ++r) {
        const T* gr = pg + r * L;
        const T* xr = px + r * L;
        const double m = mean[r], s = rstd[r];
        if (cols)
          for (int64_t i = 0; i < L; ++i) {
            lw[i] += double(gr[i]) * (double(xr[i]) - m) * s;
            lb[i] += gr[i];
          }
        if (!pgi) continue;
        // gi = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)) with gw = g * w
        double s1 = 0, s2 = 0;
        for (int64_t i = 0; i < L; ++i) {
          double gwi = pw ? double(gr[i]) * pw[i] : double(gr[i]);
          s1 += gwi;
          s2 += gwi * (double(xr[i]) - m);
        }
        s2 *= s;
        const double invL = 1.0 / double(L);
        const T ca = static_cast<T>(s), cb = static_cast<T>(-s * s * s2 * invL), cm = static_cast<T>(m),
                ck = static_cast<T>(-s * s1 * invL);
        T* o = pgi + r * L;
        if (pw)
          for (int64_t i = 0; i < L; ++i) o[i] = ca * (gr[i] * pw[i]) + cb * (xr[i] - cm) + ck;
        else
          for (int64_t i = 0; i < L; ++i) o[i] = ca * gr[i] + cb * (xr[i] - cm) + ck;
      }
      if (cols) {
        std::lock_guard<std::mutex> lock(merge);
        for (int64_t i = 0; i < L; ++i) {
          acc_w[i] += lw[i];
          acc_b[i] += lb[i];
        }
      }
    });
    if (gw.defined()) {
      T* o = gw.data<T>();
      for (int64_t i = 0; i < L; ++i) o[i] = static_cast<T>(acc_w[i]);
    }
    if (gb.defined()) {
      T* o = gb.data<T>();
      for (int64_t i = 0; i < L; ++i) o[i] = static_cast<T>(acc_b[i]);
    }
  });
}

}  // namespace st::kernels
