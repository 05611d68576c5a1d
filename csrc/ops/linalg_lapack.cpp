// Linear algebra on LAPACK (see linalg_lapack.h). Each op copies its input into
// a batch of column-major matrices (copy of A.mT), runs kernels/lapack on it and
// returns views of the column-major results, as PyTorch does; the backward nodes
// compose their formulas from the differentiable ops (so double backward works).
#include "linalg_lapack.h"
#include <cmath>
#include <limits>
#include "../kernels/lapack.h"
#include "internal.h"
#include "linalg.h"
#include "shape_ops.h"
#include "ternary.h"

namespace st::ops {

namespace {

int64_t nrows(const Tensor& t) { return t.sizes()[t.dim() - 2]; }
int64_t ncols(const Tensor& t) { return t.sizes()[t.dim() - 1]; }
DimVector batch_shape(const Tensor& t) { return DimVector(t.sizes().begin(), t.sizes().end() - 2); }
DimVector with(DimVector s, std::initializer_list<int64_t> tail) {
  for (auto v : tail) s.push_back(v);
  return s;
}

void check_input(const Tensor& A, const char* fn, const char* name = "A") {
  ST_CHECK(A.dim() >= 2, fn, ": The input tensor ", name, " must have at least 2 dimensions.");
  ST_CHECK(is_floating(A.dtype()), fn, ": Expected a floating point or complex tensor as input. Got ",
           torch_type_name(A.dtype()));
}
void check_square(const Tensor& A, const char* fn) {
  check_input(A, fn);
  ST_CHECK(nrows(A) == ncols(A), fn, ": A must be batches of square matrices, but they are ", nrows(A), " by ",
           ncols(A), " matrices");
}

// t with its last two dims swapped (a view with no history).
Tensor mT_raw(const Tensor& t) {
  DimVector sizes = t.sizes(), strides = t.strides();
  std::swap(sizes[t.dim() - 1], sizes[t.dim() - 2]);
  std::swap(strides[t.dim() - 1], strides[t.dim() - 2]);
  return make_view(t, sizes, strides, t.impl()->offset());
}
// A's matrices stored column-major: a contiguous (..., cols, rows) copy with no history.
Tensor colmajor(const Tensor& A) { return copy_raw(mT_raw(A)); }

// LinAlgError for the first failed matrix, "fn: (Batch element i): message(info)" in a batch.
template <typename F>
void raise_for_infos(const std::vector<int>& infos, bool batched, const char* fn, F message) {
  for (size_t i = 0; i < infos.size(); ++i)
    if (infos[i] > 0) {
      std::string where = batched ? str("(Batch element ", i, "): ") : std::string();
      throw LinAlgError(str(fn, ": ", where, message(infos[i])));
    }
}

Tensor infos_tensor(const std::vector<int>& infos, const DimVector& batch) {
  Tensor t = st::empty(batch, ScalarType::Int32);
  for (size_t i = 0; i < infos.size(); ++i) t.data<int32_t>()[i] = infos[i];
  return t;
}

// The LU factors of square A (column-major) and their pivots.
struct LU {
  Tensor lu, piv;
  std::vector<int> infos;
};
LU lu_factor(const Tensor& A) {
  LU f{colmajor(A), st::empty(with(batch_shape(A), {ncols(A)}), ScalarType::Int32), {}};
  f.infos = kernels::lapack::getrf(f.lu, f.piv);
  return f;
}

// (sign, log|det|) or det of each matrix from its LU factors.
void det_from_lu(const LU& f, const Tensor& det, const Tensor& sign, const Tensor& logabs) {
  const int64_t n = ncols(f.lu), count = det.defined() ? det.numel() : sign.numel();
  dispatch_floating(f.lu.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = f.lu.data<T>();
    const int32_t* pv = f.piv.data<int32_t>();
    for (int64_t b = 0; b < count; ++b) {
      const T* m = p + b * n * n;
      bool negative = false;
      double prod = 1, logs = 0;
      for (int64_t i = 0; i < n; ++i) {
        double d = m[i * n + i];
        if (pv[b * n + i] != i + 1) negative = !negative;
        if (d < 0) negative = !negative;
        prod *= d;
        logs += std::log(std::abs(d));
      }
      double s = logs == -std::numeric_limits<double>::infinity() ? 0.0 : (negative ? -1.0 : 1.0);
      if (det.defined()) det.data<T>()[b] = static_cast<T>(negative ? -std::abs(prod) : std::abs(prod));
      if (sign.defined()) {
        sign.data<T>()[b] = static_cast<T>(s);  // n == 0: sign 1, logabsdet 0 (det 1)
        logabs.data<T>()[b] = static_cast<T>(logs);
      }
    }
  });
}

Tensor unsq2(const Tensor& t) { return unsqueeze(unsqueeze(t, -1), -1); }
Tensor eye_like(int64_t n, ScalarType dt) { return eye(n, n, dt); }
// diag(v) for a batch of vectors v (..., n).
Tensor diag_embed(const Tensor& v) { return mul(unsqueeze(v, -1), eye_like(v.sizes().back(), v.dtype())); }
// X - X^T
Tensor skew(const Tensor& X) { return sub(X, mT(X)); }

// prod_{j != i} s_j for each i over the last dim of a contiguous s (no history).
Tensor prod_others_raw(const Tensor& s) {
  Tensor out = copy_raw(s);
  const int64_t k = s.dim() ? s.sizes().back() : 1, rowsn = k ? s.numel() / k : 0;
  dispatch_floating(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = s.data<T>();
    T* o = out.data<T>();
    for (int64_t r = 0; r < rowsn; ++r)
      for (int64_t i = 0; i < k; ++i) {
        T v = 1;
        for (int64_t j = 0; j < k; ++j)
          if (j != i) v *= p[r * k + j];
        o[r * k + i] = v;
      }
  });
  return out;
}

// 1 where t == 0 (same dtype, no history).
Tensor is_zero_mask(const Tensor& t) {
  Tensor out = copy_raw(t);
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) p[i] = p[i] == 0 ? T(1) : T(0);
  });
  return out;
}

// ------------------------------------------------------------ backward nodes

ST_VJP_FORMULA("LinalgDetBackward0",
               "grad_A = grad · det · A⁻ᵀ (singular A: grad · U diag(∏_{j≠i} σ_j) Vᵀ · det(U Vᵀ))")
ST_VJP_FORMULA("LinalgSlogdetBackward0", "grad_A = grad_logabsdet · A⁻ᵀ")
ST_VJP_FORMULA("LinalgInvExBackward0", "grad_A = -A⁻ᵀ @ grad @ A⁻ᵀ")
ST_VJP_FORMULA("LinalgSolveExBackward0", "grad_B = A⁻ᵀ @ grad\ngrad_A = -grad_B @ Xᵀ")
ST_VJP_FORMULA("LinalgCholeskyExBackward0", "Φ = tril(Lᵀ grad) with its diagonal halved\n"
                                            "grad_A = sym(L⁻ᵀ Φ L⁻¹)")
ST_VJP_FORMULA("CholeskyBackward0", "Φ = tril(Lᵀ grad) with its diagonal halved\ngrad_A = sym(L⁻ᵀ Φ L⁻¹)")
ST_VJP_FORMULA("LinalgQrBackward0", "M = grad_R Rᵀ - Qᵀ grad_Q, S = triu(M) + triu(M)ᵀ - diag(M)\n"
                                    "grad_A = (grad_Q + Q S) R⁻ᵀ (m >= n)")
ST_VJP_FORMULA("LinalgEighBackward0", "grad_A = V (diag(grad_L) + skew(Vᵀ grad_V) / 2 / (L_j - L_i)) Vᵀ")
ST_VJP_FORMULA("LinalgSvdBackward0", "E_jk = S_k² - S_j²\n"
                                     "grad_A = U (diag(grad_S) + (skew(Uᵀ grad_U) S + S skew(Vᵀ grad_V)) / E) Vᵀ "
                                     "(+ the parts of grad_U, grad_V outside the spans of U, V)")
ST_VJP_FORMULA("LinalgSolveTriangularBackward0", "grad_B = A⁻ᵀ grad (left)\ngrad_A = -grad_B Xᵀ on A's triangle")

// grad · det · A^-T; when some matrix of the batch is singular, grad · adj(A)^T from the SVD for all
// (adj(A)^T = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh holds for every A; first order only).
Tensor det_backward(const Tensor& g, const Tensor& A, const Tensor& det) {
  Tensor zero = is_zero_mask(det);
  Tensor any = sum(zero);
  if (item(any).to_double() == 0) return mul(unsq2(mul(g, det)), mT(linalg_inv(A)));
  auto [U, S, Vh] = linalg_svd(detach(A), false, true);
  Tensor sgn = mul(linalg_det(U), linalg_det(Vh));
  Tensor others = mul(prod_others_raw(contiguous(S)), unsqueeze(sgn, -1));
  return mul(unsq2(g), matmul(mul(U, unsqueeze(others, -2)), Vh));
}

struct LinalgDetBackward0 : Node {
  static constexpr bool jvp = true;  // <adj(A)ᵀ, t_A>: det_backward with g = 1, times the tangent, summed
  SavedTensor A, result;
  const char* name() const override { return "LinalgDetBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("A", A));
    out.push_back(SavedField::of("result", result));
  }
  TensorList apply(TensorList&& g) override { return {det_backward(g[0], A.unpack(*this), result.unpack(*this))}; }
  void release_variables() override { A.release(); result.release(); }
};

struct LinalgSlogdetBackward0 : Node {
  static constexpr bool jvp = true;  // logabsdet: <A⁻ᵀ, t_A>; the sign is constant
  SavedTensor A;
  const char* name() const override { return "LinalgSlogdetBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override { out.push_back(SavedField::of("A", A)); }
  TensorList apply(TensorList&& g) override {
    return {mul(unsq2(g[1]), mT(linalg_inv(A.unpack(*this))))};
  }
  void release_variables() override { A.release(); }
};

struct LinalgInvExBackward0 : Node {
  static constexpr bool jvp = true;  // -A⁻¹ t_A A⁻¹
  SavedTensor inverse;
  const char* name() const override { return "LinalgInvExBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("inverse", inverse));
  }
  TensorList apply(TensorList&& g) override {
    Tensor invT = mT(inverse.unpack(*this));
    return {neg(matmul(invT, matmul(g[0], invT)))};
  }
  void release_variables() override { inverse.release(); }
};

struct LinalgSolveExBackward0 : Node {
  static constexpr bool jvp = true;  // A⁻¹ (t_B - t_A X)
  SavedTensor A, result;
  bool vector_case = false;
  DimVector a_sizes, b_sizes;
  const char* name() const override { return "LinalgSolveExBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("A", A));
    out.push_back(SavedField::of("left", Scalar(true)));
    out.push_back(SavedField::of("result", result));
  }
  TensorList apply(TensorList&& g) override {
    Tensor a = A.unpack(*this), x = result.unpack(*this);
    Tensor gB = linalg_solve(mT(a), g[0]);
    TensorList r(2);
    if (should_compute(0)) {
      Tensor gA = vector_case ? neg(mul(unsqueeze(gB, -1), unsqueeze(x, -2))) : neg(matmul(gB, mT(x)));
      r[0] = sum_to(gA, a_sizes);
    }
    if (should_compute(1)) r[1] = sum_to(gB, b_sizes);
    return r;
  }
  void release_variables() override { A.release(); result.release(); }
};

struct LinalgCholeskyExBackward0 : Node {
  static constexpr bool jvp = true;  // tangent below
  SavedTensor L;
  bool upper = false, legacy = false;
  const char* name() const override { return legacy ? "CholeskyBackward0" : "LinalgCholeskyExBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of(legacy ? "result" : "L", L));
    out.push_back(SavedField::of("upper", Scalar(upper)));
  }
  TensorList apply(TensorList&& g) override {
    Tensor l = L.unpack(*this), gl = g[0];
    if (upper) { l = mT(l); gl = mT(gl); }
    Tensor phi = tril(matmul(mT(l), gl));
    phi = sub(phi, mul(diag_embed(diagonal(phi, 0, -2, -1)), 0.5));
    Tensor linv = linalg_solve_triangular(l, eye_like(ncols(l), l.dtype()), false);
    Tensor gA = matmul(matmul(mT(linv), phi), linv);
    return {mul(add(gA, mT(gA)), 0.5)};
  }
  void release_variables() override { L.release(); }
  // Forward mode (t_A taken as symmetric, as PyTorch): t_L = L Φ(L⁻¹ t_A L⁻ᵀ), Φ the lower
  // triangle with its diagonal halved; the upper factor's tangent is its transpose.
  static Tensor tangent(const Tensor& tA, const Tensor& factor, bool upper) {
    Tensor l = upper ? mT(factor) : factor;
    Tensor linv = linalg_solve_triangular(l, eye_like(ncols(l), l.dtype()), false);
    Tensor phi = tril(matmul(matmul(linv, tA), mT(linv)));
    phi = sub(phi, mul(diag_embed(diagonal(phi, 0, -2, -1)), 0.5));
    Tensor tL = matmul(l, phi);
    return upper ? mT(tL) : tL;
  }
};

// grad_A of A = QR for m >= n (Q m x n, R n x n).
Tensor qr_backward_tall(const Tensor& gQ, const Tensor& gR, const Tensor& Q, const Tensor& R) {
  Tensor M = triu(sub(matmul(gR, mT(R)), matmul(mT(Q), gQ)));
  Tensor S = sub(add(M, mT(M)), diag_embed(diagonal(M, 0, -2, -1)));
  Tensor Y = add(gQ, matmul(Q, S));
  return mT(linalg_solve_triangular(R, mT(Y), true));  // Y R^-T
}

struct LinalgQrBackward0 : Node {
  static constexpr bool jvp = true;  // tangents below (Q m x k; linalg_qr raises PyTorch's error for the rest)
  SavedTensor Q, R;
  std::string mode;
  const char* name() const override { return "LinalgQrBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("Q", Q));
    out.push_back(SavedField::of("R", R));
  }
  TensorList apply(TensorList&& g) override {
    ST_CHECK(mode != "r", "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                          "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
    Tensor q = Q.unpack(*this), r = R.unpack(*this);
    const int64_t m = nrows(q), n = ncols(r);
    ST_CHECK(mode == "reduced" || m <= n,
             "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
    if (m >= n) return {qr_backward_tall(g[0], g[1], q, r)};
    // A = [X | Y] with X = Q U square: grad_Y = Q grad_V, and Y's share of grad_Q goes to X's QR
    Tensor U = slice(r, -1, 0, m, 1), V = slice(r, -1, m, n, 1);
    Tensor gU = slice(g[1], -1, 0, m, 1), gV = slice(g[1], -1, m, n, 1);
    Tensor Y = matmul(q, V);
    Tensor gX = qr_backward_tall(add(g[0], matmul(Y, mT(gV))), gU, q, U);
    return {cat({gX, matmul(q, gV)}, -1)};
  }
  void release_variables() override { Q.release(); R.release(); }
  // Forward mode for m >= n: with B = Qᵀ t_A R⁻¹ and Ω = tril(B, -1) - tril(B, -1)ᵀ (Qᵀ t_Q is
  // skew, t_R R⁻¹ upper triangular, and they sum to B): t_R = (B - Ω) R, t_Q = t_A R⁻¹ - Q (B - Ω).
  // Wide (m < n): A = [X | Y], R = [U | V] with X = Q U square and V = Qᵀ Y: (t_Q, t_U) from X's
  // QR, and t_V = t_Qᵀ Y + Qᵀ t_Y.
  static std::pair<Tensor, Tensor> tangents(const Tensor& tA, const Tensor& q, const Tensor& r) {
    const int64_t m = nrows(q), n = ncols(r);
    if (m < n) {
      Tensor U = slice(r, -1, 0, m, 1), V = slice(r, -1, m, n, 1);
      auto [tQ, tU] = tangents(slice(tA, -1, 0, m, 1), q, U);
      Tensor tV = add(matmul(mT(tQ), matmul(q, V)), matmul(mT(q), slice(tA, -1, m, n, 1)));
      return {tQ, cat({tU, tV}, -1)};
    }
    Tensor tAR = linalg_solve_triangular(r, tA, true, false);
    Tensor B = matmul(mT(q), tAR);
    Tensor low = tril(B, -1);
    Tensor upper = add(sub(B, low), mT(low));  // B - Ω
    return {sub(tAR, matmul(q, upper)), matmul(upper, r)};
  }
};

struct LinalgEighBackward0 : Node {
  static constexpr bool jvp = true;  // tangents below
  SavedTensor L, V;
  bool values_only = false;
  const char* name() const override { return "LinalgEighBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("eigenvalues", L));
    out.push_back(SavedField::of("eigenvectors", V));
  }
  TensorList apply(TensorList&& g) override {
    Tensor l = L.unpack(*this), v = V.unpack(*this);
    Tensor inner = diag_embed(g[0]);
    if (!values_only) {
      Tensor E = sub(unsqueeze(l, -2), unsqueeze(l, -1));  // E_ij = l_j - l_i
      E = add(E, eye_like(l.sizes().back(), l.dtype()));    // the diagonal is not used: avoid 0 / 0
      Tensor off = div(mul(skew(matmul(mT(v), g[1])), 0.5), E);
      off = sub(off, diag_embed(diagonal(off, 0, -2, -1)));
      inner = add(inner, off);
    }
    return {matmul(v, matmul(inner, mT(v)))};
  }
  void release_variables() override { L.release(); V.release(); }
  // Forward mode, with M = Vᵀ t_A V: t_L = diag(M), t_V = V (M_ij / (L_j - L_i), 0 on the diagonal).
  static std::pair<Tensor, Tensor> tangents(const Tensor& tA, const Tensor& l, const Tensor& v, bool vectors) {
    Tensor M = matmul(mT(v), matmul(tA, v));
    Tensor tl = diagonal(M, 0, -2, -1);
    if (!vectors) return {tl, Tensor()};
    Tensor E = add(sub(unsqueeze(l, -2), unsqueeze(l, -1)), eye_like(l.sizes().back(), l.dtype()));
    Tensor off = div(M, E);
    off = sub(off, diag_embed(diagonal(off, 0, -2, -1)));
    return {tl, matmul(v, off)};
  }
};

struct LinalgSvdBackward0 : Node {
  static constexpr bool jvp = true;  // tangents below (full matrices: those of the reduced vectors, zero-padded)
  SavedTensor U, S, Vh;
  bool full = false, values_only = false;
  const char* name() const override { return "LinalgSvdBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("full_matrices", Scalar(full)));
    out.push_back(SavedField::of("S", S));
    out.push_back(SavedField::of("U", U));
    out.push_back(SavedField::of("Vh", Vh));
  }
  TensorList apply(TensorList&& g) override {
    Tensor u = U.unpack(*this), s = S.unpack(*this), vh = Vh.unpack(*this);
    const int64_t k = s.sizes().back(), m = nrows(u), n = ncols(vh);
    if (full) {
      u = slice(u, -1, 0, k, 1);
      vh = slice(vh, -2, 0, k, 1);
    }
    Tensor gS = g[1];
    if (values_only) return {matmul(mul(u, unsqueeze(gS, -2)), vh)};
    Tensor gU = full ? slice(g[0], -1, 0, k, 1) : g[0];
    Tensor gVh = full ? slice(g[2], -2, 0, k, 1) : g[2];
    Tensor UhgU = skew(matmul(mT(u), gU)), VhgV = skew(matmul(vh, mT(gVh)));
    Tensor S2 = mul(s, s);
    Tensor E = add(sub(unsqueeze(S2, -2), unsqueeze(S2, -1)), eye_like(k, s.dtype()));
    Tensor inner = div(add(mul(UhgU, unsqueeze(s, -2)), mul(unsqueeze(s, -1), VhgV)), E);
    inner = add(sub(inner, diag_embed(diagonal(inner, 0, -2, -1))), diag_embed(gS));
    if (m > n) {  // the part of grad_U outside U's span
      Tensor gUSinv = div(gU, unsqueeze(s, -2));
      Tensor gA = add(matmul(u, inner), sub(gUSinv, matmul(u, matmul(mT(u), gUSinv))));
      return {matmul(gA, vh)};
    }
    if (m < n) {
      Tensor SinvgVh = div(gVh, unsqueeze(s, -1));
      Tensor gA = add(matmul(inner, vh), sub(SinvgVh, matmul(matmul(SinvgVh, mT(vh)), vh)));
      return {matmul(u, gA)};
    }
    return {matmul(u, matmul(inner, vh))};
  }
  void release_variables() override { U.release(); S.release(); Vh.release(); }
  // Forward mode with P = Uᵀ t_A V and F_ij = 1 / (S_j² - S_i²) (0 on the diagonal): t_S = diag(P),
  // t_U = U (F ∘ (P S + S Pᵀ)) + (I - U Uᵀ) t_A V S⁻¹, t_V = V (F ∘ (S P + Pᵀ S)) + (I - V Vᵀ) t_Aᵀ U S⁻¹
  // (Uᵀ t_U and Vᵀ t_V are skew; the last terms are what leaves the spans of U and V).
  static std::tuple<Tensor, Tensor, Tensor> tangents(const Tensor& tA, const Tensor& u, const Tensor& s,
                                                     const Tensor& vh, bool values_only) {
    Tensor v = mT(vh);
    Tensor tAV = matmul(tA, v);
    Tensor P = matmul(mT(u), tAV);
    Tensor tS = diagonal(P, 0, -2, -1);
    if (values_only) return {Tensor(), tS, Tensor()};
    const int64_t k = s.sizes().back();
    Tensor S2 = mul(s, s);
    Tensor E = add(sub(unsqueeze(S2, -2), unsqueeze(S2, -1)), eye_like(k, s.dtype()));
    Tensor F = sub(reciprocal(E), eye_like(k, s.dtype()));
    Tensor row = unsqueeze(s, -2), col = unsqueeze(s, -1);
    Tensor tU = add(matmul(u, mul(F, add(mul(P, row), mul(col, mT(P))))), div(sub(tAV, matmul(u, P)), row));
    Tensor tAtU = matmul(mT(tA), u);
    Tensor tV = add(matmul(v, mul(F, add(mul(col, P), mul(mT(P), row)))), div(sub(tAtU, matmul(v, mT(P))), row));
    return {tU, tS, mT(tV)};
  }
};

// The triangle of a triangular solve's gradient that A's values live in.
Tensor triangle(const Tensor& g, bool upper, bool unitriangular) {
  return upper ? triu(g, unitriangular ? 1 : 0) : tril(g, unitriangular ? -1 : 0);
}

struct LinalgSolveTriangularBackward0 : Node {
  static constexpr bool jvp = true;  // A⁻¹ (t_B - t_A X) (left) or (t_B - X t_A) A⁻¹, t_A on A's triangle
  SavedTensor A, result;
  bool upper = false, left = true, unitriangular = false;
  DimVector a_sizes, b_sizes;
  const char* name() const override { return "LinalgSolveTriangularBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("left", Scalar(left)));
    out.push_back(SavedField::of("result", result));
    out.push_back(SavedField::of("self", A));
    out.push_back(SavedField::of("unitriangular", Scalar(unitriangular)));
    out.push_back(SavedField::of("upper", Scalar(upper)));
  }
  TensorList apply(TensorList&& g) override {
    Tensor a = A.unpack(*this), x = result.unpack(*this);
    Tensor gB = linalg_solve_triangular(mT(a), g[0], !upper, left, unitriangular);
    TensorList r(2);
    if (should_compute(0))
      r[0] = sum_to(triangle(neg(left ? matmul(gB, mT(x)) : matmul(mT(x), gB)), upper, unitriangular), a_sizes);
    if (should_compute(1)) r[1] = sum_to(gB, b_sizes);
    return r;
  }
  void release_variables() override { A.release(); result.release(); }
};

}  // namespace

// ------------------------------------------------------------ determinants

Tensor linalg_det(const Tensor& A, const char* fn) {
  check_square(A, fn);
  LU f = lu_factor(A);
  Tensor det = st::empty(batch_shape(A), A.dtype());
  det_from_lu(f, det, Tensor(), Tensor());
  if (auto n = make_node<LinalgDetBackward0>({&A})) {
    n->A.save(A);
    autograd::set_history(det, n);
    n->result.save(det, true);
  }
  forward_ad::jvp(det, {&A}, [&] {
    const Tensor adjT = det_backward(ones(det.sizes(), det.dtype()), A, det);
    return sum(mul(adjT, forward_ad::tangent(A)), {-2, -1}, false);
  });
  return det;
}

std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A, const char* fn) {
  check_square(A, fn);
  LU f = lu_factor(A);
  Tensor sign = st::empty(batch_shape(A), A.dtype()), logabs = st::empty(batch_shape(A), A.dtype());
  det_from_lu(f, Tensor(), sign, logabs);
  if (auto n = make_node<LinalgSlogdetBackward0>({&A})) {
    n->A.save(A);
    autograd::set_history(logabs, n, 1);
  }
  forward_ad::jvp(logabs, {&A}, [&] {
    return sum(mul(mT(linalg_inv(A)), forward_ad::tangent(A)), {-2, -1}, false);
  });
  return {sign, logabs};
}

Tensor logdet(const Tensor& A) {
  auto [sign, logabs] = linalg_slogdet(A, "logdet");
  // log det = logabsdet where det > 0, -inf where det == 0 (logabsdet already), nan where det < 0
  return where(lt(sign, Scalar(0.0)), Scalar(std::numeric_limits<double>::quiet_NaN()), logabs);
}

// ------------------------------------------------------------ inverse and solves

std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors, const char* fn) {
  check_square(A, fn);
  LU f = lu_factor(A);
  if (check_errors)
    raise_for_infos(f.infos, A.dim() > 2, fn, [](int i) {
      return str("The diagonal element ", i, " is zero, the inversion could not be completed because the input "
                 "matrix is singular.");
    });
  // A^-1 = A^-1 I from the LU factors: a singular matrix's inverse is inf/nan, as PyTorch's
  const int64_t n = ncols(A);
  Tensor x = colmajor(expand(eye_like(n, A.dtype()), A.sizes()));
  kernels::lapack::getrs(f.lu, f.piv, x, false);
  Tensor inv = mT_raw(x);
  if (auto n = make_node<LinalgInvExBackward0>({&A})) {
    autograd::set_history(inv, n);
    n->inverse.save(inv, true);
  }
  forward_ad::jvp(inv, {&A}, [&] { return neg(matmul(inv, matmul(forward_ad::tangent(A), inv))); });
  return {inv, infos_tensor(f.infos, batch_shape(A))};
}

Tensor linalg_inv(const Tensor& A) { return std::get<0>(linalg_inv_ex(A, true, "linalg.inv")); }

std::tuple<Tensor, Tensor> linalg_solve_ex(const Tensor& A, const Tensor& B, bool left, bool check_errors) {
  const char* fn = "linalg.solve";
  check_square(A, fn);
  ST_CHECK(B.dim() >= 1, fn, ": The input tensor B must have at least 1 dimensions.");
  ST_CHECK(A.dtype() == B.dtype(), fn, ": Expected A and B to have the same dtype, but found A of type ",
           torch_type_name(A.dtype()), " and B of type ", torch_type_name(B.dtype()), " instead");
  if (!left) {  // X A = B  <=>  A^T X^T = B^T
    auto [x, info] = linalg_solve_ex(mT(A), B.dim() == 1 ? B : mT(B), true, check_errors);
    return {B.dim() == 1 ? x : mT(x), info};
  }
  const int64_t n = nrows(A);
  const bool vector_case = B.dim() == 1 || (B.dim() == A.dim() - 1 && B.sizes() == DimVector(A.sizes().begin(),
                                                                                             A.sizes().end() - 1));
  Tensor Bm = vector_case ? unsqueeze(alias_raw(B), -1) : alias_raw(B);
  ST_CHECK(Bm.dim() >= 2 && nrows(Bm) == n, fn, ": Incompatible shapes of A and B for the equation AX = B (", n, "x",
           n, " and ", Bm.dim() >= 2 ? nrows(Bm) : Bm.sizes()[0], "x", Bm.dim() >= 2 ? ncols(Bm) : 1, ")");
  DimVector batch = broadcast_shapes(batch_shape(A), batch_shape(Bm));
  LU f = lu_factor(expand(alias_raw(A), with(batch, {n, n})));
  Tensor info = infos_tensor(f.infos, batch);
  if (check_errors)
    raise_for_infos(f.infos, !batch.empty(), "torch.linalg.solve",
                    [](int) { return std::string("The solver failed because the input matrix is singular."); });
  Tensor x = colmajor(expand(Bm, with(batch, {n, ncols(Bm)})));
  kernels::lapack::getrs(f.lu, f.piv, x, false);
  Tensor X = mT_raw(x);
  if (vector_case) X = make_view(X, DimVector(X.sizes().begin(), X.sizes().end() - 1),
                                 DimVector(X.strides().begin(), X.strides().end() - 1), X.impl()->offset());
  if (auto node = make_node<LinalgSolveExBackward0>({&A, &B})) {
    node->A.save(A);
    node->vector_case = vector_case;
    node->a_sizes = A.sizes();
    node->b_sizes = B.sizes();
    autograd::set_history(X, node);
    node->result.save(X, true);
  }
  forward_ad::jvp(X, {&A, &B}, [&] {
    Tensor rhs = forward_ad::tangent(B);
    const Tensor tA = forward_ad::tangent(A);
    if (tA.defined()) {
      Tensor prod = vector_case ? squeeze(matmul(tA, unsqueeze(X, -1)), -1) : matmul(tA, X);
      rhs = rhs.defined() ? sub(rhs, prod) : neg(prod);
    }
    return linalg_solve(A, rhs, true);
  });
  return {X, info};
}

Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left) {
  return std::get<0>(linalg_solve_ex(A, B, left, true));
}

Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular) {
  const char* fn = "linalg.solve_triangular";
  check_input(A, fn);
  check_input(B, fn, "B");
  ST_CHECK(A.dtype() == B.dtype(), fn, ": Expected A and B to have the same dtype, but found A of type ",
           torch_type_name(A.dtype()), " and B of type ", torch_type_name(B.dtype()), " instead");
  ST_CHECK(nrows(A) == ncols(A), fn, ": A must be batches of square matrices, but they are ", nrows(A), " by ",
           ncols(A), " matrices");
  const int64_t n = nrows(A);
  ST_CHECK((left ? nrows(B) : ncols(B)) == n, fn, ": Incompatible shapes of A and B for the equation ",
           left ? "AX = B" : "XA = B", " (", n, "x", n, " and ", nrows(B), "x", ncols(B), ")");
  DimVector batch = broadcast_shapes(batch_shape(A), batch_shape(B));
  Tensor a = colmajor(expand(alias_raw(A), with(batch, {n, n})));
  // X A = B  <=>  A^T X^T = B^T: the same solve on B^T with A transposed
  Tensor b = left ? expand(alias_raw(B), with(batch, {nrows(B), ncols(B)}))
                  : mT_raw(expand(alias_raw(B), with(batch, {nrows(B), ncols(B)})));
  Tensor x = colmajor(b);
  kernels::lapack::trsm(a, x, upper, !left, unitriangular);
  Tensor X = left ? mT_raw(x) : copy_raw(x);
  if (auto node = make_node<LinalgSolveTriangularBackward0>({&A, &B})) {
    node->A.save(A);
    node->upper = upper;
    node->left = left;
    node->unitriangular = unitriangular;
    node->a_sizes = A.sizes();
    node->b_sizes = B.sizes();
    autograd::set_history(X, node);
    node->result.save(X, true);
  }
  forward_ad::jvp(X, {&A, &B}, [&] {
    Tensor rhs = forward_ad::tangent(B);
    const Tensor tA = forward_ad::tangent(A);
    if (tA.defined()) {
      const Tensor t = triangle(tA, upper, unitriangular);
      Tensor prod = left ? matmul(t, X) : matmul(X, t);
      rhs = rhs.defined() ? sub(rhs, prod) : neg(prod);
    }
    return linalg_solve_triangular(A, rhs, upper, left, unitriangular);
  });
  return X;
}

// ------------------------------------------------------------ factorizations

std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper, bool check_errors, const char* fn) {
  check_square(A, fn);
  Tensor a = colmajor(A);
  std::vector<int> infos = kernels::lapack::potrf(a, upper);
  if (check_errors)
    raise_for_infos(infos, A.dim() > 2, fn, [](int i) {
      return str("The factorization could not be completed because the input is not positive-definite (the "
                 "leading minor of order ", i, " is not positive-definite).");
    });
  Tensor L = mT_raw(a);  // column-major, as PyTorch's; potrf left the other triangle as it was
  if (upper) triu_(L); else tril_(L);
  if (auto n = make_node<LinalgCholeskyExBackward0>({&A})) {
    n->upper = upper;
    n->legacy = std::string(fn) == "cholesky";
    autograd::set_history(L, n);
    n->L.save(L, true);
  }
  forward_ad::jvp(L, {&A}, [&] { return LinalgCholeskyExBackward0::tangent(forward_ad::tangent(A), L, upper); });
  return {L, infos_tensor(infos, batch_shape(A))};
}

std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, const std::string& mode) {
  ST_CHECK(mode == "reduced" || mode == "complete" || mode == "r", "qr received unrecognized mode '", mode,
           "' but expected one of 'reduced' (default), 'r', or 'complete'");
  check_input(A, "linalg.qr");
  const int64_t m = nrows(A), n = ncols(A), k = std::min(m, n);
  const DimVector batch = batch_shape(A);
  Tensor a = colmajor(A);  // (..., n, m)
  Tensor tau = st::empty(with(batch, {k}), A.dtype());
  kernels::lapack::geqrf(a, tau);
  const int64_t qcols = mode == "complete" ? m : k;
  Tensor R = triu(slice(mT_raw(a), -2, 0, mode == "complete" ? m : k, 1));
  Tensor Q;
  if (mode == "r") {
    Q = st::empty({0}, A.dtype());
  } else {
    Tensor q = zeros(with(batch, {qcols, m}), A.dtype());
    const int64_t have = std::min(qcols, n);
    kernels::copy(slice(q, -2, 0, have, 1), slice(a, -2, 0, have, 1));
    kernels::lapack::orgqr(q, tau);
    Q = mT_raw(q);
  }
  if (forward_ad::has_tangent(A)) {  // PyTorch's errors, at the forward
    ST_CHECK(mode != "r", "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                          "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
    ST_CHECK(mode == "reduced" || m <= n,
             "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
  }
  if (auto node = make_node<LinalgQrBackward0>({&A})) {
    node->mode = mode;
    if (mode != "r") autograd::set_history(Q, node, 0);
    autograd::set_history(R, node, 1);
    if (mode != "r") node->Q.save(Q, true);
    node->R.save(R, true);
  }
  if (forward_ad::active() && is_floating(A.dtype()) && forward_ad::has_tangent(A)) {
    std::pair<Tensor, Tensor> t;
    {
      forward_ad::Disable plain;
      t = LinalgQrBackward0::tangents(forward_ad::tangent(A), alias_raw(Q), alias_raw(R));
    }
    forward_ad::set_tangent(Q, t.first);
    forward_ad::set_tangent(R, t.second);
  }
  return {Q, R};
}

std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& uplo, bool vectors) {
  ST_CHECK(uplo == "L" || uplo == "U" || uplo == "l" || uplo == "u",
           "Expected UPLO argument to be 'L' or 'U', but got ", uplo);
  ST_CHECK(A.dim() >= 2, "linalg.eigh: The input tensor A must have at least 2 dimensions.");
  ST_CHECK_T(is_floating(A.dtype()), NotImplementedError, "\"linalg_eigh_cpu\" not implemented for '",
             torch_type_name(A.dtype()), "'");
  check_square(A, "linalg.eigh");
  const bool grad = autograd::any_requires_grad({&A});
  const bool want_vectors = vectors || grad || forward_ad::has_tangent(A);
  Tensor a = colmajor(A);
  Tensor w = st::empty(with(batch_shape(A), {ncols(A)}), A.dtype());
  std::vector<int> infos = kernels::lapack::syevd(a, w, want_vectors, uplo == "U" || uplo == "u");
  raise_for_infos(infos, A.dim() > 2, "linalg.eigh", [](int i) {
    return str("The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
               "repeated eigenvalues (error code: ", i, ").");
  });
  Tensor V = want_vectors ? mT_raw(a) : Tensor();
  if (auto n = make_node<LinalgEighBackward0>({&A})) {
    n->values_only = !vectors;
    autograd::set_history(w, n, 0);
    if (vectors) autograd::set_history(V, n, 1);
    n->L.save(w, true);
    n->V.save(vectors ? V : alias_raw(V), vectors);
  }
  if (forward_ad::active() && is_floating(A.dtype()) && forward_ad::has_tangent(A)) {
    std::pair<Tensor, Tensor> t;
    {
      forward_ad::Disable plain;
      t = LinalgEighBackward0::tangents(forward_ad::tangent(A), w, alias_raw(V), vectors);
    }
    forward_ad::set_tangent(w, t.first);
    if (vectors) forward_ad::set_tangent(V, t.second);
  }
  return {w, vectors ? V : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices, bool compute_uv, const char* fn) {
  check_input(A, fn);
  const int64_t m = nrows(A), n = ncols(A), k = std::min(m, n);
  const DimVector batch = batch_shape(A);
  const bool grad = autograd::any_requires_grad({&A});
  const bool uv = compute_uv || grad || forward_ad::has_tangent(A);
  const bool full = full_matrices && compute_uv;  // the values' gradient needs only the reduced vectors
  Tensor a = colmajor(A);
  // a non-finite input: LAPACK's result is undefined (PyTorch checks it too)
  Tensor finite = sum(is_zero_mask(sub(a, a)));
  ST_CHECK_T(item(finite).to_double() == double(a.numel()), LinAlgError, fn,
             ": The algorithm failed to converge because the input matrix contained non-finite values.");
  Tensor s = st::empty(with(batch, {k}), A.dtype());
  Tensor u = uv ? st::empty(with(batch, {full ? m : k, m}), A.dtype()) : Tensor();
  Tensor vt = uv ? st::empty(with(batch, {n, full ? n : k}), A.dtype()) : Tensor();
  std::vector<int> infos = kernels::lapack::gesdd(a, s, u, vt, full);
  raise_for_infos(infos, A.dim() > 2, fn, [](int) {
    return std::string("The algorithm failed to converge because the input matrix is ill-conditioned or has too "
                       "many repeated singular values.");
  });
  Tensor U = uv ? mT_raw(u) : Tensor(), Vh = uv ? mT_raw(vt) : Tensor();
  if (auto node = make_node<LinalgSvdBackward0>({&A})) {
    node->full = full;
    node->values_only = !compute_uv;
    if (compute_uv) autograd::set_history(U, node, 0);
    autograd::set_history(s, node, 1);
    if (compute_uv) autograd::set_history(Vh, node, 2);
    node->U.save(U, compute_uv);
    node->S.save(s, true);
    node->Vh.save(Vh, compute_uv);
  }
  if (forward_ad::active() && is_floating(A.dtype()) && forward_ad::has_tangent(A)) {
    std::tuple<Tensor, Tensor, Tensor> t;
    {
      forward_ad::Disable plain;
      // full matrices: the tangents of the reduced vectors, zero for the columns of U and rows of Vh
      // past the k-th (as PyTorch)
      Tensor u = uv ? alias_raw(U) : Tensor(), vh = uv ? alias_raw(Vh) : Tensor();
      if (full) {
        u = slice(u, -1, 0, k, 1);
        vh = slice(vh, -2, 0, k, 1);
      }
      t = LinalgSvdBackward0::tangents(forward_ad::tangent(A), u, s, vh, !compute_uv);
      if (full && compute_uv) {
        std::get<0>(t) = slice_backward(std::get<0>(t), U.sizes(), U.dim() - 1, 0, k, 1);
        std::get<2>(t) = slice_backward(std::get<2>(t), Vh.sizes(), Vh.dim() - 2, 0, k, 1);
      }
    }
    forward_ad::set_tangent(s, std::get<1>(t));
    if (compute_uv) {
      forward_ad::set_tangent(U, std::get<0>(t));
      forward_ad::set_tangent(Vh, std::get<2>(t));
    }
  }
  return {compute_uv ? U : Tensor(), s, compute_uv ? Vh : Tensor()};
}

// ------------------------------------------------------------ LU: lu_factor(_ex), lu_solve, lu_unpack

namespace {
// P (m x m) from LAPACK's 1-based row swaps piv (..., k) of m-row matrices: A = P L U (no history).
Tensor permutation_raw(const Tensor& piv, int64_t m, ScalarType dt) {
  const int64_t k = piv.sizes().back();
  DimVector sizes(piv.sizes().begin(), piv.sizes().end() - 1);
  sizes.push_back(m);
  sizes.push_back(m);
  const int64_t count = m > 0 ? checked_numel(sizes) / (m * m) : 0;
  Tensor P = zeros(sizes, dt);
  Tensor pc = contiguous_raw(piv);
  const int32_t* pp = pc.data<int32_t>();
  std::vector<int64_t> perm(static_cast<size_t>(m));
  dispatch_floating(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = P.data<T>();
    for (int64_t b = 0; b < count; ++b) {
      for (int64_t i = 0; i < m; ++i) perm[i] = i;
      for (int64_t i = 0; i < k; ++i) {
        const int64_t j = pp[b * k + i] - 1;
        ST_CHECK(j >= 0 && j < m, "lu_unpack: pivots must lie between 1 and ", m, ", got ", j + 1);
        std::swap(perm[i], perm[j]);
      }
      for (int64_t i = 0; i < m; ++i) out[b * m * m + perm[i] * m + i] = T(1);  // (P^T A)[i] = A[perm[i]]
    }
  });
  return P;
}

// The unit lower L (m x k) and upper U (k x n) packed in LU, differentiably.
std::pair<Tensor, Tensor> unpack_lu(const Tensor& LU) {
  const int64_t m = nrows(LU), n = ncols(LU), k = std::min(m, n);
  Tensor L = add(tril(slice(LU, -1, 0, k, 1), -1), eye(m, k, LU.dtype()));
  Tensor U = triu(slice(LU, -2, 0, k, 1));
  return {L, U};
}

struct LinalgLuFactorExBackward0 : Node {
  static constexpr bool jvp = true;  // tangent below
  SavedTensor LU, pivots;
  const char* name() const override { return "LinalgLuFactorExBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("pivot", Scalar(true)));
    out.push_back(SavedField::of("LU", LU));
    out.push_back(SavedField::of("pivots", pivots));
  }
  void release_variables() override { LU.release(); pivots.release(); }
  TensorList apply(TensorList&& g) override {
    if (!g[0].defined()) return {Tensor()};
    Tensor lu = LU.unpack(*this), piv = pivots.unpack(*this);
    const int64_t m = nrows(lu), n = ncols(lu), k = std::min(m, n);
    auto [L, U] = unpack_lu(lu);
    Tensor P = permutation_raw(piv, m, lu.dtype());
    Tensor gL = tril(slice(g[0], -1, 0, k, 1), -1), gU = triu(slice(g[0], -2, 0, k, 1));
    // the square block: B = L1 U1 (k x k) with gradients gL1, gU1 -> L1^-T (tril(L1^T gL1, -1) + triu(gU1 U1^T)) U1^-T
    auto square = [](const Tensor& L1, const Tensor& U1, const Tensor& gL1, const Tensor& gU1) {
      Tensor phi = add(tril(matmul(mT(L1), gL1), -1), triu(matmul(gU1, mT(U1))));
      Tensor x = linalg_solve_triangular(mT(U1), phi, false, false, false);
      return linalg_solve_triangular(mT(L1), x, true, true, true);
    };
    Tensor gB;  // the gradient of P^T A
    if (m == n) {
      gB = square(L, U, gL, gU);
    } else if (m < n) {  // wide: U = [U1 U2]; U2 = L^-1 (P^T A)_2 feeds back into L's gradient
      Tensor U1 = slice(U, -1, 0, m, 1), U2 = slice(U, -1, m, n, 1), gU2 = slice(g[0], -1, m, n, 1);
      Tensor gB2 = linalg_solve_triangular(mT(L), gU2, true, true, true);  // L^-T gU2
      Tensor gL1 = sub(gL, tril(matmul(gB2, mT(U2)), -1));
      gB = cat({square(L, U1, gL1, slice(gU, -1, 0, m, 1)), gB2}, -1);
    } else {  // tall: L = [L1; L2]; L2 = (P^T A)_2 U^-1 feeds back into U's gradient
      Tensor L1 = slice(L, -2, 0, n, 1), L2 = slice(L, -2, n, m, 1), gL2 = slice(g[0], -2, n, m, 1);
      Tensor gB2 = mT(linalg_solve_triangular(U, mT(gL2), true, true, false));  // gL2 U^-T = (U^-1 gL2^T)^T
      Tensor gU1 = sub(gU, triu(matmul(mT(L2), gB2)));
      gB = cat({square(L1, U, slice(gL, -2, 0, n, 1), gU1), gB2}, -2);
    }
    return {matmul(P, gB)};
  }
  // Forward mode of A = P L U: for a square block B = L1 U1, F = L1⁻¹ t_B U1⁻¹ gives t_L1 = L1 tril(F, -1)
  // and t_U1 = triu(F) U1; a wide U's extra block U2 = L⁻¹ (PᵀA)_2 and a tall L's L2 = (PᵀA)_2 U⁻¹
  // follow from them. The packed tangent is t_L + t_U.
  static Tensor tangent(const Tensor& tA, const Tensor& lu, const Tensor& piv) {
    const int64_t m = nrows(lu), n = ncols(lu);
    auto [L, U] = unpack_lu(lu);
    Tensor PtA = matmul(mT(permutation_raw(piv, m, lu.dtype())), tA);
    auto square = [](const Tensor& L1, const Tensor& U1, const Tensor& tB) {
      Tensor F = linalg_solve_triangular(L1, tB, false, true, true);
      F = linalg_solve_triangular(U1, F, true, false, false);
      return std::make_pair(matmul(L1, tril(F, -1)), matmul(triu(F), U1));
    };
    if (m == n) {
      auto [tL, tU] = square(L, U, PtA);
      return add(tL, tU);
    }
    if (m < n) {
      Tensor U2 = slice(U, -1, m, n, 1);
      auto [tL, tU1] = square(L, slice(U, -1, 0, m, 1), slice(PtA, -1, 0, m, 1));
      Tensor tU2 = linalg_solve_triangular(L, sub(slice(PtA, -1, m, n, 1), matmul(tL, U2)), false, true, true);
      return cat({add(tL, tU1), tU2}, -1);
    }
    Tensor L2 = slice(L, -2, n, m, 1);
    auto [tL1, tU] = square(slice(L, -2, 0, n, 1), U, slice(PtA, -2, 0, n, 1));
    Tensor tL2 = linalg_solve_triangular(U, sub(slice(PtA, -2, n, m, 1), matmul(L2, tU)), true, false, false);
    return cat({add(tL1, tU), tL2}, -2);
  }
};
ST_VJP_FORMULA("LinalgLuFactorExBackward0", "grad_A = P L⁻ᵀ (tril(Lᵀ grad_L, -1) + triu(grad_U Uᵀ)) U⁻ᵀ (A = P L U, "
                                            "square; a wide U's or a tall L's extra block feeds back first)")

struct LinalgLuSolveBackward0 : Node {
  static constexpr bool jvp = true;  // op(A)⁻¹ (t_B - op(t_A) X) (left), t_A = P (t_L U + L t_U)
  SavedTensor LU, pivots, result;
  bool left = true, adjoint = false;
  DimVector lu_sizes, b_sizes;
  const char* name() const override { return "LinalgLuSolveBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("LU", LU));
    out.push_back(SavedField::of("adjoint", Scalar(adjoint)));
    out.push_back(SavedField::of("left", Scalar(left)));
    out.push_back(SavedField::of("pivots", pivots));
    out.push_back(SavedField::of("result", result));
  }
  void release_variables() override { LU.release(); pivots.release(); result.release(); }
  TensorList apply(TensorList&& g) override {
    TensorList out(2);
    if (!g[0].defined()) return out;
    Tensor lu = LU.unpack(*this), piv = pivots.unpack(*this), X = result.unpack(*this);
    // grad_B: the same solve with A transposed; grad_A from X = op(A)^-1 B (or B op(A)^-1)
    Tensor gB = linalg_lu_solve(lu, piv, g[0], left, !adjoint);
    if (should_compute(1)) out[1] = sum_to(gB, b_sizes);
    if (should_compute(0)) {
      Tensor gA = left ? (adjoint ? matmul(X, mT(gB)) : matmul(gB, mT(X)))
                       : (adjoint ? matmul(mT(gB), X) : matmul(mT(X), gB));
      gA = neg(gA);
      auto [L, U] = unpack_lu(lu);
      Tensor PtgA = matmul(mT(permutation_raw(piv, nrows(lu), lu.dtype())), gA);
      // A = P L U: grad_LU = tril(P^T grad_A U^T, -1) + triu(L^T P^T grad_A)
      out[0] = sum_to(add(tril(matmul(PtgA, mT(U)), -1), triu(matmul(mT(L), PtgA))), lu_sizes);
    }
    return out;
  }
};
ST_VJP_FORMULA("LinalgLuSolveBackward0", "grad_B = op(A)⁻ᵀ grad (left)\ngrad_LU = tril(Pᵀ grad_A Uᵀ, -1) + triu(Lᵀ Pᵀ grad_A), grad_A = -grad_B Xᵀ")

struct LuUnpackBackward0 : Node {
  static constexpr bool jvp = true;  // linear: the same triangles of the tangent
  int64_t m = 0, n = 0;
  const char* name() const override { return "LuUnpackBackward0"; }
  TensorList apply(TensorList&& g) override {
    // outputs: 0 L (m x k), 1 U (k x n); their triangles came from LU's
    const int64_t k = std::min(m, n);
    Tensor r;
    if (g.size() > 0 && g[0].defined()) {
      DimVector s = g[0].sizes();
      s.back() = n;
      r = slice_backward(tril(g[0], -1), s, g[0].dim() - 1, 0, k, 1);
    }
    if (g.size() > 1 && g[1].defined()) {
      DimVector s = g[1].sizes();
      s[s.size() - 2] = m;
      Tensor u = slice_backward(triu(g[1]), s, g[1].dim() - 2, 0, k, 1);
      r = r.defined() ? add(r, u) : u;
    }
    return {r};
  }
};
ST_VJP_FORMULA("LuUnpackBackward0", "grad_LU = tril(grad_L, -1) + triu(grad_U) (each in its own block)")
}  // namespace

std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot, bool check_errors,
                                                       const char* fn) {
  ST_CHECK(A.dim() >= 2, "torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: ",
           shape_str(A.sizes()), " instead");
  ST_CHECK_T(is_floating(A.dtype()), NotImplementedError, "\"lu_cpu\" not implemented for '",
             torch_type_name(A.dtype()), "'");
  ST_CHECK(pivot, "linalg.lu_factor: LU without pivoting is not implemented on the CPU");
  const int64_t m = nrows(A), n = ncols(A);
  Tensor lu = colmajor(A);
  Tensor piv = st::empty(with(batch_shape(A), {std::min(m, n)}), ScalarType::Int32);
  std::vector<int> infos = A.numel() > 0 ? kernels::lapack::getrf(lu, piv) : std::vector<int>();
  if (A.numel() == 0) {  // no matrix to factor: pivots 1..k
    int32_t* pp = piv.data<int32_t>();
    const int64_t k = std::min(m, n);
    for (int64_t i = 0; i < piv.numel(); ++i) pp[i] = static_cast<int32_t>(i % std::max<int64_t>(k, 1) + 1);
    infos.assign(static_cast<size_t>(checked_numel(batch_shape(A))), 0);
  }
  for (size_t b = 0; check_errors && b < infos.size(); ++b)  // a RuntimeError here, as PyTorch's (not LinAlgError)
    ST_CHECK(infos[b] <= 0, fn, ": ", A.dim() > 2 ? str("(Batch element ", b, "): ") : std::string(), "U[", infos[b],
             ",", infos[b], "] is zero and using it on lu_solve would result in a division by zero. If you still want "
             "to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)");
  Tensor LU = mT_raw(lu);
  if (auto node = make_node<LinalgLuFactorExBackward0>({&A})) {
    autograd::set_history(LU, node);
    node->LU.save(LU, true);
    node->pivots.save(piv);
  }
  forward_ad::jvp(LU, {&A}, [&] { return LinalgLuFactorExBackward0::tangent(forward_ad::tangent(A), LU, piv); });
  return {LU, piv, infos_tensor(infos, batch_shape(A))};
}

Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  const char* fn = "linalg.lu_solve";
  ST_CHECK(B.dim() >= 2, fn, ": The input tensor B must have at least 2 dimensions.");
  ST_CHECK(LU.dim() >= 2, fn, ": The input tensor LU must have at least 2 dimensions.");
  ST_CHECK(nrows(LU) == ncols(LU), "torch.linalg.lu_solve: A must be batches of square matrices, but they are ",
           nrows(LU), " by ", ncols(LU), " matrices");
  ST_CHECK(LU.dtype() == B.dtype(), fn, ": Expected LU and B to have the same dtype, but found LU of type ",
           torch_type_name(LU.dtype()), " and B of type ", torch_type_name(B.dtype()), " instead");
  ST_CHECK_T(is_floating(LU.dtype()), NotImplementedError, "\"lu_solve_cpu\" not implemented for '",
             torch_type_name(LU.dtype()), "'");
  ST_CHECK(pivots.dtype() == ScalarType::Int32, fn, ": pivots should be a Tensor of scalar type torch.int32");
  const int64_t n = nrows(LU);
  ST_CHECK(pivots.dim() >= 1 && pivots.sizes().back() == n, fn,
           ": Number of pivots per batch should be same as the dimension of the matrix");
  ST_CHECK(DimVector(pivots.sizes().begin(), pivots.sizes().end() - 1) == batch_shape(LU), fn,
           ": Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape ",
           shape_str(pivots.sizes()), " instead");
  if (left)
    ST_CHECK(nrows(B) == n, fn, ": Incompatible shapes of A and B for the equation AX = B (", n, "x", n, " and ",
             nrows(B), "x", ncols(B), ")");
  else
    ST_CHECK(ncols(B) == n, fn, ": Incompatible shapes of A and B for the equation XA = B (", n, "x", n, " and ",
             nrows(B), "x", ncols(B), ")");
  DimVector batch = broadcast_shapes(batch_shape(LU), batch_shape(B));
  Tensor lu = colmajor(expand(alias_raw(LU), with(batch, {n, n})));
  DimVector pb = batch;
  pb.push_back(n);
  Tensor piv = copy_raw(expand(alias_raw(pivots), pb));
  // X A = B  <=>  A^T X^T = B^T: the same solve on B^T with A transposed
  Tensor Bl = left ? alias_raw(B) : mT_raw(B);
  Tensor x = colmajor(expand(Bl, with(batch, {n, ncols(Bl)})));
  if (x.numel() > 0 && n > 0) kernels::lapack::getrs(lu, piv, x, left ? adjoint : !adjoint);
  // x holds the solution of the (transposed) system column-major: X itself is x's transpose when left,
  // x read row-major otherwise (X^T column-major)
  Tensor X = left ? mT_raw(x) : x;
  if (auto node = make_node<LinalgLuSolveBackward0>({&LU, &B})) {
    node->LU.save(LU);
    node->pivots.save(pivots);
    node->left = left;
    node->adjoint = adjoint;
    node->lu_sizes = LU.sizes();
    node->b_sizes = B.sizes();
    autograd::set_history(X, node);
    node->result.save(X, true);
  }
  forward_ad::jvp(X, {&LU, &B}, [&] {
    Tensor rhs = forward_ad::tangent(B);
    const Tensor tLU = forward_ad::tangent(LU);
    if (tLU.defined()) {
      auto [L, U] = unpack_lu(LU);
      Tensor tA = matmul(permutation_raw(pivots, n, LU.dtype()), add(matmul(tril(tLU, -1), U), matmul(L, triu(tLU))));
      if (adjoint) tA = mT(tA);
      Tensor prod = left ? matmul(tA, X) : matmul(X, tA);
      rhs = rhs.defined() ? sub(rhs, prod) : neg(prod);
    }
    return linalg_lu_solve(LU, pivots, rhs, left, adjoint);
  });
  return X;
}

std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data,
                                             bool unpack_pivots) {
  ST_CHECK(pivots.dtype() == ScalarType::Int32 && pivots.is_contiguous(), "torch.lu_unpack: LU_pivots is expected "
           "to be a contiguous tensor of torch.int32 dtype.\nNote: this function is intended to be used with the "
           "output produced by torch.linalg.lu_factor");
  ST_CHECK(LU.dim() >= 2, "torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: ",
           shape_str(LU.sizes()), " instead");
  const int64_t m = nrows(LU), n = ncols(LU), k = std::min(m, n);
  ST_CHECK(pivots.dim() >= 1 && pivots.sizes().back() == k, "torch.lu_unpack: LU_pivots.size(-1) must be equal to "
           "min(LU.size(-2), LU.size(-1)), but got ", pivots.dim() >= 1 ? pivots.sizes().back() : 0, " and ", k);
  Tensor P = unpack_pivots ? permutation_raw(pivots, m, LU.dtype()) : st::empty({0}, LU.dtype());
  if (!unpack_data) return {P, st::empty({0}, LU.dtype()), st::empty({0}, LU.dtype())};
  Tensor L, U;
  {
    autograd::AutoGradMode off(false);
    std::tie(L, U) = unpack_lu(alias_raw(LU));
  }
  if (auto node = make_node<LuUnpackBackward0>({&LU})) {
    node->m = m;
    node->n = n;
    autograd::set_history(L, node, 0);
    autograd::set_history(U, node, 1);
  }
  forward_ad::linear(L, LU, [&](const Tensor& t) { return tril(slice(t, -1, 0, k, 1), -1); });
  forward_ad::linear(U, LU, [&](const Tensor& t) { return triu(slice(t, -2, 0, k, 1)); });
  return {P, L, U};
}

}  // namespace st::ops
