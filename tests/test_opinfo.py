"""Drives every OpInfo of every tests/opinfo_*.py module (see opinfo.py).

Input layouts (built from the same sample values; a layout that fits no input of any sample is not collected):
  contiguous  a fresh tensor
  transposed  all dims reversed by a permute of a tensor holding the reversed values (ndim >= 2)
  strided     a [..., ::2] slice of a tensor twice as wide (ndim >= 1)
  expanded    a stride-0 expand of the first row (shape[0] > 1); the values are that broadcast row
For the gradient checks the leaf is the tensor under the layout, so the backward of the layout's view
(permute, slice, expand) is part of what is checked.

Checks (the names used in OpInfo.xfail_checks):
  forward        values vs the numpy ref for each dtype and layout; result dtype vs torch's; no grad_fn
                 without grad inputs
  grad_fn        per float dtype, layout and sample, inputs requiring grad: requires_grad, is_leaf, grad_fn name
                 and "returns its input itself" equal torch's; the table's grad_fn / grad_fn_by_layout /
                 returns_input hold; grad_fn's type name and repr
  grad_vs_torch  gradients of the leaves for a random output gradient equal torch's (values and dtype)
  gradcheck      per layout, float64 (gradcheck_op/gradcheck_kwargs when given)
  gradgradcheck  ops with gradgrad=True, contiguous and transposed
  second_order   ops with gradgrad=True: double-backward Hessian-vector products vs central differences
                 of first-order gradients (independent of gradgradcheck)
  inplace        ops with inplace: returns self, bumps _version, values equal torch's in-place result,
                 the out-of-place result and the ref; raises where torch raises (broadcast to a bigger
                 shape, a result type that cannot be cast back)
  inplace_view   the in-place form on a transposed view writes through to the base
  inplace_grad   the in-place form on a non-leaf: grad_fn name as torch's, gradients as the out-of-place
                 op's, and gradcheck of the in-place form
A check marked in op.xfail_checks (or in KNOWN_BUGS below, for entries in files this driver's owner does
not edit) runs as a strict xfail: key "check" for all its params, or "check[id suffix]" for one, where the
suffix is the param id after "<op name>-", e.g. "forward[float32-expanded]" or "gradcheck[expanded]"; the
suffix may hold fnmatch wildcards: "grad_fn[*-contiguous]".
"""

import fnmatch
import glob
import importlib
import os
import warnings

import numpy as np
import pytest

import smalltorch
from conftest import assert_close, to_np
from opinfo import OpInfo  # noqa: F401

try:
    import torch
except ImportError:
    torch = None

_HERE = os.path.dirname(__file__)
OPS = []
for _path in sorted(glob.glob(os.path.join(_HERE, "opinfo_*.py"))):
    OPS.extend(importlib.import_module(os.path.basename(_path)[:-3]).OPS)
BY_NAME = {op.name: op for op in OPS}

LAYOUTS = ("contiguous", "transposed", "strided", "expanded")

# op name -> {check key: reason}: library bugs in entries of family files (merged into op.xfail_checks)
KNOWN_BUGS = {  # op name -> {check: "BUG: ..."} for library bugs not yet fixed (strict xfail)
}
for _name, _bugs in KNOWN_BUGS.items():
    BY_NAME[_name].xfail_checks = {**_bugs, **BY_NAME[_name].xfail_checks}


# ----------------------------------------------------------------------------------------- params

def _param(op, check, *vals, suffix=""):
    reason = op.xfail_checks.get(check) or next(
        (r for k, r in op.xfail_checks.items()
         if k.startswith(check + "[") and k.endswith("]") and fnmatch.fnmatchcase(suffix, k[len(check) + 1:-1])), None)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(op, *vals, id=f"{op.name}-{suffix}" if suffix else op.name, marks=marks)


_LAYOUTS_OF = {}


def _layouts(op):
    """The layouts that at least one of op's samples takes (a 1-d-only op has no transposed case):
    only those become tests, so no test is collected only to be skipped."""
    if op.name not in _LAYOUTS_OF:
        samples = op.samples(np.dtype(op.dtypes[0]), np.random.default_rng(0))
        _LAYOUTS_OF[op.name] = [l for l in (op.layouts or LAYOUTS) if any(_build(s, l) is not None for s in samples)]
    return _LAYOUTS_OF[op.name]


def _grad_dtype(op):
    """The dtype for the autograd checks: float64 when the op takes it, else its first floating dtype."""
    for dt in ("float64", "float32"):
        if dt in op.dtypes:
            return dt
    return None


def _tols(op, dtype):
    return op.dtype_tols.get(dtype, (op.rtol, op.atol))


# ----------------------------------------------------------------------------------------- layouts

def _layout_parts(x, layout):
    """(base array, transform taking the base tensor to the op input, the input's logical value) or None."""
    if layout == "contiguous":
        return x.copy(), (lambda t: t), x
    if layout == "transposed":
        if x.ndim < 2:
            return None
        dims = tuple(range(x.ndim - 1, -1, -1))
        return np.ascontiguousarray(np.transpose(x)), (lambda t: t.permute(*dims)), x
    if layout == "strided":
        if x.ndim < 1:
            return None
        base = np.repeat(x, 2, axis=-1)
        return base, (lambda t: t[..., ::2]), x
    if layout == "expanded":
        if x.ndim < 1 or x.shape[0] <= 1:
            return None
        base = x[:1].copy()
        shape = x.shape
        return base, (lambda t: t.expand(*shape)), np.ascontiguousarray(np.broadcast_to(base, shape))
    raise ValueError(layout)


def _build(sample, layout):
    """Per argument (base, transform, value), non-arrays as (arg, None, arg); None if no array takes the layout."""
    parts, used = [], layout == "contiguous"
    for a in sample.args:
        if not isinstance(a, np.ndarray):
            parts.append((a, None, a))
            continue
        p = _layout_parts(a, layout)
        if p is None:
            p = _layout_parts(a, "contiguous")
        else:
            used = True
        parts.append(p)
    return parts if used else None


def _diff(op, sample):
    idx = [i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray)]
    return set(op.diff_args if op.diff_args is not None else idx)


def _leaves(T, parts, diff=()):
    """Base tensors (requiring grad at the indices in diff); non-array arguments pass as they are."""
    return [base if tr is None else T.from_numpy(base.copy()).requires_grad_(i in diff)
            for i, (base, tr, _) in enumerate(parts)]


def _inputs(parts, leaves):
    return [l if tr is None else tr(l) for (_, tr, _), l in zip(parts, leaves)]


def _cases(op, dtype, layouts, seed):
    """(description, layout, sample, parts) for each sample of op in each layout that applies."""
    rng = np.random.default_rng(seed)
    samples = op.samples(np.dtype(dtype), rng)
    for layout in layouts:
        for i, s in enumerate(samples):
            parts = _build(s, layout)
            if parts is not None:
                shapes = [a.shape for a in s.args if isinstance(a, np.ndarray)]
                yield f"{op.name} {dtype} sample {i} shapes {shapes} {s.kwargs} layout {layout}", layout, s, parts


def _tuple(x):
    return x if isinstance(x, (tuple, list)) else (x,)


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _gname(t):
    return None if getattr(t, "grad_fn", None) is None else t.grad_fn.name()


def _is_float(t):
    return hasattr(t, "dtype") and str(t.dtype).split(".")[-1] in ("float32", "float64")


# ----------------------------------------------------------------------------------------- forward

def _forward_params():
    return [_param(op, "forward", dt, layout, suffix=f"{dt}-{layout}")
            for op in OPS for dt in op.dtypes for layout in _layouts(op)]


@pytest.mark.parametrize("op,dtype,layout", _forward_params())
def test_forward(op, dtype, layout):
    rtol, atol = _tols(op, dtype)
    n = 0
    for what, _, s, parts in _cases(op, dtype, [layout], 0):
        values = [v for _, _, v in parts]
        args = _inputs(parts, _leaves(smalltorch, parts))
        for x, v in zip(args, values):  # the layout itself is right
            if isinstance(v, np.ndarray):
                assert tuple(x.shape) == v.shape, what
        got = op.op(smalltorch, *args, **s.kwargs)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            want = op.ref(*values, **s.kwargs)
        for g, w in zip(_tuple(got), _tuple(want)):
            g_np, w_np = _np(g), np.asarray(w)
            assert g_np.shape == w_np.shape, f"{what}: shape {g_np.shape} != {w_np.shape}"
            if g_np.dtype == np.bool_ or w_np.dtype == np.bool_:
                np.testing.assert_array_equal(g_np, w_np.astype(g_np.dtype), err_msg=what)
            else:
                np.testing.assert_allclose(g_np.astype(np.float64), w_np.astype(np.float64), rtol=rtol, atol=atol,
                                           equal_nan=True, err_msg=what)
            if hasattr(g, "requires_grad"):
                assert not g.requires_grad and g.grad_fn is None, what
        if torch is not None and op.check_torch_dtype:
            tgot = op.op(torch, *_inputs(parts, _leaves(torch, parts)), **s.kwargs)
            for g, t in zip(_tuple(got), _tuple(tgot)):
                if hasattr(t, "dtype") and hasattr(g, "dtype"):
                    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
                        f"{what}: dtype {g.dtype} != torch's {t.dtype}"
        n += 1
    if n == 0:
        raise AssertionError(f"no sample takes the {layout} layout (collection should have left it out)")


# ----------------------------------------------------------------------------------------- autograd

def _autograd_params(check, pred=lambda op: True, layouts=True):
    out = []
    for op in OPS:
        if _grad_dtype(op) is None or not pred(op):
            continue
        if layouts:
            out.extend(_param(op, check, layout, suffix=layout) for layout in _layouts(op))
        else:
            out.append(_param(op, check))
    return out


def _repr_head(grad_fn):
    return repr(grad_fn).split(" object at 0x")[0] + " object at 0x"


def _grad_fn_params():
    return [_param(op, "grad_fn", dt, layout, suffix=f"{dt}-{layout}") for op in OPS
            for dt in ("float32", "float64") if dt in op.dtypes for layout in _layouts(op)]


@pytest.mark.parametrize("op,dtype,layout", _grad_fn_params())
def test_grad_fn(op, dtype, layout):
    """The table's expectations hold on the first sample of the layout (on every sample without torch);
    requires_grad, is_leaf, grad_fn name and repr and "returns its input" equal torch's on every sample."""
    n = 0
    for what, _, s, parts in _cases(op, dtype, [layout], 2):
        diff = _diff(op, s)
        xs = _inputs(parts, _leaves(smalltorch, parts, diff))
        outs = _tuple(op.op(smalltorch, *xs, **s.kwargs))
        expected = op.expected_grad_fn(layout)
        table = n == 0 or torch is None
        if table and layout in op.returns_input:
            assert outs[0] is xs[0], f"{what}: expected the input itself back"
        elif table and expected is not None and (layout == "contiguous" or layout in op.grad_fn_by_layout):
            assert _gname(outs[0]) == expected, what
            assert repr(outs[0].grad_fn).startswith(f"<{expected} object at 0x"), what
        for out in outs:
            if out.grad_fn is not None:
                assert type(out.grad_fn).__name__ in (out.grad_fn.name(), "Node", "NotImplemented"), what
        n += 1
        if torch is None:
            continue
        txs = _inputs(parts, _leaves(torch, parts, diff))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            touts = _tuple(op.op(torch, *txs, **s.kwargs))
        if table and layout in op.returns_input:
            assert touts[0] is txs[0], f"table entry is wrong: {what}"
        elif table and expected is not None and (layout == "contiguous" or layout in op.grad_fn_by_layout):
            assert _gname(touts[0]) == expected, f"table entry is wrong: {what}"
        assert len(outs) == len(touts), what
        for k, (out, tout) in enumerate(zip(outs, touts)):
            got = (out.requires_grad, out.is_leaf, _gname(out), out is xs[0])
            want = (tout.requires_grad, tout.is_leaf, _gname(tout), tout is txs[0])
            assert got == want, f"{what} output {k}: (requires_grad, is_leaf, grad_fn, is input) {got} != {want}"
            if out.grad_fn is not None:
                assert _repr_head(out.grad_fn) == _repr_head(tout.grad_fn), what
    if n == 0:
        raise AssertionError(f"no sample takes the {layout} layout (collection should have left it out)")


def _dot(T, outs, gos):
    """sum_k <go_k, out_k> over the outputs that require grad (None if none does)."""
    total = None
    for o, g in zip(outs, gos):
        if g is None:
            continue
        term = (o * T.from_numpy(g.copy())).sum()
        total = term if total is None else total + term
    return total


def _out_grads(outs, rng):
    return [rng.standard_normal(tuple(o.shape)).astype(_np(o).dtype) if o.requires_grad else None for o in outs]


@pytest.mark.parametrize("op,layout", _autograd_params("grad_vs_torch", lambda op: op.grad and torch is not None))
def test_grad_vs_torch(op, layout):
    """Same expression in PyTorch: same gradients for a random output gradient."""
    dtype = _grad_dtype(op)
    rtol, atol = op.dtype_tols.get(dtype, (1e-7, 1e-9) if dtype == "float64" else (1e-4, 1e-5))
    rng = np.random.default_rng(4)
    n = 0
    for what, _, s, parts in _cases(op, dtype, [layout], 3):
        diff = _diff(op, s)
        sl, tl = _leaves(smalltorch, parts, diff), _leaves(torch, parts, diff)
        outs = _tuple(op.op(smalltorch, *_inputs(parts, sl), **s.kwargs))
        touts = _tuple(op.op(torch, *_inputs(parts, tl), **s.kwargs))
        gos = _out_grads(touts, rng)
        if all(g is None for g in gos):
            continue
        try:  # torch's own backward fails on a few samples (scatter with src bigger than index, clamp
            #   broadcasting self to a bigger shape): nothing to compare with there
            if len(touts) == 1:
                touts[0].backward(torch.from_numpy(gos[0].copy()))
            else:
                _dot(torch, touts, gos).backward()
        except RuntimeError:
            continue
        if len(outs) == 1:
            outs[0].backward(smalltorch.from_numpy(gos[0].copy()))
        else:
            _dot(smalltorch, outs, gos).backward()
        for i, (a, b) in enumerate(zip(sl, tl)):
            if i not in diff or not hasattr(b, "grad"):
                continue
            # an undefined gradient (None) counts as zeros
            ga = np.zeros_like(_np(b)) if a.grad is None else to_np(a.grad)
            gb = np.zeros_like(_np(b)) if b.grad is None else b.grad.numpy(force=True)  # sgn: a ZeroTensor
            try:
                assert_close(ga, gb, rtol=rtol, atol=atol)
            except AssertionError as e:
                raise AssertionError(f"{what} input {i}: {e}") from None
        n += 1
    if n == 0:
        raise AssertionError(f"no sample takes the {layout} layout (collection should have left it out)")


@pytest.mark.parametrize("op,layout", _autograd_params(
    "gradcheck", lambda op: op.grad and ("float64" in op.dtypes or op.gradcheck_op is not None)))
def test_gradcheck(op, layout):
    fn_ = op.gradcheck_op or op.op
    kw = dict(eps=1e-6, atol=1e-5, rtol=1e-3)
    kw.update(op.gradcheck_kwargs)
    n = 0
    for what, _, s, parts in _cases(op, "float64", [layout], 1):
        diff = _diff(op, s)
        ls = _leaves(smalltorch, parts, diff)
        if not any(getattr(a, "requires_grad", False) for a in ls):
            continue
        fn = lambda *a: fn_(smalltorch, *_inputs(parts, a), **s.kwargs)  # noqa: E731
        assert smalltorch.autograd.gradcheck(fn, tuple(ls), **kw), what
        n += 1
    if n == 0:
        raise AssertionError(f"no sample takes the {layout} layout (collection should have left it out)")


@pytest.mark.parametrize("op", _autograd_params("gradgradcheck", lambda op: op.gradgrad and "float64" in op.dtypes,
                                                layouts=False))
def test_gradgradcheck(op):
    smalltorch.manual_seed(0)
    for what, _, s, parts in _cases(op, "float64", ["contiguous", "transposed"], 1):
        ls = _leaves(smalltorch, parts, _diff(op, s))
        if not any(getattr(a, "requires_grad", False) for a in ls):
            continue
        fn = lambda *a: op.op(smalltorch, *_inputs(parts, a), **s.kwargs)  # noqa: E731
        assert smalltorch.autograd.gradgradcheck(fn, tuple(ls), eps=1e-6, atol=1e-4, rtol=1e-3), what


def _first_grads(op, s, parts, bases, diff, ws, create_graph=False):
    xs = [b if tr is None else smalltorch.from_numpy(b.copy()).requires_grad_(i in diff)
          for i, (b, (_, tr, _)) in enumerate(zip(bases, parts))]
    outs = _tuple(op.op(smalltorch, *_inputs(parts, xs), **s.kwargs))
    f = _dot(smalltorch, outs, ws)
    leaves = [xs[i] for i in sorted(diff)]
    return leaves, smalltorch.autograd.grad(f, leaves, create_graph=create_graph, allow_unused=True)


@pytest.mark.parametrize("op", _autograd_params("second_order", lambda op: op.gradgrad and "float64" in op.dtypes,
                                                layouts=False))
def test_second_order(op):
    """Hessian-vector products from double backward vs central differences of first-order gradients.

    Independent of autograd.gradgradcheck: s(x) = sum_k <u_k, d f / d x_k> with f = sum_j <w_j, op(x)_j>;
    its gradient (from backward through the create_graph=True gradients) is compared with finite
    differences of s."""
    rng = np.random.default_rng(11)
    eps = 1e-6
    for what, _, s, parts in _cases(op, "float64", ["contiguous", "transposed"], 1):
        diff = sorted(_diff(op, s))
        bases = [b for b, _, _ in parts]
        if not diff or any(bases[i].size == 0 for i in diff):
            continue
        outs = _tuple(op.op(smalltorch, *_inputs(parts, _leaves(smalltorch, parts, set(diff))), **s.kwargs))
        ws = _out_grads(outs, rng)
        if all(w is None for w in ws):
            continue
        us = {i: rng.standard_normal(bases[i].shape) for i in diff}

        xs, gs = _first_grads(op, s, parts, bases, diff, ws, create_graph=True)
        terms = [(g * smalltorch.from_numpy(us[i])).sum() for i, g in zip(diff, gs)
                 if g is not None and g.requires_grad]
        if terms:
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            hv = smalltorch.autograd.grad(total, xs, allow_unused=True)
        else:  # every first derivative is constant
            hv = [None] * len(xs)

        def s_of(arrays):
            _, g1 = _first_grads(op, s, parts, arrays, diff, ws)
            return sum(float((to_np(g) * us[i]).sum()) for i, g in zip(diff, g1) if g is not None)

        for k, i in enumerate(diff):
            b = bases[i]
            num = np.zeros(b.shape)
            for idx in np.ndindex(*b.shape):
                plus = list(bases)
                minus = list(bases)
                plus[i] = b.copy()
                minus[i] = b.copy()
                plus[i][idx] += eps
                minus[i][idx] -= eps
                num[idx] = (s_of(plus) - s_of(minus)) / (2 * eps)
            got = np.zeros(b.shape) if hv[k] is None else to_np(hv[k])
            np.testing.assert_allclose(got, num, rtol=1e-4, atol=1e-5, err_msg=f"{what} input {i}")


# ----------------------------------------------------------------------------------------- in-place forms

def _torch_inplace(op, s):
    """(torch's in-place result, None) or (None, the exception it raised)."""
    targs = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in s.args]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return op.inplace(torch, *targs, **s.kwargs), None
    except Exception as e:  # noqa: BLE001
        return None, e


def _comparable(want, target):
    """Whether the out-of-place result `want` should equal the in-place result in `target`."""
    return tuple(want.shape) == tuple(target.shape) and (want.dtype == target.dtype or want.dtype == smalltorch.bool)


@pytest.mark.parametrize("op,dtype", [_param(op, "inplace", dt, suffix=dt) for op in OPS if op.inplace is not None
                                      for dt in op.dtypes])
def test_inplace(op, dtype):
    rtol, atol = _tols(op, dtype)
    for what, _, s, parts in _cases(op, dtype, ["contiguous"], 3):
        args = _inputs(parts, _leaves(smalltorch, parts))
        want = op.op(smalltorch, *args, **s.kwargs)
        target = smalltorch.tensor(s.args[0])  # (from_numpy gives an empty array zero strides: see test below)
        v0 = target._version
        if torch is not None:
            tres, terr = _torch_inplace(op, s)
        else:
            tres, terr = None, (None if tuple(want.shape) == tuple(target.shape) else RuntimeError())
        if terr is not None:
            with pytest.raises((RuntimeError, type(terr))):
                op.inplace(smalltorch, target, *args[1:], **s.kwargs)
            continue
        res = op.inplace(smalltorch, target, *args[1:], **s.kwargs)
        assert res is target, f"{what}: the in-place op must return self"
        assert target._version > v0, f"{what}: the in-place op must bump the version"
        got = _np(target).astype(np.float64)
        if tres is not None:
            assert str(target.dtype).split(".")[-1] == str(tres.dtype).split(".")[-1], what
            np.testing.assert_allclose(got, _np(tres).astype(np.float64), rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"{what}: vs torch")
        if _comparable(want, target):
            np.testing.assert_allclose(got, _np(want).astype(np.float64), rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"{what}: vs out-of-place")
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                ref = np.asarray(_tuple(op.ref(*s.args, **s.kwargs))[0])
            np.testing.assert_allclose(got, ref.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"{what}: vs ref")


def _inplace_dtype(op):
    return _grad_dtype(op) or op.dtypes[-1]


@pytest.mark.parametrize("op", [_param(op, "inplace_view") for op in OPS if op.inplace is not None])
def test_inplace_view(op):
    dtype = _inplace_dtype(op)
    rtol, atol = _tols(op, dtype)
    n = 0
    for what, _, s, parts in _cases(op, dtype, ["contiguous"], 3):
        a = s.args[0]
        if a.ndim < 2:
            continue
        args = _inputs(parts, _leaves(smalltorch, parts))
        want = op.op(smalltorch, *args, **s.kwargs)
        if not _comparable(want, args[0]) or (torch is not None and _torch_inplace(op, s)[1] is not None):
            continue
        base = smalltorch.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)))
        view = base.transpose(-1, -2)
        op.inplace(smalltorch, view, *args[1:], **s.kwargs)
        w = _np(want).astype(np.float64)
        np.testing.assert_allclose(_np(view).astype(np.float64), w, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
        np.testing.assert_allclose(_np(base).astype(np.float64), np.swapaxes(w, -1, -2), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=f"{what}: the base")
        n += 1
    if n == 0:
        pytest.skip("no sample of ndim >= 2 takes the in-place form")


@pytest.mark.parametrize("op", [_param(op, "inplace_grad") for op in OPS
                                if op.inplace is not None and op.grad and "float64" in op.dtypes])
def test_inplace_grad(op):
    rng = np.random.default_rng(5)
    for what, _, s, parts in _cases(op, "float64", ["contiguous"], 3):
        diff = _diff(op, s)
        if 0 not in diff:
            continue
        want = op.op(smalltorch, *_inputs(parts, _leaves(smalltorch, parts)), **s.kwargs)
        if not _comparable(want, smalltorch.tensor(s.args[0])):
            continue
        xa, xb = _leaves(smalltorch, parts, diff), _leaves(smalltorch, parts, diff)
        y = xa[0] * 1.0  # a non-leaf
        r = op.inplace(smalltorch, y, *xa[1:], **s.kwargs)
        assert r is y and not y.is_leaf, what
        if torch is not None:
            tl = _leaves(torch, parts, diff)
            ty = tl[0] * 1.0
            op.inplace(torch, ty, *tl[1:], **s.kwargs)
            assert _gname(y) == _gname(ty), what
        elif op.grad_fn is not None:
            assert _gname(y) == op.grad_fn, what
        ref = op.op(smalltorch, xb[0] * 1.0, *xb[1:], **s.kwargs)
        w = smalltorch.from_numpy(rng.standard_normal(tuple(y.shape)))
        (y * w).sum().backward()
        (ref * w).sum().backward()
        for i in diff:
            assert (xa[i].grad is None) == (xb[i].grad is None), what
            if xa[i].grad is not None:
                assert_close(xa[i].grad, to_np(xb[i].grad), rtol=1e-10, atol=1e-12)
        # and the in-place form passes gradcheck by itself
        if all(a.size for a in s.args if isinstance(a, np.ndarray)):
            ls = _leaves(smalltorch, parts, diff)
            fn = lambda a, *rest: op.inplace(smalltorch, a * 1.0, *rest, **s.kwargs)  # noqa: E731
            assert smalltorch.autograd.gradcheck(fn, tuple(ls)), what


# ----------------------------------------------------------------------------------------- the table itself

def test_table_covers_the_ops():
    names = [op.name for op in OPS]
    assert len(names) == len(set(names)), "op names must be unique across the families"
    for required in ["add", "sub", "rsub_scalar", "mul", "div", "rdiv_scalar", "pow_scalar", "pow_tensor",
                     "rpow_scalar", "neg", "exp", "log", "exp_method", "log_method", "reciprocal", "sum", "sum_dim",
                     "sum_dims", "sum_keepdim", "sum_neg_dim", "mean", "mean_dim", "mean_dims", "mean_keepdim", "view",
                     "reshape", "reshape_noncontig", "flatten", "transpose", "t", "T", "mT", "permute", "expand",
                     "squeeze", "squeeze_dim", "squeeze_dims", "unsqueeze", "index_int", "index_slice",
                     "index_ellipsis", "clone", "contiguous", "to_float64", "detach"]:
        assert required in BY_NAME, required
    known = {"bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"}
    for op in OPS:
        assert op.dtypes and set(op.dtypes) <= known, op.name
        assert set(_layouts(op)) <= set(LAYOUTS) and set(op.returns_input) <= set(_layouts(op)), op.name
        assert set(op.grad_fn_by_layout) <= set(_layouts(op)), op.name


def test_layouts_are_what_they_claim():
    a = np.arange(12.0).reshape(3, 4)
    for layout in LAYOUTS:
        base, tr, value = _layout_parts(a, layout)
        t = tr(smalltorch.tensor(base))
        np.testing.assert_array_equal(to_np(t), value)
        assert t.is_contiguous() == (layout == "contiguous"), layout
    assert smalltorch.tensor(a[:1]).expand(3, 4).stride() == (0, 1)


def test_inplace_on_empty_from_numpy():
    a = np.zeros((0, 3))
    assert smalltorch.from_numpy(a).stride() == tuple(torch.from_numpy(a).stride()) if torch else True
    smalltorch.from_numpy(a).add_(1)


def test_detach_cuts_the_graph():
    """(with torch, test_grad_fn compares this for every op; this holds without it too)"""
    for dt in (smalltorch.float32, smalltorch.float64):
        x = smalltorch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=dt, requires_grad=True)
        for inp in (x, x.t(), x * 2):
            y = BY_NAME["detach"].op(smalltorch, inp)
            assert y.grad_fn is None and not y.requires_grad and y.is_leaf


def test_tensor_from_numpy_scalar_keeps_dtype():
    assert smalltorch.tensor(np.float64(0.1)).dtype == smalltorch.float64
    assert smalltorch.tensor(np.float64(0.1)).item() == 0.1
    assert smalltorch.tensor(np.int32(1)).dtype == smalltorch.int32


def test_to_float64_grad_comes_back_as_float32():
    x = smalltorch.tensor([1.0, 2.0, 3.0], dtype=smalltorch.float32, requires_grad=True)
    w = np.array([0.5, -1.25, 3.0])
    y = BY_NAME["to_float64"].op(smalltorch, x)
    assert y.dtype == smalltorch.float64
    (y * smalltorch.tensor(w)).sum().backward()
    assert x.grad.dtype == smalltorch.float32
    assert_close(x.grad, w.astype(np.float32))
