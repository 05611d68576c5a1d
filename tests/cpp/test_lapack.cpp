// LAPACK kernels and the linalg ops on them: values of small known matrices, batches, the column-major
// layout of results, LinAlgError with PyTorch's messages, and the gradient of det.
#include <gtest/gtest.h>
#include <cmath>
#include <vector>
#include "autograd/engine.h"
#include "autograd/node.h"
#include "kernels/lapack.h"
#include "ops/ops.h"
#include "test_util.h"

using namespace st;

namespace {

using S = ScalarType;
const std::vector<double> kA = {4, 1, 2, 1, 3, 0, 2, 0, 5};  // symmetric positive-definite, det 43

TEST(Lapack, GetrfOnAColumnMajorBatch) {
  // two 2x2 matrices stored column-major: [[0, 1], [2, 3]] and [[1, 0], [0, 1]]
  Tensor a = st_test::from({2, 2, 2}, S::Float64, {0, 2, 1, 3, 1, 0, 0, 1});
  Tensor piv = empty({2, 2}, S::Int32);
  std::vector<int> infos = kernels::lapack::getrf(a, piv);
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0], 0);
  EXPECT_EQ(piv.data<int32_t>()[0], 2);  // the first pivot swaps rows 1 and 2
  EXPECT_EQ(piv.data<int32_t>()[2], 1);
}

TEST(Lapack, DetInvSolveOfAKnownMatrix) {
  for (S dt : {S::Float32, S::Float64}) {
    Tensor A = st_test::from({3, 3}, dt, kA);
    double tol = dt == S::Float32 ? 1e-4 : 1e-12;
    EXPECT_NEAR(ops::item(ops::linalg_det(A)).to_double(), 43.0, tol * 43);
    Tensor I = ops::matmul(A, ops::linalg_inv(A));
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j) EXPECT_NEAR(st_test::get(I, {i, j}), i == j ? 1.0 : 0.0, tol * 10);
    Tensor b = st_test::from({3}, dt, {1, 2, 3});
    Tensor x = ops::linalg_solve(A, b);
    Tensor Ax = ops::matmul(A, x);
    for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(st_test::get(Ax, {i}), double(i + 1), tol * 10);
  }
}

TEST(Lapack, ResultsAreColumnMajorViews) {
  Tensor A = st_test::from({3, 3}, S::Float64, kA);
  Tensor inv = ops::linalg_inv(A);
  EXPECT_EQ(inv.strides(), DimVector({1, 3}));
  Tensor L = std::get<0>(ops::linalg_cholesky_ex(A));
  EXPECT_EQ(L.strides(), DimVector({1, 3}));
  EXPECT_EQ(st_test::get(L, {0, 1}), 0.0);  // the upper triangle is zeroed
  EXPECT_NEAR(st_test::get(L, {0, 0}), 2.0, 1e-15);
}

TEST(Lapack, EighAndSvdOfADiagonalMatrix) {
  Tensor D = st_test::from({3, 3}, S::Float64, {3, 0, 0, 0, -1, 0, 0, 0, 2});
  auto [w, V] = ops::linalg_eigh(D);
  EXPECT_EQ(st_test::values(w), std::vector<double>({-1, 2, 3}));
  auto [U, s, Vh] = ops::linalg_svd(D, true, true);
  EXPECT_EQ(st_test::values(s), std::vector<double>({3, 2, 1}));
  EXPECT_EQ(U.sizes(), DimVector({3, 3}));
}

TEST(Lapack, SingularAndNotPositiveDefiniteRaiseLinAlgError) {
  Tensor sing = st_test::from({2, 2}, S::Float64, {1, 2, 2, 4});
  st_test::expect_throw_msg<LinAlgError>([&] { ops::linalg_inv(sing); },
                                         "linalg.inv: The diagonal element 2 is zero");
  Tensor batch = ops::stack({ops::eye(2, 2, S::Float64), sing}, 0);
  st_test::expect_throw_msg<LinAlgError>([&] { ops::linalg_solve(batch, batch); },
                                         "(Batch element 1): The solver failed because the input matrix is singular.");
  Tensor npd = st_test::from({2, 2}, S::Float64, {1, 2, 2, 1});
  st_test::expect_throw_msg<LinAlgError>([&] { ops::linalg_cholesky_ex(npd, false, true); },
                                         "the leading minor of order 2 is not positive-definite");
  auto [L, info] = ops::linalg_cholesky_ex(npd);  // check_errors=false: info instead
  EXPECT_EQ(info.data<int32_t>()[0], 2);
  st_test::expect_throw_msg<Error>([&] { ops::linalg_det(ops::ones({2, 3}, S::Float64)); },
                                   "A must be batches of square matrices, but they are 2 by 3 matrices");
  st_test::expect_throw_msg<Error>([&] { ops::linalg_det(ops::ones({2, 2}, S::Int64)); },
                                   "Expected a floating point or complex tensor as input. Got Long");
}

TEST(Lapack, DetGradientIsDetTimesInverseTransposed) {
  Tensor A = st_test::from({3, 3}, S::Float64, kA);
  autograd::set_requires_grad(A, true);
  Tensor d = ops::linalg_det(A);
  EXPECT_STREQ(autograd::get_meta(d)->grad_fn->name(), "LinalgDetBackward0");
  autograd::backward({d}, {}, std::nullopt, false, {});
  Tensor g = autograd::get_meta(A)->grad;
  Tensor want = ops::mul(ops::mT(ops::linalg_inv(ops::detach(A))), 43.0);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) EXPECT_NEAR(st_test::get(g, {i, j}), st_test::get(want, {i, j}), 1e-12);
}

}  // namespace
