// DLPack: Tensor.__dlpack__ / __dlpack_device__ (export without a copy) and
// smalltorch.from_dlpack (import without a copy), so tensors cross to numpy,
// PyTorch and anything else that speaks DLPack, both ways.
#include <optional>
#include <string>
#include <vector>
#include "bind_util.h"
#include "dlpack.h"

namespace st::py_bind {

namespace {

namespace dl = st::dlpack;

// BufferError, the exception the DLPack protocol names for what cannot be exchanged.
[[noreturn]] void buffer_error(const std::string& msg) {
  PyErr_SetString(PyExc_BufferError, msg.c_str());
  throw py::error_already_set();
}
#define ST_CHECK_BUFFER(cond, ...) \
  do {                              \
    if (!(cond)) buffer_error(str(__VA_ARGS__)); \
  } while (0)

constexpr const char* kLegacy = "dltensor";
constexpr const char* kVersioned = "dltensor_versioned";

dl::DataType dl_type(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return {dl::kBool, 8, 1};
    case ScalarType::UInt8: return {dl::kUInt, 8, 1};
    case ScalarType::Int8: return {dl::kInt, 8, 1};
    case ScalarType::Int16: return {dl::kInt, 16, 1};
    case ScalarType::Int32: return {dl::kInt, 32, 1};
    case ScalarType::Int64: return {dl::kInt, 64, 1};
    case ScalarType::Float32: return {dl::kFloat, 32, 1};
    case ScalarType::Float64: return {dl::kFloat, 64, 1};
    case ScalarType::Float16: return {dl::kFloat, 16, 1};
    case ScalarType::BFloat16: return {dl::kBfloat, 16, 1};
    default: throw Error("DLPack: undefined dtype");
  }
}

ScalarType from_dl_type(const dl::DataType& t) {
  ST_CHECK_BUFFER(t.lanes == 1, "from_dlpack: vector dtypes (lanes = ", int(t.lanes), ") are not supported");
  if (t.code == dl::kBool && t.bits == 8) return ScalarType::Bool;
  if (t.code == dl::kUInt && t.bits == 8) return ScalarType::UInt8;
  if (t.code == dl::kInt && t.bits == 8) return ScalarType::Int8;
  if (t.code == dl::kInt && t.bits == 16) return ScalarType::Int16;
  if (t.code == dl::kInt && t.bits == 32) return ScalarType::Int32;
  if (t.code == dl::kInt && t.bits == 64) return ScalarType::Int64;
  if (t.code == dl::kFloat && t.bits == 32) return ScalarType::Float32;
  if (t.code == dl::kFloat && t.bits == 64) return ScalarType::Float64;
  if (t.code == dl::kFloat && t.bits == 16) return ScalarType::Float16;
  if (t.code == dl::kBfloat && t.bits == 16) return ScalarType::BFloat16;
  buffer_error(str("from_dlpack: DLPack dtype (code ", int(t.code), ", ", int(t.bits),
                   " bits) has no smalltorch dtype (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)"));
}

// What an exported tensor keeps alive until the consumer calls the deleter.
struct Export {
  Tensor tensor;
  std::optional<StoragePin> pin;  // the consumer reads the storage by address: resize_ must not move it
  std::vector<int64_t> shape, strides;
  dl::ManagedTensor legacy{};
  dl::ManagedTensorVersioned versioned{};
};

void fill(dl::DLTensor& d, Export& e) {
  const Tensor& t = e.tensor;
  e.shape.assign(t.sizes().begin(), t.sizes().end());
  e.strides.assign(t.strides().begin(), t.strides().end());
  d.data = t.impl()->storage()->data();
  d.byte_offset = static_cast<uint64_t>(t.impl()->offset()) * element_size(t.dtype());
  d.device = {dl::kCPU, 0};
  d.ndim = static_cast<int32_t>(t.dim());
  d.dtype = dl_type(t.dtype());
  d.shape = e.shape.data();
  d.strides = e.strides.data();
}

// Capsule destructors: a capsule never consumed still owns its tensor.
void drop_legacy(PyObject* cap) {
  if (!PyCapsule_IsValid(cap, kLegacy)) return;  // consumed (renamed): the consumer owns it
  auto* m = static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(cap, kLegacy));
  if (m && m->deleter) m->deleter(m);
}
void drop_versioned(PyObject* cap) {
  if (!PyCapsule_IsValid(cap, kVersioned)) return;
  auto* m = static_cast<dl::ManagedTensorVersioned*>(PyCapsule_GetPointer(cap, kVersioned));
  if (m && m->deleter) m->deleter(m);
}

py::object to_capsule(const Tensor& self, bool versioned, bool copy) {
  ST_CHECK_BUFFER(!autograd::requires_grad(self), "Can't export tensors that require gradient, use tensor.detach()");
  auto* e = new Export();
  e->tensor = copy ? ops::detach(ops::clone(self)) : self;
  e->pin.emplace(e->tensor.impl()->storage());
  if (versioned) {
    e->versioned.version = {1, 0};
    e->versioned.manager_ctx = e;
    e->versioned.deleter = [](dl::ManagedTensorVersioned* m) { delete static_cast<Export*>(m->manager_ctx); };
    e->versioned.flags = copy ? dl::kFlagIsCopied : 0;
    fill(e->versioned.dl_tensor, *e);
    return py::reinterpret_steal<py::object>(PyCapsule_New(&e->versioned, kVersioned, drop_versioned));
  }
  e->legacy.manager_ctx = e;
  e->legacy.deleter = [](dl::ManagedTensor* m) { delete static_cast<Export*>(m->manager_ctx); };
  fill(e->legacy.dl_tensor, *e);
  return py::reinterpret_steal<py::object>(PyCapsule_New(&e->legacy, kLegacy, drop_legacy));
}

py::object dlpack_export(const Tensor& self, py::handle stream, py::handle max_version, py::handle dl_device,
                         py::handle copy) {
  ST_CHECK_BUFFER(stream.is_none() || (PyLong_Check(stream.ptr()) && py::cast<int64_t>(stream) == -1),
             "__dlpack__: stream must be None for a CPU tensor, got ", py::str(stream).cast<std::string>());
  if (!dl_device.is_none()) {
    auto dev = py::cast<std::vector<int64_t>>(dl_device);
    ST_CHECK_BUFFER(dev.size() == 2 && dev[0] == dl::kCPU, "__dlpack__: cannot export a CPU tensor to "
               "device ", py::str(dl_device).cast<std::string>());
  }
  bool versioned = false;
  if (!max_version.is_none()) versioned = py::cast<std::vector<int64_t>>(max_version).at(0) >= 1;
  return to_capsule(self, versioned, !copy.is_none() && PyObject_IsTrue(copy.ptr()));
}

// A tensor over the memory a DLTensor describes; `release` runs when its storage dies.
Tensor over(const dl::DLTensor& d, std::function<void()> release, bool read_only) {
  ST_CHECK_BUFFER(d.device.device_type == dl::kCPU || d.device.device_type == dl::kCUDAHost,
             "from_dlpack: only CPU tensors can be imported (DLPack device type ", d.device.device_type, ")");
  const ScalarType dt = from_dl_type(d.dtype);
  const int64_t item = static_cast<int64_t>(element_size(dt));
  ST_CHECK_BUFFER(d.byte_offset % item == 0, "from_dlpack: byte offset ", d.byte_offset,
             " is not a multiple of the element size ", item);
  DimVector sizes, strides;
  int64_t extent = 1;
  for (int32_t i = 0; i < d.ndim; ++i) sizes.push_back(d.shape[i]);
  strides = contiguous_strides(sizes);
  for (int32_t i = 0; i < d.ndim; ++i) {
    if (d.strides) strides[i] = d.strides[i];
    ST_CHECK_BUFFER(strides[i] >= 0 || sizes[i] <= 1,
               "from_dlpack: negative strides are not supported (dimension ", i, ")");
    if (sizes[i] == 0) extent = 0;
    else if (extent > 0) extent += (sizes[i] - 1) * std::max<int64_t>(strides[i], 0);
  }
  if (read_only &&
      PyErr_WarnEx(PyExc_UserWarning, "from_dlpack: the DLPack tensor is read-only, and smalltorch does not support "
                   "read-only tensors: writing to the result is undefined behavior.", 1) < 0)
    throw py::error_already_set();
  char* base = static_cast<char*>(d.data) + d.byte_offset;
  auto storage = std::make_shared<Storage>(base, static_cast<size_t>(extent * item), std::move(release));
  return Tensor(std::make_shared<TensorImpl>(storage, 0, sizes, strides, dt));
}

Tensor from_capsule(py::handle cap) {
  PyObject* c = cap.ptr();
  if (PyCapsule_IsValid(c, kVersioned)) {
    auto* m = static_cast<dl::ManagedTensorVersioned*>(PyCapsule_GetPointer(c, kVersioned));
    ST_CHECK_BUFFER(m->version.major == 1, "from_dlpack: DLPack version ", m->version.major, ".",
               m->version.minor, " is not supported (1.x is)");
    PyCapsule_SetName(c, "used_dltensor_versioned");
    return over(m->dl_tensor, [m] { if (m->deleter) { py::gil_scoped_acquire g; m->deleter(m); } },
                (m->flags & dl::kFlagReadOnly) != 0);
  }
  if (PyCapsule_IsValid(c, kLegacy)) {
    auto* m = static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(c, kLegacy));
    PyCapsule_SetName(c, "used_dltensor");
    return over(m->dl_tensor, [m] { if (m->deleter) { py::gil_scoped_acquire g; m->deleter(m); } }, false);
  }
  buffer_error("from_dlpack: the capsule was already consumed or is not a DLPack capsule");
}

Tensor from_dlpack(py::handle ext) {
  if (PyCapsule_CheckExact(ext.ptr())) return from_capsule(ext);
  // anything else is taken for a capsule, and refused as PyTorch refuses it
  ST_CHECK(py::hasattr(ext, "__dlpack__"), "from_dlpack received an invalid capsule. Note that DLTensor capsules can "
           "be consumed only once, so you might have already constructed a tensor from it once.");
  if (py::hasattr(ext, "__dlpack_device__")) {
    py::tuple dev = ext.attr("__dlpack_device__")();
    const int64_t type = py::cast<int64_t>(dev[0]);
    ST_CHECK_BUFFER(type == dl::kCPU || type == dl::kCUDAHost,
               "from_dlpack: only CPU tensors can be imported (DLPack device type ", type, ")");
  }
  py::object cap;
  try {  // producers that predate DLPack 1.0 take no max_version
    cap = ext.attr("__dlpack__")(py::arg("max_version") = py::make_tuple(1, 0));
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) throw;
    cap = ext.attr("__dlpack__")();
  }
  return from_capsule(cap);
}

}  // namespace

void bind_dlpack(Module& m, TensorClass& cls) {
  const py::object none = py::none();
  cls.def("__dlpack__", &dlpack_export, py::kw_only(), py::arg("stream") = none, py::arg("max_version") = none,
          py::arg("dl_device") = none, py::arg("copy") = none);
  cls.def("__dlpack_device__", [](const Tensor&) { return py::make_tuple(int(dl::kCPU), 0); });
  m.def("from_dlpack", &from_dlpack, py::arg("ext_tensor"));
  m.def("_to_dlpack", [](const Tensor& t) { return to_capsule(t, false, false); }, py::arg("tensor"));
}

}  // namespace st::py_bind
