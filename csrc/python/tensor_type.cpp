#include "tensor_type.h"
#include <structmember.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>
#include "../autograd/node.h"
#include "../ops/ops.h"
#include "casters.h"
#include "node_type.h"

namespace st::py_bind {

PyTypeObject* g_tensor_type = nullptr;
PyObject* g_linalg_error_type = nullptr;

void translate_st_exception(std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const st::IndexError& e) {
    PyErr_SetString(PyExc_IndexError, e.what());
  } catch (const st::TypeError& e) {
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const st::ValueError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const st::NotImplementedError& e) {
    PyErr_SetString(PyExc_NotImplementedError, e.what());
  } catch (const st::LinAlgError& e) {
    PyErr_SetString(g_linalg_error_type ? g_linalg_error_type : PyExc_RuntimeError, e.what());
  } catch (const st::Error& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (const std::bad_alloc&) {
    PyErr_SetString(PyExc_MemoryError, "smalltorch: out of memory");
  } catch (const py::cast_error& e) {
    // an argument of the wrong type reached a .cast<>() (pybind11 would say RuntimeError): PyTorch's TypeError
    PyErr_SetString(PyExc_TypeError, st::str("argument of the wrong type: ", e.what()).c_str());
  }
}

void set_error_from_current_exception() {
  try {
    throw;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (...) {
    try {
      translate_st_exception(std::current_exception());
    } catch (const std::exception& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (...) {
      PyErr_SetString(PyExc_RuntimeError, "smalltorch: unknown C++ exception");
    }
  }
}

PyObject* wrap(Tensor t) {
  if (!t.defined()) Py_RETURN_NONE;
  TensorImpl* impl = t.impl();
  if (impl->python_object) {
    auto* o = static_cast<PyTensor*>(impl->python_object);
    if (!o->tensor.defined()) {
      // owned by the TensorImpl: its reference becomes the caller's
      o->tensor = std::move(t);
      o->borrowed.reset();
      return reinterpret_cast<PyObject*>(o);
    }
    Py_INCREF(o);
    return reinterpret_cast<PyObject*>(o);
  }
  auto* o = reinterpret_cast<PyTensor*>(g_tensor_type->tp_alloc(g_tensor_type, 0));
  if (!o) throw py::error_already_set();
  new (&o->tensor) Tensor(std::move(t));
  new (&o->borrowed) std::weak_ptr<TensorImpl>();
  impl->python_object = o;
  return reinterpret_cast<PyObject*>(o);
}

void reclaim(PyTensor* o) {
  ImplPtr impl = o->borrowed.lock();
  // Only possible while another thread is destroying the TensorImpl (its
  // release hook, waiting for the GIL, will give the object a tensor).
  if (!impl) throw st::Error("smalltorch: this tensor is being freed by another thread");
  o->tensor = Tensor(std::move(impl));
  o->borrowed.reset();
  // The TensorImpl's reference goes: the caller's keeps the object alive now.
  if (Py_REFCNT(o) > 1) Py_DECREF(o);
}

PyRef::~PyRef() {
  if (!obj || !Py_IsInitialized()) return;
  PyGILState_STATE g = PyGILState_Ensure();
  Py_CLEAR(obj);
  PyGILState_Release(g);
}

Tensor PyHook::operator()(const Tensor& g) const {
  if (!callable->obj) return Tensor();  // cleared by the garbage collector
  py::object fn = py::reinterpret_borrow<py::object>(callable->obj);
  py::object r = fn(g);
  if (r.is_none()) return Tensor();
  ST_CHECK_T(is_tensor(r), TypeError, "hook returned an object of type ", Py_TYPE(r.ptr())->tp_name,
             " but expected a Tensor or None");
  Tensor rt = unwrap(r.ptr());
  py::object n = py::getattr(fn, "__name__", py::none());
  const std::string name = n.is_none() ? std::string("<hook>") : py::str(n).cast<std::string>();
  ST_CHECK(rt.sizes() == g.sizes(), "hook '", name, "' has changed the size of value (was ", shape_str(g.sizes()),
           " got ", shape_str(rt.sizes()), ")");
  ST_CHECK(rt.dtype() == g.dtype(), "hook '", name, "' has changed the type of value (was ", dtype_name(g.dtype()),
           " got ", dtype_name(rt.dtype()), ")");
  return rt;
}

PyObject* g_tensor_new = nullptr;

void add_numpy_names(py::handle owner, const char* name, bool method) {
  py::object fn = py::getattr(owner, name);
  PyObject* cfn = PyInstanceMethod_Check(fn.ptr()) ? PyInstanceMethod_GET_FUNCTION(fn.ptr()) : fn.ptr();
  const char* doc = reinterpret_cast<PyCFunctionObject*>(cfn)->m_ml->ml_doc;
  std::string saved = doc ? doc : "";
  std::string fname = name;
  auto rename = [](const py::kwargs& kw) {
    py::dict out;
    bool renamed = false;
    for (auto item : kw) {
      std::string key = py::str(item.first);
      if (key == "axis" || key == "keepdims") {
        key = key == "axis" ? "dim" : "keepdim";
        renamed = true;
        ST_CHECK_T(!kw.contains(key.c_str()), TypeError, "argument '", key, "' given twice (as '", key,
                   "' and as numpy's '", py::str(item.first).cast<std::string>(), "')");
      }
      out[key.c_str()] = item.second;
    }
    if (!renamed) throw py::reference_cast_error();  // not ours: pybind11 tries the next overload
    return out;
  };
  if (method) {
    py::cpp_function extra(
        [fname, rename](py::handle self, const py::args& args, const py::kwargs& kw) {
          py::dict renamed = rename(kw);
          return py::getattr(self, fname.c_str())(*args, **renamed);
        },
        py::name(name), py::is_method(owner), py::sibling(fn));
    owner.attr(name) = extra;
  } else {
    py::module_ m = py::reinterpret_borrow<py::module_>(owner);
    m.def(name, [fname, rename](const py::args& args, const py::kwargs& kw) {
      py::dict renamed = rename(kw);
      return py::module_::import("smalltorch._C").attr(fname.c_str())(*args, **renamed);
    });
  }
  // the docstring pybind11 rebuilt for two overloads goes back to the first one's
  fn = py::getattr(owner, name);
  cfn = PyInstanceMethod_Check(fn.ptr()) ? PyInstanceMethod_GET_FUNCTION(fn.ptr()) : fn.ptr();
  PyMethodDef* def = reinterpret_cast<PyCFunctionObject*>(cfn)->m_ml;
  std::free(const_cast<char*>(def->ml_doc));
  def->ml_doc = strdup(saved.c_str());
}

namespace {

// Calls f on every Python hook held by t's autograd data that only t can reach:
// the leaf hooks, and the hooks of a grad_fn that t alone owns. Only valid when
// the Python object is t's sole owner (nothing else in C++ can reach them).
template <typename F>
int for_each_owned_hook(const Tensor& t, F&& f) {
  auto* m = autograd::get_meta(t);
  if (!m) return 0;
  for (auto& h : m->leaf_hooks)
    if (auto* p = h.second.target<PyHook>())
      if (int r = f(*p->callable)) return r;
  for (auto& h : m->post_accumulate_hooks)
    if (auto* p = h.second.target<PyPostAccumulateHook>())
      if (int r = f(*p->ref)) return r;
  if (m->grad_fn && m->grad_fn.use_count() == 1) {
    for (auto& h : m->grad_fn->tensor_hooks)
      if (auto* p = h.fn.target<PyHook>())
        if (int r = f(*p->callable)) return r;
    if (auto* x = m->grad_fn->extras.get()) {
      for (auto& h : x->pre_hooks)
        if (auto* p = h.second.target<PyPreHook>())
          if (int r = f(*p->ref)) return r;
      for (auto& h : x->post_hooks)
        if (auto* p = h.second.target<PyPostHook>())
          if (int r = f(*p->ref)) return r;
    }
  }
  return 0;
}

// C++ holds the tensor too: the object may be resurrected, so the collector
// must treat it as a root (traverse nothing) and never clear it.
inline bool shared_with_cpp(const PyTensor* o) { return o->tensor.defined() && o->tensor.use_count() > 1; }

void tensor_dealloc(PyObject* self) {
  auto* o = reinterpret_cast<PyTensor*>(self);
  if (shared_with_cpp(o) && Py_IsInitialized()) {
    // C++ still uses this tensor: keep the object (identity, attributes, weak
    // references) for when it comes back to Python; the TensorImpl now owns
    // this reference and the object only borrows the TensorImpl.
    Py_SET_REFCNT(self, 1);
    o->borrowed = o->tensor.impl_ptr();
    o->tensor = Tensor();
    return;
  }
  PyTypeObject* tp = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  if (o->weakrefs) PyObject_ClearWeakRefs(self);
  Py_CLEAR(o->dict);
  if (o->tensor.defined() && o->tensor.impl()->python_object == self) o->tensor.impl()->python_object = nullptr;
  o->tensor.~Tensor();
  o->borrowed.~weak_ptr();
  tp->tp_free(self);
  Py_DECREF(tp);
}

int tensor_traverse(PyObject* self, visitproc visit, void* arg) {
  auto* o = reinterpret_cast<PyTensor*>(self);
  Py_VISIT(Py_TYPE(self));
  if (shared_with_cpp(o)) return 0;
  Py_VISIT(o->dict);
  if (!o->tensor.defined()) return 0;  // owned by its TensorImpl: a root
  // A custom Function's ctx, owned by a grad_fn only this tensor holds (ctx.out = out makes a cycle)
  if (auto* m = autograd::get_meta(o->tensor); m && m->grad_fn && m->grad_fn.use_count() == 1)
    Py_VISIT(owned_ctx(*m->grad_fn));
  return for_each_owned_hook(o->tensor, [&](PyRef& c) {
    Py_VISIT(c.obj);
    return 0;
  });
}

int tensor_clear(PyObject* self) {
  auto* o = reinterpret_cast<PyTensor*>(self);
  if (shared_with_cpp(o)) return 0;
  Py_CLEAR(o->dict);
  if (!o->tensor.defined()) return 0;
  std::vector<PyObject*> dropped;  // released after the walk: a decref may run code that edits the lists
  for_each_owned_hook(o->tensor, [&](PyRef& c) {
    if (c.obj) dropped.push_back(std::exchange(c.obj, nullptr));
    return 0;
  });
  for (PyObject* f : dropped) Py_DECREF(f);
  return 0;
}

// smalltorch.Tensor(...) called directly (PyTorch's legacy constructor: data, sizes or nothing) is parsed by
// the Python package, which registers its constructor with _set_tensor_new (g_tensor_new); a subclass gets
// its own type.

PyObject* tensor_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  if (!g_tensor_new) {
    PyErr_SetString(PyExc_TypeError, "smalltorch.Tensor cannot be constructed before smalltorch is imported");
    return nullptr;
  }
  PyObject* result = PyObject_Call(g_tensor_new, args, kwargs);
  if (result && type != Py_TYPE(result) &&
      PyObject_SetAttrString(result, "__class__", reinterpret_cast<PyObject*>(type)) < 0) {
    Py_CLEAR(result);
  }
  return result;
}

// ---- temporary elision: in `a * 2 + 1` the product is a temporary nothing
// else can see, so `+ 1` may write into it instead of a new buffer (as numpy
// does). Nothing else can see it when Python holds the only reference, C++
// holds no other (no views, no graph, no .grad), and the call comes straight
// from the interpreter's eval loop: a C extension may pass a borrowed
// reference whose count is 1, so the native call stack is checked, which
// costs a few microseconds and is done only for large tensors.
constexpr int64_t kElideBytes = int64_t(256) << 10;
int64_t g_elided = 0;  // how many results were written into a temporary (for tests)

bool called_from_eval_loop() {
  static void* py_base = [] {
    Dl_info i;
    return dladdr(reinterpret_cast<void*>(&PyNumber_Add), &i) ? i.dli_fbase : nullptr;
  }();
  static void* my_base = [] {
    Dl_info i;
    return dladdr(reinterpret_cast<void*>(&called_from_eval_loop), &i) ? i.dli_fbase : nullptr;
  }();
  static void* eval = dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault");
  if (!py_base || !my_base || !eval || py_base == my_base) return false;
  void* frames[24];
  int n = backtrace(frames, 24);
  bool in_python = false;
  for (int k = 1; k < n; ++k) {
    Dl_info info;
    if (!dladdr(frames[k], &info)) return false;
    if (info.dli_fbase == my_base && !in_python) continue;  // this slot's own frames
    if (info.dli_fbase != py_base) return false;            // anything else between us and the eval loop
    in_python = true;
    if (info.dli_saddr == eval) return true;
  }
  return false;
}

// The reference count proves nothing from Python 3.14 on: the eval loop may
// keep borrowed references on its stack (so `a + 1` on a local `a` sees a
// count of 1), which is why numpy turned its elision off there too.
const bool g_elision = elision_supported(PY_VERSION_HEX);

// Cheap first test: x is large, held only by Python object a, and sees no autograd.
inline bool may_elide(PyObject* a, const Tensor& x) {
  return g_elision && Py_REFCNT(a) == 1 && is_floating(x.dtype()) &&
         x.numel() * static_cast<int64_t>(element_size(x.dtype())) >= kElideBytes && x.use_count() == 1 &&
         !autograd::get_meta(x);
}

// Whether x (the left operand, held by Python object a) may take the result of `x op other` in place.
bool elidable(const Tensor& x, ScalarType result, const DimVector& result_shape, bool other_requires_grad) {
  if (x.impl()->storage().use_count() != 1 || x.impl()->storage()->is_foreign() || !x.is_contiguous()) return false;
  if (x.dtype() != result || x.sizes() != result_shape || other_requires_grad) return false;
  return called_from_eval_loop();
}

// The result of an elided `x op= other`: x's buffer under a new tensor (and
// Python object), so the temporary's attributes and weak references stay with
// the temporary, which dies right after.
PyObject* elided_result(const Tensor& x) {
  ++g_elided;
  auto* i = x.impl();
  return wrap(Tensor(std::make_shared<TensorImpl>(i->storage(), i->offset(), i->sizes(), i->strides(), i->dtype())));
}

// ---- arithmetic slots: Tensor (op) Tensor, Tensor (op) number, number (op) Tensor
// tt/ts/st compute a new result; itt/its do `x op= other` for an elided temporary.
template <typename TT, typename TS, typename ST, typename ITT, typename ITS>
PyObject* binary_slot(const char* name, PyObject* a, PyObject* b, TT tt, TS ts, ST st, ITT itt, ITS its,
                      bool elide) noexcept {
  try {
    profiler::Scope scope(name, profiler::Kind::Op);
    if (scope.active() && profiler::recording_shapes())
      for (PyObject* o : {a, b})
        if (is_tensor(o)) scope.add_shape(unwrap(o).sizes());
    if (is_tensor(a)) {
      const Tensor& x = unwrap(a);
      if (is_tensor(b)) {
        const Tensor& y = unwrap(b);
        if (elide && may_elide(a, x) && y.numel() <= x.numel() &&
            elidable(x, ops::result_type(x, y), broadcast_shapes(x.sizes(), y.sizes()), autograd::requires_grad(y))) {
          Tensor self = x;
          without_gil_if(x.numel(), {&self, &y}, [&] { itt(self, y); });
          return elided_result(x);
        }
        return wrap(without_gil_if(std::max(x.numel(), y.numel()), {&x, &y}, [&] { return tt(x, y); }));
      }
      Scalar s;
      if (scalar_from_object(b, s)) {
        if (elide && may_elide(a, x) && elidable(x, ops::result_type(x, s), x.sizes(), false)) {
          Tensor self = x;
          without_gil_if(x.numel(), {&self}, [&] { its(self, s); });
          return elided_result(x);
        }
        return wrap(without_gil_if(x.numel(), {&x}, [&] { return ts(x, s); }));
      }
    } else {
      Scalar s;
      const Tensor& y = unwrap(b);
      if (scalar_from_object(a, s)) return wrap(without_gil_if(y.numel(), {&y}, [&] { return st(s, y); }));
    }
    Py_RETURN_NOTIMPLEMENTED;
  } catch (...) {
    set_error_from_current_exception();
    return nullptr;
  }
}

template <typename TT, typename TS>
PyObject* inplace_slot(const char* name, PyObject* a, PyObject* b, TT tt, TS ts) noexcept {
  try {
    profiler::Scope scope(name, profiler::Kind::Op);
    Tensor self = unwrap(a);
    if (is_tensor(b)) {
      const Tensor& y = unwrap(b);
      without_gil_if(self.numel(), {&self, &y}, [&] { tt(self, y); });
    } else {
      Scalar s;
      if (!scalar_from_object(b, s)) Py_RETURN_NOTIMPLEMENTED;
      without_gil_if(self.numel(), {&self}, [&] { ts(self, s); });
    }
    Py_INCREF(a);
    return a;
  } catch (...) {
    set_error_from_current_exception();
    return nullptr;
  }
}

using T = const Tensor&;
using S = const Scalar&;
using M = Tensor&;

PyObject* nb_add(PyObject* a, PyObject* b) {
  return binary_slot("aten::add", a, b, [](T x, T y) { return ops::add(x, y); }, [](T x, S s) { return ops::add(x, s); },
                     [](S s, T x) { return ops::add(x, s); }, [](M x, T y) { ops::add_(x, y); },
                     [](M x, S s) { ops::add_(x, s); }, true);
}
PyObject* nb_sub(PyObject* a, PyObject* b) {
  return binary_slot("aten::sub", a, b, [](T x, T y) { return ops::sub(x, y); }, [](T x, S s) { return ops::sub(x, s); },
                     [](S s, T x) { return ops::rsub(x, s); }, [](M x, T y) { ops::sub_(x, y); },
                     [](M x, S s) { ops::sub_(x, s); }, true);
}
PyObject* nb_mul(PyObject* a, PyObject* b) {
  return binary_slot("aten::mul", a, b, [](T x, T y) { return ops::mul(x, y); }, [](T x, S s) { return ops::mul(x, s); },
                     [](S s, T x) { return ops::mul(x, s); }, [](M x, T y) { ops::mul_(x, y); },
                     [](M x, S s) { ops::mul_(x, s); }, true);
}
PyObject* nb_truediv(PyObject* a, PyObject* b) {
  return binary_slot("aten::div", a, b, [](T x, T y) { return ops::div(x, y); }, [](T x, S s) { return ops::div(x, s); },
                     [](S s, T x) { return ops::rdiv(x, s); }, [](M x, T y) { ops::div_(x, y); },
                     [](M x, S s) { ops::div_(x, s); }, true);
}
PyObject* nb_pow(PyObject* a, PyObject* b, PyObject* mod) {
  if (mod != Py_None) {
    PyErr_SetString(PyExc_TypeError, "pow() with a modulus is not supported for tensors");
    return nullptr;
  }
  return binary_slot("aten::pow", a, b, [](T x, T y) { return ops::pow(x, y); }, [](T x, S s) { return ops::pow(x, s); },
                     [](S s, T x) { return ops::pow(s, x); }, [](M, T) {}, [](M, S) {}, false);
}
PyObject* nb_matmul(PyObject* a, PyObject* b) {
  try {
    if (!is_tensor(a) || !is_tensor(b)) Py_RETURN_NOTIMPLEMENTED;
    const Tensor &x = unwrap(a), &y = unwrap(b);
    profiler::Scope scope("aten::matmul", profiler::Kind::Op);
    if (scope.active() && profiler::recording_shapes()) { scope.add_shape(x.sizes()); scope.add_shape(y.sizes()); }
    return wrap(without_gil_if(matmul_work(x, y), {&x, &y}, [&] { return ops::matmul(x, y); }));
  } catch (...) {
    set_error_from_current_exception();
    return nullptr;
  }
}
PyObject* nb_negative(PyObject* a) {
  try {
    profiler::Scope scope("aten::neg", profiler::Kind::Op);
    return wrap(ops::neg(unwrap(a)));
  } catch (...) {
    set_error_from_current_exception();
    return nullptr;
  }
}
PyObject* nb_positive(PyObject* a) {
  Py_INCREF(a);
  return a;
}

PyObject* nb_iadd(PyObject* a, PyObject* b) {
  return inplace_slot("aten::add_", a, b, [](M x, T y) { ops::add_(x, y); }, [](M x, S s) { ops::add_(x, s); });
}
PyObject* nb_isub(PyObject* a, PyObject* b) {
  return inplace_slot("aten::sub_", a, b, [](M x, T y) { ops::sub_(x, y); }, [](M x, S s) { ops::sub_(x, s); });
}
PyObject* nb_imul(PyObject* a, PyObject* b) {
  return inplace_slot("aten::mul_", a, b, [](M x, T y) { ops::mul_(x, y); }, [](M x, S s) { ops::mul_(x, s); });
}
PyObject* nb_itruediv(PyObject* a, PyObject* b) {
  return inplace_slot("aten::div_", a, b, [](M x, T y) { ops::div_(x, y); }, [](M x, S s) { ops::div_(x, s); });
}
PyObject* nb_ipow(PyObject* a, PyObject* b, PyObject*) {
  return inplace_slot("aten::pow_", a, b, [](M x, T y) { ops::pow_(x, y); }, [](M x, S s) { ops::pow_(x, s); });
}

PyMemberDef tensor_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(PyTensor, dict), READONLY, nullptr},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PyTensor, weakrefs), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

// t.__dict__ (the attributes set on a tensor), for copy, deepcopy and pickle
PyGetSetDef tensor_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot tensor_slots[] = {
    {Py_tp_getset, tensor_getset},
    {Py_tp_dealloc, reinterpret_cast<void*>(tensor_dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(tensor_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(tensor_clear)},
    {Py_tp_new, reinterpret_cast<void*>(tensor_new)},
    {Py_tp_members, tensor_members},
    {Py_tp_doc, const_cast<char*>("A multi-dimensional array with autograd support (smalltorch.Tensor).")},
    {Py_nb_add, reinterpret_cast<void*>(nb_add)},
    {Py_nb_subtract, reinterpret_cast<void*>(nb_sub)},
    {Py_nb_multiply, reinterpret_cast<void*>(nb_mul)},
    {Py_nb_true_divide, reinterpret_cast<void*>(nb_truediv)},
    {Py_nb_power, reinterpret_cast<void*>(nb_pow)},
    {Py_nb_negative, reinterpret_cast<void*>(nb_negative)},
    {Py_nb_matrix_multiply, reinterpret_cast<void*>(nb_matmul)},
    {Py_nb_positive, reinterpret_cast<void*>(nb_positive)},
    {Py_nb_inplace_add, reinterpret_cast<void*>(nb_iadd)},
    {Py_nb_inplace_subtract, reinterpret_cast<void*>(nb_isub)},
    {Py_nb_inplace_multiply, reinterpret_cast<void*>(nb_imul)},
    {Py_nb_inplace_true_divide, reinterpret_cast<void*>(nb_itruediv)},
    {Py_nb_inplace_power, reinterpret_cast<void*>(nb_ipow)},
    {0, nullptr},
};

}  // namespace

void release_python_object(void* p, TensorImpl* dying) {
  if (!Py_IsInitialized()) return;
  PyGILState_STATE g = PyGILState_Ensure();
  auto* o = static_cast<PyTensor*>(p);
  if (Py_REFCNT(o) > 1) {
    // Python reached the object again (a weak reference, gc.get_objects())
    // but has not used it since: it keeps the same memory, history and
    // attributes under a new TensorImpl.
    auto impl = std::make_shared<TensorImpl>(dying->storage(), dying->offset(), dying->sizes(), dying->strides(),
                                             dying->dtype(), dying->version_counter());
    impl->is_wrapped_number = dying->is_wrapped_number;
    impl->is_view = dying->is_view;
    impl->set_autograd_meta(dying->take_autograd_meta());
    impl->set_view_meta(dying->take_view_meta());
    impl->python_object = o;
    o->borrowed.reset();
    o->tensor = Tensor(std::move(impl));
  }
  Py_DECREF(o);  // the TensorImpl's reference; with no other, a plain dealloc (its tensor is empty)
  PyGILState_Release(g);
}

namespace {

// ---- methods with a no-argument fast path (x.sum(), x.mean()); any other
// call goes to the full pybind11 binding installed earlier under that name.
PyObject* g_sum_full = nullptr;
PyObject* g_mean_full = nullptr;

PyObject* call_full(PyObject* full, PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  // prepend self to the positional arguments
  std::vector<PyObject*> all(static_cast<size_t>(nargs) + 1 + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0));
  all[0] = self;
  for (size_t i = 1; i < all.size(); ++i) all[i] = args[i - 1];
  return PyObject_Vectorcall(full, all.data(), static_cast<size_t>(nargs) + 1, kwnames);
}

template <Tensor (*Op)(const Tensor&, std::optional<ScalarType>)>
PyObject* fast_reduce(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PyObject* full) {
  if (nargs != 0 || kwnames) return call_full(full, self, args, nargs, kwnames);
  try {
    const Tensor& t = unwrap(self);
    return wrap(without_gil_if(t.numel(), {&t}, [&] { return Op(t, std::nullopt); }));
  } catch (...) {
    set_error_from_current_exception();
    return nullptr;
  }
}

Tensor sum_all(const Tensor& t, std::optional<ScalarType> d) { return ops::sum(t, d); }
Tensor mean_all(const Tensor& t, std::optional<ScalarType> d) { return ops::mean(t, d); }

PyObject* method_sum(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  profiler::Scope scope("aten::sum", profiler::Kind::Op);
  if (scope.active() && profiler::recording_shapes() && is_tensor(self)) scope.add_shape(unwrap(self).sizes());
  return fast_reduce<sum_all>(self, args, nargs, kwnames, g_sum_full);
}
PyObject* method_mean(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  profiler::Scope scope("aten::mean", profiler::Kind::Op);
  if (scope.active() && profiler::recording_shapes() && is_tensor(self)) scope.add_shape(unwrap(self).sizes());
  return fast_reduce<mean_all>(self, args, nargs, kwnames, g_mean_full);
}

PyMethodDef g_fast_methods[] = {
    {"sum", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method_sum)), METH_FASTCALL | METH_KEYWORDS,
     // CPython's text-signature form: help() and inspect.signature() show the parameters
     "sum($self, /, dim=None, keepdim=False, *, dtype=None)\n--\n\n"
     "Method form of `smalltorch.sum`, with this tensor as `input`: the sum of all elements, or over `dim`."},
    {"mean", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method_mean)), METH_FASTCALL | METH_KEYWORDS,
     "mean($self, /, dim=None, keepdim=False, *, dtype=None)\n--\n\n"
     "Method form of `smalltorch.mean`, with this tensor as `input`: the mean of all elements, or over `dim`."},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

int64_t elided_temporaries() { return g_elided; }

// The private bindings that are ops (the kernels the Python layer's functions
// call), with the name of the event PyTorch records for the same work.
constexpr std::pair<const char*, const char*> kPrivateOps[] = {
    {"_convolution", "aten::_convolution"}, {"_conv_winograd", "aten::_convolution"},
    {"_max_pool2d_with_indices", "aten::max_pool2d_with_indices"}, {"_avg_pool2d", "aten::avg_pool2d"},
    {"_adaptive_avg_pool2d", "aten::adaptive_avg_pool2d"}, {"_adaptive_max_pool2d", "aten::adaptive_max_pool2d"},
    {"_native_batch_norm", "aten::native_batch_norm"}, {"_native_layer_norm", "aten::native_layer_norm"},
    {"_native_group_norm", "aten::native_group_norm"}, {"_embedding", "aten::embedding"},
    {"_dropout_mask", "aten::bernoulli_"}, {"_nll_loss", "aten::nll_loss_forward"}, {"_mse_loss", "aten::mse_loss"},
    {"_binary_cross_entropy_with_logits", "aten::binary_cross_entropy_with_logits"},
    {"_binary_cross_entropy", "aten::binary_cross_entropy"}, {"_smooth_l1_loss", "aten::smooth_l1_loss"},
    {"_huber_loss", "aten::huber_loss"}, {"_nn_glu", "aten::glu"}, {"_rnn_layer", "aten::mkldnn_rnn_layer"},
    {"_foreach_sgd", "aten::_foreach_sgd"}, {"_foreach_adam", "aten::_foreach_adam"},
    {"_foreach_rmsprop", "aten::_foreach_rmsprop"}, {"_foreach_adagrad", "aten::_foreach_adagrad"},
    {"_foreach_adadelta", "aten::_foreach_adadelta"}, {"_empty", "aten::empty"}, {"_zeros", "aten::zeros"},
    {"_ones", "aten::ones"}, {"_full", "aten::full"}, {"_arange", "aten::arange"}, {"_arange_int", "aten::arange"},
    {"_linspace", "aten::linspace"}, {"_eye", "aten::eye"}, {"_rand", "aten::rand"}, {"_randn", "aten::randn"},
    {"_randint", "aten::randint"}, {"_randperm", "aten::randperm"}, {"_bernoulli", "aten::bernoulli"},
    {"_bernoulli_scalar", "aten::bernoulli"}, {"_multinomial", "aten::multinomial"}, {"_poisson", "aten::poisson"},
    {"_standard_gamma", "aten::_standard_gamma"}, {"_linalg_det", "aten::linalg_det"},
    {"_linalg_slogdet", "aten::linalg_slogdet"}, {"_logdet", "aten::logdet"}, {"_linalg_inv_ex", "aten::linalg_inv_ex"},
    {"_linalg_solve_ex", "aten::linalg_solve_ex"}, {"_linalg_cholesky_ex", "aten::linalg_cholesky_ex"},
    {"_linalg_qr", "aten::linalg_qr"}, {"_linalg_eigh", "aten::linalg_eigh"}, {"_linalg_svd", "aten::linalg_svd"},
    {"_linalg_lu_factor_ex", "aten::linalg_lu_factor_ex"}, {"_linalg_lu_solve", "aten::linalg_lu_solve"},
    {"_lu_unpack", "aten::lu_unpack"}, {"_linalg_solve_triangular", "aten::linalg_solve_triangular"},
    {"_linalg_vector_norm", "aten::linalg_vector_norm"},
};

// Public bindings that only read metadata: not ops, and PyTorch records no event for them.
constexpr const char* kNotOps[] = {"dim", "ndimension", "size", "stride", "numel", "nelement", "element_size",
                                   "get_default_dtype", "is_floating_point", "is_complex", "is_contiguous",
                                   "data_ptr", "storage_offset", "is_signed"};

std::string profiled_name(const char* name) {
  std::string n = name;
  for (const char* query : kNotOps)
    if (n == query) return "";
  if (n.size() > 4 && n.compare(0, 2, "__") == 0 && n.compare(n.size() - 2, 2, "__") == 0) return "aten::" + n.substr(2, n.size() - 4);
  if (n.empty() || n[0] != '_') return "aten::" + n;
  for (const auto& [binding, event] : kPrivateOps)
    if (n == binding) return event;
  return "";  // the other private helpers (the profiler's own, engine entry points, settings) are not ops
}
bool elision_supported(unsigned long hexversion) { return hexversion < 0x030E0000UL; }
bool elision_enabled() { return g_elision; }

void install_fast_methods(py::handle type) {
  auto* tp = reinterpret_cast<PyTypeObject*>(type.ptr());
  g_sum_full = py::getattr(type, "sum").release().ptr();   // kept for the life of the module
  g_mean_full = py::getattr(type, "mean").release().ptr();
  for (PyMethodDef* d = g_fast_methods; d->ml_name; ++d) {
    py::object descr = py::reinterpret_steal<py::object>(PyDescr_NewMethod(tp, d));
    if (!descr) throw py::error_already_set();
    type.attr(d->ml_name) = descr;
  }
}

py::handle make_tensor_type(py::module_& m) {
  tensor_release_hook = &release_python_object;
  PyType_Spec spec = {"smalltorch.Tensor", sizeof(PyTensor), 0,
                      Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE, tensor_slots};
  PyObject* type = PyType_FromSpec(&spec);
  if (!type) throw py::error_already_set();
  g_tensor_type = reinterpret_cast<PyTypeObject*>(type);
  m.attr("Tensor") = py::handle(type);  // the module holds a reference; so does g_tensor_type (never freed)
  return type;
}

}  // namespace st::py_bind
