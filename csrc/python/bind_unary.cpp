// Python bindings of the "unary" operator family. The rows of ST_UNARY_OPS
// (ops/unary.h) are bound generically: Tensor.<name>(), Tensor.<name>_()
// and smalltorch.<name>(input, *, out=None).
#include <algorithm>
#include <iterator>
#include <string>
#include "bind_util.h"

namespace st::py_bind {

namespace {

Tensor self_of(py::handle h) { return h.cast<Tensor>(); }

// clamp_min / clamp_max: a Tensor or a number bound (clamp itself is a row of ops/ternary.h)
template <bool IsMin>
Tensor clamp_one(const Tensor& a, py::handle v) {
  const char* fn = IsMin ? "clamp_min" : "clamp_max";
  const char* arg = IsMin ? "min" : "max";
  Scalar s;
  ops::TernaryArg b = is_tensor(v) ? ops::TernaryArg(unwrap(v.ptr())) : ops::TernaryArg(std::nullopt);
  if (!is_tensor(v)) {
    ST_CHECK_T(!v.is_none() && scalar_from_object(v, s), TypeError, fn, "(): argument '", arg,
               "' must be Tensor or Number, not ", Py_TYPE(v.ptr())->tp_name);
    b = ops::TernaryArg(s);
  }
  return IsMin ? ops::clamp_min(a, b) : ops::clamp_max(a, b);
}

}  // namespace

void bind_unary(Module& m, TensorClass& cls) {
  auto none = py::none();

  // ---- ops with arguments, bound by hand (the table below skips these rows: kByHand)
  // decimals given (even 0) is the overload PyTorch records as RoundBackward1
  auto round_any = [](const Tensor& a, py::object decimals) {
    return decimals.is_none() ? ops::round(a) : ops::round(a, to_int(decimals, "round", "decimals", 1));
  };
  cls.def("round", round_any, py::kw_only(), py::arg("decimals") = none);
  cls.def("round_", [](py::object s, py::object decimals) {
    Tensor t = self_of(s);
    if (decimals.is_none()) ops::round_(t);
    else ops::round_(t, to_int(decimals, "round_", "decimals", 1));
    return s;
  }, py::kw_only(), py::arg("decimals") = none);
  m.def("round", [round_any](const Tensor& a, py::object decimals, py::object out) {
    check_out_dtype(out, ops::OutDtype::Same, a.dtype(), "round");  // the row's out column
    return result_or_out(out, "round", [&] { return round_any(a, decimals); }, {&a});
  }, py::arg("input"), py::kw_only(), py::arg("decimals") = none, py::arg("out") = none);

  cls.def("square", [](const Tensor& a) { return ops::square(a); });
  cls.def("square_", [](py::object s) { Tensor t = self_of(s); ops::square_(t); return s; });
  m.def("square", [](const Tensor& a, py::object out) { return result_or_out(out, "square", [&] { return ops::square(a); }, {&a}); },
        py::arg("input"), py::kw_only(), py::arg("out") = none);

  cls.def("clamp_min", &clamp_one<true>, py::arg("min"));
  cls.def("clamp_max", &clamp_one<false>, py::arg("max"));
  m.def("clamp_min", &clamp_one<true>, py::arg("input"), py::arg("min"));
  m.def("clamp_max", &clamp_one<false>, py::arg("input"), py::arg("max"));

  cls.def("nan_to_num", [](const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                           std::optional<double> neginf) { return ops::nan_to_num(a, nan, posinf, neginf); },
          py::arg("nan") = 0.0, py::arg("posinf") = none, py::arg("neginf") = none);
  cls.def("nan_to_num_", [](py::object s, std::optional<double> nan, std::optional<double> posinf,
                            std::optional<double> neginf) {
    Tensor t = self_of(s);
    ops::nan_to_num_(t, nan, posinf, neginf);
    return s;
  }, py::arg("nan") = 0.0, py::arg("posinf") = none, py::arg("neginf") = none);
  m.def("nan_to_num", [](const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                         std::optional<double> neginf, py::object out) {
    return result_or_out(out, "nan_to_num", [&] { return ops::nan_to_num(a, nan, posinf, neginf); }, {&a});
  }, py::arg("input"), py::arg("nan") = 0.0, py::arg("posinf") = none, py::arg("neginf") = none, py::kw_only(),
        py::arg("out") = none);

  cls.def("__abs__", [](const Tensor& a) { return ops::abs(a); });
  cls.def("__invert__", [](const Tensor& a) {
    ST_CHECK_T(!is_floating(a.dtype()), TypeError,
               "~ (operator.invert) is only implemented on integer and Boolean-type tensors");
    return ops::bitwise_not(a);
  });

  // logit(eps): the input clamped to [eps, 1 - eps] first (the gradient is zero outside, as PyTorch's)
  auto logit_any = [](const Tensor& a, std::optional<double> eps) {
    if (!eps) return ops::logit(a);
    return ops::logit(ops::clamp(a, ops::TernaryArg(Scalar(*eps)), ops::TernaryArg(Scalar(1.0 - *eps))));
  };
  cls.def("logit", logit_any, py::arg("eps") = none);
  cls.def("logit_", [logit_any](py::object s, std::optional<double> eps) {
    Tensor t = self_of(s);
    if (!eps) {
      ops::logit_(t);
    } else {
      Tensor r = logit_any(t, eps);
      ops::write_out(t, ops::detach(r), "logit_");  // no graph through an in-place logit with eps
    }
    return s;
  }, py::arg("eps") = none);
  m.def("logit", [logit_any](const Tensor& a, std::optional<double> eps, py::object out) {
    return result_or_out(out, "logit", [&] { return logit_any(a, eps); }, {&a});
  }, py::arg("input"), py::arg("eps") = none, py::kw_only(), py::arg("out") = none);

  // polygamma(n, input): the order first, as PyTorch's signature
  cls.def("polygamma", [](const Tensor& a, int64_t n) { return ops::polygamma(n, a); }, py::arg("n"));
  cls.def("polygamma_", [](py::object s, int64_t n) { Tensor t = self_of(s); ops::polygamma_(t, n); return s; },
          py::arg("n"));
  m.def("polygamma", [](int64_t n, const Tensor& a, py::object out) {
    return result_or_out(out, "polygamma", [&] { return ops::polygamma(n, a); }, {&a});
  }, py::arg("n"), py::arg("input"), py::kw_only(), py::arg("out") = none);

  // ---- the table: one method, one in-place method and one function per row (but the rows bound by hand);
  // rows named special_* are functions of smalltorch.special only (no method)
  const std::string kByHand[] = {"round", "logit"};
  auto by_hand = [&](const char* name) {
    return std::find(std::begin(kByHand), std::end(kByHand), name) != std::end(kByHand);
  };
#define ST_UNARY_BIND(nm, rule, vec, inplace, out_dtype, ...)                                               \
  if (!by_hand(#nm)) {                                                                                 \
    if (std::string(#nm).rfind("special_", 0) != 0) cls.def(#nm, [](const Tensor& a) { return ops::nm(a); }); \
    if (ops::OutDtype::out_dtype == ops::OutDtype::None)                                               \
      m.def(#nm, [](const Tensor& a) { return ops::nm(a); }, py::arg("input"));                         \
    else                                                                                               \
      m.def(#nm, [](const Tensor& a, py::object out) {                                                 \
        check_out_dtype(out, ops::OutDtype::out_dtype, ops::result_dtype(ops::Rule::rule, a.dtype()), #nm); \
        return result_or_out(out, #nm, [&] { return ops::nm(a); }, {&a});                              \
      }, py::arg("input"), py::kw_only(), py::arg("out") = py::none());                                \
    ST_UNARY_IF_##inplace(cls.def(#nm "_", [](py::object s) {                                          \
      Tensor t = self_of(s);                                                                           \
      ops::nm##_(t);                                                                                   \
      return s;                                                                                        \
    });)                                                                                               \
  }
  ST_UNARY_OPS(ST_UNARY_BIND)
#undef ST_UNARY_BIND
#define ST_UNARY_FORMULA(nm, rule, vec, inplace, out, node, save, fwd, bwd)                                          \
  if (std::string(#node) != "NoNode") {                                                                  \
    std::string name = #node;                                                                            \
    for (int form = 0; form < (inplace == 2 ? 2 : 1); ++form, name.back() = '1')                         \
      add_vjp_formula(m, name.c_str(), py::make_tuple("self"), py::make_tuple(#bwd),                      \
                      py::dict(py::arg("g") = "grad",                                                    \
                               py::arg("s") = std::string(#save) == "Result" ? "result" : "self"));      \
  }
  ST_UNARY_OPS(ST_UNARY_FORMULA)
#undef ST_UNARY_FORMULA

  // The registry as data (tests and docstrings): name -> (dtype rule, in-place form, node name).
  py::dict rows;
#define ST_UNARY_DESCRIBE(nm, rule, vec, inplace, out, node, ...) rows[#nm] = py::make_tuple(#rule, inplace, #node);
  ST_UNARY_OPS(ST_UNARY_DESCRIBE)
#undef ST_UNARY_DESCRIBE
  m.attr("_unary_registry") = rows;

  // ---- PyTorch's aliases
  for (auto [alias, name] : {std::pair{"absolute", "abs"}, {"arcsin", "asin"}, {"arccos", "acos"}, {"arctan", "atan"},
                             {"fix", "trunc"}, {"arcsinh", "asinh"}, {"arccosh", "acosh"}, {"arctanh", "atanh"}})
    bind_alias(m, cls, alias, name);
}

}  // namespace st::py_bind
