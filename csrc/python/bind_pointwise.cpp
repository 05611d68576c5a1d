// Python bindings of div/divide with rounding_mode (the rows of the
// elementwise registries are bound by bind_unary.cpp, bind_binary.cpp and
// bind_ternary.cpp).
#include <functional>
#include "bind_util.h"

namespace st::py_bind {

namespace {

using TT = std::function<Tensor(const Tensor&, const Tensor&)>;
using TS = std::function<Tensor(const Tensor&, const Scalar&)>;
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
}

}  // namespace st::py_bind
