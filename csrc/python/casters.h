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

namespace pybind11::detail {

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
