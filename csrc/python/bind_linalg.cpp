// Python bindings of the "linalg" operator family.
#include <cmath>
#include "bind_util.h"

namespace st::py_bind {

namespace {
// `a @ o`: a tensor on the other side, else NotImplemented so Python tries the reflected form.

double ord_value(py::handle ord) {
  if (py::isinstance<py::str>(ord))
    throw st::Error(st::str("linalg.vector_norm: ord must be a number, got '", ord.cast<std::string>(), "'"));
  Scalar s;
  ST_CHECK_T(scalar_from_object(ord, s) && s.kind != Scalar::Bool, TypeError,
             "linalg.vector_norm(): argument 'ord' must be Number, not ", Py_TYPE(ord.ptr())->tp_name);
  return s.to_double();
}
}  // namespace

void bind_linalg(Module& m, TensorClass& cls) {
  const Scalar one(int64_t(1));

  // `@` is a C slot of the type (tensor_type.cpp)
  cls.def("matmul", [](const Tensor& a, const Tensor& b) {
        return without_gil_if(matmul_work(a, b), {&a, &b}, [&] { return ops::matmul(a, b); });
      }, py::arg("other"))
      .def("mm", [](const Tensor& a, const Tensor& b) {
        return without_gil_if(matmul_work(a, b), {&a, &b}, [&] { return ops::mm(a, b); });
      }, py::arg("mat2"))
      .def("bmm", [](const Tensor& a, const Tensor& b) {
        return without_gil_if(matmul_work(a, b), {&a, &b}, [&] { return ops::bmm(a, b); });
      }, py::arg("mat2"))
      .def("mv", &ops::mv, py::arg("vec"))
      .def("dot", &ops::dot, py::arg("tensor"))
      .def("outer", &ops::outer, py::arg("vec2"))
      .def("addmm", [](const Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta,
                       const Scalar& alpha) { return ops::addmm(self, m1, m2, beta, alpha); },
           py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = one, py::arg("alpha") = one)
      .def("addmm_", [](py::object self, const Tensor& m1, const Tensor& m2, const Scalar& beta,
                        const Scalar& alpha) {
        Tensor t = self.cast<Tensor>();
        ops::addmm_(t, m1, m2, beta, alpha);
        return self;
      }, py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = one, py::arg("alpha") = one);

  m.def("matmul", [](const Tensor& a, const Tensor& b, py::handle out) {
    Tensor r = without_gil_if(a.numel() * std::max<int64_t>(b.dim() ? b.sizes().back() : 1, 1), {&a, &b},
                              [&] { return ops::matmul(a, b); });
    return result_or_out(r, out, "matmul");
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  m.def("mm", [](const Tensor& a, const Tensor& b, py::handle out) {
    return result_or_out(ops::mm(a, b), out, "mm");
  }, py::arg("input"), py::arg("mat2"), py::kw_only(), py::arg("out") = py::none());
  m.def("bmm", [](const Tensor& a, const Tensor& b, py::handle out) {
    return result_or_out(ops::bmm(a, b), out, "bmm");
  }, py::arg("input"), py::arg("mat2"), py::kw_only(), py::arg("out") = py::none());
  m.def("mv", function_with_out("mv", &ops::mv), py::arg("input"), py::arg("vec"), py::kw_only(),
        py::arg("out") = py::none());
  m.def("dot", function_with_out("dot", &ops::dot), py::arg("input"), py::arg("tensor"), py::kw_only(),
        py::arg("out") = py::none());
  m.def("outer", &ops::outer, py::arg("input"), py::arg("vec2"));
  m.def("addmm", function_with_out("addmm", +[](const Tensor& input, const Tensor& m1, const Tensor& m2,
                                                const Scalar& beta, const Scalar& alpha) {
    return ops::addmm(input, m1, m2, beta, alpha);
  }), py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = one, py::arg("alpha") = one,
        py::arg("out") = py::none());
  // smalltorch.linalg.vector_norm (python/smalltorch/linalg.py) wraps this one.
  m.def("_linalg_vector_norm", [](const Tensor& x, py::handle ord, py::handle dim, bool keepdim, py::handle dtype) {
    DimVector dims = dim.is_none() ? DimVector{} : to_dims(dim, "linalg.vector_norm");
    return ops::linalg_vector_norm(x, ord_value(ord), dims, keepdim, opt_dtype(dtype));
  }, py::arg("x"), py::arg("ord") = 2, py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false,
        py::arg("dtype") = py::none());
}

}  // namespace st::py_bind
