// In-place operations on views, as PyTorch does them.
//
// A view made by a view op from a floating tensor remembers its root base
// (TensorImpl::view_meta). When an in-place op writes into such a view while
// autograd records, the op's node `fn` does not become the view's history:
// the base gets a CopySlices(fn) node instead (the base's gradient passes
// through unchanged outside the view, and through fn's backward inside it),
// and the view's grad_fn is remade as AsStridedBackward0 over the base's new
// history. Other views of the same base notice the change lazily: their
// version counter (shared with the base) moved since their grad_fn was made,
// so the next read of their grad_fn remakes it the same way.
#include <algorithm>
#include "../kernels/kernels.h"
#include "../ops/indexing.h"
#include "../ops/ops.h"
#include "node.h"

namespace st::autograd {

namespace {

// Sizes, strides and storage offset of a tensor, kept without the tensor.
struct Geometry {
  DimVector sizes, strides;
  int64_t offset = 0;
  static Geometry of(const Tensor& t) { return {t.sizes(), t.strides(), t.impl()->offset()}; }
  // Lowest and highest storage position an element can sit at.
  std::pair<int64_t, int64_t> extent() const {
    int64_t lo = offset, hi = offset;
    for (size_t d = 0; d < sizes.size(); ++d) {
      if (sizes[d] == 0) return {offset, offset - 1};
      (strides[d] < 0 ? lo : hi) += (sizes[d] - 1) * strides[d];
    }
    return {lo, hi};
  }
  // The storage position of every element, minus `origin` (int64, shaped like the tensor).
  Tensor positions(int64_t origin) const {
    Tensor p = st::empty(sizes, ScalarType::Int64);
    int64_t* out = p.data<int64_t>();
    const int64_t nd = static_cast<int64_t>(sizes.size()), n = p.numel();
    DimVector idx(sizes.size(), 0);
    int64_t pos = offset - origin;
    for (int64_t i = 0; i < n; ++i) {
      out[i] = pos;
      for (int64_t d = nd - 1; d >= 0; --d) {
        if (++idx[d] < sizes[d]) { pos += strides[d]; break; }
        pos -= (sizes[d] - 1) * strides[d];
        idx[d] = 0;
      }
    }
    return p;
  }
};

// A fresh buffer spanning both geometries, and each as a (history-free) view of it.
struct Span {
  Tensor buffer, base, view;
  Span(const Geometry& b, const Geometry& v, ScalarType dtype) {
    auto [blo, bhi] = b.extent();
    auto [vlo, vhi] = v.extent();
    const int64_t lo = std::min(blo, vlo), hi = std::max(bhi, vhi);
    buffer = st::empty({std::max<int64_t>(hi - lo + 1, 0)}, dtype);
    base = make_view(buffer, b.sizes, b.strides, b.offset - lo);
    view = make_view(buffer, v.sizes, v.strides, v.offset - lo);
  }
};

// The grad_fn of a view remade over its base's history: the gradient of the
// base is the view's gradient put back where the view's elements sit.
struct AsStridedBackward0 : Node {
  Geometry base, view;
  const char* which = "AsStridedBackward0";  // AsStridedBackward1: as_strided_
  const char* name() const override { return which; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("size", view.sizes));
    out.push_back(SavedField::of("storage_offset", Scalar(view.offset)));
    out.push_back(SavedField::of("stride", view.strides));
  }
  TensorList apply(TensorList&& g) override {
    if (!g[0].defined()) return {Tensor()};
    // Scattered and gathered through index ops so that create_graph records it;
    // elements a view shares (stride 0) add up.
    auto [blo, bhi] = base.extent();
    auto [vlo, vhi] = view.extent();
    const int64_t lo = std::min(blo, vlo), hi = std::max(bhi, vhi);
    Tensor flat = ops::zeros({std::max<int64_t>(hi - lo + 1, 0)}, g[0].dtype());
    flat = ops::index_put(flat, {view.positions(lo)}, g[0], true);
    Tensor bpos = base.positions(lo);
    Tensor r = ops::index(flat, std::vector<Tensor>{bpos});
    // an input whose elements share memory (expanded) splits the gradient among them, as PyTorch
    std::vector<char> seen(static_cast<size_t>(std::max<int64_t>(hi - lo + 1, 0)), 0);
    const int64_t* bp = bpos.data<int64_t>();
    bool overlap = false;
    for (int64_t i = 0, n = bpos.numel(); i < n && !overlap; ++i) overlap = seen[bp[i]]++ != 0;
    if (!overlap) return {r};
    Tensor count = ops::index_put(ops::zeros({static_cast<int64_t>(seen.size())}, g[0].dtype()), {bpos},
                                  ops::ones(base.sizes, g[0].dtype()), true);
    return {ops::div(r, ops::index(count, std::vector<Tensor>{bpos}))};
  }
};

// The base's history after an in-place op `fn` wrote into one of its views:
// the incoming gradient flows unchanged outside the view, and through fn's
// backward inside it; fn's other inputs get what fn gives them.
struct CopySlices : Node {
  Geometry base, view;
  NodePtr fn;
  ~CopySlices() override { release_node(std::move(fn)); }  // long chains of writes die without recursion
  const char* name() const override { return "torch::autograd::CopySlices"; }
  void release_variables() override { fn->release_variables(); }
  TensorList apply(TensorList&& g) override {
    TensorList out(next_edges.size());
    if (!g[0].defined()) return out;
    const ScalarType dt = g[0].dtype();
    // fn's gradient is written back over the view's elements: as PyTorch, not
    // where several of them share memory (fill_ into an expanded view).
    for (size_t d = 0; d < view.sizes.size(); ++d)
      ST_CHECK(!(view.strides[d] == 0 && view.sizes[d] > 1),
               "unsupported operation: more than one element of the written-to tensor refers to a single memory "
               "location. Please clone() the tensor before performing the operation.");
    TensorList res;
    if (GradMode::is_enabled()) {
      // create_graph: scatter and gather through ops that record history.
      auto [blo, bhi] = base.extent();
      auto [vlo, vhi] = view.extent();
      const int64_t lo = std::min(blo, vlo), hi = std::max(bhi, vhi);
      std::vector<Tensor> vpos{view.positions(lo)}, bpos{base.positions(lo)};
      Tensor flat = ops::index_put(ops::zeros({std::max<int64_t>(hi - lo + 1, 0)}, dt), bpos, g[0], false);
      res = fn->apply({ops::index(flat, vpos)});
      if (should_compute(0)) {
        Tensor r0 = !res.empty() && res[0].defined() ? res[0] : ops::zeros(view.sizes, dt);
        out[0] = ops::index(ops::index_put(flat, vpos, r0, false), bpos);
      }
    } else {
      Span s(base, view, dt);
      kernels::copy(s.base, g[0]);
      Tensor arg = st::empty(view.sizes, dt);  // fn may keep what it is given: its own copy
      kernels::copy(arg, s.view);
      res = fn->apply({arg});
      if (should_compute(0)) {
        if (!res.empty() && res[0].defined()) kernels::copy(s.view, res[0]);
        else kernels::fill(s.view, Scalar(int64_t(0)));
        out[0] = s.base;
      }
    }
    for (size_t i = 1; i < out.size() && i < res.size(); ++i)
      if (should_compute(i)) out[i] = std::move(res[i]);
    return out;
  }
};

// "MulBackward0" -> "Mul", as PyTorch names a view's maker in its messages.
std::string short_name(const Node& n) {
  std::string s = n.name();
  while (!s.empty() && s.back() >= '0' && s.back() <= '9') s.pop_back();
  const std::string suffix = "Backward";
  if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
    s.erase(s.size() - suffix.size());
  return s;
}

// Raises PyTorch's error for a view that may not be written in place (made
// under no_grad, or one output of a multi-view op); `indirect`: its base or
// another view of it was the one written.
void handle_view_on_rebase(const Tensor& view, const ViewMeta& vm, bool indirect) {
  if (vm.creation == ViewCreation::Default) return;
  auto* m = get_meta(view);
  const Node* fn = m ? m->grad_fn.get() : nullptr;
  const uint32_t nr = m ? m->output_nr : 0;
  const char* modified = indirect ? "its base or another view of its base has been" : "is being";
  std::string msg;
  if (vm.creation == ViewCreation::NoGradMode || !fn) {
    std::string prefix = fn ? str("Output ", nr, " of ", short_name(*fn), " is a view of a view which was created in")
                            : std::string("A view was created in");
    msg = str(prefix, " no_grad mode and ", modified, " modified inplace with grad mode enabled.");
  } else {
    msg = str("Output ", nr, " of ", short_name(*fn), " is a view and ", modified, " modified inplace.");
  }
  if (vm.creation == ViewCreation::MultipleOutputs)
    msg += " This view is the output of a function that returns multiple views. Such functions do not allow the "
           "output views to be modified inplace. You should replace the inplace operation by an out-of-place one.";
  else
    msg += " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
           "moving both the view and the inplace either both inside the no_grad block (if you don't want the "
           "inplace to be tracked) or both outside (if you want the inplace to be tracked).";
  throw Error(msg);
}

}  // namespace

void make_differentiable_view(const Tensor& view, const Tensor& base, ViewCreation creation) {
  if (!is_floating(view.dtype())) return;
  const ViewMeta* bvm = base.impl()->view_meta();
  if (!GradMode::is_enabled()) creation = ViewCreation::NoGradMode;
  if (bvm && creation == ViewCreation::Default) creation = bvm->creation;
  auto vm = std::make_unique<ViewMeta>();
  vm->base = bvm ? bvm->base : base.impl_ptr();
  vm->creation = creation;
  vm->attr_version = view.impl()->version();
  view.impl()->set_view_meta(std::move(vm));
}

namespace {
// Whether the root base (never itself a view) requires grad, read without copying its handle.
bool base_requires_grad(const ViewMeta& vm) {
  auto* m = static_cast<AutogradMeta*>(vm.base->autograd_meta());
  return m && (m->requires_grad || m->grad_fn);
}
}  // namespace

bool view_requires_grad(const Tensor& view) {
  auto* m = get_meta(view);
  if (m && (m->requires_grad || m->grad_fn)) return true;
  return base_requires_grad(*view.impl()->view_meta());
}

namespace {
// Makes the view's grad_fn AsStridedBackward0 over its base's current history.
void remake_view_grad_fn(const Tensor& t, ViewMeta& vm) {
  Tensor base(vm.base);
  auto fn = std::make_shared<AsStridedBackward0>();
  fn->base = Geometry::of(base);
  fn->view = Geometry::of(t);
  fn->next_edges.push_back(gradient_edge(base));
  set_history(t, fn, 0);
  if (get_meta(t)->retains_grad) fn->retained.push_back({0, t.impl_ptr()});
  vm.attr_version = t.impl()->version();
}
}  // namespace

NodePtr as_strided_node(const Tensor& input, const DimVector& sizes, const DimVector& strides, int64_t offset,
                        bool inplace) {
  auto fn = std::make_shared<AsStridedBackward0>();
  fn->base = Geometry::of(input);
  fn->view = Geometry{sizes, strides, offset};
  if (inplace) fn->which = "AsStridedBackward1";
  fn->next_edges.push_back(gradient_edge(input));
  return fn;
}

const NodePtr& view_grad_fn(const Tensor& t) {
  static const NodePtr none;
  ViewMeta& vm = *t.impl()->view_meta();
  AutogradMeta* m = get_meta(t);
  if ((!m || !m->grad_fn) && !base_requires_grad(vm)) return m ? m->grad_fn : none;
  if (vm.attr_version != t.impl()->version()) {
    handle_view_on_rebase(t, vm, true);
    remake_view_grad_fn(t, vm);
    m = get_meta(t);
  }
  return m ? m->grad_fn : none;
}

void check_inplace(const Tensor& self, bool needs_grad, const char* op) {
  if (!needs_grad) return;
  if (const ViewMeta* vm = self.impl()->view_meta()) {
    handle_view_on_rebase(self, *vm, false);
    ST_CHECK(!(requires_grad(self) && is_leaf(Tensor(vm->base))),
             "a view of a leaf Variable that requires grad is being used in an in-place operation",
             op ? str(" (", op, ").") : std::string("."));
  }
  ST_CHECK(!(requires_grad(self) && is_leaf(self)),
           "a leaf Variable that requires grad is being used in an in-place operation",
           op ? str(" (", op, ").") : std::string("."));
}

void rebase_history(const Tensor& self, const NodePtr& fn) {
  ViewMeta* vm = self.impl()->view_meta();
  if (!vm) {
    set_history(self, fn);
    return;
  }
  Tensor base(vm->base);
  auto cs = std::make_shared<CopySlices>();
  cs->base = Geometry::of(base);
  cs->view = Geometry::of(self);
  cs->fn = fn;
  if (fn->input_meta.empty()) fn->input_meta.resize(1);
  fn->input_meta[0] = InputMeta{self.sizes(), self.dtype()};
  cs->next_edges.reserve(fn->next_edges.size());
  cs->next_edges.push_back(gradient_edge(base));
  for (size_t i = 1; i < fn->next_edges.size(); ++i) cs->next_edges.push_back(fn->next_edges[i]);
  set_history(base, cs);
  remake_view_grad_fn(self, *vm);  // the view's history now reads the base's
}

}  // namespace st::autograd
