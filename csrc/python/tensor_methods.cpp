// Tensor methods and properties exposed to Python.
#include "../autograd/engine.h"
#include "bind_util.h"

namespace st::py_bind {
namespace ag = st::autograd;

namespace {
Tensor self_of(py::handle h) { return h.cast<Tensor>(); }

// sum or mean over dim (None: all dims; an int or a sequence), keepdim and dtype as PyTorch's.
Tensor sum_or_mean(bool mean, const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
  const std::optional<ScalarType> dt = opt_dtype(dtype);
  if (dim.is_none() && !keepdim) return mean ? ops::mean(t, dt) : ops::sum(t, dt);
  DimVector dims;
  if (dim.is_none())
    for (int64_t d = 0; d < t.dim(); ++d) dims.push_back(d);
  else
    dims = to_dims(dim, mean ? "mean" : "sum");
  return mean ? ops::mean(t, dims, keepdim, dt) : ops::sum(t, dims, keepdim, dt);
}
Tensor sum_any(const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
  return sum_or_mean(false, t, dim, keepdim, dtype);
}
Tensor mean_any(const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
  return sum_or_mean(true, t, dim, keepdim, dtype);
}

Tensor narrow(const Tensor& t, int64_t d, int64_t start, int64_t len) {
  int64_t wd = wrap_dim(d, t.dim());
  int64_t size = t.sizes()[wd];
  if (start < 0) start += size;
  ST_CHECK_T(start >= 0 && start <= size, IndexError, "start (", start, ") is out of bounds for dimension ", wd,
             " with size ", size);
  ST_CHECK(len >= 0 && start + len <= size, "start (", start, ") + length (", len, ") exceeds dimension size (",
           size, ").");
  return ops::slice(t, wd, start, start + len, 1);
}

Tensor squeeze_any(const Tensor& t, py::object dim) {
  if (dim.is_none()) return ops::squeeze(t);
  if (PyTuple_Check(dim.ptr()) || PyList_Check(dim.ptr())) return ops::squeeze(t, to_dims(dim, "squeeze"));
  return ops::squeeze(t, to_int(dim, "squeeze", "dim", 0));
}
}  // namespace

void bind_tensor(Module& m, TensorClass& cls) {
  // A method that is also smalltorch.<name>(input, ...) (f: a captureless lambda or a function), with PyTorch's
  // argument names; method_and_function_out adds the function's keyword-only out=.
  auto method_and_function = [&](const char* name, auto f, auto... args) {
    cls.def(name, f, args...);
    m.def(name, function_of(name, +f), py::arg("input"), args...);
  };
  auto method_and_function_out = [&](const char* name, auto f) {
    cls.def(name, f);
    m.def(name, function_with_out(name, +f), py::arg("input"), py::kw_only(), py::arg("out") = py::none());
  };

  // ---- geometry
  cls.def_property_readonly("shape", [](const Tensor& t) { return make_size(t.sizes()); })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return make_size(t.sizes());
        return py::int_(t.size(to_int(dim, "size", "dim", 0)));
      }, py::arg("dim") = py::none())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) {
          py::tuple r(t.dim());
          for (int64_t i = 0; i < t.dim(); ++i) r[i] = py::int_(t.strides()[i]);
          return std::move(r);
        }
        return py::int_(t.stride(to_int(dim, "stride", "dim", 0)));
      }, py::arg("dim") = py::none())
      .def("dim", [](const Tensor& t) { return t.dim(); })
      .def("ndimension", [](const Tensor& t) { return t.dim(); })
      .def_property_readonly("ndim", [](const Tensor& t) { return t.dim(); })
      .def("numel", [](const Tensor& t) { return t.numel(); })
      .def("nelement", [](const Tensor& t) { return t.numel(); })
      .def("element_size", [](const Tensor& t) { return element_size(t.dtype()); })
      .def_property_readonly("itemsize", [](const Tensor& t) { return element_size(t.dtype()); })
      .def_property_readonly("nbytes", [](const Tensor& t) { return t.numel() * element_size(t.dtype()); })
      .def("storage_offset", [](const Tensor& t) { return t.impl()->offset(); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw_data()); })
      .def("is_contiguous", [](const Tensor& t) { return t.is_contiguous(); })
      .def("is_floating_point", [](const Tensor& t) { return t.is_floating_point(); })
      .def("is_complex", [](const Tensor&) { return false; })
      .def_property_readonly("dtype", [](const Tensor& t) { return t.dtype(); })
      .def_property_readonly("_version", [](const Tensor& t) { return t.impl()->version(); })
      .def("_is_view", [](const Tensor& t) { return t.impl()->is_view; })
      .def("__len__", [](const Tensor& t) {
        ST_CHECK_T(t.dim() > 0, TypeError, "len() of a 0-d tensor");
        return t.sizes()[0];
      });

  // ---- autograd state
  cls.def_property("requires_grad", [](const Tensor& t) { return ag::requires_grad(t); },
                   [](const Tensor& t, bool on) { ag::set_requires_grad(t, on); })
      .def("requires_grad_", [](py::object self, bool on) {
        ag::set_requires_grad(self_of(self), on);
        return self;
      }, py::arg("requires_grad").noconvert() = true)
      .def_property_readonly("is_leaf", [](const Tensor& t) { return ag::is_leaf(t); })
      .def_property_readonly("grad_fn", [](const Tensor& t) -> py::object {
        const ag::NodePtr& fn = ag::grad_fn(t);
        if (!fn) return py::none();
        return py::cast(fn);
      })
      .def_property_readonly("_base", [](const Tensor& t) -> py::object {
        auto* vm = t.impl()->view_meta();
        if (!vm) return py::none();
        return py::cast(Tensor(vm->base));
      })
      .def_property_readonly("output_nr", [](const Tensor& t) {
        auto* m = ag::get_meta(t);
        return m ? m->output_nr : 0u;
      })
      .def_property("grad", &grad_get, &grad_set)
      .def_property("data", &data_get, &data_set)
      .def_property_readonly("retains_grad", [](const Tensor& t) {
        auto* m = ag::get_meta(t);
        return m && m->retains_grad;
      })
      .def("retain_grad", &retain_grad)
      .def("_register_hook", &register_hook)
      .def("_remove_hook", &remove_hook)
      .def("detach_", [](py::object self) {
        Tensor t = self_of(self);
        // as PyTorch: any view, with or without history
        ST_CHECK(!t.impl()->is_view, "Can't detach views in-place. Use detach() instead. If you are using "
                 "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients "
                 "are views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this "
                 "error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the "
                 "solution.");
        if (auto* m = ag::get_meta(t)) {
          ag::release_node(std::move(m->grad_fn));
          m->requires_grad = false;
        }
        return self;
      });
  method_and_function("detach", [](const Tensor& t) { return ops::detach(t); });

  // ---- conversion
  cls.def("item", [](const Tensor& t) { return ops::item(t); })
      .def("numpy", [](py::object self) { return to_numpy(self); })
      .def("_to_dtype", [](const Tensor& t, ScalarType d, bool copy) { return ops::to_dtype(t, d, copy); })
      .def("contiguous", [](const Tensor& t) { return ops::contiguous(t); })
      .def("copy_", [](py::object self, const Tensor& src) {
        Tensor t = self_of(self);
        ops::copy_(t, src);
        return self;
      }, py::arg("src"));
  method_and_function("clone", [](const Tensor& t) { return ops::clone(t); });

  // ---- storage identity and aliasing, for copy.deepcopy (views copied together keep sharing memory)
  cls.def("_storage_key", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.impl()->storage().get()); })
      .def("_storage_copy", [](const Tensor& t) {  // the whole storage, copied, as a flat tensor
        const int64_t n = static_cast<int64_t>(t.impl()->storage()->nbytes() / element_size(t.dtype()));
        Tensor flat(std::make_shared<TensorImpl>(t.impl()->storage(), 0, DimVector{n}, DimVector{1}, t.dtype()));
        return ops::clone(flat);
      })
      .def("_alias_storage", [](const Tensor& flat, const DimVector& sizes, const DimVector& strides, int64_t offset) {
        // a new tensor (no history, not a view) on flat's storage with the given geometry, bounds-checked
        ST_CHECK(sizes.size() == strides.size() && offset >= 0, "_alias_storage: bad geometry");
        int64_t last = offset;
        bool empty = false;
        for (size_t d = 0; d < sizes.size(); ++d) {
          ST_CHECK(sizes[d] >= 0 && strides[d] >= 0, "_alias_storage: bad geometry");
          if (sizes[d] == 0) empty = true;
          else last += (sizes[d] - 1) * strides[d];
        }
        ST_CHECK(empty || last < flat.numel(), "_alias_storage: geometry out of the storage's bounds");
        return Tensor(std::make_shared<TensorImpl>(flat.impl()->storage(), offset, sizes, strides, flat.dtype()));
      });

  // ---- views
  cls.def("view", [](const Tensor& t, py::args a) {
        ScalarType dt;
        if (a.size() == 1 && dtype_from_object(a[0], dt)) return ops::view_dtype(t, dt);  // Tensor.view(dtype)
        return ops::view(t, parse_sizes(a, "view"));
      })
      .def("reshape", [](const Tensor& t, py::args a) { return ops::reshape(t, parse_sizes(a, "reshape", "shape")); })
      .def("view_as", [](const Tensor& t, const Tensor& o) { return ops::view(t, o.sizes()); })
      .def("reshape_as", [](const Tensor& t, const Tensor& o) { return ops::reshape(t, o.sizes()); })
      .def_property_readonly("T", [](const Tensor& t) { return ops::numpy_T(t); })
      .def_property_readonly("mT", [](const Tensor& t) { return ops::mT(t); })
      .def("permute", [](const Tensor& t, py::args a) { return ops::permute(t, parse_sizes(a, "permute", "dims")); })
      .def("expand", [](const Tensor& t, py::args a) {
        ST_CHECK_T(a.size() > 0, TypeError, "expand() missing 1 required positional arguments: \"size\"");
        return ops::expand(t, parse_sizes(a, "expand"));
      })
      .def("expand_as", [](const Tensor& t, const Tensor& o) { return ops::expand(t, o.sizes()); })
      .def("__getitem__", [](const Tensor& t, py::handle key) { return ops::index(t, parse_index(key)); })
      .def("__setitem__", [](const Tensor& t, py::handle key, py::handle value) {
        Tensor self = t;
        auto idx = parse_index(key);
        if (is_tensor(value)) {
          ops::index_put_(self, idx, value.cast<Tensor>());
          return;
        }
        Scalar s;
        ST_CHECK_T(scalar_from_object(value, s), TypeError, "can't assign a ", Py_TYPE(value.ptr())->tp_name,
                   " to a ", dtype_name(t.dtype()), " tensor");
        ops::index_put_(self, idx, s);
      });
  method_and_function("flatten", [](const Tensor& t, int64_t s, int64_t e) { return ops::flatten(t, s, e); },
                      py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  auto transpose = [](const Tensor& t, int64_t a, int64_t b) { return ops::transpose(t, a, b); };
  method_and_function("transpose", transpose, py::arg("dim0"), py::arg("dim1"));
  method_and_function("swapaxes", transpose, py::arg("axis0"), py::arg("axis1"));
  method_and_function("swapdims", transpose, py::arg("dim0"), py::arg("dim1"));
  method_and_function("t", [](const Tensor& t) { return ops::t(t); });
  method_and_function("squeeze", &squeeze_any, py::arg("dim") = py::none());
  method_and_function("unsqueeze", [](const Tensor& t, int64_t d) { return ops::unsqueeze(t, d); }, py::arg("dim"));
  method_and_function("select", [](const Tensor& t, int64_t d, int64_t i) { return ops::select(t, d, i); },
                      py::arg("dim"), py::arg("index"));
  method_and_function("narrow", &narrow, py::arg("dim"), py::arg("start"), py::arg("length"));
  // as_strided(size, stride, storage_offset=None): size and stride are sequences (a bare int is PyTorch's TypeError)
  auto as_strided = [](const Tensor& t, py::handle size, py::handle stride, py::handle offset, int first, bool inplace) {
    const char* fn = inplace ? "as_strided_" : "as_strided";
    auto dims = [&](py::handle h, const char* arg, int pos) {
      ST_CHECK_T(PyTuple_Check(h.ptr()) || PyList_Check(h.ptr()), TypeError, fn, "(): argument '", arg,
                 "' (position ", pos, ") must be tuple of ints, not ", Py_TYPE(h.ptr())->tp_name);
      return to_dims(h, fn);
    };
    DimVector sz = dims(size, "size", first), sd = dims(stride, "stride", first + 1);
    std::optional<int64_t> off;
    if (!offset.is_none()) {
      ST_CHECK_T(PyLong_Check(offset.ptr()) && !PyBool_Check(offset.ptr()), TypeError, fn,
                 "(): argument 'storage_offset' (position ", first + 2, ") must be int, not ",
                 Py_TYPE(offset.ptr())->tp_name);
      off = to_int(offset, fn, "storage_offset", first + 2);
    }
    if (!inplace) return ops::as_strided(t, sz, sd, off);
    Tensor self = t;
    ops::as_strided_(self, sz, sd, off);
    return self;
  };
  m.def("as_strided", [as_strided](py::handle input, py::handle size, py::handle stride, py::handle offset) {
    return as_strided(tensor_arg(input, "as_strided"), size, stride, offset, 2, false);
  }, py::arg("input"), py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  cls.def("as_strided", [as_strided](const Tensor& t, py::handle size, py::handle stride, py::handle offset) {
    return as_strided(t, size, stride, offset, 1, false);
  }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  cls.def("unfold", [](const Tensor& t, int64_t dim, int64_t size, int64_t step) {
    return ops::unfold(t, dim, size, step);
  }, py::arg("dimension"), py::arg("size"), py::arg("step"));
  // in-place view ops: self (the same Python object) with its new geometry
  cls.def("as_strided_", [as_strided](py::object s, py::handle size, py::handle stride, py::handle offset) {
    as_strided(self_of(s), size, stride, offset, 1, true);
    return s;
  }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  // squeeze_(), squeeze_(dim), squeeze_(dims) with dims a tuple or several ints; None is refused as PyTorch does
  cls.def("squeeze_", [](py::object s, py::args args, py::kwargs kw) {
    Tensor t = self_of(s);
    for (auto item : kw)
      ST_CHECK_T(item.first.cast<std::string>() == "dim" && args.size() == 0, TypeError,
                 "squeeze_() got an unexpected keyword argument '", item.first.cast<std::string>(), "'");
    if (args.size() > 1) {
      ops::squeeze_(t, parse_sizes(args, "squeeze_", "dim"), false);
      return s;
    }
    if (args.size() == 0 && !kw.contains("dim")) {
      ops::squeeze_(t);
      return s;
    }
    py::object dim = args.size() ? py::object(args[0]) : py::object(kw["dim"]);
    ST_CHECK_T(!dim.is_none(), TypeError, "squeeze_() received an invalid combination of arguments - got (",
               args.size() ? "NoneType" : "dim=NoneType, ", "), but expected one of:\n * ()\n * (int dim)\n * (tuple of ints dim)");
    if (PyTuple_Check(dim.ptr()) || PyList_Check(dim.ptr())) ops::squeeze_(t, to_dims(dim, "squeeze_"), false);
    else ops::squeeze_(t, {to_int(dim, "squeeze_", "dim", 0)}, true);
    return s;
  });
  // resize_(*sizes) / resize_(sizes) and resize_as_(other): the new shape, contiguous (ops::resize_). No memory
  // formats exist here, so memory_format takes None only.
  auto no_memory_format = [](py::handle f, const char* fn) {
    ST_CHECK_T(f.is_none(), TypeError, fn, "(): argument 'memory_format' must be memory_format, not ",
               Py_TYPE(f.ptr())->tp_name);
  };
  cls.def("resize_", [no_memory_format](py::object s, py::args args, py::handle memory_format) {
    no_memory_format(memory_format, "resize_");
    ST_CHECK_T(args.size() > 0, TypeError, "resize_() missing 1 required positional arguments: \"size\"");
    Tensor t = self_of(s);
    ops::resize_(t, parse_sizes(args, "resize_", "size"));
    return s;
  }, py::kw_only(), py::arg("memory_format") = py::none());
  cls.def("resize_as_", [no_memory_format](py::object s, py::handle other, py::handle memory_format) {
    no_memory_format(memory_format, "resize_as_");
    Tensor t = self_of(s);
    ops::resize_(t, tensor_arg(other, "resize_as_", "the_template").sizes());
    return s;
  }, py::arg("the_template"), py::kw_only(), py::arg("memory_format") = py::none());
  // out= of the Python functions (linalg, compositions, sampling): result written into out, resized to its
  // shape (ops::write_out's checks).
  m.def("_write_out", [](Tensor out, const Tensor& result, const char* op) { ops::write_out(out, result, op); },
        py::arg("out"), py::arg("result"), py::arg("op"));
  cls.def("unsqueeze_", [](py::object s, int64_t d) { Tensor t = self_of(s); ops::unsqueeze_(t, d); return s; },
          py::arg("dim"));
  cls.def("t_", [](py::object s) { Tensor t = self_of(s); ops::t_(t); return s; });
  auto transpose_ = [](py::object s, int64_t a, int64_t b) { Tensor t = self_of(s); ops::transpose_(t, a, b); return s; };
  cls.def("transpose_", transpose_, py::arg("dim0"), py::arg("dim1"));
  cls.def("swapdims_", transpose_, py::arg("dim0"), py::arg("dim1"));
  cls.def("swapaxes_", transpose_, py::arg("axis0"), py::arg("axis1"));

  // ---- arithmetic: the operators + - * / ** and unary -/+ are C slots of the type (tensor_type.cpp); the
  // named methods add, sub, mul, div and pow are the binary registry's (bind_binary.cpp), exp and log the
  // unary table's (bind_unary.cpp)
  cls.def("neg_", [](py::object s) { Tensor t = self_of(s); ops::neg_(t); return s; })
      .def("zero_", [](py::object s) { Tensor t = self_of(s); ops::zero_(t); return s; })
      .def("fill_", [](py::object s, py::handle v) {
        Tensor t = self_of(s);
        if (is_tensor(v)) { ops::fill_(t, v.cast<Tensor>()); return s; }
        Scalar sc;
        ST_CHECK_T(scalar_from_object(v, sc), TypeError, "fill_(): argument 'value' must be Number, not ",
                   Py_TYPE(v.ptr())->tp_name);
        ops::fill_(t, sc);
        return s;
      }, py::arg("value"))
      .def("uniform_", [](py::object s, py::handle lo, py::handle hi, py::handle g) {
        Tensor t = self_of(s);
        ops::uniform_(t, float_arg(lo, "uniform_", "from"), float_arg(hi, "uniform_", "to"), generator_arg(g));
        return s;
      }, py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("normal_", [](py::object s, py::handle mean, py::handle std, py::handle g) {
        Tensor t = self_of(s);
        ops::normal_(t, float_arg(mean, "normal_", "mean"), float_arg(std, "normal_", "std"), generator_arg(g));
        return s;
      }, py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  // neg keeps its dtype: out= takes that dtype only, as PyTorch
  for (const char* name : {"neg", "negative"}) {
    cls.def(name, [](const Tensor& a) { return ops::neg(a); });
    m.def(name, [name](py::handle input, py::handle out) {
      const Tensor a = tensor_arg(input, name);
      check_out_dtype(out, ops::OutDtype::Same, a.dtype(), name);
      return result_or_out(out, name, [&] { return ops::neg(a); }, {&a});
    }, py::arg("input"), py::kw_only(), py::arg("out") = py::none());
  }
  method_and_function_out("reciprocal", [](const Tensor& a) { return ops::reciprocal(a); });

  // reductions
  cls.def("sum", &sum_any, py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false, py::kw_only(),
          py::arg("dtype") = py::none())
      .def("mean", &mean_any, py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false, py::kw_only(),
           py::arg("dtype") = py::none());
  m.def("sum", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype, py::handle out) {
    return result_or_out(sum_any(t, dim, keepdim, dtype), out, "sum");
  }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false, py::kw_only(),
        py::arg("dtype") = py::none(), py::arg("out") = py::none());
  m.def("mean", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype, py::handle out) {
    return result_or_out(mean_any(t, dim, keepdim, dtype), out, "mean");
  }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false, py::kw_only(),
        py::arg("dtype") = py::none(), py::arg("out") = py::none());
}

}  // namespace st::py_bind
