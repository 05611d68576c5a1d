// The Python face of autograd nodes (see node_type.h): the _Node base type,
// one subclass per node name, the node API (name, next_functions, metadata,
// hooks, _saved_* attributes), anomaly mode's stack records and the
// saved-tensor pack/unpack hooks.
#include "node_type.h"
#include <string>
#include <unordered_map>
#include <structmember.h>
#include "bind_util.h"

namespace st::py_bind {

namespace ag = st::autograd;

PyTypeObject* g_node_type = nullptr;

namespace {

PyObject* node_new(PyTypeObject* type, PyObject*, PyObject*) {
  auto* o = reinterpret_cast<PyNodeObject*>(type->tp_alloc(type, 0));
  if (!o) return nullptr;
  new (&o->node) ag::NodePtr();
  new (&o->weak) std::weak_ptr<ag::Node>();
  o->weakrefs = nullptr;
  return reinterpret_cast<PyObject*>(o);
}

void node_dealloc(PyObject* self) {
  auto* o = reinterpret_cast<PyNodeObject*>(self);
  PyTypeObject* tp = Py_TYPE(self);
  if (o->weakrefs) PyObject_ClearWeakRefs(self);
  if (o->node && o->node->extras && o->node->extras->py_object == self) o->node->extras->py_object = nullptr;
  ag::NodePtr n = std::move(o->node);
  using NodeRef = ag::NodePtr;
  o->node.~NodeRef();
  o->weak.~weak_ptr();
  tp->tp_free(self);
  Py_DECREF(tp);
  ag::release_node(std::move(n));  // after the object is gone: freeing a graph may free other node objects
}

PyMemberDef node_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PyNodeObject, weakrefs), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot node_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(node_dealloc)},
    {Py_tp_new, reinterpret_cast<void*>(node_new)},
    {Py_tp_members, node_members},
    {Py_tp_doc, const_cast<char*>("An autograd graph node (a tensor's grad_fn); see smalltorch.autograd.graph.Node.")},
    {0, nullptr},
};

// The Python name of a node: "torch::autograd::AccumulateGrad" is class AccumulateGrad, as in PyTorch.
std::string class_name(const char* name) {
  std::string s(name);
  auto pos = s.rfind("::");
  return pos == std::string::npos ? s : s.substr(pos + 2);
}

py::object saved_value(const ag::Node& n, const ag::SavedField& f) {
  using K = ag::SavedField::Kind;
  switch (f.kind) {
    case K::Saved:
      if (!f.saved->defined()) return py::none();
      return py::reinterpret_steal<py::object>(wrap(f.saved->unpack(n)));
    case K::Tensor:
      return py::reinterpret_steal<py::object>(wrap(f.tensor));
    case K::Number:
      return scalar_to_object(f.number);
    case K::Ints: {
      py::tuple t(f.ints.size());
      for (size_t i = 0; i < f.ints.size(); ++i) t[i] = py::int_(f.ints[i]);
      return std::move(t);
    }
    case K::None:
      break;
  }
  return py::none();
}

ag::NodePtr checked_node(py::handle self) {
  ag::NodePtr n = node_of(self.ptr());
  if (!n) throw py::value_error("this autograd node is no longer part of a graph");
  return n;
}

// grad_fn._saved_<name>: AttributeError when the node saved nothing by that name.
py::object saved_attr(py::handle self, const std::string& attr) {
  ag::NodePtr n = node_of(self.ptr());
  if (n && attr.rfind("_saved_", 0) == 0) {
    std::vector<ag::SavedField> fields;
    n->saved_fields(fields);
    for (auto& f : fields)
      if (attr.compare(7, std::string::npos, f.name) == 0) return saved_value(*n, f);
  }
  std::string tp = reinterpret_cast<PyTypeObject*>(Py_TYPE(self.ptr()))->tp_name;
  auto dot = tp.rfind('.');
  if (dot != std::string::npos) tp = tp.substr(dot + 1);
  throw py::attribute_error("'" + tp + "' object has no attribute '" + attr + "'");
}

// One subclass of _Node per node name, made on first use; it lists the
// node's saved values as properties (so dir(grad_fn) shows them).
std::unordered_map<std::string, PyObject*> g_classes;  // never freed (as the module's types)

PyTypeObject* class_for(const ag::Node& n) {
  std::string name = class_name(n.name());
  auto it = g_classes.find(name);
  if (it != g_classes.end()) return reinterpret_cast<PyTypeObject*>(it->second);
  py::dict ns;
  ns["__slots__"] = py::tuple();
  ns["__module__"] = "builtins";  // as PyTorch's node classes: repr <MulBackward0 object at ...>
  py::object cls = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(
      name, py::make_tuple(py::handle(reinterpret_cast<PyObject*>(g_node_type))), ns);
  std::vector<ag::SavedField> fields;
  n.saved_fields(fields);
  py::object property = py::module_::import("builtins").attr("property");
  for (auto& f : fields) {
    std::string attr = std::string("_saved_") + f.name;
    cls.attr(attr.c_str()) = property(py::cpp_function([attr](py::handle self) { return saved_attr(self, attr); }));
  }
  g_classes[name] = cls.ptr();
  return reinterpret_cast<PyTypeObject*>(cls.release().ptr());
}

// ---- metadata: a dict per node, kept on the node (PyTorch's node.metadata)
struct PyNodeAnnex : ag::NodeAnnex {
  PyRef dict;
  PyNodeAnnex() : dict(nullptr) { dict.obj = PyDict_New(); }
};

py::dict metadata_of(ag::Node& n) {
  auto& x = n.get_extras();
  if (!x.annex) x.annex = std::make_unique<PyNodeAnnex>();
  return py::reinterpret_borrow<py::dict>(static_cast<PyNodeAnnex*>(x.annex.get())->dict.obj);
}

// ---- anomaly mode: the Python stack where a node was made, shown when its backward fails
struct PyAnomalyHandler : ag::AnomalyHandler {
  void store_stack(ag::Node& n) override {
    py::gil_scoped_acquire gil;
    if (!Py_IsInitialized()) return;
    try {
      py::dict md = metadata_of(n);
      md["traceback_"] = py::module_::import("traceback").attr("format_stack")();
      if (ag::Node* parent = ag::anomaly_parent())
        md["parent_"] = py::reinterpret_steal<py::object>(wrap_node(parent->shared_from_this()));
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("smalltorch anomaly mode: recording the forward stack");
    }
  }
  void print_stack(const ag::Node& n) override {
    py::gil_scoped_acquire gil;
    // the node's forward stack, then (one warning each, as PyTorch) for a node made by a
    // backward, the stacks of the nodes whose backward made it
    auto warn = [](const std::string& msg) {
      if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
    };
    std::string head = "Error detected in " + class_name(n.name()) + ". ";
    py::dict md = metadata_dict(n);
    if (!md.contains("traceback_")) {
      warn(head + "No forward pass information available. Enable detect anomaly during forward pass for more "
           "information.");
      return;
    }
    warn(head + "Traceback of forward call that caused the error:\n" + join(md["traceback_"]));
    for (int depth = 0; md.contains("parent_") && depth < 100; ++depth) {
      ag::NodePtr parent = node_of(py::object(md["parent_"]).ptr());
      if (!parent) break;
      md = metadata_dict(*parent);
      head = "\n\nPrevious calculation was induced by " + class_name(parent->name()) + ". ";
      if (!md.contains("traceback_")) {
        warn(head + "No forward pass information available.");
        break;
      }
      warn(head + "Traceback of forward call that induced the previous calculation:\n" + join(md["traceback_"]));
    }
  }

 private:
  static py::dict metadata_dict(const ag::Node& n) {
    if (n.extras && n.extras->annex)
      return py::reinterpret_borrow<py::dict>(static_cast<PyNodeAnnex*>(n.extras->annex.get())->dict.obj);
    return py::dict();
  }
  static std::string join(py::handle lines) { return py::str("").attr("join")(lines).cast<std::string>(); }
};
PyAnomalyHandler g_anomaly_handler;

// ---- saved_tensors_hooks: Python pack/unpack around every tensor saved for backward
struct PySavedHooks : ag::SavedTensorHooks {
  std::shared_ptr<PyRef> pack_fn, unpack_fn;
  std::unique_ptr<PyRef> packed;
  void pack(const Tensor& t) override {
    py::gil_scoped_acquire gil;
    py::object r = py::reinterpret_borrow<py::object>(pack_fn->obj)(py::reinterpret_steal<py::object>(wrap(t)));
    packed = std::make_unique<PyRef>(r.ptr());
  }
  Tensor unpack() override {
    py::gil_scoped_acquire gil;
    ST_CHECK(packed, "saved tensor hooks: the pack hook did not finish");
    py::object r = py::reinterpret_borrow<py::object>(unpack_fn->obj)(py::handle(packed->obj));
    ST_CHECK_T(is_tensor(r), TypeError, "Output of saved tensor unpack_hook expected to be a Tensor but got result of "
               "type ", Py_TYPE(r.ptr())->tp_name);
    return unwrap(r.ptr());
  }
};

struct PySavedHooksFactory : ag::SavedTensorHooksFactory {
  std::shared_ptr<PyRef> pack_fn, unpack_fn;
  std::unique_ptr<ag::SavedTensorHooks> make() override {
    auto h = std::make_unique<PySavedHooks>();
    h->pack_fn = pack_fn;
    h->unpack_fn = unpack_fn;
    return h;
  }
};

// ---- node hooks
py::tuple grads_tuple(const ag::TensorList& gs) {
  py::tuple t(gs.size());
  for (size_t i = 0; i < gs.size(); ++i) t[i] = py::reinterpret_steal<py::object>(wrap(gs[i]));
  return t;
}

std::string hook_name(py::handle fn) {
  py::object n = py::getattr(fn, "__name__", py::none());
  return n.is_none() ? std::string("<hook>") : py::str(n).cast<std::string>();
}

// A hook's result: None keeps the gradients (empty list), else one Tensor or None per gradient.
ag::TensorList hook_result(py::handle fn, py::object r, size_t want) {
  if (r.is_none()) return {};
  ST_CHECK_T(PyTuple_Check(r.ptr()) || PyList_Check(r.ptr()), TypeError, "hook '", hook_name(fn),
             "' returned an object of type ", Py_TYPE(r.ptr())->tp_name, " but expected a tuple or list of Tensors");
  py::sequence seq = py::reinterpret_borrow<py::sequence>(r);
  ST_CHECK(static_cast<size_t>(py::len(seq)) == want, "hook '", hook_name(fn),
           "' has returned an incorrect number of values (got ", py::len(seq), ", but expected ", want, ")");
  ag::TensorList out(want);
  for (size_t i = 0; i < want; ++i) {
    py::object x = seq[i];
    if (x.is_none()) continue;
    ST_CHECK_T(is_tensor(x), TypeError, "hook '", hook_name(fn), "' returned an object of type ",
               Py_TYPE(x.ptr())->tp_name, " at position ", i, " but expected a Tensor or None");
    out[i] = unwrap(x.ptr());
  }
  return out;
}

int g_node_hook_id = 0;

template <typename List>
py::cpp_function remover(const ag::NodePtr& n, List ag::NodeExtras::*list, int id) {
  std::weak_ptr<ag::Node> w = n;
  return py::cpp_function([w, list, id] {
    if (auto n = w.lock())
      if (n->extras) {
        auto& l = (*n->extras).*list;
        for (auto it = l.begin(); it != l.end(); ++it)
          if (it->first == id) {
            l.erase(it);
            break;
          }
      }
  });
}

template <typename F>
void def_method(py::handle type, const char* name, F&& f) {
  type.attr(name) = py::cpp_function(std::forward<F>(f), py::name(name), py::is_method(type));
}
template <typename F>
void def_property(py::handle type, const char* name, F&& f) {
  py::object property = py::module_::import("builtins").attr("property");
  type.attr(name) = property(py::cpp_function(std::forward<F>(f), py::is_method(type)));
}

}  // namespace

// The hooks keep nothing but the callable (a cleared one, nullptr, does nothing).
ag::TensorList PyPreHook::operator()(const ag::TensorList& go) const {
  py::gil_scoped_acquire gil;
  if (!ref->obj) return {};
  py::handle f(ref->obj);
  return hook_result(f, f(grads_tuple(go)), go.size());
}

ag::TensorList PyPostHook::operator()(const ag::TensorList& gi, const ag::TensorList& go) const {
  py::gil_scoped_acquire gil;
  if (!ref->obj) return {};
  py::handle f(ref->obj);
  return hook_result(f, f(grads_tuple(gi), grads_tuple(go)), gi.size());
}

void PyPostAccumulateHook::operator()(const Tensor& leaf) const {
  py::gil_scoped_acquire gil;
  if (!ref->obj) return;
  py::object r = py::reinterpret_borrow<py::object>(ref->obj)(py::reinterpret_steal<py::object>(wrap(leaf)));
  ST_CHECK(r.is_none(), "post accumulate grad hooks should not return anything (got ", Py_TYPE(r.ptr())->tp_name,
           ")");
}

PyObject* wrap_node(const ag::NodePtr& n) {
  if (!n) Py_RETURN_NONE;
  ag::NodeExtras& x = n->get_extras();
  if (x.py_object) {
    Py_INCREF(static_cast<PyObject*>(x.py_object));
    return static_cast<PyObject*>(x.py_object);
  }
  PyTypeObject* cls = class_for(*n);
  auto* o = reinterpret_cast<PyNodeObject*>(node_new(cls, nullptr, nullptr));
  if (!o) throw py::error_already_set();
  o->node = n;
  x.py_object = o;
  return reinterpret_cast<PyObject*>(o);
}

ag::NodePtr node_of(PyObject* o) {
  if (!is_node_object(o)) return nullptr;
  auto* p = reinterpret_cast<PyNodeObject*>(o);
  return p->node ? p->node : p->weak.lock();
}

void bind_nodes(Module& m) {
  PyType_Spec spec = {"smalltorch._C._Node", sizeof(PyNodeObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                      node_slots};
  PyObject* type = PyType_FromSpec(&spec);
  if (!type) throw py::error_already_set();
  g_node_type = reinterpret_cast<PyTypeObject*>(type);
  m.attr("_Node") = py::handle(type);  // the module and g_node_type hold it (never freed)
  py::handle t(type);

  def_method(t, "name", [](py::handle self) -> std::string {
    ag::NodePtr n = node_of(self.ptr());
    if (!n) return py::str(py::type::handle_of(self).attr("__name__"));
    return n->name();
  });
  def_property(t, "next_functions", [](py::handle self) {
    ag::NodePtr n = node_of(self.ptr());
    if (!n) return py::tuple();
    py::tuple r(n->next_edges.size());
    for (size_t i = 0; i < n->next_edges.size(); ++i)
      r[i] = py::make_tuple(py::reinterpret_steal<py::object>(wrap_node(n->next_edges[i].fn)),
                            n->next_edges[i].input_nr);
    return r;
  });
  def_property(t, "metadata", [](py::handle self) { return metadata_of(*checked_node(self)); });
  def_method(t, "_sequence_nr", [](py::handle self) { return checked_node(self)->sequence_nr; });
  def_property(t, "variable", [](py::handle self) -> py::object {
    ag::NodePtr n = node_of(self.ptr());
    if (auto* acc = dynamic_cast<ag::AccumulateGrad*>(n.get())) return py::cast(acc->variable);
    throw py::attribute_error("'" + class_name(n ? n->name() : "Node") + "' object has no attribute 'variable'");
  });
  def_method(t, "__getattr__", [](py::handle self, const std::string& attr) { return saved_attr(self, attr); });

  // fn(grad_inputs, grad_outputs) after the node ran; returns (handle id, remover)
  def_method(t, "_register_hook", [](py::handle self, py::function fn) {
    ag::NodePtr n = checked_node(self);
    int id = ++g_node_hook_id;
    n->get_extras().post_hooks.push_back({id, PyPostHook{std::make_shared<PyRef>(fn.ptr())}});
    return remover(n, &ag::NodeExtras::post_hooks, id);
  });
  // fn(grad_outputs) before the node runs
  def_method(t, "_register_prehook", [](py::handle self, py::function fn) {
    ag::NodePtr n = checked_node(self);
    int id = ++g_node_hook_id;
    n->get_extras().pre_hooks.push_back({id, PyPreHook{std::make_shared<PyRef>(fn.ptr())}});
    return remover(n, &ag::NodeExtras::pre_hooks, id);
  });

  def_method(t, "__call__", [](py::handle self, py::args args) {
    // As the engine calls it: one gradient per forward output (None for
    // none); nothing runs when none is given, zeros stand in for the rest.
    ag::NodePtr np = checked_node(self);
    ag::Node& n = *np;
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
    py::tuple r = grads_tuple(outs);
    return outs.size() == 1 ? py::object(r[0]) : py::object(r);
  });

  // anomaly mode
  ag::set_anomaly_handler(&g_anomaly_handler);
  m.def("set_anomaly_enabled", [](bool on, bool check_nan) { ag::AnomalyMode::set(on, check_nan); },
        py::arg("enabled").noconvert(), py::arg("check_nan").noconvert() = true);
  m.def("is_anomaly_enabled", [] { return ag::AnomalyMode::is_enabled(); });
  m.def("is_anomaly_check_nan_enabled", [] { return ag::AnomalyMode::check_nan(); });

  // saved_tensors_hooks
  m.def("_push_saved_tensors_default_hooks", [](py::function pack, py::function unpack) {
    auto f = std::make_shared<PySavedHooksFactory>();
    f->pack_fn = std::make_shared<PyRef>(pack.ptr());
    f->unpack_fn = std::make_shared<PyRef>(unpack.ptr());
    ag::push_saved_tensor_hooks(std::move(f));
  });
  m.def("_pop_saved_tensors_default_hooks", [] { ag::pop_saved_tensor_hooks(); });

  // Tensor.register_post_accumulate_grad_hook: fn(tensor) after .grad was updated
  m.def("_register_post_accumulate_grad_hook", [](const Tensor& t, py::function fn) {
    ST_CHECK(ag::requires_grad(t), "cannot register a hook on a tensor that doesn't require gradient");
    ST_CHECK(ag::is_leaf(t), "post accumulate grad hooks cannot be registered on non-leaf tensors");
    int id = ++g_node_hook_id;
    ag::meta(t).post_accumulate_hooks.push_back({id, PyPostAccumulateHook{std::make_shared<PyRef>(fn.ptr())}});
    return id;
  });
  m.def("_remove_post_accumulate_grad_hook", [](const Tensor& t, int id) {
    if (auto* m = ag::get_meta(t)) {
      auto& l = m->post_accumulate_hooks;
      for (auto it = l.begin(); it != l.end(); ++it)
        if (it->first == id) {
          l.erase(it);
          break;
        }
    }
  });
}

}  // namespace st::py_bind
