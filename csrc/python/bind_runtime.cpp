// Library state: devices, the default dtype, promotion queries, threads,
// temporary elision, the kernel ISA, the allocator and the random seed.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <cstdlib>
#include <cstring>
#include "../kernels/blas.h"
#include "../kernels/conv.h"
#include "../kernels/isa.h"
#include "../kernels/parallel.h"
#include "../kernels/kernels.h"
#include "bind_util.h"
#include "../core/profiler.h"

namespace py = pybind11;
using namespace st;
namespace ag = st::autograd;

namespace st::py_bind {

void bind_runtime(Module& m) {
  // Replaces the docstring of a function bound here (smalltorch._docs adds the paragraphs once all
  // bindings exist; pybind11 rebuilds a docstring only when an overload is added).
  m.def("_set_doc", [](py::handle f, const std::string& text) {
    PyObject* o = f.ptr();
    if (PyInstanceMethod_Check(o)) o = PyInstanceMethod_GET_FUNCTION(o);
    ST_CHECK_T(PyCFunction_Check(o) && PyCFunction_GET_SELF(o) &&
                   py::detail::function_record_ptr_from_PyObject(PyCFunction_GET_SELF(o)),
               TypeError, "_set_doc: expected a function bound with pybind11, got ", Py_TYPE(o)->tp_name);
    PyMethodDef* def = reinterpret_cast<PyCFunctionObject*>(o)->m_ml;
    std::free(const_cast<char*>(def->ml_doc));  // pybind11 allocates it with strdup
    def->ml_doc = strdup(text.c_str());
  }, py::arg("function"), py::arg("text"));
  // smalltorch.profiler's recorder (core/profiler.h)
  m.def("_profiler_start", [](bool record_shapes) { profiler::start(record_shapes); }, py::arg("record_shapes"));
  m.def("_profiler_stop", [] {
    py::list out;
    for (const auto& e : profiler::stop()) {
      py::list shapes;
      for (const auto& s : e.shapes) shapes.append(py::tuple(py::cast(std::vector<int64_t>(s.begin(), s.end()))));
      const char* kind = e.kind == profiler::Kind::Op ? "op" : e.kind == profiler::Kind::Backward ? "backward" : "user";
      out.append(py::make_tuple(e.name, kind, e.thread, e.start_ns, e.duration_ns, e.bytes, shapes));
    }
    return out;
  });
  m.def("_profiler_enabled", [] { return profiler::enabled(); });
  m.def("_record_function_enter", [](const std::string& name, bool op) {
    profiler::push_range(name, op ? profiler::Kind::Op : profiler::Kind::User);
  }, py::arg("name"), py::arg("op") = false);
  m.def("_record_function_exit", [] { profiler::pop_range(); });
  m.def("_parse_device", [](const std::string& s) -> py::tuple {
    Device d = parse_device(s);
    return py::make_tuple(d.type_name(), d.index < 0 ? py::object(py::none()) : py::object(py::int_(d.index)));
  });
  m.def("_check_device", [](const std::string& s) { check_device_available(parse_device(s)); });
  m.def("_set_size_type", [](py::object t) { g_size_type = t; });
  m.def("_set_tensor_new", [](py::object f) {
    Py_XDECREF(g_tensor_new);
    g_tensor_new = f.release().ptr();
  });
  m.def("get_default_dtype", [] { return default_dtype(); });
  m.def("set_default_dtype", [](ScalarType t) { set_default_dtype(t); });
  m.def("promote_types", [](ScalarType a, ScalarType b) { return promote_types(a, b); });
  m.def("can_cast", [](ScalarType a, ScalarType b) { return can_cast(a, b); });
  m.def("get_num_threads", [] { return kernels::get_num_threads(); });
  m.def("set_num_threads", [](int n) {
    ST_CHECK_T(n > 0, ValueError, "set_num_threads expects a positive integer, got ", n);
    kernels::set_num_threads(n);
  });
  m.def("_elided_temporaries", &elided_temporaries);
  m.def("_elision_supported", [](unsigned long hexversion) { return elision_supported(hexversion); });
  m.def("_elision_enabled", &elision_enabled);
  m.def("_isa", [] { return std::string(kernels::isa().name); });
  m.def("_set_isa", [](const std::string& name) { return kernels::set_isa(name.c_str()); });
  m.def("_isas", [] { return kernels::available_isas(); });
  m.def("_blas_core", [] { return std::string(kernels::blas_core()); });
  // whether a float32 product of this shape runs our own tile (kernels/blas.h: own_sgemm_kernel)
  m.def("_own_sgemm", [](int64_t m_, int64_t n, int64_t k, bool b_reused) {
    return static_cast<bool>(kernels::own_sgemm_kernel(m_, n, k, b_reused));
  });
  // convolution's Winograd path: -1 by size (default), 0 never, 1 whenever it applies (tests compare both)
  m.def("_set_conv_winograd", [](int mode) { kernels::set_winograd_mode(mode); });
  m.def("_conv_winograd", [] { return kernels::winograd_mode(); });
  m.def("_set_conv_direct", [](int mode) { kernels::set_direct_conv_mode(mode); });
  m.def("_conv_direct", [] { return kernels::direct_conv_mode(); });
  m.def("_empty_cache", [] { st::empty_cache(); });
  m.def("_cached_bytes", [] { return st::cached_bytes(); });
  m.def("_allocator_stats", [] {
    AllocatorStats s = st::allocator_stats();
    py::dict d;
    d["allocated"] = s.allocated;
    d["allocated_peak"] = s.allocated_peak;
    d["reserved"] = s.reserved;
    d["reserved_peak"] = s.reserved_peak;
    d["requested"] = s.requested;
    d["requested_peak"] = s.requested_peak;
    d["cached"] = s.cached;
    d["cache_limit"] = s.cache_limit;
    d["allocations"] = s.allocations;
    d["frees"] = s.frees;
    d["active_blocks"] = s.active_blocks;
    d["active_blocks_peak"] = s.active_blocks_peak;
    d["cache_hits"] = s.cache_hits;
    d["idle_releases"] = s.idle_releases;
    d["num_alloc_retries"] = s.num_alloc_retries;
    d["num_ooms"] = s.num_ooms;
    return d;
  });
  m.def("_reset_peak_allocator_stats", [] { st::reset_peak_allocator_stats(); });
  m.def("_set_allocator_cache_limit", [](size_t n) { st::set_allocator_cache_limit(n); });
  m.def("_allocator_cache_limit", [] { return st::allocator_cache_limit(); });
  m.def("_set_allocator_idle_seconds", [](double s) { st::set_allocator_idle_seconds(s); });
  m.def("_allocator_idle_seconds", [] { return st::allocator_idle_seconds(); });
  m.def("manual_seed", [](py::object seed) {
    kernels::manual_seed(static_cast<uint64_t>(seed.cast<int64_t>()));
  });
  m.def("initial_seed", [] { return kernels::initial_seed(); });
  m.def("_get_rng_state", [] { return py::bytes(kernels::rng_state()); });
  m.def("_set_rng_state", [](const py::bytes& state) { kernels::set_rng_state(std::string(state)); },
        py::arg("state"));
}

}  // namespace st::py_bind
