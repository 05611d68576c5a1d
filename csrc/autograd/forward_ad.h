// Forward-mode automatic differentiation (PyTorch's torch.autograd.forward_ad).
//
// While a dual level is open, a tensor may carry a tangent: the directional
// derivative of its value along the direction the user chose with make_dual.
// Every op that supports forward mode computes its output's tangent from its
// inputs' tangents by its Jacobian-vector product, right after its forward:
//   - the elementwise registry rows (unary.h, binary.h, ternary.h) need no
//     formula of their own: their derivative is diagonal, so the JVP is the
//     row's backward expression with the tangent in place of the gradient;
//   - the arithmetic, matmul, reduction, view and copy ops state theirs next
//     to their backward node.
// A node type that supports forward mode says so with a member
// `static constexpr bool jvp = true;`. make_node (node.h) refuses, with
// PyTorch's NotImplementedError, any other op one of whose inputs carries a
// tangent, so a tangent is never silently dropped.
//
// Only one level may be open at a time, as in PyTorch 2.13. Tangents belong to
// the level they were made in: closing it makes them all disappear at once
// (each tangent remembers its level's token, and tokens are never reused).
#pragma once
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include "../core/tensor.h"
#include "grad_mode.h"

namespace st::autograd::forward_ad {

namespace detail {
extern std::atomic<uint64_t> open_token;  // 0: no level open
extern thread_local int disabled;         // >0: this thread computes a JVP or runs backward
}  // namespace detail

// Whether tangents flow now: a level is open and this thread is not inside a
// JVP formula (whose operands are plain values) or a backward pass.
inline bool active() {
  return __builtin_expect(detail::open_token.load(std::memory_order_relaxed) != 0, 0) && detail::disabled == 0;
}

// Opens a level; PyTorch's RuntimeError when one is already open.
void enter_level();
// Closes the open level, dropping every tangent made in it.
void exit_level();
bool level_open();

// t's tangent at the open level (undefined when it has none).
Tensor tangent(const Tensor& t);
inline bool has_tangent(const Tensor& t) { return active() && tangent(t).defined(); }
bool any_tangent(std::initializer_list<const Tensor*> ts);
// Gives out (an op's fresh result) its tangent: broadcast to out's shape and
// laid out with out's strides, so that views of out can view it alike.
void set_tangent(const Tensor& out, Tensor t);
// An in-place op's new tangent for self: written into self's tangent when it
// has one (views of self see the change), made self's tangent otherwise.
void assign_tangent(const Tensor& self, const Tensor& t);
// The tangent of a view just made from base, viewing base's tangent alike.
void propagate_view(const Tensor& view, const Tensor& base);
// The same with base's tangent bt given (an in-place view op: base is self's old geometry).
void view_tangent(const Tensor& view, const Tensor& base, Tensor bt);

// make_dual: a view of primal carrying `tangent` at the open level.
Tensor make_dual(const Tensor& primal, const Tensor& tangent);

// While alive, this thread's ops neither read nor make tangents.
struct Disable {
  Disable() { ++detail::disabled; }
  ~Disable() { --detail::disabled; }
  Disable(const Disable&) = delete;
  Disable& operator=(const Disable&) = delete;
};

// The tangent self would get from an in-place op: `out_of_place(v)` is the op
// applied out of place to v, a copy of self's value carrying self's tangent.
template <class F>
Tensor inplace_jvp(const Tensor& self, F&& out_of_place);

// NotImplementedError naming the op of `node_name` (PyTorch's words).
[[noreturn]] void refuse(const std::string& node_name);

template <class N, class = void>
struct has_jvp : std::false_type {};
template <class N>
struct has_jvp<N, std::void_t<decltype(N::jvp)>> : std::bool_constant<N::jvp> {};

// Called by make_node<N>: refuses an op without forward support whose inputs
// carry tangents.
template <class N>
inline void check_supported(std::initializer_list<const Tensor*> inputs) {
  if constexpr (!has_jvp<N>::value) {
    if (active() && any_tangent(inputs)) refuse(N().name());
  }
}

// Gives out its tangent f() (the op's JVP, computed on plain values) when one
// of the inputs carries a tangent.
template <class F>
void jvp(const Tensor& out, std::initializer_list<const Tensor*> inputs, F&& f) {
  if (!active() || !is_floating(out.dtype()) || !any_tangent(inputs)) return;
  Tensor t;
  {
    Disable plain;
    t = f();
  }
  set_tangent(out, t);
}

// For an op linear in its one differentiable input a: out's tangent is the
// op applied to a's tangent.
template <class F>
void linear(const Tensor& out, const Tensor& a, F&& op) {
  jvp(out, {&a}, [&] { return op(tangent(a)); });
}

// An in-place op's new tangent for self, taken before the op overwrites self
// (`op` is the same op out of place); undefined when no input has a tangent.
template <class F>
Tensor inplace_tangent(const Tensor& self, std::initializer_list<const Tensor*> inputs, F&& op) {
  if (!active() || !any_tangent(inputs)) return Tensor();
  return inplace_jvp(self, op);
}

// x + y, an undefined tangent counting as zero.
Tensor add_tangents(const Tensor& x, const Tensor& y);
// f(tangent(t)), or undefined when t has no tangent.
template <class F>
Tensor term(const Tensor& t, F&& f) {
  Tensor tt = tangent(t);
  return tt.defined() ? f(tt) : Tensor();
}

// Copies v's value into a fresh tensor with v's tangent; defined in forward_ad.cpp.
Tensor detached_dual_copy(const Tensor& v);

template <class F>
Tensor inplace_jvp(const Tensor& self, F&& out_of_place) {
  Tensor v = detached_dual_copy(self);
  AutoGradMode no_grad(false);
  Tensor r = out_of_place(v);
  return tangent(r);
}

}  // namespace st::autograd::forward_ad
