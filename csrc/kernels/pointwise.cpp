// Kernels of the pointwise family, built on the loop engine (loop.h).
#include "pointwise.h"
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>
#include "loop.h"

namespace st::kernels {
namespace {

template <typename T> constexpr bool kFloat = std::is_floating_point<T>::value;
template <typename T> constexpr bool kSigned = std::is_signed<T>::value && !kFloat<T>;

// Integer division helpers: a zero divisor raises the flag (checked by the
// caller) instead of trapping; x / -1 wraps like two's complement (no SIGFPE).
struct ZeroFlag {
  std::atomic<bool>* hit;
  void set() const { hit->store(true, std::memory_order_relaxed); }
};

template <typename T> T wrap_neg(T a) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U(0) - static_cast<U>(a));
}

template <typename T> struct DivTruncF {
  ZeroFlag z;
  T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      return std::trunc(a / b);
    } else {
      if (b == 0) { z.set(); return 0; }
      if constexpr (kSigned<T>) if (b == T(-1)) return wrap_neg(a);
      return static_cast<T>(a / b);
    }
  }
};

template <typename T> struct DivFloorF {
  ZeroFlag z;
  T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      if (b == 0) return a / b;
      T mod = std::fmod(a, b);
      T div = (a - mod) / b;
      if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
      if (div == 0) return std::copysign(T(0), a / b);
      T fl = std::floor(div);
      if (div - fl > T(0.5)) fl += 1;
      return fl;
    } else {
      if (b == 0) { z.set(); return 0; }
      if constexpr (kSigned<T>) {
        if (b == T(-1)) return wrap_neg(a);
        T q = static_cast<T>(a / b), r = static_cast<T>(a % b);
        return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(q - 1) : q;
      } else {
        return static_cast<T>(a / b);
      }
    }
  }
};

template <typename T> struct RemainderF {
  ZeroFlag z;
  T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      T r = std::fmod(a, b);
      return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;
    } else {
      if (b == 0) { z.set(); return 0; }
      if constexpr (kSigned<T>) {
        if (b == T(-1)) return 0;
        T r = static_cast<T>(a % b);
        return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
      } else {
        return static_cast<T>(a % b);
      }
    }
  }
};

template <typename T> struct FmodF {
  ZeroFlag z;
  T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      return std::fmod(a, b);
    } else {
      if (b == 0) { z.set(); return 0; }
      if constexpr (kSigned<T>) if (b == T(-1)) return 0;
      return static_cast<T>(a % b);
    }
  }
};

template <typename T> struct Atan2F {
  T operator()(T a, T b) const {
    if constexpr (kFloat<T>) return std::atan2(a, b);
    else return 0;  // ops/ computes atan2 in a floating dtype only
  }
};
// NaN-propagating: a NaN on either side wins.
template <typename T> struct MaximumF {
  T operator()(T a, T b) const { return (a > b || a != a) ? a : b; }
};
template <typename T> struct MinimumF {
  T operator()(T a, T b) const { return (a < b || a != a) ? a : b; }
};
template <typename T> struct BitAndF {
  T operator()(T a, T b) const { if constexpr (kFloat<T>) return 0; else return static_cast<T>(a & b); }
};
template <typename T> struct BitOrF {
  T operator()(T a, T b) const { if constexpr (kFloat<T>) return 0; else return static_cast<T>(a | b); }
};
template <typename T> struct BitXorF {
  T operator()(T a, T b) const { if constexpr (kFloat<T>) return 0; else return static_cast<T>(a ^ b); }
};

template <typename T> struct EqF { bool operator()(T a, T b) const { return a == b; } };
template <typename T> struct NeF { bool operator()(T a, T b) const { return a != b; } };
template <typename T> struct LtF { bool operator()(T a, T b) const { return a < b; } };
template <typename T> struct LeF { bool operator()(T a, T b) const { return a <= b; } };
template <typename T> struct GtF { bool operator()(T a, T b) const { return a > b; } };
template <typename T> struct GeF { bool operator()(T a, T b) const { return a >= b; } };
template <typename T> struct AndF { bool operator()(T a, T b) const { return a != T(0) && b != T(0); } };
template <typename T> struct OrF { bool operator()(T a, T b) const { return a != T(0) || b != T(0); } };
template <typename T> struct XorF { bool operator()(T a, T b) const { return (a != T(0)) != (b != T(0)); } };

inline char* ptr(const Tensor& t) { return static_cast<char*>(t.raw_data()); }

// out (O) = f(a (I), b (I)) over the broadcast plan, with the contiguous and
// scalar-operand inner loops specialised: the functor form, for ops without a
// per-ISA inner loop (those are binary_loop & co. in isa_impl.h, run by
// elementwise.cpp); kernels::map (unary.h) is its one-operand sibling.
template <typename O, typename I, typename F>
void map_binary(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  const DimVector& shape = out.sizes();
  DimVector sa = broadcast_strides(a.sizes(), a.strides(), shape);
  DimVector sb = broadcast_strides(b.sizes(), b.strides(), shape);
  OperandSpec specs[3] = {{ptr(out), out.strides().data(), sizeof(O)},
                          {ptr(a), sa.data(), sizeof(I)},
                          {ptr(b), sb.data(), sizeof(I)}};
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

// out (T) = f(a (A), b (T), c (T)) over the broadcast plan.
template <typename T, typename A, typename F>
void map_ternary(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  const DimVector& shape = out.sizes();
  DimVector sa = broadcast_strides(a.sizes(), a.strides(), shape);
  DimVector sb = broadcast_strides(b.sizes(), b.strides(), shape);
  DimVector sc = broadcast_strides(c.sizes(), c.strides(), shape);
  OperandSpec specs[4] = {{ptr(out), out.strides().data(), sizeof(T)},
                          {ptr(a), sa.data(), sizeof(A)},
                          {ptr(b), sb.data(), sizeof(T)},
                          {ptr(c), sc.data(), sizeof(T)}};
  LoopPlan plan;
  build_plan(plan, shape, specs, 4);
  run_plan(plan, [&](char** d, const int64_t* s, int64_t n) {
    constexpr int64_t z = sizeof(T), za = sizeof(A);
    if (s[0] == z && s[1] == za && s[2] == z && s[3] == z) {
      T* o = reinterpret_cast<T*>(d[0]);
      const A* x = reinterpret_cast<const A*>(d[1]);
      const T* y = reinterpret_cast<const T*>(d[2]);
      const T* w = reinterpret_cast<const T*>(d[3]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i], w[i]);
    } else {
      char *po = d[0], *pa = d[1], *pb = d[2], *pc = d[3];
      for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2], pc += s[3])
        *reinterpret_cast<T*>(po) = f(*reinterpret_cast<const A*>(pa), *reinterpret_cast<const T*>(pb),
                                      *reinterpret_cast<const T*>(pc));
    }
  });
}

template <typename T, typename Fn>
void with_pointwise(PointwiseOp op, ZeroFlag z, Fn&& fn) {
  switch (op) {
    case PointwiseOp::DivTrunc: return fn(DivTruncF<T>{z});
    case PointwiseOp::DivFloor: return fn(DivFloorF<T>{z});
    case PointwiseOp::Remainder: return fn(RemainderF<T>{z});
    case PointwiseOp::Fmod: return fn(FmodF<T>{z});
    case PointwiseOp::Atan2: return fn(Atan2F<T>{});
    case PointwiseOp::Maximum: return fn(MaximumF<T>{});
    case PointwiseOp::Minimum: return fn(MinimumF<T>{});
    case PointwiseOp::BitAnd: return fn(BitAndF<T>{});
    case PointwiseOp::BitOr: return fn(BitOrF<T>{});
    case PointwiseOp::BitXor: return fn(BitXorF<T>{});
  }
}

template <typename T, typename Fn>
void with_compare(CompareOp op, Fn&& fn) {
  switch (op) {
    case CompareOp::Eq: return fn(EqF<T>{});
    case CompareOp::Ne: return fn(NeF<T>{});
    case CompareOp::Lt: return fn(LtF<T>{});
    case CompareOp::Le: return fn(LeF<T>{});
    case CompareOp::Gt: return fn(GtF<T>{});
    case CompareOp::Ge: return fn(GeF<T>{});
    case CompareOp::LogicalAnd: return fn(AndF<T>{});
    case CompareOp::LogicalOr: return fn(OrF<T>{});
    case CompareOp::LogicalXor: return fn(XorF<T>{});
  }
}

}  // namespace

bool pointwise(PointwiseOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  std::atomic<bool> zero{false};
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same<T, bool>::value) {
      // only the NaN-free min/max and bitwise ops reach bool
      switch (op) {
        case PointwiseOp::Maximum: case PointwiseOp::BitOr:
          return map_binary<bool, bool>(out, a, b, [](bool x, bool y) { return x || y; });
        case PointwiseOp::Minimum: case PointwiseOp::BitAnd:
          return map_binary<bool, bool>(out, a, b, [](bool x, bool y) { return x && y; });
        case PointwiseOp::BitXor:
          return map_binary<bool, bool>(out, a, b, [](bool x, bool y) { return x != y; });
        default: throw Error("pointwise kernel: op not supported for bool");
      }
    } else {
      with_pointwise<T>(op, ZeroFlag{&zero}, [&](auto f) { map_binary<T, T>(out, a, b, f); });
    }
  });
  return !zero.load();
}

void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_compare<T>(op, [&](auto f) { map_binary<bool, T>(out, a, b, f); });
  });
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_ternary<T, bool>(out, cond, a, b, [](bool c, T x, T y) { return c ? x : y; });
  });
}

void addcmul(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value,
             bool divide) {
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    if (divide) {
      map_ternary<T, T>(out, self, t1, t2, [v](T s, T x, T y) { return static_cast<T>(s + v * (x / y)); });
    } else {
      map_ternary<T, T>(out, self, t1, t2, [v](T s, T x, T y) { return static_cast<T>(s + v * (x * y)); });
    }
  });
}

void lerp(const Tensor& out, const Tensor& start, const Tensor& end, const Tensor& weight) {
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // two formulas so that weight 0 gives start and weight 1 gives end exactly
    map_ternary<T, T>(out, start, end, weight, [](T a, T b, T w) {
      return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * (T(1) - w);
    });
  });
}

}  // namespace st::kernels
