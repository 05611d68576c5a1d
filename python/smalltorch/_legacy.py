"""PyTorch's legacy tensor API: ``Tensor(...)`` called directly, the typed constructors ``FloatTensor`` …,
type strings (``Tensor.type()``), ``set_default_tensor_type`` and the default device.
"""

import builtins
import warnings

import numpy as np

from . import _C, _creation, _device
from ._C import Tensor

# legacy type name -> dtype, for the dtypes smalltorch has
_TYPES = {"FloatTensor": _C.float32, "DoubleTensor": _C.float64, "LongTensor": _C.int64, "IntTensor": _C.int32,
          "ShortTensor": _C.int16, "CharTensor": _C.int8, "ByteTensor": _C.uint8, "BoolTensor": _C.bool,
          "HalfTensor": _C.float16, "BFloat16Tensor": _C.bfloat16}
_NAME_OF = {d: n for n, d in _TYPES.items()}


def _type_name(dtype):
    return "smalltorch." + _NAME_OF[dtype]


def _is_sizes(args):
    return builtins.all(isinstance(a, builtins.int) and not isinstance(a, builtins.bool) or
                        (isinstance(a, Tensor) and a.dim() == 0 and not a.is_floating_point()
                         and a.dtype != _C.bool) for a in args)


def _legacy_new(dtype, fixed, args, kwargs):
    """What Tensor(*args) / <X>Tensor(*args) make: nothing -> an empty 1-d tensor, ints or a Size -> an
    uninitialised tensor of that shape, a sequence or array -> its data, a tensor -> an alias of it."""
    name = "new"
    dev = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"{name}() received an invalid combination of arguments - got unexpected keyword "
                        f"argument(s) {', '.join(sorted(kwargs))}; only device= is accepted")
    d = _device.device(dev) if dev is not None else _device.CPU
    if d.type != "cpu":
        raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {d.type} was passed")
    if not args:
        return _creation.empty(0, dtype=dtype)
    from ._size import Size
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Tensor):
            if fixed and a.dtype != dtype:
                raise TypeError(f"expected {_NAME_OF[dtype]} with dtype {dtype} (got {a.dtype})")
            return a.view_as(a)
        if isinstance(a, Size):
            return _creation.empty(tuple(a), dtype=dtype)
        if isinstance(a, (builtins.list, builtins.tuple, np.ndarray)):
            return _creation.tensor(a, dtype=dtype)
        if isinstance(a, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(a).__name__}'")
        if not _is_sizes(args):
            raise TypeError(f"new(): data must be a sequence (got {type(a).__name__})")
    for i, a in enumerate(args):
        if not _is_sizes((a,)):
            raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {type(a).__name__}\"")
    sizes = tuple(builtins.int(a) for a in args)
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(sizes)}")
    return _creation.empty(sizes, dtype=dtype)


def _tensor_new(*args, **kwargs):
    """smalltorch.Tensor(...): the legacy constructor with the default dtype."""
    return _legacy_new(_C.get_default_dtype(), False, args, kwargs)


class _LegacyTensorType(type):
    """The type of FloatTensor & co: calling one constructs, isinstance checks the dtype."""

    def __call__(cls, *args, **kwargs):
        return _legacy_new(cls.dtype, True, args, kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls):
        return f"<class 'smalltorch.{cls.__name__}'>"


def _make_types():
    out = {}
    for name, dt in _TYPES.items():
        out[name] = _LegacyTensorType(name, (), {"dtype": dt, "__module__": "smalltorch", "is_sparse": False,
                                                "is_cuda": False})
    return out


_LEGACY = _make_types()


def _dtype_of_type(t, fn):
    """The dtype a legacy type, its name ('smalltorch.FloatTensor', 'torch.FloatTensor') or a dtype stands for."""
    if isinstance(t, _C.dtype):
        return t
    if isinstance(t, _LegacyTensorType):
        return t.dtype
    if isinstance(t, (str, bytes)):  # PyTorch reads bytes as a type name too
        name = t.decode(errors="replace") if isinstance(t, bytes) else t
        module, _, name = name.rpartition(".")
        if module in ("smalltorch", "torch") and name in _TYPES:
            return _TYPES[name]
        raise ValueError(f"invalid type: {t!r}")
    raise TypeError(f"{fn}(): invalid type object: {t!r}")


def _type(self, dtype=None, non_blocking=False):
    """x.type() -> 'smalltorch.FloatTensor' & co; x.type(dtype or type name) -> x converted (x itself if
    it already has that type)."""
    if dtype is None:
        return _type_name(self.dtype)
    dt = _dtype_of_type(dtype, "type")
    if dt == self.dtype:
        return self
    return self._to_dtype(dt, False)


def set_default_tensor_type(t):
    """Deprecated in PyTorch as here: sets the default floating dtype from a legacy type (or its name)."""
    warnings.warn("smalltorch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "smalltorch.set_default_dtype() and smalltorch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    if isinstance(t, str):
        module, _, name = t.rpartition(".")
        if module not in ("smalltorch", "torch"):
            raise ModuleNotFoundError(f"No module named '{module or t}'")
        if name not in _TYPES:
            raise AttributeError(f"module '{module}' has no attribute '{name}'")
        t = _LEGACY[name]
    if not isinstance(t, _LegacyTensorType):
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _C.set_default_dtype(t.dtype)


def set_default_device(device):
    """Sets the device factories use by default. Only the CPU exists here: 'cuda' raises as PyTorch's
    CPU-only build does when the first tensor is made there."""
    d = _device.CPU if device is None else _device.device(device)
    _device.check(d)


def get_default_device():
    return _device.CPU


def _install():
    _type.__name__ = _type.__qualname__ = "type"
    Tensor.type = _type
    _C._set_tensor_new(_tensor_new)


_install()
