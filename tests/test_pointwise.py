"""Pointwise family: errors, special values, keyword forms and what the op table cannot express."""

import math

import numpy as np
import pytest

import smalltorch as st

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")

INT_DTYPES = ("uint8", "int32", "int64")


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("op", [lambda a, b: a // b, lambda a, b: a % b, lambda a, b: st.fmod(a, b),
                                lambda a, b: st.div(a, b, rounding_mode="trunc"),
                                lambda a, b: st.div(a, b, rounding_mode="floor")])
def test_integer_division_by_zero_raises(op, dtype):
    a = st.tensor([5, 3, 7], dtype=getattr(st, dtype))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        op(a, 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        op(a, st.tensor([1, 0, 2], dtype=getattr(st, dtype)))


@pytest.mark.parametrize("dtype", ("int32", "int64"))
def test_integer_min_by_minus_one_does_not_trap(dtype):
    lo = int(np.iinfo(dtype).min)
    a = st.tensor([lo, lo], dtype=getattr(st, dtype))
    b = st.tensor([-1, -1], dtype=getattr(st, dtype))
    assert (a // b).tolist() == [lo, lo]  # wraps, as in torch
    assert (a % b).tolist() == [0, 0]
    assert st.fmod(a, b).tolist() == [0, 0]
    assert st.div(a, b, rounding_mode="trunc").tolist() == [lo, lo]


def test_python_sign_semantics():
    a = [-7, 7, -7, 7, 0]
    b = [3, -3, -3, 3, -2]
    ta, tb = st.tensor(a), st.tensor(b)
    assert (ta % tb).tolist() == [x % y for x, y in zip(a, b)]
    assert (ta // tb).tolist() == [x // y for x, y in zip(a, b)]
    assert st.fmod(ta, tb).tolist() == [int(math.fmod(x, y)) for x, y in zip(a, b)]
    assert st.div(ta, tb, rounding_mode="trunc").tolist() == [int(x / y) for x, y in zip(a, b)]
    fa, fb = st.tensor(a, dtype=st.float64), st.tensor(b, dtype=st.float64)
    assert (fa % fb).tolist() == [float(x % y) for x, y in zip(a, b)]
    assert (fa // fb).tolist() == [float(x // y) for x, y in zip(a, b)]
    assert st.fmod(fa, fb).tolist() == [math.fmod(x, y) for x, y in zip(a, b)]
    assert (7 % ta[:4]).tolist() == [7 % x for x in a[:4]]
    assert (7 // ta[:4]).tolist() == [7 // x for x in a[:4]]
    assert (ta % -2).tolist() == [x % -2 for x in a]


def test_float_special_values():
    inf, nan = math.inf, math.nan
    a = st.tensor([5.0, -5.0, inf, 5.0, -7.0, 0.0, 7.0], dtype=st.float64)
    b = st.tensor([inf, inf, 2.0, 0.0, 0.0, 0.0, -0.0], dtype=st.float64)
    an, bn = a.numpy(), b.numpy()
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal((a % b).numpy(), np.remainder(an, bn))
        np.testing.assert_array_equal((a // b).numpy(), np.floor_divide(an, bn))
        np.testing.assert_array_equal(st.fmod(a, b).numpy(), np.fmod(an, bn))
        np.testing.assert_array_equal(st.div(a, b, rounding_mode="trunc").numpy(), np.trunc(an / bn))


def test_maximum_minimum_propagate_nan():
    a = st.tensor([math.nan, 1.0, 2.0])
    b = st.tensor([1.0, math.nan, 3.0])
    for f, ref in ((st.maximum, np.maximum), (st.minimum, np.minimum)):
        np.testing.assert_array_equal(f(a, b).numpy(), ref(a.numpy(), b.numpy()))


@needs_torch
@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_gradient(fn):
    vals_a, vals_b = [1.0, 2.0, 3.0], [1.0, 5.0, 0.0]
    got = []
    for T in (st, torch):
        a = T.tensor(vals_a, requires_grad=True)
        b = T.tensor(vals_b, requires_grad=True)
        getattr(T, fn)(a, b).sum().backward()
        got.append((a.grad.tolist(), b.grad.tolist()))
    assert got[0] == got[1]
    assert got[0][0][0] == 0.5 and got[0][1][0] == 0.5


def test_div_rounding_mode_keyword_forms():
    a = st.tensor([7.0, -7.0])
    b = st.tensor([2.0, 2.0])
    assert st.div(a, b, rounding_mode="floor").tolist() == [3.0, -4.0]
    assert a.div(b, rounding_mode="trunc").tolist() == [3.0, -3.0]
    assert st.divide(a, 2, rounding_mode="floor").tolist() == [3.0, -4.0]
    assert st.div(a, b, rounding_mode=None).tolist() == [3.5, -3.5]
    assert st.div(a, b).tolist() == [3.5, -3.5] and a.div(2).tolist() == [3.5, -3.5]
    i = st.tensor([7, -7])
    assert st.div(i, 2, rounding_mode="floor").dtype == st.int64
    assert st.div(i, 2).dtype == st.float32
    c = i.clone()
    assert c.div_(2, rounding_mode="floor") is c and c.tolist() == [3, -4]
    with pytest.raises(RuntimeError, match="rounding_mode"):
        st.div(a, b, rounding_mode="round")
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.clone().div_(2)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.clone().div_(2.5, rounding_mode="trunc")


@needs_torch
def test_div_rounding_mode_grad_is_zero():
    x = st.tensor([1.5, -2.5], requires_grad=True)
    y = st.div(x, 2, rounding_mode="floor")
    assert y.grad_fn.name() == "DivBackward2"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_floor_divide_has_no_derivative():
    x = st.tensor([1.5, -2.5], requires_grad=True)
    for y in (x // 2, 7 % x, st.floor_divide(x, x)):
        assert y.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(NotImplementedError, match="not implemented"):
            y.sum().backward()


@needs_torch
@pytest.mark.parametrize("expr", [
    lambda T: T.div(T.tensor([True]), T.tensor([True]), rounding_mode="floor"),
    lambda T: T.tensor([True]) // T.tensor([True]),
    lambda T: T.tensor([True]) % T.tensor([True]),
    lambda T: T.fmod(T.tensor([True]), T.tensor([True])),
    lambda T: T.tensor([1.0]) & T.tensor([1.0]),
    lambda T: T.tensor([1]) ^ 1.5,
    lambda T: T.bitwise_or(T.tensor([1.0]), 1),
    lambda T: T.lerp(T.tensor([1]), T.tensor([2]), 0.5),
    lambda T: T.addcmul(T.tensor([True]), T.tensor([True]), T.tensor([True])),
])
def test_unsupported_dtypes_raise_like_torch(expr):
    with pytest.raises(NotImplementedError) as e_st:
        expr(st)
    with pytest.raises(NotImplementedError) as e_t:
        expr(torch)
    assert str(e_st.value) == str(e_t.value)


@needs_torch
@pytest.mark.parametrize("expr,exc", [
    (lambda T: T.atan2(T.tensor([1.0]), 2), TypeError),
    (lambda T: T.maximum(T.tensor([1.0]), 2), TypeError),
    (lambda T: T.logical_and(T.tensor([1.0]), 2), TypeError),
    (lambda T: T.where(T.tensor([1]), T.tensor([1.0]), T.tensor([2.0])), RuntimeError),
    (lambda T: T.tensor([1.0]).masked_fill(T.tensor([1]), 2.0), RuntimeError),
    (lambda T: T.zeros(3).masked_fill(T.ones(3, dtype=T.bool), T.ones(3)), RuntimeError),
    (lambda T: T.zeros(3).masked_fill_(T.ones(2, 3, dtype=T.bool), 1.0), RuntimeError),
    (lambda T: T.lerp(T.zeros(3, dtype=T.float64), T.zeros(3), 0.5), RuntimeError),
    (lambda T: T.lerp(T.zeros(3), T.zeros(3), T.zeros(3, dtype=T.float64)), RuntimeError),
    (lambda T: T.zeros(3, 1).lerp_(T.ones(4), 0.5), RuntimeError),
    (lambda T: T.addcdiv(T.tensor([1]), T.tensor([1]), T.tensor([2])), RuntimeError),
    (lambda T: T.tensor([1, 2]).remainder_(2.5), RuntimeError),
    (lambda T: T.tensor([1, 2]).atan2_(T.tensor([1, 2])), RuntimeError),
    (lambda T: T.tensor([1, 2]).addcmul_(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0])), RuntimeError),
    (lambda T: T.ones(3, 1).eq_(T.ones(4)), RuntimeError),
    (lambda T: T.ones(3) == T.ones(4), RuntimeError),
])
def test_errors_match_torch_type(expr, exc):
    with pytest.raises(exc):
        expr(st)
    with pytest.raises(exc):
        expr(torch)


def test_inplace_on_leaf_requiring_grad_raises():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    for f in (lambda: x.remainder_(2), lambda: x.lerp_(st.ones(2), 0.5), lambda: x.masked_fill_(x > 1, 0.0),
              lambda: x.addcmul_(x, x), lambda: x.eq_(1.0)):
        with pytest.raises(RuntimeError, match="leaf"):
            f()


def test_operators_and_hashing():
    a = st.tensor([1, 2, 3])
    b = st.tensor([3, 2, 1])
    assert (a == b).tolist() == [False, True, False]
    assert (a != b).tolist() == [True, False, True]
    assert (a < b).tolist() == [True, False, False] and (a <= 2).tolist() == [True, True, False]
    assert (2 < a).tolist() == [False, False, True] and (2 >= a).tolist() == [True, True, False]
    assert (a > b).tolist() == [False, False, True] and (a >= b).tolist() == [False, True, True]
    assert (a == None) is False and (a != "x") is True  # noqa: E711
    assert len({a, b}) == 2 and a in {a} and {a: 1}[a] == 1
    assert (a & 1).tolist() == [1, 0, 1] and (1 & a).tolist() == [1, 0, 1]
    assert (a | b).tolist() == [3, 2, 3] and (4 | a).tolist() == [5, 6, 7]
    assert (a ^ b).tolist() == [2, 0, 2] and (1 ^ a).tolist() == [0, 3, 2]
    m = st.tensor([True, False])
    assert (m & True).dtype == st.bool and (m | 1).dtype == st.int64
    c = a.clone()
    ref = c
    c &= 2
    c |= 8
    c ^= 1
    assert c is ref and c.tolist() == [9, 11, 11]
    d = st.tensor([7.0, -7.0])
    ref = d
    d //= 2
    d %= 3
    assert d is ref and d.tolist() == [float((7 // 2) % 3), float((-7 // 2) % 3)]


def test_comparison_type_promotion():
    i = st.tensor([1, 2, 3])
    assert (i < 2.5).tolist() == [True, True, False]
    assert (i == 2.0).tolist() == [False, True, False]
    assert st.eq(st.ones(3, 1), st.ones(4)).shape == (3, 4)
    assert st.logical_xor(st.tensor([0.0, 1.5]), st.tensor([0, 0])).tolist() == [False, True]
    c = st.tensor([1.0, 5.0])
    c.lt_(2.0)
    assert c.dtype == st.float32 and c.tolist() == [1.0, 0.0]
    j = st.tensor([3, 0])
    j.logical_or_(st.tensor([False, False]))
    assert j.dtype == st.int64 and j.tolist() == [1, 0]


@needs_torch
def test_where_masked_fill_lerp_addc_dtypes_match_torch():
    exprs = [
        lambda T: T.where(T.tensor([True, False]), T.tensor([1, 2]), 2.5),
        lambda T: T.where(T.tensor([True, False]), 1.0, 2),
        lambda T: T.where(T.tensor([True, False]), 1, 2),
        lambda T: T.where(T.tensor([True, False]), True, False),
        lambda T: T.where(T.tensor([True, False]), T.tensor(1.0, dtype=T.float64), T.tensor([1, 2])),
        lambda T: T.tensor([1, 2]).where(T.tensor([True, False]), T.tensor([0.5, 0.5])),
        lambda T: T.tensor([1, 2]).masked_fill(T.tensor([True, False]), 2.7),
        lambda T: T.tensor([1, 2]).masked_fill(T.tensor([True, False]), T.tensor(2.7)),
        lambda T: T.zeros(2, 3).masked_fill(T.tensor([True, False, True]), 1.0),
        lambda T: T.zeros(3).masked_fill(T.ones(2, 3, dtype=T.bool), 1.0),
        lambda T: T.tensor([True, False]).masked_fill(T.tensor([False, True]), 5),
        lambda T: T.lerp(T.zeros(3), T.ones(3), T.tensor(0.25, dtype=T.float64)),
        lambda T: T.lerp(T.zeros(3, 1), T.ones(4), T.full((2, 1, 1), 0.75)),
        lambda T: T.addcmul(T.tensor([5, -3]), T.tensor([5, -3]), T.tensor([5, -3]), value=2.5),
        lambda T: T.addcmul(T.tensor([1.0, 2.0]), T.tensor([1, 2]), T.tensor([3, 4])),
        lambda T: T.addcmul(T.zeros(3, 1), T.ones(1, 4), T.ones(4), value=-1),
        lambda T: T.addcdiv(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0]), T.tensor([4, 8]), value=3),
        lambda T: T.atan2(T.tensor([1, 2]), T.tensor(2.5, dtype=T.float64)),
        lambda T: T.maximum(T.tensor([1, 5]), T.tensor(2.5)),
        lambda T: T.remainder(T.tensor([3, 4, 5], dtype=T.uint8), -2),
        lambda T: T.floor_divide(T.tensor([True, False]), 2),
        lambda T: T.bitwise_and(3, T.tensor([1, 2, 3])),
        lambda T: T.remainder(7, T.tensor([2, 3, 4])),
    ]
    for e in exprs:
        s, t = e(st), e(torch)
        assert str(s.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(s.numpy().astype(np.float64), t.numpy().astype(np.float64), rtol=1e-6)


def test_masked_fill_value_errors():
    with pytest.raises(RuntimeError, match="cannot be converted"):
        st.tensor([1, 2]).masked_fill(st.tensor([True, False]), math.nan)
    with pytest.raises(TypeError):
        st.tensor([1.0]).masked_fill(st.tensor([True]), "x")


@needs_torch
def test_grad_fn_names_and_grads_match_torch():
    cases = [
        (lambda T, a, b: a.masked_fill(b > 0, T.tensor(2.0, dtype=T.float64, requires_grad=True)), "MaskedFillBackward1"),
        (lambda T, a, b: T.lerp(a, b, 0.5), "LerpBackward0"),
        (lambda T, a, b: T.where(a > 0, a, b), "WhereBackward0"),
        (lambda T, a, b: T.atan2(a, b), "Atan2Backward0"),
        (lambda T, a, b: a.clone().lerp_(b, 0.25), "LerpBackward0"),
        (lambda T, a, b: a.clone().remainder_(b), "RemainderBackward1"),
        (lambda T, a, b: a.clone().addcdiv_(a, b, value=2), "AddcdivBackward0"),
        (lambda T, a, b: a.clone().masked_fill_(b > 0, 0.0), "MaskedFillBackward0"),
        (lambda T, a, b: a.clone().eq_(b), "EqBackward1"),
        (lambda T, a, b: a.clone().lt_(0.5), "LtBackward0"),
    ]
    va = np.array([0.3, -1.2, 2.5, 0.7])
    vb = np.array([1.1, 0.4, -0.9, 2.0])
    for f, name in cases:
        grads = []
        for T in (st, torch):
            a = T.tensor(va, requires_grad=True)
            b = T.tensor(vb, requires_grad=True)
            y = f(T, a, b)
            assert y.grad_fn.name() == name
            y.sum().backward()
            grads.append([None if g is None else g.tolist() for g in (a.grad, b.grad)])
        for g_st, g_t in zip(grads[0], grads[1]):
            assert (g_st is None) == (g_t is None), name
            if g_st is not None:
                np.testing.assert_allclose(g_st, g_t, rtol=1e-6, err_msg=name)


def test_inplace_self_as_other_and_version_bump():
    x = st.tensor([3.0, -4.0], requires_grad=True)
    y = x * 1
    v = y._version if hasattr(y, "_version") else None
    y.remainder_(y)
    y.sum().backward()
    assert y.tolist() == [0.0, -0.0]
    assert x.grad.tolist() == [1.0 - 1.0, 1.0 - 1.0]
    if v is not None:
        assert y._version > v


def test_large_tensor_uses_threads_consistently():
    n = 300_000
    a = st.arange(0, n, 1, dtype=st.int64) - n // 2
    b = st.full((n,), 7, dtype=st.int64)
    an, bn = a.numpy(), b.numpy()
    np.testing.assert_array_equal((a % b).numpy(), np.remainder(an, bn))
    np.testing.assert_array_equal((a // -3).numpy(), np.floor_divide(an, -3))
    np.testing.assert_array_equal((a > 0).numpy(), an > 0)
    np.testing.assert_array_equal(st.where(a > 0, a, b).numpy(), np.where(an > 0, an, bn))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a // st.where(a == n // 3, st.zeros(1, dtype=st.int64), b)


@pytest.mark.parametrize("fn", ["div", "divide"])
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_mode_with_out(torch_ref, fn, mode):
    # one binding takes rounding_mode and out= together (two chained overloads took one or the other)
    for lib in (st, torch_ref):
        a = lib.tensor([7.0, -7.0, 5.5])
        out = lib.empty(3)
        r = getattr(lib, fn)(a, 2, rounding_mode=mode, out=out)
        assert r is out
        if lib is st:
            got = out.tolist()
        else:
            assert got == out.tolist()
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        getattr(st, fn)(st.ones(2), 2, rounding_mode=mode, out=3)
