// Kernels of the fused nn functions: normalisations (batch/layer/group norm),
// losses (nll, mse, binary cross entropy with logits), embedding rows and the
// dropout mask. Every tensor here is contiguous and float32 or float64 (indices
// int64); shapes were checked by ops/nn_*.cpp. Statistics accumulate in double.
#pragma once
#include <cstdint>
#include "../core/tensor.h"

namespace st::kernels {

// ---- normalisation: x is R rows of L contiguous elements -------------------------
// Row r's mean and M2 (sum of squared deviations from the mean): two passes over
// each row while it is in cache, so one pass over memory, and no cancellation.
void row_moments(const Tensor& x, int64_t R, int64_t L, double* mean, double* m2);
// y[r, :] = (x[r, :] - center[p]) * scale[p] + shift[p] with p = r % period (y may be x).
// Centring first keeps float32 exact where the mean is large against the spread.
void row_affine(const Tensor& y, const Tensor& x, int64_t R, int64_t L, int64_t period, const double* center,
                const double* scale, const double* shift);
// sg[r] = sum g[r, :];  sgx[r] = sum g[r, :] * (x[r, :] - shift[r % period])
void row_grad_sums(const Tensor& g, const Tensor& x, int64_t R, int64_t L, int64_t period, const double* shift,
                   double* sg, double* sgx);
// gi[r, :] = a[p] * g[r, :] + b[p] * (x[r, :] - center[p]) + k[p] with p = r % period
// (b null: gi = a * g)
void row_grad_input(const Tensor& gi, const Tensor& g, const Tensor& x, int64_t R, int64_t L, int64_t period,
                    const double* a, const double* b, const double* center, const double* k);
// Layer norm with an affine per column: y = (x - mean[r]) * rstd[r] * w[l] + b[l] (w, b may be undefined).
void layer_norm_forward(const Tensor& y, const Tensor& x, int64_t R, int64_t L, const double* mean,
                        const double* rstd, const Tensor& w, const Tensor& b);
// Its backward: any of gi, gw, gb may be undefined (not wanted).
void layer_norm_backward(const Tensor& gi, const Tensor& gw, const Tensor& gb, const Tensor& g, const Tensor& x,
                         int64_t R, int64_t L, const double* mean, const double* rstd, const Tensor& w);

// ---- losses ------------------------------------------------------------------------
// input (N, C, S), target (N, S) int64, weight (C) or undefined. Writes the per-element
// loss (N*S values) into `elem` when defined, and returns (sum of losses, sum of weights)
// over the elements not ignored. A target outside [0, C) that is not ignore_index: IndexError.
void nll_loss_forward(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t N, int64_t C,
                      int64_t S, int64_t ignore_index, const Tensor& elem, double* loss_sum, double* weight_sum);
// gi (N, C, S) zero-filled here; gi[n, t, s] = -w[t] * scale * (g_elem ? g_elem[n, s] : 1).
void nll_loss_backward(const Tensor& gi, const Tensor& target, const Tensor& weight, int64_t N, int64_t C, int64_t S,
                       int64_t ignore_index, const Tensor& g_elem, double scale);
// Pointwise losses of n contiguous elements. forward: elem (when defined) gets each
// loss, the return value is their sum. backward: gi/gt (when defined) get
// d loss/d input and d loss/d target times (g_elem[i] or 1) * scale.
double mse_forward(const Tensor& x, const Tensor& t, const Tensor& elem);
void mse_backward(const Tensor& gi, const Tensor& gt, const Tensor& x, const Tensor& t, const Tensor& g_elem,
                  double scale);
// w, pw: weight and pos_weight already expanded to x's shape, or undefined.
double bce_logits_forward(const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw, const Tensor& elem);
void bce_logits_backward(const Tensor& gi, const Tensor& gt, const Tensor& x, const Tensor& t, const Tensor& w,
                         const Tensor& pw, const Tensor& g_elem, double scale);

// ---- embedding ---------------------------------------------------------------------
// out[i, :] = weight[idx[i], :] for n indices; an index outside [0, V): IndexError.
void embedding_forward(const Tensor& out, const Tensor& weight, const Tensor& idx, int64_t n, int64_t V, int64_t D);
// gw (V, D) zero-filled here; gw[idx[i], :] += g[i, :] (skipping padding_idx), divided by
// the index's count when scale_by_freq.
void embedding_backward(const Tensor& gw, const Tensor& g, const Tensor& idx, int64_t n, int64_t V, int64_t D,
                        int64_t padding_idx, bool scale_by_freq);

// ---- dropout -----------------------------------------------------------------------
// mask (contiguous float) = 0 with probability p, else 1 / (1 - p), drawn from the global generator.
void dropout_mask(const Tensor& mask, double p);

}  // namespace st::kernels
