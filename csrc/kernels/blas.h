// Matrix products. float32/float64 go to OpenBLAS (the scipy-openblas32
// wheel); integer dtypes run a plain strided loop. Operands may have any
// strides: a matrix whose rows or columns are unit-stride is handed to BLAS as
// is (NoTrans / Trans with its leading dimension); only a matrix with neither
// stride 1 (or with overlapping rows) is copied first. Outputs are contiguous.
#pragma once
#include "../core/tensor.h"
#include "sgemm.h"

namespace st::kernels {

// Every OpenBLAS/LAPACK call runs while one of these lives (blas.cpp): a fork()
// waits for running calls and holds new ones back, and OpenBLAS's own threads
// stay idle (our pool splits the work).
struct BlasCall {
  BlasCall();
  ~BlasCall();
  BlasCall(const BlasCall&) = delete;
  BlasCall& operator=(const BlasCall&) = delete;
};

// The name of the kernel set OpenBLAS took when it loaded ("Haswell", "SkylakeX", ...): its own choice for this
// CPU, or the one the environment variable OPENBLAS_CORETYPE names.
const char* blas_core();

// The register tile float32 products of this shape run through (sgemm.h), or empty where they go to OpenBLAS:
// empty unless the ISA table has a tile, the product is large enough and SMALLTORCH_SGEMM is not "openblas";
// also empty for a one-off product (b_reused false) when OpenBLAS runs kernels with vectors as wide as the tile's
// (its AVX-512 kernels against our AVX-512 tile, or its AVX2 ones against our AVX2 tile). A caller that
// packs b once for many products (SgemmPackedB: a recurrent layer's steps) passes b_reused = true.
SgemmKernel own_sgemm_kernel(int64_t m, int64_t n, int64_t k, bool b_reused);

// out (m x n) = beta * out + alpha * a (m x k) @ b (k x n). With beta == 0 the
// old contents of out are ignored (NaN included), as in BLAS.
void gemm(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha, const Scalar& beta);
// out (B x m x n) = a (B x m x k) @ b (B x k x n); the batch strides may be anything (0 included).
void bmm(const Tensor& out, const Tensor& a, const Tensor& b);
// out (m) = a (m x k) @ x (k).
void gemv(const Tensor& out, const Tensor& a, const Tensor& x);
// out (0-d) = sum_i a[i] * b[i].
void dot(const Tensor& out, const Tensor& a, const Tensor& b);
// out (m x n, contiguous) = alpha * op(a) @ op(b) + beta * out on raw float32/float64
// buffers: op transposes when ta / tb, lda / ldb are the stored row-major leading
// dimensions. The entry point of gemm and bmm, split over our thread pool when
// large; kernels that walk their own operands (convolution) call it directly.
template <typename T>
void gemm_one(T* out, const T* a, bool ta, int64_t lda, const T* b, bool tb, int64_t ldb, int64_t m, int64_t n,
              int64_t k, T alpha, T beta);

}  // namespace st::kernels
