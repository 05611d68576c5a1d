// The float32 packed-panel product (kernels/sgemm.h): the driver with the plain C++ tile on any CPU, and each
// ISA table's own tile where it has one, against a double-precision index loop: every transpose pair, ragged
// edges, several depth slices and column blocks, leading dimensions wider than the matrix, alpha/beta, and
// each thread split (rows, columns, one thread).
#include <gtest/gtest.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>
#include "kernels/isa.h"
#include "kernels/parallel.h"
#include "kernels/sgemm.h"

using namespace st;

namespace {

struct Case {
  int64_t m, n, k;
  bool ta, tb;
};

// Runs out = alpha * op(a) @ op(b) + beta * out through tile and checks every element (and the untouched
// padding of out's rows) against a double-precision loop.
void check(const kernels::SgemmKernel& kern, const Case& c, float alpha, float beta, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t lda = (c.ta ? c.m : c.k) + 3, ldb = (c.tb ? c.k : c.n) + 5, ldo = c.n + 7;
  std::vector<float> a((c.ta ? c.k : c.m) * lda), b((c.tb ? c.n : c.k) * ldb), out(c.m * ldo);
  for (float& v : a) v = dist(gen);
  for (float& v : b) v = dist(gen);
  for (float& v : out) v = beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : dist(gen);  // never read
  const std::vector<float> before = out;
  kernels::sgemm_packed(kern, out.data(), ldo, a.data(), c.ta, lda, b.data(), c.tb, ldb, c.m, c.n, c.k, alpha, beta);
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < ldo; ++j) {
      const float got = out[i * ldo + j];
      if (j >= c.n) {  // past the row's end: untouched
        ASSERT_TRUE(std::isnan(got) ? std::isnan(before[i * ldo + j]) : got == before[i * ldo + j]);
        continue;
      }
      double want = 0.0, mag = 0.0;
      for (int64_t p = 0; p < c.k; ++p) {
        const double x = c.ta ? a[p * lda + i] : a[i * lda + p], y = c.tb ? b[j * ldb + p] : b[p * ldb + j];
        want += x * y;
        mag += std::fabs(x * y);
      }
      want = alpha * want + (beta == 0.0f ? 0.0 : beta * before[i * ldo + j]);
      ASSERT_NEAR(got, want, 1e-5 * (std::fabs(alpha) * mag + std::fabs(beta) + 1.0))
          << "m=" << c.m << " n=" << c.n << " k=" << c.k << " ta=" << c.ta << " tb=" << c.tb << " at (" << i << ", "
          << j << ")";
    }
  }
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = [] {
    std::vector<Case> v;
    // one tile, ragged tiles, several depth slices (k > 256), a second column block (n > 2048), few rows
    // (the column split), many rows (the row split)
    for (auto [m, n, k] : std::vector<std::array<int64_t, 3>>{
             {12, 32, 8}, {1, 1, 1}, {13, 33, 7}, {25, 70, 300}, {100, 37, 53}, {5, 2100, 20}, {200, 64, 513},
             {48, 96, 1}, {11, 31, 257}})
      for (bool ta : {false, true})
        for (bool tb : {false, true}) v.push_back({m, n, k, ta, tb});
    return v;
  }();
  return all;
}

struct ThreadGuard {
  int prev = kernels::get_num_threads();
  ~ThreadGuard() { kernels::set_num_threads(prev); }
};

}  // namespace

TEST(Sgemm, ReferenceTileEveryShapeAndThreadSplit) {
  ThreadGuard guard;
  for (int threads : {1, 2, 3}) {
    kernels::set_num_threads(threads);
    uint32_t seed = 1;
    for (bool wide : {true, false}) {  // both tile geometries: 12 x 32 and 6 x 16
      const kernels::SgemmKernel ref = kernels::sgemm_ref_kernel(wide);
      for (const Case& c : cases()) {
        check(ref, c, 1.0f, 0.0f, seed++);
        check(ref, c, -0.5f, 2.0f, seed++);
      }
    }
  }
}

TEST(Sgemm, EachIsaTileMatchesTheLoop) {
  ThreadGuard guard;
  kernels::set_num_threads(2);
  const std::string prev = kernels::isa().name;
  int tested = 0;
  for (const std::string& name : kernels::available_isas()) {
    ASSERT_TRUE(kernels::set_isa(name.c_str()));
    const kernels::SgemmKernel kern = kernels::isa().sgemm;
    if (!kern) continue;  // this table leaves products to OpenBLAS
    EXPECT_TRUE(kern.mr <= kernels::kSgemmMaxMR && kern.nr <= kernels::kSgemmMaxNR) << name;
    ++tested;
    uint32_t seed = 100;
    for (const Case& c : cases()) {
      check(kern, c, 1.0f, 0.0f, seed++);
      check(kern, c, 1.5f, -1.0f, seed++);
    }
  }
  kernels::set_isa(prev.c_str());
  // the AVX-512 and AVX2 tables have a tile; the base table leaves products to OpenBLAS
  int with_tile = 0;
  for (const std::string& name : kernels::available_isas()) with_tile += name == "avx512" || name == "avx2";
  EXPECT_EQ(tested, with_tile);
}

TEST(Sgemm, ZeroDepthScalesOrClears) {
  std::vector<float> out(4 * 40, std::numeric_limits<float>::quiet_NaN()), a(4), b(40);
  const kernels::SgemmKernel ref = kernels::sgemm_ref_kernel(true);
  kernels::sgemm_packed(ref, out.data(), 40, a.data(), false, 1, b.data(), false, 40, 4, 40, 0, 1.0f, 0.0f);
  for (float v : out) EXPECT_EQ(v, 0.0f);
  std::fill(out.begin(), out.end(), 3.0f);
  kernels::sgemm_packed(ref, out.data(), 40, a.data(), false, 1, b.data(), false, 40, 4, 40, 0, 1.0f, 2.0f);
  for (float v : out) EXPECT_EQ(v, 6.0f);
}

TEST(Sgemm, PackedRightHandSideReusedAcrossProducts) {
  // a recurrent layer's use: b packed once, then several products with different a, beta 0 and 1
  ThreadGuard guard;
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int threads : {1, 2}) {
    kernels::set_num_threads(threads);
    for (auto [m, k, n] : std::vector<std::array<int64_t, 3>>{{32, 256, 1024}, {13, 300, 70}, {5, 7, 40}})
      for (int variant = 0; variant < 4; ++variant) {  // both tile geometries, b stored both ways
        const bool wide = variant & 1, tb = variant & 2;
        const int64_t ldb = tb ? k : n;
        std::vector<float> b((tb ? n : k) * ldb);
        for (float& v : b) v = dist(gen);
        const kernels::SgemmPackedB packed(kernels::sgemm_ref_kernel(wide), b.data(), tb, ldb, k, n);
        for (float beta : {0.0f, 1.0f}) {
          std::vector<float> a(m * k), out(m * n);
          for (float& v : a) v = dist(gen);
          for (float& v : out) v = beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : dist(gen);
          const std::vector<float> before = out;
          packed.multiply(out.data(), n, a.data(), k, m, 1.0f, beta);
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double want = beta == 0.0f ? 0.0 : before[i * n + j];
              for (int64_t p = 0; p < k; ++p) want += double(a[i * k + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
              ASSERT_NEAR(out[i * n + j], want, 1e-4 * (k + 1))
                  << "m=" << m << " k=" << k << " n=" << n << " tb=" << tb << " wide=" << wide;
            }
        }
      }
  }
}
