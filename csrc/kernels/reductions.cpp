// Line kernels of the reduction family: one pass per output element over a
// line (the last dim of the input as ops/ arranged it), parallel over lines.
#include "reductions.h"
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels.h"
#include "isa.h"
#include "loop.h"

namespace st::kernels {
namespace {

// Runs f(ptrs) once per line; specs[0..nops-2] are the outputs and
// specs[nops-1] the input, each with strides over the kept shape `kept`.
template <typename F>
void for_each_line(const DimVector& kept, const OperandSpec* specs, int nops, int64_t line_len, F&& f) {
  LoopPlan plan;
  build_plan(plan, kept, specs, nops);
  if (plan.numel == 0) return;
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(line_len, 1));
  parallel_for(0, plan.numel, grain, [&](int64_t b, int64_t e) {
    run_plan_range(plan, b, e, [&](char** d, const int64_t* s, int64_t n) {
      char* p[kMaxOperands];
      for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < nops; ++k) p[k] = d[k] + i * s[k];
        f(p);
      }
    });
  });
}

// Visits the n values of a line of byte stride s; a tight loop when contiguous.
template <typename T, typename G>
inline void visit(const char* p, int64_t s, int64_t n, G&& g) {
  if (s == static_cast<int64_t>(sizeof(T))) {
    const T* a = reinterpret_cast<const T*>(p);
    for (int64_t i = 0; i < n; ++i) g(a[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) g(*reinterpret_cast<const T*>(p + i * s));
  }
}

struct LineGeom {
  DimVector kept, in_str, out_str;
  int64_t len = 0, stride = 0;  // line length and input byte stride along it
};

// Geometry of `in` (kept + [R]) whose lines reduce into the contiguous `out`.
LineGeom reduce_geom(const Tensor& in) {
  LineGeom g;
  int64_t nd = in.dim();
  g.kept.assign(in.sizes().begin(), in.sizes().end() - 1);
  g.in_str.assign(in.strides().begin(), in.strides().end() - 1);
  g.out_str = contiguous_strides(g.kept);
  g.len = in.sizes()[nd - 1];
  g.stride = in.strides()[nd - 1] * static_cast<int64_t>(element_size(in.dtype()));
  return g;
}

template <typename T, typename Out, typename R>
void run_reduce(const Tensor& out, const Tensor& in, R&& red) {
  LineGeom g = reduce_geom(in);
  OperandSpec specs[2] = {{static_cast<char*>(out.raw_data()), g.out_str.data(), sizeof(Out)},
                          {static_cast<char*>(in.raw_data()), g.in_str.data(), sizeof(T)}};
  const int64_t n = g.len, s = g.stride;
  for_each_line(g.kept, specs, 2, n, [&](char** p) { *reinterpret_cast<Out*>(p[0]) = red(p[1], s, n); });
}

template <typename T> inline bool is_nan(T x) { return x != x; }

// Max (or min) of a contiguous run, NaN-propagating: four 16-byte vectors
// of compare-selects (`x > m ? x : m` is one maxps), NaN tracked on the side.
template <typename T>
T minmax_block(const T* a, int64_t n, bool mx) {
  T m = a[0];
  bool any_nan = false;
  int64_t i = 0;
#if !ST_GENERIC
  if constexpr (!std::is_same<T, bool>::value) {
    typedef T V __attribute__((vector_size(16)));
    constexpr int W = 16 / sizeof(T);
    if (n >= 4 * W) {
      using M = decltype(V() != V());  // the integer mask vector of V
      V acc[4];
      M nan[4];
      for (int k = 0; k < 4; ++k) {
        std::memcpy(&acc[k], a, sizeof(V));
        nan[k] = acc[k] != acc[k];
      }
      for (; i + 4 * W <= n; i += 4 * W) {
        prefetch_ahead(a + i);  // one 64-byte line per step
        for (int k = 0; k < 4; ++k) {
          V x;
          std::memcpy(&x, a + i + k * W, sizeof(V));
          acc[k] = mx ? (x > acc[k] ? x : acc[k]) : (x < acc[k] ? x : acc[k]);
          nan[k] |= x != x;
        }
      }
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < W; ++l) {
          T v = acc[k][l];
          m = mx ? (v > m ? v : m) : (v < m ? v : m);
          any_nan = any_nan || nan[k][l] != 0;
        }
    }
  }
#endif
  for (; i < n; ++i) {
    T x = a[i];
    m = mx ? (x > m ? x : m) : (x < m ? x : m);
    any_nan = any_nan || x != x;
  }
  if constexpr (std::is_floating_point<T>::value)
    if (any_nan) return std::numeric_limits<T>::quiet_NaN();
  return m;
}

// One line of max/min; a long contiguous line is split over the threads.
template <typename T>
T minmax_line(const char* p, int64_t s, int64_t n, bool mx) {
  if (n == 0) return T(0);
  if (s != static_cast<int64_t>(sizeof(T))) {
    T m = *reinterpret_cast<const T*>(p);
    if (mx) visit<T>(p, s, n, [&](T x) { m = (x > m || is_nan(x)) && !is_nan(m) ? x : m; });
    else visit<T>(p, s, n, [&](T x) { m = (x < m || is_nan(x)) && !is_nan(m) ? x : m; });
    return m;
  }
  const T* a = reinterpret_cast<const T*>(p);
  if (n < 2 * kGrainSize || get_num_threads() < 2) return minmax_block(a, n, mx);
  constexpr int64_t kMaxParts = 64;  // per-thread partial results kept on the stack
  const int64_t parts = std::min<int64_t>(get_num_threads(), kMaxParts);
  T res[kMaxParts];
  const int64_t step = (n + parts - 1) / parts;
  parallel_for(0, parts, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) {
      int64_t b = k * step, e = std::min(n, b + step);
      res[k] = minmax_block(a + b, e - b, mx);
    }
  });
  T m = res[0];
  for (int64_t k = 1; k < parts; ++k) {
    if (is_nan(res[k]) || is_nan(m)) return is_nan(m) ? m : res[k];
    m = mx ? (res[k] > m ? res[k] : m) : (res[k] < m ? res[k] : m);
  }
  return m;
}

template <typename T>
void reduce_typed(LineReduce op, const Tensor& out, const Tensor& in, double param) {
  using Acc = std::conditional_t<std::is_floating_point<T>::value, double, int64_t>;
  switch (op) {
    case LineReduce::Prod:
      return run_reduce<T, T>(out, in, [](const char* p, int64_t s, int64_t n) {
        T r = 1;
        visit<T>(p, s, n, [&](T x) { r = static_cast<T>(r * x); });
        return r;
      });
    case LineReduce::Max:
    case LineReduce::Min: {
      bool mx = op == LineReduce::Max;
      return run_reduce<T, T>(out, in, [mx](const char* p, int64_t s, int64_t n) {
        return minmax_line<T>(p, s, n, mx);
      });
    }
    case LineReduce::All:
    case LineReduce::Any: {
      bool all = op == LineReduce::All;
      return run_reduce<T, uint8_t>(out, in, [all](const char* p, int64_t s, int64_t n) {
        bool r = all;
        if (all) visit<T>(p, s, n, [&](T x) { r = r && x != T(0); });
        else visit<T>(p, s, n, [&](T x) { r = r || x != T(0); });
        return static_cast<uint8_t>(r);
      });
    }
    default: break;
  }
  if constexpr (std::is_floating_point<T>::value) {
    switch (op) {
      case LineReduce::Norm0:
      case LineReduce::Norm1:
      case LineReduce::Norm2:
      case LineReduce::NormP:
        return run_reduce<T, T>(out, in, [op, param](const char* p, int64_t s, int64_t n) {
          Acc r = 0;
          if (op == LineReduce::Norm0) visit<T>(p, s, n, [&](T x) { r += x != T(0); });
          else if (op == LineReduce::Norm1) visit<T>(p, s, n, [&](T x) { r += std::abs(Acc(x)); });
          else if (op == LineReduce::Norm2) visit<T>(p, s, n, [&](T x) { r += Acc(x) * Acc(x); });
          else visit<T>(p, s, n, [&](T x) { r += std::pow(std::abs(Acc(x)), param); });
          if (op == LineReduce::Norm2) return static_cast<T>(std::sqrt(r));
          if (op == LineReduce::NormP) return static_cast<T>(std::pow(r, 1.0 / param));
          return static_cast<T>(r);
        });
      case LineReduce::NormInf:
      case LineReduce::NormNegInf: {
        bool mx = op == LineReduce::NormInf;
        return run_reduce<T, T>(out, in, [mx](const char* p, int64_t s, int64_t n) {
          T m = mx ? T(0) : std::numeric_limits<T>::infinity();
          visit<T>(p, s, n, [&](T x) {
            T a = std::abs(x);
            m = (is_nan(a) || (mx ? a > m : a < m)) && !is_nan(m) ? a : m;
          });
          return m;
        });
      }
      case LineReduce::LogSumExp:
        return run_reduce<T, T>(out, in, [](const char* p, int64_t s, int64_t n) {
          T m = -std::numeric_limits<T>::infinity();
          visit<T>(p, s, n, [&](T x) { m = x > m || is_nan(x) ? x : m; });
          if (std::isinf(m) || is_nan(m)) return m;  // all -inf, any +inf or NaN
          Acc r = 0;
          visit<T>(p, s, n, [&](T x) { r += std::exp(Acc(x) - Acc(m)); });
          return static_cast<T>(Acc(m) + std::log(r));
        });
      case LineReduce::Var:
      case LineReduce::Std: {
        bool sq = op == LineReduce::Std;
        return run_reduce<T, T>(out, in, [sq, param](const char* p, int64_t s, int64_t n) {
          Acc mean = 0, r = 0;
          visit<T>(p, s, n, [&](T x) { mean += Acc(x); });
          mean /= static_cast<Acc>(n);
          visit<T>(p, s, n, [&](T x) { r += (Acc(x) - mean) * (Acc(x) - mean); });
          Acc v = r / std::max<Acc>(0, static_cast<Acc>(n) - param);
          return static_cast<T>(sq ? std::sqrt(v) : v);
        });
      }
      default: break;
    }
  }
  throw Error("reduce_lines: unsupported dtype for this reduction");
}

// Runs f(out_line, in_line, n, out_stride, in_stride) (element strides) for each
// line along the last dim of `in` and of the same-shaped `out`.
template <typename T, typename F>
void for_each_line_pair(const Tensor& out, const Tensor& in, F&& f) {
  int64_t nd = in.dim();
  DimVector kept(in.sizes().begin(), in.sizes().end() - 1);
  DimVector is(in.strides().begin(), in.strides().end() - 1), os(out.strides().begin(), out.strides().end() - 1);
  OperandSpec specs[2] = {{static_cast<char*>(out.raw_data()), os.data(), sizeof(T)},
                          {static_cast<char*>(in.raw_data()), is.data(), sizeof(T)}};
  const int64_t n = in.sizes()[nd - 1], si = in.strides()[nd - 1], so = out.strides()[nd - 1];
  for_each_line(kept, specs, 2, n, [&](char** p) {
    f(reinterpret_cast<T*>(p[0]), reinterpret_cast<const T*>(p[1]), n, so, si);
  });
}

}  // namespace

// float16/bfloat16 lines are reduced in float32 (kernels.h: widen, through_float32).
void reduce_lines(LineReduce op, const Tensor& out, const Tensor& in, double param) {
  if (is_reduced_float(in.dtype()) || is_reduced_float(out.dtype())) {
    const Tensor w = widen(in);
    if (!is_reduced_float(out.dtype())) return reduce_lines(op, out, w, param);  // All/Any: a byte result
    return through_float32(out, [&](const Tensor& o) { reduce_lines(op, o, w, param); });
  }
  dispatch_all(in.dtype(), [&](auto tag) { reduce_typed<typename decltype(tag)::type>(op, out, in, param); });
}

void arg_reduce_lines(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in) {
  if (is_reduced_float(in.dtype())) {
    const Tensor w = widen(in);
    if (!values.defined()) return arg_reduce_lines(is_max, values, indices, w);
    return through_float32(values, [&](const Tensor& v) { arg_reduce_lines(is_max, v, indices, w); });
  }
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    LineGeom g = reduce_geom(in);
    // values (optional) share indices' contiguous layout
    OperandSpec specs[3] = {
        {static_cast<char*>(indices.raw_data()), g.out_str.data(), sizeof(int64_t)},
        {static_cast<char*>(values.defined() ? values.raw_data() : indices.raw_data()), g.out_str.data(),
         values.defined() ? static_cast<int64_t>(sizeof(T)) : static_cast<int64_t>(sizeof(int64_t))},
        {static_cast<char*>(in.raw_data()), g.in_str.data(), sizeof(T)}};
    const int64_t n = g.len, s = g.stride;
    const bool has_values = values.defined();
    for_each_line(g.kept, specs, 3, n, [&](char** p) {
      const char* q = p[2];
      T best = *reinterpret_cast<const T*>(q);
      int64_t bi = 0;
      for (int64_t i = 1; i < n && !is_nan(best); ++i) {
        T x = *reinterpret_cast<const T*>(q + i * s);
        if ((is_max ? x > best : x < best) || is_nan(x)) { best = x; bi = i; }
      }
      *reinterpret_cast<int64_t*>(p[0]) = bi;
      if (has_values) *reinterpret_cast<T*>(p[1]) = best;
    });
  });
}

void scan_lines(bool prod, const Tensor& out, const Tensor& in) {
  if (is_reduced_float(in.dtype()))
    return through_float32(out, [&](const Tensor& o) { scan_lines(prod, o, widen(in)); });
  dispatch_numeric(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line_pair<T>(out, in, [&](T* o, const T* a, int64_t n, int64_t so, int64_t si) {
      T r = prod ? T(1) : T(0);
      if (si == 1 && so == 1) {
        if (prod) for (int64_t i = 0; i < n; ++i) o[i] = r = static_cast<T>(r * a[i]);
        else for (int64_t i = 0; i < n; ++i) o[i] = r = static_cast<T>(r + a[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * so] = r = static_cast<T>(prod ? r * a[i * si] : r + a[i * si]);
      }
    });
  });
}

// f(first row, rows, n) over blocks of the contiguous rows (n values along the last dim) of t, split over threads.
namespace {
template <typename F>
void split_rows(const Tensor& t, F&& f) {
  const int64_t n = t.sizes()[t.dim() - 1], rows = n == 0 ? 0 : t.numel() / n;
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)),
               [&](int64_t r0, int64_t r1) { f(r0, r1 - r0, n); });
}
}  // namespace

// Contiguous float32 rows take the ISA's row loops (vector exp), split over threads by rows; the rest go line by
// line here, sums in double.
void softmax_lines(bool log, const Tensor& out, const Tensor& in) {
  if (is_reduced_float(in.dtype()))
    return through_float32(out, [&](const Tensor& o) { softmax_lines(log, o, widen(in)); });
  if (in.dtype() == ScalarType::Float32 && in.is_contiguous() && out.is_contiguous() && in.dim() > 0) {
    float* o = out.data<float>();
    const float* a = in.data<float>();
    return split_rows(in, [&](int64_t r0, int64_t rows, int64_t n) {
      isa().softmax_rows_f32(log, o + r0 * n, a + r0 * n, rows, n);
    });
  }
  dispatch_floating(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line_pair<T>(out, in, [&](T* o, const T* a, int64_t n, int64_t so, int64_t si) {
      T m = -std::numeric_limits<T>::infinity();
      for (int64_t i = 0; i < n; ++i) m = a[i * si] > m || is_nan(a[i * si]) ? a[i * si] : m;
      double sum = 0;  // a row of -inf, or one with +inf, gives NaN throughout, as PyTorch's
      if (log) {
        for (int64_t i = 0; i < n; ++i) sum += std::exp(double(a[i * si] - m));
        T lse = static_cast<T>(std::log(sum));  // (x - max) - lse keeps precision for large max
        for (int64_t i = 0; i < n; ++i) o[i * so] = (a[i * si] - m) - lse;
        return;
      }
      for (int64_t i = 0; i < n; ++i) { o[i * so] = std::exp(a[i * si] - m); sum += o[i * so]; }
      T inv = static_cast<T>(1.0 / sum);
      for (int64_t i = 0; i < n; ++i) o[i * so] *= inv;
    });
  });
}

void softmax_backward_lines(bool log, const Tensor& out, const Tensor& g, const Tensor& y) {
  if (y.dtype() == ScalarType::Float32 && y.is_contiguous() && g.is_contiguous() && out.is_contiguous() &&
      y.dim() > 0) {
    float* o = out.data<float>();
    const float* gp = g.data<float>();
    const float* yp = y.data<float>();
    return split_rows(y, [&](int64_t r0, int64_t rows, int64_t n) {
      isa().softmax_backward_rows_f32(log, o + r0 * n, gp + r0 * n, yp + r0 * n, rows, n);
    });
  }
  dispatch_floating(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t nd = y.dim();
    DimVector kept(y.sizes().begin(), y.sizes().end() - 1);
    DimVector os(out.strides().begin(), out.strides().end() - 1), gs(g.strides().begin(), g.strides().end() - 1),
        ys(y.strides().begin(), y.strides().end() - 1);
    OperandSpec specs[3] = {{static_cast<char*>(out.raw_data()), os.data(), sizeof(T)},
                            {static_cast<char*>(g.raw_data()), gs.data(), sizeof(T)},
                            {static_cast<char*>(y.raw_data()), ys.data(), sizeof(T)}};
    const int64_t n = y.sizes()[nd - 1], so = out.strides()[nd - 1], sg = g.strides()[nd - 1],
                  sy = y.strides()[nd - 1];
    for_each_line(kept, specs, 3, n, [&](char** p) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* gp = reinterpret_cast<const T*>(p[1]);
      const T* yp = reinterpret_cast<const T*>(p[2]);
      double acc = 0;
      if (log) {  // g - exp(y) · sum(g)
        for (int64_t i = 0; i < n; ++i) acc += gp[i * sg];
        const T sum = static_cast<T>(acc);
        for (int64_t i = 0; i < n; ++i) o[i * so] = gp[i * sg] - static_cast<T>(std::exp(yp[i * sy])) * sum;
      } else {  // y · (g - sum(g · y))
        for (int64_t i = 0; i < n; ++i) acc += double(gp[i * sg]) * double(yp[i * sy]);
        const T sum = static_cast<T>(acc);
        for (int64_t i = 0; i < n; ++i) o[i * so] = yp[i * sy] * (gp[i * sg] - sum);
      }
    });
  });
}

void compare_mask(CmpOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (is_reduced_float(out.dtype()))
    return through_float32(out, [&](const Tensor& o) { compare_mask(op, o, widen(a), widen(b)); });
  if (is_reduced_float(a.dtype())) return compare_mask(op, out, widen(a), widen(b));
  DimVector sa = broadcast_strides(a.sizes(), a.strides(), out.sizes());
  DimVector sb = broadcast_strides(b.sizes(), b.strides(), out.sizes());
  const int64_t ia = static_cast<int64_t>(element_size(a.dtype()));
  OperandSpec specs[3] = {
      {static_cast<char*>(out.raw_data()), out.strides().data(), static_cast<int64_t>(element_size(out.dtype()))},
      {static_cast<char*>(a.raw_data()), sa.data(), ia},
      {static_cast<char*>(b.raw_data()), sb.data(), ia}};
  LoopPlan plan;
  build_plan(plan, out.sizes(), specs, 3);
  dispatch_all(out.dtype(), [&](auto otag) {
    using O = typename decltype(otag)::type;
    dispatch_all(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run_plan(plan, [op](char** d, const int64_t* s, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
          T x = *reinterpret_cast<const T*>(d[1] + i * s[1]), y = *reinterpret_cast<const T*>(d[2] + i * s[2]);
          bool r = op == CmpOp::Eq ? x == y : op == CmpOp::Gt ? x > y : x < y;
          *reinterpret_cast<O*>(d[0] + i * s[0]) = static_cast<O>(r);
        }
      });
    });
  });
}

}  // namespace st::kernels
