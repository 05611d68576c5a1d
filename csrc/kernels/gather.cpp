// Index-driven data movement (gather / scatter), per-row sorting, the
// triangle mask and unique. See gather.h.
#include "gather.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>
#include "../core/error.h"
#include "isa.h"
#include "kernels.h"
#include "loop.h"

namespace st::kernels {
namespace {

template <typename T>
inline T load(const char* p) { return *reinterpret_cast<const T*>(p); }
template <typename T>
inline void store(char* p, T v) { *reinterpret_cast<T*>(p) = v; }

// NaN sorts as the largest value; equal values keep their original order, so
// std::sort on (value, position) gives the stable result.
template <typename T, bool Desc>
struct RowLess {
  bool operator()(const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) const {
    const bool an = a.first != a.first, bn = b.first != b.first;  // NaN (never true for integers)
    if (an != bn) return Desc ? an : bn;
    if (!an) {
      if (Desc ? a.first > b.first : a.first < b.first) return true;
      if (Desc ? b.first > a.first : b.first < a.first) return false;
    }
    return a.second < b.second;
  }
};

template <typename T, bool Desc>
void sort_rows(const LoopPlan& plan, int64_t n, int64_t k, int64_t vs, int64_t is, int64_t ss) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1));
  parallel_for(0, plan.numel, grain, [&](int64_t b, int64_t e) {
    std::vector<std::pair<T, int64_t>> buf(static_cast<size_t>(n));
    run_plan_range(plan, b, e, [&](char** d, const int64_t* s, int64_t m) {
      for (int64_t r = 0; r < m; ++r) {
        const char* sp = d[2] + r * s[2];
        for (int64_t j = 0; j < n; ++j) buf[j] = {load<T>(sp + j * ss), j};
        if (k < n) std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), RowLess<T, Desc>{});
        else std::sort(buf.begin(), buf.end(), RowLess<T, Desc>{});
        char* vp = d[0] + r * s[0];
        char* ip = d[1] + r * s[1];
        for (int64_t j = 0; j < k; ++j) {
          store<T>(vp + j * vs, buf[j].first);
          store<int64_t>(ip + j * is, buf[j].second);
        }
      }
    });
  });
}

// Plans a loop over `shape` with operands (a, index, b). Operand `indexed`
// (0: a, 2: b) is the one addressed through the index: its `dim` stride is
// zeroed in the plan and returned (with its size along dim) for the kernel to
// add index * stride itself.
void index_plan(LoopPlan& plan, const DimVector& shape, const Tensor& a, const Tensor& index, const Tensor& b,
                int indexed, int64_t dim, int64_t& dim_stride, int64_t& dim_size) {
  const Tensor& t = indexed == 0 ? a : b;
  DimVector zeroed = t.strides();
  if (t.dim() > 0) {
    dim_stride = zeroed[dim];
    dim_size = t.sizes()[dim];
    zeroed[dim] = 0;
  }
  const int64_t item = static_cast<int64_t>(element_size(a.dtype()));
  OperandSpec specs[3] = {{static_cast<char*>(a.raw_data()), indexed == 0 ? zeroed.data() : a.strides().data(), item},
                          {static_cast<char*>(index.raw_data()), index.strides().data(), 8},
                          {static_cast<char*>(b.raw_data()), indexed == 2 ? zeroed.data() : b.strides().data(), item}};
  build_plan(plan, shape, specs, 3);
}

}  // namespace

bool indices_in_range(const Tensor& idx, int64_t lo, int64_t hi, int64_t& bad) {
  if (idx.numel() == 0) return true;
  OperandSpec spec{static_cast<char*>(idx.raw_data()), idx.strides().data(), 8};
  LoopPlan plan;
  build_plan(plan, idx.sizes(), &spec, 1);
  bool ok = true;
  run_plan_range(plan, 0, plan.numel, [&](char** d, const int64_t* s, int64_t n) {
    if (!ok) return;
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = load<int64_t>(d[0] + i * s[0]);
      if (v < lo || v >= hi) { bad = v; ok = false; return; }
    }
  });
  return ok;
}

void gather(const Tensor& out, const Tensor& src, int64_t dim, const Tensor& index) {
  if (out.numel() == 0) return;
  const int64_t item = static_cast<int64_t>(element_size(out.dtype()));
  int64_t dim_stride = 0, dim_size = 1;
  LoopPlan plan;
  index_plan(plan, out.sizes(), out, index, src, 2, dim, dim_stride, dim_size);
  dispatch_width(item, "gather/scatter", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t ds = dim_stride * static_cast<int64_t>(sizeof(T));
    run_plan(plan, [=](char** d, const int64_t* s, int64_t n) {
      const char* sp = d[2];
      if (s[0] == sizeof(T) && s[1] == 8) {
        T* o = reinterpret_cast<T*>(d[0]);
        const int64_t* ix = reinterpret_cast<const int64_t*>(d[1]);
        for (int64_t i = 0; i < n; ++i) {
          int64_t j = ix[i] < 0 ? ix[i] + dim_size : ix[i];
          o[i] = load<T>(sp + i * s[2] + j * ds);
        }
      } else {
        for (int64_t i = 0; i < n; ++i) {
          int64_t j = load<int64_t>(d[1] + i * s[1]);
          if (j < 0) j += dim_size;
          store<T>(d[0] + i * s[0], load<T>(sp + i * s[2] + j * ds));
        }
      }
    });
  });
}

namespace {
[[noreturn]]
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
void index_out_of_bounds(int64_t j, int64_t dim, int64_t size) {
  throw Error(str("index ", j, " is out of bounds for dimension ", dim, " with size ", size));
}

constexpr int64_t kScatterGrain = 1 << 15;  // index elements below which one thread runs

// self[p with coordinate dim replaced by index[p]] = combine(that, src[p]) over index's shape.
// Checked: every index must lie in [0, size of dim) and a bad one raises PyTorch's error (what was written
// before it stays, as in PyTorch's kernel); this saves the caller a separate pass over the index.
// Unchecked: the index is known to be in range, negative ones counting from the end.
// Threads: positions that differ in a dim other than `dim` update different slots of self, so a large index
// is cut along its largest other dim, one block per thread; each slot is then updated by one thread in the
// serial order, and the result does not depend on the thread count.
template <typename T, bool Checked, typename F>
void scatter_with(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, F combine) {
  const int64_t numel = index.numel();
  if (numel == 0) return;
  const int64_t nd = index.dim();
  const int64_t dim_size = self.dim() > 0 ? self.sizes()[dim] : 1;
  const int64_t ds = (self.dim() > 0 ? self.strides()[dim] : 0) * static_cast<int64_t>(sizeof(T));
  DimVector self_strides = self.strides();
  if (self.dim() > 0) self_strides[dim] = 0;
  int64_t split = -1;
  for (int64_t k = 0; k < nd; ++k)
    if (k != dim && index.sizes()[k] > 1 && (split < 0 || index.sizes()[k] > index.sizes()[split])) split = k;
  // index positions [lo, hi) along `split` (everything when there is none)
  auto run = [&](int64_t lo, int64_t hi) {
    DimVector shape = index.sizes();
    char* base[3] = {static_cast<char*>(self.raw_data()), static_cast<char*>(index.raw_data()),
                     static_cast<char*>(src.raw_data())};
    if (split >= 0) {
      shape[split] = hi - lo;
      base[0] += lo * self_strides[split] * static_cast<int64_t>(sizeof(T));
      base[1] += lo * index.strides()[split] * 8;
      base[2] += lo * src.strides()[split] * static_cast<int64_t>(sizeof(T));
    }
    const int64_t item = static_cast<int64_t>(sizeof(T));
    OperandSpec specs[3] = {{base[0], self_strides.data(), item}, {base[1], index.strides().data(), 8},
                            {base[2], src.strides().data(), item}};
    LoopPlan plan;
    build_plan(plan, shape, specs, 3);
    run_plan_range(plan, 0, plan.numel, [=](char** d, const int64_t* s, int64_t n) {
      // index and src stream in: ask for their lines ahead (the 1-d scatter of 2e6 values into 1e5 ran
      // 1.1x torch's time without, 0.5-0.6x with)
      auto scan = [&](auto s0, auto s1, auto s2) {  // strides in bytes: compile-time in the common case
        for (int64_t i = 0; i < n; ++i) {
          prefetch_ahead(d[1] + i * s1);
          prefetch_ahead(d[2] + i * s2);
          int64_t j = load<int64_t>(d[1] + i * s1);
          if constexpr (Checked) {
            if (static_cast<uint64_t>(j) >= static_cast<uint64_t>(dim_size)) index_out_of_bounds(j, dim, dim_size);
          } else if (j < 0) {
            j += dim_size;
          }
          char* p = d[0] + i * s0 + j * ds;
          store<T>(p, combine(load<T>(p), load<T>(d[2] + i * s2)));
        }
      };
      // one line of self along dim, index and src contiguous (a row-wise scatter, or a 1-d one)
      if (s[0] == 0 && s[1] == 8 && s[2] == static_cast<int64_t>(sizeof(T)))
        scan(std::integral_constant<int64_t, 0>(), std::integral_constant<int64_t, 8>(),
             std::integral_constant<int64_t, sizeof(T)>());
      else
        scan(s[0], s[1], s[2]);
    });
  };
  const int64_t rows = split >= 0 ? index.sizes()[split] : 1;
  if (split < 0 || numel < 2 * kScatterGrain || get_num_threads() <= 1) return run(0, rows);
  try {
    parallel_for(0, rows, 1, run);
  } catch (const Error&) {
    if (!Checked) throw;
    int64_t bad = 0;  // name the first bad index in element order, whichever block met one first
    if (!indices_in_range(index, 0, dim_size, bad)) index_out_of_bounds(bad, dim, dim_size);
    throw;
  }
}

// max / min letting NaN win, written so that the compiler selects (maxss / minss and a rarely taken NaN
// branch) instead of branching on every comparison: random data mispredicts half of those.
template <typename T>
inline T max_nan_wins(T a, T b) {
  const T m = a > b ? a : b;  // b when either is NaN
  return a != a ? a : m;
}
template <typename T>
inline T min_nan_wins(T a, T b) {
  const T m = a < b ? a : b;
  return a != a ? a : m;
}

template <bool Checked>
void scatter_impl(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  dispatch_width(static_cast<int64_t>(element_size(self.dtype())), "gather/scatter", [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_with<T, Checked>(self, dim, index, src, [](T, T v) { return v; });
  });
}

template <bool Checked>
void scatter_reduce_impl(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, ScatterOp op) {
  dispatch_all(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same<T, bool>::value) {  // sum and amax: or; prod and amin: and
      if (op == ScatterOp::Sum || op == ScatterOp::Max)
        scatter_with<T, Checked>(self, dim, index, src, [](bool a, bool b) { return a || b; });
      else
        scatter_with<T, Checked>(self, dim, index, src, [](bool a, bool b) { return a && b; });
    } else if (op == ScatterOp::Sum) {
      scatter_with<T, Checked>(self, dim, index, src, [](T a, T b) { return static_cast<T>(a + b); });
    } else if (op == ScatterOp::Prod) {
      scatter_with<T, Checked>(self, dim, index, src, [](T a, T b) { return static_cast<T>(a * b); });
    } else if (op == ScatterOp::Max) {
      scatter_with<T, Checked>(self, dim, index, src, [](T a, T b) { return max_nan_wins(a, b); });
    } else {
      scatter_with<T, Checked>(self, dim, index, src, [](T a, T b) { return min_nan_wins(a, b); });
    }
  });
}
}  // namespace

void scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate,
             bool check_index) {
  if (accumulate) return scatter_reduce(self, dim, index, src, ScatterOp::Sum, check_index);
  if (check_index) scatter_impl<true>(self, dim, index, src);
  else scatter_impl<false>(self, dim, index, src);
}

void scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, ScatterOp op,
                    bool check_index) {
  if (is_reduced_float(self.dtype()))  // in float32, rounded once
    return through_float32(
        self, [&](const Tensor& o) { scatter_reduce(o, dim, index, widen(src), op, check_index); }, true);
  if (check_index) scatter_reduce_impl<true>(self, dim, index, src, op);
  else scatter_reduce_impl<false>(self, dim, index, src, op);
}

void sort(const Tensor& values, const Tensor& indices, const Tensor& src, int64_t dim, bool descending) {
  if (is_reduced_float(src.dtype()))  // float32 orders the values as they are
    return through_float32(values, [&](const Tensor& v) { sort(v, indices, widen(src), dim, descending); });
  const int64_t n = src.sizes()[dim], k = values.sizes()[dim];
  if (k == 0 || src.numel() == 0) return;
  DimVector rows = src.sizes();
  rows[dim] = 1;
  const int64_t item = static_cast<int64_t>(element_size(src.dtype()));
  OperandSpec specs[3] = {{static_cast<char*>(values.raw_data()), values.strides().data(), item},
                          {static_cast<char*>(indices.raw_data()), indices.strides().data(), 8},
                          {static_cast<char*>(src.raw_data()), src.strides().data(), item}};
  LoopPlan plan;
  build_plan(plan, rows, specs, 3);
  const int64_t vs = values.strides()[dim] * item, is = indices.strides()[dim] * 8, ss = src.strides()[dim] * item;
  dispatch_all(src.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (descending) sort_rows<T, true>(plan, n, k, vs, is, ss);
    else sort_rows<T, false>(plan, n, k, vs, is, ss);
  });
}

void triangle(const Tensor& t, int64_t k, bool lower) {
  const int64_t nd = t.dim();
  const int64_t R = t.sizes()[nd - 2], C = t.sizes()[nd - 1];
  if (t.numel() == 0) return;
  const int64_t item = static_cast<int64_t>(element_size(t.dtype()));
  const int64_t rs = t.strides()[nd - 2] * item, cs = t.strides()[nd - 1] * item;
  const int64_t batches = t.numel() / (R * C);
  DimVector idx(nd - 2, 0);
  for (int64_t b = 0; b < batches; ++b) {
    char* base = static_cast<char*>(t.raw_data());
    for (int64_t d = 0; d < nd - 2; ++d) base += idx[d] * t.strides()[d] * item;
    for (int64_t i = 0; i < R; ++i) {
      int64_t j0 = lower ? std::max<int64_t>(0, i + k + 1) : 0;
      int64_t j1 = lower ? C : std::min<int64_t>(C, std::max<int64_t>(0, i + k));
      if (j0 >= j1) continue;
      char* row = base + i * rs;
      if (cs == item) std::memset(row + j0 * item, 0, (j1 - j0) * item);
      else for (int64_t j = j0; j < j1; ++j) std::memset(row + j * cs, 0, item);
    }
    for (int64_t d = nd - 3; d >= 0; --d) {  // next batch index
      if (++idx[d] < t.sizes()[d]) break;
      idx[d] = 0;
    }
  }
}

Tensor unique(const Tensor& flat, Tensor& inverse, Tensor& counts) {
  if (is_reduced_float(flat.dtype())) {
    Tensor v = unique(widen(flat), inverse, counts), r = empty(v.sizes(), flat.dtype());
    copy(r, v);
    return r;
  }
  const int64_t n = flat.numel();
  Tensor sorted = st::empty(flat.sizes(), flat.dtype());
  Tensor perm = st::empty(flat.sizes(), ScalarType::Int64);
  sort(sorted, perm, flat, 0, false);
  inverse = st::empty({n}, ScalarType::Int64);
  Tensor values;
  dispatch_all(flat.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* sv = sorted.data<T>();
    const int64_t* pv = perm.data<int64_t>();
    int64_t* inv = inverse.data<int64_t>();
    std::vector<int64_t> cnt;
    for (int64_t i = 0; i < n; ++i) {
      if (i == 0 || sv[i] != sv[i - 1]) cnt.push_back(0);
      ++cnt.back();
      inv[pv[i]] = static_cast<int64_t>(cnt.size()) - 1;
    }
    const int64_t g = static_cast<int64_t>(cnt.size());
    values = st::empty({g}, flat.dtype());
    counts = st::empty({g}, ScalarType::Int64);
    T* ov = values.data<T>();
    int64_t* oc = counts.data<int64_t>();
    for (int64_t j = 0, i = 0; j < g; i += cnt[j], ++j) {
      ov[j] = sv[i];
      oc[j] = cnt[j];
    }
  });
  return values;
}

Tensor unique_rows(const Tensor& rows, Tensor& inverse, Tensor& counts) {
  if (is_reduced_float(rows.dtype())) {
    Tensor v = unique_rows(widen(rows), inverse, counts), r = empty(v.sizes(), rows.dtype());
    copy(r, v);
    return r;
  }
  const int64_t n = rows.sizes()[0], m = rows.sizes()[1];
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  inverse = st::empty({n}, ScalarType::Int64);
  std::vector<int64_t> first, cnt;
  dispatch_all(rows.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* v = rows.data<T>();
    auto less = [&](int64_t a, int64_t b) {
      return std::lexicographical_compare(v + a * m, v + a * m + m, v + b * m, v + b * m + m);
    };
    std::stable_sort(order.begin(), order.end(), less);
    int64_t* inv = inverse.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (i == 0 || less(order[i - 1], order[i])) {
        first.push_back(order[i]);
        cnt.push_back(0);
      }
      ++cnt.back();
      inv[order[i]] = static_cast<int64_t>(cnt.size()) - 1;
    }
  });
  const int64_t g = static_cast<int64_t>(first.size());
  Tensor index = st::empty({g}, ScalarType::Int64);
  counts = st::empty({g}, ScalarType::Int64);
  std::copy(first.begin(), first.end(), index.data<int64_t>());
  std::copy(cnt.begin(), cnt.end(), counts.data<int64_t>());
  return index;
}

}  // namespace st::kernels
