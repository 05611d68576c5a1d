#include <cmath>
#include <cstring>
#include <type_traits>
#include "kernels.h"
#include "isa.h"
#include "loop.h"

namespace st::kernels {
namespace {

// A 2-d plan where some operand runs across the inner dim with a large stride
// but is contiguous along the outer one (a transposed input): walking whole
// rows would touch a new cache line per element of that operand.
bool needs_tiling(const LoopPlan& p, int64_t item) {
  if (p.ndim != 2 || p.shape[0] < 64 || p.shape[1] < 64) return false;
  for (int k = 1; k < p.nops; ++k)
    if (p.strides[1][k] == item && (p.strides[0][k] > 64 * item || p.strides[0][k] < -64 * item)) return true;
  return false;
}

// Runs f over 2-d tiles small enough that every operand's lines stay in
// cache while the tile is done; tile rows are split over the threads. When
// the transposed operands are the only ones not contiguous along the inner
// dim, each tile of them is first transposed into a contiguous buffer, so f
// runs its contiguous (vectorised) loop on every row of the tile.
template <typename F>
void run_tiled(const LoopPlan& p, int64_t item, F&& f) {
  // Tiles are kRows outer by kCols inner: the transposed operand is read in
  // runs of kRows elements (a cache line of float32), the others in runs of
  // kCols, so that each tile row continues the previous tile's row (a stream
  // the hardware prefetcher follows) and the tile fits in L1.
  constexpr int64_t kRows = 16, kCols = 256;
  const int64_t inner = p.shape[0], outer = p.shape[1];
  const int64_t row_tiles = (outer + kRows - 1) / kRows;
  const int64_t work_per_tile = kRows * inner;
  bool staged[kMaxOperands] = {};
  bool stage = p.strides[0][0] == item && (item == 1 || item == 2 || item == 4 || item == 8);  // the sizes transpose_tile takes
  for (int k = 1; k < p.nops && stage; ++k) {
    staged[k] = p.strides[1][k] == item && p.strides[0][k] != item;
    stage = staged[k] || p.strides[0][k] == item || p.strides[0][k] == 0;
  }
  auto transpose = stage ? isa().transpose_tile : nullptr;
  // A result bigger than the caches: each tile is computed into a buffer and
  // streamed out (see kStreamBytes), as the contiguous loops do.
  const IsaTable& table = isa();
  const bool stream = p.strides[0][0] == item && p.numel * item >= 2 * kStreamBytes;
  parallel_for(0, row_tiles, std::max<int64_t>(1, kGrainSize / work_per_tile), [&](int64_t t0, int64_t t1) {
    alignas(64) char bufs[kMaxOperands][kRows * kCols * 8];  // bufs[0]: the streamed result's tile
    char* ptrs[kMaxOperands];
    int64_t s[kMaxOperands];
    for (int k = 0; k < p.nops; ++k) s[k] = (transpose && staged[k]) || (stream && k == 0) ? item : p.strides[0][k];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r0 = t * kRows, r1 = std::min(outer, r0 + kRows);
      for (int64_t c0 = 0; c0 < inner; c0 += kCols) {
        const int64_t n = std::min(kCols, inner - c0);
        if (transpose)
          for (int k = 1; k < p.nops; ++k)
            if (staged[k])
              transpose(bufs[k], p.data[k] + r0 * p.strides[1][k] + c0 * p.strides[0][k], p.strides[0][k],
                        r1 - r0, n, item);
        for (int64_t r = r0; r < r1; ++r) {
          for (int k = 0; k < p.nops; ++k)
            ptrs[k] = (transpose && staged[k]) || (stream && k == 0)
                          ? bufs[k] + (r - r0) * n * item
                          : p.data[k] + r * p.strides[1][k] + c0 * p.strides[0][k];
          f(ptrs, s, n);
        }
        if (stream)
          for (int64_t r = r0; r < r1; ++r)
            table.stream_copy(p.data[0] + r * p.strides[1][0] + c0 * item, bufs[0] + (r - r0) * n * item, n * item);
      }
    }
    if (stream) table.stream_fence();
  });
}

// The loop plan of out (operand 0) and the inputs broadcast to out's shape,
// every operand with element size `item`.
void plan_operands(LoopPlan& plan, const Tensor& out, std::initializer_list<const Tensor*> ins, int64_t item) {
  const DimVector& shape = out.sizes();
  DimVector bstrides[kMaxOperands];
  OperandSpec specs[kMaxOperands];
  specs[0] = {static_cast<char*>(out.raw_data()), out.strides().data(), item};
  int k = 1;
  for (auto* t : ins) {
    bstrides[k] = broadcast_strides(t->sizes(), t->strides(), shape);
    specs[k] = {static_cast<char*>(t->raw_data()), bstrides[k].data(), item};
    ++k;
  }
  build_plan(plan, shape, specs, k);
}

// Runs `loop` over out (operand 0) and the inputs, all viewed with out's shape.
void run_loop(Loop loop, const Tensor& out, std::initializer_list<const Tensor*> ins, const void* extra) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const int nops = 1 + static_cast<int>(ins.size());
  const int64_t item = static_cast<int64_t>(element_size(out.dtype()));
  bool flat = out.is_contiguous();
  for (auto* t : ins) flat = flat && t->is_contiguous() && t->numel() == n;
  if (flat) {
    char* base[kMaxOperands];
    base[0] = static_cast<char*>(out.raw_data());
    int k = 1;
    for (auto* t : ins) base[k++] = static_cast<char*>(t->raw_data());
    int64_t strides[kMaxOperands];
    for (int q = 0; q < nops; ++q) strides[q] = item;
    parallel_for_cheap(0, n, kGrainSize, kHotGrainSize, [&](int64_t lo, int64_t hi) {
      char* ptrs[kMaxOperands];
      for (int q = 0; q < nops; ++q) ptrs[q] = base[q] + lo * item;
      loop(ptrs, strides, hi - lo, extra);
    });
    return;
  }
  LoopPlan plan;
  plan_operands(plan, out, ins, item);
  if (needs_tiling(plan, item)) {
    run_tiled(plan, item, [&](char** d, const int64_t* s, int64_t m) { loop(d, s, m, extra); });
    return;
  }
  run_plan(plan, [&](char** d, const int64_t* s, int64_t m) { loop(d, s, m, extra); });
}

// Runs a float32 loop over float16/bfloat16 operands (out and inputs all of
// out's dtype) in one pass: each inner row is cut into blocks, the inputs'
// blocks widened into float32 buffers with the ISA's conversion loops, the
// float32 loop run on them and its result rounded into out. The values are
// those of widening everything, computing in float32 and rounding once.
void run_loop_16(Loop loop, const Tensor& out, std::initializer_list<const Tensor*> ins, const void* extra) {
  if (out.numel() == 0) return;
  const bool f16 = out.dtype() == ScalarType::Float16;
  const IsaTable& t = isa();
  const auto to32 = f16 ? t.f16_to_f32 : t.bf16_to_f32;
  const auto from32 = f16 ? t.f32_to_f16 : t.f32_to_bf16;
  const int nops = 1 + static_cast<int>(ins.size());
  LoopPlan plan;
  plan_operands(plan, out, ins, 2);
  run_plan(plan, [&](char** d, const int64_t* s, int64_t m) {
    constexpr int64_t kBlock = 512;
    alignas(64) float buf[kMaxOperands][kBlock];
    char* p[kMaxOperands];
    int64_t unit[kMaxOperands];
    p[0] = reinterpret_cast<char*>(buf[0]);
    unit[0] = sizeof(float);
    for (int64_t i = 0; i < m; i += kBlock) {
      const int64_t c = std::min(kBlock, m - i);
      for (int q = 1; q < nops; ++q) {
        const char* src = d[q] + i * s[q];
        p[q] = reinterpret_cast<char*>(buf[q]);
        unit[q] = s[q] == 0 ? 0 : int64_t(sizeof(float));  // a broadcast operand stays one value
        if (s[q] == 2 || s[q] == 0) {
          to32(buf[q], reinterpret_cast<const uint16_t*>(src), s[q] == 0 ? 1 : c);
        } else {
          for (int64_t j = 0; j < c; ++j) {
            const uint16_t v = *reinterpret_cast<const uint16_t*>(src + j * s[q]);
            buf[q][j] = f16 ? half_to_float(v) : bfloat16_to_float(v);
          }
        }
      }
      loop(p, unit, c, extra);
      char* dst = d[0] + i * s[0];
      if (s[0] == 2) {
        from32(reinterpret_cast<uint16_t*>(dst), buf[0], c);
      } else {
        for (int64_t j = 0; j < c; ++j)
          *reinterpret_cast<uint16_t*>(dst + j * s[0]) = f16 ? float_to_half(buf[0][j]) : float_to_bfloat16(buf[0][j]);
      }
    }
  });
}

template <typename D, typename S>
void copy_typed(const LoopPlan& plan) {
  run_plan(plan, [](char** d, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
      D* o = reinterpret_cast<D*>(d[0]);
      const S* a = reinterpret_cast<const S*>(d[1]);
      // float32 <-> 16-bit floats: the ISA's loops (hardware float16 conversion on AVX-512)
      if constexpr (std::is_same<D, float>::value && std::is_same<S, Half>::value)
        return isa().f16_to_f32(o, reinterpret_cast<const uint16_t*>(a), n);
      if constexpr (std::is_same<D, Half>::value && std::is_same<S, float>::value)
        return isa().f32_to_f16(reinterpret_cast<uint16_t*>(o), a, n);
      if constexpr (std::is_same<D, float>::value && std::is_same<S, BFloat16>::value)
        return isa().bf16_to_f32(o, reinterpret_cast<const uint16_t*>(a), n);
      if constexpr (std::is_same<D, BFloat16>::value && std::is_same<S, float>::value)
        return isa().f32_to_bf16(reinterpret_cast<uint16_t*>(o), a, n);
      for (int64_t i = 0; i < n; ++i) o[i] = convert_value<D>(a[i]);
    } else if (s[0] == sizeof(D) && s[1] == 0) {
      D v = convert_value<D>(*reinterpret_cast<const S*>(d[1]));
      D* o = reinterpret_cast<D*>(d[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = v;
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<D*>(d[0] + i * s[0]) = convert_value<D>(*reinterpret_cast<const S*>(d[1] + i * s[1]));
    }
  });
}

}  // namespace

Tensor widen(const Tensor& t) {
  if (!t.defined() || !is_reduced_float(t.dtype())) return t;
  Tensor w = empty(t.sizes(), ScalarType::Float32);
  copy(w, t);
  return w;
}

// float16/bfloat16 operands (all of out's dtype, as the op layer casts them)
// run the float32 loop through run_loop_16; others of another dtype are widened first.
bool all_of_dtype(ScalarType dt, std::initializer_list<const Tensor*> ts) {
  for (auto* t : ts)
    if (t->dtype() != dt) return false;
  return true;
}

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (is_reduced_float(out.dtype())) {
    if (all_of_dtype(out.dtype(), {&a, &b}))
      return run_loop_16(isa().binary(op, ScalarType::Float32), out, {&a, &b}, nullptr);
    return through_float32(out, [&](const Tensor& o) { binary(op, o, widen(a), widen(b)); });
  }
  run_loop(isa().binary(op, out.dtype()), out, {&a, &b}, nullptr);
}

void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& a, const Scalar& s, bool scalar_first) {
  // x ** 2 is x * x (the same correctly rounded value as pow, without a pow call per element)
  if (op == BinaryOp::Pow && !scalar_first && is_floating(out.dtype()) && s.to_double() == 2.0)
    return binary(BinaryOp::Mul, out, a, a);
  if (is_reduced_float(out.dtype())) {
    if (all_of_dtype(out.dtype(), {&a})) {
      const float v = s.to<float>();
      return run_loop_16(isa().binary_scalar(op, ScalarType::Float32, scalar_first), out, {&a}, &v);
    }
    return through_float32(out, [&](const Tensor& o) { binary_scalar(op, o, widen(a), s, scalar_first); });
  }
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = s.to<T>();
    run_loop(isa().binary_scalar(op, out.dtype(), scalar_first), out, {&a}, &v);
  });
}

void add_scaled(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (is_reduced_float(out.dtype())) {
    if (all_of_dtype(out.dtype(), {&a, &b})) {
      // alpha in out's 16-bit dtype, widened (as PyTorch converts it)
      const float a32 = alpha.to<float>();
      const float al = out.dtype() == ScalarType::Float16 ? half_to_float(float_to_half(a32))
                                                          : bfloat16_to_float(float_to_bfloat16(a32));
      return run_loop_16(isa().add_scaled(ScalarType::Float32), out, {&a, &b}, &al);
    }
    return through_float32(out, [&](const Tensor& o) { add_scaled(o, widen(a), widen(b), alpha); });
  }
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T al = alpha.to<T>();
    run_loop(isa().add_scaled(out.dtype()), out, {&a, &b}, &al);
  });
}

void unary(UnaryOp op, const Tensor& out, const Tensor& a) {
  if (is_reduced_float(out.dtype())) {
    if (all_of_dtype(out.dtype(), {&a})) return run_loop_16(isa().unary(op, ScalarType::Float32), out, {&a}, nullptr);
    return through_float32(out, [&](const Tensor& o) { unary(op, o, widen(a)); });
  }
  run_loop(isa().unary(op, out.dtype()), out, {&a}, nullptr);
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
  const int64_t item = specs[0].itemsize;
  if (dst.dtype() == src.dtype() && needs_tiling(plan, item)) {  // a transposing copy: by tiles, moving bytes
    run_tiled(plan, item, [item](char** d, const int64_t* s, int64_t n) {
      if (s[0] == item && s[1] == item) {
        std::memcpy(d[0], d[1], static_cast<size_t>(n * item));
      } else {
        for (int64_t i = 0; i < n; ++i) std::memcpy(d[0] + i * s[0], d[1] + i * s[1], static_cast<size_t>(item));
      }
    });
    return;
  }
  dispatch_storage(dst.dtype(), [&](auto dt) {
    dispatch_storage(src.dtype(), [&](auto stag) {
      copy_typed<typename decltype(dt)::type, typename decltype(stag)::type>(plan);
    });
  });
}

void fill(const Tensor& dst, const Scalar& v) {
  // dst = v: a binary_scalar Add of v to nothing would read dst; write directly instead
  dispatch_storage(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T value = v.to<T>();
    if (dst.is_contiguous()) {
      T* p = dst.data<T>();
      parallel_for(0, dst.numel(), kGrainSize, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) p[i] = value;
      });
      return;
    }
    OperandSpec spec{static_cast<char*>(dst.raw_data()), dst.strides().data(), sizeof(T)};
    LoopPlan plan;
    build_plan(plan, dst.sizes(), &spec, 1);
    run_plan(plan, [&](char** d, const int64_t* s, int64_t m) {
      for (int64_t i = 0; i < m; ++i) *reinterpret_cast<T*>(d[0] + i * s[0]) = value;
    });
  });
}

}  // namespace st::kernels
