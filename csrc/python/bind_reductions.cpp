// Python bindings of the "reductions" operator family.
#include "bind_util.h"

namespace st::py_bind {

namespace {

// dim=None -> nullopt (all dims); an int or a tuple/list of ints otherwise.
std::optional<DimVector> opt_dims(py::handle dim, const char* fn) {
  if (dim.is_none()) return std::nullopt;
  return to_dims(dim, fn);
}

// Like torch.return_types.max: a named tuple (values, indices).
py::object values_indices(const char* name, const std::pair<Tensor, Tensor>& r) {
  // Leaked on purpose: a static py::object would be released after the interpreter is gone.
  static py::handle types_h = py::dict().release();
  py::dict types = py::reinterpret_borrow<py::dict>(types_h);
  py::str key(name);
  if (!types.contains(key)) {
    py::object nt = py::module_::import("collections").attr("namedtuple")(key, py::make_tuple("values", "indices"));
    nt.attr("__module__") = "smalltorch.return_types";
    types[key] = nt;
  }
  return types[key](r.first, r.second);
}

// max(), max(dim, keepdim) or max(other): the two-tensor form is maximum(), when it exists.
py::object extreme(const Tensor& t, py::object dim, bool keepdim, bool is_max) {
  const char* fn = is_max ? "max" : "min";
  if (dim.is_none()) return py::cast(is_max ? ops::max(t) : ops::min(t));
  if (is_tensor(dim)) {
    py::module_ c = py::module_::import("smalltorch._C");
    const char* other = is_max ? "maximum" : "minimum";
    ST_CHECK_T(py::hasattr(c, other), TypeError, fn, "(input, other): the two-tensor form needs ", other,
               ", which smalltorch does not have yet");
    return c.attr(other)(t, dim);
  }
  int64_t d = to_int(dim, fn, "dim", 0);
  return values_indices(fn, is_max ? ops::max(t, d, keepdim) : ops::min(t, d, keepdim));
}

std::optional<int64_t> opt_int(py::handle h, const char* fn) {
  if (h.is_none()) return std::nullopt;
  return to_int(h, fn, "dim", 0);
}

// var/std(dim=None, unbiased=None, keepdim=False, *, correction=None); var(True) means unbiased=True.
Tensor var_std(const Tensor& t, py::object dim, py::object unbiased, bool keepdim, py::object correction,
               bool is_std) {
  const char* fn = is_std ? "std" : "var";
  if (PyBool_Check(dim.ptr())) {
    ST_CHECK_T(unbiased.is_none(), TypeError, fn, "(): unbiased given twice");
    unbiased = dim;
    dim = py::none();
  }
  ST_CHECK_T(unbiased.is_none() || PyBool_Check(unbiased.ptr()), TypeError, fn, "(): argument 'unbiased' must be "
             "bool, not ", Py_TYPE(unbiased.ptr())->tp_name);
  ST_CHECK_T(unbiased.is_none() || correction.is_none(), TypeError, fn,
             "(): cannot specify both unbiased and correction");
  double c = 1;
  if (!unbiased.is_none()) c = unbiased.cast<bool>() ? 1 : 0;
  if (!correction.is_none()) c = correction.cast<double>();
  auto dims = opt_dims(dim, fn);
  return is_std ? ops::stddev(t, dims, c, keepdim) : ops::var(t, dims, c, keepdim);
}

double norm_p(py::handle p) {
  if (py::isinstance<py::str>(p)) {
    std::string s = p.cast<std::string>();
    ST_CHECK(s == "fro", "norm(): unsupported p='", s, "' (only 'fro' or a number)");
    return 2;
  }
  ST_CHECK_T(PyFloat_Check(p.ptr()) || PyLong_Check(p.ptr()), TypeError, "norm(): p must be a number or 'fro'");
  return p.cast<double>();
}

Tensor norm_any(const Tensor& t, py::object p, py::object dim, bool keepdim, py::object dtype) {
  Tensor src = dtype.is_none() ? t : ops::to_dtype(t, *opt_dtype(dtype));
  return ops::norm(src, norm_p(p), opt_dims(dim, "norm"), keepdim);
}

Tensor prod_any(const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
  if (dim.is_none()) {
    Tensor r = ops::prod(t, opt_dtype(dtype));
    return keepdim ? ops::reshape(r, DimVector(t.dim(), 1)) : r;
  }
  return ops::prod(t, to_int(dim, "prod", "dim", 0), keepdim, opt_dtype(dtype));
}

Tensor amax_any(const Tensor& t, py::object dim, bool keepdim, bool is_max) {
  DimVector dims = to_dims(dim, is_max ? "amax" : "amin");
  return is_max ? ops::amax(t, dims, keepdim) : ops::amin(t, dims, keepdim);
}

}  // namespace

void bind_reductions(Module& m, TensorClass& cls) {
  auto none = py::none();
  auto empty_dims = py::tuple();

  // Each op once as a Tensor method and once as smalltorch.<op>(input, ...).
  auto both = [&](const char* name, auto fn, auto... args) {
    cls.def(name, fn, args...);
    m.def(name, fn, py::arg("input"), args...);
  };
  // The same with smalltorch.<op>(input, ..., *, out=None) (fn: a captureless lambda or a function pointer).
  auto both_out = [&](const char* name, auto fn, auto... args) {
    cls.def(name, fn, args...);
    constexpr bool has_kw_only = (std::is_same_v<decltype(args), py::kw_only> || ...);
    if constexpr (has_kw_only)
      m.def(name, function_with_out(name, +fn), py::arg("input"), args..., py::arg("out") = none);
    else
      m.def(name, function_with_out(name, +fn), py::arg("input"), args..., py::kw_only(), py::arg("out") = none);
  };

  both_out("prod", &prod_any, py::arg("dim") = none, py::arg("keepdim").noconvert() = false, py::kw_only(),
           py::arg("dtype") = none);
  both("max", [](const Tensor& t, py::object dim, bool keepdim) { return extreme(t, dim, keepdim, true); },
       py::arg("dim") = none, py::arg("keepdim").noconvert() = false);
  both("min", [](const Tensor& t, py::object dim, bool keepdim) { return extreme(t, dim, keepdim, false); },
       py::arg("dim") = none, py::arg("keepdim").noconvert() = false);
  both_out("amax", [](const Tensor& t, py::object dim, bool keepdim) { return amax_any(t, dim, keepdim, true); },
           py::arg("dim") = empty_dims, py::arg("keepdim").noconvert() = false);
  both_out("amin", [](const Tensor& t, py::object dim, bool keepdim) { return amax_any(t, dim, keepdim, false); },
           py::arg("dim") = empty_dims, py::arg("keepdim").noconvert() = false);
  both_out("argmax", [](const Tensor& t, py::object dim, bool keepdim) {
    return ops::argmax(t, opt_int(dim, "argmax"), keepdim);
  }, py::arg("dim") = none, py::arg("keepdim").noconvert() = false);
  both_out("argmin", [](const Tensor& t, py::object dim, bool keepdim) {
    return ops::argmin(t, opt_int(dim, "argmin"), keepdim);
  }, py::arg("dim") = none, py::arg("keepdim").noconvert() = false);
  both_out("var", [](const Tensor& t, py::object dim, py::object unbiased, bool keepdim, py::object correction) {
    return var_std(t, dim, unbiased, keepdim, correction, false);
  }, py::arg("dim") = none, py::arg("unbiased") = none, py::arg("keepdim").noconvert() = false, py::kw_only(),
       py::arg("correction") = none);
  both_out("std", [](const Tensor& t, py::object dim, py::object unbiased, bool keepdim, py::object correction) {
    return var_std(t, dim, unbiased, keepdim, correction, true);
  }, py::arg("dim") = none, py::arg("unbiased") = none, py::arg("keepdim").noconvert() = false, py::kw_only(),
       py::arg("correction") = none);
  cls.def("norm", &norm_any, py::arg("p") = "fro", py::arg("dim") = none, py::arg("keepdim").noconvert() = false,
          py::arg("dtype") = none);
  // torch.norm takes out before dtype, both positional-or-keyword.
  m.def("norm", [](py::handle input, py::object p, py::object dim, bool keepdim, py::handle out, py::object dtype) {
    return result_or_out(out, "norm", [&] { return norm_any(tensor_arg(input, "norm"), p, dim, keepdim, dtype); });
  }, py::arg("input"), py::arg("p") = "fro", py::arg("dim") = none, py::arg("keepdim").noconvert() = false,
        py::arg("out") = none, py::arg("dtype") = none);
  both_out("logsumexp", [](const Tensor& t, py::object dim, bool keepdim) {
    return ops::logsumexp(t, to_dims(dim, "logsumexp"), keepdim);
  }, py::arg("dim"), py::arg("keepdim").noconvert() = false);
  // all and any: out= of bool or uint8 only, as PyTorch
  for (const bool is_all : {true, false}) {
    const char* name = is_all ? "all" : "any";
    auto f = [name, is_all](const Tensor& t, py::object dim, bool keep) {
      return is_all ? ops::all(t, opt_dims(dim, name), keep) : ops::any(t, opt_dims(dim, name), keep);
    };
    cls.def(name, f, py::arg("dim") = none, py::arg("keepdim").noconvert() = false);
    m.def(name, [name, f](py::handle input, py::object dim, bool keep, py::handle out) {
      if (is_tensor(out)) {
        const ScalarType o = unwrap(out.ptr()).dtype();
        ST_CHECK(o == ScalarType::Bool || o == ScalarType::UInt8, name, " only supports bool tensor for result, got: ",
                 torch_type_name(o));
      }
      return result_or_out(out, name, [&] { return f(tensor_arg(input, name), dim, keep); });
    }, py::arg("input"), py::arg("dim") = none, py::arg("keepdim").noconvert() = false, py::kw_only(),
          py::arg("out") = none);
  }
  both_out("cumsum", [](const Tensor& t, int64_t dim, py::object dtype) {
    return ops::cumsum(t, dim, opt_dtype(dtype));
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = none);
  both_out("cumprod", [](const Tensor& t, int64_t dim, py::object dtype) {
    return ops::cumprod(t, dim, opt_dtype(dtype));
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = none);
  cls.def("cumsum_", [](py::object self, int64_t dim, py::object dtype) {
    Tensor t = self.cast<Tensor>();
    ops::cumsum_(t, dim, opt_dtype(dtype));
    return self;
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = none);
  cls.def("cumprod_", [](py::object self, int64_t dim, py::object dtype) {
    Tensor t = self.cast<Tensor>();
    ops::cumprod_(t, dim, opt_dtype(dtype));
    return self;
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = none);
  both("softmax", [](const Tensor& t, int64_t dim, py::object dtype) {
    return ops::softmax(t, dim, opt_dtype(dtype));
  }, py::arg("dim"), py::arg("dtype") = none);
  both("log_softmax", [](const Tensor& t, int64_t dim, py::object dtype) {
    return ops::log_softmax(t, dim, opt_dtype(dtype));
  }, py::arg("dim"), py::arg("dtype") = none);
}

}  // namespace st::py_bind
