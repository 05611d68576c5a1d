// kernels/winograd: F(4x4, 3x3) against a direct convolution (float64 and
// float32) on small shapes: odd sizes, tiles that overhang the output, padding
// 0..3, one and several row segments, the adjoint (input-gradient) form, the
// weight gradient, and conv_unfold_gemm / conv_gemm_fold taking the path (mode 1)
// or not (mode 0).
#include <gtest/gtest.h>
#include <cmath>
#include <cstdint>
#include <vector>
#include "kernels/conv.h"
#include "kernels/parallel.h"

using namespace st;
using kernels::ConvGeom;

namespace {

struct Restore {
  int threads = kernels::get_num_threads(), mode = kernels::winograd_mode();
  ~Restore() {
    kernels::set_num_threads(threads);
    kernels::set_winograd_mode(mode);
  }
};

ConvGeom geom3(int64_t N, int64_t C, int64_t R, int64_t H, int64_t W, int64_t p) {
  ConvGeom g;
  g.N = N; g.C = C; g.R = R; g.H = H; g.W = W;
  g.kH = g.kW = 3; g.pH = p; g.pW = p;
  g.oH = H + 2 * p - 2;
  g.oW = W + 2 * p - 2;
  return g;
}

std::vector<double> values(int64_t n, double phase) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = std::sin(0.37 * i + phase) + 0.25 * std::cos(1.3 * i);
  return v;
}

// y[n, r, oh, ow] = sum w[r, c, kh, kw] x[n, c, oh - p + kh, ow - p + kw] (zero outside).
std::vector<double> direct(const ConvGeom& g, const std::vector<double>& x, const std::vector<double>& w) {
  std::vector<double> y(g.N * g.R * g.oH * g.oW, 0.0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t oh = 0; oh < g.oH; ++oh)
        for (int64_t ow = 0; ow < g.oW; ++ow) {
          double s = 0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < 3; ++kh)
              for (int64_t kw = 0; kw < 3; ++kw) {
                const int64_t ih = oh - g.pH + kh, iw = ow - g.pW + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += w[((r * g.C + c) * 3 + kh) * 3 + kw] * x[((n * g.C + c) * g.H + ih) * g.W + iw];
              }
          y[((n * g.R + r) * g.oH + oh) * g.oW + ow] = s;
        }
  return y;
}

template <typename T>
Tensor tensor_of(const std::vector<double>& v, const DimVector& sizes) {
  Tensor t = st::empty(sizes, std::is_same<T, float>::value ? ScalarType::Float32 : ScalarType::Float64);
  for (size_t i = 0; i < v.size(); ++i) t.data<T>()[i] = static_cast<T>(v[i]);
  return t;
}

const ConvGeom kShapes[] = {geom3(1, 1, 1, 3, 3, 0),  geom3(2, 3, 4, 7, 5, 1),   geom3(1, 2, 3, 9, 11, 2),
                            geom3(3, 5, 2, 6, 6, 0),  geom3(1, 4, 4, 13, 4, 1),  geom3(2, 2, 5, 5, 9, 3),
                            geom3(1, 3, 2, 4, 150, 1), geom3(2, 17, 9, 10, 10, 1)};  // 150: several row segments

template <typename T>
void check_forward(double tol) {
  for (int threads : {1, 2}) {
    kernels::set_num_threads(threads);
    for (const ConvGeom& g : kShapes) {
      auto x = values(g.N * g.C * g.H * g.W, 0.1), w = values(g.R * g.C * 9, 0.7), b = values(g.R, 2.0);
      auto ref = direct(g, x, w);
      Tensor y = tensor_of<T>(std::vector<double>(ref.size(), 99.0), {g.N, g.R, g.oH, g.oW});
      kernels::winograd_conv3x3(g, tensor_of<T>(x, {g.N, g.C, g.H, g.W}), tensor_of<T>(w, {g.R, g.C, 3, 3}),
                                tensor_of<T>(b, {g.R}), y, false);
      for (size_t i = 0; i < ref.size(); ++i) {
        const double want = ref[i] + b[i / (g.oH * g.oW) % g.R];
        ASSERT_NEAR(y.data<T>()[i], want, tol * (1 + std::fabs(want))) << "C=" << g.C << " H=" << g.H << " i=" << i;
      }
    }
  }
}

TEST(Winograd, ForwardMatchesDirect) {
  Restore restore;
  check_forward<double>(1e-12);
  check_forward<float>(1e-5);
}

// dw[r, c, kh, kw] = sum dy[n, r, oh, ow] x[n, c, oh - p + kh, ow - p + kw], directly.
std::vector<double> direct_weight_grad(const ConvGeom& g, const std::vector<double>& x, const std::vector<double>& dy) {
  std::vector<double> dw(g.R * g.C * 9, 0.0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t kh = 0; kh < 3; ++kh)
          for (int64_t kw = 0; kw < 3; ++kw)
            for (int64_t oh = 0; oh < g.oH; ++oh)
              for (int64_t ow = 0; ow < g.oW; ++ow) {
                const int64_t ih = oh - g.pH + kh, iw = ow - g.pW + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                dw[((r * g.C + c) * 3 + kh) * 3 + kw] +=
                    dy[((n * g.R + r) * g.oH + oh) * g.oW + ow] * x[((n * g.C + c) * g.H + ih) * g.W + iw];
              }
  return dw;
}

template <typename T>
void check_weight_grad(double tol) {
  for (int threads : {1, 2}) {
    kernels::set_num_threads(threads);
    for (const ConvGeom& g : kShapes) {
      auto x = values(g.N * g.C * g.H * g.W, 0.2), dy = values(g.N * g.R * g.L(), 1.7);
      auto ref = direct_weight_grad(g, x, dy);
      Tensor dw = tensor_of<T>(std::vector<double>(ref.size(), 99.0), {g.R, g.C, 3, 3});
      kernels::winograd_weight_grad(g, tensor_of<T>(x, {g.N, g.C, g.H, g.W}), tensor_of<T>(dy, {g.N, g.R, g.oH, g.oW}),
                                    dw);
      double scale = 1;
      for (double v : ref) scale = std::max(scale, std::fabs(v));
      for (size_t i = 0; i < ref.size(); ++i)
        ASSERT_NEAR(dw.data<T>()[i], ref[i], tol * scale) << "C=" << g.C << " H=" << g.H << " W=" << g.W << " i=" << i;
    }
  }
}

TEST(Winograd, WeightGradMatchesDirect) {
  Restore restore;
  check_weight_grad<double>(1e-12);
  check_weight_grad<float>(1e-5);
}

// The adjoint form with the geometry conv_gemm_fold derives: <conv(x), y> == <x, fold(y)>.
TEST(Winograd, FoldIsTheAdjointOfTheForward) {
  Restore restore;
  for (int mode : {0, 1}) {
    kernels::set_winograd_mode(mode);
    for (const ConvGeom& g : kShapes) {
      auto x = values(g.N * g.C * g.H * g.W, 0.4), w = values(g.R * g.C * 9, 1.1), y = values(g.N * g.R * g.L(), 0.9);
      auto conv = direct(g, x, w);
      double lhs = 0;
      for (size_t i = 0; i < conv.size(); ++i) lhs += conv[i] * y[i];
      Tensor dx = st::empty({g.N, g.C, g.H, g.W}, ScalarType::Float64);
      kernels::conv_gemm_fold(g, tensor_of<double>(y, {g.N, g.R, g.oH, g.oW}), tensor_of<double>(w, {g.R, g.C, 3, 3}),
                              dx);
      double rhs = 0;
      for (size_t i = 0; i < x.size(); ++i) rhs += x[i] * dx.data<double>()[i];
      ASSERT_NEAR(lhs, rhs, 1e-10 * std::max(1.0, std::fabs(lhs))) << "mode " << mode << " C=" << g.C;
      // and the forward through the dispatcher
      Tensor out = st::empty({g.N, g.R, g.oH, g.oW}, ScalarType::Float64);
      kernels::conv_unfold_gemm(g, tensor_of<double>(x, {g.N, g.C, g.H, g.W}), tensor_of<double>(w, {g.R, g.C, 3, 3}),
                                out);
      for (size_t i = 0; i < conv.size(); ++i) ASSERT_NEAR(out.data<double>()[i], conv[i], 1e-10);
    }
  }
}

TEST(Winograd, UsedOnlyWhereItFits) {
  Restore restore;
  ConvGeom g = geom3(1, 64, 64, 32, 32, 1);
  kernels::set_winograd_mode(-1);
  EXPECT_TRUE(kernels::winograd_used(g));
  // stride 2, dilation 2, two groups, a 5x3 kernel
  for (int change = 0; change < 4; ++change) {
    ConvGeom o = g;
    int64_t* field[] = {&o.sW, &o.dH, &o.G, &o.kH};
    *field[change] = change == 3 ? 5 : 2;
    EXPECT_FALSE(kernels::winograd_used(o)) << change;
  }
  kernels::set_winograd_mode(0);
  EXPECT_FALSE(kernels::winograd_used(g));
  kernels::set_winograd_mode(1);
  EXPECT_TRUE(kernels::winograd_used(geom3(1, 1, 1, 3, 3, 0)));
}

}  // namespace
