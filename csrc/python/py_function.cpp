// Custom autograd Functions (smalltorch.autograd.Function, autograd/function.py):
// the graph node that runs a Python backward, and the step of Function.apply
// that records it after forward ran.
//
// The node owns the ctx object (an instance of the Function's generated
// <Name>Backward class, which derives from _Node): the ctx *is* the grad_fn
// Python sees, and reaches its node through a weak pointer. The engine runs
// with the GIL held (it is called from Python); apply takes it anyway, and a
// Python exception raised by backward leaves through the engine unchanged.
#include <string>
#include <unordered_set>
#include "bind_util.h"
#include "node_type.h"

namespace st::py_bind {

namespace ag = st::autograd;

namespace {

struct PyFunctionNode : ag::Node {
  std::unique_ptr<PyRef> ctx;
  std::string fn_name;
  std::vector<ag::SavedTensor> saved;  // ctx.save_for_backward (undefined entries: None)

  const char* name() const override { return fn_name.c_str(); }

  ag::TensorList apply(ag::TensorList&& grads) override {
    py::gil_scoped_acquire gil;
    py::tuple gs(grads.size());
    for (size_t i = 0; i < grads.size(); ++i) gs[i] = py::reinterpret_steal<py::object>(wrap(std::move(grads[i])));
    grads.clear();
    // _do_backward (function.py) calls the user's backward and checks what it returned:
    // one Tensor or None per tensor input of forward.
    py::object r = py::handle(ctx->obj).attr("_do_backward")(gs);
    py::tuple t = r.cast<py::tuple>();
    ST_CHECK(t.size() == next_edges.size(), "function ", fn_name, " returned an incorrect number of gradients "
             "(expected ", next_edges.size(), ", got ", t.size(), ")");
    ag::TensorList out(t.size());
    for (size_t i = 0; i < t.size(); ++i)
      if (!t[i].is_none()) out[i] = unwrap(t[i].ptr());
    return out;
  }

  void release_variables() override {
    for (auto& s : saved) s.release();
  }
};

bool same_impl(const Tensor& a, const Tensor& b) { return a.impl() == b.impl(); }

}  // namespace

PyObject* owned_ctx(const ag::Node& n) {
  auto* fn = dynamic_cast<const PyFunctionNode*>(&n);
  return fn && fn->ctx ? fn->ctx->obj : nullptr;
}

void bind_functions(Module& m) {
  // Records the node of a Function call whose forward ran (without grad):
  // edges to the tensor arguments, history on the outputs, the saved tensors.
  // Returns the outputs, an output that is an unmodified input replaced by an alias.
  m.def("_function_record", [](py::handle ctx, py::tuple args, py::tuple outputs, py::tuple dirty,
                               py::tuple non_differentiable, py::object to_save, bool materialize) {
    ST_CHECK_T(is_node_object(ctx.ptr()), TypeError, "_function_record: ctx must be a Function's backward object");
    auto node = std::make_shared<PyFunctionNode>();
    node->fn_name = py::str(py::type::handle_of(ctx).attr("__name__"));
    std::vector<Tensor> inputs;
    for (py::handle a : args)
      if (is_tensor(a)) {
        inputs.push_back(unwrap(a.ptr()));
        node->next_edges.push_back(ag::gradient_edge(inputs.back()));
      }
    auto in_list = [](const Tensor& t, py::tuple list) {
      for (py::handle h : list)
        if (is_tensor(h) && unwrap(h.ptr()).impl() == t.impl()) return true;
      return false;
    };
    for (py::handle d : dirty) {
      ST_CHECK_T(is_tensor(d), TypeError, "mark_dirty only accepts Tensors, got ", Py_TYPE(d.ptr())->tp_name);
      ST_CHECK(in_list(unwrap(d.ptr()), outputs), "Some elements marked as dirty during the forward method were not "
               "returned as output. The inputs that are modified inplace must all be outputs of the Function.");
    }
    py::tuple result(outputs.size());
    std::vector<Tensor> recorded;
    uint32_t slot = 0;
    for (size_t i = 0; i < outputs.size(); ++i) {
      py::handle o = outputs[i];
      if (!is_tensor(o)) {
        result[i] = py::reinterpret_borrow<py::object>(o);
        continue;
      }
      Tensor t = unwrap(o.ptr());
      const bool is_dirty = in_list(t, dirty);
      bool is_input = false;
      for (auto& x : inputs) is_input = is_input || same_impl(x, t);
      const bool dirty_view = is_dirty && t.impl()->view_meta() != nullptr && is_floating(t.dtype());
      if (dirty_view) {
        // written in place through a view: the base's history is rewritten (CopySlices), as PyTorch
        size_t n_tensors = 0;
        for (py::handle h : outputs) n_tensors += is_tensor(h);
        ST_CHECK(n_tensors == 1, "If your Function modifies inplace an input that is a view of another Tensor, your "
                 "Function cannot return more than one Tensor. This is not supported by the current autograd engine. "
                 "You should either make sure the input is not a view (using .clone() for example) or make your "
                 "Function only return one Tensor (potentially splitting it into two Functions: one doing the "
                 "inplace that returns a single Tensor and a second one that does the other operations). You can ask "
                 "on the forum https://discuss.pytorch.org/ if you need help to do this change.");
        ag::check_inplace(t, true, nullptr);
      } else if (is_dirty) {
        ST_CHECK(!(ag::is_leaf(t) && ag::requires_grad(t)),
                 "a leaf Variable that requires grad has been used in an in-place operation.");
      } else if (is_input) {
        t = ops::detach(t);  // an input returned as is: its alias carries the new history
      }
      const bool differentiable = !in_list(unwrap(o.ptr()), non_differentiable) && is_floating(t.dtype());
      if (differentiable && dirty_view) {
        ag::rebase_history(t, node);
        recorded.push_back(t);
      } else if (differentiable) {
        ag::set_history(t, node, slot);
        recorded.push_back(t);
      } else {
        if (node->input_meta.size() <= slot) node->input_meta.resize(slot + 1);
        node->input_meta[slot] = ag::InputMeta{t.sizes(), t.dtype()};
        if (is_dirty) ag::set_requires_grad(t, false);
      }
      ++slot;
      result[i] = py::reinterpret_steal<py::object>(wrap(t));
    }
    if (!to_save.is_none()) {
      for (py::handle s : to_save) {
        node->saved.emplace_back();
        if (s.is_none()) continue;
        ST_CHECK_T(is_tensor(s), TypeError, "save_for_backward can only save variables, but argument ",
                   node->saved.size() - 1, " is of type ", Py_TYPE(s.ptr())->tp_name);
        Tensor t = unwrap(s.ptr());
        bool is_output = false;
        for (auto& r : recorded) is_output = is_output || same_impl(r, t);
        // an input returned as is was saved as the input (its alias is the output)
        node->saved.back().save(t, is_output);
      }
    }
    node->get_extras().materialize_grads = materialize;
    node->ctx = std::make_unique<PyRef>(ctx.ptr());
    node->get_extras().py_object = ctx.ptr();
    reinterpret_cast<PyNodeObject*>(ctx.ptr())->weak = node;
    return result;
  });

  // ctx.saved_tensors: None when ctx has no recorded node.
  m.def("_function_saved_tensors", [](py::handle ctx) -> py::object {
    auto* fn = dynamic_cast<PyFunctionNode*>(node_of(ctx.ptr()).get());
    if (!fn) return py::none();
    py::tuple r(fn->saved.size());
    for (size_t i = 0; i < fn->saved.size(); ++i)
      r[i] = fn->saved[i].defined() ? py::reinterpret_steal<py::object>(wrap(fn->saved[i].unpack(*fn)))
                                    : py::none();
    return std::move(r);
  });
}

}  // namespace st::py_bind
