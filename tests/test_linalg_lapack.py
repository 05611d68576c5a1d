"""smalltorch.linalg on LAPACK: forward values against numpy.linalg and PyTorch, gradients against PyTorch
and gradcheck (float64), batched inputs, float32/float64, node names, and PyTorch's errors (LinAlgError for
singular / not positive-definite matrices, RuntimeError for shapes and dtypes) with the same messages."""

import warnings

import numpy as np
import pytest

import smalltorch as st
from smalltorch.autograd import gradcheck

torch = pytest.importorskip("torch")
L, TL = st.linalg, torch.linalg
RNG = np.random.default_rng(11)
DTYPES = [np.float32, np.float64]
BATCHES = [(), (3,), (2, 2)]


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def spd(*shape, dtype=np.float64):
    """Symmetric positive-definite matrices of shape (*shape, n) with n = shape[-1]."""
    a = arr(*shape, shape[-1])
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def S(a, grad=False):
    return st.tensor(np.array(a)).requires_grad_(grad)


def Tt(a, grad=False):
    return torch.from_numpy(np.array(a)).requires_grad_(grad)


def tol(dtype):
    return dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-4)


def close(got, want, dtype=np.float64):
    got = got.detach().numpy() if hasattr(got, "detach") else got
    want = want.detach().numpy() if hasattr(want, "detach") else want
    np.testing.assert_allclose(got, want, **tol(dtype))


# ---------------------------------------------------------------- forward values

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", BATCHES)
def test_det_slogdet_inv_solve_match_numpy(dtype, batch):
    a = arr(*batch, 4, 4, dtype=dtype)
    b = arr(*batch, 4, 2, dtype=dtype)
    A = S(a)
    assert L.det(A).dtype == A.dtype
    close(L.det(A), np.linalg.det(a), dtype)
    sign, logabs = L.slogdet(A)
    nsign, nlog = np.linalg.slogdet(a)
    close(sign, nsign, dtype)
    close(logabs, nlog, dtype)
    close(L.inv(A), np.linalg.inv(a), dtype)
    close(L.solve(A, S(b)), np.linalg.solve(a, b), dtype)
    v = arr(*batch, 4, dtype=dtype)  # a batch of vectors
    close(L.solve(A, S(v)), np.linalg.solve(a, v[..., None])[..., 0], dtype)
    close(L.solve(A, S(np.swapaxes(b, -1, -2)), left=False), TL.solve(Tt(a), Tt(np.swapaxes(b, -1, -2)), left=False),
          dtype)
    close(st.det(A), np.linalg.det(a), dtype)
    close(st.inverse(A), np.linalg.inv(a), dtype)


def test_solve_broadcasts_batch_dims():
    a, b = arr(3, 1, 4, 4), arr(5, 4, 2)
    close(L.solve(S(a), S(b)), TL.solve(Tt(a), Tt(b)))
    x = arr(4)
    close(L.solve(S(a[0, 0]), S(x)), np.linalg.solve(a[0, 0], x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", BATCHES)
def test_factorizations_match_numpy(dtype, batch):
    p = spd(*batch, 4, dtype=dtype)
    close(L.cholesky(S(p)), np.linalg.cholesky(p), dtype)
    close(L.cholesky(S(p), upper=True), np.swapaxes(np.linalg.cholesky(p), -1, -2), dtype)
    w, V = L.eigh(S(p))
    close(w, np.linalg.eigvalsh(p), dtype)
    close((V * w.unsqueeze(-2)) @ V.mT, p, dtype)
    close(L.eigvalsh(S(p), UPLO="U"), np.linalg.eigvalsh(p, UPLO="U"), dtype)
    for shape in ((5, 3), (3, 5), (4, 4)):
        a = arr(*batch, *shape, dtype=dtype)
        for mode in ("reduced", "complete"):
            Q, R = L.qr(S(a), mode=mode)
            nq, nr = np.linalg.qr(a, mode=mode)
            assert Q.shape == nq.shape and R.shape == nr.shape
            close(Q @ R, a, dtype)  # LAPACK's signs: Q R agrees, Q and R agree with PyTorch's
            tq, tr = TL.qr(Tt(a), mode=mode)
            close(Q, tq, dtype)
            close(R, tr, dtype)
        assert L.qr(S(a), mode="r").Q.shape == (0,)
        for full in (True, False):
            U, s, Vh = L.svd(S(a), full_matrices=full)
            nu, ns, nvh = np.linalg.svd(a, full_matrices=full)
            assert U.shape == nu.shape and Vh.shape == nvh.shape
            close(s, ns, dtype)
            k = min(shape)
            close((U[..., :, :k] * s.unsqueeze(-2)) @ Vh[..., :k, :], a, dtype)
        close(L.svdvals(S(a)), np.linalg.svd(a, compute_uv=False), dtype)


def test_top_level_forms_match_torch():
    a, p = arr(2, 4, 3), spd(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for some in (True, False):
            U, s, V = st.svd(S(a), some=some)
            tU, ts, tV = torch.svd(Tt(a), some=some)
            assert U.shape == tU.shape and V.shape == tV.shape
            close(s, ts)
            close((U[..., :3] * s.unsqueeze(-2)) @ V[..., :3].mT, a)
            Q, R = st.qr(S(a), some=some)
            tQ, tR = torch.qr(Tt(a), some=some)
            close(Q, tQ)
            close(R, tR)
        U, s, V = st.svd(S(a), compute_uv=False)
        tU, ts, tV = torch.svd(Tt(a), compute_uv=False)
        assert U.shape == tU.shape and V.shape == tV.shape and float(U.abs().sum()) == 0
        close(st.cholesky(S(p)), torch.cholesky(Tt(p)))
        close(st.cholesky(S(p), True), torch.cholesky(Tt(p), True))
    close(st.logdet(S(p)), torch.logdet(Tt(p)))
    m = np.diag([-1.0, 2.0, 3.0])
    assert np.isnan(st.logdet(S(m)).item()) and np.isnan(torch.logdet(Tt(m)).item())
    sign, logabs = st.slogdet(S(m))
    assert type(st.slogdet(S(m))).__name__ == "slogdet" and sign.item() == -1.0
    r = L.slogdet(S(m))
    assert r.sign.item() == -1.0 and abs(r.logabsdet.item() - np.log(6)) < 1e-12


def test_empty_and_singular_values():
    assert L.det(st.ones(0, 0)).item() == 1.0
    assert L.inv(st.ones(0, 0)).shape == (0, 0)
    z = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert L.det(S(z)).item() == 0.0
    sign, logabs = L.slogdet(S(z))
    assert sign.item() == 0.0 and logabs.item() == -np.inf
    inv, info = L.inv_ex(S(z))
    assert info.item() == 2 and info.dtype == st.int32 and not np.isfinite(inv.numpy()).all()
    c, info = L.cholesky_ex(S(np.array([[1.0, 2.0], [2.0, 1.0]])))
    assert info.item() == 2
    x, info = L.solve_ex(S(z), S(np.ones(2)))
    assert info.item() == 2


def test_results_are_column_major_like_torch():
    a = arr(2, 3, 3)
    assert L.inv(S(a)).stride() == TL.inv(Tt(a)).stride()
    assert L.cholesky(S(spd(2, 3))).stride() == TL.cholesky(Tt(spd(2, 3))).stride()


# ---------------------------------------------------------------- gradients

def grads_match(fn_st, fn_t, *arrays, sym=()):
    """fn's gradients at arrays (those in `sym` symmetrized first) equal PyTorch's, and gradcheck passes."""
    ss = [S(a, True) for a in arrays]
    ts = [Tt(a, True) for a in arrays]

    def prep(xs, i):
        return [(x + x.mT) / 2 if j in sym else x for j, x in enumerate(xs)]

    outs_s, outs_t = fn_st(*prep(ss, 0)), fn_t(*prep(ts, 0))
    outs_s = outs_s if isinstance(outs_s, (tuple, list)) else (outs_s,)
    outs_t = outs_t if isinstance(outs_t, (tuple, list)) else (outs_t,)
    ws = [arr(*o.shape) for o in outs_t]
    sum(((o * S(w)).sum() for o, w in zip(outs_s, ws)), st.zeros(())).backward()
    sum(((o * Tt(w)).sum() for o, w in zip(outs_t, ws)), torch.zeros((), dtype=torch.float64)).backward()
    for s, t in zip(ss, ts):
        np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), rtol=1e-7, atol=1e-9)
    assert gradcheck(lambda *xs: fn_st(*prep(list(xs), 0)), [S(a, True) for a in arrays])


@pytest.mark.parametrize("batch", [(), (2,)])
def test_grads_det_slogdet_inv_solve(batch):
    a, b = arr(*batch, 3, 3), arr(*batch, 3, 2)
    grads_match(L.det, TL.det, a)
    grads_match(lambda x: L.slogdet(x)[1], lambda x: TL.slogdet(x)[1], a)
    grads_match(L.inv, TL.inv, a)
    grads_match(L.solve, TL.solve, a, b)
    grads_match(L.solve, TL.solve, a, arr(*batch, 3))
    grads_match(lambda x, y: L.solve(x, y, left=False), lambda x, y: TL.solve(x, y, left=False), a, arr(*batch, 2, 3))
    grads_match(L.solve, TL.solve, a, arr(4, *batch, 3, 2))  # B's batch broadcasts A


def _cofactors(a):
    """d det(a) / d a: the cofactor matrix, from the minors (defined whether or not a is singular)."""
    n = a.shape[-1]
    c = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, 0), j, 1)
            c[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return c


def test_grad_det_of_singular_matrix():
    # The exact gradient at a singular matrix of rank n-1 is its (nonzero) cofactor matrix. PyTorch's
    # own answer here depends on whether its LU finds an exactly zero pivot (zero on some machines), so
    # the singular case is checked against the cofactors, the regular one against PyTorch.
    z = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]])
    x = S(z, True)
    L.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), _cofactors(z), rtol=1e-10, atol=1e-12)
    assert np.abs(_cofactors(z)).max() > 1
    b = np.stack([z, arr(3, 3)])
    xb = S(b, True)
    L.det(xb).sum().backward()
    np.testing.assert_allclose(xb.grad.numpy()[0], _cofactors(z), rtol=1e-10, atol=1e-12)
    grads_match(L.det, TL.det, b[1])
    assert gradcheck(L.det, [S(z, True)])


@pytest.mark.parametrize("batch", [(), (2,)])
def test_grads_factorizations(batch):
    p = spd(*batch, 3)
    grads_match(L.cholesky, TL.cholesky, p, sym=(0,))
    grads_match(lambda x: L.cholesky(x, upper=True), lambda x: TL.cholesky(x, upper=True), p, sym=(0,))
    grads_match(lambda x: tuple(L.eigh(x)), lambda x: tuple(TL.eigh(x)), p, sym=(0,))
    grads_match(L.eigvalsh, TL.eigvalsh, p, sym=(0,))
    for shape in ((4, 3), (3, 3), (3, 5)):
        a = arr(*batch, *shape)
        grads_match(lambda x: tuple(L.qr(x)), lambda x: tuple(TL.qr(x)), a)
        grads_match(L.svdvals, TL.svdvals, a)
        # U and Vh are unique up to signs: a sign-invariant function of them
        grads_match(lambda x: _svd_invariant(L.svd(x, full_matrices=False)),
                    lambda x: _svd_invariant(TL.svd(x, full_matrices=False)), a)
    grads_match(lambda x: tuple(L.qr(x, mode="complete")), lambda x: tuple(TL.qr(x, mode="complete")),
                arr(*batch, 3, 5))


def _svd_invariant(usv):
    U, s, Vh = usv
    k = s.shape[-1]
    U, Vh = U[..., :, :k], Vh[..., :k, :]
    return (U * U[..., :1, :]).sum(-2) * s, (Vh * Vh[..., :, :1]).sum(-1) * s, U @ Vh


def test_grad_svd_full_matrices_narrows():
    a = arr(4, 3)
    grads_match(lambda x: _svd_invariant(L.svd(x)), lambda x: _svd_invariant(TL.svd(x)), a)


def test_node_names_match_torch():
    a = arr(3, 3)
    p = spd(3)
    cases = [
        (lambda m, A, P: m.det(A)), (lambda m, A, P: m.slogdet(A)[1]), (lambda m, A, P: m.inv(A)),
        (lambda m, A, P: m.inv_ex(A)[0]), (lambda m, A, P: m.solve(A, A)), (lambda m, A, P: m.cholesky(P)),
        (lambda m, A, P: m.qr(A)[0]), (lambda m, A, P: m.eigh(P)[1]), (lambda m, A, P: m.eigvalsh(P)),
        (lambda m, A, P: m.svd(A)[0]), (lambda m, A, P: m.svdvals(A)),
        (lambda m, A, P: m.solve_triangular(A, A, upper=True)),
    ]
    for f in cases:
        ours = f(L, S(a, True), S(p, True)).grad_fn.name()
        theirs = f(TL, Tt(a, True), Tt(p, True)).grad_fn.name()
        assert ours == theirs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert st.cholesky(S(p, True)).grad_fn.name() == torch.cholesky(Tt(p, True)).grad_fn.name()
        assert st.inverse(S(a, True)).grad_fn.name() == torch.inverse(Tt(a, True)).grad_fn.name()


def test_qr_backward_errors_like_torch():
    for mode, shape in (("r", (3, 3)), ("complete", (4, 3))):
        Q, R = L.qr(S(arr(*shape), True), mode=mode)
        tQ, tR = TL.qr(Tt(arr(*shape), True), mode=mode)
        with pytest.raises(RuntimeError) as ours:
            R.sum().backward()
        with pytest.raises(RuntimeError) as theirs:
            tR.sum().backward()
        assert str(theirs.value).split("\n")[0] in str(ours.value)


# ---------------------------------------------------------------- errors

def _both(fn):
    """(class name, message) of fn(st) and fn(torch)."""
    out = []
    for lib in (st, torch):
        try:
            fn(lib)
        except Exception as e:  # noqa: BLE001
            name = type(e).__name__
            out.append(("LinAlgError" if isinstance(e, lib.linalg.LinAlgError) else name, str(e).split("\n")[0]))
        else:
            out.append(("ok", ""))
    return out


def _t(lib, a, dtype=None):
    return lib.tensor(np.array(a), dtype=dtype) if dtype is not None else lib.tensor(np.array(a))


SING = [[1.0, 2.0], [2.0, 4.0]]
NPD = [[1.0, 2.0], [2.0, 1.0]]
ERRORS = {
    "inv singular": lambda m: m.linalg.inv(_t(m, SING)),
    "inv batch singular": lambda m: m.linalg.inv(_t(m, [np.eye(2), SING])),
    "inverse singular": lambda m: m.inverse(_t(m, SING)),
    "solve singular": lambda m: m.linalg.solve(_t(m, SING), _t(m, [1.0, 1.0])),
    "solve batch singular": lambda m: m.linalg.solve(_t(m, [np.eye(2), SING]), _t(m, np.ones((2, 2, 1)))),
    "cholesky not PD": lambda m: m.linalg.cholesky(_t(m, NPD)),
    "cholesky batch not PD": lambda m: m.linalg.cholesky(_t(m, [np.eye(2), NPD])),
    "cholesky_ex check_errors": lambda m: m.linalg.cholesky_ex(_t(m, NPD), check_errors=True),
    "inv_ex check_errors": lambda m: m.linalg.inv_ex(_t(m, SING), check_errors=True),
    "svd non-finite": lambda m: m.linalg.svd(_t(m, [[np.nan, 1.0], [1.0, 1.0]])),
    "inv non-square": lambda m: m.linalg.inv(m.ones(2, 3)),
    "det non-square": lambda m: m.linalg.det(m.ones(2, 3)),
    "slogdet non-square": lambda m: m.linalg.slogdet(m.ones(2, 3)),
    "logdet non-square": lambda m: m.logdet(m.ones(2, 3)),
    "cholesky non-square": lambda m: m.linalg.cholesky(m.ones(2, 3)),
    "eigh non-square": lambda m: m.linalg.eigh(m.ones(2, 3)),
    "solve non-square": lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2)),
    "solve shapes": lambda m: m.linalg.solve(m.eye(2), m.ones(3)),
    "solve shapes 2": lambda m: m.linalg.solve(m.eye(2), m.ones(3, 1)),
    "solve dtypes": lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64)),
    "inv int": lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.int64)),
    "det int": lambda m: m.linalg.det(m.ones(2, 2, dtype=m.int64)),
    "qr int": lambda m: m.linalg.qr(m.ones(2, 2, dtype=m.int64)),
    "svd int": lambda m: m.linalg.svd(m.ones(2, 2, dtype=m.int64)),
    "eigh int": lambda m: m.linalg.eigh(m.ones(2, 2, dtype=m.int64)),
    "cholesky int": lambda m: m.linalg.cholesky(m.ones(2, 2, dtype=m.int64)),
    "torch.cholesky int": lambda m: m.cholesky(m.ones(2, 2, dtype=m.int64)),
    "svd bool": lambda m: m.linalg.svdvals(m.ones(2, 2, dtype=m.bool)),
    "inv 1-d": lambda m: m.linalg.inv(m.ones(3)),
    "det 0-d": lambda m: m.linalg.det(m.tensor(1.0)),
    "qr 1-d": lambda m: m.linalg.qr(m.ones(3)),
    "torch.svd 1-d": lambda m: m.svd(m.ones(3)),
    "qr mode": lambda m: m.linalg.qr(m.ones(2, 2), mode="bad"),
    "eigh UPLO": lambda m: m.linalg.eigh(m.eye(2), UPLO="X"),
    "matrix_norm ord": lambda m: m.linalg.matrix_norm(m.ones(2, 2), ord=3),
    "matrix_power non-square": lambda m: m.linalg.matrix_power(m.ones(2, 3), 2),
    "multi_dot one": lambda m: m.linalg.multi_dot([m.ones(2, 2)]),
    "cross length": lambda m: m.linalg.cross(m.ones(2), m.ones(2)),
    "det non-tensor": lambda m: m.det([[1.0]]),
    "svd some=None": lambda m: m.svd(m.ones(2, 2), None),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_match_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _both(ERRORS[case])
    assert theirs[0] != "ok"
    assert ours[0] == theirs[0], (ours, theirs)
    if theirs[0] in ("LinAlgError", "RuntimeError", "NotImplementedError"):
        assert ours[1] == theirs[1].replace("torch.", "smalltorch.") or ours[1] == theirs[1], (ours, theirs)


def test_linalg_error_is_a_runtime_error():
    assert issubclass(L.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError):
        L.inv(S(SING))


# ---------------------------------------------------------------- compositions

@pytest.mark.parametrize("ord", ["fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_matrix_norm_every_ord(ord, dtype):
    a = arr(2, 3, 4, dtype=dtype)
    close(L.matrix_norm(S(a), ord), np.linalg.norm(a, ord, axis=(-2, -1)), dtype)
    for dim, keepdim in (((0, 2), True), ((2, 1), False)):
        close(L.matrix_norm(S(a), ord, dim=dim, keepdim=keepdim),
              TL.matrix_norm(Tt(a), ord, dim=dim, keepdim=keepdim), dtype)
    close(L.norm(S(a[0]), ord), np.linalg.norm(a[0], ord), dtype)
    if dtype == np.float64 and ord not in (np.inf, -np.inf, 1, -1):
        grads_match(lambda x: L.matrix_norm(x, ord), lambda x: TL.matrix_norm(x, ord), a[0])


def test_cond_rank_pinv_lstsq():
    a = arr(2, 4, 3)
    close(L.cond(S(a)), np.linalg.cond(a))
    sq = arr(3, 3)
    for p in (None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf):
        close(L.cond(S(sq), p), np.linalg.cond(sq, p))
    low = arr(5, 2) @ arr(2, 4)
    assert L.matrix_rank(S(low)).item() == 2 == np.linalg.matrix_rank(low)
    assert L.matrix_rank(S(spd(4)), hermitian=True).item() == 4
    assert L.matrix_rank(S(low), atol=1e9).item() == 0
    close(L.pinv(S(a)), np.linalg.pinv(a))
    close(L.pinv(S(low)), np.linalg.pinv(low))
    p = spd(3)
    close(L.pinv(S(p), hermitian=True), np.linalg.pinv(p))
    grads_match(L.pinv, TL.pinv, a)
    b = arr(2, 4, 2)
    r = L.lstsq(S(a), S(b))
    close(r.solution, TL.lstsq(Tt(a), Tt(b)).solution)
    close(r.solution, np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(2)]))
    assert r.rank.tolist() == TL.lstsq(Tt(a), Tt(b)).rank.tolist()
    close(L.lstsq(S(a[0]), S(b[0, :, 0])).solution, TL.lstsq(Tt(a[0]), Tt(b[0, :, 0])).solution)


@pytest.mark.parametrize("upper,left,unit", [(True, True, False), (False, True, True), (True, False, False),
                                             (False, False, False)])
def test_solve_triangular(upper, left, unit):
    a = arr(2, 3, 3) + 3 * np.eye(3)
    b = arr(2, 3, 4) if left else arr(2, 4, 3)
    kw = dict(upper=upper, left=left, unitriangular=unit)
    close(L.solve_triangular(S(a), S(b), **kw), TL.solve_triangular(Tt(a), Tt(b), **kw))
    grads_match(lambda x, y: L.solve_triangular(x, y, **kw), lambda x, y: TL.solve_triangular(x, y, **kw), a, b)


def test_matrix_power_multi_dot_cross_vecdot():
    a = arr(2, 3, 3)
    for n in (0, 1, 2, 5, -1, -3):
        close(L.matrix_power(S(a), n), TL.matrix_power(Tt(a), n))
    grads_match(lambda x: L.matrix_power(x, 3), lambda x: TL.matrix_power(x, 3), a)
    xs = [arr(3), arr(3, 4), arr(4, 2), arr(2)]
    close(L.multi_dot([S(x) for x in xs]), TL.multi_dot([Tt(x) for x in xs]))
    close(L.multi_dot([S(x) for x in xs[1:3]]), TL.multi_dot([Tt(x) for x in xs[1:3]]))
    u, v = arr(4, 3), arr(1, 3)
    close(L.cross(S(u), S(v)), np.cross(u, v))
    close(L.cross(S(u.T.copy()), S(v.T.copy()), dim=0), np.cross(u, v).T)
    grads_match(L.cross, TL.cross, u, arr(4, 3))
    close(L.vecdot(S(u), S(v)), TL.vecdot(Tt(u), Tt(v)))
    close(L.vecdot(S(u), S(u), dim=0), TL.vecdot(Tt(u), Tt(u), dim=0))


def test_out_and_ex_forms():
    a = arr(3, 3)
    out = st.empty(3, 3, dtype=st.float64)
    r = L.inv(S(a), out=out)
    assert r is out
    close(out, np.linalg.inv(a))
    inv, info = L.inv_ex(S(a))
    assert info.item() == 0 and type(L.inv_ex(S(a))).__name__ == "linalg_inv_ex"
    p = spd(3)
    L_, info = L.cholesky_ex(S(p))
    assert info.item() == 0
    close(L_, np.linalg.cholesky(p))
    X, info = L.solve_ex(S(a), S(arr(3)))
    assert info.item() == 0
