// Random generators: PyTorch's CPU generator algorithm (a 32-bit Mersenne Twister seeded with the low 32 bits
// of the seed; a 64-bit draw is two words, the first the high half), so a seed gives the same uniform and
// integer streams as PyTorch. Every fill draws in logical (row-major) order on one thread, so the numbers do
// not depend on strides or on the thread count.
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace st {
class Tensor;
namespace kernels {

constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // PyTorch's default_generator seed

struct Generator {
  std::mt19937 engine;
  uint64_t seed = kDefaultSeed;
  bool has_normal = false;  // a cached second Box-Muller sample
  double next_normal = 0.0;

  Generator() { manual_seed(kDefaultSeed); }
  explicit Generator(uint64_t s) { manual_seed(s); }
  void manual_seed(uint64_t s) {
    seed = s;
    engine.seed(static_cast<uint32_t>(s & 0xFFFFFFFFu));
    has_normal = false;
  }
  uint32_t random() { return static_cast<uint32_t>(engine()); }
  uint64_t random64() {
    uint64_t hi = engine();
    uint64_t lo = engine();
    return (hi << 32) | lo;
  }
  double uniform_double() { return static_cast<double>(random64() & ((1ULL << 53) - 1)) * (1.0 / 9007199254740992.0); }
  float uniform_float() { return static_cast<float>(random() & ((1u << 24) - 1)) * (1.0f / 16777216.0f); }
  double standard_normal();  // Box-Muller over two uniform doubles, the second sample kept for the next call
  std::string state() const;           // the whole state (seed, engine, cached normal) as opaque bytes
  void set_state(const std::string&);  // a state state() returned; raises for anything else
};

Generator& default_generator();
inline Generator& gen_or_default(Generator* g) { return g ? *g : default_generator(); }

// Fills (dst is written in place; g == nullptr means the default generator).
void random_from_to(const Tensor& dst, int64_t lo, uint64_t range, Generator* g);  // lo + draw % range
void random_full(const Tensor& dst, Generator* g);  // random_() without bounds: [0, 2**mantissa] or the dtype's max
void bernoulli_tensor(const Tensor& dst, const Tensor& p, Generator* g);  // p: float64, dst's shape, contiguous
void bernoulli_scalar(const Tensor& dst, double p, Generator* g);
void exponential(const Tensor& dst, double lambd, Generator* g);
void geometric(const Tensor& dst, double p, Generator* g);
void cauchy(const Tensor& dst, double median, double sigma, Generator* g);
void log_normal(const Tensor& dst, double mean, double std, Generator* g);
// out (int64, [rows, n]) <- n draws from each row of probs (float64 contiguous [rows, k], rows valid)
void multinomial(const Tensor& out, const Tensor& probs, int64_t n, bool replacement, Generator* g);
void randperm(const Tensor& out, Generator* g);  // out: contiguous int64 [n]
// dst <- Poisson(rates) / Gamma(alpha, 1), rates/alpha float64 contiguous of dst's numel
void poisson(const Tensor& dst, const Tensor& rates, Generator* g);
void standard_gamma(const Tensor& dst, const Tensor& alpha, Generator* g);

// Implicit reparameterisation gradients (no generator involved). For a draw x with CDF F(x; theta) held fixed,
// dx/dtheta = -(dF/dtheta) / (dF/dx).
// d x / d alpha for x ~ Gamma(alpha, 1), F the regularised lower incomplete gamma P(alpha, x).
double standard_gamma_grad_one(double alpha, double x);
// For a Dirichlet component x with concentration alpha out of total (x ~ Beta(alpha, total - alpha)): d x / d alpha
// with the other concentrations (beta = total - alpha) held fixed, F the regularised incomplete beta I_x(alpha,
// beta), divided by 1 - x, as PyTorch's _dirichlet_grad: the whole sample then moves by
// dx_k/dalpha_j = g_j (delta_jk - x_k), which is also what the normalised Gamma draws give.
double dirichlet_grad_one(double x, double alpha, double total);
// dst (float64) <- the above elementwise; every argument float64, contiguous, of dst's numel.
void standard_gamma_grad(const Tensor& dst, const Tensor& alpha, const Tensor& x);
void dirichlet_grad(const Tensor& dst, const Tensor& x, const Tensor& alpha, const Tensor& total);

}  // namespace kernels
}  // namespace st
