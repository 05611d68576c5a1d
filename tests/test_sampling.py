"""Sampling ops: bernoulli, multinomial, poisson, randperm and Tensor.random_/exponential_/geometric_/cauchy_/
log_normal_/bernoulli_: errors as torch's, value ranges and dtypes, and moments / chi-square checks on large
samples from fixed seeds."""
import math

import numpy as np
import pytest

import smalltorch as st


def _g(seed=0):
    return st.Generator().manual_seed(seed)


def _chi2_ok(counts, probs, n):
    """Pearson's chi-square statistic is below a generous bound (well past the 99.99th percentile)."""
    expected = np.asarray(probs, dtype=np.float64) * n
    stat = float((((np.asarray(counts) - expected) ** 2) / expected).sum())
    dof = len(probs) - 1
    return stat < dof + 10 * math.sqrt(2 * dof) + 10


def _raises_like(torch_ref, fn, match=None):
    with pytest.raises(Exception) as te:
        fn(torch_ref)
    with pytest.raises(type(te.value), match=match):
        fn(st)


# ---- bernoulli ----

def test_bernoulli_forms_and_statistics(torch_ref):
    p = st.tensor([0.0, 0.2, 0.5, 0.9, 1.0], dtype=st.float64).expand(20000, 5)
    draws = st.bernoulli(p, generator=_g(1))
    assert draws.dtype == st.float64 and draws.shape == (20000, 5)
    np.testing.assert_allclose(draws.mean(0).numpy(), [0.0, 0.2, 0.5, 0.9, 1.0], atol=0.015)
    x = st.zeros(40000)
    d = st.bernoulli(x, 0.3, generator=_g(2))
    assert d.dtype == st.float32 and abs(d.mean().item() - 0.3) < 0.01 and x.sum().item() == 0
    d = st.bernoulli(x, p=0.3)
    assert set(d.unique().tolist()) <= {0.0, 1.0}
    out = st.empty(3)
    assert st.bernoulli(st.full((3,), 1.0), out=out) is out and out.tolist() == [1.0, 1.0, 1.0]
    # bernoulli_ on an integer tensor with a float p (torch allows it)
    t = st.zeros(1000, dtype=st.int64).bernoulli_(0.5, generator=_g(3))
    assert t.dtype == st.int64 and set(t.unique().tolist()) <= {0, 1}
    t = st.zeros(3000).bernoulli_(st.tensor([0.1, 0.8, 0.5]).repeat(1000), generator=_g(4))
    np.testing.assert_allclose(t.view(1000, 3).mean(0).numpy(), [0.1, 0.8, 0.5], atol=0.04)


@pytest.mark.parametrize("call", [
    lambda L: L.bernoulli(L.tensor([0.2, 1.5])),
    lambda L: L.bernoulli(L.tensor([1, 0])),
    lambda L: L.bernoulli(L.tensor([0.2]), p=1.5),
    lambda L: L.zeros(3).bernoulli_(-0.5),
    lambda L: L.zeros(3).bernoulli_(L.tensor([0.1, 0.2, 2.0])),
    lambda L: L.bernoulli([0.5]),
    lambda L: L.bernoulli(L.rand(3), None),
    lambda L: L.rand(3).bernoulli(None),
    lambda L: L.rand(3).bernoulli_(None),
    lambda L: L.rand(3).bernoulli_("a"),
    lambda L: L.bernoulli(L.rand(3), L.rand(3)),
    lambda L: L.rand(3).bernoulli(L.rand(3)),
    lambda L: L.rand(3).exponential_(None),
    lambda L: L.rand(3).cauchy_("a"),
])
def test_bernoulli_errors_like_torch(torch_ref, call):
    _raises_like(torch_ref, call)


# ---- multinomial ----

def test_multinomial_with_replacement_frequencies():
    w = st.tensor([1.0, 0.0, 3.0, 6.0])
    draws = st.multinomial(w, 50000, replacement=True, generator=_g(5))
    assert draws.dtype == st.int64 and draws.shape == (50000,)
    counts = np.bincount(draws.numpy(), minlength=4)
    assert counts[1] == 0
    assert _chi2_ok(counts[[0, 2, 3]], [0.1, 0.3, 0.6], 50000)
    rows = st.multinomial(st.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=st.float64), 7, True, generator=_g(1))
    assert rows.tolist() == [[1] * 7, [0] * 7]


def test_multinomial_without_replacement():
    w = st.tensor([0.5, 0.0, 2.0, 1.0, 4.0])
    for seed in range(20):
        d = st.multinomial(w, 4, generator=_g(seed)).tolist()
        assert sorted(d) == [0, 2, 3, 4]  # all nonzero categories, each once
    # the first draw follows the normalised weights
    first = [st.multinomial(w, 2, generator=_g(seed))[0].item() for seed in range(3000)]
    counts = np.bincount(first, minlength=5)
    assert counts[1] == 0 and _chi2_ok(counts[[0, 2, 3, 4]], np.array([0.5, 2, 1, 4]) / 7.5, 3000)
    m = st.multinomial(st.rand(6, 30, generator=_g(0)), 30, generator=_g(1))
    assert m.shape == (6, 30) and all(sorted(r) == list(range(30)) for r in m.tolist())


@pytest.mark.parametrize("call", [
    lambda L: L.multinomial(L.tensor([0.2, -0.1]), 1),
    lambda L: L.multinomial(L.tensor([0.2, float("inf")]), 1),
    lambda L: L.multinomial(L.tensor([0.2, float("nan")]), 1, True),
    lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    lambda L: L.multinomial(L.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True),
    lambda L: L.multinomial(L.tensor([1.0, 2.0]), 3),
    lambda L: L.multinomial(L.tensor([1.0, 2.0]), 0),
    lambda L: L.multinomial(L.tensor(1.0), 1),
    lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    lambda L: L.multinomial(L.tensor([1, 2]), 1),
    lambda L: L.multinomial(L.ones(3), 1.5),
])
def test_multinomial_errors_like_torch(torch_ref, call):
    _raises_like(torch_ref, call)


def test_multinomial_without_replacement_takes_zero_weights_last(torch_ref):
    # torch returns the zero-weight categories too when num_samples needs them
    assert sorted(torch_ref.multinomial(torch_ref.tensor([1.0, 0.0, 0.0]), 3).tolist()) == [0, 1, 2]
    for seed in range(10):
        d = st.multinomial(st.tensor([0.0, 1.0, 0.0]), 3, generator=_g(seed)).tolist()
        assert d[0] == 1 and sorted(d) == [0, 1, 2]


def test_multinomial_empty_batch(torch_ref):
    assert st.multinomial(st.ones(0, 3), 2).shape == torch_ref.multinomial(torch_ref.ones(0, 3), 2).shape


# ---- poisson ----

def test_poisson_moments_small_and_large_rates():
    for rate in (0.0, 0.7, 4.0, 12.0, 250.0):
        x = st.poisson(st.full((40000,), rate, dtype=st.float64), generator=_g(int(rate)))
        assert x.dtype == st.float64 and (x == x.round()).all().item()
        tol = 6 * math.sqrt(max(rate, 1e-9) / 40000) + 1e-12
        assert abs(x.mean().item() - rate) < tol
        if rate:
            assert abs(x.var().item() / rate - 1) < 0.05
    small = np.bincount(st.poisson(st.full((30000,), 2.0), generator=_g(9)).numpy().astype(np.int64))
    k = np.arange(8)
    pmf = np.exp(-2.0) * 2.0 ** k / np.array([math.factorial(int(i)) for i in k])
    pmf = np.append(pmf, 1 - pmf.sum())
    obs = np.append(small[:8], small[8:].sum())
    assert _chi2_ok(obs, pmf, 30000)


@pytest.mark.parametrize("call", [
    lambda L: L.poisson(L.tensor([-1.0])),
    lambda L: L.poisson(L.tensor([1, 2])),
])
def test_poisson_errors_like_torch(torch_ref, call):
    _raises_like(torch_ref, call)


# ---- randperm ----

def test_randperm(torch_ref):
    for n in (0, 1, 2, 17, 1000):
        p = st.randperm(n, generator=_g(n))
        assert p.dtype == st.int64 and sorted(p.tolist()) == list(range(n))
    assert st.randperm(5, dtype=st.float32).dtype == st.float32
    assert sorted(st.randperm(5, dtype=st.float32).tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0]
    out = st.empty(4, dtype=st.int64)
    assert st.randperm(4, out=out) is out and sorted(out.tolist()) == [0, 1, 2, 3]
    _raises_like(torch_ref, lambda L: L.randperm(-1))
    _raises_like(torch_ref, lambda L: L.randperm(300, dtype=L.uint8))
    _raises_like(torch_ref, lambda L: L.randperm(2.5))
    # uniformity of the first position
    firsts = np.bincount([st.randperm(4, generator=_g(s))[0].item() for s in range(4000)], minlength=4)
    assert _chi2_ok(firsts, [0.25] * 4, 4000)


# ---- in-place fills ----

def test_random_forms(torch_ref):
    x = st.empty(20000, dtype=st.int64).random_(3, 9, generator=_g(0))
    assert x.min().item() == 3 and x.max().item() == 8
    assert _chi2_ok(np.bincount(x.numpy())[3:], [1 / 6] * 6, 20000)
    y = st.empty(5000).random_(7, generator=_g(1))
    assert y.dtype == st.float32 and y.min().item() == 0 and y.max().item() == 6
    z = st.empty(5000, dtype=st.uint8).random_(generator=_g(2))
    assert z.max().item() > 200 and z.min().item() < 50
    b = st.empty(1000, dtype=st.bool).random_(generator=_g(3))
    assert 300 < b.sum().item() < 700
    f = st.empty(1000, dtype=st.float64).random_(generator=_g(4))
    assert (f >= 0).all().item() and (f <= 2 ** 53).all().item() and (f == f.round()).all().item()
    big = st.empty(1000, dtype=st.int64).random_(-(2 ** 62), 2 ** 62, generator=_g(5))
    assert big.abs().max().item() > 2 ** 60
    assert st.zeros(3).random_(to=4, generator=_g(1)).tolist() == st.zeros(3).random_(4, generator=_g(1)).tolist()
    r = st.zeros(2000, dtype=st.float64).random_(1, None, generator=_g(2))
    assert r.min().item() >= 1 and r.max().item() > 2 ** 40
    for call in (lambda L: L.zeros(3).random_(None), lambda L: L.zeros(3).random_(2.5),
                 lambda L: L.zeros(3).random_(5, 2), lambda L: L.zeros(3, dtype=L.uint8).random_(0, 300),
                 lambda L: L.zeros(3).random_(-5), lambda L: L.zeros(3).random_(0)):
        _raises_like(torch_ref, call)


def test_continuous_fills_moments():
    n = 100000
    e = st.empty(n, dtype=st.float64).exponential_(2.0, generator=_g(1))
    assert (e >= 0).all().item() and abs(e.mean().item() - 0.5) < 0.01 and abs(e.std().item() - 0.5) < 0.01
    ge = st.empty(n, dtype=st.float64).geometric_(0.25, generator=_g(2))
    assert ge.min().item() == 1 and (ge == ge.round()).all().item()
    assert abs(ge.mean().item() - 4.0) < 0.06 and abs(ge.var().item() - 12.0) < 0.6
    c = st.empty(n, dtype=st.float64).cauchy_(1.0, 2.0, generator=_g(3))
    assert abs(np.median(c.numpy()) - 1.0) < 0.05
    q = np.quantile(c.numpy(), [0.25, 0.75])
    np.testing.assert_allclose(q, [-1.0, 3.0], atol=0.08)  # quartiles at median -/+ sigma
    ln = st.empty(n, dtype=st.float64).log_normal_(0.5, 0.4, generator=_g(4))
    assert (ln > 0).all().item()
    lg = ln.log()
    assert abs(lg.mean().item() - 0.5) < 0.01 and abs(lg.std().item() - 0.4) < 0.01
    nr = st.empty(n, dtype=st.float64).normal_(1.0, 3.0, generator=_g(5))
    assert abs(nr.mean().item() - 1.0) < 0.05 and abs(nr.std().item() - 3.0) < 0.05
    u = st.empty(n).uniform_(-1, 3, generator=_g(6))
    assert u.min().item() >= -1 and u.max().item() < 3 and abs(u.mean().item() - 1.0) < 0.02


@pytest.mark.parametrize("call", [
    lambda L: L.zeros(3).exponential_(-1.0),
    lambda L: L.zeros(3).exponential_(0.0),
    lambda L: L.zeros(3, dtype=L.int64).exponential_(),
    lambda L: L.zeros(3).geometric_(0.0),
    lambda L: L.zeros(3).geometric_(1.5),
    lambda L: L.zeros(3).cauchy_(0.0, -1.0),
    lambda L: L.zeros(3, dtype=L.int64).cauchy_(),
    lambda L: L.zeros(3).log_normal_(0.0, 0.0),
    lambda L: L.zeros(3).random_(5, 2),
])
def test_fill_errors_like_torch(torch_ref, call):
    _raises_like(torch_ref, call)


def test_fills_respect_strides_and_autograd(torch_ref):
    base = st.zeros(4, 6, dtype=st.float64)
    view = base.t()
    view.exponential_(generator=_g(1))
    ref = st.zeros(6, 4, dtype=st.float64).exponential_(generator=_g(1))
    assert view.tolist() == ref.tolist()  # drawn in logical order whatever the strides
    leaf = st.zeros(3, requires_grad=True)
    tleaf = torch_ref.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        tleaf.exponential_()
    with pytest.raises(RuntimeError):
        leaf.exponential_()
    with pytest.raises(RuntimeError):
        st.zeros(1).expand(3).exponential_()
