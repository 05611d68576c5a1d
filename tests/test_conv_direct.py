"""The direct float32 convolution (stride 1, few channels; kernels/conv_direct.cpp): forward, input and weight
gradients against PyTorch and against our im2col + GEMM path for LeNet's convolutions and for seeded random
conv1d / conv2d / conv_transpose2d cases with groups, dilation and padding (stride-1 ones take the path when it is
forced on), and the default rule, which takes it for LeNet's shapes.

smalltorch._C._set_conv_direct(mode) picks the path: -1 by size (the default), 0 never, 1 whenever it applies to
a float32 convolution. Winograd is switched off here so that the reference is im2col + GEMM."""

import numpy as np
import pytest

import smalltorch
import smalltorch.nn.functional as F
from conftest import assert_close
from test_conv_pool import _compare, _conv_args, _conv_cases

_C = smalltorch._C


@pytest.fixture
def direct():
    """Yields a setter for the path's mode (Winograd off meanwhile); the defaults come back afterwards."""
    assert _C._conv_direct() == -1 and _C._conv_winograd() == -1
    _C._set_conv_winograd(0)
    yield _C._set_conv_direct
    _C._set_conv_direct(-1)
    _C._set_conv_winograd(-1)


def _run(x, w, b, kw, mode, fn="conv2d"):
    """Output, input, weight and bias gradients of F.<fn> for a fixed output gradient, with the path's mode set."""
    _C._set_conv_direct(mode)
    sx, sw = smalltorch.tensor(x, requires_grad=True), smalltorch.tensor(w, requires_grad=True)
    sb = smalltorch.tensor(b, requires_grad=True)
    y = getattr(F, fn)(sx, sw, sb, **kw)
    g = np.cos(np.arange(np.prod(y.shape))).reshape(tuple(y.shape)).astype(np.float32)
    y.backward(smalltorch.tensor(g))
    return [y.detach().numpy(), sx.grad.numpy(), sw.grad.numpy(), sb.grad.numpy()], g


# (batch, in channels, out channels, height, width, kernel, padding, dilation, groups): LeNet's two convolutions,
# a batch of 19 (the weight gradient sums 8 samples per table call), a 2x3 kernel, dilation, groups, 33 outputs
SHAPES = [
    (4, 1, 6, 28, 28, 5, 2, 1, 1), (19, 6, 16, 14, 14, 5, 0, 1, 1), (2, 3, 5, 7, 9, (2, 3), (1, 2), 1, 1),
    (2, 2, 7, 8, 8, 3, 2, 2, 1), (3, 4, 6, 6, 11, 3, 1, 1, 2), (1, 3, 33, 5, 40, (1, 4), (0, 1), 1, 1),
]


@pytest.mark.parametrize("k", range(len(SHAPES)))
def test_forward_and_grads_match_torch_and_im2col(torch_ref, direct, k):
    n, ci, co, h, w_, ks, pad, dil, groups = SHAPES[k]
    ks = ks if isinstance(ks, tuple) else (ks, ks)
    rng = np.random.default_rng(k)
    x = rng.standard_normal((n, ci, h, w_)).astype(np.float32)
    w = rng.standard_normal((co, ci // groups, *ks)).astype(np.float32)
    b = rng.standard_normal(co).astype(np.float32)
    kw = dict(padding=pad, dilation=dil, groups=groups)
    ours, g = _run(x, w, b, kw, 1)
    im2col, _ = _run(x, w, b, kw, 0)
    tx, tw, tb = (torch_ref.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch_ref.nn.functional.conv2d(tx, tw, tb, **kw)
    ty.backward(torch_ref.tensor(g))
    ref = [ty.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()]
    for a, c, r in zip(ours, im2col, ref):
        scale = max(1.0, float(np.abs(r).max()))  # sums over many positions: their error grows with their size
        assert_close(a, r, rtol=1e-4, atol=1e-4 * scale)
        assert_close(c, r, rtol=1e-4, atol=1e-4 * scale)


@pytest.mark.parametrize("fn, dims, count, seed", [("conv2d", 2, 24, 11), ("conv1d", 1, 16, 12)])
def test_conv_pool_cases_with_the_path_forced(torch_ref, direct, fn, dims, count, seed):
    # test_conv_pool's seeded cases again, every stride-1 one on the direct path
    direct(1)
    for i, c in enumerate(_conv_cases(count, dims, False, seed)):
        arrays, kw = _conv_args(c, np.float32, i)
        _compare(torch_ref, fn, arrays, kw, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding", [0, 1, 2, 3])
def test_conv_transpose2d_stride_1(torch_ref, direct, padding):
    # conv_transpose2d's forward is the adjoint convolution conv2d's input gradient uses; padding 3 of a 3x3
    # kernel would crop, so that one falls back to col2im
    direct(1)
    rng = np.random.default_rng(padding)
    x = rng.standard_normal((3, 6, 9, 11)).astype(np.float32)
    w = rng.standard_normal((6, 5, 3, 3)).astype(np.float32)
    _compare(torch_ref, "conv_transpose2d", [x, w], {"padding": padding}, rtol=1e-4, atol=1e-4)


def test_default_rule_takes_lenets_convolutions(torch_ref):
    # LeNet's second convolution takes the path by default: its result is the forced one's, bit for bit, and its
    # weight gradient is summed in another order than im2col's
    assert _C._conv_direct() == -1
    n, ci, co, h, w_, ks, pad, dil, groups = SHAPES[1]
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n, ci, h, w_)).astype(np.float32)
    w = rng.standard_normal((co, ci, ks, ks)).astype(np.float32)
    b = rng.standard_normal(co).astype(np.float32)
    try:
        default, _ = _run(x, w, b, {}, -1)
        forced, _ = _run(x, w, b, {}, 1)
        off, _ = _run(x, w, b, {}, 0)
    finally:
        _C._set_conv_direct(-1)
    for a, c in zip(default, forced):
        assert np.array_equal(a, c)
    assert not np.array_equal(default[2], off[2])
    assert_close(default[2], off[2], rtol=1e-4, atol=1e-3)


def test_float64_never_takes_the_path(direct):
    # forced on, a float64 convolution still runs im2col + GEMM: the same bits as with the path off
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((3, 2, 9, 9)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    on, _ = _run(x, w, b, {"padding": 1}, 1)
    off, _ = _run(x, w, b, {"padding": 1}, 0)
    for a, c in zip(on, off):
        assert np.array_equal(a, c)
