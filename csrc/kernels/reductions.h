// Kernels of the reduction family (prod, max/min, norms, var, scans,
// softmax). Every kernel works on "lines": ops/ arranges the input so the
// dimension being reduced or scanned is its last one, and each kernel makes
// one pass per line (per output element), in parallel over lines.
#pragma once
#include "../core/tensor.h"

namespace st::kernels {

enum class LineReduce : int8_t { Prod, Max, Min, All, Any, Norm0, Norm1, Norm2, NormInf, NormNegInf, NormP,
                                 LogSumExp, Var, Std };

// out[k] = op(in[k, :]) where `in` has shape kept + [R] and out is contiguous
// with numel prod(kept). Prod/Max/Min: out dtype = in dtype (ops casts for prod);
// All/Any: out is 1 byte (bool or uint8); the rest: floating in and out.
// `param` is p (NormP) or the correction (Var/Std).
void reduce_lines(LineReduce op, const Tensor& out, const Tensor& in, double param = 0);
// Max (is_max) or min along the last dim with the index of its first occurrence
// (NaN counts as the extreme). `values` may be undefined (argmax/argmin).
void arg_reduce_lines(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in);
// Inclusive scan of `in` along its last dim into `out` (same shape and dtype).
void scan_lines(bool prod, const Tensor& out, const Tensor& in);
// Softmax or log-softmax along the last dim; out has in's shape and dtype.
void softmax_lines(bool log, const Tensor& out, const Tensor& in);
// Their gradient along the last dim from the incoming gradient g and the saved result y (one dtype, float32
// or float64; out, g and y of one shape): g - exp(y) · sum(g) for log-softmax, y · (g - sum(g · y)) for softmax.
void softmax_backward_lines(bool log, const Tensor& out, const Tensor& g, const Tensor& y);
// out = (a op b) as 0/1 in out's dtype; a and b share one dtype and broadcast to out's shape.
enum class CmpOp : int8_t { Eq, Gt, Lt };
void compare_mask(CmpOp op, const Tensor& out, const Tensor& a, const Tensor& b);

}  // namespace st::kernels
