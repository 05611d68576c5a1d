// LAPACK drivers over batches of column-major matrices (see lapack.h).
#include "lapack.h"
#include <algorithm>
#include <cblas.h>
#include "blas.h"
#include "parallel.h"

// The Fortran entry points of scipy-openblas32 (32-bit integers, prefix scipy_; character
// arguments are followed by their hidden lengths at the end).
#define ST_LAPACK_DECLARE(T, p)                                                                                    \
  void scipy_##p##getrf_(const int* m, const int* n, T* a, const int* lda, int* ipiv, int* info);                 \
  void scipy_##p##getrs_(const char* trans, const int* n, const int* nrhs, const T* a, const int* lda,            \
                         const int* ipiv, T* b, const int* ldb, int* info, size_t);                               \
  void scipy_##p##potrf_(const char* uplo, const int* n, T* a, const int* lda, int* info, size_t);                \
  void scipy_##p##geqrf_(const int* m, const int* n, T* a, const int* lda, T* tau, T* work, const int* lwork,     \
                         int* info);                                                                              \
  void scipy_##p##orgqr_(const int* m, const int* n, const int* k, T* a, const int* lda, const T* tau, T* work,   \
                         const int* lwork, int* info);                                                            \
  void scipy_##p##syevd_(const char* jobz, const char* uplo, const int* n, T* a, const int* lda, T* w, T* work,   \
                         const int* lwork, int* iwork, const int* liwork, int* info, size_t, size_t);             \
  void scipy_##p##gesdd_(const char* jobz, const int* m, const int* n, T* a, const int* lda, T* s, T* u,          \
                         const int* ldu, T* vt, const int* ldvt, T* work, const int* lwork, int* iwork, int* info, \
                         size_t);
extern "C" {
ST_LAPACK_DECLARE(float, s)
ST_LAPACK_DECLARE(double, d)
}

namespace st::kernels::lapack {

namespace {

// The routines of one float type, so the drivers below are written once.
template <typename T>
struct Lp;
#define ST_LAPACK_TRAITS(T, p)                                                          \
  template <>                                                                           \
  struct Lp<T> {                                                                        \
    static constexpr auto getrf = &scipy_##p##getrf_;                                   \
    static constexpr auto getrs = &scipy_##p##getrs_;                                   \
    static constexpr auto potrf = &scipy_##p##potrf_;                                   \
    static constexpr auto geqrf = &scipy_##p##geqrf_;                                   \
    static constexpr auto orgqr = &scipy_##p##orgqr_;                                   \
    static constexpr auto syevd = &scipy_##p##syevd_;                                   \
    static constexpr auto gesdd = &scipy_##p##gesdd_;                                   \
    static constexpr auto trsm = &scipy_cblas_##p##trsm;                                \
  };
ST_LAPACK_TRAITS(float, s)
ST_LAPACK_TRAITS(double, d)

int as_int(int64_t v) {
  ST_CHECK(v <= INT32_MAX, "linalg: dimension ", v, " is too large for 32-bit LAPACK");
  return static_cast<int>(v);
}

// One column-major matrix argument: rows, cols and the elements between two matrices of the batch.
struct Mat {
  int rows, cols;
  int ld() const { return std::max(rows, 1); }
  int64_t size() const { return int64_t(rows) * cols; }
};
Mat mat_of(const Tensor& t) {
  ST_CHECK(t.dim() >= 2 && t.is_contiguous(), "lapack: expected a contiguous batch of matrices");
  return {as_int(t.sizes()[t.dim() - 1]), as_int(t.sizes()[t.dim() - 2])};
}

// fn(i, scratch) for each matrix i of the batch, chunks in parallel; `scratch` lives for one chunk
// (the workspace sized by one query serves all its matrices). Returns the infos fn gave.
template <typename Scratch, typename F>
std::vector<int> for_each_matrix(int64_t batch, int64_t work_per_matrix, F fn) {
  std::vector<int> infos(batch, 0);
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work_per_matrix, 1));
  parallel_for(0, batch, grain, [&](int64_t b, int64_t e) {
    Scratch scratch;
    for (int64_t i = b; i < e; ++i) {
      BlasCall call;
      infos[i] = fn(i, scratch);
    }
  });
  return infos;
}

template <typename T>
struct Work {
  std::vector<T> work;
  std::vector<int> iwork;
  int lwork = -1, liwork = -1;
};
struct NoScratch {};

int64_t batch_of(const Tensor& t) {
  Mat m = mat_of(t);
  return m.size() == 0 ? t.numel() : t.numel() / m.size();
}

// A workspace size LAPACK reported as a float.
template <typename T>
int lwork_of(T v) { return std::max(1, static_cast<int>(v)); }

}  // namespace

std::vector<int> getrf(const Tensor& a, const Tensor& piv) {
  Mat m = mat_of(a);
  int64_t batch = batch_of(a), ps = std::min(m.rows, m.cols);
  if (m.size() == 0) return std::vector<int>(batch, 0);
  return dispatch_floating(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pa = a.data<T>();
    int* pp = piv.data<int32_t>();
    return for_each_matrix<NoScratch>(batch, m.size() * m.cols, [&](int64_t i, NoScratch&) {
      int info = 0, ld = m.ld();
      Lp<T>::getrf(&m.rows, &m.cols, pa + i * m.size(), &ld, pp + i * ps, &info);
      return info;
    });
  });
}

void getrs(const Tensor& lu, const Tensor& piv, const Tensor& b, bool trans) {
  Mat m = mat_of(lu), mb = mat_of(b);
  int64_t batch = batch_of(b);
  if (mb.size() == 0) return;
  const char t = trans ? 'T' : 'N';
  dispatch_floating(lu.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = lu.data<T>();
    T* pb = b.data<T>();
    const int* pp = piv.data<int32_t>();
    for_each_matrix<NoScratch>(batch, m.size() * mb.cols, [&](int64_t i, NoScratch&) {
      int info = 0, ld = m.ld(), ldb = mb.ld();
      Lp<T>::getrs(&t, &m.cols, &mb.cols, pa + i * m.size(), &ld, pp + i * m.cols, pb + i * mb.size(), &ldb, &info, 1);
      return info;
    });
  });
}

std::vector<int> potrf(const Tensor& a, bool upper) {
  Mat m = mat_of(a);
  int64_t batch = batch_of(a);
  if (m.size() == 0) return std::vector<int>(batch, 0);
  const char uplo = upper ? 'U' : 'L';
  return dispatch_floating(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pa = a.data<T>();
    return for_each_matrix<NoScratch>(batch, m.size() * m.cols, [&](int64_t i, NoScratch&) {
      int info = 0, ld = m.ld();
      Lp<T>::potrf(&uplo, &m.cols, pa + i * m.size(), &ld, &info, 1);
      return info;
    });
  });
}

void geqrf(const Tensor& a, const Tensor& tau) {
  Mat m = mat_of(a);
  int64_t batch = batch_of(a), k = std::min(m.rows, m.cols);
  if (m.size() == 0) return;
  dispatch_floating(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pa = a.data<T>();
    T* pt = tau.data<T>();
    for_each_matrix<Work<T>>(batch, m.size() * m.cols, [&](int64_t i, Work<T>& w) {
      int info = 0, ld = m.ld();
      if (w.lwork < 0) {
        T q = 0;
        Lp<T>::geqrf(&m.rows, &m.cols, pa, &ld, pt, &q, &w.lwork, &info);
        w.lwork = lwork_of(q);
        w.work.resize(w.lwork);
      }
      Lp<T>::geqrf(&m.rows, &m.cols, pa + i * m.size(), &ld, pt + i * k, w.work.data(), &w.lwork, &info);
      return info;
    });
  });
}

void orgqr(const Tensor& q, const Tensor& tau) {
  Mat m = mat_of(q);
  int64_t batch = batch_of(q);
  int k = as_int(tau.sizes()[tau.dim() - 1]);
  if (m.size() == 0) return;
  dispatch_floating(q.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pa = q.data<T>();
    const T* pt = tau.data<T>();
    for_each_matrix<Work<T>>(batch, m.size() * m.cols, [&](int64_t i, Work<T>& w) {
      int info = 0, ld = m.ld();
      if (w.lwork < 0) {
        T qw = 0;
        Lp<T>::orgqr(&m.rows, &m.cols, &k, pa, &ld, pt, &qw, &w.lwork, &info);
        w.lwork = lwork_of(qw);
        w.work.resize(w.lwork);
      }
      Lp<T>::orgqr(&m.rows, &m.cols, &k, pa + i * m.size(), &ld, pt + i * k, w.work.data(), &w.lwork, &info);
      return info;
    });
  });
}

std::vector<int> syevd(const Tensor& a, const Tensor& w, bool vectors, bool upper) {
  Mat m = mat_of(a);
  int64_t batch = batch_of(a);
  if (m.size() == 0) return std::vector<int>(batch, 0);
  const char jobz = vectors ? 'V' : 'N', uplo = upper ? 'U' : 'L';
  return dispatch_floating(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pa = a.data<T>();
    T* pw = w.data<T>();
    return for_each_matrix<Work<T>>(batch, m.size() * m.cols * 4, [&](int64_t i, Work<T>& ws) {
      int info = 0, ld = m.ld();
      if (ws.lwork < 0) {
        T q = 0;
        int iq = 0;
        Lp<T>::syevd(&jobz, &uplo, &m.cols, pa, &ld, pw, &q, &ws.lwork, &iq, &ws.liwork, &info, 1, 1);
        ws.lwork = lwork_of(q);
        ws.liwork = std::max(1, iq);
        ws.work.resize(ws.lwork);
        ws.iwork.resize(ws.liwork);
      }
      Lp<T>::syevd(&jobz, &uplo, &m.cols, pa + i * m.size(), &ld, pw + i * m.cols, ws.work.data(), &ws.lwork,
                   ws.iwork.data(), &ws.liwork, &info, 1, 1);
      return info;
    });
  });
}

std::vector<int> gesdd(const Tensor& a, const Tensor& s, const Tensor& u, const Tensor& vt, bool full) {
  Mat m = mat_of(a);
  int64_t batch = batch_of(a);
  const int k = std::min(m.rows, m.cols);
  if (m.size() == 0) return std::vector<int>(batch, 0);
  const bool uv = u.defined();
  const char jobz = !uv ? 'N' : full ? 'A' : 'S';
  const int ucols = full ? m.rows : k, vtrows = full ? m.cols : k;
  const int64_t us = int64_t(m.rows) * ucols, vs = int64_t(vtrows) * m.cols;
  return dispatch_floating(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pa = a.data<T>();
    T* ps = s.data<T>();
    T* pu = uv ? u.data<T>() : nullptr;
    T* pv = uv ? vt.data<T>() : nullptr;
    T dummy = 0;
    return for_each_matrix<Work<T>>(batch, m.size() * k * 4, [&](int64_t i, Work<T>& w) {
      int info = 0, ld = m.ld(), ldu = std::max(m.rows, 1), ldvt = std::max(vtrows, 1);
      T* ui = uv ? pu + i * us : &dummy;
      T* vi = uv ? pv + i * vs : &dummy;
      if (w.lwork < 0) {
        T q = 0;
        w.iwork.resize(8 * std::max(k, 1));
        Lp<T>::gesdd(&jobz, &m.rows, &m.cols, pa, &ld, ps, ui, &ldu, vi, &ldvt, &q, &w.lwork, w.iwork.data(),
                     &info, 1);
        w.lwork = lwork_of(q);
        w.work.resize(w.lwork);
      }
      Lp<T>::gesdd(&jobz, &m.rows, &m.cols, pa + i * m.size(), &ld, ps + i * k, ui, &ldu, vi, &ldvt,
                   w.work.data(), &w.lwork, w.iwork.data(), &info, 1);
      return info;
    });
  });
}

void trsm(const Tensor& a, const Tensor& b, bool upper, bool trans, bool unit_diagonal) {
  Mat m = mat_of(a), mb = mat_of(b);
  int64_t batch = batch_of(b);
  if (mb.size() == 0) return;
  dispatch_floating(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = a.data<T>();
    T* pb = b.data<T>();
    for_each_matrix<NoScratch>(batch, m.size() * mb.cols, [&](int64_t i, NoScratch&) {
      Lp<T>::trsm(CblasColMajor, CblasLeft, upper ? CblasUpper : CblasLower, trans ? CblasTrans : CblasNoTrans,
                  unit_diagonal ? CblasUnit : CblasNonUnit, mb.rows, mb.cols, T(1), pa + i * m.size(), m.ld(),
                  pb + i * mb.size(), mb.ld());
      return 0;
    });
  });
}

}  // namespace st::kernels::lapack
