// Python bindings of the random generators and sampling ops: smalltorch._C.Generator (a C++ Generator held by
// shared_ptr; default_generator is the process-wide one), _C._randperm/_bernoulli/_multinomial/_poisson/
// _standard_gamma, _standard_gamma_grad, _dirichlet_grad (wrapped by python/smalltorch/_sampling.py) and the Tensor
// methods random_, exponential_, geometric_, cauchy_, log_normal_, bernoulli_.
#include <cstring>
#include <random>
#include "../kernels/random.h"
#include "../ops/random_ops.h"
#include "bind_util.h"
#include "tensor_type.h"

namespace st::py_bind {

using kernels::Generator;

// generator= of a random function: None (the default generator) or a Generator.
Generator* generator_arg(py::handle h) {
  if (h.is_none()) return nullptr;
  if (!py::isinstance<Generator>(h))
    throw TypeError(std::string("expected a torch.Generator, but got ") + Py_TYPE(h.ptr())->tp_name);
  return h.cast<Generator*>();
}

namespace {

uint64_t seed_arg(py::handle seed) {
  if (PyBool_Check(seed.ptr()) || !PyLong_Check(seed.ptr()))
    throw Error(std::string("manual_seed expected a long, but got ") +
                (PyFloat_Check(seed.ptr()) ? "float" : PyUnicode_Check(seed.ptr()) ? "str" : Py_TYPE(seed.ptr())->tp_name));
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(seed.ptr(), &overflow);
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(seed.ptr());
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw ValueError("Overflow when unpacking long long");
    }
    return u;
  }
  if (overflow < 0) throw ValueError("Overflow when unpacking long long");
  return static_cast<uint64_t>(v);
}

double probability_arg(py::handle p, const char* fn) { return float_arg(p, fn, "p"); }

Tensor state_tensor(const Generator& g) {
  std::string s = g.state();
  Tensor t = st::empty({static_cast<int64_t>(s.size())}, ScalarType::UInt8);
  std::memcpy(t.raw_data(), s.data(), s.size());
  return t;
}
void set_state_from(Generator& g, py::handle state) {
  if (!is_tensor(state) || state.cast<Tensor>().dtype() != ScalarType::UInt8)
    throw TypeError("RNG state must be a torch.ByteTensor");
  Tensor t = ops::contiguous(state.cast<Tensor>());
  g.set_state(std::string(static_cast<const char*>(t.raw_data()), static_cast<size_t>(t.numel())));
}
uint64_t fresh_seed() {
  std::random_device rd;
  return ((static_cast<uint64_t>(rd()) << 32) | rd()) & ((1ULL << 63) - 1);
}

}  // namespace

// A float argument given as a Python number (int and bool included, as PyTorch's float arguments take them) or
// a one-element tensor or anything with __float__ (numpy scalars); anything else (None, strings, objects with only
// __index__) is a TypeError.
double float_arg(py::handle p, const char* fn, const char* name) {
  if (is_tensor(p)) {
    Tensor t = p.cast<Tensor>();
    if (t.numel() == 1) return ops::item(t).to<double>();
  } else if (PyFloat_Check(p.ptr()) || PyLong_Check(p.ptr()) ||
             (Py_TYPE(p.ptr())->tp_as_number && Py_TYPE(p.ptr())->tp_as_number->nb_float &&
              !PyUnicode_Check(p.ptr()))) {  // numpy scalars convert through __float__, as in PyTorch
    double v = PyFloat_AsDouble(p.ptr());
    if (v == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      throw TypeError(std::string(fn) + "(): argument '" + name + "' is too large for a float");
    }
    return v;
  }
  throw TypeError(std::string(fn) + "(): argument '" + name + "' must be float, not " + Py_TYPE(p.ptr())->tp_name);
}

void bind_random(Module& m, TensorClass& cls) {
  py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
      .def(py::init([](py::object device) {
        if (!device.is_none()) {
          std::string d = py::str(device);
          if (d != "cpu")
            throw Error("Generator: only the cpu device is supported (this build has no accelerator), got '" + d +
                        "'");
        }
        return std::make_shared<Generator>();
      }), py::arg("device") = py::none())
      .def("manual_seed", [](py::object self, py::handle seed) {
        self.cast<Generator&>().manual_seed(seed_arg(seed));
        return self;
      }, py::arg("seed"))
      .def("seed", [](Generator& g) {
        uint64_t s = fresh_seed();
        g.manual_seed(s);
        return s;
      })
      .def("initial_seed", [](const Generator& g) { return g.seed; })
      .def("get_state", [](const Generator& g) { return state_tensor(g); })
      .def("set_state", [](py::object self, py::handle state) {
        set_state_from(self.cast<Generator&>(), state);
        return self;
      }, py::arg("new_state"))
      .def(py::pickle([](const Generator& g) { return py::bytes(g.state()); }, [](const py::bytes& b) {
        auto g = std::make_shared<Generator>();
        g->set_state(std::string(b));
        return g;
      }));
  m.attr("default_generator") = py::cast(std::shared_ptr<Generator>(&kernels::default_generator(), [](Generator*) {}));
  m.def("_fresh_seed", &fresh_seed);

  m.def("_randperm", [](int64_t n, ScalarType t, py::handle g) { return ops::randperm(n, t, generator_arg(g)); },
        py::arg("n"), py::arg("dtype"), py::arg("generator") = py::none());
  m.def("_bernoulli", [](const Tensor& p, py::handle g) { return ops::bernoulli(p, generator_arg(g)); }, py::arg("p"),
        py::arg("generator") = py::none());
  m.def("_bernoulli_scalar", [](const Tensor& self, double p, py::handle g) {
    return ops::bernoulli(self, p, generator_arg(g));
  }, py::arg("input"), py::arg("p"), py::arg("generator") = py::none());
  m.def("_multinomial", [](const Tensor& probs, int64_t n, bool replacement, py::handle g) {
    return ops::multinomial(probs, n, replacement, generator_arg(g));
  }, py::arg("input"), py::arg("num_samples"), py::arg("replacement") = false, py::arg("generator") = py::none());
  m.def("_poisson", [](const Tensor& r, py::handle g) { return ops::poisson(r, generator_arg(g)); }, py::arg("input"),
        py::arg("generator") = py::none());
  m.def("_standard_gamma", [](const Tensor& a, py::handle g) { return ops::standard_gamma(a, generator_arg(g)); },
        py::arg("input"), py::arg("generator") = py::none());
  m.def("_standard_gamma_grad", &ops::standard_gamma_grad, py::arg("input"), py::arg("output"));
  m.def("_dirichlet_grad", &ops::dirichlet_grad, py::arg("x"), py::arg("alpha"), py::arg("total"));

  auto self_of = [](py::handle h) { return h.cast<Tensor>(); };
  // Tensor.bernoulli's "no p given" (None itself is refused, as PyTorch refuses it)
  static py::object no_p_obj = py::module_::import("builtins").attr("object")();
  py::handle no_p = no_p_obj;
  // random_(), random_(to), random_(from, to) with to possibly None (the dtype's max), from/to also by keyword
  cls.def("random_", [self_of](py::object s, py::args args, py::kwargs kw) {
        Tensor t = self_of(s);
        auto as_int = [](py::handle h, const char* name) -> int64_t {
          if (!PyLong_Check(h.ptr()))
            throw TypeError(std::string("random_(): argument '") + name + "' must be int, not " +
                            Py_TYPE(h.ptr())->tp_name);
          return h.cast<int64_t>();
        };
        py::object g = py::none(), a, b;
        bool has_a = false, has_b = false;
        if (args.size() > 2) throw TypeError("random_() takes at most 2 positional arguments");
        if (args.size() >= 1) { a = args[0]; has_a = true; }
        if (args.size() == 2) { b = args[1]; has_b = true; }
        for (auto item : kw) {
          std::string key = py::str(item.first);
          if (key == "generator") g = py::reinterpret_borrow<py::object>(item.second);
          else if (key == "from" && !has_a) { a = py::reinterpret_borrow<py::object>(item.second); has_a = true; }
          else if (key == "to" && !has_b) { b = py::reinterpret_borrow<py::object>(item.second); has_b = true; }
          else throw TypeError("random_() got an unexpected keyword argument '" + key + "'");
        }
        std::optional<int64_t> from, to;
        if (has_a && !has_b && !kw.contains("from")) {  // random_(to)
          from = 0;
          to = as_int(a, "to");
        } else if (has_a) {  // random_(from, to) with to an int or None
          from = as_int(a, "from");
          if (has_b && !b.is_none()) to = as_int(b, "to");
        } else if (has_b) {  // random_(to=...)
          from = 0;
          if (!b.is_none()) to = as_int(b, "to");
        }
        ops::random_(t, from, to, generator_arg(g));
        return s;
      })
      .def("exponential_", [self_of](py::object s, py::handle lambd, py::handle g) {
        Tensor t = self_of(s);
        ops::exponential_(t, float_arg(lambd, "exponential_", "lambd"), generator_arg(g));
        return s;
      }, py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("geometric_", [self_of](py::object s, py::handle p, py::handle g) {
        Tensor t = self_of(s);
        ops::geometric_(t, float_arg(p, "geometric_", "p"), generator_arg(g));
        return s;
      }, py::arg("p"), py::kw_only(), py::arg("generator") = py::none())
      .def("cauchy_", [self_of](py::object s, py::handle median, py::handle sigma, py::handle g) {
        Tensor t = self_of(s);
        ops::cauchy_(t, float_arg(median, "cauchy_", "median"), float_arg(sigma, "cauchy_", "sigma"),
                     generator_arg(g));
        return s;
      }, py::arg("median") = 0.0, py::arg("sigma") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("log_normal_", [self_of](py::object s, py::handle mean, py::handle std, py::handle g) {
        Tensor t = self_of(s);
        ops::log_normal_(t, float_arg(mean, "log_normal_", "mean"), float_arg(std, "log_normal_", "std"),
                         generator_arg(g));
        return s;
      }, py::arg("mean") = 1.0, py::arg("std") = 2.0, py::kw_only(), py::arg("generator") = py::none())
      .def("bernoulli_", [self_of](py::object s, py::handle p, py::handle g) {
        Tensor t = self_of(s);
        if (is_tensor(p)) ops::bernoulli_(t, p.cast<Tensor>(), generator_arg(g));
        else ops::bernoulli_(t, probability_arg(p, "bernoulli_"), generator_arg(g));
        return s;
      }, py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none())
      .def("bernoulli", [no_p](const Tensor& self, py::handle p, py::handle g) {
        if (p.is(no_p)) return ops::bernoulli(self, generator_arg(g));  // no p: self holds the probabilities
        if (is_tensor(p))
          throw TypeError("bernoulli(): argument 'p' must be float, not Tensor");
        return ops::bernoulli(self, probability_arg(p, "bernoulli"), generator_arg(g));
      }, py::arg("p") = no_p, py::kw_only(), py::arg("generator") = py::none())
      .def("multinomial", [](const Tensor& self, int64_t n, bool replacement, py::handle g) {
        return ops::multinomial(self, n, replacement, generator_arg(g));
      }, py::arg("num_samples"), py::arg("replacement").noconvert() = false, py::kw_only(),
         py::arg("generator") = py::none());
}

}  // namespace st::py_bind
