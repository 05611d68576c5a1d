#include "node.h"
#include <atomic>
#include "../ops/ops.h"

namespace st::autograd {

namespace {
thread_local bool t_grad_enabled = true;
std::atomic<uint64_t> g_sequence{0};
std::atomic<bool> g_anomaly{false}, g_anomaly_nan{true};
AnomalyHandler* g_anomaly_handler = nullptr;
thread_local Node* t_anomaly_parent = nullptr;
thread_local std::vector<std::shared_ptr<SavedTensorHooksFactory>> t_saved_hooks;
std::atomic<int> g_saved_hooks_depth{0};  // factories pushed on all threads: saving checks this first
}  // namespace

bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool on) { t_grad_enabled = on; }

bool AnomalyMode::is_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
bool AnomalyMode::check_nan() { return g_anomaly_nan.load(std::memory_order_relaxed); }
void AnomalyMode::set(bool enabled, bool check_nan) {
  g_anomaly = enabled;
  g_anomaly_nan = check_nan;
}
void set_anomaly_handler(AnomalyHandler* h) { g_anomaly_handler = h; }
Node* anomaly_parent() { return t_anomaly_parent; }
void set_anomaly_parent(Node* n) { t_anomaly_parent = n; }
AnomalyHandler* anomaly_handler() { return g_anomaly_handler; }

void push_saved_tensor_hooks(std::shared_ptr<SavedTensorHooksFactory> f) {
  t_saved_hooks.push_back(std::move(f));
  ++g_saved_hooks_depth;
}
void pop_saved_tensor_hooks() {
  if (t_saved_hooks.empty()) return;
  t_saved_hooks.pop_back();
  --g_saved_hooks_depth;
}
SavedTensorHooksFactory* current_saved_tensor_hooks() {
  return t_saved_hooks.empty() ? nullptr : t_saved_hooks.back().get();
}

Node::Node() : sequence_nr(g_sequence.fetch_add(1, std::memory_order_relaxed)) {
  if (__builtin_expect(g_anomaly.load(std::memory_order_relaxed), 0) && g_anomaly_handler)
    g_anomaly_handler->store_stack(*this);
}

Node::~Node() {
  for (auto& e : next_edges) release_node(std::move(e.fn));
}

void release_node(NodePtr&& n) {
  if (!n) return;
  // Nodes that die while we drain push their children here instead of
  // destroying them recursively.
  thread_local std::vector<NodePtr> pending;
  thread_local bool draining = false;
  pending.push_back(std::move(n));
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    NodePtr x = std::move(pending.back());
    pending.pop_back();
    x.reset();
  }
  draining = false;
}

AutogradMeta::~AutogradMeta() { release_node(std::move(grad_fn)); }

AutogradMeta* get_meta(const Tensor& t) {
  return static_cast<AutogradMeta*>(t.impl()->autograd_meta());
}

AutogradMeta& meta(const Tensor& t) {
  auto* m = get_meta(t);
  if (!m) {
    t.impl()->set_autograd_meta(std::make_unique<AutogradMeta>());
    m = get_meta(t);
  }
  return *m;
}

void set_requires_grad(const Tensor& t, bool on) {
  if (!on) {
    auto* m = get_meta(t);
    ST_CHECK(is_leaf(t),
             "you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
             "in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    if (m) m->requires_grad = false;
    return;
  }
  ST_CHECK(is_floating(t.dtype()),
           "only Tensors of floating point dtype can require gradients (got dtype ", dtype_name(t.dtype()), ")");
  meta(t).requires_grad = true;
}

NodePtr grad_accumulator(const Tensor& leaf) {
  auto& m = meta(leaf);
  if (auto acc = m.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<AccumulateGrad>(leaf);
  m.grad_accumulator = acc;
  return acc;
}

Edge gradient_edge(const Tensor& t) {
  if (__builtin_expect(t.impl()->view_meta() != nullptr, 0))
    if (const NodePtr& fn = view_grad_fn(t)) return {fn, get_meta(t)->output_nr};
  auto* m = get_meta(t);
  if (!m) return {};
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
  if (m->requires_grad) return {grad_accumulator(t), 0};
  return {};
}

void set_history(const Tensor& out, const NodePtr& fn, uint32_t output_nr) {
  auto& m = meta(out);
  NodePtr old = std::move(m.grad_fn);
  m.grad_fn = fn;
  m.output_nr = output_nr;
  if (fn->input_meta.size() <= output_nr) fn->input_meta.resize(output_nr + 1);
  fn->input_meta[output_nr] = InputMeta{out.sizes(), out.dtype()};
  release_node(std::move(old));
}

void SavedTensor::save(const Tensor& t, bool is_output) {
  saved_ = true;
  released_ = false;
  version_ = t.impl()->version();
  is_output_ = is_output;
  if (is_output) {
    auto* m = get_meta(t);
    requires_grad_ = m && m->grad_fn;
    output_nr_ = m ? m->output_nr : 0;
  }
  if (__builtin_expect(g_saved_hooks_depth.load(std::memory_order_relaxed) != 0, 0))
    if (auto* f = current_saved_tensor_hooks()) {
      hooked_ = std::make_unique<Hooked>();
      if (!is_output) hooked_->input_edge = gradient_edge(t);
      hooked_->hooks = f->make();
      hooked_->hooks->pack(is_output ? ops::detach(t) : t);
      return;
    }
  if (is_output) data_ = ops::detach(t);
  else data_ = t;  // (not a ?: with detach: that would copy t into a temporary first)
}

Tensor SavedTensor::unpack(const Node& owner) const {
  ST_CHECK(!released_,
           "Trying to backward through the graph a second time (or directly access saved tensors after they have "
           "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
           "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
           "if you need to access saved tensors after calling backward.");
  if (!saved_) return Tensor();
  if (hooked_) {
    // As PyTorch: versions cannot be tracked through the hooks.
    Tensor d = hooked_->hooks->unpack();
    const Edge& input_edge = hooked_->input_edge;
    if (!GradMode::is_enabled()) return d;
    if (is_output_ ? !requires_grad_ : !input_edge.valid()) return d;
    Tensor r = ops::detach(d);
    auto& m = meta(r);
    if (is_output_) {
      m.grad_fn = std::const_pointer_cast<Node>(owner.shared_from_this());
      m.output_nr = output_nr_;
    } else {
      m.grad_fn = input_edge.fn;  // gradients reach the saved input's own node (or accumulator)
      m.output_nr = input_edge.input_nr;
    }
    return r;
  }
  uint32_t now = data_.impl()->version();
  ST_CHECK(now == version_, "one of the variables needed for gradient computation has been modified by an inplace "
           "operation: [", dtype_name(data_.dtype()), " tensor of shape ", shape_str(data_.sizes()), "]",
           is_output_ ? ", which is output " + std::to_string(output_nr_) + " of " + owner.name() : std::string(),
           ", is at version ", now, "; expected version ", version_, " instead (used by ", owner.name(), ").");
  if (!is_output_ || !requires_grad_ || !GradMode::is_enabled()) return data_;
  // Re-attach the owning node so double backward sees the output's history.
  Tensor r = ops::detach(data_);
  auto& m = meta(r);
  m.grad_fn = std::const_pointer_cast<Node>(owner.shared_from_this());
  m.output_nr = output_nr_;
  return r;
}

AccumulateGrad::AccumulateGrad(Tensor var) : variable(std::move(var)) {
  input_meta.push_back(InputMeta{variable.sizes(), variable.dtype()});
}

Tensor apply_leaf_hooks(const Tensor& leaf, Tensor grad) {
  auto* m = get_meta(leaf);
  if (!m) return grad;
  // Copy: a hook may register or remove hooks.
  auto hooks = m->leaf_hooks;
  for (auto& h : hooks) {
    Tensor r = h.second(grad);
    if (r.defined()) grad = r;
  }
  return grad;
}

// Whether g is a view that alone keeps its base and the buffer alive (the base held by g's view record only,
// the storage by the two of them): a gradient made by a view op in backward, such as TBackward0's transpose of a
// linear layer's weight gradient.
bool sole_view(const Tensor& g) {
  const ViewMeta* vm = g.impl()->view_meta();
  return vm && vm->base && vm->base.use_count() == 1 && g.impl()->storage().use_count() == 2 &&
         vm->base->storage() == g.impl()->storage();
}

// g's buffer under a plain handle (not a view: .grad has no _base, as PyTorch's).
Tensor plain_alias(const Tensor& g) {
  const TensorImpl& i = *g.impl();
  return Tensor(std::make_shared<TensorImpl>(i.storage(), i.offset(), i.sizes(), i.strides(), i.dtype()));
}

void accumulate_into_grad(const Tensor& t, const Tensor& g) {
  auto& m = meta(t);
  if (!m.grad.defined()) {
    if (GradMode::is_enabled()) {
      m.grad = g;  // create_graph: keep the history of the gradient
    } else if (g.use_count() == 1 && g.is_contiguous() && !get_meta(g) &&
               (g.impl()->storage().use_count() == 1 || sole_view(g))) {
      // nobody else can see this buffer: take it
      m.grad = g.impl()->is_view ? plain_alias(g) : g;
    } else {
      AutoGradMode off(false);
      m.grad = ops::clone(g);
    }
  } else if (GradMode::is_enabled()) {
    m.grad = ops::add(m.grad, g);
  } else {
    AutoGradMode off(false);
    ops::add_(m.grad, g);
  }
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = std::move(grads[0]);
  grads.clear();
  if (!g.defined()) return {};
  // The engine passes gradients of the leaf's shape; a direct call (node(g)) may not.
  ST_CHECK(g.sizes() == variable.sizes(), "AccumulateGrad: the gradient of shape ", shape_str(g.sizes()),
           " does not match the shape ", shape_str(variable.sizes()), " of the tensor it accumulates into");
  g = apply_leaf_hooks(variable, std::move(g));
  accumulate_into_grad(variable, g);
  if (auto* m = get_meta(variable); m && !m->post_accumulate_hooks.empty()) {
    auto hooks = m->post_accumulate_hooks;  // a hook may register or remove hooks
    for (auto& h : hooks) h.second(variable);
  }
  return {};
}

namespace {
std::vector<std::pair<const char*, const char*>>& formula_table() {
  static std::vector<std::pair<const char*, const char*>> table;
  return table;
}
}  // namespace

bool register_vjp_formula(const char* node, const char* text) {
  formula_table().emplace_back(node, text);
  return true;
}
const std::vector<std::pair<const char*, const char*>>& vjp_formulas() { return formula_table(); }

}  // namespace st::autograd
