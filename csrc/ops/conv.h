// Convolution ops (conv1d / conv2d and their transposes) over kernels/conv.h.
// Unbatched inputs and string paddings are composed in Python (nn/functional.py),
// as PyTorch composes them.
#pragma once
#include <optional>
#include "ops.h"

namespace st::ops {

// input (N, C, L) or (N, C, H, W); weight (Cout, C/groups, k...) or, transposed,
// (C, Cout/groups, k...); bias undefined or (Cout). stride, padding, dilation and
// output_padding hold one value or one per spatial dim. One ConvolutionBackward0 node.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
                   const IntList& padding, const IntList& dilation, bool transposed, const IntList& output_padding,
                   int64_t groups);

}  // namespace st::ops
