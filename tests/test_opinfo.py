"""Drives every OpInfo of every tests/opinfo_*.py module (see opinfo.py)."""

import glob
import importlib
import os
import warnings

import numpy as np
import pytest

import smalltorch
from opinfo import OpInfo  # noqa: F401

try:
    import torch
except ImportError:
    torch = None

_HERE = os.path.dirname(__file__)
OPS = []
for _path in sorted(glob.glob(os.path.join(_HERE, "opinfo_*.py"))):
    OPS.extend(importlib.import_module(os.path.basename(_path)[:-3]).OPS)

LAYOUTS = ("contiguous", "transposed", "strided")


def _to(T, x, layout, requires_grad=False):
    """Array -> tensor of library T with the same values in the given memory layout."""
    if not isinstance(x, np.ndarray):
        return x
    if layout == "transposed" and x.ndim >= 2:
        t = T.from_numpy(np.ascontiguousarray(x.transpose()).copy()).T
    elif layout == "strided" and x.ndim >= 1:
        wide = np.repeat(x, 2, axis=-1)
        t = T.from_numpy(np.ascontiguousarray(wide))[..., ::2]
    else:
        t = T.from_numpy(x.copy())
    if requires_grad:
        t = t.detach().requires_grad_(True)
    return t


def _np(x):
    if isinstance(x, (tuple, list)):
        return type(x)(_np(y) for y in x)
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _ids(op):
    return op.name


def _cases(kind):
    out = []
    for op in OPS:
        for dt in op.dtypes:
            if kind == "forward":
                for layout in LAYOUTS:
                    out.append(pytest.param(op, dt, layout, id=f"{op.name}-{dt}-{layout}"))
            else:
                out.append(pytest.param(op, dt, id=f"{op.name}-{dt}"))
    return out


@pytest.mark.parametrize("op,dtype,layout", _cases("forward"))
def test_forward(op, dtype, layout):
    rng = np.random.default_rng(0)
    for s in op.samples(np.dtype(dtype), rng):
        args = tuple(_to(smalltorch, a, layout) for a in s.args)
        got = op.op(smalltorch, *args, **s.kwargs)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            want = op.ref(*s.args, **s.kwargs)
        for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            g_np = _np(g)
            w_np = np.asarray(w)
            assert g_np.shape == w_np.shape, f"{op.name}: shape {g_np.shape} != {w_np.shape}"
            if g_np.dtype == np.bool_ or w_np.dtype == np.bool_:
                np.testing.assert_array_equal(g_np, w_np.astype(g_np.dtype))
            else:
                np.testing.assert_allclose(g_np.astype(np.float64), w_np.astype(np.float64), rtol=op.rtol,
                                           atol=op.atol, equal_nan=True, err_msg=op.name)
        if torch is not None and op.check_torch_dtype:
            targs = tuple(_to(torch, a, "contiguous") for a in s.args)
            tgot = op.op(torch, *targs, **s.kwargs)
            for g, t in zip(got if isinstance(got, tuple) else (got,), tgot if isinstance(tgot, tuple) else (tgot,)):
                if hasattr(t, "dtype") and hasattr(g, "dtype"):
                    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
                        f"{op.name}: dtype {g.dtype} != torch's {t.dtype}"


def _grad_args(op, sample, T=smalltorch):
    idx = [i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray)]
    diff = set(op.diff_args if op.diff_args is not None else idx)
    return tuple(_to(T, a.astype(np.float64), "contiguous", requires_grad=i in diff) if isinstance(a, np.ndarray)
                 else a for i, a in enumerate(sample.args))


@pytest.mark.parametrize("op,dtype", [c for c in _cases("grad") if c.values[0].grad and c.values[1] == "float64"])
def test_gradcheck(op, dtype):
    rng = np.random.default_rng(1)
    for s in op.samples(np.dtype(dtype), rng):
        args = _grad_args(op, s)
        if not any(getattr(a, "requires_grad", False) for a in args):
            continue
        fn = lambda *a: op.op(smalltorch, *a, **s.kwargs)  # noqa: E731
        assert smalltorch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5, rtol=1e-3)
        if op.gradgrad:
            assert smalltorch.autograd.gradgradcheck(fn, args, eps=1e-6, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize("op,dtype", [c for c in _cases("grad") if c.values[0].grad and c.values[1] == "float64"])
def test_grad_fn_name(op, dtype):
    rng = np.random.default_rng(2)
    s = op.samples(np.dtype(dtype), rng)[0]
    out = op.op(smalltorch, *_grad_args(op, s), **s.kwargs)
    out = out[0] if isinstance(out, tuple) else out
    name = out.grad_fn.name() if out.grad_fn is not None else None
    if op.grad_fn is not None:
        assert name == op.grad_fn
    if torch is not None:
        tout = op.op(torch, *_grad_args(op, s, torch), **s.kwargs)
        tout = tout[0] if isinstance(tout, tuple) else tout
        assert name == (tout.grad_fn.name() if tout.grad_fn is not None else None)


@pytest.mark.parametrize("op,dtype", [c for c in _cases("grad") if c.values[0].inplace is not None])
def test_inplace(op, dtype):
    rng = np.random.default_rng(3)
    for s in op.samples(np.dtype(dtype), rng):
        args = tuple(_to(smalltorch, a, "contiguous") for a in s.args)
        want = op.op(smalltorch, *args, **s.kwargs)
        if tuple(want.shape) != tuple(args[0].shape) or want.dtype != args[0].dtype:
            continue  # the in-place form cannot hold this result
        target = args[0].clone()
        res = op.inplace(smalltorch, target, *args[1:], **s.kwargs)
        assert res is target
        np.testing.assert_allclose(_np(target).astype(np.float64), _np(want).astype(np.float64), rtol=op.rtol,
                                   atol=op.atol, equal_nan=True)
