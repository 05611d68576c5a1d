// Elementwise one-input kernels: a functor mapped over a tensor, and clamp.
// The functor comes from the op layer (ops/unary.h's table); this floor only
// knows how to walk memory.
#pragma once
#include "kernels.h"
#include "loop.h"

namespace st::kernels {

// out[i] = f(in[i]); out and in have one shape (in may be out itself).
// In and Out are the C++ element types of in and out.
template <typename In, typename Out, typename F>
void map(const Tensor& out, const Tensor& in, F f) {
  const int64_t n = out.numel();
  if (n == 0) return;
  if (out.is_contiguous() && in.is_contiguous()) {
    Out* o = out.data<Out>();
    const In* p = in.data<In>();
    parallel_for(0, n, kGrainSize, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(p[i]);
    });
    return;
  }
  OperandSpec specs[2] = {{static_cast<char*>(out.raw_data()), out.strides().data(), int64_t(sizeof(Out))},
                          {static_cast<char*>(in.raw_data()), in.strides().data(), int64_t(sizeof(In))}};
  LoopPlan plan;
  build_plan(plan, out.sizes(), specs, 2);
  run_plan(plan, [&](char** d, const int64_t* s, int64_t m) {
    if (s[0] == int64_t(sizeof(Out)) && s[1] == int64_t(sizeof(In))) {
      Out* o = reinterpret_cast<Out*>(d[0]);
      const In* p = reinterpret_cast<const In*>(d[1]);
      for (int64_t i = 0; i < m; ++i) o[i] = f(p[i]);
    } else {
      for (int64_t i = 0; i < m; ++i)
        *reinterpret_cast<Out*>(d[0] + i * s[0]) = f(*reinterpret_cast<const In*>(d[1] + i * s[1]));
    }
  });
}

// out = min(max(in, lo), hi) with NaN propagated; a null bound is absent.
// out, in and the bounds share one dtype; tensor bounds broadcast to out.
void clamp(const Tensor& out, const Tensor& in, const Scalar* lo, const Scalar* hi);
void clamp(const Tensor& out, const Tensor& in, const Tensor* lo, const Tensor* hi);

// Bool masks of where clamp passes gradient (PyTorch's clamp_backward):
// which 0: to the input (lo <= x <= hi); 1: to lo (x < lo, and lo < hi when
// hi is given); 2: to hi (x > hi, or hi < lo when lo is given). x, lo and hi
// share one dtype and broadcast to out's shape.
void clamp_mask(const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi, int which);

}  // namespace st::kernels
