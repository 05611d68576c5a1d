// Winograd F(4x4, 3x3) convolution (see conv.h: winograd_conv3x3).
//
// Each 4x4 block of outputs of one channel comes from a 6x6 patch d of an input
// channel: y = A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A, with the products
// elementwise in the 6x6 "transform domain". So the 36 transform positions e
// are 36 independent matrix products over channels:
//   M[e] (Cout x tiles) = U[e] (Cout x Cin) @ V[e] (Cin x tiles),
// 36 multiplies per 16 outputs instead of 144.
//
// The weight gradient is the adjoint of those products: dU[e] (Cout x Cin) =
// (A dy A^T)[e] (Cout x tiles) @ V[e]^T summed over tiles, then dg = G^T dU G.
//
// Tiles are taken a block of row segments at a time (see Plan): transformed
// into scratch, multiplied, transformed back, so the scratch stays in cache. The
// transforms are separable: one pass combines the six input rows, the other the
// six columns of each tile, every row stored de-interleaved by column mod 4 so
// both passes run unit-stride over all the block's tiles at once (vectorised).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include "blas.h"
#include "conv.h"
#include "parallel.h"

namespace st::kernels {

namespace {

// The lanes of a transform never overlap (rows of one buffer at a runtime
// stride): without the hint GCC versions the loops for aliasing and gives up.
#if defined(__GNUC__) && !defined(__clang__)
#define ST_LANES _Pragma("GCC ivdep")
#elif defined(__clang__)
#define ST_LANES _Pragma("clang loop vectorize(assume_safety)")
#else
#define ST_LANES
#endif

constexpr int64_t kSegTiles = 32;    // tiles per row segment
constexpr int64_t kBlockTiles = 128;  // tiles per block at most (whole segments)
constexpr int64_t kBlockBytes = 8 << 20;  // and V + Y of a block within about this (many channels)

// The 1-d transforms, each over n independent lanes (vectorised): lane i reads
// d0[i] .. d5[i] and writes o[j * os + i]. Inputs and outputs never overlap.
// B^T of F(4,3): the 6 transform values of 6 inputs.
template <typename T>
void bt6(const T* d0, const T* d1, const T* d2, const T* d3, const T* d4, const T* d5, T* o, int64_t os, int64_t n) {
  T *o0 = o, *o1 = o + os, *o2 = o + 2 * os, *o3 = o + 3 * os, *o4 = o + 4 * os, *o5 = o + 5 * os;
  ST_LANES
  for (int64_t i = 0; i < n; ++i) {
    const T a = d4[i] - T(4) * d2[i], b = d3[i] - T(4) * d1[i], c = d4[i] - d2[i], e = T(2) * (d3[i] - d1[i]);
    o0[i] = T(4) * d0[i] - T(5) * d2[i] + d4[i];
    o1[i] = a + b;
    o2[i] = a - b;
    o3[i] = c + e;
    o4[i] = c - e;
    o5[i] = T(4) * d1[i] - T(5) * d3[i] + d5[i];
  }
}

// A^T of F(4,3): the 4 outputs of 6 transform values.
template <typename T>
void at6(const T* __restrict m, int64_t ms, T* __restrict o, int64_t os, int64_t n) {
  const T *m0 = m, *m1 = m + ms, *m2 = m + 2 * ms, *m3 = m + 3 * ms,
          *m4 = m + 4 * ms, *m5 = m + 5 * ms;
  T *o0 = o, *o1 = o + os, *o2 = o + 2 * os, *o3 = o + 3 * os;
  ST_LANES
  for (int64_t i = 0; i < n; ++i) {
    const T a = m1[i] + m2[i], b = m1[i] - m2[i], c = m3[i] + m4[i], d = m3[i] - m4[i];
    o0[i] = m0[i] + a + c;
    o1[i] = b + T(2) * d;
    o2[i] = a + T(4) * c;
    o3[i] = b + T(8) * d + m5[i];
  }
}

// A of F(4,3) (the transpose of A^T): 6 values of 4 output-gradient values.
template <typename T>
void a6(const T* y0, const T* y1, const T* y2, const T* y3, T* o, int64_t os, int64_t n) {
  T *o0 = o, *o1 = o + os, *o2 = o + 2 * os, *o3 = o + 3 * os, *o4 = o + 4 * os, *o5 = o + 5 * os;
  ST_LANES
  for (int64_t i = 0; i < n; ++i) {
    const T a = y0[i] + y2[i], b = y1[i] + y3[i], c = y0[i] + T(4) * y2[i], d = T(2) * y1[i] + T(8) * y3[i];
    o0[i] = y0[i];
    o1[i] = a + b;
    o2[i] = a - b;
    o3[i] = c + d;
    o4[i] = c - d;
    o5[i] = y3[i];
  }
}

// G rows: the 6 transform values of 3 filter taps (computed in double).
inline void g3(double g0, double g1, double g2, double* o, int64_t s) {
  constexpr double sixth = 1.0 / 6, twelfth = 1.0 / 12, twentyfourth = 1.0 / 24;
  const double a = g0 * twentyfourth + g2 * sixth, b = g1 * twelfth;
  o[0] = g0 * 0.25;
  o[s] = -(g0 + g1 + g2) * sixth;
  o[2 * s] = -(g0 - g1 + g2) * sixth;
  o[3 * s] = a + b;
  o[4 * s] = a - b;
  o[5 * s] = g2;
}

// G^T rows: the 3 filter-tap gradients of 6 transform-value gradients u[0], u[s], .., u[5 s].
inline void gt3(const double* u, int64_t s, double* o, int64_t os) {
  constexpr double sixth = 1.0 / 6, twelfth = 1.0 / 12, twentyfourth = 1.0 / 24;
  const double u0 = u[0], u1 = u[s], u2 = u[2 * s], u3 = u[3 * s], u4 = u[4 * s], u5 = u[5 * s];
  o[0] = u0 * 0.25 - (u1 + u2) * sixth + (u3 + u4) * twentyfourth;
  o[os] = (u2 - u1) * sixth + (u3 - u4) * twelfth;
  o[2 * os] = (u3 + u4 - u1 - u2) * sixth + u5;
}

// U[e] (Co x Ci) for the 36 positions e. Forward: filter (co, ci) is w[co][ci];
// adjoint: w is (Ci, Co, 3, 3) and the filter (co, ci) is w[ci][co] rotated by 180 degrees.
template <typename T>
void transform_filters(const T* w, int64_t Co, int64_t Ci, bool adjoint, T* U) {
  parallel_for(0, Co, std::max<int64_t>(1, 2048 / std::max<int64_t>(Ci, 1)), [&](int64_t c0, int64_t c1) {
    // one output channel's 36 x Ci values are built in double, ci-major, then stored
    // e-major (stored directly, the 36 streams Co * Ci apart would evict each other)
    Tensor buf = st::empty({Ci * 36}, ScalarType::Float64);
    double* all = buf.data<double>();
    double g[9], t[18];
    for (int64_t co = c0; co < c1; ++co) {
      for (int64_t ci = 0; ci < Ci; ++ci) {
        const T* src = adjoint ? w + (ci * Co + co) * 9 : w + (co * Ci + ci) * 9;
        for (int k = 0; k < 9; ++k) g[k] = static_cast<double>(adjoint ? src[8 - k] : src[k]);
        // t (6 x 3) = G g, then u (6 x 6) = t G^T
        for (int b = 0; b < 3; ++b) g3(g[b], g[3 + b], g[6 + b], t + b, 3);
        for (int k = 0; k < 6; ++k) g3(t[k * 3], t[k * 3 + 1], t[k * 3 + 2], all + ci * 36 + k * 6, 1);
      }
      for (int e = 0; e < 36; ++e) {
        T* dst = U + (e * Co + co) * Ci;
        for (int64_t ci = 0; ci < Ci; ++ci) dst[ci] = static_cast<T>(all[ci * 36 + e]);
      }
    }
  });
}

// Tiles go in row segments: up to JC horizontally adjacent tiles of one tile
// row of one image. A block is `seg_per_block` consecutive segments; in its
// scratch every segment takes J1 = JC + 1 lanes (tile slots), the last of them
// (and those past a short segment's end) holding junk tiles that are computed
// and never written out. So every transform pass runs over the whole block's
// lanes at once, and V / M hold bt = segments * J1 - 1 tile columns.
// The geometry is g's: image side C x H x W (the input), column side R x oH x oW (the output).
struct Plan {
  ConvGeom g;
  int64_t tH, tW, JC, spr, nseg, seg_per_block, nblocks;
};

// A thread's scratch and the passes over one block at a time. V holds the
// input transform V[e][ci][t], Y the output side's M[e][co][t] (the products
// of the forward, or the transformed output gradient of the weight gradient).
template <typename T>
struct Block {
  const Plan& P;
  int64_t Ci, Co, JC, J1, SB, BL, len;
  Tensor scratch;
  T *V, *Y, *rb, *tmp, *padded;
  int64_t sg0 = 0, sg1 = 0, bt = 0, used = 0;

  explicit Block(const Plan& p) : P(p), Ci(p.g.C), Co(p.g.R), JC(p.JC), J1(p.JC + 1), SB(p.seg_per_block) {
    BL = SB * J1;  // lanes of a full block
    len = 4 * BL;
    const int64_t vsz = 36 * Ci * BL, ysz = 36 * Co * BL;
    scratch = st::empty({vsz + ysz + 2 * 24 * BL + 4 * J1},
                        std::is_same<T, float>::value ? ScalarType::Float32 : ScalarType::Float64);
    V = scratch.data<T>();
    Y = V + vsz;
    rb = Y + ysz;             // [6 rows][4 classes][BL]; [4 r][4 c'][BL] on the output side
    tmp = rb + 24 * BL;       // [6 k][4 classes][BL]; [6 k][4 c'][BL] / [4 r][6 l][BL] on the output side
    padded = tmp + 24 * BL;   // [4 * J1]
  }

  void select(int64_t blk) {
    sg0 = blk * SB;
    sg1 = std::min(P.nseg, sg0 + SB);
    used = (sg1 - sg0) * J1;
    bt = used - 1;  // tile columns of V and Y
  }
  // segment sg: image n, tile row ti, first tile column j0, first lane
  void where(int64_t sg, int64_t& n, int64_t& ti, int64_t& j0, int64_t& lane) const {
    const int64_t q = sg / P.spr;
    n = q / P.tH;
    ti = q % P.tH;
    j0 = sg % P.spr * JC;
    lane = (sg - sg0) * J1;
  }

  // V[e][ci][.] from the input x (N, Ci, H, W).
  void transform_input(const T* x) {
    for (int64_t ci = 0; ci < Ci; ++ci) {
      for (int64_t sg = sg0; sg < sg1; ++sg) {
        int64_t n, ti, j0, lane;
        where(sg, n, ti, j0, lane);
        const int64_t col0 = 4 * j0 - P.g.pW;  // image column of the segment's first patch column
        const T* plane = x + (n * Ci + ci) * P.g.H * P.g.W;
        const int64_t span = 4 * J1, lo = std::max<int64_t>(0, -col0), hi = std::min<int64_t>(span, P.g.W - col0);
        for (int r = 0; r < 6; ++r) {
          const int64_t ih = 4 * ti - P.g.pH + r;
          T* dst = rb + r * len + lane;
          if (ih < 0 || ih >= P.g.H || lo >= hi) {
            for (int m = 0; m < 4; ++m) std::memset(dst + m * BL, 0, sizeof(T) * J1);
            continue;
          }
          // the patch row, zero-padded, then split by column mod 4
          const T* row = plane + ih * P.g.W;
          if (lo > 0) std::memset(padded, 0, sizeof(T) * lo);
          std::memcpy(padded + lo, row + col0 + lo, sizeof(T) * (hi - lo));
          if (hi < span) std::memset(padded + hi, 0, sizeof(T) * (span - hi));
          deinterleave(padded, dst, J1);
        }
      }
      // rows: tmp[k][.] = sum_r BT[k][r] rb[r][.], then the columns into V[k*6+l][ci][.]
      for (int m = 0; m < 4; ++m) {
        const T* d = rb + m * BL;
        bt6(d, d + len, d + 2 * len, d + 3 * len, d + 4 * len, d + 5 * len, tmp + m * BL, len, used);
      }
      const int64_t es = Ci * bt;
      // patch columns 0..3 of tile i are classes 0..3 at lane i, columns 4, 5 classes 0, 1 at lane i + 1
      for (int k = 0; k < 6; ++k) {
        const T* c = tmp + k * len;
        bt6(c, c + BL, c + 2 * BL, c + 3 * BL, c + 1, c + BL + 1, V + k * 6 * es + ci * bt, es, bt);
      }
    }
  }

  // src[4 * j + m] -> dst[m * BL + j] for j < count
  void deinterleave(const T* src, T* dst, int64_t count) const {
    for (int64_t j = 0; j < count; ++j) {
      dst[j] = src[4 * j];
      dst[BL + j] = src[4 * j + 1];
      dst[2 * BL + j] = src[4 * j + 2];
      dst[3 * BL + j] = src[4 * j + 3];
    }
  }

  // y (N, Co, oH, oW) = A^T Y A (+ bias) for the block's tiles inside the output.
  void transform_output(const T* bias, T* y) {
    // s[k][c'][.] = sum_l AT[c'][l] Y[k*6+l], o[r][c'][.] = sum_k AT[r][k] s[k][c']
    const int64_t es = Co * bt;
    T* s = tmp;
    T* o = rb;
    for (int64_t co = 0; co < Co; ++co) {
      for (int k = 0; k < 6; ++k) at6(Y + k * 6 * es + co * bt, es, s + k * len, BL, bt);
      for (int c = 0; c < 4; ++c) at6(s + c * BL, len, o + c * BL, len, bt);
      const T bv = bias ? bias[co] : T(0);
      for (int64_t sg = sg0; sg < sg1; ++sg) {
        int64_t n, ti, j0, lane;
        where(sg, n, ti, j0, lane);
        const int64_t rows = std::min<int64_t>(4, P.g.oH - 4 * ti), cols = std::min<int64_t>(4 * JC, P.g.oW - 4 * j0);
        T* plane = y + (n * Co + co) * P.g.oH * P.g.oW + 4 * ti * P.g.oW + 4 * j0;
        for (int64_t r = 0; r < rows; ++r) {
          T* out = plane + r * P.g.oW;
          const T* orow = o + r * len + lane;
          const T *o0 = orow, *o1 = orow + BL, *o2 = orow + 2 * BL, *o3 = orow + 3 * BL;
          const int64_t whole = cols / 4;  // tiles whose 4 columns are all inside
          ST_LANES
          for (int64_t jj = 0; jj < whole; ++jj) {
            out[4 * jj] = o0[jj] + bv;
            out[4 * jj + 1] = o1[jj] + bv;
            out[4 * jj + 2] = o2[jj] + bv;
            out[4 * jj + 3] = o3[jj] + bv;
          }
          for (int64_t w = 4 * whole; w < cols; ++w) out[w] = orow[(w & 3) * BL + (w >> 2)] + bv;
        }
      }
    }
  }

  // Y[e][co][.] = A dy A^T for the block's 4x4 tiles of the output gradient dy (N, Co, oH, oW);
  // zero past the output and in the junk lanes, so they add nothing to the weight gradient.
  void transform_output_grad(const T* dy) {
    const int64_t es = Co * bt;
    T* s = tmp;  // [4 r][6 l][BL]
    for (int64_t co = 0; co < Co; ++co) {
      for (int64_t sg = sg0; sg < sg1; ++sg) {
        int64_t n, ti, j0, lane;
        where(sg, n, ti, j0, lane);
        const int64_t nj = std::min(P.tW, j0 + JC) - j0;  // the segment's tiles; the rest of its lanes are junk
        const int64_t rows = std::min<int64_t>(4, P.g.oH - 4 * ti), cols = std::min<int64_t>(4 * nj, P.g.oW - 4 * j0);
        const T* plane = dy + (n * Co + co) * P.g.oH * P.g.oW + 4 * ti * P.g.oW + 4 * j0;
        for (int64_t r = 0; r < 4; ++r) {
          T* dst = rb + r * len + lane;
          if (r >= rows) {
            for (int m = 0; m < 4; ++m) std::memset(dst + m * BL, 0, sizeof(T) * J1);
            continue;
          }
          std::memcpy(padded, plane + r * P.g.oW, sizeof(T) * cols);
          std::memset(padded + cols, 0, sizeof(T) * (4 * J1 - cols));
          deinterleave(padded, dst, J1);
        }
      }
      // columns: s[r][l][.] = sum_c' A[l][c'] dy[r][c'], then rows: Y[k*6+l][co][.] = sum_r A[k][r] s[r][l]
      for (int r = 0; r < 4; ++r) {
        const T* d = rb + r * len;
        a6(d, d + BL, d + 2 * BL, d + 3 * BL, s + r * 6 * BL, BL, used);
      }
      for (int l = 0; l < 6; ++l) {
        const T* d = s + l * BL;
        a6(d, d + 6 * BL, d + 12 * BL, d + 18 * BL, Y + l * es + co * bt, 6 * es, bt);
      }
    }
  }
};

template <typename T>
void run(const Plan& P, const T* x, const T* U, const T* bias, T* y) {
  parallel_for(0, P.nblocks, 1, [&](int64_t b0, int64_t b1) {
    Block<T> B(P);
    for (int64_t blk = b0; blk < b1; ++blk) {
      B.select(blk);
      B.transform_input(x);
      // 36 products Y[e] (Co x bt) = U[e] (Co x Ci) @ V[e] (Ci x bt)
      for (int e = 0; e < 36; ++e)
        gemm_one<T>(B.Y + e * B.Co * B.bt, U + e * B.Co * B.Ci, false, B.Ci, B.V + e * B.Ci * B.bt, false, B.bt,
                    B.Co, B.bt, B.Ci, T(1), T(0));
      B.transform_output(bias, y);
    }
  });
}

// dU[e] (Co x Ci) = sum over tiles of (A dy A^T)[e] (Co x tiles) @ V[e]^T: the adjoint of the
// forward's products in U, summed per thread, then over threads.
template <typename T>
void run_weight_grad(const Plan& P, const T* x, const T* dy, double* dU) {
  const int64_t UN = 36 * P.g.R * P.g.C;
  std::memset(dU, 0, sizeof(double) * UN);
  std::mutex mu;
  parallel_for(0, P.nblocks, 1, [&](int64_t b0, int64_t b1) {
    Block<T> B(P);
    Tensor part = st::empty({UN}, B.scratch.dtype());
    T* acc = part.data<T>();
    for (int64_t blk = b0; blk < b1; ++blk) {
      B.select(blk);
      B.transform_input(x);
      B.transform_output_grad(dy);
      for (int e = 0; e < 36; ++e)
        gemm_one<T>(acc + e * B.Co * B.Ci, B.Y + e * B.Co * B.bt, false, B.bt, B.V + e * B.Ci * B.bt, true, B.bt,
                    B.Co, B.Ci, B.bt, T(1), blk == b0 ? T(0) : T(1));
    }
    std::lock_guard<std::mutex> lk(mu);
    for (int64_t i = 0; i < UN; ++i) dU[i] += static_cast<double>(acc[i]);
  });
}

}  // namespace

namespace {

std::atomic<int> g_mode{-1};

}  // namespace

void set_winograd_mode(int mode) { g_mode.store(mode < 0 ? -1 : (mode > 0 ? 1 : 0)); }
int winograd_mode() { return g_mode.load(); }

bool winograd_used(const ConvGeom& g, bool weight_grad) {
  const int mode = g_mode.load();
  if (mode == 0 || !winograd_fits(g)) return false;
  if (mode == 1) return true;
  // measured against im2col + GEMM (one thread, batch 4, C = R from 8 to 128): the
  // transforms pay off from 8 channels each way and about 10 x 10 outputs (the
  // weight gradient, which transforms both sides, from about 14 x 14)
  return g.C >= 8 && g.R >= 8 && g.oH >= 4 && g.oW >= 4 && g.oH * g.oW >= (weight_grad ? 196 : 100);
}

bool winograd_fits(const ConvGeom& g) {
  return g.G == 1 && g.kH == 3 && g.kW == 3 && g.sH == 1 && g.sW == 1 && g.dH == 1 && g.dW == 1 && g.oH > 0 &&
         g.oW > 0 && g.H > 0 && g.W > 0;
}

namespace {

Plan make_plan(const ConvGeom& g, int64_t item) {
  Plan P;
  P.g = g;
  P.tH = (g.oH + 3) / 4;
  P.tW = (g.oW + 3) / 4;
  P.JC = std::min(P.tW, kSegTiles);
  P.spr = (P.tW + P.JC - 1) / P.JC;
  P.nseg = g.N * P.tH * P.spr;
  // whole segments up to kBlockTiles tiles or kBlockBytes of scratch, but at least one block per thread
  const int64_t per_thread = (P.nseg + get_num_threads() - 1) / get_num_threads();
  const int64_t tiles = std::min(kBlockTiles, kBlockBytes / (36 * (g.C + g.R) * item));
  P.seg_per_block = std::max<int64_t>(1, std::min(tiles / P.JC, per_thread));
  P.nblocks = (P.nseg + P.seg_per_block - 1) / P.seg_per_block;
  return P;
}

}  // namespace

void winograd_conv3x3(const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& y,
                      bool adjoint) {
  const Plan P = make_plan(g, static_cast<int64_t>(element_size(x.dtype())));
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor U = st::empty({36 * g.R * g.C}, x.dtype());
    transform_filters<T>(w.data<T>(), g.R, g.C, adjoint, U.data<T>());
    run<T>(P, x.data<T>(), U.data<T>(), bias.defined() ? bias.data<T>() : nullptr, y.data<T>());
  });
}

void winograd_weight_grad(const ConvGeom& g, const Tensor& x, const Tensor& dy, const Tensor& dweight) {
  const Plan P = make_plan(g, static_cast<int64_t>(element_size(x.dtype())));
  const int64_t Co = g.R, Ci = g.C;
  Tensor dU = st::empty({36 * Co * Ci}, ScalarType::Float64);
  double* du = dU.data<double>();
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_weight_grad<T>(P, x.data<T>(), dy.data<T>(), du);
    T* dw = dweight.data<T>();
    // dw[co][ci] = G^T dU[.][co][ci] G, one output channel's 36 x Ci values gathered ci-major first
    parallel_for(0, Co, std::max<int64_t>(1, 2048 / std::max<int64_t>(Ci, 1)), [&](int64_t c0, int64_t c1) {
      Tensor buf = st::empty({Ci * 36}, ScalarType::Float64);
      double* all = buf.data<double>();
      double t[18], d[9];
      for (int64_t co = c0; co < c1; ++co) {
        for (int e = 0; e < 36; ++e) {
          const double* src = du + (e * Co + co) * Ci;
          for (int64_t ci = 0; ci < Ci; ++ci) all[ci * 36 + e] = src[ci];
        }
        for (int64_t ci = 0; ci < Ci; ++ci) {
          const double* u = all + ci * 36;
          for (int l = 0; l < 6; ++l) gt3(u + l, 6, t + l, 6);  // t[a][l] = sum_k G[k][a] u[k][l]
          for (int a = 0; a < 3; ++a) gt3(t + a * 6, 1, d + a * 3, 1);
          for (int k = 0; k < 9; ++k) dw[(co * Ci + ci) * 9 + k] = static_cast<T>(d[k]);
        }
      }
    });
  });
}

}  // namespace st::kernels
