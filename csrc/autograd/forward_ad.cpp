// Forward-mode AD: levels, tangents and their layout (see forward_ad.h).
#include "forward_ad.h"
#include <algorithm>
#include <cctype>
#include "../kernels/kernels.h"
#include "../ops/ops.h"
#include "node.h"

namespace st::autograd::forward_ad {

namespace detail {
std::atomic<uint64_t> open_token{0};
thread_local int disabled = 0;
}  // namespace detail

namespace {
std::atomic<uint64_t> last_token{0};

// A tensor with t's values laid out with `like`'s sizes, strides and offset
// within a storage of its own.
Tensor with_layout(const Tensor& t, const Tensor& like) {
  int64_t extent = like.impl()->offset() + 1;
  for (int64_t d = 0; d < like.dim(); ++d) {
    if (like.sizes()[d] == 0) { extent = like.impl()->offset(); break; }
    extent += (like.sizes()[d] - 1) * std::max<int64_t>(like.strides()[d], 0);
  }
  Tensor store = st::empty(DimVector{std::max<int64_t>(extent, 1)}, t.dtype());
  Tensor out = make_view(store, like.sizes(), like.strides(), like.impl()->offset());
  kernels::copy(out, t);
  return out;
}

// The op a node name stands for, as PyTorch's message names it: "CumsumBackward0" -> "cumsum".
std::string op_of(const std::string& node) {
  std::string s = node;
  const size_t colon = s.rfind("::");
  if (colon != std::string::npos) s = s.substr(colon + 2);
  const size_t b = s.find("Backward");
  if (b != std::string::npos) s = s.substr(0, b);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0 && std::islower(static_cast<unsigned char>(s[i - 1])))
      out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out == "unique2" ? "_unique2" : out;  // the one private op name a refusal can show
}
}  // namespace

void enter_level() {
  ST_CHECK(detail::open_token.load() == 0, "Nested forward mode AD is not supported at the moment");
  detail::open_token.store(++last_token);
}

void exit_level() {
  ST_CHECK(detail::open_token.load() != 0, "Trying to exit a forward AD level that was not the last one that was "
           "created. This is not supported.");
  detail::open_token.store(0);
}

bool level_open() { return detail::open_token.load() != 0; }

Tensor tangent(const Tensor& t) {
  const uint64_t token = detail::open_token.load(std::memory_order_relaxed);
  if (token == 0 || !t.defined()) return Tensor();
  auto* m = get_meta(t);
  if (!m || m->fw_token != token) return Tensor();
  return m->fw_grad;
}

bool any_tangent(std::initializer_list<const Tensor*> ts) {
  for (auto* t : ts)
    if (t && t->defined() && tangent(*t).defined()) return true;
  return false;
}

void set_tangent(const Tensor& out, Tensor t) {
  if (!t.defined()) return;
  if (t.sizes() != out.sizes()) t = ops::expand(t, out.sizes());
  if (t.strides() != out.strides() || t.impl()->offset() != out.impl()->offset()) t = with_layout(t, out);
  auto& m = meta(out);
  m.fw_grad = t;
  m.fw_token = detail::open_token.load();
}

void assign_tangent(const Tensor& self, const Tensor& t) {
  if (!t.defined()) return;
  Tensor mine = tangent(self);
  const ViewMeta* vm = self.impl()->view_meta();
  if (!mine.defined() && vm && vm->base) {
    // a write into a view of a tensor without a tangent: the base gets a zero
    // tangent, and the view views it, so the base sees the written part
    Tensor base(vm->base);
    if (!tangent(base).defined()) {
      Disable off;
      AutoGradMode no_grad(false);
      set_tangent(base, ops::zeros(base.sizes(), t.dtype()));
    }
    propagate_view(self, base);
    mine = tangent(self);
  }
  if (mine.defined()) {
    Disable off;
    AutoGradMode no_grad(false);
    kernels::copy(mine, t.sizes() == self.sizes() ? t : ops::expand(t, self.sizes()));
    mine.impl()->bump_version();
  } else {
    set_tangent(self, t);
  }
}

void propagate_view(const Tensor& view, const Tensor& base) { view_tangent(view, base, tangent(base)); }

void view_tangent(const Tensor& view, const Tensor& base, Tensor bt) {
  if (!bt.defined()) return;
  if (bt.strides() != base.strides()) bt = with_layout(bt, base);  // (only a primal whose layout moved)
  int64_t shift = bt.impl()->offset() - base.impl()->offset();
  // A view that reaches past base's tangent storage (as_strided over elements of the storage that base
  // does not show): the tangent viewed within a zero storage as large as base's.
  int64_t lo = view.impl()->offset() + shift, hi = lo;
  for (int64_t d = 0; d < view.dim(); ++d) {
    if (view.sizes()[d] == 0) { hi = lo - 1; break; }
    const int64_t reach = (view.sizes()[d] - 1) * view.strides()[d];
    (reach < 0 ? lo : hi) += reach;
  }
  const int64_t item = static_cast<int64_t>(element_size(bt.dtype()));
  const int64_t have = static_cast<int64_t>(bt.impl()->storage()->nbytes()) / item;
  if (hi >= lo && (lo < 0 || hi >= have)) {
    Disable off;
    AutoGradMode no_grad(false);
    const int64_t count = static_cast<int64_t>(base.impl()->storage()->nbytes()) / item;
    Tensor store = ops::zeros(DimVector{std::max<int64_t>(count, 1)}, bt.dtype());
    kernels::copy(make_view(store, base.sizes(), base.strides(), base.impl()->offset()), bt);
    bt = make_view(store, base.sizes(), base.strides(), base.impl()->offset());
    shift = 0;
  }
  auto& m = meta(view);
  m.fw_grad = make_view(bt, view.sizes(), view.strides(), view.impl()->offset() + shift);
  m.fw_token = detail::open_token.load();
}

Tensor make_dual(const Tensor& primal, const Tensor& t) {
  ST_CHECK(level_open(), "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
           "enter_dual_level() first.");
  ST_CHECK_T(is_floating(primal.dtype()), ValueError, "Expected primal to be floating point or complex, but got: torch.",
             dtype_name(primal.dtype()));
  ST_CHECK_T(is_floating(t.dtype()), ValueError, "Expected tangent to be floating point or complex, but got: torch.",
             dtype_name(t.dtype()));
  ST_CHECK(t.sizes() == primal.sizes(), "Trying to set a forward gradient that has a different size than that of "
           "the original Tensor, this is not supported. Tensor is of size ", shape_str(primal.sizes()),
           " while the given forward gradient is of size ", shape_str(t.sizes()), ".");
  Tensor dual;
  {
    Disable off;  // the view must not take primal's own tangent
    dual = ops::view(primal, primal.sizes());  // PyTorch's dual: a ViewBackward0 view
  }
  Tensor tt = t;
  if (t.strides() != primal.strides() || t.impl()->offset() != primal.impl()->offset()) tt = with_layout(t, primal);
  auto& m = meta(dual);
  m.fw_grad = tt;
  m.fw_token = detail::open_token.load();
  return dual;
}

Tensor detached_dual_copy(const Tensor& v) {
  Tensor c;
  {
    Disable off;
    AutoGradMode no_grad(false);
    c = ops::clone(v);
  }
  Tensor t = tangent(v);
  if (t.defined()) set_tangent(c, t);
  return c;
}

Tensor add_tangents(const Tensor& x, const Tensor& y) {
  return !x.defined() ? y : !y.defined() ? x : ops::add(x, y);
}

void refuse(const std::string& node_name) {
  throw NotImplementedError(str("Trying to use forward AD with ", op_of(node_name),
                                " that does not support it because it has not been implemented yet."));
}

}  // namespace st::autograd::forward_ad
