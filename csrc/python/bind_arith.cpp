// smalltorch.pow(input, exponent, *, out=None): a number on either side. (add,
// sub, mul and div are rows of the binary registry, ops/binary.h, bound by
// bind_binary.cpp.)
#include <pybind11/pybind11.h>
#include "bind_util.h"

namespace py = pybind11;
using namespace st;

namespace st::py_bind {

void bind_arith(Module& m) {
  m.def("pow", [](py::handle a, py::handle b, py::handle out) -> py::object {
    Scalar s;
    if (!out.is_none()) {
      Tensor o = out_tensor(out, "pow");
      ops::pow_out(o, as_tensor_arg(a, "pow"), as_tensor_arg(b, "pow"));
      return py::reinterpret_borrow<py::object>(out);
    }
    if (!is_tensor(a) && scalar_from_object(a, s)) return py::cast(ops::pow(s, as_tensor_arg(b, "pow")));
    Tensor ta = as_tensor_arg(a, "pow");
    if (!is_tensor(b) && scalar_from_object(b, s)) return py::cast(ops::pow(ta, s));
    return py::cast(ops::pow(ta, as_tensor_arg(b, "pow")));
  }, py::arg("input"), py::arg("exponent"), py::kw_only(), py::arg("out") = py::none());
}

}  // namespace st::py_bind
