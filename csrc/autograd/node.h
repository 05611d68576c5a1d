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
#include "grad_mode.h"

namespace st::autograd {

struct Node;
using NodePtr = std::shared_ptr<Node>;
using TensorList = std::vector<Tensor>;
// A tensor hook sees a gradient and may return a replacement (or an undefined tensor to keep it).
using Hook = std::function<Tensor(const Tensor&)>;

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
};

// Frees a node reference without recursion, so destroying a chain of
// 100 000 nodes does not overflow the stack.
void release_node(NodePtr&& n);

struct AutogradMeta : AutogradMetaBase {
  ~AutogradMeta() override;
  bool requires_grad = false;
  Tensor grad;
  NodePtr grad_fn;
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;
  std::vector<std::pair<int, Hook>> leaf_hooks;  // hooks of a leaf, applied before accumulation
  bool retains_grad = false;
  // Set on views created from a tensor that requires grad (the base's impl).
  std::shared_ptr<TensorImpl> view_base;
};

AutogradMeta* get_meta(const Tensor& t);  // nullptr when none
AutogradMeta& meta(const Tensor& t);      // creates on first use

inline bool requires_grad(const Tensor& t) {
  auto* m = get_meta(t);
  return m && (m->requires_grad || m->grad_fn);
}
inline bool is_leaf(const Tensor& t) {
  auto* m = get_meta(t);
  return !m || !m->grad_fn;
}
// RuntimeError unless t is floating point (only those may require grad).
void set_requires_grad(const Tensor& t, bool on);
NodePtr grad_accumulator(const Tensor& leaf);
// Where a gradient for t should go: its grad_fn, its accumulator, or nowhere.
Edge gradient_edge(const Tensor& t);
// Makes `fn` the grad_fn of output `out` (slot output_nr) and records its metadata.
void set_history(const Tensor& out, const NodePtr& fn, uint32_t output_nr = 0);

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
  if (!any_requires_grad(inputs)) return nullptr;
  auto n = std::make_shared<N>();
  n->next_edges.reserve(inputs.size());
  for (auto* t : inputs) n->next_edges.push_back(t && t->defined() ? gradient_edge(*t) : Edge{});
  return n;
}

// A tensor kept by a node for its backward formula.
class SavedTensor {
 public:
  SavedTensor() = default;
  // is_output: t is an output of the node that saves it; then only its data
  // is held strongly (holding the tensor would make a reference cycle).
  void save(const Tensor& t, bool is_output = false);
  // RuntimeError when freed by an earlier backward or modified in place since.
  Tensor unpack(const Node& owner) const;
  void release() { data_ = Tensor(); released_ = true; }
  bool defined() const { return saved_; }

 private:
  Tensor data_;
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

// Applies a leaf's hooks to a gradient about to reach it.
Tensor apply_leaf_hooks(const Tensor& leaf, Tensor grad);
// Adds `grad` into t.grad (creating it on first use), as AccumulateGrad does.
void accumulate_into_grad(const Tensor& t, const Tensor& grad);

}  // namespace st::autograd
