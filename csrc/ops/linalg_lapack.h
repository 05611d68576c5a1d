// Linear algebra on LAPACK (kernels/lapack): factorizations, inverses and solves,
// batched over leading dims, float32/float64, each forward next to its backward
// node (PyTorch's node names and formulas; definitions in linalg_lapack.cpp).
// Failures are PyTorch's errors: LinAlgError for singular / not positive-definite
// inputs, RuntimeError for shapes and dtypes.
#pragma once
#include <string>
#include <tuple>
#include "../core/tensor.h"

namespace st::ops {

Tensor linalg_det(const Tensor& A, const char* fn = "linalg.det");                      // LinalgDetBackward0
std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A, const char* fn = "linalg.slogdet");  // (sign, logabsdet)
Tensor logdet(const Tensor& A);  // log det A: nan for a negative determinant, -inf for a singular A
// (inverse, info); with check_errors a singular matrix raises LinAlgError (LinalgInvExBackward0).
std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors = false,
                                         const char* fn = "linalg.inv_ex");
Tensor linalg_inv(const Tensor& A);
// X with A X = B (left) or X A = B; B may be a (batch of) vector(s); batch dims broadcast (LinalgSolveExBackward0).
std::tuple<Tensor, Tensor> linalg_solve_ex(const Tensor& A, const Tensor& B, bool left = true,
                                           bool check_errors = false);
Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left = true);
// (L, info), L lower (or U = L^T upper) with A = L L^T (LinalgCholeskyExBackward0; CholeskyBackward0 for `fn` "cholesky").
std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper = false, bool check_errors = false,
                                              const char* fn = "linalg.cholesky");
// (Q, R), mode "reduced", "complete" or "r" (Q empty) (LinalgQrBackward0).
std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, const std::string& mode = "reduced");
// (eigenvalues ascending, eigenvectors as columns) of a symmetric A read from its UPLO triangle;
// eigenvectors undefined when !vectors and no gradient is needed (LinalgEighBackward0).
std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& uplo = "L", bool vectors = true);
// (U, S, Vh); only S when !compute_uv and no gradient is needed (LinalgSvdBackward0).
std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices = true, bool compute_uv = true,
                                              const char* fn = "linalg.svd");
// X with A X = B (left) or X A = B for triangular A (LinalgSolveTriangularBackward0).
Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                               bool unitriangular = false);
// (LU, pivots, info): A = P L U packed in LU (L unit lower, U upper), int32 1-based row swaps; with
// check_errors a zero U[i,i] raises `fn`'s error (LinalgLuFactorExBackward0).
std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot = true, bool check_errors = false,
                                                       const char* fn = "torch.linalg.lu_factor_ex");
// X with A X = B (left) or X A = B, A (or A^T when adjoint) given by lu_factor's (LU, pivots) (LinalgLuSolveBackward0).
Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true, bool adjoint = false);
// (P, L, U) from lu_factor's (LU, pivots); P empty unless unpack_pivots, L and U empty unless unpack_data.
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data = true,
                                             bool unpack_pivots = true);

}  // namespace st::ops
