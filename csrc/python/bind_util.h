// Argument conversion shared by the binding files (bindings layer only).
#pragma once
#include <optional>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "../autograd/node.h"
#include "../ops/ops.h"
#include "casters.h"

namespace st::py_bind {

namespace py = pybind11;

extern py::object g_size_type;
py::object make_size(const DimVector& s);
int64_t to_int(py::handle h, const char* fn, const char* arg, size_t pos);
DimVector parse_sizes(const py::args& args, const char* fn, const char* arg = "size");
DimVector to_dims(py::handle h, const char* fn);
std::optional<ScalarType> opt_dtype(py::handle h);
Tensor as_tensor_arg(py::handle h, const char* fn);
std::vector<ops::TensorIndex> parse_index(py::handle key);
py::array to_numpy(py::object self_obj);
Tensor from_numpy(py::array arr);
Tensor grad_get(const Tensor& t);
void grad_set(const Tensor& t, py::object g);
Tensor data_get(const Tensor& t);
void data_set(const Tensor& t, const Tensor& src);
int register_hook(const Tensor& t, py::function fn);
void remove_hook(const Tensor& t, int id);
void retain_grad(const Tensor& t);
std::vector<Tensor> tensor_list(py::handle h, const char* what);

// Binary operators: a Tensor or a Python number on the right; NotImplemented otherwise.
template <typename TT, typename TS>
py::object binop(const Tensor& a, py::handle other, TT tt, TS ts) {
  if (is_tensor(other)) return py::cast(tt(a, other.cast<Tensor>()));
  Scalar s;
  if (scalar_from_object(other, s)) return py::cast(ts(a, s));
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}

// TensorClass (tensor_type.h): binding files add methods with cls.def(...).

// The out= convention for ops computed into a fresh result: with out given,
// the result is written into it (ops::write_out checks shape, dtype and grad)
// and out itself is returned.
// out= given: the Tensor, or TypeError naming op.
inline Tensor out_tensor(py::handle out, const char* op) {
  ST_CHECK_T(is_tensor(out), TypeError, op, "(): argument 'out' must be Tensor, not ", Py_TYPE(out.ptr())->tp_name);
  return unwrap(out.ptr());
}

inline py::object result_or_out(const Tensor& result, py::handle out, const char* op) {
  if (out.is_none()) return py::cast(result);
  Tensor o = out_tensor(out, op);
  ops::write_out(o, result, op);
  return py::reinterpret_borrow<py::object>(out);
}

// One init function per binding file, called by module.cpp.
void bind_dtypes(Module& m);
void bind_runtime(Module& m);
void bind_autograd(Module& m);
void bind_factories(Module& m);
void bind_numpy(Module& m);
void bind_arith(Module& m);
void bind_tensor(Module& m, TensorClass& cls);
void bind_pointwise(Module& m, TensorClass& cls);
void bind_reductions(Module& m, TensorClass& cls);
void bind_linalg(Module& m, TensorClass& cls);
void bind_shape_ops(Module& m, TensorClass& cls);
void bind_indexing(Module& m, TensorClass& cls);
void bind_unary(Module& m, TensorClass& cls);
void bind_storage(Module& m, TensorClass& cls);

}  // namespace st::py_bind
