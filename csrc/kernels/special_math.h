// Special functions of one or two numbers, the scalar functors of the special
// rows of ops/unary.h and ops/binary.h (lgamma, digamma, polygamma, erfinv,
// the modified Bessel functions i0/i1 and their scaled forms, sinc, entr, the
// normal distribution's ndtri and log_ndtr, xlogy, logaddexp, gcd, ...).
// Every function computes in double; callers cast to their dtype. Integer
// arguments are accepted where the op's rule lets integers through.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <type_traits>

namespace st::kernels::spm {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------- gamma family
inline double lgamma(double x) { return std::lgamma(x); }

// psi(x): the reflection formula below zero, the recurrence up to x >= 10,
// then the asymptotic series in 1/x^2 (Bernoulli numbers B2..B14).
inline double digamma(double x) {
  if (std::isnan(x)) return x;
  if (x == 0) return std::signbit(x) ? kInf : -kInf;  // PyTorch: digamma(+-0) = -+inf
  if (x < 0) {
    if (x == std::floor(x)) return kNan;
    // psi(1 - x) - psi(x) = pi / tan(pi x)
    const double r = std::fmod(x, 1.0);  // tan(pi x) with x reduced, exact for large |x|
    return digamma(1 - x) - kPi / std::tan(kPi * r);
  }
  if (std::isinf(x)) return x;
  double acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const double z = 1 / (x * x);
  // sum B_2k / (2k x^2k), k = 1..7
  const double series =
      z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760 - z / 12))))));
  return acc + std::log(x) - 0.5 / x - series;
}

// The Hurwitz zeta function zeta(s, q) = sum_k (q + k)^-s for integer s > 1:
// the first terms summed directly, the tail by Euler-Maclaurin.
inline double hurwitz_zeta(double s, double q) {
  if (std::isnan(q)) return q;
  if (q <= 0 && q == std::floor(q)) return kInf;
  if (std::isinf(q)) return 0;
  double sum = 0;
  int n = 0;
  while (q + n < 16) {
    sum += std::pow(q + n, -s);
    ++n;
  }
  const double a = q + n;
  sum += std::pow(a, 1 - s) / (s - 1) + 0.5 * std::pow(a, -s);
  // + sum_j B_2j / (2j)! * s (s+1) ... (s+2j-2) * a^(-s-2j+1)
  static const double kB2j[] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6,
                                -3617.0 / 510, 43867.0 / 798, -174611.0 / 330};
  double fact = 1;                       // (2j)!
  double rising = s;                     // s (s+1) ... (s+2j-2)
  double power = std::pow(a, -s - 1);    // a^(-s-2j+1)
  for (int j = 1; j <= 10; ++j) {
    fact *= (2 * j - 1) * (2 * j);
    const double term = kB2j[j - 1] / fact * rising * power;
    sum += term;
    if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
    rising *= (s + 2 * j - 1) * (s + 2 * j);
    power /= a * a;
  }
  return sum;
}

// psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1.
inline double polygamma(int64_t n, double x) {
  if (n == 0) return digamma(x);
  const double fact = std::tgamma(double(n) + 1);  // n! (inf from n = 171 on: no loop over a huge n)
  const double sign = (n % 2 == 1) ? 1.0 : -1.0;
  return sign * fact * hurwitz_zeta(double(n + 1), x);
}

// ---------------------------------------------------------------- error function
// erf^-1(y): a single-precision rational start (Giles' approximation) polished
// by Newton steps on erf.
inline double erfinv(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return kNan;
  if (y == 1) return kInf;
  if (y == -1) return -kInf;
  if (y == 0) return y;
  double w = -std::log((1 - y) * (1 + y)), x;
  if (w < 5) {
    w -= 2.5;
    double p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
    x = p * y;
  } else {
    w = std::sqrt(w) - 3;
    double p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
    x = p * y;
  }
  const double two_over_sqrt_pi = 1.12837916709551257390;
  for (int i = 0; i < 8; ++i) {
    // near |y| = 1 use erfc for the residual to keep its precision
    const double err = y > 0.5 ? (1 - y) - std::erfc(x) : y < -0.5 ? std::erfc(-x) - (1 + y) : std::erf(x) - y;
    const double d = two_over_sqrt_pi * std::exp(-x * x);
    if (d == 0) break;
    const double step = err / d;
    x -= step / (1 + x * step);  // Halley's correction (erf'' = -2x erf')
    if (std::fabs(step) <= 1e-16 * std::fabs(x)) break;
  }
  return x;
}

// ---------------------------------------------------------------- Bessel I0, I1
// The power series for |x| <= 30; above it the asymptotic expansion of the
// scaled function e^-x I_nu(x) (both accurate to double precision there).
// Returns e^-|x| I_nu(|x|) when `scaled`, I_nu(|x|) otherwise (sign applied by the callers).
inline double bessel_i_abs(int nu, double x, bool scaled) {
  x = std::fabs(x);
  if (std::isnan(x)) return x;
  if (x <= 30) {
    const double q = x * x / 4;
    double term = nu == 0 ? 1.0 : x / 2, sum = term;
    for (int k = 1; k < 500; ++k) {
      term *= q / (double(k) * double(k + nu));
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return scaled ? sum * std::exp(-x) : sum;
  }
  if (std::isinf(x)) return scaled ? 0.0 : kNan;  // PyTorch: i0(inf) and i1(inf) are NaN
  const double mu = 4.0 * nu * nu;
  double term = 1, sum = 1;
  for (int k = 1; k < 60; ++k) {
    const double next = term * -(mu - double(2 * k - 1) * double(2 * k - 1)) / (8.0 * k * x);
    if (std::fabs(next) >= std::fabs(term)) break;
    term = next;
    sum += term;
    if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
  }
  const double scaled_value = sum / std::sqrt(2 * kPi * x);
  if (scaled) return scaled_value;
  // e^x overflows before the product does for x near the top of the range
  const double half = std::exp(x / 2);
  return scaled_value * half * half;
}
inline double i0(double x) { return bessel_i_abs(0, x, false); }
inline double i0e(double x) { return bessel_i_abs(0, x, true); }
inline double i1(double x) { return std::copysign(bessel_i_abs(1, x, false), x); }
inline double i1e(double x) { return std::copysign(bessel_i_abs(1, x, true), x); }

// ---------------------------------------------------------------- other one-argument functions
inline double sinc(double x) {
  if (x == 0) return 1;
  const double px = kPi * x;
  return std::sin(px) / px;
}

// -x log x (0 at 0, -inf below 0)
inline double entr(double x) {
  if (std::isnan(x)) return x;
  if (x > 0) return -x * std::log(x);
  if (x == 0) return 0;
  return -kInf;
}

inline double logit(double x) { return std::log(x / (1 - x)); }

// The standard normal distribution: log of its CDF, and the inverse CDF.
inline double log_ndtr(double x) {
  if (std::isnan(x)) return x;
  if (x > -37) {
    const double c = 0.5 * std::erfc(-x / 1.41421356237309504880);
    return x > 0 ? std::log1p(-0.5 * std::erfc(x / 1.41421356237309504880)) : std::log(c);
  }
  if (std::isinf(x)) return -kInf;
  // Mills ratio: Phi(x) = phi(x)/(-x) * (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...)
  const double z = 1 / (x * x);
  double term = 1, sum = 1;
  for (int k = 1; k < 40; ++k) {
    term *= -(2.0 * k - 1) * z;
    sum += term;
    if (std::fabs(term) < 1e-17) break;
  }
  return -0.5 * x * x - std::log(-x) - 0.91893853320467274178 + std::log(sum);
}

inline double ndtri(double p) {
  if (std::isnan(p) || p < 0 || p > 1) return kNan;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  if (p > 0.25 && p < 0.75) return 1.41421356237309504880 * erfinv(2 * p - 1);  // 2p - 1 is exact here
  if (p > 0.5) return -ndtri(1 - p);
  // start: Abramowitz & Stegun 26.2.23, then Newton steps on Phi(x) - p
  const double t = std::sqrt(-2 * std::log(p));
  double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (int i = 0; i < 6; ++i) {
    const double phi = std::exp(-0.5 * x * x) * 0.39894228040143267794;
    if (phi == 0) break;
    const double cdf = 0.5 * std::erfc(-x / 1.41421356237309504880);
    const double step = (cdf - p) / phi;
    x -= step / (1 + 0.5 * x * step);  // Halley's correction
    if (std::fabs(step) < 1e-16 * std::fabs(x)) break;
  }
  return x;
}

// ---------------------------------------------------------------- two-argument functions
template <typename T> T xlogy(T a, T b) {
  if (std::isnan(b)) return b;
  if (a == 0) return T(0);
  return a * std::log(b);
}
template <typename T> T xlog1py(T a, T b) {
  if (std::isnan(b)) return b;
  if (a == 0) return T(0);
  return a * std::log1p(b);
}

template <typename T> T logaddexp(T a, T b) {
  if (std::isinf(a) && a == b) return a;  // both -inf (or both +inf): log(e^a + e^b) = a
  const T m = std::fmax(a, b);
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}
template <typename T> T logaddexp2(T a, T b) {
  if (std::isinf(a) && a == b) return a;
  const T m = std::fmax(a, b);
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return m + std::log1p(std::exp2(-std::fabs(a - b))) / T(0.69314718055994530942);
}

template <typename T> T heaviside(T a, T b) {
  if constexpr (std::is_same<T, bool>::value) return a ? true : b;  // a is never negative
  else return a == T(0) ? b : T(a > T(0));
}

template <typename T> T gcd(T a, T b) {
  if constexpr (std::is_same<T, bool>::value) return a || b;
  else {
    using U = std::make_unsigned_t<T>;
    U x = static_cast<U>(a < T(0) ? U(0) - U(a) : U(a)), y = static_cast<U>(b < T(0) ? U(0) - U(b) : U(b));
    while (y != 0) {
      U r = static_cast<U>(x % y);
      x = y;
      y = r;
    }
    return static_cast<T>(x);
  }
}
template <typename T> T lcm(T a, T b) {
  if constexpr (std::is_same<T, bool>::value) return a && b;
  else {
    const T g = gcd(a, b);
    if (g == T(0)) return T(0);
    const T v = static_cast<T>((a / g) * b);
    return v < T(0) ? static_cast<T>(-v) : v;
  }
}

}  // namespace st::kernels::spm
