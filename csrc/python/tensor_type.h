// The Python type smalltorch.Tensor: a plain CPython extension type whose
// instances hold a st::Tensor. Arithmetic operators are C slots that call the
// ops directly (no pybind11 dispatch on the hottest path); every other method
// is a pybind11 function attached to the type by TensorClass::def.
#pragma once
#include <string>
#include <type_traits>
#include <vector>
#include <pybind11/pybind11.h>
#include "../core/profiler.h"
#include "../core/tensor.h"
#include "nogil.h"  // without_gil_if

namespace st::py_bind {

namespace py = pybind11;

// Ownership ("PyObject preservation", as in PyTorch): normally the Python
// object owns the tensor (`tensor` holds a strong reference) and the TensorImpl
// points back at it. When Python drops its last reference while C++ still uses
// the tensor (a graph node, a .grad), the object is kept alive with its
// attributes and ownership flips: the TensorImpl holds the object's one
// reference, `tensor` is empty and `borrowed` points at the TensorImpl. The
// object is still reachable from Python (weak references, gc.get_objects(),
// its own attributes) and stays a valid tensor: the first use from Python
// (unwrap) or wrap() flips ownership back. When the TensorImpl dies first, the
// release hook either frees the object or, if Python still holds it, gives it a
// history-free tensor over the same memory.
struct PyTensor {
  PyObject_HEAD
  Tensor tensor;
  std::weak_ptr<TensorImpl> borrowed;
  PyObject* dict;
  PyObject* weakrefs;
};

extern PyTypeObject* g_tensor_type;

inline bool is_tensor(PyObject* o) { return PyObject_TypeCheck(o, g_tensor_type); }
inline bool is_tensor(py::handle h) { return is_tensor(h.ptr()); }
// Makes a C++-owned object own its tensor again (the caller holds a reference).
void reclaim(PyTensor* o);
inline const Tensor& unwrap(PyObject* o) {
  auto* p = reinterpret_cast<PyTensor*>(o);
  if (__builtin_expect(!p->tensor.defined(), 0)) reclaim(p);
  return p->tensor;
}
// New reference to the (unique) Python object of t; None for an undefined tensor.
PyObject* wrap(Tensor t);

// A Python object C++ keeps (a hook, a custom Function's ctx, a packed saved
// tensor, a node's metadata dict): a strong reference, nullptr once cleared by
// the garbage collector; freeing it takes the GIL (a node may die on a thread
// without it).
struct PyRef {
  PyObject* obj;
  explicit PyRef(PyObject* o) : obj(o) { Py_XINCREF(o); }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef();
};

// A Python callable registered as a tensor hook. It lives in C++ (a node's or
// a leaf's hook list) where the garbage collector cannot see it, so the Tensor
// type's tp_traverse/tp_clear reach it through the tensor that owns the list
// (as they reach node hooks and post-accumulate-grad hooks, node_type.h).
struct PyHook {
  using Callable = PyRef;
  std::shared_ptr<Callable> callable;
  Tensor operator()(const Tensor& grad) const;
};

// Rough multiply-add count of a @ b, for without_gil_if.
inline int64_t matmul_work(const Tensor& a, const Tensor& b) {
  return a.numel() * (b.dim() >= 2 ? b.sizes()[b.dim() - 1] : 1);
}

// Number of arithmetic results written into a temporary operand so far.
int64_t elided_temporaries();
// Whether elision is sound on the interpreter with this PY_VERSION_HEX / sys.hexversion
// (not from 3.14 on), and whether this build does it.
bool elision_supported(unsigned long hexversion);
bool elision_enabled();

// Replaces x.sum / x.mean by C methods with a no-argument fast path that
// fall back to the pybind11 bindings already on the type (call after binding).
void install_fast_methods(py::handle type);

// Creates the type and adds it to the module as "Tensor".
py::handle make_tensor_type(py::module_& m);
// Sets the Python error for a st:: exception (IndexError, TypeError, ...) or
// bad_alloc; any other exception propagates (pybind11's translators see it).
void translate_st_exception(std::exception_ptr p);
// smalltorch._C._LinAlgError (a RuntimeError subclass; created by bind_lapack), raised for st::LinAlgError.
extern PyObject* g_linalg_error_type;
// Sets the Python error for the C++ exception being handled (used by the C slots).
void set_error_from_current_exception();

// Every name the binding files define is noted here, per scope ("smalltorch"
// for module functions, "Tensor" for methods and properties). A name defined
// twice in one scope (pybind11 chains the second as an overload, a property
// replaces the first), or over one the scope already had (defined_before),
// is listed by duplicate_bindings() as "scope.name".
void note_binding(const char* scope, const char* name, bool defined_before = false);
std::vector<std::string> duplicate_bindings();

// Every function and method bound through Module::def / TensorClass::def is
// wrapped so that, while smalltorch.profiler is on, each call is an event
// named "aten::<name>" with its input shapes (core/profiler.h); off, the
// wrapper costs one relaxed atomic load. Names starting with one underscore
// (private helpers) are not recorded.
std::string profiled_name(const char* name);
template <typename A>
void note_shape(profiler::Scope& s, const A& a) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same_v<D, Tensor>) {
    if (a.defined()) s.add_shape(a.sizes());
  } else if constexpr (std::is_base_of_v<py::handle, D>) {
    if (a.ptr() && is_tensor(a.ptr())) s.add_shape(reinterpret_cast<PyTensor*>(a.ptr())->tensor.defined()
                                                        ? reinterpret_cast<PyTensor*>(a.ptr())->tensor.sizes()
                                                        : DimVector{});
  }
}
template <typename F, typename Sig>
struct Profiled;
template <typename F, typename R, typename... A>
struct Profiled<F, R(A...)> {
  F f;
  std::string name;
  R operator()(A... a) const {
    if (!profiler::enabled() || name.empty()) return f(std::forward<A>(a)...);
    profiler::Scope scope(name, profiler::Kind::Op);
    if (profiler::recording_shapes()) (note_shape(scope, a), ...);
    return f(std::forward<A>(a)...);
  }
};
template <typename R, typename... A>
auto profiled_pointer(const char* name, R (*f)(A...)) {
  return Profiled<R (*)(A...), R(A...)>{f, profiled_name(name)};
}
template <typename F>
auto profiled(const char* name, F&& f) {
  using D = std::decay_t<F>;
  if constexpr (std::is_pointer_v<D>) {
    return profiled_pointer(name, f);
  } else {
    return Profiled<D, py::detail::function_signature_t<D>>{std::forward<F>(f), profiled_name(name)};
  }
}
// PyTorch also takes numpy's keyword names: axis= for dim=, keepdims= for keepdim=. A function with such an
// argument gets one more overload, after the others, that renames them and calls the function again. A call
// that needs no renaming never runs it (it declines, so pybind11 goes on to its conversion pass and its usual
// error), and the function keeps its one-overload docstring.
inline bool numpy_named(const py::arg& a) {
  return a.name && (std::string(a.name) == "dim" || std::string(a.name) == "keepdim");
}
inline bool numpy_named(const py::arg_v& a) { return numpy_named(static_cast<const py::arg&>(a)); }
template <typename E>
bool numpy_named(const E&) { return false; }
void add_numpy_names(py::handle owner, const char* name, bool method);

// The module smalltorch._C as the binding files see it: def() notes each name.
class Module : public py::module_ {
 public:
  explicit Module(const py::module_& m) : py::module_(m) {}
  template <typename F, typename... Extra>
  Module& def(const char* name, F&& f, const Extra&... extra) {
    note_binding("smalltorch", name, py::hasattr(*this, name));
    py::module_::def(name, profiled(name, std::forward<F>(f)), extra...);
    if ((numpy_named(extra) || ...)) add_numpy_names(*this, name, false);
    return *this;
  }
};

// Adds methods and properties to the Tensor type with the pybind11 class_ API
// (each name noted by note_binding).
class TensorClass {
 public:
  explicit TensorClass(py::handle type) : type_(type) {}
  template <typename F, typename... Extra>
  TensorClass& def(const char* name, F&& f, const Extra&... extra) {
    note_binding("Tensor", name, defined_here(name));
    py::cpp_function cf(profiled(name, std::forward<F>(f)), py::name(name), py::is_method(type_),
                        py::sibling(py::getattr(type_, name, py::none())), extra...);
    type_.attr(name) = cf;
    if ((numpy_named(extra) || ...)) add_numpy_names(type_, name, true);
    return *this;
  }
  template <typename G, typename... Extra>
  TensorClass& def_property_readonly(const char* name, G&& getter, const Extra&... extra) {
    note_binding("Tensor", name, defined_here(name));
    py::cpp_function g(std::forward<G>(getter), py::is_method(type_), extra...);
    type_.attr(name) = make_property(g, py::none());
    return *this;
  }
  template <typename G, typename S, typename... Extra>
  TensorClass& def_property(const char* name, G&& getter, S&& setter, const Extra&... extra) {
    note_binding("Tensor", name, defined_here(name));
    py::cpp_function g(std::forward<G>(getter), py::is_method(type_), extra...);
    py::cpp_function s(std::forward<S>(setter), py::is_method(type_), extra...);
    type_.attr(name) = make_property(g, s);
    return *this;
  }
  py::handle type() const { return type_; }

 private:
  bool defined_here(const char* name) const {  // in the type's own dict (not inherited from object)
    return PyDict_GetItemString(reinterpret_cast<PyTypeObject*>(type_.ptr())->tp_dict, name) != nullptr;
  }
  static py::object make_property(py::handle getter, py::handle setter) {
    py::object property = py::module_::import("builtins").attr("property");
    return property(getter, setter);
  }
  py::handle type_;
};

}  // namespace st::py_bind
