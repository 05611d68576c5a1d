// LAPACK (OpenBLAS's, from the scipy-openblas32 wheel) on batches of matrices.
// Every matrix argument is a contiguous tensor of shape (..., cols, rows): each
// matrix stored column-major, as LAPACK reads it (a row-major A becomes one by
// copying A.mT). The matrices of a batch run side by side on our thread pool,
// each call inside a BlasCall (blas.h). Calls that can fail return LAPACK's
// `info` per matrix (0: success; > 0: the routine's own failure, e.g. the index
// of a zero pivot); the ops layer turns them into PyTorch's errors.
#pragma once
#include <vector>
#include "../core/tensor.h"

namespace st::kernels::lapack {

// A (m x n) <- its LU factors (getrf); piv (..., min(m, n)) int32 gets the 1-based row swaps.
std::vector<int> getrf(const Tensor& a, const Tensor& piv);
// B (n x nrhs) <- A^-1 B, or A^-T B when trans, from A's LU factors (getrs).
void getrs(const Tensor& lu, const Tensor& piv, const Tensor& b, bool trans);
// A <- its Cholesky factor in the lower (or upper) triangle (potrf); the other triangle is untouched.
std::vector<int> potrf(const Tensor& a, bool upper);
// A (m x n) <- R above the diagonal and Householder reflectors below it, tau (..., min(m, n)) (geqrf).
void geqrf(const Tensor& a, const Tensor& tau);
// Q (m x c, c <= m) holding k = tau's size reflectors in its first columns <- the first c columns of Q (orgqr).
void orgqr(const Tensor& q, const Tensor& tau);
// Symmetric A (the lower or upper triangle read) -> ascending eigenvalues w (..., n); A <- the
// eigenvectors as columns when `vectors` (syevd).
std::vector<int> syevd(const Tensor& a, const Tensor& w, bool vectors, bool upper);
// A (m x n, destroyed) -> singular values s (..., k = min(m, n)), descending; with u and vt defined
// also U (m x m, or m x k) and V^T (n x n, or k x n) as `full` says (gesdd).
std::vector<int> gesdd(const Tensor& a, const Tensor& s, const Tensor& u, const Tensor& vt, bool full);
// B (n x nrhs) <- op(A)^-1 B for triangular A (op: transpose when trans); no check for zero pivots (trsm).
void trsm(const Tensor& a, const Tensor& b, bool upper, bool trans, bool unit_diagonal);

}  // namespace st::kernels::lapack
