// Factories and random fills.
#include <cmath>
#include <cstring>
#include <limits>
#include "../autograd/node.h"
#include "../kernels/kernels.h"
#include "internal.h"
#include "ops.h"

namespace st::ops {

Tensor empty(const IntList& sizes, ScalarType dtype) { return st::empty(sizes, dtype); }

Tensor full(const IntList& sizes, const Scalar& v, ScalarType dtype) {
  check_scalar_fits(v, dtype);
  Tensor t = st::empty(sizes, dtype);
  kernels::fill(t, v);
  return t;
}
Tensor zeros(const IntList& sizes, ScalarType dtype) {
  Tensor t = st::empty(sizes, dtype);
  std::memset(t.raw_data(), 0, t.numel() * element_size(dtype));
  return t;
}
Tensor ones(const IntList& sizes, ScalarType dtype) { return full(sizes, Scalar(int64_t(1)), dtype); }
Tensor scalar_tensor(const Scalar& v, ScalarType dtype) { return full({}, v, dtype); }

Tensor wrapped_scalar(const Scalar& v) {
  ScalarType dt = v.kind == Scalar::Float ? ScalarType::Float64 : v.kind == Scalar::Int ? ScalarType::Int64
                                                                                         : ScalarType::Bool;
  Tensor t = full({}, v, dt);
  t.impl()->is_wrapped_number = true;
  return t;
}

Tensor arange(double start, double end, double step, ScalarType dtype) {
  ST_CHECK(step != 0, "arange: step must be nonzero");
  ST_CHECK(std::isfinite(start) && std::isfinite(end), "arange: unsupported range: ", start, " -> ", end);
  ST_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
           "arange: upper bound and larger bound inconsistent with step sign (start=", start, ", end=", end,
           ", step=", step, ")");
  int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = st::empty({n}, dtype);
  dispatch_storage(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = convert_value<T>(start + step * static_cast<double>(i));
  });
  return t;
}

Tensor arange_int(int64_t start, int64_t end, int64_t step, ScalarType dtype) {
  ST_CHECK(step != 0, "arange: step must be nonzero");
  ST_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
           "arange: upper bound and larger bound inconsistent with step sign (start=", start, ", end=", end,
           ", step=", step, ")");
  // exact count in 128 bits: end - start can exceed int64 (arange(-2**63, 2**63 - 1))
  __int128 span = static_cast<__int128>(end) - start, st = step;
  __int128 n128 = (span + st + (step > 0 ? -1 : 1)) / st;
  ST_CHECK(n128 <= std::numeric_limits<int64_t>::max(), "arange: too many elements (start=", start, ", end=", end,
           ", step=", step, ")");
  int64_t n = static_cast<int64_t>(n128);
  Tensor t = st::empty({n}, dtype);
  dispatch_storage(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    uint64_t v = static_cast<uint64_t>(start);  // every value lies in [start, end): no overflow, computed unsigned
    for (int64_t i = 0; i < n; ++i, v += static_cast<uint64_t>(step))
      p[i] = convert_value<T>(static_cast<int64_t>(v));
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, ScalarType dtype) {
  ST_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  Tensor t = st::empty({steps}, dtype);
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  if (is_reduced_float(dtype))  // PyTorch's step is a value of the dtype, the rest float32 arithmetic
    step = dispatch_storage(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      return static_cast<double>(convert_value<float>(convert_value<T>(step)));
    });
  int64_t half = steps / 2;
  dispatch_storage(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    // Fill from both ends so the last value is exactly `end`, like PyTorch.
    for (int64_t i = 0; i < steps; ++i)
      p[i] = convert_value<T>(steps == 1 ? start : i < half ? start + step * static_cast<double>(i)
                                     : end - step * static_cast<double>(steps - 1 - i));
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, ScalarType dtype) {
  ST_CHECK(n >= 0, "n must be greater or equal to 0, got ", n);
  ST_CHECK(m >= 0, "m must be greater or equal to 0, got ", m);
  Tensor t = zeros({n, m}, dtype);
  dispatch_storage(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = convert_value<T>(1);
  });
  return t;
}

Tensor rand(const IntList& sizes, ScalarType dtype, kernels::Generator* g) {
  ST_CHECK_T(is_floating(dtype), NotImplementedError, "\"check_uniform_bounds\" not implemented for '", dtype_name(dtype), "'");
  Tensor t = st::empty(sizes, dtype);
  kernels::uniform(t, 0.0, 1.0, g);
  return t;
}
Tensor randn(const IntList& sizes, ScalarType dtype, kernels::Generator* g) {
  ST_CHECK_T(is_floating(dtype), NotImplementedError, "\"normal_kernel_cpu\" not implemented for '", dtype_name(dtype),
             "'");
  Tensor t = st::empty(sizes, dtype);
  kernels::normal(t, 0.0, 1.0, g);
  return t;
}
Tensor randint(int64_t low, int64_t high, const IntList& sizes, ScalarType dtype, kernels::Generator* g) {
  ST_CHECK(high > low, "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  if (is_integral(dtype, true)) {  // both ends must be values of the dtype, as PyTorch's random_ checks
    int64_t lo = 0, hi = 1;
    integer_range(dtype, lo, hi);
    const char* name = dtype == ScalarType::Int64 ? "long" : cpp_name(dtype);
    ST_CHECK(low >= lo && low <= hi, "from is out of bounds for ", name);
    ST_CHECK(high - 1 >= lo && high - 1 <= hi, "to - 1 is out of bounds for ", name);
  }
  Tensor t = st::empty(sizes, dtype);
  kernels::randint(t, low, high, g);
  return t;
}

Tensor& uniform_(Tensor& self, double lo, double hi, kernels::Generator* g) {
  check_inplace(self, "uniform_");
  check_no_internal_overlap(self);
  if (is_floating(self.dtype())) {  // the bounds must be finite values of self's dtype, as PyTorch checks
    const double lim = max_finite(self.dtype());
    const char* type = cpp_name(self.dtype());
    ST_CHECK(std::isfinite(lo) && std::fabs(lo) <= lim, "from is out of bounds for ", type);
    ST_CHECK(std::isfinite(hi) && std::fabs(hi) <= lim, "to is out of bounds for ", type);
  }
  ST_CHECK(lo <= hi, "uniform_ expects to return a [from, to) range, but found from=", lo, " > to=", hi);
  ST_CHECK_T(is_floating(self.dtype()), NotImplementedError, "uniform_ is only implemented for floating dtypes, got ",
           dtype_name(self.dtype()));
  kernels::uniform(self, lo, hi, g);
  commit_inplace(self, nullptr);
  return self;
}
Tensor& normal_(Tensor& self, double mean, double std, kernels::Generator* g) {
  check_inplace(self, "normal_");
  check_no_internal_overlap(self);
  ST_CHECK(std >= 0.0, "normal expects std >= 0.0, but found std ", std);
  ST_CHECK_T(is_floating(self.dtype()), NotImplementedError, "normal_ is only implemented for floating dtypes, got ",
           dtype_name(self.dtype()));
  kernels::normal(self, mean, std, g);
  commit_inplace(self, nullptr);
  return self;
}

Scalar item(const Tensor& a) {
  ST_CHECK(a.numel() == 1, "a Tensor with ", a.numel(), " elements cannot be converted to Scalar");
  return dispatch_storage(a.dtype(), [&](auto tag) -> Scalar {
    using T = typename decltype(tag)::type;
    T v = *a.data<T>();
    if constexpr (std::is_same<T, bool>::value) return Scalar(v);
    else if constexpr (is_reduced_float_t<T>::value) return Scalar(static_cast<double>(static_cast<float>(v)));
    else if constexpr (std::is_floating_point<T>::value) return Scalar(static_cast<double>(v));
    else return Scalar(static_cast<int64_t>(v));
  });
}

}  // namespace st::ops
