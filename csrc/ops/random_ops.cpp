// Sampling ops (random_ops.h): argument checks as PyTorch's, then the kernels in kernels/random.cpp.
#include "random_ops.h"
#include <cmath>
#include <limits>
#include <vector>
#include "../kernels/random.h"
#include "dtype_rules.h"
#include "internal.h"

namespace st::ops {
namespace {

// The checks every in-place fill makes before writing self; commit afterwards with done().
void begin_fill(const Tensor& self, const char* op) {
  check_inplace(self, op);
  check_no_internal_overlap(self);
}
void done(const Tensor& self) { commit_inplace(self, nullptr); }

Tensor as_double(const Tensor& t) { return cast_raw(t, ScalarType::Float64); }

void check_continuous(const Tensor& self, const char* dist) {
  ST_CHECK(is_floating(self.dtype()), dist, " distribution is a continuous probability distribution. dtype must be a "
           "floating point but you specified ", self.dtype() == ScalarType::Int64 && dist[0] == 'C' ? "long int"
           : dist[0] == 'C' ? cpp_name(self.dtype()) : torch_type_name(self.dtype()));
}

// [lo, hi]: the integers the dtype holds exactly, as random_'s bound checks use
void dtype_int_range(ScalarType t, int64_t& lo, int64_t& hi, const char*& name) {
  name = t == ScalarType::Int64 ? "long" : cpp_name(t);  // PyTorch's words in random_'s bound errors
  if (is_integral(t, true)) return integer_range(t, lo, hi);
  const int digits = t == ScalarType::Float32 ? 24 : 53;  // the integers a float holds exactly
  lo = -(int64_t(1) << digits);
  hi = int64_t(1) << digits;
}

}  // namespace

Tensor randperm(int64_t n, ScalarType dtype, kernels::Generator* g) {
  ST_CHECK(n >= 0, "Trying to create tensor with negative dimension ", n, ": [", n, "]");
  if (n > 0 && dtype != ScalarType::Int64) {
    int64_t lo, hi;
    const char* name;
    dtype_int_range(dtype, lo, hi, name);
    if (is_integral(dtype, true)) check_scalar_fits(Scalar(n - 1), dtype);
    ST_CHECK(n - 1 <= hi, "value cannot be converted to type ", name, " without overflow");
  }
  Tensor idx = st::empty({n}, ScalarType::Int64);
  kernels::randperm(idx, g);
  return dtype == ScalarType::Int64 ? idx : cast_raw(idx, dtype);
}

Tensor& bernoulli_(Tensor& self, double p, kernels::Generator* g) {
  ST_CHECK(p >= 0 && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", p);
  begin_fill(self, "bernoulli_");
  kernels::bernoulli_scalar(self, p, g);
  done(self);
  return self;
}

Tensor& bernoulli_(Tensor& self, const Tensor& p, kernels::Generator* g) {
  ST_CHECK_T(is_floating(p.dtype()), NotImplementedError, "\"bernoulli_tensor_cpu_p_\" not implemented for '",
             torch_type_name(p.dtype()), "'");
  Tensor pd = contiguous_raw(as_double(expand(p, self.sizes())));
  const double* pp = pd.data<double>();
  for (int64_t i = 0, n = pd.numel(); i < n; ++i)
    ST_CHECK(pp[i] >= 0 && pp[i] <= 1, "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
             "error message be improved?  If so, please report an enhancement request to PyTorch.)");
  begin_fill(self, "bernoulli_");
  kernels::bernoulli_tensor(self, pd, g);
  done(self);
  return self;
}

Tensor bernoulli(const Tensor& p, kernels::Generator* g) {
  ST_CHECK_T(is_floating(p.dtype()), NotImplementedError, "\"bernoulli_tensor_cpu_p_\" not implemented for '",
             torch_type_name(p.dtype()), "'");
  Tensor out = st::empty(p.sizes(), p.dtype());
  bernoulli_(out, p, g);
  return out;
}

Tensor bernoulli(const Tensor& self, double p, kernels::Generator* g) {
  Tensor out = st::empty(self.sizes(), self.dtype());
  bernoulli_(out, p, g);
  return out;
}

Tensor multinomial(const Tensor& probs, int64_t n, bool replacement, kernels::Generator* g) {
  ST_CHECK(probs.dim() == 1 || probs.dim() == 2, "prob_dist must be 1 or 2 dim");
  ST_CHECK(is_floating(probs.dtype()), "multinomial only supports floating-point dtypes for input, got: ",
           torch_type_name(probs.dtype()));
  ST_CHECK(n > 0, "cannot sample n_sample <= 0 samples");
  const int64_t k = probs.size(-1);
  ST_CHECK(replacement || n <= k, "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  const int64_t rows = probs.dim() == 2 ? probs.size(0) : 1;
  Tensor p2 = contiguous_raw(as_double(reshape(probs, {rows, k})));
  const double* pp = p2.data<double>();
  for (int64_t r = 0; r < rows; ++r) {
    double total = 0;
    for (int64_t j = 0; j < k; ++j) {
      double v = pp[r * k + j];
      ST_CHECK(std::isfinite(v) && v >= 0, "probability tensor contains either `inf`, `nan` or element < 0");
      total += v;
    }
    ST_CHECK(total > 0, "invalid multinomial distribution (sum of probabilities <= 0)");
  }
  Tensor out = st::empty({rows, n}, ScalarType::Int64);
  if (rows > 0) kernels::multinomial(out, p2, n, replacement, g);
  return probs.dim() == 2 ? out : reshape(out, {n});
}

Tensor poisson(const Tensor& rates, kernels::Generator* g) {
  ST_CHECK_T(is_floating(rates.dtype()), NotImplementedError, "\"poisson_cpu\" not implemented for '",
             torch_type_name(rates.dtype()), "'");
  Tensor r = contiguous_raw(as_double(rates));
  const double* rp = r.data<double>();
  for (int64_t i = 0, n = r.numel(); i < n; ++i)
    ST_CHECK(rp[i] >= 0, "invalid Poisson rate, expected rate to be non-negative");
  Tensor out = st::empty(rates.sizes(), rates.dtype());
  kernels::poisson(out, r, g);
  return out;
}

namespace {
// The implicit reparameterisation gradient's arguments: the first one's floating dtype for all, broadcast.
std::vector<Tensor> implicit_grad_args(std::initializer_list<const Tensor*> args, const char* kernel) {
  const ScalarType dt = (*args.begin())->dtype();
  DimVector shape = (*args.begin())->sizes();
  for (const Tensor* t : args) {
    ST_CHECK(t->dtype() == dt, "Found dtype ", torch_type_name(t->dtype()), " but expected ", torch_type_name(dt));
    shape = broadcast_shapes(shape, t->sizes());
  }
  check_rule(Rule::FloatOnly, dt, kernel);
  std::vector<Tensor> out;
  for (const Tensor* t : args) out.push_back(contiguous_raw(as_double(expand(detach(*t), shape))));
  return out;
}

struct StandardGammaBackward0 : Node {
  SavedTensor self, result;
  const char* name() const override { return "StandardGammaBackward0"; }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("result", result));
    out.push_back(SavedField::of("self", self));
  }
  void release_variables() override {
    self.release();
    result.release();
  }
  TensorList apply(TensorList&& grads) override {
    return {mul(grads[0], standard_gamma_grad(self.unpack(*this), result.unpack(*this)))};
  }
};
}  // namespace
ST_VJP_FORMULA("StandardGammaBackward0", "grad_self = grad · _standard_gamma_grad(self, result)")

Tensor standard_gamma(const Tensor& alpha, kernels::Generator* g) {
  ST_CHECK_T(is_floating(alpha.dtype()), NotImplementedError, "\"gamma_cpu\" not implemented for '",
             torch_type_name(alpha.dtype()), "'");
  Tensor a = contiguous_raw(as_double(alpha));
  Tensor out = st::empty(alpha.sizes(), alpha.dtype());
  kernels::standard_gamma(out, a, g);
  if (auto n = make_node<StandardGammaBackward0>({&alpha})) {  // d out / d alpha: the implicit gradient
    n->self.save(alpha);
    autograd::set_history(out, n);
    n->result.save(out, true);
  }
  return out;
}

namespace {
// PyTorch has no derivative for the two gradient kernels: their node raises when backward reaches it (a second
// derivative through rsample), with PyTorch's node name and words.
struct ImplicitGradNoDerivative : Node {
  bool dirichlet = false;
  const char* name() const override {
    return dirichlet ? "torch::autograd::NotImplemented" : "StandardGammaGradBackward0";
  }
  TensorList apply(TensorList&&) override {
    if (dirichlet) throw Error("derivative for aten::_dirichlet_grad is not implemented");
    throw NotImplementedError("the derivative for '_standard_gamma_grad' is not implemented.");
  }
};
}  // namespace

Tensor standard_gamma_grad(const Tensor& self, const Tensor& output) {
  std::vector<Tensor> a = implicit_grad_args({&self, &output}, "_standard_gamma_grad_cpu");
  Tensor out = st::empty(a[0].sizes(), ScalarType::Float64);
  kernels::standard_gamma_grad(out, a[0], a[1]);
  out = cast_raw(out, self.dtype());
  if (auto n = make_node<ImplicitGradNoDerivative>({&self, &output})) autograd::set_history(out, n);
  return out;
}

Tensor dirichlet_grad(const Tensor& x, const Tensor& alpha, const Tensor& total) {
  std::vector<Tensor> a = implicit_grad_args({&x, &alpha, &total}, "_dirichlet_grad_cpu");
  Tensor out = st::empty(a[0].sizes(), ScalarType::Float64);
  kernels::dirichlet_grad(out, a[0], a[1], a[2]);
  out = cast_raw(out, x.dtype());
  if (auto n = make_node<ImplicitGradNoDerivative>({&x, &alpha, &total})) {
    n->dirichlet = true;
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& random_(Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to, kernels::Generator* g) {
  int64_t lo, hi;
  const char* name;
  dtype_int_range(self.dtype(), lo, hi, name);
  if (!from && !to) {
    begin_fill(self, "random_");
    kernels::random_full(self, g);
    done(self);
    return self;
  }
  int64_t f = from.value_or(0);
  if (to) {
    ST_CHECK(f < *to, "random_ expects 'from' to be less than 'to', but got from=", f, " >= to=", *to);
    ST_CHECK(f >= lo && f <= hi, "from is out of bounds for ", name);
    ST_CHECK(*to - 1 >= lo && *to - 1 <= hi, "to - 1 is out of bounds for ", name);
    begin_fill(self, "random_");
    kernels::random_from_to(self, f, static_cast<uint64_t>(*to) - static_cast<uint64_t>(f), g);
  } else {  // random_(from, None): [from, the dtype's max]
    ST_CHECK(f >= lo && f <= hi, "from is out of bounds for ", name);
    begin_fill(self, "random_");
    uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(f) + 1;
    if (range == 0) kernels::random_full(self, g);  // the whole int64 range
    else kernels::random_from_to(self, f, range, g);
  }
  done(self);
  return self;
}

Tensor& exponential_(Tensor& self, double lambd, kernels::Generator* g) {
  ST_CHECK(lambd > 0.0, "exponential_ expects lambda > 0.0, but found lambda=", lambd);
  check_continuous(self, "Exponential");
  begin_fill(self, "exponential_");
  kernels::exponential(self, lambd, g);
  done(self);
  return self;
}

Tensor& geometric_(Tensor& self, double p, kernels::Generator* g) {
  ST_CHECK(p > 0 && p < 1, "geometric_ expects p to be in (0, 1), but got p=", p);
  begin_fill(self, "geometric_");
  kernels::geometric(self, p, g);
  done(self);
  return self;
}

Tensor& cauchy_(Tensor& self, double median, double sigma, kernels::Generator* g) {
  ST_CHECK(sigma > 0.0, "cauchy_ expects sigma > 0.0, but found sigma=", sigma);
  check_continuous(self, "Cauchy");
  begin_fill(self, "cauchy_");
  kernels::cauchy(self, median, sigma, g);
  done(self);
  return self;
}

Tensor& log_normal_(Tensor& self, double mean, double std, kernels::Generator* g) {
  ST_CHECK(std > 0.0, "log_normal_ expects std > 0.0, but found std=", std);
  check_continuous(self, "LogNormal");
  begin_fill(self, "log_normal_");
  kernels::log_normal(self, mean, std, g);
  done(self);
  return self;
}

}  // namespace st::ops
