// kernels layer: every kernel against a naive index loop, on contiguous, transposed,
// stepped and broadcast operands, single- and multi-threaded.
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <cmath>
#include <cstdint>
#include <limits>
#include <algorithm>
#include <set>
#include <string>
#include <vector>
#include "kernels/gather.h"
#include "kernels/isa.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "kernels/random.h"
#include "ops/ops.h"
#include "test_util.h"

namespace {
// Runs f(name) with each ISA table in turn (an ASSERT in f ends that table's run), then restores the table
// that was in use.
template <typename F>
void for_each_isa(F&& f) {
  const std::string prev = st::kernels::isa().name;
  for (const std::string& name : st::kernels::available_isas()) {
    if (!st::kernels::set_isa(name.c_str())) {
      ADD_FAILURE() << "set_isa(" << name << ") failed";
      continue;
    }
    f(name);
  }
  st::kernels::set_isa(prev.c_str());
}
}  // namespace

using namespace st;
using st_test::all_dtypes;
using st_test::for_each_index;
using st_test::get;

namespace {

DimVector dv(std::initializer_list<int64_t> il) { return DimVector(il); }

// Restores the thread count when a test ends.
struct ThreadGuard {
  int prev = kernels::get_num_threads();
  ~ThreadGuard() { kernels::set_num_threads(prev); }
};

// Value of `t` at the index `out_idx` of the broadcast shape (right-aligned, size-1 dims read at 0).
double get_bcast(const Tensor& t, const DimVector& out_idx) {
  DimVector idx(t.dim());
  size_t off = out_idx.size() - static_cast<size_t>(t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) idx[d] = t.sizes()[d] == 1 ? 0 : out_idx[off + d];
  return get(t, idx);
}

// Operand layouts: every one yields a tensor of logical shape `sizes` whose
// element k (row-major) is f(k).
enum class Layout { Contiguous, Transposed, Stepped, Offset };
const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Contiguous: return "contiguous";
    case Layout::Transposed: return "transposed";
    case Layout::Stepped: return "stepped";
    default: return "offset";
  }
}

Tensor make_layout(const DimVector& sizes, ScalarType dt, Layout l, const std::function<double(int64_t)>& f) {
  switch (l) {
    case Layout::Contiguous: return st_test::make(sizes, dt, f);
    case Layout::Transposed: {
      // storage laid out with the dims reversed, viewed back as `sizes`
      std::vector<int64_t> sv = sizes.vec();
      DimVector rev(sv.rbegin(), sv.rend());
      Tensor base = st::empty(rev, dt);
      std::vector<int64_t> rs = base.strides().vec();
      DimVector strides(rs.rbegin(), rs.rend());
      Tensor v = make_view(base, sizes, strides, 0);
      int64_t k = 0;
      for_each_index(sizes, [&](const DimVector& i) { st_test::set(v, i, f(k++)); });
      return v;
    }
    case Layout::Stepped: {
      // every other element of the last dim of a wider buffer, starting at offset 1
      DimVector wide = sizes;
      wide.back() = wide.back() * 2 + 1;
      Tensor base = st_test::make(wide, dt, [](int64_t) { return 0.0; });
      DimVector strides = base.strides();
      strides.back() = 2;
      Tensor v = make_view(base, sizes, strides, 1);
      int64_t k = 0;
      for_each_index(sizes, [&](const DimVector& i) { st_test::set(v, i, f(k++)); });
      return v;
    }
    default: {
      // contiguous data at a nonzero storage offset
      int64_t n = 1;
      for (auto s : sizes) n *= s;
      Tensor base = st::empty(dv({n + 3}), dt);
      Tensor v = make_view(base, sizes, contiguous_strides(sizes), 3);
      int64_t k = 0;
      for_each_index(sizes, [&](const DimVector& i) { st_test::set(v, i, f(k++)); });
      return v;
    }
  }
}

// Reference semantics of the binary kernels, computed in T like the library documents.
template <typename T>
T ref_binary(kernels::BinaryOp op, T a, T b) {
  using kernels::BinaryOp;
  if constexpr (std::is_same<T, bool>::value) {
    switch (op) {
      case BinaryOp::Add: return a || b;
      case BinaryOp::Mul: return a && b;
      default: return false;
    }
  } else if constexpr (std::is_floating_point<T>::value) {
    switch (op) {
      case BinaryOp::Add: return a + b;
      case BinaryOp::Sub: return a - b;
      case BinaryOp::Mul: return a * b;
      case BinaryOp::Div: return a / b;
      case BinaryOp::Pow: return static_cast<T>(std::pow(a, b));
    }
  } else {
    int64_t x = a, y = b;
    switch (op) {
      case BinaryOp::Add: return static_cast<T>(x + y);
      case BinaryOp::Sub: return static_cast<T>(x - y);
      case BinaryOp::Mul: return static_cast<T>(x * y);
      case BinaryOp::Div: return static_cast<T>(x / y);
      case BinaryOp::Pow: {
        int64_t r = 1;
        for (int64_t i = 0; i < y; ++i) r *= x;
        return static_cast<T>(r);
      }
    }
  }
  return T();
}

std::vector<kernels::BinaryOp> ops_for(ScalarType dt) {
  using kernels::BinaryOp;
  if (dt == ScalarType::Bool) return {BinaryOp::Add, BinaryOp::Mul};
  if (is_floating(dt)) return {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Pow};
  return {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Pow};
}

// Operand values chosen so every op is well defined for the dtype
// (no zero divisors, small non-negative integer exponents, no signed overflow).
double val_a(ScalarType dt, int64_t k) {
  if (dt == ScalarType::Bool) return (k % 3) == 0;
  if (is_floating(dt)) return 0.25 + static_cast<double>(k % 17) * 0.5;
  return static_cast<double>(k % 13);
}
double val_b(ScalarType dt, int64_t k) {
  if (dt == ScalarType::Bool) return (k % 2) == 0;
  if (is_floating(dt)) return 0.5 + static_cast<double>((k * 7) % 5) * 0.25;
  return static_cast<double>(1 + (k * 7) % 3);
}

std::string op_name(kernels::BinaryOp op) {
  const char* n[] = {"Add", "Sub", "Mul", "Div", "Pow"};
  return n[static_cast<int>(op)];
}

// Runs kernels::binary into `out` and compares each element with ref_binary.
void check_binary(kernels::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, const std::string& what) {
  kernels::binary(op, out, a, b);
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t bad = 0;
    for_each_index(out.sizes(), [&](const DimVector& i) {
      T x = static_cast<T>(get_bcast(a, i)), y = static_cast<T>(get_bcast(b, i));
      T want = ref_binary<T>(op, x, y);
      T got = static_cast<T>(get(out, i));
      if (!(got == want) && bad++ < 3)
        ADD_FAILURE() << what << " " << op_name(op) << " " << dtype_name(out.dtype()) << " at "
                      << shape_str(i) << ": got " << +got << " want " << +want;
    });
  });
}

}  // namespace

// ------------------------------------------------------------------ binary

TEST(KernelBinary, AllLayoutsAllDtypes) {
  const DimVector shape{5, 7};
  const Layout layouts[] = {Layout::Contiguous, Layout::Transposed, Layout::Stepped, Layout::Offset};
  for (auto dt : all_dtypes())
    for (auto op : ops_for(dt))
      for (Layout la : layouts)
        for (Layout lb : {Layout::Contiguous, Layout::Stepped, Layout::Transposed}) {
          Tensor a = make_layout(shape, dt, la, [&](int64_t k) { return val_a(dt, k); });
          Tensor b = make_layout(shape, dt, lb, [&](int64_t k) { return val_b(dt, k); });
          Tensor out = st::empty(shape, dt);
          check_binary(op, out, a, b, std::string(layout_name(la)) + "/" + layout_name(lb));
        }
}

TEST(KernelBinary, NonContiguousOutput) {
  const DimVector shape{6, 4};
  for (auto dt : all_dtypes())
    for (auto op : ops_for(dt)) {
      Tensor a = make_layout(shape, dt, Layout::Stepped, [&](int64_t k) { return val_a(dt, k); });
      Tensor b = make_layout(shape, dt, Layout::Contiguous, [&](int64_t k) { return val_b(dt, k); });
      Tensor out = make_layout(shape, dt, Layout::Transposed, [](int64_t) { return 0.0; });
      check_binary(op, out, a, b, "transposed out");
    }
}

TEST(KernelBinary, BroadcastStrideZero) {
  const DimVector shape{4, 3, 5};
  // b shapes that broadcast to `shape`, and a few broadcasting a as well
  const std::vector<std::pair<DimVector, DimVector>> cases = {
      {shape, dv({5})},          {shape, dv({3, 1})},    {shape, dv({})},
      {shape, dv({4, 1, 5})},    {dv({3, 1}), dv({4, 1, 5})}, {dv({1, 1, 5}), dv({4, 3, 1})},
      {dv({}), shape},
  };
  for (auto dt : all_dtypes())
    for (auto op : ops_for(dt))
      for (auto& [sa, sb] : cases) {
        Tensor a = st_test::make(sa, dt, [&](int64_t k) { return val_a(dt, k); });
        Tensor b = st_test::make(sb, dt, [&](int64_t k) { return val_b(dt, k); });
        Tensor out = st::empty(shape, dt);
        check_binary(op, out, a, b, shape_str(sa) + " op " + shape_str(sb));
      }
}

TEST(KernelBinary, ExpandedViewOperand) {
  // an explicitly expanded operand (stride 0 on a size > 1 dim, as ops::expand makes)
  for (auto dt : {ScalarType::Int32, ScalarType::Float64}) {
    Tensor row = st_test::make(dv({6}), dt, [&](int64_t k) { return val_b(dt, k); });
    Tensor b = make_view(row, dv({4, 6}), dv({0, 1}), 0);
    Tensor a = make_layout(dv({4, 6}), dt, Layout::Transposed, [&](int64_t k) { return val_a(dt, k); });
    for (auto op : ops_for(dt)) check_binary(op, st::empty(dv({4, 6}), dt), a, b, "expanded");
  }
}

TEST(KernelBinary, IntegerWrapAround) {
  Tensor a = st_test::from(dv({3}), ScalarType::UInt8, {250, 0, 128});
  Tensor b = st_test::from(dv({3}), ScalarType::UInt8, {10, 1, 2});
  Tensor out = st::empty(dv({3}), ScalarType::UInt8);
  kernels::binary(kernels::BinaryOp::Add, out, a, b);
  EXPECT_EQ(st_test::values(out), (std::vector<double>{4, 1, 130}));  // (250 + 10) mod 256
  kernels::binary(kernels::BinaryOp::Sub, out, b, a);
  EXPECT_EQ(st_test::values(out), (std::vector<double>{(10 + 256 - 250) % 256, 1, (2 + 256 - 128) % 256}));
}

TEST(KernelBinary, LargeTwoThreadsMatchesOneThread) {
  ThreadGuard g;
  const DimVector shape{300, 500};  // 150000 > 2^17 elements
  ASSERT_GT(300 * 500, 1 << 17);
  for (auto dt : {ScalarType::Float32, ScalarType::Int64}) {
    Tensor a = st_test::make(shape, dt, [&](int64_t k) { return val_a(dt, k); });
    Tensor at = make_layout(shape, dt, Layout::Transposed, [&](int64_t k) { return val_a(dt, k); });
    Tensor b = st_test::make(dv({500}), dt, [&](int64_t k) { return val_b(dt, k); });
    Tensor bf = st_test::make(shape, dt, [&](int64_t k) { return val_b(dt, k * 3); });
    for (auto op : {kernels::BinaryOp::Add, kernels::BinaryOp::Mul, kernels::BinaryOp::Div}) {
      for (auto [x, y] : {std::pair<Tensor, Tensor>{a, bf}, {a, b}, {at, b}, {at, bf}}) {
        kernels::set_num_threads(1);
        ASSERT_EQ(kernels::get_num_threads(), 1);
        Tensor o1 = st::empty(shape, dt);
        kernels::binary(op, o1, x, y);
        kernels::set_num_threads(2);
        ASSERT_EQ(kernels::get_num_threads(), 2);
        Tensor o2 = st::empty(shape, dt);
        check_binary(op, o2, x, y, "2 threads");
        EXPECT_EQ(std::memcmp(o1.raw_data(), o2.raw_data(), o1.numel() * element_size(dt)), 0);
      }
    }
  }
}

TEST(KernelBinary, InPlaceAliasedOutput) {
  // out == a (as in-place ops call it)
  Tensor a = st_test::make(dv({3, 4}), ScalarType::Float64, [](int64_t k) { return k + 1.0; });
  Tensor b = st_test::make(dv({4}), ScalarType::Float64, [](int64_t k) { return 10.0 * k; });
  kernels::binary(kernels::BinaryOp::Add, a, a, b);
  std::vector<double> want;
  for (int64_t k = 0; k < 12; ++k) want.push_back(k + 1.0 + 10.0 * (k % 4));
  EXPECT_EQ(st_test::values(a), want);
}

// a + alpha * b rounded once (a fused multiply-add, as PyTorch's add with alpha) on every ISA,
// contiguous (vector loop and tail) and broadcast; integers wrap.
TEST(KernelAddScaled, FloatsRoundOnceIntegersWrap) {
  for_each_isa([&](const std::string& name) {
    for (ScalarType dt : {ScalarType::Float32, ScalarType::Float64}) {
      Tensor a = st_test::make(dv({37, 41}), dt, [](int64_t k) { return std::sin(0.37 * k) * 3.1; });
      Tensor b = st_test::make(dv({37, 41}), dt, [](int64_t k) { return std::cos(0.11 * k) * 1.7; });
      Tensor row = st_test::make(dv({41}), dt, [](int64_t k) { return 0.3 + k / 7.0; });
      for (const Tensor* bb : {&b, &row}) {
        Tensor out = empty(dv({37, 41}), dt);
        kernels::add_scaled(out, a, *bb, Scalar(0.3));
        std::vector<double> va = st_test::values(a), vo = st_test::values(out);
        std::vector<double> vb = st_test::values(*bb);
        for (size_t k = 0; k < vo.size(); ++k) {
          const double bk = bb == &b ? vb[k] : vb[k % 41];
          double want = dt == ScalarType::Float32
                            ? double(std::fma(float(bk), 0.3f, float(va[k])))
                            : std::fma(bk, 0.3, va[k]);
          ASSERT_EQ(vo[k], want) << name << " " << k;
        }
      }
    }
    Tensor i = st_test::make(dv({100}), ScalarType::Int32, [](int64_t k) { return 2147483000.0 + k; });
    Tensor out = empty(dv({100}), ScalarType::Int32);
    kernels::add_scaled(out, i, i, Scalar(int64_t(3)));
    std::vector<double> vo = st_test::values(out);
    for (int64_t k = 0; k < 100; ++k) {
      const uint32_t x = uint32_t(2147483000 + k);
      ASSERT_EQ(int64_t(vo[size_t(k)]), int64_t(int32_t(x + 3u * x))) << name;
    }
  });
}

// Every ISA table's tile transposition: item sizes 1, 2, 4 and 8 bytes, rows and columns short of,
// equal to and past a block (including the 6-column tiles a float32 product packs), a column stride
// wider than the rows; every destination element against the index formula, nothing written past it.
TEST(KernelTransposeTile, EveryTableItemAndRaggedEdge) {
  for_each_isa([&](const std::string& name) {
    for (int64_t item : {1, 2, 4, 8})
      for (int64_t rows : {1, 3, 8, 13, 16, 21})
        for (int64_t cols : {1, 2, 4, 5, 6, 7, 8, 12, 17}) {
          const int64_t cstride = (rows + 3) * item;
          std::vector<char> src(cols * cstride), dst(rows * cols * item + 64, char(-3));
          for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<char>(i * 13 + 5);
          kernels::isa().transpose_tile(dst.data(), src.data(), cstride, rows, cols, item);
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c)
              for (int64_t b = 0; b < item; ++b)
                ASSERT_EQ(dst[(r * cols + c) * item + b], src[c * cstride + r * item + b])
                    << name << " item " << item << " rows " << rows << " cols " << cols << " at " << r << "," << c;
          for (size_t i = rows * cols * item; i < dst.size(); ++i) ASSERT_EQ(dst[i], char(-3)) << name;
        }
  });
}

// Every ISA table's contiguous sums: lengths around every vector and leaf boundary, each read ending right
// before NaNs (a load past the end, such as a partial vector not masked, would show as NaN), and row sums whose
// rows are separated by NaN gaps.
TEST(KernelContiguousSum, EveryTableReadsNothingPastTheEnd) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for_each_isa([&](const std::string& name) {
    for (int64_t n = 0; n <= 1100; n += (n < 70 ? 1 : 97)) {
      std::vector<float> f(n + 32, float(nan));
      std::vector<double> d(n + 32, nan);
      double want = 0;
      for (int64_t i = 0; i < n; ++i) {
        d[i] = std::sin(0.7 * double(i)) + 0.25;
        f[i] = float(d[i]);
        want += double(f[i]);
      }
      ASSERT_NEAR(kernels::isa().sum_f32(f.data(), n), want, 1e-4) << name << " n " << n;
      double wd = 0;
      for (int64_t i = 0; i < n; ++i) wd += d[i];
      ASSERT_NEAR(kernels::isa().sum_f64(d.data(), n), wd, 1e-9) << name << " n " << n;
    }
    for (int64_t n : {1, 3, 7, 8, 9, 15, 33, 100}) {
      const int64_t rows = 5, stride = n + 3;
      std::vector<float> a(rows * stride, std::numeric_limits<float>::quiet_NaN());
      std::vector<float> out(rows * 2, 1.0f);  // the loop adds to out (every other element)
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < n; ++i) a[r * stride + i] = float(r + 1) * 0.5f;
      kernels::isa().sum_rows_f32(out.data(), 2, a.data(), stride, rows, n);
      for (int64_t r = 0; r < rows; ++r) {
        ASSERT_FLOAT_EQ(out[r * 2], 1.0f + float(n) * float(r + 1) * 0.5f) << name << " n " << n;
        ASSERT_EQ(out[r * 2 + 1], 1.0f) << name;
      }
    }
  });
}

// Every ISA table's softmax rows against a double-precision reference: rows shorter than a vector, a whole
// number of vectors, ragged, and longer than one summing chunk (512); log and plain; the backward from a
// gradient g; a row of -inf, one with +inf and one with a NaN (all NaN out, as PyTorch gives).
TEST(KernelSoftmaxRows, EveryTableAgainstDoubleReference) {
  const double inf = std::numeric_limits<double>::infinity();
  for_each_isa([&](const std::string& name) {
    for (int64_t n : {1, 5, 8, 16, 19, 700, 1100})
      for (bool log : {false, true}) {
        const int64_t rows = 3;
        std::vector<float> a(rows * n), g(rows * n), out(rows * n), grad(rows * n);
        for (int64_t i = 0; i < rows * n; ++i) {
          a[i] = float(std::sin(0.37 * double(i)) * 6.0 + (i % 7 == 0 ? 40.0 : 0.0));
          g[i] = float(std::cos(0.11 * double(i)));
        }
        kernels::isa().softmax_rows_f32(log, out.data(), a.data(), rows, n);
        kernels::isa().softmax_backward_rows_f32(log, grad.data(), g.data(), out.data(), rows, n);
        for (int64_t r = 0; r < rows; ++r) {
          const float* x = a.data() + r * n;
          double m = -inf, sum = 0, gsum = 0;
          for (int64_t i = 0; i < n; ++i) m = std::max(m, double(x[i]));
          for (int64_t i = 0; i < n; ++i) sum += std::exp(double(x[i]) - m);
          for (int64_t i = 0; i < n; ++i) {
            const double p = std::exp(double(x[i]) - m) / sum, y = out[r * n + i];
            const double want = log ? double(x[i]) - m - std::log(sum) : p;
            ASSERT_NEAR(y, want, 2e-6 * std::max(1.0, std::abs(want))) << name << " n " << n << " log " << log;
            gsum += log ? double(g[r * n + i]) : double(g[r * n + i]) * y;
          }
          for (int64_t i = 0; i < n; ++i) {
            const double y = out[r * n + i], gi = g[r * n + i];
            const double want = log ? gi - std::exp(y) * gsum : y * (gi - gsum);
            ASSERT_NEAR(grad[r * n + i], want, 1e-5 * std::max(1.0, std::abs(want))) << name << " n " << n;
          }
        }
      }
    const float fi = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    for (bool log : {false, true}) {
      const std::vector<float> a = {-fi, -fi, -fi, 1.0f, fi, 2.0f, 1.0f, nan, 3.0f};
      std::vector<float> out(9);
      kernels::isa().softmax_rows_f32(log, out.data(), a.data(), 3, 3);
      for (int64_t i = 0; i < 9; ++i) ASSERT_TRUE(std::isnan(out[i])) << name << " at " << i;  // as PyTorch's
    }
  });
}

// ------------------------------------------------------------------ binary_scalar

// Every ISA table's non-temporal copy: any destination alignment, any length (the
// unaligned head and the tail shorter than a vector are copied plainly).
TEST(KernelStreamCopy, EveryTableEveryAlignmentAndLength) {
  std::vector<char> src(1000), dst(1100);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<char>(i * 7 + 3);
  for_each_isa([&](const std::string& name) {
    const kernels::IsaTable* t = &kernels::isa();
    for (int off = 0; off < 64; off += 5) {
      for (int64_t bytes : {0, 1, 15, 16, 63, 64, 65, 200, 513, 999}) {
        std::fill(dst.begin(), dst.end(), char(-1));
        t->stream_copy(dst.data() + off, src.data(), bytes);
        t->stream_fence();
        for (int64_t i = 0; i < static_cast<int64_t>(dst.size()); ++i) {
          const char want = i >= off && i < off + bytes ? src[i - off] : char(-1);
          ASSERT_EQ(dst[i], want) << t->name << " offset " << off << " bytes " << bytes << " at " << i;
        }
      }
    }
  });
}

TEST(KernelBinaryScalar, BothOrders) {
  const DimVector shape{4, 5};
  for (auto dt : all_dtypes()) {
    if (dt == ScalarType::Bool) continue;
    Scalar s = is_floating(dt) ? Scalar(1.75) : Scalar(int64_t(2));
    for (auto op : ops_for(dt))
      for (bool first : {false, true})
        for (Layout l : {Layout::Contiguous, Layout::Transposed, Layout::Stepped}) {
          // keep a >= 1 so int division and powers stay well defined in both orders
          Tensor a = make_layout(shape, dt, l, [&](int64_t k) { return is_floating(dt) ? val_a(dt, k) : 1 + k % 4; });
          Tensor out = st::empty(shape, dt);
          kernels::binary_scalar(op, out, a, s, first);
          dispatch_all(dt, [&](auto tag) {
            using T = typename decltype(tag)::type;
            T sv = s.to<T>();
            for_each_index(shape, [&](const DimVector& i) {
              T x = static_cast<T>(get(a, i));
              T want = first ? ref_binary<T>(op, sv, x) : ref_binary<T>(op, x, sv);
              ASSERT_EQ(static_cast<T>(get(out, i)), want)
                  << op_name(op) << " " << dtype_name(dt) << " first=" << first << " " << layout_name(l);
            });
          });
        }
  }
}

TEST(KernelBinaryScalar, ScalarConvertedToTensorDtype) {
  // 2.9 becomes 2 in an int32 kernel
  Tensor a = st_test::from(dv({3}), ScalarType::Int32, {1, 2, 3});
  Tensor out = st::empty(dv({3}), ScalarType::Int32);
  kernels::binary_scalar(kernels::BinaryOp::Mul, out, a, Scalar(2.9), false);
  EXPECT_EQ(st_test::values(out), (std::vector<double>{2, 4, 6}));
}

// ------------------------------------------------------------------ unary

TEST(KernelUnary, Neg) {
  for (auto dt : all_dtypes()) {
    if (dt == ScalarType::Bool) continue;
    for (Layout l : {Layout::Contiguous, Layout::Transposed, Layout::Stepped}) {
      Tensor a = make_layout(dv({3, 6}), dt, l, [&](int64_t k) { return val_a(dt, k); });
      Tensor out = make_layout(dv({3, 6}), dt, l, [](int64_t) { return 0.0; });
      kernels::unary(kernels::UnaryOp::Neg, out, a);
      dispatch_all(dt, [&](auto tag) {
        using T = typename decltype(tag)::type;
        for_each_index(a.sizes(), [&](const DimVector& i) {
          T x = static_cast<T>(get(a, i));
          EXPECT_EQ(static_cast<T>(get(out, i)), static_cast<T>(-x)) << dtype_name(dt);
        });
      });
    }
  }
}

// ------------------------------------------------------------------ copy / fill

namespace {
// Values representable (after truncation) in every dtype: non-negative, < 128.
double copy_val(ScalarType src, int64_t k) {
  if (src == ScalarType::Bool) return k % 3 == 1;
  if (is_floating(src)) return static_cast<double>(k % 9) * 0.75;  // fractional parts truncate
  return static_cast<double>((k * 5) % 120);
}

void check_copy(const Tensor& dst, const Tensor& src, const std::string& what) {
  kernels::copy(dst, src);
  dispatch_all(dst.dtype(), [&](auto dtag) {
    using D = typename decltype(dtag)::type;
    dispatch_all(src.dtype(), [&](auto stag) {
      using S = typename decltype(stag)::type;
      int64_t bad = 0;
      for_each_index(dst.sizes(), [&](const DimVector& i) {
        S s = static_cast<S>(get_bcast(src, i));
        D want = static_cast<D>(s);
        D got = static_cast<D>(get(dst, i));
        if (!(got == want) && bad++ < 3)
          ADD_FAILURE() << what << " " << dtype_name(src.dtype()) << " -> " << dtype_name(dst.dtype()) << " at "
                        << shape_str(i) << ": got " << +got << " want " << +want;
      });
    });
  });
}
}  // namespace

TEST(KernelCopy, AllDtypePairsAndLayouts) {
  int pairs = 0;
  for (auto sdt : all_dtypes())
    for (auto ddt : all_dtypes()) {
      ++pairs;
      for (Layout ls : {Layout::Contiguous, Layout::Transposed, Layout::Stepped})
        for (Layout ld : {Layout::Contiguous, Layout::Transposed}) {
          Tensor src = make_layout(dv({4, 5}), sdt, ls, [&](int64_t k) { return copy_val(sdt, k); });
          Tensor dst = make_layout(dv({4, 5}), ddt, ld, [](int64_t) { return 0.0; });
          check_copy(dst, src, std::string(layout_name(ls)) + "->" + layout_name(ld));
        }
    }
  EXPECT_EQ(pairs, 36);
}

TEST(KernelCopy, FromBroadcastSources) {
  for (auto sdt : all_dtypes())
    for (auto ddt : all_dtypes())
      for (DimVector ss : {dv({}), dv({5}), dv({3, 1}), dv({1, 5}), dv({2, 1, 5})}) {
        Tensor src = st_test::make(ss, sdt, [&](int64_t k) { return copy_val(sdt, k + 1); });
        Tensor dst = st::empty(dv({2, 3, 5}), ddt);
        check_copy(dst, src, "broadcast " + shape_str(ss));
      }
}

TEST(KernelCopy, BoolAndTruncationSemantics) {
  Tensor f = st_test::from(dv({4}), ScalarType::Float64, {0.0, 0.25, -2.0, 3.99});
  Tensor b = st::empty(dv({4}), ScalarType::Bool);
  kernels::copy(b, f);
  EXPECT_EQ(st_test::values(b), (std::vector<double>{0, 1, 1, 1}));
  Tensor i = st::empty(dv({4}), ScalarType::Int32);
  kernels::copy(i, f);
  EXPECT_EQ(st_test::values(i), (std::vector<double>{0, 0, -2, 3}));
  Tensor big = st_test::from(dv({2}), ScalarType::Int64, {300, 511});
  Tensor u = st::empty(dv({2}), ScalarType::UInt8);
  kernels::copy(u, big);
  EXPECT_EQ(st_test::values(u), (std::vector<double>{300 % 256, 511 % 256}));
}

TEST(KernelCopy, LargeSameDtypeAndCast) {
  ThreadGuard g;
  kernels::set_num_threads(2);
  const DimVector shape{400, 400};
  Tensor src = st_test::make(shape, ScalarType::Float32, [](int64_t k) { return double(k % 1000) + 0.5; });
  Tensor dst = st::empty(shape, ScalarType::Float32);
  kernels::copy(dst, src);
  EXPECT_EQ(std::memcmp(dst.raw_data(), src.raw_data(), src.numel() * 4), 0);
  Tensor d64 = st::empty(shape, ScalarType::Float64);
  Tensor srcT = make_view(src, dv({400, 400}), dv({1, 400}), 0);
  check_copy(d64, srcT, "large transposed");
}

TEST(KernelFill, AllDtypesContiguousAndStrided) {
  for (auto dt : all_dtypes()) {
    Scalar v = dt == ScalarType::Bool ? Scalar(true) : is_floating(dt) ? Scalar(2.5) : Scalar(int64_t(7));
    double want = dt == ScalarType::Bool ? 1.0 : is_floating(dt) ? 2.5 : 7.0;
    Tensor t = st::empty(dv({3, 4}), dt);
    kernels::fill(t, v);
    for (double x : st_test::values(t)) EXPECT_EQ(x, want) << dtype_name(dt);
    // fill only column 1 of a zero buffer: the rest must stay untouched
    Tensor base = st_test::make(dv({3, 4}), dt, [](int64_t) { return 0.0; });
    Tensor col = make_view(base, dv({3}), dv({4}), 1);
    kernels::fill(col, v);
    for_each_index(base.sizes(), [&](const DimVector& i) {
      EXPECT_EQ(get(base, i), i[1] == 1 ? want : 0.0) << dtype_name(dt) << shape_str(i);
    });
  }
  Tensor z = st::empty(dv({0, 3}), ScalarType::Float32);
  EXPECT_NO_THROW(kernels::fill(z, Scalar(1.0)));
}

// ------------------------------------------------------------------ sum

namespace {

ScalarType acc_type(ScalarType t) { return is_floating(t) ? t : ScalarType::Int64; }

DimVector keep_shape(const DimVector& sizes, const std::vector<bool>& reduce) {
  DimVector o = sizes;
  for (size_t d = 0; d < o.size(); ++d)
    if (reduce[d]) o[d] = 1;
  return o;
}

// Naive sums (in long double) into the keepdim layout.
std::vector<long double> naive_sum(const Tensor& in, const std::vector<bool>& reduce) {
  DimVector os = keep_shape(in.sizes(), reduce);
  DimVector ostr = contiguous_strides(os);
  int64_t on = 1;
  for (auto s : os) on *= s;
  std::vector<long double> out(static_cast<size_t>(on), 0.0L);
  for_each_index(in.sizes(), [&](const DimVector& i) {
    int64_t o = 0;
    for (size_t d = 0; d < i.size(); ++d) o += (reduce[d] ? 0 : i[d]) * ostr[d];
    out[static_cast<size_t>(o)] += static_cast<long double>(get(in, i));
  });
  return out;
}

void check_sum(const Tensor& in, const std::vector<bool>& reduce, const std::string& what) {
  Tensor out = st::empty(keep_shape(in.sizes(), reduce), acc_type(in.dtype()));
  kernels::sum(out, in, reduce);
  std::vector<long double> want = naive_sum(in, reduce);
  std::vector<double> got = st_test::values(out);
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    if (is_floating(in.dtype())) {
      double tol = (in.dtype() == ScalarType::Float32 ? 1e-5 : 1e-12) * (1.0 + std::fabs((double)want[k]));
      EXPECT_NEAR(got[k], (double)want[k], tol) << what << " " << dtype_name(in.dtype()) << " out[" << k << "]";
    } else {
      EXPECT_EQ(got[k], (double)want[k]) << what << " " << dtype_name(in.dtype()) << " out[" << k << "]";
    }
  }
}

std::vector<std::vector<bool>> reduce_sets(size_t nd) {
  std::vector<std::vector<bool>> r;
  for (uint32_t mask = 1; mask < (1u << nd); ++mask) {
    std::vector<bool> v(nd);
    for (size_t d = 0; d < nd; ++d) v[d] = (mask >> d) & 1;
    r.push_back(v);
  }
  return r;
}

std::string mask_str(const std::vector<bool>& m) {
  std::string s;
  for (bool b : m) s += b ? '1' : '0';
  return s;
}

double sum_val(ScalarType dt, int64_t k) {
  if (dt == ScalarType::Bool) return (k % 3) != 0;
  if (is_floating(dt)) return std::sin(static_cast<double>(k)) * 3.0;
  return static_cast<double>((k * 37) % 101);
}

}  // namespace

TEST(KernelSum, EveryDimSubsetContiguous) {
  const DimVector shape{4, 5, 6};
  for (auto dt : all_dtypes()) {
    Tensor in = st_test::make(shape, dt, [&](int64_t k) { return sum_val(dt, k); });
    for (auto& m : reduce_sets(3)) check_sum(in, m, "contiguous " + mask_str(m));
  }
}

TEST(KernelSum, EveryDimSubsetPermutedAndStepped) {
  for (auto dt : all_dtypes()) {
    // a permuted view: storage [6, 4, 5] seen as [4, 5, 6]
    Tensor base = st_test::make(dv({6, 4, 5}), dt, [&](int64_t k) { return sum_val(dt, k); });
    Tensor perm = make_view(base, dv({4, 5, 6}), dv({5, 1, 20}), 0);
    for (auto& m : reduce_sets(3)) check_sum(perm, m, "permuted " + mask_str(m));
    Tensor trans = make_layout(dv({4, 5, 6}), dt, Layout::Transposed, [&](int64_t k) { return sum_val(dt, k); });
    for (auto& m : reduce_sets(3)) check_sum(trans, m, "reversed " + mask_str(m));
    Tensor step = make_layout(dv({4, 5, 6}), dt, Layout::Stepped, [&](int64_t k) { return sum_val(dt, k); });
    for (auto& m : reduce_sets(3)) check_sum(step, m, "stepped " + mask_str(m));
  }
}

TEST(KernelSum, SizeOneDimsZeroDimAndEmpty) {
  Tensor a = st_test::make(dv({3, 1, 4}), ScalarType::Float64, [](int64_t k) { return k * 0.5; });
  for (auto& m : reduce_sets(3)) check_sum(a, m, "size-1 " + mask_str(m));
  Tensor s = st_test::from(dv({}), ScalarType::Int32, {42});
  Tensor o = st::empty(dv({}), ScalarType::Int64);
  kernels::sum(o, s, {});
  EXPECT_EQ(get(o, {}), 42.0);
  Tensor e = st::empty(dv({3, 0}), ScalarType::Float32);
  Tensor eo = st::empty(dv({3, 1}), ScalarType::Float32);
  kernels::sum(eo, e, {false, true});
  EXPECT_EQ(st_test::values(eo), (std::vector<double>{0, 0, 0}));
}

// following out's strides, so a non-contiguous `out` gets stray zeros and unzeroed elements.
TEST(KernelSum, KeepdimLayoutWithStridedOutput) {
  // output given as a non-contiguous [3, 1] view: only its elements are written
  Tensor in = st_test::make(dv({3, 4}), ScalarType::Float64, [](int64_t k) { return double(k); });
  Tensor buf = st_test::make(dv({6}), ScalarType::Float64, [](int64_t) { return -1.0; });
  Tensor out = make_view(buf, dv({3, 1}), dv({2, 1}), 0);
  kernels::sum(out, in, {false, true});
  EXPECT_EQ(st_test::values(buf), (std::vector<double>{0 + 1 + 2 + 3, -1, 4 + 5 + 6 + 7, -1, 8 + 9 + 10 + 11, -1}));
}

TEST(KernelSum, KeepdimLayoutContiguousOutput) {
  Tensor in = st_test::make(dv({3, 4}), ScalarType::Float64, [](int64_t k) { return double(k); });
  Tensor out = st_test::make(dv({3, 1}), ScalarType::Float64, [](int64_t) { return -1.0; });  // garbage first
  kernels::sum(out, in, {false, true});
  EXPECT_EQ(st_test::values(out), (std::vector<double>{0 + 1 + 2 + 3, 4 + 5 + 6 + 7, 8 + 9 + 10 + 11}));
  Tensor out0 = st_test::make(dv({1, 4}), ScalarType::Float64, [](int64_t) { return 5.0; });
  kernels::sum(out0, in, {true, false});
  EXPECT_EQ(st_test::values(out0), (std::vector<double>{12, 15, 18, 21}));
}

TEST(KernelSum, Float32OnesAreExact) {
  const int64_t n = 10000000;
  Tensor ones = ops::ones(dv({n}), ScalarType::Float32);
  Tensor out = st::empty(dv({1}), ScalarType::Float32);
  kernels::sum(out, ones, {true});
  EXPECT_EQ(out.data<float>()[0], 1e7f);
  Tensor m = ops::mean(ones);
  ASSERT_EQ(m.dtype(), ScalarType::Float32);
  EXPECT_EQ(m.data<float>()[0], 1.0f);
  // as a 2-d tensor reduced over the inner dim only, too
  Tensor ones2 = ops::ones(dv({2, n / 2}), ScalarType::Float32);
  Tensor out2 = st::empty(dv({2, 1}), ScalarType::Float32);
  kernels::sum(out2, ones2, {false, true});
  EXPECT_EQ(st_test::values(out2), (std::vector<double>{5e6, 5e6}));
}

TEST(KernelSum, Float32PairwiseAccuracy) {
  // 10^7 copies of 0.1f: a naive float32 loop is off by ~10%, pairwise by ~1e-7.
  const int64_t n = 10000000;
  Tensor t = ops::full(dv({n}), Scalar(0.1), ScalarType::Float32);
  Tensor out = st::empty(dv({1}), ScalarType::Float32);
  kernels::sum(out, t, {true});
  double exact = static_cast<double>(0.1f) * static_cast<double>(n);
  EXPECT_NEAR(out.data<float>()[0], exact, exact * 1e-5);
  Tensor m = ops::mean(t);
  EXPECT_NEAR(m.data<float>()[0], 0.1f, 1e-6);
}

TEST(KernelSum, LargeInputOneVsTwoThreadsRowReductions) {
  ThreadGuard g;
  const DimVector shape{384, 400};  // 153600 > 2^17
  Tensor in = st_test::make(shape, ScalarType::Float32, [](int64_t k) { return std::sin(double(k)); });
  Tensor inT = make_layout(shape, ScalarType::Float32, Layout::Transposed, [](int64_t k) { return std::sin(double(k)); });
  for (const Tensor& x : {in, inT})
    for (auto m : {std::vector<bool>{false, true}, std::vector<bool>{true, false}}) {
      kernels::set_num_threads(1);
      Tensor o1 = st::empty(keep_shape(shape, m), ScalarType::Float32);
      kernels::sum(o1, x, m);
      kernels::set_num_threads(2);
      Tensor o2 = st::empty(keep_shape(shape, m), ScalarType::Float32);
      kernels::sum(o2, x, m);
      EXPECT_EQ(std::memcmp(o1.raw_data(), o2.raw_data(), o1.numel() * 4), 0) << mask_str(m);
      check_sum(x, m, "large " + mask_str(m));
    }
}

TEST(KernelSum, LargeInputAllDimsTwoThreadsCorrect) {
  ThreadGuard g;
  kernels::set_num_threads(2);
  const int64_t n = (1 << 17) + 1000;
  Tensor f = st_test::make(dv({n}), ScalarType::Float64, [](int64_t k) { return std::cos(double(k)); });
  check_sum(f, {true}, "large float64");
  Tensor i = st_test::make(dv({n}), ScalarType::Int32, [](int64_t k) { return double(k % 1000); });
  check_sum(i, {true}, "large int32");
  Tensor b = st_test::make(dv({n}), ScalarType::Bool, [](int64_t k) { return double(k % 2); });
  check_sum(b, {true}, "large bool");
}

TEST(KernelSum, WholeSumOneVsTwoThreadsIdenticalEvenSplit) {
  ThreadGuard g;
  // n/2 a multiple of 8: both thread counts split the pairwise tree at the same place
  const int64_t n = 1 << 18;
  Tensor x = st_test::make(dv({n}), ScalarType::Float32, [](int64_t k) { return std::sin(double(k)) * 10; });
  Tensor o1 = st::empty(dv({1}), ScalarType::Float32), o2 = st::empty(dv({1}), ScalarType::Float32);
  kernels::set_num_threads(1);
  kernels::sum(o1, x, {true});
  kernels::set_num_threads(2);
  kernels::sum(o2, x, {true});
  EXPECT_EQ(o1.data<float>()[0], o2.data<float>()[0]);
}

// not a multiple of 8 (the 2-thread path splits at n/2, the pairwise tree at round_up(n/2, 8)).
TEST(KernelSum, WholeSumOneVsTwoThreadsIdenticalOddSplit) {
  ThreadGuard g;
  bool all_same = true;
  for (int64_t n : {(1 << 17) + 2, (1 << 17) + 6, (1 << 17) + 1002, 200003}) {
    Tensor x = st_test::make(dv({n}), ScalarType::Float32, [](int64_t k) { return std::sin(double(k)) * 10; });
    Tensor o1 = st::empty(dv({1}), ScalarType::Float32), o2 = st::empty(dv({1}), ScalarType::Float32);
    kernels::set_num_threads(1);
    kernels::sum(o1, x, {true});
    kernels::set_num_threads(2);
    kernels::sum(o2, x, {true});
    EXPECT_EQ(o1.data<float>()[0], o2.data<float>()[0]) << "n=" << n;
    all_same = all_same && o1.data<float>()[0] == o2.data<float>()[0];
  }
  EXPECT_TRUE(all_same);
}

// ------------------------------------------------------------------ threads

TEST(KernelThreads, SetAndGet) {
  ThreadGuard g;
  kernels::set_num_threads(1);
  EXPECT_EQ(kernels::get_num_threads(), 1);
  kernels::set_num_threads(2);
  EXPECT_EQ(kernels::get_num_threads(), 2);
  kernels::set_num_threads(0);  // clamped to at least one
  EXPECT_GE(kernels::get_num_threads(), 1);
}

TEST(KernelThreads, ParallelForCoversRangeOnce) {
  ThreadGuard g;
  kernels::set_num_threads(2);
  const int64_t n = 5 * kernels::kGrainSize + 17;
  std::vector<int> hits(static_cast<size_t>(n), 0);
  kernels::parallel_for(0, n, kernels::kGrainSize, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
  });
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)], 1) << i;
  int calls = 0;
  kernels::parallel_for(0, 0, kernels::kGrainSize, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

// ------------------------------------------------------------------ random

namespace {
std::vector<double> draw(const std::function<void(const Tensor&)>& fill, ScalarType dt, int64_t n) {
  Tensor t = st::empty(dv({n}), dt);
  fill(t);
  return st_test::values(t);
}
}  // namespace

TEST(KernelRandom, UniformReproducibleAndInRange) {
  for (auto dt : {ScalarType::Float32, ScalarType::Float64}) {
    auto f = [](const Tensor& t) { kernels::uniform(t, -2.0, 3.0); };
    kernels::manual_seed(1234);
    EXPECT_EQ(kernels::initial_seed(), 1234u);
    auto a = draw(f, dt, 100000);
    kernels::manual_seed(1234);
    auto b = draw(f, dt, 100000);
    EXPECT_EQ(a, b);
    kernels::manual_seed(4321);
    auto c = draw(f, dt, 100000);
    EXPECT_NE(a, c);
    double mean = 0, lo = 1e9, hi = -1e9;
    for (double v : a) {
      ASSERT_GE(v, -2.0);
      ASSERT_LT(v, 3.0);
      mean += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    mean /= a.size();
    EXPECT_NEAR(mean, 0.5, 0.05);  // sd of the mean is 5/sqrt(12 * 1e5) ~ 0.0046
    EXPECT_LT(lo, -1.99);
    EXPECT_GT(hi, 2.99);
  }
  // a degenerate float32 range near 1: every value stays < hi
  kernels::manual_seed(7);
  auto d = draw([](const Tensor& t) { kernels::uniform(t, 1.0, 1.0000001); }, ScalarType::Float32, 10000);
  for (double v : d) ASSERT_LT(v, static_cast<double>(1.0000001f));
}

TEST(KernelRandom, NormalReproducibleMoments) {
  auto f = [](const Tensor& t) { kernels::normal(t, 3.0, 2.0); };
  kernels::manual_seed(99);
  auto a = draw(f, ScalarType::Float64, 200000);
  kernels::manual_seed(99);
  auto b = draw(f, ScalarType::Float64, 200000);
  EXPECT_EQ(a, b);
  double m = 0, v = 0;
  for (double x : a) m += x;
  m /= a.size();
  for (double x : a) v += (x - m) * (x - m);
  v /= a.size();
  EXPECT_NEAR(m, 3.0, 0.03);  // sd of the mean ~ 0.0045
  EXPECT_NEAR(std::sqrt(v), 2.0, 0.03);
  // float32 draws 24-bit uniforms (PyTorch's CPU layout), so its stream is its own; still reproducible
  kernels::manual_seed(99);
  auto c = draw(f, ScalarType::Float32, 1000);
  kernels::manual_seed(99);
  EXPECT_EQ(c, draw(f, ScalarType::Float32, 1000));
}

TEST(KernelRandom, GeneratorsAreIndependentAndStatesRoundTrip) {
  kernels::Generator g1(7), g2(7);
  for (int i = 0; i < 5; ++i) g1.random();
  const std::string state = g1.state();
  std::vector<uint64_t> after;
  for (int i = 0; i < 5; ++i) after.push_back(g1.random64());
  for (int i = 0; i < 5; ++i) g2.random();  // g2 moved the same way on its own
  for (int i = 0; i < 5; ++i) EXPECT_EQ(g2.random64(), after[i]);
  kernels::Generator g3;
  g3.set_state(state);
  EXPECT_EQ(g3.seed, 7u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(g3.random64(), after[i]);
  EXPECT_THROW(g3.set_state("nonsense"), Error);
  // the 32-bit Mersenne Twister with PyTorch's seeding: the reference first output for seed 5489
  kernels::Generator ref(5489);
  EXPECT_EQ(ref.random(), 3499211612u);
}

TEST(KernelRandom, RandintReproducibleAndCoversRange) {
  for (auto dt : {ScalarType::Int64, ScalarType::Int32, ScalarType::UInt8, ScalarType::Float32}) {
    auto f = [](const Tensor& t) { kernels::randint(t, 3, 10); };
    kernels::manual_seed(5);
    auto a = draw(f, dt, 20000);
    kernels::manual_seed(5);
    auto b = draw(f, dt, 20000);
    EXPECT_EQ(a, b);
    std::set<double> seen(a.begin(), a.end());
    EXPECT_EQ(seen.size(), 7u) << dtype_name(dt);
    EXPECT_EQ(*seen.begin(), 3.0);
    EXPECT_EQ(*seen.rbegin(), 9.0);
  }
  kernels::manual_seed(5);
  auto neg = draw([](const Tensor& t) { kernels::randint(t, -5, -2); }, ScalarType::Int64, 1000);
  std::set<double> s(neg.begin(), neg.end());
  EXPECT_EQ(s, (std::set<double>{-5, -4, -3}));
}

TEST(KernelRandom, LogicalOrderIndependentOfStrides) {
  // values are drawn in row-major logical order, so a transposed destination
  // holds the same logical sequence as a contiguous one
  kernels::manual_seed(11);
  Tensor a = st::empty(dv({6, 7}), ScalarType::Float64);
  kernels::uniform(a, 0, 1);
  kernels::manual_seed(11);
  Tensor b = make_layout(dv({6, 7}), ScalarType::Float64, Layout::Transposed, [](int64_t) { return 0.0; });
  kernels::uniform(b, 0, 1);
  EXPECT_EQ(st_test::values(a), st_test::values(b));
}

// The pool: every index of every job is visited exactly once, also right
// after threads are added (a new worker must not mistake the job in flight
// for one it has seen), across many back-to-back jobs of mixed sizes.
TEST(ThreadPool, EveryIndexOnceUnderChurn) {
  const int before = st::kernels::get_num_threads();
  for (int threads : {1, 2, 3, 4, 2}) {
    st::kernels::set_num_threads(threads);
    for (int rep = 0; rep < 300; ++rep) {
      const int64_t n = (rep % 7 == 0) ? 3 : 1000 + rep * 37;
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      st::kernels::parallel_for(0, n, 64, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "threads " << threads;
    }
  }
  st::kernels::set_num_threads(before);
}

TEST(ThreadPool, ExceptionInAChunkReachesTheCaller) {
  const int before = st::kernels::get_num_threads();
  st::kernels::set_num_threads(2);
  EXPECT_THROW(st::kernels::parallel_for(0, 1 << 20, 1 << 10,
                                         [](int64_t b, int64_t) {
                                           if (b > 0) throw st::Error("chunk failed");
                                         }),
               st::Error);
  // and the pool still works afterwards
  std::atomic<int64_t> total{0};
  st::kernels::parallel_for(0, 1 << 20, 1 << 10, [&](int64_t b, int64_t e) { total += e - b; });
  EXPECT_EQ(total.load(), 1 << 20);
  st::kernels::set_num_threads(before);
}

// After a parallel job the workers spin for the next one (pool_is_hot), and parallel_for_cheap splits
// small ranges then; cold or hot, every index is visited once.
TEST(ThreadPool, CheapLoopsSplitWhileTheWorkersSpin) {
  const int before = st::kernels::get_num_threads();
  st::kernels::set_num_threads(2);
  // (the worker must get a core to spin on: on a loaded machine that can take a while, hence the time budget)
  bool hot = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!hot && std::chrono::steady_clock::now() < until) {
    st::kernels::parallel_for(0, 1 << 18, st::kernels::kGrainSize, [](int64_t, int64_t) {});
    for (int i = 0; i < 1000 && !hot; ++i) hot = st::kernels::pool_is_hot();
  }
  EXPECT_TRUE(hot);
  for (int rep = 0; rep < 500; ++rep) {
    const int64_t n = 3 * st::kernels::kHotGrainSize + rep;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    std::atomic<int> chunks{0};
    st::kernels::parallel_for_cheap(0, n, st::kernels::kGrainSize, st::kernels::kHotGrainSize,
                                    [&](int64_t b, int64_t e) {
                                      chunks.fetch_add(1);
                                      for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
                                    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1);
    ASSERT_LE(chunks.load(), 2);
  }
  st::kernels::set_num_threads(1);
  EXPECT_FALSE(st::kernels::pool_is_hot());  // one thread: never
  st::kernels::set_num_threads(before);
}

// scatter_reduce against a naive loop: every op on a (4, 3) float64 target along dim 0, repeated indices,
// a transposed (non-contiguous) target, and NaN winning max/min.
// One step of the naive scatter_reduce: the slot e combined with the source value s (NaN wins max and min).
void naive_scatter_step(st::kernels::ScatterOp op, double& e, double s) {
  using st::kernels::ScatterOp;
  switch (op) {
    case ScatterOp::Sum: e += s; break;
    case ScatterOp::Prod: e *= s; break;
    case ScatterOp::Max: e = (std::isnan(e) || e > s) ? e : s; break;
    case ScatterOp::Min: e = (std::isnan(e) || e < s) ? e : s; break;
  }
}

TEST(KernelScatterReduce, EveryOpAgainstANaiveLoop) {
  using st::kernels::ScatterOp;
  const int64_t idx_rows = 5, cols = 3, rows = 4;
  const int64_t idx_vals[idx_rows * cols] = {0, 1, 3, 0, 1, 3, 2, 2, 2, 0, 0, 0, 3, 1, 1};
  for (ScatterOp op : {ScatterOp::Sum, ScatterOp::Prod, ScatterOp::Max, ScatterOp::Min}) {
    for (bool transposed : {false, true}) {
      Tensor store = st::empty(transposed ? DimVector{cols, rows} : DimVector{rows, cols}, ScalarType::Float64);
      Tensor target = transposed ? st::make_view(store, {rows, cols}, {1, rows}, 0) : store;
      Tensor src = st::empty({idx_rows, cols}, ScalarType::Float64);
      Tensor index = st::empty({idx_rows, cols}, ScalarType::Int64);
      std::vector<double> expect(rows * cols);
      for (int64_t i = 0; i < rows * cols; ++i) {
        const double v = 0.5 + static_cast<double>(i % 5);
        expect[i] = v;
        double* p = static_cast<double*>(store.raw_data());
        p[transposed ? (i % cols) * rows + i / cols : i] = v;
      }
      for (int64_t i = 0; i < idx_rows * cols; ++i) {
        src.data<double>()[i] = i == 7 ? std::nan("") : -2.0 + 0.25 * static_cast<double>(i);
        index.data<int64_t>()[i] = idx_vals[i];
      }
      st::kernels::scatter_reduce(target, 0, index, src, op);
      for (int64_t i = 0; i < idx_rows * cols; ++i) {
        naive_scatter_step(op, expect[idx_vals[i] * cols + i % cols], src.data<double>()[i]);
      }
      const double* p = static_cast<const double*>(store.raw_data());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const double got = p[transposed ? c * rows + r : r * cols + c], want = expect[r * cols + c];
          if (std::isnan(want)) EXPECT_TRUE(std::isnan(got));
          else EXPECT_DOUBLE_EQ(got, want) << "op " << static_cast<int>(op) << " at " << r << "," << c;
        }
    }
  }
}

// float16 / bfloat16 operands are computed in float32 and rounded once: the kernels agree with
// rounding the float32 result of the same float32 inputs, on a transposed output as well.
TEST(KernelHalf, ComputedInFloat32AndRoundedOnce) {
  for (ScalarType h : {ScalarType::Float16, ScalarType::BFloat16}) {
    Tensor a32 = ops::randn({37, 29}, ScalarType::Float32), b32 = ops::randn({37, 29}, ScalarType::Float32);
    Tensor a = ops::to_dtype(a32, h), b = ops::to_dtype(b32, h);
    a32 = ops::to_dtype(a, ScalarType::Float32);  // the 16-bit values, exactly
    b32 = ops::to_dtype(b, ScalarType::Float32);
    Tensor out = ops::transpose(empty({29, 37}, h), 0, 1);
    kernels::binary(kernels::BinaryOp::Mul, out, a, b);
    Tensor want = empty({37, 29}, ScalarType::Float32);
    kernels::binary(kernels::BinaryOp::Mul, want, a32, b32);
    Tensor want16 = ops::to_dtype(want, h);
    for (int64_t i = 0; i < 37; ++i)
      for (int64_t j = 0; j < 29; ++j)
        ASSERT_EQ(get(out, {i, j}), get(want16, {i, j})) << dtype_name(h) << " " << i << "," << j;
    // a sum is accumulated in float32 and rounded at the end
    Tensor s = empty({1, 29}, h), s32 = empty({1, 29}, ScalarType::Float32);
    kernels::sum(s, a, {true, false});
    kernels::sum(s32, a32, {true, false});
    Tensor s16 = ops::to_dtype(s32, h);
    for (int64_t j = 0; j < 29; ++j) ASSERT_EQ(get(s, {0, j}), get(s16, {0, j})) << dtype_name(h) << " " << j;
    // no kernel computes in 16 bits itself: dispatchers refuse them with PyTorch's error
    EXPECT_THROW(dispatch_numeric(h, [](auto) { return 0; }), NotImplementedError);
  }
}

// A large scatter is cut over the threads along a dim other than `dim`: the same bits as one thread and as a
// naive loop, for either dim, every op; a checked pass raises PyTorch's message for an index out of range.
TEST(KernelScatterReduce, ThreadsGiveTheSerialResultAndCheckedIndexRaises) {
  using st::kernels::ScatterOp;
  const int64_t rows = 300, cols = 40, idx_rows = 2000;  // 80 000 index elements: over the threading threshold
  for (int64_t dim : {0, 1}) {
    const DimVector tshape = dim == 0 ? DimVector{rows, cols} : DimVector{cols, rows};
    const DimVector ishape = dim == 0 ? DimVector{idx_rows, cols} : DimVector{cols, idx_rows};
    Tensor index = st::empty(ishape, ScalarType::Int64), src = st::empty(ishape, ScalarType::Float64);
    uint64_t state = 12345;
    for (int64_t i = 0; i < index.numel(); ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      index.data<int64_t>()[i] = static_cast<int64_t>((state >> 33) % rows);
      src.data<double>()[i] = i % 997 == 3 ? std::nan("") : 0.999 + 1e-3 * static_cast<double>((state >> 20) % 7);
    }
    for (ScatterOp op : {ScatterOp::Sum, ScatterOp::Prod, ScatterOp::Max, ScatterOp::Min}) {
      std::vector<double> expect(rows * cols, 1.0);
      for (int64_t i = 0; i < index.numel(); ++i) {  // element order: row-major over index's shape
        const int64_t a = i / ishape[1], b = i % ishape[1];
        const int64_t j = index.data<int64_t>()[i];
        naive_scatter_step(op, expect[dim == 0 ? j * cols + b : a * rows + j], src.data<double>()[i]);
      }
      for (int threads : {1, 2}) {
        ThreadGuard guard;
        kernels::set_num_threads(threads);
        Tensor target = ops::full(tshape, Scalar(1.0), ScalarType::Float64);
        st::kernels::scatter_reduce(target, dim, index, src, op, /*check_index=*/true);
        const double* p = target.data<double>();
        for (int64_t k = 0; k < rows * cols; ++k) {
          if (std::isnan(expect[k])) ASSERT_TRUE(std::isnan(p[k])) << k;
          else ASSERT_EQ(p[k], expect[k]) << "op " << static_cast<int>(op) << " dim " << dim << " threads " << threads;
        }
      }
    }
    for (int threads : {1, 2}) {
      ThreadGuard guard;
      kernels::set_num_threads(threads);
      for (int64_t bad : {rows, int64_t(-1)}) {
        Tensor bad_index = st::empty(ishape, ScalarType::Int64);
        for (int64_t i = 0; i < index.numel(); ++i) bad_index.data<int64_t>()[i] = index.data<int64_t>()[i];
        bad_index.data<int64_t>()[index.numel() - 5] = bad;  // late: the blocks before it have run
        bad_index.data<int64_t>()[index.numel() / 2] = rows + 7;
        Tensor target = ops::zeros(tshape, ScalarType::Float64);
        try {
          st::kernels::scatter_reduce(target, dim, bad_index, src, ScatterOp::Sum, true);
          FAIL() << "no error";
        } catch (const st::Error& e) {
          EXPECT_EQ(std::string(e.what()), "index " + std::to_string(rows + 7) + " is out of bounds for dimension " +
                                               std::to_string(dim) + " with size " + std::to_string(rows));
        }
        (void)bad;
      }
    }
  }
}
