#include "random.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>
#include "../core/error.h"
#include "kernels.h"
#include "nn.h"
#include "parallel.h"
#include "special_math.h"

namespace st::kernels {

Generator& default_generator() {
  static Generator g;
  return g;
}

double Generator::standard_normal() {
  if (has_normal) {
    has_normal = false;
    return next_normal;
  }
  double u1 = uniform_double(), u2 = uniform_double();
  double r = std::sqrt(-2.0 * std::log1p(-u2));
  double theta = 2.0 * M_PI * u1;
  next_normal = r * std::sin(theta);
  has_normal = true;
  return r * std::cos(theta);
}

std::string Generator::state() const {
  std::ostringstream out;
  out.precision(17);
  out << seed << ' ' << (has_normal ? 1 : 0) << ' ' << std::hexfloat << next_normal << ' ' << engine;
  return out.str();
}
void Generator::set_state(const std::string& s) {
  std::istringstream in(s);
  Generator g;
  int has = 0;
  std::string normal_text;
  in >> g.seed >> has >> normal_text >> g.engine;
  ST_CHECK(!in.fail() && (has == 0 || has == 1), "set_state: the state is not one get_rng_state returned (nor Generator.get_state; ", s.size(),
           " bytes)");
  g.has_normal = has == 1;
  g.next_normal = std::strtod(normal_text.c_str(), nullptr);
  *this = g;
}

namespace {

// Calls draw(tag) for each element in logical (row-major) order and stores its value cast to the element type,
// so results depend neither on strides nor on the thread count.
template <typename F>
void fill_typed(const Tensor& dst, F draw) {
  const auto& sizes = dst.sizes();
  const auto& strides = dst.strides();
  int64_t nd = dst.dim(), n = dst.numel();
  DimVector idx(nd, 0);
  char* base = static_cast<char*>(dst.raw_data());
  int64_t item = static_cast<int64_t>(element_size(dst.dtype()));
  dispatch_storage(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t k = 0; k < n; ++k) {
      int64_t off = 0;
      for (int64_t d = 0; d < nd; ++d) off += idx[d] * strides[d];
      *reinterpret_cast<T*>(base + off * item) = convert_value<T>(draw(tag));
      for (int64_t d = nd - 1; d >= 0; --d) {
        if (++idx[d] < sizes[d]) break;
        idx[d] = 0;
      }
    }
  });
}
template <typename F>
void fill_with(const Tensor& dst, F draw) {
  fill_typed(dst, [&](auto) { return draw(); });
}

// A uniform number in [0, 1) at the precision of the element type (24 random bits for float32, 53 otherwise).
template <typename T>
double uniform01(Generator& e) {
  if constexpr (std::is_same<T, float>::value) return e.uniform_float();
  else return e.uniform_double();
}

}  // namespace

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }
uint64_t initial_seed() { return default_generator().seed; }
std::string rng_state() { return default_generator().state(); }
void set_rng_state(const std::string& state) { default_generator().set_state(state); }

void uniform(const Tensor& dst, double lo, double hi, Generator* g) {
  auto& e = gen_or_default(g);
  if (dst.dtype() == ScalarType::Float32) {
    // PyTorch's arithmetic: bounds rounded to float32, their difference in float32, the rest in double; then
    // rounded into [lo, hi): the result can round up to hi itself.
    float flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
    const double width = static_cast<double>(fhi - flo);
    fill_with(dst, [&] {
      float v = static_cast<float>(static_cast<double>(e.uniform_float()) * width + flo);
      return v >= fhi && fhi > flo ? std::nextafter(fhi, flo) : v;
    });
  } else {
    fill_with(dst, [&] { return e.uniform_double() * (hi - lo) + lo; });
  }
}

namespace {
// Sixteen uniforms in place -> sixteen normals: pairs (j, j + 8) through Box-Muller.
template <typename T>
void normal_fill_16(T* d, double mean, double std) {
  for (int j = 0; j < 8; ++j) {
    T u1 = 1 - d[j], u2 = d[j + 8];
    T radius = std::sqrt(-2 * std::log(u1));
    T theta = static_cast<T>(2.0 * M_PI) * u2;
    d[j] = static_cast<T>(radius * std::cos(theta) * std + mean);
    d[j + 8] = static_cast<T>(radius * std::sin(theta) * std + mean);
  }
}
}  // namespace

void normal(const Tensor& dst, double mean, double std, Generator* g) {
  auto& e = gen_or_default(g);
  const int64_t n = dst.numel();
  if (n >= 16 && dst.is_contiguous() && is_floating(dst.dtype()) && !is_reduced_float(dst.dtype())) {
    // PyTorch's layout of the draws: all uniforms first, then Box-Muller over blocks of sixteen; a tail that is
    // not a whole block redoes the last sixteen with fresh uniforms.
    dispatch_floating(dst.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* d = dst.data<T>();
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<T>(uniform01<T>(e));
      for (int64_t i = 0; i + 16 <= n; i += 16) normal_fill_16(d + i, mean, std);
      if (n % 16 != 0) {
        T* tail = d + n - 16;
        for (int i = 0; i < 16; ++i) tail[i] = static_cast<T>(uniform01<T>(e));
        normal_fill_16(tail, mean, std);
      }
    });
    return;
  }
  fill_with(dst, [&] { return e.standard_normal() * std + mean; });
}

void random_from_to(const Tensor& dst, int64_t lo, uint64_t range, Generator* g) {
  auto& e = gen_or_default(g);
  const bool wide = range >= (1ULL << 32);
  fill_typed(dst, [&](auto tag) {
    using T = typename decltype(tag)::type;
    (void)tag;
    uint64_t v = (wide ? e.random64() : e.random()) % range;
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + v);
  });
}

void randint(const Tensor& dst, int64_t lo, int64_t hi, Generator* g) {
  random_from_to(dst, lo, static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo), g);
}

void random_full(const Tensor& dst, Generator* g) {
  auto& e = gen_or_default(g);
  fill_typed(dst, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same<T, bool>::value) {
      return static_cast<T>(e.random() & 1);
    } else if constexpr (is_reduced_float_t<T>::value) {  // the integers the type holds exactly: 2^11 or 2^8
      constexpr int digits = std::is_same<T, Half>::value ? 11 : 8;
      return static_cast<float>(e.random() % ((1ULL << digits) + 1));
    } else if constexpr (std::is_floating_point<T>::value) {
      constexpr int digits = std::numeric_limits<T>::digits;
      uint64_t v = std::is_same<T, double>::value ? e.random64() : e.random();
      return static_cast<T>(v % ((1ULL << digits) + 1));
    } else {
      uint64_t v = sizeof(T) > 4 ? e.random64() : e.random();
      return static_cast<T>(v % (static_cast<uint64_t>(std::numeric_limits<T>::max()) + 1));
    }
  });
}

void bernoulli_tensor(const Tensor& dst, const Tensor& p, Generator* g) {
  auto& e = gen_or_default(g);
  const double* pp = p.data<double>();
  int64_t i = 0;
  fill_with(dst, [&] { return static_cast<double>(e.uniform_double() < pp[i++]); });
}
void bernoulli_scalar(const Tensor& dst, double p, Generator* g) {
  auto& e = gen_or_default(g);
  fill_with(dst, [&] { return static_cast<double>(e.uniform_double() < p); });
}

void exponential(const Tensor& dst, double lambd, Generator* g) {
  auto& e = gen_or_default(g);
  fill_with(dst, [&] { return -std::log1p(-e.uniform_double()) / lambd; });
}
void geometric(const Tensor& dst, double p, Generator* g) {
  auto& e = gen_or_default(g);
  fill_with(dst, [&] {
    double u;
    do { u = e.uniform_double(); } while (u <= 0.0);
    return std::max(1.0, std::ceil(std::log(u) / std::log1p(-p)));
  });
}
void cauchy(const Tensor& dst, double median, double sigma, Generator* g) {
  auto& e = gen_or_default(g);
  fill_with(dst, [&] { return median + sigma * std::tan(M_PI * (e.uniform_double() - 0.5)); });
}
void log_normal(const Tensor& dst, double mean, double std, Generator* g) {
  auto& e = gen_or_default(g);
  fill_with(dst, [&] { return std::exp(e.standard_normal() * std + mean); });
}

void multinomial(const Tensor& out, const Tensor& probs, int64_t n, bool replacement, Generator* g) {
  auto& e = gen_or_default(g);
  const int64_t rows = probs.size(0), k = probs.size(1);
  const double* p = probs.data<double>();
  int64_t* o = out.data<int64_t>();
  std::vector<double> cdf(k), key(k);
  std::vector<int64_t> order(k);
  for (int64_t r = 0; r < rows; ++r) {
    const double* pr = p + r * k;
    int64_t* orow = o + r * n;
    if (replacement) {
      double total = 0;
      for (int64_t j = 0; j < k; ++j) cdf[j] = (total += pr[j]);
      for (int64_t j = 0; j < k; ++j) cdf[j] /= total;
      int64_t last = k - 1;
      while (last > 0 && pr[last] == 0) --last;
      for (int64_t s = 0; s < n; ++s) {
        double u = e.uniform_double();
        // the first category whose cumulative probability exceeds u (zero-probability ones never are)
        int64_t idx = std::upper_bound(cdf.begin(), cdf.begin() + last, u) - cdf.begin();
        orow[s] = idx;
      }
    } else {
      // Without replacement: the n largest p / Exp(1) keys (each draw is the next by probability among those left;
      // zero-probability categories come last, in index order, as PyTorch also returns them when n needs them).
      for (int64_t j = 0; j < k; ++j) {
        double ex = -std::log1p(-e.uniform_double());
        key[j] = pr[j] > 0 ? pr[j] / ex : -1.0;
      }
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + n, order.end(), [&](int64_t a, int64_t b) {
        return key[a] > key[b] || (key[a] == key[b] && a < b);
      });
      for (int64_t s = 0; s < n; ++s) orow[s] = order[s];
    }
  }
}

void randperm(const Tensor& out, Generator* g) {
  auto& e = gen_or_default(g);
  const int64_t n = out.numel();
  int64_t* r = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) r[i] = i;
  const bool small = n < static_cast<int64_t>(std::numeric_limits<uint32_t>::max() / 20);
  for (int64_t i = 0; i + 1 < n; ++i) {
    uint64_t z = (small ? e.random() : e.random64()) % static_cast<uint64_t>(n - i);
    std::swap(r[i], r[i + static_cast<int64_t>(z)]);
  }
}

namespace {
double sample_poisson(Generator& e, double lam) {
  if (lam <= 0) return 0;
  if (lam >= 10) {  // Hörmann's transformed rejection with squeeze (PTRS)
    const double slam = std::sqrt(lam), loglam = std::log(lam);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    while (true) {
      double U = e.uniform_double() - 0.5, V = e.uniform_double();
      double us = 0.5 - std::fabs(U);
      double k = std::floor((2 * a / us + b) * U + lam + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (std::log(V) + std::log(invalpha) - std::log(a / (us * us) + b) <= -lam + k * loglam - std::lgamma(k + 1))
        return k;
    }
  }
  // Knuth's product of uniforms
  const double limit = std::exp(-lam);
  double prod = 1.0, k = 0;
  while (true) {
    prod *= e.uniform_double();
    if (prod <= limit) return k;
    k += 1;
  }
}

double sample_gamma(Generator& e, double alpha) {
  if (!(alpha > 0)) return alpha == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  double boost = 1.0;
  if (alpha < 1.0) {  // Gamma(a) = Gamma(a + 1) * U^(1/a)
    double u;
    do { u = e.uniform_double(); } while (u <= 0.0);
    boost = std::pow(u, 1.0 / alpha);
    alpha += 1.0;
  }
  // Marsaglia and Tsang
  const double d = alpha - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x, v;
    do {
      x = e.standard_normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = e.uniform_double();
    double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v * boost;
    if (u > 0 && std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v * boost;
  }
}
}  // namespace

void poisson(const Tensor& dst, const Tensor& rates, Generator* g) {
  auto& e = gen_or_default(g);
  const double* r = rates.data<double>();
  int64_t i = 0;
  fill_with(dst, [&] { return sample_poisson(e, r[i++]); });
}
void standard_gamma(const Tensor& dst, const Tensor& alpha, Generator* g) {
  auto& e = gen_or_default(g);
  const double* a = alpha.data<double>();
  int64_t i = 0;
  fill_with(dst, [&] {
    double v = sample_gamma(e, a[i++]);
    return v;
  });
}

// ---------------------------------------------------------------- implicit reparameterisation gradients
namespace {

// A number with its derivative along one direction of the shape parameters (forward-mode AD by hand): the
// continued fractions below are evaluated on these so that their derivative comes out of the same recurrence.
struct Dual {
  double v, d;
};
inline Dual operator+(Dual a, Dual b) { return {a.v + b.v, a.d + b.d}; }
inline Dual operator-(Dual a, Dual b) { return {a.v - b.v, a.d - b.d}; }
inline Dual operator*(Dual a, Dual b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
inline Dual operator*(double k, Dual a) { return {k * a.v, k * a.d}; }
inline Dual operator/(Dual a, Dual b) { return {a.v / b.v, (a.d * b.v - a.v * b.d) / (b.v * b.v)}; }
inline Dual constant(double v) { return {v, 0.0}; }

constexpr double kCfEps = 1e-16;   // relative step at which a sum or continued fraction has converged
constexpr double kCfTiny = 1e-300; // Lentz's guard against a zero denominator
constexpr int64_t kCfMaxIter = 1000000;  // the series need O(sqrt(alpha)) steps; 1e8 is where Wilson-Hilferty takes over

inline Dual lentz_guard(Dual z) { return std::fabs(z.v) < kCfTiny ? Dual{kCfTiny, z.d} : z; }
// a continued fraction's factor del (and so h *= del) has converged when its value is 1 and its derivative 0
inline bool cf_converged(Dual del, Dual h) {
  return std::fabs(del.v - 1.0) <= kCfEps && std::fabs(del.d) <= kCfEps * std::fabs(h.d / h.v);
}

// d x / d a for x ~ Gamma(a, 1) and x < a + 1: P(a, x) = x^a e^-x sum_n x^n / Gamma(a + n + 1), so
// dP/da / (dP/dx) = x sum_n u_n (log x - psi(a + n + 1)) with u_n = x^n Gamma(a) / Gamma(a + n + 1); the
// prefactors cancel, every term has the same sign while x <= a + 1/2, and the u_n fall from n = 1 on.
double gamma_grad_series(double a, double x) {
  const double c0 = std::log(x) - spm::digamma(a + 1);
  double u = 1.0 / a, harmonic = 0.0, sum = u * c0;
  for (int64_t n = 1; n < kCfMaxIter; ++n) {
    const double an = a + static_cast<double>(n);
    u *= x / an;
    harmonic += 1.0 / an;  // psi(a + n + 1) - psi(a + 1)
    const double term = u * (c0 - harmonic);
    sum += term;
    if (std::fabs(term) <= kCfEps * std::fabs(sum)) break;
  }
  return -x * sum;
}

// x >= a + 1: Q(a, x) = x^a e^-x R / Gamma(a) with R the continued fraction 1/(x+1-a- 1(1-a)/(x+3-a- ...)),
// evaluated with its derivative R' in a; dx/da = (dQ/da) / (dP/dx) = x (R (log x - psi(a)) + R'), both terms
// positive there (R' > 0 and log x > psi(a)), so nothing cancels however far in the upper tail x lies.
double gamma_grad_cf(double a, double x) {
  const Dual A{a, 1.0};
  Dual b = constant(x + 1.0) - A;
  Dual c = constant(1.0 / kCfTiny);
  Dual d = constant(1.0) / lentz_guard(b);
  Dual h = d;
  for (int64_t i = 1; i < kCfMaxIter; ++i) {
    const double fi = static_cast<double>(i);
    const Dual an = Dual{-fi * fi, 0.0} + fi * A;  // -i (i - a)
    b = b + constant(2.0);
    d = constant(1.0) / lentz_guard(an * d + b);
    c = lentz_guard(b + an / c);
    const Dual del = d * c;
    h = h * del;
    if (cf_converged(del, h)) break;
  }
  return x * (h.v * (std::log(x) - spm::digamma(a)) + h.d);
}

// Very large a: x = a (1 - 1/(9a) + z / (3 sqrt(a)))^3 with z standard normal (Wilson-Hilferty, relative
// error O(1/a)), differentiated at fixed z.
double gamma_grad_wilson_hilferty(double a, double x) {
  const double w = std::cbrt(x / a);
  const double sa = std::sqrt(a);
  const double z = 3.0 * sa * (w - 1.0 + 1.0 / (9.0 * a));
  const double dw = 1.0 / (9.0 * a * a) - z / (6.0 * a * sa);
  return w * w * w + 3.0 * a * w * w * dw;
}

// (d/de I_y(p + e dp, q + e dq)) / (dI/dy) for y below the continued fraction's switch point
// (p + 1) / (p + q + 2): I_y(p, q) = y^p (1-y)^q / B(p, q) * K with K = cf / p, so the ratio is
// y (1 - y) (K dlog(prefactor) + K').
double beta_inc_direction(double y, double p, double q, double dp, double dq) {
  const Dual P{p, dp}, Q{q, dq};
  const Dual pq = P + Q, pp1 = P + constant(1.0), pm1 = P - constant(1.0);
  const Dual one = constant(1.0);
  Dual c = one;
  Dual d = one / lentz_guard(one - pq * constant(y) / pp1);
  Dual h = d;
  for (int64_t m = 1; m < kCfMaxIter; ++m) {
    const double fm = static_cast<double>(m), m2 = 2.0 * fm;
    Dual aa = fm * (Q - constant(fm)) * constant(y) / ((pm1 + constant(m2)) * (P + constant(m2)));
    d = one / lentz_guard(one + aa * d);
    c = lentz_guard(one + aa / c);
    h = h * d * c;
    aa = constant(-1.0) * (P + constant(fm)) * (pq + constant(fm)) * constant(y) /
         ((P + constant(m2)) * (pp1 + constant(m2)));
    d = one / lentz_guard(one + aa * d);
    c = lentz_guard(one + aa / c);
    const Dual del = d * c;
    h = h * del;
    if (cf_converged(del, h)) break;
  }
  const Dual k = h / P;
  const double psi_pq = spm::digamma(p + q);
  const double dlog_prefactor = dp * (std::log(y) - spm::digamma(p) + psi_pq) +
                                dq * (std::log1p(-y) - spm::digamma(q) + psi_pq);
  return y * (1.0 - y) * (k.v * dlog_prefactor + k.d);
}

}  // namespace

double standard_gamma_grad_one(double alpha, double x) {
  if (std::isnan(alpha) || std::isnan(x) || !(alpha > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (x <= 0) return 0.0;  // the limit of -x (log x - psi(alpha + 1)) / alpha
  if (std::isinf(x) || std::isinf(alpha)) return std::numeric_limits<double>::quiet_NaN();
  if (alpha > 1e8) return gamma_grad_wilson_hilferty(alpha, x);
  return x < alpha + 1.0 ? gamma_grad_series(alpha, x) : gamma_grad_cf(alpha, x);
}

double dirichlet_grad_one(double x, double alpha, double total) {
  const double beta = total - alpha;
  if (std::isnan(x) || !(alpha > 0) || !(beta >= 0)) return std::numeric_limits<double>::quiet_NaN();
  if (x <= 0 || x >= 1 || beta == 0) return 0.0;  // a sample stuck at an end of [0, 1] does not move
  // alpha moves, beta stays: direction (1, 0); above the mean, I_x(a, b) = 1 - I_{1-x}(b, a)
  const double dx = x < (alpha + 1.0) / (total + 2.0) ? -beta_inc_direction(x, alpha, beta, 1.0, 0.0)
                                                      : beta_inc_direction(1.0 - x, beta, alpha, 0.0, 1.0);
  return dx / (1.0 - x);
}

void standard_gamma_grad(const Tensor& dst, const Tensor& alpha, const Tensor& x) {
  const double* pa = alpha.data<double>();
  const double* px = x.data<double>();
  double* out = dst.data<double>();
  const int64_t n = dst.numel();
  parallel_for(0, n, 256, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) out[i] = standard_gamma_grad_one(pa[i], px[i]);
  });
}

void dirichlet_grad(const Tensor& dst, const Tensor& x, const Tensor& alpha, const Tensor& total) {
  const double* px = x.data<double>();
  const double* pa = alpha.data<double>();
  const double* pt = total.data<double>();
  double* out = dst.data<double>();
  const int64_t n = dst.numel();
  parallel_for(0, n, 256, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) out[i] = dirichlet_grad_one(px[i], pa[i], pt[i]);
  });
}

// Dropout's mask (nn.h): 0 with probability p, else 1 / (1 - p), in logical order.
void dropout_mask(const Tensor& mask, double p) {
  if (is_reduced_float(mask.dtype()))  // the float32 mask (the same draws), rounded: 0 or 1 / (1 - p)
    return through_float32(mask, [&](const Tensor& m) { dropout_mask(m, p); });
  auto& e = default_generator();
  dispatch_floating(mask.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pm = mask.data<T>();
    const T keep = static_cast<T>(1.0 / (1.0 - p));
    const int64_t n = mask.numel();
    for (int64_t i = 0; i < n; ++i) pm[i] = e.uniform_double() < p ? T(0) : keep;
  });
}

}  // namespace st::kernels
