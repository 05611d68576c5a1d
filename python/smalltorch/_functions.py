"""Non-elementwise functions of PyTorch's namespace that are compositions of existing differentiable ops
(their gradients come from those ops): comparisons of whole tensors, broadcasting helpers, atleast_*, the
numpy-style stacks, flips, trace, count_nonzero and std_mean/var_mean."""

import builtins
import collections.abc as _abc

from . import _C
from ._C import Tensor


def _need(fn, t, arg="input", pos=1):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(t).__name__}")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (infinities equal only to themselves)."""
    _need("isclose", input)
    _need("isclose", other, "other", 2)
    if input.dtype != other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = input.detach(), other.detach()
    same = a == b
    if not a.is_floating_point():
        if a.dtype == _C.bool:
            return same
        a, b = a.double(), b.double()
    close = (a - b).abs() <= atol + rtol * b.abs()
    close = same | (close & a.isfinite() & b.isfinite())
    if equal_nan:
        close = close | (a.isnan() & b.isnan())
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def equal(input, other):
    """True when both have the same size and elements (dtypes are promoted, as PyTorch does)."""
    _need("equal", input)
    _need("equal", other, "other", 2)
    if tuple(input.shape) != tuple(other.shape):
        return False
    return builtins.bool((input.detach() == other.detach()).all().item())


def broadcast_shapes(*shapes):
    """The shape all the given shapes broadcast to (RuntimeError naming the mismatch otherwise)."""
    from ._size import Size
    out = []
    for k, s in enumerate(shapes):
        s = (s,) if isinstance(s, builtins.int) else s
        if not isinstance(s, _abc.Sequence):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s!r}")
        if not builtins.all(isinstance(d, builtins.int) and not isinstance(d, builtins.bool) for d in s):
            raise TypeError(f"broadcast_shapes(): a shape must hold ints, got {s!r}")
        s = tuple(s)
        for i, d in enumerate(reversed(s)):
            if d < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {d}: {list(s)}")
            if i == len(out):
                out.append(d)
            elif out[i] == 1:
                out[i] = d
            elif d != 1 and d != out[i]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: argument {k} "
                                   f"{list(s)} against the shape so far {list(reversed(out))}")
    return Size(tuple(reversed(out)))


def broadcast_to(input, size):
    _need("broadcast_to", input)
    if not isinstance(size, (builtins.tuple, builtins.list)) or not builtins.all(
            isinstance(d, builtins.int) and not isinstance(d, builtins.bool) for d in size):
        raise TypeError(f"broadcast_to(): argument 'size' (position 2) must be tuple of ints, not "
                        f"{type(size).__name__}")
    return input.expand(tuple(size))


def broadcast_tensors(*tensors):
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    shape = broadcast_shapes(*[t.shape for t in tensors])
    # a tensor that already has the shape comes back itself, no ExpandBackward0 (as PyTorch's expand_outplace)
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


def _atleast(n, name):
    def one(t):
        _need(name, t)
        if t.dim() >= n:
            return t
        if n == 1:
            return t.reshape(1)
        if n == 2:
            return t.reshape(1, -1) if t.dim() == 1 else t.reshape(1, 1)
        return {0: lambda: t.reshape(1, 1, 1), 1: lambda: t.reshape(1, -1, 1),
                2: lambda: t.unsqueeze(-1)}[t.dim()]()

    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            return tuple(one(t) for t in tensors[0])
        if len(tensors) == 1:
            return one(tensors[0])
        return tuple(one(t) for t in tensors)
    fn.__name__ = fn.__qualname__ = name
    return fn


atleast_1d = _atleast(1, "atleast_1d")
atleast_2d = _atleast(2, "atleast_2d")
atleast_3d = _atleast(3, "atleast_3d")


def _tensors(name, tensors, out=None):
    """The tensors argument of the stacks, checked as PyTorch's argument parser does (and out=)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for t in tensors:
        _need(name, t, "tensors")
    if out is not None and not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    return tensors


def hstack(tensors, *, out=None):
    ts = _tensors("hstack", tensors, out)
    ts = atleast_1d(*ts) if ts else ()
    ts = (ts,) if isinstance(ts, Tensor) else ts
    return _C.cat(ts, 0 if ts and ts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    ts = _tensors("vstack", tensors, out)
    ts = atleast_2d(*ts) if ts else ()
    ts = (ts,) if isinstance(ts, Tensor) else ts
    return _C.cat(ts, 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    ts = _tensors("dstack", tensors, out)
    ts = atleast_3d(*ts) if ts else ()
    ts = (ts,) if isinstance(ts, Tensor) else ts
    return _C.cat(ts, 2, out=out)


def column_stack(tensors, *, out=None):
    ts = [t.reshape(-1, 1) if t.dim() <= 1 else t for t in _tensors("column_stack", tensors, out)]
    return _C.cat(ts, 1, out=out)


def flipud(input):
    _need("flipud", input)
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return input.flip(0)


def fliplr(input):
    _need("fliplr", input)
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return input.flip(1)


def trace(input):
    _need("trace", input)
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    if input.dtype == _C.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return input.diagonal().sum()


def count_nonzero(input, dim=None):
    _need("count_nonzero", input)
    nz = input.detach() != 0
    return nz.sum() if dim is None else nz.sum(dim)


def std_mean(input, dim=None, *, correction=1, keepdim=False):
    _need("std_mean", input)
    return input.std(dim, correction=correction, keepdim=keepdim), input.mean(dim, keepdim=keepdim)


def var_mean(input, dim=None, *, correction=1, keepdim=False):
    _need("var_mean", input)
    return input.var(dim, correction=correction, keepdim=keepdim), input.mean(dim, keepdim=keepdim)


def _install():
    T = Tensor
    T.isclose = isclose
    T.allclose = allclose
    T.equal = equal
    T.broadcast_to = broadcast_to
    T.flipud = flipud
    T.fliplr = fliplr
    T.trace = trace
    T.count_nonzero = count_nonzero


_install()
