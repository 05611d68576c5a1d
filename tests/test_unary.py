"""The unary family beyond the op table: errors, special values, keywords, in-place autograd."""

import math

import numpy as np
import pytest

import smalltorch

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch")

SPECIALS = [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 0.5, 1.5, 2.5, -2.5, -0.5, 1e-30, 100.0, -100.0]
TABLE_OPS = ["abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos",
             "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "erf", "floor", "ceil",
             "trunc", "round", "frac", "isnan", "isinf", "isfinite", "logical_not", "nan_to_num"]


@needs_torch
@pytest.mark.parametrize("name", TABLE_OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values_match_torch(name, dtype):
    x = np.array(SPECIALS, dtype=dtype)
    got = getattr(smalltorch, name)(smalltorch.from_numpy(x.copy())).numpy()
    want = getattr(torch, name)(torch.from_numpy(x.copy())).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=1e-6, equal_nan=True)


def test_round_half_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5000001, 1e20], dtype=np.float64)
    np.testing.assert_array_equal(smalltorch.round(smalltorch.from_numpy(x)).numpy(), np.round(x))


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_integer_inputs_keep_or_promote(dtype):
    x = np.array([0, 1, 4, 9], dtype=dtype)
    t = smalltorch.from_numpy(x)
    assert smalltorch.sqrt(t).dtype == smalltorch.get_default_dtype()
    np.testing.assert_allclose(smalltorch.sqrt(t).numpy(), np.sqrt(x.astype(np.float64)), rtol=1e-6)
    for name in ("abs", "sign", "floor", "ceil", "round", "trunc", "relu", "nan_to_num", "bitwise_not"):
        assert getattr(smalltorch, name)(t).dtype == t.dtype, name
    np.testing.assert_array_equal(smalltorch.floor(t).numpy(), x)


def test_int64_rounding_is_exact():
    big = 2 ** 62 + 1
    t = smalltorch.tensor([big], dtype=smalltorch.int64)
    for name in ("floor", "ceil", "round", "trunc", "abs"):
        assert getattr(smalltorch, name)(t).item() == big


def test_default_dtype_float64_for_integer_inputs():
    smalltorch.set_default_dtype(smalltorch.float64)
    try:
        assert smalltorch.exp(smalltorch.tensor([1, 2])).dtype == smalltorch.float64
    finally:
        smalltorch.set_default_dtype(smalltorch.float32)


def test_bool_inputs():
    b = smalltorch.tensor([True, False])
    assert smalltorch.sign(b).dtype == smalltorch.bool
    assert smalltorch.sigmoid(b).dtype == smalltorch.float32
    np.testing.assert_array_equal(smalltorch.logical_not(b).numpy(), [False, True])
    np.testing.assert_array_equal((~b).numpy(), [False, True])
    np.testing.assert_array_equal(smalltorch.bitwise_not(b).numpy(), [False, True])
    # PyTorch's pow(bool, 2); the C++ op, as the Python layer still defines square as a * a
    assert smalltorch._C.square(b).dtype == smalltorch.int64


@pytest.mark.parametrize("name", ["abs", "floor", "ceil", "round", "trunc", "frac", "relu"])
def test_bool_not_supported(name):
    with pytest.raises(RuntimeError):  # NotImplementedError or RuntimeError, as PyTorch
        getattr(smalltorch, name)(smalltorch.tensor([True]))


def test_dtype_errors():
    with pytest.raises(NotImplementedError, match="bitwise_not"):
        smalltorch.bitwise_not(smalltorch.tensor([1.0]))
    with pytest.raises(TypeError, match="operator.invert"):
        ~smalltorch.tensor([1.0])
    with pytest.raises(NotImplementedError, match="frac"):
        smalltorch.tensor([1, 2]).frac()
    with pytest.raises(RuntimeError, match="can't be cast"):
        smalltorch.tensor([1, 2]).sqrt_()
    with pytest.raises(RuntimeError, match="can't be cast"):
        smalltorch.tensor([1, 2]).clamp_(0.5)


def test_inplace_on_leaf_requiring_grad_raises():
    x = smalltorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        x.exp_()
    with pytest.raises(RuntimeError):
        x.clamp_(0, 1)


def test_inplace_returns_self_and_bumps_version():
    x = smalltorch.tensor([0.25, 4.0])
    v = x._version
    assert x.sqrt_() is x
    assert x._version == v + 1
    np.testing.assert_allclose(x.numpy(), [0.5, 2.0])


def test_logical_not_inplace_keeps_dtype():
    x = smalltorch.tensor([1.0, 0.0, float("nan")])
    x.logical_not_()
    assert x.dtype == smalltorch.float32
    np.testing.assert_array_equal(x.numpy(), np.logical_not([1.0, 0.0, np.nan]).astype(np.float32))


def test_inplace_on_noncontiguous_view():
    base = smalltorch.from_numpy(np.arange(12, dtype=np.float64).reshape(3, 4))
    view = base.T[1:]
    view.neg_()
    view.abs_()
    view.sqrt_()
    want = np.arange(12, dtype=np.float64).reshape(3, 4)
    want[:, 1:] = np.sqrt(want[:, 1:])
    np.testing.assert_allclose(base.numpy(), want)


# the first set saves the output, the second the input (cloned before the update)
@pytest.mark.parametrize("name", ["exp", "sqrt", "tanh", "sigmoid", "relu", "rsqrt", "tan", "expm1", "exp2",
                                  "sin", "log", "abs", "erf", "asin"])
def test_inplace_backward_matches_out_of_place(name):
    x0 = np.array([0.3, 0.7, 0.9])
    x = smalltorch.tensor(x0, requires_grad=True)
    y = x * 1
    getattr(y, name + "_")()
    y.sum().backward()
    x2 = smalltorch.tensor(x0, requires_grad=True)
    getattr(smalltorch, name)(x2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-6)


def test_saved_output_modified_in_place_raises():
    x = smalltorch.tensor([0.5, 1.0], requires_grad=True)
    y = smalltorch.exp(x)
    y.add_(1)
    with pytest.raises(RuntimeError):
        y.sum().backward()


def test_known_gradients():
    x0 = np.array([0.2, 0.5, 0.8])
    x = smalltorch.tensor(x0, requires_grad=True)
    smalltorch.sigmoid(x).sum().backward()
    s = 1 / (1 + np.exp(-x0))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s), rtol=1e-6)
    x.grad = None
    smalltorch.erf(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 / math.sqrt(math.pi) * np.exp(-x0 ** 2), rtol=1e-6)


def test_relu_gradient_is_zero_below_zero():
    x = smalltorch.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    smalltorch.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0, 1.0])


def test_second_derivative_of_tanh():
    x0 = np.array([0.3, -0.4])
    x = smalltorch.tensor(x0, requires_grad=True)
    (g,) = smalltorch.autograd.grad(smalltorch.tanh(x).sum(), x, create_graph=True)
    (h,) = smalltorch.autograd.grad(g.sum(), x)
    t = np.tanh(x0)
    np.testing.assert_allclose(h.numpy(), -2 * t * (1 - t ** 2), rtol=1e-6)


def test_no_grad_records_nothing():
    x = smalltorch.tensor([1.0], requires_grad=True)
    with smalltorch.no_grad():
        assert smalltorch.exp(x).grad_fn is None
    assert smalltorch.isnan(x).grad_fn is None and not smalltorch.isnan(x).requires_grad


# ---------------------------------------------------------------- clamp
def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        smalltorch.clamp(smalltorch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        smalltorch.tensor([1.0]).clamp_()


def test_clamp_mixed_bounds_raise_type_error():
    with pytest.raises(TypeError):
        smalltorch.clamp(smalltorch.tensor([1.0]), smalltorch.tensor([0.0]), 1)
    with pytest.raises(TypeError):
        smalltorch.clamp(smalltorch.tensor([1.0]), "a")


def test_clamp_nan_and_crossed_bounds():
    x = smalltorch.tensor([1.0, float("nan"), 5.0])
    np.testing.assert_array_equal(smalltorch.clamp(x, 3, 2).numpy(), [2.0, np.nan, 2.0])
    assert np.isnan(smalltorch.clamp(x, min=float("nan")).numpy()).all()
    np.testing.assert_array_equal(x.clip(max=2).numpy(), [1.0, np.nan, 2.0])


def test_clamp_dtypes():
    i = smalltorch.tensor([1, 5, 9])
    assert smalltorch.clamp(i, 2, 6).dtype == smalltorch.int64
    np.testing.assert_array_equal(smalltorch.clamp(i, 2, 6).numpy(), [2, 5, 6])
    assert smalltorch.clamp(i, 2.5).dtype == smalltorch.float32
    assert smalltorch.clamp(i, min=smalltorch.tensor(2.0)).dtype == smalltorch.float32
    assert smalltorch.clamp(smalltorch.tensor([True, False]), 0, 1).dtype == smalltorch.int64


def test_clamp_tensor_inplace_broadcast_error():
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        smalltorch.tensor([1.0]).clamp_(min=smalltorch.zeros(2))


def test_clamp_inplace_bound_aliasing_self():
    x = smalltorch.tensor([1.0, -2.0, 3.0])
    x.clamp_(min=x, max=x)
    np.testing.assert_array_equal(x.numpy(), [1.0, -2.0, 3.0])


@needs_torch
def test_clamp_tensor_bound_gradients_match_torch():
    rng = np.random.default_rng(5)
    a, lo, hi = rng.normal(size=(3, 4)), rng.normal(size=(4,)) - 0.5, rng.normal(size=(3, 1)) + 0.5
    lo[0] = 2.0  # crossed with some hi: gradient goes to max there

    def run(T):
        ts = [T.tensor(v, requires_grad=True) for v in (a, lo, hi)]
        (T.clamp(ts[0], ts[1], ts[2]) * T.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        return [t.grad.numpy() for t in ts]

    for g, w in zip(run(smalltorch), run(torch)):
        np.testing.assert_allclose(g, w)


@needs_torch
def test_clamp_node_names_match_torch():
    for T in (smalltorch, torch):
        x = T.tensor([0.5, 2.0], requires_grad=True, dtype=T.float64)
        b = T.tensor([1.0, 1.0], dtype=T.float64)
        names = [T.clamp(x, min=0).grad_fn.name(), T.clamp(x, max=b).grad_fn.name(),
                 x.clamp_min(b).grad_fn.name(), x.clamp_max(0.0).grad_fn.name()]
        if T is smalltorch:
            mine = names
    assert mine == names


# ---------------------------------------------------------------- nan_to_num, round, out=, aliases
def test_nan_to_num_defaults_and_gradient():
    x = smalltorch.tensor([float("nan"), float("inf"), -float("inf"), 1.0], requires_grad=True)
    y = smalltorch.nan_to_num(x)
    fmax = np.finfo(np.float32).max
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, fmax, -fmax, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(smalltorch.nan_to_num(x.detach(), nan=7.0, posinf=8.0).numpy(),
                                  [7.0, 8.0, -fmax, 1.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_decimals_as_pytorch(torch_ref, dtype):
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.standard_normal(200) * 10.0 ** rng.integers(-3, 5, 200),
                        [0.125, -2.5, 2.5, 1234.5, 0.0, -0.0, np.inf, -np.inf, np.nan, 1e30]]).astype(dtype)
    for d in (-3, -1, 1, 2, 3, 6):
        got = smalltorch.round(smalltorch.from_numpy(x.copy()), decimals=d).numpy()
        want = torch_ref.round(torch_ref.from_numpy(x.copy()), decimals=d).numpy()
        np.testing.assert_array_equal(got, want)
        y = smalltorch.from_numpy(x.copy())
        y.round_(decimals=d)
        np.testing.assert_array_equal(y.numpy(), want)
    a = smalltorch.tensor([1.234, 5.678], dtype=getattr(smalltorch, dtype), requires_grad=True)
    r = a.round(decimals=2)
    assert type(r.grad_fn).__name__ == "RoundBackward1"
    r.sum().backward()
    assert a.grad.tolist() == [0.0, 0.0]
    for dt in ("int64", "uint8", "bool"):
        with pytest.raises(NotImplementedError) as want:
            torch_ref.ones(2, dtype=getattr(torch_ref, dt)).round(decimals=1)
        with pytest.raises(NotImplementedError) as got:
            smalltorch.ones(2, dtype=getattr(smalltorch, dt)).round(decimals=1)
        assert str(got.value) == str(want.value)


def test_out_keyword():
    x = smalltorch.tensor([0.25, 4.0])
    out = smalltorch.empty(2)
    r = smalltorch.sqrt(x, out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), [0.5, 2.0])
    o2 = smalltorch.empty(2, dtype=smalltorch.float64)
    smalltorch.clamp(x, 1.0, 2.0, out=o2)
    np.testing.assert_allclose(o2.numpy(), [1.0, 2.0])
    with pytest.warns(UserWarning, match="resized"):
        np.testing.assert_allclose(smalltorch.sqrt(x, out=smalltorch.empty(3)).numpy(), [0.5, 2.0])
    with pytest.raises(RuntimeError, match="can't be cast"):
        smalltorch.sqrt(x, out=smalltorch.empty(2, dtype=smalltorch.int64))
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        smalltorch.sin(x.requires_grad_(), out=smalltorch.empty(2))


def test_keyword_input_and_aliases():
    x = smalltorch.tensor([-0.5, 0.25])
    np.testing.assert_allclose(smalltorch.abs(input=x).numpy(), [0.5, 0.25])
    np.testing.assert_allclose(smalltorch.absolute(x).numpy(), [0.5, 0.25])
    np.testing.assert_allclose(x.arcsin().numpy(), np.arcsin([-0.5, 0.25]), rtol=1e-6)
    np.testing.assert_allclose(smalltorch.fix(smalltorch.tensor([-1.5, 1.5])).numpy(), [-1.0, 1.0])
    np.testing.assert_allclose(smalltorch.clip(x, min=0).numpy(), [0.0, 0.25])


def test_large_tensor_uses_threads_correctly():
    x = np.linspace(-5, 5, 1_000_001).astype(np.float32)
    t = smalltorch.from_numpy(x)
    np.testing.assert_allclose(smalltorch.tanh(t).numpy(), np.tanh(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(smalltorch.clamp(t[::2], -1, 1).numpy(), np.clip(x[::2], -1, 1))
