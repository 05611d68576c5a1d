"""Reparameterised Gamma, Beta and Dirichlet draws (implicit reparameterisation, as PyTorch's rsample).

A draw x with CDF F(x; alpha) moves with alpha so that F stays put: dx/dalpha = -(dF/dalpha) / (dF/dx).
smalltorch._standard_gamma_grad and _dirichlet_grad (C++ kernels in csrc/kernels/random.cpp) are checked against
that identity computed independently here (mpmath's incomplete gamma/beta functions at 40 digits, dF/dalpha by
mpmath's numerical differentiation), against torch's own kernels on the same samples, and end to end: grad_fn
names, gradients reaching the parameters, and Monte Carlo derivatives of the mean."""
import math

import numpy as np
import pytest

import smalltorch as st
import smalltorch.distributions as D

mp = pytest.importorskip("mpmath")  # a dependency of sympy, which torch requires: present wherever torch is


def _gamma_identity(a, x):
    """-(dP/da) / (dP/dx) for the regularised lower incomplete gamma P(a, x)."""
    with mp.workdps(40):
        a, x = mp.mpf(a), mp.mpf(x)
        dfa = mp.diff(lambda s: mp.gammainc(s, 0, x, regularized=True), a)
        dfx = mp.exp((a - 1) * mp.log(x) - x - mp.loggamma(a))
        return float(-dfa / dfx)


def _beta_identity(x, a, total):
    """For x ~ Beta(a, b), b = total - a held fixed: -(dI/da) / (dI/dx) / (1 - x) (PyTorch's _dirichlet_grad)."""
    with mp.workdps(40):
        x, a, b = mp.mpf(x), mp.mpf(a), mp.mpf(total) - mp.mpf(a)
        dfa = mp.diff(lambda s: mp.betainc(s, b, 0, x, regularized=True), a)
        dfx = mp.exp((a - 1) * mp.log(x) + (b - 1) * mp.log1p(-x) - mp.log(mp.beta(a, b)))
        return float(-dfa / dfx / (1 - x))


# (alpha, x): both sides of the series / continued fraction switch at x = alpha + 1, far tails, tiny alpha
GAMMA_POINTS = [(0.001, 1e-200), (0.01, 1e-30), (0.1, 1e-5), (0.5, 0.1), (0.5, 3.0), (1.0, 1.0), (2.0, 1.5),
                (2.0, 2.9), (2.0, 3.1), (2.0, 10.0), (3.0, 40.0), (5.0, 0.5), (5.0, 20.0), (30.0, 29.0),
                (30.0, 31.5), (30.0, 60.0), (1000.0, 950.0), (1000.0, 1001.5), (1e4, 1e4 + 300.0)]


def test_standard_gamma_grad_satisfies_the_cdf_identity():
    a = st.tensor([p[0] for p in GAMMA_POINTS], dtype=st.float64)
    x = st.tensor([p[1] for p in GAMMA_POINTS], dtype=st.float64)
    got = st._standard_gamma_grad(a, x).tolist()
    want = [_gamma_identity(*p) for p in GAMMA_POINTS]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_standard_gamma_grad_on_samples_matches_identity_and_torch(torch_ref):
    st.manual_seed(3)
    alpha = st.tensor([0.05, 0.3, 0.9, 1.0, 2.5, 7.0, 40.0, 300.0], dtype=st.float64).repeat(6)
    x = st._standard_gamma(alpha)
    got = st._standard_gamma_grad(alpha, x)
    want = [_gamma_identity(a, v) for a, v in zip(alpha.tolist(), x.tolist())]
    np.testing.assert_allclose(got.tolist(), want, rtol=1e-10, atol=1e-300)
    ref = torch_ref._standard_gamma_grad(torch_ref.tensor(alpha.tolist(), dtype=torch_ref.float64),
                                         torch_ref.tensor(x.tolist(), dtype=torch_ref.float64))
    # torch approximates (series, a fitted rational function, an asymptotic expansion): about 1e-4 relative
    np.testing.assert_allclose(got.tolist(), ref.tolist(), rtol=2e-3)
    # float32: computed in double, rounded
    got32 = st._standard_gamma_grad(alpha.float(), x.float())
    ref32 = torch_ref._standard_gamma_grad(torch_ref.tensor(alpha.tolist()), torch_ref.tensor(x.float().tolist()))
    assert got32.dtype == st.float32
    np.testing.assert_allclose(got32.tolist(), ref32.tolist(), rtol=2e-3)


BETA_POINTS = [(0.3, 2.0, 5.0), (0.9, 2.0, 5.0), (0.01, 0.5, 1.5), (0.5, 10.0, 20.0), (0.7, 10.0, 20.0),
               (0.2, 0.3, 0.8), (0.999, 5.0, 5.5), (1e-10, 0.2, 3.0), (0.5, 500.0, 1000.0), (0.4, 300.0, 1000.0)]


def test_dirichlet_grad_satisfies_the_cdf_identity_and_matches_torch(torch_ref):
    cols = list(zip(*BETA_POINTS))
    x, a, t = (st.tensor(c, dtype=st.float64) for c in cols)
    got = st._dirichlet_grad(x, a, t).tolist()
    np.testing.assert_allclose(got, [_beta_identity(*p) for p in BETA_POINTS], rtol=1e-12)
    ref = torch_ref._dirichlet_grad(*(torch_ref.tensor(c, dtype=torch_ref.float64) for c in cols))
    np.testing.assert_allclose(got, ref.tolist(), rtol=2e-3)


def test_grad_kernels_broadcast_and_refuse_like_torch(torch_ref):
    r = st._standard_gamma_grad(st.tensor([[1.0], [2.0]]), st.tensor([1.0, 2.0]))  # broadcast as torch does
    ref = torch_ref._standard_gamma_grad(torch_ref.tensor([[1.0, 1.0], [2.0, 2.0]]),
                                         torch_ref.tensor([[1.0, 2.0], [1.0, 2.0]]))
    np.testing.assert_allclose(r.tolist(), ref.tolist(), rtol=2e-3)
    calls = [lambda L: L._standard_gamma_grad(L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0], dtype=L.float64)),
             lambda L: L._standard_gamma_grad(L.tensor([1, 2]), L.tensor([1, 2])),
             lambda L: L._standard_gamma_grad(L.tensor([1.0, 2.0, 3.0]), L.tensor([1.0, 2.0])),
             lambda L: L._dirichlet_grad(L.tensor([0.5]), L.tensor([1.0], dtype=L.float64), L.tensor([2.0])),
             lambda L: L._dirichlet_grad(L.tensor([1]), L.tensor([1]), L.tensor([2]))]
    for call in calls:
        with pytest.raises(Exception) as ref:
            call(torch_ref)
        with pytest.raises(type(ref.value)) as ours:
            call(st)
        assert str(ours.value).startswith(str(ref.value))  # ours may add the shapes
    assert st._standard_gamma_grad(st.tensor([0.5]), st.tensor([0.0])).tolist() == [0.0]


def test_standard_gamma_records_its_node_like_torch(torch_ref):
    names = {}
    for lib in (st, torch_ref):
        a = lib.tensor([0.5, 2.0, 10.0], dtype=lib.float64, requires_grad=True)
        s = lib._standard_gamma(a)
        names[lib.__name__] = type(s.grad_fn).__name__
        assert s.grad_fn._saved_self is a
        assert s.grad_fn._saved_result.tolist() == s.tolist()
        s.backward(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
        want = lib._standard_gamma_grad(a.detach(), s.detach()) * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        assert a.grad.tolist() == want.tolist()
    assert names["smalltorch"] == names["torch"] == "StandardGammaBackward0"
    from smalltorch.autograd._trace import vjp_formula
    assert vjp_formula("StandardGammaBackward0") == "grad_self = grad · _standard_gamma_grad(self, result)"


def test_second_derivative_through_the_draw_raises_like_torch(torch_ref):
    """PyTorch has no derivative for _standard_gamma_grad / _dirichlet_grad: backward through them raises."""
    names = []
    for lib in (st, torch_ref):
        a = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(lib._standard_gamma(a).sum(), a, create_graph=True)
        names.append([type(f).__name__ for f, _ in g.grad_fn.next_functions if f is not None])
        r = lib._dirichlet_grad(lib.tensor([0.3, 0.4], dtype=lib.float64), a, a.sum().expand(2))
        names.append(type(r.grad_fn).__name__)
    assert names[0] == names[2] and names[1] == names[3] == "NotImplemented"
    for call in (lambda L: _second_gamma_derivative(L), lambda L: _dirichlet_grad_backward(L)):
        with pytest.raises(Exception) as ref:
            call(torch_ref)
        with pytest.raises(type(ref.value)) as ours:
            call(st)
        assert str(ours.value) == str(ref.value)


def _second_gamma_derivative(L):
    a = L.tensor([2.0, 3.0], dtype=L.float64, requires_grad=True)
    g, = L.autograd.grad(L._standard_gamma(a).sum(), a, create_graph=True)
    g.sum().backward()


def _dirichlet_grad_backward(L):
    a = L.tensor([2.0, 3.0], dtype=L.float64, requires_grad=True)
    L._dirichlet_grad(L.tensor([0.3, 0.4], dtype=L.float64), a, a.sum().expand(2)).sum().backward()


def _grad_fn_chain(t):
    out, fn = [], t.grad_fn
    while fn is not None:
        out.append(type(fn).__name__)
        nxt = [f for f, _ in fn.next_functions if f is not None and type(f).__name__ != "AccumulateGrad"]
        fn = nxt[0] if nxt else None
    return out


def test_broadcast_tensors_returns_inputs_of_the_shape_itself(torch_ref):
    for lib in (st, torch_ref):
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        x, y = lib.broadcast_tensors(a, lib.tensor(2.0))
        assert x is a and tuple(y.shape) == (2,) and type(y.grad_fn).__name__ != "ExpandBackward0"


def test_rsample_graphs_match_torch(torch_ref):
    for make in (lambda L: L.distributions.Gamma(L.tensor([2.0, 3.0], requires_grad=True), L.tensor(2.0)),
                 lambda L: L.distributions.Beta(L.tensor([2.0, 3.0], requires_grad=True), L.tensor([1.0, 4.0])),
                 lambda L: L.distributions.Dirichlet(L.tensor([[2.0, 3.0, 0.5]], requires_grad=True))):
        assert make(st).has_rsample and make(torch_ref).has_rsample
        chains = [_grad_fn_chain(make(lib).rsample((4,))) for lib in (st, torch_ref)]
        assert chains[0] == chains[1], chains


def test_gamma_rsample_backpropagates_as_torch(torch_ref):
    """loss = sum(rsample ** 2): both parameters get torch's gradient, computed with torch's formula
    (StandardGammaBackward0 then division by the rate) on our draws."""
    conc = st.tensor([0.4, 2.0, 9.0], dtype=st.float64, requires_grad=True)
    rate = st.tensor([1.5, 0.5, 3.0], dtype=st.float64, requires_grad=True)
    st.manual_seed(0)
    value = D.Gamma(conc, rate).rsample((5,))
    (value ** 2).sum().backward()
    tc = torch_ref.tensor(conc.tolist(), dtype=torch_ref.float64, requires_grad=True)
    tr = torch_ref.tensor(rate.tolist(), dtype=torch_ref.float64, requires_grad=True)
    std = torch_ref.tensor((value.detach() * rate.detach()).tolist(), dtype=torch_ref.float64)

    class _Draw(torch_ref.autograd.Function):  # torch's StandardGammaBackward0 on our draws
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return std.clone()

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * torch_ref._standard_gamma_grad(a.expand_as(std), std)

    tv = _Draw.apply(tc.expand(5, 3)) / tr.expand(5, 3)
    (tv ** 2).sum().backward()
    np.testing.assert_allclose(conc.grad.tolist(), tc.grad.tolist(), rtol=2e-3)
    np.testing.assert_allclose(rate.grad.tolist(), tr.grad.tolist(), rtol=1e-12)


def test_dirichlet_and_beta_rsample_backpropagate_as_torch(torch_ref):
    from torch.distributions.dirichlet import _Dirichlet_backward
    conc = st.tensor([[0.5, 2.0, 3.0], [4.0, 1.0, 1.5]], dtype=st.float64, requires_grad=True)
    st.manual_seed(1)
    x = D.Dirichlet(conc).rsample((3,))
    weights = st.tensor([1.0, -2.0, 0.5], dtype=st.float64)
    (x * weights).sum().backward()
    tx = torch_ref.tensor(x.detach().tolist(), dtype=torch_ref.float64)
    tconc = torch_ref.tensor(conc.detach().tolist(), dtype=torch_ref.float64).expand(3, 2, 3)
    tg = torch_ref.tensor(weights.tolist(), dtype=torch_ref.float64).expand(3, 2, 3)
    want = _Dirichlet_backward(tx, tconc, tg).sum(0)
    np.testing.assert_allclose(conc.grad.tolist(), want.tolist(), rtol=2e-3)
    # Beta: the first component of a two-category Dirichlet
    c1 = st.tensor([2.0, 0.7], dtype=st.float64, requires_grad=True)
    c0 = st.tensor([3.0, 1.2], dtype=st.float64, requires_grad=True)
    st.manual_seed(2)
    b = D.Beta(c1, c0).rsample()
    b.sum().backward()
    tb = torch_ref.tensor(b.detach().tolist(), dtype=torch_ref.float64)
    pair = torch_ref.stack([tb, 1 - tb], -1)
    tconc = torch_ref.tensor([c1.tolist(), c0.tolist()], dtype=torch_ref.float64).T
    want = _Dirichlet_backward(pair, tconc, torch_ref.tensor([[1.0, 0.0]] * 2, dtype=torch_ref.float64))
    np.testing.assert_allclose(c1.grad.tolist(), want[:, 0].tolist(), rtol=2e-3)
    np.testing.assert_allclose(c0.grad.tolist(), want[:, 1].tolist(), rtol=2e-3)


def test_rsample_gradients_are_unbiased():
    """Monte Carlo: the mean of d(sample)/d(parameter) over many draws is d(mean)/d(parameter)."""
    n = 40000
    st.manual_seed(5)
    a = st.tensor([0.3, 1.0, 4.0], dtype=st.float64, requires_grad=True)
    rate = st.tensor(2.0, dtype=st.float64, requires_grad=True)
    D.Gamma(a, rate).rsample((n,)).mean(0).sum().backward()
    np.testing.assert_allclose(a.grad.tolist(), [0.5, 0.5, 0.5], rtol=0.03)  # d(a / rate)/da = 1 / rate
    assert rate.grad.item() == pytest.approx(-sum([0.3, 1.0, 4.0]) / 4.0, rel=0.03)
    c1 = st.tensor(2.0, dtype=st.float64, requires_grad=True)
    c0 = st.tensor(3.0, dtype=st.float64, requires_grad=True)
    D.Beta(c1, c0).rsample((n,)).mean().backward()
    assert c1.grad.item() == pytest.approx(3.0 / 25.0, rel=0.03)  # d(a / (a + b))/da = b / (a + b)^2
    assert c0.grad.item() == pytest.approx(-2.0 / 25.0, rel=0.03)
    conc = st.tensor([1.0, 2.0, 3.0], dtype=st.float64, requires_grad=True)
    (D.Dirichlet(conc).rsample((n,)).mean(0) * st.tensor([1.0, 0.0, 0.0], dtype=st.float64)).sum().backward()
    np.testing.assert_allclose(conc.grad.tolist(), [5.0 / 36, -1.0 / 36, -1.0 / 36], rtol=0.05)


def test_rsample_float32_and_no_grad_parameters():
    a = st.tensor([1.5, 2.5], requires_grad=True)
    s = D.Gamma(a, st.tensor([1.0, 1.0])).rsample((3,))
    assert s.dtype == st.float32
    s.sum().backward()
    assert a.grad.dtype == st.float32 and bool((a.grad > 0).all())
    s = D.Dirichlet(st.tensor([1.0, 2.0])).rsample()
    assert s.grad_fn is None and not s.requires_grad
    assert math.isclose(s.sum().item(), 1.0, rel_tol=1e-6)
