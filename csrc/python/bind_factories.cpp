// Factories (empty/zeros/ones/full/arange/linspace/eye/rand*): Python parses the
// many call forms and passes sizes here; also result_type and scalar_tensor.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "bind_util.h"

namespace py = pybind11;
using namespace st;
namespace ag = st::autograd;

namespace st::py_bind {

void bind_factories(Module& m) {
  // factories (Python parses the many call forms and passes sizes here)
  m.def("_empty", [](const DimVector& s, ScalarType t) { return ops::empty(s, t); });
  m.def("_zeros", [](const DimVector& s, ScalarType t) { return ops::zeros(s, t); });
  m.def("_ones", [](const DimVector& s, ScalarType t) { return ops::ones(s, t); });
  m.def("_full", [](const DimVector& s, const Scalar& v, ScalarType t) { return ops::full(s, v, t); });
  m.def("_arange", [](double a, double b, double step, ScalarType t) { return ops::arange(a, b, step, t); });
  m.def("_arange_int", [](int64_t a, int64_t b, int64_t step, ScalarType t) { return ops::arange_int(a, b, step, t); });
  m.def("_linspace", [](double a, double b, int64_t n, ScalarType t) { return ops::linspace(a, b, n, t); });
  m.def("_eye", [](int64_t n, int64_t mm, ScalarType t) { return ops::eye(n, mm, t); });
  m.def("_rand", [](const DimVector& s, ScalarType t, py::handle g) { return ops::rand(s, t, generator_arg(g)); },
        py::arg("size"), py::arg("dtype"), py::arg("generator") = py::none());
  m.def("_randn", [](const DimVector& s, ScalarType t, py::handle g) { return ops::randn(s, t, generator_arg(g)); },
        py::arg("size"), py::arg("dtype"), py::arg("generator") = py::none());
  m.def("_randint", [](int64_t lo, int64_t hi, const DimVector& s, ScalarType t, py::handle g) {
    return ops::randint(lo, hi, s, t, generator_arg(g));
  }, py::arg("low"), py::arg("high"), py::arg("size"), py::arg("dtype"), py::arg("generator") = py::none());
  m.def("_result_type", [](py::handle a, py::handle b) {
    return ops::result_type(as_tensor_arg(a, "result_type"), as_tensor_arg(b, "result_type"));
  });
  m.def("_scalar_tensor", [](const Scalar& s, ScalarType t) { return ops::scalar_tensor(s, t); });
}

}  // namespace st::py_bind
