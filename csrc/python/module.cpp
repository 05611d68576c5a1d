// The pybind11 module smalltorch._C: its definition, and the record of the
// names it binds (note_binding). Each bind_*.cpp
// (and convert.cpp) binds one concern; the order below is the order names
// are defined in (dtype objects first: default arguments of later bindings
// are converted with them).
#include <map>
#include <set>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "bind_util.h"

namespace py = pybind11;

namespace st::py_bind {

namespace {
std::map<std::string, std::set<std::string>> g_bound;  // scope -> names (filled once, at import, with the GIL)
std::vector<std::string> g_duplicates;
}  // namespace

void note_binding(const char* scope, const char* name, bool defined_before) {
  if (!g_bound[scope].insert(name).second || defined_before) g_duplicates.push_back(std::string(scope) + "." + name);
}

std::vector<std::string> duplicate_bindings() { return g_duplicates; }

std::set<std::string> bound_names(const std::string& scope) { return g_bound[scope]; }

}  // namespace st::py_bind

using namespace st::py_bind;

PYBIND11_MODULE(_C, module) {
  Module m(module);
  m.doc() = "smalltorch C++ core";

  py::register_exception_translator(&translate_st_exception);
  // The core's warnings (st::warn) are Python UserWarnings, raised as errors where a filter says so.
  st::set_warning_handler([](const std::string& message) {
    py::gil_scoped_acquire gil;
    if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) < 0) throw py::error_already_set();
  });

  bind_dtypes(m);
  bind_runtime(m);
  bind_autograd(m);

  TensorClass cls(make_tensor_type(m));
  bind_tensor(m, cls);
  bind_binary(m, cls);
  bind_ternary(m, cls);
  bind_reductions(m, cls);
  bind_linalg(m, cls);
  bind_shape_ops(m, cls);
  bind_indexing(m, cls);
  bind_unary(m, cls);
  bind_storage(m, cls);
  bind_dlpack(m, cls);
  bind_random(m, cls);
  install_fast_methods(cls.type());

  bind_factories(m);
  bind_numpy(m);
  bind_optim(m);
  bind_nn_kernels(m);
  bind_nn(m);
  bind_lapack(m);
  bind_activation(m);

  m.def("_duplicate_bindings", &duplicate_bindings);
  m.def("_bound_names", &bound_names);
}
