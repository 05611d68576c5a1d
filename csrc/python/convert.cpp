// Argument conversion: dtype objects, Python numbers, sizes, dims and indices
// to their C++ values (and back), and the smalltorch.dtype type itself.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "../kernels/kernels.h"
#include "bind_util.h"

namespace py = pybind11;
using namespace st;
namespace ag = st::autograd;

namespace st::py_bind {

// ------------------------------------------------------------------ dtypes
static PyObject* g_dtypes[kNumScalarTypes] = {nullptr};

PyObject* dtype_object(ScalarType t) {
  int i = static_cast<int>(t);
  if (i < 0 || i >= kNumScalarTypes) return Py_None;
  return g_dtypes[i];
}

bool dtype_from_object(py::handle h, ScalarType& out) {
  for (int i = 0; i < kNumScalarTypes; ++i)
    if (h.ptr() == g_dtypes[i]) { out = static_cast<ScalarType>(i); return true; }
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) { out = ScalarType::Float64; return true; }
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) { out = ScalarType::Int64; return true; }
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) { out = ScalarType::Bool; return true; }
  return false;
}

bool scalar_from_object(py::handle h, Scalar& out) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) { out = Scalar(o == Py_True); return true; }
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw st::ValueError("Overflow when unpacking long long");
    out = Scalar(static_cast<int64_t>(v));
    return true;
  }
  if (PyFloat_Check(o)) { out = Scalar(PyFloat_AS_DOUBLE(o)); return true; }
  // numpy scalars
  static PyObject* np_generic = [] {
    try {
      return py::object(py::module_::import("numpy").attr("generic")).release().ptr();
    } catch (...) {
      return static_cast<PyObject*>(nullptr);
    }
  }();
  if (np_generic && PyObject_IsInstance(o, np_generic) == 1) {
    py::object kind = py::reinterpret_borrow<py::object>(h).attr("dtype").attr("kind");
    std::string k = kind.cast<std::string>();
    if (k == "b") { out = Scalar(static_cast<bool>(PyObject_IsTrue(o))); return true; }
    if (k == "i" || k == "u") {
      // np.uint64(2**63) does not fit: not a number we take (a binary operator then returns NotImplemented and
      // numpy computes it, as with PyTorch), and no Python error may be left pending
      py::int_ v(py::reinterpret_borrow<py::object>(h));
      int overflow = 0;
      long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
      if (overflow) return false;
      if (x == -1 && PyErr_Occurred()) throw py::error_already_set();
      out = Scalar(static_cast<int64_t>(x));
      return true;
    }
    if (k == "f") { out = Scalar(static_cast<double>(py::float_(py::reinterpret_borrow<py::object>(h)))); return true; }
  }
  return false;
}

py::object scalar_to_object(const Scalar& s) {
  switch (s.kind) {
    case Scalar::Bool: return py::bool_(s.v.b);
    case Scalar::Int: return py::int_(s.v.i);
    default: return py::float_(s.v.d);
  }
}


py::object g_size_type;  // smalltorch.Size, set from Python at import

py::object make_size(const DimVector& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  return g_size_type ? g_size_type(t) : py::object(t);
}

int64_t to_int(py::handle h, const char* fn, const char* arg, size_t pos) {
  PyObject* o = h.ptr();
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw st::ValueError("Overflow when unpacking long long");
    return static_cast<int64_t>(v);
  }
  if (is_tensor(h)) {
    const Tensor& t = unwrap(o);
    if (t.numel() == 1 && !is_floating(t.dtype()) && t.dtype() != ScalarType::Bool)
      return ops::item(t).to<int64_t>();
  }
  if (PyIndex_Check(o) && !PyBool_Check(o)) {
    py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (i) return to_int(i, fn, arg, pos);
    PyErr_Clear();  // a broken __index__ makes it no int: PyTorch's TypeError, whatever __index__ raised
  }
  throw st::TypeError(st::str(fn, "(): argument '", arg, "' must be tuple of ints, but found element of type ",
                              Py_TYPE(o)->tp_name, " at pos ", pos));
}

// Accepts f(2, 3), f((2, 3)), f([2, 3]) and f(Size([2, 3])).
DimVector parse_sizes(const py::args& args, const char* fn, const char* arg) {
  DimVector out;
  if (args.size() == 1 && (PyTuple_Check(args[0].ptr()) || PyList_Check(args[0].ptr()))) {
    py::sequence seq = args[0].cast<py::sequence>();
    for (size_t i = 0; i < seq.size(); ++i) out.push_back(to_int(seq[i], fn, arg, i));
    return out;
  }
  for (size_t i = 0; i < args.size(); ++i) out.push_back(to_int(args[i], fn, arg, i));
  return out;
}

DimVector to_dims(py::handle h, const char* fn) {
  DimVector out;
  if (PyTuple_Check(h.ptr()) || PyList_Check(h.ptr())) {
    py::sequence seq = py::reinterpret_borrow<py::sequence>(h);
    for (size_t i = 0; i < seq.size(); ++i) out.push_back(to_int(seq[i], fn, "dim", i));
  } else {
    out.push_back(to_int(h, fn, "dim", 0));
  }
  return out;
}

std::optional<ScalarType> opt_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  ScalarType t;
  if (!st::py_bind::dtype_from_object(h, t))
    throw st::TypeError(st::str("dtype must be a smalltorch.dtype, not ", Py_TYPE(h.ptr())->tp_name));
  return t;
}

Tensor as_tensor_arg(py::handle h, const char* fn) {
  if (is_tensor(h)) return h.cast<Tensor>();
  Scalar s;
  if (scalar_from_object(h, s)) return ops::wrapped_scalar(s);
  throw st::TypeError(st::str(fn, "(): expected a Tensor or a number, but got ", Py_TYPE(h.ptr())->tp_name));
}

// A sequence (or numpy array) used as an index -> a tensor: ints give int64,
// bools a mask, floats (as PyTorch) are truncated to int64.
Tensor index_sequence(py::handle k) {
  PyObject* o = k.ptr();
  if (PyList_Check(o) || PyTuple_Check(o)) {  // fast path: a flat list of ints, or of bools
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject** items = PySequence_Fast_ITEMS(o);
    bool all_bool = true, all_int = true;
    for (Py_ssize_t j = 0; j < n; ++j) {
      all_bool = all_bool && PyBool_Check(items[j]);
      all_int = all_int && PyLong_Check(items[j]) && !PyBool_Check(items[j]);
    }
    if (n == 0 || all_int) {
      Tensor t = st::empty({static_cast<int64_t>(n)}, ScalarType::Int64);
      for (Py_ssize_t j = 0; j < n; ++j) t.data<int64_t>()[j] = to_int(items[j], "index", "index", j);
      return t;
    }
    if (all_bool) {
      Tensor t = st::empty({static_cast<int64_t>(n)}, ScalarType::Bool);
      for (Py_ssize_t j = 0; j < n; ++j) t.data<bool>()[j] = items[j] == Py_True;
      return t;
    }
  }
  Tensor t;
  try {
    t = py::module_::import("smalltorch").attr("tensor")(k).cast<Tensor>();
  } catch (py::error_already_set&) {
    throw st::IndexError(st::str("only integers, slices (`:`), ellipsis (`...`), None, bools and integer or boolean "
                                 "tensors or sequences are valid indices (got a ", Py_TYPE(o)->tp_name,
                                 " that is not a sequence of integers or bools)"));
  }
  if (is_floating(t.dtype())) {  // PyTorch truncates a sequence of floats to int64 indices
    Tensor i = st::empty(t.sizes(), ScalarType::Int64);
    kernels::copy(i, t);
    return i;
  }
  return t;
}

// Python index -> list of indices (basic ones and advanced tensors / bools).
std::vector<ops::TensorIndex> parse_index(py::handle key) {
  std::vector<ops::TensorIndex> out;
  auto one = [&](py::handle k) {
    ops::TensorIndex ix;
    PyObject* o = k.ptr();
    if (o == Py_None) {
      ix.kind = ops::TensorIndex::None;
    } else if (o == Py_Ellipsis) {
      ix.kind = ops::TensorIndex::Ellipsis;
    } else if (PySlice_Check(o)) {
      ix.kind = ops::TensorIndex::Slice;
      auto* sl = reinterpret_cast<PySliceObject*>(o);
      Py_ssize_t start, stop, step;
      if (PySlice_Unpack(o, &start, &stop, &step) < 0) throw py::error_already_set();  // clamps huge bounds
      ST_CHECK_T(step > 0, ValueError, "step must be greater than zero");
      if (sl->start != Py_None) ix.start = start;
      if (sl->stop != Py_None) ix.stop = stop;
      ix.step = step;
    } else if (PyBool_Check(o)) {
      ix.kind = ops::TensorIndex::Bool;
      ix.i = o == Py_True;
    } else if (PyLong_Check(o) || (PyIndex_Check(o) && !is_tensor(k) && !py::isinstance<py::array>(k))) {
      ix.kind = ops::TensorIndex::Int;
      ix.i = to_int(k, "index", "index", 0);
    } else if (is_tensor(k)) {
      Tensor t = k.cast<Tensor>();
      if (t.dim() == 0 && is_integral(t.dtype(), false) && t.dtype() != ScalarType::UInt8) {
        ix.kind = ops::TensorIndex::Int;  // as PyTorch: a 0-d integer tensor selects (a view)
        ix.i = ops::item(t).to<int64_t>();
      } else {
        ix.kind = ops::TensorIndex::Array;
        ix.tensor = t;
      }
    } else if (PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o)) {
      ix.kind = ops::TensorIndex::Array;
      ix.tensor = index_sequence(k);
    } else {
      throw st::IndexError(st::str("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                                   "are valid indices (got ", Py_TYPE(o)->tp_name, ")"));
    }
    out.push_back(std::move(ix));
  };
  if (PyTuple_Check(key.ptr())) {
    for (auto k : py::reinterpret_borrow<py::tuple>(key)) one(k);
  } else {
    one(key);
  }
  return out;
}

void bind_dtypes(Module& m) {
  // dtypes
  py::class_<st::py_bind::DType>(m, "dtype")
      .def_property_readonly("is_floating_point", [](const st::py_bind::DType& d) { return is_floating(d.type); })
      .def_property_readonly("is_signed", [](const st::py_bind::DType& d) {
        return d.type != ScalarType::Bool && d.type != ScalarType::UInt8;
      })
      // PyTorch's words for the dtype in its messages: "Float" ('not implemented for ...') and "float"
      .def_property_readonly("_torch_name", [](const st::py_bind::DType& d) { return torch_type_name(d.type); })
      .def_property_readonly("_cpp_name", [](const st::py_bind::DType& d) { return cpp_name(d.type); })
      .def_property_readonly("itemsize", [](const st::py_bind::DType& d) { return element_size(d.type); })
      .def_property_readonly("is_complex", [](const st::py_bind::DType&) { return false; })
      .def("__repr__", [](const st::py_bind::DType& d) { return std::string("smalltorch.") + dtype_name(d.type); })
      .def("__reduce__", [](const st::py_bind::DType& d) { return std::string(dtype_name(d.type)); });
  for (int i = 0; i < kNumScalarTypes; ++i) {
    py::object o = py::cast(st::py_bind::DType{static_cast<ScalarType>(i)});
    st::py_bind::g_dtypes[i] = o.release().ptr();  // immortal
    m.attr(dtype_name(static_cast<ScalarType>(i))) = py::reinterpret_borrow<py::object>(st::py_bind::g_dtypes[i]);
  }
}

}  // namespace st::py_bind
