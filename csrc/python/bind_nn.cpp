// Python bindings of the convolution and pooling ops (used by nn/functional.py,
// which turns ints into lists, handles unbatched inputs and string paddings).
#include "../ops/conv.h"
#include "../ops/pool.h"
#include "bind_util.h"
#include "nogil.h"

namespace st::py_bind {

void bind_nn(Module& m) {
  m.def("_convolution", [](const Tensor& input, const Tensor& weight, py::handle bias, const DimVector& stride,
                           const DimVector& padding, const DimVector& dilation, bool transposed,
                           const DimVector& output_padding, int64_t groups) {
    Tensor b = bias.is_none() ? Tensor() : tensor_arg(bias, "convolution", "bias", 3);
    int64_t work = input.numel() * std::max<int64_t>(1, weight.numel() / std::max<int64_t>(1, input.dim() > 1 ? input.sizes()[1] : 1));
    return without_gil_if(work, {&input, &weight, &b}, [&] {
      return ops::convolution(input, weight, b, stride, padding, dilation, transposed, output_padding, groups);
    });
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("stride"), py::arg("padding"),
        py::arg("dilation"), py::arg("transposed"), py::arg("output_padding"), py::arg("groups"));
  m.def("_max_pool2d_with_indices", [](const Tensor& input, const DimVector& kernel_size, const DimVector& stride,
                                       const DimVector& padding, const DimVector& dilation, bool ceil_mode) {
    return without_gil_if(input.numel(), {&input}, [&] {
      return ops::max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode);
    });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
        py::arg("ceil_mode"));
  m.def("_avg_pool2d", [](const Tensor& input, const DimVector& kernel_size, const DimVector& stride,
                          const DimVector& padding, bool ceil_mode, bool count_include_pad,
                          std::optional<int64_t> divisor_override) {
    return without_gil_if(input.numel(), {&input}, [&] {
      return ops::avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
    });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
        py::arg("count_include_pad"), py::arg("divisor_override"));
  m.def("_adaptive_avg_pool2d", [](const Tensor& input, const DimVector& output_size) {
    return without_gil_if(input.numel(), {&input}, [&] { return ops::adaptive_avg_pool2d(input, output_size); });
  }, py::arg("input"), py::arg("output_size"));
  m.def("_adaptive_max_pool2d", [](const Tensor& input, const DimVector& output_size) {
    return without_gil_if(input.numel(), {&input}, [&] { return ops::adaptive_max_pool2d(input, output_size); });
  }, py::arg("input"), py::arg("output_size"));
}

}  // namespace st::py_bind
