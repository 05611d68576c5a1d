// Direct float32 convolution for few channels (see conv.h): no im2col matrix and no small
// per-sample products. Each sample's planes are copied once into a zero-padded scratch of
// Hp x Wp; an output position p = oh * Wp + ow then reads the input at p + off[t] for every
// tap t, so a whole plane is one run of positions and the ISA table's conv_rows / conv_wgrad
// (isa_impl.h) stream over it a block of vectors at a time. The positions ow >= oW of
// each row are computed into scratch and dropped (forward), or read as zero (weight gradient).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>
#include "conv.h"
#include "isa.h"
#include "parallel.h"

namespace st::kernels {

namespace {

std::atomic<int> g_mode{-1};

// Samples the weight gradient's table call sums before it adds to the result.
constexpr int64_t kWgradSamples = 8;

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// The forward geometry's padded planes and tap offsets.
struct Flat {
  int64_t Hp, Wp, plane, len, taps;
  std::vector<int64_t> off;
  explicit Flat(const ConvGeom& g)
      : Hp(g.H + 2 * g.pH), Wp(g.W + 2 * g.pW), plane(Hp * Wp), len(g.oH * Wp), taps(g.kH * g.kW) {
    off.resize(static_cast<size_t>(taps));
    for (int64_t kh = 0; kh < g.kH; ++kh)
      for (int64_t kw = 0; kw < g.kW; ++kw) off[static_cast<size_t>(kh * g.kW + kw)] = kh * g.dH * Wp + kw * g.dW;
  }
  // Floats of one sample group's padded input, with room for the reads past its last plane.
  int64_t input_floats(const ConvGeom& g, int64_t run) const {
    return g.C * plane + (g.kW - 1) * g.dW + (run - len) + kConvBlock;
  }
};

Tensor zeroed(int64_t n) {
  Tensor t = st::empty({n}, ScalarType::Float32);
  std::memset(t.data<float>(), 0, sizeof(float) * static_cast<size_t>(n));
  return t;
}

// Copies one sample group's image (C, H, W) into the interior of its padded planes.
void pad_into(const ConvGeom& g, const Flat& f, const float* img, float* xs) {
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t h = 0; h < g.H; ++h)
      std::memcpy(xs + c * f.plane + (h + g.pH) * f.Wp + g.pW, img + (c * g.H + h) * g.W, sizeof(float) * g.W);
}

// How many parts each sample's work is cut into: one when the batch alone keeps every thread busy,
// else enough for the threads (a single image still runs on all of them), at most `most`.
int64_t sample_parts(const ConvGeom& g, int64_t most) {
  const int64_t threads = get_num_threads();
  return g.N >= threads ? 1 : std::max<int64_t>(1, std::min<int64_t>(most, (threads + g.N - 1) / g.N));
}

// y (N, G*R, oH, oW) = conv(x, w) + bias for stride 1, w arranged (G*R, C * taps); the pool's tasks are
// (sample, band of output rows) pairs.
void run_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  const Flat f(g);
  // a band's positions are computed up to a whole block past its end: rows of run + kConvBlock
  const int64_t run = round_up(f.len, kConvBlock), ldo = run + kConvBlock, ldw = g.C * f.taps;
  const int64_t parts = sample_parts(g, g.oH);
  const IsaTable& t = isa();
  parallel_for(0, g.N * parts, 1, [&](int64_t t0, int64_t t1) {
    Tensor xbuf = zeroed(f.input_floats(g, run)), obuf = st::empty({g.R * ldo}, ScalarType::Float32);
    float* xs = xbuf.data<float>();
    float* os = obuf.data<float>();
    for (int64_t task = t0; task < t1; ++task) {
      const int64_t n = task / parts, part = task % parts;
      const int64_t oh0 = g.oH * part / parts, oh1 = g.oH * (part + 1) / parts, p0 = oh0 * f.Wp;
      for (int64_t gi = 0; gi < g.G; ++gi) {
        pad_into(g, f, x + (n * g.G + gi) * g.C * g.H * g.W, xs);
        t.conv_rows(os + p0, ldo, xs + p0, f.plane, g.C, f.off.data(), f.taps, w + gi * g.R * ldw, ldw, g.R,
                    (oh1 - oh0) * f.Wp);
        for (int64_t r = 0; r < g.R; ++r) {
          const float b = bias ? bias[gi * g.R + r] : 0.0f;
          float* dst = y + ((n * g.G + gi) * g.R + r) * g.oH * g.oW;
          for (int64_t oh = oh0; oh < oh1; ++oh) {
            const float* src = os + r * ldo + oh * f.Wp;
            for (int64_t ow = 0; ow < g.oW; ++ow) dst[oh * g.oW + ow] = src[ow] + b;
          }
        }
      }
    }
  });
}

}  // namespace

void set_direct_conv_mode(int mode) { g_mode.store(mode < 0 ? -1 : (mode > 0 ? 1 : 0)); }
int direct_conv_mode() { return g_mode.load(); }

ConvGeom adjoint_geometry(const ConvGeom& g) {
  ConvGeom a = g;
  a.C = g.R;
  a.H = g.oH;
  a.W = g.oW;
  a.R = g.C;
  a.oH = g.H;
  a.oW = g.W;
  a.pH = g.dH * (g.kH - 1) - g.pH;
  a.pW = g.dW * (g.kW - 1) - g.pW;
  return a;
}

bool direct_conv_fits(const ConvGeom& g) {
  return g.sH == 1 && g.sW == 1 && g.pH >= 0 && g.pW >= 0 && g.oH > 0 && g.oW > 0 && g.H > 0 && g.W > 0 &&
         g.oH == g.H + 2 * g.pH - g.dH * (g.kH - 1) && g.oW == g.W + 2 * g.pW - g.dW * (g.kW - 1);
}

bool direct_conv_used(const ConvGeom& g, ScalarType dtype) {
  const int mode = g_mode.load();
  if (mode == 0 || dtype != ScalarType::Float32 || !direct_conv_fits(g)) return false;
  if (mode == 1) return true;
  // Measured here (Zen 5, fwd + bwd, batch 8-64): with AVX-512 the direct path beat im2col + GEMM
  // up to 64 channels each way, for 3x3 kernels it beat Winograd up to 64 x 32 channels; with the
  // AVX2 table it only matched im2col for few channels. A 1x1 kernel has no columns to write.
  if (g.kH * g.kW == 1) return false;
  if (std::strcmp(isa().name, "avx512") != 0) return g.C <= 16 && g.R <= 16;
  return winograd_fits(g) ? g.C * g.R <= 64 * 32 : g.C <= 64 && g.R <= 64;
}

void direct_conv(const ConvGeom& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& y,
                 bool adjoint) {
  const float* w = weight.data<float>();
  if (!adjoint) return run_forward(g, x.data<float>(), w, bias.defined() ? bias.data<float>() : nullptr,
                                   y.data<float>());
  // weight (G*R', C', kH, kW) of the convolution whose adjoint this is (R' = g.C, C' = g.R): the tap order
  // reversed and channels swapped gives (G*R, C, kH, kW) for g
  const int64_t taps = g.kH * g.kW, C = g.C, R = g.R;
  Tensor wa = st::empty({g.G * R * C * taps}, ScalarType::Float32);
  float* a = wa.data<float>();
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t t = 0; t < taps; ++t)
          a[((gi * R + r) * C + c) * taps + t] = w[((gi * C + c) * R + r) * taps + (taps - 1 - t)];
  run_forward(g, x.data<float>(), a, bias.defined() ? bias.data<float>() : nullptr, y.data<float>());
}

void direct_conv_weight_grad(const ConvGeom& g, const Tensor& x, const Tensor& dy, const Tensor& dweight) {
  const Flat f(g);
  const int64_t run = round_up(f.len, kConvLanes), WN = g.G * g.R * g.C * f.taps, ldw = g.C * f.taps;
  const int64_t xstride = f.input_floats(g, run), gstride = g.R * run;
  const float* xp = x.data<float>();
  const float* gp = dy.data<float>();
  float* dw = dweight.data<float>();
  std::memset(dw, 0, sizeof(float) * WN);  // an empty batch adds nothing
  const IsaTable& t = isa();
  // acc (laid out as dweight) += the sums over samples [n0, n1) for output channels [r0, r1) of each group,
  // kWgradSamples samples per table call, which keeps its sums in registers across them
  auto accumulate = [&](int64_t n0, int64_t n1, int64_t r0, int64_t r1, float* acc) {
    const int64_t nb = std::min(kWgradSamples, n1 - n0);
    Tensor xbuf = zeroed(nb * xstride), gbuf = zeroed(nb * gstride);
    float* xs = xbuf.data<float>();
    float* gs = gbuf.data<float>();
    for (int64_t b0 = n0; b0 < n1; b0 += nb) {
      const int64_t b1 = std::min(n1, b0 + nb);
      for (int64_t gi = 0; gi < g.G; ++gi) {
        for (int64_t n = b0; n < b1; ++n) {
          pad_into(g, f, xp + (n * g.G + gi) * g.C * g.H * g.W, xs + (n - b0) * xstride);
          const float* d = gp + (n * g.G + gi) * g.R * g.oH * g.oW;
          float* gn = gs + (n - b0) * gstride;
          for (int64_t r = r0; r < r1; ++r)  // columns ow >= oW of each row stay zero
            for (int64_t oh = 0; oh < g.oH; ++oh)
              std::memcpy(gn + r * run + oh * f.Wp, d + (r * g.oH + oh) * g.oW, sizeof(float) * g.oW);
        }
        t.conv_wgrad(acc + (gi * g.R + r0) * ldw, ldw, gs + r0 * run, run, r1 - r0, xs, f.plane, g.C, f.off.data(),
                     f.taps, f.len, b1 - b0, xstride, gstride);
      }
    }
  };
  if (g.N == 0) return;
  const int64_t parts = sample_parts(g, g.R / 8);
  if (parts > 1) {  // few samples, many channels: the threads take disjoint output channels, each summing every sample
    parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t part = p0; part < p1; ++part)
        accumulate(0, g.N, g.R * part / parts, g.R * (part + 1) / parts, dw);
    });
    return;
  }
  ChunkSums sums;
  parallel_for(0, g.N, 1, [&](int64_t n0, int64_t n1) {
    Tensor part = zeroed(WN);
    accumulate(n0, n1, 0, g.R, part.data<float>());
    sums.fold(dw, part.data<float>(), WN);
  });
}

}  // namespace st::kernels
