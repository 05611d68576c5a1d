// Convolution (conv1d / conv2d, plain and transposed): argument checks as
// PyTorch's, the forward on kernels/conv.h, and ConvolutionBackward0.
#include "conv.h"
#include <sstream>
#include "../kernels/conv.h"
#include "internal.h"

namespace st::ops {

namespace {

std::string list_str(const DimVector& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

// One value per spatial dim from a list of one value or of `dims` values.
DimVector expand_param(const IntList& v, int64_t dims, const char* name) {
  ST_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == dims, "expected ", name,
           " to be a single integer value or a list of ", dims,
           " values to match the convolution dimensions, but got ", name, "=", list_str(v));
  DimVector r;
  for (int64_t i = 0; i < dims; ++i) r.push_back(v.size() == 1 ? v[0] : v[i]);
  return r;
}

// "(8 x 8)" or "(8)".
std::string dims_str(const DimVector& v) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? " x " : "") << v[i];
  os << ")";
  return os.str();
}

struct ConvParams {
  DimVector stride, padding, dilation, output_padding;
  bool transposed = false;
  int64_t groups = 1;
};

// The geometry the kernels see: 1-d convolutions are 2-d ones of height 1.
// For a transposed convolution the "image" is its output, the columns its input.
kernels::ConvGeom make_geom(const ConvParams& p, const DimVector& in_sizes, const DimVector& w_sizes,
                            const DimVector& out_sizes) {
  const bool two = in_sizes.size() == 4;
  const DimVector& img = p.transposed ? out_sizes : in_sizes;
  const DimVector& cols = p.transposed ? in_sizes : out_sizes;
  kernels::ConvGeom g;
  g.N = in_sizes[0];
  g.G = p.groups;
  g.C = img[1] / p.groups;
  g.R = cols[1] / p.groups;
  g.H = two ? img[2] : 1;
  g.W = img.back();
  g.oH = two ? cols[2] : 1;
  g.oW = cols.back();
  g.kH = two ? w_sizes[2] : 1;
  g.kW = w_sizes.back();
  g.sH = two ? p.stride[0] : 1;
  g.sW = p.stride.back();
  g.pH = two ? p.padding[0] : 0;
  g.pW = p.padding.back();
  g.dH = two ? p.dilation[0] : 1;
  g.dW = p.dilation.back();
  return g;
}

struct ConvolutionBackward0 : Node {
  static constexpr bool jvp = true;
  SavedTensor input, weight;
  ConvParams p;
  DimVector bias_sizes;  // empty: no bias
  bool has_bias = false;
  DimVector in_sizes, w_sizes, out_sizes;
  const char* name() const override { return "ConvolutionBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    if (has_bias) out.push_back(SavedField::of("bias_sym_sizes_opt", bias_sizes));
    else out.push_back(SavedField::none("bias_sym_sizes_opt"));
    out.push_back(SavedField::of("dilation", p.dilation));
    out.push_back(SavedField::of("groups", Scalar(p.groups)));
    out.push_back(SavedField::of("input", input));
    out.push_back(SavedField::of("output_padding", p.output_padding));
    out.push_back(SavedField::of("padding", p.padding));
    out.push_back(SavedField::of("stride", p.stride));
    out.push_back(SavedField::of("transposed", Scalar(p.transposed)));
    out.push_back(SavedField::of("weight", weight));
  }
  TensorList apply(TensorList&& grads) override {
    Tensor x = input.unpack(*this), w = weight.unpack(*this);
    const Tensor& g0 = grads[0];
    ST_CHECK(!(autograd::GradMode::is_enabled() && (autograd::requires_grad(g0) || autograd::requires_grad(x) ||
                                          autograd::requires_grad(w))),
             "smalltorch: the double backward of convolution (ConvolutionBackward0 with create_graph=True) is not "
             "implemented");
    Tensor g = contiguous_raw(g0);
    Tensor xc = contiguous_raw(x), wc = contiguous_raw(w);
    kernels::ConvGeom geom = make_geom(p, in_sizes, w_sizes, out_sizes);
    TensorList r(3);
    if (should_compute(0)) {
      Tensor dx = st::empty(in_sizes, x.dtype());
      if (dx.numel()) {
        if (p.transposed) kernels::conv_unfold_gemm(geom, g, wc, dx);
        else kernels::conv_gemm_fold(geom, g, wc, dx);
      }
      r[0] = dx;
    }
    if (should_compute(1)) {
      Tensor dw = ops::zeros(w_sizes, w.dtype());
      if (geom.N > 0 && dw.numel()) {
        if (p.transposed) kernels::conv_weight_grad(geom, xc, g, dw);
        else kernels::conv_weight_grad(geom, g, xc, dw);
      }
      r[1] = dw;
    }
    if (should_compute(2)) {
      Tensor db = st::empty({out_sizes[1]}, x.dtype());
      kernels::channel_sum(db, g);
      r[2] = db;
    }
    return r;
  }
  void release_variables() override { input.release(); weight.release(); }
  // Forward mode (convolution is bilinear in input and weight):
  // conv(t_input, weight) + conv(input, t_weight) + t_bias.
  static Tensor tangent(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
    auto conv = [&](const Tensor& a, const Tensor& k) {
      return convolution(a, k, Tensor(), p.stride, p.padding, p.dilation, p.transposed, p.output_padding, p.groups);
    };
    Tensor t = forward_ad::add_tangents(forward_ad::term(x, [&](const Tensor& tx) { return conv(tx, w); }),
                                        forward_ad::term(w, [&](const Tensor& tw) { return conv(x, tw); }));
    return forward_ad::add_tangents(t, forward_ad::term(b, [&](const Tensor& tb) {
      DimVector shape(x.dim(), 1);
      shape[1] = tb.numel();
      return reshape(tb, shape);
    }));
  }
};

}  // namespace

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride_in,
                   const IntList& padding_in, const IntList& dilation_in, bool transposed,
                   const IntList& output_padding_in, int64_t groups) {
  // the weight decides how many spatial dims the parameters describe, as in PyTorch
  const int64_t nd = weight.dim();
  ST_CHECK(nd == 3 || nd == 4, "smalltorch: convolution supports 1-d and 2-d weights (3 or 4 dims), but got weight of size ",
           shape_str(weight.sizes()));
  const int64_t sd = nd - 2;
  ConvParams p;
  p.transposed = transposed;
  p.groups = groups;
  p.stride = expand_param(stride_in, sd, "stride");
  p.padding = expand_param(padding_in, sd, "padding");
  p.dilation = expand_param(dilation_in, sd, "dilation");
  p.output_padding = expand_param(output_padding_in, sd, "output_padding");
  for (auto v : p.stride) ST_CHECK(v > 0, "non-positive stride is not supported");
  for (auto v : p.padding) ST_CHECK(v >= 0, "negative padding is not supported");
  for (auto v : p.output_padding) ST_CHECK(v >= 0, "negative output_padding is not supported");
  for (auto v : p.dilation) ST_CHECK(v > 0, "non-positive dilation is not supported");
  ST_CHECK(groups > 0, "non-positive groups is not supported");
  const DimVector& in = input.sizes();
  const DimVector& ws = weight.sizes();
  ST_CHECK(input.dim() == nd, "Expected ", nd, "-dimensional input for ", nd, "-dimensional weight ",
           shape_str(ws), ", but got ", input.dim(), "-dimensional input of size ", shape_str(in), " instead");
  // channels, as PyTorch's check_input_shape_forward
  int64_t out_channels;
  if (!transposed) {
    ST_CHECK(ws[0] >= groups, "Given groups=", groups, ", expected weight to be at least ", groups,
             " at dimension 0, but got weight of size ", shape_str(ws), " instead");
    ST_CHECK(ws[0] % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
             " at dimension 0, but got weight of size [", shape_str(ws), "] instead");
    ST_CHECK(in[1] == ws[1] * groups, "Given groups=", groups, ", weight of size ", shape_str(ws),
             ", expected input", shape_str(in), " to have ", ws[1] * groups, " channels, but got ", in[1],
             " channels instead");
    out_channels = ws[0];
  } else {
    ST_CHECK(in[1] == ws[0], "Given transposed=1, weight of size ", shape_str(ws), ", expected input",
             shape_str(in), " to have ", ws[0], " channels, but got ", in[1], " channels instead");
    ST_CHECK(ws[0] % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
             " at dimension 0, but got weight of size [", shape_str(ws), "] instead");
    out_channels = ws[1] * groups;
  }
  if (bias.defined())
    ST_CHECK(bias.dim() == 1 && bias.sizes()[0] == out_channels, "Given weight of size ", shape_str(ws),
             ", expected bias to be 1-dimensional with ", out_channels, " elements, but got bias of size ",
             shape_str(bias.sizes()), " instead");
  DimVector out_sizes{in[0], out_channels};
  if (!transposed) {
    DimVector padded, kernel;
    bool too_big = false;
    for (int64_t i = 0; i < sd; ++i) {
      padded.push_back(in[2 + i] + 2 * p.padding[i]);
      kernel.push_back(p.dilation[i] * (ws[2 + i] - 1) + 1);
      too_big = too_big || padded.back() < kernel.back();
    }
    ST_CHECK(!too_big, "Calculated padded input size per channel: ", dims_str(padded), ". Kernel size: ",
             dims_str(kernel), ". Kernel size can't be greater than actual input size");
    for (int64_t i = 0; i < sd; ++i) out_sizes.push_back((padded[i] - kernel[i]) / p.stride[i] + 1);
  } else {
    bool too_small = false;
    DimVector sizes;
    for (int64_t i = 0; i < sd; ++i) {
      const int64_t op = p.output_padding[i];
      if (!(op < p.stride[i] || op < p.dilation[i])) {
        if (sd == 2)
          throw Error(str("output padding must be smaller than either stride or dilation, but got "
                          "output_padding_height: ", p.output_padding[0], " output_padding_width: ",
                          p.output_padding[1], " stride_height: ", p.stride[0], " stride_width: ", p.stride[1],
                          " dilation_height: ", p.dilation[0], " dilation_width: ", p.dilation[1]));
        throw Error(str("output padding must be smaller than either stride or dilation, but got output_padding: ",
                        op, " stride: ", p.stride[i], " dilation: ", p.dilation[i]));
      }
      sizes.push_back((in[2 + i] - 1) * p.stride[i] - 2 * p.padding[i] + p.dilation[i] * (ws[2 + i] - 1) + op + 1);
      too_small = too_small || sizes.back() <= 0;
    }
    ST_CHECK(!too_small, "Given input size per channel: ", dims_str(DimVector(in.begin() + 2, in.end())),
             ". Calculated output size per channel: ", dims_str(sizes), ". Output size is too small");
    for (auto v : sizes) out_sizes.push_back(v);
  }
  // dtypes (after the shapes, as PyTorch checks)
  if (input.dtype() != weight.dtype()) {
    if (input.dtype() == ScalarType::Float64 || weight.dtype() != ScalarType::Float64)
      throw Error(str("expected scalar type ", torch_type_name(input.dtype()), " but found ",
                      torch_type_name(weight.dtype())));
    throw Error(str("Input type (torch.", torch_type_name(input.dtype()), "Tensor) and weight type (torch.",
                    torch_type_name(weight.dtype()),
                    "Tensor) should be the same or input should be a MKLDNN tensor and weight is a dense tensor"));
  }
  if (bias.defined() && bias.dtype() != input.dtype())
    throw Error(str("Input type (", cpp_name(input.dtype()), ") and bias type (",
                    cpp_name(bias.dtype()), ") should be the same"));
  ST_CHECK_T(is_floating(input.dtype()), NotImplementedError, "\"", transposed ? "slow_conv_transpose2d" : "conv",
             "\" not implemented for '", torch_type_name(input.dtype()), "' in smalltorch");

  Tensor x = contiguous_raw(input), w = contiguous_raw(weight);
  Tensor out = st::empty(out_sizes, input.dtype());
  kernels::ConvGeom geom = make_geom(p, in, ws, out_sizes);
  if (out.numel()) {
    const Tensor b = bias.defined() ? contiguous_raw(bias) : Tensor();
    if (!transposed) {
      kernels::conv_unfold_gemm(geom, x, w, out, b);
    } else {
      kernels::conv_gemm_fold(geom, x, w, out);
      if (b.defined()) kernels::add_channel_bias(out, b);
    }
  }
  if (auto n = make_node<ConvolutionBackward0>({&input, &weight, &bias})) {
    n->input.save(input);
    n->weight.save(weight);
    n->p = p;
    n->has_bias = bias.defined();
    if (bias.defined()) n->bias_sizes = bias.sizes();
    n->in_sizes = in;
    n->w_sizes = ws;
    n->out_sizes = out_sizes;
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&input, &weight, &bias}, [&] { return ConvolutionBackward0::tangent(input, weight, bias, p); });
  return out;
}

}  // namespace st::ops
