// The one binder of the elementwise registry (ops/binary.h): from each row it
// makes smalltorch.<name>(input, other, *, out=None), Tensor.<name>(other),
// Tensor.<name>_(other), the row's Python operators, and the aliases. A
// Python number is accepted where the row's forms column allows it. The kw
// column adds rounding_mode= or alpha= to the function and the methods; the
// arg2 column names `other` (pow's `exponent`).
#include <optional>
#include <string>
#include "bind_util.h"

namespace st::py_bind {

namespace {

using TT = Tensor (*)(const Tensor&, const Tensor&);
using TS = Tensor (*)(const Tensor&, const Scalar&);
using ST = Tensor (*)(const Scalar&, const Tensor&);
using ITT = Tensor& (*)(Tensor&, const Tensor&);
using ITS = Tensor& (*)(Tensor&, const Scalar&);
// the kw column's RoundingMode: op_mode(a, b, mode) and op_mode_(self, b, mode)
using Mode = std::optional<std::string>;
using TTM = Tensor (*)(const Tensor&, const Tensor&, const Mode&);
using TSM = Tensor (*)(const Tensor&, const Scalar&, const Mode&);
using ITTM = Tensor& (*)(Tensor&, const Tensor&, const Mode&);
using ITSM = Tensor& (*)(Tensor&, const Scalar&, const Mode&);
using TTO = Tensor& (*)(Tensor&, const Tensor&, const Tensor&);
// the kw column's Alpha: op(a, b, alpha), op_(self, b, alpha), op_out(out, a, b, alpha)
using TTA = Tensor (*)(const Tensor&, const Tensor&, const Scalar&);
using TSA = Tensor (*)(const Tensor&, const Scalar&, const Scalar&);
using STA = Tensor (*)(const Scalar&, const Tensor&, const Scalar&);
using ITTA = Tensor& (*)(Tensor&, const Tensor&, const Scalar&);
using ITSA = Tensor& (*)(Tensor&, const Scalar&, const Scalar&);
using TTOA = Tensor& (*)(Tensor&, const Tensor&, const Tensor&, const Scalar&);

// What the binder needs of one row: its name, its C++ functions (null where
// the row has no such form) and its operator stem.
struct Row {
  const char* name;
  const char* arg2;  // the second input's name (`other`, pow's `exponent`)
  TT tt;
  TS ts;
  ST st;
  ITT itt;
  ITS its;
  const char* oper;
  TTO tto;          // out=
  bool wrap_input;  // forms TSR: the function takes a number input as a wrapped 0-d tensor
  TTM ttm;          // null unless the row takes rounding_mode
  TSM tsm;
  ITTM ittm;
  ITSM itsm;
  TTA tta;  // null unless the row takes alpha
  TSA tsa;
  STA sta;
  ITTA itta;
  ITSA itsa;
  TTOA ttoa;
};

bool as_number(py::handle h, Scalar& s) { return !is_tensor(h) && scalar_from_object(h, s); }

[[noreturn]] void bad_other(const Row& r, const char* fn, py::handle o) {
  throw TypeError(str(fn, "(): argument '", r.arg2, "' (position 2) must be Tensor", r.ts ? " or Number" : "", ", not ",
                      Py_TYPE(o.ptr())->tp_name));
}

Tensor call(const Row& r, const Tensor& a, py::handle o) {
  if (is_tensor(o)) return r.tt(a, unwrap(o.ptr()));
  Scalar s;
  if (r.ts && scalar_from_object(o, s)) return r.ts(a, s);
  bad_other(r, r.name, o);
}

void call_inplace(const Row& r, const char* fn, Tensor& a, py::handle o) {
  Scalar s;
  if (is_tensor(o)) r.itt(a, unwrap(o.ptr()));
  else if (r.its && scalar_from_object(o, s)) r.its(a, s);
  else bad_other(r, fn, o);
}

// The function's out=: out = op(input, other) by the row's out form (a number
// operand wrapped), with alpha where the row takes it.
py::object call_out(const Row& r, py::handle a, py::handle b, py::handle out, const Scalar* alpha = nullptr) {
  Tensor o = out_tensor(out, r.name);
  Scalar s;
  Tensor x, y;
  if (is_tensor(a)) x = unwrap(a.ptr());
  else if ((r.st || r.sta) && scalar_from_object(a, s)) x = ops::wrapped_scalar(s);
  else throw TypeError(str(r.name, "(): argument 'input' (position 1) must be Tensor, not ",
                           Py_TYPE(a.ptr())->tp_name));
  if (is_tensor(b)) y = unwrap(b.ptr());
  else if (r.ts && scalar_from_object(b, s)) y = ops::wrapped_scalar(s);
  else bad_other(r, r.name, b);
  if (alpha) r.ttoa(o, x, y, *alpha);
  else r.tto(o, x, y);
  return py::reinterpret_borrow<py::object>(out);
}

// Python operators answer NotImplemented for anything but a Tensor or a number.
py::object operator_result(const Row& r, const Tensor& a, py::handle o, bool reflected) {
  Scalar s;
  if (is_tensor(o)) return py::cast(reflected ? r.tt(unwrap(o.ptr()), a) : r.tt(a, unwrap(o.ptr())));
  if (as_number(o, s)) {
    if (!reflected && r.ts) return py::cast(r.ts(a, s));
    if (reflected && r.st) return py::cast(r.st(s, a));
  }
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}

// rounding_mode (None or a string), as PyTorch's argument parser checks it.
Mode mode_of(const Row& r, py::handle h) {
  if (h.is_none()) return std::nullopt;
  ST_CHECK_T(py::isinstance<py::str>(h), TypeError, r.name, "(): argument 'rounding_mode' must be str or None, not ",
             Py_TYPE(h.ptr())->tp_name);
  return h.cast<std::string>();
}

// The row's op with its rounding_mode keyword: the plain op when it is None.
Tensor call_mode(const Row& r, const Tensor& a, py::handle o, py::handle mode) {
  const Mode md = mode_of(r, mode);
  if (!md) return call(r, a, o);
  Scalar s;
  if (is_tensor(o)) return r.ttm(a, unwrap(o.ptr()), md);
  if (scalar_from_object(o, s)) return r.tsm(a, s, md);
  bad_other(r, r.name, o);
}

void call_inplace_mode(const Row& r, const char* fn, Tensor& a, py::handle o, py::handle mode) {
  const Mode md = mode_of(r, mode);
  if (!md) return call_inplace(r, fn, a, o);
  Scalar s;
  if (is_tensor(o)) r.ittm(a, unwrap(o.ptr()), md);
  else if (scalar_from_object(o, s)) r.itsm(a, s, md);
  else bad_other(r, fn, o);
}

bool is_comparison(const std::string& stem) {
  return stem == "eq" || stem == "ne" || stem == "lt" || stem == "le" || stem == "gt" || stem == "ge";
}

// smalltorch.<name>, Tensor.<name> and Tensor.<name>_ of a row whose kw column is RoundingMode.
void bind_row_with_mode(Module& m, TensorClass& cls, const Row& r) {
  const py::object none = py::none();
  m.def(r.name, [r](py::handle a, py::handle b, py::handle mode, py::handle out) {
    if (!out.is_none() && !mode_of(r, mode)) return call_out(r, a, b, out);
    Scalar s;
    if (r.st && as_number(a, s) && is_tensor(b))
      return result_or_out(out, r.name, [&] {
        return mode_of(r, mode) ? call_mode(r, ops::wrapped_scalar(s), b, mode) : r.st(s, unwrap(b.ptr()));
      });
    ST_CHECK_T(is_tensor(a), TypeError, r.name, "(): argument 'input' (position 1) must be Tensor, not ",
               Py_TYPE(a.ptr())->tp_name);
    return result_or_out(out, r.name, [&] { return call_mode(r, unwrap(a.ptr()), b, mode); });
  }, py::arg("input"), py::arg(r.arg2), py::kw_only(), py::arg("rounding_mode") = none, py::arg("out") = none);
  cls.def(r.name, [r](const Tensor& a, py::handle o, py::handle mode) { return call_mode(r, a, o, mode); },
          py::arg(r.arg2), py::kw_only(), py::arg("rounding_mode") = none);
  const std::string iname = std::string(r.name) + "_";
  cls.def(iname.c_str(), [r, iname](py::object self, py::handle o, py::handle mode) {
    Tensor t = unwrap(self.ptr());
    call_inplace_mode(r, iname.c_str(), t, o, mode);
    return self;
  }, py::arg(r.arg2), py::kw_only(), py::arg("rounding_mode") = none);
}

// The row's op with its alpha keyword.
Tensor call_alpha(const Row& r, const Tensor& a, py::handle o, const Scalar& alpha) {
  if (is_tensor(o)) return r.tta(a, unwrap(o.ptr()), alpha);
  Scalar s;
  if (scalar_from_object(o, s)) return r.tsa(a, s, alpha);
  bad_other(r, r.name, o);
}

// smalltorch.<name>, Tensor.<name> and Tensor.<name>_ of a row whose kw column is Alpha. As PyTorch's
// add and sub, the function takes a number input too (with a number other: a 0-d result).
void bind_row_with_alpha(Module& m, TensorClass& cls, const Row& r) {
  const py::object none = py::none();
  const Scalar one(int64_t(1));
  m.def(r.name, [r](py::handle a, py::handle b, const Scalar& alpha, py::handle out) -> py::object {
    if (!out.is_none()) return call_out(r, a, b, out, &alpha);
    Scalar s;
    if (is_tensor(a)) return py::cast(call_alpha(r, unwrap(a.ptr()), b, alpha));
    ST_CHECK_T(scalar_from_object(a, s), TypeError, r.name, "(): argument 'input' (position 1) must be Tensor, not ",
               Py_TYPE(a.ptr())->tp_name);
    if (is_tensor(b) && !r.wrap_input) return py::cast(r.sta(s, unwrap(b.ptr()), alpha));
    return py::cast(call_alpha(r, ops::wrapped_scalar(s), b, alpha));
  }, py::arg("input"), py::arg(r.arg2), py::kw_only(), py::arg("alpha") = one, py::arg("out") = none);
  cls.def(r.name, [r](const Tensor& a, py::handle o, const Scalar& alpha) { return call_alpha(r, a, o, alpha); },
          py::arg(r.arg2), py::kw_only(), py::arg("alpha") = one);
  const std::string iname = std::string(r.name) + "_";
  cls.def(iname.c_str(), [r, iname](py::object self, py::handle o, const Scalar& alpha) {
    Tensor t = unwrap(self.ptr());
    Scalar s;
    if (is_tensor(o)) r.itta(t, unwrap(o.ptr()), alpha);
    else if (scalar_from_object(o, s)) r.itsa(t, s, alpha);
    else bad_other(r, iname.c_str(), o);
    return self;
  }, py::arg(r.arg2), py::kw_only(), py::arg("alpha") = one);
}

void bind_row(Module& m, TensorClass& cls, const Row& r) {
  if (r.ttm) return bind_row_with_mode(m, cls, r);
  if (r.tta) return bind_row_with_alpha(m, cls, r);
  const py::object none = py::none();
  m.def(r.name, [r](py::handle a, py::handle b, py::handle out) {
    if (!out.is_none()) return call_out(r, a, b, out);
    Scalar s;
    if (r.st && as_number(a, s) && is_tensor(b))
      return py::cast(r.wrap_input ? r.tt(ops::wrapped_scalar(s), unwrap(b.ptr())) : r.st(s, unwrap(b.ptr())));
    ST_CHECK_T(is_tensor(a), TypeError, r.name, "(): argument 'input' (position 1) must be Tensor, not ",
               Py_TYPE(a.ptr())->tp_name);
    return py::cast(call(r, unwrap(a.ptr()), b));
  }, py::arg("input"), py::arg(r.arg2), py::kw_only(), py::arg("out") = none);
  if (std::string(r.name).rfind("special_", 0) == 0) return;  // a smalltorch.special function only
  cls.def(r.name, [r](const Tensor& a, py::handle o) { return call(r, a, o); }, py::arg(r.arg2));
  const std::string iname = std::string(r.name) + "_";
  if (r.itt) {
    cls.def(iname.c_str(), [r, iname](py::object self, py::handle o) {
      Tensor t = unwrap(self.ptr());
      call_inplace(r, iname.c_str(), t, o);
      return self;
    }, py::arg(r.arg2));
  }
  const std::string stem = r.oper;
  if (stem.empty()) return;
  cls.def(("__" + stem + "__").c_str(), [r](const Tensor& a, py::handle o) { return operator_result(r, a, o, false); });
  if (is_comparison(stem)) return;  // Python reflects a comparison by swapping it (1 < t is t > 1)
  cls.def(("__r" + stem + "__").c_str(), [r](const Tensor& a, py::handle o) { return operator_result(r, a, o, true); });
  cls.def(("__i" + stem + "__").c_str(), [r](py::object self, py::handle o) -> py::object {
    Tensor t = unwrap(self.ptr());
    Scalar s;
    if (is_tensor(o)) r.itt(t, unwrap(o.ptr()));
    else if (r.its && as_number(o, s)) r.its(t, s);
    else return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return self;
  });
}

}  // namespace

// Binds `alias` to the very objects bound for `name` (function, method and in-place method).
void bind_alias(Module& m, TensorClass& cls, const char* alias, const char* name) {
  py::object methods = cls.type().attr("__dict__");
  cls.type().attr(alias) = methods[name];
  const std::string iname = std::string(name) + "_";
  if (methods.contains(iname.c_str())) cls.type().attr((std::string(alias) + "_").c_str()) = methods[iname.c_str()];
  m.attr(alias) = m.attr(name);
}

void bind_binary(Module& m, TensorClass& cls) {
#define ST_BINARY_PICK(forms, n, fn) ST_BINARY_IF_##forms##_##n(fn) ST_BINARY_UNLESS_##forms##_##n(nullptr)
#define ST_BINARY_NO_ALPHA nullptr, nullptr, nullptr, nullptr, nullptr, nullptr
#define ST_BINARY_KW_None(nm, forms, inplace) nullptr, nullptr, nullptr, nullptr, ST_BINARY_NO_ALPHA
#define ST_BINARY_KW_RoundingMode(nm, forms, inplace)                                                         \
  static_cast<TTM>(&ops::nm##_mode), static_cast<TSM>(&ops::nm##_mode), static_cast<ITTM>(&ops::nm##_mode_), \
      static_cast<ITSM>(&ops::nm##_mode_), ST_BINARY_NO_ALPHA
#define ST_BINARY_KW_Alpha(nm, forms, inplace)                                                                \
  nullptr, nullptr, nullptr, nullptr, static_cast<TTA>(&ops::nm),                                             \
      ST_BINARY_PICK(forms, 2, static_cast<TSA>(&ops::nm)), ST_BINARY_PICK(forms, 1, static_cast<STA>(&ops::nm)), \
      ST_BINARY_PICK(INPLACE, inplace, static_cast<ITTA>(&ops::nm##_)),                                       \
      ST_BINARY_IF_INPLACE_##inplace(ST_BINARY_PICK(forms, 2, static_cast<ITSA>(&ops::nm##_)))                \
          ST_BINARY_UNLESS_INPLACE_##inplace(nullptr),                                                        \
      static_cast<TTOA>(&ops::nm##_out)
#define ST_BINARY_WRAPS_TT false
#define ST_BINARY_WRAPS_TS false
#define ST_BINARY_WRAPS_TSS false
#define ST_BINARY_WRAPS_TSR true
#define ST_BINARY_ROW(nm, rule, forms, inplace, node, snode, rnode, save, isa, kw, oper, arg2, ...)          \
  bind_row(m, cls,                                                                                          \
           Row{#nm, #arg2, static_cast<TT>(&ops::nm), ST_BINARY_PICK(forms, 2, static_cast<TS>(&ops::nm)),          \
               ST_BINARY_PICK(forms, 1, static_cast<ST>(&ops::nm)),                                          \
               ST_BINARY_PICK(INPLACE, inplace, static_cast<ITT>(&ops::nm##_)),                              \
               ST_BINARY_IF_INPLACE_##inplace(ST_BINARY_PICK(forms, 2, static_cast<ITS>(&ops::nm##_)))       \
                   ST_BINARY_UNLESS_INPLACE_##inplace(nullptr),                                              \
               oper, static_cast<TTO>(&ops::nm##_out), ST_BINARY_WRAPS_##forms, ST_BINARY_KW_##kw(nm, forms, inplace)});
  ST_BINARY_OPS(ST_BINARY_ROW)
#undef ST_BINARY_ROW
#undef ST_BINARY_KW_None
#undef ST_BINARY_KW_RoundingMode
#undef ST_BINARY_PICK
#undef ST_BINARY_NO_ALPHA
#undef ST_BINARY_KW_Alpha
#undef ST_BINARY_WRAPS_TT
#undef ST_BINARY_WRAPS_TS
#undef ST_BINARY_WRAPS_TSS
#undef ST_BINARY_WRAPS_TSR
#define ST_BINARY_ALIAS(alias, name) bind_alias(m, cls, #alias, #name);
  ST_BINARY_ALIASES(ST_BINARY_ALIAS)
#undef ST_BINARY_ALIAS

  // The registry as data, for tests that walk every row: name -> (forms, inplace, node, number node, operator,
  // the second input's name).
  py::dict rows;
#define ST_BINARY_DESCRIBE(nm, rule, forms, inplace, node, snode, rnode, save, isa, kw, oper, arg2, ...) \
  rows[#nm] = py::make_tuple(#forms, bool(inplace), #node, #snode, oper, #arg2);
  ST_BINARY_OPS(ST_BINARY_DESCRIBE)
#undef ST_BINARY_DESCRIBE
  py::dict aliases;
#define ST_BINARY_ALIAS(alias, name) aliases[#alias] = #name;
  ST_BINARY_ALIASES(ST_BINARY_ALIAS)
#undef ST_BINARY_ALIAS
  m.attr("_binary_registry") = rows;
  // the gradient columns as text (number forms: the gradient to input only)
#define ST_BINARY_FORMULA(nm, rule, forms, inplace, node, snode, rnode, save, isa, kw, oper, arg2, fwd, gself,        \
                          gother)                                                                                     \
  for (const char* n : {#node, #snode}) {                                                                      \
    const std::string name = n;                                                                                \
    if (name == "NoNode" || name == "NotImplemented") continue;                                                \
    const bool tensor_form = name == #node;                                                                    \
    add_vjp_formula(m, n, tensor_form ? py::tuple(py::make_tuple("self", #arg2)) : py::tuple(py::make_tuple("self")), \
                    tensor_form ? py::tuple(py::make_tuple(#gself, #gother)) : py::tuple(py::make_tuple(#gself)), \
                    py::dict(py::arg("g") = "grad", py::arg("a") = "self", py::arg("b") = #arg2,               \
                             py::arg("r") = "result", py::arg("k") = "alpha"));                                \
  }
  ST_BINARY_OPS(ST_BINARY_FORMULA)
#undef ST_BINARY_FORMULA
  m.attr("_binary_aliases") = aliases;
}

}  // namespace st::py_bind
