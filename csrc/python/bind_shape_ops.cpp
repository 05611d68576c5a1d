// Python bindings of the "shape_ops" operator family.
#include "bind_util.h"

namespace st::py_bind {

namespace {

// Whether h is a tensor (through the Tensor caster, whatever Python type backs it).
bool is_tensor_arg(py::handle h) {
  py::detail::make_caster<Tensor> c;
  return c.load(h, false);
}

// A list or tuple of tensors (the `tensors` argument of cat/stack).
std::vector<Tensor> tensor_seq(py::handle h, const char* fn) {
  ST_CHECK_T(PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()), TypeError, fn,
             "(): argument 'tensors' (position 1) must be tuple of Tensors, not ", Py_TYPE(h.ptr())->tp_name);
  std::vector<Tensor> out;
  for (auto x : py::reinterpret_borrow<py::sequence>(h)) {
    ST_CHECK_T(is_tensor_arg(x), TypeError, fn, "(): expected Tensor as element ", out.size(),
               " in argument 0, but got ", Py_TYPE(x.ptr())->tp_name);
    out.push_back(x.cast<Tensor>());
  }
  return out;
}

py::tuple to_tuple(const std::vector<Tensor>& ts) {
  py::tuple t(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) t[i] = py::cast(ts[i]);
  return t;
}

// smalltorch.return_types.<name>(values, indices)
py::object named_pair(const char* name, const std::pair<Tensor, Tensor>& r) {
  return py::module_::import("smalltorch.return_types").attr(name)(py::cast(r.first), py::cast(r.second));
}

std::optional<int64_t> opt_dim(py::handle h, const char* fn) {
  if (h.is_none()) return std::nullopt;
  return to_int(h, fn, "dim", 0);
}

py::tuple split_any(const Tensor& t, py::handle size, int64_t dim) {
  if (PyList_Check(size.ptr()) || PyTuple_Check(size.ptr()))
    return to_tuple(ops::split_with_sizes(t, to_dims(size, "split"), dim));
  return to_tuple(ops::split(t, to_int(size, "split", "split_size", 0), dim));
}

DimVector flip_dims(const py::args& args, const py::kwargs& kw) {
  for (auto item : kw)  // x.flip(dims=...) only; x.flip() with no dims is a TypeError, as in PyTorch
    ST_CHECK_T(item.first.cast<std::string>() == "dims" && args.size() == 0, TypeError,
               "flip() got an unexpected keyword argument '", item.first.cast<std::string>(), "'");
  if (kw.contains("dims")) return to_dims(kw["dims"], "flip");
  ST_CHECK_T(args.size() > 0, TypeError, "flip() missing 1 required positional arguments: \"dims\"");
  return parse_sizes(args, "flip", "dims");
}

Tensor roll_any(const Tensor& t, py::handle shifts, py::handle dims) {
  return ops::roll(t, to_dims(shifts, "roll"), dims.is_none() ? DimVector{} : to_dims(dims, "roll"));
}

Tensor repeat_interleave_any(const Tensor& t, py::handle repeats, py::handle dim) {
  auto d = opt_dim(dim, "repeat_interleave");
  if (is_tensor_arg(repeats)) return ops::repeat_interleave(t, repeats.cast<Tensor>(), d);
  return ops::repeat_interleave(t, to_int(repeats, "repeat_interleave", "repeats", 0), d);
}

Tensor movedim_any(const Tensor& t, py::handle src, py::handle dst) {
  return ops::movedim(t, to_dims(src, "movedim"), to_dims(dst, "movedim"));
}

// scatter(dim, index, src) or scatter(dim, index, value): src may be a Tensor or a number.
Tensor scatter_any(const Tensor& t, int64_t dim, const Tensor& index, py::handle src, py::handle value, bool inplace) {
  py::handle v = src.is_none() ? value : src;
  Tensor self = t;
  if (is_tensor_arg(v)) {
    Tensor s = v.cast<Tensor>();
    return inplace ? ops::scatter_(self, dim, index, s) : ops::scatter(t, dim, index, s);
  }
  Scalar s;
  ST_CHECK_T(scalar_from_object(v, s), TypeError, "scatter(): argument 'src' must be Tensor or Number, not ",
             Py_TYPE(v.ptr())->tp_name);
  return inplace ? ops::scatter_(self, dim, index, s) : ops::scatter(t, dim, index, s);
}

py::object unique_any(const Tensor& t, bool sorted, bool return_inverse, bool return_counts, py::handle dim) {
  (void)sorted;  // the result is always sorted, as PyTorch's CPU kernel does
  std::optional<int64_t> d;
  if (!dim.is_none()) {
    ST_CHECK_T(PyIndex_Check(dim.ptr()) && !PyBool_Check(dim.ptr()), TypeError,
               "unique_dim(): argument 'dim' (position 2) must be int, not ", Py_TYPE(dim.ptr())->tp_name);
    d = to_int(dim, "unique_dim", "dim", 2);
  }
  auto [values, inverse, counts] = ops::unique(t, d);
  if (!return_inverse && !return_counts) return py::cast(values);
  py::list out;
  out.append(py::cast(values));
  if (return_inverse) out.append(py::cast(inverse));
  if (return_counts) out.append(py::cast(counts));
  return py::tuple(out);
}

// A bool argument taken as a handle: anything else is PyTorch's TypeError (`pos` 0: a keyword-only argument).
bool bool_arg(py::handle h, const char* fn, const char* arg, int pos = 0) {
  ST_CHECK_T(PyBool_Check(h.ptr()), TypeError, fn, "(): argument '", arg, "'",
             pos ? str(" (position ", pos, ")") : std::string(), " must be bool, not ", Py_TYPE(h.ptr())->tp_name);
  return h.ptr() == Py_True;
}

}  // namespace

void bind_shape_ops(Module& m, TensorClass& cls) {
  const auto dim0 = py::arg("dim") = 0;
  // ---- joining and splitting
  for (const char* name : {"cat", "concat", "concatenate"}) {
    const char* dimname = std::string(name) == "concatenate" ? "axis" : "dim";
    m.def(name, [name](py::handle ts, int64_t dim, py::handle out) {
      return result_or_out(out, name, [&] { return ops::cat(tensor_seq(ts, name), dim); });
    }, py::arg("tensors"), py::arg(dimname) = 0, py::kw_only(), py::arg("out") = py::none());
  }
  m.def("stack", [](py::handle ts, int64_t dim, py::handle out) {
    return result_or_out(out, "stack", [&] { return ops::stack(tensor_seq(ts, "stack"), dim); });
  }, py::arg("tensors"), dim0, py::kw_only(), py::arg("out") = py::none());
  m.def("split", &split_any, py::arg("tensor"), py::arg("split_size_or_sections"), dim0);
  cls.def("split", &split_any, py::arg("split_size"), dim0);
  auto chunk = [](const Tensor& t, int64_t chunks, int64_t dim) { return to_tuple(ops::chunk(t, chunks, dim)); };
  m.def("chunk", chunk, py::arg("input"), py::arg("chunks"), dim0);
  cls.def("chunk", chunk, py::arg("chunks"), dim0);
  auto unbind = [](const Tensor& t, int64_t dim) { return to_tuple(ops::unbind(t, dim)); };
  m.def("unbind", unbind, py::arg("input"), dim0);
  cls.def("unbind", unbind, dim0);

  // ---- flip, roll, repeat, movedim
  m.def("flip", [](const Tensor& t, py::handle dims) {
    // smalltorch.flip(x, 0) is a TypeError in PyTorch (dims is a tuple); x.flip(0) is fine
    ST_CHECK_T(PyTuple_Check(dims.ptr()) || PyList_Check(dims.ptr()), TypeError,
               "flip(): argument 'dims' (position 2) must be tuple of ints, not ", Py_TYPE(dims.ptr())->tp_name);
    return ops::flip(t, to_dims(dims, "flip"));
  },
        py::arg("input"), py::arg("dims"));
  cls.def("flip", [](const Tensor& t, py::args a, py::kwargs kw) { return ops::flip(t, flip_dims(a, kw)); });
  m.def("roll", &roll_any, py::arg("input"), py::arg("shifts"), py::arg("dims") = py::none());
  cls.def("roll", &roll_any, py::arg("shifts"), py::arg("dims") = py::none());
  cls.def("repeat", [](const Tensor& t, py::args a) { return ops::repeat(t, parse_sizes(a, "repeat", "repeats")); });
  m.def("repeat_interleave", [](py::handle input, py::handle repeats, py::handle dim, py::handle output_size) {
    (void)output_size;
    if (repeats.is_none()) return ops::repeat_interleave(input.cast<Tensor>());
    return repeat_interleave_any(input.cast<Tensor>(), repeats, dim);
  }, py::arg("input"), py::arg("repeats") = py::none(), py::arg("dim") = py::none(), py::kw_only(),
        py::arg("output_size") = py::none());
  cls.def("repeat_interleave", [](const Tensor& t, py::handle repeats, py::handle dim, py::handle output_size) {
    (void)output_size;
    return repeat_interleave_any(t, repeats, dim);
  }, py::arg("repeats"), py::arg("dim") = py::none(), py::kw_only(), py::arg("output_size") = py::none());
  for (const char* name : {"movedim", "moveaxis"}) {
    m.def(name, &movedim_any, py::arg("input"), py::arg("source"), py::arg("destination"));
    cls.def(name, &movedim_any, py::arg("source"), py::arg("destination"));
  }

  // ---- diagonals and triangles
  auto diagonal = [](const Tensor& t, int64_t off, int64_t d1, int64_t d2) { return ops::diagonal(t, off, d1, d2); };
  m.def("diagonal", diagonal, py::arg("input"), py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  cls.def("diagonal", diagonal, py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  auto diag = [](const Tensor& t, int64_t k) { return ops::diag(t, k); };
  m.def("diag", diag, py::arg("input"), py::arg("diagonal") = 0);
  cls.def("diag", diag, py::arg("diagonal") = 0);
  auto tril = [](const Tensor& t, int64_t k) { return ops::tril(t, k); };
  auto triu = [](const Tensor& t, int64_t k) { return ops::triu(t, k); };
  m.def("tril", tril, py::arg("input"), py::arg("diagonal") = 0);
  m.def("triu", triu, py::arg("input"), py::arg("diagonal") = 0);
  cls.def("tril", tril, py::arg("diagonal") = 0);
  cls.def("triu", triu, py::arg("diagonal") = 0);
  cls.def("tril_", [](py::object s, int64_t k) { Tensor t = s.cast<Tensor>(); ops::tril_(t, k); return s; },
          py::arg("diagonal") = 0);
  cls.def("triu_", [](py::object s, int64_t k) { Tensor t = s.cast<Tensor>(); ops::triu_(t, k); return s; },
          py::arg("diagonal") = 0);

  // ---- index-driven ops
  auto index_select = [](const Tensor& t, int64_t dim, const Tensor& i) { return ops::index_select(t, dim, i); };
  m.def("index_select", function_with_out("index_select", +index_select), py::arg("input"), py::arg("dim"),
        py::arg("index"), py::kw_only(), py::arg("out") = py::none());
  cls.def("index_select", index_select, py::arg("dim"), py::arg("index"));
  auto gather = [](const Tensor& t, int64_t dim, const Tensor& i, bool) { return ops::gather(t, dim, i); };
  m.def("gather", function_with_out("gather", +gather), py::arg("input"), py::arg("dim"), py::arg("index"),
        py::kw_only(), py::arg("sparse_grad").noconvert() = false, py::arg("out") = py::none());
  cls.def("gather", gather, py::arg("dim"), py::arg("index"), py::kw_only(), py::arg("sparse_grad").noconvert() = false);
  auto scatter = [](const Tensor& t, int64_t dim, const Tensor& i, py::handle src, py::handle value) {
    return scatter_any(t, dim, i, src, value, false);
  };
  m.def("scatter", scatter, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src") = py::none(),
        py::kw_only(), py::arg("value") = py::none());
  cls.def("scatter", scatter, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
          py::arg("value") = py::none());
  cls.def("scatter_", [](py::object s, int64_t dim, const Tensor& i, py::handle src, py::handle value) {
    scatter_any(s.cast<Tensor>(), dim, i, src, value, true);
    return s;
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none());
  auto scatter_add = [](const Tensor& t, int64_t dim, const Tensor& i, const Tensor& src) {
    return ops::scatter_add(t, dim, i, src);
  };
  m.def("scatter_add", scatter_add, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add", scatter_add, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_", [](py::object s, int64_t dim, const Tensor& i, const Tensor& src) {
    Tensor t = s.cast<Tensor>();
    ops::scatter_add_(t, dim, i, src);
    return s;
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  auto take = [](const Tensor& t, const Tensor& i) { return ops::take(t, i); };
  m.def("take", function_with_out("take", +take), py::arg("input"), py::arg("index"), py::kw_only(),
        py::arg("out") = py::none());
  cls.def("take", take, py::arg("index"));

  // ---- reductions into slots: scatter_reduce, index_reduce; put
  for (const char* name : {"scatter_reduce", "index_reduce"}) {
    const bool scatter = name[0] == 's';
    const char* src_name = scatter ? "src" : "source";
    auto f = [scatter, name](const Tensor& t, int64_t dim, const Tensor& i, const Tensor& src,
                             const std::string& reduce, py::handle include_self) {
      const bool inc = bool_arg(include_self, name, "include_self");
      return scatter ? ops::scatter_reduce(t, dim, i, src, reduce, inc) : ops::index_reduce(t, dim, i, src, reduce, inc);
    };
    m.def(name, [f, name](py::handle input, int64_t dim, const Tensor& i, const Tensor& src, const std::string& reduce,
                          py::handle include_self, py::handle out) {
      return result_or_out(out, name, [&] { return f(tensor_arg(input, name), dim, i, src, reduce, include_self); });
    }, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg(src_name), py::arg("reduce"), py::kw_only(),
          py::arg("include_self") = true, py::arg("out") = py::none());
    cls.def(name, f, py::arg("dim"), py::arg("index"), py::arg(src_name), py::arg("reduce"), py::kw_only(),
            py::arg("include_self") = true);
    const std::string inplace = std::string(name) + "_";
    cls.def(inplace.c_str(), [scatter, name](py::object s, int64_t dim, const Tensor& i, const Tensor& src,
                                             const std::string& reduce, py::handle include_self) {
      Tensor t = s.cast<Tensor>();
      const bool inc = bool_arg(include_self, name, "include_self");
      if (scatter) ops::scatter_reduce_(t, dim, i, src, reduce, inc);
      else ops::index_reduce_(t, dim, i, src, reduce, inc);
      return s;
    }, py::arg("dim"), py::arg("index"), py::arg(src_name), py::arg("reduce"), py::kw_only(),
            py::arg("include_self") = true);
  }
  m.def("put", [](py::handle input, const Tensor& i, const Tensor& src, py::handle acc) {
    return ops::put(tensor_arg(input, "put"), i, src, bool_arg(acc, "put", "accumulate", 4));
  }, py::arg("input"), py::arg("index"), py::arg("source"), py::arg("accumulate") = false);
  cls.def("put", [](const Tensor& t, const Tensor& i, const Tensor& src, py::handle acc) {
    return ops::put(t, i, src, bool_arg(acc, "put", "accumulate", 3));
  }, py::arg("index"), py::arg("source"), py::arg("accumulate") = false);
  cls.def("put_", [](py::object s, const Tensor& i, const Tensor& src, py::handle acc) {
    Tensor t = s.cast<Tensor>();
    ops::put_(t, i, src, bool_arg(acc, "put_", "accumulate", 3));
    return s;
  }, py::arg("index"), py::arg("source"), py::arg("accumulate") = false);

  // ---- sorting
  auto sort = [](const Tensor& t, int64_t dim, bool desc, std::optional<bool> stable) {
    return named_pair("sort", ops::sort(t, dim, desc, stable));
  };
  m.def("sort", sort, py::arg("input"), py::arg("dim") = -1, py::arg("descending").noconvert() = false, py::kw_only(),
        py::arg("stable") = py::none());
  cls.def("sort", sort, py::arg("dim") = -1, py::arg("descending").noconvert() = false, py::kw_only(),
          py::arg("stable") = py::none());
  auto argsort = [](const Tensor& t, int64_t dim, bool desc, bool stable) { return ops::argsort(t, dim, desc, stable); };
  m.def("argsort", argsort, py::arg("input"), py::arg("dim") = -1, py::arg("descending").noconvert() = false,
        py::arg("stable").noconvert() = false);
  cls.def("argsort", argsort, py::arg("dim") = -1, py::arg("descending").noconvert() = false, py::arg("stable").noconvert() = false);
  auto topk = [](const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
    return named_pair("topk", ops::topk(t, k, dim, largest, sorted));
  };
  m.def("topk", topk, py::arg("input"), py::arg("k"), py::arg("dim") = -1, py::arg("largest").noconvert() = true,
        py::arg("sorted").noconvert() = true);
  cls.def("topk", topk, py::arg("k"), py::arg("dim") = -1, py::arg("largest").noconvert() = true, py::arg("sorted").noconvert() = true);
  m.def("unique", &unique_any, py::arg("input"), py::arg("sorted").noconvert() = true, py::arg("return_inverse").noconvert() = false,
        py::arg("return_counts").noconvert() = false, py::arg("dim") = py::none());
  cls.def("unique", &unique_any, py::arg("sorted").noconvert() = true, py::arg("return_inverse").noconvert() = false,
          py::arg("return_counts").noconvert() = false, py::arg("dim") = py::none());
}

}  // namespace st::py_bind
