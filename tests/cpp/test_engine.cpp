// autograd layer: the autograd engine on hand-made graphs.
#include <gtest/gtest.h>
#include <cmath>
#include <memory>
#include <vector>
#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/ops.h"
#include "test_util.h"

using namespace st;
using st_test::get;
using st_test::values;
namespace ag = st::autograd;

namespace {

DimVector dv(std::initializer_list<int64_t> il) { return DimVector(il); }

Tensor leaf(const DimVector& sizes, const std::vector<double>& v, ScalarType dt = ScalarType::Float64) {
  Tensor t = st_test::from(sizes, dt, v);
  ag::set_requires_grad(t, true);
  return t;
}

void backward(const Tensor& y, Tensor g = Tensor(), std::optional<bool> retain = std::nullopt, bool create = false) {
  std::vector<Tensor> gs;
  if (g.defined()) gs.push_back(g);
  ag::backward({y}, gs, retain, create, {});
}

Tensor grad_of(const Tensor& t) {
  auto* m = ag::get_meta(t);
  return m ? m->grad : Tensor();
}

}  // namespace

// ------------------------------------------------------------------ basics

TEST(Engine, LeafAndNodeNames) {
  Tensor x = leaf(dv({2}), {1, 2});
  EXPECT_TRUE(ag::requires_grad(x));
  EXPECT_TRUE(ag::is_leaf(x));
  Tensor y = ops::mul(x, x);
  EXPECT_TRUE(ag::requires_grad(y));
  EXPECT_FALSE(ag::is_leaf(y));
  EXPECT_STREQ(ag::meta(y).grad_fn->name(), "MulBackward0");
  EXPECT_STREQ(ag::meta(ops::add(x, Scalar(1.0))).grad_fn->name(), "AddBackward0");
  EXPECT_STREQ(ag::meta(ops::sum(y)).grad_fn->name(), "SumBackward0");
  EXPECT_STREQ(ag::meta(ops::view(y, dv({2, 1}))).grad_fn->name(), "ViewBackward0");
  ag::Edge e = ag::gradient_edge(x);
  ASSERT_TRUE(e.valid());
  EXPECT_STREQ(e.fn->name(), "torch::autograd::AccumulateGrad");
  EXPECT_EQ(ag::grad_accumulator(x), e.fn);  // one accumulator per leaf
  // ops on tensors that do not require grad record nothing
  Tensor c = st_test::from(dv({2}), ScalarType::Float64, {1, 2});
  EXPECT_FALSE(ag::requires_grad(ops::mul(c, c)));
  EXPECT_EQ(ag::get_meta(ops::mul(c, c)), nullptr);
}

TEST(Engine, RequiresGradRules) {
  Tensor i = st_test::from(dv({2}), ScalarType::Int64, {1, 2});
  ST_EXPECT_THROW_MSG(ag::set_requires_grad(i, true), Error, "floating point");
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor y = ops::mul(x, Scalar(2.0));
  ST_EXPECT_THROW_MSG(ag::set_requires_grad(y, false), Error, "leaf");
  Tensor c = st_test::from(dv({}), ScalarType::Float64, {1});
  ST_EXPECT_THROW_MSG(backward(c), Error, "does not require grad");
  ST_EXPECT_THROW_MSG(backward(y), Error, "scalar outputs");
}

TEST(Engine, SimpleChainRule) {
  // y = sum(3 * x^2 + x / 4)  =>  dy/dx = 6x + 1/4
  Tensor x = leaf(dv({3}), {1, -2, 0.5});
  Tensor y = ops::sum(ops::add(ops::mul(ops::pow(x, Scalar(int64_t(2))), Scalar(3.0)), ops::div(x, Scalar(4.0))));
  backward(y);
  std::vector<double> xs{1, -2, 0.5};
  Tensor g = grad_of(x);
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(g.sizes(), x.sizes());
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(values(g)[k], 6 * xs[k] + 0.25, 1e-12);
}

TEST(Engine, Diamond) {
  // a = 2x, b = x*x, c = a*b, y = sum(a + b + c): dy/dx = 2 + 2x + (2*x^2 + 2x*2x) = 2 + 2x + 6x^2
  Tensor x = leaf(dv({4}), {0.5, 1, -1.5, 2});
  Tensor a = ops::mul(x, Scalar(2.0));
  Tensor b = ops::mul(x, x);
  Tensor c = ops::mul(a, b);
  Tensor y = ops::sum(ops::add(ops::add(a, b), c));
  backward(y);
  std::vector<double> xs{0.5, 1, -1.5, 2};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(values(grad_of(x))[k], 2 + 2 * xs[k] + 6 * xs[k] * xs[k], 1e-12);
  // non-leaves get no .grad
  EXPECT_FALSE(grad_of(a).defined());
  EXPECT_FALSE(grad_of(b).defined());
}

TEST(Engine, SharedInputsAcrossOps) {
  // y = sum(x*w + x*x + w), two leaves shared by several nodes
  Tensor x = leaf(dv({2}), {3, -1});
  Tensor w = leaf(dv({2}), {0.5, 4});
  Tensor y = ops::sum(ops::add(ops::add(ops::mul(x, w), ops::mul(x, x)), w));
  backward(y);
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{0.5 + 6, 4 - 2}));  // w + 2x
  EXPECT_EQ(values(grad_of(w)), (std::vector<double>{3 + 1, -1 + 1}));   // x + 1
}

TEST(Engine, BroadcastGradientsSummedToInputShape) {
  Tensor x = leaf(dv({3, 1}), {1, 2, 3});
  Tensor w = leaf(dv({4}), {1, 1, 1, 1});
  Tensor s = leaf(dv({}), {2});
  // y = sum((x + w) * s)
  Tensor y = ops::sum(ops::mul(ops::add(x, w), s));
  backward(y);
  ASSERT_EQ(grad_of(x).sizes(), dv({3, 1}));
  ASSERT_EQ(grad_of(w).sizes(), dv({4}));
  ASSERT_EQ(grad_of(s).sizes(), dv({}));
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{8, 8, 8}));      // 4 columns * s
  EXPECT_EQ(values(grad_of(w)), (std::vector<double>{6, 6, 6, 6}));   // 3 rows * s
  double want_s = 0;
  for (double xi : {1, 2, 3})
    for (int j = 0; j < 4; ++j) want_s += xi + 1;
  EXPECT_EQ(get(grad_of(s), {}), want_s);
}

TEST(Engine, BackwardWithExplicitGradient) {
  Tensor x = leaf(dv({2, 2}), {1, 2, 3, 4});
  Tensor y = ops::mul(x, Scalar(3.0));
  Tensor g = st_test::from(dv({2, 2}), ScalarType::Float64, {1, -1, 0.5, 2});
  backward(y, g);
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{3, -3, 1.5, 6}));
  Tensor bad = st_test::from(dv({4}), ScalarType::Float64, {1, 1, 1, 1});
  Tensor y2 = ops::mul(x, Scalar(3.0));
  ST_EXPECT_THROW_MSG(backward(y2, bad), Error, "Mismatch in shape");
  Tensor ig = st_test::from(dv({2, 2}), ScalarType::Int64, {1, 1, 1, 1});
  EXPECT_THROW(backward(y2, ig), TypeError);
}

TEST(Engine, GradReturnsWithoutAccumulating) {
  Tensor x = leaf(dv({3}), {1, 2, 3});
  Tensor y = ops::sum(ops::mul(x, x));
  auto gs = ag::grad({y}, {x}, {}, std::nullopt, false, false);
  ASSERT_EQ(gs.size(), 1u);
  EXPECT_EQ(values(gs[0]), (std::vector<double>{2, 4, 6}));
  EXPECT_FALSE(grad_of(x).defined());
}

TEST(Engine, GradOfIntermediate) {
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor h = ops::mul(x, Scalar(5.0));
  Tensor y = ops::sum(ops::mul(h, h));
  auto gs = ag::grad({y}, {h, x}, {}, std::nullopt, false, false);
  EXPECT_EQ(values(gs[0]), (std::vector<double>{10, 20}));   // 2h
  EXPECT_EQ(values(gs[1]), (std::vector<double>{50, 100}));  // 2h * 5
  EXPECT_FALSE(grad_of(x).defined());
}

TEST(Engine, AllowUnused) {
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor unused = leaf(dv({2}), {5, 6});
  Tensor y = ops::sum(ops::mul(x, Scalar(2.0)));
  auto gs = ag::grad({y}, {x, unused}, {}, true, false, true);
  ASSERT_EQ(gs.size(), 2u);
  EXPECT_EQ(values(gs[0]), (std::vector<double>{2, 2}));
  EXPECT_FALSE(gs[1].defined());
  ST_EXPECT_THROW_MSG(ag::grad({y}, {x, unused}, {}, true, false, false), Error, "not have been used");
  Tensor c = st_test::from(dv({2}), ScalarType::Float64, {1, 2});
  ST_EXPECT_THROW_MSG(ag::grad({y}, {c}, {}, true, false, true), Error, "does not require grad");
}

TEST(Engine, AccumulatesAcrossBackwardCalls) {
  Tensor x = leaf(dv({2}), {1, 2});
  backward(ops::sum(ops::mul(x, x)));
  backward(ops::sum(ops::mul(x, Scalar(3.0))));
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{2 + 3, 4 + 3}));
  // retain_graph lets the same graph run twice
  Tensor y = ops::sum(ops::mul(x, x));
  backward(y, Tensor(), true);
  backward(y, Tensor(), true);
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{5 + 4, 7 + 8}));
}

TEST(Engine, GradDataIsNotAliasedWithUpstream) {
  // the first gradient stored in .grad must not share memory with a tensor the user holds
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor g = st_test::from(dv({2}), ScalarType::Float64, {1, 1});
  Tensor y = ops::add(x, Scalar(0.0));
  backward(y, g);
  EXPECT_NE(grad_of(x).raw_data(), g.raw_data());
  backward(ops::add(x, Scalar(0.0)), g);
  EXPECT_EQ(values(g), (std::vector<double>{1, 1}));  // accumulation did not write into g
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{2, 2}));
}

TEST(Engine, SecondBackwardWithoutRetainGraphThrows) {
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor y = ops::sum(ops::mul(x, x));
  backward(y);
  ST_EXPECT_THROW_MSG(backward(y), Error, "second time");
  Tensor z = ops::sum(ops::exp(x));
  auto g1 = ag::grad({z}, {x}, {}, std::nullopt, false, false);
  ST_EXPECT_THROW_MSG(ag::grad({z}, {x}, {}, std::nullopt, false, false), Error, "second time");
}

TEST(Engine, InPlaceOnSavedTensorThrowsNamingVersions) {
  Tensor x = leaf(dv({3}), {1, 2, 3});
  Tensor a = ops::mul(x, Scalar(2.0));
  Tensor b = ops::mul(a, a);  // saves a (version 0)
  ops::add_(a, Scalar(1.0));  // a is now at version 1
  Tensor y = ops::sum(b);
  try {
    backward(y);
    ADD_FAILURE() << "expected an in-place error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("modified by an inplace operation"), std::string::npos) << m;
    EXPECT_NE(m.find("version 1"), std::string::npos) << m;
    EXPECT_NE(m.find("version 0"), std::string::npos) << m;
    EXPECT_NE(m.find("[3]"), std::string::npos) << m;  // the tensor's shape
    EXPECT_NE(m.find("MulBackward0"), std::string::npos) << m;
  }
}

TEST(Engine, InPlaceOnSavedOutputThrows) {
  Tensor x = leaf(dv({2}), {0.5, 1});
  Tensor e = ops::exp(x);  // ExpBackward0 saves its output
  ops::mul_(e, Scalar(2.0));
  ST_EXPECT_THROW_MSG(backward(ops::sum(e)), Error, "ExpBackward0");
}

TEST(Engine, InPlaceOnLeafRequiringGradThrows) {
  Tensor x = leaf(dv({2}), {1, 2});
  ST_EXPECT_THROW_MSG(ops::add_(x, Scalar(1.0)), Error, "leaf");
  EXPECT_THROW(ops::mul_(x, x), Error);
  EXPECT_THROW(ops::zero_(x), Error);
  EXPECT_EQ(values(x), (std::vector<double>{1, 2}));
  {
    ag::AutoGradMode off(false);
    ops::add_(x, Scalar(1.0));  // allowed without grad mode
  }
  EXPECT_EQ(values(x), (std::vector<double>{2, 3}));
}

TEST(Engine, InPlaceOnViewOfLeafThrows) {
  Tensor x = leaf(dv({2, 2}), {1, 2, 3, 4});
  Tensor row = ops::select(x, 0, 0);
  ST_EXPECT_THROW_MSG(ops::add_(row, Scalar(1.0)), Error, "view of a leaf");
  EXPECT_EQ(values(x), (std::vector<double>{1, 2, 3, 4}));
}

TEST(Engine, InPlaceOnNonLeafIsRecorded) {
  // y = 2x; y *= y (in place, history rewritten); d sum(y)/dx = 2 * (2x) * 2 = 8x
  Tensor x = leaf(dv({2}), {1, 3});
  Tensor y = ops::mul(x, Scalar(2.0));
  ops::mul_(y, y);
  EXPECT_EQ(values(y), (std::vector<double>{4, 36}));
  backward(ops::sum(y));
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{8, 24}));
}

// ------------------------------------------------------------------ deep graphs

TEST(Engine, DeepChainBackwardAndDestruction) {
  const int n = 100000;
  Tensor x = leaf(dv({}), {1.0});
  std::weak_ptr<ag::Node> first;
  {
    Tensor y = x;
    for (int i = 0; i < n; ++i) {
      y = ops::mul(y, Scalar(1.0001));
      if (i == 0) first = ag::meta(y).grad_fn;
    }
    EXPECT_FALSE(first.expired());
    backward(y);
    double want = std::pow(1.0001, n);
    EXPECT_NEAR(get(grad_of(x), {}), want, want * 1e-9);
    EXPECT_NEAR(get(y, {}), want, want * 1e-9);
  }  // y (and the 100000-node chain) destroyed here
  EXPECT_TRUE(first.expired());
}

TEST(Engine, DeepChainDestroyedWithoutBackward) {
  const int n = 100000;
  Tensor x = leaf(dv({2}), {1.0, 2.0});
  std::weak_ptr<ag::Node> first;
  {
    Tensor y = x;
    for (int i = 0; i < n; ++i) {
      y = ops::add(y, Scalar(0.0));
      if (i == 0) first = ag::meta(y).grad_fn;
    }
  }
  EXPECT_TRUE(first.expired());
}

TEST(Engine, DeepChainWithSavedTensors) {
  // every node saves tensors (MulBackward0 with a tensor operand): the release and
  // destruction paths see saved tensors that themselves hold history
  const int n = 30000;
  Tensor x = leaf(dv({}), {1.0});
  Tensor w = leaf(dv({}), {1.00001});
  Tensor y = x;
  for (int i = 0; i < n; ++i) y = ops::mul(y, w);
  backward(y);
  double want_x = std::pow(1.00001, n);
  double want_w = n * std::pow(1.00001, n - 1);
  EXPECT_NEAR(get(grad_of(x), {}), want_x, want_x * 1e-9);
  EXPECT_NEAR(get(grad_of(w), {}), want_w, want_w * 1e-9);
  y = Tensor();
}

TEST(Engine, DeepChainOfViews) {
  const int n = 100000;
  Tensor x = leaf(dv({2, 2}), {1, 2, 3, 4});
  std::weak_ptr<ag::Node> first;
  {
    Tensor y = x;
    for (int i = 0; i < n; ++i) {
      y = ops::view(y, i % 2 ? dv({2, 2}) : dv({4}));
      if (i == 0) first = ag::meta(y).grad_fn;
    }
    backward(ops::sum(y));
  }
  EXPECT_TRUE(first.expired());
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{1, 1, 1, 1}));
}

// ------------------------------------------------------------------ grad mode

TEST(Engine, AutoGradModeDisablesNodeCreation) {
  Tensor x = leaf(dv({2}), {1, 2});
  EXPECT_TRUE(ag::GradMode::is_enabled());
  {
    ag::AutoGradMode off(false);
    EXPECT_FALSE(ag::GradMode::is_enabled());
    Tensor y = ops::mul(x, x);
    EXPECT_FALSE(ag::requires_grad(y));
    EXPECT_TRUE(ag::is_leaf(y));
    {
      ag::AutoGradMode on(true);
      EXPECT_TRUE(ag::GradMode::is_enabled());
      EXPECT_TRUE(ag::requires_grad(ops::mul(x, x)));
    }
    EXPECT_FALSE(ag::GradMode::is_enabled());
    EXPECT_FALSE(ag::requires_grad(ops::sum(ops::view(x, dv({2, 1})))));
  }
  EXPECT_TRUE(ag::GradMode::is_enabled());
  EXPECT_TRUE(ag::requires_grad(ops::mul(x, x)));
}

TEST(Engine, DetachCutsHistory) {
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor y = ops::mul(x, x);
  Tensor d = ops::detach(y);
  EXPECT_FALSE(ag::requires_grad(d));
  Tensor z = ops::sum(ops::mul(ops::detach(x), x));  // d/dx of (c * x) = c
  backward(z);
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{1, 2}));
}

// ------------------------------------------------------------------ higher order

TEST(Engine, CreateGraphSecondDerivativeOfCube) {
  for (int form = 0; form < 2; ++form) {
    Tensor x = leaf(dv({}), {2.0});
    Tensor y = form == 0 ? ops::pow(x, Scalar(int64_t(3))) : ops::mul(ops::mul(x, x), x);
    auto g1 = ag::grad({y}, {x}, {}, std::nullopt, true, false);
    ASSERT_TRUE(g1[0].defined());
    EXPECT_DOUBLE_EQ(get(g1[0], {}), 12.0);  // 3x^2
    EXPECT_TRUE(ag::requires_grad(g1[0]));
    auto g2 = ag::grad({g1[0]}, {x}, {}, std::nullopt, true, false);
    EXPECT_DOUBLE_EQ(get(g2[0], {}), 12.0) << "form " << form;  // 6x
    auto g3 = ag::grad({g2[0]}, {x}, {}, std::nullopt, false, false);
    EXPECT_DOUBLE_EQ(get(g3[0], {}), 6.0) << "form " << form;
  }
}

TEST(Engine, CreateGraphThroughSavedOutput) {
  // y = exp(2x): dy/dx = 2 exp(2x), d2y/dx2 = 4 exp(2x) (ExpBackward0 saves its output)
  Tensor x = leaf(dv({}), {0.3});
  Tensor y = ops::exp(ops::mul(x, Scalar(2.0)));
  auto g1 = ag::grad({y}, {x}, {}, std::nullopt, true, false);
  EXPECT_NEAR(get(g1[0], {}), 2 * std::exp(0.6), 1e-12);
  auto g2 = ag::grad({g1[0]}, {x}, {}, std::nullopt, false, false);
  EXPECT_NEAR(get(g2[0], {}), 4 * std::exp(0.6), 1e-12);
}

TEST(Engine, BackwardCreateGraphAccumulatesDifferentiableGrad) {
  Tensor x = leaf(dv({}), {3.0});
  backward(ops::mul(ops::mul(x, x), x), Tensor(), std::nullopt, true);
  Tensor g = grad_of(x);
  EXPECT_DOUBLE_EQ(get(g, {}), 27.0);
  EXPECT_TRUE(ag::requires_grad(g));
  auto g2 = ag::grad({g}, {x}, {}, std::nullopt, false, false);
  EXPECT_DOUBLE_EQ(get(g2[0], {}), 18.0);
  // As in PyTorch, backward(create_graph=True) makes a cycle x -> x.grad -> graph ->
  // AccumulateGrad(x) -> x; the user breaks it by clearing .grad (else LeakSanitizer fires).
  ag::meta(x).grad = Tensor();
}

// ------------------------------------------------------------------ hooks and retain_grad

TEST(Engine, LeafHookModifiesGradient) {
  Tensor x = leaf(dv({2}), {1, 2});
  int calls = 0;
  ag::meta(x).leaf_hooks.push_back({0, [&](const Tensor& g) {
                                       ++calls;
                                       return ops::mul(g, Scalar(10.0));
                                     }});
  std::vector<double> seen_by_second;
  ag::meta(x).leaf_hooks.push_back({1, [&](const Tensor& g) {
                                       ++calls;
                                       seen_by_second = values(g);
                                       return Tensor();  // keep
                                     }});
  backward(ops::sum(ops::mul(x, x)));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(seen_by_second, (std::vector<double>{20, 40}));  // the second hook sees the first one's result
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{20, 40}));
  // hooks also run for autograd.grad
  auto gs = ag::grad({ops::sum(ops::mul(x, Scalar(1.0)))}, {x}, {}, std::nullopt, false, false);
  EXPECT_EQ(values(gs[0]), (std::vector<double>{10, 10}));
}

TEST(Engine, NonLeafTensorHook) {
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor y = ops::mul(x, Scalar(2.0));
  auto& m = ag::meta(y);
  Tensor seen;
  m.grad_fn->tensor_hooks.push_back({m.output_nr, 7, [&](const Tensor& g) {
                                       seen = g;
                                       return ops::neg(g);
                                     }});
  backward(ops::sum(ops::mul(y, Scalar(3.0))));
  ASSERT_TRUE(seen.defined());
  EXPECT_EQ(values(seen), (std::vector<double>{3, 3}));
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{-6, -6}));
}

TEST(Engine, RetainGradOnNonLeaf) {
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor y = ops::mul(x, Scalar(3.0));
  auto& m = ag::meta(y);
  m.retains_grad = true;
  m.grad_fn->retained.push_back({m.output_nr, y.impl_ptr()});
  Tensor z = ops::mul(x, Scalar(1.0));  // not retained
  Tensor out = ops::sum(ops::add(ops::mul(y, y), z));
  backward(out, Tensor(), true);
  ASSERT_TRUE(grad_of(y).defined());
  EXPECT_EQ(values(grad_of(y)), (std::vector<double>{6, 12}));  // 2y
  EXPECT_FALSE(grad_of(z).defined());
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{18 + 1, 36 + 1}));
  // a second backward accumulates into the retained grad too
  backward(out);
  EXPECT_EQ(values(grad_of(y)), (std::vector<double>{12, 24}));
}

TEST(Engine, RetainedTensorMayDieFirst) {
  Tensor x = leaf(dv({2}), {1, 2});
  Tensor out;
  {
    Tensor y = ops::mul(x, Scalar(3.0));
    auto& m = ag::meta(y);
    m.retains_grad = true;
    m.grad_fn->retained.push_back({m.output_nr, y.impl_ptr()});
    out = ops::sum(ops::mul(y, Scalar(2.0)));
  }
  EXPECT_NO_THROW(backward(out));
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{6, 6}));
}

// ------------------------------------------------------------------ views in the graph

TEST(Engine, ViewOpsBackward) {
  Tensor x = leaf(dv({2, 3}), {1, 2, 3, 4, 5, 6});
  // y = sum(x[1]) * 1 + sum(x[:, ::2]) * 10 + sum(x.T.reshape(6) * k) + sum(expand(x[:, :1], 2x3))
  Tensor y1 = ops::sum(ops::select(x, 0, 1));
  Tensor y2 = ops::mul(ops::sum(ops::slice(x, 1, 0, std::nullopt, 2)), Scalar(10.0));
  Tensor k = st_test::from(dv({6}), ScalarType::Float64, {1, 2, 3, 4, 5, 6});
  Tensor y3 = ops::sum(ops::mul(ops::reshape(ops::transpose(x, 0, 1), dv({6})), k));
  Tensor y4 = ops::sum(ops::expand(ops::slice(x, 1, 0, 1, 1), dv({2, 3})));
  backward(ops::add(ops::add(y1, y2), ops::add(y3, y4)));
  // x.T.reshape(6)[m] = x[m % 2, m / 2] so x[i, j] gets k[2j + i]
  std::vector<double> want(6, 0.0);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      double g = (i == 1 ? 1 : 0) + (j % 2 == 0 ? 10 : 0) + (2 * j + i + 1) + (j == 0 ? 3 : 0);
      want[i * 3 + j] = g;
    }
  EXPECT_EQ(values(grad_of(x)), want);
}

TEST(Engine, MeanAndSumDimBackward) {
  Tensor x = leaf(dv({2, 4}), {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor y = ops::sum(ops::mul(ops::mean(x, dv({1}), true), st_test::from(dv({2, 1}), ScalarType::Float64, {1, 2})));
  backward(y);
  EXPECT_EQ(values(grad_of(x)), (std::vector<double>{0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5}));
}

// ------------------------------------------------------------------ lifetimes

TEST(Engine, NoReferenceCycles) {
  std::weak_ptr<TensorImpl> wx, wy;
  std::weak_ptr<ag::Node> wn;
  {
    Tensor x = leaf(dv({2}), {1, 2});
    Tensor y = ops::exp(ops::mul(x, x));  // a node saving its own output
    Tensor z = ops::pow(y, x);            // PowBackward1 saves its result as well
    wx = x.impl_ptr();
    wy = y.impl_ptr();
    wn = ag::meta(z).grad_fn;
    backward(ops::sum(z), Tensor(), true);
  }
  EXPECT_TRUE(wx.expired());
  EXPECT_TRUE(wy.expired());
  EXPECT_TRUE(wn.expired());
}

// ------------------------------------------------------------------ node hooks, anomaly mode, saved-tensor hooks

TEST(NodeHooks, PreHookAndPostHookReplaceGradients) {
  Tensor a = leaf(dv({2}), {1, 2}), b = leaf(dv({2}), {3, 4});
  Tensor y = ops::mul(a, b);
  auto fn = ag::get_meta(y)->grad_fn;
  std::vector<std::string> order;
  fn->get_extras().pre_hooks.push_back({1, [&](const ag::TensorList& go) {
    order.push_back("pre");
    return ag::TensorList{ops::mul(go[0], Scalar(2.0))};
  }});
  fn->get_extras().post_hooks.push_back({2, [&](const ag::TensorList& gi, const ag::TensorList& go) {
    order.push_back("post");
    EXPECT_EQ(values(go[0]), (std::vector<double>{2, 2}));
    return ag::TensorList{gi[0], Tensor()};  // b gets no gradient
  }});
  backward(ops::sum(y, std::nullopt));
  EXPECT_EQ(order, (std::vector<std::string>{"pre", "post"}));
  EXPECT_EQ(values(grad_of(a)), (std::vector<double>{6, 8}));
  EXPECT_FALSE(grad_of(b).defined());
}

TEST(NodeHooks, WrongNumberOfReplacementsThrows) {
  Tensor a = leaf(dv({2}), {1, 2}), b = leaf(dv({2}), {3, 4});
  Tensor y = ops::mul(a, b);
  ag::get_meta(y)->grad_fn->get_extras().post_hooks.push_back(
      {1, [](const ag::TensorList& gi, const ag::TensorList&) { return ag::TensorList{gi[0]}; }});
  EXPECT_THROW(backward(ops::sum(y, std::nullopt)), Error);
}

namespace {
struct RestoreAnomaly {
  ~RestoreAnomaly() { ag::AnomalyMode::set(false, true); }
};
}  // namespace

TEST(Anomaly, NanGradientThrowsNamingTheNodeAndOutput) {
  RestoreAnomaly restore;
  Tensor a = leaf(dv({2}), {0, 0});
  Tensor y = ops::div(a, a);
  ag::AnomalyMode::set(true, true);
  try {
    backward(ops::sum(y, std::nullopt), Tensor(), true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Function 'DivBackward0' returned nan values in its 1th output."),
              std::string::npos);
  }
  ag::AnomalyMode::set(true, false);  // check_nan off: no error
  backward(ops::sum(y, std::nullopt));
  EXPECT_TRUE(std::isnan(values(grad_of(a))[0]));
}

TEST(SavedTensorHooks, PackAndUnpackReplaceTheSavedTensor) {
  struct Doubling : ag::SavedTensorHooks {
    Tensor kept;
    int* packs;
    void pack(const Tensor& t) override { kept = t; ++*packs; }
    Tensor unpack() override { return ops::mul(kept, Scalar(2.0)); }
  };
  struct Factory : ag::SavedTensorHooksFactory {
    int packs = 0;
    std::unique_ptr<ag::SavedTensorHooks> make() override {
      auto h = std::make_unique<Doubling>();
      h->packs = &packs;
      return h;
    }
  };
  auto f = std::make_shared<Factory>();
  Tensor a = leaf(dv({2}), {1, 2}), b = leaf(dv({2}), {3, 4});
  ag::push_saved_tensor_hooks(f);
  Tensor y = ops::mul(a, b);
  ag::pop_saved_tensor_hooks();
  EXPECT_EQ(ag::current_saved_tensor_hooks(), nullptr);
  EXPECT_EQ(f->packs, 2);
  backward(ops::sum(y, std::nullopt));
  EXPECT_EQ(values(grad_of(a)), (std::vector<double>{6, 8}));
  EXPECT_EQ(values(grad_of(b)), (std::vector<double>{2, 4}));
}

TEST(SavedFields, MulListsSelfAndOther) {
  Tensor a = leaf(dv({2}), {1, 2}), b = leaf(dv({2}), {3, 4});
  Tensor y = ops::mul(a, b);
  std::vector<ag::SavedField> fields;
  ag::get_meta(y)->grad_fn->saved_fields(fields);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_STREQ(fields[0].name, "self");
  EXPECT_STREQ(fields[1].name, "other");
  EXPECT_TRUE(fields[1].saved->unpack(*ag::get_meta(y)->grad_fn).is_same(b));
}
