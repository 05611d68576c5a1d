// The kernels layer: loops over memory. Every function here takes fully allocated
// outputs; shape/dtype checks and result allocation happen in ops/.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "../core/shape.h"
#include "../core/tensor.h"

namespace st::kernels {

enum class BinaryOp : int8_t { Add, Sub, Mul, Div, Pow };
// Unary ops with hand-vectorised loops in the ISA tables (isa.h). Other unary
// math runs through kernels::map with its functor (kernels/unary.h).
// The ops of the second line are glibc's vector math where the build has it (isa.h).
enum class UnaryOp : int8_t {
  Neg, Exp, Sigmoid, Tanh,
  Sin, Cos, Tan, Log, Log2, Log10, Log1p, Exp2, Expm1, Sinh, Cosh, Asin, Acos, Atan, Asinh, Acosh, Atanh, Erf, Erfc
};

// out = op(a, b); out, a, b share one dtype; a and b broadcast to out's shape.
void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
// out = op(a, s) or op(s, a) when scalar_first; s is converted to a's dtype.
void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& a, const Scalar& s, bool scalar_first);
void unary(UnaryOp op, const Tensor& out, const Tensor& a);
// out = a + alpha * b (out, a, b of one dtype, broadcast): floats rounded once, as a fused
// multiply-add (PyTorch's add/sub with alpha); float16/bfloat16 through float32 (alpha
// rounded to their dtype first, as PyTorch).
void add_scaled(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha);

// dst = src converted to dst's dtype; src broadcasts to dst's shape.
void copy(const Tensor& dst, const Tensor& src);

// float16 and bfloat16 compute in float32, as PyTorch's CPU kernels do. widen(t) is a
// contiguous float32 copy of t when t has one of those dtypes, t itself otherwise;
// through_float32(out, f) runs f on a float32 stand-in for out (holding out's values
// when f reads them) and rounds what f wrote into out; an undefined out (an output
// not asked for) stays undefined.
Tensor widen(const Tensor& t);
template <typename F>
void through_float32(const Tensor& out, F&& f, bool reads_out = false) {
  const Tensor o = !out.defined() ? Tensor() : reads_out ? widen(out) : empty(out.sizes(), ScalarType::Float32);
  f(o);
  if (out.defined()) copy(out, o);
}
void fill(const Tensor& dst, const Scalar& v);

// Sum of `in` over the dims flagged in `reduce` into `out`, whose shape is
// in's shape with those dims set to 1 (keepdim layout). out's dtype is the
// accumulation type (float32/float64 for floats, int64 for integers and bool).
void sum(const Tensor& out, const Tensor& in, const std::vector<bool>& reduce);

// Random fills, drawing from g (nullptr: the default generator; random.h has the Generator and more fills).
struct Generator;
void manual_seed(uint64_t seed);
uint64_t initial_seed();
std::string rng_state();                    // the default generator's whole state (opaque bytes)
void set_rng_state(const std::string& state);  // a state rng_state() returned; raises for anything else
void uniform(const Tensor& dst, double lo, double hi, Generator* g = nullptr);
void normal(const Tensor& dst, double mean, double std, Generator* g = nullptr);
void randint(const Tensor& dst, int64_t lo, int64_t hi, Generator* g = nullptr);

}  // namespace st::kernels
