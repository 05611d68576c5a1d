// core layer: SmallVec, dtypes and promotion, shape helpers, TensorImpl/Tensor, devices.
#include <gtest/gtest.h>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>
#include "core/device.h"
#include "core/error.h"
#include "core/scalar_type.h"
#include "core/shape.h"
#include "core/small_vector.h"
#include "core/storage.h"
#include "core/tensor.h"
#include "test_util.h"

using namespace st;
using st_test::all_dtypes;

namespace {

bool is_inline(const SmallVec<int64_t, 4>& v) {
  auto p = reinterpret_cast<const char*>(v.data());
  auto b = reinterpret_cast<const char*>(&v);
  return p >= b && p < b + sizeof(v);
}

DimVector dv(std::initializer_list<int64_t> il) { return DimVector(il); }

}  // namespace

// ------------------------------------------------------------------ SmallVec

TEST(SmallVec, InlineUpToCapacity) {
  SmallVec<int64_t, 4> v;
  EXPECT_TRUE(v.empty());
  for (int64_t i = 0; i < 4; ++i) v.push_back(i * 10);
  EXPECT_EQ(v.size(), 4u);
  EXPECT_TRUE(is_inline(v));
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(v[i], i * 10);
  EXPECT_EQ(v.back(), 30);
}

TEST(SmallVec, GrowsToHeapKeepingValues) {
  SmallVec<int64_t, 4> v;
  for (int64_t i = 0; i < 100; ++i) v.push_back(i * i);
  EXPECT_FALSE(is_inline(v));
  ASSERT_EQ(v.size(), 100u);
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(v[i], i * i);
  v.pop_back();
  EXPECT_EQ(v.size(), 99u);
  EXPECT_EQ(v.back(), 98 * 98);
  v.clear();
  EXPECT_TRUE(v.empty());
}

TEST(SmallVec, ResizeInsertErase) {
  SmallVec<int64_t, 4> v(3, 7);
  EXPECT_EQ(v.vec(), (std::vector<int64_t>{7, 7, 7}));
  v.resize(6, 1);  // crosses the inline capacity
  EXPECT_EQ(v.vec(), (std::vector<int64_t>{7, 7, 7, 1, 1, 1}));
  v.resize(2);
  EXPECT_EQ(v.vec(), (std::vector<int64_t>{7, 7}));
  SmallVec<int64_t, 4> w{1, 2, 3, 4};
  w.insert(0, 0);  // forces growth during insert
  w.insert(5, 5);
  w.insert(3, 99);
  EXPECT_EQ(w.vec(), (std::vector<int64_t>{0, 1, 2, 99, 3, 4, 5}));
  w.erase(3);
  w.erase(0);
  EXPECT_EQ(w.vec(), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  w.erase(4);
  EXPECT_EQ(w.vec(), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(SmallVec, ConstructFromRangesAndVector) {
  std::vector<int64_t> src{5, 6, 7, 8, 9, 10, 11};
  SmallVec<int64_t, 4> a(src);
  SmallVec<int64_t, 4> b(src.begin() + 1, src.begin() + 3);
  EXPECT_EQ(a.vec(), src);
  EXPECT_EQ(b.vec(), (std::vector<int64_t>{6, 7}));
  EXPECT_TRUE(a != b);
  SmallVec<int64_t, 4> c(src);
  EXPECT_TRUE(a == c);
}

TEST(SmallVec, CopyIsIndependent) {
  for (int n : {2, 4, 9}) {  // inline, full inline, heap
    SmallVec<int64_t, 4> a;
    for (int i = 0; i < n; ++i) a.push_back(i + 1);
    SmallVec<int64_t, 4> b(a);
    EXPECT_EQ(a, b);
    EXPECT_NE(a.data(), b.data());
    b[0] = -1;
    EXPECT_EQ(a[0], 1);
    SmallVec<int64_t, 4> c{42};
    c = a;  // copy-assign
    EXPECT_EQ(c, a);
    c[n - 1] = -5;
    EXPECT_EQ(a[n - 1], n);
    SmallVec<int64_t, 4>& self = c;
    c = self;  // self assignment keeps contents
    EXPECT_EQ(c[n - 1], -5);
    EXPECT_EQ(c.size(), static_cast<size_t>(n));
  }
}

TEST(SmallVec, MoveStealsHeapAndCopiesInline) {
  SmallVec<int64_t, 4> heap;
  for (int i = 0; i < 10; ++i) heap.push_back(i);
  const int64_t* buf = heap.data();
  SmallVec<int64_t, 4> moved(std::move(heap));
  EXPECT_EQ(moved.data(), buf);  // heap buffer stolen, no copy
  EXPECT_EQ(moved.size(), 10u);
  EXPECT_EQ(heap.size(), 0u);  // NOLINT(bugprone-use-after-move)
  heap.push_back(3);           // moved-from object stays usable
  EXPECT_EQ(heap.vec(), (std::vector<int64_t>{3}));

  SmallVec<int64_t, 4> small{1, 2, 3};
  SmallVec<int64_t, 4> m2(std::move(small));
  EXPECT_TRUE(is_inline(m2));
  EXPECT_EQ(m2.vec(), (std::vector<int64_t>{1, 2, 3}));

  // move-assign inline source into a heap destination and vice versa
  SmallVec<int64_t, 4> dst;
  for (int i = 0; i < 8; ++i) dst.push_back(i);
  dst = std::move(m2);
  EXPECT_TRUE(is_inline(dst));
  EXPECT_EQ(dst.vec(), (std::vector<int64_t>{1, 2, 3}));
  dst = std::move(moved);
  EXPECT_EQ(dst.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(dst[i], i);
}

TEST(SmallVec, DimVectorHoldsSixDimsInline) {
  DimVector d{1, 2, 3, 4, 5, 6};
  auto p = reinterpret_cast<const char*>(d.data());
  auto b = reinterpret_cast<const char*>(&d);
  EXPECT_TRUE(p >= b && p < b + sizeof(d));
}

// ------------------------------------------------------------------ dtypes

TEST(ScalarType, ElementSizesAndNames) {
  EXPECT_EQ(element_size(ScalarType::Bool), sizeof(bool));
  EXPECT_EQ(element_size(ScalarType::UInt8), 1u);
  EXPECT_EQ(element_size(ScalarType::Int32), 4u);
  EXPECT_EQ(element_size(ScalarType::Int64), 8u);
  EXPECT_EQ(element_size(ScalarType::Float32), 4u);
  EXPECT_EQ(element_size(ScalarType::Float64), 8u);
  EXPECT_THROW(element_size(ScalarType::Undefined), Error);
  EXPECT_STREQ(dtype_name(ScalarType::Bool), "bool");
  EXPECT_STREQ(dtype_name(ScalarType::UInt8), "uint8");
  EXPECT_STREQ(dtype_name(ScalarType::Int32), "int32");
  EXPECT_STREQ(dtype_name(ScalarType::Int64), "int64");
  EXPECT_STREQ(dtype_name(ScalarType::Float32), "float32");
  EXPECT_STREQ(dtype_name(ScalarType::Float64), "float64");
}

TEST(ScalarType, PromoteTypesMatchesPyTorchTable) {
  using S = ScalarType;
  const S b = S::Bool, u8 = S::UInt8, i32 = S::Int32, i64 = S::Int64, f32 = S::Float32, f64 = S::Float64;
  // torch.promote_types for these six dtypes, rows/cols in order b, u8, i32, i64, f32, f64.
  const S table[6][6] = {
      {b, u8, i32, i64, f32, f64},        //
      {u8, u8, i32, i64, f32, f64},       //
      {i32, i32, i32, i64, f32, f64},     //
      {i64, i64, i64, i64, f32, f64},     //
      {f32, f32, f32, f32, f32, f64},     //
      {f64, f64, f64, f64, f64, f64},     //
  };
  int checked = 0;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) {
      S a = all_dtypes()[i], c = all_dtypes()[j];
      EXPECT_EQ(promote_types(a, c), table[i][j]) << dtype_name(a) << " x " << dtype_name(c);
      ++checked;
    }
  EXPECT_EQ(checked, 36);
  EXPECT_EQ(promote_types(S::Undefined, f32), f32);
  EXPECT_EQ(promote_types(i32, S::Undefined), i32);
}

TEST(ScalarType, CanCastMatchesPyTorchTable) {
  // torch.can_cast(from, to): no float -> integral/bool, no integral -> bool.
  const bool T = true, F = false;
  const bool table[6][6] = {
      // to: b  u8 i32 i64 f32 f64
      {T, T, T, T, T, T},  // from bool
      {F, T, T, T, T, T},  // from uint8
      {F, T, T, T, T, T},  // from int32
      {F, T, T, T, T, T},  // from int64
      {F, F, F, F, T, T},  // from float32
      {F, F, F, F, T, T},  // from float64
  };
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      EXPECT_EQ(can_cast(all_dtypes()[i], all_dtypes()[j]), table[i][j])
          << dtype_name(all_dtypes()[i]) << " -> " << dtype_name(all_dtypes()[j]);
}

TEST(ScalarType, CategoriesAndPredicates) {
  EXPECT_EQ(category(ScalarType::Bool), 0);
  for (auto t : {ScalarType::UInt8, ScalarType::Int32, ScalarType::Int64}) {
    EXPECT_EQ(category(t), 1);
    EXPECT_TRUE(is_integral(t, false));
    EXPECT_FALSE(is_floating(t));
  }
  for (auto t : {ScalarType::Float32, ScalarType::Float64}) {
    EXPECT_EQ(category(t), 2);
    EXPECT_TRUE(is_floating(t));
    EXPECT_FALSE(is_integral(t, true));
  }
  EXPECT_FALSE(is_integral(ScalarType::Bool, false));
  EXPECT_TRUE(is_integral(ScalarType::Bool, true));
}

TEST(ScalarType, DefaultDtype) {
  EXPECT_EQ(default_dtype(), ScalarType::Float32);
  set_default_dtype(ScalarType::Float64);
  EXPECT_EQ(default_dtype(), ScalarType::Float64);
  EXPECT_EQ(Scalar(1.5).natural_dtype(), ScalarType::Float64);
  set_default_dtype(ScalarType::Float32);
  EXPECT_EQ(Scalar(1.5).natural_dtype(), ScalarType::Float32);
  EXPECT_THROW(set_default_dtype(ScalarType::Int64), TypeError);
  EXPECT_EQ(default_dtype(), ScalarType::Float32);
}

TEST(ScalarType, ScalarKindsAndConversion) {
  Scalar b(true), i(int64_t(-3)), d(2.75);
  EXPECT_EQ(b.kind, Scalar::Bool);
  EXPECT_EQ(i.kind, Scalar::Int);
  EXPECT_EQ(d.kind, Scalar::Float);
  EXPECT_EQ(b.natural_dtype(), ScalarType::Bool);
  EXPECT_EQ(i.natural_dtype(), ScalarType::Int64);
  EXPECT_EQ(i.to<int32_t>(), -3);
  EXPECT_EQ(d.to<int64_t>(), 2);
  EXPECT_DOUBLE_EQ(d.to_double(), 2.75);
  EXPECT_TRUE(d.is_floating());
  EXPECT_FALSE(i.is_floating());
  EXPECT_EQ(Scalar(int64_t(1) << 40).to<int64_t>(), int64_t(1) << 40);
}

TEST(ScalarType, DispatchPicksMatchingCppType) {
  for (auto t : all_dtypes()) {
    size_t sz = dispatch_all(t, [](auto tag) { return sizeof(typename decltype(tag)::type); });
    EXPECT_EQ(sz, element_size(t));
    ScalarType back = dispatch_all(t, [](auto tag) { return scalar_type_of<typename decltype(tag)::type>(); });
    EXPECT_EQ(back, t);
  }
  EXPECT_THROW(dispatch_numeric(ScalarType::Bool, [](auto) { return 0; }), TypeError);
  EXPECT_THROW(dispatch_floating(ScalarType::Int32, [](auto) { return 0; }), TypeError);
}

// ------------------------------------------------------------------ float16 / bfloat16

TEST(HalfTypes, EveryFloat16RoundTripsThroughFloat32) {
  int nans = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (f != f) {  // a nan comes back quiet, sign and top payload bits kept
      EXPECT_EQ(float_to_half(f), static_cast<uint16_t>(h | 0x0200u)) << h;
      ++nans;
      continue;
    }
    EXPECT_EQ(float_to_half(f), static_cast<uint16_t>(h)) << h;
  }
  EXPECT_EQ(nans, 2 * 1023);
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), 5.9604644775390625e-8f);  // the smallest subnormal
  EXPECT_EQ(half_to_float(0xfc00), -std::numeric_limits<float>::infinity());
}

TEST(HalfTypes, Float16RoundsToNearestEven) {
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);           // a tie rounds to the even 1.0
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);       // and up to the even neighbour
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);  // past the tie: up
  EXPECT_EQ(float_to_half(65519.0f), 0x7bff);                  // below the overflow threshold
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);                  // the tie with 65536 overflows to inf
  EXPECT_EQ(float_to_half(-1e9f), 0xfc00);
  EXPECT_EQ(float_to_half(2.9802322387695312e-8f), 0x0000);    // half the smallest subnormal: ties to 0
  EXPECT_EQ(float_to_half(2.9802326e-8f), 0x0001);             // just above: the smallest subnormal
  EXPECT_EQ(float_to_half(6.097555e-5f), 0x03ff);              // the largest subnormal
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
}

TEST(HalfTypes, BFloat16IsTheRoundedUpperHalf) {
  for (uint32_t b = 0; b < 65536; ++b) {
    const float f = bfloat16_to_float(static_cast<uint16_t>(b));
    if (f == f) EXPECT_EQ(float_to_bfloat16(f), static_cast<uint16_t>(b)) << b;
    else EXPECT_EQ(float_to_bfloat16(f), 0xffffu);
  }
  EXPECT_EQ(float_to_bfloat16(1.0f + 0x1p-8f), 0x3f80);          // tie to even (down)
  EXPECT_EQ(float_to_bfloat16(1.0f + 3 * 0x1p-8f), 0x3f82);      // tie to even (up)
  EXPECT_EQ(float_to_bfloat16(3.4e38f), 0x7f80);                 // beyond bfloat16's max: inf
  EXPECT_EQ(convert_value<float>(convert_value<BFloat16>(int64_t(257))), 256.0f);
  EXPECT_EQ(convert_value<int32_t>(Half(-2.75f)), -2);
  EXPECT_TRUE(convert_value<bool>(Half(0.5f)));
  EXPECT_FALSE(convert_value<bool>(BFloat16(-0.0f)));
}

TEST(HalfTypes, PromotionSizesAndDispatch) {
  using S = ScalarType;
  EXPECT_EQ(element_size(S::Float16), 2u);
  EXPECT_EQ(element_size(S::BFloat16), 2u);
  EXPECT_TRUE(is_floating(S::Float16) && is_floating(S::BFloat16) && is_reduced_float(S::BFloat16));
  EXPECT_EQ(compute_dtype(S::Float16), S::Float32);
  EXPECT_EQ(compute_dtype(S::Float64), S::Float64);
  EXPECT_EQ(promote_types(S::Float16, S::BFloat16), S::Float32);
  EXPECT_EQ(promote_types(S::Int64, S::BFloat16), S::BFloat16);
  EXPECT_EQ(promote_types(S::Float16, S::Bool), S::Float16);
  EXPECT_EQ(promote_types(S::Float16, S::Float32), S::Float32);
  EXPECT_EQ(promote_types(S::Float64, S::BFloat16), S::Float64);
  EXPECT_STREQ(torch_type_name(S::Float16), "Half");
  EXPECT_STREQ(torch_type_name(S::BFloat16), "BFloat16");
  EXPECT_TRUE(scalar_overflows(Scalar(70000.0), S::Float16));
  EXPECT_TRUE(scalar_overflows(Scalar(int64_t(70000)), S::Float16));
  EXPECT_FALSE(scalar_overflows(Scalar(int64_t(70000)), S::BFloat16));
  EXPECT_FALSE(scalar_overflows(Scalar(3.38e38), S::BFloat16));
  EXPECT_THROW(dispatch_all(S::Float16, [](auto) { return 0; }), NotImplementedError);
  EXPECT_THROW(dispatch_floating(S::BFloat16, [](auto) { return 0; }), NotImplementedError);
  EXPECT_EQ(dispatch_storage(S::BFloat16, [](auto tag) { return scalar_type_of<typename decltype(tag)::type>(); }),
            S::BFloat16);
}

// ------------------------------------------------------------------ wrap_dim

TEST(Shape, WrapDim) {
  EXPECT_EQ(wrap_dim(0, 3), 0);
  EXPECT_EQ(wrap_dim(2, 3), 2);
  EXPECT_EQ(wrap_dim(-1, 3), 2);
  EXPECT_EQ(wrap_dim(-3, 3), 0);
  EXPECT_THROW(wrap_dim(3, 3), IndexError);
  EXPECT_THROW(wrap_dim(-4, 3), IndexError);
  // 0-d tensors accept -1 and 0
  EXPECT_EQ(wrap_dim(0, 0), 0);
  EXPECT_EQ(wrap_dim(-1, 0), 0);
  EXPECT_THROW(wrap_dim(1, 0), IndexError);
  EXPECT_THROW(wrap_dim(-2, 0), IndexError);
  ST_EXPECT_THROW_MSG(wrap_dim(5, 2), IndexError, "[-2, 1]");
  ST_EXPECT_THROW_MSG(wrap_dim(5, 2), IndexError, "5");
}

TEST(Shape, ShapeStrAndCheckedNumel) {
  EXPECT_EQ(shape_str(dv({})), "[]");
  EXPECT_EQ(shape_str(dv({2, 3})), "[2, 3]");
  EXPECT_EQ(checked_numel(dv({})), 1);
  EXPECT_EQ(checked_numel(dv({2, 3, 4})), 24);
  EXPECT_EQ(checked_numel(dv({2, 0, 4})), 0);
  EXPECT_THROW(checked_numel(dv({2, -1})), Error);
  EXPECT_THROW(checked_numel(dv({int64_t(1) << 40, int64_t(1) << 40})), Error);
}

// ------------------------------------------------------------------ broadcast

TEST(Shape, BroadcastShapesSuccess) {
  EXPECT_EQ(broadcast_shapes(dv({3, 1}), dv({1, 4})), dv({3, 4}));
  EXPECT_EQ(broadcast_shapes(dv({2, 3}), dv({3})), dv({2, 3}));
  EXPECT_EQ(broadcast_shapes(dv({3}), dv({2, 3})), dv({2, 3}));
  EXPECT_EQ(broadcast_shapes(dv({}), dv({2, 3})), dv({2, 3}));
  EXPECT_EQ(broadcast_shapes(dv({}), dv({})), dv({}));
  EXPECT_EQ(broadcast_shapes(dv({5, 1, 7}), dv({4, 1})), dv({5, 4, 7}));
  EXPECT_EQ(broadcast_shapes(dv({5, 0}), dv({1})), dv({5, 0}));
  EXPECT_EQ(broadcast_shapes(dv({1}), dv({0})), dv({0}));
  EXPECT_EQ(broadcast_shapes(dv({8, 1, 6, 1}), dv({7, 1, 5})), dv({8, 7, 6, 5}));
}

TEST(Shape, BroadcastShapesErrorNamesBothShapes) {
  ST_EXPECT_THROW_MSG(broadcast_shapes(dv({2, 3}), dv({4})), Error, "[2, 3]");
  ST_EXPECT_THROW_MSG(broadcast_shapes(dv({2, 3}), dv({4})), Error, "[4]");
  ST_EXPECT_THROW_MSG(broadcast_shapes(dv({2, 3}), dv({3, 3})), Error, "[3, 3]");
  EXPECT_THROW(broadcast_shapes(dv({0}), dv({2})), Error);
}

TEST(Shape, BroadcastStrides) {
  // sizes [3, 1] strides [1, 1] broadcast to [2, 3, 4]
  EXPECT_EQ(broadcast_strides(dv({3, 1}), dv({1, 1}), dv({2, 3, 4})), dv({0, 1, 0}));
  EXPECT_EQ(broadcast_strides(dv({}), dv({}), dv({2, 2})), dv({0, 0}));
  EXPECT_EQ(broadcast_strides(dv({2, 3}), dv({3, 1}), dv({2, 3})), dv({3, 1}));
}

// ------------------------------------------------------------------ contiguity

TEST(Shape, ContiguousStrides) {
  EXPECT_EQ(contiguous_strides(dv({})), dv({}));
  EXPECT_EQ(contiguous_strides(dv({5})), dv({1}));
  EXPECT_EQ(contiguous_strides(dv({2, 3, 4})), dv({12, 4, 1}));
  // PyTorch: size-0 and size-1 dims count as 1 when accumulating
  EXPECT_EQ(contiguous_strides(dv({2, 1, 3})), dv({3, 3, 1}));
  EXPECT_EQ(contiguous_strides(dv({2, 0, 3})), dv({3, 3, 1}));
}

TEST(Shape, ComputeContiguous) {
  EXPECT_TRUE(compute_contiguous(dv({}), dv({})));
  EXPECT_TRUE(compute_contiguous(dv({2, 3, 4}), dv({12, 4, 1})));
  EXPECT_FALSE(compute_contiguous(dv({4, 3}), dv({1, 4})));       // transposed
  EXPECT_FALSE(compute_contiguous(dv({4, 6}), dv({12, 1})));      // sliced columns
  EXPECT_FALSE(compute_contiguous(dv({4}), dv({2})));             // step 2
  EXPECT_FALSE(compute_contiguous(dv({3, 4}), dv({0, 1})));       // expanded
  EXPECT_TRUE(compute_contiguous(dv({2, 1, 3}), dv({3, 77, 1})));  // size-1 stride ignored
  EXPECT_TRUE(compute_contiguous(dv({1, 1}), dv({5, 9})));
  EXPECT_TRUE(compute_contiguous(dv({3, 0}), dv({7, 7})));  // no elements
}

// ------------------------------------------------------------------ infer_size

TEST(Shape, InferSize) {
  EXPECT_EQ(infer_size(dv({-1, 4}), 12), dv({3, 4}));
  EXPECT_EQ(infer_size(dv({2, -1, 2}), 12), dv({2, 3, 2}));
  EXPECT_EQ(infer_size(dv({-1}), 7), dv({7}));
  EXPECT_EQ(infer_size(dv({3, 4}), 12), dv({3, 4}));
  EXPECT_EQ(infer_size(dv({}), 1), dv({}));
  EXPECT_EQ(infer_size(dv({0, 3}), 0), dv({0, 3}));
}

TEST(Shape, InferSizeErrors) {
  ST_EXPECT_THROW_MSG(infer_size(dv({-1, -1}), 12), Error, "only one dimension can be inferred");
  ST_EXPECT_THROW_MSG(infer_size(dv({5, -1}), 12), Error, "is invalid for input of size 12");
  ST_EXPECT_THROW_MSG(infer_size(dv({5, 3}), 12), Error, "[5, 3]");
  ST_EXPECT_THROW_MSG(infer_size(dv({-2, 6}), 12), Error, "invalid shape dimension -2");
  EXPECT_THROW(infer_size(dv({}), 2), Error);
  // PyTorch: "cannot reshape tensor of 0 elements into shape [0, -1] ... ambiguous"
  ST_EXPECT_THROW_MSG(infer_size(dv({0, -1}), 0), Error, "ambiguous");
}

// ------------------------------------------------------------------ view_strides

namespace {
// Checks that viewing (sizes, strides) as new_sizes with `out` addresses exactly
// the same elements in the same row-major order.
void expect_same_elements(const DimVector& sizes, const DimVector& strides, const DimVector& new_sizes,
                          const DimVector& out) {
  std::vector<int64_t> a, b;
  st_test::for_each_index(sizes, [&](const DimVector& i) {
    int64_t o = 0;
    for (size_t d = 0; d < i.size(); ++d) o += i[d] * strides[d];
    a.push_back(o);
  });
  st_test::for_each_index(new_sizes, [&](const DimVector& i) {
    int64_t o = 0;
    for (size_t d = 0; d < i.size(); ++d) o += i[d] * out[d];
    b.push_back(o);
  });
  EXPECT_EQ(a, b) << shape_str(sizes) << "/" << shape_str(strides) << " -> " << shape_str(new_sizes);
}
}  // namespace

TEST(Shape, ViewStridesContiguous) {
  DimVector sizes{2, 3, 4}, strides{12, 4, 1}, out;
  for (DimVector ns : {dv({6, 4}), dv({24}), dv({2, 12}), dv({2, 3, 2, 2}), dv({4, 3, 2}), dv({1, 24, 1})}) {
    ASSERT_TRUE(view_strides(sizes, strides, ns, out)) << shape_str(ns);
    ASSERT_EQ(out.size(), ns.size());
    expect_same_elements(sizes, strides, ns, out);
  }
  ASSERT_TRUE(view_strides(sizes, strides, dv({6, 4}), out));
  EXPECT_EQ(out, dv({4, 1}));
  ASSERT_TRUE(view_strides(sizes, strides, dv({2, 3, 2, 2}), out));
  EXPECT_EQ(out, dv({12, 4, 2, 1}));
}

TEST(Shape, ViewStridesTransposedFails) {
  // transpose of a contiguous [3, 4]
  DimVector sizes{4, 3}, strides{1, 4}, out;
  EXPECT_FALSE(view_strides(sizes, strides, dv({12}), out));
  EXPECT_FALSE(view_strides(sizes, strides, dv({3, 4}), out));
  EXPECT_FALSE(view_strides(sizes, strides, dv({6, 2}), out));
  // splitting a single dim of a transposed tensor is fine
  ASSERT_TRUE(view_strides(sizes, strides, dv({2, 2, 3}), out));
  EXPECT_EQ(out, dv({2, 1, 4}));
  ASSERT_TRUE(view_strides(sizes, strides, dv({4, 3}), out));
  EXPECT_EQ(out, dv({1, 4}));
}

TEST(Shape, ViewStridesSizeOneDims) {
  DimVector out;
  // size-1 dim with an odd stride between two contiguous dims
  DimVector sizes{3, 1, 4}, strides{4, 999, 1};
  ASSERT_TRUE(view_strides(sizes, strides, dv({12}), out));
  EXPECT_EQ(out, dv({1}));
  // inserting size-1 dims
  ASSERT_TRUE(view_strides(dv({3, 4}), dv({4, 1}), dv({3, 1, 4, 1}), out));
  EXPECT_EQ(out[0], 4);
  EXPECT_EQ(out[2], 1);
  expect_same_elements(dv({3, 4}), dv({4, 1}), dv({3, 1, 4, 1}), out);
  // 0-d to [1, 1] and back
  ASSERT_TRUE(view_strides(dv({}), dv({}), dv({1, 1}), out));
  EXPECT_EQ(out.size(), 2u);
  ASSERT_TRUE(view_strides(dv({1, 1}), dv({1, 1}), dv({}), out));
  EXPECT_EQ(out.size(), 0u);
}

TEST(Shape, ViewStridesSplitMergeOfSlicedTensor) {
  // x[:, :6] of a contiguous [4, 12]: rows are not adjacent
  DimVector sizes{4, 6}, strides{12, 1}, out;
  EXPECT_FALSE(view_strides(sizes, strides, dv({24}), out));
  EXPECT_FALSE(view_strides(sizes, strides, dv({8, 3}), out));  // would cross rows
  ASSERT_TRUE(view_strides(sizes, strides, dv({4, 2, 3}), out));
  EXPECT_EQ(out, dv({12, 3, 1}));
  ASSERT_TRUE(view_strides(sizes, strides, dv({2, 2, 6}), out));
  EXPECT_EQ(out, dv({24, 12, 1}));
  expect_same_elements(sizes, strides, dv({2, 2, 6}), out);
  // x[:, ::2] of [4, 12]: dims merge into one run with stride 2
  ASSERT_TRUE(view_strides(dv({4, 6}), dv({12, 2}), dv({24}), out));
  EXPECT_EQ(out, dv({2}));
  ASSERT_TRUE(view_strides(dv({4, 6}), dv({12, 2}), dv({3, 8}), out));
  EXPECT_EQ(out, dv({16, 2}));
}

TEST(Shape, ViewStridesZeroElements) {
  DimVector out;
  ASSERT_TRUE(view_strides(dv({0, 3}), dv({3, 1}), dv({3, 0, 5}), out));
  EXPECT_EQ(out, contiguous_strides(dv({3, 0, 5})));
}

// ------------------------------------------------------------------ tensors

TEST(Tensor, EmptyIsContiguousWithFreshVersion) {
  Tensor t = st::empty(dv({2, 3, 4}), ScalarType::Float64);
  ASSERT_TRUE(t.defined());
  EXPECT_EQ(t.sizes(), dv({2, 3, 4}));
  EXPECT_EQ(t.strides(), dv({12, 4, 1}));
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.dtype(), ScalarType::Float64);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_TRUE(t.is_floating_point());
  EXPECT_EQ(t.impl()->offset(), 0);
  EXPECT_EQ(t.impl()->version(), 0u);
  EXPECT_FALSE(t.impl()->is_view);
  EXPECT_GE(t.impl()->storage()->nbytes(), 24 * sizeof(double));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);  // 64-byte aligned
  EXPECT_EQ(t.device(), Device{});
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.stride(-3), 12);
  EXPECT_THROW(t.size(3), IndexError);
  EXPECT_FALSE(Tensor().defined());
}

TEST(Tensor, EmptyZeroDimAndZeroSize) {
  Tensor s = st::empty(dv({}), ScalarType::Int32);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_TRUE(s.is_contiguous());
  Tensor z = st::empty(dv({3, 0}), ScalarType::UInt8);
  EXPECT_EQ(z.numel(), 0);
  EXPECT_THROW(st::empty(dv({2, -3}), ScalarType::Float32), Error);
}

TEST(Tensor, MakeViewSharesStorageAndVersion) {
  Tensor base = st_test::make(dv({3, 4}), ScalarType::Int64, [](int64_t k) { return double(k); });
  // column 1 as a view: sizes [3], stride 4, offset 1
  Tensor col = make_view(base, dv({3}), dv({4}), 1);
  EXPECT_TRUE(col.impl()->is_view);
  EXPECT_EQ(col.impl()->storage().get(), base.impl()->storage().get());
  EXPECT_EQ(col.impl()->version_counter().get(), base.impl()->version_counter().get());
  EXPECT_EQ(col.dtype(), ScalarType::Int64);
  EXPECT_FALSE(col.is_contiguous());
  EXPECT_EQ(col.raw_data(), static_cast<void*>(base.data<int64_t>() + 1));
  EXPECT_EQ(st_test::values(col), (std::vector<double>{1, 5, 9}));
  col.data<int64_t>()[4] = -7;  // element [1] of the view
  EXPECT_EQ(base.data<int64_t>()[5], -7);
  col.impl()->bump_version();
  EXPECT_EQ(base.impl()->version(), 1u);
  base.impl()->bump_version();
  EXPECT_EQ(col.impl()->version(), 2u);
  // the storage outlives the base handle
  std::weak_ptr<Storage> ws = base.impl()->storage();
  base = Tensor();
  EXPECT_FALSE(ws.expired());
  EXPECT_EQ(col.data<int64_t>()[8], 9);
  col = Tensor();
  EXPECT_TRUE(ws.expired());
}

TEST(Tensor, CopyingHandleSharesImpl) {
  Tensor a = st::empty(dv({2}), ScalarType::Float32);
  Tensor b = a;
  EXPECT_TRUE(a.is_same(b));
  EXPECT_EQ(a.use_count(), 2);
  Tensor c = st::empty(dv({2}), ScalarType::Float32);
  EXPECT_FALSE(a.is_same(c));
}

TEST(Tensor, SetGeometryRefreshesContiguity) {
  Tensor t = st::empty(dv({2, 3}), ScalarType::Float32);
  t.impl()->set_geometry(dv({3, 2}), dv({1, 3}), 0);
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.numel(), 6);
  t.impl()->set_geometry(dv({6}), dv({1}), 0);
  EXPECT_TRUE(t.is_contiguous());
  t.impl()->set_geometry(dv({2}), dv({1}), 4);
  EXPECT_EQ(t.numel(), 2);
  EXPECT_EQ(t.impl()->offset(), 4);
}

TEST(Storage, ForeignMemoryReleasedOnce) {
  int released = 0;
  static double buf[4] = {1, 2, 3, 4};
  {
    auto s = std::make_shared<Storage>(buf, sizeof(buf), [&] { ++released; });
    EXPECT_TRUE(s->is_foreign());
    Tensor t(std::make_shared<TensorImpl>(s, 0, dv({4}), dv({1}), ScalarType::Float64));
    EXPECT_EQ(st_test::values(t), (std::vector<double>{1, 2, 3, 4}));
    EXPECT_EQ(released, 0);
  }
  EXPECT_EQ(released, 1);
  Storage own(0);  // zero bytes is allowed
  EXPECT_FALSE(own.is_foreign());
  EXPECT_EQ(own.nbytes(), 0u);
}

TEST(Storage, GrowKeepsContentsAndViewsSeeTheNewMemory) {
  Tensor base = st_test::make(dv({4}), ScalarType::Int64, [](int64_t k) { return double(k + 1); });
  Tensor tail = make_view(base, dv({2}), dv({1}), 2);  // elements 2..3
  const StoragePtr s = base.impl()->storage();
  EXPECT_TRUE(s->resizable());
  EXPECT_TRUE(tail.impl()->resize(dv({3, 2})));  // needs (2 + 6) elements: the storage grows
  EXPECT_GE(s->nbytes(), 8 * sizeof(int64_t));
  EXPECT_EQ(tail.impl()->storage().get(), s.get());
  EXPECT_EQ(tail.sizes(), dv({3, 2}));
  EXPECT_EQ(tail.strides(), dv({2, 1}));
  EXPECT_EQ(tail.impl()->offset(), 2);
  EXPECT_EQ(st_test::values(base), (std::vector<double>{1, 2, 3, 4}));  // the other view reads the moved memory
  EXPECT_EQ(tail.data<int64_t>()[0], 3);
  EXPECT_EQ(tail.data<int64_t>()[1], 4);
  // the same shape changes nothing; a smaller one keeps the storage
  const void* p = s->data();
  EXPECT_FALSE(tail.impl()->resize(dv({3, 2})));
  EXPECT_TRUE(tail.impl()->resize(dv({1})));
  EXPECT_EQ(s->data(), p);
  EXPECT_TRUE(tail.is_contiguous());
  // negative and overflowing sizes are errors that change nothing
  EXPECT_THROW(tail.impl()->resize(dv({-1})), Error);
  EXPECT_THROW(tail.impl()->resize(dv({int64_t(1) << 61})), Error);
  EXPECT_EQ(tail.sizes(), dv({1}));
}

TEST(Storage, ForeignOrPinnedMemoryCannotGrow) {
  static float buf[2] = {1, 2};
  auto foreign = std::make_shared<Storage>(buf, sizeof(buf), [] {});
  Tensor t(std::make_shared<TensorImpl>(foreign, 0, dv({2}), dv({1}), ScalarType::Float32));
  EXPECT_TRUE(t.impl()->resize(dv({1})));  // fits: allowed
  try {
    t.impl()->resize(dv({3}));
    FAIL() << "foreign memory grew";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "Trying to resize storage that is not resizable");
  }
  EXPECT_EQ(t.sizes(), dv({1}));
  Tensor own = st::empty(dv({2}), ScalarType::Float32);
  {
    StoragePin pin(own.impl()->storage());  // a numpy array reads it
    EXPECT_FALSE(own.impl()->storage()->resizable());
    EXPECT_THROW(own.impl()->resize(dv({4})), Error);
  }
  EXPECT_TRUE(own.impl()->storage()->resizable());
  EXPECT_TRUE(own.impl()->resize(dv({4})));
}

namespace {
std::vector<std::string> g_warnings;
void record_warning(const std::string& m) { g_warnings.push_back(m); }
}  // namespace

TEST(Warnings, GoThroughTheInstalledHandler) {
  set_warning_handler(&record_warning);
  warn("first");
  warn("second");
  set_warning_handler(nullptr);
  EXPECT_EQ(g_warnings, (std::vector<std::string>{"first", "second"}));
  g_warnings.clear();
}

// ------------------------------------------------------------------ devices

TEST(Device, Parse) {
  Device c = parse_device("cpu");
  EXPECT_EQ(c.type, DeviceType::CPU);
  EXPECT_EQ(c.index, -1);
  EXPECT_EQ(c.type_name(), "cpu");
  Device c0 = parse_device("cpu:0");
  EXPECT_EQ(c0.type, DeviceType::CPU);
  EXPECT_EQ(c0.index, 0);
  EXPECT_NE(c, c0);
  Device g = parse_device("cuda:1");
  EXPECT_EQ(g.type, DeviceType::CUDA);
  EXPECT_EQ(g.index, 1);
  EXPECT_EQ(g.type_name(), "cuda");
  EXPECT_EQ(parse_device("cuda").index, -1);
  for (const char* bad : {"tpu", "", "CPU", "cuda:", "cuda:x", "cpu:-1", "cuda:1:2", "cpu0"})
    EXPECT_THROW(parse_device(bad), Error) << "'" << bad << "'";
  ST_EXPECT_THROW_MSG(parse_device("tpu"), Error, "tpu");
}

TEST(Device, CheckAvailable) {
  EXPECT_NO_THROW(check_device_available(parse_device("cpu")));
  EXPECT_NO_THROW(check_device_available(parse_device("cpu:0")));
  ST_EXPECT_THROW_MSG(check_device_available(parse_device("cuda")), Error, "cuda");
  EXPECT_THROW(check_device_available(parse_device("cuda:0")), Error);
}

TEST(Device, HugeIndexRaisesStError) {
  EXPECT_THROW(parse_device("cuda:99999999999"), Error);
}

TEST(Device, IndexOverflowIsRejected) {
  EXPECT_THROW(parse_device("cuda:70000"), Error);
}
