// Kernels of advanced indexing (see index.h).
#include "index.h"
#include <cstring>
#include "kernels.h"
#include "loop.h"

namespace st::kernels {
namespace {

OperandSpec spec(const Tensor& t) {
  return {static_cast<char*>(t.raw_data()), t.strides().data(), static_cast<int64_t>(element_size(t.dtype()))};
}

}  // namespace

bool index_offsets(const Tensor& off, const Tensor& idx, int64_t size, int64_t stride, int64_t& bad) {
  if (off.numel() == 0) return true;
  OperandSpec specs[2] = {spec(off), spec(idx)};
  LoopPlan plan;
  build_plan(plan, off.sizes(), specs, 2);
  bool ok = true;
  run_plan_range(plan, 0, plan.numel, [&](char** d, const int64_t* s, int64_t n) {
    if (!ok) return;
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = *reinterpret_cast<const int64_t*>(d[1] + i * s[1]);
      if (v < -size || v >= size) { bad = v; ok = false; return; }
      *reinterpret_cast<int64_t*>(d[0] + i * s[0]) += (v < 0 ? v + size : v) * stride;
    }
  });
  return ok;
}

void index_gather(const Tensor& out, const Tensor& src, const Tensor& off) {
  if (out.numel() == 0) return;
  OperandSpec specs[3] = {spec(out), spec(src), spec(off)};
  LoopPlan plan;
  build_plan(plan, out.sizes(), specs, 3);
  dispatch_width(element_size(out.dtype()), "index", [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int64_t w = sizeof(T);
    run_plan(plan, [](char** d, const int64_t* s, int64_t n) {
      T* o = reinterpret_cast<T*>(d[0]);
      const T* base = reinterpret_cast<const T*>(d[1]);
      const int64_t* ix = reinterpret_cast<const int64_t*>(d[2]);
      if (s[0] == w && s[1] == 0 && s[2] == 8) {  // the index varies fastest
        for (int64_t i = 0; i < n; ++i) o[i] = base[ix[i]];
      } else if (s[0] == w && s[1] == w && s[2] == 0) {  // a contiguous row at one offset
        const T* row = base + ix[0];
        for (int64_t i = 0; i < n; ++i) o[i] = row[i];
      } else {
        for (int64_t i = 0; i < n; ++i) {
          const T* p = reinterpret_cast<const T*>(d[1] + i * s[1]);
          *reinterpret_cast<T*>(d[0] + i * s[0]) = p[*reinterpret_cast<const int64_t*>(d[2] + i * s[2])];
        }
      }
    });
  });
}

void index_put(const Tensor& dst, const Tensor& off, const Tensor& val, bool accumulate) {
  if (val.numel() == 0) return;
  // val (contiguous) first so the loop runs in its row-major order; off holds element offsets into dst
  OperandSpec specs[3] = {spec(val), spec(dst), spec(off)};
  LoopPlan plan;
  build_plan(plan, val.sizes(), specs, 3);
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_plan_range(plan, 0, plan.numel, [&](char** d, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        T v = *reinterpret_cast<const T*>(d[0] + i * s[0]);
        T* p = reinterpret_cast<T*>(d[1] + i * s[1]) + *reinterpret_cast<const int64_t*>(d[2] + i * s[2]);
        if (!accumulate) {
          *p = v;
        } else if constexpr (is_reduced_float_t<T>::value) {  // each sum rounded to the dtype, as PyTorch's
          *p = T(static_cast<float>(*p) + static_cast<float>(v));
        } else {
          *p = static_cast<T>(*p + v);
        }
      }
    });
  };
  if (accumulate) dispatch_storage(dst.dtype(), body);
  else dispatch_width(element_size(dst.dtype()), "index", body);
}

Tensor nonzero(const Tensor& t) {
  if (is_reduced_float(t.dtype())) return nonzero(widen(t));
  const int64_t nd = t.dim();
  Tensor c = t;
  if (!t.is_contiguous()) { c = st::empty(t.sizes(), t.dtype()); copy(c, t); }
  const int64_t total = c.numel();
  return dispatch_all(c.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = c.data<T>();
    int64_t n = 0;
    for (int64_t i = 0; i < total; ++i) n += p[i] != T(0);
    Tensor out = st::empty({n, nd}, ScalarType::Int64);
    int64_t* o = out.data<int64_t>();
    DimVector coord(nd, 0);
    const DimVector& sizes = c.sizes();
    for (int64_t i = 0; i < total; ++i) {
      if (p[i] != T(0)) {
        for (int64_t d = 0; d < nd; ++d) *o++ = coord[d];
      }
      for (int64_t d = nd - 1; d >= 0; --d) {
        if (++coord[d] < sizes[d]) break;
        coord[d] = 0;
      }
    }
    return out;
  });
}

}  // namespace st::kernels
