// A whole recurrent layer (one direction) as one op over the fused gate
// kernels (kernels/rnn.h): nn.RNN / LSTM / GRU run one per layer and direction.
#pragma once
#include <vector>
#include "ops.h"

namespace st::ops {

// mode: 0 RNN tanh, 1 RNN relu, 2 LSTM, 3 GRU (G gates: 1, 1, 4, 3).
//   xg (T, B, G*H): x W_ih^T of every step (no bias);  h0, c0 (B, H) (c0: LSTM only, else undefined)
//   w_hh (G*H, H);  b_ih, b_hh (G*H) or undefined
//   lengths: empty, or B step counts (a row keeps its state after its last step, as a packed sequence)
//   reverse: steps run from T-1 down to 0
//   split_steps: the output is T tensors (B, H), one per step (the caller stacks them, so that the
//       output shows StackBackward0 as PyTorch's); else one (T, B, H) tensor.
// Returns the output(s), then h_n, then c_n (LSTM). One backward node computes every gradient:
// the gates' in one pass per step, W_hh's and the biases' as one product over the whole sequence.
std::vector<Tensor> rnn_layer(int64_t mode, const Tensor& xg, const Tensor& h0, const Tensor& c0, const Tensor& w_hh,
                              const Tensor& b_ih, const Tensor& b_hh, const std::vector<int64_t>& lengths,
                              bool reverse, bool split_steps);

}  // namespace st::ops
