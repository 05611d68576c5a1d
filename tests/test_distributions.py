"""smalltorch.distributions against torch.distributions: log_prob, entropy, mean, variance, stddev, cdf and
kl_divergence values in float64, shapes (batch_shape, event_shape, sample shapes), validate_args errors, and sample
moments on large samples from fixed seeds."""
import math

import numpy as np
import pytest

import smalltorch as st
import smalltorch.distributions as D


def _t(lib, x):
    return lib.tensor(x, dtype=lib.float64)


# name -> (constructor over a library, values in the support to evaluate log_prob at)
CASES = {
    "Normal": (lambda L: L.distributions.Normal(_t(L, [0.0, 1.5, -2.0]), _t(L, [1.0, 0.3, 2.5])),
               lambda L: _t(L, [[0.2, 1.0, -5.0], [3.0, 1.5, 0.0]])),
    "Uniform": (lambda L: L.distributions.Uniform(_t(L, [0.0, -1.0]), _t(L, [1.0, 4.0])),
                lambda L: _t(L, [[0.5, 3.9], [0.0, -1.0]])),
    "BernoulliP": (lambda L: L.distributions.Bernoulli(probs=_t(L, [0.1, 0.5, 0.93])),
                   lambda L: _t(L, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])),
    "BernoulliL": (lambda L: L.distributions.Bernoulli(logits=_t(L, [-2.0, 0.0, 3.5])),
                   lambda L: _t(L, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])),
    "CategoricalP": (lambda L: L.distributions.Categorical(probs=_t(L, [[0.2, 0.3, 0.5], [1.0, 1.0, 2.0]])),
                     lambda L: L.tensor([[0, 2], [1, 1], [2, 0]])),
    "CategoricalL": (lambda L: L.distributions.Categorical(logits=_t(L, [[0.2, -1.3, 0.5, 4.0]])),
                     lambda L: L.tensor([[0], [3], [1]])),
    "Multinomial": (lambda L: L.distributions.Multinomial(5, probs=_t(L, [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
                    lambda L: _t(L, [[[1, 2, 2], [5, 0, 0]], [[0, 0, 5], [2, 2, 1]]])),
    "Exponential": (lambda L: L.distributions.Exponential(_t(L, [0.5, 2.0, 7.0])),
                    lambda L: _t(L, [[0.0, 1.0, 0.1], [3.0, 0.25, 2.0]])),
    "Gamma": (lambda L: L.distributions.Gamma(_t(L, [0.5, 2.0, 9.0]), _t(L, [1.0, 0.5, 3.0])),
              lambda L: _t(L, [[0.1, 1.0, 2.5], [3.0, 7.0, 0.5]])),
    "Beta": (lambda L: L.distributions.Beta(_t(L, [0.5, 2.0, 5.0]), _t(L, [0.7, 3.0, 1.0])),
             lambda L: _t(L, [[0.1, 0.5, 0.9], [0.7, 0.2, 0.99]])),
    "Dirichlet": (lambda L: L.distributions.Dirichlet(_t(L, [[0.5, 2.0, 3.0], [4.0, 1.0, 1.5]])),
                  lambda L: _t(L, [[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_torch(torch_ref, name):
    make, values = CASES[name]
    d, td = make(st), make(torch_ref)
    assert tuple(d.batch_shape) == tuple(td.batch_shape) and tuple(d.event_shape) == tuple(td.event_shape)
    np.testing.assert_allclose(d.log_prob(values(st)).numpy(), td.log_prob(values(torch_ref)).numpy(),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(d.entropy().numpy(), td.entropy().numpy(), rtol=1e-10, atol=1e-10)
    for attr in ("mean", "variance", "stddev"):
        np.testing.assert_allclose(getattr(d, attr).numpy(), getattr(td, attr).detach().numpy(), rtol=1e-12,
                                   atol=1e-12, equal_nan=True)
    for shape in ((), (4,), (2, 3)):
        s = d.sample(shape)
        assert tuple(s.shape) == tuple(td.sample(shape).shape)
        assert not s.requires_grad


def test_log_prob_gradients_match_torch(torch_ref):
    def grads(L):
        loc = _t(L, [0.3, -1.0]).requires_grad_()
        scale = _t(L, [1.2, 0.4]).requires_grad_()
        conc = _t(L, [0.8, 3.0]).requires_grad_()
        rate = _t(L, [2.0, 0.5]).requires_grad_()
        x = _t(L, [0.5, 1.5])
        total = (L.distributions.Normal(loc, scale).log_prob(x).sum()
                 + L.distributions.Gamma(conc, rate).log_prob(x).sum()
                 + L.distributions.Gamma(conc, rate).entropy().sum())
        total.backward()
        return [t.grad.numpy() for t in (loc, scale, conc, rate)]
    for a, b in zip(grads(st), grads(torch_ref)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_rsample_is_reparameterised():
    loc = st.tensor([1.0, 2.0], requires_grad=True)
    scale = st.tensor([0.5, 0.5], requires_grad=True)
    D.Normal(loc, scale).rsample((1000,)).sum().backward()
    assert loc.grad.tolist() == [1000.0, 1000.0] and scale.grad.abs().sum().item() > 0
    low = st.tensor(0.0, requires_grad=True)
    s = D.Uniform(low, 2.0).rsample((10,))
    s.sum().backward()
    assert low.grad.item() == pytest.approx((1 - s.detach() / 2).sum().item())  # d(low + u (high - low))/d low
    rate = st.tensor(2.0, requires_grad=True)
    D.Exponential(rate).rsample((5,)).sum().backward()
    assert rate.grad.item() < 0
    g = st.tensor(3.0, requires_grad=True)
    D.Gamma(st.tensor(2.0), g).rsample((5,)).sum().backward()
    assert g.grad.item() < 0
    assert D.Normal(0.0, 1.0).has_rsample and not D.Bernoulli(0.5).has_rsample
    with pytest.raises(NotImplementedError):
        D.Categorical(st.ones(3)).rsample()


def _moments(d, n, seed):
    st.manual_seed(seed)
    s = d.sample((n,)).double()
    return s.mean(0), s.var(0)


@pytest.mark.parametrize("name", ["Normal", "Uniform", "BernoulliP", "Exponential", "Gamma", "Beta", "Dirichlet",
                                  "Multinomial"])
def test_sample_moments(name):
    d = CASES[name][0](st)
    mean, var = _moments(d, 60000, 7)
    np.testing.assert_allclose(mean.numpy(), d.mean.numpy(), rtol=0.03, atol=0.02)
    np.testing.assert_allclose(var.numpy(), d.variance.numpy(), rtol=0.06, atol=0.01)


def test_categorical_sample_frequencies():
    d = D.Categorical(probs=st.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]))
    st.manual_seed(3)
    s = d.sample((30000,))
    assert s.shape == (30000, 2) and s.dtype == st.int64
    np.testing.assert_allclose(np.bincount(s[:, 0].numpy(), minlength=3) / 30000, [0.1, 0.2, 0.7], atol=0.015)
    np.testing.assert_allclose(np.bincount(s[:, 1].numpy(), minlength=3) / 30000, [0.5, 0.5, 0.0], atol=0.015)


def test_small_concentration_gamma():
    d = D.Gamma(st.tensor([0.05, 0.3], dtype=st.float64), st.tensor([1.0, 1.0], dtype=st.float64))
    st.manual_seed(2)
    s = d.sample((100000,))
    assert (s > 0).all().item()
    np.testing.assert_allclose(s.mean(0).numpy(), [0.05, 0.3], rtol=0.06)


def test_kl_divergence_matches_torch(torch_ref):
    pairs = [
        (lambda L: L.distributions.Normal(_t(L, [0.0, 1.0]), _t(L, [1.0, 2.0])),
         lambda L: L.distributions.Normal(_t(L, [0.5, -1.0]), _t(L, [0.7, 1.0]))),
        (lambda L: L.distributions.Bernoulli(_t(L, [0.2, 0.9])), lambda L: L.distributions.Bernoulli(_t(L, [0.5, 0.4]))),
        (lambda L: L.distributions.Categorical(_t(L, [0.2, 0.3, 0.5])),
         lambda L: L.distributions.Categorical(_t(L, [0.4, 0.4, 0.2]))),
        (lambda L: L.distributions.Exponential(_t(L, [1.0, 3.0])),
         lambda L: L.distributions.Exponential(_t(L, [2.0, 0.5]))),
    ]
    for p, q in pairs:
        np.testing.assert_allclose(D.kl_divergence(p(st), q(st)).numpy(),
                                   torch_ref.distributions.kl_divergence(p(torch_ref), q(torch_ref)).numpy(),
                                   rtol=1e-12, atol=1e-12)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Gamma(1.0, 1.0))


@pytest.mark.parametrize("call", [
    lambda L: L.distributions.Normal(L.tensor([0.0]), L.tensor([-1.0])),
    lambda L: L.distributions.Uniform(1.0, 0.0),
    lambda L: L.distributions.Bernoulli(probs=L.tensor([1.5])),
    lambda L: L.distributions.Bernoulli(probs=L.tensor([0.5]), logits=L.tensor([0.0])),
    lambda L: L.distributions.Bernoulli(),
    lambda L: L.distributions.Categorical(probs=L.tensor([-0.1, 1.1])),
    lambda L: L.distributions.Gamma(L.tensor([0.0]), L.tensor([1.0])),
    lambda L: L.distributions.Exponential(L.tensor([-1.0])),
    lambda L: L.distributions.Dirichlet(L.tensor(1.0)),
    lambda L: L.distributions.Normal(0.0, 1.0).log_prob(1.0),
    lambda L: L.distributions.Exponential(L.tensor([1.0])).log_prob(L.tensor([-1.0])),
    lambda L: L.distributions.Bernoulli(L.tensor([0.3])).log_prob(L.tensor([0.5])),
    lambda L: L.distributions.Beta(L.tensor([1.0]), L.tensor([1.0])).log_prob(L.tensor([1.5])),
    lambda L: L.distributions.Categorical(L.ones(3)).log_prob(L.tensor([3])),
])
def test_validation_errors_like_torch(torch_ref, call):
    with pytest.raises(Exception) as te:
        call(torch_ref)
    with pytest.raises(type(te.value)):
        call(st)


def test_validate_args_off_and_repr(torch_ref):
    d = D.Normal(st.tensor([0.0]), st.tensor([-1.0]), validate_args=False)
    assert math.isnan(d.log_prob(st.tensor([0.0])).item())
    assert repr(D.Normal(0.0, 1.0)) == repr(torch_ref.distributions.Normal(0.0, 1.0)).replace("torch", "smalltorch")
    assert repr(D.Normal(st.zeros(2), st.ones(2))) == "Normal(loc: smalltorch.Size([2]), scale: smalltorch.Size([2]))"
    assert repr(D.constraints.positive) == repr(torch_ref.distributions.constraints.positive)


def test_scalar_parameters_and_enumerate_support(torch_ref):
    d, td = D.Normal(0.0, 1.0), torch_ref.distributions.Normal(0.0, 1.0)
    assert d.batch_shape == () and d.sample().shape == () and d.sample((3,)).shape == (3,)
    assert d.loc.dtype == st.float32 and td.loc.dtype == torch_ref.float32
    np.testing.assert_allclose(d.cdf(st.tensor([0.3, -1.0])).numpy(), td.cdf(torch_ref.tensor([0.3, -1.0])).numpy(),
                               rtol=1e-6)
    b = D.Bernoulli(st.tensor([0.2, 0.4]))
    assert b.enumerate_support().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert D.Categorical(st.ones(2, 3)).enumerate_support().shape == (3, 2)
    assert D.Normal(0.0, 2.0).perplexity().item() == pytest.approx(
        math.exp(torch_ref.distributions.Normal(0.0, 2.0).entropy().item()))
