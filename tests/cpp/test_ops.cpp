// ops layer: forward semantics of the ops layer: promotion, views, copies, errors.
#include <gtest/gtest.h>
#include <cmath>
#include <vector>
#include "autograd/grad_mode.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "test_util.h"

using namespace st;
using st_test::get;
using st_test::values;

namespace {

DimVector dv(std::initializer_list<int64_t> il) { return DimVector(il); }
using S = ScalarType;

Tensor arange_t(const DimVector& sizes, S dt) {
  return st_test::make(sizes, dt, [](int64_t k) { return static_cast<double>(k); });
}

bool shares_storage(const Tensor& a, const Tensor& b) { return a.impl()->storage() == b.impl()->storage(); }
bool shares_version(const Tensor& a, const Tensor& b) {
  return a.impl()->version_counter() == b.impl()->version_counter();
}

// Checks v is a view of base: same storage and version counter, and a write
// through v at index vi lands at base index bi.
void expect_view_of(const Tensor& v, const Tensor& base, const DimVector& vi, const DimVector& bi) {
  EXPECT_TRUE(shares_storage(v, base));
  EXPECT_TRUE(shares_version(v, base));
  EXPECT_TRUE(v.impl()->is_view);
  double old = get(base, bi);
  st_test::set(v, vi, 1234);
  EXPECT_EQ(get(base, bi), 1234);
  st_test::set(base, bi, old);
}

ops::TensorIndex I(int64_t i) { ops::TensorIndex t; t.kind = ops::TensorIndex::Int; t.i = i; return t; }
ops::TensorIndex Sl(std::optional<int64_t> a, std::optional<int64_t> b, int64_t step = 1) {
  ops::TensorIndex t; t.kind = ops::TensorIndex::Slice; t.start = a; t.stop = b; t.step = step; return t;
}
ops::TensorIndex None() { ops::TensorIndex t; t.kind = ops::TensorIndex::None; return t; }
ops::TensorIndex Ell() { ops::TensorIndex t; t.kind = ops::TensorIndex::Ellipsis; return t; }

}  // namespace

// ------------------------------------------------------------------ promotion

TEST(OpsResultType, TensorWithPythonScalar) {
  Tensor i32 = arange_t(dv({3}), S::Int32);
  EXPECT_EQ(ops::result_type(i32, Scalar(2.5)), S::Float32);
  EXPECT_EQ(ops::result_type(i32, Scalar(int64_t(2))), S::Int32);
  EXPECT_EQ(ops::result_type(i32, Scalar(true)), S::Int32);
  Tensor u8 = arange_t(dv({3}), S::UInt8);
  EXPECT_EQ(ops::result_type(u8, Scalar(int64_t(300))), S::UInt8);
  Tensor b = arange_t(dv({3}), S::Bool);
  EXPECT_EQ(ops::result_type(b, Scalar(int64_t(1))), S::Int64);
  EXPECT_EQ(ops::result_type(b, Scalar(2.5)), S::Float32);
  EXPECT_EQ(ops::result_type(b, Scalar(true)), S::Bool);
  Tensor f64 = arange_t(dv({3}), S::Float64);
  EXPECT_EQ(ops::result_type(f64, Scalar(2.5)), S::Float64);
  Tensor f32 = arange_t(dv({3}), S::Float32);
  EXPECT_EQ(ops::result_type(f32, Scalar(int64_t(2))), S::Float32);
}

TEST(OpsResultType, WrappedScalarTensors) {
  Tensor w = ops::wrapped_scalar(Scalar(2.5));
  EXPECT_TRUE(w.impl()->is_wrapped_number);
  EXPECT_EQ(w.dim(), 0);
  Tensor i32 = arange_t(dv({3}), S::Int32);
  EXPECT_EQ(ops::result_type(i32, w), S::Float32);
  EXPECT_EQ(ops::result_type(w, i32), S::Float32);
  Tensor wi = ops::wrapped_scalar(Scalar(int64_t(7)));
  EXPECT_EQ(ops::result_type(i32, wi), S::Int32);
  EXPECT_EQ(ops::result_type(arange_t(dv({3}), S::UInt8), wi), S::UInt8);
  // two wrapped numbers: int and float -> default float dtype
  EXPECT_EQ(ops::result_type(wi, w), S::Float32);
  set_default_dtype(S::Float64);
  EXPECT_EQ(ops::result_type(i32, w), S::Float64);
  EXPECT_EQ(ops::result_type(i32, Scalar(2.5)), S::Float64);
  set_default_dtype(S::Float32);
  Tensor r = ops::add(i32, w);
  EXPECT_EQ(r.dtype(), S::Float32);
  EXPECT_EQ(values(r), (std::vector<double>{2.5, 3.5, 4.5}));
}

TEST(OpsResultType, ZeroDimTensors) {
  Tensor u8 = arange_t(dv({3}), S::UInt8);
  Tensor i64_0 = ops::scalar_tensor(Scalar(int64_t(5)), S::Int64);
  EXPECT_EQ(ops::result_type(u8, i64_0), S::UInt8);
  Tensor r = ops::add(u8, i64_0);
  EXPECT_EQ(r.dtype(), S::UInt8);
  EXPECT_EQ(values(r), (std::vector<double>{5, 6, 7}));
  // a higher category in the 0-d tensor wins, with its own dtype
  Tensor i32 = arange_t(dv({2}), S::Int32);
  EXPECT_EQ(ops::result_type(i32, ops::scalar_tensor(Scalar(1.5), S::Float64)), S::Float64);
  EXPECT_EQ(ops::result_type(arange_t(dv({2}), S::Float32), ops::scalar_tensor(Scalar(1.5), S::Float64)),
            S::Float32);
  EXPECT_EQ(ops::result_type(arange_t(dv({2}), S::Bool), i64_0), S::Int64);
  // two 0-d tensors promote normally
  EXPECT_EQ(ops::result_type(ops::scalar_tensor(Scalar(int64_t(1)), S::Int32), i64_0), S::Int64);
  // 0-d tensor beats a wrapped number of the same category
  EXPECT_EQ(ops::result_type(ops::scalar_tensor(Scalar(int64_t(1)), S::Int32), ops::wrapped_scalar(Scalar(int64_t(1)))),
            S::Int32);
  // dimensioned tensors promote normally
  EXPECT_EQ(ops::result_type(i32, arange_t(dv({2}), S::Int64)), S::Int64);
  EXPECT_EQ(ops::result_type(arange_t(dv({2}), S::UInt8), i32), S::Int32);
}

TEST(OpsResultType, OpResultDtypes) {
  Tensor a = st_test::from(dv({3}), S::Int32, {1, 2, 7});
  Tensor b = st_test::from(dv({3}), S::Int32, {2, 4, 2});
  Tensor q = ops::div(a, b);  // true division
  EXPECT_EQ(q.dtype(), S::Float32);
  EXPECT_EQ(values(q), (std::vector<double>{0.5, 0.5, 3.5}));
  Tensor qs = ops::div(a, Scalar(int64_t(2)));
  EXPECT_EQ(qs.dtype(), S::Float32);
  EXPECT_EQ(values(qs), (std::vector<double>{0.5, 1.0, 3.5}));
  EXPECT_EQ(ops::mul(a, b).dtype(), S::Int32);
  EXPECT_EQ(ops::mul(a, Scalar(int64_t(3))).dtype(), S::Int32);
  EXPECT_EQ(ops::mul(a, Scalar(0.5)).dtype(), S::Float32);
  EXPECT_EQ(values(ops::mul(a, Scalar(0.5))), (std::vector<double>{0.5, 1.0, 3.5}));
  EXPECT_EQ(ops::pow(a, Scalar(2.0)).dtype(), S::Float32);
  EXPECT_EQ(ops::pow(a, Scalar(int64_t(2))).dtype(), S::Int32);
  EXPECT_EQ(values(ops::pow(a, Scalar(int64_t(2)))), (std::vector<double>{1, 4, 49}));
  Tensor t = st_test::from(dv({4}), S::Bool, {0, 1, 0, 1});
  Tensor u = st_test::from(dv({4}), S::Bool, {0, 0, 1, 1});
  Tensor s = ops::add(t, u);
  EXPECT_EQ(s.dtype(), S::Bool);
  EXPECT_EQ(values(s), (std::vector<double>{0, 1, 1, 1}));
  Tensor m = ops::mul(t, u);
  EXPECT_EQ(m.dtype(), S::Bool);
  EXPECT_EQ(values(m), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(ops::div(t, u).dtype(), S::Float32);
  Tensor bi = ops::add(t, Scalar(int64_t(1)));
  EXPECT_EQ(bi.dtype(), S::Int64);
  EXPECT_EQ(values(bi), (std::vector<double>{1, 2, 1, 2}));
  // mixed tensors: values computed in the promoted dtype
  Tensor f = st_test::from(dv({3}), S::Float64, {0.5, 0.25, 1.0});
  Tensor mix = ops::add(a, f);
  EXPECT_EQ(mix.dtype(), S::Float64);
  EXPECT_EQ(values(mix), (std::vector<double>{1.5, 2.25, 8.0}));
  // sub with alpha, rsub, rdiv
  EXPECT_EQ(values(ops::sub(a, b, Scalar(int64_t(2)))), (std::vector<double>{1 - 4, 2 - 8, 7 - 4}));
  EXPECT_EQ(values(ops::rsub(a, Scalar(int64_t(10)))), (std::vector<double>{9, 8, 3}));
  Tensor rd = ops::rdiv(a, Scalar(int64_t(7)));
  EXPECT_EQ(rd.dtype(), S::Float32);
  EXPECT_NEAR(get(rd, {2}), 1.0, 1e-6);
  EXPECT_NEAR(get(rd, {1}), 3.5, 1e-6);
}

TEST(OpsResultType, ArithmeticErrors) {
  Tensor t = st_test::from(dv({2}), S::Bool, {0, 1});
  ST_EXPECT_THROW_MSG(ops::sub(t, t), Error, "bool");
  ST_EXPECT_THROW_MSG(ops::neg(t), Error, "bool");
  Tensor i = arange_t(dv({3}), S::Int32);
  ST_EXPECT_THROW_MSG(ops::pow(i, Scalar(int64_t(-1))), Error, "negative integer powers");
  ST_EXPECT_THROW_MSG(ops::add(arange_t(dv({2, 3}), S::Float32), arange_t(dv({4}), S::Float32)), Error,
                      "[2, 3]");
}

TEST(OpsArithmetic, BroadcastingAndScalars) {
  Tensor a = arange_t(dv({2, 3}), S::Float64);
  Tensor b = st_test::from(dv({3}), S::Float64, {10, 20, 30});
  Tensor r = ops::add(a, b, Scalar(int64_t(2)));
  ASSERT_EQ(r.sizes(), dv({2, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(get(r, {i, j}), 3.0 * i + j + 2 * 10.0 * (j + 1));
  Tensor p = ops::pow(Scalar(2.0), a);
  for (int64_t k = 0; k < 6; ++k) EXPECT_DOUBLE_EQ(values(p)[k], std::pow(2.0, double(k)));
  Tensor e = ops::exp(a), l = ops::log(ops::add(a, Scalar(1.0)));
  for (int64_t k = 0; k < 6; ++k) {
    EXPECT_NEAR(values(e)[k], std::exp(double(k)), 1e-12 * std::exp(double(k)));
    EXPECT_NEAR(values(l)[k], std::log(k + 1.0), 1e-12);
  }
  Tensor n = ops::neg(a);
  for (int64_t k = 0; k < 6; ++k) EXPECT_EQ(values(n)[k], -double(k));
  Tensor rc = ops::reciprocal(st_test::from(dv({2}), S::Int32, {2, 4}));
  EXPECT_EQ(rc.dtype(), S::Float32);
  EXPECT_EQ(values(rc), (std::vector<double>{0.5, 0.25}));
}

TEST(OpsInPlace, BumpsVersionAndChecksCasting) {
  Tensor a = arange_t(dv({2, 3}), S::Float32);
  uint32_t v0 = a.impl()->version();
  ops::add_(a, Scalar(1.0));
  EXPECT_EQ(a.impl()->version(), v0 + 1);
  ops::mul_(a, st_test::from(dv({3}), S::Float32, {1, 2, 3}));
  EXPECT_EQ(a.impl()->version(), v0 + 2);
  std::vector<double> want;
  for (int64_t k = 0; k < 6; ++k) want.push_back((k + 1.0) * (k % 3 + 1));
  EXPECT_EQ(values(a), want);
  Tensor i = arange_t(dv({3}), S::Int32);
  ST_EXPECT_THROW_MSG(ops::add_(i, Scalar(1.5)), Error, "can't be cast");
  ST_EXPECT_THROW_MSG(ops::div_(i, Scalar(int64_t(2))), Error, "can't be cast");
  Tensor small = arange_t(dv({3}), S::Float32);
  ST_EXPECT_THROW_MSG(ops::add_(small, arange_t(dv({2, 3}), S::Float32)), Error, "doesn't match the broadcast shape");
  // writing into an expanded tensor is refused
  Tensor ex = ops::expand(arange_t(dv({1, 3}), S::Float32), dv({4, 3}));
  EXPECT_THROW(ops::add_(ex, Scalar(1.0)), Error);
  // x += x reads the old values
  Tensor x = arange_t(dv({4}), S::Float64);
  ops::add_(x, x);
  EXPECT_EQ(values(x), (std::vector<double>{0, 2, 4, 6}));
  // partly overlapping: x[1:] += x[:-1] is refused before anything is written, as in PyTorch
  Tensor y = arange_t(dv({5}), S::Int64);
  Tensor tail = ops::slice(y, 0, 1, std::nullopt, 1);
  ST_EXPECT_THROW_MSG(ops::add_(tail, ops::slice(y, 0, 0, -1, 1)), Error,
                      "some elements of the input tensor and the written-to tensor refer to a single memory location");
  EXPECT_EQ(values(y), (std::vector<double>{0, 1, 2, 3, 4}));
}

TEST(OpsInPlace, FillZeroCopy) {
  Tensor a = arange_t(dv({2, 3}), S::Int32);
  Tensor col = ops::select(a, 1, 1);
  ops::fill_(col, Scalar(int64_t(-4)));
  EXPECT_EQ(values(a), (std::vector<double>{0, -4, 2, 3, -4, 5}));
  ops::zero_(col);
  EXPECT_EQ(values(a), (std::vector<double>{0, 0, 2, 3, 0, 5}));
  Tensor src = st_test::from(dv({3}), S::Float64, {1.5, 2.5, 3.5});
  ops::copy_(a, src);  // broadcast + cast (truncates)
  EXPECT_EQ(values(a), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  ops::fill_(a, ops::scalar_tensor(Scalar(int64_t(9)), S::Int64));
  EXPECT_EQ(values(a), (std::vector<double>(6, 9)));
  EXPECT_THROW(ops::fill_(a, arange_t(dv({2}), S::Int32)), Error);
  EXPECT_THROW(ops::copy_(a, arange_t(dv({4}), S::Int32)), Error);
}

// ------------------------------------------------------------------ creation

TEST(OpsCreation, Factories) {
  EXPECT_EQ(values(ops::zeros(dv({2, 2}), S::Int32)), (std::vector<double>(4, 0)));
  EXPECT_EQ(values(ops::ones(dv({3}), S::Bool)), (std::vector<double>(3, 1)));
  EXPECT_EQ(values(ops::full(dv({2}), Scalar(2.5), S::Float64)), (std::vector<double>{2.5, 2.5}));
  Tensor ar = ops::arange(1, 2, 0.25, S::Float64);
  EXPECT_EQ(values(ar), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(values(ops::arange(5, 0, -2, S::Int64)), (std::vector<double>{5, 3, 1}));
  EXPECT_THROW(ops::arange(0, 1, 0, S::Float32), Error);
  Tensor ls = ops::linspace(0, 1, 5, S::Float64);
  EXPECT_EQ(values(ls), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(get(ops::linspace(0, 1, 7, S::Float32), {6}), 1.0);
  Tensor e = ops::eye(2, 3, S::Int32);
  EXPECT_EQ(values(e), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  Tensor s = ops::scalar_tensor(Scalar(3.0), S::Float32);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_FALSE(s.impl()->is_wrapped_number);
  EXPECT_EQ(ops::item(s).to_double(), 3.0);
  EXPECT_EQ(ops::item(ops::scalar_tensor(Scalar(int64_t(-2)), S::Int32)).kind, Scalar::Int);
  EXPECT_THROW(ops::item(arange_t(dv({2}), S::Float32)), Error);
}

TEST(OpsCreation, RandomFactoriesSeeded) {
  kernels::manual_seed(3);
  Tensor a = ops::rand(dv({50}), S::Float32);
  kernels::manual_seed(3);
  Tensor b = ops::rand(dv({50}), S::Float32);
  EXPECT_EQ(values(a), values(b));
  for (double v : values(a)) { EXPECT_GE(v, 0.0); EXPECT_LT(v, 1.0); }
  Tensor r = ops::randint(-3, 3, dv({200}), S::Int64);
  for (double v : values(r)) { EXPECT_GE(v, -3); EXPECT_LT(v, 3); }
  EXPECT_EQ(ops::randn(dv({4, 5}), S::Float64).sizes(), dv({4, 5}));
}

// ------------------------------------------------------------------ reductions

TEST(OpsReduce, SumAndMean) {
  Tensor a = arange_t(dv({2, 3, 4}), S::Int32);
  Tensor s = ops::sum(a);
  EXPECT_EQ(s.dtype(), S::Int64);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(get(s, {}), 23.0 * 24 / 2);
  Tensor s1 = ops::sum(a, dv({-1}), false);
  ASSERT_EQ(s1.sizes(), dv({2, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      double w = 0;
      for (int64_t k = 0; k < 4; ++k) w += 12 * i + 4 * j + k;
      EXPECT_EQ(get(s1, {i, j}), w);
    }
  Tensor s02 = ops::sum(a, dv({0, 2}), true);
  ASSERT_EQ(s02.sizes(), dv({1, 3, 1}));
  for (int64_t j = 0; j < 3; ++j) {
    double w = 0;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < 4; ++k) w += 12 * i + 4 * j + k;
    EXPECT_EQ(get(s02, {0, j, 0}), w);
  }
  EXPECT_EQ(ops::sum(a, std::optional<S>(S::Float64)).dtype(), S::Float64);
  EXPECT_EQ(ops::sum(st_test::from(dv({3}), S::Bool, {1, 0, 1})).dtype(), S::Int64);
  ST_EXPECT_THROW_MSG(ops::sum(a, dv({1, -2}), false), Error, "appears multiple times");
  EXPECT_THROW(ops::sum(a, dv({3}), false), IndexError);
  Tensor f = arange_t(dv({2, 3}), S::Float64);
  Tensor m = ops::mean(f, dv({1}), false);
  EXPECT_EQ(values(m), (std::vector<double>{1.0, 4.0}));
  EXPECT_EQ(get(ops::mean(f), {}), 2.5);
  EXPECT_THROW(ops::mean(a), Error);  // integer mean needs a dtype
  // transposed input
  Tensor ft = ops::transpose(f, 0, 1);
  EXPECT_EQ(values(ops::sum(ft, dv({1}), false)), (std::vector<double>{0 + 3, 1 + 4, 2 + 5}));
}

TEST(OpsReduce, SumTo) {
  Tensor g = ops::ones(dv({2, 3, 4}), S::Float64);
  Tensor r = ops::sum_to(g, dv({3, 1}));
  ASSERT_EQ(r.sizes(), dv({3, 1}));
  EXPECT_EQ(values(r), (std::vector<double>{8, 8, 8}));
  Tensor r0 = ops::sum_to(g, dv({}));
  EXPECT_EQ(r0.dim(), 0);
  EXPECT_EQ(get(r0, {}), 24);
  EXPECT_EQ(ops::sum_to(g, dv({2, 3, 4})).sizes(), dv({2, 3, 4}));
  EXPECT_THROW(ops::sum_to(g, dv({5, 2, 3, 4})), Error);
  EXPECT_THROW(ops::sum_to(g, dv({2})), Error);
}

// ------------------------------------------------------------------ views

TEST(OpsViews, ViewAndReshapeOfContiguousShare) {
  Tensor a = arange_t(dv({3, 4}), S::Float32);
  Tensor v = ops::view(a, dv({4, -1}));
  ASSERT_EQ(v.sizes(), dv({4, 3}));
  EXPECT_EQ(values(v), values(a));
  expect_view_of(v, a, dv({1, 2}), dv({1, 1}));  // flat index 5
  Tensor r = ops::reshape(a, dv({2, 2, 3}));
  ASSERT_EQ(r.sizes(), dv({2, 2, 3}));
  expect_view_of(r, a, dv({1, 0, 2}), dv({2, 0}));  // flat index 8
  Tensor f = ops::flatten(a);
  EXPECT_EQ(f.sizes(), dv({12}));
  EXPECT_TRUE(shares_storage(f, a));
  // version counter is shared: an in-place op through the view bumps the base
  uint32_t v0 = a.impl()->version();
  ops::add_(v, Scalar(1.0));
  EXPECT_EQ(a.impl()->version(), v0 + 1);
  EXPECT_EQ(get(a, {0, 0}), 1.0);
}

TEST(OpsViews, ReshapeOfNonContiguousCopies) {
  Tensor a = arange_t(dv({3, 4}), S::Int64);
  Tensor t = ops::transpose(a, 0, 1);  // [4, 3]
  Tensor r = ops::reshape(t, dv({12}));
  EXPECT_FALSE(shares_storage(r, a));
  EXPECT_TRUE(r.is_contiguous());
  std::vector<double> want;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j) want.push_back(double(j * 4 + i));
  EXPECT_EQ(values(r), want);
  st_test::set(r, {0}, 99);
  EXPECT_EQ(get(a, {0, 0}), 0.0);
  // a reshape that is view-compatible on the transposed tensor still shares
  Tensor r2 = ops::reshape(t, dv({2, 2, 3}));
  EXPECT_TRUE(shares_storage(r2, a));
}

TEST(OpsViews, TransposePermute) {
  Tensor a = arange_t(dv({2, 3, 4}), S::Float64);
  Tensor t = ops::transpose(a, -1, 0);
  ASSERT_EQ(t.sizes(), dv({4, 3, 2}));
  st_test::for_each_index(t.sizes(), [&](const DimVector& i) { EXPECT_EQ(get(t, i), get(a, {i[2], i[1], i[0]})); });
  expect_view_of(t, a, dv({3, 1, 0}), dv({0, 1, 3}));
  EXPECT_FALSE(t.is_contiguous());
  Tensor p = ops::permute(a, dv({2, 0, 1}));
  ASSERT_EQ(p.sizes(), dv({4, 2, 3}));
  st_test::for_each_index(p.sizes(), [&](const DimVector& i) { EXPECT_EQ(get(p, i), get(a, {i[1], i[2], i[0]})); });
  expect_view_of(p, a, dv({1, 1, 2}), dv({1, 2, 1}));
  Tensor m = arange_t(dv({2, 5}), S::Int32);
  EXPECT_EQ(ops::t(m).sizes(), dv({5, 2}));
  EXPECT_EQ(ops::numpy_T(a).sizes(), dv({4, 3, 2}));
  EXPECT_EQ(ops::mT(a).sizes(), dv({2, 4, 3}));
  EXPECT_THROW(ops::t(a), Error);
  EXPECT_THROW(ops::transpose(a, 0, 3), IndexError);
  ST_EXPECT_THROW_MSG(ops::permute(a, dv({0, 0, 1})), Error, "duplicate");
  EXPECT_THROW(ops::permute(a, dv({0, 1})), Error);
}

TEST(OpsViews, Expand) {
  Tensor a = st_test::from(dv({3, 1}), S::Float32, {1, 2, 3});
  Tensor e = ops::expand(a, dv({2, 3, -1}));
  ASSERT_EQ(e.sizes(), dv({2, 3, 1}));
  Tensor e2 = ops::expand(a, dv({2, 3, 4}));
  ASSERT_EQ(e2.sizes(), dv({2, 3, 4}));
  EXPECT_EQ(e2.strides()[0], 0);
  EXPECT_EQ(e2.strides()[2], 0);
  st_test::for_each_index(e2.sizes(), [&](const DimVector& i) { EXPECT_EQ(get(e2, i), i[1] + 1.0); });
  expect_view_of(e2, a, dv({1, 2, 3}), dv({2, 0}));
  ST_EXPECT_THROW_MSG(ops::expand(a, dv({3, 4, 2})), Error, "must match the existing size");
  EXPECT_THROW(ops::expand(a, dv({4})), Error);
  EXPECT_THROW(ops::expand(a, dv({-1, 3, 4})), Error);
}

TEST(OpsViews, SqueezeUnsqueeze) {
  Tensor a = arange_t(dv({1, 3, 1, 2}), S::Float64);
  Tensor s = ops::squeeze(a);
  ASSERT_EQ(s.sizes(), dv({3, 2}));
  expect_view_of(s, a, dv({2, 1}), dv({0, 2, 0, 1}));
  EXPECT_EQ(ops::squeeze(a, 2).sizes(), dv({1, 3, 2}));
  EXPECT_EQ(ops::squeeze(a, 1).sizes(), dv({1, 3, 1, 2}));  // not size 1: unchanged
  EXPECT_EQ(ops::squeeze(a, dv({0, -2})).sizes(), dv({3, 2}));
  EXPECT_THROW(ops::squeeze(a, 4), IndexError);
  Tensor b = arange_t(dv({3, 2}), S::Float64);
  Tensor u0 = ops::unsqueeze(b, 0);
  EXPECT_EQ(u0.sizes(), dv({1, 3, 2}));
  Tensor u2 = ops::unsqueeze(b, -1);
  EXPECT_EQ(u2.sizes(), dv({3, 2, 1}));
  Tensor u1 = ops::unsqueeze(b, 1);
  EXPECT_EQ(u1.sizes(), dv({3, 1, 2}));
  EXPECT_TRUE(u1.is_contiguous());
  EXPECT_EQ(values(u1), values(b));
  expect_view_of(u1, b, dv({2, 0, 1}), dv({2, 1}));
  EXPECT_THROW(ops::unsqueeze(b, 3), IndexError);
  Tensor z = ops::scalar_tensor(Scalar(1.0), S::Float32);
  EXPECT_EQ(ops::unsqueeze(z, 0).sizes(), dv({1}));
  EXPECT_EQ(ops::squeeze(z, 0).dim(), 0);
}

TEST(OpsViews, SelectSlice) {
  Tensor a = arange_t(dv({3, 5}), S::Int32);
  Tensor row = ops::select(a, 0, -1);
  EXPECT_EQ(values(row), (std::vector<double>{10, 11, 12, 13, 14}));
  expect_view_of(row, a, dv({3}), dv({2, 3}));
  Tensor col = ops::select(a, 1, 2);
  EXPECT_EQ(values(col), (std::vector<double>{2, 7, 12}));
  ST_EXPECT_THROW_MSG(ops::select(a, 1, 5), IndexError, "out of bounds");
  EXPECT_THROW(ops::select(a, 0, -4), IndexError);
  EXPECT_THROW(ops::select(ops::scalar_tensor(Scalar(1.0), S::Float32), 0, 0), IndexError);
  Tensor sl = ops::slice(a, 1, 1, std::nullopt, 2);
  ASSERT_EQ(sl.sizes(), dv({3, 2}));
  EXPECT_EQ(values(sl), (std::vector<double>{1, 3, 6, 8, 11, 13}));
  expect_view_of(sl, a, dv({2, 1}), dv({2, 3}));
  EXPECT_EQ(values(ops::slice(a, 1, -2, std::nullopt, 1)), (std::vector<double>{3, 4, 8, 9, 13, 14}));
  EXPECT_EQ(ops::slice(a, 1, 2, 100, 1).sizes(), dv({3, 3}));  // end clamps
  EXPECT_EQ(ops::slice(a, 1, 4, 2, 1).sizes(), dv({3, 0}));    // empty
  EXPECT_EQ(ops::slice(a, 0, -100, 2, 1).sizes(), dv({2, 5}));
  EXPECT_EQ(ops::slice(a, 1, 0, 5, 3).sizes(), dv({3, 2}));     // ceil(5 / 3)
  EXPECT_THROW(ops::slice(a, 1, 0, 5, 0), ValueError);
  EXPECT_THROW(ops::slice(a, 2, 0, 1, 1), IndexError);
}

TEST(OpsViews, IndexWithTensorIndex) {
  Tensor a = arange_t(dv({2, 3, 4}), S::Float64);
  // a[1, ::2, None, 1:]
  Tensor r = ops::index(a, {I(1), Sl(std::nullopt, std::nullopt, 2), None(), Sl(1, std::nullopt)});
  ASSERT_EQ(r.sizes(), dv({2, 1, 3}));
  st_test::for_each_index(r.sizes(), [&](const DimVector& i) { EXPECT_EQ(get(r, i), get(a, {1, 2 * i[0], 1 + i[2]})); });
  expect_view_of(r, a, dv({1, 0, 2}), dv({1, 2, 3}));
  // a[..., -1]
  Tensor e = ops::index(a, {Ell(), I(-1)});
  ASSERT_EQ(e.sizes(), dv({2, 3}));
  st_test::for_each_index(e.sizes(), [&](const DimVector& i) { EXPECT_EQ(get(e, i), get(a, {i[0], i[1], 3})); });
  // a[None, ..., 0]
  Tensor n = ops::index(a, {None(), Ell(), I(0)});
  ASSERT_EQ(n.sizes(), dv({1, 2, 3}));
  st_test::for_each_index(n.sizes(), [&](const DimVector& i) { EXPECT_EQ(get(n, i), get(a, {i[1], i[2], 0})); });
  // a[0, ..., 1:3, None]
  Tensor m = ops::index(a, {I(0), Ell(), Sl(1, 3), None()});
  ASSERT_EQ(m.sizes(), dv({3, 2, 1}));
  // a[...] is an alias
  Tensor al = ops::index(a, {Ell()});
  EXPECT_EQ(al.sizes(), a.sizes());
  EXPECT_TRUE(shares_storage(al, a));
  EXPECT_FALSE(al.is_same(a));
  // errors
  ST_EXPECT_THROW_MSG(ops::index(a, {I(0), I(0), I(0), I(0)}), IndexError, "too many indices");
  ST_EXPECT_THROW_MSG(ops::index(a, {I(2)}), IndexError, "out of bounds");
  EXPECT_THROW(ops::index(a, {I(0), I(-4)}), IndexError);
  EXPECT_THROW(ops::index(a, {Ell(), Ell()}), IndexError);
}

TEST(OpsViews, IndexPut) {
  Tensor a = ops::zeros(dv({3, 4}), S::Float32);
  ops::index_put_(a, {Sl(std::nullopt, std::nullopt), I(1)}, Scalar(5.0));
  ops::index_put_(a, {I(2)}, st_test::from(dv({4}), S::Float32, {1, 2, 3, 4}));
  EXPECT_EQ(values(a), (std::vector<double>{0, 5, 0, 0, 0, 5, 0, 0, 1, 2, 3, 4}));
}

TEST(OpsViews, ViewErrors) {
  Tensor a = arange_t(dv({3, 4}), S::Float32);
  Tensor t = ops::transpose(a, 0, 1);
  ST_EXPECT_THROW_MSG(ops::view(t, dv({12})), Error, "reshape");
  ST_EXPECT_THROW_MSG(ops::view(a, dv({5, 3})), Error, "invalid for input of size 12");
  EXPECT_THROW(ops::view(a, dv({-1, -1})), Error);
  EXPECT_THROW(ops::reshape(a, dv({7})), Error);
  EXPECT_THROW(ops::flatten(a, 1, 0), Error);
  try {
    ops::view(t, dv({12}));
  } catch (const IndexError&) {
    ADD_FAILURE() << "view errors are RuntimeErrors, not IndexErrors";
  } catch (const Error&) {
  }
}

TEST(OpsViews, CloneContiguousDetachToDtype) {
  Tensor a = arange_t(dv({3, 4}), S::Float32);
  Tensor t = ops::transpose(a, 0, 1);
  Tensor c = ops::contiguous(t);
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(shares_storage(c, a));
  EXPECT_EQ(values(c), values(t));
  EXPECT_TRUE(ops::contiguous(a).is_same(a));
  Tensor cl = ops::clone(a);
  EXPECT_FALSE(shares_storage(cl, a));
  EXPECT_EQ(values(cl), values(a));
  Tensor d = ops::detach(a);
  EXPECT_TRUE(shares_storage(d, a));
  EXPECT_TRUE(shares_version(d, a));
  Tensor i = ops::to_dtype(a, S::Int32);
  EXPECT_EQ(i.dtype(), S::Int32);
  EXPECT_EQ(values(i), values(a));
  EXPECT_TRUE(ops::to_dtype(a, S::Float32).is_same(a) || shares_storage(ops::to_dtype(a, S::Float32), a));
  EXPECT_FALSE(shares_storage(ops::to_dtype(a, S::Float32, true), a));
}

// (Scalar(b.to_double() * alpha.to_double())), losing int64 precision above 2^53.
TEST(OpsArithmetic, IntegerAlphaKeepsInt64Precision) {
  const int64_t big = (int64_t(1) << 53) + 1;
  Tensor a = ops::zeros(dv({1}), S::Int64);
  Tensor r = ops::add(a, Scalar(big), Scalar(int64_t(2)));
  EXPECT_EQ(r.data<int64_t>()[0], 2 * big);
  Tensor r2 = ops::sub(a, Scalar(big), Scalar(int64_t(-1)));
  EXPECT_EQ(r2.data<int64_t>()[0], big);
}

// PyTorch raises "For integral input tensors, argument alpha must not be a floating point number."
TEST(OpsArithmetic, FloatAlphaWithIntegerTensorRaises) {
  Tensor a = st_test::from(dv({1}), S::Int32, {1});
  EXPECT_THROW(ops::add(a, Scalar(int64_t(1)), Scalar(2.5)), Error);
  EXPECT_THROW(ops::add(a, a, Scalar(2.5)), Error);
}

// expand rejects negative sizes other than -1 on existing dims (was a bug: expand([1], {-2}) gave size -2).
TEST(OpsViews, ExpandRejectsNegativeSizes) {
  Tensor a = st_test::from(dv({1}), S::Float32, {1});
  EXPECT_THROW(ops::expand(a, dv({-2})), Error);
}

// out= of another shape: resized to the result (PyTorch's resize_output), with the deprecation warning
// only when out had elements; out's own checks (internal overlap) judge it as given.
namespace {
std::vector<std::string> g_out_warnings;
}  // namespace

TEST(OpsOut, OutOfAnotherShapeIsResizedWithAWarning) {
  st::set_warning_handler([](const std::string& m) { g_out_warnings.push_back(m); });
  const Tensor a = ops::ones(DimVector{2, 3}, ScalarType::Float32);
  Tensor out = st::empty(DimVector{0}, ScalarType::Float32);
  ops::add_out(out, a, a);
  EXPECT_EQ(out.sizes(), (DimVector{2, 3}));
  EXPECT_EQ(st_test::values(out), std::vector<double>(6, 2.0));
  EXPECT_TRUE(g_out_warnings.empty());
  Tensor out5 = st::empty(DimVector{5}, ScalarType::Float32);
  ops::write_out(out5, ops::exp(a), "exp");
  EXPECT_EQ(out5.sizes(), (DimVector{2, 3}));
  ASSERT_EQ(g_out_warnings.size(), 1u);
  EXPECT_NE(g_out_warnings[0].find("had shape [5], which does not match the required output shape [2, 3]"),
            std::string::npos);
  Tensor expanded = ops::expand(st::empty(DimVector{1}, ScalarType::Float32), DimVector{4});
  EXPECT_THROW(ops::add_out(expanded, a, a), st::Error);  // internal overlap, before any resize
  EXPECT_EQ(expanded.sizes(), (DimVector{4}));
  st::set_warning_handler(nullptr);
}
