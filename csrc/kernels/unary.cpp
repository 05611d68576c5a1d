// clamp kernels (the functor-mapped unary kernels are templates in unary.h).
#include "unary.h"

namespace st::kernels {
namespace {

// A NaN bound wins, a NaN input stays NaN (PyTorch's clamp).
template <typename T> inline T lower(T x, T lo) { return (x < lo || lo != lo) ? lo : x; }
template <typename T> inline T upper(T x, T hi) { return (x > hi || hi != hi) ? hi : x; }

template <typename T, bool HasLo, bool HasHi>
struct ClampF {
  T lo, hi;
  T operator()(T x) const {
    if constexpr (HasLo) x = lower(x, lo);
    if constexpr (HasHi) x = upper(x, hi);
    return x;
  }
};

// Calls f(std::bool_constant<HasLo>, std::bool_constant<HasHi>) for the bounds present.
template <typename F>
void with_bounds(bool has_lo, bool has_hi, F&& f) {
  if (has_lo && has_hi) f(std::true_type{}, std::true_type{});
  else if (has_lo) f(std::true_type{}, std::false_type{});
  else f(std::false_type{}, std::true_type{});
}

// A plan over out, x, lo, hi; an absent bound reads x instead (and is ignored).
void plan4(LoopPlan& plan, const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi) {
  const DimVector& shape = out.sizes();
  const Tensor& l = lo ? *lo : x;
  const Tensor& h = hi ? *hi : x;
  DimVector sx = broadcast_strides(x.sizes(), x.strides(), shape);
  DimVector sl = broadcast_strides(l.sizes(), l.strides(), shape);
  DimVector sh = broadcast_strides(h.sizes(), h.strides(), shape);
  const int64_t z = int64_t(element_size(x.dtype()));
  OperandSpec specs[4] = {
      {static_cast<char*>(out.raw_data()), out.strides().data(), int64_t(element_size(out.dtype()))},
      {static_cast<char*>(x.raw_data()), sx.data(), z},
      {static_cast<char*>(l.raw_data()), sl.data(), z},
      {static_cast<char*>(h.raw_data()), sh.data(), z}};
  build_plan(plan, shape, specs, 4);
}

// Runs f(x, lo, hi) -> Out over a 4-operand plan.
template <typename T, typename Out, typename F>
void run4(const LoopPlan& plan, F f) {
  run_plan(plan, [&](char** d, const int64_t* s, int64_t m) {
    constexpr int64_t z = sizeof(T);
    if (s[0] == int64_t(sizeof(Out)) && s[1] == z && s[2] == z && s[3] == z) {
      Out* o = reinterpret_cast<Out*>(d[0]);
      const T *x = reinterpret_cast<const T*>(d[1]), *l = reinterpret_cast<const T*>(d[2]),
              *h = reinterpret_cast<const T*>(d[3]);
      for (int64_t i = 0; i < m; ++i) o[i] = f(x[i], l[i], h[i]);
    } else {
      for (int64_t i = 0; i < m; ++i)
        *reinterpret_cast<Out*>(d[0] + i * s[0]) = f(*reinterpret_cast<const T*>(d[1] + i * s[1]),
                                                     *reinterpret_cast<const T*>(d[2] + i * s[2]),
                                                     *reinterpret_cast<const T*>(d[3] + i * s[3]));
    }
  });
}

// Builds the plan over out, x, lo, hi and calls f(Tag<T>, has_lo, has_hi, plan)
// once, with T the dtype of x and the bounds.
template <typename F>
void with_plan4(const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi, F&& f) {
  if (out.numel() == 0) return;
  LoopPlan plan;
  plan4(plan, out, x, lo, hi);
  dispatch_all(x.dtype(), [&](auto tag) {
    with_bounds(lo != nullptr, hi != nullptr, [&](auto has_lo, auto has_hi) { f(tag, has_lo, has_hi, plan); });
  });
}

}  // namespace

void clamp(const Tensor& out, const Tensor& in, const Scalar* lo, const Scalar* hi) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T l = lo ? lo->to<T>() : T(0), h = hi ? hi->to<T>() : T(0);
    with_bounds(lo != nullptr, hi != nullptr, [&](auto has_lo, auto has_hi) {
      map<T, T>(out, in, ClampF<T, decltype(has_lo)::value, decltype(has_hi)::value>{l, h});
    });
  });
}

void clamp(const Tensor& out, const Tensor& in, const Tensor* lo, const Tensor* hi) {
  with_plan4(out, in, lo, hi, [&](auto tag, auto has_lo, auto has_hi, const LoopPlan& plan) {
    using T = typename decltype(tag)::type;
    run4<T, T>(plan, [](T x, T l, T h) {
      if constexpr (decltype(has_lo)::value) x = lower(x, l);
      if constexpr (decltype(has_hi)::value) x = upper(x, h);
      return x;
    });
  });
}

void clamp_mask(const Tensor& out, const Tensor& x, const Tensor* lo, const Tensor* hi, int which) {
  with_plan4(out, x, lo, hi, [&](auto tag, auto has_lo, auto has_hi, const LoopPlan& plan) {
    using T = typename decltype(tag)::type;
    constexpr bool L = decltype(has_lo)::value, H = decltype(has_hi)::value;
    if (which == 0)
      run4<T, bool>(plan, [](T v, T l, T h) { return (!L || v >= l) && (!H || v <= h); });
    else if (which == 1)
      run4<T, bool>(plan, [](T v, T l, T h) { return L && v < l && (!H || l < h); });
    else
      run4<T, bool>(plan, [](T v, T l, T h) { return H && (v > h || (L && h < l)); });
  });
}

}  // namespace st::kernels
