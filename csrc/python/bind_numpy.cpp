// NumPy interop: Tensor.numpy() (a view of the storage) and smalltorch.from_numpy.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "bind_util.h"

namespace py = pybind11;
using namespace st;
namespace ag = st::autograd;

namespace st::py_bind {

py::array to_numpy(py::object self_obj) {
  Tensor t = self_obj.cast<Tensor>();
  ST_CHECK(!ag::requires_grad(t),
           "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  const char* fmt = nullptr;
  switch (t.dtype()) {
    case ScalarType::Bool: fmt = "?"; break;
    case ScalarType::UInt8: fmt = "B"; break;
    case ScalarType::Int8: fmt = "b"; break;
    case ScalarType::Int16: fmt = "h"; break;
    case ScalarType::Int32: fmt = "i"; break;
    case ScalarType::Int64: fmt = "q"; break;
    case ScalarType::Float32: fmt = "f"; break;
    case ScalarType::Float64: fmt = "d"; break;
    case ScalarType::Float16: fmt = "e"; break;
    default: throw st::TypeError(str("Got unsupported ScalarType ", torch_type_name(t.dtype())));
  }
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end());
  std::vector<py::ssize_t> strides;
  for (auto s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(t.impl()->itemsize()));
  // The array's base owns the storage (not the tensor, whose storage `.data =` may replace) and pins it
  // (resize_ cannot move memory the array reads).
  auto* keep = new StoragePin(t.impl()->storage());
  py::capsule base(keep, [](void* p) { delete static_cast<StoragePin*>(p); });
  return py::array(py::dtype(fmt), shape, strides, t.raw_data(), base);
}

Tensor from_numpy(py::array arr) {
  ScalarType dt;
  char kind = arr.dtype().kind();
  auto item = arr.itemsize();
  if (kind == 'b') dt = ScalarType::Bool;
  else if (kind == 'u' && item == 1) dt = ScalarType::UInt8;
  else if (kind == 'i' && item == 1) dt = ScalarType::Int8;
  else if (kind == 'i' && item == 2) dt = ScalarType::Int16;
  else if (kind == 'i' && item == 4) dt = ScalarType::Int32;
  else if (kind == 'i' && item == 8) dt = ScalarType::Int64;
  else if (kind == 'f' && item == 4) dt = ScalarType::Float32;
  else if (kind == 'f' && item == 8) dt = ScalarType::Float64;
  else if (kind == 'f' && item == 2) dt = ScalarType::Float16;
  else
    throw st::TypeError(st::str("can't convert np.ndarray of type numpy.", py::str(arr.dtype()).cast<std::string>(),
                                ". The only supported types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."));
  if (kind == 'b' && arr.size() > 0) {
    // numpy keeps whatever byte a bool was given (np.frombuffer(b'\x02', np.bool_)); our kernels read a bool
    // byte as 0/1, so a non-canonical array is replaced by a canonical copy (nonzero = True, as numpy reads it)
    py::object any_big = py::module_::import("numpy").attr("any")(arr.attr("view")("uint8").attr("__gt__")(1));
    if (PyObject_IsTrue(any_big.ptr()))
      arr = py::array(py::module_::import("numpy").attr("not_equal")(arr.attr("view")("uint8"), 0));
  }
  if (!arr.writeable()) {
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This "
                     "means writing to this tensor will result in undefined behavior. You may want to copy the array "
                     "to protect its data or make it writable before converting it to a tensor.", 1) < 0)
      throw py::error_already_set();
  }
  ST_CHECK_T(arr.dtype().attr("byteorder").cast<std::string>() != ">", ValueError,
             "given numpy array has byte order different from the native byte order. Conversion between byte orders "
             "is currently not supported.");
  DimVector sizes, strides;
  int64_t extent = 1;
  for (py::ssize_t d = 0; d < arr.ndim(); ++d) {
    sizes.push_back(arr.shape(d));
    py::ssize_t s = arr.strides(d);
    ST_CHECK_T(s >= 0, ValueError, "At least one stride in the given numpy array is negative, and tensors with "
               "negative strides are not currently supported. (You can probably work around this by making a copy "
               "of your array  with array.copy().) ");
    ST_CHECK_T(s % item == 0, ValueError, "given numpy array strides not a multiple of the element byte size. Copy "
               "the numpy array to reallocate the memory.");
    strides.push_back(s / item);
    if (arr.shape(d) > 0) extent += (arr.shape(d) - 1) * (s / item);
    else extent = 0;
  }
  py::object keep = arr;
  auto* holder = new py::object(std::move(keep));
  auto storage = std::make_shared<Storage>(const_cast<void*>(arr.data()), static_cast<size_t>(extent) * item,
                                           [holder] {
                                             py::gil_scoped_acquire g;
                                             delete holder;
                                           });
  return Tensor(std::make_shared<TensorImpl>(storage, 0, sizes, strides, dt));
}

void bind_numpy(Module& m) {
  m.def("from_numpy", &from_numpy, py::arg("ndarray"));
}

}  // namespace st::py_bind
