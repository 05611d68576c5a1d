#include "engine.h"
#include <optional>
#include "../core/profiler.h"
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include "../ops/ops.h"

namespace st::autograd {
namespace {

// Seeds the graph: its "outputs" are the user's gradients.
struct GraphRoot : Node {
  TensorList grads;
  const char* name() const override { return "GraphRoot"; }
  TensorList apply(TensorList&&) override { return std::move(grads); }
};

struct NodeState {
  int deps = 0;
  bool needed = true;
  TensorList buffer;
};

// Makes a gradient fit the slot it flows into: same dtype, and summed down
// when it arrives broadcast (PyTorch's validate_outputs).
Tensor conform(Tensor g, const Node& to, uint32_t slot, const Node& from, size_t index) {
  if (slot >= to.input_meta.size()) return g;
  const InputMeta& m = to.input_meta[slot];
  if (g.sizes() != m.sizes) {
    // m.sizes must expand to g's shape (then summing g down gives it back)
    bool expandable = g.dim() >= static_cast<int64_t>(m.sizes.size());
    for (size_t k = 1; expandable && k <= m.sizes.size(); ++k) {
      int64_t want = m.sizes[m.sizes.size() - k], got = g.sizes()[g.dim() - k];
      expandable = want == got || want == 1;
    }
    ST_CHECK(expandable, "Function ", from.name(), " returned an invalid gradient at index ", index, " - got ",
             shape_str(g.sizes()), " but expected shape compatible with ", shape_str(m.sizes));
    g = ops::sum_to(g, m.sizes);
    ST_CHECK(g.sizes() == m.sizes, "Function ", from.name(), " returned an invalid gradient at index ", index,
             " - got ", shape_str(g.sizes()), " but expected shape compatible with ", shape_str(m.sizes));
  }
  if (g.dtype() != m.dtype) g = ops::to_dtype(g, m.dtype);
  return g;
}

Tensor apply_tensor_hooks(Node& fn, uint32_t slot, Tensor g) {
  if (!fn.tensor_hooks.empty()) {
    auto hooks = fn.tensor_hooks;
    for (auto& h : hooks)
      if (h.output_nr == slot && g.defined()) {
        Tensor r = h.fn(g);
        if (r.defined()) g = r;
      }
  }
  for (auto& r : fn.retained)
    if (r.first == slot && g.defined())
      if (auto impl = r.second.lock()) {
        Tensor t(impl);
        auto& m = meta(t);
        if (!m.grad.defined()) m.grad = GradMode::is_enabled() ? g : ops::clone(g);
        else m.grad = ops::add(m.grad, g);
      }
  return g;
}

// A hook's replacement list must have one entry per gradient it replaces.
void check_hook_result(const TensorList& r, size_t want, const char* what) {
  ST_CHECK(r.size() == want, what, " has returned an incorrect number of values (got ", r.size(), ", but expected ",
           want, ")");
}

// fn->apply with what is rarely on: node pre-hooks and hooks, and anomaly mode
// (the node's forward stack reported on failure, NaN gradients refused).
TensorList call_function(Node& fn, TensorList&& grads) {
  forward_ad::Disable no_tangents;  // backward formulas compute on plain values
  NodeExtras* x = fn.extras.get();
  if (x && !x->pre_hooks.empty()) {
    auto hooks = x->pre_hooks;  // a hook may register or remove hooks
    for (auto& h : hooks) {
      TensorList r = h.second(grads);
      if (r.empty()) continue;
      check_hook_result(r, grads.size(), "hook");
      grads = std::move(r);
    }
  }
  const bool post = x && !x->post_hooks.empty();
  TensorList grad_outputs = post ? grads : TensorList();
  TensorList outs;
  if (!AnomalyMode::is_enabled()) {
    outs = fn.apply(std::move(grads));
  } else {
    struct Parent {  // nodes the backward makes (create_graph) record fn as their parent
      Node* prev;
      explicit Parent(Node* n) : prev(anomaly_parent()) { set_anomaly_parent(n); }
      ~Parent() { set_anomaly_parent(prev); }
    } parent(&fn);
    try {
      outs = fn.apply(std::move(grads));
      if (AnomalyMode::check_nan())
        for (size_t i = 0; i < outs.size(); ++i)
          if (outs[i].defined() && is_floating(outs[i].dtype()) && outs[i].numel() > 0) {
            AutoGradMode off(false);
            bool nan = ops::item(ops::any(ops::isnan(outs[i]), std::nullopt, false)).to<bool>();
            ST_CHECK(!nan, "Function '", fn.name(), "' returned nan values in its ", i, "th output.");
          }
    } catch (...) {
      if (auto* h = anomaly_handler()) h->print_stack(fn);
      throw;
    }
  }
  if (post) {
    auto hooks = fn.extras->post_hooks;
    for (auto& h : hooks) {
      TensorList r = h.second(outs, grad_outputs);
      if (r.empty()) continue;
      check_hook_result(r, outs.size(), "hook");
      outs = std::move(r);
    }
  }
  return outs;
}

}  // namespace

TensorList run_backward(const std::vector<Edge>& roots, TensorList grads, bool keep_graph, bool create_graph,
                        const std::vector<Edge>& inputs, bool allow_unused) {
  AutoGradMode mode(create_graph);
  auto root = std::make_shared<GraphRoot>();
  root->grads = std::move(grads);
  root->next_edges = roots;

  // 1. Discover the graph and count, for every node, the edges into it.
  std::unordered_map<Node*, NodeState> state;
  std::vector<Node*> order;  // discovery order (parents before children)
  {
    std::vector<Node*> stack{root.get()};
    state[root.get()];
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      order.push_back(n);
      for (auto& e : n->next_edges) {
        if (!e.fn) continue;
        auto it = state.find(e.fn.get());
        if (it == state.end()) {
          state[e.fn.get()].deps = 1;
          stack.push_back(e.fn.get());
        } else {
          ++it->second.deps;
        }
      }
    }
  }

  // 2. With explicit inputs, run only nodes from which an input is reachable.
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;
  TensorList captured(inputs.size());
  std::vector<bool> reached(inputs.size(), false);
  const bool capture_mode = !inputs.empty();
  if (capture_mode) {
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].fn) captures[inputs[i].fn.get()].push_back({inputs[i].input_nr, i});
    for (auto& kv : state) kv.second.needed = false;
    // Children are discovered after parents, so a reverse sweep settles needs.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* n = *it;
      bool need = false;
      for (auto& e : n->next_edges)
        if (e.fn && (captures.count(e.fn.get()) || state[e.fn.get()].needed)) need = true;
      state[n].needed = need;
    }
    // A DFS pre-order is not a topological order in general: repeat until stable.
    for (bool changed = true; changed;) {
      changed = false;
      for (Node* n : order) {
        if (state[n].needed) continue;
        for (auto& e : n->next_edges)
          if (e.fn && (captures.count(e.fn.get()) || state[e.fn.get()].needed)) {
            state[n].needed = changed = true;
            break;
          }
      }
    }
  }

  // 3. Execute in dependency order; among ready nodes, the most recently created first.
  auto cmp = [](const NodePtr& a, const NodePtr& b) { return a->sequence_nr < b->sequence_nr; };
  std::priority_queue<NodePtr, std::vector<NodePtr>, decltype(cmp)> ready(cmp);
  ready.push(root);
  while (!ready.empty()) {
    NodePtr fn = ready.top();
    ready.pop();
    NodeState& st = state[fn.get()];
    TensorList inputs_now = std::move(st.buffer);
    if (fn != root) {
      inputs_now.resize(std::max<size_t>(inputs_now.size(), fn->input_meta.size()));
      for (uint32_t k = 0; k < inputs_now.size(); ++k)
        if (inputs_now[k].defined()) inputs_now[k] = apply_tensor_hooks(*fn, k, std::move(inputs_now[k]));
    }
    if (capture_mode) {
      auto c = captures.find(fn.get());
      if (c != captures.end())
        for (auto& [slot, idx] : c->second) {
          reached[idx] = true;
          Tensor g = slot < inputs_now.size() ? inputs_now[slot] : Tensor();
          if (g.defined()) {
            if (auto* acc = dynamic_cast<AccumulateGrad*>(fn.get())) g = apply_leaf_hooks(acc->variable, g);
            captured[idx] = captured[idx].defined() ? ops::add(captured[idx], g) : g;
          }
        }
      if (!st.needed) continue;
    }
    bool any = false;
    for (auto& g : inputs_now) any = any || g.defined();
    TensorList outs;
    if (any || fn == root) {
      if (fn != root && (!fn->extras || fn->extras->materialize_grads)) {
        for (uint32_t k = 0; k < inputs_now.size(); ++k)
          if (!inputs_now[k].defined() && k < fn->input_meta.size())
            inputs_now[k] = ops::zeros(fn->input_meta[k].sizes, fn->input_meta[k].dtype);
      }
      std::optional<profiler::Scope> prof;  // smalltorch.profiler: one event per node run
      if (profiler::enabled())
        prof.emplace(std::string("autograd::engine::evaluate_function: ") + fn->name(), profiler::Kind::Backward);
      if (fn->extras || AnomalyMode::is_enabled()) outs = call_function(*fn, std::move(inputs_now));
      else outs = fn->apply(std::move(inputs_now));
      if (!keep_graph) fn->release_variables();
    }
    ST_CHECK(outs.empty() || outs.size() == fn->next_edges.size(), "Function ", fn->name(), " returned ",
             outs.size(), " gradients but expected ", fn->next_edges.size());
    for (size_t i = 0; i < fn->next_edges.size(); ++i) {
      const Edge& e = fn->next_edges[i];
      if (!e.fn) continue;
      NodeState& ns = state[e.fn.get()];
      if (i < outs.size() && outs[i].defined()) {
        Tensor g = conform(std::move(outs[i]), *e.fn, e.input_nr, *fn, i);
        if (ns.buffer.size() <= e.input_nr) ns.buffer.resize(e.input_nr + 1);
        Tensor& slot = ns.buffer[e.input_nr];
        slot = slot.defined() ? ops::add(slot, g) : std::move(g);
      }
      if (--ns.deps == 0 && (ns.needed || captures.count(e.fn.get()))) ready.push(e.fn);
    }
  }

  if (capture_mode && !allow_unused)
    for (size_t i = 0; i < inputs.size(); ++i)
      ST_CHECK(reached[i] && captured[i].defined(),
               "One of the differentiated Tensors appears to not have been used in the graph. Set "
               "allow_unused=True if this is the desired behavior.");
  return captured;
}

namespace {

std::vector<Edge> root_edges(const std::vector<Tensor>& outputs, std::vector<Tensor>& grads) {
  ST_CHECK(grads.empty() || grads.size() == outputs.size(), "grad_tensors (", grads.size(),
           " tensors) must have the same length as tensors (", outputs.size(), " tensors)");
  grads.resize(outputs.size());
  std::vector<Edge> roots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    ST_CHECK(out.defined(), "element ", i, " of tensors is None, expected a Tensor");
    ST_CHECK(requires_grad(out), "element ", i, " of tensors does not require grad and does not have a grad_fn");
    if (!grads[i].defined()) {
      ST_CHECK(out.numel() == 1, "grad can be implicitly created only for scalar outputs (got a tensor of shape ",
               shape_str(out.sizes()), ")");
      grads[i] = ops::ones(out.sizes(), out.dtype());
    } else {
      ST_CHECK(grads[i].sizes() == out.sizes(), "Mismatch in shape: grad_output[", i, "] has a shape of ",
               shape_str(grads[i].sizes()), " and output[", i, "] has a shape of ", shape_str(out.sizes()), ".");
      ST_CHECK_T(is_floating(grads[i].dtype()), TypeError, "grad_output[", i, "] must be floating point, got ",
                 dtype_name(grads[i].dtype()));
    }
    roots.push_back(gradient_edge(out));
  }
  return roots;
}

std::vector<Edge> input_edges(const std::vector<Tensor>& inputs) {
  std::vector<Edge> edges;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ST_CHECK(inputs[i].defined(), "all inputs have to be Tensors, but input ", i, " is None");
    ST_CHECK(requires_grad(inputs[i]), "One of the differentiated Tensors (input ", i, ") does not require grad");
    edges.push_back(gradient_edge(inputs[i]));
  }
  return edges;
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, std::vector<Tensor> grad_outputs, std::optional<bool> retain_graph,
              bool create_graph, const std::vector<Tensor>& inputs) {
  auto roots = root_edges(outputs, grad_outputs);
  bool keep = retain_graph.value_or(create_graph);
  if (inputs.empty()) {
    run_backward(roots, std::move(grad_outputs), keep, create_graph, {}, true);
    return;
  }
  auto edges = input_edges(inputs);
  TensorList gs = run_backward(roots, std::move(grad_outputs), keep, create_graph, edges, true);
  AutoGradMode mode(create_graph);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (gs[i].defined()) accumulate_into_grad(inputs[i], gs[i]);
}

TensorList grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs, std::vector<Tensor> grad_outputs,
                std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  ST_CHECK(!inputs.empty(), "grad requires at least one input tensor");
  auto roots = root_edges(outputs, grad_outputs);
  auto edges = input_edges(inputs);
  return run_backward(roots, std::move(grad_outputs), retain_graph.value_or(create_graph), create_graph, edges,
                      allow_unused);
}

}  // namespace st::autograd
