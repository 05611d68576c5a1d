// The strided loop engine every elementwise kernel runs on.
//
// A LoopPlan describes up to kMaxOperands arrays viewed with one common shape
// (operand 0 is the output). Building it drops size-1 dims, orders dims so the
// innermost has the smallest strides, and merges dims that are contiguous with
// each other, so most real inputs collapse to one or two dims. Kernels then
// supply only an inner loop `f(char** ptrs, const int64_t* byte_strides, int64_t n)`
// that the compiler can vectorise when the strides equal the element size.
#pragma once
#include <algorithm>
#include "../core/error.h"
#include "../core/shape.h"
#include "../core/tensor.h"

namespace st::kernels {

constexpr int kMaxOperands = 4;
// Dims a tensor may have when it enters a loop (checked in build_plan).
constexpr int kMaxInputDims = 64;
// Dims left after dropping size-1 dims and merging contiguous ones: a plan needs
// more only for a tensor with over 16 dims that are all non-contiguous (checked).
constexpr int kMaxLoopDims = 16;

struct LoopPlan {
  int nops = 0;
  int ndim = 0;                           // after coalescing; 0 means one element
  int64_t shape[kMaxLoopDims];                  // innermost first
  int64_t strides[kMaxLoopDims][kMaxOperands];  // in bytes, innermost first
  char* data[kMaxOperands];
  int64_t numel = 1;
};

// `sizes` is the common shape; each operand gives data, element strides
// broadcast to `sizes` (0 on broadcast dims) and its element size.
struct OperandSpec {
  char* data;
  const int64_t* strides;  // sizes.size() entries
  int64_t itemsize;
};

void build_plan(LoopPlan& p, const DimVector& sizes, const OperandSpec* ops, int nops);

// Runs `f` over linear elements [begin, end) of the plan.
template <typename F>
void run_plan_range(const LoopPlan& p, int64_t begin, int64_t end, F&& f) {
  if (begin >= end) return;
  const int nops = p.nops;
  char* ptrs[kMaxOperands];
  int64_t inner_strides[kMaxOperands];
  if (p.ndim == 0) {
    for (int k = 0; k < nops; ++k) { ptrs[k] = p.data[k]; inner_strides[k] = 0; }
    f(ptrs, inner_strides, int64_t(1));
    return;
  }
  for (int k = 0; k < nops; ++k) inner_strides[k] = p.strides[0][k];
  const int64_t inner = p.shape[0];
  // multi-index of `begin` over dims 1..ndim-1, and offset within the inner dim
  int64_t idx[kMaxLoopDims] = {0};
  int64_t row = begin / inner, col = begin % inner;
  for (int d = 1; d < p.ndim; ++d) { idx[d] = row % p.shape[d]; row /= p.shape[d]; }
  int64_t remaining = end - begin;
  while (remaining > 0) {
    for (int k = 0; k < nops; ++k) {
      char* q = p.data[k] + col * p.strides[0][k];
      for (int d = 1; d < p.ndim; ++d) q += idx[d] * p.strides[d][k];
      ptrs[k] = q;
    }
    int64_t n = std::min(inner - col, remaining);
    f(ptrs, inner_strides, n);
    remaining -= n;
    col = 0;
    for (int d = 1; d < p.ndim; ++d) {
      if (++idx[d] < p.shape[d]) break;
      idx[d] = 0;
    }
  }
}

// Kernels that only move elements need their width, not their type: calls
// f(Tag<uintN_t>{}) for widths 1, 2, 4 and 8 bytes; `who` names the caller in
// the error for any other width.
template <typename F>
void dispatch_width(size_t n, const char* who, F&& f) {
  switch (n) {
    case 1: return f(Tag<uint8_t>{});
    case 2: return f(Tag<uint16_t>{});
    case 4: return f(Tag<uint32_t>{});
    case 8: return f(Tag<uint64_t>{});
    default: throw Error(str(who, ": unsupported element size ", n));
  }
}

// Splits large plans over the worker threads, and mid-sized ones while the workers spin (parallel_for_cheap in
// parallel.h).
template <typename F>
void run_plan(const LoopPlan& p, F&& f);

}  // namespace st::kernels

#include "parallel.h"

namespace st::kernels {
template <typename F>
void run_plan(const LoopPlan& p, F&& f) {
  parallel_for_cheap(0, p.numel, kGrainSize, kHotGrainSize, [&](int64_t b, int64_t e) { run_plan_range(p, b, e, f); });
}
}  // namespace st::kernels
