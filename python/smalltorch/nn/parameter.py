"""nn.Parameter: a tensor that a Module registers as one of its parameters.

The C++ Tensor type has no Python constructor, so a Parameter is made from a
detached alias of its data whose class is switched to this subclass (both
share one object layout). The alias shares storage with the data given, as
PyTorch's Parameter does.
"""

from .. import _C, _creation
from .._C import Tensor


class Parameter(Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _creation.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        if requires_grad and not (data.is_floating_point()):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t = data.detach()
        t.__class__ = cls
        t.requires_grad_(requires_grad)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach().numpy().copy(), self.requires_grad))


def _rebuild_parameter(array, requires_grad):
    return Parameter(_C.from_numpy(array), requires_grad)


class Buffer:
    """Marks a tensor assigned to a Module attribute as a buffer (``persistent`` as register_buffer)."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _creation.empty(0)
        t = data.detach()
        t._is_buffer = True
        t.persistent = persistent
        return t
