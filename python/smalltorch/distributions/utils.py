"""Helpers of the distributions: broadcasting of parameters, probs/logits conversions, lazy properties, and the
special functions log-gamma and digamma written over tensor ops (so they carry gradients)."""

import math
import numbers

import smalltorch as _st

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property"]

_EPS = {_st.float32: 1.1920928955078125e-07, _st.float64: 2.220446049250313e-16}
_TINY = {_st.float32: 1.1754943508222875e-38, _st.float64: 2.2250738585072014e-308}


def eps(dtype):
    return _EPS.get(dtype, _EPS[_st.float32])


def tiny(dtype):
    return _TINY.get(dtype, _TINY[_st.float32])


def broadcast_all(*values):
    """The values as tensors of one broadcast shape: numbers become tensors of the tensors' dtype (the default
    dtype when every value is a number)."""
    if not all(isinstance(v, (_st.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    if not any(isinstance(v, _st.Tensor) for v in values):
        return tuple(_st.tensor(float(v), dtype=_st.get_default_dtype()) for v in values)
    like = next(v for v in values if isinstance(v, _st.Tensor))
    values = [v if isinstance(v, _st.Tensor) else _st.tensor(v, dtype=like.dtype) for v in values]
    return tuple(_st.broadcast_tensors(*values))


def clamp_probs(probs):
    e = eps(probs.dtype)
    return probs.clamp(min=e, max=1 - e)


def logits_to_probs(logits, is_binary=False):
    if is_binary:
        return _st.sigmoid(logits)
    return _st.softmax(logits, dim=-1)


def probs_to_logits(probs, is_binary=False):
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return _st.log(ps_clamped) - _st.log1p(-ps_clamped)
    return _st.log(ps_clamped)


class lazy_property:
    """A property computed on first use and then stored on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with _st.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


_SHIFT = 12  # arguments below this are moved up with the recurrence before the asymptotic series


def lgamma(x):
    """log|Gamma(x)| for x > 0 (Stirling's series after the recurrence), differentiable."""
    acc = _st.zeros_like(x)
    z = x
    for _ in range(_SHIFT):
        small = z < _SHIFT
        acc = acc + _st.where(small, _st.log(_st.where(small, z, _st.ones_like(z))), _st.zeros_like(z))
        z = _st.where(small, z + 1, z)
    inv = 1.0 / z
    inv2 = inv * inv
    series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188 - inv2 * (
        691 / 360360))))))
    return (z - 0.5) * _st.log(z) - z + 0.5 * math.log(2 * math.pi) + series - acc


def digamma(x):
    """psi(x) = d/dx log Gamma(x) for x > 0 (asymptotic series after the recurrence)."""
    acc = _st.zeros_like(x)
    z = x
    for _ in range(_SHIFT):
        small = z < _SHIFT
        acc = acc + _st.where(small, 1.0 / _st.where(small, z, _st.ones_like(z)), _st.zeros_like(z))
        z = _st.where(small, z + 1, z)
    inv = 1.0 / z
    inv2 = inv * inv
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))))
    return _st.log(z) - 0.5 * inv - series - acc


def xlogy(x, y):
    """x * log(y), 0 where x == 0."""
    zero = x == 0
    return _st.where(zero, _st.zeros_like(x * y), x * _st.log(_st.where(zero, _st.ones_like(y), y)))
