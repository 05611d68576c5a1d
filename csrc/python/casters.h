// pybind11 conversions for the core types: Tensor (one Python object per
// TensorImpl), ScalarType (the smalltorch.float32 ... objects), Scalar.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "../core/tensor.h"
#include "tensor_type.h"

namespace st::py_bind {

// One Python object per dtype, made at import time.
struct DType {
  ScalarType type;
};
PyObject* dtype_object(ScalarType t);
bool dtype_from_object(pybind11::handle h, ScalarType& out);  // accepts our dtypes and float/int/bool types

bool scalar_from_object(pybind11::handle h, Scalar& out);  // bool, int, float (and numpy scalars)
pybind11::object scalar_to_object(const Scalar& s);

}  // namespace st::py_bind

namespace st::autograd {
struct Node;
}
namespace st::py_bind {
// The Python object of an autograd node (node_type.cpp): new reference, None for null.
PyObject* wrap_node(const std::shared_ptr<autograd::Node>& n);
// The node of such an object: null when `o` is not one or its node is gone.
std::shared_ptr<autograd::Node> node_of(PyObject* o);
}  // namespace st::py_bind

namespace pybind11::detail {

// grad_fn objects, next_functions: see node_type.h.
template <>
struct type_caster<std::shared_ptr<st::autograd::Node>> {
  PYBIND11_TYPE_CASTER(std::shared_ptr<st::autograd::Node>, const_name("Node"));
  bool load(handle src, bool) {
    value = st::py_bind::node_of(src.ptr());
    return value != nullptr;
  }
  static handle cast(const std::shared_ptr<st::autograd::Node>& n, return_value_policy, handle) {
    return st::py_bind::wrap_node(n);
  }
};

template <>
struct type_caster<st::Tensor> {
  PYBIND11_TYPE_CASTER(st::Tensor, const_name("Tensor"));
  bool load(handle src, bool) {
    if (!st::py_bind::is_tensor(src)) return false;
    value = st::py_bind::unwrap(src.ptr());
    return true;
  }
  static handle cast(const st::Tensor& t, return_value_policy, handle) { return st::py_bind::wrap(t); }
};

// int64_t arguments (dims, sizes, counts) take what PyTorch's int parameters take: a Python int or
// anything with a working __index__ (numpy ints, one-element integer tensors), but not a bool, a float
// or a float tensor (pybind11's default would call __int__ and truncate them). A mismatch is a TypeError.
static_assert(std::is_same<int64_t, long>::value || std::is_same<int64_t, long long>::value, "int64_t");
template <>
struct type_caster<int64_t> {
  PYBIND11_TYPE_CASTER(int64_t, const_name("int"));
  bool load(handle src, bool) {
    PyObject* o = src.ptr();
    if (!o || PyBool_Check(o) || PyFloat_Check(o) || !(PyLong_Check(o) || PyIndex_Check(o))) return false;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);  // calls __index__
    if ((v == -1 && PyErr_Occurred()) || overflow) {
      PyErr_Clear();
      return false;
    }
    value = static_cast<int64_t>(v);
    return true;
  }
  static handle cast(int64_t v, return_value_policy, handle) { return PyLong_FromLongLong(v); }
};

template <>
struct type_caster<st::DimVector> : list_caster<st::DimVector, int64_t> {};

template <>
struct type_caster<st::ScalarType> {
  PYBIND11_TYPE_CASTER(st::ScalarType, const_name("dtype"));
  bool load(handle src, bool) { return st::py_bind::dtype_from_object(src, value); }
  static handle cast(st::ScalarType t, return_value_policy, handle) {
    PyObject* o = st::py_bind::dtype_object(t);
    Py_XINCREF(o);
    return o;
  }
};

template <>
struct type_caster<st::Scalar> {
  PYBIND11_TYPE_CASTER(st::Scalar, const_name("Number"));
  bool load(handle src, bool) { return st::py_bind::scalar_from_object(src, value); }
  static handle cast(const st::Scalar& s, return_value_policy, handle) {
    return st::py_bind::scalar_to_object(s).release();
  }
};

}  // namespace pybind11::detail
