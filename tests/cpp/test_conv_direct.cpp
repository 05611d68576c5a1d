// kernels/conv_direct: the direct float32 convolution (forward, input gradient through the adjoint
// geometry, weight gradient) against double-precision index loops, with every ISA table this CPU
// has, one and two threads, groups, dilation, unequal kernels and padding, a 1-d geometry, and more
// samples than the weight gradient sums in one table call; and the rule that picks the path.
#include <gtest/gtest.h>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>
#include "kernels/conv.h"
#include "kernels/isa.h"
#include "kernels/parallel.h"

using namespace st;
using kernels::ConvGeom;

namespace {

ConvGeom geom(int64_t N, int64_t G, int64_t C, int64_t R, int64_t H, int64_t W, int64_t kH, int64_t kW, int64_t pH,
              int64_t pW, int64_t d) {
  ConvGeom g;
  g.N = N; g.G = G; g.C = C; g.R = R; g.H = H; g.W = W; g.kH = kH; g.kW = kW;
  g.pH = pH; g.pW = pW; g.dH = d; g.dW = d;
  g.oH = H + 2 * pH - d * (kH - 1);
  g.oW = W + 2 * pW - d * (kW - 1);
  return g;
}

// LeNet's two convolutions, odd sizes, groups, dilation, a 2x3 kernel, a 1-d one, 11 samples (the
// weight gradient sums 8 per call), 33 channels (several register blocks of rows), and single samples
// (two threads then split each sample's output rows, and with 17 channels the weight gradient's).
const ConvGeom kCases[] = {
    geom(3, 1, 1, 6, 28, 28, 5, 5, 2, 2, 1), geom(11, 1, 6, 16, 14, 14, 5, 5, 0, 0, 1),
    geom(2, 2, 3, 5, 7, 9, 2, 3, 1, 2, 1),   geom(2, 1, 2, 7, 8, 8, 3, 3, 2, 2, 2),
    geom(3, 1, 3, 33, 1, 20, 1, 4, 0, 1, 1), geom(1, 3, 2, 2, 5, 6, 3, 3, 1, 0, 1),
    geom(1, 1, 2, 17, 9, 7, 3, 3, 1, 1, 1),
};

struct Data {
  std::vector<float> x, w, dy;
};

Data make(const ConvGeom& g, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Data d;
  d.x.resize(g.N * g.G * g.C * g.H * g.W);
  d.w.resize(g.G * g.R * g.C * g.kH * g.kW);
  d.dy.resize(g.N * g.G * g.R * g.oH * g.oW);
  for (auto* v : {&d.x, &d.w, &d.dy})
    for (float& e : *v) e = dist(gen);
  return d;
}

Tensor tensor_of(const std::vector<float>& v, const DimVector& sizes) {
  Tensor t = st::empty(sizes, ScalarType::Float32);
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

// The input value tap (kh, kw) of output (oh, ow) reads in sample n, channel gi*C + c (0 in the padding).
double input_at(const ConvGeom& g, const std::vector<float>& x, int64_t n, int64_t gi, int64_t c, int64_t oh,
                int64_t ow, int64_t kh, int64_t kw) {
  const int64_t ih = oh - g.pH + kh * g.dH, iw = ow - g.pW + kw * g.dW;
  if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return 0.0;
  return x[(((n * g.G + gi) * g.C + c) * g.H + ih) * g.W + iw];
}

// Calls fn(n, gi, r, c, oh, ow, kh, kw, weight index) for every term of the convolution's sums.
template <typename F>
void for_each_term(const ConvGeom& g, F&& fn) {
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t r = 0; r < g.R; ++r)
        for (int64_t c = 0; c < g.C; ++c)
          for (int64_t kh = 0; kh < g.kH; ++kh)
            for (int64_t kw = 0; kw < g.kW; ++kw)
              for (int64_t oh = 0; oh < g.oH; ++oh)
                for (int64_t ow = 0; ow < g.oW; ++ow)
                  fn(n, gi, r, c, oh, ow, kh, kw, (((gi * g.R + r) * g.C + c) * g.kH + kh) * g.kW + kw);
}

void check_all(const ConvGeom& g, const Data& d, const std::string& where) {
  // references in double, with the sums of magnitudes for the tolerances
  std::vector<double> y(d.dy.size(), 0.0), ymag(d.dy.size(), 0.0), dx(d.x.size(), 0.0), dxmag(d.x.size(), 0.0),
      dw(d.w.size(), 0.0), dwmag(d.w.size(), 0.0);
  for_each_term(g, [&](int64_t n, int64_t gi, int64_t r, int64_t c, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                       int64_t wi) {
    const int64_t yi = (((n * g.G + gi) * g.R + r) * g.oH + oh) * g.oW + ow;
    const double xv = input_at(g, d.x, n, gi, c, oh, ow, kh, kw);
    y[yi] += d.w[wi] * xv;
    ymag[yi] += std::fabs(d.w[wi] * xv);
    dw[wi] += d.dy[yi] * xv;
    dwmag[wi] += std::fabs(d.dy[yi] * xv);
    const int64_t ih = oh - g.pH + kh * g.dH, iw = ow - g.pW + kw * g.dW;
    if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) {
      const int64_t xi = (((n * g.G + gi) * g.C + c) * g.H + ih) * g.W + iw;
      dx[xi] += d.dy[yi] * d.w[wi];
      dxmag[xi] += std::fabs(d.dy[yi] * d.w[wi]);
    }
  });
  Tensor tx = tensor_of(d.x, {g.N, g.G * g.C, g.H, g.W}), tw = tensor_of(d.w, {g.G * g.R, g.C, g.kH, g.kW});
  Tensor tdy = tensor_of(d.dy, {g.N, g.G * g.R, g.oH, g.oW});
  std::vector<float> bias(g.G * g.R);
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = 0.25f * static_cast<float>(i) - 1.0f;
  Tensor tb = tensor_of(bias, {g.G * g.R});

  Tensor out = st::empty({g.N, g.G * g.R, g.oH, g.oW}, ScalarType::Float32);
  kernels::direct_conv(g, tx, tw, tb, out, false);
  for (size_t i = 0; i < y.size(); ++i) {
    const double want = y[i] + bias[(i / (g.oH * g.oW)) % (g.G * g.R)];
    ASSERT_NEAR(out.data<float>()[i], want, 1e-5 * (ymag[i] + 1.0)) << where << " forward at " << i;
  }

  const ConvGeom a = kernels::adjoint_geometry(g);
  ASSERT_TRUE(kernels::direct_conv_fits(a)) << where;
  Tensor tdx = st::empty({g.N, g.G * g.C, g.H, g.W}, ScalarType::Float32);
  kernels::direct_conv(a, tdy, tw, Tensor(), tdx, true);
  for (size_t i = 0; i < dx.size(); ++i)
    ASSERT_NEAR(tdx.data<float>()[i], dx[i], 1e-5 * (dxmag[i] + 1.0)) << where << " input gradient at " << i;

  Tensor tdw = st::empty({g.G * g.R, g.C, g.kH, g.kW}, ScalarType::Float32);
  for (int64_t i = 0; i < tdw.numel(); ++i) tdw.data<float>()[i] = NAN;  // overwritten, never read
  kernels::direct_conv_weight_grad(g, tx, tdy, tdw);
  for (size_t i = 0; i < dw.size(); ++i)
    ASSERT_NEAR(tdw.data<float>()[i], dw[i], 1e-5 * (dwmag[i] + 1.0)) << where << " weight gradient at " << i;
}

struct Restore {
  int threads = kernels::get_num_threads();
  std::string isa = kernels::isa().name;
  int mode = kernels::direct_conv_mode();
  ~Restore() {
    kernels::set_num_threads(threads);
    kernels::set_isa(isa.c_str());
    kernels::set_direct_conv_mode(mode);
  }
};

TEST(DirectConv, MatchesIndexLoopsOnEveryTable) {
  Restore restore;
  for (const std::string& name : kernels::available_isas()) {
    ASSERT_TRUE(kernels::set_isa(name.c_str()));
    for (int threads : {1, 2}) {
      kernels::set_num_threads(threads);
      uint32_t seed = 0;
      for (const ConvGeom& g : kCases)
        check_all(g, make(g, ++seed), name + " threads " + std::to_string(threads) + " case " + std::to_string(seed));
    }
  }
}

TEST(DirectConv, UsedOnlyWhereItFits) {
  Restore restore;
  ConvGeom g = kCases[1];
  kernels::set_direct_conv_mode(-1);
  EXPECT_TRUE(kernels::direct_conv_used(g, ScalarType::Float32));  // LeNet's second convolution, any table
  EXPECT_FALSE(kernels::direct_conv_used(g, ScalarType::Float64));
  EXPECT_FALSE(kernels::direct_conv_used(geom(1, 1, 6, 16, 14, 14, 1, 1, 0, 0, 1), ScalarType::Float32));  // 1x1
  EXPECT_FALSE(kernels::direct_conv_used(geom(1, 1, 256, 256, 8, 8, 5, 5, 2, 2, 1), ScalarType::Float32));
  ConvGeom strided = g;
  strided.sW = 2;
  strided.oW = (g.W - 5) / 2 + 1;
  EXPECT_FALSE(kernels::direct_conv_fits(strided));
  EXPECT_FALSE(kernels::direct_conv_used(strided, ScalarType::Float32));
  // padding past d * (k - 1): the forward fits, its adjoint (which would crop) does not
  ConvGeom wide = geom(1, 1, 2, 2, 6, 6, 3, 3, 3, 3, 1);
  EXPECT_TRUE(kernels::direct_conv_fits(wide));
  EXPECT_FALSE(kernels::direct_conv_fits(kernels::adjoint_geometry(wide)));
  kernels::set_direct_conv_mode(0);
  EXPECT_FALSE(kernels::direct_conv_used(g, ScalarType::Float32));
  kernels::set_direct_conv_mode(1);
  EXPECT_TRUE(kernels::direct_conv_used(geom(1, 1, 256, 256, 8, 8, 5, 5, 2, 2, 1), ScalarType::Float32));
  EXPECT_FALSE(kernels::direct_conv_used(strided, ScalarType::Float32));
}

}  // namespace
