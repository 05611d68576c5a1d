// div with rounding_mode (the elementwise ops of two and three operands are
// rows of binary.h and ternary.h). Kernel in kernels/pointwise.cpp.
#include "../kernels/pointwise.h"
#include "internal.h"

namespace st::ops {

namespace {

void check_supported(bool ok, const char* kernel, ScalarType t) {
  if (!ok) throw NotImplementedError(str("\"", kernel, "\" not implemented for '", torch_type_name(t), "'"));
}


// ---------------------------------------------------------------- backward nodes

// A node whose inputs get zero gradients (div with a rounding mode).
struct ZeroBackward : Node {
  static constexpr bool jvp = true;  // a zero tangent (div_round)
  const char* nm = "";
  const char* name() const override { return nm; }
  TensorList apply(TensorList&& g) override {
    TensorList r(next_edges.size());
    for (size_t i = 0; i < r.size(); ++i)
      if (should_compute(i)) r[i] = zeros(g[0].sizes(), g[0].dtype());
    return r;
  }
};

// ---------------------------------------------------------------- rounding division family

enum class Round { Trunc, Floor };

Round parse_mode(const std::string& m) {
  ST_CHECK(m == "trunc" || m == "floor",
           "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", m, "'");
  return m == "trunc" ? Round::Trunc : Round::Floor;
}

Tensor div_round(const Tensor& a, const Tensor& b, Round mode, bool scalar_other) {
  ScalarType rt = result_type(a, b);
  check_supported(rt != ScalarType::Bool, mode == Round::Trunc ? "div_trunc_cpu" : "div_floor_cpu", rt);
  Tensor out = st::empty(broadcast_shapes(a.sizes(), b.sizes()), rt);
  ST_CHECK(kernels::div_rounded(mode == Round::Floor, out, cast_raw(a, rt), cast_raw(b, rt)), "ZeroDivisionError");
  if (auto n = make_node<ZeroBackward>({&a, scalar_other ? nullptr : &b})) { n->nm = "DivBackward2"; finish(n, out); }
  forward_ad::jvp(out, {&a, scalar_other ? nullptr : &b}, [&] { return zeros(out.sizes(), out.dtype()); });
  return out;
}

}  // namespace

// ---------------------------------------------------------------- div with rounding_mode

Tensor div_mode(const Tensor& a, const Tensor& b, const std::optional<std::string>& mode) {
  if (!mode) return div(a, b);
  return div_round(a, b, parse_mode(*mode), false);
}

Tensor div_mode(const Tensor& a, const Scalar& b, const std::optional<std::string>& mode) {
  if (!mode) return div(a, b);
  return div_round(a, wrapped_scalar(b), parse_mode(*mode), true);
}

Tensor& div_mode_(Tensor& self, const Tensor& b, const std::optional<std::string>& mode) {
  if (!mode) return div_(self, b);
  Round m = parse_mode(*mode);
  check_no_partial_overlap(self, b);
  return inplace_via(self, "div_", &b, {&self, &b},
                     [&](const Tensor& s) { return div_round(s, same(b, self, s), m, false); });
}

Tensor& div_mode_(Tensor& self, const Scalar& b, const std::optional<std::string>& mode) {
  if (!mode) return div_(self, b);
  Round m = parse_mode(*mode);
  return inplace_via(self, "div_", nullptr, {&self},
                     [&](const Tensor& s) { return div_round(s, wrapped_scalar(b), m, true); });
}

}  // namespace st::ops
