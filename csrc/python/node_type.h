// Autograd nodes as Python objects (what tensor.grad_fn returns).
//
// A plain CPython base type, smalltorch._C._Node, holds the node: strongly for
// a C++ node (the object is a view of it, made on first access and cached in
// Node::py_object while it lives), weakly for a custom Function's ctx (a Python
// object the node itself owns). Each C++ node name gets its own subclass, made
// the first time a node of that name reaches Python, so that
// type(y.grad_fn).__name__ is "MulBackward0" as in PyTorch; nothing of this
// runs when ops record nodes.
#pragma once
#include <pybind11/pybind11.h>
#include "../autograd/node.h"

namespace st::py_bind {

namespace py = pybind11;

struct PyNodeObject {
  PyObject_HEAD
  autograd::NodePtr node;              // a C++ node's object owns it
  std::weak_ptr<autograd::Node> weak;  // a custom Function's ctx is owned by it
  PyObject* weakrefs;
};

extern PyTypeObject* g_node_type;

inline bool is_node_object(PyObject* o) { return g_node_type && PyObject_TypeCheck(o, g_node_type); }

// A Python object the C++ side keeps (hooks, pack results, metadata dicts):
// freeing it takes the GIL, since a node may die on a thread without it.
struct PyRef {
  PyObject* obj;
  explicit PyRef(PyObject* o) : obj(o) { Py_XINCREF(o); }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef();
};

// The ctx object a custom Function's node owns (nullptr for any other node):
// the garbage collector reaches it through the tensors whose grad_fn it is.
PyObject* owned_ctx(const autograd::Node& n);

// Module setup: the node type, its methods, anomaly mode and saved-tensor hooks.
class Module;
void bind_nodes(Module& m);
// Custom autograd Functions (py_function.cpp).
void bind_functions(Module& m);

}  // namespace st::py_bind
