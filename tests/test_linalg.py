"""Linear algebra beyond the op table: BLAS layouts, tight float64 checks, grad_fn chains, errors, norms."""

import math

import numpy as np
import pytest

import smalltorch as st

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")
RNG = np.random.default_rng(7)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def T(a):
    return st.from_numpy(np.array(a, copy=True, order="C"))


def check(got, want, dtype=np.float64):
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-5)
    got = got.numpy()
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, **tol)


# ---------------------------------------------------------------- layouts handed to BLAS

def layouts(a):
    """(name, smalltorch view, numpy values) for several memory layouts of the same matrix values."""
    r, c = a.shape
    out = [("contiguous", T(a), a), ("transposed", T(a.T.copy()).t(), a), ("mT", T(a.T.copy()).mT, a)]
    wide = np.zeros((r, c + 3), a.dtype)
    wide[:, 1:c + 1] = a
    out.append(("row_strided", T(wide)[:, 1:c + 1], a))             # ld > number of columns, offset
    tall = np.zeros((r * 2, c), a.dtype)
    tall[::2] = a
    out.append(("every_other_row", T(tall)[::2], a))
    both = np.zeros((r * 2, c * 2), a.dtype)
    both[::2, ::2] = a
    out.append(("no_unit_stride", T(both)[::2, ::2], a))             # needs a copy
    wide_t = np.zeros((c, r + 2), a.dtype)
    wide_t[:, :r] = a.T
    out.append(("transposed_strided", T(wide_t)[:, :r].t(), a))
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mm_every_layout_pair(dtype):
    a, b = arr(4, 3, dtype=dtype), arr(3, 5, dtype=dtype)
    want = a.astype(np.float64) @ b.astype(np.float64)
    for na, ta, _ in layouts(a):
        for nb, tb, _ in layouts(b):
            check(st.mm(ta, tb), want, dtype)
            check(ta @ tb, want, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mv_dot_strided_and_broadcast_vectors(dtype):
    a, v = arr(4, 3, dtype=dtype), arr(6, dtype=dtype)
    for _, ta, _ in layouts(a):
        check(st.mv(ta, T(v)[::2]), a.astype(np.float64) @ v[::2], dtype)
    x = arr(5, dtype=dtype)
    check(st.dot(T(x), T(np.repeat(x, 3))[::3]), x.astype(np.float64) @ x, dtype)
    # stride-0 (expanded) operands: BLAS cannot take them as they are
    one = T(np.array([2.0], dtype)).expand(5)
    check(st.dot(T(x), one), 2 * x.astype(np.float64).sum(), dtype)
    check(st.mv(T(a), T(np.array([1.5], dtype)).expand(3)), 1.5 * a.astype(np.float64).sum(1), dtype)
    rows = T(x[:3]).expand(4, 3)                                     # every row the same memory
    check(rows @ T(a.T.copy()), np.broadcast_to(x[:3], (4, 3)).astype(np.float64) @ a.T, dtype)


def test_degenerate_shapes_with_odd_strides():
    a = arr(1, 4)
    col = arr(4, 1)
    check(T(a) @ T(col), a @ col)
    check(T(np.ascontiguousarray(a.T)).t() @ T(col), a @ col)
    check(T(col) @ T(a), col @ a)
    big = arr(6, 8)
    check(T(big)[2:3, 1:5] @ T(big)[1:5, 3:4], big[2:3, 1:5] @ big[1:5, 3:4])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sa,sb", [((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                                   ((2, 1, 2, 3), (3, 3, 2)), ((1, 4, 2, 3), (5, 1, 3, 2)), ((3,), (2, 3, 4)),
                                   ((2, 2, 3), (3,)), ((4, 3), (2, 1, 3, 5))])
def test_batched_broadcast_matmul(dtype, sa, sb):
    a, b = arr(*sa, dtype=dtype), arr(*sb, dtype=dtype)
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    check(T(a) @ T(b), want, dtype)
    # transposed (column-major) and non-foldable batch layouts give the same values
    ta = T(np.ascontiguousarray(a.T)).permute(*reversed(range(a.ndim)))
    tb = T(np.ascontiguousarray(b.T)).permute(*reversed(range(b.ndim)))
    check(ta @ tb, want, dtype)
    check(st.matmul(ta, T(b)), want, dtype)


def test_bmm_expanded_batch():
    a, b = arr(1, 2, 3), arr(4, 3, 5)
    got = st.bmm(T(a).expand(4, 2, 3), T(b))
    check(got, np.matmul(np.broadcast_to(a, (4, 2, 3)), b))
    got = st.bmm(T(b).transpose(1, 2), T(a).expand(4, 2, 3).transpose(1, 2))
    check(got, np.matmul(b.transpose(0, 2, 1), np.broadcast_to(a, (4, 2, 3)).transpose(0, 2, 1)))


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64])
def test_integer_matmul(dtype):
    a = RNG.integers(0, 5, (3, 2, 4)).astype(dtype)
    b = RNG.integers(0, 5, (4, 3)).astype(dtype)
    got = T(a) @ T(b)
    assert got.dtype == getattr(st, np.dtype(dtype).name)
    np.testing.assert_array_equal(got.numpy(), np.matmul(a, b))
    np.testing.assert_array_equal((T(b).t() @ T(a).mT).numpy(), np.matmul(b.T, a.transpose(0, 2, 1)))
    assert st.dot(T(a[0, 0]), T(a[1, 0])).item() == int(np.dot(a[0, 0], a[1, 0]))
    big = np.full(40, 7, dtype)  # uint8 wraps modulo 256 as in numpy and torch
    assert st.dot(T(big), T(big)).item() == int(np.dot(big, big))


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_large_products_split_over_threads(dtype):
    a = RNG.integers(-3, 4, (300, 200)).astype(dtype)
    b = RNG.integers(-3, 4, (200, 150)).astype(dtype)
    np.testing.assert_array_equal((T(a) @ T(b)).numpy(), a @ b)
    np.testing.assert_array_equal((T(a).t().t() @ T(b.T.copy()).t()).numpy(), a @ b)


def test_rmatmul_and_non_tensor():
    a, b = arr(2, 3), arr(3, 4)
    check(T(b).__rmatmul__(T(a)), a @ b)
    assert T(b).__rmatmul__(3) is NotImplemented
    with pytest.raises(TypeError):
        _ = T(a) @ 3
    with pytest.raises(TypeError):
        _ = 3 @ T(a)


def test_method_forms_and_keywords():
    a, b, v = arr(2, 3), arr(3, 4), arr(3)
    check(T(a).matmul(T(b)), a @ b)
    check(T(a).mm(mat2=T(b)), a @ b)
    check(st.mm(input=T(a), mat2=T(b)), a @ b)
    check(T(a).mv(vec=T(v)), a @ v)
    check(T(v).dot(tensor=T(v)), v @ v)
    check(T(v).outer(vec2=T(v)), np.outer(v, v))
    check(st.bmm(T(a[None]), mat2=T(b[None])), (a @ b)[None])
    inp = arr(2, 4)
    check(st.addmm(T(inp), T(a), T(b), beta=0.5, alpha=2.0), 0.5 * inp + 2 * (a @ b))
    check(T(inp).addmm(T(a), T(b), alpha=-1), inp - a @ b)
    check(st.linalg.matmul(T(a), T(b)), a @ b)


def test_outer_promotes_like_mul():
    a = st.tensor([1, 2, 3], dtype=st.int32)
    b = st.tensor([0.5, 2.0])
    r = st.outer(a, b)
    assert r.dtype == st.float32
    np.testing.assert_allclose(r.numpy(), np.outer([1, 2, 3], [0.5, 2.0]))


def test_addmm_beta_zero_ignores_nan_and_inplace():
    inp = np.full((2, 4), np.nan)
    a, b = arr(2, 3), arr(3, 4)
    check(st.addmm(T(inp), T(a), T(b), beta=0), a @ b)
    t = T(arr(2, 4))
    before = t.numpy().copy()
    v = t._version
    assert t.addmm_(T(a), T(b), beta=2) is t
    assert t._version > v
    check(t, 2 * before + a @ b)
    # in place into a transposed view writes through to its base
    base = T(arr(4, 2))
    want = base.numpy().T + a @ b
    base.t().addmm_(T(a), T(b))
    check(base.t(), want)


def test_addmm_inplace_autograd():
    a = st.tensor(arr(2, 3), requires_grad=True)
    b = st.tensor(arr(3, 4), requires_grad=True)
    x0 = st.tensor(arr(2, 4), requires_grad=True)
    x = x0 * 1
    x.addmm_(a, b, beta=3)
    assert x.grad_fn.name() == "AddmmBackward0"
    x.sum().backward()
    np.testing.assert_allclose(x0.grad.numpy(), np.full((2, 4), 3.0))
    np.testing.assert_allclose(a.grad.numpy(), np.ones((2, 4)) @ b.detach().numpy().T)
    leaf = st.zeros(2, 4, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.addmm_(a, b)


# ---------------------------------------------------------------- autograd

def _torch_pair(sa, sb, rga, rgb):
    a, b = arr(*sa), arr(*sb)
    sa_ = T(a).requires_grad_(rga)
    sb_ = T(b).requires_grad_(rgb)
    ta = torch.from_numpy(a).requires_grad_(rga)
    tb = torch.from_numpy(b).requires_grad_(rgb)
    return sa_, sb_, ta, tb


def _chain(fn, depth=3):
    names = []
    while fn is not None and len(names) < depth:
        names.append(fn.name())
        nxt = [f for f, _ in fn.next_functions if f is not None]
        fn = nxt[0] if nxt else None
    return names


@needs_torch
@pytest.mark.parametrize("sa,sb", [((4,), (4,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                   ((2, 3), (5, 3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                                   ((2, 1, 2, 3), (3, 3, 2)), ((2, 2, 3), (2, 1, 3, 4)), ((2, 3), (2, 4, 3, 1))])
@pytest.mark.parametrize("rga,rgb", [(True, True), (True, False), (False, True)])
def test_matmul_grad_fn_chain_and_grads_match_torch(sa, sb, rga, rgb):
    a, b, ta, tb = _torch_pair(sa, sb, rga, rgb)
    out, tout = a @ b, ta @ tb
    assert out.grad_fn.name() == tout.grad_fn.name()
    ours, theirs = _chain(out.grad_fn), _chain(tout.grad_fn)
    assert ours[:2] == theirs[:2], (ours, theirs)
    g = arr(*tout.shape)
    out.backward(T(g))
    tout.backward(torch.from_numpy(g))
    for s, t in ((a, ta), (b, tb)):
        if t.requires_grad:
            np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@needs_torch
def test_double_backward_matches_torch():
    a, b, ta, tb = _torch_pair((3, 2, 3), (3, 4), True, True)
    for lib, x, y in ((st, a, b), (torch, ta, tb)):
        out = (x @ y).sum() ** 2 if lib is st else (x @ y).sum() ** 2
        ga, = lib.autograd.grad(out, [x], create_graph=True)
        (ga * ga).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10)


def test_matmul_gradcheck_transposed_inputs():
    a = st.tensor(arr(3, 4).T.copy(), requires_grad=True)
    b = st.tensor(arr(2, 5, 4), requires_grad=True)
    assert st.autograd.gradcheck(lambda x, y: x.t() @ y.mT, (a, b))
    assert st.autograd.gradgradcheck(lambda x, y: st.addmm(y[0, :, 0], x.t(), y[0].t(), beta=2, alpha=0.5), (a, b))


# ---------------------------------------------------------------- errors

def _raises(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()


def test_shape_errors_name_both_shapes():
    _raises(RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)", lambda: st.ones(2, 3) @ st.ones(4, 5))
    _raises(RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)", lambda: st.mm(st.ones(2, 3), st.ones(4, 5)))
    _raises(RuntimeError, r"\(1x3 and 4x5\)", lambda: st.ones(3) @ st.ones(4, 5))
    _raises(RuntimeError, r"\(14x3 and 4x5\)", lambda: st.ones(7, 2, 3) @ st.ones(4, 5))
    _raises(RuntimeError, r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)", lambda: st.ones(2, 3) @ st.ones(4))
    _raises(RuntimeError, r"expected tensor \[3\] and src \[4\]", lambda: st.ones(3) @ st.ones(4))
    _raises(RuntimeError, r"size of tensor a \(7\) must match the size of tensor b \(6\)",
            lambda: st.ones(7, 2, 3) @ st.ones(6, 3, 5))
    _raises(RuntimeError, r"batch2 tensor to be: \[7, 3\] but got: \[7, 4\]", lambda: st.ones(7, 2, 3) @ st.ones(7, 4, 5))
    _raises(RuntimeError, r"batch2 tensor to be: \[2, 3\] but got: \[3, 3\]", lambda: st.bmm(st.ones(2, 2, 3), st.ones(3, 3, 2)))
    _raises(RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)",
            lambda: st.addmm(st.ones(2, 2), st.ones(2, 3), st.ones(4, 2)))
    _raises(RuntimeError, r"expanded size of the tensor \(2\) must match the existing size \(3\)",
            lambda: st.addmm(st.ones(3), st.ones(2, 3), st.ones(3, 2)))


def test_rank_and_dtype_errors():
    _raises(RuntimeError, "at least 1D, but they are 0D and 1D", lambda: st.tensor(1.0) @ st.ones(3))
    _raises(RuntimeError, "self must be a matrix", lambda: st.mm(st.ones(3), st.ones(3, 2)))
    _raises(RuntimeError, "mat2 must be a matrix", lambda: st.mm(st.ones(3, 2), st.ones(2)))
    _raises(RuntimeError, "batch1 must be a 3D tensor", lambda: st.bmm(st.ones(2, 3), st.ones(3, 2)))
    _raises(RuntimeError, "1D tensors expected, but got 2D and 1D", lambda: st.dot(st.ones(3, 2), st.ones(3)))
    _raises(RuntimeError, "vector \\+ matrix @ vector expected", lambda: st.mv(st.ones(2, 3), st.ones(3, 1)))
    _raises(RuntimeError, "Expected 1-D argument vec2, but got 2-D", lambda: st.outer(st.ones(3), st.ones(2, 1)))
    _raises(RuntimeError, "mat1 must be a matrix, got 1-D", lambda: st.addmm(st.ones(2, 2), st.ones(3), st.ones(3, 2)))
    _raises(RuntimeError, "float != double", lambda: st.ones(2, 3) @ st.ones(3, 2, dtype=st.float64))
    _raises(RuntimeError, "found Float and Long", lambda: st.ones(3) @ st.ones(3, dtype=st.int64))
    _raises(RuntimeError, "self and mat2 must have the same dtype, but got Double and Float",
            lambda: st.addmm(st.ones(2, 2, dtype=st.float64), st.ones(2, 3), st.ones(3, 2)))
    _raises(NotImplementedError, "not implemented for 'Bool'",
            lambda: st.ones(2, 3, dtype=st.bool) @ st.ones(3, 2, dtype=st.bool))
    _raises(NotImplementedError, "not implemented for 'Bool'",
            lambda: st.dot(st.ones(3, dtype=st.bool), st.ones(3, dtype=st.bool)))
    _raises(TypeError, None, lambda: st.mm(st.ones(2, 2), 3))


@needs_torch
def test_error_types_match_torch():
    cases = [lambda L: L.ones(2, 3) @ L.ones(4, 5), lambda L: L.ones(3) @ L.ones(4),
             lambda L: L.ones(2, 3, dtype=L.bool) @ L.ones(3, 2, dtype=L.bool),
             lambda L: L.linalg.vector_norm(L.ones(3, dtype=L.int64)),
             lambda L: L.linalg.vector_norm(L.ones(0, 3), ord=float("inf")),
             lambda L: L.linalg.matrix_norm(L.ones(3))]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(type(theirs.value)):
            case(st)


# ---------------------------------------------------------------- norms

def test_vector_norm_values_and_special_cases():
    x = np.array([3.0, -4.0, 0.0])
    assert st.linalg.vector_norm(T(x)).item() == 5.0
    assert st.linalg.vector_norm(T(x), ord=1).item() == 7.0
    assert st.linalg.vector_norm(T(x), ord=float("inf")).item() == 4.0
    assert st.linalg.vector_norm(T(x), ord=float("-inf")).item() == 0.0
    assert st.linalg.vector_norm(T(x), ord=0).item() == 2.0
    assert st.linalg.vector_norm(T(x), ord=-1).item() == 0.0     # 1 / (1/3 + 1/4 + 1/0)
    assert math.isnan(st.linalg.vector_norm(T(np.array([1.0, np.nan]))).item())
    assert math.isnan(st.linalg.vector_norm(T(np.array([np.nan, 1.0])), ord=float("inf")).item())
    assert st.linalg.vector_norm(T(np.array([1.0, np.inf]))).item() == math.inf
    assert st.linalg.vector_norm(st.zeros(0)).item() == 0.0
    r = st.linalg.vector_norm(st.ones(2, 3), dtype=st.float64)
    assert r.dtype == st.float64 and abs(r.item() - math.sqrt(6)) < 1e-15
    np.testing.assert_allclose(st.linalg.vector_norm(T(arr(2, 3, 4)), dim=[0, 2]).numpy().shape, (3,))


def test_vector_norm_errors():
    _raises(RuntimeError, "Expected a floating point or complex tensor as input. Got Long",
            lambda: st.linalg.vector_norm(st.ones(3, dtype=st.int64)))
    _raises(RuntimeError, "cannot compute the inf norm on an empty tensor",
            lambda: st.linalg.vector_norm(st.ones(0, 3), ord=float("inf")))
    _raises(RuntimeError, "cannot compute the -1 norm on an empty tensor",
            lambda: st.linalg.vector_norm(st.ones(0, 3), ord=-1, dim=0))
    _raises(RuntimeError, "dim 0 appears multiple times", lambda: st.linalg.vector_norm(st.ones(3), dim=(0, 0)))
    _raises(IndexError, None, lambda: st.linalg.vector_norm(st.ones(3), dim=2))
    _raises(RuntimeError, "at least 2 dimensions", lambda: st.linalg.matrix_norm(st.ones(3)))
    _raises(RuntimeError, "Order 3 not supported", lambda: st.linalg.matrix_norm(st.ones(3, 3), ord=3))
    _raises(RuntimeError, "Order nucc not supported", lambda: st.linalg.matrix_norm(st.ones(3, 3), ord="nucc"))


@needs_torch
@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, -1, float("inf"), float("-inf"), 0])
def test_vector_norm_grads_match_torch_with_zeros_and_ties(ord):
    x = np.array([[0.0, 2.0, -2.0, 1.0], [0.0, 0.0, 0.0, 0.0], [3.0, -1.0, 0.5, -3.0]])
    if ord in (2, 1, 3, 0.5):  # zeros inside a row and an all-zero row: PyTorch's gradient is finite there
        rows = x
    else:
        rows = x[[0, 2]][:, 1:] if ord != -1 else np.array([[1.0, -2.0, 4.0]])
    s = T(rows).requires_grad_(True)
    t = torch.from_numpy(rows.copy()).requires_grad_(True)
    st.linalg.vector_norm(s, ord=ord, dim=1).sum().backward()
    torch.linalg.vector_norm(t, ord=ord, dim=1).sum().backward()
    # ord=0 is piecewise constant: torch leaves the gradient None, smalltorch gives zeros
    want = t.grad.numpy() if t.grad is not None else np.zeros_like(rows)
    np.testing.assert_allclose(s.grad.numpy(), want, rtol=1e-12, atol=1e-12)


@needs_torch
def test_linalg_norm_forms_match_torch():
    x = arr(3, 4)
    for kw in (dict(), dict(ord=1, dim=1), dict(ord="fro"), dict(dim=(0, 1)), dict(dim=0, keepdim=True)):
        np.testing.assert_allclose(st.linalg.norm(T(x), **kw).numpy(), torch.linalg.norm(torch.from_numpy(x), **kw).numpy(),
                                   rtol=1e-12)


def test_product_gradients_are_laid_out_as_their_operands(torch_ref):
    # A column-major operand (a transposed contiguous matrix, like nn.Linear's weight.t()) gets a column-major
    # gradient, computed as the transpose of a row-major product, so its base's gradient is contiguous with no
    # transposing copy (PyTorch's layout); values equal torch's.
    got = []
    for lib in (st, torch_ref):
        rng = np.random.default_rng(0)
        b = lib.tensor(rng.standard_normal(3)).requires_grad_()
        x = lib.tensor(rng.standard_normal((5, 4))).requires_grad_()
        xt = lib.tensor(rng.standard_normal((4, 5))).t().detach().requires_grad_()
        w = lib.tensor(rng.standard_normal((3, 4))).requires_grad_()
        g = lib.tensor(rng.standard_normal((5, 3)))
        res = []
        for a, m in ((xt, w.t()), (x, w.t()), (xt, w.t().contiguous())):
            for f in (lambda: lib.addmm(b, a, m), lambda: lib.mm(a, m)):
                grads = lib.autograd.grad(f(), (a, m), g)
                res.append([(gr.stride(), gr.detach().numpy()) for gr in grads])
        got.append(res)
    for ours, theirs in zip(*got):
        for (s1, v1), (s2, v2) in zip(ours, theirs):
            assert s1 == s2
            np.testing.assert_allclose(v1, v2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("m,k,n", [(3, 4, 5), (64, 300, 70), (256, 64, 300), (3, 0, 5)])
def test_mm_out_overwrites_stale_nans(dtype, m, k, n):
    # beta 0: the product's out= is written without being read (no zero-fill pass first), so NaN or inf left
    # in it never leaks into the result; an empty sum (k == 0) gives zeros
    rng = np.random.default_rng(m + k + n)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    for stale in (float("nan"), float("inf")):
        out = st.full((m, n), stale, dtype=getattr(st, dtype))
        st.mm(st.tensor(a), st.tensor(b), out=out)
        np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-4, atol=1e-4)
        out2 = st.full((m, n), stale, dtype=getattr(st, dtype))
        st.matmul(st.tensor(a), st.tensor(b).t().contiguous().t(), out=out2)  # a transposed operand
        np.testing.assert_allclose(out2.numpy(), a @ b, rtol=1e-4, atol=1e-4)
