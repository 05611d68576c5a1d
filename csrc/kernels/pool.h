// Pooling kernels over planes: input (P, H, W) -> output (P, oH, oW), contiguous.
// Each output row oh reads input rows hs[oh], hs[oh] + step, ... < he[oh]
// (already clipped to the input), and likewise for columns; ops/pool.cpp builds
// these windows for max / average / adaptive pooling.
#pragma once
#include <cstdint>
#include <vector>
#include "../core/tensor.h"

namespace st::kernels {

struct PoolWindows {
  int64_t P = 0, H = 0, W = 0, oH = 0, oW = 0;
  int64_t stepH = 1, stepW = 1;
  std::vector<int64_t> hs, he, ws, we;  // per output row / column
  std::vector<double> divisor;          // average pooling: per output position (oH * oW)
};

// out = max over each window, indices (int64) = h * W + w of the maximum (the
// first one; NaN wins, as in PyTorch). Any numeric dtype.
void max_pool_forward(const PoolWindows& w, const Tensor& in, const Tensor& out, const Tensor& indices);
// grad_in (zeroed here) += grad_out scattered to indices, plane by plane.
void max_pool_backward(const PoolWindows& w, const Tensor& grad_out, const Tensor& indices, const Tensor& grad_in);
// out = sum over each window / divisor. float32/float64.
void avg_pool_forward(const PoolWindows& w, const Tensor& in, const Tensor& out);
// grad_in (zeroed here) += grad_out / divisor over each window.
void avg_pool_backward(const PoolWindows& w, const Tensor& grad_out, const Tensor& grad_in);

}  // namespace st::kernels
