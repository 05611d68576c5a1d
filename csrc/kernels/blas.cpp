// Matrix products through OpenBLAS (see blas.h).
#include "blas.h"
#include <pthread.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <string>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <cblas.h>
#include "kernels.h"
#include "parallel.h"
#include "isa.h"
#include "sgemm.h"

namespace st::kernels {

namespace {

// ---------------------------------------------------------------- fork safety
// OpenBLAS's own at-fork handler stops its worker threads before fork(); a
// call running meanwhile in another thread then waits forever for them. Our
// handler (registered after OpenBLAS's, so it runs first) lets running calls
// finish and holds new ones back until the fork is done. Each call costs two
// atomic increments; `active` and `forking` are sequentially consistent, so
// either a call sees the fork coming or the fork sees the call.
std::atomic<int> g_active_calls{0};
std::atomic<bool> g_forking{false};

void before_fork() {
  g_forking.store(true);
  while (g_active_calls.load() != 0) std::this_thread::yield();
}
void after_fork() { g_forking.store(false); }
void after_fork_in_child() {
  g_active_calls.store(0);  // the callers in other threads do not exist here
  g_forking.store(false);
}

// OpenBLAS's own threads stay idle: our pool splits large products
// (gemm_one), so one knob (set_num_threads) governs every loop, and BLAS calls
// from our workers run side by side.
bool blas_single_threaded() {
  scipy_openblas_set_num_threads(1);
  return true;
}

}  // namespace

BlasCall::BlasCall() {
  static const bool registered = pthread_atfork(before_fork, after_fork, after_fork_in_child) == 0;
  (void)registered;
  static const bool single = blas_single_threaded();
  (void)single;
  for (;;) {
    g_active_calls.fetch_add(1);
    if (!g_forking.load()) return;
    g_active_calls.fetch_sub(1);
    while (g_forking.load()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}
BlasCall::~BlasCall() { g_active_calls.fetch_sub(1); }

const char* blas_core() { return scipy_openblas_get_corename(); }

namespace {

// ---------------------------------------------------------------- BLAS entry points
// One overload per float type so the templated drivers below stay dtype-free.
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, float alpha, const float* a,
               blasint lda, const float* b, blasint ldb, float beta, float* c, blasint ldc) {
  BlasCall call;
  scipy_cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, double alpha, const double* a,
               blasint lda, const double* b, blasint ldb, double beta, double* c, blasint ldc) {
  BlasCall call;
  scipy_cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemv(CBLAS_TRANSPOSE ta, blasint m, blasint n, const float* a, blasint lda, const float* x, blasint incx,
               float* y) {
  BlasCall call;
  scipy_cblas_sgemv(CblasRowMajor, ta, m, n, 1.0f, a, lda, x, incx, 0.0f, y, 1);
}
void blas_gemv(CBLAS_TRANSPOSE ta, blasint m, blasint n, const double* a, blasint lda, const double* x, blasint incx,
               double* y) {
  BlasCall call;
  scipy_cblas_dgemv(CblasRowMajor, ta, m, n, 1.0, a, lda, x, incx, 0.0, y, 1);
}
float blas_dot(blasint n, const float* x, blasint incx, const float* y, blasint incy) {
  BlasCall call;
  return scipy_cblas_sdot(n, x, incx, y, incy);
}
double blas_dot(blasint n, const double* x, blasint incx, const double* y, blasint incy) {
  BlasCall call;
  return scipy_cblas_ddot(n, x, incx, y, incy);
}

blasint to_blasint(int64_t v) {
  ST_CHECK(v <= INT_MAX, "matrix product: dimension or stride ", v, " is too large for 32-bit BLAS");
  return static_cast<blasint>(v);
}

// A matrix (the last two dims of a tensor) as BLAS sees it: row-major with
// leading dimension ld, transposed or not. `holder` keeps a copy alive when
// the tensor's strides could not be described to BLAS.
struct MatOperand {
  Tensor holder;
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 1;
  int64_t batch_stride = 0;  // elements, for 3-d operands
};

MatOperand mat_operand(const Tensor& t) {
  int64_t nd = t.dim();
  int64_t r = t.sizes()[nd - 2], c = t.sizes()[nd - 1];
  int64_t rs = t.strides()[nd - 2], cs = t.strides()[nd - 1];
  MatOperand o;
  o.holder = t;
  // rows contiguous: element (i, j) at i * ld + j
  if ((c <= 1 || cs == 1) && (r <= 1 || rs >= std::max<int64_t>(c, 1))) {
    o.trans = CblasNoTrans;
    o.ld = r <= 1 ? std::max<int64_t>(c, 1) : rs;
  } else if ((r <= 1 || rs == 1) && (c <= 1 || cs >= std::max<int64_t>(r, 1))) {  // columns contiguous
    o.trans = CblasTrans;
    o.ld = c <= 1 ? std::max<int64_t>(r, 1) : cs;
  } else {
    o.holder = st::empty(t.sizes(), t.dtype());
    copy(o.holder, t);
    o.trans = CblasNoTrans;
    o.ld = std::max<int64_t>(c, 1);
  }
  o.batch_stride = nd == 3 ? o.holder.strides()[0] : 0;
  return o;
}

// A vector as BLAS sees it: data and a nonzero increment.
struct VecOperand {
  Tensor holder;
  int64_t inc = 1;
};

VecOperand vec_operand(const Tensor& t) {
  VecOperand v{t, t.numel() <= 1 ? 1 : t.strides()[0]};
  if (v.inc <= 0) {  // broadcast (stride 0): BLAS needs a real vector
    v.holder = st::empty(t.sizes(), t.dtype());
    copy(v.holder, t);
    v.inc = 1;
  }
  return v;
}

// ---------------------------------------------------------------- integer loops
// out[i, j] = beta * out[i, j] + alpha * sum_k a[i, k] * b[k, j]; out contiguous.
template <typename T>
void loop_gemm(T* out, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs, int64_t bcs, int64_t m,
               int64_t n, int64_t k, T alpha, T beta, bool use_beta) {
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, n * k));
  parallel_for(0, m, grain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      T* o = out + i * n;
      if (use_beta) {
        for (int64_t j = 0; j < n; ++j) o[j] = static_cast<T>(beta * o[j]);
      } else {
        std::memset(o, 0, sizeof(T) * n);
      }
      for (int64_t p = 0; p < k; ++p) {
        T av = static_cast<T>(alpha * a[i * ars + p * acs]);
        const T* brow = b + p * brs;
        if (bcs == 1) {
          for (int64_t j = 0; j < n; ++j) o[j] = static_cast<T>(o[j] + av * brow[j]);
        } else {
          for (int64_t j = 0; j < n; ++j) o[j] = static_cast<T>(o[j] + av * brow[j * bcs]);
        }
      }
    }
  });
}

// ---------------------------------------------------------------- drivers
// Products of at least this many multiply-adds are split over our threads:
// about 50 us of one core, well above the cost of waking a worker. (Our own
// float32 kernel splits from half this, sgemm.cpp's kSplitWork: it packs b
// once for all threads, so a split costs it less.)
constexpr int64_t kGemmSplitWork = int64_t(1) << 22;
// Products below this many multiply-adds stay on OpenBLAS (packing would cost more than it saves), and so do
// products of fewer columns than kOwnSgemmMinCols (a tile is 16 or 32 columns wide: at 10 columns, as in a
// classifier's last layer, OpenBLAS's narrower kernels win).
constexpr int64_t kOwnSgemmWork = int64_t(1) << 15;
constexpr int64_t kOwnSgemmMinCols = 24;

// SMALLTORCH_SGEMM=openblas (read once) keeps every float32 product on OpenBLAS, for comparisons.
bool own_sgemm_off() {
  static const bool off = [] {
    const char* v = std::getenv("SMALLTORCH_SGEMM");
    return v && std::strcmp(v, "openblas") == 0;
  }();
  return off;
}

}  // namespace

// The vector width, in bytes, of the kernel set OpenBLAS runs (its choice for the CPU unless OPENBLAS_CORETYPE
// names another set): 64 for its AVX-512 sets, 32 for its AVX/AVX2 ones, 16 for the rest. Where its vectors are
// as wide as our tile's, OpenBLAS runs a single product as fast or faster: 1024^2 float32 at 440 against our 400
// GFLOP/s with AVX-512 on a Zen 5 EPYC; with AVX2 on a Zen 3 EPYC, 256 x 784 x 256 at 749 against 903 us and
// 64 x 512 x 2048 at 1.08 against 2.0 ms (2 threads). Our tile serves one-off products only where OpenBLAS is
// held to narrower kernels (that Zen 5 machine's environment set OPENBLAS_CORETYPE=Haswell: 230 GFLOP/s).
int64_t openblas_vector_bytes() {
  static const int64_t bytes = [] {
    const std::string core = blas_core();
    for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids"})
      if (core == name) return int64_t(64);
    for (const char* name : {"Haswell", "Zen", "Sandybridge", "Excavator", "Steamroller", "Piledriver", "Bulldozer"})
      if (core == name) return int64_t(32);
    return int64_t(16);
  }();
  return bytes;
}

SgemmKernel own_sgemm_kernel(int64_t m, int64_t n, int64_t k, bool b_reused) {
  if (own_sgemm_off() || n < kOwnSgemmMinCols || multiply_adds(m, n, k) < kOwnSgemmWork) return {};
  const SgemmKernel& own = isa().sgemm;
  if (!b_reused && openblas_vector_bytes() >= own.vec_bytes) return {};
  return own;
}

// OpenBLAS runs single-threaded (see blas_single_threaded); a large product is
// cut into one block of rows (or of columns, when n is the larger side) per
// thread of our pool, each block one BLAS call.
template <typename T>
void gemm_one(T* out, const T* a, bool ta, int64_t lda, const T* b, bool tb, int64_t ldb, int64_t m, int64_t n,
              int64_t k, T alpha, T beta) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // empty sum: out = beta * out (BLAS is not asked about k == 0)
    for (int64_t i = 0; i < m * n; ++i) out[i] = beta == T(0) ? T(0) : static_cast<T>(beta * out[i]);
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (const SgemmKernel kern = own_sgemm_kernel(m, n, k, false))
      return sgemm_packed(kern, out, n, a, ta, lda, b, tb, ldb, m, n, k, alpha, beta);
  }
  const CBLAS_TRANSPOSE at = ta ? CblasTrans : CblasNoTrans, bt = tb ? CblasTrans : CblasNoTrans;
  auto block = [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    const T* pa = a + i0 * (ta ? 1 : lda);
    const T* pb = b + j0 * (tb ? ldb : 1);
    blas_gemm(at, bt, to_blasint(i1 - i0), to_blasint(j1 - j0), to_blasint(k), alpha, pa, to_blasint(lda), pb,
              to_blasint(ldb), beta, out + i0 * n + j0, to_blasint(n));
  };
  const int64_t threads = get_num_threads();
  const bool by_rows = m >= n;
  const int64_t side = by_rows ? m : n;
  if (threads <= 1 || multiply_adds(m, n, k) < kGemmSplitWork || side < 32) return block(0, m, 0, n);
  // block p covers [side * p / parts, side * (p + 1) / parts), cut at multiples of 16
  const int64_t parts = std::min<int64_t>(threads, side / 16);
  auto cut = [&](int64_t p) { return p == parts ? side : side * p / parts / 16 * 16; };
  parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      if (by_rows) block(cut(p), cut(p + 1), 0, n);
      else block(0, m, cut(p), cut(p + 1));
    }
  });
}

template void gemm_one<float>(float*, const float*, bool, int64_t, const float*, bool, int64_t, int64_t, int64_t,
                              int64_t, float, float);
template void gemm_one<double>(double*, const double*, bool, int64_t, const double*, bool, int64_t, int64_t,
                               int64_t, int64_t, double, double);

// float16/bfloat16 products run through float32 (kernels.h: widen, through_float32), as PyTorch's CPU does.
void gemm(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha, const Scalar& beta) {
  if (is_reduced_float(out.dtype()))
    return through_float32(out, [&](const Tensor& o) { gemm(o, widen(a), widen(b), alpha, beta); },
                           beta.to_double() != 0.0);
  int64_t m = a.sizes()[0], k = a.sizes()[1], n = b.sizes()[1];
  bool use_beta = beta.to_double() != 0.0;
  // beta 0: out is not read (BLAS sets C without reading it, our tile writes alpha * acc), so stale NaNs stay out
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {
      MatOperand ao = mat_operand(a), bo = mat_operand(b);
      gemm_one<T>(out.data<T>(), ao.holder.data<T>(), ao.trans == CblasTrans, ao.ld, bo.holder.data<T>(),
                  bo.trans == CblasTrans, bo.ld, m, n, k, alpha.to<T>(), use_beta ? beta.to<T>() : T(0));
    } else {
      loop_gemm<T>(out.data<T>(), a.data<T>(), a.strides()[0], a.strides()[1], b.data<T>(), b.strides()[0],
                   b.strides()[1], m, n, k, alpha.to<T>(), beta.to<T>(), use_beta);
    }
  });
}

void bmm(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (is_reduced_float(out.dtype()))
    return through_float32(out, [&](const Tensor& o) { bmm(o, widen(a), widen(b)); });
  int64_t B = a.sizes()[0], m = a.sizes()[1], k = a.sizes()[2], n = b.sizes()[2];
  if (B == 0 || m == 0 || n == 0) return;
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.data<T>();
    if constexpr (std::is_floating_point_v<T>) {
      MatOperand ao = mat_operand(a), bo = mat_operand(b);
      const T* pa = ao.holder.data<T>();
      const T* pb = bo.holder.data<T>();
      for (int64_t i = 0; i < B; ++i)
        gemm_one<T>(o + i * m * n, pa + i * ao.batch_stride, ao.trans == CblasTrans, ao.ld, pb + i * bo.batch_stride,
                    bo.trans == CblasTrans, bo.ld, m, n, k, T(1), T(0));
    } else {
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      for (int64_t i = 0; i < B; ++i)
        loop_gemm<T>(o + i * m * n, pa + i * a.strides()[0], a.strides()[1], a.strides()[2], pb + i * b.strides()[0],
                     b.strides()[1], b.strides()[2], m, n, k, T(1), T(0), false);
    }
  });
}

void gemv(const Tensor& out, const Tensor& a, const Tensor& x) {
  if (is_reduced_float(out.dtype()))
    return through_float32(out, [&](const Tensor& o) { gemv(o, widen(a), widen(x)); });
  int64_t m = a.sizes()[0], k = a.sizes()[1];
  if (m == 0) return;
  if (k == 0) { fill(out, Scalar(int64_t(0))); return; }
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.data<T>();
    if constexpr (std::is_floating_point_v<T>) {
      MatOperand ao = mat_operand(a);
      VecOperand xo = vec_operand(x);
      // BLAS gemv takes the stored matrix's shape: (k x m) when it is the transpose
      bool t = ao.trans == CblasTrans;
      blas_gemv(ao.trans, to_blasint(t ? k : m), to_blasint(t ? m : k), ao.holder.data<T>(), to_blasint(ao.ld),
                xo.holder.data<T>(), to_blasint(xo.inc), o);
    } else {
      // a matrix-vector product is a gemm with a (k x 1) right operand
      loop_gemm<T>(o, a.data<T>(), a.strides()[0], a.strides()[1], x.data<T>(), x.strides()[0], 1, m, 1, k, T(1),
                   T(0), false);
    }
  });
}

void dot(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (is_reduced_float(out.dtype()))
    return through_float32(out, [&](const Tensor& o) { dot(o, widen(a), widen(b)); });
  int64_t n = a.numel();
  dispatch_numeric(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T r = T(0);
    if (n > 0) {
      if constexpr (std::is_floating_point_v<T>) {
        VecOperand ao = vec_operand(a), bo = vec_operand(b);
        r = blas_dot(to_blasint(n), ao.holder.data<T>(), to_blasint(ao.inc), bo.holder.data<T>(), to_blasint(bo.inc));
      } else {
        const T* pa = a.data<T>();
        const T* pb = b.data<T>();
        int64_t sa = a.strides()[0], sb = b.strides()[0];
        for (int64_t i = 0; i < n; ++i) r = static_cast<T>(r + pa[i * sa] * pb[i * sb]);
      }
    }
    *out.data<T>() = r;
  });
}

}  // namespace st::kernels
