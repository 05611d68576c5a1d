// smalltorch.add/sub/pow: a number operand becomes a wrapped 0-d tensor; out= for
// add/sub/pow. (mul and div, with rounding_mode, are rows of the binary registry,
// ops/binary.h.)
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "bind_util.h"

namespace py = pybind11;
using namespace st;
namespace ag = st::autograd;

namespace st::py_bind {

namespace {

// smalltorch.add/sub(input, other, out=None): op(input, other) with other a Tensor or a number,
// op_out(out, input, other) when out is given.
template <typename Op, typename OpOut>
py::object arith(const char* fn, Op op, OpOut op_out, py::handle a, py::handle b, py::handle out) {
  Tensor ta = as_tensor_arg(a, fn);
  Scalar s;
  if (!out.is_none()) {
    Tensor o = out_tensor(out, fn);
    op_out(o, ta, as_tensor_arg(b, fn));
    return py::reinterpret_borrow<py::object>(out);
  }
  if (!is_tensor(b) && scalar_from_object(b, s)) return py::cast(op(ta, s));
  return py::cast(op(ta, as_tensor_arg(b, fn)));
}

}  // namespace

void bind_arith(Module& m) {
  // free functions that mirror methods; add/sub with out=
  m.def("add", [](py::handle a, py::handle b, const Scalar& alpha, py::handle out) {
    return arith("add", [&](const Tensor& x, const auto& y) { return ops::add(x, y, alpha); },
                 [&](Tensor& o, const Tensor& x, const Tensor& y) { ops::add_out(o, x, y, alpha); }, a, b, out);
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)),
     py::arg("out") = py::none());
  m.def("sub", [](py::handle a, py::handle b, const Scalar& alpha, py::handle out) {
    return arith("sub", [&](const Tensor& x, const auto& y) { return ops::sub(x, y, alpha); },
                 [&](Tensor& o, const Tensor& x, const Tensor& y) { ops::sub_out(o, x, y, alpha); }, a, b, out);
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)),
     py::arg("out") = py::none());
  m.def("pow", [](py::handle a, py::handle b, py::handle out) {
    return result_or_out(out, "pow", [&] {
      Scalar s;
      if (!is_tensor(a) && scalar_from_object(a, s)) return ops::pow(s, as_tensor_arg(b, "pow"));
      Tensor ta = as_tensor_arg(a, "pow");
      if (!is_tensor(b) && scalar_from_object(b, s)) return ops::pow(ta, s);
      return ops::pow(ta, as_tensor_arg(b, "pow"));
    });
  }, py::arg("input"), py::arg("exponent"), py::kw_only(), py::arg("out") = py::none());

  // PyTorch's numpy-style names for the same functions (and methods, with their in-place forms)
  py::handle cls = m.attr("Tensor");
  py::object methods = cls.attr("__dict__");
  for (auto [alias, name] : {std::pair{"subtract", "sub"}}) {
    m.attr(alias) = m.attr(name);
    cls.attr(alias) = methods[name];
    cls.attr((std::string(alias) + "_").c_str()) = methods[(std::string(name) + "_").c_str()];
  }
}

}  // namespace st::py_bind
