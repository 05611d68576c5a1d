// Autograd nodes as Python objects (what tensor.grad_fn returns).
//
// A plain CPython base type, smalltorch._C._Node, holds the node: strongly for
// a C++ node (the object is a view of it, made on first access and cached in
// NodeExtras::py_object while it lives), weakly for a custom Function's ctx (a Python
// object the node itself owns). Each C++ node name gets its own subclass, made
// the first time a node of that name reaches Python, so that
// type(y.grad_fn).__name__ is "MulBackward0" as in PyTorch; nothing of this
// runs when ops record nodes.
#pragma once
#include <pybind11/pybind11.h>
#include "../autograd/node.h"
#include "tensor_type.h"

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

// Python hooks on nodes (grad_fn.register_prehook / register_hook) and on
// leaves (register_post_accumulate_grad_hook), as named types so the Tensor
// type's garbage-collector support finds them (see PyHook in tensor_type.h).
struct PyPreHook {
  std::shared_ptr<PyRef> ref;
  autograd::TensorList operator()(const autograd::TensorList& grad_outputs) const;
};
struct PyPostHook {
  std::shared_ptr<PyRef> ref;
  autograd::TensorList operator()(const autograd::TensorList& grad_inputs,
                                  const autograd::TensorList& grad_outputs) const;
};
struct PyPostAccumulateHook {
  std::shared_ptr<PyRef> ref;
  void operator()(const Tensor& leaf) const;
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
