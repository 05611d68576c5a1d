// Python bindings of the random generators and sampling ops: smalltorch._C.Generator (a C++ Generator held by
// shared_ptr; default_generator is the process-wide one), _C._randperm/_bernoulli/_multinomial/_poisson/
// _standard_gamma (wrapped by python/smalltorch/_sampling.py) and the Tensor methods random_, exponential_,
// geometric_, cauchy_, log_normal_, bernoulli_.
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

  auto self_of = [](py::handle h) { return h.cast<Tensor>(); };
  cls.def("random_", [self_of](py::object s, py::object a, py::object b, py::handle g) {
        Tensor t = self_of(s);
        std::optional<int64_t> from, to;
        if (!a.is_none() && b.is_none() && !py::hasattr(s, "__never__")) {
          // random_(to) when called with one bound; random_(from, None) is spelled with to=None explicitly,
          // which the Python wrapper never needs: PyTorch treats random_(x) as random_(0, x).
          to = a.cast<int64_t>();
          from = 0;
        } else {
          if (!a.is_none()) from = a.cast<int64_t>();
          if (!b.is_none()) to = b.cast<int64_t>();
        }
        ops::random_(t, from, to, generator_arg(g));
        return s;
      }, py::arg("from") = py::none(), py::arg("to") = py::none(), py::kw_only(), py::arg("generator") = py::none())
      .def("exponential_", [self_of](py::object s, double lambd, py::handle g) {
        Tensor t = self_of(s);
        ops::exponential_(t, lambd, generator_arg(g));
        return s;
      }, py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("geometric_", [self_of](py::object s, double p, py::handle g) {
        Tensor t = self_of(s);
        ops::geometric_(t, p, generator_arg(g));
        return s;
      }, py::arg("p"), py::kw_only(), py::arg("generator") = py::none())
      .def("cauchy_", [self_of](py::object s, double median, double sigma, py::handle g) {
        Tensor t = self_of(s);
        ops::cauchy_(t, median, sigma, generator_arg(g));
        return s;
      }, py::arg("median") = 0.0, py::arg("sigma") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("log_normal_", [self_of](py::object s, double mean, double std, py::handle g) {
        Tensor t = self_of(s);
        ops::log_normal_(t, mean, std, generator_arg(g));
        return s;
      }, py::arg("mean") = 1.0, py::arg("std") = 2.0, py::kw_only(), py::arg("generator") = py::none())
      .def("bernoulli_", [self_of](py::object s, py::handle p, py::handle g) {
        Tensor t = self_of(s);
        if (is_tensor(p)) ops::bernoulli_(t, p.cast<Tensor>(), generator_arg(g));
        else ops::bernoulli_(t, p.cast<double>(), generator_arg(g));
        return s;
      }, py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none())
      .def("bernoulli", [](const Tensor& self, py::handle p, py::handle g) {
        if (p.is_none()) return ops::bernoulli(self, generator_arg(g));
        if (is_tensor(p)) {
          Tensor out = st::empty(self.sizes(), self.dtype());
          ops::bernoulli_(out, p.cast<Tensor>(), generator_arg(g));
          return out;
        }
        return ops::bernoulli(self, p.cast<double>(), generator_arg(g));
      }, py::arg("p") = py::none(), py::kw_only(), py::arg("generator") = py::none())
      .def("multinomial", [](const Tensor& self, int64_t n, bool replacement, py::handle g) {
        return ops::multinomial(self, n, replacement, generator_arg(g));
      }, py::arg("num_samples"), py::arg("replacement").noconvert() = false, py::kw_only(),
         py::arg("generator") = py::none());
}

}  // namespace st::py_bind
