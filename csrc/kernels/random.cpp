#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include "../core/error.h"
#include "kernels.h"
#include "nn.h"

namespace st::kernels {
namespace {

struct Generator {
  std::mt19937_64 engine{67280421310721ULL};
  uint64_t seed = 67280421310721ULL;
};
Generator& gen() {
  static Generator g;
  return g;
}

// 53 random bits -> [0, 1)
inline double next_double(std::mt19937_64& e) { return (e() >> 11) * (1.0 / 9007199254740992.0); }

template <typename F>
void fill_with(const Tensor& dst, F draw) {
  // Values are drawn in logical (row-major) order so results do not depend on strides.
  const auto& sizes = dst.sizes();
  const auto& strides = dst.strides();
  int64_t nd = dst.dim(), n = dst.numel();
  DimVector idx(nd, 0);
  char* base = static_cast<char*>(dst.raw_data());
  int64_t item = static_cast<int64_t>(element_size(dst.dtype()));
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t k = 0; k < n; ++k) {
      int64_t off = 0;
      for (int64_t d = 0; d < nd; ++d) off += idx[d] * strides[d];
      *reinterpret_cast<T*>(base + off * item) = static_cast<T>(draw());
      for (int64_t d = nd - 1; d >= 0; --d) {
        if (++idx[d] < sizes[d]) break;
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

void manual_seed(uint64_t seed) {
  gen().engine.seed(seed);
  gen().seed = seed;
}
uint64_t initial_seed() { return gen().seed; }

// The engine's state as text (the standard library's serialisation of mt19937_64), after the seed.
std::string rng_state() {
  std::ostringstream out;
  out << gen().seed << ' ' << gen().engine;
  return out.str();
}
void set_rng_state(const std::string& state) {
  std::istringstream in(state);
  Generator g;
  in >> g.seed >> g.engine;
  ST_CHECK(!in.fail(), "set_rng_state: the state is not one get_rng_state returned (", state.size(), " bytes)");
  gen() = g;
}

void uniform(const Tensor& dst, double lo, double hi) {
  auto& e = gen().engine;
  if (dst.dtype() == ScalarType::Float32) {
    // Round into [lo, hi): a float32 product can round up to hi itself.
    float flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
    fill_with(dst, [&] {
      float v = static_cast<float>(lo + (hi - lo) * next_double(e));
      return v >= fhi && fhi > flo ? std::nextafter(fhi, flo) : v;
    });
  } else {
    fill_with(dst, [&] { return lo + (hi - lo) * next_double(e); });
  }
}

void normal(const Tensor& dst, double mean, double std) {
  auto& e = gen().engine;
  bool have = false;
  double spare = 0;
  fill_with(dst, [&] {
    if (have) { have = false; return mean + std * spare; }
    double u1, u2;
    do { u1 = next_double(e); } while (u1 <= 0.0);
    u2 = next_double(e);
    double r = std::sqrt(-2.0 * std::log(u1));
    spare = r * std::sin(2 * M_PI * u2);
    have = true;
    return mean + std * r * std::cos(2 * M_PI * u2);
  });
}

void randint(const Tensor& dst, int64_t lo, int64_t hi) {
  auto& e = gen().engine;
  uint64_t range = static_cast<uint64_t>(hi - lo);
  fill_with(dst, [&] { return static_cast<double>(0) + static_cast<double>(lo + static_cast<int64_t>(e() % range)); });
}

// Dropout's mask (nn.h): 0 with probability p, else 1 / (1 - p), in logical order.
void dropout_mask(const Tensor& mask, double p) {
  auto& e = gen().engine;
  dispatch_floating(mask.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* pm = mask.data<T>();
    const T keep = static_cast<T>(1.0 / (1.0 - p));
    const int64_t n = mask.numel();
    for (int64_t i = 0; i < n; ++i) pm[i] = next_double(e) < p ? T(0) : keep;
  });
}

}  // namespace st::kernels
