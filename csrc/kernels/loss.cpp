// Loss kernels (nll, mse, binary cross entropy with logits) and embedding rows: see nn.h.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>
#include "kernels.h"
#include "nn.h"
#include "parallel.h"

namespace st::kernels {

void nll_loss_forward(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t N, int64_t C,
                      int64_t S, int64_t ignore_index, const Tensor& elem, double* loss_sum, double* weight_sum) {
  if (is_reduced_float(input.dtype()))
    return through_float32(elem, [&](const Tensor& e) {
      nll_loss_forward(widen(input), target, widen(weight), N, C, S, ignore_index, e, loss_sum, weight_sum);
    });
  dispatch_floating(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = input.data<T>();
    const int64_t* pt = target.data<int64_t>();
    const T* pw = weight.defined() ? weight.data<T>() : nullptr;
    T* pe = elem.defined() ? elem.data<T>() : nullptr;
    double ls = 0, ws = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = n * S + s, t = pt[i];
        if (t == ignore_index) {
          if (pe) pe[i] = T(0);
          continue;
        }
        ST_CHECK_T(t >= 0 && t < C, IndexError, "Target ", t, " is out of bounds.");
        const T w = pw ? pw[t] : T(1);
        const T l = -w * px[(n * C + t) * S + s];
        if (pe) pe[i] = l;
        ls += l;
        ws += w;
      }
    *loss_sum = ls;
    *weight_sum = ws;
  });
}

void nll_loss_backward(const Tensor& gi, const Tensor& target, const Tensor& weight, int64_t N, int64_t C, int64_t S,
                       int64_t ignore_index, const Tensor& g_elem, double scale) {
  if (is_reduced_float(gi.dtype()))
    return through_float32(gi, [&](const Tensor& o) {
      nll_loss_backward(o, target, widen(weight), N, C, S, ignore_index, widen(g_elem), scale);
    });
  dispatch_floating(gi.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* po = gi.data<T>();
    std::memset(static_cast<void*>(po), 0, sizeof(T) * size_t(N * C * S));
    const int64_t* pt = target.data<int64_t>();
    const T* pw = weight.defined() ? weight.data<T>() : nullptr;
    const T* pg = g_elem.defined() ? g_elem.data<T>() : nullptr;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = n * S + s, t = pt[i];
        if (t == ignore_index || t < 0 || t >= C) continue;
        const double w = pw ? double(pw[t]) : 1.0;
        po[(n * C + t) * S + s] = static_cast<T>(-w * scale * (pg ? double(pg[i]) : 1.0));
      }
  });
}

namespace {
constexpr int64_t kPointGrain = 1 << 15;

// Runs f(i) over n elements in chunks on the pool and sums what it returns (double).
template <typename F>
double sum_over(int64_t n, F f) {
  std::vector<double> parts;
  std::mutex m;
  double total = 0;
  parallel_for(0, n, kPointGrain, [&](int64_t b, int64_t e) {
    double a0 = 0, a1 = 0;
    int64_t i = b;
    for (; i + 2 <= e; i += 2) {
      a0 += f(i);
      a1 += f(i + 1);
    }
    for (; i < e; ++i) a0 += f(i);
    std::lock_guard<std::mutex> lock(m);
    total += a0 + a1;
  });
  return total;
}

template <typename F>
void each(int64_t n, F f) {
  parallel_for(0, n, kPointGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}

// log(1 + exp(-x)), stably.
template <typename T>
inline T softplus_neg(T x) {
  return std::log1p(std::exp(-std::abs(x))) + std::max(-x, T(0));
}
}  // namespace

double mse_forward(const Tensor& x, const Tensor& t, const Tensor& elem) {
  if (is_reduced_float(x.dtype())) {
    double r = 0;
    through_float32(elem, [&](const Tensor& e) { r = mse_forward(widen(x), widen(t), e); });
    return r;
  }
  return dispatch_floating(x.dtype(), [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const int64_t n = x.numel();
    if (elem.defined()) {
      T* pe = elem.data<T>();
      each(n, [&](int64_t i) {
        T d = px[i] - pt[i];
        pe[i] = d * d;
      });
      return 0.0;
    }
    return sum_over(n, [&](int64_t i) {
      T d = px[i] - pt[i];
      return double(d * d);
    });
  });
}

void mse_backward(const Tensor& gi, const Tensor& gt, const Tensor& x, const Tensor& t, const Tensor& g_elem,
                  double scale) {
  if (is_reduced_float(x.dtype()))
    return through_float32(gi, [&](const Tensor& a) {
      through_float32(gt, [&](const Tensor& b) { mse_backward(a, b, widen(x), widen(t), widen(g_elem), scale); });
    });
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pg = g_elem.defined() ? g_elem.data<T>() : nullptr;
    T* pi = gi.defined() ? gi.data<T>() : nullptr;
    T* po = gt.defined() ? gt.data<T>() : nullptr;
    const T c = static_cast<T>(2.0 * scale);
    each(x.numel(), [&](int64_t i) {
      T v = c * (px[i] - pt[i]);
      if (pg) v *= pg[i];
      if (pi) pi[i] = v;
      if (po) po[i] = -v;
    });
  });
}

double bce_logits_forward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw, const Tensor& elem) {
  if (is_reduced_float(x.dtype())) {
    double r = 0;
    through_float32(elem, [&](const Tensor& e) {
      r = bce_logits_forward(widen(x), widen(t), widen(w), widen(pw), e);
    });
    return r;
  }
  return dispatch_floating(x.dtype(), [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pww = w.defined() ? w.data<T>() : nullptr;
    const T* ppw = pw.defined() ? pw.data<T>() : nullptr;
    auto loss = [&](int64_t i) {
      const T xi = px[i], ti = pt[i];
      const T lw = ppw ? (ppw[i] - T(1)) * ti + T(1) : T(1);
      T l = (T(1) - ti) * xi + lw * softplus_neg(xi);
      return pww ? l * pww[i] : l;
    };
    if (elem.defined()) {
      T* pe = elem.data<T>();
      each(x.numel(), [&](int64_t i) { pe[i] = loss(i); });
      return 0.0;
    }
    return sum_over(x.numel(), [&](int64_t i) { return double(loss(i)); });
  });
}

void bce_logits_backward(const Tensor& gi, const Tensor& gt, const Tensor& x, const Tensor& t, const Tensor& w,
                         const Tensor& pw, const Tensor& g_elem, double scale) {
  if (is_reduced_float(x.dtype()))
    return through_float32(gi, [&](const Tensor& a) {
      through_float32(gt, [&](const Tensor& b) {
        bce_logits_backward(a, b, widen(x), widen(t), widen(w), widen(pw), widen(g_elem), scale);
      });
    });
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pww = w.defined() ? w.data<T>() : nullptr;
    const T* ppw = pw.defined() ? pw.data<T>() : nullptr;
    const T* pg = g_elem.defined() ? g_elem.data<T>() : nullptr;
    T* pi = gi.defined() ? gi.data<T>() : nullptr;
    T* po = gt.defined() ? gt.data<T>() : nullptr;
    const T sc = static_cast<T>(scale);
    each(x.numel(), [&](int64_t i) {
      const T xi = px[i], ti = pt[i];
      T f = sc;
      if (pg) f *= pg[i];
      if (pww) f *= pww[i];
      if (pi) {
        // d/dx [(1 - t) x + lw softplus(-x)] = (1 - t) - lw sigmoid(-x)
        const T sig_neg = T(1) / (T(1) + std::exp(xi));
        const T lw = ppw ? (ppw[i] - T(1)) * ti + T(1) : T(1);
        pi[i] = f * ((T(1) - ti) - lw * sig_neg);
      }
      if (po) {
        // d/dt = -x + (pw - 1) softplus(-x)
        const T d = ppw ? (ppw[i] - T(1)) * softplus_neg(xi) - xi : -xi;
        po[i] = f * d;
      }
    });
  });
}

void embedding_forward(const Tensor& out, const Tensor& weight, const Tensor& idx, int64_t n, int64_t V, int64_t D) {
  const int64_t* pi = idx.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    ST_CHECK_T(pi[i] >= 0 && pi[i] < V, IndexError, "index out of range in self");
  const size_t row = element_size(weight.dtype()) * size_t(D);  // rows are moved as bytes: any dtype
  const char* pw = static_cast<const char*>(weight.raw_data());
  char* po = static_cast<char*>(out.raw_data());
  parallel_for(0, n, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(D, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(po + size_t(i) * row, pw + size_t(pi[i]) * row, row);
  });
}

void embedding_backward(const Tensor& gw, const Tensor& g, const Tensor& idx, int64_t n, int64_t V, int64_t D,
                        int64_t padding_idx, bool scale_by_freq) {
  const int64_t* pi = idx.data<int64_t>();
  std::vector<int64_t> count;
  if (scale_by_freq) {
    count.assign(size_t(V), 0);
    for (int64_t i = 0; i < n; ++i)
      if (pi[i] >= 0 && pi[i] < V) ++count[size_t(pi[i])];
  }
  if (is_reduced_float(gw.dtype()))
    return through_float32(gw, [&](const Tensor& o) {
      embedding_backward(o, widen(g), idx, n, V, D, padding_idx, scale_by_freq);
    });
  dispatch_floating(gw.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* po = gw.data<T>();
    std::memset(static_cast<void*>(po), 0, sizeof(T) * size_t(V * D));
    const T* pg = g.data<T>();
    // Threads split the columns: each row update touches its own slice, no races.
    parallel_for(0, D, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t r = pi[i];
        if (r == padding_idx || r < 0 || r >= V) continue;
        const T f = scale_by_freq ? T(1) / T(count[size_t(r)]) : T(1);
        T* o = po + r * D;
        const T* s = pg + i * D;
        for (int64_t j = b; j < e; ++j) o[j] += s[j] * f;
      }
    });
  });
}

}  // namespace st::kernels
