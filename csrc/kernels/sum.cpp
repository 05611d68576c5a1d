// The sum kernel (kernels::sum, kernels.h): pairwise sums over any set of
// reduced dims, the contiguous float runs through the per-ISA vector loops.
// The other reductions, one pass per line, are in reductions.cpp.
#include <cstring>
#include <vector>
#include "kernels.h"
#include "isa.h"
#include "loop.h"

namespace st::kernels {
namespace {

// Pairwise (blocked) summation of n strided values: error grows with log n,
// so the float32 mean of 10^7 ones is exactly 1, as in numpy.
// Where a pairwise sum of n > 128 values splits (a multiple of 8 so the halves vectorise).
inline int64_t pairwise_split(int64_t n) { return (n / 2 + 7) / 8 * 8; }

template <typename Acc, typename T>
Acc pairwise_sum(const char* p, int64_t stride, int64_t n) {
  constexpr int64_t kBlock = 128;
  if (n <= kBlock) {
    Acc r[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    if (stride == sizeof(T)) {
      const T* a = reinterpret_cast<const T*>(p);
      for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) r[k] += static_cast<Acc>(a[i + k]);
      Acc s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; ++i) s += static_cast<Acc>(a[i]);
      return s;
    }
    Acc s = 0;
    for (; i < n; ++i) s += static_cast<Acc>(*reinterpret_cast<const T*>(p + i * stride));
    return s;
  }
  int64_t half = pairwise_split(n);
  return pairwise_sum<Acc, T>(p, stride, half) + pairwise_sum<Acc, T>(p + half * stride, stride, n - half);
}

// The ISA's loop of contiguous row sums for float or double.
template <typename T>
auto sum_rows_loop() {
  if constexpr (std::is_same<T, float>::value) return isa().sum_rows_f32;
  else return isa().sum_rows_f64;
}

// Contiguous float sums go to the per-ISA vector loops; the rest stay here.
template <typename Acc, typename T>
Acc sum_run(const char* p, int64_t stride, int64_t n) {
  if (stride == sizeof(T)) {
    if constexpr (std::is_same<T, float>::value && std::is_same<Acc, float>::value)
      return isa().sum_f32(reinterpret_cast<const float*>(p), n);
    if constexpr (std::is_same<T, double>::value && std::is_same<Acc, double>::value)
      return isa().sum_f64(reinterpret_cast<const double*>(p), n);
  }
  return pairwise_sum<Acc, T>(p, stride, n);
}

template <typename Acc, typename T>
void sum_typed(const Tensor& out, const Tensor& in, const std::vector<bool>& reduce) {
  Acc* o = out.data<Acc>();
  const int64_t nd = in.dim();
  // Whole-tensor sum of contiguous data: split in two halves per thread, then add.
  bool all = true;
  for (int64_t d = 0; d < nd; ++d) all = all && (reduce[d] || in.sizes()[d] == 1);
  if (all && in.is_contiguous()) {
    const char* p = static_cast<const char*>(in.raw_data());
    int64_t n = in.numel();
    if (n >= 2 * kGrainSize && get_num_threads() > 1) {
      Acc parts[2] = {0, 0};
      // split where the one-thread sum splits: results do not depend on threads
      static_assert(2 * kGrainSize >= kSumLanesMax, "the one-thread sum must split into scalar halves here");
      int64_t mid = std::is_floating_point<T>::value ? sum_split(n) : pairwise_split(n);
      parallel_for(0, 2, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t k = lo; k < hi; ++k)
          parts[k] = k == 0 ? sum_run<Acc, T>(p, sizeof(T), mid)
                            : sum_run<Acc, T>(p + mid * sizeof(T), sizeof(T), n - mid);
      });
      *o = parts[0] + parts[1];
    } else {
      *o = sum_run<Acc, T>(p, sizeof(T), n);
    }
    return;
  }
  // Output strides are 0 along reduced dims.
  DimVector ostr(nd);
  for (int64_t d = 0; d < nd; ++d) ostr[d] = reduce[d] ? 0 : out.strides()[d];
  OperandSpec specs[2] = {{reinterpret_cast<char*>(o), ostr.data(), sizeof(Acc)},
                          {static_cast<char*>(in.raw_data()), in.strides().data(), sizeof(T)}};
  LoopPlan plan;
  build_plan(plan, in.sizes(), specs, 2);
  if (out.is_contiguous()) std::memset(o, 0, out.numel() * sizeof(Acc));
  else fill(out, Scalar(int64_t(0)));
  auto add_rows = [](char** d, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(Acc) && s[1] == sizeof(T)) {
      Acc* q = reinterpret_cast<Acc*>(d[0]);
      const T* a = reinterpret_cast<const T*>(d[1]);
      for (int64_t i = 0; i < n; ++i) q[i] += static_cast<Acc>(a[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<Acc*>(d[0] + i * s[0]) += static_cast<Acc>(*reinterpret_cast<const T*>(d[1] + i * s[1]));
    }
  };
  if (plan.ndim >= 1 && plan.strides[0][0] == 0) {
    // Innermost dim is reduced: each inner run is one pairwise sum. When every
    // outer dim is kept, runs write distinct outputs and split over threads.
    auto row_sum = [](char** d, const int64_t* s, int64_t n) {
      *reinterpret_cast<Acc*>(d[0]) += sum_run<Acc, T>(d[1], s[1], n);
    };
    bool distinct = true;
    for (int k = 1; k < plan.ndim; ++k) distinct = distinct && plan.strides[k][0] != 0;
    const int64_t inner = plan.shape[0], rows = plan.numel / std::max<int64_t>(inner, 1);
    // Contiguous float rows, one outer dim: the ISA's row loop (one call per block of rows).
    if constexpr ((std::is_same<T, float>::value || std::is_same<T, double>::value) && std::is_same<Acc, T>::value) {
      if (distinct && plan.ndim == 2 && plan.strides[0][1] == sizeof(T) && plan.strides[1][0] % sizeof(T) == 0 &&
          plan.strides[1][1] % sizeof(T) == 0) {
        const auto rows_loop = sum_rows_loop<T>();
        const int64_t os = plan.strides[1][0] / int64_t(sizeof(T)), rs = plan.strides[1][1] / int64_t(sizeof(T));
        T* o0 = reinterpret_cast<T*>(plan.data[0]);
        const T* a0 = reinterpret_cast<const T*>(plan.data[1]);
        parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
          rows_loop(o0 + r0 * os, os, a0 + r0 * rs, rs, r1 - r0, inner);
        });
        return;
      }
    }
    if (distinct && rows > 1) {
      parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
        run_plan_range(plan, r0 * inner, r1 * inner, row_sum);
      });
    } else {
      run_plan_range(plan, 0, plan.numel, row_sum);
    }
  } else if (plan.ndim == 2 && plan.strides[1][0] == 0) {
    // rows accumulate into one output row. Each thread streams through its own
    // block of rows into a private row (same-typed floats use the per-ISA add
    // loop, out = out + row); the private rows are added at the end.
    const int64_t cols = plan.shape[0], rows = plan.shape[1];
    Loop vec_add = std::is_same<Acc, T>::value && std::is_floating_point<T>::value
                       ? isa().binary(BinaryOp::Add, scalar_type_of<T>()) : nullptr;
    auto accumulate = [&](char* acc, int64_t acc_stride, int64_t r0, int64_t r1) {
      const int64_t st[3] = {acc_stride, acc_stride, plan.strides[0][1]};
      char* d[3];
      for (int64_t r = r0; r < r1; ++r) {
        d[0] = d[1] = acc;
        d[2] = plan.data[1] + r * plan.strides[1][1];
        if (vec_add) {
          vec_add(d, st, cols, nullptr);
        } else {
          char* dd[2] = {d[0], d[2]};
          const int64_t ss[2] = {st[0], st[2]};
          add_rows(dd, ss, cols);
        }
      }
    };
    // A fixed number of row blocks (not one per thread), added in a fixed
    // order: the result does not depend on how many threads ran.
    constexpr int64_t kBlocks = 8;
    if (rows < 2 * kBlocks || plan.numel < 2 * kGrainSize) {
      accumulate(plan.data[0], plan.strides[0][0], 0, rows);
    } else {
      std::vector<Acc> partial(static_cast<size_t>(cols) * (kBlocks - 1), Acc(0));
      const int64_t step = (rows + kBlocks - 1) / kBlocks;
      parallel_for(0, kBlocks, 1, [&](int64_t k0, int64_t k1) {
        for (int64_t k = k0; k < k1; ++k) {
          char* acc = k == 0 ? plan.data[0] : reinterpret_cast<char*>(partial.data() + (k - 1) * cols);
          accumulate(acc, k == 0 ? plan.strides[0][0] : int64_t(sizeof(Acc)), k * step,
                     std::min(rows, (k + 1) * step));
        }
      });
      for (int64_t k = 1; k < kBlocks; ++k)
        for (int64_t c = 0; c < cols; ++c)
          *reinterpret_cast<Acc*>(plan.data[0] + c * plan.strides[0][0]) += partial[(k - 1) * cols + c];
    }
  } else {
    run_plan_range(plan, 0, plan.numel, add_rows);
  }
}

}  // namespace

void sum(const Tensor& out, const Tensor& in, const std::vector<bool>& reduce) {
  if (in.numel() == 0) {
    fill(out, Scalar(int64_t(0)));
    return;
  }
  if (is_reduced_float(in.dtype()) || is_reduced_float(out.dtype())) {  // summed in float32
    const Tensor w = widen(in);
    if (!is_reduced_float(out.dtype())) return sum(out, w, reduce);
    return through_float32(out, [&](const Tensor& o) { sum(o, w, reduce); });
  }
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same<T, float>::value || std::is_same<T, double>::value) {
      sum_typed<T, T>(out, in, reduce);
    } else {
      sum_typed<int64_t, T>(out, in, reduce);
    }
  });
}

}  // namespace st::kernels
