"""Sampling functions over a Generator: randperm, bernoulli, multinomial, poisson (the kernels are C++)."""

import numbers

from . import _C, _device
from ._C import Tensor


def _check_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


def _write_out(out, result, name):
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    _C._linalg_write_out(out, result, name)  # same shape, castable dtype, no grad: as every out= here
    return out


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory=False,
             requires_grad=False):
    """A random permutation of the integers 0 .. n-1 (int64 unless dtype says otherwise)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        if isinstance(n, Tensor) and n.dim() == 0 and not n.dtype.is_floating_point:
            n = int(n)
        else:
            raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    _device.check(device)
    if dtype is not None and not isinstance(dtype, _C.dtype):
        raise TypeError(f"randperm(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    result = _C._randperm(int(n), dtype or _C.int64, generator=generator)
    if requires_grad:
        result.requires_grad_(True)
    return _write_out(out, result, "randperm")


_NO_P = object()


def bernoulli(input, p=_NO_P, *, generator=None, out=None):
    """0/1 draws: each element is 1 with the probability the element of input gives (or with probability p, a
    number, in input's shape and dtype, when p is given)."""
    _check_tensor(input, "bernoulli")
    if p is _NO_P:
        result = _C._bernoulli(input.detach(), generator=generator)
    elif isinstance(p, numbers.Real) and not isinstance(p, Tensor):
        result = _C._bernoulli_scalar(input.detach(), float(p), generator=generator)
    else:
        raise TypeError(f"bernoulli(): argument 'p' must be float, not {type(p).__name__}")
    return _write_out(out, result, "bernoulli")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """num_samples category indices drawn from each row of input (non-negative weights, not necessarily
    normalised), with or without replacement."""
    _check_tensor(input, "multinomial")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    if not isinstance(replacement, bool):
        raise TypeError(f"multinomial(): argument 'replacement' (position 3) must be bool, not "
                        f"{type(replacement).__name__}")
    result = _C._multinomial(input.detach(), int(num_samples), replacement, generator=generator)
    return _write_out(out, result, "multinomial")


def poisson(input, generator=None):
    """Poisson draws with the rates input holds (same shape and dtype)."""
    _check_tensor(input, "poisson")
    return _C._poisson(input.detach(), generator=generator)


def _standard_gamma(input, generator=None):
    """Gamma(input, 1) draws (used by distributions.Gamma, Beta and Dirichlet)."""
    _check_tensor(input, "_standard_gamma")
    return _C._standard_gamma(input.detach(), generator=generator)
