// kernels/conv: im2col and col2im against naive index loops (padding, stride,
// dilation, 1-d geometry), col2im as the adjoint of im2col, and the GEMM-based
// convolution products against a direct convolution, single- and multi-threaded.
#include <gtest/gtest.h>
#include <cmath>
#include <cstdint>
#include <vector>
#include "kernels/conv.h"
#include "kernels/parallel.h"

using namespace st;
using kernels::ConvGeom;

namespace {

struct ThreadGuard {
  int prev = kernels::get_num_threads();
  ~ThreadGuard() { kernels::set_num_threads(prev); }
};

ConvGeom geom(int64_t C, int64_t H, int64_t W, int64_t kH, int64_t kW, int64_t s, int64_t p, int64_t d) {
  ConvGeom g;
  g.C = C; g.H = H; g.W = W; g.kH = kH; g.kW = kW;
  g.sH = s; g.sW = s + 1; g.pH = p; g.pW = p; g.dH = d; g.dW = d;  // unequal strides on purpose
  g.oH = (H + 2 * g.pH - g.dH * (kH - 1) - 1) / g.sH + 1;
  g.oW = (W + 2 * g.pW - g.dW * (kW - 1) - 1) / g.sW + 1;
  return g;
}

// The image value an im2col entry reads (0 in the padding).
double naive_col(const ConvGeom& g, const std::vector<double>& img, int64_t row, int64_t l) {
  int64_t c = row / (g.kH * g.kW), kh = row / g.kW % g.kH, kw = row % g.kW;
  int64_t oh = l / g.oW, ow = l % g.oW;
  int64_t ih = oh * g.sH - g.pH + kh * g.dH, iw = ow * g.sW - g.pW + kw * g.dW;
  if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return 0.0;
  return img[(c * g.H + ih) * g.W + iw];
}

std::vector<double> iota_vec(int64_t n, double scale = 1.0) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.7 * i + 0.3) + 0.01 * i;
  return v;
}

const ConvGeom kGeoms[] = {geom(2, 5, 6, 3, 3, 1, 1, 1), geom(3, 7, 5, 2, 3, 2, 0, 1), geom(1, 6, 6, 3, 2, 1, 2, 2),
                           geom(2, 4, 9, 1, 1, 1, 0, 1), geom(1, 3, 3, 3, 3, 2, 1, 1), geom(2, 1, 8, 1, 3, 1, 1, 3)};

TEST(Im2Col, MatchesNaiveLoop) {
  for (const ConvGeom& g : kGeoms) {
    auto img = iota_vec(g.C * g.H * g.W);
    std::vector<double> col(g.K() * g.L(), -7.0);
    kernels::im2col<double>(g, img.data(), col.data());
    for (int64_t r = 0; r < g.K(); ++r)
      for (int64_t l = 0; l < g.L(); ++l) ASSERT_EQ(col[r * g.L() + l], naive_col(g, img, r, l)) << r << " " << l;
  }
}

TEST(Im2Col, FloatMatchesDouble) {
  const ConvGeom& g = kGeoms[1];
  auto img = iota_vec(g.C * g.H * g.W);
  std::vector<float> imgf(img.begin(), img.end()), colf(g.K() * g.L());
  std::vector<double> col(g.K() * g.L());
  kernels::im2col<float>(g, imgf.data(), colf.data());
  kernels::im2col<double>(g, img.data(), col.data());
  for (size_t i = 0; i < col.size(); ++i) ASSERT_EQ(colf[i], static_cast<float>(col[i]));
}

// <im2col(x), y> == <x, col2im(y)> for every x, y: col2im is the adjoint; checked with
// unit vectors x so every image position is tested, and col2im accumulates into its target.
TEST(Col2Im, IsTheAdjointOfIm2Col) {
  for (const ConvGeom& g : kGeoms) {
    auto y = iota_vec(g.K() * g.L(), 2.0);
    std::vector<double> folded(g.C * g.H * g.W, 1.5);  // col2im adds to what is there
    kernels::col2im<double>(g, y.data(), folded.data());
    std::vector<double> unit(g.C * g.H * g.W, 0.0), col(g.K() * g.L());
    for (size_t i = 0; i < unit.size(); ++i) {
      unit[i] = 1.0;
      kernels::im2col<double>(g, unit.data(), col.data());
      double dot = 0;
      for (size_t j = 0; j < col.size(); ++j) dot += col[j] * y[j];
      ASSERT_NEAR(folded[i] - 1.5, dot, 1e-12) << i;
      unit[i] = 0.0;
    }
  }
}

// Direct convolution: out[n, co, oh, ow] = sum w[co, ci, kh, kw] * x[n, g*C + ci, ih, iw].
std::vector<double> direct_conv(const ConvGeom& g, const std::vector<double>& x, const std::vector<double>& w) {
  std::vector<double> out(g.N * g.G * g.R * g.L(), 0.0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t r = 0; r < g.R; ++r)
        for (int64_t l = 0; l < g.L(); ++l) {
          double s = 0;
          std::vector<double> img(x.begin() + (n * g.G + gi) * g.C * g.H * g.W,
                                  x.begin() + (n * g.G + gi + 1) * g.C * g.H * g.W);
          for (int64_t k = 0; k < g.K(); ++k) s += w[(gi * g.R + r) * g.K() + k] * naive_col(g, img, k, l);
          out[((n * g.G + gi) * g.R + r) * g.L() + l] = s;
        }
  return out;
}

Tensor from_vec(const std::vector<double>& v, const DimVector& sizes) {
  Tensor t = st::empty(sizes, ScalarType::Float64);
  std::copy(v.begin(), v.end(), t.data<double>());
  return t;
}

TEST(ConvProducts, MatchDirectConvolutionAndAdjoints) {
  ThreadGuard guard;
  for (int threads : {1, 2}) {
    kernels::set_num_threads(threads);
    for (ConvGeom g : kGeoms) {
      g.N = 3;
      g.G = 2;
      g.R = 2;
      auto x = iota_vec(g.N * g.G * g.C * g.H * g.W);
      auto w = iota_vec(g.G * g.R * g.K(), 0.5);
      auto y = iota_vec(g.N * g.G * g.R * g.L(), 1.5);
      Tensor tx = from_vec(x, {g.N, g.G * g.C, g.H, g.W}), tw = from_vec(w, {g.G * g.R, g.C, g.kH, g.kW});
      Tensor ty = from_vec(y, {g.N, g.G * g.R, g.oH, g.oW});
      // forward
      Tensor out = st::empty({g.N, g.G * g.R, g.oH, g.oW}, ScalarType::Float64);
      kernels::conv_unfold_gemm(g, tx, tw, out);
      auto ref = direct_conv(g, x, w);
      for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(out.data<double>()[i], ref[i], 1e-9);
      // <conv(x), y> == <x, gemm_fold(y)> == <w, weight_grad(y, x)>
      double lhs = 0;
      for (size_t i = 0; i < ref.size(); ++i) lhs += ref[i] * y[i];
      Tensor dx = st::empty({g.N, g.G * g.C, g.H, g.W}, ScalarType::Float64);
      kernels::conv_gemm_fold(g, ty, tw, dx);
      double rhs = 0;
      for (size_t i = 0; i < x.size(); ++i) rhs += x[i] * dx.data<double>()[i];
      ASSERT_NEAR(lhs, rhs, 1e-8 * std::max(1.0, std::fabs(lhs)));
      Tensor dw = st::empty({g.G * g.R, g.C, g.kH, g.kW}, ScalarType::Float64);
      kernels::conv_weight_grad(g, ty, tx, dw);
      double rhs2 = 0;
      for (size_t i = 0; i < w.size(); ++i) rhs2 += w[i] * dw.data<double>()[i];
      ASSERT_NEAR(lhs, rhs2, 1e-8 * std::max(1.0, std::fabs(lhs)));
    }
  }
}

}  // namespace
