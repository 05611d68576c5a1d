"""Convolution and pooling functions (smalltorch.conv2d, nn.functional.conv2d, max_pool2d, ...).

The arithmetic is C++ (``_C._convolution``, ``_C._max_pool2d_with_indices``, ...); this module does
what PyTorch also does above its kernels: ints to lists, unbatched inputs (unsqueeze/squeeze), string
paddings, and the 1-d pools as 2-d pools of height 1 (so the graph shows SqueezeBackward1 over the
2-d node, as PyTorch's does).
"""

import warnings

from . import _C, _creation

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "convolution", "max_pool1d", "max_pool2d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]


def _ints(v):
    if isinstance(v, int):
        return [v]
    return [int(x) for x in v]


def _ints_n(v, n):
    """An int repeated n times (as PyTorch's conv1d/conv2d expand theirs), or the sequence as a list."""
    return [v] * n if isinstance(v, int) else [int(x) for x in v]


def _check_tensor(fn, input, arg="input", pos=1):
    if not isinstance(input, _C.Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(input).__name__}")


def _batched(fn, input, nd, what=None):
    """input with a batch dim (added when unbatched) and whether one was added."""
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got input "
                           f"of size: {list(input.shape)}")
    if input.dim() == nd + 1:
        return input.unsqueeze(0), True
    return input, False


def _same_padding(input, weight, stride, dilation, nd):
    """PyTorch's padding='same': symmetric padding, plus one extra zero row/column on the far side where the
    total padding is odd (the input is then padded first)."""
    if any(s != 1 for s in _ints(stride)):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    dil = _ints(dilation)
    dil = dil * nd if len(dil) == 1 else dil
    pad, extra = [], []
    for i in range(nd):
        total = dil[i] * (weight.shape[2 + i] - 1)
        pad.append(total // 2)
        extra.append(total - 2 * (total // 2))
    if any(extra):
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                      "copy of the input be created", UserWarning, stacklevel=4)
        for i in range(nd):
            if extra[i]:
                d = input.dim() - nd + i
                shape = list(input.shape)
                shape[d] = extra[i]
                input = _C.cat([input, _creation.zeros(shape, dtype=input.dtype)], d)
    return input, pad


def _conv(fn, input, weight, bias, stride, padding, dilation, groups, nd):
    _check_tensor(fn, input)
    _check_tensor(fn, weight, "weight", 2)
    x, unbatched = _batched(fn, input, nd)
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            x, padding = _same_padding(x, weight, stride, dilation, nd)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    out = _C._convolution(x, weight, bias, _ints_n(stride, nd), _ints_n(padding, nd), _ints_n(dilation, nd), False,
                          [0] * nd, groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution over (N, C, L) or (C, L) inputs; padding may be an int, a tuple, 'valid' or 'same'."""
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution over (N, C, H, W) or (C, H, W) inputs (im2col + GEMM); padding as in conv1d."""
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def _conv_transpose(fn, input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    _check_tensor(fn, input)
    _check_tensor(fn, weight, "weight", 2)
    x, unbatched = _batched(fn, input, nd)
    if isinstance(padding, str):
        raise TypeError(f"{fn}(): argument 'padding' must be tuple of ints, not str")
    out = _C._convolution(x, weight, bias, _ints_n(stride, nd), _ints_n(padding, nd), _ints_n(dilation, nd), True,
                          _ints_n(output_padding, nd), groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv2d (a "deconvolution"): weight is (C_in, C_out / groups, kH, kW)."""
    return _conv_transpose("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    return _C._convolution(input, weight, bias, _ints(stride), _ints(padding), _ints(dilation), bool(transposed),
                           _ints(output_padding), groups)


# ---- pooling ------------------------------------------------------------------------------------
def _stride(stride):
    return [] if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _ints(stride)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    _check_tensor("max_pool2d", input)
    return _C._max_pool2d_with_indices(input, _ints(kernel_size), _stride(stride), _ints(padding), _ints(dilation),
                                       bool(ceil_mode))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over kH x kW windows of (N, C, H, W) or (C, H, W); with return_indices also the flat h * W + w
    index of each maximum in its plane."""
    out, idx = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


def _one(v, fn, arg):
    """The single int of a 1-d pooling argument (an int or a one-element sequence)."""
    if isinstance(v, int):
        return v
    v = list(v)
    if len(v) != 1:
        raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(v)})")
    return int(v[0])


def _check_1d_input(fn, input, max_style):
    if input.dim() not in (2, 3):
        if max_style:
            raise RuntimeError(f"{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                               f"input, but got:{list(input.shape)}")
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {fn})")


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    _check_tensor("max_pool1d", input)
    _check_1d_input("max_pool1d", input, True)
    k = _max1d_arg(kernel_size, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _max1d_arg(stride, "stride")
    p = _max1d_arg(padding, "padding")
    d = _max1d_arg(dilation, "dilation")
    out, idx = _C._max_pool2d_with_indices(input.unsqueeze(-2), [1, k], [1, s], [0, p], [1, d], bool(ceil_mode))
    return out.squeeze(-2), idx.squeeze(-2)


def _max1d_arg(v, arg):
    if isinstance(v, int):
        return v
    v = list(v)
    if len(v) != 1:
        raise RuntimeError(f"max_pool1d() {arg} must be an int, list of ints or tuple of ints of size 1 but got "
                           f"size {len(v)}")
    return int(v[0])


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    _check_tensor("max_pool1d", input)
    _check_1d_input("max_pool1d", input, True)
    k = _max1d_arg(kernel_size, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _max1d_arg(stride, "stride")
    p = _max1d_arg(padding, "padding")
    d = _max1d_arg(dilation, "dilation")
    # PyTorch checks the 1-d arguments itself on this path
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    n = input.shape[-1] + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = n // s + 1
    if ceil_mode and (o - 1) * s >= input.shape[-1] + p:
        o -= 1
    if o <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {o}")
    out, _ = _C._max_pool2d_with_indices(input.unsqueeze(-2), [1, k], [1, s], [0, p], [1, d], bool(ceil_mode))
    return out.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over kH x kW windows; count_include_pad counts zero padding in the divisor, divisor_override
    replaces the divisor."""
    _check_tensor("avg_pool2d", input)
    return _C._avg_pool2d(input, _ints(kernel_size), _stride(stride), _ints(padding), bool(ceil_mode),
                          bool(count_include_pad), divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    _check_tensor("avg_pool1d", input)
    _check_1d_input("avg_pool1d", input, False)
    k = _one(kernel_size, "avg_pool1d", "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _one(stride, "avg_pool1d",
                                                                                             "stride")
    p = _one(padding, "avg_pool1d", "padding")
    out = _C._avg_pool2d(input.unsqueeze(-2), [1, k], [1, s], [0, p], bool(ceil_mode), bool(count_include_pad),
                         None)
    return out.squeeze(-2)


def _output_size(output_size, input, n):
    """output_size as a list of n ints; None entries take the input's size."""
    if isinstance(output_size, int):
        return [output_size] * n
    sizes = list(output_size)
    if len(sizes) == 1 and n == 2:
        sizes = sizes * 2
    return [input.shape[input.dim() - len(sizes) + i] if v is None else int(v) for i, v in enumerate(sizes)]


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (window i spans floor(i*H/oH) to ceil((i+1)*H/oH))."""
    _check_tensor("adaptive_avg_pool2d", input)
    size = _output_size(output_size, input, 2)
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if size[0] < 0 or size[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]}}}")
    if size == [1, 1] and input.dim() in (3, 4) and input.is_floating_point():
        return input.mean((-1, -2), keepdim=True)  # PyTorch's shortcut: the graph shows MeanBackward1
    return _C._adaptive_avg_pool2d(input, size)


def adaptive_avg_pool1d(input, output_size):
    _check_tensor("adaptive_avg_pool1d", input)
    _check_1d_input("adaptive_avg_pool1d", input, False)
    o = _one(output_size, "adaptive_avg_pool1d", "output_size")
    return adaptive_avg_pool2d(input.unsqueeze(-2), [1, o]).squeeze(-2)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    _check_tensor("adaptive_max_pool2d", input)
    size = _output_size(output_size, input, 2)
    if len(size) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    return _C._adaptive_max_pool2d(input, size)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size; with return_indices also the flat index of each maximum."""
    out, idx = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _check_tensor("adaptive_max_pool1d", input)
    _check_1d_input("adaptive_max_pool1d", input, False)
    o = _one(output_size, "adaptive_max_pool1d", "output_size")
    out, idx = _C._adaptive_max_pool2d(input.unsqueeze(-2), [1, o])
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


def _adaptive_max_pool1d_pair(input, output_size):
    """smalltorch.adaptive_max_pool1d: PyTorch's top-level form returns (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


_adaptive_max_pool1d_pair.__name__ = _adaptive_max_pool1d_pair.__qualname__ = "adaptive_max_pool1d"
