// Convolution kernels (see conv.h).
#include "conv.h"
#include <cstring>
#include "blas.h"
#include "parallel.h"

namespace st::kernels {

namespace {

// A 1x1 kernel with unit stride, no padding and unit dilation: the columns are the image itself.
bool is_pointwise(const ConvGeom& g) {
  return g.kH == 1 && g.kW == 1 && g.sH == 1 && g.sW == 1 && g.pH == 0 && g.pW == 0 && g.oH == g.H && g.oW == g.W;
}

// The three ways to compute a stride-1 convolution g (or its weight gradient) in dtype. Forcing
// Winograd on (tests) outranks the direct path; by default the direct path outranks Winograd (its
// size rule leaves Winograd the many-channel convolutions).
enum class Path { Im2col, Winograd, Direct };
Path pick(const ConvGeom& g, ScalarType dtype, bool weight_grad) {
  const bool wino = winograd_used(g, weight_grad);
  if (wino && winograd_mode() == 1) return Path::Winograd;
  if (direct_conv_used(g, dtype)) return Path::Direct;
  return wino ? Path::Winograd : Path::Im2col;
}

// Samples of one chunk of the batch per pool thread: the columns buffer is reused across them.
template <typename F>
void over_batch(const ConvGeom& g, F&& fn) {
  parallel_for(0, g.N, 1, fn);
}

}  // namespace

template <typename T>
void im2col(const ConvGeom& g, const T* image, T* col) {
  const int64_t L = g.oH * g.oW;
  for (int64_t c = 0; c < g.C; ++c) {
    const T* plane = image + c * g.H * g.W;
    for (int64_t kh = 0; kh < g.kH; ++kh) {
      for (int64_t kw = 0; kw < g.kW; ++kw) {
        T* row = col + ((c * g.kH + kh) * g.kW + kw) * L;
        const int64_t woff = kw * g.dW - g.pW;
        // the output columns ow whose input column ow*sW + woff lies inside [0, W)
        int64_t ow0 = woff >= 0 ? 0 : (-woff + g.sW - 1) / g.sW;
        int64_t ow1 = g.W - woff <= 0 ? 0 : (g.W - woff + g.sW - 1) / g.sW;
        ow1 = std::min(ow1, g.oW);
        ow0 = std::min(ow0, ow1);
        for (int64_t oh = 0; oh < g.oH; ++oh) {
          T* out = row + oh * g.oW;
          const int64_t ih = oh * g.sH - g.pH + kh * g.dH;
          if (ih < 0 || ih >= g.H) {
            std::memset(out, 0, sizeof(T) * g.oW);
            continue;
          }
          const T* in = plane + ih * g.W + woff;
          for (int64_t ow = 0; ow < ow0; ++ow) out[ow] = T(0);
          if (g.sW == 1) {
            std::memcpy(out + ow0, in + ow0, sizeof(T) * (ow1 - ow0));
          } else {
            for (int64_t ow = ow0; ow < ow1; ++ow) out[ow] = in[ow * g.sW];
          }
          for (int64_t ow = ow1; ow < g.oW; ++ow) out[ow] = T(0);
        }
      }
    }
  }
}

template <typename T>
void col2im(const ConvGeom& g, const T* col, T* image) {
  const int64_t L = g.oH * g.oW;
  for (int64_t c = 0; c < g.C; ++c) {
    T* plane = image + c * g.H * g.W;
    for (int64_t kh = 0; kh < g.kH; ++kh) {
      for (int64_t kw = 0; kw < g.kW; ++kw) {
        const T* row = col + ((c * g.kH + kh) * g.kW + kw) * L;
        const int64_t woff = kw * g.dW - g.pW;
        int64_t ow0 = woff >= 0 ? 0 : (-woff + g.sW - 1) / g.sW;
        int64_t ow1 = g.W - woff <= 0 ? 0 : (g.W - woff + g.sW - 1) / g.sW;
        ow1 = std::min(ow1, g.oW);
        ow0 = std::min(ow0, ow1);
        for (int64_t oh = 0; oh < g.oH; ++oh) {
          const int64_t ih = oh * g.sH - g.pH + kh * g.dH;
          if (ih < 0 || ih >= g.H) continue;
          const T* in = row + oh * g.oW;
          T* out = plane + ih * g.W + woff;
          if (g.sW == 1) {
            for (int64_t ow = ow0; ow < ow1; ++ow) out[ow] += in[ow];
          } else {
            for (int64_t ow = ow0; ow < ow1; ++ow) out[ow * g.sW] += in[ow];
          }
        }
      }
    }
  }
}

template void im2col<float>(const ConvGeom&, const float*, float*);
template void im2col<double>(const ConvGeom&, const double*, double*);
template void col2im<float>(const ConvGeom&, const float*, float*);
template void col2im<double>(const ConvGeom&, const double*, double*);

void conv_unfold_gemm(const ConvGeom& g, const Tensor& image, const Tensor& weight, const Tensor& colside,
                      const Tensor& bias) {
  switch (pick(g, image.dtype(), false)) {
    case Path::Winograd: return winograd_conv3x3(g, image, weight, bias, colside, false);
    case Path::Direct: return direct_conv(g, image, weight, bias, colside, false);
    case Path::Im2col: break;
  }
  dispatch_floating(image.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t K = g.K(), L = g.L();
    const bool direct = is_pointwise(g);
    const T* x = image.data<T>();
    const T* w = weight.data<T>();
    T* y = colside.data<T>();
    over_batch(g, [&](int64_t n0, int64_t n1) {
      Tensor buf = direct ? Tensor() : st::empty({K, L}, image.dtype());
      T* col = direct ? nullptr : buf.data<T>();
      for (int64_t n = n0; n < n1; ++n) {
        for (int64_t gi = 0; gi < g.G; ++gi) {
          const T* img = x + (n * g.G + gi) * g.C * g.H * g.W;
          if (direct) col = const_cast<T*>(img);
          else im2col<T>(g, img, col);
          gemm_one<T>(y + (n * g.G + gi) * g.R * L, w + gi * g.R * K, false, K, col, false, L, g.R, L, K, T(1), T(0));
        }
      }
    });
  });
  if (bias.defined()) add_channel_bias(colside, bias);
}

void conv_gemm_fold(const ConvGeom& g, const Tensor& colside, const Tensor& weight, const Tensor& image) {
  if (g.sH == 1 && g.sW == 1) {  // the adjoint is a convolution of the column side
    const ConvGeom a = adjoint_geometry(g);
    switch (pick(a, image.dtype(), false)) {
      case Path::Winograd: return winograd_conv3x3(a, colside, weight, Tensor(), image, true);
      case Path::Direct: return direct_conv(a, colside, weight, Tensor(), image, true);
      case Path::Im2col: break;
    }
  }
  dispatch_floating(image.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t K = g.K(), L = g.L();
    const bool direct = is_pointwise(g);
    const T* y = colside.data<T>();
    const T* w = weight.data<T>();
    T* x = image.data<T>();
    over_batch(g, [&](int64_t n0, int64_t n1) {
      Tensor buf = direct ? Tensor() : st::empty({K, L}, image.dtype());
      for (int64_t n = n0; n < n1; ++n) {
        for (int64_t gi = 0; gi < g.G; ++gi) {
          T* img = x + (n * g.G + gi) * g.C * g.H * g.W;
          const T* ys = y + (n * g.G + gi) * g.R * L;
          if (direct) {
            gemm_one<T>(img, w + gi * g.R * K, true, K, ys, false, L, K, L, g.R, T(1), T(0));
            continue;
          }
          T* col = buf.data<T>();
          gemm_one<T>(col, w + gi * g.R * K, true, K, ys, false, L, K, L, g.R, T(1), T(0));
          std::memset(img, 0, sizeof(T) * g.C * g.H * g.W);
          col2im<T>(g, col, img);
        }
      }
    });
  });
}

void conv_weight_grad(const ConvGeom& g, const Tensor& colside, const Tensor& image, const Tensor& dweight) {
  switch (pick(g, image.dtype(), true)) {
    case Path::Winograd: return winograd_weight_grad(g, image, colside, dweight);
    case Path::Direct: return direct_conv_weight_grad(g, image, colside, dweight);
    case Path::Im2col: break;
  }
  dispatch_floating(image.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t K = g.K(), L = g.L(), WN = g.G * g.R * K;
    const bool direct = is_pointwise(g);
    const T* y = colside.data<T>();
    const T* x = image.data<T>();
    T* dw = dweight.data<T>();
    std::memset(dw, 0, sizeof(T) * WN);
    ChunkSums sums;
    over_batch(g, [&](int64_t n0, int64_t n1) {
      Tensor part = st::empty({WN}, image.dtype());
      T* acc = part.data<T>();
      Tensor buf = direct ? Tensor() : st::empty({K, L}, image.dtype());
      T* col = direct ? nullptr : buf.data<T>();
      for (int64_t n = n0; n < n1; ++n) {
        for (int64_t gi = 0; gi < g.G; ++gi) {
          const T* img = x + (n * g.G + gi) * g.C * g.H * g.W;
          if (direct) col = const_cast<T*>(img);
          else im2col<T>(g, img, col);
          gemm_one<T>(acc + gi * g.R * K, y + (n * g.G + gi) * g.R * L, false, L, col, true, L, g.R, K, L, T(1),
                      n == n0 ? T(0) : T(1));
        }
      }
      sums.fold(dw, acc, WN);
    });
  });
}

void add_channel_bias(const Tensor& out, const Tensor& bias) {
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t N = out.sizes()[0], C = out.sizes()[1], S = out.numel() / std::max<int64_t>(N * C, 1);
    T* o = out.data<T>();
    const T* b = bias.data<T>();
    parallel_for(0, N * C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(S, 1)), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const T v = b[i % C];
        T* p = o + i * S;
        for (int64_t s = 0; s < S; ++s) p[s] += v;
      }
    });
  });
}

void channel_sum(const Tensor& dbias, const Tensor& g) {
  dispatch_floating(g.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t N = g.sizes()[0], C = g.sizes()[1], S = g.numel() / std::max<int64_t>(N * C, 1);
    const T* p = g.data<T>();
    T* d = dbias.data<T>();
    parallel_for(0, C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(N * S, 1)), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        T total = 0;
        for (int64_t n = 0; n < N; ++n) {
          const T* q = p + (n * C + c) * S;
          T s = 0;
          for (int64_t i = 0; i < S; ++i) s += q[i];
          total += s;
        }
        d[c] = total;
      }
    });
  });
}

}  // namespace st::kernels
