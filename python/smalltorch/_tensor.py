"""Tensor methods written in Python: printing, backward, hooks, conversions.

They are attached to the C++ class ``_C.Tensor`` (which *is* ``smalltorch.Tensor``),
so every tensor the core returns has them.
"""

import builtins
import copy
import weakref

import numpy as np

from . import _C, _device, _tensor_str
from ._C import Tensor


def _repr(self):
    return _tensor_str.tensor_repr(self, repr(_C.get_default_dtype()).split(".")[-1])


class RemovableHandle:
    """Returned by register_hook; ``remove()`` unregisters the hook."""

    def __init__(self, tensor, hook_id, remove=None):
        self._tensor = weakref.ref(tensor)
        self.id = hook_id
        self._remove = remove

    def remove(self):
        t = self._tensor()
        if t is not None:
            if self._remove is not None:
                self._remove(t, self.id)
            else:
                t._remove_hook(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_hook(self, hook):
    """Registers ``hook(grad)`` to run when this tensor's gradient is computed; it may return a replacement."""
    if not self.requires_grad:  # PyTorch checks this first
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not callable(hook):
        raise TypeError(f"register_hook expects a callable, got {type(hook).__name__}")
    return RemovableHandle(self, self._register_hook(hook))


def register_post_accumulate_grad_hook(self, hook):
    """Registers ``hook(tensor)`` to run on a leaf after its ``.grad`` was accumulated in backward."""
    if not self.requires_grad:  # PyTorch checks this first
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not callable(hook):
        raise TypeError(f"register_post_accumulate_grad_hook expects a callable, got {type(hook).__name__}")
    hook_id = _C._register_post_accumulate_grad_hook(self, hook)
    return RemovableHandle(self, hook_id, _C._remove_post_accumulate_grad_hook)


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Computes the gradient of this tensor w.r.t. graph leaves, accumulating into their ``.grad``."""
    from . import autograd
    autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def _to_args(args, kwargs):
    """(dtype, device, copy) from the arguments of Tensor.to / Module.to; the device checked (CPU only)."""
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    dev = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, _C.dtype):
            dtype = a
        elif isinstance(a, (str, _device.device)):
            dev = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, builtins.bool):
            pass  # non_blocking
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {type(a).__name__}")
    return dtype, _device.check(dev), copy


def to(self, *args, **kwargs):
    """Returns a tensor with the given dtype (and device, which must be the CPU); self if nothing changes."""
    dtype, _, copy = _to_args(args, kwargs)
    if dtype is None:
        return self.clone() if copy else self
    return self._to_dtype(dtype, copy)


def _caster(dtype, name):
    def fn(self, *, memory_format=None):
        return self._to_dtype(dtype, False)
    fn.__name__ = fn.__qualname__ = name
    return fn


def tolist(self):
    """The values as (nested) Python lists of numbers; a 0-d tensor gives a number."""
    t = self.detach()
    if t.dtype in (_C.float16, _C.bfloat16):  # their exact values, through float32 (numpy has no bfloat16)
        t = t.float()
    return t.numpy().tolist()


def __array__(self, dtype=None, copy=None):
    a = self.numpy()  # raises for a tensor that requires grad, as PyTorch does
    return a if dtype is None else a.astype(dtype, copy=False)


def __iter__(self):
    if self.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self.shape[0]))


def __contains__(self, element):
    if not isinstance(element, (Tensor, builtins.bool, builtins.int, builtins.float)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                           f"{type(element).__name__}.")
    return builtins.bool((self == element).any().item())


def __bool__(self):
    if self.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if self.numel() != 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous (shape {list(self.shape)})")
    return builtins.bool(self.item())


def __float__(self):
    if self.numel() != 1:
        raise ValueError(f"only one element tensors can be converted to Python scalars (got shape {list(self.shape)})")
    return builtins.float(self.item())


def __int__(self):
    if self.numel() != 1:
        raise ValueError(f"only one element tensors can be converted to Python scalars (got shape {list(self.shape)})")
    return builtins.int(self.item())


def __index__(self):
    if self.numel() != 1 or self.is_floating_point() or self.dtype == _C.bool:
        raise TypeError("only integer tensors of a single element can be converted to an index")
    return builtins.int(self.item())


def __format__(self, spec):
    if not isinstance(spec, str):
        raise TypeError(f"__format__() argument must be str, not {type(spec).__name__}")
    if self.dim() == 0 and spec:
        return self.item().__format__(spec)
    return object.__format__(self, spec) if spec else repr(self)


def __reduce_ex__(self, proto):
    # data (with its strides), requires_grad and the attributes set on the tensor, as PyTorch's pickle keeps
    arr = self.detach().numpy().copy(order="K")
    return (_rebuild, (arr, self.requires_grad), self.__dict__ or None)


def _rebuild(arr, requires_grad):
    t = _C.from_numpy(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def __copy__(self):
    # PyTorch's copy.copy shares the data: a new leaf on the same memory, with the same attributes
    t = self.detach()
    if self.requires_grad:
        t.requires_grad_(True)
    t.__dict__.update(self.__dict__)
    return t


def __deepcopy__(self, memo):
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol "
                           "at the moment.  If you were attempting to deepcopy a module, this may be because of a "
                           "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
    if id(self) in memo:
        return memo[id(self)]
    # one copy of each storage per deepcopy: views copied together still share memory
    key = ("smalltorch.storage", self._storage_key(), self.dtype)
    flat = memo.get(key)
    if flat is None:
        flat = memo[key] = self._storage_copy()
    t = flat._alias_storage(list(self.shape), list(self.stride()), self.storage_offset())
    if self.requires_grad:
        t.requires_grad_(True)
    memo[id(self)] = t
    if self.grad is not None:
        t.grad = copy.deepcopy(self.grad, memo)
    for k, v in self.__dict__.items():
        setattr(t, k, copy.deepcopy(v, memo))
    return t


def type_as(self, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
    return self._to_dtype(other.dtype, False)


def cpu(self, *, memory_format=None):
    return self


def cuda(self, device=None, non_blocking=False, *, memory_format=None):
    _device.check("cuda")


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    from ._creation import tensor
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new(maker):
    def fn(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return maker(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kw)
    return fn


def _install():
    from . import _creation
    T = Tensor
    T.__repr__ = _repr
    T.__str__ = _repr
    T.__hash__ = object.__hash__
    T.__array_priority__ = 1000
    T.__module__ = "smalltorch"
    T.register_hook = register_hook
    T.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook
    T.backward = backward
    T.to = to
    T.float = _caster(_C.float32, "float")
    T.double = _caster(_C.float64, "double")
    T.long = _caster(_C.int64, "long")
    T.int = _caster(_C.int32, "int")
    T.bool = _caster(_C.bool, "bool")
    T.byte = _caster(_C.uint8, "byte")
    T.char = _caster(_C.int8, "char")
    T.short = _caster(_C.int16, "short")
    T.half = _caster(_C.float16, "half")
    T.bfloat16 = _caster(_C.bfloat16, "bfloat16")
    T.type_as = type_as
    T.tolist = tolist
    T.__array__ = __array__
    T.__iter__ = __iter__
    T.__bool__ = __bool__
    T.__contains__ = __contains__
    T.__float__ = __float__
    T.__int__ = __int__
    T.__index__ = __index__
    T.__format__ = __format__
    T.__reduce_ex__ = __reduce_ex__
    T.__deepcopy__ = __deepcopy__
    T.__copy__ = __copy__
    T.device = property(lambda self: _device.CPU)
    T.is_cuda = property(lambda self: False)
    T.is_cpu = property(lambda self: True)
    T.cpu = cpu
    T.cuda = cuda
    T.new_tensor = new_tensor
    T.new_zeros = _new(_creation.zeros)
    T.new_ones = _new(_creation.ones)
    T.new_empty = _new(_creation.empty)
    T.new_full = lambda self, size, fill_value, *, dtype=None, device=None, requires_grad=False: _creation.full(
        size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


_install()
