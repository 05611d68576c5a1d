// The one binder of the three-input registry (ops/ternary.h): from each row
// it makes smalltorch.<name>(a0, a1, a2, *, [value=1,] out=None),
// Tensor.<name>(...), Tensor.<name>_(...) and the aliases. A Python number or
// None is accepted where the row's numbers column allows it (ops check it).
#include <string>
#include "bind_util.h"

namespace st::py_bind {

namespace {

using Fn = Tensor (*)(const ops::TernaryArg&, const ops::TernaryArg&, const ops::TernaryArg&, const Scalar&);
using InFn = Tensor& (*)(Tensor&, const ops::TernaryArg&, const ops::TernaryArg&, const Scalar&);

// What the binder needs of one row.
struct Row {
  const char* name;
  const char* args[3];
  int mself;
  bool value, optional;  // takes `value=`; a1/a2 may be None
  Fn fn;
  InFn inplace;  // null without an in-place form
};

ops::TernaryArg arg_of(py::handle h, const Row& r, const char* fn, int i) {
  if (is_tensor(h)) return ops::TernaryArg(unwrap(h.ptr()));
  if (h.is_none()) return ops::TernaryArg(std::nullopt);
  Scalar s;
  if (scalar_from_object(h, s)) return ops::TernaryArg(s);
  throw TypeError(str(fn, "(): argument '", r.args[i], "' (position ", i + 1, ") must be Tensor, not ",
                      Py_TYPE(h.ptr())->tp_name));
}

Tensor call(const Row& r, const char* fn, py::handle a0, py::handle a1, py::handle a2, const Scalar& v) {
  return r.fn(arg_of(a0, r, fn, 0), arg_of(a1, r, fn, 1), arg_of(a2, r, fn, 2), v);
}

void bind_row(Module& m, TensorClass& cls, const Row& r) {
  const py::object none = py::none();
  const Scalar one(int64_t(1));
  auto function = [r](py::handle a0, py::handle a1, py::handle a2, const Scalar& v, py::handle out) {
    ST_CHECK_T(is_tensor(a0) || r.mself == 1, TypeError, r.name, "(): argument '", r.args[0],
               "' (position 1) must be Tensor, not ", Py_TYPE(a0.ptr())->tp_name);
    Tensor operands[3];
    int n = 0;
    for (py::handle h : {a0, a1, a2})
      if (is_tensor(h)) operands[n++] = unwrap(h.ptr());
    return result_or_out(out, r.name, [&] { return call(r, r.name, a0, a1, a2, v); },
                         {&operands[0], &operands[1], &operands[2]});
  };
  // Tensor.where(condition, other): self is the row's second argument
  auto method = [r](py::handle self, py::handle a1, py::handle a2, const Scalar& v) {
    return r.mself == 1 ? call(r, r.name, a1, self, a2, v) : call(r, r.name, self, a1, a2, v);
  };
  const std::string iname = std::string(r.name) + "_";
  auto inplace = [r, iname](py::object self, py::handle a1, py::handle a2, const Scalar& v) {
    Tensor t = unwrap(self.ptr());
    r.inplace(t, arg_of(a1, r, iname.c_str(), 1), arg_of(a2, r, iname.c_str(), 2), v);
    return self;
  };
  const char *n0 = r.args[0], *n1 = r.args[1], *n2 = r.args[2];
  if (r.value) {
    m.def(r.name, function, py::arg(n0), py::arg(n1), py::arg(n2), py::kw_only(), py::arg("value") = one,
          py::arg("out") = none);
    cls.def(r.name, method, py::arg(n1), py::arg(n2), py::kw_only(), py::arg("value") = one);
    if (r.inplace) cls.def(iname.c_str(), inplace, py::arg(n1), py::arg(n2), py::kw_only(), py::arg("value") = one);
    return;
  }
  // rows without `value`: the parameter is hidden (always 1)
  auto f3 = [function, one](py::handle a0, py::handle a1, py::handle a2, py::handle out) {
    return function(a0, a1, a2, one, out);
  };
  auto m3 = [method, one](py::handle self, py::handle a1, py::handle a2) { return method(self, a1, a2, one); };
  auto i3 = [inplace, one](py::object self, py::handle a1, py::handle a2) { return inplace(self, a1, a2, one); };
  const char* m1 = r.mself == 1 ? n0 : n1;  // the method's parameter names
  if (r.optional) {
    m.def(r.name, f3, py::arg(n0), py::arg(n1) = none, py::arg(n2) = none, py::kw_only(), py::arg("out") = none);
    cls.def(r.name, m3, py::arg(m1) = none, py::arg(n2) = none);
    if (r.inplace) cls.def(iname.c_str(), i3, py::arg(n1) = none, py::arg(n2) = none);
  } else {
    m.def(r.name, f3, py::arg(n0), py::arg(n1), py::arg(n2), py::kw_only(), py::arg("out") = none);
    cls.def(r.name, m3, py::arg(m1), py::arg(n2));
    if (r.inplace) cls.def(iname.c_str(), i3, py::arg(n1), py::arg(n2));
  }
}

// The row's C++ functions with the `value` parameter made uniform.
#define ST_TERNARY_FN(nm, value_) ST_TERNARY_FN_##value_(nm)
#define ST_TERNARY_FN_1(nm) [](const ops::TernaryArg& a, const ops::TernaryArg& b, const ops::TernaryArg& c, \
                               const Scalar& v) { return ops::nm(a, b, c, v); }
#define ST_TERNARY_FN_0(nm) [](const ops::TernaryArg& a, const ops::TernaryArg& b, const ops::TernaryArg& c, \
                               const Scalar&) { return ops::nm(a, b, c); }
#define ST_TERNARY_INFN(nm, value_, inplace) ST_TERNARY_INFN_##inplace##value_(nm)
#define ST_TERNARY_INFN_00(nm) nullptr
#define ST_TERNARY_INFN_01(nm) nullptr
#define ST_TERNARY_INFN_11(nm) [](Tensor& s, const ops::TernaryArg& b, const ops::TernaryArg& c, \
                                  const Scalar& v) -> Tensor& { return ops::nm##_(s, b, c, v); }
#define ST_TERNARY_INFN_10(nm) [](Tensor& s, const ops::TernaryArg& b, const ops::TernaryArg& c, \
                                  const Scalar&) -> Tensor& { return ops::nm##_(s, b, c); }

}  // namespace

void bind_ternary(Module& m, TensorClass& cls) {
  py::dict rows;
#define ST_TERNARY_ROW(nm, n0, n1, n2, mself, types, numbers, value_, inplace, node, snode, ...)          \
  bind_row(m, cls,                                                                                         \
           Row{#nm, {#n0, #n1, #n2}, mself, bool(value_), std::string(#numbers) == "Bounds12",                   \
               static_cast<Fn>(ST_TERNARY_FN(nm, value_)), static_cast<InFn>(ST_TERNARY_INFN(nm, value_, inplace))}); \
  rows[#nm] = py::make_tuple(py::make_tuple(#n0, #n1, #n2), mself, #numbers, bool(value_), bool(inplace), #node, #snode);
  ST_TERNARY_OPS(ST_TERNARY_ROW)
#undef ST_TERNARY_ROW
#define ST_TERNARY_ALIAS(alias, name) bind_alias(m, cls, #alias, #name);
  ST_TERNARY_ALIASES(ST_TERNARY_ALIAS)
#undef ST_TERNARY_ALIAS
  // The registry as data, for tests that walk every row:
  // name -> (argument names, method self, numbers, value, inplace, node, number node).
  m.attr("_ternary_registry") = rows;
  // the gradient columns as text, per argument (the mask or condition has none)
#define ST_TERNARY_FORMULA(nm, n0, n1, n2, mself, types, numbers, value_, inplace, node, snode, save, ssave, kinds, \
                           fwd, g0, g1, g2)                                                                        \
  {                                                                                                                \
    const std::string k = #kinds;                                                                                  \
    auto name = [](const char* n) { return std::string(n) == "input" ? std::string("self") : std::string(n); };   \
    py::list ins, fs;                                                                                              \
    const char* args[3] = {#n0, #n1, #n2};                                                                         \
    const char* forms[3] = {#g0, #g1, #g2};                                                                        \
    for (int i = 0; i < 3; ++i)                                                                                    \
      if (!((k == "BTT" && i == 0) || (k == "TBT" && i == 1))) { ins.append(name(args[i])); fs.append(forms[i]); } \
    py::dict sym(py::arg("g") = "grad", py::arg("a") = name(#n0), py::arg("b") = name(#n1),                       \
                 py::arg("c") = name(#n2), py::arg("v") = "value", py::arg("zero") = "0");                         \
    add_vjp_formula(m, #node, py::tuple(ins), py::tuple(fs), sym);                                                 \
    add_vjp_formula(m, #snode, py::tuple(ins), py::tuple(fs), sym);                                                \
  }
  ST_TERNARY_OPS(ST_TERNARY_FORMULA)
#undef ST_TERNARY_FORMULA
}

}  // namespace st::py_bind
