// autograd layer: in-place ops on views (CopySlices, lazily remade view
// grad_fns, and the refusals), through the C++ API only.
#include <gtest/gtest.h>
#include <string>
#include <vector>
#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/ops.h"
#include "ops/shape_ops.h"
#include "test_util.h"

using namespace st;
using st_test::values;
namespace ag = st::autograd;

namespace {

Tensor leaf(const DimVector& sizes, const std::vector<double>& v) {
  Tensor t = st_test::from(sizes, ScalarType::Float64, v);
  ag::set_requires_grad(t, true);
  return t;
}

std::string fn_name(const Tensor& t) {
  const ag::NodePtr& fn = ag::grad_fn(t);
  return fn ? fn->name() : "None";
}

void backward(const Tensor& y) { ag::backward({y}, {}, std::nullopt, false, {}); }

std::vector<double> grad_of(const Tensor& t) { return values(ag::get_meta(t)->grad); }

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(InplaceViews, WriteIntoSliceRebasesTheBase) {
  Tensor x = leaf({4}, {1, 2, 3, 4});
  Tensor b = ops::mul(x, Scalar(2.0));
  Tensor v = ops::slice(b, 0, 1, 3, 1);
  ops::mul_(v, Scalar(10.0));
  EXPECT_EQ(fn_name(b), "torch::autograd::CopySlices");
  EXPECT_EQ(fn_name(v), "AsStridedBackward0");
  // the view's history reads the base's new one
  ASSERT_EQ(ag::grad_fn(v)->next_edges.size(), 1u);
  EXPECT_EQ(ag::grad_fn(v)->next_edges[0].fn, ag::grad_fn(b));
  EXPECT_EQ(values(b), (std::vector<double>{2, 40, 60, 8}));
  backward(ops::sum(b));
  EXPECT_EQ(grad_of(x), (std::vector<double>{2, 20, 20, 2}));
}

TEST(InplaceViews, BufferThatDoesNotRequireGradStartsRequiringIt) {
  Tensor y = leaf({2}, {5, 7});
  Tensor buf = ops::ones({3}, ScalarType::Float64);
  Tensor first = ops::slice(buf, 0, 0, 1, 1);  // made before the write
  EXPECT_FALSE(ag::requires_grad(first));
  Tensor v = ops::slice(buf, 0, 1, 3, 1);
  ops::mul_(v, y);
  EXPECT_TRUE(ag::requires_grad(buf));
  EXPECT_FALSE(ag::is_leaf(buf));
  EXPECT_EQ(fn_name(buf), "torch::autograd::CopySlices");
  EXPECT_TRUE(ag::requires_grad(first));
  EXPECT_EQ(fn_name(first), "AsStridedBackward0");  // remade when read
  backward(ops::sum(ops::mul(buf, st_test::from({3}, ScalarType::Float64, {1, 2, 3}))));
  EXPECT_EQ(grad_of(y), (std::vector<double>{2, 3}));  // d/dy (2*y0 + 3*y1) with buf's old 1s
}

TEST(InplaceViews, SiblingViewRemadeLazilyOnVersionChange) {
  Tensor x = leaf({2, 2}, {1, 2, 3, 4});
  Tensor b = ops::mul(x, Scalar(1.0));
  Tensor r0 = ops::select(b, 0, 0), r1 = ops::select(b, 0, 1);
  EXPECT_EQ(fn_name(r1), "SelectBackward0");
  ops::mul_(r0, Scalar(3.0));
  EXPECT_EQ(r1.impl()->version(), 1u);
  EXPECT_EQ(fn_name(r1), "AsStridedBackward0");
  backward(ops::sum(r1));
  EXPECT_EQ(grad_of(x), (std::vector<double>{0, 0, 1, 1}));
}

TEST(InplaceViews, CopyIntoViewSendsGradientToSource) {
  Tensor x = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor src = leaf({3}, {9, 8, 7});
  Tensor b = ops::mul(x, Scalar(1.0));
  Tensor row = ops::select(b, 0, 1);
  ops::copy_(row, src);
  backward(ops::sum(ops::mul(b, st_test::from({2, 3}, ScalarType::Float64, {1, 2, 3, 4, 5, 6}))));
  EXPECT_EQ(grad_of(x), (std::vector<double>{1, 2, 3, 0, 0, 0}));  // the overwritten row gets nothing
  EXPECT_EQ(grad_of(src), (std::vector<double>{4, 5, 6}));
}

TEST(InplaceViews, NoGradViewWrittenWithGradOnIsRefused) {
  Tensor x = leaf({3}, {1, 2, 3});
  Tensor b = ops::mul(x, Scalar(2.0));
  Tensor v;
  {
    ag::AutoGradMode off(false);
    v = ops::slice(b, 0, 1, 3, 1);
  }
  std::string msg = error_of([&] { ops::mul_(v, Scalar(2.0)); });
  EXPECT_EQ(msg.rfind("A view was created in no_grad mode and is being modified inplace with grad mode enabled.", 0),
            0u)
      << msg;
  // both under no_grad: allowed, and nothing recorded
  {
    ag::AutoGradMode off(false);
    ops::mul_(v, Scalar(2.0));
  }
  EXPECT_EQ(fn_name(b), "MulBackward0");
}

TEST(InplaceViews, MultiOutputViewWrittenInPlaceIsRefused) {
  Tensor x = leaf({2, 2}, {1, 2, 3, 4});
  Tensor b = ops::mul(x, Scalar(2.0));
  auto parts = ops::unbind(b, 0);
  std::string msg = error_of([&] { ops::add_(parts[1], Scalar(1.0)); });
  EXPECT_EQ(msg.rfind("Output 1 of Unbind is a view and is being modified inplace. This view is the output of a "
                      "function that returns multiple views.", 0),
            0u)
      << msg;
  // writing the base makes reading the outputs' history refuse too
  ops::mul_(b, Scalar(2.0));
  msg = error_of([&] { ag::grad_fn(parts[0]); });
  EXPECT_NE(msg.find("its base or another view of its base has been modified inplace"), std::string::npos) << msg;
}

TEST(InplaceViews, ViewOfLeafIsRefused) {
  Tensor x = leaf({3}, {1, 2, 3});
  Tensor v = ops::select(x, 0, 1);
  std::string msg = error_of([&] { ops::add_(v, Scalar(1.0)); });
  EXPECT_EQ(msg.rfind("a view of a leaf Variable that requires grad is being used in an in-place operation", 0), 0u)
      << msg;
}

TEST(InplaceViews, NonViewInPlaceKeepsPlainHistory) {
  Tensor x = leaf({2}, {1, 2});
  Tensor b = ops::mul(x, Scalar(2.0));
  EXPECT_EQ(b.impl()->view_meta(), nullptr);  // only views carry view metadata
  ops::mul_(b, Scalar(3.0));
  EXPECT_EQ(fn_name(b), "MulBackward0");
  EXPECT_EQ(b.impl()->version(), 1u);
  backward(ops::sum(b));
  EXPECT_EQ(grad_of(x), (std::vector<double>{6, 6}));
}

TEST(InplaceViews, ViewsOfIntegerTensorsCarryNoViewMeta) {
  Tensor a = ops::zeros({3}, ScalarType::Int64);
  EXPECT_EQ(ops::slice(a, 0, 1, 3, 1).impl()->view_meta(), nullptr);
  Tensor f = ops::zeros({3}, ScalarType::Float64);
  Tensor v = ops::slice(ops::slice(f, 0, 1, 3, 1), 0, 1, 2, 1);
  ASSERT_NE(v.impl()->view_meta(), nullptr);
  EXPECT_EQ(v.impl()->view_meta()->base, f.impl_ptr());  // a view of a view points at the root base
}
