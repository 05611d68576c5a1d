// Fused gate kernels of the recurrent cells (ops/rnn_cells.cpp): one pass over
// a step's gate pre-activations gives the new state, and one pass back gives
// the gradients of every gate. Buffers are contiguous rows of float32 or
// float64; the matrix products around them (h W_hh^T, dgates W_hh) are the
// op's. PyTorch's gate orders: LSTM i, f, g, o; GRU r, z, n.
#pragma once
#include <cstdint>

namespace st::kernels {

enum class RnnMode : int64_t { Tanh = 0, Relu = 1, Lstm = 2, Gru = 3 };

// Gates per hidden unit (G: the pre-activations are G * H wide).
inline int64_t rnn_gates(RnnMode m) { return m == RnnMode::Lstm ? 4 : m == RnnMode::Gru ? 3 : 1; }
// Values a step keeps for its backward, per row, in units of H (the workspace):
// LSTM the four activated gates and tanh(c'); GRU r, z, n and W_hn h + b_hn; RNN none (h' suffices).
inline int64_t rnn_workspace(RnnMode m) { return m == RnnMode::Lstm ? 5 : m == RnnMode::Gru ? 4 : 0; }

// One step for B rows of H units.
//   xg (B, G*H), row stride ldx: x W_ih^T (no bias);  hg (B, G*H): h W_hh^T (no bias)
//   b_ih, b_hh (G*H) or null;  h, c (B, H) the state before (c: LSTM only)
//   h_out, c_out (B, H);  ws (B, rnn_workspace * H)
//   valid: null, or one flag per row; a row whose flag is 0 keeps its state (h_out = h, c_out = c).
template <typename T>
void rnn_cell_forward(RnnMode mode, int64_t B, int64_t H, const T* xg, int64_t ldx, const T* hg, const T* b_ih,
                      const T* b_hh, const T* h, const T* c, T* h_out, T* c_out, T* ws, const uint8_t* valid);

// The step's backward. dh, dc: gradients reaching h_out and c_out (dc: LSTM only).
//   dgx (B, G*H): gradient of the input pre-activation xg (+ b_ih); ldgx its row stride
//   dgh (B, G*H): gradient of the hidden pre-activation hg (+ b_hh). For RNN and LSTM they are
//       equal: dgx may be null, then only dgh is written.
//   dh_prev (B, H): the part of the gradient of h that does not pass through W_hh
//       (GRU: dh * z; a row past its end: dh; else 0);  dc_prev (B, H): LSTM only.
template <typename T>
void rnn_cell_backward(RnnMode mode, int64_t B, int64_t H, const T* dh, const T* dc, const T* ws, const T* c_prev,
                       const T* h_prev, const T* h_out, T* dgx, int64_t ldgx, T* dgh, T* dh_prev, T* dc_prev,
                       const uint8_t* valid);

}  // namespace st::kernels
