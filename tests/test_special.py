"""smalltorch.special and the special rows of issue 10: values against torch and scipy-free references (math,
numpy, mpmath), edge values (poles, +-1, 0, infinities, NaN), node names and errors as PyTorch's."""
import math

import numpy as np
import pytest

import smalltorch as st

mpmath = pytest.importorskip("mpmath")

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, -3.0, 10.0, 50.0, -50.0, 700.0, 1e-300, float("inf"),
         float("-inf"), float("nan")]


def _vec(fn):
    def one(x):
        try:
            return float(fn(x))
        except (ValueError, ZeroDivisionError, OverflowError):
            return float("nan")
    return lambda a: np.vectorize(one, otypes=[np.float64])(np.asarray(a, dtype=np.float64))


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "i0", "sinc", "logit"])
def test_top_level_edges_match_torch(name, torch_ref):
    x = EDGES + [0.25, 0.75, 0.999999, -0.999999, 1 - 1e-12, 1e-12]
    got = getattr(st, name)(st.tensor(x, dtype=st.float64)).numpy()
    want = getattr(torch_ref, name)(torch_ref.tensor(x, dtype=torch_ref.float64)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-300, equal_nan=True)


@pytest.mark.parametrize("name", ["i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "entr", "expit", "gammaln", "psi",
                                  "erf", "erfc", "erfinv", "sinc", "logit", "i0", "digamma"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_edges_match_torch(name, dtype, torch_ref):
    x = EDGES + [0.25, 0.75, 0.999999, -0.999999, 1e-12, -40.0, -38.5, -37.0, -20.0, 30.0, 31.0, -30.5, 1e-200]
    got = getattr(st.special, name)(st.tensor(x, dtype=getattr(st, dtype))).numpy()
    want = getattr(torch_ref.special, name)(torch_ref.tensor(x, dtype=getattr(torch_ref, dtype))).numpy()
    rtol = 1e-10 if dtype == "float64" else 2e-6
    # (float32: PyTorch computes in float, smalltorch in double then rounds: sinc's zeros differ by ~1e-8)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300 if dtype == "float64" else 1e-7, equal_nan=True)


def test_values_against_mpmath():
    x = np.array([0.1, 0.7, 1.5, 4.2, 12.0, 33.0])
    t = st.tensor(x, dtype=st.float64)
    np.testing.assert_allclose(st.special.i1(t).numpy(), _vec(lambda v: mpmath.besseli(1, v))(x), rtol=1e-13)
    np.testing.assert_allclose(st.special.i0e(t).numpy(), _vec(lambda v: mpmath.besseli(0, v) * mpmath.exp(-v))(x),
                               rtol=1e-13)
    np.testing.assert_allclose(st.digamma(t).numpy(), _vec(mpmath.digamma)(x), rtol=1e-13)
    np.testing.assert_allclose(st.polygamma(2, t).numpy(), _vec(lambda v: mpmath.polygamma(2, v))(x), rtol=1e-12)
    np.testing.assert_allclose(st.special.log_ndtr(-t * 10).numpy(),
                               _vec(lambda v: mpmath.log(mpmath.ncdf(v)))(-x * 10), rtol=1e-12)
    p = np.array([1e-300, 1e-20, 0.01, 0.3, 0.5, 0.9, 1 - 1e-10])
    q = st.special.ndtri(st.tensor(p, dtype=st.float64)).numpy()
    with mpmath.workdps(60):  # the round trip Phi(ndtri(p)) == p, Phi in high precision
        back = [float(mpmath.ncdf(mpmath.mpf(float(v)))) for v in q]
    np.testing.assert_allclose(back, p, rtol=1e-13)
    y = np.array([-0.999, -0.3, 0.0, 0.2, 0.9999999])
    np.testing.assert_allclose(st.erfinv(st.tensor(y, dtype=st.float64)).numpy(), _vec(mpmath.erfinv)(y), rtol=1e-13)
    np.testing.assert_allclose(st.lgamma(t).numpy(), [math.lgamma(v) for v in x], rtol=1e-13)


def test_polygamma_orders_and_errors(torch_ref):
    x = [0.3, 1.0, 2.5, -1.5, 7.0]  # (at the poles PyTorch gives finite junk for n > 0)
    for n in range(5):
        got = st.polygamma(n, st.tensor(x, dtype=st.float64)).numpy()
        want = torch_ref.polygamma(n, torch_ref.tensor(x, dtype=torch_ref.float64)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, equal_nan=True)
    with pytest.raises(RuntimeError, match="negative n"):
        st.polygamma(-1, st.tensor([1.0]))
    with pytest.raises(RuntimeError):
        st.tensor([1, 2]).polygamma_(1)
    a = st.tensor([1.0, 2.0])
    assert a.polygamma_(1) is a
    np.testing.assert_allclose(a.numpy(), torch_ref.polygamma(1, torch_ref.tensor([1.0, 2.0])).numpy(), rtol=1e-6)


def test_polygamma_gradcheck_and_node(torch_ref):
    x = st.tensor([0.4, 1.3, 2.2], dtype=st.float64, requires_grad=True)
    y = st.polygamma(2, x)
    assert y.grad_fn.name() == torch_ref.polygamma(2, torch_ref.tensor([0.5], requires_grad=True)).grad_fn.name()
    assert st.autograd.gradcheck(lambda t: st.polygamma(1, t), (x,))
    assert st.autograd.gradcheck(st.digamma, (x,))


@pytest.mark.parametrize("name", ["i0e", "i1", "i1e", "ndtri", "log_ndtr", "entr", "ndtr"])
def test_special_gradcheck_and_nodes(name, torch_ref):
    vals = [0.2, 0.45, 0.7] if name == "ndtri" else [0.3, 1.7, 2.5] if name == "entr" else [-2.5, -0.3, 0.4, 3.1]
    x = st.tensor(vals, dtype=st.float64, requires_grad=True)
    fn = getattr(st.special, name)
    assert st.autograd.gradcheck(fn, (x,))
    tx = torch_ref.tensor(vals, dtype=torch_ref.float64, requires_grad=True)
    tfn = getattr(torch_ref.special, name)
    if name != "ndtr":  # PyTorch's composition ends in MulBackward1 (its C++ Scalar overload)
        assert fn(x).grad_fn.name() == tfn(tx).grad_fn.name()
    g, = st.autograd.grad(fn(x).sum(), x)
    tg, = torch_ref.autograd.grad(tfn(tx).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-9)


def test_bessel_gradient_at_zero(torch_ref):
    for name in ("i1", "i1e", "i0e"):
        x = st.tensor([0.0], dtype=st.float64, requires_grad=True)
        tx = torch_ref.tensor([0.0], dtype=torch_ref.float64, requires_grad=True)
        g, = st.autograd.grad(getattr(st.special, name)(x).sum(), x)
        tg, = torch_ref.autograd.grad(getattr(torch_ref.special, name)(tx).sum(), tx)
        np.testing.assert_allclose(g.numpy(), tg.numpy())


def test_sinc_gradient_at_zero(torch_ref):
    x = st.tensor([0.0, 1.0, -0.5], dtype=st.float64, requires_grad=True)
    tx = torch_ref.tensor([0.0, 1.0, -0.5], dtype=torch_ref.float64, requires_grad=True)
    g, = st.autograd.grad(st.sinc(x).sum(), x)
    tg, = torch_ref.autograd.grad(torch_ref.sinc(tx).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), atol=1e-15)


def test_logit_eps(torch_ref):
    x = [0.0, 0.05, 0.5, 0.97, 1.0]
    for eps in (None, 0.1, 1e-6):
        got = st.logit(st.tensor(x, dtype=st.float64), eps).numpy()
        want = torch_ref.logit(torch_ref.tensor(x, dtype=torch_ref.float64), eps).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)
        np.testing.assert_allclose(st.special.logit(st.tensor(x, dtype=st.float64), eps=eps).numpy(), want, rtol=1e-12)
    a, ta = st.tensor(x), torch_ref.tensor(x)
    a.logit_(0.1), ta.logit_(0.1)
    np.testing.assert_allclose(a.numpy(), ta.numpy(), rtol=1e-6)
    xs = st.tensor([0.05, 0.5], dtype=st.float64, requires_grad=True)
    txs = torch_ref.tensor([0.05, 0.5], dtype=torch_ref.float64, requires_grad=True)
    g, = st.autograd.grad(st.logit(xs, eps=0.1).sum(), xs)
    tg, = torch_ref.autograd.grad(torch_ref.logit(txs, eps=0.1).sum(), txs)
    np.testing.assert_allclose(g.numpy(), tg.numpy())
    assert st.logit(xs, eps=0.1).grad_fn.name() == torch_ref.logit(txs, eps=0.1).grad_fn.name()


def test_xlog1py_and_xlogy_forms(torch_ref):
    a, b = [0.0, 1.5, -2.0, 0.0], [float("nan"), 0.5, 3.0, -1.0]
    for name, mod, tmod in (("xlog1py", st.special, torch_ref.special), ("xlogy", st.special, torch_ref.special),
                            ("xlogy", st, torch_ref)):
        fn, tfn = getattr(mod, name), getattr(tmod, name)
        np.testing.assert_allclose(fn(st.tensor(a), st.tensor(b)).numpy(), tfn(torch_ref.tensor(a),
                                   torch_ref.tensor(b)).numpy(), equal_nan=True)
        np.testing.assert_allclose(fn(st.tensor(a), 2.0).numpy(), tfn(torch_ref.tensor(a), 2.0).numpy())
        np.testing.assert_allclose(fn(2.0, st.tensor(b)).numpy(), tfn(2.0, torch_ref.tensor(b)).numpy(),
                                   equal_nan=True)
    x = st.tensor([0.5, 2.0], dtype=st.float64, requires_grad=True)
    y = st.tensor([0.5, 2.0], dtype=st.float64, requires_grad=True)
    assert st.autograd.gradcheck(st.special.xlog1py, (x, y))
    assert st.special.xlog1py(x, 2.0).grad_fn.name() == "SpecialXlog1PyBackward2"
    assert not hasattr(st.Tensor, "special_xlog1py") and not hasattr(st, "special_xlog1py")


@pytest.mark.parametrize("name", ["xlogy", "special.xlogy", "special.xlog1py"])
def test_xlogy_number_first_records_a_node_like_torch(torch_ref, name):
    """xlogy(number, tensor): PyTorch records XlogyBackward1 / SpecialXlog1PyBackward1 (saved self a number,
    other the tensor) and the gradient reaches the tensor; the other scalar-first rows stay NotImplemented."""
    def fn(lib):
        mod = lib
        for part in name.split(".")[:-1]:
            mod = getattr(mod, part)
        return getattr(mod, name.split(".")[-1])
    vals = [0.5, 2.0, 3.0, 0.0]
    res = {}
    for lib in (st, torch_ref):
        t = lib.tensor(vals, dtype=lib.float64, requires_grad=True)
        for first in (2.0, 0.0, -1.5, 3):
            y = fn(lib)(first, t)
            seen = (type(y.grad_fn).__name__, y.grad_fn.name(), y.dtype is lib.float64, y.grad_fn._saved_self,
                    y.grad_fn._saved_other is t, y.detach().tolist())
            g, = lib.autograd.grad((y * lib.tensor([1.0, -2.0, 0.5, 1.0], dtype=lib.float64)).sum(), t)
            res.setdefault(lib.__name__, []).append(seen + (g.tolist(),))
    np.testing.assert_equal(res["smalltorch"], res["torch"])
    t32 = st.tensor([0.5, 2.0], requires_grad=True)
    assert fn(st)(2.0, t32).dtype == st.float32
    from smalltorch.autograd._trace import vjp_formula  # the trace's text for the node
    assert vjp_formula(type(fn(st)(2.0, t32).grad_fn).__name__).startswith("grad_other = grad · self / ")
    x = st.tensor([0.5, 2.0, 4.0], dtype=st.float64, requires_grad=True)
    assert st.autograd.gradcheck(lambda v: fn(st)(1.7, v), (x,))
    assert st.autograd.gradgradcheck(lambda v: fn(st)(1.7, v), (x,))
    with pytest.raises(RuntimeError):  # PyTorch: "derivative for aten::remainder is not implemented"
        torch_ref.remainder(2.0, torch_ref.tensor([1.0], requires_grad=True)).sum().backward()
    with pytest.raises(NotImplementedError):
        st.remainder(2.0, x).sum().backward()


def test_softmax_family_and_out(torch_ref):
    x = np.random.default_rng(0).standard_normal((3, 4))
    for name in ("softmax", "log_softmax"):
        np.testing.assert_allclose(getattr(st.special, name)(st.tensor(x), 1).numpy(),
                                   getattr(torch_ref.special, name)(torch_ref.tensor(x), 1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(st.special.logsumexp(st.tensor(x), 1, keepdim=True).numpy(),
                               torch_ref.special.logsumexp(torch_ref.tensor(x), 1, keepdim=True).numpy(), rtol=1e-12)
    out = st.empty(4, dtype=st.float64)
    assert st.special.i1(st.tensor([0.5, 1.0, 2.0, -3.0], dtype=st.float64), out=out) is out
    np.testing.assert_allclose(out.numpy(), torch_ref.special.i1(torch_ref.tensor([0.5, 1.0, 2.0, -3.0],
                               dtype=torch_ref.float64)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("bad", [None, "x", 3, [1.0]])
def test_bad_inputs_raise_typeerror(bad, torch_ref):
    for name in ("i0e", "ndtri", "entr", "log_ndtr", "erfinv", "ndtr"):
        with pytest.raises(TypeError):
            getattr(torch_ref.special, name)(bad)
        with pytest.raises(TypeError):
            getattr(st.special, name)(bad)


def test_integer_inputs_promote(torch_ref):
    for name in ("i0e", "i1", "entr", "ndtri", "log_ndtr", "gammaln", "expit"):
        r = getattr(st.special, name)(st.tensor([0, 1, 2]))
        tr = getattr(torch_ref.special, name)(torch_ref.tensor([0, 1, 2]))
        assert str(r.dtype) == str(tr.dtype).replace("torch.", "smalltorch."), name
        np.testing.assert_allclose(r.numpy(), tr.numpy(), rtol=1e-6)
