#include "loop.h"
#include "../core/error.h"

namespace st::kernels {

void build_plan(LoopPlan& p, const DimVector& sizes, const OperandSpec* ops, int nops) {
  p.nops = nops;
  p.numel = 1;
  for (auto s : sizes) p.numel *= s;
  for (int k = 0; k < nops; ++k) p.data[k] = ops[k].data;
  // Collect non-trivial dims, innermost first.
  int nd = 0;
  int64_t shape[kMaxInputDims];
  int64_t strides[kMaxInputDims][kMaxOperands];
  int64_t ndim_in = static_cast<int64_t>(sizes.size());
  ST_CHECK(ndim_in <= kMaxInputDims, "tensors with more than ", kMaxInputDims, " dimensions are not supported");
  for (int64_t d = ndim_in - 1; d >= 0; --d) {
    if (sizes[d] == 1) continue;
    shape[nd] = sizes[d];
    for (int k = 0; k < nops; ++k) strides[nd][k] = ops[k].strides[d] * ops[k].itemsize;
    ++nd;
  }
  // Order dims by increasing stride of the first operand that moves (stable insertion sort).
  auto less = [&](int a, int b) {  // should dim a be inner to dim b?
    for (int k = 0; k < nops; ++k) {
      int64_t sa = strides[a][k] < 0 ? -strides[a][k] : strides[a][k];
      int64_t sb = strides[b][k] < 0 ? -strides[b][k] : strides[b][k];
      if (sa == 0 || sb == 0) continue;
      if (sa != sb) return sa < sb;
    }
    return false;
  };
  int order[kMaxInputDims];
  for (int i = 0; i < nd; ++i) order[i] = i;
  for (int i = 1; i < nd; ++i)
    for (int j = i; j > 0 && less(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
  // Coalesce: outer dim b folds into inner dim a when every operand's stride
  // of b equals stride(a) * size(a).
  int out = 0;
  for (int i = 0; i < nd; ++i) {
    int d = order[i];
    if (out > 0) {
      bool merge = true;
      for (int k = 0; k < nops && merge; ++k)
        merge = strides[d][k] == p.strides[out - 1][k] * p.shape[out - 1];
      if (merge) { p.shape[out - 1] *= shape[d]; continue; }
    }
    ST_CHECK(out < kMaxLoopDims, "too many non-contiguous dimensions for one kernel (more than ", kMaxLoopDims, ")");
    p.shape[out] = shape[d];
    for (int k = 0; k < nops; ++k) p.strides[out][k] = strides[d][k];
    ++out;
  }
  p.ndim = out;
  if (p.numel == 0) { p.ndim = 1; p.shape[0] = 0; for (int k = 0; k < nops; ++k) p.strides[0][k] = 0; }
}

}  // namespace st::kernels
