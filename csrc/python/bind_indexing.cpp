// Python bindings of the "indexing" operator family (x[key] itself is bound in
// tensor_methods.cpp through parse_index).
#include "bind_util.h"

namespace st::py_bind {

namespace {

// The `indices` argument of index_put: a tuple/list of tensors (None: whole dim).
std::vector<Tensor> index_list(py::handle h) {
  ST_CHECK_T(PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()), TypeError,
             "index_put(): argument 'indices' must be tuple of Tensors, not ", Py_TYPE(h.ptr())->tp_name);
  return tensor_list(h, "index_put(): indices");
}

py::object nonzero_any(const Tensor& t, bool as_tuple) {
  if (!as_tuple) return py::cast(ops::nonzero(t));
  auto cols = ops::nonzero_tuple(t);
  py::tuple out(cols.size());
  for (size_t j = 0; j < cols.size(); ++j) out[j] = py::cast(cols[j]);
  return std::move(out);
}

}  // namespace

void bind_indexing(Module& m, TensorClass& cls) {
  const Scalar one(int64_t(1));
  auto index_put = [](const Tensor& t, py::handle indices, const Tensor& values, bool accumulate) {
    return ops::index_put(t, index_list(indices), values, accumulate);
  };
  auto index_add = [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
    return ops::index_add(t, dim, index, source, alpha);
  };
  auto masked_scatter = [](const Tensor& t, const Tensor& mask, const Tensor& source) {
    return ops::masked_scatter(t, mask, source);
  };
  cls.def("index_put", index_put, py::arg("indices"), py::arg("values"), py::arg("accumulate").noconvert() = false)
      .def("index_put_", [](py::object self, py::handle indices, const Tensor& values, bool accumulate) {
        Tensor t = self.cast<Tensor>();
        ops::index_put_(t, index_list(indices), values, accumulate);
        return self;
      }, py::arg("indices"), py::arg("values"), py::arg("accumulate").noconvert() = false)
      .def("index_add", index_add, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(),
           py::arg("alpha") = one)
      .def("index_add_", [](py::object self, int64_t dim, const Tensor& index, const Tensor& source,
                            const Scalar& alpha) {
        Tensor t = self.cast<Tensor>();
        ops::index_add_(t, dim, index, source, alpha);
        return self;
      }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = one)
      .def("nonzero", nonzero_any, py::kw_only(), py::arg("as_tuple").noconvert() = false)
      .def("argwhere", [](const Tensor& t) { return ops::nonzero(t); })
      .def("masked_select", [](const Tensor& t, const Tensor& mask) { return ops::masked_select(t, mask); },
           py::arg("mask"))
      .def("masked_scatter", masked_scatter, py::arg("mask"), py::arg("source"))
      .def("masked_scatter_", [](py::object self, const Tensor& mask, const Tensor& source) {
        Tensor t = self.cast<Tensor>();
        ops::masked_scatter_(t, mask, source);
        return self;
      }, py::arg("mask"), py::arg("source"));

  m.def("index_put", index_put, py::arg("input"), py::arg("indices"), py::arg("values"),
        py::arg("accumulate").noconvert() = false);
  m.def("index_add", index_add, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(),
        py::arg("alpha") = one);
  m.def("nonzero", nonzero_any, py::arg("input"), py::kw_only(), py::arg("as_tuple").noconvert() = false);
  m.def("argwhere", [](const Tensor& t) { return ops::nonzero(t); }, py::arg("input"));
  m.def("masked_select", function_with_out("masked_select", +[](const Tensor& t, const Tensor& mask) {
    return ops::masked_select(t, mask);
  }), py::arg("input"), py::arg("mask"), py::kw_only(), py::arg("out") = py::none());
  m.def("masked_scatter", masked_scatter, py::arg("input"), py::arg("mask"), py::arg("source"));
}

}  // namespace st::py_bind
