// Python bindings of the activation registry (ops/activation.h): from each row
// _C._nn_<name>(input, p, q, r) and, for rows with an in-place form,
// _C._nn_<name>_(input, p, q, r) (nn.functional names them with PyTorch's
// keywords); PyTorch's top-level selu, selu_, celu, celu_; _C._nn_glu; and the fused
// pointwise losses _C._smooth_l1_loss, _C._huber_loss, _C._binary_cross_entropy.
#include <string>
#include "../ops/activation.h"
#include "../ops/nn.h"
#include "bind_util.h"

namespace st::py_bind {

namespace {
// The tensor an in-place function writes (a TypeError as PyTorch's for anything else).
Tensor inplace_arg(py::handle self, const char* fn) {
  ST_CHECK_T(is_tensor(self), TypeError, fn, "(): argument 'input' (position 1) must be Tensor, not ",
             Py_TYPE(self.ptr())->tp_name);
  return unwrap(self.ptr());
}
}  // namespace

void bind_activation(Module& m) {
  py::dict rows;
#define ST_ACTIVATION_BIND(nm, rule, kernel, inplace, node, save, P, dP, Q, dQ, R, dR, ...)                     \
  m.def("_nn_" #nm, [](const Tensor& a, double p, double q, double r) {                                         \
    return without_gil_if(a.numel(), {&a}, [&] { return ops::nm(a, p, q, r); });                               \
  }, py::arg("input"), py::arg("p") = dP, py::arg("q") = dQ, py::arg("r") = dR);                                \
  if (inplace)                                                                                                  \
    m.def("_nn_" #nm "_", [](py::object self, double p, double q, double r) {                                   \
      Tensor t = inplace_arg(self, #nm "_");                                                                     \
      without_gil_if(t.numel(), {&t}, [&] { ops::nm##_(t, p, q, r); });                                         \
      return self;                                                                                              \
    }, py::arg("input"), py::arg("p") = dP, py::arg("q") = dQ, py::arg("r") = dR);                              \
  rows[#nm] = py::make_tuple(#rule, kernel, inplace, #node, py::make_tuple(#P, #Q, #R), py::make_tuple(dP, dQ, dR));
  ST_ACTIVATION_OPS(ST_ACTIVATION_BIND)
#undef ST_ACTIVATION_BIND
  // The registry as data (tests): name -> (rule, kernel, in-place form, node, parameter names, defaults).
  m.attr("_activation_registry") = rows;

  m.def("_nn_glu", [](const Tensor& a, int64_t dim) {
    return without_gil_if(a.numel(), {&a}, [&] { return ops::glu(a, dim); });
  }, py::arg("input"), py::arg("dim") = -1);

  // the fused pointwise losses (ops/nn.h; nn.functional checks shapes, broadcasts and names the reduction)
  m.def("_smooth_l1_loss", [](const Tensor& input, const Tensor& target, int64_t reduction, double beta) {
    return without_gil_if(input.numel(), {&input, &target}, [&] { return ops::smooth_l1_loss(input, target, reduction, beta); });
  });
  m.def("_huber_loss", [](const Tensor& input, const Tensor& target, int64_t reduction, double delta) {
    return without_gil_if(input.numel(), {&input, &target}, [&] { return ops::huber_loss(input, target, reduction, delta); });
  });
  m.def("_binary_cross_entropy", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                                    int64_t reduction) {
    const Tensor w = weight ? *weight : Tensor();
    return without_gil_if(input.numel(), {&input, &target, &w},
                          [&] { return ops::binary_cross_entropy(input, target, w, reduction); });
  });

  // PyTorch's top-level names of the table's rows
  m.def("selu", [](const Tensor& a) { return ops::selu(a, 0, 0, 0); }, py::arg("input"));
  m.def("selu_", [](py::object self) {
    Tensor t = inplace_arg(self, "selu_");
    ops::selu_(t, 0, 0, 0);
    return self;
  }, py::arg("input"));
  // top-level celu takes alpha as a Number (PyTorch's Scalar: a numpy uint64 beyond int64 is refused)
  auto alpha_of = [](py::handle v, const char* fn) {
    Scalar sc;
    ST_CHECK_T(scalar_from_object(v, sc), TypeError, fn, "(): argument 'alpha' must be Number, not ",
               Py_TYPE(v.ptr())->tp_name);
    return sc.to_double();
  };
  m.def("celu", [alpha_of](const Tensor& a, py::handle alpha) { return ops::celu(a, alpha_of(alpha, "celu"), 0, 0); },
        py::arg("input"), py::arg("alpha") = 1.0);
  m.def("celu_", [alpha_of](py::object self, py::handle alpha) {
    Tensor t = inplace_arg(self, "celu_");
    ops::celu_(t, alpha_of(alpha, "celu_"), 0, 0);
    return self;
  }, py::arg("input"), py::arg("alpha") = 1.0);
}

}  // namespace st::py_bind
