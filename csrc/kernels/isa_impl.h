// Inner loops, compiled once per ISA: include only after isa_prelude.h and
// inside `namespace st::kernels::<isa>` (see isa_base.cpp / isa_avx2.cpp /
// isa_avx512.cpp). No includes here.

// The math functions of glibc's libmvec (or, without it, libm's one at a time):
// (UnaryOp, the C name).
#define ST_VECTOR_MATH(X)                                                                                \
  X(Sin, sin) X(Cos, cos) X(Tan, tan) X(Log, log) X(Log2, log2) X(Log10, log10) X(Log1p, log1p)          \
  X(Exp2, exp2) X(Expm1, expm1) X(Sinh, sinh) X(Cosh, cosh) X(Asin, asin) X(Acos, acos) X(Atan, atan)    \
  X(Asinh, asinh) X(Acosh, acosh) X(Atanh, atanh) X(Erf, erf) X(Erfc, erfc)

#if ST_HAVE_LIBMVEC && !ST_GENERIC
// glibc's libmvec under its vector-ABI names (_ZGV, then b/d/e for SSE/AVX2/AVX-512, N for
// unmasked, the lane count, v for one vector argument); the vectors pass in registers as
// the matching __m128/__m256/__m512 would.
typedef float mvec_f32 __attribute__((vector_size(ST_VEC_BYTES)));
typedef double mvec_f64 __attribute__((vector_size(ST_VEC_BYTES)));
#if ST_VEC_BYTES == 64
#define ST_MVEC_F32(fn) _ZGVeN16v_##fn##f
#define ST_MVEC_F64(fn) _ZGVeN8v_##fn
#elif ST_VEC_BYTES == 32
#define ST_MVEC_F32(fn) _ZGVdN8v_##fn##f
#define ST_MVEC_F64(fn) _ZGVdN4v_##fn
#else
#define ST_MVEC_F32(fn) _ZGVbN4v_##fn##f
#define ST_MVEC_F64(fn) _ZGVbN2v_##fn
#endif
#define ST_MVEC_DECLARE(Op, fn) mvec_f32 ST_MVEC_F32(fn)(mvec_f32); mvec_f64 ST_MVEC_F64(fn)(mvec_f64);
extern "C" {
ST_VECTOR_MATH(ST_MVEC_DECLARE)
}
#undef ST_MVEC_DECLARE
#endif

namespace {

template <typename T> struct AddF { static T f(T a, T b) { return a + b; } };
template <typename T> struct SubF { static T f(T a, T b) { return a - b; } };
template <typename T> struct MulF { static T f(T a, T b) { return a * b; } };
template <typename T> struct DivF { static T f(T a, T b) { return a / b; } };
template <typename T> struct PowF {
  static T f(T a, T b) {
    if constexpr (std::is_floating_point<T>::value) {
      return static_cast<T>(std::pow(a, b));
    } else {  // integer power by squaring; negative exponents are rejected in ops/
      T r = 1, base = a;
      int64_t e = static_cast<int64_t>(b);
      while (e > 0) {
        if (e & 1) r = static_cast<T>(r * base);
        base = static_cast<T>(base * base);
        e >>= 1;
      }
      return r;
    }
  }
};
template <> struct AddF<bool> { static bool f(bool a, bool b) { return a || b; } };
template <> struct SubF<bool> { static bool f(bool a, bool b) { return a != b; } };
template <> struct MulF<bool> { static bool f(bool a, bool b) { return a && b; } };
template <> struct DivF<bool> { static bool f(bool a, bool b) { return a && b; } };
template <> struct PowF<bool> { static bool f(bool a, bool b) { return a || !b; } };

template <typename T> struct NegF { static T f(T a) { return static_cast<T>(-a); } };
template <> struct NegF<bool> { static bool f(bool a) { return a; } };

// exp for float32: Cephes-style range reduction x = n ln2 + r, a degree-6
// polynomial for e^r, and 2^n applied as two factors 2^(n/2) 2^(n-n/2) built
// from exponent bits (so results near overflow and subnormal results are
// right). Within 2 ulp of expf; inf above 88.7228, 0 below -103.98, NaN
// stays NaN. Written once for any float type V (a scalar, or a GCC vector of
// ST_VEC_BYTES) with VI the matching int32 type; selects are branch-free.
// (In the generic build V is plain float and VI int32_t: the same formula, one value at a time.)
#if ST_GENERIC
template <typename VI, typename V> inline VI cvt_to_int(V v) { return static_cast<VI>(v); }
template <typename V, typename VI> inline V cvt_to_float(VI v) { return static_cast<V>(v); }
#else
template <typename VI, typename V> inline VI cvt_to_int(V v) { return __builtin_convertvector(v, VI); }
template <typename V, typename VI> inline V cvt_to_float(VI v) { return __builtin_convertvector(v, V); }
#endif
template <typename V, typename VI> inline V bits_to_float(VI v) {
  V r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

template <typename V, typename VI>
inline V exp_f32_impl(V x) {
  const V zero = V(), lo = zero - 104.0f, hi = zero + 88.75f;  // broadcast constants for either type
  V xc = x > lo ? x : lo;  // NaN -> lo, so the integer steps below stay in range (a NaN x is returned at the end)
  xc = xc > hi ? hi : xc;
  V t = xc * 1.44269504088896341f + 0.5f;
  VI n = cvt_to_int<VI>(t);
  V fn = cvt_to_float<V>(n);
  n = fn > t ? n - 1 : n;  // floor for negatives
  fn = cvt_to_float<V>(n);
  V r = xc - fn * 0.693359375f + fn * 2.12194440e-4f;
  V z = r * r;
  V p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  V y = p * z + r + 1.0f;
  VI n1 = n >> 1, n2 = n - n1;
  V s1 = bits_to_float<V>((n1 + 127) << 23), s2 = bits_to_float<V>((n2 + 127) << 23);
  V res = (y * s1) * s2;
  V inf = zero + std::numeric_limits<float>::infinity();
  res = x > 88.72283935546875f ? inf : res;
  res = x < -103.972084f ? zero : res;
  return x != x ? x : res;
}

// tanh in float32 (V a float or a float vector): for |x| < 0.625 an odd
// polynomial (no cancellation near 0), else 1 - 2 / (exp(2|x|) + 1) with the
// sign restored; NaN stays NaN. Within a few ulp of the correctly rounded value.
template <typename V, typename Exp>
inline V tanh_f32_impl(V x, Exp exp) {
  V ax = x < 0.0f ? -x : x;
  V z = x * x;
  V p = -5.70498872745e-3f * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  V small = p * z * x + x;
  V e = exp(ax + ax);
  V big = 1.0f - 2.0f / (e + 1.0f);
  big = x < 0.0f ? -big : big;
  V r = ax < 0.625f ? small : big;
  r = x == 0.0f ? x : r;  // keeps the sign of -0
  return x != x ? x : r;
}

#if ST_GENERIC
// Plain C++: one float at a time, through the same exp formula.
inline float vexp(float x) { return exp_f32_impl<float, int32_t>(x); }
inline float vsigmoid(float x) { return 1.0f / (1.0f + vexp(-x)); }
inline float vtanh(float x) { return tanh_f32_impl(x, [](float v) { return vexp(v); }); }
inline float exp_f32(float x) { return vexp(x); }

template <typename G>
void float_vec_loop(char** d, const int64_t* s, int64_t n, G g) {
  for (int64_t i = 0; i < n; ++i)
    *reinterpret_cast<float*>(d[0] + i * s[0]) = g(*reinterpret_cast<const float*>(d[1] + i * s[1]));
}
#else
typedef float vfloat __attribute__((vector_size(ST_VEC_BYTES)));
typedef int32_t vint __attribute__((vector_size(ST_VEC_BYTES)));
typedef float v1float __attribute__((vector_size(4)));
typedef int32_t v1int __attribute__((vector_size(4)));
constexpr int kVecLanes = ST_VEC_BYTES / 4;
template <typename V> struct IntVec;
template <> struct IntVec<vfloat> { using type = vint; };
#if ST_VEC_BYTES != 4
template <> struct IntVec<v1float> { using type = v1int; };
#endif

template <typename V> inline V vexp(V x) { return exp_f32_impl<V, typename IntVec<V>::type>(x); }
template <typename V> inline V vsigmoid(V x) { return 1.0f / (1.0f + vexp(-x)); }
template <typename V> inline V vtanh(V x) { return tanh_f32_impl(x, [](V v) { return vexp(v); }); }

inline float exp_f32(float x) {
  v1float v = {x};
  return vexp(v)[0];
}

// out = g(a) over float32, a vector at a time where both are contiguous.
template <typename G>
void float_vec_loop(char** d, const int64_t* s, int64_t n, G g) {
  float* o = reinterpret_cast<float*>(d[0]);
  const float* a = reinterpret_cast<const float*>(d[1]);
  if (s[0] == 4 && s[1] == 4) {
    int64_t i = 0;
    for (; i + kVecLanes <= n; i += kVecLanes) {
      vfloat v;
      std::memcpy(&v, a + i, sizeof v);
      vfloat r = g(v);
      std::memcpy(o + i, &r, sizeof r);
    }
    if (i < n) {  // the last n - i values as one zero-padded vector
      vfloat v = {};
      std::memcpy(&v, a + i, sizeof(float) * static_cast<size_t>(n - i));
      vfloat r = g(v);
      std::memcpy(o + i, &r, sizeof(float) * static_cast<size_t>(n - i));
    }
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<float*>(d[0] + i * s[0]) = g(v1float{*reinterpret_cast<const float*>(d[1] + i * s[1])})[0];
  }
}
#endif  // ST_GENERIC

void exp_loop_f32(char** d, const int64_t* s, int64_t n, const void*) {
  float_vec_loop(d, s, n, [](auto v) { return vexp(v); });
}
void sigmoid_loop_f32(char** d, const int64_t* s, int64_t n, const void*) {
  float_vec_loop(d, s, n, [](auto v) { return vsigmoid(v); });
}
void tanh_loop_f32(char** d, const int64_t* s, int64_t n, const void*) {
  float_vec_loop(d, s, n, [](auto v) { return vtanh(v); });
}

template <typename T> struct ExpF {
  static T f(T a) {
    if constexpr (std::is_same<T, float>::value) return exp_f32(a);
    else return static_cast<T>(std::exp(static_cast<double>(a)));
  }
};
template <typename T> struct TanhF {
  static T f(T a) { return static_cast<T>(std::tanh(static_cast<double>(a))); }
};
template <typename T> struct SigmoidF {
  static T f(T a) {
    if constexpr (std::is_same<T, float>::value) return 1.0f / (1.0f + exp_f32(-a));
    else return static_cast<T>(1.0 / (1.0 + std::exp(-static_cast<double>(a))));
  }
};

// Copies `bytes` (a multiple of 64) from the L1-resident `src` to `dst`
// (ST_VEC_BYTES-aligned) with non-temporal stores: a result far bigger than
// the caches is written without first reading its lines in (no
// read-for-ownership), which saves a quarter of the memory traffic of a+b.
inline void stream_store(char* dst, const char* src, int64_t bytes) {
#if ST_GENERIC
  std::memcpy(dst, src, static_cast<size_t>(bytes));
#else
  for (int64_t i = 0; i < bytes; i += ST_VEC_BYTES) {
#if ST_VEC_BYTES == 64
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i), _mm512_loadu_si512(src + i));
#elif ST_VEC_BYTES == 32
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
#else
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
#endif
  }
#endif
}

// Orders streaming stores before the caller signals completion.
inline void stream_fence() {
#if !ST_GENERIC
  _mm_sfence();
#endif
}

// stream_store for any dst and length: the unaligned head and the tail of
// less than a vector are copied plainly.
void stream_copy(char* dst, const char* src, int64_t bytes) {
  const int64_t head = std::min<int64_t>(bytes, static_cast<int64_t>(-reinterpret_cast<uintptr_t>(dst) % ST_VEC_BYTES));
  std::memcpy(dst, src, static_cast<size_t>(head));
  const int64_t body = (bytes - head) / ST_VEC_BYTES * ST_VEC_BYTES;
  stream_store(dst + head, src + head, body);
  std::memcpy(dst + head + body, src + head + body, static_cast<size_t>(bytes - head - body));
}

// o = f(a, b) over n contiguous elements, computed a block at a time into a
// small buffer and streamed out (see stream_store).
template <typename T, typename F>
void binary_streamed(T* o, const T* a, const T* b, int64_t n) {
  constexpr int64_t kBlock = 2048;
  alignas(64) T buf[kBlock];
  int64_t i = 0;
  for (; i < n && reinterpret_cast<uintptr_t>(o + i) % ST_VEC_BYTES != 0; ++i) o[i] = F::f(a[i], b[i]);
  while (n - i >= kBlock) {
    for (int64_t k = 0; k < kBlock; ++k) buf[k] = F::f(a[i + k], b[i + k]);
    stream_store(reinterpret_cast<char*>(o + i), reinterpret_cast<const char*>(buf), kBlock * sizeof(T));
    i += kBlock;
  }
  stream_fence();
  for (; i < n; ++i) o[i] = F::f(a[i], b[i]);
}

template <typename T, typename F>
void binary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  constexpr int64_t z = sizeof(T);
  T* __restrict o = reinterpret_cast<T*>(d[0]);
  const T* a = reinterpret_cast<const T*>(d[1]);
  const T* b = reinterpret_cast<const T*>(d[2]);
  if (s[0] == z && s[1] == z && s[2] == z) {
    if (n * z >= kStreamBytes && o != a && o != b) return binary_streamed<T, F>(o, a, b, n);
    for (int64_t i = 0; i < n; ++i) o[i] = F::f(a[i], b[i]);
  } else if (s[0] == z && s[1] == z && s[2] == 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) o[i] = F::f(a[i], bv);
  } else if (s[0] == z && s[1] == 0 && s[2] == z) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) o[i] = F::f(av, b[i]);
  } else {
    char *po = d[0], *pa = d[1], *pb = d[2];
    for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2])
      *reinterpret_cast<T*>(po) = F::f(*reinterpret_cast<const T*>(pa), *reinterpret_cast<const T*>(pb));
  }
}

template <typename T, typename F, bool ScalarFirst>
void scalar_loop(char** d, const int64_t* s, int64_t n, const void* extra) {
  const T sv = *static_cast<const T*>(extra);
  T* __restrict o = reinterpret_cast<T*>(d[0]);
  const T* a = reinterpret_cast<const T*>(d[1]);
  if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
    if (ScalarFirst) for (int64_t i = 0; i < n; ++i) o[i] = F::f(sv, a[i]);
    else for (int64_t i = 0; i < n; ++i) o[i] = F::f(a[i], sv);
  } else {
    char *po = d[0], *pa = d[1];
    for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1]) {
      T x = *reinterpret_cast<const T*>(pa);
      *reinterpret_cast<T*>(po) = ScalarFirst ? F::f(sv, x) : F::f(x, sv);
    }
  }
}

template <typename T, typename F>
void unary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  T* __restrict o = reinterpret_cast<T*>(d[0]);
  const T* a = reinterpret_cast<const T*>(d[1]);
  if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
    for (int64_t i = 0; i < n; ++i) o[i] = F::f(a[i]);
  } else {
    char *po = d[0], *pa = d[1];
    for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1])
      *reinterpret_cast<T*>(po) = F::f(*reinterpret_cast<const T*>(pa));
  }
}

// out = a + alpha * b (extra: alpha in T), floats with one rounding (a fused
// multiply-add, as PyTorch's add/sub with alpha), integers wrapping.
template <typename T>
inline T add_scaled(T a, T b, T alpha) {
  if constexpr (std::is_same<T, bool>::value) return a || (alpha && b);
  else if constexpr (std::is_floating_point<T>::value) return std::fma(b, alpha, a);
  else return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) +
                             static_cast<std::make_unsigned_t<T>>(alpha) * static_cast<std::make_unsigned_t<T>>(b));
}
template <typename T>
void add_scaled_loop(char** d, const int64_t* s, int64_t n, const void* extra) {
  constexpr int64_t z = sizeof(T);
  const T al = *static_cast<const T*>(extra);
  T* __restrict o = reinterpret_cast<T*>(d[0]);
  const T* a = reinterpret_cast<const T*>(d[1]);
  const T* b = reinterpret_cast<const T*>(d[2]);
  if (s[0] == z && s[1] == z && s[2] == z) {
    for (int64_t i = 0; i < n; ++i) o[i] = add_scaled(a[i], b[i], al);
  } else if (s[0] == z && s[1] == z && s[2] == 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) o[i] = add_scaled(a[i], bv, al);
  } else {
    char *po = d[0], *pa = d[1], *pb = d[2];
    for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2])
      *reinterpret_cast<T*>(po) = add_scaled(*reinterpret_cast<const T*>(pa), *reinterpret_cast<const T*>(pb), al);
  }
}
// The loop for dtype t (every dtype but the 16-bit floats, which run float32
// loops): pick(Of<T>{}) with T the C++ type of t.
template <typename T> struct Of { using type = T; };
template <typename Pick>
Loop loop_for_dtype(ScalarType t, Pick pick) {
  switch (t) {
    case ScalarType::Bool: return pick(Of<bool>{});
    case ScalarType::UInt8: return pick(Of<uint8_t>{});
    case ScalarType::Int8: return pick(Of<int8_t>{});
    case ScalarType::Int16: return pick(Of<int16_t>{});
    case ScalarType::Int32: return pick(Of<int32_t>{});
    case ScalarType::Int64: return pick(Of<int64_t>{});
    case ScalarType::Float32: return pick(Of<float>{});
    case ScalarType::Float64: return pick(Of<double>{});
    default: return nullptr;
  }
}

Loop add_scaled_table(ScalarType t) {
  return loop_for_dtype(t, [](auto of) -> Loop { return &add_scaled_loop<typename decltype(of)::type>; });
}

template <template <typename> class F>
Loop pick_binary(ScalarType t) {
  return loop_for_dtype(t, [](auto of) -> Loop {
    using T = typename decltype(of)::type;
    return &binary_loop<T, F<T>>;
  });
}

template <template <typename> class F, bool First>
Loop pick_scalar(ScalarType t) {
  return loop_for_dtype(t, [](auto of) -> Loop {
    using T = typename decltype(of)::type;
    return &scalar_loop<T, F<T>, First>;
  });
}

template <template <typename> class F>
Loop pick_unary(ScalarType t) {
  return loop_for_dtype(t, [](auto of) -> Loop {
    using T = typename decltype(of)::type;
    return &unary_loop<T, F<T>>;
  });
}

Loop binary_table(BinaryOp op, ScalarType t) {
  switch (op) {
    case BinaryOp::Add: return pick_binary<AddF>(t);
    case BinaryOp::Sub: return pick_binary<SubF>(t);
    case BinaryOp::Mul: return pick_binary<MulF>(t);
    case BinaryOp::Div: return pick_binary<DivF>(t);
    case BinaryOp::Pow: return pick_binary<PowF>(t);
  }
  return nullptr;
}

template <bool First>
Loop scalar_table(BinaryOp op, ScalarType t) {
  switch (op) {
    case BinaryOp::Add: return pick_scalar<AddF, First>(t);
    case BinaryOp::Sub: return pick_scalar<SubF, First>(t);
    case BinaryOp::Mul: return pick_scalar<MulF, First>(t);
    case BinaryOp::Div: return pick_scalar<DivF, First>(t);
    case BinaryOp::Pow: return pick_scalar<PowF, First>(t);
  }
  return nullptr;
}

Loop binary_scalar_table(BinaryOp op, ScalarType t, bool first) {
  return first ? scalar_table<true>(op, t) : scalar_table<false>(op, t);
}

template <template <typename> class F>
Loop pick_unary_float(ScalarType t) {
  switch (t) {
    case ScalarType::Float32: return &unary_loop<float, F<float>>;
    case ScalarType::Float64: return &unary_loop<double, F<double>>;
    default: return nullptr;
  }
}

#if ST_HAVE_LIBMVEC && !ST_GENERIC
// out = F(a), F taking a vector of W values: whole vectors straight from memory, a strided
// or ragged remainder gathered into a vector (so every value goes through the same function,
// whatever its position, alignment or thread).
template <typename T, typename V, V (*F)(V)>
void mvec_loop(char** d, const int64_t* s, int64_t n, const void*) {
  constexpr int64_t W = sizeof(V) / sizeof(T), z = sizeof(T);
  int64_t i = 0;
  if (s[0] == z && s[1] == z) {
    T* o = reinterpret_cast<T*>(d[0]);
    const T* a = reinterpret_cast<const T*>(d[1]);
    for (; i + W <= n; i += W) {
      V x;
      std::memcpy(&x, a + i, sizeof x);
      const V r = F(x);
      std::memcpy(o + i, &r, sizeof r);
    }
  }
  for (; i < n; i += W) {
    const int64_t c = std::min(W, n - i);
    V x = V() + T(0.5);  // lanes past the end: any value in every function's domain but acosh's
    for (int64_t j = 0; j < c; ++j) x[j] = *reinterpret_cast<const T*>(d[1] + (i + j) * s[1]);
    const V r = F(x);
    for (int64_t j = 0; j < c; ++j) *reinterpret_cast<T*>(d[0] + (i + j) * s[0]) = r[j];
  }
}
#define ST_VECTOR_MATH_CASE(Op, fn)                                                             \
  case UnaryOp::Op:                                                                             \
    return t == ScalarType::Float32   ? &mvec_loop<float, mvec_f32, &ST_MVEC_F32(fn)>           \
           : t == ScalarType::Float64 ? &mvec_loop<double, mvec_f64, &ST_MVEC_F64(fn)> : nullptr;
#else
#define ST_VECTOR_MATH_FUNCTOR(Op, fn) \
  template <typename T> struct Op##F { static T f(T a) { return std::fn(a); } };
ST_VECTOR_MATH(ST_VECTOR_MATH_FUNCTOR)
#undef ST_VECTOR_MATH_FUNCTOR
#define ST_VECTOR_MATH_CASE(Op, fn) \
  case UnaryOp::Op: return pick_unary_float<Op##F>(t);
#endif

Loop unary_table(UnaryOp op, ScalarType t) {
  switch (op) {
    ST_VECTOR_MATH(ST_VECTOR_MATH_CASE)
#undef ST_VECTOR_MATH_CASE
    case UnaryOp::Neg: return pick_unary<NegF>(t);
    case UnaryOp::Exp: return t == ScalarType::Float32 ? &exp_loop_f32 : pick_unary_float<ExpF>(t);
    case UnaryOp::Sigmoid: return t == ScalarType::Float32 ? &sigmoid_loop_f32 : pick_unary_float<SigmoidF>(t);
    case UnaryOp::Tanh: return t == ScalarType::Float32 ? &tanh_loop_f32 : pick_unary_float<TanhF>(t);
  }
  return nullptr;
}

// Pairwise sum of contiguous values, kept as a vector of W lane sums through
// the recursion: leaves of up to 64 vectors are summed in four vector
// accumulators (a partial last vector is zero-padded), longer runs split at
// sum_split and add their halves lane by lane; the lanes are reduced to a
// scalar once, by halving (see pairwise_contig). A row of a few thousand
// values so pays for one horizontal reduction, not one per leaf.
#if ST_GENERIC
template <typename T>
struct SumVec {  // W lanes as a plain array: the same summation order as a vector of ST_VEC_BYTES
  static constexpr int W = ST_VEC_BYTES / sizeof(T);
  T l[W] = {};
  T operator[](int i) const { return l[i]; }
  T& operator[](int i) { return l[i]; }
  SumVec& operator+=(const SumVec& o) { for (int i = 0; i < W; ++i) l[i] += o.l[i]; return *this; }
  SumVec operator+(const SumVec& o) const { SumVec r = *this; r += o; return r; }
};
#else
template <typename T> struct SumVecOf { typedef T type __attribute__((vector_size(ST_VEC_BYTES))); };
template <typename T> using SumVec = typename SumVecOf<T>::type;
#endif

// The first m < W values of a vector, the other lanes zero.
template <typename T>
SumVec<T> load_head(const T* a, int64_t m) {
  SumVec<T> x = {};
#if !ST_GENERIC && ST_VEC_BYTES == 64
  if constexpr (sizeof(T) == 4) {
    const __m512 v = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << m) - 1), a);
    std::memcpy(static_cast<void*>(&x), &v, sizeof x);
    return x;
  } else {
    const __m512d v = _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << m) - 1), a);
    std::memcpy(static_cast<void*>(&x), &v, sizeof x);
    return x;
  }
#elif !ST_GENERIC && ST_VEC_BYTES == 32
  // lanes below m: mask lanes whose sign bit is set (index - m < 0)
  if constexpr (sizeof(T) == 4) {
    const __m256i mask = _mm256_sub_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(int(m)));
    const __m256 v = _mm256_maskload_ps(a, mask);
    std::memcpy(static_cast<void*>(&x), &v, sizeof x);
    return x;
  } else {
    const __m256i mask = _mm256_sub_epi64(_mm256_setr_epi64x(0, 1, 2, 3), _mm256_set1_epi64x(m));
    const __m256d v = _mm256_maskload_pd(a, mask);
    std::memcpy(static_cast<void*>(&x), &v, sizeof x);
    return x;
  }
#endif
  for (int64_t j = 0; j < m; ++j) x[j] = a[j];  // not a memcpy call of a varying size
  return x;
}

// l[0] after l[k] += l[k + w] for w = W/2, W/4, ..., 1 (the lanes' sum, halving).
template <typename T>
T halving_sum(SumVec<T> v) {
  constexpr int W = ST_VEC_BYTES / sizeof(T);
#if !ST_GENERIC
  // the same additions, lane k of each step in lane k of a vector
  if constexpr (W == 16) v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
  if constexpr (W >= 8) {
    if constexpr (W == 16) v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7);
    else v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 4, 5, 6, 7);
  }
  if constexpr (W == 16) v += __builtin_shufflevector(v, v, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
  else if constexpr (W == 8) v += __builtin_shufflevector(v, v, 2, 3, 2, 3, 2, 3, 2, 3);
  else if constexpr (W == 4) v += __builtin_shufflevector(v, v, 2, 3, 2, 3);
  return v[0] + v[1];
#else
  T l[W];
  std::memcpy(l, &v, sizeof l);
  for (int w = W / 2; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) l[k] += l[k + w];
  return l[0];
#endif
}

template <typename T>
SumVec<T> pairwise_lanes(const T* a, int64_t n) {
  using V = SumVec<T>;
  constexpr int W = ST_VEC_BYTES / sizeof(T);
  constexpr int64_t kLeaf = 64 * W;
  if (n > kLeaf && n > 64) {
    int64_t half = sum_split(n);
    return pairwise_lanes(a, half) + pairwise_lanes(a + half, n - half);
  }
  // four named accumulators, not an array: an array indexed by a varying k lives in memory (zeroed by a
  // `rep stos` on every call, which cost short rows more than their sums)
  V acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
  auto whole = [&](int64_t i) {
    V x;
    std::memcpy(static_cast<void*>(&x), a + i, sizeof x);  // void*: V may be the generic struct
    return x;
  };
  auto load = [&](int64_t i) { return n - i >= W ? whole(i) : load_head(a + i, n - i); };  // zero-padded past n
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    for (int k = 0; k < 4; ++k) prefetch_ahead(a + i + k * W);
    acc0 += whole(i);
    acc1 += whole(i + W);
    acc2 += whole(i + 2 * W);
    acc3 += whole(i + 3 * W);
  }
  // up to 3 whole vectors, then a zero-padded one, into acc0, acc1, ... in turn
  if (i < n) acc0 += load(i);
  if (i + W < n) acc1 += load(i + W);
  if (i + 2 * W < n) acc2 += load(i + 2 * W);
  if (i + 3 * W < n) acc3 += load(i + 3 * W);
  return (acc0 + acc1) + (acc2 + acc3);
}

template <typename T>
T pairwise_contig(const T* a, int64_t n) {
  if (n >= kSumLanesMax) {  // see kSumLanesMax (isa.h)
    int64_t half = sum_split(n);
    return pairwise_contig(a, half) + pairwise_contig(a + half, n - half);
  }
  return halving_sum<T>(pairwise_lanes(a, n));
}

float sum_f32(const float* a, int64_t n) { return pairwise_contig(a, n); }
double sum_f64(const double* a, int64_t n) { return pairwise_contig(a, n); }
template <typename T>
void sum_rows(T* out, int64_t out_stride, const T* a, int64_t row_stride, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) out[r * out_stride] += pairwise_contig(a + r * row_stride, n);
}
void sum_rows_f32(float* o, int64_t os, const float* a, int64_t rs, int64_t rows, int64_t n) { sum_rows(o, os, a, rs, rows, n); }
void sum_rows_f64(double* o, int64_t os, const double* a, int64_t rs, int64_t rows, int64_t n) { sum_rows(o, os, a, rs, rows, n); }

// Softmax rows (softmax_rows_f32 / softmax_backward_rows_f32 in isa.h): whole vectors, then the last values of a
// row one at a time through the same exp. A row's exp values are summed in vector lanes kSoftmaxChunk values at a
// time, each chunk's lane sums added in double.
constexpr int64_t kSoftmaxChunk = 512;
constexpr int64_t kFloatLanes = ST_VEC_BYTES / 4;

// The row's max (a NaN is passed over: it still makes every output NaN, through exp and the sum) and the sum of
// exp(x - max); with `store`, exp(x - max) written to o.
inline float softmax_row_sum(const float* x, float* o, bool store, int64_t n, float& shift) {
  float m = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
#if !ST_GENERIC
  if (n >= kVecLanes) {
    vfloat vm = m - vfloat{};
    for (; i + kVecLanes <= n; i += kVecLanes) {
      vfloat v;
      std::memcpy(&v, x + i, sizeof v);
      vm = v > vm ? v : vm;
    }
    for (int l = 0; l < kVecLanes; ++l) m = vm[l] > m ? vm[l] : m;
  }
#endif
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  shift = m;  // a row of -inf, or one with +inf, gives NaN - NaN - as PyTorch's
  double sum = 0;
  for (int64_t c0 = 0; c0 < n; c0 += kSoftmaxChunk) {
    const int64_t c1 = std::min(n, c0 + kSoftmaxChunk);
    float part = 0;
    i = c0;
#if !ST_GENERIC
    vfloat vs = {};
    for (; i + kVecLanes <= c1; i += kVecLanes) {
      vfloat v;
      std::memcpy(&v, x + i, sizeof v);
      const vfloat e = vexp(v - m);
      if (store) std::memcpy(o + i, &e, sizeof e);
      vs += e;
    }
    for (int l = 0; l < kVecLanes; ++l) part += vs[l];
#endif
    for (; i < c1; ++i) {
      const float e = exp_f32(x[i] - m);
      if (store) o[i] = e;
      part += e;
    }
    sum += part;
  }
  return static_cast<float>(sum);
}

void softmax_rows_f32(bool log, float* out, const float* a, int64_t rows, int64_t n) {
  constexpr int64_t kBlock = 64;  // rows whose log-sums are taken in one vector loop
  alignas(64) float sums[kBlock];
  float shifts[kBlock];
  const Loop vlog = unary_table(UnaryOp::Log, ScalarType::Float32);
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t nb = std::min(kBlock, rows - r0);
    for (int64_t r = 0; r < nb; ++r)
      sums[r] = softmax_row_sum(a + (r0 + r) * n, out + (r0 + r) * n, !log, n, shifts[r]);
    if (log) {
      char* d[2] = {reinterpret_cast<char*>(sums), reinterpret_cast<char*>(sums)};
      const int64_t st[2] = {sizeof(float), sizeof(float)};
      vlog(d, st, nb, nullptr);
    }
    for (int64_t r = 0; r < nb; ++r) {
      const float* x = a + (r0 + r) * n;
      float* o = out + (r0 + r) * n;
      const float m = shifts[r], lse = sums[r], inv = 1.0f / sums[r];
      if (log)
        for (int64_t i = 0; i < n; ++i) o[i] = (x[i] - m) - lse;  // (x - max) - lse keeps precision for large max
      else
        for (int64_t i = 0; i < n; ++i) o[i] *= inv;
    }
  }
}

void softmax_backward_rows_f32(bool log, float* out, const float* g, const float* y, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gr = g + r * n;
    const float* yr = y + r * n;
    float* o = out + r * n;
    double sum = 0;  // sum(g) for log-softmax, sum(g · y) for softmax: vector lanes per chunk, chunks in double
    for (int64_t c0 = 0; c0 < n; c0 += kSoftmaxChunk) {
      const int64_t c1 = std::min(n, c0 + kSoftmaxChunk);
      float part[kFloatLanes] = {};
      int64_t i = c0;
      for (; i + kFloatLanes <= c1; i += kFloatLanes)
        for (int64_t l = 0; l < kFloatLanes; ++l) part[l] += log ? gr[i + l] : gr[i + l] * yr[i + l];
      float p = 0;
      for (float v : part) p += v;
      for (; i < c1; ++i) p += log ? gr[i] : gr[i] * yr[i];
      sum += p;
    }
    const float s = static_cast<float>(sum);
    if (!log) {
      for (int64_t i = 0; i < n; ++i) o[i] = yr[i] * (gr[i] - s);
      continue;
    }
    int64_t i = 0;
#if !ST_GENERIC
    for (; i + kVecLanes <= n; i += kVecLanes) {
      vfloat gv, yv;
      std::memcpy(&gv, gr + i, sizeof gv);
      std::memcpy(&yv, yr + i, sizeof yv);
      const vfloat r = gv - vexp(yv) * s;
      std::memcpy(o + i, &r, sizeof r);
    }
#endif
    for (; i < n; ++i) o[i] = gr[i] - exp_f32(yr[i]) * s;
  }
}

// Tile transposition for the tiled elementwise loops (elementwise.cpp): copies
// the rows x cols tile whose element (r, c) is at src + r * sizeof(E) +
// c * cstride (contiguous along r) into dst[r * cols + c]. Whole blocks of
// 8 x 8 four-byte (4 x 4 eight-byte) elements are loaded as one vector per
// source column, transposed in registers with three (two) rounds of shuffles,
// and stored as one vector per destination row; the last columns short of a
// block go the same way with zero vectors for the missing ones (storing each
// row's head), and the last rows short of a block one element at a time.
template <typename E>
void transpose_scalar(E* o, const char* src, int64_t cstride, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
                      int64_t cols) {
  for (int64_t c = c0; c < c1; ++c) {
    const E* a = reinterpret_cast<const E*>(src + c * cstride);
    for (int64_t r = r0; r < r1; ++r) o[r * cols + c] = a[r];
  }
}

#if !ST_GENERIC
typedef uint32_t U32x8 __attribute__((vector_size(32)));
typedef uint64_t U64x4 __attribute__((vector_size(32)));

inline void transpose_regs(U32x8 (&v)[8]) {
  U32x8 t[8], u[8];
  for (int k = 0; k < 8; k += 2) {  // pairs of rows interleaved: (a0 b0 a1 b1 | a4 b4 a5 b5), (a2 b2 a3 b3 | ...)
    t[k] = __builtin_shufflevector(v[k], v[k + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[k + 1] = __builtin_shufflevector(v[k], v[k + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int k = 0; k < 8; k += 4) {  // then pairs of pairs: four rows' element m in each 128-bit half
    u[k] = __builtin_shufflevector(t[k], t[k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[k + 1] = __builtin_shufflevector(t[k], t[k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[k + 2] = __builtin_shufflevector(t[k + 1], t[k + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[k + 3] = __builtin_shufflevector(t[k + 1], t[k + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int k = 0; k < 4; ++k) {  // then the halves of rows 0-3 and 4-7 joined
    v[k] = __builtin_shufflevector(u[k], u[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    v[k + 4] = __builtin_shufflevector(u[k], u[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

inline void transpose_regs(U64x4 (&v)[4]) {
  U64x4 t0 = __builtin_shufflevector(v[0], v[1], 0, 4, 2, 6), t1 = __builtin_shufflevector(v[0], v[1], 1, 5, 3, 7);
  U64x4 t2 = __builtin_shufflevector(v[2], v[3], 0, 4, 2, 6), t3 = __builtin_shufflevector(v[2], v[3], 1, 5, 3, 7);
  v[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  v[1] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  v[2] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  v[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

// The first `bytes` (< 32, a multiple of 4) of v to dst, in at most three fixed-size moves.
template <typename V>
inline void store_head_bytes(char* dst, const V& v, int64_t bytes) {
  const char* s = reinterpret_cast<const char*>(&v);
  int64_t at = 0;
  if (bytes & 16) std::memcpy(dst, s, 16), at = 16;
  if (bytes & 8) std::memcpy(dst + at, s + at, 8), at += 8;
  if (bytes & 4) std::memcpy(dst + at, s + at, 4);
}

template <typename E, typename V>
void transpose_blocked(char* dst, const char* src, int64_t cstride, int64_t rows, int64_t cols) {
  constexpr int B = sizeof(V) / sizeof(E);
  E* o = reinterpret_cast<E*>(dst);
  const int64_t rb = rows / B * B, cb = cols / B * B, cr = cols - cb;
  for (int64_t r = 0; r < rb; r += B) {
    for (int64_t c = 0; c < cb; c += B) {
      V v[B];
      for (int k = 0; k < B; ++k) std::memcpy(&v[k], src + (c + k) * cstride + r * int64_t(sizeof(E)), sizeof(V));
      transpose_regs(v);
      for (int k = 0; k < B; ++k) std::memcpy(o + (r + k) * cols + c, &v[k], sizeof(V));
    }
    if (cr > 0) {  // the last cr columns (a 6-row tile of a float32 product's operand): zeros for the rest
      V v[B];
      for (int64_t k = 0; k < B; ++k) {
        if (k < cr) std::memcpy(&v[k], src + (cb + k) * cstride + r * int64_t(sizeof(E)), sizeof(V));
        else v[k] = V{};
      }
      transpose_regs(v);
      for (int k = 0; k < B; ++k)
        store_head_bytes(reinterpret_cast<char*>(o + (r + k) * cols + cb), v[k], cr * int64_t(sizeof(E)));
    }
  }
  transpose_scalar(o, src, cstride, rb, rows, 0, cols, cols);
}
#endif

void transpose_tile(char* dst, const char* src, int64_t cstride, int64_t rows, int64_t cols, int64_t item) {
  switch (item) {
#if !ST_GENERIC
    case 4: return transpose_blocked<uint32_t, U32x8>(dst, src, cstride, rows, cols);
    case 8: return transpose_blocked<uint64_t, U64x4>(dst, src, cstride, rows, cols);
#else
    case 4: return transpose_scalar(reinterpret_cast<uint32_t*>(dst), src, cstride, 0, rows, 0, cols, cols);
    case 8: return transpose_scalar(reinterpret_cast<uint64_t*>(dst), src, cstride, 0, rows, 0, cols, cols);
#endif
    case 1: return transpose_scalar(reinterpret_cast<uint8_t*>(dst), src, cstride, 0, rows, 0, cols, cols);
    case 2: return transpose_scalar(reinterpret_cast<uint16_t*>(dst), src, cstride, 0, rows, 0, cols, cols);
  }
}

// ---- float32 <-> float16 / bfloat16, contiguous
void f16_to_f32(float* dst, const uint16_t* src, int64_t n) {
  int64_t i = 0;
#if !ST_GENERIC && ST_VEC_BYTES == 64
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
#elif !ST_GENERIC && ST_VEC_BYTES == 32  // F16C
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
#endif
  for (; i < n; ++i) dst[i] = half_to_float(src[i]);
}
void f32_to_f16(uint16_t* dst, const float* src, int64_t n) {
  int64_t i = 0;
#if !ST_GENERIC && ST_VEC_BYTES == 64
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#elif !ST_GENERIC && ST_VEC_BYTES == 32  // F16C
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#endif
  for (; i < n; ++i) dst[i] = float_to_half(src[i]);
}
// bfloat16 is float32's upper half: plain integer steps the compiler vectorises.
void bf16_to_f32(float* dst, const uint16_t* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(src[i]);
}
void f32_to_bf16(uint16_t* dst, const float* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = float_to_bfloat16(src[i]);
}

#if !ST_GENERIC && ST_VEC_BYTES >= 32
// The float32 product's register tile (sgemm.h): MR rows x NV vectors of columns in MR * NV accumulators;
// each step loads NV vectors of b's panel and multiplies them by MR broadcast values of a's. AVX-512: 12 x 2
// zmm (24 of 32 registers); AVX2: 6 x 2 ymm (12 of 16: two FMA ports, 6 cycles a step, loads to spare).
constexpr int kTileRows = ST_VEC_BYTES == 64 ? 12 : 6, kTileVecs = 2;
void sgemm_tile(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta) {
  constexpr int MR = kTileRows, NV = kTileVecs, L = kVecLanes;
  vfloat acc[MR][NV];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = vfloat{};
  for (int64_t p = 0; p < kc; ++p) {
    vfloat b[NV];
    for (int v = 0; v < NV; ++v) b[v] = *reinterpret_cast<const vfloat*>(bp + v * L);  // 64-byte aligned panel
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const float av = ap[i];
      for (int v = 0; v < NV; ++v) acc[i][v] += av * b[v];
    }
    ap += MR;
    bp += NV * L;
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) {
      float* at = c + i * ldc + v * L;
      vfloat out = alpha * acc[i][v];
      if (beta != 0.0f) {
        vfloat old;
        std::memcpy(&old, at, sizeof old);
        out += beta * old;
      }
      std::memcpy(at, &out, sizeof out);
    }
}
constexpr SgemmKernel sgemm_kernel{&sgemm_tile, kTileRows, kTileVecs * kVecLanes, ST_VEC_BYTES};
#else
constexpr SgemmKernel sgemm_kernel{};  // products go to OpenBLAS
#endif


// Direct convolution over flattened, zero-padded planes (isa.h: conv_rows, conv_wgrad). The same
// source for every table: GCC vectors of ST_VEC_BYTES (contracted to FMAs where the ISA has them), or
// plain floats in the generic build. Register blocks: kCRows output channels x kCVecs vectors of
// positions (forward), kCRows channels x kCTaps taps (weight gradient).
#if ST_GENERIC
using cvec = float;
constexpr int kCL = 1;
constexpr int kCRows = 4, kCVecs = 4, kCTaps = 4, kCWRows = 4;
inline float chsum(float v) { return v; }
#else
using cvec = vfloat;
constexpr int kCL = kVecLanes;
constexpr int kCRows = ST_VEC_BYTES == 64 ? 6 : 4;
constexpr int kCVecs = ST_VEC_BYTES == 64 ? 4 : 2;
constexpr int kCTaps = 4;
constexpr int kCWRows = ST_VEC_BYTES == 64 ? 4 : 2;  // the weight gradient's channels per block
inline float chsum(cvec v) {
  float s = 0.0f;
  for (int i = 0; i < kCL; ++i) s += v[i];
  return s;
}
#endif
static_assert(kCL * kCVecs <= kConvBlock && kCL <= kConvLanes, "conv slack");
template <int A, int B>
void zero(cvec (&acc)[A][B]) {
#pragma GCC unroll 8
  for (int i = 0; i < A; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < B; ++j) acc[i][j] = cvec{} + 0.0f;
}
inline cvec cload(const float* p) {
  cvec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <int RB>
void conv_rows_block(float* out, int64_t ldo, const float* x, int64_t plane, int64_t C, const int64_t* off,
                     int64_t taps, const float* w, int64_t ldw, int64_t len) {
  for (int64_t p0 = 0; p0 < len; p0 += kCL * kCVecs) {
    cvec acc[RB][kCVecs];
    zero(acc);
    for (int64_t c = 0; c < C; ++c) {
      const float* xc = x + c * plane + p0;
      const float* wc = w + c * taps;
      for (int64_t t = 0; t < taps; ++t) {
        const float* xp = xc + off[t];
        cvec xv[kCVecs];
#pragma GCC unroll 4
        for (int v = 0; v < kCVecs; ++v) xv[v] = cload(xp + v * kCL);
#pragma GCC unroll 8
        for (int r = 0; r < RB; ++r) {
          const cvec wv = cvec{} + wc[r * ldw + t];
#pragma GCC unroll 4
          for (int v = 0; v < kCVecs; ++v) acc[r][v] += wv * xv[v];
        }
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < RB; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < kCVecs; ++v) std::memcpy(out + r * ldo + p0 + v * kCL, &acc[r][v], sizeof(cvec));
  }
}

// Runs fn.template operator()<rows>() for the compile-time rows == n (1 <= n <= N).
template <int N, typename F>
void with_rows(int64_t n, F&& fn) {
  if constexpr (N > 1) {
    if (n < N) return with_rows<N - 1>(n, fn);
  }
  fn(std::integral_constant<int, N>());
}

void conv_rows(float* out, int64_t ldo, const float* x, int64_t plane, int64_t C, const int64_t* off, int64_t taps,
               const float* w, int64_t ldw, int64_t nr, int64_t len) {
  for (int64_t r0 = 0; r0 < nr; r0 += kCRows)
    with_rows<kCRows>(std::min<int64_t>(kCRows, nr - r0), [&](auto rows) {
      conv_rows_block<decltype(rows)::value>(out + r0 * ldo, ldo, x, plane, C, off, taps, w + r0 * ldw, ldw, len);
    });
}

template <int RB, int TB>
void conv_wgrad_block(float* dw, int64_t ldw, const float* g, int64_t ldg, const float* x, const int64_t* off,
                      int64_t len, int64_t nimg, int64_t xstride, int64_t gstride) {
  cvec acc[RB][TB];
  zero(acc);
  for (int64_t i = 0; i < nimg; ++i) {
    const float* xt[TB];
#pragma GCC unroll 4
    for (int t = 0; t < TB; ++t) xt[t] = x + i * xstride + off[t];
    const float* gi = g + i * gstride;
    for (int64_t p = 0; p < len; p += kCL) {
      cvec xv[TB];
#pragma GCC unroll 4
      for (int t = 0; t < TB; ++t) xv[t] = cload(xt[t] + p);
#pragma GCC unroll 8
      for (int r = 0; r < RB; ++r) {
        const cvec gv = cload(gi + r * ldg + p);
#pragma GCC unroll 4
        for (int t = 0; t < TB; ++t) acc[r][t] += gv * xv[t];
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 4
    for (int t = 0; t < TB; ++t) dw[r * ldw + t] += chsum(acc[r][t]);
}

template <int RB>
void conv_wgrad_rows(float* dw, int64_t ldw, const float* g, int64_t ldg, const float* x, const int64_t* off,
                     int64_t taps, int64_t len, int64_t nimg, int64_t xstride, int64_t gstride) {
  int64_t t0 = 0;
  for (; t0 + kCTaps <= taps; t0 += kCTaps)
    conv_wgrad_block<RB, kCTaps>(dw + t0, ldw, g, ldg, x, off + t0, len, nimg, xstride, gstride);
  for (; t0 < taps; ++t0) conv_wgrad_block<RB, 1>(dw + t0, ldw, g, ldg, x, off + t0, len, nimg, xstride, gstride);
}

void conv_wgrad(float* dw, int64_t ldw, const float* g, int64_t ldg, int64_t nr, const float* x, int64_t plane,
                int64_t C, const int64_t* off, int64_t taps, int64_t len, int64_t nimg, int64_t xstride,
                int64_t gstride) {
  for (int64_t c = 0; c < C; ++c)
    for (int64_t r0 = 0; r0 < nr; r0 += kCWRows)
      with_rows<kCWRows>(std::min<int64_t>(kCWRows, nr - r0), [&](auto rows) {
        conv_wgrad_rows<decltype(rows)::value>(dw + r0 * ldw + c * taps, ldw, g + r0 * ldg, ldg, x + c * plane, off,
                                               taps, len, nimg, xstride, gstride);
      });
}

}  // namespace

#include "isa_optim.h"

const IsaTable& table() {
  static const IsaTable t{ST_ISA_NAME, &binary_table, &binary_scalar_table, &add_scaled_table, &unary_table, &sum_f32, &sum_f64,
                          &sum_rows_f32, &sum_rows_f64, &softmax_rows_f32, &softmax_backward_rows_f32,
                          &transpose_tile, optim_loops_f32, optim_loops_f64, &f16_to_f32, &f32_to_f16,
                          &bf16_to_f32, &f32_to_bf16, &stream_copy, &stream_fence, sgemm_kernel,
                          &conv_rows, &conv_wgrad};
  return t;
}
