// Convolution kernels: im2col / col2im and the three GEMM-based products a
// convolution and its transpose are made of. Everything here works on
// contiguous float32/float64 buffers described by ConvGeom; argument checks,
// output shapes and autograd live in ops/conv.cpp.
//
// One "image" side (N, G*C, H, W) is unfolded into columns
// (C*kH*kW, oH*oW) per sample and group; the "column" side (N, G*R, oH, oW)
// meets the weight M (G*R, C*kH*kW):
//   unfold_gemm:   colside[n,g] = M[g] @ im2col(image[n,g])
//   gemm_fold:     image[n,g]   = col2im(M[g]^T @ colside[n,g])
//   weight_grad:   dM[g]        = sum_n colside[n,g] @ im2col(image[n,g])^T
// A convolution is unfold_gemm (forward), gemm_fold (input gradient) and
// weight_grad; a transposed convolution is gemm_fold (forward), unfold_gemm
// (input gradient) and weight_grad with the roles of its input and output swapped.
#pragma once
#include <cstdint>
#include <cstring>
#include <mutex>
#include "../core/tensor.h"

namespace st::kernels {

struct ConvGeom {
  int64_t N = 1, G = 1;     // batch, groups
  int64_t C = 1, H = 1, W = 1;  // image side: channels per group and spatial size
  int64_t R = 1;            // column side: channels per group
  int64_t kH = 1, kW = 1, sH = 1, sW = 1, pH = 0, pW = 0, dH = 1, dW = 1;
  int64_t oH = 1, oW = 1;   // column side spatial size
  int64_t K() const { return C * kH * kW; }
  int64_t L() const { return oH * oW; }
};

// col (C*kH*kW, oH*oW) from one image (C, H, W); padding reads as zero.
template <typename T>
void im2col(const ConvGeom& g, const T* image, T* col);
// image (C, H, W) += the columns folded back (the adjoint of im2col); image is not cleared.
template <typename T>
void col2im(const ConvGeom& g, const T* col, T* image);

// A weight gradient summed over the batch by the pool's chunks: each chunk sums its samples into its
// own buffer and folds that in here; the first to finish copies, the others add.
class ChunkSums {
 public:
  template <typename T>
  void fold(T* dst, const T* part, int64_t n) {
    std::lock_guard<std::mutex> lk(mu_);
    if (first_) {
      std::memcpy(dst, part, sizeof(T) * static_cast<size_t>(n));
      first_ = false;
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] += part[i];
    }
  }

 private:
  std::mutex mu_;
  bool first_ = true;
};

// The three products (see the top of this file). Tensors are contiguous, of one
// floating dtype: image (N, G*C, H, W), colside (N, G*R, oH, oW), weight (G*R, C, kH, kW).
// Each runs over the batch on the thread pool; temporary columns come from the allocator.
// conv_unfold_gemm adds bias[r] (when defined) to colside, on the Winograd path as it writes it.
void conv_unfold_gemm(const ConvGeom& g, const Tensor& image, const Tensor& weight, const Tensor& colside,
                      const Tensor& bias = Tensor());
void conv_gemm_fold(const ConvGeom& g, const Tensor& colside, const Tensor& weight, const Tensor& image);
void conv_weight_grad(const ConvGeom& g, const Tensor& colside, const Tensor& image, const Tensor& dweight);

// Winograd F(4x4, 3x3) (winograd.cpp) for 3x3 kernels with unit stride and
// dilation and one group: 4x fewer multiplies than im2col + GEMM. conv_unfold_gemm
// (a convolution's forward) and conv_gemm_fold (its input gradient: the output
// gradient convolved with the rotated, transposed filter) take it when
// winograd_used says so, and conv_weight_grad takes winograd_weight_grad.
// y (N, R, oH, oW) = conv(x (N, C, H, W), filter) (+ bias[r] when bias is defined),
// padding pH / pW (may be negative: the input is then cropped), oH / oW of g as
// given. The filter is weight (R, C, 3, 3), or with `adjoint` weight (C, R, 3, 3)
// rotated by 180 degrees. All tensors contiguous, float32 or float64.
void winograd_conv3x3(const ConvGeom& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& y,
                      bool adjoint);
// dweight (R, C, 3, 3) = the gradient of that convolution's weight for the output
// gradient dy (N, R, oH, oW) and input x: the forward's adjoint in the transform domain.
void winograd_weight_grad(const ConvGeom& g, const Tensor& x, const Tensor& dy, const Tensor& dweight);
// The geometry winograd_conv3x3 computes (ignores sizes: any 3x3, stride 1, dilation 1, one group).
bool winograd_fits(const ConvGeom& g);
// Whether conv_unfold_gemm / conv_gemm_fold (conv_weight_grad: weight_grad) take the
// Winograd path for g: mode -1 (default) when it fits and is large enough to be
// faster, 0 never, 1 whenever it fits.
bool winograd_used(const ConvGeom& g, bool weight_grad = false);
void set_winograd_mode(int mode);
int winograd_mode();

// Direct convolution (conv_direct.cpp), float32, stride 1: for few channels, where im2col's
// columns cost more to write than its products cost to run. conv_unfold_gemm takes it when
// direct_conv_used(g) says so, conv_gemm_fold when it says so for adjoint_geometry(g), and
// conv_weight_grad likewise for g.
// y (N, G*R, oH, oW) = conv(x (N, G*C, H, W), weight (G*R, C, kH, kW)) (+ bias[r] when defined); with
// `adjoint`, weight is the (G*C, R, kH, kW) weight of the convolution whose adjoint g is (its taps
// are reversed). Tensors contiguous float32.
void direct_conv(const ConvGeom& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& y,
                 bool adjoint);
// dweight (G*R, C, kH, kW) = the gradient of that convolution's weight for output gradient dy and input x.
void direct_conv_weight_grad(const ConvGeom& g, const Tensor& x, const Tensor& dy, const Tensor& dweight);
// The convolution that computes g's input gradient from its output gradient: channels and sizes
// swapped, padding d * (k - 1) - p (negative when g pads more than that).
ConvGeom adjoint_geometry(const ConvGeom& g);
// Whether g has stride 1, padding >= 0 and consistent sizes (what direct_conv computes).
bool direct_conv_fits(const ConvGeom& g);
// Whether the kernels take the direct path for g: mode -1 (default) when it fits, the dtype is
// float32 and the channels are few, 0 never, 1 whenever it fits and the dtype is float32.
bool direct_conv_used(const ConvGeom& g, ScalarType dtype);
void set_direct_conv_mode(int mode);
int direct_conv_mode();

// out (N, Cout, S) += bias[c] for every sample and position (S = spatial size).
void add_channel_bias(const Tensor& out, const Tensor& bias);
// dbias[c] = sum over n, s of g (N, C, S); g contiguous.
void channel_sum(const Tensor& dbias, const Tensor& g);

}  // namespace st::kernels
