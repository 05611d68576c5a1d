"""DLPack interchange, as ``torch.utils.dlpack``: ``to_dlpack(tensor)`` makes a (legacy, unversioned)
DLPack capsule sharing the tensor's memory; ``from_dlpack(obj)`` makes a tensor sharing the memory of a
capsule or of any object with ``__dlpack__`` (numpy arrays, PyTorch tensors, ...)."""

from .. import _C

__all__ = ["to_dlpack", "from_dlpack"]

from_dlpack = _C.from_dlpack


def to_dlpack(tensor):
    """A DLPack capsule ("dltensor") sharing `tensor`'s memory; it can be consumed once."""
    return _C._to_dlpack(tensor)
