"""Sampling functions over a Generator: randperm, bernoulli, multinomial, poisson (the kernels are C++)."""

import numbers

from . import _C, _device
from ._C import Tensor
from ._compose import _out


def _resized_out(result, out, name):
    """out= of the sampling functions: PyTorch resizes their out silently (no deprecation warning)."""
    if isinstance(out, Tensor) and out.shape != result.shape:
        out.resize_(result.shape)
    return _out(result, out, name)


def _check_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


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
    return _resized_out(result, out, "randperm")


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
    return _resized_out(result, out, "bernoulli")


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
    return _resized_out(result, out, "multinomial")


def poisson(input, generator=None):
    """Poisson draws with the rates input holds (same shape and dtype)."""
    _check_tensor(input, "poisson")
    return _C._poisson(input.detach(), generator=generator)


def _standard_gamma(input, generator=None):
    """Gamma(input, 1) draws (used by distributions.Gamma, Beta and Dirichlet). The draw is reparameterised:
    its grad_fn (StandardGammaBackward0) passes grad * _standard_gamma_grad(input, result) to input."""
    _check_tensor(input, "_standard_gamma")
    return _C._standard_gamma(input, generator=generator)


def _standard_gamma_grad(input, output):
    """d output / d input for Gamma(input, 1) samples output, holding the sample's CDF value fixed."""
    _check_tensor(input, "_standard_gamma_grad")
    _check_tensor(output, "_standard_gamma_grad", "output")
    return _C._standard_gamma_grad(input, output)


def _dirichlet_grad(x, alpha, total):
    """For a Dirichlet component x with concentration alpha out of total: d x / d alpha with the other
    concentrations fixed, divided by 1 - x (the factor distributions.Dirichlet's backward multiplies by)."""
    _check_tensor(x, "_dirichlet_grad", "x")
    _check_tensor(alpha, "_dirichlet_grad", "alpha")
    _check_tensor(total, "_dirichlet_grad", "total")
    return _C._dirichlet_grad(x, alpha, total)


def _sample_dirichlet(input, generator=None):
    """Dirichlet(input) draws over the last dim: Gamma(input, 1) draws normalised (at least the dtype's
    smallest normal number, so that log_prob stays finite), no history."""
    _check_tensor(input, "_sample_dirichlet")
    x = _C._standard_gamma(input.detach(), generator=generator)
    x = x / x.sum(-1, keepdim=True)
    from ._type_info import finfo
    return x.clamp_(min=finfo(x.dtype).tiny)
