// ops/optim.h: the multi-tensor optimiser updates against the update rules written out per element.
#include <gtest/gtest.h>
#include <cmath>
#include <vector>
#include "ops/ops.h"
#include "ops/optim.h"
#include "test_util.h"

using namespace st;

namespace {

Tensor filled(std::initializer_list<int64_t> sizes, ScalarType dt, double start, double step) {
  return st_test::make(DimVector(sizes), dt, [=](int64_t k) { return start + step * double(k); });
}

double at(const Tensor& t, int64_t k) { return st_test::values(t).at(size_t(k)); }

}  // namespace

TEST(ForeachOptim, SgdMomentumFirstStepCopiesTheGradientThenAccumulates) {
  Tensor p = filled({5}, ScalarType::Float64, 1.0, 0.5), g = filled({5}, ScalarType::Float64, -1.0, 0.25);
  std::vector<Tensor> ps{p}, gs{g}, bufs(1);
  ops::SgdOptions o;
  o.lr = 0.1, o.momentum = 0.9, o.dampening = 0.2, o.weight_decay = 0.01;
  const auto v0 = st_test::values(p), gv = st_test::values(g);
  ops::foreach_sgd(ps, gs, bufs, o);
  ASSERT_TRUE(bufs[0].defined());
  std::vector<double> buf(5), want(5);
  for (int k = 0; k < 5; ++k) {
    buf[k] = gv[k] + 0.01 * v0[k];  // first step: the buffer is the (decayed) gradient itself
    want[k] = v0[k] - 0.1 * buf[k];
    EXPECT_DOUBLE_EQ(at(bufs[0], k), buf[k]);
    EXPECT_DOUBLE_EQ(at(p, k), want[k]);
  }
  ops::foreach_sgd(ps, gs, bufs, o);
  for (int k = 0; k < 5; ++k) {
    const double d = gv[k] + 0.01 * want[k], b = buf[k] * 0.9 + 0.8 * d;
    EXPECT_NEAR(at(bufs[0], k), b, 1e-15);
    EXPECT_NEAR(at(p, k), want[k] - 0.1 * b, 1e-15);
  }
}

TEST(ForeachOptim, AdamStepAdvancesTheStepTensorAndFollowsTheRule) {
  for (bool amsgrad : {false, true}) {
    Tensor p = filled({3, 4}, ScalarType::Float64, 0.3, -0.05), g = filled({3, 4}, ScalarType::Float64, 0.2, 0.1);
    Tensor step = ops::zeros({}, ScalarType::Float32);
    std::vector<Tensor> ps{p}, gs{g}, m(1), v(1), vmax(1), steps{step};
    ops::AdamOptions o;
    o.lr = 0.01, o.amsgrad = amsgrad;
    const auto p0 = st_test::values(p), gv = st_test::values(g);
    const uint32_t version = p.impl()->version_counter()->version.load();
    ops::foreach_adam(ps, gs, m, v, vmax, steps, o);
    EXPECT_EQ(st_test::values(step)[0], 1.0);
    EXPECT_GT(p.impl()->version_counter()->version.load(), version);
    for (int k = 0; k < 12; ++k) {
      const double mk = 0.1 * gv[k], vk = 0.001 * gv[k] * gv[k];
      const double denom = std::sqrt(vk) / std::sqrt(1 - 0.999) + 1e-8;
      EXPECT_NEAR(at(p, k), p0[k] - (0.01 / (1 - 0.9)) * (mk / denom), 1e-12);
      EXPECT_NEAR(at(m[0], k), mk, 1e-15);
    }
    EXPECT_EQ(vmax[0].defined(), amsgrad);
  }
}

TEST(ForeachOptim, MismatchedListsAreRefused) {
  std::vector<Tensor> ps{ops::zeros({2}, ScalarType::Float32)}, gs{ops::zeros({3}, ScalarType::Float32)}, bufs(1);
  EXPECT_THROW(ops::foreach_sgd(ps, gs, bufs, {}), Error);
  std::vector<Tensor> none;
  EXPECT_THROW(ops::foreach_sgd(ps, none, bufs, {}), Error);
}
