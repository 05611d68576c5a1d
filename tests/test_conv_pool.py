"""Convolution and pooling (functional, top-level and nn modules) against PyTorch: values and
gradients over many seeded parameter combinations, gradcheck in float64, node names, module
repr / state_dict / initialisation, and errors (exception class and message)."""

import math
import random

import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.nn.functional as F
from smalltorch.autograd import gradcheck
from conftest import assert_close, to_np


def _pair(lib, arrays, requires_grad=True):
    return [None if a is None else lib.tensor(a, requires_grad=requires_grad) for a in arrays]


def _compare(torch_ref, fn_name, arrays, kwargs, rtol=1e-5, atol=1e-5, grad=True, n_out=1):
    """Runs F.<fn_name>(*arrays, **kwargs) in both libraries; compares outputs and input gradients."""
    tF = torch_ref.nn.functional
    s_in = _pair(smalltorch, arrays, grad)
    t_in = _pair(torch_ref, arrays, grad)
    s_out = getattr(F, fn_name)(*s_in, **kwargs)
    t_out = getattr(tF, fn_name)(*t_in, **kwargs)
    if isinstance(t_out, tuple):
        assert_close(s_out[1], t_out[1].numpy())  # indices
        s_out, t_out = s_out[0], t_out[0]
    assert_close(s_out, t_out.detach().numpy(), rtol=rtol, atol=atol)
    if not grad:
        return
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(arrays[0].dtype)
    s_out.backward(smalltorch.tensor(g))
    t_out.backward(torch_ref.tensor(g))
    for s, t in zip(s_in, t_in):
        if s is not None:
            assert_close(s.grad, t.grad.numpy(), rtol=rtol, atol=atol)


def _conv_cases(n, dims, transposed, seed):
    rnd = random.Random(seed)
    cases = []
    while len(cases) < n:
        groups = rnd.choice([1, 1, 2, 3])
        cin = groups * rnd.randint(1, 3)
        cout = groups * rnd.randint(1, 3)
        k = [rnd.randint(1, 4) for _ in range(dims)]
        s = [rnd.randint(1, 3) for _ in range(dims)]
        d = [rnd.randint(1, 2) for _ in range(dims)]
        p = [rnd.randint(0, 2) for _ in range(dims)]
        size = [rnd.randint(1, 9) for _ in range(dims)]
        if transposed:
            op = [rnd.randint(0, max(s[i], d[i]) - 1) for i in range(dims)]
            outs = [(size[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1 for i in range(dims)]
            if min(outs) <= 0:
                continue
            wshape = (cin, cout // groups, *k)
        else:
            op = None
            if any(size[i] + 2 * p[i] < d[i] * (k[i] - 1) + 1 for i in range(dims)):
                continue
            wshape = (cout, cin // groups, *k)
        cases.append(dict(n=rnd.randint(1, 3), cin=cin, cout=cout, wshape=wshape, size=size, stride=s, padding=p,
                          dilation=d, groups=groups, bias=rnd.random() < 0.7, output_padding=op,
                          scalar_args=rnd.random() < 0.3))
    return cases


def _conv_args(c, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((c["n"], c["cin"], *c["size"])).astype(dtype)
    w = rng.standard_normal(c["wshape"]).astype(dtype)
    b = rng.standard_normal(c["cout"]).astype(dtype) if c["bias"] else None
    one = c["scalar_args"] and len(set(c["stride"])) == 1 and len(set(c["padding"])) == 1
    kw = dict(stride=c["stride"][0] if one else tuple(c["stride"]),
              padding=c["padding"][0] if one else tuple(c["padding"]),
              dilation=tuple(c["dilation"]), groups=c["groups"])
    if c["output_padding"] is not None:
        kw["output_padding"] = tuple(c["output_padding"])
    return [x, w, b], kw


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(24))
def test_conv2d_matches_torch(torch_ref, i, dtype):
    c = _conv_cases(24, 2, False, 11)[i]
    arrays, kw = _conv_args(c, dtype, i)
    _compare(torch_ref, "conv2d", arrays, kw, rtol=1e-4 if dtype == np.float32 else 1e-10,
             atol=1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("i", range(16))
def test_conv1d_matches_torch(torch_ref, i):
    c = _conv_cases(16, 1, False, 12)[i]
    arrays, kw = _conv_args(c, np.float64, i)
    _compare(torch_ref, "conv1d", arrays, kw, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(20))
def test_conv_transpose2d_matches_torch(torch_ref, i, dtype):
    c = _conv_cases(20, 2, True, 13)[i]
    arrays, kw = _conv_args(c, dtype, i)
    _compare(torch_ref, "conv_transpose2d", arrays, kw, rtol=1e-4 if dtype == np.float32 else 1e-10,
             atol=1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("i", range(8))
def test_conv_transpose1d_matches_torch(torch_ref, i):
    c = _conv_cases(8, 1, True, 14)[i]
    arrays, kw = _conv_args(c, np.float64, i)
    _compare(torch_ref, "conv_transpose1d", arrays, kw, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("fn,x_shape,w_shape,kw", [
    ("conv2d", (3, 7, 6), (4, 3, 3, 3), {}),  # unbatched
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 2), {"padding": "same"}),
    ("conv2d", (2, 3, 7, 6), (4, 3, 4, 3), {"padding": "same", "dilation": (1, 2)}),  # even kernel: odd total
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 3), {"padding": "valid"}),
    ("conv1d", (3, 9), (2, 3, 4), {"padding": "same"}),
    ("conv1d", (2, 4, 9), (4, 1, 3), {"groups": 4, "padding": "same"}),  # depthwise
    ("conv2d", (0, 3, 5, 5), (4, 3, 3, 3), {}),  # empty batch
    ("conv2d", (2, 6, 5, 5), (6, 3, 1, 1), {"groups": 2}),  # 1x1 (no im2col)
    ("conv_transpose2d", (3, 4, 4), (3, 2, 3, 3), {"stride": 2}),
    ("conv_transpose2d", (2, 4, 3, 3), (4, 1, 1, 1), {"groups": 2}),
])
def test_conv_special_forms(torch_ref, fn, x_shape, w_shape, kw):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    _compare(torch_ref, fn, [x, w], kw, rtol=1e-10, atol=1e-10)


def test_conv_noncontiguous_inputs(torch_ref):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((3, 4, 3, 3))
    sx, sw = smalltorch.tensor(x), smalltorch.tensor(w)
    out = F.conv2d(sx.transpose(2, 3), sw.transpose(0, 1), stride=(2, 1), padding=1)
    ref = torch_ref.nn.functional.conv2d(torch_ref.tensor(x).transpose(2, 3), torch_ref.tensor(w).transpose(0, 1),
                                         stride=(2, 1), padding=1)
    assert_close(out, ref.numpy(), rtol=1e-10, atol=1e-10)
    # a non-contiguous gradient reaching the node (from a transpose after the conv)
    sx.requires_grad_()
    tx = torch_ref.tensor(x, requires_grad=True)
    F.conv2d(sx, sw[:, :3]).transpose(1, 3).sum().backward()
    torch_ref.nn.functional.conv2d(tx, torch_ref.tensor(w)[:, :3]).transpose(1, 3).sum().backward()
    assert_close(sx.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-10)


def _pool_cases(n, seed, kind):
    rnd = random.Random(seed)
    cases = []
    while len(cases) < n:
        k = [rnd.randint(1, 4), rnd.randint(1, 4)]
        s = [rnd.randint(1, 3), rnd.randint(1, 3)]
        d = [rnd.randint(1, 2), rnd.randint(1, 2)] if kind == "max" else [1, 1]
        p = [rnd.randint(0, k[i] // 2) for i in range(2)]
        size = [rnd.randint(1, 9), rnd.randint(1, 9)]
        ceil = rnd.random() < 0.4
        outs = []
        for i in range(2):
            o = (size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1 + (s[i] - 1 if ceil else 0)) // s[i] + 1
            if ceil and (o - 1) * s[i] >= size[i] + p[i]:
                o -= 1
            outs.append(o)
        if min(outs) < 1:
            continue
        kw = dict(kernel_size=tuple(k), stride=tuple(s), padding=tuple(p), ceil_mode=ceil)
        if kind == "max":
            kw["dilation"] = tuple(d)
            kw["return_indices"] = rnd.random() < 0.5
        else:
            kw["count_include_pad"] = rnd.random() < 0.5
            if rnd.random() < 0.25:
                kw["divisor_override"] = rnd.randint(1, 5)
        cases.append(((rnd.randint(1, 2), rnd.randint(1, 3), *size), kw))
    return cases


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(24))
def test_max_pool2d_matches_torch(torch_ref, i, dtype):
    shape, kw = _pool_cases(24, 21, "max")[i]
    x = np.random.default_rng(i).permutation(np.prod(shape)).reshape(shape).astype(dtype)  # no ties
    _compare(torch_ref, "max_pool2d", [x], kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(24))
def test_avg_pool2d_matches_torch(torch_ref, i, dtype):
    shape, kw = _pool_cases(24, 22, "avg")[i]
    x = np.random.default_rng(i).standard_normal(shape).astype(dtype)
    _compare(torch_ref, "avg_pool2d", [x], kw)


@pytest.mark.parametrize("i", range(12))
def test_pool1d_matches_torch(torch_ref, i):
    rnd = random.Random(100 + i)
    k = rnd.randint(1, 4)
    s = rnd.randint(1, 3)
    p = rnd.randint(0, k // 2)
    n = rnd.randint(k, 10)
    shape = (2, 3, n) if i % 3 else (3, n)
    x = np.random.default_rng(i).permutation(np.prod(shape)).reshape(shape).astype(np.float64)
    ceil = bool(i % 2)
    _compare(torch_ref, "max_pool1d", [x], dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil,
                                                return_indices=bool(i % 4 == 1)))
    _compare(torch_ref, "avg_pool1d", [x], dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil,
                                                count_include_pad=bool(i % 3)))


@pytest.mark.parametrize("shape,out", [((2, 3, 7, 5), (3, 2)), ((2, 3, 7, 5), 4), ((3, 8, 8), (2, None)),
                                       ((1, 2, 5, 6), (5, 6)), ((1, 2, 5, 6), (7, 9)), ((2, 2, 6, 6), 1),
                                       ((2, 2, 6, 6), (1, 3))])
def test_adaptive_pool2d_matches_torch(torch_ref, shape, out):
    x = np.random.default_rng(0).permutation(np.prod(shape)).reshape(shape).astype(np.float64)
    _compare(torch_ref, "adaptive_avg_pool2d", [x], dict(output_size=out))
    _compare(torch_ref, "adaptive_max_pool2d", [x], dict(output_size=out, return_indices=True))


@pytest.mark.parametrize("shape,out", [((2, 3, 7), 3), ((3, 8), 5), ((2, 3, 7), 1), ((1, 2, 4), (6,))])
def test_adaptive_pool1d_matches_torch(torch_ref, shape, out):
    x = np.random.default_rng(0).permutation(np.prod(shape)).reshape(shape).astype(np.float64)
    _compare(torch_ref, "adaptive_avg_pool1d", [x], dict(output_size=out))
    _compare(torch_ref, "adaptive_max_pool1d", [x], dict(output_size=out, return_indices=True))


def test_max_pool_nan_and_ties_and_ints(torch_ref):
    x = np.array([[[[1.0, np.nan, 3.0, 3.0], [2.0, 2.0, -np.inf, 0.0]]]])
    for kw in [dict(kernel_size=2), dict(kernel_size=(1, 2), stride=1), dict(kernel_size=2, padding=1)]:
        s_out, s_idx = F.max_pool2d(smalltorch.tensor(x), return_indices=True, **kw)
        t_out, t_idx = torch_ref.nn.functional.max_pool2d(torch_ref.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(to_np(s_out), t_out.numpy())
        np.testing.assert_array_equal(to_np(s_idx), t_idx.numpy())
    xi = np.arange(24).reshape(1, 2, 3, 4)[..., ::-1].copy()
    np.testing.assert_array_equal(to_np(F.max_pool2d(smalltorch.tensor(xi), 2, ceil_mode=True)),
                                  torch_ref.nn.functional.max_pool2d(torch_ref.tensor(xi), 2, ceil_mode=True).numpy())


# ---- gradcheck in float64 -------------------------------------------------------------------
def _t(shape, seed=0):
    return smalltorch.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("name,fn,shapes", [
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2)),
     [(2, 2, 5, 6), (3, 2, 2, 3), (3,)]),
    ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2), [(1, 4, 4, 4), (4, 2, 3, 3), (4,)]),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2), [(2, 3, 9), (2, 3, 3), (2,)]),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                                            groups=2, dilation=(1, 2)),
     [(1, 4, 3, 3), (4, 1, 3, 2), (2,)]),
])
def test_conv_gradcheck(name, fn, shapes):
    assert gradcheck(fn, [_t(s, i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name,fn,shape", [
    ("max_pool2d", lambda x: F.max_pool2d(x, (2, 3), stride=(1, 2), padding=1, dilation=(2, 1), ceil_mode=True),
     (2, 2, 6, 7)),
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, stride=2, padding=1), (2, 3, 8)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (2, 2, 6, 7)),
    ("avg_pool2d_div", lambda x: F.avg_pool2d(x, 2, divisor_override=3), (1, 2, 4, 5)),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 3, stride=1, padding=1), (2, 9)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (2, 2, 7, 5)),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 4), (2, 2, 7)),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2)), (2, 2, 7, 5)),
])
def test_pool_gradcheck(name, fn, shape):
    assert gradcheck(fn, [_t(shape)])


def test_double_backward_is_refused_clearly():
    x, w = _t((1, 1, 4, 4)), _t((1, 1, 2, 2), 1)
    out = F.conv2d(x, w)
    with pytest.raises(RuntimeError, match="double backward of convolution"):
        smalltorch.autograd.grad(out, [x], smalltorch.ones_like(out, requires_grad=True), create_graph=True)
    p = F.max_pool2d(x, 2)
    with pytest.raises(RuntimeError, match="double backward of MaxPool2DWithIndicesBackward0"):
        smalltorch.autograd.grad(p, [x], smalltorch.ones_like(p, requires_grad=True), create_graph=True)


# ---- node names -----------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    "conv2d(x4, w4)", "conv2d(x4[0], w4)", "conv1d(x3, w3)", "conv_transpose2d(x4, w4.transpose(0, 1))",
    "max_pool2d(x4, 2)", "max_pool2d(x4[0], 2)", "max_pool1d(x3, 2)", "avg_pool2d(x4, 2)", "avg_pool1d(x3, 2)",
    "adaptive_avg_pool2d(x4, 3)", "adaptive_avg_pool2d(x4, 1)", "adaptive_avg_pool1d(x3, 3)",
    "adaptive_max_pool2d(x4, 3)", "max_pool2d(x4, 2, return_indices=True)[0]",
])
def test_grad_fn_names(torch_ref, call):
    def run(lib, Fn):
        env = dict(x4=lib.ones(2, 3, 6, 6, requires_grad=True), w4=lib.ones(3, 3, 3, 3, requires_grad=True),
                   x3=lib.ones(2, 3, 6, requires_grad=True), w3=lib.ones(4, 3, 3, requires_grad=True))
        return type(eval("Fn." + call, {"Fn": Fn}, env).grad_fn).__name__
    assert run(smalltorch, F) == run(torch_ref, torch_ref.nn.functional)


def test_saved_fields_of_convolution_node(torch_ref):
    def fields(lib, Fn):
        x = lib.ones(1, 2, 5, 5, requires_grad=True)
        w = lib.ones(4, 1, 3, 3, requires_grad=True)
        fn = Fn.conv2d(x, w, lib.ones(4), stride=2, padding=1, groups=2).grad_fn
        return (list(fn._saved_stride), list(fn._saved_padding), list(fn._saved_dilation), fn._saved_groups,
                fn._saved_transposed, list(fn._saved_output_padding), tuple(fn._saved_weight.shape))
    assert fields(smalltorch, F) == fields(torch_ref, torch_ref.nn.functional)


# ---- top-level names ------------------------------------------------------------------------
def test_top_level_functions(torch_ref):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8))
    w = rng.standard_normal((4, 3, 3))
    for name, args in [("conv1d", (w,)), ("max_pool1d", (2,)), ("avg_pool1d", (3,)), ("adaptive_avg_pool1d", (3,)),
                       ("max_pool1d_with_indices", (2,)), ("adaptive_max_pool1d", (3,))]:
        s = getattr(smalltorch, name)(smalltorch.tensor(x), *[smalltorch.tensor(a) if isinstance(a, np.ndarray)
                                                             else a for a in args])
        t = getattr(torch_ref, name)(torch_ref.tensor(x), *[torch_ref.tensor(a) if isinstance(a, np.ndarray)
                                                           else a for a in args])
        for a, b in zip(s if isinstance(s, tuple) else [s], t if isinstance(t, tuple) else [t]):
            assert_close(a, b.numpy(), rtol=1e-10, atol=1e-10)
    x4 = rng.standard_normal((1, 3, 6, 6))
    w4 = rng.standard_normal((3, 2, 3, 3))
    for name, args in [("conv2d", (w4.transpose(1, 0, 2, 3).copy(),)), ("conv_transpose2d", (w4,)),
                       ("max_pool2d", (2,))]:
        s = getattr(smalltorch, name)(smalltorch.tensor(x4), *[smalltorch.tensor(a) if isinstance(a, np.ndarray)
                                                              else a for a in args])
        t = getattr(torch_ref, name)(torch_ref.tensor(x4), *[torch_ref.tensor(a) if isinstance(a, np.ndarray)
                                                            else a for a in args])
        assert_close(s, t.numpy(), rtol=1e-10, atol=1e-10)
    s = smalltorch.convolution(smalltorch.tensor(x4), smalltorch.tensor(w4), None, [1, 1], [1, 1], [1, 1], True,
                               [0, 0], 1)
    t = torch_ref.convolution(torch_ref.tensor(x4), torch_ref.tensor(w4), None, [1, 1], [1, 1], [1, 1], True,
                              [0, 0], 1)
    assert_close(s, t.numpy(), rtol=1e-10, atol=1e-10)


# ---- modules --------------------------------------------------------------------------------
MODULES = [
    "Conv2d(3, 4, 3)", "Conv2d(3, 4, (3, 5), stride=2, padding=1, dilation=2, bias=False)",
    "Conv2d(4, 8, 3, padding='same', groups=2)", "Conv2d(3, 6, 1, padding='valid')",
    "Conv2d(2, 2, 3, padding_mode='reflect')",
    "Conv1d(3, 6, 3, groups=3, padding='same')", "Conv1d(2, 5, 4, stride=3, padding=2, dilation=1)",
    "ConvTranspose2d(3, 4, 3, stride=2, output_padding=1)", "ConvTranspose2d(4, 2, (2, 3), groups=2, dilation=2)",
    "ConvTranspose1d(3, 4, 3, stride=2, padding=1, bias=False)",
    "MaxPool2d(2)", "MaxPool2d((3, 2), stride=1, padding=1, dilation=(1, 2), ceil_mode=True)",
    "MaxPool1d(3, 2, 1, ceil_mode=True)", "MaxPool2d(2, return_indices=True)",
    "AvgPool2d(2)", "AvgPool2d(3, stride=2, padding=1, count_include_pad=False, divisor_override=2)",
    "AvgPool1d(3)", "AvgPool1d(4, 2, 1, ceil_mode=True)",
    "AdaptiveAvgPool2d((2, 3))", "AdaptiveAvgPool2d(5)", "AdaptiveAvgPool2d((None, 3))", "AdaptiveAvgPool1d(4)",
    "AdaptiveMaxPool2d(3)", "AdaptiveMaxPool2d((2, 2), return_indices=True)", "AdaptiveMaxPool1d(2)",
]


@pytest.mark.parametrize("expr", MODULES)
def test_module_repr_and_state_dict(torch_ref, expr):
    s = eval("nn." + expr)
    t = eval("torch_ref.nn." + expr)
    assert repr(s) == repr(t)
    assert list(s.state_dict()) == list(t.state_dict())
    assert [tuple(v.shape) for v in s.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]
    for attr in ("kernel_size", "stride", "padding", "dilation", "output_padding", "groups", "ceil_mode",
                 "count_include_pad", "divisor_override", "output_size", "return_indices", "padding_mode",
                 "_reversed_padding_repeated_twice", "in_channels", "out_channels", "transposed"):
        if hasattr(t, attr):
            assert getattr(s, attr) == getattr(t, attr), attr


@pytest.mark.parametrize("expr,shape", [
    ("Conv2d(3, 4, 3)", (2, 3, 7, 7)), ("Conv2d(4, 8, 3, padding='same', groups=2)", (4, 6, 5)),
    ("Conv1d(3, 6, 3, groups=3, padding='same')", (2, 3, 9)),
    ("ConvTranspose2d(3, 4, 3, stride=2, output_padding=1)", (1, 3, 4, 5)),
    ("ConvTranspose1d(3, 4, 3, stride=2, padding=1, bias=False)", (2, 3, 6)),
    ("MaxPool2d((3, 2), stride=1, padding=1, dilation=(1, 2), ceil_mode=True)", (2, 3, 7, 7)),
    ("AvgPool2d(3, stride=2, padding=1, count_include_pad=False, divisor_override=2)", (2, 3, 7, 7)),
    ("AvgPool1d(4, 2, 1, ceil_mode=True)", (2, 3, 9)), ("AdaptiveAvgPool2d((None, 3))", (2, 3, 7, 7)),
    ("AdaptiveMaxPool1d(2)", (2, 3, 7)), ("MaxPool1d(3, 2, 1, ceil_mode=True)", (2, 3, 9)),
])
def test_module_outputs_with_copied_weights(torch_ref, expr, shape):
    s = eval("nn." + expr).double()
    t = eval("torch_ref.nn." + expr).double()
    s.load_state_dict({k: smalltorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape)
    sx = smalltorch.tensor(x, requires_grad=True)
    tx = torch_ref.tensor(x, requires_grad=True)
    so, to = s(sx), t(tx)
    assert_close(so, to.detach().numpy(), rtol=1e-10, atol=1e-10)
    so.sum().backward()
    to.sum().backward()
    assert_close(sx.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    for (n1, p1), (n2, p2) in zip(s.named_parameters(), t.named_parameters()):
        assert n1 == n2
        assert_close(p1.grad, p2.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv_transpose_output_size(torch_ref):
    s = nn.ConvTranspose2d(2, 3, 3, stride=2).double()
    t = torch_ref.nn.ConvTranspose2d(2, 3, 3, stride=2).double()
    s.load_state_dict({k: smalltorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    for size in [(9, 9), (10, 9), [1, 3, 10, 10]]:
        assert_close(s(smalltorch.tensor(x), output_size=size),
                     t(torch_ref.tensor(x), output_size=size).detach().numpy(), rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError):
        s(smalltorch.tensor(x), output_size=(12, 12))
    with pytest.raises(ValueError):
        t(torch_ref.tensor(x), output_size=(12, 12))


@pytest.mark.parametrize("expr", ["Conv2d(16, 8, 3)", "Conv1d(6, 4, 5, groups=2)", "ConvTranspose2d(8, 4, 3)"])
def test_default_initialisation(expr):
    """kaiming_uniform_(a=sqrt(5)) weight and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias, as PyTorch's."""
    smalltorch.manual_seed(0)
    m = eval("nn." + expr)
    w, b = to_np(m.weight), to_np(m.bias)
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    bound = 1 / math.sqrt(fan_in)  # gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound and w.std() > 0.4 * bound  # U(-b, b) has std b / sqrt(3)
    assert m.weight.dtype == smalltorch.float32
    assert nn.Conv2d(2, 2, 3, dtype=smalltorch.float64).weight.dtype == smalltorch.float64


def test_lenet_trains_like_torch(torch_ref):
    """A LeNet built from these layers: same loss and gradients as PyTorch's with the same weights."""
    def lenet(m):
        return m.Sequential(m.Conv2d(1, 6, 5, padding=2), m.ReLU(), m.MaxPool2d(2), m.Conv2d(6, 16, 5), m.ReLU(),
                            m.AvgPool2d(2), m.Flatten(), m.Linear(400, 120), m.ReLU(), m.Linear(120, 10))
    s, t = lenet(nn), lenet(torch_ref.nn)
    s.load_state_dict({k: smalltorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    ls = F.cross_entropy(s(smalltorch.tensor(x)), smalltorch.tensor(y))
    lt = torch_ref.nn.functional.cross_entropy(t(torch_ref.tensor(x)), torch_ref.tensor(y))
    ls.backward()
    lt.backward()
    assert abs(ls.item() - lt.item()) < 1e-5
    for (n1, p1), (n2, p2) in zip(s.named_parameters(), t.named_parameters()):
        assert_close(p1.grad, p2.grad.numpy(), rtol=1e-3, atol=1e-5)


def test_module_constructor_errors(torch_ref):
    for expr in ["Conv2d(3, 4, 3, groups=2)", "Conv2d(4, 3, 3, groups=2)", "Conv2d(4, 4, 3, groups=0)",
                 "Conv2d(3, 4, 3, padding='foo')", "Conv2d(3, 4, 3, padding='same', stride=2)",
                 "Conv2d(3, 4, 3, padding_mode='bad')", "ConvTranspose2d(3, 4, 3, padding_mode='reflect')"]:
        with pytest.raises(ValueError) as e_t:
            eval("torch_ref.nn." + expr)
        with pytest.raises(ValueError) as e_s:
            eval("nn." + expr)
        assert str(e_s.value) == str(e_t.value), expr


# ---- errors ---------------------------------------------------------------------------------
ERRORS = [
    "F.conv2d(x4[0, 0, 0], w4)", "F.conv2d(x4[0, 0], w4)", "F.conv2d(x4, w4[:, :2])", "F.conv2d(x4, w4, groups=2)",
    "F.conv2d(x4, lib.ones(4, 1, 3, 3), groups=3)", "F.conv2d(x4, lib.ones(4, 3, 9, 9))",
    "F.conv2d(x4, w4, lib.ones(3))", "F.conv2d(x4, w4, stride=0)", "F.conv2d(x4, w4, padding=-1)",
    "F.conv2d(x4, w4, dilation=0)", "F.conv2d(x4, w4, groups=0)", "F.conv2d(x4, w4.double())",
    "F.conv2d(x4.double(), w4)", "F.conv2d(x4, w4, lib.ones(4).double())", "F.conv2d(x4, w4, padding='same', stride=2)",
    "F.conv2d(x4, w4, padding='foo')", "F.conv2d(x4, w4, stride=(1, 1, 1))", "F.conv2d(x4, lib.ones(4, 3, 5))",
    "F.conv1d(x4, w4)", "F.conv1d(x4[0], lib.ones(4, 3, 9))", "F.conv_transpose2d(x4, w4)",
    "F.conv_transpose2d(x4, w4.transpose(0, 1), output_padding=2)",
    "F.conv_transpose2d(lib.ones(1, 2, 3, 3), lib.ones(2, 1, 1, 1), padding=2)",
    "F.conv2d(lib.ones(2, 3, 0, 8), w4)", "F.conv2d(x4, lib.ones(0, 3, 3, 3))",
    "F.max_pool2d(x4, 9)", "F.max_pool2d(x4, 3, padding=2)", "F.max_pool2d(x4, 0)", "F.max_pool2d(x4, 3, stride=0)",
    "F.max_pool2d(x4[0, 0, 0], 3)", "F.max_pool2d(lib.ones(2, 3, 0, 8), 3)", "F.max_pool2d(x4, 3, dilation=0)",
    "F.max_pool2d(x4, (3, 3, 3))", "F.max_pool2d(x4, 3, padding=-1)", "F.max_pool2d(x4, 3, stride=(1, 2, 3))",
    "F.avg_pool2d(x4, 9)", "F.avg_pool2d(x4, 3, padding=2)", "F.avg_pool2d(x4, 3, divisor_override=0)",
    "F.avg_pool2d(x4, 0)", "F.adaptive_avg_pool2d(x4, (1, 2, 3))", "F.adaptive_avg_pool2d(x4[0, 0, 0], 2)",
    "F.adaptive_avg_pool2d(x4, (-1, 2))", "F.adaptive_max_pool2d(x4[0, 0, 0], 2)",
    "F.adaptive_max_pool2d(x4.long(), 2)", "F.adaptive_avg_pool2d(x4.long(), 2)",
    "F.adaptive_avg_pool2d(lib.ones(2, 3, 0, 8), 2)", "F.adaptive_max_pool2d(x4, (1, 2, 3))",
    "F.max_pool1d(x3, 9)", "F.max_pool1d(x4, 2)", "F.max_pool1d(x3, 0)", "F.max_pool1d(x3, 2, stride=0)",
    "F.max_pool1d(x3, 3, padding=2)", "F.max_pool1d(x3, 3, padding=-1)", "F.max_pool1d(x3, 3, dilation=0)",
    "F.max_pool1d(x3, (2, 2))", "F.avg_pool1d(x4, 2)", "F.avg_pool1d(x3, 9)", "F.avg_pool1d(x3, (2, 2))",
    "F.adaptive_avg_pool1d(x4, 2)", "F.adaptive_avg_pool1d(x3, (2, 2))", "F.avg_pool1d(x3, 3, padding=2)",
    "F.max_pool1d(x3[0, 0], 2)", "F.max_pool2d(x4, (1, 3), padding=(0, 2), dilation=2)",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(torch_ref, expr):
    def run(lib, Fn):
        env = dict(lib=lib, F=Fn, x4=lib.ones(2, 3, 8, 8), w4=lib.ones(4, 3, 3, 3), x3=lib.ones(2, 3, 8))
        try:
            eval(expr, env)
        except Exception as e:  # noqa: BLE001 (comparing what each library raises)
            return type(e), str(e).split("\n")[0]
        return None, None
    t_cls, t_msg = run(torch_ref, torch_ref.nn.functional)
    s_cls, s_msg = run(smalltorch, F)
    assert t_cls is not None
    assert s_cls is not None and s_cls.__name__ == t_cls.__name__, (s_cls, s_msg, t_msg)
    assert s_msg == t_msg


class _BadIndex:
    def __index__(self):
        raise ValueError("no index")


# Values for an int / tuple-of-ints / bool argument, built for either library (a callable takes the module).
_ARG_VALUES = {
    "str": "ab", "bytes": b"ab", "dict": {1: 2}, "fn": len, "object": object(), "None": None, "float": 2.0,
    "complex": 1j, "bad_index": _BadIndex(), "bool": True, "neg": -1, "zero": 0, "big": 2 ** 70,
    "np_int": np.int64(2), "np_bool": np.bool_(True), "np_ints": np.array([2]), "np_strs": np.array(["a", "b"]),
    "list_mixed": [1, "a"], "list_float": [2.0], "list_bool": [True], "list_none": [None], "list_np": [np.int64(2)],
    "list3": [1, 1, 1], "list_big": [2, 2 ** 70], "tuple_empty": (),
    "t0int": lambda T: T.tensor(2), "t1int": lambda T: T.tensor([2]), "t2int": lambda T: T.tensor([2, 2]),
    "t0float": lambda T: T.tensor(2.0), "t0bool": lambda T: T.tensor(True), "list_t": lambda T: [T.tensor(2)],
}

# Each argument of each function in one position, the others valid (F: nn.functional; T: the top level).
_ARG_CALLS = {
    "max_pool1d kernel": lambda T, F, x1, x2, v: T.max_pool1d(x1, v),
    "max_pool1d stride": lambda T, F, x1, x2, v: T.max_pool1d(x1, 2, v),
    "max_pool1d ceil": lambda T, F, x1, x2, v: T.max_pool1d(x1, 2, 2, 0, 1, v),
    "max_pool1d_with_indices dilation": lambda T, F, x1, x2, v: T.max_pool1d_with_indices(x1, 2, 1, 0, v),
    "max_pool2d kernel": lambda T, F, x1, x2, v: T.max_pool2d(x2, v),
    "max_pool2d padding": lambda T, F, x1, x2, v: T.max_pool2d(x2, 3, 1, v),
    "max_pool2d ceil": lambda T, F, x1, x2, v: T.max_pool2d(x2, 2, 2, 0, 1, v),
    "avg_pool1d kernel": lambda T, F, x1, x2, v: T.avg_pool1d(x1, v),
    "avg_pool1d count_include_pad": lambda T, F, x1, x2, v: T.avg_pool1d(x1, 2, 2, 0, False, v),
    "F.avg_pool2d kernel": lambda T, F, x1, x2, v: F.avg_pool2d(x2, v),
    "F.avg_pool2d divisor": lambda T, F, x1, x2, v: F.avg_pool2d(x2, 2, divisor_override=v),
    "adaptive_avg_pool1d": lambda T, F, x1, x2, v: T.adaptive_avg_pool1d(x1, v),
    "adaptive_max_pool1d": lambda T, F, x1, x2, v: T.adaptive_max_pool1d(x1, v),
    "F.adaptive_avg_pool2d": lambda T, F, x1, x2, v: F.adaptive_avg_pool2d(x2, v),
    "F.adaptive_max_pool2d": lambda T, F, x1, x2, v: F.adaptive_max_pool2d(x2, v),
    "conv1d stride": lambda T, F, x1, x2, v: T.conv1d(x1, T.ones(4, 3, 3), None, v),
    "conv1d padding": lambda T, F, x1, x2, v: T.conv1d(x1, T.ones(4, 3, 3), None, 1, v),
    "conv1d groups": lambda T, F, x1, x2, v: T.conv1d(x1, T.ones(4, 3, 3), None, 1, 0, 1, v),
    "conv2d bias": lambda T, F, x1, x2, v: T.conv2d(x2, T.ones(4, 3, 3, 3), v),
    "conv2d dilation": lambda T, F, x1, x2, v: T.conv2d(x2, T.ones(4, 3, 3, 3), None, 1, 0, v),
    "conv_transpose1d output_padding": lambda T, F, x1, x2, v: T.conv_transpose1d(x1, T.ones(3, 4, 3), None, 2, 0,
                                                                                    v),
    "conv_transpose2d padding": lambda T, F, x1, x2, v: T.conv_transpose2d(x2, T.ones(3, 4, 3, 3), None, 1, v),
    "convolution stride": lambda T, F, x1, x2, v: T.convolution(x2, T.ones(4, 3, 3, 3), None, v, [0, 0], [1, 1],
                                                                False, [0, 0], 1),
    "convolution transposed": lambda T, F, x1, x2, v: T.convolution(x2, T.ones(4, 3, 3, 3), None, [1, 1], [0, 0],
                                                                    [1, 1], v, [0, 0], 1),
    "convolution groups": lambda T, F, x1, x2, v: T.convolution(x2, T.ones(4, 3, 3, 3), None, [1, 1], [0, 0],
                                                                [1, 1], False, [0, 0], v),
}


def _outcomes(T, F, call):
    x1, x2 = T.ones(2, 3, 8), T.ones(2, 3, 8, 8)
    out = {}
    for name, v in _ARG_VALUES.items():
        try:
            call(T, F, x1, x2, v(T) if callable(v) and not isinstance(v, type(len)) else v)
            out[name] = "ok"
        except Exception as e:  # noqa: BLE001 (the class is what is compared)
            out[name] = type(e).__name__
    return out


@pytest.mark.parametrize("call", list(_ARG_CALLS))
def test_argument_types_raise_like_torch(torch_ref, call):
    # PyTorch's argument parser: ints, numpy ints and one-element integer tensors are ints, bools and floats
    # are not; tuples of ints may not hold bools, floats, None or values beyond int64; bool arguments are bools
    ours = _outcomes(smalltorch, F, _ARG_CALLS[call])
    theirs = _outcomes(torch_ref, torch_ref.nn.functional, _ARG_CALLS[call])
    assert ours == theirs
