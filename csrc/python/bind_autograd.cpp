// Autograd from Python: .grad/.data, hooks, retain_grad, grad mode and the
// engine entry points _backward/_grad (grad_fn objects: node_type.cpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "../autograd/engine.h"
#include "nogil.h"
#include "bind_util.h"
#include "node_type.h"

namespace py = pybind11;
using namespace st;
namespace ag = st::autograd;

namespace st::py_bind {

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
  ag::grad_fn(t);  // a view's grad_fn is brought up to date first
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
  ag::grad_fn(t);  // a view's grad_fn is brought up to date first
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

void bind_autograd(Module& m) {
  // the hand-written nodes' formulas (plain text, registered beside each node)
  for (const auto& [node, text] : ag::vjp_formulas())
    add_vjp_formula(m, node, py::tuple(), py::make_tuple(text), py::dict());
  // grad mode
  m.def("is_grad_enabled", [] { return ag::GradMode::is_enabled(); });
  m.def("_set_grad_enabled", [](bool on) { ag::GradMode::set_enabled(on); });

  // forward mode (autograd/forward_ad.py)
  m.def("_enter_dual_level", [] { ag::forward_ad::enter_level(); });
  m.def("_exit_dual_level", [] { ag::forward_ad::exit_level(); });
  m.def("_dual_level_open", [] { return ag::forward_ad::level_open(); });
  m.def("_make_dual", [](const Tensor& primal, const Tensor& tangent) {
    return ag::forward_ad::make_dual(primal, tangent);
  });
  // (primal, tangent or None): the primal a view of t without its tangent
  m.def("_unpack_dual", [](const Tensor& t) {
    Tensor tangent = ag::forward_ad::tangent(t);
    Tensor primal;
    {
      ag::forward_ad::Disable plain;
      primal = tangent.defined() ? st::ops::alias(t) : t;
    }
    return py::make_tuple(primal, tangent.defined() ? py::cast(tangent) : py::none());
  });

  // autograd nodes (grad_fn objects) and custom Functions
  bind_nodes(m);
  bind_functions(m);

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
}

}  // namespace st::py_bind
