// Helpers shared by the op files (not part of the public op API).
#pragma once
#include "../autograd/node.h"
#include "../kernels/kernels.h"
#include "ops.h"

namespace st::ops {

using autograd::make_node;
namespace forward_ad = autograd::forward_ad;
using autograd::Node;
using autograd::SavedField;
using autograd::SavedTensor;
using autograd::TensorList;

// A contiguous copy of t in dtype dt, recording no history (t itself when it already fits).
Tensor cast_raw(const Tensor& t, ScalarType dt);
// A new tensor sharing t's data and version counter, with no autograd history.
Tensor alias_raw(const Tensor& t);
// Every view op ends here (also when it records no node): the view remembers
// its base (autograd::make_differentiable_view) and gets fn as its grad_fn
// (output `output_nr` of fn for a multi-view op such as unbind).
void set_view_history(const Tensor& view, const Tensor& base, const std::shared_ptr<Node>& fn,
                      ViewCreation creation = ViewCreation::Default, uint32_t output_nr = 0);
// Every in-place op ends here, once self holds its new value: self's version
// moves on (copies saved of its old value go stale, its views remake their
// grad_fn) and the op's node, when it recorded one, becomes self's history, or
// its base's (as CopySlices) when self is a view.
inline void commit_inplace(const Tensor& self, const autograd::NodePtr& node) {
  self.impl()->bump_version();
  if (node) autograd::rebase_history(self, node);
}
// Flags the reduced dims of a (wrapped, checked for repeats); an empty list
// flags every dim when all_if_empty.
std::vector<bool> reduce_mask(const Tensor& a, const IntList& dims, bool all_if_empty);
// Raises unless the memory behind t has no element written twice (expanded dims).
void check_no_internal_overlap(const Tensor& t);
// Whether an alpha or beta is 1 (scaling by it changes nothing).
inline bool is_one(const Scalar& s) { return s.to_double() == 1.0; }
// g · k, g itself for k = 1 (the gradient of a term scaled by alpha/beta: add, sub, addmm).
inline Tensor alpha_scaled(const Tensor& g, const Scalar& k) { return is_one(k) ? g : mul(g, k); }
// The checks of an in-place op writing a result of dtype rt, broadcast from
// self and an operand of other_sizes, into self: castable, same shape, no overlap.
void check_inplace_result(const Tensor& self, ScalarType rt, const DimVector& other_sizes, const char* op);
// Zero gradients shaped like g (the formula of ops that pass none).
inline Tensor zero_grad(const Tensor& g) { return zeros(g.sizes(), g.dtype()); }

// String equality at compile time (the op tables compare their name columns).
constexpr bool same_str(const char* a, const char* b) {
  while (*a && *a == *b) { ++a; ++b; }
  return *a == *b;
}

// A fresh contiguous copy with no history.
inline Tensor copy_raw(const Tensor& a) {
  Tensor out = st::empty(a.sizes(), a.dtype());
  kernels::copy(out, a);
  return out;
}

// t itself when contiguous, else a contiguous copy with no history (for kernels that walk raw buffers).
inline Tensor contiguous_raw(const Tensor& t) { return t.is_contiguous() ? t : copy_raw(t); }

// Whether a gradient formula of g and a saved s may run as one fused kernel pass: grad mode off (a double
// backward records the composed ops instead), g of s's shape and dtype, float32 or float64.
inline bool one_pass_grad(const Tensor& g, const Tensor& s) {
  return !autograd::GradMode::is_enabled() && g.dtype() == s.dtype() && g.sizes() == s.sizes() &&
         (s.dtype() == ScalarType::Float32 || s.dtype() == ScalarType::Float64);
}

// 0-d tensors are handled by the kernels as one-element 1-d tensors.
inline Tensor as1d(const Tensor& t) { return t.dim() == 0 ? make_view(t, {1}, {1}, t.impl()->offset()) : t; }

// In-place forms built on the out-of-place op (used where no in-place kernel exists).
// self = compute(src), where src holds self's current value (and, when grad is
// needed, its history through a clone); the node compute records becomes self's.
// (`other`, the operand named in older call sites, is checked with the rest of `inputs`.)
template <typename F>
inline Tensor& inplace_via(Tensor& self, const char* name, const Tensor* /*other*/,
                           std::initializer_list<const Tensor*> inputs, F compute) {
  const bool grad = autograd::any_requires_grad(inputs);
  autograd::check_inplace(self, grad, name);
  // forward mode: src carries self's tangent, and self takes r's
  const bool fw = forward_ad::active() && forward_ad::any_tangent(inputs);
  Tensor src = grad ? clone(self) : fw ? forward_ad::detached_dual_copy(self) : alias_raw(self);
  Tensor r = compute(src);
  ST_CHECK(can_cast(r.dtype(), self.dtype()), "result type ", dtype_name(r.dtype()),
           " can't be cast to the desired output type ", dtype_name(self.dtype()));
  ST_CHECK(r.sizes() == self.sizes(), "output with shape ", shape_str(self.sizes()),
           " doesn't match the broadcast shape ", shape_str(r.sizes()));
  check_no_internal_overlap(self);
  kernels::copy(self, r);
  auto* m = grad ? autograd::get_meta(r) : nullptr;
  commit_inplace(self, m ? m->grad_fn : nullptr);
  if (fw) forward_ad::assign_tangent(self, forward_ad::tangent(r));
  return self;
}
// Records node (when the op needs one) as the grad_fn of out.
template <typename N>
inline void finish(const std::shared_ptr<N>& node, const Tensor& out) {
  if (node) autograd::set_history(out, node);
}

// Inside inplace_via's compute: t itself unless it is self, then src.
inline const Tensor& same(const Tensor& t, const Tensor& self, const Tensor& src) {
  return t.is_same(self) ? src : t;
}

}  // namespace st::ops
