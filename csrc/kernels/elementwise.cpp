#include <cmath>
#include <cstring>
#include <type_traits>
#include "kernels.h"
#include "loop.h"

namespace st::kernels {
namespace {

template <typename T> struct AddF { T operator()(T a, T b) const { return a + b; } };
template <typename T> struct SubF { T operator()(T a, T b) const { return a - b; } };
template <typename T> struct MulF { T operator()(T a, T b) const { return a * b; } };
template <typename T> struct DivF { T operator()(T a, T b) const { return a / b; } };
template <typename T> struct PowF {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point<T>::value) {
      return static_cast<T>(std::pow(a, b));
    } else {
      // integer power by squaring; negative exponents are rejected in ops/
      T r = 1;
      int64_t e = static_cast<int64_t>(b);
      T base = a;
      while (e > 0) { if (e & 1) r = static_cast<T>(r * base); base = static_cast<T>(base * base); e >>= 1; }
      return r;
    }
  }
};
template <> struct AddF<bool> { bool operator()(bool a, bool b) const { return a || b; } };
template <> struct SubF<bool> { bool operator()(bool a, bool b) const { return a != b; } };
template <> struct MulF<bool> { bool operator()(bool a, bool b) const { return a && b; } };
template <> struct DivF<bool> { bool operator()(bool a, bool b) const { return a && b; } };
template <> struct PowF<bool> { bool operator()(bool a, bool b) const { return a || !b; } };

// Inner loop over n elements with the common stride patterns specialised.
template <typename T, typename F>
inline void binary_inner(char** d, const int64_t* s, int64_t n, F f) {
  constexpr int64_t z = sizeof(T);
  T* o = reinterpret_cast<T*>(d[0]);
  const T* a = reinterpret_cast<const T*>(d[1]);
  const T* b = reinterpret_cast<const T*>(d[2]);
  if (s[0] == z && s[1] == z && s[2] == z) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  } else if (s[0] == z && s[1] == z && s[2] == 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
  } else if (s[0] == z && s[1] == 0 && s[2] == z) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
  } else {
    char *po = d[0], *pa = d[1], *pb = d[2];
    for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2])
      *reinterpret_cast<T*>(po) = f(*reinterpret_cast<const T*>(pa), *reinterpret_cast<const T*>(pb));
  }
}

template <typename T, typename F>
void binary_typed(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  const int64_t n = out.numel();
  if (out.is_contiguous() && a.is_contiguous() && b.is_contiguous() && a.numel() == n && b.numel() == n) {
    T* o = out.data<T>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    parallel_for(0, n, kGrainSize, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(pa[i], pb[i]);
    });
    return;
  }
  const DimVector& shape = out.sizes();
  DimVector sa = broadcast_strides(a.sizes(), a.strides(), shape);
  DimVector sb = broadcast_strides(b.sizes(), b.strides(), shape);
  OperandSpec specs[3] = {{static_cast<char*>(out.raw_data()), out.strides().data(), sizeof(T)},
                          {static_cast<char*>(a.raw_data()), sa.data(), sizeof(T)},
                          {static_cast<char*>(b.raw_data()), sb.data(), sizeof(T)}};
  LoopPlan plan;
  build_plan(plan, shape, specs, 3);
  run_plan(plan, [&](char** d, const int64_t* s, int64_t m) { binary_inner<T>(d, s, m, f); });
}

template <typename T, typename F>
void scalar_typed(const Tensor& out, const Tensor& a, T sv, bool scalar_first, F f) {
  const int64_t n = out.numel();
  auto run = [&](auto g) {
    if (out.is_contiguous() && a.is_contiguous() && a.numel() == n) {
      T* o = out.data<T>();
      const T* pa = a.data<T>();
      parallel_for(0, n, kGrainSize, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) o[i] = g(pa[i]);
      });
      return;
    }
    DimVector sa = broadcast_strides(a.sizes(), a.strides(), out.sizes());
    OperandSpec specs[2] = {{static_cast<char*>(out.raw_data()), out.strides().data(), sizeof(T)},
                            {static_cast<char*>(a.raw_data()), sa.data(), sizeof(T)}};
    LoopPlan plan;
    build_plan(plan, out.sizes(), specs, 2);
    run_plan(plan, [&](char** d, const int64_t* s, int64_t m) {
      if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
        T* o = reinterpret_cast<T*>(d[0]);
        const T* pa = reinterpret_cast<const T*>(d[1]);
        for (int64_t i = 0; i < m; ++i) o[i] = g(pa[i]);
      } else {
        for (int64_t i = 0; i < m; ++i)
          *reinterpret_cast<T*>(d[0] + i * s[0]) = g(*reinterpret_cast<const T*>(d[1] + i * s[1]));
      }
    });
  };
  if (scalar_first) run([=](T x) { return f(sv, x); });
  else run([=](T x) { return f(x, sv); });
}

template <typename T, typename Fn>
void with_op(BinaryOp op, Fn&& fn) {
  switch (op) {
    case BinaryOp::Add: return fn(AddF<T>{});
    case BinaryOp::Sub: return fn(SubF<T>{});
    case BinaryOp::Mul: return fn(MulF<T>{});
    case BinaryOp::Div: return fn(DivF<T>{});
    case BinaryOp::Pow: return fn(PowF<T>{});
  }
}

template <typename T> struct NegF { T operator()(T a) const { return static_cast<T>(-a); } };
template <> struct NegF<bool> { bool operator()(bool a) const { return a; } };

template <typename T, typename F>
void unary_typed(const Tensor& out, const Tensor& a, F f) {
  // reuse the scalar path with an ignored scalar operand
  scalar_typed<T>(out, a, T(0), false, [f](T x, T) { return f(x); });
}

template <typename D, typename S>
void copy_typed(const LoopPlan& plan) {
  run_plan(plan, [](char** d, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
      D* o = reinterpret_cast<D*>(d[0]);
      const S* a = reinterpret_cast<const S*>(d[1]);
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<D>(a[i]);
    } else if (s[0] == sizeof(D) && s[1] == 0) {
      D v = static_cast<D>(*reinterpret_cast<const S*>(d[1]));
      D* o = reinterpret_cast<D*>(d[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = v;
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<D*>(d[0] + i * s[0]) = static_cast<D>(*reinterpret_cast<const S*>(d[1] + i * s[1]));
    }
  });
}

}  // namespace

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_op<T>(op, [&](auto f) { binary_typed<T>(out, a, b, f); });
  });
}

void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& a, const Scalar& s, bool scalar_first) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_op<T>(op, [&](auto f) { scalar_typed<T>(out, a, s.to<T>(), scalar_first, f); });
  });
}

void unary(UnaryOp op, const Tensor& out, const Tensor& a) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (op) {
      case UnaryOp::Neg: unary_typed<T>(out, a, NegF<T>{}); break;
    }
  });
}

void copy(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() && dst.numel() == src.numel()) {
    if (dst.raw_data() == src.raw_data()) return;
    const size_t item = element_size(dst.dtype());
    char* o = static_cast<char*>(dst.raw_data());
    const char* a = static_cast<const char*>(src.raw_data());
    parallel_for(0, dst.numel(), kGrainSize, [&](int64_t lo, int64_t hi) {
      std::memmove(o + lo * item, a + lo * item, (hi - lo) * item);
    });
    return;
  }
  DimVector ss = broadcast_strides(src.sizes(), src.strides(), dst.sizes());
  OperandSpec specs[2] = {
      {static_cast<char*>(dst.raw_data()), dst.strides().data(), static_cast<int64_t>(element_size(dst.dtype()))},
      {static_cast<char*>(src.raw_data()), ss.data(), static_cast<int64_t>(element_size(src.dtype()))}};
  LoopPlan plan;
  build_plan(plan, dst.sizes(), specs, 2);
  dispatch_all(dst.dtype(), [&](auto dt) {
    dispatch_all(src.dtype(), [&](auto stag) {
      copy_typed<typename decltype(dt)::type, typename decltype(stag)::type>(plan);
    });
  });
}

void fill(const Tensor& dst, const Scalar& v) {
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T value = v.to<T>();
    unary_typed<T>(dst, dst, [value](T) { return value; });
  });
}

}  // namespace st::kernels
