"""tensor(), as_tensor() and the factories, with PyTorch's call forms."""

import builtins
import math
import numbers

import numpy as np

from . import _C
from . import _device
from ._C import Tensor

_NP_OF = {
    _C.bool: np.bool_, _C.uint8: np.uint8, _C.int8: np.int8, _C.int16: np.int16, _C.int32: np.int32,
    _C.int64: np.int64, _C.float16: np.float16, _C.float32: np.float32, _C.float64: np.float64,
}
# float16 and bfloat16 values are made from float32 ones (as PyTorch converts a double: to float, then rounded)
_REDUCED = (_C.float16, _C.bfloat16)
_NP_DTYPES = {np.dtype(t) for t in _NP_OF.values()}


def _sizes(args, kwargs_size, fn):
    """Accepts f(2, 3), f((2, 3)), f([2, 3]) and f(size=(2, 3))."""
    if kwargs_size is not None:
        if args:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        args = (kwargs_size,)
    if not args:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for i, a in enumerate(args):
        if isinstance(a, builtins.bool) or not isinstance(a, (numbers.Integral, Tensor)) or isinstance(a, Tensor) and (
                a.numel() != 1 or a.dtype.is_floating_point):
            # a float or many-element tensor is no size: zeros(tensor(3.5)) is a TypeError in PyTorch
            raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(a).__name__} at pos {i}")
        if isinstance(a, Tensor) and a.dtype == _C.bool:
            raise RuntimeError("Expected scalar.isIntegral(false) to be true, but got false: a bool tensor is "
                               f"no size ({fn}(), pos {i})")
        out.append(builtins.int(a))
    for s in out:
        if s < 0:
            raise RuntimeError(f"{fn}(): Trying to create tensor with negative dimension {s}: {out}")
    return out


def _check_dtype(dtype, fn):
    if dtype is not None and not isinstance(dtype, _C.dtype):
        raise TypeError(f"{fn}(): argument 'dtype' must be smalltorch.dtype, not {type(dtype).__name__}")


def _check_int(v, fn, name, pos):
    if isinstance(v, builtins.bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be int, not {type(v).__name__}")
    return builtins.int(v)


def _check_number(v, fn, name, pos):
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise RuntimeError(f"{fn}(): argument '{name}' must be a number or a one-element tensor, got shape "
                               f"{list(v.shape)}")
        return v.item()
    if not isinstance(v, (numbers.Number, np.generic)) or isinstance(v, numbers.Complex) and not isinstance(
            v, numbers.Real):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Number, not {type(v).__name__}")
    return v.item() if isinstance(v, np.generic) else v


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype):
    return _C.get_default_dtype() if dtype is None else dtype


_NP_TO_DTYPE = {np.dtype(v): k for k, v in _NP_OF.items()}


def _infer(data, fn):
    """Shape and dtype of nested sequences of numbers, with PyTorch's errors.

    The dtype promotes over the elements: Python floats count as the default
    dtype, ints as int64, bools as bool, numpy scalars and tensors as their own.
    """
    shape = []
    leaf_depth = [None]  # depth at which numbers were found
    dtypes = set()

    def scalar_dtype(x):
        if isinstance(x, np.generic):
            dt = _NP_TO_DTYPE.get(x.dtype)
            if dt is None:
                raise TypeError(f"{fn}(): can't convert numpy scalar of type numpy.{x.dtype}")
            return dt
        if isinstance(x, builtins.bool):
            return _C.bool
        if isinstance(x, numbers.Integral):
            if not -(1 << 63) <= x < (1 << 63):
                raise ValueError("Overflow when unpacking long long")
            return _C.int64
        if isinstance(x, numbers.Real):
            return _C.get_default_dtype()
        if isinstance(x, numbers.Complex):
            raise TypeError(f"{fn}(): complex numbers are not supported by smalltorch")
        # not a number (None, a dict, any object): PyTorch cannot infer a dtype, a RuntimeError
        raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")

    def ragged(depth, got):
        want = shape[depth] if depth < len(shape) else "a number"
        raise ValueError(f"expected sequence of length {want} at dim {depth} (got {got})")

    def walk(x, depth):
        if isinstance(x, Tensor):
            if x.dim() == 0:
                dtypes.add(x.dtype)
                leaf(depth)
                return
            x = [t for t in x]
        if isinstance(x, np.ndarray):
            x = x.tolist() if x.ndim else x[()]
        if isinstance(x, (list, tuple)):
            if leaf_depth[0] is not None and depth >= leaf_depth[0]:
                ragged(depth, f"a sequence of length {len(x)}")
            n = len(x)
            if depth == len(shape):
                shape.append(n)
            elif shape[depth] != n:
                ragged(depth, n)
            for y in x:
                walk(y, depth + 1)
            return
        if isinstance(x, (str, bytes)):
            raise TypeError(f"{fn}(): invalid data type '{type(x).__name__}'")
        dtypes.add(scalar_dtype(x))
        leaf(depth)

    def leaf(depth):
        if leaf_depth[0] is None:
            if depth < len(shape):
                ragged(depth, "a number")
            leaf_depth[0] = depth
        elif depth != leaf_depth[0]:
            ragged(depth, "a number")

    walk(data, 0)
    dt = None
    for d in dtypes:
        dt = d if dt is None else _C.promote_types(dt, d)
    return shape, dt or _C.get_default_dtype()


def _flatten(x, out):
    if isinstance(x, Tensor):
        out.extend(x.detach().reshape(-1).tolist())
    elif isinstance(x, np.ndarray):
        out.extend(x.reshape(-1).tolist())
    elif isinstance(x, (list, tuple)):
        for y in x:
            _flatten(y, out)
    else:
        out.append(x)


def _from_numpy_copy(arr, dtype):
    if arr.dtype not in _NP_DTYPES:
        raise TypeError(f"can't convert np.ndarray of type numpy.{arr.dtype}. The only supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    if dtype in _REDUCED and (dtype not in _NP_OF or arr.dtype != _NP_OF[dtype]):
        return _from_numpy_copy(arr.astype(np.float32), None)._to_dtype(dtype, False)
    if dtype is not None:
        arr = arr.astype(_NP_OF[dtype], copy=False)
    return _C.from_numpy(np.array(arr, copy=True, order="C")).clone()


_FLOAT32_MAX = float(np.finfo(np.float32).max)
_INT_RANGE = {d: (builtins.int(np.iinfo(_NP_OF[d]).min), builtins.int(np.iinfo(_NP_OF[d]).max))
              for d in (_C.uint8, _C.int8, _C.int16, _C.int32, _C.int64)}


def _flat_array(flat, target):
    """A numpy array of dtype ``target`` holding the Python numbers in ``flat``, converted as PyTorch's
    tensor() does: float overflow to float32 gives inf, an integer dtype refuses nan, inf and values
    outside its range (uint8 wraps -255..-1, as two's complement), floats are truncated."""
    if target in _INT_RANGE:
        lo, hi = _INT_RANGE[target]
        for v in flat:
            if isinstance(v, (builtins.bool, np.bool_)):
                continue
            bad = (v != v or not lo <= v <= hi) if isinstance(v, (builtins.float, np.floating)) else \
                not (-hi <= v <= hi if target == _C.uint8 else lo <= v <= hi)
            if bad:
                raise RuntimeError(f"value cannot be converted to type {repr(target).split('.')[-1]} without overflow")
        return np.array([builtins.int(v) for v in flat], dtype=np.int64).astype(_NP_OF[target])
    with np.errstate(over="ignore"):
        return np.array(flat, dtype=np.float32 if target in _REDUCED else _NP_OF[target])


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (a number, nested lists/tuples, a numpy array or a tensor)."""
    _device.check(device)
    _check_dtype(dtype, "tensor")
    if isinstance(data, Tensor):
        t = data.detach().clone()
        if dtype is not None:
            t = t._to_dtype(dtype, False)
    elif isinstance(data, np.ndarray):
        t = _from_numpy_copy(data, dtype)
    elif isinstance(data, np.generic):
        if dtype is not None and isinstance(data, np.floating) and not dtype.is_floating_point \
                and dtype != _C.bool:
            return tensor(data.item(), dtype=dtype, requires_grad=requires_grad)  # range-checked as a number
        t = _from_numpy_copy(np.asarray(data), dtype)  # a numpy scalar keeps its dtype
    elif isinstance(data, (builtins.bool, numbers.Number)):
        shape, dt = _infer(data, "tensor")
        target = dtype or dt
        if target in (_C.float32,) + _REDUCED and isinstance(data, builtins.float) and abs(data) > _FLOAT32_MAX:
            data = data * math.inf  # tensor() rounds a finite double beyond float32 to inf (scalar_tensor raises)
        t = _C._scalar_tensor(data, target)  # checks integer ranges as PyTorch does
    else:
        shape, dt = _infer(data, "tensor")
        flat = []
        _flatten(data, flat)
        target = dtype or dt
        arr = _flat_array(flat, target).reshape(shape)
        if target in _REDUCED:
            t = _C.from_numpy(arr).clone()._to_dtype(target, False) if arr.size else _C._empty(shape, target)
        else:
            t = _C.from_numpy(arr).clone() if arr.size else _C._empty(shape, target)
    if requires_grad and not t.is_floating_point():
        raise RuntimeError(f"Only Tensors of floating point dtype can require gradients (got {t.dtype})")
    return _finish(t, requires_grad)


def as_tensor(data, *, dtype=None, device=None):
    """Like tensor(), but shares memory with a tensor or numpy array when no conversion is needed."""
    _device.check(device)
    _check_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or dtype == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        if dtype is None or _NP_OF.get(dtype) == data.dtype.type:
            try:
                return _C.from_numpy(data)
            except (TypeError, ValueError):
                pass
        return _from_numpy_copy(data, dtype)
    return tensor(data, dtype=dtype)


def _factory(name, c_fn, floating_default, random=False):
    def fn(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
           memory_format=None, **kw):
        _device.check(device)
        _check_dtype(dtype, name)
        s = _sizes(size, kw.pop("size", None), name)
        extra = {}
        if random and "generator" in kw:
            extra["generator"] = kw.pop("generator")
        if kw:
            raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")
        t = c_fn(s, _float_dtype(dtype) if floating_default or dtype is not None else _C.get_default_dtype(), **extra)
        return _finish(t, requires_grad)
    fn.__name__ = name
    fn.__qualname__ = name
    return fn


zeros = _factory("zeros", _C._zeros, True)
ones = _factory("ones", _C._ones, True)
empty = _factory("empty", _C._empty, True)
rand = _factory("rand", _C._rand, True, random=True)
randn = _factory("randn", _C._randn, True, random=True)


def _scalar_dtype(v):
    if isinstance(v, builtins.bool):
        return _C.bool
    if isinstance(v, numbers.Integral):
        return _C.int64
    return _C.get_default_dtype()


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    _device.check(device)
    _check_dtype(dtype, "full")
    if not isinstance(size, (tuple, list)):  # full(3, 1.0) is a TypeError in PyTorch: the size is a sequence
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    fill_value = _check_number(fill_value, "full", "fill_value", 2)
    dt = dtype or _scalar_dtype(fill_value)
    return _finish(_C._full(_sizes((size,), None, "full"), fill_value, dt), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    _device.check(device)
    return _finish(_C._scalar_tensor(s, dtype or _C.get_default_dtype()), requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _device.check(device)
    _check_dtype(dtype, "arange")
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for v in vals:
        if not isinstance(v, numbers.Real):
            raise TypeError(f"arange(): argument must be a number, not {type(v).__name__}")
    all_int = all(isinstance(v, numbers.Integral) for v in vals)
    if dtype is None:
        dtype = _C.int64 if all_int else _C.get_default_dtype()
    if all_int and not dtype.is_floating_point:  # exact: arange(2**53, 2**53 + 4) has four distinct values
        return _finish(_C._arange_int(*(builtins.int(v) for v in vals), dtype), requires_grad)
    return _finish(_C._arange(float(vals[0]), float(vals[1]), float(vals[2]), dtype), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _device.check(device)
    _check_dtype(dtype, "linspace")
    start = _check_number(start, "linspace", "start", 1)
    end = _check_number(end, "linspace", "end", 2)
    if not isinstance(steps, numbers.Integral) or isinstance(steps, builtins.bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    return _finish(_C._linspace(float(start), float(end), builtins.int(steps), _float_dtype(dtype)), requires_grad)


_NO_M = object()


def eye(n, m=_NO_M, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _device.check(device)
    _check_dtype(dtype, "eye")
    n = _check_int(n, "eye", "n", 1)
    m = n if m is _NO_M else _check_int(m, "eye", "m", 2)
    return _finish(_C._eye(n, m, _float_dtype(dtype)), requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    _device.check(device)
    _check_dtype(dtype, "randint")
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: expected randint(high, size) or randint(low, high, size)")
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, Tensor) and (bound.dtype.is_floating_point or bound.dim() != 0):
            raise TypeError(f"randint(): argument '{name}' must be int, not Tensor")  # an integer 0-d tensor is an int
    return _finish(_C._randint(builtins.int(low), builtins.int(high), _sizes((size,), None, "randint"),
                               dtype or _C.int64, generator=generator), requires_grad)


def _like(name, maker, nargs=0):
    def fn(input, *args, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, **kw):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        if len(args) > nargs:
            raise TypeError(f"{name}() takes {nargs + 1} positional argument{'s' if nargs else ''} but "
                            f"{len(args) + 1} were given")
        _check_dtype(dtype, name)
        _device.check(device)
        return _finish(maker(input, args, dtype or input.dtype, **kw), requires_grad)
    fn.__name__ = name
    fn.__qualname__ = name
    return fn


zeros_like = _like("zeros_like", lambda t, a, dt: _C._zeros(list(t.shape), dt))
ones_like = _like("ones_like", lambda t, a, dt: _C._ones(list(t.shape), dt))
empty_like = _like("empty_like", lambda t, a, dt: _C._empty(list(t.shape), dt))
full_like = _like("full_like", lambda t, a, dt, fill_value=None: _C._full(list(t.shape), a[0] if a else fill_value, dt),
                  nargs=1)
rand_like = _like("rand_like", lambda t, a, dt, generator=None: _C._rand(list(t.shape), dt, generator=generator))
randn_like = _like("randn_like", lambda t, a, dt, generator=None: _C._randn(list(t.shape), dt, generator=generator))


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"randint_like(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    low = _check_int(low, "randint_like", "low", 2)
    if high is not None:
        high = _check_int(high, "randint_like", "high", 3)
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)
