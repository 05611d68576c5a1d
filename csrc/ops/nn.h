// The fused nn functions (normalisations, losses, embedding, dropout's mask),
// each one op with one backward node named as PyTorch names it. An undefined
// Tensor stands for an absent optional argument (None).
#pragma once
#include <tuple>
#include "ops.h"

namespace st::ops {

// t in dtype dt with a dense row-major layout the fused kernels can walk
// (cast_raw may hand back an expanded, stride-0 gradient).
Tensor dense_raw(const Tensor& t, ScalarType dt);

// PyTorch's reduction enum: 0 none, 1 mean, 2 sum.
enum Reduction : int64_t { kReductionNone = 0, kReductionMean = 1, kReductionSum = 2 };

// (output, save_mean, save_invstd), NativeBatchNormBackward0. Training updates
// the running statistics (when given) in place with `momentum`.
std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                                     const Tensor& running_mean, const Tensor& running_var,
                                                     bool training, double momentum, double eps);
// (output, mean, rstd), NativeLayerNormBackward0.
std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, const DimVector& normalized_shape,
                                                     const Tensor& weight, const Tensor& bias, double eps);
// (output, mean, rstd) with mean/rstd of shape (N, groups), NativeGroupNormBackward0.
std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                                     int64_t groups, double eps);

// weight[indices], EmbeddingBackward0 (gradient rows of padding_idx stay zero).
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq);
// Dropout's mask for input: 0 with probability p, else 1 / (1 - p) (no history).
Tensor dropout_mask(const Tensor& input, double p);

// nll_loss over input (C), (N, C) or (N, C, H, W): NllLossBackward0 / NllLoss2DBackward0.
// Returns (output, total_weight).
std::tuple<Tensor, Tensor> nll_loss_forward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                            int64_t reduction, int64_t ignore_index);
// MseLossBackward0; input and target have one shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, int64_t reduction);
// BinaryCrossEntropyWithLogitsBackward0; weight and pos_weight broadcast to input's shape.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, int64_t reduction);

}  // namespace st::ops

namespace st::ops {
// The fused pointwise losses (loss_pointwise.cpp): input and target of one shape, reduction 0/1/2;
// SmoothL1LossBackward0, HuberLossBackward0, BinaryCrossEntropyBackward0 (weight: undefined or input's shape).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, int64_t reduction, double beta);
Tensor huber_loss(const Tensor& input, const Tensor& target, int64_t reduction, double delta);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction);
}  // namespace st::ops
