// Runtime CPU dispatch for inner loops. The same loop templates are compiled
// three times — baseline x86-64, AVX2+FMA and AVX-512 — and one table of loop
// pointers is chosen at startup from what the CPU supports. The generic build
// (ST_GENERIC, CMake option SMALLTORCH_GENERIC, automatic off x86-64) has a
// single table of plain C++ loops. Kernels fetch a
// loop pointer once per call (never inside a loop) and run it per row of a
// LoopPlan or per chunk of a contiguous range.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "../core/scalar_type.h"
#include "kernels.h"
#include "optim_loops.h"
#include "sgemm.h"

namespace st::kernels {

// data[0] is the output, data[1..] the inputs; strides in bytes; `extra`
// points at a scalar operand (of the loop's dtype) when the loop needs one.
using Loop = void (*)(char** data, const int64_t* strides, int64_t n, const void* extra);

struct IsaTable {
  const char* name;
  Loop (*binary)(BinaryOp op, ScalarType t);                         // out = a op b
  Loop (*binary_scalar)(BinaryOp op, ScalarType t, bool scalar_first);  // out = a op s, or s op a
  Loop (*add_scaled)(ScalarType t);  // out = a + alpha * b, extra: alpha (floats: one rounding, a fused multiply-add)
  Loop (*unary)(UnaryOp op, ScalarType t);                           // out = f(a)
  // Pairwise sums of contiguous values (split points: sum_split, for all ISAs).
  float (*sum_f32)(const float* a, int64_t n);
  double (*sum_f64)(const double* a, int64_t n);
  // out[r * out_stride] += (the same pairwise sum of a + r * row_stride, n values) for each
  // of `rows` rows; strides in elements.
  void (*sum_rows_f32)(float* out, int64_t out_stride, const float* a, int64_t row_stride, int64_t rows, int64_t n);
  void (*sum_rows_f64)(double* out, int64_t out_stride, const double* a, int64_t row_stride, int64_t rows,
                       int64_t n);
  // Softmax (log: log-softmax) of `rows` contiguous rows of n floats, out[r * n + i] from a[r * n + i], and its
  // gradient from the incoming gradient g and the result y (same layout): g - exp(y) · sum(g) for log-softmax,
  // y · (g - sum(g · y)) for softmax. out aliases none of the inputs.
  void (*softmax_rows_f32)(bool log, float* out, const float* a, int64_t rows, int64_t n);
  void (*softmax_backward_rows_f32)(bool log, float* out, const float* g, const float* y, int64_t rows, int64_t n);
  // Copies the rows x cols tile whose element (r, c) is at src + r * item + c * cstride
  // into dst[r * cols + c] (a transposition), for items of 1, 2, 4 or 8 bytes.
  void (*transpose_tile)(char* dst, const char* src, int64_t cstride, int64_t rows, int64_t cols, int64_t item);
  // The optimisers' per-element updates (optim_loops.h).
  const OptimLoops<float>* optim_f32;
  const OptimLoops<double>* optim_f64;
  // n contiguous values between float32 and the 16-bit floats (core/half.h: to nearest even, the
  // same bits in every table; AVX-512 converts float16 in hardware).
  void (*f16_to_f32)(float* dst, const uint16_t* src, int64_t n);
  void (*f32_to_f16)(uint16_t* dst, const float* src, int64_t n);
  void (*bf16_to_f32)(float* dst, const uint16_t* src, int64_t n);
  void (*f32_to_bf16)(uint16_t* dst, const float* src, int64_t n);
  // Copies `bytes` from src to dst, the ST_VEC_BYTES-aligned part of dst written with
  // non-temporal stores (no read-for-ownership of dst's lines, which are not kept in
  // cache). A thread calls stream_fence before others may read what it streamed.
  void (*stream_copy)(char* dst, const char* src, int64_t bytes);
  void (*stream_fence)();
  // The float32 product's register tile and its geometry (sgemm.h), or empty where OpenBLAS runs every product.
  SgemmKernel sgemm;
  // Direct float32 convolution over flattened, zero-padded planes (conv_direct.cpp). x holds C planes of
  // `plane` floats; a tap t reads x at offset off[t] from an output position p.
  //   conv_rows:  out[r * ldo + p] = sum_{c, t} w[r * ldw + c * taps + t] * x[c * plane + off[t] + p]
  //               for r < nr and p < len rounded up to kConvBlock (the positions past len are scratch).
  //   conv_wgrad: dw[r * ldw + c * taps + t] += sum_{i, p} g[i * gstride + r * ldg + p]
  //                                                * x[i * xstride + c * plane + off[t] + p]
  //               for r < nr, c < C, t < taps, i < nimg samples and p < len rounded up to kConvLanes
  //               (g is zero past len); accumulated over the samples before anything is added to dw.
  void (*conv_rows)(float* out, int64_t ldo, const float* x, int64_t plane, int64_t C, const int64_t* off,
                    int64_t taps, const float* w, int64_t ldw, int64_t nr, int64_t len);
  void (*conv_wgrad)(float* dw, int64_t ldw, const float* g, int64_t ldg, int64_t nr, const float* x, int64_t plane,
                     int64_t C, const int64_t* off, int64_t taps, int64_t len, int64_t nimg, int64_t xstride,
                     int64_t gstride);
};

// Every table's conv_rows works on blocks of at most this many positions, and conv_wgrad on
// multiples of at most kConvLanes: buffers with this much slack past `len` serve them all.
constexpr int64_t kConvBlock = 64;
constexpr int64_t kConvLanes = 16;

// A result written in contiguous runs of at least this many bytes goes out
// with non-temporal stores: far bigger than the caches, it would only evict
// the inputs (and each line would first be read in).
constexpr int64_t kStreamBytes = int64_t(4) << 20;

// How far ahead (in bytes) the streaming loops (the contiguous sum, min / max, scatter's index and src) ask
// for lines:
// on 2026-12-07's AMD EPYC the hardware prefetchers alone left a one-thread sum of 4 * 10^7 bytes at
// 19 GB/s (torch's loop: 29); with this hint it ran at 47-50.
constexpr int64_t kPrefetchBytes = 8192;
// Asks for the line kPrefetchBytes past p (a hint: it faults on nothing; its address formed as an integer).
inline void prefetch_ahead(const void* p) {
#if defined(__GNUC__)
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p) + kPrefetchBytes));
#else
  (void)p;
#endif
}

// Where a contiguous pairwise sum of n values splits (the same in every ISA,
// so a sum split over threads at this point equals the one-thread sum).
inline int64_t sum_split(int64_t n) { return (n / 2 + 63) / 64 * 64; }
// From this many values up a contiguous pairwise sum reduces each half to a
// scalar before adding the halves (below it the halves stay vectors of lane
// sums): a sum split over threads at sum_split, which only happens from
// 2 * kGrainSize values, then equals the one-thread sum.
constexpr int64_t kSumLanesMax = int64_t(1) << 15;

const IsaTable& isa();
// isa().optim_f32 or optim_f64 for T = float or double.
template <typename T>
const OptimLoops<T>& optim_loops() {
  if constexpr (sizeof(T) == 4) return *isa().optim_f32;
  else return *isa().optim_f64;
}
// Forces a table ("base", "avx2", "avx512"; "generic" in the generic build); false if
// this CPU or build lacks it. For tests and benchmarks.
bool set_isa(const char* name);
// The tables this CPU and build can run, in order of width.
std::vector<std::string> available_isas();

namespace base { const IsaTable& table(); }
namespace avx2 { const IsaTable& table(); }
namespace avx512 { const IsaTable& table(); }

}  // namespace st::kernels
