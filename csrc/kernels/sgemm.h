// float32 matrix products through our own packed panels and a register-tile
// micro-kernel (sgemm.cpp), for CPUs whose ISA table has one (AVX-512: 12 x 32
// tiles in 24 zmm accumulators; AVX2: 6 x 16 tiles in 12 ymm accumulators).
// blas.cpp sends large float32 products here and everything else to OpenBLAS.
#pragma once
#include <cstdint>
#include <vector>

namespace st::kernels {

// The multiply-adds of an m x n x k product, in a type that cannot overflow (the size rules compare it).
inline double multiply_adds(int64_t m, int64_t n, int64_t k) {
  return static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
}

// The micro-kernel: c (MR x NR, row stride ldc) = alpha * sum_p ap[p * MR + i] * bp[p * NR + j] + beta * c,
// for p < kc; c is not read when beta == 0. ap and bp are packed panels, 64-byte aligned.
using SgemmTile = void (*)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha,
                           float beta);

constexpr int64_t kSgemmMaxMR = 12;  // the largest register tile any kernel has
constexpr int64_t kSgemmMaxNR = 32;

// A micro-kernel, its tile's geometry (rows MR <= kSgemmMaxMR, columns NR <= kSgemmMaxNR) and the width of the
// vectors it computes with; empty where a table has none.
struct SgemmKernel {
  SgemmTile tile = nullptr;
  int64_t mr = 0, nr = 0, vec_bytes = 0;
  explicit operator bool() const { return tile != nullptr; }
};

// The tile in plain C++, with the geometry of the AVX-512 (12 x 32) or the AVX2 (6 x 16) kernel: the tests
// run the driver with it on any CPU.
SgemmKernel sgemm_ref_kernel(bool wide);

// out (m x n, row stride ldo) = alpha * op(a) @ op(b) + beta * out (out not read when beta == 0), where
// op(a)[i][p] = ta ? a[p * lda + i] : a[i * lda + p] and op(b)[p][j] = tb ? b[j * ldb + p] : b[p * ldb + j].
// Packs b in blocks shared by the pool's threads, which then split the rows (or, for few rows, the columns).
void sgemm_packed(const SgemmKernel& kern, float* out, int64_t ldo, const float* a, bool ta, int64_t lda,
                  const float* b, bool tb, int64_t ldb, int64_t m, int64_t n, int64_t k, float alpha, float beta);

// op(b) packed once into the panels sgemm_packed would make, for a product repeated with the same right-hand
// side (a recurrent layer's weights at every step), with the tile that runs it. Packing splits over the pool.
class SgemmPackedB {
 public:
  SgemmPackedB(const SgemmKernel& kern, const float* b, bool tb, int64_t ldb, int64_t k, int64_t n);
  SgemmPackedB(const SgemmPackedB&) = delete;
  SgemmPackedB& operator=(const SgemmPackedB&) = delete;
  // out (m x n, row stride ldo) = alpha * a (m x k, row-major, row stride lda) @ op(b) + beta * out, the pool's
  // threads splitting the column panels (each runs every row).
  void multiply(float* out, int64_t ldo, const float* a, int64_t lda, int64_t m, float alpha, float beta) const;

 private:
  SgemmKernel kern_;
  int64_t k_, n_, kc_, panels_;
  std::vector<float> buf_;
  float* data_;
};

}  // namespace st::kernels
