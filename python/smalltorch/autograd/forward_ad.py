"""Forward-mode automatic differentiation, as ``torch.autograd.forward_ad``.

Inside ``with dual_level():`` a tensor made by :func:`make_dual` carries a
*tangent*: the direction in which its value is perturbed. Every op that
supports forward mode computes its result's tangent as it computes the result
(a Jacobian-vector product), so one forward pass gives the directional
derivative of a whole computation, where reverse mode (``backward``) needs one
pass per output. :func:`unpack_dual` reads the tangent back. Leaving the
``with`` block drops every tangent made in it. An op without a forward-mode
formula raises ``NotImplementedError`` instead of dropping a tangent.
"""
from collections import namedtuple

from .. import _C

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]


def enter_dual_level():
    """Opens a forward-AD level and returns its index (0: only one level may be open)."""
    _C._enter_dual_level()
    return 0


def exit_dual_level(*, level=None):
    """Closes the open level; every tangent made in it disappears."""
    if level not in (None, 0):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _C._exit_dual_level()


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (same shape, floating point) at the open level."""
    if level not in (None, 0):
        raise RuntimeError(f"Invalid level {level} given to make_dual: only level 0 exists.")
    if not isinstance(tensor, _C.Tensor) or not isinstance(tangent, _C.Tensor):
        raise TypeError(f"make_dual(): expected tensors, got {type(tensor).__name__} and {type(tangent).__name__}")
    return _C._make_dual(tensor, tangent)


UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "The primal value of a dual tensor and its tangent (None when it has none)."


def unpack_dual(tensor, *, level=None):
    """``UnpackedDualTensor(primal, tangent)``: a view of ``tensor`` without its tangent, and the tangent."""
    if not isinstance(tensor, _C.Tensor):
        raise TypeError(f"unpack_dual(): expected a Tensor, got {type(tensor).__name__}")
    primal, tangent = _C._unpack_dual(tensor)
    return UnpackedDualTensor(primal, tangent)


class dual_level:
    """Context manager opening a forward-AD level for its block (only one may be open at a time)."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False
