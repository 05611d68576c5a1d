"""smalltorch.normal: PyTorch's torch.normal call forms over a Generator (the default one when generator is None)."""

import numbers

from . import _creation
from ._C import Tensor
from ._compose import _out


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """Normal samples: normal(mean, std, size) with numbers, or elementwise means/stds given as tensors."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if size is not None:
            raise TypeError("normal() received an invalid combination of arguments: size is only accepted with "
                            "float mean and std")
        m = mean.detach() if isinstance(mean, Tensor) else mean
        s = std.detach() if isinstance(std, Tensor) else std
        if isinstance(s, Tensor) and s.numel() and (s < 0).any().item():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape_src = (m + s * 0) if isinstance(m, Tensor) else (s * 0 + m)
        result = _creation.randn_like(shape_src, generator=generator) * s + m
    else:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float), but "
                            "expected (float mean, float std, tuple of ints size, ...)")
        if not isinstance(std, numbers.Real) or std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        result = _creation.empty(size, dtype=dtype).normal_(mean, std, generator=generator)
    if out is not None:
        return _out(result, out, "normal")
    if requires_grad:
        result.requires_grad_(True)
    return result
