// The autograd graph: Node (one backward function), Edge (where a gradient
// goes next), AutogradMeta (what a tensor knows about its history), and
// SavedTensor (a tensor kept for backward, checked against in-place changes).
//
// This header is the one tie between ops/ (which create nodes) and the engine.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "../core/tensor.h"
#include "forward_ad.h"
#include "grad_mode.h"

namespace st::autograd {

struct Node;
class SavedTensor;
using NodePtr = std::shared_ptr<Node>;
using TensorList = std::vector<Tensor>;
// A tensor hook sees a gradient and may return a replacement (or an undefined tensor to keep it).
using Hook = std::function<Tensor(const Tensor&)>;
// Node hooks, as PyTorch's grad_fn.register_prehook / register_hook: a pre-hook
// sees the gradients flowing into the node (grad_outputs), a hook also sees what
// the node computed (grad_inputs); either may return replacements (an empty list
// keeps them).
using PreHook = std::function<TensorList(const TensorList& grad_outputs)>;
using PostHook = std::function<TensorList(const TensorList& grad_inputs, const TensorList& grad_outputs)>;

// What the binding layer hangs on a node (the Python metadata dict with the
// forward traceback of anomaly mode): core only owns and frees it.
struct NodeAnnex {
  virtual ~NodeAnnex() = default;
};

// One value a node keeps for backward, under PyTorch's attribute name (Python
// shows it as grad_fn._saved_<name>): a SavedTensor, a plain tensor (a wrapped
// number), a number, a list of ints, or None.
struct SavedField {
  enum class Kind { Saved, Tensor, Number, Ints, None };
  const char* name;
  Kind kind;
  const SavedTensor* saved = nullptr;
  Tensor tensor;
  Scalar number;
  DimVector ints;
  static SavedField of(const char* n, const SavedTensor& s) { return {n, Kind::Saved, &s, {}, {}, {}}; }
  static SavedField of(const char* n, const Tensor& t) { return {n, Kind::Tensor, nullptr, t, {}, {}}; }
  static SavedField of(const char* n, const Scalar& s) { return {n, Kind::Number, nullptr, {}, s, {}}; }
  static SavedField of(const char* n, const DimVector& v) { return {n, Kind::Ints, nullptr, {}, {}, v}; }
  static SavedField none(const char* n) { return {n, Kind::None, nullptr, {}, {}, {}}; }
};

// Global anomaly mode (PyTorch's set_detect_anomaly): nodes record where they
// were made; the engine reports it when their backward fails.
struct AnomalyMode {
  static bool is_enabled();
  static bool check_nan();
  static void set(bool enabled, bool check_nan);
};
// Installed by the binding layer: record the creating (Python) stack on a new
// node (and, for a node made by a backward, the node whose backward made it:
// anomaly_parent()), and report them (a warning) when that node's backward fails.
struct AnomalyHandler {
  virtual ~AnomalyHandler() = default;
  virtual void store_stack(Node& n) = 0;
  virtual void print_stack(const Node& n) = 0;
};
// The node whose backward runs on this thread in anomaly mode (nullptr outside).
Node* anomaly_parent();
void set_anomaly_parent(Node* n);
void set_anomaly_handler(AnomalyHandler* h);
AnomalyHandler* anomaly_handler();

// Rarely used per-node state, allocated on first use (nothing on the forward path).
struct NodeExtras {
  std::vector<std::pair<int, PreHook>> pre_hooks;
  std::vector<std::pair<int, PostHook>> post_hooks;
  std::unique_ptr<NodeAnnex> annex;
  // The Python object of the node, if any (owned by the binding layer).
  void* py_object = nullptr;
  // false: the engine passes undefined gradients for outputs nobody used
  // instead of zeros (a custom Function's ctx.set_materialize_grads(False)).
  bool materialize_grads = true;
};

struct Edge {
  NodePtr fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

// Metadata of one tensor a node produced in forward: the gradient flowing
// back into that slot must have this shape and dtype.
struct InputMeta {
  DimVector sizes;
  ScalarType dtype;
};

struct Node : std::enable_shared_from_this<Node> {
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // PyTorch's name for this node, e.g. "AddBackward0".
  virtual const char* name() const = 0;
  // Gradients of the forward outputs in, gradients of the forward inputs out
  // (one per next edge; undefined where that edge is invalid).
  virtual TensorList apply(TensorList&& grads) = 0;
  // Drops saved tensors after backward unless the graph is retained.
  virtual void release_variables() {}
  // Appends what this node saved for backward, with PyTorch's names
  // ("self", "other", "result", "exponent", "alpha", ...), for grad_fn._saved_*.
  virtual void saved_fields(std::vector<SavedField>& out) const { (void)out; }

  bool should_compute(size_t i) const { return i < next_edges.size() && next_edges[i].valid(); }

  std::vector<Edge> next_edges;
  std::vector<InputMeta> input_meta;
  uint64_t sequence_nr;

  // Hooks of non-leaf tensors produced by this node, keyed by output index.
  struct TensorHook {
    uint32_t output_nr;
    int id;
    Hook fn;
  };
  std::vector<TensorHook> tensor_hooks;
  // Non-leaf outputs that called retain_grad().
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained;
  std::unique_ptr<NodeExtras> extras;
  NodeExtras& get_extras() {
    if (!extras) extras = std::make_unique<NodeExtras>();
    return *extras;
  }
};

// Frees a node reference without recursion, so destroying a chain of
// 100 000 nodes does not overflow the stack.
void release_node(NodePtr&& n);

struct AutogradMeta : AutogradMetaBase {
  ~AutogradMeta() override;
  bool requires_grad = false;
  // Forward mode (forward_ad.h): the tangent and the token of the level it belongs to.
  Tensor fw_grad;
  uint64_t fw_token = 0;
  Tensor grad;
  NodePtr grad_fn;
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;
  std::vector<std::pair<int, Hook>> leaf_hooks;  // hooks of a leaf, applied before accumulation
  bool retains_grad = false;
  // Leaf hooks run after the gradient was accumulated into .grad
  // (Tensor.register_post_accumulate_grad_hook).
  std::vector<std::pair<int, std::function<void(const Tensor&)>>> post_accumulate_hooks;
};

AutogradMeta* get_meta(const Tensor& t);  // nullptr when none
AutogradMeta& meta(const Tensor& t);      // creates on first use

// The grad_fn of a differentiable view, remade (AsStridedBackward0 over its
// base's current history) when the version counter moved since it was last made.
const NodePtr& view_grad_fn(const Tensor& view);
// A view requires grad when it has history of its own or its base requires grad.
bool view_requires_grad(const Tensor& view);
// t's grad_fn (null for a leaf); on a view, current with its base's history.
inline const NodePtr& grad_fn(const Tensor& t) {
  static const NodePtr none;
  if (__builtin_expect(t.impl()->view_meta() != nullptr, 0)) return view_grad_fn(t);
  auto* m = get_meta(t);
  return m ? m->grad_fn : none;
}
inline bool requires_grad(const Tensor& t) {
  if (__builtin_expect(t.impl()->view_meta() != nullptr, 0)) return view_requires_grad(t);
  auto* m = get_meta(t);
  return m && (m->requires_grad || m->grad_fn);
}
inline bool is_leaf(const Tensor& t) { return !grad_fn(t); }
// RuntimeError unless t is floating point (only those may require grad).
void set_requires_grad(const Tensor& t, bool on);
NodePtr grad_accumulator(const Tensor& leaf);
// Where a gradient for t should go: its grad_fn, its accumulator, or nowhere.
Edge gradient_edge(const Tensor& t);
// Makes `fn` the grad_fn of output `out` (slot output_nr) and records its metadata.
void set_history(const Tensor& out, const NodePtr& fn, uint32_t output_nr = 0);

// Views and in-place ops (PyTorch's CopySlices and view rebasing).
//
// Makes `view` (just made by a view op from `base`) a differentiable view of
// base's root base, unless its dtype cannot require grad. `creation` says how
// (MultipleOutputs for unbind/split/chunk); under no_grad it is NoGradMode, and
// a view of a view keeps its base's non-default creation.
void make_differentiable_view(const Tensor& view, const Tensor& base, ViewCreation creation = ViewCreation::Default);
// The autograd checks of an in-place op on self (`requires_grad`: grad mode
// is on and self or another operand requires grad): refused on a leaf that
// requires grad, a view of one, a view made under no_grad, and an output of a
// multi-view op. `op` names the op in the leaf messages (nullptr: none).
void check_inplace(const Tensor& self, bool requires_grad, const char* op);
// The AsStridedBackward0 node (AsStridedBackward1 when inplace, made before
// input's geometry changes) of the view of input's storage with these sizes,
// strides and offset: the gradient is put back where the view's elements sit
// and read at input's positions (split evenly where input's elements overlap).
NodePtr as_strided_node(const Tensor& input, const DimVector& sizes, const DimVector& strides, int64_t offset,
                        bool inplace);
// Records `fn` (the node of an in-place op on self, whose version was already
// bumped) as self's new history. On a differentiable view it becomes the base's
// history instead, as CopySlices(fn), and the view's grad_fn is remade from it.
void rebase_history(const Tensor& self, const NodePtr& fn);

// Whether an op on these inputs should record a node now.
inline bool any_requires_grad(std::initializer_list<const Tensor*> ts) {
  if (!GradMode::is_enabled()) return false;
  for (auto* t : ts)
    if (t && t->defined() && requires_grad(*t)) return true;
  return false;
}

// Builds node type N with edges to `inputs` when grad is needed, else nullptr.
template <typename N>
std::shared_ptr<N> make_node(std::initializer_list<const Tensor*> inputs) {
  forward_ad::check_supported<N>(inputs);
  if (!any_requires_grad(inputs)) return nullptr;
  auto n = std::make_shared<N>();
  n->next_edges.reserve(inputs.size());
  for (auto* t : inputs) n->next_edges.push_back(t && t->defined() ? gradient_edge(*t) : Edge{});
  return n;
}

// Pack/unpack hooks of saved tensors (PyTorch's saved_tensors_hooks): while a
// factory is pushed (thread-local stack), every tensor saved for backward is
// handed to a fresh hooks object's pack() and only what it keeps is held;
// unpack() gives a tensor back when backward needs it.
struct SavedTensorHooks {
  virtual ~SavedTensorHooks() = default;
  virtual void pack(const Tensor& t) = 0;
  virtual Tensor unpack() = 0;
};
struct SavedTensorHooksFactory {
  virtual ~SavedTensorHooksFactory() = default;
  virtual std::unique_ptr<SavedTensorHooks> make() = 0;
};
void push_saved_tensor_hooks(std::shared_ptr<SavedTensorHooksFactory> f);
void pop_saved_tensor_hooks();
// The innermost factory, nullptr when none is pushed on this thread.
SavedTensorHooksFactory* current_saved_tensor_hooks();

// A tensor kept by a node for its backward formula.
class SavedTensor {
 public:
  SavedTensor() = default;
  // is_output: t is an output of the node that saves it; then only its data
  // is held strongly (holding the tensor would make a reference cycle).
  void save(const Tensor& t, bool is_output = false);
  // RuntimeError when freed by an earlier backward or modified in place since.
  Tensor unpack(const Node& owner) const;
  void release() { data_ = Tensor(); hooked_.reset(); released_ = true; }
  bool defined() const { return saved_; }

 private:
  // Saved under saved_tensors_hooks (data_ is then empty): the hooks holding
  // the packed value, and where an input's gradient goes (double backward).
  struct Hooked {
    std::unique_ptr<SavedTensorHooks> hooks;
    Edge input_edge;
  };
  Tensor data_;
  std::unique_ptr<Hooked> hooked_;
  uint32_t version_ = 0;
  bool saved_ = false, released_ = false, is_output_ = false, requires_grad_ = false;
  uint32_t output_nr_ = 0;
};

// Accumulates incoming gradients into a leaf's .grad.
struct AccumulateGrad : Node {
  explicit AccumulateGrad(Tensor var);
  const char* name() const override { return "torch::autograd::AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  Tensor variable;
};

// The vector-Jacobian formulas of hand-written nodes in plain notation (one
// line per input: "grad_self = grad · other"), each registered beside its node
// with ST_VJP_FORMULA; the backward trace (autograd.trace().explain()) shows
// them. (Registry rows carry theirs as their gradient columns.)
bool register_vjp_formula(const char* node, const char* text);
const std::vector<std::pair<const char*, const char*>>& vjp_formulas();
#define ST_VJP_FORMULA_CAT2(a, b) a##b
#define ST_VJP_FORMULA_CAT(a, b) ST_VJP_FORMULA_CAT2(a, b)
#define ST_VJP_FORMULA(node, text) \
  static const bool ST_VJP_FORMULA_CAT(st_vjp_formula_, __LINE__) = ::st::autograd::register_vjp_formula(node, text);

// Applies a leaf's hooks to a gradient about to reach it.
Tensor apply_leaf_hooks(const Tensor& leaf, Tensor grad);
// Adds `grad` into t.grad (creating it on first use), as AccumulateGrad does.
void accumulate_into_grad(const Tensor& t, const Tensor& grad);

}  // namespace st::autograd
