"""Forward-mode AD of the reductions, indexing, sorting and nn ops (smalltorch.autograd.forward_ad): each
tangent against central finite differences in float64 and against torch.autograd.forward_ad on the same
inputs; smalltorch.func.jvp/jacfwd in forward mode."""
import numpy as np
import pytest

import smalltorch as st
import smalltorch.autograd.forward_ad as fwAD
from test_forward_ad import (_finite_difference, _jvp, check_against_finite_differences,  # same helpers
                             check_against_torch)


def lib(x):
    """The library x belongs to (each case runs on both)."""
    return st if isinstance(x, st.Tensor) else __import__("torch")


def F(x):
    return lib(x).nn.functional


def T(x, values):
    """A constant (index, mask, target; numbers of float type take x's dtype) in x's library."""
    L = lib(x)
    return L.tensor(values, dtype=x.dtype) if np.asarray(values).dtype.kind == "f" else L.tensor(values)


def mask_of(x, rows):
    return T(x, np.array(rows, dtype=bool))


def _zero_at(*where):
    """A primal preparation setting the given entries of the first input to 0."""
    def prep(arrays):
        for w in where:
            arrays[0][w] = 0.0
        return arrays
    return prep


def _positive(arrays):
    return [np.abs(a) + 0.5 for a in arrays]


def _probabilities(arrays):
    return [1 / (1 + np.exp(-a)) for a in arrays]


# (name, function of tensors written for either library, input shapes, primal preparation or None)
CASES = [
    # reductions
    ("prod", lambda x: x.prod(), [(3, 4)], None),
    ("prod_dim", lambda x: x.prod(1) + x.prod(0, keepdim=True).sum(), [(3, 4)], None),
    ("prod_one_zero", lambda x: x.prod(1), [(3, 4)], _zero_at((0, 1))),
    ("prod_two_zeros", lambda x: x.prod(1).sum() + x.prod(), [(3, 4)], _zero_at((0, 1), (0, 3), (2, 0))),
    ("prod_0d", lambda x: x.sum().prod(), [(3,)], None),
    ("amax_amin", lambda x: x.amax(1) + x.amin(0).sum() + x.amax((0, 1), keepdim=True), [(3, 4)], None),
    ("max_min_all", lambda x: x.max() * x.min(), [(3, 4)], None),
    ("max_min_dim", lambda x: x.max(1)[0] + x.min(1, keepdim=True).values.squeeze(1), [(3, 4)], None),
    ("max_dim_0d", lambda x: x.sum().max(0)[0], [(3,)], None),
    ("var_std", lambda x: x.var(1) + x.std(0).sum() + x.var(correction=0) + x.std(1, keepdim=True).squeeze(1),
     [(3, 4)], None),
    ("var_mean_std_mean", lambda x: sum(lib(x).var_mean(x, 1)) + sum(lib(x).std_mean(x, 0, correction=0)).sum(),
     [(3, 4)], None),
    ("norm", lambda x: x.norm() + x.norm(dim=1).sum() + x.norm(1) + x.norm(3, dim=0).sum(), [(3, 4)], None),
    ("vector_norm", lambda x: lib(x).linalg.vector_norm(x, float("inf"), 1) + lib(x).linalg.vector_norm(x, 0.5, 1)
     + lib(x).linalg.vector_norm(x, 2.5, 1, keepdim=True).squeeze(1), [(3, 4)], None),
    ("matrix_norm", lambda x: lib(x).linalg.matrix_norm(x) + lib(x).linalg.matrix_norm(x, 1)
     + lib(x).linalg.matrix_norm(x, -float("inf")), [(2, 3, 4)], None),
    ("logsumexp", lambda x: x.logsumexp(1) + x.logsumexp((0, 1)), [(3, 4)], None),
    ("cumprod", lambda x: x.cumprod(1), [(3, 4)], None),
    ("cumprod_zeros", lambda x: x.cumprod(1), [(3, 5)], _zero_at((0, 1), (1, 1), (1, 3), (2, 0))),
    ("cumprod_inplace", lambda x: (x * 1).cumprod_(0), [(4, 2)], None),
    # elementwise with tensor operands
    ("where_tensors", lambda x, y: lib(x).where(x > y, x * 2, y), [(5,), (5,)], None),
    ("masked_fill", lambda x: x.masked_fill(x > 0, 1.5), [(6,)], None),
    ("clamp_tensor_bounds", lambda x, lo, hi: x.clamp(lo, lo + hi.abs()), [(6,), (6,), (6,)], None),
    # indexing
    ("index_tensor", lambda x: x[T(x, [0, 2, 2])] * 1 + x[:, T(x, [1, 0])].sum(), [(4, 3)], None),
    ("index_bool", lambda x: x[x > 0], [(4, 3)], None),
    ("index_two_tensors", lambda x: x[T(x, [0, 1]), T(x, [2, 0])], [(2, 3)], None),
    ("setitem_tensor", lambda x, v: setitem(x, v), [(5,), (2,)], None),
    ("index_put_accumulate", lambda x, v: x.index_put((T(x, [0, 0, 3]),), v, accumulate=True), [(4,), (3,)], None),
    ("index_add", lambda x, s: x.index_add(0, T(x, [0, 2]), s, alpha=2.0), [(4, 3), (2, 3)], None),
    ("index_copy", lambda x, s: x.index_copy(0, T(x, [0, 2]), s), [(4, 3), (2, 3)], None),
    ("index_fill", lambda x: x.index_fill(1, T(x, [0, 2]), -1.0), [(2, 3)], None),
    ("scatter", lambda x, s: x.scatter(1, T(x, [[0], [2], [1]]), s), [(3, 3), (3, 1)], None),
    ("scatter_add", lambda x, s: x.scatter_add(0, T(x, [[0, 1, 0], [0, 0, 1]]), s), [(2, 3), (2, 3)], None),
    ("scatter_value", lambda x: x.scatter(1, T(x, [[0], [2]]), 2.0), [(2, 3)], None),
    ("scatter_inplace", lambda x, s: (x * 1).scatter_(1, T(x, [[1], [0]]), s), [(2, 3), (2, 1)], None),
    ("take", lambda x: x.take(T(x, [0, 4, -1, 4])), [(3, 3)], None),
    ("masked_select", lambda x: x.masked_select(mask_of(x, [True, False, True])), [(2, 3)], None),
    ("masked_scatter", lambda x, s: x.masked_scatter(mask_of(x, [[True, False], [True, True]]), s),
     [(2, 2), (4,)], None),
    ("masked_scatter_inplace", lambda x, s: (x * 1).masked_scatter_(mask_of(x, [False, True, True]), s),
     [(3,), (3,)], None),
    # sorting
    ("sort", lambda x: x.sort(1)[0] + x.sort(0, descending=True).values, [(3, 4)], None),
    ("topk", lambda x: x.topk(2)[0] + x.topk(2, largest=False).values, [(3, 4)], None),
    ("kthvalue_median_mode", lambda x: x.kthvalue(2)[0] + x.median(1)[0] + x.median() + x.mode(1)[0],
     [(3, 4)], None),
    ("quantile", lambda x: lib(x).quantile(x, 0.3, dim=1), [(3, 5)], None),
    # views and copies
    ("diag", lambda x: x.diag() + x.diag(1).sum() + x.diag().diag().sum(0), [(3, 3)], None),
    ("expand_narrow_split", lambda x: x[:, :1].expand_as(x) + x.narrow(1, 1, 1) + x.split(1, 1)[2]
     + x.chunk(3, 1)[0] + x.unbind(1)[1].unsqueeze(1), [(2, 3)], None),
    ("movedim_flatten", lambda x: x.movedim(0, 2).flatten(), [(2, 3, 2)], None),
    # nn
    ("embedding", lambda w: F(w).embedding(T(w, [[0, 2], [3, 2]]), w), [(4, 3)], None),
    ("dropout_eval", lambda x: F(x).dropout(x, 0.5, training=False) + F(x).dropout(x, 0.0), [(5,)], None),
    ("batch_norm_train", lambda x, w, b: F(x).batch_norm(x, None, None, w, b, training=True), [(4, 3, 2), (3,), (3,)],
     None),
    ("batch_norm_eval", lambda x, w, b: F(x).batch_norm(x, T(x, [0.1, -0.2, 0.3]), T(x, [0.5, 1.5, 2.0]), w, b,
                                                        training=False), [(4, 3, 2), (3,), (3,)], None),
    ("layer_norm", lambda x, w, b: F(x).layer_norm(x, (2, 3), w, b) + F(x).layer_norm(x, (3,)).sum(1, True),
     [(4, 2, 3), (2, 3), (2, 3)], None),
    ("group_norm", lambda x, w, b: F(x).group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)], None),
    ("conv1d", lambda x, w, b: F(x).conv1d(x, w, b, stride=2, padding=1), [(2, 2, 7), (3, 2, 3), (3,)], None),
    ("conv2d_groups", lambda x, w: F(x).conv2d(x, w, groups=2, dilation=(1, 2)), [(1, 4, 5, 6), (2, 2, 3, 2)], None),
    ("conv_transpose2d", lambda x, w, b: F(x).conv_transpose2d(x, w, b, stride=2), [(1, 2, 3, 3), (2, 3, 2, 2), (3,)],
     None),
    ("linear", lambda x, w, b: F(x).linear(x, w, b), [(2, 3), (4, 3), (4,)], None),
    ("max_pool", lambda x: F(x).max_pool2d(x, 2) + F(x).max_pool2d(x, 3, 1, 1)[..., ::2, ::2][..., :2, :2],
     [(1, 2, 4, 4)], None),
    ("max_pool1d", lambda x: F(x).max_pool1d(x, 2, 1), [(2, 1, 6)], None),
    ("avg_pool", lambda x: F(x).avg_pool2d(x, 3, 2, 1) + F(x).avg_pool2d(x, 3, 2, 1, count_include_pad=False),
     [(2, 1, 5, 5)], None),
    ("avg_pool1d", lambda x: F(x).avg_pool1d(x, 2), [(1, 2, 6)], None),
    ("adaptive_pools", lambda x: F(x).adaptive_avg_pool2d(x, (2, 3)) + F(x).adaptive_max_pool2d(x, (2, 3)),
     [(1, 2, 5, 5)], None),
    # losses
    ("mse", lambda x, y: F(x).mse_loss(x, y) + F(x).mse_loss(x, y, reduction="sum")
     + F(x).mse_loss(x, y, reduction="none")[1], [(3, 2), (3, 2)], None),
    ("l1_smooth_huber", lambda x, y: F(x).l1_loss(x, y) + F(x).smooth_l1_loss(x, y, beta=0.7)
     + F(x).huber_loss(x, y, reduction="sum", delta=0.6), [(6,), (6,)], None),
    ("cross_entropy", lambda x: F(x).cross_entropy(x, T(x, [0, 3, 1])) + F(x).cross_entropy(x, T(x, [2, 2, 0]),
                                                                                         label_smoothing=0.1),
     [(3, 4)], None),
    ("cross_entropy_probs", lambda x, p: F(x).cross_entropy(x, p.softmax(1)), [(3, 4), (3, 4)], None),
    ("nll_loss", lambda x: F(x).nll_loss(x, T(x, [0, 3, 1]), weight=T(x, [0.5, 2.0, 1.0, 1.5]))
     + F(x).nll_loss(x, T(x, [1, -100, 2]), reduction="none").sum() + F(x).nll_loss(x, T(x, [0, 2, 1]),
                                                                                     reduction="sum"),
     [(3, 4)], None),
    ("nll_loss_2d", lambda x: F(x).nll_loss(x, T(x, [[[0, 1], [2, 0]]]), reduction="none"), [(1, 3, 2, 2)], None),
    ("bce", lambda x, y: F(x).binary_cross_entropy(x, y, weight=T(x, [0.5, 1.0, 2.0, 1.5, 0.7]))
     + F(x).binary_cross_entropy(x, y, reduction="sum"), [(5,), (5,)], _probabilities),
    ("bce_logits", lambda x, y: F(x).binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=T(x, [0.5, 2.0, 1.0]))
     + F(x).binary_cross_entropy_with_logits(x, y.sigmoid(), reduction="none", weight=T(x, [1.5, 0.5, 1.0])).sum(),
     [(2, 3), (2, 3)], None),
    # linear algebra (LAPACK)
    ("inv", lambda a: lib(a).linalg.inv(a + 4 * eye(a, 3)), [(2, 3, 3)], None),
    ("det_slogdet", lambda a: lib(a).linalg.det(a) + lib(a).linalg.slogdet(a + 4 * eye(a, 3))[1]
     + (a @ a.mT + eye(a, 3)).logdet(), [(2, 3, 3)], None),
    ("solve", lambda a, b: lib(a).linalg.solve(a + 4 * eye(a, 3), b), [(2, 3, 3), (2, 3, 2)], None),
    ("solve_vector_right", lambda a, b, c: lib(a).linalg.solve(a + 4 * eye(a, 3), b)
     + lib(a).linalg.solve(a + 4 * eye(a, 3), c, left=False)[..., 0], [(3, 3), (3,), (3, 3)], None),
    ("solve_triangular", lambda a, b: lib(a).linalg.solve_triangular(a + 4 * eye(a, 3), b, upper=True)
     + lib(a).linalg.solve_triangular(a + 4 * eye(a, 3), b.mT, upper=False, left=False, unitriangular=True).mT,
     [(3, 3), (3, 2)], None),
    ("cholesky", lambda a: lib(a).linalg.cholesky(a @ a.mT + eye(a, 3)) + lib(a).linalg.cholesky(
        a.mT @ a + eye(a, 3), upper=True), [(2, 3, 3)], None),
    ("eigh", lambda a: eigh_signed(a + a.mT), [(3, 3)], None),
    ("qr", lambda a: lib(a).cat([t.reshape(-1) for t in lib(a).linalg.qr(a) + lib(a).linalg.qr(a[..., :3, :],
                                                                                               "complete")]),
     [(2, 4, 3)], None),
    ("glu_nan_to_num_polygamma", lambda x: F(x).glu(x, 0).sum(0) + x.nan_to_num() + (x.abs() + 0.5).polygamma(2)
     + x.div(0.7, rounding_mode="floor") + x.round(decimals=0), [(2, 3)], None),
    ("svd", lambda a: svd_invariant(lib(a).linalg.svd(a, full_matrices=False)), [(2, 4, 3)], None),
    ("svd_wide_square", lambda a: lib(a).cat([svd_invariant(lib(a).linalg.svd(a[0], full_matrices=False)),
                                              svd_invariant(lib(a).linalg.svd(a[1, :, :3]))]), [(2, 3, 5)], None),
    ("qr_wide", lambda a: lib(a).cat([t.reshape(-1) for t in lib(a).linalg.qr(a) + lib(a).linalg.qr(a, "complete")
                                      + lib(a).linalg.qr(a[..., :3])]), [(2, 3, 5)], None),
    ("lu_factor", lambda a: lib(a).linalg.lu_factor(a)[0], [(2, 3, 3)], None),
    ("lu_factor_ex_wide_tall", lambda a: lib(a).cat([lib(a).linalg.lu_factor_ex(a[..., :2, :])[0].reshape(-1),
                                                    lib(a).linalg.lu_factor(a[..., :2])[0].reshape(-1)]),
     [(2, 3, 3)], None),
    ("lu_solve", lambda a, b: lu_solves(lib(a).linalg.lu_factor(a + 4 * eye(a, 3)), b), [(2, 3, 3), (2, 3, 3)], None),
    ("lu_solve_lu_only", lambda a: lu_solves(lib(a).linalg.lu_factor(a + 4 * eye(a, 3)), T(a, np.eye(3) + 1.0)),
     [(3, 3)], None),
    ("lu_unpack", lambda a: lib(a).cat([t.reshape(-1) for t in lib(a).lu_unpack(*lib(a).linalg.lu_factor(a))[1:]
                                        + lib(a).lu_unpack(*lib(a).linalg.lu_factor(a.mT))[1:]]), [(2, 4, 3)], None),
    ("svdvals_nuc", lambda a: lib(a).linalg.svdvals(a).sum(-1) + lib(a).linalg.matrix_norm(a, "nuc")
     + lib(a).linalg.matrix_norm(a, 2), [(2, 3, 4)], None),
]


def eye(x, n):
    return lib(x).eye(n, dtype=x.dtype)


def lu_solves(lu_piv, b):
    """lu_solve with every left / adjoint combination, summed."""
    LU, piv = lu_piv
    solve = lib(b).linalg.lu_solve
    return (solve(LU, piv, b) + solve(LU, piv, b, adjoint=True) + solve(LU, piv, b, left=False)
            + solve(LU, piv, b, left=False, adjoint=True))


def svd_invariant(usv):
    """Functions of U, S, Vh that do not depend on the singular vectors' signs, flattened."""
    U, S, Vh = usv
    L = lib(S)
    return L.cat([((U * U[..., :1, :]).sum(-2) * S).reshape(-1), ((Vh * Vh[..., :, :1]).sum(-1) * S).reshape(-1),
                  (U @ Vh).reshape(-1)])


def eigh_signed(a):
    """Eigenvalues and eigenvectors, the vectors' signs fixed (first entry positive)."""
    values, vectors = lib(a).linalg.eigh(a)
    signs = lib(a).sign(vectors[..., :1, :]).detach()
    return values + (vectors * signs).sum(0)


def setitem(x, v):
    y = x * 1
    y[T(x, [4, 1])] = v
    return y


def _inputs(shapes, prep, seed):
    rng = np.random.default_rng(seed)
    primals = [rng.standard_normal(s) for s in shapes]
    if prep is not None:
        primals = prep(primals)
    tangents = [rng.standard_normal(s) for s in shapes]
    return primals, tangents


@pytest.mark.parametrize("name,fn,shapes,prep", CASES, ids=[c[0] for c in CASES])
def test_tangent_matches_finite_differences(name, fn, shapes, prep):
    check_against_finite_differences(fn, *_inputs(shapes, prep, 11), rtol=1e-5)


@pytest.mark.parametrize("name,fn,shapes,prep", CASES, ids=[c[0] for c in CASES])
def test_tangent_matches_torch(torch_ref, name, fn, shapes, prep):
    check_against_torch(torch_ref, fn, *_inputs(shapes, prep, 12), rtol=1e-9, atol=1e-11)


def test_dropout_tangent_follows_the_mask():
    x = st.randn(200, dtype=st.float64) + 3.0
    t = st.randn(200, dtype=st.float64)
    with fwAD.dual_level():
        y, ty = fwAD.unpack_dual(st.nn.functional.dropout(fwAD.make_dual(x, t), 0.4))
    np.testing.assert_allclose(ty.numpy(), (y / x * t).numpy(), rtol=1e-12, atol=1e-12)


def test_inplace_forms_keep_the_tangent(torch_ref):
    """In-place ops take the new tangent (cumsum_ and cumprod_ are built on their out-of-place form)."""
    torch = torch_ref
    x, t = np.array([1.5, -2.0, 3.0]), np.array([0.5, 1.0, -1.0])
    results = []
    for L in (st, torch):
        fw = L.autograd.forward_ad
        with fw.dual_level():
            y = fw.make_dual(L.tensor(x), L.tensor(t)) * 1
            y.cumsum_(0)
            y.div_(2.0, rounding_mode=None)
            y.cumprod_(0)
            y.nan_to_num_()
            z = y.abs() + 0.5
            z.polygamma_(1)
            w = y * 1
            w.round_(decimals=0)
            results.append(np.concatenate([fw.unpack_dual(v).tangent.numpy() for v in (y, z, w)]))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


@pytest.mark.parametrize("shape", [(4, 2), (2, 4), (2, 3, 5)])
def test_svd_full_matrices_tangent(torch_ref, shape):
    """Full matrices of a non-square matrix: the reduced vectors' tangents, zero for the extra columns of U
    and rows of Vh, as PyTorch (compared on sign-invariant functions); the reduced part against finite
    differences. torch.svd(some=False) alike."""
    torch = torch_ref
    rng = np.random.default_rng(3)
    a, t = rng.standard_normal(shape), rng.standard_normal(shape)
    k = min(shape[-2:])

    def full(a):
        U, S, Vh = lib(a).linalg.svd(a)
        assert U.shape[-1] == shape[-2] and Vh.shape[-2] == shape[-1]
        U2, S2, V2 = lib(a).svd(a, some=False)
        return lib(a).cat([((U * U[..., :1, :]).sum(-2)).reshape(-1), ((Vh * Vh[..., :, :1]).sum(-1)).reshape(-1),
                           (U2 * U2[..., :1, :]).sum(-2).reshape(-1), (V2 * V2[..., :1, :]).sum(-2).reshape(-1),
                           S.reshape(-1), S2.reshape(-1)])

    def reduced_part(a):
        U, S, Vh = lib(a).linalg.svd(a)
        return svd_invariant((U[..., :k], S, Vh[..., :k, :]))

    check_against_torch(torch, full, [a], [t], rtol=1e-9, atol=1e-11)
    check_against_finite_differences(reduced_part, [a], [t], rtol=1e-5)
    with fwAD.dual_level():
        U, S, Vh = st.linalg.svd(fwAD.make_dual(st.tensor(a), st.tensor(t)))
        assert np.all(fwAD.unpack_dual(U).tangent.numpy()[..., k:] == 0)
        assert np.all(fwAD.unpack_dual(Vh).tangent.numpy()[..., k:, :] == 0)


@pytest.mark.parametrize("mode,shape", [("r", (3, 2)), ("r", (2, 3)), ("complete", (3, 2))])
def test_qr_forward_errors_match_torch(torch_ref, mode, shape):
    """mode='r' (no Q) and mode='complete' of a tall matrix have no derivative: PyTorch's RuntimeError,
    raised by the forward under a dual level."""
    outcomes = []
    for L in (st, torch_ref):
        fw = L.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(L.ones(*shape, dtype=L.float64).tril(), L.ones(*shape, dtype=L.float64))
            with pytest.raises(RuntimeError) as info:
                L.linalg.qr(d, mode=mode)
            outcomes.append(str(info.value))
            L.linalg.qr(d.detach(), mode=mode)  # without a tangent it runs
    assert outcomes[0] == outcomes[1]


def test_det_of_singular_matrix_matches_finite_differences():
    """A (numerically) singular matrix: the tangent is <adj(A)ᵀ, t_A>, as finite differences say.
    (PyTorch 2.13's forward mode gives 0 for this input, so it is not compared.)"""
    rng = np.random.default_rng(5)
    a, t = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    a[2] = a[0] + 0.5 * a[1]
    fn = st.linalg.det
    _, tangent = _jvp(fn, [a], [t])
    np.testing.assert_allclose(tangent, _finite_difference(fn, [a], [t]), rtol=1e-6, atol=1e-8)
    a[2] = 0.0  # exactly singular: the SVD form of the adjugate
    _, tangent = _jvp(fn, [a], [t])
    np.testing.assert_allclose(tangent, _finite_difference(fn, [a], [t]), rtol=1e-6, atol=1e-8)
