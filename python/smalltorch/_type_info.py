"""smalltorch.iinfo and smalltorch.finfo: the numeric limits of a dtype, as PyTorch reports them."""

import numpy as np

from . import _C

__all__ = ["iinfo", "finfo"]

_INTS = {_C.uint8: np.uint8, _C.int8: np.int8, _C.int16: np.int16, _C.int32: np.int32, _C.int64: np.int64}
_FLOATS = {_C.float16: np.float16, _C.float32: np.float32, _C.float64: np.float64, _C.bfloat16: None}
# bfloat16 (numpy has none): float32's exponent range with 8 significant bits, 2 decimal digits
_BFLOAT16 = dict(bits=16, eps=2.0 ** -7, max=float.fromhex("0x1.fep127"), smallest_normal=2.0 ** -126, precision=2)


def _dtype_arg(fn, type):
    if not isinstance(type, _C.dtype):
        raise TypeError(f"{fn}(): argument 'type' (position 1) must be torch.dtype, not {builtin_type(type).__name__}")
    return type


builtin_type = type


class _Info:
    """Equality and hashing by kind and dtype name (PyTorch's info objects compare equal per dtype)."""

    def __eq__(self, other):
        return builtin_type(other) is builtin_type(self) and other.dtype == self.dtype

    def __hash__(self):
        return hash((builtin_type(self).__name__, self.dtype))


class iinfo(_Info):
    """The limits of an integer dtype: ``bits``, ``min``, ``max`` (Python ints) and ``dtype`` (its name)."""

    def __init__(self, type):
        type = _dtype_arg("iinfo", type)
        if type is _C.bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type not in _INTS:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(_INTS[type])
        self.bits, self.min, self.max = int(info.bits), int(info.min), int(info.max)
        self.dtype = str(type).split(".")[-1]

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


class finfo(_Info):
    """The limits of a floating dtype (the default dtype when none is given): ``bits``, ``eps``, ``max``,
    ``min``, ``tiny`` (= ``smallest_normal``), ``resolution`` (10 ** -digits) and ``dtype`` (its name)."""

    def __init__(self, type=None):
        type = _C.get_default_dtype() if type is None else _dtype_arg("finfo", type)
        if type not in _FLOATS:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        if type is _C.bfloat16:
            info = _BFLOAT16
        else:
            f = np.finfo(_FLOATS[type])
            info = dict(bits=f.bits, eps=f.eps, max=f.max, smallest_normal=f.smallest_normal, precision=f.precision)
        self.bits = int(info["bits"])
        self.eps, self.max = float(info["eps"]), float(info["max"])
        self.min = -self.max
        self.tiny = self.smallest_normal = float(info["smallest_normal"])
        self.resolution = 10.0 ** -int(info["precision"])
        self.dtype = str(type).split(".")[-1]

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")

    __str__ = __repr__
