"""Convolution and pooling functions (smalltorch.conv2d, nn.functional.conv2d, max_pool2d, ...).

The arithmetic is C++ (``_C._convolution``, ``_C._max_pool2d_with_indices``, ...); this module does
what PyTorch also does above its kernels: ints to lists, unbatched inputs (unsqueeze/squeeze), string
paddings, and the 1-d pools as 2-d pools of height 1 (so the graph shows SqueezeBackward1 over the
2-d node, as PyTorch's does).
"""

import warnings

import numpy as np

from . import _C, _creation
from .profiler import _op

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "convolution", "max_pool1d", "max_pool2d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]


_INT_DTYPES = (_C.bool, _C.uint8, _C.int8, _C.int16, _C.int32, _C.int64)
_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


def _index(v, one_element=True):
    """v as an int where PyTorch's argument parser reads one: an int (not a bool), a numpy integer, or an
    integer or bool tensor of one element (only a 0-d one unless one_element); None otherwise."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, _C.Tensor) and v.dtype in _INT_DTYPES and (v.dim() == 0 or one_element and v.numel() == 1):
        return int(v.item())
    return None


def _int_arg(v, fn, arg, pos, optional=False):
    """An int argument (int64_t, or int? when optional: None passes through)."""
    if optional and v is None:
        return None
    bool_tensor = isinstance(v, _C.Tensor) and v.dtype == _C.bool
    if bool_tensor and not optional:  # PyTorch's parser takes it, then fails an internal check
        raise RuntimeError(f"{fn}(): argument '{arg}' (position {pos}): a bool tensor is not an int")
    i = None if bool_tensor else _index(v, not optional)
    if i is None:
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be int, not {type(v).__name__}")
    if not _INT64_MIN <= i <= _INT64_MAX:
        raise ValueError(f"{fn}(): argument '{arg}' (position {pos}): {i} does not fit in int64")
    return i


def _int_list(v, fn, arg, pos, n=None):
    """A tuple-of-ints argument as a list; with n, a single int also stands for n copies of itself."""
    if n is not None:
        i = _index(v)
        if i is not None:
            if not _INT64_MIN <= i <= _INT64_MAX:
                raise ValueError(f"{fn}(): argument '{arg}' (position {pos}): {i} does not fit in int64")
            return [i] * n
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be tuple of ints, not {type(v).__name__}")
    out = []
    for k, e in enumerate(v):
        i = _index(e)
        if i is None:
            raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be tuple of ints, but found element of "
                            f"type {type(e).__name__} at pos {k}")
        if not _INT64_MIN <= i <= _INT64_MAX:
            raise TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos {k + 1}: {i} does not fit "
                            "in int64")
        out.append(i)
    return out


def _bool_arg(v, fn, arg, pos):
    if not isinstance(v, bool):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be bool, not {type(v).__name__}")
    return v


def _check_tensor(fn, input, arg="input", pos=1, optional=False):
    if not (isinstance(input, _C.Tensor) or optional and input is None):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(input).__name__}")


def _batched(fn, input, nd):
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
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pad, extra = [], []
    for i in range(nd):
        total = dilation[i] * (weight.shape[2 + i] - 1)
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


def _conv_args(fn, input, weight, bias):
    _check_tensor(fn, input)
    _check_tensor(fn, weight, "weight", 2)
    _check_tensor(fn, bias, "bias", 3, optional=True)


def _conv(fn, input, weight, bias, stride, padding, dilation, groups, nd):
    _conv_args(fn, input, weight, bias)
    stride = _int_list(stride, fn, "stride", 4, nd)
    if isinstance(padding, bytes):
        padding = padding.decode("latin-1")
    if not isinstance(padding, str):
        padding = _int_list(padding, fn, "padding", 5, nd)
    dilation = _int_list(dilation, fn, "dilation", 6, nd)
    groups = _int_arg(groups, fn, "groups", 7)
    x, unbatched = _batched(fn, input, nd)
    if isinstance(padding, str):
        if padding == "valid":
            padding = [0] * nd
        elif padding == "same":
            x, padding = _same_padding(x, weight, stride, dilation, nd)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    out = _C._convolution(x, weight, bias, stride, padding, dilation, False, [0] * nd, groups)
    return out.squeeze(0) if unbatched else out


@_op("aten::conv1d")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution over (N, C, L) or (C, L) inputs; padding may be an int, a tuple, 'valid' or 'same'."""
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


@_op("aten::conv2d")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution over (N, C, H, W) or (C, H, W) inputs (im2col + GEMM); padding as in conv1d."""
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def _conv_transpose(fn, input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    _conv_args(fn, input, weight, bias)
    stride = _int_list(stride, fn, "stride", 4, nd)
    padding = _int_list(padding, fn, "padding", 5, nd)
    output_padding = _int_list(output_padding, fn, "output_padding", 6, nd)
    groups = _int_arg(groups, fn, "groups", 7)
    dilation = _int_list(dilation, fn, "dilation", 8, nd)
    x, unbatched = _batched(fn, input, nd)
    out = _C._convolution(x, weight, bias, stride, padding, dilation, True, output_padding, groups)
    return out.squeeze(0) if unbatched else out


@_op("aten::conv_transpose1d")
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)


@_op("aten::conv_transpose2d")
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv2d (a "deconvolution"): weight is (C_in, C_out / groups, kH, kW)."""
    return _conv_transpose("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    fn = "convolution"
    _conv_args(fn, input, weight, bias)
    return _C._convolution(input, weight, bias, _int_list(stride, fn, "stride", 4),
                           _int_list(padding, fn, "padding", 5), _int_list(dilation, fn, "dilation", 6),
                           _bool_arg(transposed, fn, "transposed", 7),
                           _int_list(output_padding, fn, "output_padding", 8), _int_arg(groups, fn, "groups", 9))


# ---- pooling ------------------------------------------------------------------------------------
def _stride(stride, fn, n):
    """A pooling stride: None or () for the default (the kernel size)."""
    if stride is None or isinstance(stride, (tuple, list)) and len(stride) == 0:
        return []
    return _int_list(stride, fn, "stride", 3, n)


def _max_pool2d_args(fn, input, kernel_size, stride, padding, dilation, ceil_mode):
    _check_tensor(fn, input)
    return (_int_list(kernel_size, fn, "kernel_size", 2, 2), _stride(stride, fn, 2),
            _int_list(padding, fn, "padding", 4, 2), _int_list(dilation, fn, "dilation", 5, 2),
            _bool_arg(ceil_mode, fn, "ceil_mode", 6))


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    args = _max_pool2d_args("max_pool2d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode)
    return _C._max_pool2d_with_indices(input, *args)


@_op("aten::max_pool2d")
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over kH x kW windows of (N, C, H, W) or (C, H, W); with return_indices also the flat h * W + w
    index of each maximum in its plane."""
    args = _max_pool2d_args("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    out, idx = _C._max_pool2d_with_indices(input, *args)
    return (out, idx) if return_indices else out


def _check_1d_input(fn, input, max_style):
    if input.dim() not in (2, 3):
        if max_style:
            raise RuntimeError(f"{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                               f"input, but got:{list(input.shape)}")
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {fn})")


def _one(v, fn, arg, pos, max_style=False):
    """The single int of a 1-d pooling argument (an int or a one-element sequence)."""
    v = _int_list(v, fn, arg, pos, 1)
    if len(v) != 1:
        if max_style:
            raise RuntimeError(f"max_pool1d() {arg} must be an int, list of ints or tuple of ints of size 1 but got "
                               f"size {len(v)}")
        raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(v)})")
    return v[0]


def _pool1d_args(fn, input, kernel_size, stride, padding, max_style):
    """The checked (kernel, stride, padding) ints of a 1-d pool; the stride defaults to the kernel size."""
    _check_tensor(fn, input)
    k = _one(kernel_size, fn, "kernel_size", 2, max_style)
    s = _stride(stride, fn, 1)
    s = k if not s else _one(s, fn, "stride", 3, max_style)
    return k, s, _one(padding, fn, "padding", 4, max_style)


def _max_pool1d_args(fn, input, kernel_size, stride, padding, dilation, ceil_mode):
    """The checked (kernel, stride, padding, dilation, ceil_mode) of a 1-d max pool."""
    k, s, p = _pool1d_args(fn, input, kernel_size, stride, padding, True)
    d = _one(dilation, fn, "dilation", 5, True)
    ceil_mode = _bool_arg(ceil_mode, fn, "ceil_mode", 6)
    _check_1d_input("max_pool1d", input, True)
    return k, s, p, d, ceil_mode


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    k, s, p, d, ceil_mode = _max_pool1d_args("max_pool1d_with_indices", input, kernel_size, stride, padding,
                                             dilation, ceil_mode)
    out, idx = _C._max_pool2d_with_indices(input.unsqueeze(-2), [1, k], [1, s], [0, p], [1, d], ceil_mode)
    return out.squeeze(-2), idx.squeeze(-2)


@_op("aten::max_pool1d")
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    k, s, p, d, ceil_mode = _max_pool1d_args("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode)
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
    if not input.is_floating_point():  # PyTorch's kernel of this path is floating-point only
        raise NotImplementedError(f'"max_pool1d_impl" not implemented for \'{input.dtype._torch_name}\'')
    out, _ = _C._max_pool2d_with_indices(input.unsqueeze(-2), [1, k], [1, s], [0, p], [1, d], ceil_mode)
    return out.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over kH x kW windows; count_include_pad counts zero padding in the divisor, divisor_override
    replaces the divisor."""
    fn = "avg_pool2d"
    _check_tensor(fn, input)
    return _C._avg_pool2d(input, _int_list(kernel_size, fn, "kernel_size", 2, 2), _stride(stride, fn, 2),
                          _int_list(padding, fn, "padding", 4, 2), _bool_arg(ceil_mode, fn, "ceil_mode", 5),
                          _bool_arg(count_include_pad, fn, "count_include_pad", 6),
                          _int_arg(divisor_override, fn, "divisor_override", 7, optional=True))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    fn = "avg_pool1d"
    k, s, p = _pool1d_args(fn, input, kernel_size, stride, padding, False)
    ceil_mode = _bool_arg(ceil_mode, fn, "ceil_mode", 5)
    count_include_pad = _bool_arg(count_include_pad, fn, "count_include_pad", 6)
    _check_1d_input(fn, input, False)
    out = _C._avg_pool2d(input.unsqueeze(-2), [1, k], [1, s], [0, p], ceil_mode, count_include_pad, None)
    return out.squeeze(-2)


def _output_size(output_size, input, fn):
    """A 2-d adaptive pool's output_size as a list: an int, or a sequence whose None entries take the
    input's trailing sizes (it must be shorter than input.dim())."""
    if isinstance(output_size, int):  # a bool too: the list check below refuses it
        return _int_list(output_size, fn, "output_size", 2, 2)
    n = len(output_size)  # TypeError for what has no length, as PyTorch
    if n >= input.dim():
        raise ValueError(f"Input dimension should be at least {n + 1}")
    tail = list(input.shape)[input.dim() - n:]
    sizes = [tail[i] if v is None else v for i, v in enumerate(output_size)]
    return _int_list(sizes, fn, "output_size", 2, 2)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (window i spans floor(i*H/oH) to ceil((i+1)*H/oH))."""
    _check_tensor("adaptive_avg_pool2d", input)
    size = _output_size(output_size, input, "adaptive_avg_pool2d")
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if size[0] < 0 or size[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]}}}")
    if size == [1, 1] and input.dim() in (3, 4):
        return input.mean((-1, -2), keepdim=True)  # PyTorch's shortcut: the graph shows MeanBackward1
    return _C._adaptive_avg_pool2d(input, size)


def adaptive_avg_pool1d(input, output_size):
    fn = "adaptive_avg_pool1d"
    _check_tensor(fn, input)
    o = _one(output_size, fn, "output_size", 2)
    _check_1d_input(fn, input, False)
    return adaptive_avg_pool2d(input.unsqueeze(-2), [1, o]).squeeze(-2)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    _check_tensor("adaptive_max_pool2d", input)
    size = _output_size(output_size, input, "adaptive_max_pool2d")
    if len(size) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    return _C._adaptive_max_pool2d(input, size)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size; with return_indices also the flat index of each maximum."""
    out, idx = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    fn = "adaptive_max_pool1d"
    _check_tensor(fn, input)
    o = _one(output_size, fn, "output_size", 2)
    _check_1d_input(fn, input, False)
    out, idx = _C._adaptive_max_pool2d(input.unsqueeze(-2), [1, o])
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


def _adaptive_max_pool1d_pair(input, output_size):
    """smalltorch.adaptive_max_pool1d: PyTorch's top-level form returns (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


_adaptive_max_pool1d_pair.__name__ = _adaptive_max_pool1d_pair.__qualname__ = "adaptive_max_pool1d"
