// The pybind11 module smalltorch._C: argument conversion and exception
// mapping only. All math lives in floors 1-4.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "../autograd/engine.h"
#include "../kernels/kernels.h"
#include "../kernels/isa.h"
#include "../kernels/parallel.h"
#include "../ops/ops.h"
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

}  // namespace st::py_bind

namespace st::py_bind {

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

py::array to_numpy(py::object self_obj) {
  Tensor t = self_obj.cast<Tensor>();
  ST_CHECK(!ag::requires_grad(t),
           "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  const char* fmt = nullptr;
  switch (t.dtype()) {
    case ScalarType::Bool: fmt = "?"; break;
    case ScalarType::UInt8: fmt = "B"; break;
    case ScalarType::Int32: fmt = "i"; break;
    case ScalarType::Int64: fmt = "q"; break;
    case ScalarType::Float32: fmt = "f"; break;
    case ScalarType::Float64: fmt = "d"; break;
    default: throw st::TypeError("unsupported dtype for numpy()");
  }
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end());
  std::vector<py::ssize_t> strides;
  for (auto s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(t.impl()->itemsize()));
  // The array's base owns the storage (not the tensor, whose storage `.data =` may replace).
  auto* keep = new StoragePtr(t.impl()->storage());
  py::capsule base(keep, [](void* p) { delete static_cast<StoragePtr*>(p); });
  return py::array(py::dtype(fmt), shape, strides, t.raw_data(), base);
}

Tensor from_numpy(py::array arr) {
  ScalarType dt;
  char kind = arr.dtype().kind();
  auto item = arr.itemsize();
  if (kind == 'b') dt = ScalarType::Bool;
  else if (kind == 'u' && item == 1) dt = ScalarType::UInt8;
  else if (kind == 'i' && item == 4) dt = ScalarType::Int32;
  else if (kind == 'i' && item == 8) dt = ScalarType::Int64;
  else if (kind == 'f' && item == 4) dt = ScalarType::Float32;
  else if (kind == 'f' && item == 8) dt = ScalarType::Float64;
  else
    throw st::TypeError(st::str("can't convert np.ndarray of type numpy.", py::str(arr.dtype()).cast<std::string>(),
                                ". The only supported types are: float64, float32, int64, int32, uint8, and bool."));
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

Tensor grad_get(const Tensor& t) {
  auto* m = ag::get_meta(t);
  if (!m) return Tensor();
  if (m->grad_fn && !m->retains_grad) {
    PyErr_WarnEx(PyExc_UserWarning,
                 "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                 "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                 "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
                 "Tensor by mistake, make sure you access the leaf Tensor instead.",
                 1);
  }
  return m->grad;
}

void grad_set(const Tensor& t, py::object g) {
  if (g.is_none()) {
    if (auto* m = ag::get_meta(t)) m->grad = Tensor();
    return;
  }
  ST_CHECK_T(is_tensor(g), TypeError, "assigned grad expected to be a Tensor or None but got grad of ",
             "type ", Py_TYPE(g.ptr())->tp_name);
  Tensor gt = g.cast<Tensor>();
  ST_CHECK(!gt.is_same(t), "can't assign Variable as its own grad");
  ST_CHECK(gt.dtype() == t.dtype(), "attempting to assign a gradient with dtype '", dtype_name(gt.dtype()),
           "' to a tensor with dtype '", dtype_name(t.dtype()), "'. Please ensure that the gradient and the tensor "
           "have the same dtype");
  ST_CHECK(gt.sizes() == t.sizes(), "attempting to assign a gradient of size '", shape_str(gt.sizes()),
           "' to a tensor of size '", shape_str(t.sizes()), "'. Please ensure that the gradient and the tensor are "
           "the same size");
  ag::meta(t).grad = gt;
}

// .data: same memory, no history, its own version counter.
Tensor data_get(const Tensor& t) {
  Tensor r = make_view(t, t.sizes(), t.strides(), t.impl()->offset());
  r.impl()->set_version_counter(std::make_shared<VersionCounter>());
  return r;
}

void data_set(const Tensor& t, const Tensor& src) {
  ST_CHECK(!ag::requires_grad(t) || is_floating(src.dtype()),
           "data set to a tensor that requires gradients must be floating point or complex dtype");
  wait_until_unused(t.impl());  // a kernel in another thread may still read the old storage
  auto* s = src.impl();
  t.impl()->set_storage(s->storage(), s->offset(), s->sizes(), s->strides(), s->dtype());
}

int g_hook_id = 0;

ag::Hook wrap_hook(py::function fn) { return PyHook{std::make_shared<PyHook::Callable>(fn.ptr())}; }

int register_hook(const Tensor& t, py::function fn) {
  ST_CHECK(ag::requires_grad(t), "cannot register a hook on a tensor that doesn't require gradient");
  int id = ++g_hook_id;
  auto& m = ag::meta(t);
  if (m.grad_fn) m.grad_fn->tensor_hooks.push_back({m.output_nr, id, wrap_hook(std::move(fn))});
  else m.leaf_hooks.push_back({id, wrap_hook(std::move(fn))});
  return id;
}

void remove_hook(const Tensor& t, int id) {
  auto* m = ag::get_meta(t);
  if (!m) return;
  auto& lh = m->leaf_hooks;
  lh.erase(std::remove_if(lh.begin(), lh.end(), [&](auto& h) { return h.first == id; }), lh.end());
  if (m->grad_fn) {
    auto& th = m->grad_fn->tensor_hooks;
    th.erase(std::remove_if(th.begin(), th.end(), [&](auto& h) { return h.id == id; }), th.end());
  }
}

void retain_grad(const Tensor& t) {
  ST_CHECK(ag::requires_grad(t), "can't retain_grad on Tensor that has requires_grad=False");
  auto& m = ag::meta(t);
  if (!m.grad_fn || m.retains_grad) return;
  m.retains_grad = true;
  m.grad_fn->retained.push_back({m.output_nr, t.impl_ptr()});
}

std::vector<Tensor> tensor_list(py::handle h, const char* what) {
  std::vector<Tensor> out;
  if (h.is_none()) return out;
  if (is_tensor(h)) return {h.cast<Tensor>()};
  for (auto x : py::reinterpret_borrow<py::iterable>(h)) {
    if (x.is_none()) { out.push_back(Tensor()); continue; }
    ST_CHECK_T(is_tensor(x), TypeError, what, " must be Tensors, got ", Py_TYPE(x.ptr())->tp_name);
    out.push_back(x.cast<Tensor>());
  }
  return out;
}

}  // namespace st::py_bind

using namespace st::py_bind;

PYBIND11_MODULE(_C, m) {
  m.doc() = "smalltorch C++ core";

  py::register_exception_translator(&translate_st_exception);

  // dtypes
  py::class_<st::py_bind::DType>(m, "dtype")
      .def_property_readonly("is_floating_point", [](const st::py_bind::DType& d) { return is_floating(d.type); })
      .def_property_readonly("is_signed", [](const st::py_bind::DType& d) {
        return d.type != ScalarType::Bool && d.type != ScalarType::UInt8;
      })
      .def_property_readonly("itemsize", [](const st::py_bind::DType& d) { return element_size(d.type); })
      .def_property_readonly("is_complex", [](const st::py_bind::DType&) { return false; })
      .def("__repr__", [](const st::py_bind::DType& d) { return std::string("smalltorch.") + dtype_name(d.type); })
      .def("__reduce__", [](const st::py_bind::DType& d) { return std::string(dtype_name(d.type)); });
  for (int i = 0; i < kNumScalarTypes; ++i) {
    py::object o = py::cast(st::py_bind::DType{static_cast<ScalarType>(i)});
    st::py_bind::g_dtypes[i] = o.release().ptr();  // immortal
    m.attr(dtype_name(static_cast<ScalarType>(i))) = py::reinterpret_borrow<py::object>(st::py_bind::g_dtypes[i]);
  }

  m.def("_parse_device", [](const std::string& s) -> py::tuple {
    Device d = parse_device(s);
    return py::make_tuple(d.type_name(), d.index < 0 ? py::object(py::none()) : py::object(py::int_(d.index)));
  });
  m.def("_check_device", [](const std::string& s) { check_device_available(parse_device(s)); });
  m.def("_set_size_type", [](py::object t) { g_size_type = t; });
  m.def("get_default_dtype", [] { return default_dtype(); });
  m.def("set_default_dtype", [](ScalarType t) { set_default_dtype(t); });
  m.def("promote_types", [](ScalarType a, ScalarType b) { return promote_types(a, b); });
  m.def("can_cast", [](ScalarType a, ScalarType b) { return can_cast(a, b); });
  m.def("get_num_threads", [] { return kernels::get_num_threads(); });
  m.def("set_num_threads", [](int n) {
    ST_CHECK_T(n > 0, ValueError, "set_num_threads expects a positive integer, got ", n);
    kernels::set_num_threads(n);
  });
  m.def("_elided_temporaries", &elided_temporaries);
  m.def("_elision_supported", [](unsigned long hexversion) { return elision_supported(hexversion); });
  m.def("_elision_enabled", &elision_enabled);
  m.def("_write_out", [](py::handle out, const Tensor& result, const std::string& op) {
    return result_or_out(result, out, op.c_str());
  });
  m.def("_isa", [] { return std::string(kernels::isa().name); });
  m.def("_set_isa", [](const std::string& name) { return kernels::set_isa(name.c_str()); });
  m.def("_isas", [] { return kernels::available_isas(); });
  m.def("_empty_cache", [] { st::empty_cache(); });
  m.def("_cached_bytes", [] { return st::cached_bytes(); });
  m.def("_allocator_stats", [] {
    AllocatorStats s = st::allocator_stats();
    py::dict d;
    d["allocated"] = s.allocated;
    d["allocated_peak"] = s.allocated_peak;
    d["reserved"] = s.reserved;
    d["reserved_peak"] = s.reserved_peak;
    d["requested"] = s.requested;
    d["requested_peak"] = s.requested_peak;
    d["cached"] = s.cached;
    d["cache_limit"] = s.cache_limit;
    d["allocations"] = s.allocations;
    d["frees"] = s.frees;
    d["active_blocks"] = s.active_blocks;
    d["active_blocks_peak"] = s.active_blocks_peak;
    d["cache_hits"] = s.cache_hits;
    d["idle_releases"] = s.idle_releases;
    d["num_alloc_retries"] = s.num_alloc_retries;
    d["num_ooms"] = s.num_ooms;
    return d;
  });
  m.def("_reset_peak_allocator_stats", [] { st::reset_peak_allocator_stats(); });
  m.def("_set_allocator_cache_limit", [](size_t n) { st::set_allocator_cache_limit(n); });
  m.def("_allocator_cache_limit", [] { return st::allocator_cache_limit(); });
  m.def("_set_allocator_idle_seconds", [](double s) { st::set_allocator_idle_seconds(s); });
  m.def("_allocator_idle_seconds", [] { return st::allocator_idle_seconds(); });
  m.def("manual_seed", [](py::object seed) {
    kernels::manual_seed(static_cast<uint64_t>(seed.cast<int64_t>()));
  });
  m.def("initial_seed", [] { return kernels::initial_seed(); });

  // grad mode
  m.def("is_grad_enabled", [] { return ag::GradMode::is_enabled(); });
  m.def("_set_grad_enabled", [](bool on) { ag::GradMode::set_enabled(on); });

  // autograd nodes
  py::class_<ag::Node, std::shared_ptr<ag::Node>>(m, "Node")
      .def("name", [](const ag::Node& n) { return std::string(n.name()); })
      .def_property_readonly("next_functions", [](const ag::Node& n) {
        py::tuple t(n.next_edges.size());
        for (size_t i = 0; i < n.next_edges.size(); ++i)
          t[i] = py::make_tuple(n.next_edges[i].fn ? py::cast(n.next_edges[i].fn) : py::none(),
                                n.next_edges[i].input_nr);
        return t;
      })
      .def_property_readonly("variable", [](ag::Node& n) -> py::object {
        if (auto* acc = dynamic_cast<ag::AccumulateGrad*>(&n)) return py::cast(acc->variable);
        throw py::attribute_error("'" + std::string(n.name()) + "' object has no attribute 'variable'");
      })
      .def("__call__", [](ag::Node& n, py::args args) {
        // As the engine calls it: one gradient per forward output (None for
        // none); nothing runs when none is given, zeros stand in for the rest.
        const size_t want = n.input_meta.size();
        if (args.size() != want)
          throw py::type_error(st::str("expected ", want, " arguments, got ", args.size(), " instead"));
        ag::TensorList gs(want);
        bool any = false;
        for (size_t i = 0; i < want; ++i) {
          py::handle a = args[i];
          if (a.is_none()) continue;
          if (!is_tensor(a)) throw py::type_error(st::str("argument ", i, " is not a Variable"));
          const ag::InputMeta& m = n.input_meta[i];
          Tensor g = unwrap(a.ptr());
          if (g.sizes() != m.sizes) {
            DimVector b = broadcast_shapes(g.sizes(), m.sizes);  // RuntimeError when they do not broadcast
            ST_CHECK(b == m.sizes, "The size of tensor a (", shape_str(g.sizes()), ") must match the size of ",
                     "tensor b (", shape_str(m.sizes), ") expected by ", n.name());
            g = ops::expand(g, m.sizes);
          }
          gs[i] = std::move(g);
          any = true;
        }
        ag::TensorList outs;
        if (any) {
          for (size_t i = 0; i < want; ++i)
            if (!gs[i].defined()) gs[i] = ops::zeros(n.input_meta[i].sizes, n.input_meta[i].dtype);
          outs = n.apply(std::move(gs));
        }
        outs.resize(n.next_edges.size());
        py::tuple t(outs.size());
        for (size_t i = 0; i < outs.size(); ++i) t[i] = py::reinterpret_steal<py::object>(wrap(outs[i]));
        return outs.size() == 1 ? py::object(t[0]) : py::object(t);
      })
      .def("__repr__", [](py::object self) {
        std::string name = self.cast<ag::Node&>().name();
        auto pos = name.rfind("::");
        if (pos != std::string::npos) name = name.substr(pos + 2);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%p", static_cast<void*>(self.ptr()));
        return "<" + name + " object at " + buf + ">";
      });

  TensorClass cls(make_tensor_type(m));
  bind_tensor(m, cls);
  bind_pointwise(m, cls);
  bind_reductions(m, cls);
  bind_linalg(m, cls);
  bind_shape_ops(m, cls);
  bind_indexing(m, cls);
  bind_unary(m, cls);
  install_fast_methods(cls.type());

  // engine
  m.def("_backward", [](py::object outputs, py::object grads, std::optional<bool> retain_graph, bool create_graph,
                        py::object inputs) {
    ag::backward(tensor_list(outputs, "tensors"), tensor_list(grads, "grad_tensors"), retain_graph, create_graph,
                 tensor_list(inputs, "inputs"));
  });
  m.def("_grad", [](py::object outputs, py::object inputs, py::object grads, std::optional<bool> retain_graph,
                    bool create_graph, bool allow_unused) {
    auto r = ag::grad(tensor_list(outputs, "outputs"), tensor_list(inputs, "inputs"),
                      tensor_list(grads, "grad_outputs"), retain_graph, create_graph, allow_unused);
    py::tuple t(r.size());
    for (size_t i = 0; i < r.size(); ++i) t[i] = py::cast(r[i]);
    return t;
  });

  // factories (Python parses the many call forms and passes sizes here)
  m.def("_empty", [](const DimVector& s, ScalarType t) { return ops::empty(s, t); });
  m.def("_zeros", [](const DimVector& s, ScalarType t) { return ops::zeros(s, t); });
  m.def("_ones", [](const DimVector& s, ScalarType t) { return ops::ones(s, t); });
  m.def("_full", [](const DimVector& s, const Scalar& v, ScalarType t) { return ops::full(s, v, t); });
  m.def("_arange", [](double a, double b, double step, ScalarType t) { return ops::arange(a, b, step, t); });
  m.def("_arange_int", [](int64_t a, int64_t b, int64_t step, ScalarType t) { return ops::arange_int(a, b, step, t); });
  m.def("_linspace", [](double a, double b, int64_t n, ScalarType t) { return ops::linspace(a, b, n, t); });
  m.def("_eye", [](int64_t n, int64_t mm, ScalarType t) { return ops::eye(n, mm, t); });
  m.def("_rand", [](const DimVector& s, ScalarType t) { return ops::rand(s, t); });
  m.def("_randn", [](const DimVector& s, ScalarType t) { return ops::randn(s, t); });
  m.def("_randint", [](int64_t lo, int64_t hi, const DimVector& s, ScalarType t) {
    return ops::randint(lo, hi, s, t);
  });
  m.def("from_numpy", &from_numpy, py::arg("ndarray"));
  m.def("_result_type", [](py::handle a, py::handle b) {
    return ops::result_type(as_tensor_arg(a, "result_type"), as_tensor_arg(b, "result_type"));
  });
  m.def("_scalar_tensor", [](const Scalar& s, ScalarType t) { return ops::scalar_tensor(s, t); });

  // free functions that mirror methods
  // add/sub/mul/div with out=: a number operand becomes a wrapped 0-d tensor
  auto out_arg = [](py::handle out, const char* fn) {
    ST_CHECK_T(is_tensor(out), TypeError, fn, "(): argument 'out' must be Tensor, not ", Py_TYPE(out.ptr())->tp_name);
    return unwrap(out.ptr());
  };
  m.def("add", [=](py::handle a, py::handle b, const Scalar& alpha, py::handle out) -> py::object {
    Tensor ta = as_tensor_arg(a, "add");
    Scalar s;
    if (!out.is_none()) {
      Tensor o = out_arg(out, "add");
      ops::add_out(o, ta, as_tensor_arg(b, "add"), alpha);
      return py::reinterpret_borrow<py::object>(out);
    }
    if (!is_tensor(b) && scalar_from_object(b, s)) return py::cast(ops::add(ta, s, alpha));
    return py::cast(ops::add(ta, as_tensor_arg(b, "add"), alpha));
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)),
     py::arg("out") = py::none());
  m.def("sub", [=](py::handle a, py::handle b, const Scalar& alpha, py::handle out) -> py::object {
    Tensor ta = as_tensor_arg(a, "sub");
    Scalar s;
    if (!out.is_none()) {
      Tensor o = out_arg(out, "sub");
      ops::sub_out(o, ta, as_tensor_arg(b, "sub"), alpha);
      return py::reinterpret_borrow<py::object>(out);
    }
    if (!is_tensor(b) && scalar_from_object(b, s)) return py::cast(ops::sub(ta, s, alpha));
    return py::cast(ops::sub(ta, as_tensor_arg(b, "sub"), alpha));
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)),
     py::arg("out") = py::none());
  m.def("mul", [=](py::handle a, py::handle b, py::handle out) -> py::object {
    Tensor ta = as_tensor_arg(a, "mul");
    Scalar s;
    if (!out.is_none()) {
      Tensor o = out_arg(out, "mul");
      ops::mul_out(o, ta, as_tensor_arg(b, "mul"));
      return py::reinterpret_borrow<py::object>(out);
    }
    if (!is_tensor(b) && scalar_from_object(b, s)) return py::cast(ops::mul(ta, s));
    return py::cast(ops::mul(ta, as_tensor_arg(b, "mul")));
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  m.def("div", [=](py::handle a, py::handle b, py::handle out) -> py::object {
    Tensor ta = as_tensor_arg(a, "div");
    Scalar s;
    if (!out.is_none()) {
      Tensor o = out_arg(out, "div");
      ops::div_out(o, ta, as_tensor_arg(b, "div"));
      return py::reinterpret_borrow<py::object>(out);
    }
    if (!is_tensor(b) && scalar_from_object(b, s)) return py::cast(ops::div(ta, s));
    return py::cast(ops::div(ta, as_tensor_arg(b, "div")));
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  m.def("pow", [](py::handle a, py::handle b) {
    Scalar s;
    if (!is_tensor(a) && scalar_from_object(a, s)) return ops::pow(s, as_tensor_arg(b, "pow"));
    Tensor ta = as_tensor_arg(a, "pow");
    if (!is_tensor(b) && scalar_from_object(b, s)) return ops::pow(ta, s);
    return ops::pow(ta, as_tensor_arg(b, "pow"));
  }, py::arg("input"), py::arg("exponent"));
}
