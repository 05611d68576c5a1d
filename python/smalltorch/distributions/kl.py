"""kl_divergence(p, q) for the pairs registered with register_kl."""

import smalltorch as _st

from .bernoulli import Bernoulli
from .categorical import Categorical
from .exponential import Exponential
from .normal import Normal

__all__ = ["register_kl", "kl_divergence"]

_KL_REGISTRY = {}


def register_kl(type_p, type_q):
    """A decorator registering fn(p, q) as the KL divergence of distributions of type_p from type_q."""
    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        return fun
    return decorator


def _dispatch_kl(type_p, type_q):
    matches = [(super_p, super_q) for super_p, super_q in _KL_REGISTRY
               if issubclass(type_p, super_p) and issubclass(type_q, super_q)]
    if not matches:
        return NotImplemented
    return _KL_REGISTRY[matches[0]]


def kl_divergence(p, q):
    """KL(p || q), batched over the distributions' batch shapes."""
    fun = _dispatch_kl(type(p), type(q))
    if fun is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {p.__class__.__name__} and q type "
                                  f"{q.__class__.__name__}")
    return fun(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    softplus = _st.nn.functional.softplus
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = _st.where(q.probs == 0, _st.full_like(t1, float("inf")), t1)
    t1 = _st.where(p.probs == 0, _st.zeros_like(t1), t1)
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = _st.where(q.probs == 1, _st.full_like(t2, float("inf")), t2)
    t2 = _st.where(p.probs == 1, _st.zeros_like(t2), t2)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = _st.where(q.probs == 0, _st.full_like(t, float("inf")), t)
    t = _st.where(p.probs == 0, _st.zeros_like(t), t)
    return t.sum(-1)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    t1 = -rate_ratio.log()
    return t1 + rate_ratio - 1
