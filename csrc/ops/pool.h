// Pooling ops over kernels/pool.h. The 1-d forms, unbatched inputs and a
// (1, 1) adaptive average (a mean, as in PyTorch) are composed in Python.
#pragma once
#include <optional>
#include <tuple>
#include "ops.h"

namespace st::ops {

// input (C, H, W) or (N, C, H, W). An empty stride means stride = kernel_size.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const IntList& kernel_size,
                                                   const IntList& stride, const IntList& padding,
                                                   const IntList& dilation, bool ceil_mode);
Tensor avg_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override);
Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const IntList& output_size);

}  // namespace st::ops
