// Argument conversion shared by the binding files (bindings layer only).
#pragma once
#include <optional>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "../autograd/node.h"
#include "../ops/dtype_rules.h"
#include "../ops/ops.h"
#include "casters.h"

namespace st::py_bind {

namespace py = pybind11;

extern py::object g_size_type;
extern PyObject* g_tensor_new;  // the Python constructor behind smalltorch.Tensor(...) (tensor_type.cpp)
py::object make_size(const DimVector& s);
int64_t to_int(py::handle h, const char* fn, const char* arg, size_t pos);
DimVector parse_sizes(const py::args& args, const char* fn, const char* arg = "size");
DimVector to_dims(py::handle h, const char* fn);
std::optional<ScalarType> opt_dtype(py::handle h);
Tensor as_tensor_arg(py::handle h, const char* fn);
std::vector<ops::TensorIndex> parse_index(py::handle key);
py::array to_numpy(py::object self_obj);
Tensor from_numpy(py::array arr);
Tensor grad_get(const Tensor& t);
void grad_set(const Tensor& t, py::object g);
Tensor data_get(const Tensor& t);
void data_set(const Tensor& t, const Tensor& src);
int register_hook(const Tensor& t, py::function fn);
void remove_hook(const Tensor& t, int id);
void retain_grad(const Tensor& t);
std::vector<Tensor> tensor_list(py::handle h, const char* what);

// TensorClass (tensor_type.h): binding files add methods with cls.def(...).

// The out= convention for ops computed into a fresh result: with out given,
// the result is written into it (ops::write_out checks shape, dtype and grad)
// and out itself is returned.
// out= given: the Tensor, or TypeError naming op.
inline Tensor out_tensor(py::handle out, const char* op) {
  ST_CHECK_T(is_tensor(out), TypeError, op, "(): argument 'out' must be Tensor, not ", Py_TYPE(out.ptr())->tp_name);
  return unwrap(out.ptr());
}

// result_or_out(out, op, compute): out (None or a Tensor, else TypeError naming op) is checked before
// compute() runs, as PyTorch's argument parser does; result_or_out(result, out, op) for a result in hand.
// An elementwise op names its tensor operands (`inputs`): out must not partly overlap them, checked
// before compute() runs, as PyTorch's TensorIterator does.
template <typename F>
py::object result_or_out(py::handle out, const char* op, F&& compute, std::initializer_list<const Tensor*> inputs = {}) {
  if (out.is_none()) return py::cast(compute());
  Tensor o = out_tensor(out, op);
  for (const Tensor* in : inputs) ops::check_no_partial_overlap(o, *in);
  ops::write_out(o, compute(), op);
  return py::reinterpret_borrow<py::object>(out);
}

// An op's out= dtype rule (ops::OutDtype) applied to the out given, if any, before the op runs.
inline void check_out_dtype(py::handle out, ops::OutDtype rule, ScalarType result, const char* op) {
  if (is_tensor(out)) ops::check_out_dtype(rule, unwrap(out.ptr()).dtype(), result, op);
}

inline py::object result_or_out(const Tensor& result, py::handle out, const char* op) {
  return result_or_out(out, op, [&] { return result; });
}

// A Tensor argument taken as a py::handle, so that anything else is PyTorch's TypeError
// "<fn>(): argument '<arg>' (position <pos>) must be Tensor, not <type>".
inline Tensor tensor_arg(py::handle h, const char* fn, const char* arg = "input", int pos = 1) {
  ST_CHECK_T(is_tensor(h), TypeError, fn, "(): argument '", arg, "' (position ", pos, ") must be Tensor, not ",
             Py_TYPE(h.ptr())->tp_name);
  return unwrap(h.ptr());
}

// smalltorch.<name>(input, ...) from a method body f(self, args...): input checked by tensor_arg.
// (f is a function pointer: pass a captureless lambda as +[](const Tensor& t, ...) {...}.)
template <typename R, typename... A>
auto function_of(const char* name, R (*f)(const Tensor&, A...)) {
  return [name, f](py::handle input, A... a) { return f(tensor_arg(input, name), a...); };
}

// The same with a keyword-only out= after the arguments (the result written into it, see result_or_out).
template <typename R, typename... A>
auto function_with_out(const char* name, R (*f)(const Tensor&, A...)) {
  return [name, f](py::handle input, A... a, py::handle out) {
    return result_or_out(out, name, [&] { return f(tensor_arg(input, name), a...); });
  };
}

// Binds `alias` to the very objects bound for `name`: the function, the method and the in-place
// method (the registries' alias lists; defined in bind_binary.cpp).
void bind_alias(Module& m, TensorClass& cls, const char* alias, const char* name);

// smalltorch._C._vjp_formulas: node name -> (input names, gradient formula per input as the C++
// expression that computes it, {symbol: meaning}). The registries' binders fill it from their rows'
// gradient columns, so the text the backward trace explains is the code that runs.
inline void add_vjp_formula(Module& m, const char* node, py::tuple inputs, py::tuple formulas, py::dict symbols) {
  if (!py::hasattr(m, "_vjp_formulas")) m.attr("_vjp_formulas") = py::dict();
  py::dict d = m.attr("_vjp_formulas");
  if (!d.contains(node)) d[node] = py::make_tuple(inputs, formulas, symbols);
}

// One init function per binding file, called by module.cpp.
void bind_dtypes(Module& m);
void bind_runtime(Module& m);
void bind_autograd(Module& m);
void bind_factories(Module& m);
void bind_numpy(Module& m);
void bind_nn_kernels(Module& m);
void bind_tensor(Module& m, TensorClass& cls);
void bind_binary(Module& m, TensorClass& cls);
void bind_ternary(Module& m, TensorClass& cls);
void bind_optim(Module& m);
void bind_reductions(Module& m, TensorClass& cls);
void bind_linalg(Module& m, TensorClass& cls);
void bind_shape_ops(Module& m, TensorClass& cls);
void bind_indexing(Module& m, TensorClass& cls);
void bind_unary(Module& m, TensorClass& cls);
void bind_storage(Module& m, TensorClass& cls);
void bind_dlpack(Module& m, TensorClass& cls);
void bind_random(Module& m, TensorClass& cls);
kernels::Generator* generator_arg(py::handle h);  // generator= of a random function (bind_random.cpp)
void bind_nn(Module& m);
// A float argument as PyTorch parses one (numbers, one-element tensors; TypeError otherwise), bind_random.cpp.
double float_arg(py::handle p, const char* fn, const char* name);
void bind_lapack(Module& m);
void bind_activation(Module& m);

}  // namespace st::py_bind
