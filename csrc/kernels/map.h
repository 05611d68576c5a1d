// Functor maps: the loops every elementwise op without a hand-vectorised ISA
// loop runs on. The functor comes from the op layer (the rows of ops/unary.h
// and ops/binary.h); this layer only knows how to walk memory.
#pragma once
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
    parallel_for_cheap(0, n, kGrainSize, kHotGrainSize, [&](int64_t lo, int64_t hi) {
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

inline char* raw_ptr(const Tensor& t) { return static_cast<char*>(t.raw_data()); }

// out (O) = f(a (I), b (I)) over the broadcast plan, with the contiguous and
// scalar-operand inner loops specialised. (add/sub/mul/div have hand-vectorised
// loops instead: binary_loop & co. in isa_impl.h, run by elementwise.cpp.)
template <typename O, typename I, typename F>
void map_binary(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  const DimVector& shape = out.sizes();
  DimVector sa = broadcast_strides(a.sizes(), a.strides(), shape);
  DimVector sb = broadcast_strides(b.sizes(), b.strides(), shape);
  OperandSpec specs[3] = {{raw_ptr(out), out.strides().data(), sizeof(O)},
                          {raw_ptr(a), sa.data(), sizeof(I)},
                          {raw_ptr(b), sb.data(), sizeof(I)}};
  LoopPlan plan;
  build_plan(plan, shape, specs, 3);
  run_plan(plan, [&](char** d, const int64_t* s, int64_t n) {
    O* o = reinterpret_cast<O*>(d[0]);
    const I* x = reinterpret_cast<const I*>(d[1]);
    const I* y = reinterpret_cast<const I*>(d[2]);
    constexpr int64_t zo = sizeof(O), zi = sizeof(I);
    if (s[0] == zo && s[1] == zi && s[2] == zi) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (s[0] == zo && s[1] == zi && s[2] == 0) {
      const I yv = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
    } else if (s[0] == zo && s[1] == 0 && s[2] == zi) {
      const I xv = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
    } else {
      char *po = d[0], *pa = d[1], *pb = d[2];
      for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2])
        *reinterpret_cast<O*>(po) = f(*reinterpret_cast<const I*>(pa), *reinterpret_cast<const I*>(pb));
    }
  });
}

// out (O) = f(a (A), b (B), c (C)) over the broadcast plan, with the
// contiguous and the "b and c are scalars" inner loops specialised.
template <typename O, typename A, typename B, typename C, typename F>
void map3(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  const DimVector& shape = out.sizes();
  DimVector sa = broadcast_strides(a.sizes(), a.strides(), shape);
  DimVector sb = broadcast_strides(b.sizes(), b.strides(), shape);
  DimVector sc = broadcast_strides(c.sizes(), c.strides(), shape);
  OperandSpec specs[4] = {{raw_ptr(out), out.strides().data(), sizeof(O)},
                          {raw_ptr(a), sa.data(), sizeof(A)},
                          {raw_ptr(b), sb.data(), sizeof(B)},
                          {raw_ptr(c), sc.data(), sizeof(C)}};
  LoopPlan plan;
  build_plan(plan, shape, specs, 4);
  run_plan(plan, [&](char** d, const int64_t* s, int64_t n) {
    constexpr int64_t zo = sizeof(O), za = sizeof(A), zb = sizeof(B), zc = sizeof(C);
    O* o = reinterpret_cast<O*>(d[0]);
    const A* x = reinterpret_cast<const A*>(d[1]);
    const B* y = reinterpret_cast<const B*>(d[2]);
    const C* w = reinterpret_cast<const C*>(d[3]);
    if (s[0] == zo && s[1] == za && s[2] == zb && s[3] == zc) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i], w[i]);
    } else if (s[0] == zo && s[1] == za && s[2] == 0 && s[3] == 0) {
      const B yv = *y;
      const C wv = *w;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv, wv);
    } else {
      char *po = d[0], *pa = d[1], *pb = d[2], *pc = d[3];
      for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2], pc += s[3])
        *reinterpret_cast<O*>(po) = f(*reinterpret_cast<const A*>(pa), *reinterpret_cast<const B*>(pb),
                                      *reinterpret_cast<const C*>(pc));
    }
  });
}

}  // namespace st::kernels
