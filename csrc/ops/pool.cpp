// Pooling ops: max / average / adaptive pooling over 2-d planes, with
// PyTorch's argument checks, output sizes and backward nodes.
#include "pool.h"
#include <cmath>
#include "../kernels/pool.h"
#include "internal.h"

namespace st::ops {

namespace {

// Two values from a list of one or two; error names the op and argument.
DimVector pair_of(const IntList& v, const std::string& what) {
  ST_CHECK(v.size() == 1 || v.size() == 2, what);
  return v.size() == 1 ? DimVector{v[0], v[0]} : DimVector{v[0], v[1]};
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// PyTorch's pooling_output_shape.
int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  int64_t o = floor_div(in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (o - 1) * stride >= in + pad) --o;
  return o;
}

// Planes and spatial sizes of a 3-d (C, H, W) or 4-d (N, C, H, W) input.
struct PlaneShape {
  int64_t P, H, W;
  DimVector out_sizes(int64_t oH, int64_t oW, const DimVector& in) const {
    DimVector s(in.begin(), in.end() - 2);
    s.push_back(oH);
    s.push_back(oW);
    return s;
  }
};

PlaneShape planes_of(const Tensor& t) {
  const auto& s = t.sizes();
  const int64_t nd = t.dim();
  return {nd == 4 ? s[0] * s[1] : s[0], s[nd - 2], s[nd - 1]};
}

// The input checks of max_pool2d / avg_pool2d (PyTorch's pool2d_shape_check).
void check_pool_input(const Tensor& input) {
  const int64_t nd = input.dim();
  ST_CHECK((nd == 3 || nd == 4) && input.numel() >= 0, "non-empty 3D or 4D (batch mode) tensor expected for input");
  bool ok = true;
  for (int64_t d = nd - 3; d < nd; ++d) ok = ok && input.sizes()[d] != 0;
  ST_CHECK(ok, "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:",
           shape_str(input.sizes()));
}

void check_pool_shape(const Tensor& input, int64_t kH, int64_t kW, int64_t sH, int64_t sW, int64_t pH, int64_t pW,
                      int64_t dH, int64_t dW, int64_t oH, int64_t oW) {
  ST_CHECK(kW > 0 && kH > 0, "kernel size should be greater than zero, but got kH: ", kH, " kW: ", kW);
  ST_CHECK(sW > 0 && sH > 0, "stride should be greater than zero, but got dH: ", sH, " dW: ", sW);
  ST_CHECK(dH > 0 && dW > 0, "dilation should be greater than zero, but got dilationH: ", dH, " dilationW: ", dW);
  check_pool_input(input);
  ST_CHECK(kW / 2 >= pW && kH / 2 >= pH, "pad should be smaller than or equal to half of kernel size, but got padW = ",
           pW, ", padH = ", pH, ", kW = ", kW, ", kH = ", kH);
  const auto& s = input.sizes();
  const int64_t nd = input.dim();
  ST_CHECK(oW >= 1 && oH >= 1, "Given input size: (", s[nd - 3], "x", s[nd - 2], "x", s[nd - 1],
           "). Calculated output size: (", s[nd - 3], "x", oH, "x", oW, "). Output size is too small");
}

// Windows of max pooling with dilation: positions start + j * d (j < k) inside [0, size).
void dilated_windows(int64_t out, int64_t size, int64_t k, int64_t s, int64_t p, int64_t d, std::vector<int64_t>& lo,
                     std::vector<int64_t>& hi) {
  lo.resize(out);
  hi.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t start = o * s - p;
    int64_t end = std::min(start + (k - 1) * d + 1, size);
    while (start < 0) start += d;
    lo[o] = start;
    hi[o] = std::max(end, start);
  }
}

void adaptive_windows(int64_t out, int64_t size, std::vector<int64_t>& lo, std::vector<int64_t>& hi) {
  lo.resize(out);
  hi.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    lo[o] = (o * size) / out;
    hi[o] = ((o + 1) * size + out - 1) / out;
  }
}

// Backward nodes refuse create_graph (their own backward is not implemented).
void check_no_double_backward(const Tensor& g, const Tensor& saved, const char* node) {
  ST_CHECK(!(autograd::GradMode::is_enabled() && (autograd::requires_grad(g) || autograd::requires_grad(saved))),
           "smalltorch: the double backward of ", node, " (create_graph=True) is not implemented");
}

struct MaxPoolBackward : Node {
  static constexpr bool jvp = true;  // the tangent at the maxima (tangent below)
  const char* node_name = "MaxPool2DWithIndicesBackward0";
  SavedTensor self;
  Tensor indices;
  kernels::PoolWindows win;
  DimVector kernel, stride, padding, dilation, output_size;
  bool ceil_mode = false, adaptive = false;
  const char* name() const override { return node_name; }
  void saved_fields(std::vector<SavedField>& out) const override {
    if (adaptive) {
      out.push_back(SavedField::of("result1", indices));
      out.push_back(SavedField::of("self", self));
      return;
    }
    out.push_back(SavedField::of("ceil_mode", Scalar(ceil_mode)));
    out.push_back(SavedField::of("dilation", dilation));
    out.push_back(SavedField::of("kernel_size", kernel));
    out.push_back(SavedField::of("padding", padding));
    out.push_back(SavedField::of("result1", indices));
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("stride", stride));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this);
    check_no_double_backward(grads[0], x, node_name);
    Tensor g = contiguous_raw(grads[0]);
    Tensor d = st::empty(x.sizes(), x.dtype());
    kernels::max_pool_backward(win, g, indices, d);
    return {d};
  }
  void release_variables() override { self.release(); }
  // Forward mode: t at each window's maximum (indices count within a plane).
  static Tensor tangent(const Tensor& t, const Tensor& idx, const PlaneShape& ps) {
    Tensor picked = gather(reshape(t, {ps.P, ps.H * ps.W}), 1, reshape(idx, {ps.P, -1}));
    return reshape(picked, idx.sizes());
  }
};

struct AvgPoolBackward : Node {
  static constexpr bool jvp = true;  // linear: the same pool of the tangent
  const char* node_name = "AvgPool2DBackward0";
  SavedTensor self;
  kernels::PoolWindows win;
  DimVector kernel, stride, padding, output_size;
  bool ceil_mode = false, count_include_pad = true, adaptive = false;
  std::optional<int64_t> divisor_override;
  const char* name() const override { return node_name; }
  void saved_fields(std::vector<SavedField>& out) const override {
    if (adaptive) {
      out.push_back(SavedField::of("self", self));
      return;
    }
    out.push_back(SavedField::of("ceil_mode", Scalar(ceil_mode)));
    out.push_back(SavedField::of("count_include_pad", Scalar(count_include_pad)));
    if (divisor_override) out.push_back(SavedField::of("divisor_override", Scalar(*divisor_override)));
    else out.push_back(SavedField::none("divisor_override"));
    out.push_back(SavedField::of("kernel_size", kernel));
    out.push_back(SavedField::of("padding", padding));
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("stride", stride));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = self.unpack(*this);
    check_no_double_backward(grads[0], x, node_name);
    Tensor g = contiguous_raw(grads[0]);
    Tensor d = st::empty(x.sizes(), x.dtype());
    kernels::avg_pool_backward(win, g, d);
    return {d};
  }
  void release_variables() override { self.release(); }
};

void check_float(const Tensor& t, const char* op) {
  ST_CHECK_T(is_floating(t.dtype()), NotImplementedError, "\"", op, "\" not implemented for '",
             torch_type_name(t.dtype()), "'");
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const IntList& kernel_size,
                                                   const IntList& stride_in, const IntList& padding_in,
                                                   const IntList& dilation_in, bool ceil_mode) {
  DimVector k = pair_of(kernel_size, "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  ST_CHECK(stride_in.size() <= 2,
           "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  DimVector s = stride_in.empty() ? k : pair_of(stride_in, "");
  DimVector p = pair_of(padding_in, "max_pool2d: padding must either be a single int, or a tuple of two ints");
  DimVector d = pair_of(dilation_in, "max_pool2d: dilation must be either a single int, or a tuple of two ints");
  ST_CHECK(s[0] != 0 && s[1] != 0, "stride should not be zero");
  ST_CHECK(p[0] >= 0 && p[1] >= 0, "pad must be non-negative, but got pad: ", p[0]);
  ST_CHECK(p[0] <= ((k[0] - 1) * d[0] + 1) / 2 && p[1] <= ((k[1] - 1) * d[1] + 1) / 2,
           "pad should be at most half of effective kernel size, but got pad=", p[0] > ((k[0] - 1) * d[0] + 1) / 2 ? p[0] : p[1],
           ", kernel_size=", p[0] > ((k[0] - 1) * d[0] + 1) / 2 ? k[0] : k[1], " and dilation=",
           p[0] > ((k[0] - 1) * d[0] + 1) / 2 ? d[0] : d[1]);
  check_pool_input(input);
  PlaneShape ps = planes_of(input);
  const int64_t oH = pool_out_size(ps.H, k[0], p[0], s[0], d[0], ceil_mode);
  const int64_t oW = pool_out_size(ps.W, k[1], p[1], s[1], d[1], ceil_mode);
  ST_CHECK(d[0] > 0 && d[1] > 0, "dilation should be greater than zero, but got dilationH: ", d[0],
           " dilationW: ", d[1]);
  check_pool_shape(input, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], oH, oW);
  ST_CHECK_T(input.dtype() != ScalarType::Bool, NotImplementedError,
             "\"max_pool2d\" not implemented for 'Bool'");

  kernels::PoolWindows w;
  w.P = ps.P; w.H = ps.H; w.W = ps.W; w.oH = oH; w.oW = oW;
  w.stepH = d[0]; w.stepW = d[1];
  dilated_windows(oH, ps.H, k[0], s[0], p[0], d[0], w.hs, w.he);
  dilated_windows(oW, ps.W, k[1], s[1], p[1], d[1], w.ws, w.we);
  Tensor x = contiguous_raw(input);
  DimVector os = ps.out_sizes(oH, oW, input.sizes());
  Tensor out = st::empty(os, input.dtype());
  Tensor idx = st::empty(os, ScalarType::Int64);
  kernels::max_pool_forward(w, x, out, idx);
  forward_ad::jvp(out, {&input}, [&] { return MaxPoolBackward::tangent(forward_ad::tangent(input), idx, ps); });
  if (auto n = make_node<MaxPoolBackward>({&input})) {
    n->self.save(input);
    n->indices = idx;
    n->win = std::move(w);
    n->kernel = k; n->stride = s; n->padding = p; n->dilation = d;
    n->ceil_mode = ceil_mode;
    autograd::set_history(out, n);
  }
  return {out, idx};
}

Tensor avg_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride_in, const IntList& padding_in,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  DimVector k = pair_of(kernel_size, "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  ST_CHECK(stride_in.size() <= 2,
           "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  DimVector s = stride_in.empty() ? k : pair_of(stride_in, "");
  DimVector p = pair_of(padding_in, "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  ST_CHECK(!divisor_override || *divisor_override != 0, "divisor must be not zero");
  ST_CHECK(s[0] != 0 && s[1] != 0, "stride should not be zero");
  ST_CHECK(p[0] >= 0 && p[1] >= 0, "pad must be non-negative, but got pad: ", p[0]);
  ST_CHECK(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, "pad should be at most half of effective kernel size, but got pad=",
           p[0] > k[0] / 2 ? p[0] : p[1], ", kernel_size=", p[0] > k[0] / 2 ? k[0] : k[1], " and dilation=1");
  check_pool_input(input);
  PlaneShape ps = planes_of(input);
  const int64_t oH = pool_out_size(ps.H, k[0], p[0], s[0], 1, ceil_mode);
  const int64_t oW = pool_out_size(ps.W, k[1], p[1], s[1], 1, ceil_mode);
  check_pool_shape(input, k[0], k[1], s[0], s[1], p[0], p[1], 1, 1, oH, oW);
  check_float(input, "avg_pool2d");

  kernels::PoolWindows w;
  w.P = ps.P; w.H = ps.H; w.W = ps.W; w.oH = oH; w.oW = oW;
  w.hs.resize(oH); w.he.resize(oH); w.ws.resize(oW); w.we.resize(oW);
  std::vector<int64_t> fullH(oH), fullW(oW);  // window sizes counting padding
  for (int64_t o = 0; o < oH; ++o) {
    int64_t a = o * s[0] - p[0], b = std::min(a + k[0], ps.H + p[0]);
    fullH[o] = b - a;
    w.hs[o] = std::max<int64_t>(a, 0);
    w.he[o] = std::max(std::min(b, ps.H), w.hs[o]);
  }
  for (int64_t o = 0; o < oW; ++o) {
    int64_t a = o * s[1] - p[1], b = std::min(a + k[1], ps.W + p[1]);
    fullW[o] = b - a;
    w.ws[o] = std::max<int64_t>(a, 0);
    w.we[o] = std::max(std::min(b, ps.W), w.ws[o]);
  }
  w.divisor.resize(oH * oW);
  for (int64_t i = 0; i < oH; ++i)
    for (int64_t j = 0; j < oW; ++j)
      w.divisor[i * oW + j] = static_cast<double>(
          divisor_override ? *divisor_override
          : count_include_pad ? fullH[i] * fullW[j]
                              : (w.he[i] - w.hs[i]) * (w.we[j] - w.ws[j]));
  Tensor x = contiguous_raw(input);
  Tensor out = st::empty(ps.out_sizes(oH, oW, input.sizes()), input.dtype());
  kernels::avg_pool_forward(w, x, out);
  if (auto n = make_node<AvgPoolBackward>({&input})) {
    n->self.save(input);
    n->win = std::move(w);
    n->kernel = k; n->stride = s; n->padding = p;
    n->ceil_mode = ceil_mode;
    n->count_include_pad = count_include_pad;
    n->divisor_override = divisor_override;
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, input, [&](const Tensor& t) {
    return avg_pool2d(t, kernel_size, stride_in, padding_in, ceil_mode, count_include_pad, divisor_override);
  });
  return out;
}

namespace {
// Checks shared by the adaptive pools; returns the planes of the input.
PlaneShape check_adaptive(const Tensor& input, const IntList& output_size, const char* op, const char* colon) {
  ST_CHECK(output_size.size() == 2, op, ": output_size must be 2");
  const int64_t nd = input.dim();
  ST_CHECK(nd == 3 || nd == 4, op, "(): Expected 3D or 4D tensor, but got", colon, " ", shape_str(input.sizes()));
  for (int64_t d = nd - 3; d < nd; ++d)
    ST_CHECK(input.sizes()[d] > 0, op, "(): Expected input to have non-zero size for non-batch dimensions, but input "
             "has sizes ", shape_str(input.sizes()), " with dimension ", d, " being empty");
  ST_CHECK(output_size[0] >= 0 && output_size[1] >= 0, op, "(): Expected output_size to be non-negative, but got ",
           shape_str(output_size));
  return planes_of(input);
}

kernels::PoolWindows adaptive_plan(const PlaneShape& ps, const IntList& output_size) {
  kernels::PoolWindows w;
  w.P = ps.P; w.H = ps.H; w.W = ps.W; w.oH = output_size[0]; w.oW = output_size[1];
  adaptive_windows(w.oH, ps.H, w.hs, w.he);
  adaptive_windows(w.oW, ps.W, w.ws, w.we);
  return w;
}
}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size) {
  PlaneShape ps = check_adaptive(input, output_size, "adaptive_avg_pool2d", "");
  check_float(input, "adaptive_avg_pool2d");
  // the output first: an output_size too large to allocate is refused before the windows are built
  Tensor out = st::empty(ps.out_sizes(output_size[0], output_size[1], input.sizes()), input.dtype());
  kernels::PoolWindows w = adaptive_plan(ps, output_size);
  w.divisor.resize(w.oH * w.oW);
  for (int64_t i = 0; i < w.oH; ++i)
    for (int64_t j = 0; j < w.oW; ++j)
      w.divisor[i * w.oW + j] = static_cast<double>((w.he[i] - w.hs[i]) * (w.we[j] - w.ws[j]));
  Tensor x = contiguous_raw(input);
  kernels::avg_pool_forward(w, x, out);
  if (auto n = make_node<AvgPoolBackward>({&input})) {
    n->node_name = "AdaptiveAvgPool2DBackward0";
    n->adaptive = true;
    n->self.save(input);
    n->win = std::move(w);
    autograd::set_history(out, n);
  }
  forward_ad::linear(out, input, [&](const Tensor& t) { return adaptive_avg_pool2d(t, output_size); });
  return out;
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const IntList& output_size) {
  PlaneShape ps = check_adaptive(input, output_size, "adaptive_max_pool2d", ":");
  check_float(input, "adaptive_max_pool2d");
  // the outputs first: an output_size too large to allocate is refused before the windows are built
  DimVector os = ps.out_sizes(output_size[0], output_size[1], input.sizes());
  Tensor out = st::empty(os, input.dtype());
  Tensor idx = st::empty(os, ScalarType::Int64);
  kernels::PoolWindows w = adaptive_plan(ps, output_size);
  Tensor x = contiguous_raw(input);
  kernels::max_pool_forward(w, x, out, idx);
  forward_ad::jvp(out, {&input}, [&] { return MaxPoolBackward::tangent(forward_ad::tangent(input), idx, ps); });
  if (auto n = make_node<MaxPoolBackward>({&input})) {
    n->node_name = "AdaptiveMaxPool2DBackward0";
    n->adaptive = true;
    n->self.save(input);
    n->indices = idx;
    n->win = std::move(w);
    autograd::set_history(out, n);
  }
  return {out, idx};
}

}  // namespace st::ops
