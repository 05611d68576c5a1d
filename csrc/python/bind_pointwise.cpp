// Python bindings of the "pointwise" operator family.
#include <functional>
#include "bind_util.h"

namespace st::py_bind {

namespace {

using TT = std::function<Tensor(const Tensor&, const Tensor&)>;
using TS = std::function<Tensor(const Tensor&, const Scalar&)>;
using ST = std::function<Tensor(const Scalar&, const Tensor&)>;
using ITT = std::function<void(Tensor&, const Tensor&)>;
using ITS = std::function<void(Tensor&, const Scalar&)>;

const char* type_name(py::handle h) { return Py_TYPE(h.ptr())->tp_name; }

bool as_scalar(py::handle h, Scalar& s) { return !is_tensor(h) && scalar_from_object(h, s); }

Tensor need_tensor(py::handle h, const char* fn, const char* arg, int pos) {
  ST_CHECK_T(is_tensor(h), TypeError, fn, "(): argument '", arg, "' (position ", pos,
             ") must be Tensor, not ", type_name(h));
  return h.cast<Tensor>();
}

// op(a, o) with o a Tensor or a Python number (ts may be empty: tensors only).
Tensor call2(const char* fn, const Tensor& a, py::handle o, const TT& tt, const TS& ts) {
  Scalar s;
  if (ts && as_scalar(o, s)) return ts(a, s);
  if (is_tensor(o)) return tt(a, o.cast<Tensor>());
  throw TypeError(str(fn, "(): argument 'other' (position 2) must be Tensor", ts ? " or Number" : "", ", not ",
                      type_name(o)));
}

void icall2(const char* fn, Tensor& a, py::handle o, const ITT& tt, const ITS& ts) {
  Scalar s;
  if (ts && as_scalar(o, s)) return ts(a, s);
  if (is_tensor(o)) return tt(a, o.cast<Tensor>());
  throw TypeError(str(fn, "(): argument 'other' (position 2) must be Tensor", ts ? " or Number" : "", ", not ",
                      type_name(o)));
}

// Python operator: NotImplemented for anything but a Tensor or a number.
py::object op2(const Tensor& a, py::handle o, const TT& tt, const TS& ts) {
  Scalar s;
  if (as_scalar(o, s)) return py::cast(ts(a, s));
  if (is_tensor(o)) return py::cast(tt(a, o.cast<Tensor>()));
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}
py::object iop2(py::object self, py::handle o, const ITT& tt, const ITS& ts) {
  Tensor t = self.cast<Tensor>();
  Scalar s;
  if (as_scalar(o, s)) ts(t, s);
  else if (is_tensor(o)) tt(t, o.cast<Tensor>());
  else return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  return self;
}

// Defines Tensor.<name>(other), Tensor.<name>_(other) (when itt is set) and
// smalltorch.<name>(input, other); a number is accepted where ts / st are set.
void def_binary(Module& m, TensorClass& cls, const char* name, TT tt, TS ts, ST st, ITT itt, ITS its) {
  cls.def(name, [=](const Tensor& a, py::handle o) { return call2(name, a, o, tt, ts); }, py::arg("other"));
  if (itt) {
    std::string iname = std::string(name) + "_";
    cls.def(iname.c_str(), [=](py::object self, py::handle o) {
      Tensor t = self.cast<Tensor>();
      icall2(name, t, o, itt, its);
      return self;
    }, py::arg("other"));
  }
  m.def(name, [=](py::handle a, py::handle b) {
    Scalar s;
    if (st && as_scalar(a, s)) return st(s, need_tensor(b, name, "other", 2));
    return call2(name, need_tensor(a, name, "input", 1), b, tt, ts);
  }, py::arg("input"), py::arg("other"));
}

std::optional<std::string> mode_of(py::handle h) {
  if (h.is_none()) return std::nullopt;
  ST_CHECK_T(py::isinstance<py::str>(h), TypeError, "div(): argument 'rounding_mode' must be str or None, not ",
             type_name(h));
  return h.cast<std::string>();
}

}  // namespace

void bind_pointwise(Module& m, TensorClass& cls) {
  using namespace ops;

  // ---- div / divide: Tensor.div(other, *, rounding_mode), div_, and smalltorch.div(input, other, *,
  // rounding_mode, out); a number operand becomes a wrapped 0-d tensor
  auto div_any = [](const Tensor& a, py::handle o, py::handle mode) {
    auto md = mode_of(mode);
    return call2("div", a, o, [&](const Tensor& x, const Tensor& y) { return div_mode(x, y, md); },
                 [&](const Tensor& x, const Scalar& y) { return div_mode(x, y, md); });
  };
  // Tensor.div(other) and div_(other) without rounding_mode keep the direct path (and message) of the plain op
  cls.def("div", [=](const Tensor& a, py::handle o, py::handle mode) -> py::object {
    if (!mode.is_none()) return py::cast(div_any(a, o, mode));
    py::object r = binop(a, o, [](const Tensor& x, const Tensor& y) { return div(x, y); },
                         [](const Tensor& x, const Scalar& y) { return div(x, y); });
    ST_CHECK_T(r.ptr() != Py_NotImplemented, TypeError, "div(): argument 'other' must be Tensor or Number, not ",
               type_name(o));
    return r;
  }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  cls.def("divide", div_any, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  auto div_inplace = [](py::object self, py::handle o, py::handle mode) {
    auto md = mode_of(mode);
    Tensor t = self.cast<Tensor>();
    icall2("div_", t, o, [&](Tensor& x, const Tensor& y) { div_mode_(x, y, md); },
           [&](Tensor& x, const Scalar& y) { div_mode_(x, y, md); });
    return self;
  };
  cls.def("div_", [=](py::object self, py::handle o, py::handle mode) -> py::object {
    if (!mode.is_none()) return div_inplace(self, o, mode);
    Tensor t = self.cast<Tensor>();
    Scalar s;
    if (is_tensor(o)) div_(t, o.cast<Tensor>());
    else if (scalar_from_object(o, s)) div_(t, s);
    else throw TypeError(str("div_(): argument 'other' must be Tensor or Number, not ", type_name(o)));
    return self;
  }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  cls.def("divide_", div_inplace, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  auto div_fn = [=](py::handle a, py::handle b, py::handle mode, py::handle out) -> py::object {
    if (out.is_none()) return py::cast(div_any(need_tensor(a, "div", "input", 1), b, mode));
    if (mode.is_none()) {  // into out with the out= kernel
      Tensor ta = as_tensor_arg(a, "div");
      Tensor o = out_tensor(out, "div");
      ops::div_out(o, ta, as_tensor_arg(b, "div"));
      return py::reinterpret_borrow<py::object>(out);
    }
    return result_or_out(div_any(need_tensor(a, "div", "input", 1), b, mode), out, "div");
  };
  m.def("div", div_fn, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none(),
        py::arg("out") = py::none());
  m.def("divide", div_fn, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none(),
        py::arg("out") = py::none());

  // ---- binary ops with a number allowed on the right (and, for some, on the left)
  def_binary(m, cls, "floor_divide", [](const Tensor& a, const Tensor& b) { return floor_divide(a, b); },
             [](const Tensor& a, const Scalar& b) { return floor_divide(a, b); },
             [](const Scalar& a, const Tensor& b) { return floor_divide(a, b); },
             [](Tensor& a, const Tensor& b) { floor_divide_(a, b); }, [](Tensor& a, const Scalar& b) { floor_divide_(a, b); });
  def_binary(m, cls, "remainder", [](const Tensor& a, const Tensor& b) { return remainder(a, b); },
             [](const Tensor& a, const Scalar& b) { return remainder(a, b); },
             [](const Scalar& a, const Tensor& b) { return remainder(a, b); },
             [](Tensor& a, const Tensor& b) { remainder_(a, b); }, [](Tensor& a, const Scalar& b) { remainder_(a, b); });
  def_binary(m, cls, "fmod", [](const Tensor& a, const Tensor& b) { return fmod(a, b); },
             [](const Tensor& a, const Scalar& b) { return fmod(a, b); }, nullptr,
             [](Tensor& a, const Tensor& b) { fmod_(a, b); }, [](Tensor& a, const Scalar& b) { fmod_(a, b); });
  def_binary(m, cls, "atan2", [](const Tensor& a, const Tensor& b) { return atan2(a, b); }, nullptr, nullptr,
             [](Tensor& a, const Tensor& b) { atan2_(a, b); }, nullptr);
  def_binary(m, cls, "arctan2", [](const Tensor& a, const Tensor& b) { return atan2(a, b); }, nullptr, nullptr,
             [](Tensor& a, const Tensor& b) { atan2_(a, b); }, nullptr);
  def_binary(m, cls, "maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, nullptr, nullptr,
             nullptr, nullptr);
  def_binary(m, cls, "minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, nullptr, nullptr,
             nullptr, nullptr);

  struct CmpName { const char* name; const char* alias; const char* dunder; Compare op; };
  static const CmpName cmps[] = {{"eq", nullptr, "__eq__", Compare::Eq},       {"ne", "not_equal", "__ne__", Compare::Ne},
                                 {"lt", "less", "__lt__", Compare::Lt},        {"le", "less_equal", "__le__", Compare::Le},
                                 {"gt", "greater", "__gt__", Compare::Gt},     {"ge", "greater_equal", "__ge__", Compare::Ge}};
  for (const auto& c : cmps) {
    Compare op = c.op;
    TT tt = [op](const Tensor& a, const Tensor& b) { return compare(op, a, b); };
    TS ts = [op](const Tensor& a, const Scalar& b) { return compare(op, a, b); };
    ITT itt = [op](Tensor& a, const Tensor& b) { compare_(op, a, b); };
    ITS its = [op](Tensor& a, const Scalar& b) { compare_(op, a, b); };
    def_binary(m, cls, c.name, tt, ts, nullptr, itt, its);
    if (c.alias) def_binary(m, cls, c.alias, tt, ts, nullptr, itt, its);
    cls.def(c.dunder, [tt, ts](const Tensor& a, py::handle o) { return op2(a, o, tt, ts); });
  }

  struct LogName { const char* name; Logical op; };
  static const LogName logs[] = {{"logical_and", Logical::And}, {"logical_or", Logical::Or}, {"logical_xor", Logical::Xor}};
  for (const auto& l : logs) {
    Logical op = l.op;
    def_binary(m, cls, l.name, [op](const Tensor& a, const Tensor& b) { return logical(op, a, b); }, nullptr, nullptr,
               [op](Tensor& a, const Tensor& b) { logical_(op, a, b); }, nullptr);
  }

  struct BitName { const char* name; const char* dunder; const char* rdunder; const char* idunder; Bitwise op; };
  static const BitName bits[] = {{"bitwise_and", "__and__", "__rand__", "__iand__", Bitwise::And},
                                 {"bitwise_or", "__or__", "__ror__", "__ior__", Bitwise::Or},
                                 {"bitwise_xor", "__xor__", "__rxor__", "__ixor__", Bitwise::Xor}};
  for (const auto& b : bits) {
    Bitwise op = b.op;
    TT tt = [op](const Tensor& x, const Tensor& y) { return bitwise(op, x, y); };
    TS ts = [op](const Tensor& x, const Scalar& y) { return bitwise(op, x, y); };
    ST st = [op](const Scalar& x, const Tensor& y) { return bitwise(op, y, x); };  // commutative
    ITT itt = [op](Tensor& x, const Tensor& y) { bitwise_(op, x, y); };
    ITS its = [op](Tensor& x, const Scalar& y) { bitwise_(op, x, y); };
    def_binary(m, cls, b.name, tt, ts, st, itt, its);
    cls.def(b.dunder, [tt, ts](const Tensor& a, py::handle o) { return op2(a, o, tt, ts); });
    cls.def(b.rdunder, [tt, ts](const Tensor& a, py::handle o) { return op2(a, o, tt, ts); });
    cls.def(b.idunder, [itt, its](py::object s, py::handle o) { return iop2(s, o, itt, its); });
  }

  // ---- // and % operators
  TT fd_tt = [](const Tensor& a, const Tensor& b) { return floor_divide(a, b); };
  TS fd_ts = [](const Tensor& a, const Scalar& b) { return floor_divide(a, b); };
  TT rem_tt = [](const Tensor& a, const Tensor& b) { return remainder(a, b); };
  TS rem_ts = [](const Tensor& a, const Scalar& b) { return remainder(a, b); };
  cls.def("__floordiv__", [=](const Tensor& a, py::handle o) { return op2(a, o, fd_tt, fd_ts); });
  cls.def("__rfloordiv__", [](const Tensor& a, py::handle o) {
    return op2(a, o, [](const Tensor& x, const Tensor& y) { return floor_divide(y, x); },
               [](const Tensor& x, const Scalar& s) { return floor_divide(s, x); });
  });
  cls.def("__ifloordiv__", [](py::object s, py::handle o) {
    return iop2(s, o, [](Tensor& x, const Tensor& y) { floor_divide_(x, y); },
                [](Tensor& x, const Scalar& y) { floor_divide_(x, y); });
  });
  cls.def("__mod__", [=](const Tensor& a, py::handle o) { return op2(a, o, rem_tt, rem_ts); });
  cls.def("__rmod__", [](const Tensor& a, py::handle o) {
    return op2(a, o, [](const Tensor& x, const Tensor& y) { return remainder(y, x); },
               [](const Tensor& x, const Scalar& s) { return remainder(s, x); });
  });
  cls.def("__imod__", [](py::object s, py::handle o) {
    return iop2(s, o, [](Tensor& x, const Tensor& y) { remainder_(x, y); },
                [](Tensor& x, const Scalar& y) { remainder_(x, y); });
  });

  // ---- where / masked_fill
  auto where_any = [](py::handle cond, py::handle a, py::handle b) {
    Tensor c = need_tensor(cond, "where", "condition", 1);
    Scalar sa, sb;
    bool na = as_scalar(a, sa), nb = as_scalar(b, sb);
    if (na && nb) return where(c, sa, sb);
    if (na) return where(c, sa, need_tensor(b, "where", "other", 3));
    if (nb) return where(c, need_tensor(a, "where", "input", 2), sb);
    return where(c, need_tensor(a, "where", "input", 2), need_tensor(b, "where", "other", 3));
  };
  m.def("where", where_any, py::arg("condition"), py::arg("input"), py::arg("other"));
  cls.def("where", [=](py::handle self, py::handle cond, py::handle other) { return where_any(cond, self, other); },
          py::arg("condition"), py::arg("other"));

  auto masked_fill_any = [](const Tensor& self, const Tensor& mask, py::handle value) {
    Scalar s;
    if (as_scalar(value, s)) return masked_fill(self, mask, s);
    return masked_fill(self, mask, need_tensor(value, "masked_fill", "value", 3));
  };
  cls.def("masked_fill", masked_fill_any, py::arg("mask"), py::arg("value"));
  m.def("masked_fill", masked_fill_any, py::arg("input"), py::arg("mask"), py::arg("value"));
  cls.def("masked_fill_", [](py::object self, const Tensor& mask, py::handle value) {
    Tensor t = self.cast<Tensor>();
    Scalar s;
    if (as_scalar(value, s)) masked_fill_(t, mask, s);
    else masked_fill_(t, mask, need_tensor(value, "masked_fill_", "value", 2));
    return self;
  }, py::arg("mask"), py::arg("value"));

  // ---- lerp
  auto lerp_any = [](const Tensor& self, const Tensor& end, py::handle w) {
    Scalar s;
    if (as_scalar(w, s)) return lerp(self, end, s);
    return lerp(self, end, need_tensor(w, "lerp", "weight", 3));
  };
  cls.def("lerp", lerp_any, py::arg("end"), py::arg("weight"));
  m.def("lerp", lerp_any, py::arg("input"), py::arg("end"), py::arg("weight"));
  cls.def("lerp_", [](py::object self, const Tensor& end, py::handle w) {
    Tensor t = self.cast<Tensor>();
    Scalar s;
    if (as_scalar(w, s)) lerp_(t, end, s);
    else lerp_(t, end, need_tensor(w, "lerp_", "weight", 2));
    return self;
  }, py::arg("end"), py::arg("weight"));

  // ---- addcmul / addcdiv
  const Scalar one(int64_t(1));
  cls.def("addcmul", [](const Tensor& s, const Tensor& a, const Tensor& b, const Scalar& v) { return addcmul(s, a, b, v); },
          py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = one);
  cls.def("addcdiv", [](const Tensor& s, const Tensor& a, const Tensor& b, const Scalar& v) { return addcdiv(s, a, b, v); },
          py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = one);
  m.def("addcmul", [](const Tensor& s, const Tensor& a, const Tensor& b, const Scalar& v) { return addcmul(s, a, b, v); },
        py::arg("input"), py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = one);
  m.def("addcdiv", [](const Tensor& s, const Tensor& a, const Tensor& b, const Scalar& v) { return addcdiv(s, a, b, v); },
        py::arg("input"), py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = one);
  cls.def("addcmul_", [](py::object self, const Tensor& a, const Tensor& b, const Scalar& v) {
    Tensor t = self.cast<Tensor>();
    addcmul_(t, a, b, v);
    return self;
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = one);
  cls.def("addcdiv_", [](py::object self, const Tensor& a, const Tensor& b, const Scalar& v) {
    Tensor t = self.cast<Tensor>();
    addcdiv_(t, a, b, v);
    return self;
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = one);
}

}  // namespace st::py_bind
