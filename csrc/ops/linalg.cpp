// Matrix products (dot, mv, mm, bmm, matmul, outer, addmm) and vector norms,
// each forward next to its backward node. The products run on kernels/blas.
#include <cmath>
#include <limits>
#include "../kernels/blas.h"
#include "../kernels/parallel.h"
#include "internal.h"

namespace st::ops {

namespace {

void check_not_bool(ScalarType t, const char* kernel) {
  ST_CHECK_T(t != ScalarType::Bool, NotImplementedError, "\"", kernel, "\" not implemented for 'Bool'");
}

void check_mm_args(const Tensor& a, const Tensor& b) {
  ST_CHECK(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: ", cpp_name(a.dtype()),
           " != ", cpp_name(b.dtype()));
  ST_CHECK(a.sizes()[1] == b.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (", a.sizes()[0], "x",
           a.sizes()[1], " and ", b.sizes()[0], "x", b.sizes()[1], ")");
  check_not_bool(a.dtype(), "addmm_impl_cpu_");  // after the shapes, as PyTorch checks
}


// Whether a matrix operand is laid out column-major (a transposed contiguous matrix, as the weight.t()
// of nn.Linear): its gradient is then computed as the transpose of a row-major product, so that it
// reaches the transposed view's base (the weight) contiguous, with no transposing copy when it is
// accumulated (PyTorch's mm backward does the same).
bool column_major(const Tensor& m) {
  return m.dim() == 2 && m.sizes()[0] > 1 && m.sizes()[1] > 1 && m.strides()[0] == 1 &&
         m.strides()[1] == m.sizes()[0];
}

// The gradients of a @ b for an output gradient g, each laid out as its operand (see column_major).
Tensor mm_grad_self(const Tensor& g, const Tensor& b, bool self_col_major) {
  return self_col_major ? t(mm(b, t(g))) : mm(g, t(b));
}
Tensor mm_grad_mat2(const Tensor& g, const Tensor& a, bool mat2_col_major) {
  return mat2_col_major ? t(mm(t(g), a)) : mm(t(a), g);
}

int64_t prod(const DimVector& s) {
  int64_t n = 1;
  for (auto v : s) n *= v;
  return n;
}

// ------------------------------------------------------------ backward nodes

// Gives a fresh contiguous result `t` a new shape; the gradient is reshaped
// back. PyTorch shows this step as _unsafe_view (UnsafeViewBackward0), and as
// an in-place squeeze_ (SqueezeBackward4) in 1-d @ 2-d.
struct ReshapeResultBackward : Node {
  static constexpr bool jvp = true;
  const char* node_name = "UnsafeViewBackward0";
  DimVector sizes;
  const char* name() const override { return node_name; }
  TensorList apply(TensorList&& g) override { return {reshape(g[0], sizes)}; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self_sym_sizes", sizes));
  }
};

Tensor reshape_result(const Tensor& t, const DimVector& sizes, const char* node_name) {
  if (!t.is_contiguous()) return reshape(t, sizes);
  Tensor out(std::make_shared<TensorImpl>(t.impl()->storage(), t.impl()->offset(), sizes, contiguous_strides(sizes),
                                          t.dtype(), t.impl()->version_counter()));
  if (auto n = make_node<ReshapeResultBackward>({&t})) {
    n->node_name = node_name;
    n->sizes = t.sizes();
    autograd::set_history(out, n);
  }
  if (forward_ad::active()) forward_ad::propagate_view(out, t);
  return out;
}

// The formulas of the nodes below, as the backward trace explains them.
ST_VJP_FORMULA("DotBackward0", "grad_self = grad · tensor\ngrad_tensor = grad · self")
ST_VJP_FORMULA("MvBackward0", "grad_self = grad ⊗ vec (outer product)\ngrad_vec = selfᵀ @ grad")
ST_VJP_FORMULA("MmBackward0", "grad_self = grad @ mat2ᵀ\ngrad_mat2 = selfᵀ @ grad")
ST_VJP_FORMULA("BmmBackward0", "grad_self = grad @ mat2ᵀ (per batch)\ngrad_mat2 = selfᵀ @ grad (per batch)")
ST_VJP_FORMULA("AddmmBackward0", "grad_self = beta · grad\ngrad_mat1 = alpha · grad @ mat2ᵀ\n"
                                 "grad_mat2 = alpha · mat1ᵀ @ grad")
ST_VJP_FORMULA("LinalgVectorNormBackward0", "grad_self = grad · self · |self|^(ord - 2) / result^(ord - 1)")

struct DotBackward0 : Node {
  static constexpr bool jvp = true;
  SavedTensor self, other;
  const char* name() const override { return "DotBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("tensor", other));
  }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) r[0] = mul(other.unpack(*this), g[0]);
    if (should_compute(1)) r[1] = mul(self.unpack(*this), g[0]);
    return r;
  }
  void release_variables() override { self.release(); other.release(); }
};

struct MvBackward0 : Node {
  static constexpr bool jvp = true;
  SavedTensor self, vec;
  const char* name() const override { return "MvBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("vec", vec));
  }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (should_compute(0)) r[0] = outer(g[0], vec.unpack(*this));
    if (should_compute(1)) r[1] = mv(t(self.unpack(*this)), g[0]);
    return r;
  }
  void release_variables() override { self.release(); vec.release(); }
};

// MmBackward0 and BmmBackward0: the same formula with mm or bmm (mT is t for matrices).
struct MatProductBackward : Node {
  static constexpr bool jvp = true;
  SavedTensor self, mat2;
  bool batched = false;
  bool self_col_major = false, mat2_col_major = false;  // mm only (column_major)
  const char* name() const override { return batched ? "BmmBackward0" : "MmBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("self", self));
    out.push_back(SavedField::of("mat2", mat2));
  }
  TensorList apply(TensorList&& g) override {
    TensorList r(2);
    if (!batched) {
      if (should_compute(0)) r[0] = mm_grad_self(g[0], mat2.unpack(*this), self_col_major);
      if (should_compute(1)) r[1] = mm_grad_mat2(g[0], self.unpack(*this), mat2_col_major);
      return r;
    }
    if (should_compute(0)) r[0] = bmm(g[0], mT(mat2.unpack(*this)));
    if (should_compute(1)) r[1] = bmm(mT(self.unpack(*this)), g[0]);
    return r;
  }
  void release_variables() override { self.release(); mat2.release(); }
};

struct AddmmBackward0 : Node {
  static constexpr bool jvp = true;
  SavedTensor mat1, mat2;
  Scalar alpha, beta;
  bool mat1_col_major = false, mat2_col_major = false;  // column_major
  const char* name() const override { return "AddmmBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("alpha", alpha));
    out.push_back(SavedField::of("beta", beta));
    out.push_back(SavedField::of("mat1", mat1));
    out.push_back(SavedField::of("mat2", mat2));
  }
  TensorList apply(TensorList&& g) override {
    TensorList r(3);
    if (should_compute(0)) r[0] = alpha_scaled(g[0], beta);  // the engine sums it down to input's shape
    if (should_compute(1)) r[1] = alpha_scaled(mm_grad_self(g[0], mat2.unpack(*this), mat1_col_major), alpha);
    if (should_compute(2)) r[2] = alpha_scaled(mm_grad_mat2(g[0], mat1.unpack(*this), mat2_col_major), alpha);
    return r;
  }
  void release_variables() override { mat1.release(); mat2.release(); }
};

// Saves the product's operands where the other one's gradient needs them.
template <typename N>
void save_operands(N& n, SavedTensor& s0, SavedTensor& s1, const Tensor& a, const Tensor& b) {
  if (n.should_compute(1)) s0.save(a);
  if (n.should_compute(0)) s1.save(b);
}

}  // namespace

// ------------------------------------------------------------ products

Tensor dot(const Tensor& a, const Tensor& b) {
  ST_CHECK(a.dim() == 1 && b.dim() == 1, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(), "D tensors");
  ST_CHECK(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found ", torch_type_name(a.dtype()),
           " and ", torch_type_name(b.dtype()));
  check_not_bool(a.dtype(), "dot");
  ST_CHECK(a.numel() == b.numel(), "inconsistent tensor size, expected tensor [", a.numel(), "] and src [", b.numel(),
           "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(), " elements respectively");
  Tensor out = st::empty({}, a.dtype());
  kernels::dot(out, a, b);
  if (auto n = make_node<DotBackward0>({&a, &b})) {
    save_operands(*n, n->self, n->other, a, b);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&a, &b}, [&] { return forward_ad::add_tangents(forward_ad::term(a, [&](const Tensor& t) { return dot(t, b); }), forward_ad::term(b, [&](const Tensor& t) { return dot(a, t); })); });
  return out;
}

Tensor mv(const Tensor& m, const Tensor& v) {
  ST_CHECK(m.dim() == 2 && v.dim() == 1, "vector + matrix @ vector expected, got 1, ", m.dim(), ", ", v.dim());
  ST_CHECK(m.dtype() == v.dtype(), "mv: expected the matrix and the vector to have the same dtype, but got ",
           torch_type_name(m.dtype()), " and ", torch_type_name(v.dtype()));
  ST_CHECK(m.sizes()[1] == v.sizes()[0], "size mismatch, got input (", m.sizes()[0], "), mat (", m.sizes()[0], "x",
           m.sizes()[1], "), vec (", v.sizes()[0], ")");
  check_not_bool(m.dtype(), "addmv_impl_cpu");  // after the sizes, as PyTorch checks
  Tensor out = st::empty({m.sizes()[0]}, m.dtype());
  kernels::gemv(out, m, v);
  if (auto n = make_node<MvBackward0>({&m, &v})) {
    save_operands(*n, n->self, n->vec, m, v);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&m, &v}, [&] { return forward_ad::add_tangents(forward_ad::term(m, [&](const Tensor& t) { return mv(t, v); }), forward_ad::term(v, [&](const Tensor& t) { return mv(m, t); })); });
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  ST_CHECK(a.dim() == 2, "self must be a matrix");
  ST_CHECK(b.dim() == 2, "mat2 must be a matrix");
  check_mm_args(a, b);
  Tensor out = st::empty({a.sizes()[0], b.sizes()[1]}, a.dtype());
  kernels::gemm(out, a, b, Scalar(int64_t(1)), Scalar(int64_t(0)));
  if (auto n = make_node<MatProductBackward>({&a, &b})) {
    save_operands(*n, n->self, n->mat2, a, b);
    n->self_col_major = column_major(a);
    n->mat2_col_major = column_major(b);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&a, &b}, [&] { return forward_ad::add_tangents(forward_ad::term(a, [&](const Tensor& t) { return mm(t, b); }), forward_ad::term(b, [&](const Tensor& t) { return mm(a, t); })); });
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  ST_CHECK(a.dim() == 3, "batch1 must be a 3D tensor");
  ST_CHECK(b.dim() == 3, "batch2 must be a 3D tensor");
  ST_CHECK(b.sizes()[0] == a.sizes()[0] && b.sizes()[1] == a.sizes()[2],
           "Expected size for first two dimensions of batch2 tensor to be: [", a.sizes()[0], ", ", a.sizes()[2],
           "] but got: [", b.sizes()[0], ", ", b.sizes()[1], "].");
  ST_CHECK(a.dtype() == b.dtype(), "expected batch1 and batch2 to have the same dtype, but got: ", cpp_name(a.dtype()),
           " != ", cpp_name(b.dtype()));
  check_not_bool(a.dtype(), "bmm");
  Tensor out = st::empty({a.sizes()[0], a.sizes()[1], b.sizes()[2]}, a.dtype());
  kernels::bmm(out, a, b);
  if (auto n = make_node<MatProductBackward>({&a, &b})) {
    n->batched = true;
    save_operands(*n, n->self, n->mat2, a, b);
    autograd::set_history(out, n);
  }
  forward_ad::jvp(out, {&a, &b}, [&] { return forward_ad::add_tangents(forward_ad::term(a, [&](const Tensor& t) { return bmm(t, b); }), forward_ad::term(b, [&](const Tensor& t) { return bmm(a, t); })); });
  return out;
}

namespace {

// PyTorch's rule for folding the batch of the larger operand into the rows of
// one mm/mv: when the smaller operand requires grad (so its gradient is not
// computed at batch size), or when the fold needs no copy.
bool should_fold(const Tensor& a, const Tensor& b) {
  bool a_larger = a.dim() >= b.dim();
  const Tensor& big = a_larger ? a : b;
  int64_t d1 = big.dim(), d2 = a_larger ? b.dim() : a.dim();
  if (!(d1 >= 3 && d2 <= 2)) return false;
  if (autograd::requires_grad(a_larger ? b : a)) return true;
  if (a.dim() == 2) return false;  // the result would need a transposing copy
  if (big.numel() == 0) return true;
  DimVector sizes = big.sizes(), strides = big.strides();
  if (!a_larger) {  // the larger operand enters transposed
    std::swap(sizes[d1 - 1], sizes[d1 - 2]);
    std::swap(strides[d1 - 1], strides[d1 - 2]);
  }
  for (int64_t i = 0; i < d1 - 2; ++i)
    if (strides[i] != strides[i + 1] * sizes[i + 1]) return false;
  return true;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t da = a.dim(), db = b.dim();
  ST_CHECK(da > 0 && db > 0, "both arguments to matmul need to be at least 1D, but they are ", da, "D and ", db, "D");
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mv(a, b);
  if (da == 1 && db == 2) return reshape_result(mm(unsqueeze(a, 0), b), {b.sizes()[1]}, "SqueezeBackward4");
  if (da == 2 && db == 2) return mm(a, b);

  if (should_fold(a, b)) {
    const bool transpose = db > da;  // fold b.mT and compute (b.mT @ a.mT).mT
    Tensor t1 = transpose ? mT(b) : a;
    Tensor t2 = !transpose ? b : (da == 2 ? t(a) : a);
    DimVector out_shape;
    for (int64_t d = 0; d + 1 < t1.dim(); ++d) out_shape.push_back(t1.sizes()[d]);
    Tensor t1_folded = reshape(t1, {prod(out_shape), t1.sizes()[t1.dim() - 1]});
    if (t2.dim() == 2) {
      out_shape.push_back(t2.sizes()[1]);
      Tensor out = reshape_result(mm(t1_folded, t2), out_shape, "UnsafeViewBackward0");
      return transpose ? contiguous(mT(out)) : out;
    }
    return reshape_result(mv(t1_folded, t2), out_shape, "UnsafeViewBackward0");
  }

  // Batched: broadcast the batch dims, flatten them and run one bmm.
  const int64_t n = da > 1 ? a.sizes()[da - 2] : 1, m1 = a.sizes()[da - 1];
  const int64_t m2 = db > 1 ? b.sizes()[db - 2] : b.sizes()[0], p = db > 1 ? b.sizes()[db - 1] : 1;
  DimVector batch_a, batch_b;
  for (int64_t d = 0; d < da - 2; ++d) batch_a.push_back(a.sizes()[d]);
  for (int64_t d = 0; d < db - 2; ++d) batch_b.push_back(b.sizes()[d]);
  DimVector out_shape = broadcast_shapes(batch_a, batch_b);
  const int64_t batch = prod(out_shape);
  DimVector ea = out_shape, eb = out_shape;
  ea.push_back(n);
  ea.push_back(m1);
  eb.push_back(m2);
  if (db > 1) eb.push_back(p);
  Tensor a3 = reshape(expand(a, ea), {batch, n, m1});
  Tensor b3 = db == 1 ? unsqueeze(reshape(expand(b, eb), {batch, m2}), 2) : reshape(expand(b, eb), {batch, m2, p});
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(p);
  Tensor r = bmm(a3, b3);
  if (db == 1) r = squeeze(r, -1);
  return reshape_result(r, out_shape, "UnsafeViewBackward0");
}

Tensor outer(const Tensor& a, const Tensor& b) {
  ST_CHECK(a.dim() == 1, "outer: Expected 1-D argument self, but got ", a.dim(), "-D");
  ST_CHECK(b.dim() == 1, "outer: Expected 1-D argument vec2, but got ", b.dim(), "-D");
  return mul(reshape(a, {a.numel(), 1}), b);  // as PyTorch: a MulBackward0 with type promotion
}

namespace {

// Checks addmm's arguments and computes beta * input + alpha * m1 @ m2 with no history.
Tensor addmm_raw(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  ST_CHECK(m1.dim() == 2, "mat1 must be a matrix, got ", m1.dim(), "-D tensor");
  ST_CHECK(m2.dim() == 2, "mat2 must be a matrix, got ", m2.dim(), "-D tensor");
  ST_CHECK(input.dtype() == m2.dtype(), "self and mat2 must have the same dtype, but got ", torch_type_name(input.dtype()),
           " and ", torch_type_name(m2.dtype()));
  check_mm_args(m1, m2);
  DimVector shape{m1.sizes()[0], m2.sizes()[1]};
  Tensor in = expand(alias_raw(input), shape);  // checks that input broadcasts to the product
  Tensor out = st::empty(shape, m1.dtype());
  if (beta.to_double() != 0.0) kernels::copy(out, in);  // beta == 0: input is ignored, NaN included
  kernels::gemm(out, m1, m2, alpha, beta);
  return out;
}

std::shared_ptr<AddmmBackward0> addmm_node(const Tensor& input, const Tensor& m1, const Tensor& m2,
                                           const Scalar& beta, const Scalar& alpha) {
  auto n = make_node<AddmmBackward0>({&input, &m1, &m2});
  if (n) {
    if (n->should_compute(2)) n->mat1.save(m1);
    if (n->should_compute(1)) n->mat2.save(m2);
    n->alpha = alpha;
    n->beta = beta;
    n->mat1_col_major = column_major(m1);
    n->mat2_col_major = column_major(m2);
  }
  return n;
}

}  // namespace

// addmm's JVP: beta · t_input + alpha · (t_m1 @ m2 + m1 @ t_m2).
Tensor addmm_tangent(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta,
                     const Scalar& alpha) {
  Tensor prod = forward_ad::add_tangents(forward_ad::term(m1, [&](const Tensor& t) { return mm(t, m2); }),
                                         forward_ad::term(m2, [&](const Tensor& t) { return mm(m1, t); }));
  if (prod.defined()) prod = mul(prod, alpha);
  return forward_ad::add_tangents(forward_ad::term(input, [&](const Tensor& t) { return mul(t, beta); }), prod);
}

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  Tensor out = addmm_raw(input, m1, m2, beta, alpha);
  if (auto n = addmm_node(input, m1, m2, beta, alpha)) autograd::set_history(out, n);
  forward_ad::jvp(out, {&input, &m1, &m2}, [&] { return addmm_tangent(input, m1, m2, beta, alpha); });
  return out;
}

Tensor& addmm_(Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  check_inplace(self, "addmm_", &m1);
  check_inplace(self, "addmm_", &m2);
  Tensor r = addmm_raw(self, m1, m2, beta, alpha);
  ST_CHECK(r.sizes() == self.sizes(), "addmm_: output with shape ", shape_str(self.sizes()),
           " doesn't match the broadcast shape ", shape_str(r.sizes()));
  check_no_internal_overlap(self);
  auto n = addmm_node(self, m1, m2, beta, alpha);  // edge 0 is self's history before the update
  Tensor new_tangent;
  if (forward_ad::active() && forward_ad::any_tangent({&self, &m1, &m2})) {
    forward_ad::Disable plain;
    new_tangent = addmm_tangent(self, m1, m2, beta, alpha);
    if (!new_tangent.defined()) new_tangent = zeros(self.sizes(), self.dtype());
  }
  kernels::copy(self, r);
  commit_inplace(self, n);
  forward_ad::assign_tangent(self, new_tangent);
  return self;
}

// ------------------------------------------------------------ vector norm
namespace {

Tensor contiguous_raw(const Tensor& t, ScalarType dt) {
  Tensor out = st::empty(t.sizes(), dt);
  kernels::copy(out, t);
  return out;
}

// A new tensor of t's shape and dtype with f(v) for every value v of t (no history).
template <typename F>
Tensor map_raw(const Tensor& t, F f) {
  Tensor out = contiguous_raw(t, compute_dtype(t.dtype()));  // float16/bfloat16 through float32
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) p[i] = static_cast<T>(f(p[i]));
  });
  return cast_raw(out, t.dtype());
}
Tensor sign_raw(const Tensor& t) { return map_raw(t, [](auto v) { return (v > 0) - (v < 0); }); }
Tensor is_zero_raw(const Tensor& t) { return map_raw(t, [](auto v) { return v == 0; }); }

// ||row||_ord of n contiguous values, accumulated in double.
template <typename T>
double norm_row(const T* p, int64_t n, double ord) {
  double s = 0;
  if (ord == 2) {
    for (int64_t i = 0; i < n; ++i) s += double(p[i]) * double(p[i]);
    return std::sqrt(s);
  }
  if (ord == 1) {
    for (int64_t i = 0; i < n; ++i) s += std::abs(double(p[i]));
    return s;
  }
  if (ord == 0) {
    for (int64_t i = 0; i < n; ++i) s += p[i] != 0;
    return s;
  }
  if (std::isinf(ord)) {  // max |v| (ord = inf) or min |v| (ord = -inf); NaN wins
    s = ord > 0 ? 0.0 : std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < n; ++i) {
      double v = std::abs(double(p[i]));
      if (std::isnan(v) || (ord > 0 ? v > s : v < s)) s = v;
      if (std::isnan(s)) break;
    }
    return s;
  }
  for (int64_t i = 0; i < n; ++i) s += std::pow(std::abs(double(p[i])), ord);
  return std::pow(s, 1.0 / ord);
}

// The norm of x (already of the compute dtype dt) over the dims in mask, keepdim layout.
Tensor vector_norm_raw(const Tensor& x, double ord, const std::vector<bool>& mask, ScalarType dt) {
  // Kept dims first, reduced dims last: each output element is one contiguous row.
  DimVector sizes, strides, kept(x.dim());
  int64_t outer = 1, inner = 1;
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t d = 0; d < x.dim(); ++d)
      if (mask[d] == (pass == 1)) {
        sizes.push_back(x.sizes()[d]);
        strides.push_back(x.strides()[d]);
        (pass == 1 ? inner : outer) *= x.sizes()[d];
        kept[d] = pass == 1 ? 1 : x.sizes()[d];
      }
  const ScalarType ct = compute_dtype(dt);  // float16/bfloat16: in float32, rounded at the end
  Tensor rows = contiguous_raw(make_view(x, sizes, strides, x.impl()->offset()), ct);
  Tensor out = st::empty(kept, ct);
  dispatch_floating(ct, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = rows.data<T>();
    T* o = out.data<T>();
    kernels::parallel_for(0, outer, std::max<int64_t>(1, kernels::kGrainSize / std::max<int64_t>(inner, 1)),
                          [&](int64_t b, int64_t e) {
                            for (int64_t i = b; i < e; ++i) o[i] = static_cast<T>(norm_row(p + i * inner, inner, ord));
                          });
  });
  return cast_raw(out, dt);
}

std::string ord_str(double ord) {
  if (std::isinf(ord)) return ord > 0 ? "inf" : "-inf";
  if (ord == std::floor(ord)) return str(static_cast<int64_t>(ord));
  return str(ord);
}

struct LinalgVectorNormBackward0 : Node {
  static constexpr bool jvp = true;  // the sum over the reduced dims of grad with the tangent as gk
  SavedTensor self, result;
  double ord = 2;
  std::vector<bool> mask;
  bool keepdim = false;
  ScalarType dtype = ScalarType::Float32;  // the compute dtype
  const char* name() const override { return "LinalgVectorNormBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("keepdim", Scalar(keepdim)));
    // an integral order shows as an int, as the number PyTorch was given usually is
    bool integral = std::isfinite(ord) && ord == std::floor(ord);
    out.push_back(SavedField::of("ord", integral ? Scalar(static_cast<int64_t>(ord)) : Scalar(ord)));
    out.push_back(SavedField::of("result", result));
    out.push_back(SavedField::of("self", self));
  }
  TensorList apply(TensorList&& g) override {
    Tensor x = to_dtype(self.unpack(*this), dtype);
    Tensor norm = result.unpack(*this), gk = g[0];
    if (!keepdim)
      for (int64_t d = 0; d < static_cast<int64_t>(mask.size()); ++d)
        if (mask[d]) { norm = unsqueeze(norm, d); gk = unsqueeze(gk, d); }
    return {grad(x, norm, gk, ord, mask, dtype)};
  }
  // gk (broadcasting against x) times d norm / d x; norm in the keepdim layout.
  static Tensor grad(const Tensor& x, const Tensor& norm, const Tensor& gk, double ord, const std::vector<bool>& mask,
                     ScalarType dtype) {
    if (ord == 0) return zeros(x.sizes(), dtype);
    // Where the norm is 0 every reduced x is 0 and the gradient is 0 (as PyTorch): divide by 1 there.
    Tensor norm_safe = add(norm, is_zero_raw(norm));
    if (ord == 2) return mul(x, div(gk, norm_safe));
    Tensor sgn = sign_raw(x);  // constant: its derivative is 0 almost everywhere
    if (ord == 1) return mul(gk, sgn);
    if (std::isinf(ord)) {  // the extreme |x| share the gradient evenly
      Tensor ax = mul(sgn, alias_raw(x));
      Tensor hit = map_raw(sub(ax, alias_raw(norm)), [](auto v) { return v == 0; });
      DimVector reduced;
      for (size_t d = 0; d < mask.size(); ++d)
        if (mask[d]) reduced.push_back(static_cast<int64_t>(d));
      Tensor count = sum(hit, reduced, true);
      return mul(gk, div(mul(sgn, hit), count));
    }
    // d||x||_p/dx = sgn(x) |x|^(p-1) / ||x||^(p-1); |x| is x * sgn(x), made 1 where x == 0
    // (those entries are zeroed by sgn) so that p < 1 gives no 0 * inf.
    Tensor ax = add(mul(x, sgn), is_zero_raw(x));
    return mul(mul(sgn, pow(ax, Scalar(ord - 1))), div(gk, pow(norm_safe, Scalar(ord - 1))));
  }
  void release_variables() override { self.release(); result.release(); }
};

}  // namespace

Tensor linalg_vector_norm(const Tensor& x, double ord, const DimVector& dims, bool keepdim,
                          std::optional<ScalarType> dtype) {
  ST_CHECK(is_floating(x.dtype()), "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ",
           torch_type_name(x.dtype()));
  ScalarType dt = dtype ? *dtype : x.dtype();
  ST_CHECK(is_floating(dt), "linalg.vector_norm: dtype should be floating point or complex. Got ", torch_type_name(dt));
  std::vector<bool> mask = reduce_mask(x, dims, true);
  if (x.numel() == 0 && (ord < 0 || std::isinf(ord)))
    for (int64_t d = 0; d < x.dim(); ++d)
      ST_CHECK(!(mask[d] && x.sizes()[d] == 0), "linalg.vector_norm cannot compute the ", ord_str(ord),
               " norm on an empty tensor because the operation does not have an identity");
  Tensor out = vector_norm_raw(x, ord, mask, dt);
  if (!keepdim) {
    DimVector squeezed;
    for (int64_t d = 0; d < x.dim(); ++d)
      if (!mask[d]) squeezed.push_back(x.sizes()[d]);
    out = make_view(out, squeezed, contiguous_strides(squeezed), 0);
  }
  if (auto n = make_node<LinalgVectorNormBackward0>({&x})) {
    n->self.save(x);
    n->ord = ord;
    n->mask = mask;
    n->keepdim = keepdim;
    n->dtype = dt;
    autograd::set_history(out, n);
    n->result.save(out, true);
  }
  forward_ad::jvp(out, {&x}, [&] {
    Tensor norm = out;
    DimVector reduced;
    for (int64_t d = 0; d < static_cast<int64_t>(mask.size()); ++d)
      if (mask[d]) {
        reduced.push_back(d);
        if (!keepdim) norm = unsqueeze(norm, d);
      }
    const Tensor jt = LinalgVectorNormBackward0::grad(to_dtype(x, dt), norm, to_dtype(forward_ad::tangent(x), dt), ord,
                                                      mask, dt);
    return reduced.empty() ? jt : sum(jt, reduced, keepdim);
  });
  return out;
}

}  // namespace st::ops
