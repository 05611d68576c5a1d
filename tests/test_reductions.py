"""Reduction ops: what the op table cannot express (errors, special values, keyword forms)."""

import math

import numpy as np
import pytest

import smalltorch as st

torch = pytest.importorskip("torch")


def T(x, **kw):
    return st.tensor(x, **kw)


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
def test_empty_all_raises_runtime_error(op):
    with pytest.raises(RuntimeError) as e:
        getattr(st.zeros(0, 3), op)()
    with pytest.raises(RuntimeError) as te:
        getattr(torch.zeros(0, 3), op)()
    assert str(e.value) == str(te.value)


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin", "argmax", "argmin"])
def test_empty_dim_raises_index_error(op):
    with pytest.raises(IndexError) as e:
        getattr(st.zeros(0, 3), op)(0)
    with pytest.raises(IndexError) as te:
        getattr(torch.zeros(0, 3), op)(0)
    assert str(e.value) == str(te.value)
    assert tuple(getattr(st.zeros(0, 3), op)(1)[0].shape if op in ("max", "min") else
                 getattr(st.zeros(0, 3), op)(1).shape) == (0,)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_empty_none_and_bool(op):
    with pytest.raises(IndexError):
        getattr(st.zeros(0), op)()
    with pytest.raises(RuntimeError, match="does not support bool"):
        getattr(st.ones(3, dtype=st.bool), op)()


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_of_ints_raises(op):
    with pytest.raises(RuntimeError, match="only support floating point"):
        getattr(st.arange(5), op)()


def test_result_dtypes_like_torch():
    for dt in ("bool", "uint8", "int32", "int64", "float32"):
        a, ta = st.ones(2, 3, dtype=getattr(st, dt)), torch.ones(2, 3, dtype=getattr(torch, dt))
        for name, f in [("prod", lambda x: x.prod()), ("prod1", lambda x: x.prod(1)), ("all", lambda x: x.all()),
                        ("any1", lambda x: x.any(1)), ("cumsum", lambda x: x.cumsum(0)),
                        ("cumprod", lambda x: x.cumprod(1)), ("amax", lambda x: x.amax())]:
            assert str(f(a).dtype).split(".")[-1] == str(f(ta).dtype).split(".")[-1], (dt, name)
    assert st.arange(6).reshape(2, 3).logsumexp(1).dtype == st.float32
    assert st.ones(3).prod(dtype=st.float64).dtype == st.float64
    assert st.arange(4).cumsum(0, dtype=st.float32).dtype == st.float32


def test_max_dim_named_tuple():
    x = np.array([[1.0, 5.0, 5.0], [7.0, -1.0, 2.0]])
    r = st.max(st.from_numpy(x), 1)
    values, indices = r
    np.testing.assert_array_equal(values.numpy(), x.max(1))
    np.testing.assert_array_equal(indices.numpy(), [1, 0])  # first of ties
    assert r.values is values and r[1] is indices
    r2 = st.from_numpy(x).min(dim=0, keepdim=True)
    assert tuple(r2.values.shape) == (1, 3) and r2.indices.dtype == st.int64
    np.testing.assert_array_equal(r2.indices.numpy(), [[0, 1, 1]])


def test_max_backward_ties():
    a = T([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    a.max().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0, 0.5, 0.5, 0])  # split evenly, like torch
    b = T([[1.0, 3.0, 3.0]], requires_grad=True)
    b.amax(1).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [[0, 0.5, 0.5]])
    c = T([[1.0, 3.0, 3.0]], requires_grad=True)
    c.max(1).values.sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), [[0, 1, 0]])  # only the selected index
    assert c.max(1).indices.grad_fn is None


def test_nan_propagates():
    x = T([1.0, float("nan"), 3.0])
    assert math.isnan(x.max().item()) and math.isnan(x.amin().item())
    assert x.argmax().item() == 1 and x.argmin().item() == 1


@pytest.mark.parametrize("vals", [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 0.0, 5.0], [1.5, -2.0, 3.0, 0.5]])
def test_prod_and_cumprod_grads_with_zeros(vals):
    for f in (lambda x: x.prod(), lambda x: x.prod(0), lambda x: x.cumprod(0),
              lambda x: x.reshape(2, 2).prod(1, keepdim=True), lambda x: x.reshape(2, 2).cumprod(1)):
        a = T(vals, dtype=st.float64, requires_grad=True)
        ta = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
        g = np.arange(1, 5, dtype=np.float64)[: f(ta).numel()].reshape(tuple(f(ta).shape))
        f(a).backward(st.from_numpy(g.copy()))
        f(ta).backward(torch.from_numpy(g.copy()))
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12, atol=1e-12)
        assert st.autograd.gradcheck(f, (T(vals, dtype=st.float64, requires_grad=True),), eps=1e-6, atol=1e-5)


def test_stable_softmax_logsumexp():
    x = T([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(x.softmax(0).numpy(), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(x.log_softmax(0).numpy(), [-math.log(2), -math.log(2), -2000 - math.log(2)],
                               rtol=1e-6)
    assert abs(x.logsumexp(0).item() - (1000 + math.log(2))) < 1e-3
    ninf = T([float("-inf"), float("-inf")])
    assert ninf.logsumexp(0).item() == float("-inf")


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape,dim", [((3, 1), 1), ((6, 7), 1), ((4, 8), -1), ((2, 3, 13), 2), ((3, 600), 1),
                                       ((2, 1100), 1), ((5, 9), 0), ((4, 6, 5), 1)])
def test_float32_softmax_rows_match_torch(log, shape, dim):
    # float32 rows take the ISA's row loops (vector exp), forward and backward; other dims the line loops
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    name = "log_softmax" if log else "softmax"
    a, ta = st.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = getattr(a, name)(dim), getattr(ta, name)(dim)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=2e-6, atol=2e-6)
    y.backward(st.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-5)
    # an expanded (stride 0) incoming gradient, as sum() sends
    a.grad, ta.grad = None, None
    getattr(a, name)(dim).sum().backward()
    getattr(ta, name)(dim).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("log", [False, True])
def test_float32_softmax_special_rows_match_torch(log):
    inf, nan = float("inf"), float("nan")
    rows = [[-inf] * 9, [1.0, inf, 2.0] + [0.0] * 6, [1.0, nan] + [3.0] * 7, [88.0, -88.0, 0.5] * 3]
    name = "log_softmax" if log else "softmax"
    for dtype in ("float32", "float64"):  # float32 rows: the ISA's loop; float64 and dim 0: the line loops
        for transposed in (False, True):
            a, ta = st.tensor(rows, dtype=getattr(st, dtype)), torch.tensor(rows, dtype=getattr(torch, dtype))
            if transposed:
                a, ta = a.t(), ta.t()
            d = 0 if transposed else 1
            got, want = getattr(a, name)(d).numpy(), getattr(ta, name)(d).numpy()
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6, equal_nan=True)


def test_softmax_dtype_and_int_error():
    a = st.arange(4).reshape(2, 2)
    assert a.softmax(1, dtype=st.float64).dtype == st.float64
    with pytest.raises(NotImplementedError):
        a.softmax(1)
    x = st.randn(3, 4, requires_grad=True)
    y = st.softmax(x, dim=1, dtype=st.float64)
    assert y.dtype == st.float64 and y.grad_fn.name() == "SoftmaxBackward0"
    y.sum().backward()
    assert x.grad.dtype == st.float32


def test_var_std_keywords():
    x = np.random.default_rng(0).normal(size=(3, 4))
    a = st.from_numpy(x)
    np.testing.assert_allclose(a.var().item(), x.var(ddof=1))
    np.testing.assert_allclose(a.var(unbiased=False).item(), x.var())
    np.testing.assert_allclose(a.var(False).item(), x.var())
    np.testing.assert_allclose(a.std(1, True, True).numpy(), x.std(1, ddof=1, keepdims=True))
    np.testing.assert_allclose(st.std(a, dim=(0, 1), correction=0).item(), x.std())
    np.testing.assert_allclose(st.var(a, 0, keepdim=True).numpy(), x.var(0, ddof=1, keepdims=True))


def test_norm_forms():
    x = np.random.default_rng(1).normal(size=(3, 4))
    a = st.from_numpy(x)
    np.testing.assert_allclose(a.norm().item(), np.linalg.norm(x))
    np.testing.assert_allclose(st.norm(a, p="fro").item(), np.linalg.norm(x))
    np.testing.assert_allclose(a.norm(float("inf")).item(), np.abs(x).max())
    np.testing.assert_allclose(a.norm(0).item(), np.count_nonzero(x))
    np.testing.assert_allclose(st.norm(a, 1, dim=1, keepdim=True).numpy(), np.abs(x).sum(1, keepdims=True))
    with pytest.raises(RuntimeError):
        st.arange(3).norm()
    with pytest.raises(RuntimeError, match="identity"):
        st.zeros(0).norm(float("inf"))
    z = st.zeros(3, requires_grad=True)
    z.norm().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0, 0, 0])  # like torch: no NaN at 0


def test_all_any_forms():
    a = st.tensor([[1, 0], [2, 3]])
    assert st.all(a).item() is False and st.any(a).item() is True
    np.testing.assert_array_equal(a.all(1).numpy(), [False, True])
    np.testing.assert_array_equal(a.any(dim=0, keepdim=True).numpy(), [[True, True]])
    assert st.zeros(0).all().item() is True and st.zeros(0).any().item() is False


def test_large_inputs_use_lines_and_threads():
    x = np.random.default_rng(2).normal(size=(300, 1000)).astype(np.float32)
    a = st.from_numpy(x)
    np.testing.assert_allclose(a.amax(1).numpy(), x.max(1))
    np.testing.assert_allclose(a.amax(0).numpy(), x.max(0))
    np.testing.assert_allclose(a.T.softmax(0).numpy(), np.exp(x.T - x.T.max(0)) / np.exp(x.T - x.T.max(0)).sum(0),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(a.cumsum(1).numpy(), np.cumsum(x, 1, dtype=np.float64), rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(a.argmax(1).numpy(), x.argmax(1))
    np.testing.assert_allclose(a.logsumexp((0, 1)).item(), np.log(np.exp(x.astype(np.float64)).sum()), rtol=1e-5)
    # reduced dims that cannot merge into one line: dims 0 and 2 of a permuted tensor
    y = np.random.default_rng(3).normal(size=(4, 5, 6))
    b = st.from_numpy(y).permute(1, 0, 2)
    np.testing.assert_allclose(b.amin((0, 2)).numpy(), y.transpose(1, 0, 2).min((0, 2)))


def test_dim_errors():
    with pytest.raises(IndexError):
        st.ones(2, 3).prod(2)
    with pytest.raises(IndexError):
        st.ones(2, 3).softmax(-3)
    with pytest.raises(RuntimeError, match="multiple times"):
        st.ones(2, 3).amax((1, -1))
    with pytest.raises(TypeError):
        st.ones(2, 3).logsumexp()


def test_max_two_tensor_form():
    a, b = st.tensor([1.0, 5.0]), st.tensor([3.0, 2.0])
    if hasattr(st._C, "maximum"):
        np.testing.assert_array_equal(st.max(a, b).numpy(), [3.0, 5.0])
    else:
        with pytest.raises(TypeError, match="maximum"):
            st.max(a, b)


@pytest.mark.parametrize("n", [5, 63, 64, 65, 1000, 300_001])  # vector tails and the multi-thread split
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.uint8])
def test_whole_max_min_match_numpy_with_nan_anywhere(n, dtype):
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 50).astype(dtype) if np.dtype(dtype).kind == "f" else \
        rng.integers(0, 200, n).astype(dtype)
    t = st.from_numpy(a)
    assert t.max().item() == a.max() and t.min().item() == a.min()
    if np.dtype(dtype).kind == "f":
        for pos in (0, n // 2, n - 1):
            b = a.copy()
            b[pos] = np.nan
            assert np.isnan(st.from_numpy(b).max().item()) and np.isnan(st.from_numpy(b).min().item())


def test_sum_and_mean_methods_all_call_forms():
    # x.sum() / x.mean() take a C fast path; every other form goes to the full binding
    x = st.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    a = x.detach().numpy()
    assert x.sum().item() == a.sum() and x.sum().grad_fn.name() == "SumBackward0"
    assert x.mean().item() == a.mean() and x.mean().grad_fn.name() == "MeanBackward0"
    np.testing.assert_allclose(x.sum(0).detach().numpy(), a.sum(0))
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).detach().numpy(), a.sum(1, keepdims=True))
    np.testing.assert_allclose(x.mean((0, 1)).detach().numpy(), a.mean())
    assert x.sum(dtype=st.float64).dtype == st.float64
    with pytest.raises(TypeError):
        x.sum(foo=1)
    with pytest.raises(RuntimeError, match="mean"):
        st.tensor([1, 2]).mean()


def test_cumsum_cumprod_in_place(torch_ref):
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    t = st.from_numpy(a.copy())
    assert t.cumsum_(1) is t
    np.testing.assert_allclose(t.numpy(), a.cumsum(1))
    t = st.from_numpy(a.copy())
    t.cumprod_(0)
    np.testing.assert_allclose(t.numpy(), a.cumprod(0))
    # on a non-leaf: the gradient matches the out-of-place op's, and the node is named like torch's
    for m in (st, torch_ref):
        x = m.tensor(a.tolist(), dtype=m.float64, requires_grad=True)
        y = x * 1
        y.cumsum_(1)
        y.sum().backward()
        if m is st:
            got, name = x.grad.numpy(), y.grad_fn.name()
        else:
            want, tname = x.grad.numpy(), y.grad_fn.name()
    np.testing.assert_allclose(got, want)
    assert name == tname
    with pytest.raises(RuntimeError, match="leaf"):
        st.ones(3, requires_grad=True).cumsum_(0)
