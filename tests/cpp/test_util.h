// Helpers shared by the smalltorch GoogleTest files (header only; not a test source).
#pragma once
#include <gtest/gtest.h>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>
#include "core/error.h"
#include "core/scalar_type.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace st_test {

using st::DimVector;
using st::ScalarType;
using st::Tensor;

inline const std::vector<ScalarType>& all_dtypes() {
  static const std::vector<ScalarType> v = {ScalarType::Bool,  ScalarType::UInt8,   ScalarType::Int32,
                                            ScalarType::Int64, ScalarType::Float32, ScalarType::Float64};
  return v;
}

// Calls fn(index) for every multi-index of `sizes` in row-major order.
inline void for_each_index(const DimVector& sizes, const std::function<void(const DimVector&)>& fn) {
  int64_t n = 1;
  for (auto s : sizes) n *= s;
  if (n == 0) return;
  DimVector idx(sizes.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    fn(idx);
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      if (++idx[d] < sizes[d]) break;
      idx[d] = 0;
    }
  }
}

// Element offset (in elements, relative to data()) of a multi-index.
inline int64_t elem_offset(const Tensor& t, const DimVector& idx) {
  int64_t off = 0;
  for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.strides()[d];
  return off;
}

// Reads one element (any dtype) as double.
inline double get(const Tensor& t, const DimVector& idx) {
  int64_t off = elem_offset(t, idx);
  return st::dispatch_storage(t.dtype(), [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    return st::convert_value<double>(t.data<T>()[off]);
  });
}

// Writes one element (any dtype) from a double.
inline void set(const Tensor& t, const DimVector& idx, double v) {
  int64_t off = elem_offset(t, idx);
  st::dispatch_storage(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    t.data<T>()[off] = st::convert_value<T>(v);
  });
}

// All elements in logical row-major order, as doubles.
inline std::vector<double> values(const Tensor& t) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(t.numel()));
  for_each_index(t.sizes(), [&](const DimVector& i) { out.push_back(get(t, i)); });
  return out;
}

// A contiguous tensor of `dtype` holding f(linear index) cast to that dtype.
inline Tensor make(const DimVector& sizes, ScalarType dtype, const std::function<double(int64_t)>& f) {
  Tensor t = st::empty(sizes, dtype);
  int64_t k = 0;
  for_each_index(sizes, [&](const DimVector& i) { set(t, i, f(k++)); });
  return t;
}

inline Tensor from(const DimVector& sizes, ScalarType dtype, const std::vector<double>& v) {
  return make(sizes, dtype, [&](int64_t k) { return v.at(static_cast<size_t>(k)); });
}

// Expects `fn` to throw exactly type E (or a subclass) with `needle` in its message.
template <typename E, typename F>
void expect_throw_msg(F&& fn, const std::string& needle, const char* file = __FILE__, int line = __LINE__) {
  try {
    fn();
    ADD_FAILURE_AT(file, line) << "expected an exception containing '" << needle << "'";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message was: " << e.what() << "\nexpected to contain: " << needle;
  } catch (const std::exception& e) {
    ADD_FAILURE_AT(file, line) << "exception of the wrong type thrown: " << e.what();
  }
}

}  // namespace st_test

#define ST_EXPECT_THROW_MSG(stmt, Type, needle) \
  ::st_test::expect_throw_msg<Type>([&]() { stmt; }, needle, __FILE__, __LINE__)
