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


_UNINIT_MSG = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
               "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
               "`forward` to initialize the parameters before accessing their attributes.")


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (lazy modules); materialize() turns it into a Parameter."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        t = Parameter.__new__(cls, _creation.empty(0, dtype=dtype), requires_grad)
        return t

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    @property
    def shape(self):
        raise RuntimeError(_UNINIT_MSG)

    def size(self, dim=None):
        raise RuntimeError(_UNINIT_MSG)

    def numel(self):
        raise RuntimeError(_UNINIT_MSG)

    def materialize(self, shape, device=None, dtype=None):
        """Gives the parameter storage of the given shape (uninitialised values) and makes it a Parameter."""
        if dtype is None:
            dtype = self.dtype
        self.data = _creation.empty(tuple(shape) if not isinstance(shape, int) else (shape,), dtype=dtype)
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<UninitializedParameter>"

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, dtype=self.dtype)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (UninitializedParameter, (self.requires_grad, None, self.dtype))


def is_lazy(param):
    return isinstance(param, UninitializedParameter)
