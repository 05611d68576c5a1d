"""Drives op_table.op_db: forward vs numpy, grad_fn names, gradcheck, gradgradcheck, in-place forms.

Every op is tried on several input layouts built from the same logical values:
  contiguous  a fresh tensor
  transposed  a transposed view of a tensor holding the transposed values (ndim >= 2)
  strided     a [..., ::2] slice of a tensor twice as wide (ndim >= 1)
  expanded    a stride-0 expand of the first row (ndim >= 1); the values are that broadcast row
0-d, empty and broadcasting inputs come from the samples themselves.
"""

import zlib

import numpy as np
import pytest

import smalltorch
from conftest import assert_close, to_np
from op_table import op_db, OPS, ALL_LAYOUTS

NP_DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64}
TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12), "int64": dict(rtol=0, atol=0)}

# (test name, op name[, extra]) -> reason, for library bugs found by these tests (strict xfail)
KNOWN_BUGS = {}


def _params(test, ops, extra=None):
    """pytest params for the ops (x extra), with strict xfail markers for the entries in KNOWN_BUGS."""
    out = []
    for op in ops:
        for e in (extra or [None]):
            key = (test, op.name) if e is None else (test, op.name, e)
            vals = (op,) if e is None else (op, e)
            marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key])] if key in KNOWN_BUGS else []
            out.append(pytest.param(*vals, id=op.name if e is None else f"{op.name}-{e}", marks=marks))
    return out


def samples(op, dtype="float64"):
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    result = []
    for s in op.sample_inputs(rng):
        if dtype == "int64":
            s = tuple(np.round(np.asarray(a) * 2).astype(np.int64) for a in s)
        else:
            s = tuple(np.asarray(a).astype(NP_DTYPES[dtype]) for a in s)
        result.append(s)
    return result


# ----------------------------------------------------------------------------------------- layouts

def layout_parts(arr, layout):
    """(base array for the leaf, transform taking the leaf tensor to the op input, the input's logical value).

    Returns None when the layout does not apply to this array."""
    if layout == "contiguous":
        return arr.copy(), (lambda t: t), arr
    if layout == "transposed":
        if arr.ndim < 2:
            return None
        return np.ascontiguousarray(np.swapaxes(arr, -1, -2)), (lambda t: t.transpose(-1, -2)), arr
    if layout == "strided":
        if arr.ndim < 1:
            return None
        base = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), dtype=arr.dtype)
        base[..., ::2] = arr
        return base, (lambda t: t[..., ::2]), arr
    if layout == "expanded":
        if arr.ndim < 1 or arr.shape[0] <= 1:
            return None
        base = arr[:1].copy()
        shape = arr.shape
        return base, (lambda t: t.expand(*shape)), np.broadcast_to(base, shape)
    raise ValueError(layout)


def build(sample, layout):
    """Per input (base, transform, value); None if no input takes the layout (the case is a duplicate)."""
    parts = []
    used = layout == "contiguous"
    for arr in sample:
        p = layout_parts(arr, layout)
        if p is None:
            p = layout_parts(arr, "contiguous")
        else:
            used = True
        parts.append(p)
    return parts if used else None


def leaves(lib, parts, requires_grad):
    out = []
    for base, _, _ in parts:
        t = lib.tensor(base)
        if requires_grad:
            t.requires_grad_(True)
        out.append(t)
    return out


def apply(op_fn, parts, ls):
    return op_fn(*[tr(l) for (_, tr, _), l in zip(parts, ls)])


def grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def cases(op, dtype, layouts=None):
    for i, s in enumerate(samples(op, dtype)):
        for layout in layouts or op.layouts:
            parts = build(s, layout)
            if parts is not None:
                yield f"sample {i} shapes {[a.shape for a in s]} layout {layout}", layout, parts


# ----------------------------------------------------------------------------------------- forward

@pytest.mark.parametrize("op,dtype", [p for p in _params("forward", op_db, ["float32", "float64", "int64"])
                                      if p.values[1] in p.values[0].dtypes])
def test_forward(op, dtype):
    n = 0
    for what, layout, parts in cases(op, dtype):
        values = [v for _, _, v in parts]
        ls = leaves(smalltorch, parts, requires_grad=False)
        inputs = [tr(l) for (_, tr, _), l in zip(parts, ls)]
        for x, v in zip(inputs, values):  # the layout itself is right
            assert tuple(x.shape) == v.shape, what
        out = op.op(*inputs)
        expected = np.asarray(op.ref(*values))
        try:
            assert_close(out, expected, **TOL[dtype])
        except AssertionError as e:
            raise AssertionError(f"{op.name} {dtype} {what}: {e}") from None
        assert not out.requires_grad and out.grad_fn is None, what
        if dtype != "int64":
            ls = leaves(smalltorch, parts, requires_grad=True)
            xs = [tr(l) for (_, tr, _), l in zip(parts, ls)]
            out = op.op(*xs)
            assert out.requires_grad == op.differentiable, what
            if op.differentiable and op.expected_grad_fn(layout) is None:
                assert out is xs[0], f"{what}: expected the input itself back"
            elif layout == "contiguous" or op.expected_grad_fn(layout) is not None:
                assert out.is_leaf == (not op.differentiable), what
        n += 1
    assert n > 0


@pytest.mark.parametrize("op", _params("grad_fn", op_db))
def test_grad_fn_name(op):
    dtype = "float64" if "float64" in op.dtypes else op.dtypes[0]
    for what, layout, parts in cases(op, dtype):
        if layout != "contiguous" and layout not in op.grad_fn_by_layout:
            continue
        out = apply(op.op, parts, leaves(smalltorch, parts, True))
        assert grad_fn_name(out) == op.expected_grad_fn(layout), what
        if out.grad_fn is not None:
            assert type(out.grad_fn).__name__ in (op.grad_fn, "Node")
            assert repr(out.grad_fn).startswith(f"<{op.expected_grad_fn(layout)} object at 0x")


def test_tensor_from_numpy_scalar_keeps_dtype():
    assert smalltorch.tensor(np.float64(0.1)).dtype == smalltorch.float64
    assert smalltorch.tensor(np.float64(0.1)).item() == 0.1
    assert smalltorch.tensor(np.int32(1)).dtype == smalltorch.int32


def test_layouts_are_what_they_claim():
    a = np.arange(12.0).reshape(3, 4)
    for layout in ALL_LAYOUTS:
        base, tr, value = layout_parts(a, layout)
        t = tr(smalltorch.tensor(base))
        np.testing.assert_array_equal(to_np(t), value)
        assert t.is_contiguous() == (layout == "contiguous"), layout


def test_table_covers_the_ops():
    names = set(OPS)
    for required in ["add", "sub", "rsub_scalar", "mul", "div", "rdiv_scalar", "pow_scalar", "pow_tensor",
                     "rpow_scalar", "neg", "exp", "log", "reciprocal", "sum", "sum_dim", "sum_dims", "sum_keepdim",
                     "sum_neg_dim", "mean", "mean_dim", "mean_dims", "mean_keepdim", "view", "reshape",
                     "reshape_noncontig", "flatten", "transpose", "t", "T", "mT", "permute", "expand", "squeeze",
                     "squeeze_dim", "squeeze_dims", "unsqueeze", "index_int", "index_slice", "index_ellipsis", "clone",
                     "contiguous", "to_float64"]:
        assert required in names
    for op in op_db:
        assert op.dtypes and set(op.dtypes) <= set(NP_DTYPES)
        if not op.differentiable:
            assert op.grad_fn is None


# ----------------------------------------------------------------------------------------- grad_fn vs torch

@pytest.mark.parametrize("op", _params("torch_grad_fn", op_db))
def test_grad_fn_and_grads_match_torch(op, torch_ref):
    """Same expression in PyTorch: same grad_fn name, same gradients for a random grad_output."""
    dtype = "float64" if "float64" in op.dtypes else op.dtypes[0]
    rng = np.random.default_rng(1)
    for what, layout, parts in cases(op, dtype):
        s_leaves = leaves(smalltorch, parts, True)
        t_leaves = leaves(torch_ref, parts, True)
        s_out = apply(op.op, parts, s_leaves)
        t_out = apply(op.op, parts, t_leaves)
        assert grad_fn_name(s_out) == grad_fn_name(t_out), f"{what}"
        if layout in op.grad_fn_by_layout or layout == "contiguous":
            assert grad_fn_name(t_out) == op.expected_grad_fn(layout), f"table entry is wrong: {what}"
        if not op.differentiable:
            continue
        go = rng.standard_normal(tuple(t_out.shape))
        s_out.backward(smalltorch.tensor(go, dtype=s_out.dtype))
        t_out.backward(torch_ref.tensor(go, dtype=t_out.dtype))
        for s, t in zip(s_leaves, t_leaves):
            assert_close(s.grad, t.grad.numpy(), **TOL[dtype])


# ----------------------------------------------------------------------------------------- gradcheck

@pytest.mark.parametrize("op,layout", [p for p in _params("gradcheck", [o for o in op_db if o.differentiable],
                                                            ALL_LAYOUTS) if p.values[1] in p.values[0].layouts])
def test_gradcheck(op, layout):
    fn = op.gradcheck_op or op.op
    n = 0
    for what, _, parts in cases(op, "float64", [layout]):
        ls = leaves(smalltorch, parts, True)
        assert smalltorch.autograd.gradcheck(lambda *xs: apply(fn, parts, xs), tuple(ls), **op.gradcheck_kwargs), what
        n += 1
    if n == 0:
        pytest.skip(f"no sample of {op.name} takes the {layout} layout")


GRADGRAD = [o for o in op_db if o.gradgrad]


@pytest.mark.parametrize("op", _params("gradgradcheck", GRADGRAD))
def test_gradgradcheck(op):
    smalltorch.manual_seed(0)
    for what, _, parts in cases(op, "float64", ["contiguous", "transposed"]):
        if any(b.size == 0 for b, _, _ in parts):
            continue
        ls = leaves(smalltorch, parts, True)
        assert smalltorch.autograd.gradgradcheck(lambda *xs: apply(op.op, parts, xs), tuple(ls)), what


def test_not_differentiable_entries_cut_the_graph():
    for op in op_db:
        if op.differentiable:
            continue
        x = smalltorch.tensor(samples(op)[0][0], requires_grad=True)
        y = op.op(x)
        assert y.grad_fn is None and not y.requires_grad and y.is_leaf


def test_to_float64_grad_comes_back_as_float32():
    x = smalltorch.tensor([1.0, 2.0, 3.0], dtype=smalltorch.float32, requires_grad=True)
    w = np.array([0.5, -1.25, 3.0])
    y = OPS["to_float64"].op(x)
    assert y.dtype == smalltorch.float64
    (y * smalltorch.tensor(w)).sum().backward()
    assert x.grad.dtype == smalltorch.float32
    assert_close(x.grad, w.astype(np.float32))


# ----------------------------------------------------------------------------------------- in-place forms

INPLACE = [o for o in op_db if o.inplace is not None]


def _inplace_samples(op, dtype):
    for i, s in enumerate(samples(op, dtype)):
        bshape = np.broadcast_shapes(*[a.shape for a in s])
        yield i, s, bshape == s[0].shape


@pytest.mark.parametrize("op,dtype", _params("inplace_values", INPLACE, ["float32", "float64"]))
def test_inplace_values(op, dtype):
    for i, s, ok in _inplace_samples(op, dtype):
        a = smalltorch.tensor(s[0])
        rest = [smalltorch.tensor(x) for x in s[1:]]
        if not ok:
            with pytest.raises(RuntimeError):
                op.inplace(a, *rest)
            continue
        expected = op.op(smalltorch.tensor(s[0]), *rest)
        v0 = a._version
        r = op.inplace(a, *rest)
        assert r is a, f"sample {i}: in-place op must return self"
        assert a._version > v0, f"sample {i}: in-place op must bump the version"
        assert_close(a, to_np(expected), **TOL[dtype])
        assert_close(a, np.asarray(op.ref(*s)), **TOL[dtype])


@pytest.mark.parametrize("op", _params("inplace_values_noncontig", INPLACE))
def test_inplace_on_noncontiguous_view_writes_through(op):
    for i, s, ok in _inplace_samples(op, "float64"):
        if not ok or s[0].ndim < 2:
            continue
        base = smalltorch.tensor(np.ascontiguousarray(np.swapaxes(s[0], -1, -2)))
        a = base.transpose(-1, -2)
        rest = [smalltorch.tensor(x) for x in s[1:]]
        op.inplace(a, *rest)
        expected = np.asarray(op.ref(*s))
        assert_close(a, expected, **TOL["float64"])
        assert_close(base, np.swapaxes(expected, -1, -2), **TOL["float64"])


@pytest.mark.parametrize("op", _params("inplace_grad", INPLACE))
def test_inplace_grad_on_non_leaf(op):
    rng = np.random.default_rng(5)
    for i, s, ok in _inplace_samples(op, "float64"):
        if not ok:
            continue
        xs_a = [smalltorch.tensor(x, requires_grad=True) for x in s]
        xs_b = [smalltorch.tensor(x, requires_grad=True) for x in s]
        y = xs_a[0] * 1.0  # a non-leaf
        r = op.inplace(y, *xs_a[1:])
        assert r is y and not y.is_leaf
        assert grad_fn_name(y) == op.grad_fn, f"sample {i}"
        ref = op.op(xs_b[0] * 1.0, *xs_b[1:])
        w = smalltorch.tensor(rng.standard_normal(s[0].shape))
        (y * w).sum().backward()
        (ref * w).sum().backward()
        for ga, gb in zip(xs_a, xs_b):
            assert_close(ga.grad, to_np(gb.grad), rtol=1e-10, atol=1e-12)
        # and the in-place form passes gradcheck by itself
        leaves_ = [smalltorch.tensor(x, requires_grad=True) for x in s]
        if all(x.size for x in s):
            assert smalltorch.autograd.gradcheck(lambda a, *rest: op.inplace(a * 1.0, *rest), tuple(leaves_))


def _first_grads(op, parts, arrays, w, create_graph=False):
    xs = [smalltorch.tensor(a, requires_grad=True) for a in arrays]
    f = (apply(op.op, parts, xs) * w).sum()
    return xs, smalltorch.autograd.grad(f, xs, create_graph=create_graph, allow_unused=True)


@pytest.mark.parametrize("op", _params("second_order", GRADGRAD))
def test_second_order_vs_finite_differences(op):
    """Hessian-vector products from double backward vs central differences of first-order gradients.

    Independent of autograd.gradgradcheck: s(x) = sum_k <u_k, d f / d x_k> with f = <w, op(x)>; its
    gradient (from backward through the create_graph=True gradients) is compared with finite differences of s."""
    rng = np.random.default_rng(11)
    eps = 1e-6
    for what, _, parts in cases(op, "float64", ["contiguous", "transposed"]):
        bases = [b for b, _, _ in parts]
        if any(b.size == 0 for b in bases):
            continue
        out_shape = tuple(apply(op.op, parts, [smalltorch.tensor(b) for b in bases]).shape)
        w = smalltorch.tensor(rng.standard_normal(out_shape))
        us = [rng.standard_normal(b.shape) for b in bases]

        xs, gs = _first_grads(op, parts, bases, w, create_graph=True)
        terms = [(g * smalltorch.tensor(u)).sum() for g, u in zip(gs, us) if g is not None and g.requires_grad]
        if terms:
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            hv = smalltorch.autograd.grad(total, xs, allow_unused=True)
        else:  # every first derivative is constant
            hv = [None] * len(xs)

        def s_of(arrays):
            _, g1 = _first_grads(op, parts, arrays, w)
            return sum(float((to_np(g) * u).sum()) for g, u in zip(g1, us) if g is not None)

        for k, b in enumerate(bases):
            num = np.zeros(b.shape)
            for idx in np.ndindex(*b.shape):
                plus = [a.copy() for a in bases]
                minus = [a.copy() for a in bases]
                plus[k][idx] += eps
                minus[k][idx] -= eps
                num[idx] = (s_of(plus) - s_of(minus)) / (2 * eps)
            got = np.zeros(b.shape) if hv[k] is None else to_np(hv[k])
            np.testing.assert_allclose(got, num, rtol=1e-4, atol=1e-5, err_msg=f"{op.name} {what} input {k}")
