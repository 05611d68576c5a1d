// float32 products through packed panels (see sgemm.h).
//
// The loops follow the usual layered blocking: for each block of kNC columns and
// kKC-deep slice of k, op(b) is packed once into column panels of the tile's
// NR columns (p-major, so the micro-kernel reads NR consecutive floats per step)
// that every thread reads; each thread then packs groups of row tiles of op(a)
// (kGroupRows rows) into MR-row panels and runs the micro-kernel over every
// (row tile, column panel) pair of its share. A panel of b (kKC x NR floats: 32
// KiB for NR = 32, 16 KiB for 16) stays in L1 while the row tiles stream through
// it; the a group (144 x kKC) stays in L2. Ragged edges are packed with zeros
// and computed into a scratch tile.
#include "sgemm.h"
#include <algorithm>
#include <cstring>
#include <vector>
#include "isa.h"
#include "parallel.h"

namespace st::kernels {

namespace {

constexpr int64_t kKC = 256;   // depth of a packed slice
constexpr int64_t kNC = 512;   // columns of a packed block of b (256 x 512 floats: 512 KiB, shared in L3)
constexpr int64_t kGroupRows = 144;  // rows of op(a) per packed group (kGroupRows / MR row tiles)
// Products of at least this many multiply-adds are split over the pool's threads.
constexpr int64_t kSplitWork = int64_t(1) << 21;

// A 64-byte aligned scratch area of at least n floats in v (grown, never shrunk).
float* aligned_scratch(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n + 16) v.resize(static_cast<size_t>(n + 16));
  auto p = reinterpret_cast<uintptr_t>(v.data());
  return reinterpret_cast<float*>((p + 63) & ~uintptr_t(63));
}

// Packs one panel of width w: dst[p * w + x] = src(x, pc + p) for p < kc and x < valid, zero for x >= valid,
// where src(x, p) = x_major ? src[x * ld + p] : src[p * ld + x]. Op(a)'s row tiles are panels of width MR
// (x a row of op(a)), op(b)'s column panels of width NR (x a column of op(b)).
void pack_panel(float* dst, int64_t w, const float* src, bool x_major, int64_t ld, int64_t valid, int64_t pc,
                int64_t kc) {
  if (!x_major) {  // w consecutive floats per step
    for (int64_t p = 0; p < kc; ++p) {
      float* d = dst + p * w;
      std::memcpy(d, src + (pc + p) * ld, sizeof(float) * valid);
      for (int64_t x = valid; x < w; ++x) d[x] = 0.0f;
    }
  } else if (valid == w) {  // a transposition of w stored rows
    isa().transpose_tile(reinterpret_cast<char*>(dst), reinterpret_cast<const char*>(src + pc),
                         ld * int64_t(sizeof(float)), kc, w, sizeof(float));
  } else {
    for (int64_t x = 0; x < w; ++x)
      for (int64_t p = 0; p < kc; ++p) dst[p * w + x] = x < valid ? src[x * ld + pc + p] : 0.0f;
  }
}

// Column panels [q0, q1) of op(b)'s block (columns jc..jc+nc), nr wide: panel q at bp + q * kc * nr.
void pack_b(float* bp, int64_t nr, const float* b, bool tb, int64_t ldb, int64_t pc, int64_t kc, int64_t jc,
            int64_t nc, int64_t q0, int64_t q1) {
  for (int64_t q = q0; q < q1; ++q) {
    const int64_t j0 = jc + q * nr;
    pack_panel(bp + q * kc * nr, nr, b + j0 * (tb ? ldb : 1), tb, ldb, std::min(nr, jc + nc - j0), pc, kc);
  }
}

// Row tiles [t0, t1) of op(a), mr rows each: tile t at ap + (t - t0) * kc * mr.
void pack_a(float* ap, int64_t mr, const float* a, bool ta, int64_t lda, int64_t m, int64_t pc, int64_t kc,
            int64_t t0, int64_t t1) {
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t i0 = t * mr;
    pack_panel(ap + (t - t0) * kc * mr, mr, a + i0 * (ta ? 1 : lda), !ta, lda, std::min(mr, m - i0), pc, kc);
  }
}

thread_local std::vector<float> t_pack_a, t_pack_b;

// The register tile in plain C++ (sgemm_ref_kernel).
template <int64_t MR, int64_t NR>
void sgemm_tile_ref(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p)
    for (int64_t i = 0; i < MR; ++i)
      for (int64_t j = 0; j < NR; ++j) acc[i][j] += ap[p * MR + i] * bp[p * NR + j];
  for (int64_t i = 0; i < MR; ++i)
    for (int64_t j = 0; j < NR; ++j)
      c[i * ldc + j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[i * ldc + j];
}

// Runs the tiles [t0, t1) x panels [q0, q1) of one depth slice: out (rows t * MR.., columns jc + q * NR..)
// = alpha * op(a)[:, pc:pc+kc] @ slice + beta * out, the slice's panel q at bp + q * kc * NR; op(a)'s row
// tiles are packed kGroupRows / MR at a time into this thread's scratch.
void run_slice(const SgemmKernel& kern, float* out, int64_t ldo, const float* a, bool ta, int64_t lda, int64_t m,
               int64_t n, const float* bp, int64_t jc, int64_t pc, int64_t kc, float alpha, float beta, int64_t t0,
               int64_t t1, int64_t q0, int64_t q1) {
  const int64_t mr = kern.mr, nr = kern.nr, group = std::max<int64_t>(1, kGroupRows / mr);
  float* ap = aligned_scratch(t_pack_a, group * kc * mr);
  alignas(64) float edge[kSgemmMaxMR * kSgemmMaxNR];
  for (int64_t tg = t0; tg < t1; tg += group) {
    const int64_t tge = std::min(t1, tg + group);
    pack_a(ap, mr, a, ta, lda, m, pc, kc, tg, tge);
    for (int64_t q = q0; q < q1; ++q) {
      const float* bq = bp + q * kc * nr;
      const int64_t j0 = jc + q * nr, cols = std::min(nr, n - j0);
      for (int64_t t = tg; t < tge; ++t) {
        const float* at = ap + (t - tg) * kc * mr;
        const int64_t i0 = t * mr, rows = std::min(mr, m - i0);
        float* c = out + i0 * ldo + j0;
        if (rows == mr && cols == nr) {
          kern.tile(kc, at, bq, c, ldo, alpha, beta);
          continue;
        }
        kern.tile(kc, at, bq, edge, nr, alpha, 0.0f);
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j)
            c[i * ldo + j] = beta == 0.0f ? edge[i * nr + j] : edge[i * nr + j] + beta * c[i * ldo + j];
      }
    }
  }
}

// The depth slices of k: as even as kKC allows.
int64_t slice_depth(int64_t k) {
  const int64_t slices = std::max<int64_t>(1, (k + kKC - 1) / kKC);
  return std::max<int64_t>(1, (k + slices - 1) / slices);
}

}  // namespace

SgemmKernel sgemm_ref_kernel(bool wide) {
  if (wide) return {&sgemm_tile_ref<12, 32>, 12, 32, 4};
  return {&sgemm_tile_ref<6, 16>, 6, 16, 4};
}

void sgemm_packed(const SgemmKernel& kern, float* out, int64_t ldo, const float* a, bool ta, int64_t lda,
                  const float* b, bool tb, int64_t ldb, int64_t m, int64_t n, int64_t k, float alpha, float beta) {
  if (m <= 0 || n <= 0) return;
  const int64_t kc_max = slice_depth(k);
  const int64_t mr = kern.mr, nr = kern.nr;
  const int64_t tiles = (m + mr - 1) / mr;
  const int64_t threads = multiply_adds(m, n, k) >= kSplitWork ? get_num_threads() : 1;
  for (int64_t jc = 0; jc < n; jc += kNC) {
    const int64_t nc = std::min(kNC, n - jc), panels = (nc + nr - 1) / nr;
    float* bp = aligned_scratch(t_pack_b, panels * kc_max * nr);
    for (int64_t pc = 0; pc == 0 || pc < k; pc += kc_max) {  // k == 0: one empty slice (out = beta * out)
      const int64_t kc = std::min(kc_max, k - pc);
      const float beta_now = pc == 0 ? beta : 1.0f;  // later slices add to what the first wrote
      auto run = [&](int64_t t0, int64_t t1, int64_t q0, int64_t q1) {
        run_slice(kern, out, ldo, a, ta, lda, m, n, bp, jc, pc, kc, alpha, beta_now, t0, t1, q0, q1);
      };
      if (threads <= 1) {
        pack_b(bp, nr, b, tb, ldb, pc, kc, jc, nc, 0, panels);
        run(0, tiles, 0, panels);
      } else if (tiles >= 2 * threads) {  // b packed by all threads, then the rows split
        parallel_for(0, panels, 1, [&](int64_t q0, int64_t q1) { pack_b(bp, nr, b, tb, ldb, pc, kc, jc, nc, q0, q1); });
        parallel_for(0, tiles, 1, [&](int64_t t0, int64_t t1) { run(t0, t1, 0, panels); });
      } else {  // few rows: each thread packs and runs its own column panels
        parallel_for(0, panels, 1, [&](int64_t q0, int64_t q1) {
          pack_b(bp, nr, b, tb, ldb, pc, kc, jc, nc, q0, q1);
          run(0, tiles, q0, q1);
        });
      }
    }
  }
}

SgemmPackedB::SgemmPackedB(const SgemmKernel& kern, const float* b, bool tb, int64_t ldb, int64_t k, int64_t n)
    : kern_(kern), k_(k), n_(n), kc_(slice_depth(k)), panels_((n + kern.nr - 1) / kern.nr) {
  const int64_t nr = kern.nr;
  data_ = aligned_scratch(buf_, std::max<int64_t>(k, 1) * panels_ * nr);
  for (int64_t pc = 0; pc < k; pc += kc_) {
    const int64_t kc = std::min(kc_, k - pc);
    float* bp = data_ + pc * panels_ * nr;
    parallel_for(0, panels_, std::max<int64_t>(1, 4096 / std::max<int64_t>(kc, 1)),
                 [&](int64_t q0, int64_t q1) { pack_b(bp, nr, b, tb, ldb, pc, kc, 0, n, q0, q1); });
  }
}

void SgemmPackedB::multiply(float* out, int64_t ldo, const float* a, int64_t lda, int64_t m, float alpha,
                            float beta) const {
  if (m <= 0) return;
  const int64_t tiles = (m + kern_.mr - 1) / kern_.mr;
  parallel_for(0, panels_, 1, [&](int64_t q0, int64_t q1) {
    for (int64_t pc = 0; pc == 0 || pc < k_; pc += kc_) {
      const int64_t kc = std::min(kc_, k_ - pc);
      run_slice(kern_, out, ldo, a, false, lda, m, n_, data_ + pc * panels_ * kern_.nr, 0, pc, kc, alpha,
                pc == 0 ? beta : 1.0f, 0, tiles, q0, q1);
    }
  });
}

}  // namespace st::kernels
