from . import _C


class device:
    """Where a tensor lives. This build has only the CPU; 'cuda' parses but cannot hold tensors."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string or device, got {type.__class__.__name__}")
        t, i = _C._parse_device(type)
        if index is not None:
            if i is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
            i = index
        self.type, self.index = t, i

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def check(d):
    """Returns the device for a device= argument, raising for devices this build cannot use."""
    if d is None:
        return CPU
    if not isinstance(d, device):
        d = device(d)
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")  # PyTorch's CPU-only build says this
    _C._check_device(str(d))
    return d
