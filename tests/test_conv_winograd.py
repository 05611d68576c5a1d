"""conv2d's Winograd F(4x4, 3x3) path (3x3 kernel, stride 1, dilation 1, one group): forward, input and
weight gradients against PyTorch and against our im2col + GEMM path over many shapes (odd sizes, padding 0..3, batch
1, tiles overhanging the output, 1..70 channels, float32 and float64), conv_transpose2d with stride 1 (its
forward is the same fold), gradcheck in float64, and the size rule that picks the path by default.

smalltorch._C._set_conv_winograd(mode) picks the path: -1 by size (the default), 0 never, 1 whenever it
applies; the tests force it on for small shapes and off for the reference."""

import numpy as np
import pytest

import smalltorch
import smalltorch.nn.functional as F
from smalltorch.autograd import gradcheck
from conftest import assert_close
from test_conv_pool import _compare, _conv_args, _conv_cases

_C = smalltorch._C


@pytest.fixture
def winograd():
    """Yields a setter for the path's mode (the direct path off, so the reference is im2col + GEMM); the defaults
    come back afterwards."""
    assert _C._conv_winograd() == -1 and _C._conv_direct() == -1
    _C._set_conv_direct(0)
    yield _C._set_conv_winograd
    _C._set_conv_winograd(-1)
    _C._set_conv_direct(-1)


# (batch, in channels, out channels, height, width, padding)
SHAPES = [
    (1, 1, 1, 3, 3, 0), (2, 3, 4, 7, 5, 1), (1, 2, 3, 9, 11, 2), (3, 5, 2, 6, 6, 0), (1, 4, 4, 13, 4, 1),
    (2, 2, 5, 5, 9, 3), (1, 3, 2, 4, 150, 1), (2, 17, 9, 10, 10, 1), (1, 70, 33, 12, 9, 1), (2, 16, 70, 8, 17, 0),
    (1, 64, 64, 32, 32, 1), (4, 8, 8, 21, 23, (0, 2)), (1, 1, 70, 5, 131, 1), (1, 33, 1, 3, 4, (1, 0)),
]
TOL = {np.float32: dict(rtol=2e-4, atol=2e-4), np.float64: dict(rtol=1e-10, atol=1e-10)}


def _arrays(shape, dtype, seed):
    n, ci, co, h, w, _ = shape
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, ci, h, w)).astype(dtype)
    wt = (rng.standard_normal((co, ci, 3, 3)) / np.sqrt(9 * ci)).astype(dtype)
    b = rng.standard_normal(co).astype(dtype)
    return x, wt, b


def _ours(x, w, b, padding, mode):
    """Output, input and weight gradients (for a fixed output gradient) of our conv2d with the path's mode set."""
    _C._set_conv_winograd(mode)
    sx, sw = smalltorch.tensor(x, requires_grad=True), smalltorch.tensor(w, requires_grad=True)
    y = F.conv2d(sx, sw, smalltorch.tensor(b), padding=padding)
    g = np.cos(np.arange(np.prod(y.shape))).reshape(tuple(y.shape)).astype(x.dtype)
    y.backward(smalltorch.tensor(g))
    return [y.detach().numpy(), sx.grad.numpy(), sw.grad.numpy()], g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", range(len(SHAPES)))
def test_forward_and_grads_match_torch_and_im2col(torch_ref, winograd, k, dtype):
    shape = SHAPES[k]
    x, w, b = _arrays(shape, dtype, k)
    wino, g = _ours(x, w, b, shape[5], 1)
    im2col, _ = _ours(x, w, b, shape[5], 0)
    tx, tw = torch_ref.tensor(x, requires_grad=True), torch_ref.tensor(w, requires_grad=True)
    ty = torch_ref.nn.functional.conv2d(tx, tw, torch_ref.tensor(b), padding=shape[5])
    ty.backward(torch_ref.tensor(g))
    ref = [ty.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()]
    # the weight gradient sums over every output position: its error grows with its size
    scale = [1, 1, max(1.0, np.abs(ref[2]).max())]
    for a, c, r, s in zip(wino, im2col, ref, scale):
        tol = dict(rtol=TOL[dtype]["rtol"], atol=TOL[dtype]["atol"] * s)
        assert_close(a, r, **tol)
        assert_close(c, r, **tol)
        assert_close(a, c, **tol)


@pytest.mark.parametrize("padding", [0, 1, 2, 3])
def test_conv_transpose2d_stride_1(torch_ref, winograd, padding):
    # conv_transpose2d's forward is the fold conv2d's input gradient uses (padding 3: the input is cropped)
    rng = np.random.default_rng(padding)
    x = rng.standard_normal((2, 6, 9, 11))
    w = rng.standard_normal((6, 5, 3, 3))
    winograd(1)
    out = F.conv_transpose2d(smalltorch.tensor(x), smalltorch.tensor(w), padding=padding)
    ref = torch_ref.nn.functional.conv_transpose2d(torch_ref.tensor(x), torch_ref.tensor(w), padding=padding)
    assert_close(out, ref.numpy(), rtol=1e-10, atol=1e-10)
    # and its input gradient is a forward convolution
    _compare(torch_ref, "conv_transpose2d", [x, w], {"padding": padding}, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_gradcheck_float64(winograd, padding):
    winograd(1)
    rng = np.random.default_rng(7 + padding)
    x = smalltorch.tensor(rng.standard_normal((2, 3, 6, 7)), requires_grad=True)
    w = smalltorch.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    b = smalltorch.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=padding), (x, w, b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(24))
def test_conv_pool_cases_with_the_path_forced(torch_ref, winograd, i, dtype):
    # test_conv_pool's seeded conv2d cases again, every 3x3 / stride 1 one on the Winograd path
    winograd(1)
    c = _conv_cases(24, 2, False, 11)[i]
    arrays, kw = _conv_args(c, dtype, i)
    _compare(torch_ref, "conv2d", arrays, kw, rtol=1e-4 if dtype == np.float32 else 1e-10,
             atol=1e-4 if dtype == np.float32 else 1e-10)


def test_path_is_not_taken_where_it_does_not_apply(torch_ref, winograd):
    # stride 2, dilation 2, groups 2 and a 3x2 kernel fall back to im2col even when forced
    winograd(1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 12, 12))
    for kw, wshape in [({"stride": 2}, (4, 4, 3, 3)), ({"dilation": 2}, (4, 4, 3, 3)), ({"groups": 2}, (4, 2, 3, 3)),
                       ({}, (4, 4, 3, 2))]:
        w = rng.standard_normal(wshape)
        _compare(torch_ref, "conv2d", [x, w], kw, rtol=1e-10, atol=1e-10)


def test_default_mode_and_size_rule(torch_ref):
    # by default large enough convolutions take the path; their float32 results stay close to PyTorch's
    assert _C._conv_winograd() == -1
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 64, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((64, 64, 3, 3)) * 0.1).astype(np.float32)
    ours = F.conv2d(smalltorch.tensor(x), smalltorch.tensor(w), padding=1)
    ref = torch_ref.nn.functional.conv2d(torch_ref.tensor(x), torch_ref.tensor(w), padding=1)
    assert_close(ours, ref.numpy(), rtol=1e-4, atol=2e-4)
    _C._set_conv_winograd(0)
    try:
        off = F.conv2d(smalltorch.tensor(x), smalltorch.tensor(w), padding=1)
    finally:
        _C._set_conv_winograd(-1)
    assert not np.array_equal(ours.numpy(), off.numpy())  # a different summation order: the path was taken
    assert_close(ours, off.numpy(), rtol=1e-4, atol=2e-4)
