// Python bindings of the activation registry (ops/activation.h): from each row
// _C._nn_<name>(input, p, q, r) and, for rows with an in-place form,
// _C._nn_<name>_(input, p, q, r) (nn.functional names them with PyTorch's
// keywords); PyTorch's top-level selu, selu_, celu, celu_; and _C._nn_glu.
#include <string>
#include "../ops/activation.h"
#include "bind_util.h"

namespace st::py_bind {

void bind_activation(Module& m) {
  py::dict rows;
#define ST_ACTIVATION_BIND(nm, rule, kernel, inplace, node, save, P, dP, Q, dQ, R, dR, ...)                     \
  m.def("_nn_" #nm, [](const Tensor& a, double p, double q, double r) {                                         \
    return without_gil_if(a.numel(), {&a}, [&] { return ops::nm(a, p, q, r); });                               \
  }, py::arg("input"), py::arg("p") = dP, py::arg("q") = dQ, py::arg("r") = dR);                                \
  if (inplace)                                                                                                  \
    m.def("_nn_" #nm "_", [](py::object self, double p, double q, double r) {                                   \
      Tensor t = unwrap(self.ptr());                                                                            \
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

  // PyTorch's top-level names of the table's rows
  m.def("selu", [](const Tensor& a) { return ops::selu(a, 0, 0, 0); }, py::arg("input"));
  m.def("selu_", [](py::object self) {
    Tensor t = unwrap(self.ptr());
    ops::selu_(t, 0, 0, 0);
    return self;
  }, py::arg("input"));
  m.def("celu", [](const Tensor& a, double alpha) { return ops::celu(a, alpha, 0, 0); }, py::arg("input"),
        py::arg("alpha") = 1.0);
  m.def("celu_", [](py::object self, double alpha) {
    Tensor t = unwrap(self.ptr());
    ops::celu_(t, alpha, 0, 0);
    return self;
  }, py::arg("input"), py::arg("alpha") = 1.0);
}

}  // namespace st::py_bind
