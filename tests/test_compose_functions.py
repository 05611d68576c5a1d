"""Issue 10's compositions (python/smalltorch/_compose.py): values, dtypes and shapes against torch, gradients
by gradcheck, PyTorch's exception classes on bad inputs."""
import numpy as np
import pytest

import smalltorch as st

RNG = np.random.default_rng(7)
A34 = RNG.standard_normal((3, 4))
A44 = RNG.standard_normal((4, 4)) * 0.5
B234 = RNG.standard_normal((2, 3, 4))
V5 = RNG.standard_normal(5)
I6 = np.array([3, 0, 2, 2, 5, 0])
NANS = np.array([[1.0, np.nan, 3.0, -2.0], [4.0, 0.5, 0.5, 2.0], [np.nan, np.nan, 1.0, 1.0]])

CASES = {
    "positive": lambda T: T.positive(T.tensor(A34)),
    "float_power": lambda T: T.float_power(T.tensor(I6), 2),
    "float_power_tensor": lambda T: T.float_power(T.tensor(A34).abs(), T.tensor(A34[0])),
    "float_power_scalar_base": lambda T: T.float_power(2, T.tensor(A34)),
    "isreal": lambda T: T.isreal(T.tensor(A34)),
    "is_nonzero": lambda T: T.tensor([0.0]).is_nonzero(),
    "diff": lambda T: T.diff(T.tensor(A34)),
    "diff_n2_dim0": lambda T: T.diff(T.tensor(A34), n=2, dim=0),
    "diff_prepend_append": lambda T: T.diff(T.tensor(V5), prepend=T.tensor([1.0]), append=T.tensor([2.0, 3.0])),
    "diff_bool": lambda T: T.tensor([True, False, False, True]).diff(),
    "trapezoid": lambda T: T.trapezoid(T.tensor(A34)),
    "trapezoid_dx": lambda T: T.trapezoid(T.tensor(A34), dx=0.5, dim=0),
    "trapezoid_x": lambda T: T.trapezoid(T.tensor(A34), T.tensor([0.0, 1.0, 3.0, 3.5])),
    "cumulative_trapezoid": lambda T: T.cumulative_trapezoid(T.tensor(A34)),
    "cumulative_trapezoid_x": lambda T: T.cumulative_trapezoid(T.tensor(A34), T.tensor([0.0, 1.0, 3.0, 3.5])),
    "vander": lambda T: T.vander(T.tensor(V5)),
    "vander_int_increasing": lambda T: T.vander(T.tensor([1, 2, 3]), N=4, increasing=True),
    "block_diag": lambda T: T.block_diag(T.tensor(A34), T.tensor([1, 2]), T.tensor(5.0)),
    "meshgrid_ij": lambda T: T.meshgrid(T.tensor([1, 2, 3]), T.tensor([4, 5]), indexing="ij"),
    "meshgrid_xy": lambda T: T.meshgrid(T.tensor([1.0, 2.0, 3.0]), T.tensor([4.0, 5.0]), T.tensor([6.0, 7.0]),
                                        indexing="xy"),
    "cross": lambda T: T.cross(T.tensor(A34[:, :3]), T.tensor(A44[:3, :3])),
    "cross_dim": lambda T: T.tensor(A34[:, :3]).cross(T.tensor(A44[:3, :3]), dim=0),
    "cartesian_prod": lambda T: T.cartesian_prod(T.tensor([1, 2, 3]), T.tensor([4, 5])),
    "tril_indices": lambda T: T.tril_indices(4, 3, 1),
    "triu_indices": lambda T: T.triu_indices(3, 5, -1),
    "rot90": lambda T: T.rot90(T.tensor(B234), 1, [1, 2]),
    "rot90_k3": lambda T: T.tensor(A34).rot90(3),
    "rot90_k2": lambda T: T.tensor(A34).rot90(-2, [1, 0]),
    "diag_embed": lambda T: T.diag_embed(T.tensor(A34)),
    "diag_embed_offset": lambda T: T.diag_embed(T.tensor(A34), offset=-1, dim1=0, dim2=2),
    "diagflat": lambda T: T.diagflat(T.tensor(A34[:2, :2]), 1),
    "kron": lambda T: T.kron(T.tensor(A34), T.tensor([[1.0, 2.0], [3.0, 4.0]])),
    "kron_mixed_dims": lambda T: T.kron(T.tensor(B234), T.tensor([1.0, -1.0])),
    "tensordot": lambda T: T.tensordot(T.tensor(B234), T.tensor(A34), dims=([1, 2], [0, 1])),
    "tensordot_int": lambda T: T.tensordot(T.tensor(B234), T.tensor(A34.T.copy()), dims=1),
    "chain_matmul": lambda T: T.chain_matmul(T.tensor(A34), T.tensor(A44), T.tensor(A44)),
    "addmv": lambda T: T.addmv(T.tensor(A34[:, 0]), T.tensor(A34), T.tensor(A44[0]), beta=0.5, alpha=2),
    "addr": lambda T: T.addr(T.tensor(A34), T.tensor(A34[:, 0]), T.tensor(A44[0])),
    "baddbmm": lambda T: T.baddbmm(T.tensor(B234[:, :, :3]), T.tensor(B234), T.tensor(B234.transpose(0, 2, 1)[:, :, :3].copy()), alpha=0.5),
    "addbmm": lambda T: T.addbmm(T.tensor(A34[:, :3]), T.tensor(B234), T.tensor(B234.transpose(0, 2, 1)[:, :, :3].copy())),
    "pinverse": lambda T: T.pinverse(T.tensor(A34)),
    "matrix_power": lambda T: T.matrix_power(T.tensor(A44), 3),
    "matrix_exp": lambda T: T.matrix_exp(T.tensor(A44 * 4)),
    "linalg_matrix_exp": lambda T: T.linalg.matrix_exp(T.tensor(B234[:, :, :3][:, :3])),
    "linalg_diagonal": lambda T: T.linalg.diagonal(T.tensor(B234), offset=1),
    "dist": lambda T: T.dist(T.tensor(A34), T.tensor(A34[0]), 3),
    "cov": lambda T: T.cov(T.tensor(A34)),
    "cov_1d": lambda T: T.cov(T.tensor(V5), correction=0),
    "cov_weights": lambda T: T.cov(T.tensor(A34), fweights=T.tensor([1, 2, 1, 3]), aweights=T.tensor([0.5, 1.0, 2.0, 1.0], dtype=T.float64)),
    "corrcoef": lambda T: T.corrcoef(T.tensor(A34)),
    "nansum": lambda T: T.nansum(T.tensor(NANS), 1),
    "nanmean": lambda T: T.nanmean(T.tensor(NANS), 0, keepdim=True),
    "cdist": lambda T: T.cdist(T.tensor(A34), T.tensor(A44)),
    "cdist_p1": lambda T: T.cdist(T.tensor(B234), T.tensor(B234[:, :2]), p=1.0),
    "renorm": lambda T: T.renorm(T.tensor(A34), 2, 0, 1.0),
    "histc": lambda T: T.histc(T.tensor(V5), bins=4),
    "histc_range": lambda T: T.histc(T.tensor(A34), bins=5, min=-1, max=1),
    "bincount": lambda T: T.bincount(T.tensor(I6)),
    "bincount_weights": lambda T: T.bincount(T.tensor(I6), T.tensor(np.linspace(0, 1, 6)), minlength=8),
    "bucketize": lambda T: T.bucketize(T.tensor(A34), T.tensor([-1.0, 0.0, 1.0])),
    "bucketize_right": lambda T: T.bucketize(T.tensor([1, 2, 3, 4]), T.tensor([1, 3]), right=True, out_int32=True),
    "searchsorted": lambda T: T.searchsorted(T.tensor([-1.0, 0.0, 1.0]), T.tensor(A34)),
    "searchsorted_nd": lambda T: T.searchsorted(T.tensor(np.sort(A34, 1)), T.tensor(A34[:, :2]), side="right"),
    "isin": lambda T: T.isin(T.tensor(I6), T.tensor([0, 5])),
    "isin_invert": lambda T: T.isin(T.tensor(I6), 2, invert=True),
    "cummax": lambda T: T.cummax(T.tensor(A34), 1),
    "cummin": lambda T: T.tensor(NANS).cummin(0),
    "logcumsumexp": lambda T: T.logcumsumexp(T.tensor(A34 * 30), 1),
    "median": lambda T: T.median(T.tensor(A34)),
    "median_dim": lambda T: T.median(T.tensor(A34), 1),
    "median_nan": lambda T: T.tensor(NANS).median(1),
    "nanmedian": lambda T: T.tensor(NANS).nanmedian(1, keepdim=True),
    "kthvalue": lambda T: T.kthvalue(T.tensor(A34), 2, 0),
    "mode": lambda T: T.mode(T.tensor([[1, 2, 2, 3, 3], [4, 4, 1, 1, 0]])),
    "quantile": lambda T: T.quantile(T.tensor(A34), 0.3),
    "quantile_dim": lambda T: T.quantile(T.tensor(A34), T.tensor([0.1, 0.5, 0.9], dtype=T.float64), dim=1, keepdim=True),
    "quantile_nearest": lambda T: T.quantile(T.tensor(A34), 0.4, dim=0, interpolation="nearest"),
    "quantile_midpoint": lambda T: T.quantile(T.tensor(A34), 0.4, dim=1, interpolation="midpoint"),
    "quantile_nan": lambda T: T.quantile(T.tensor(NANS), 0.5, dim=1),
    "nanquantile": lambda T: T.nanquantile(T.tensor(NANS), T.tensor([0.25, 0.75], dtype=T.float64), dim=1),
    "tensor_split": lambda T: T.tensor_split(T.tensor(A34), 3, dim=1),
    "tensor_split_indices": lambda T: T.tensor(A34).tensor_split([1, 3, 10], dim=1),
    "hsplit": lambda T: T.hsplit(T.tensor(A34), 2),
    "vsplit": lambda T: T.vsplit(T.tensor(A34), [1]),
    "dsplit": lambda T: T.dsplit(T.tensor(B234), 2),
    "unique_consecutive": lambda T: T.unique_consecutive(T.tensor([1, 1, 2, 2, 3, 1, 1]), return_inverse=True,
                                                         return_counts=True),
    "logspace": lambda T: T.logspace(0, 2, 5),
    "logspace_base": lambda T: T.logspace(-1, 1, 4, base=2, dtype=T.float64),
    "combinations": lambda T: T.combinations(T.tensor([1, 2, 3, 4])),
    "combinations_r3": lambda T: T.combinations(T.tensor([1.0, 2.0, 3.0]), 3, with_replacement=True),
    "index_fill": lambda T: T.tensor(A34).index_fill(1, T.tensor([0, 2]), -1.0),
    "index_copy": lambda T: T.tensor(A34).index_copy(0, T.tensor([2, 0]), T.tensor(A44[:2])),
    "sum_to_size": lambda T: T.tensor(B234).sum_to_size(3, 1),
    "clamp_min_": lambda T: T.tensor(A34).clamp_min_(0.1),
    "det_method": lambda T: T.tensor(A44).det(),
    "slogdet_method": lambda T: T.tensor(A44).slogdet(),
}


def _np(x):
    if isinstance(x, (tuple, list)):
        return [_np(v) for v in x]
    if isinstance(x, (bool, int, float)):
        return x
    return x.detach().numpy()


def _dtype_name(x):
    return str(x.dtype).split(".")[-1]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, torch_ref):
    got, want = CASES[name](st), CASES[name](torch_ref)
    gs, ws = (got, want) if isinstance(want, (tuple, list)) else ([got], [want])
    assert len(gs) == len(ws)
    for g, w in zip(gs, ws):
        if isinstance(w, (bool, int, float)):
            assert g == w
            continue
        assert tuple(g.shape) == tuple(w.shape), name
        assert _dtype_name(g) == _dtype_name(w), name
        np.testing.assert_allclose(_np(g), _np(w), rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=name)


GRAD = {
    "diff": lambda T, x: T.diff(x, n=2),
    "trapezoid": lambda T, x: T.trapezoid(x, dim=0),
    "cumulative_trapezoid": lambda T, x: T.cumulative_trapezoid(x),
    "kron": lambda T, x: T.kron(x, x[:2, :2]),
    "tensordot": lambda T, x: T.tensordot(x, x.t(), dims=1),
    "cov": lambda T, x: T.cov(x),
    "corrcoef": lambda T, x: T.corrcoef(x),
    "cdist": lambda T, x: T.cdist(x, x[:2] + 1.0),
    "logcumsumexp": lambda T, x: T.logcumsumexp(x, 1),
    "quantile": lambda T, x: T.quantile(x, 0.3, dim=1),
    "median": lambda T, x: T.median(x, 0)[0],
    "matrix_exp": lambda T, x: T.matrix_exp(x[:, :3]),
    "cummax": lambda T, x: T.cummax(x, 1)[0],
    "renorm": lambda T, x: T.renorm(x, 2, 0, 1.0),
    "diag_embed": lambda T, x: T.diag_embed(x, 1),
    "rot90": lambda T, x: T.rot90(x),
    "addmv": lambda T, x: T.addmv(x[0, :3], x[:3, :3], x[1, :3]),
    "block_diag": lambda T, x: T.block_diag(x, x[0]),
    "dist": lambda T, x: T.dist(x, x.flip(0)),
}


@pytest.mark.parametrize("name", sorted(GRAD))
def test_gradients(name, torch_ref):
    x = st.tensor(np.random.default_rng(3).standard_normal((3, 4)), dtype=st.float64, requires_grad=True)
    assert st.autograd.gradcheck(lambda t: GRAD[name](st, t), (x,))
    tx = torch_ref.tensor(x.detach().numpy(), requires_grad=True)
    g, = st.autograd.grad(GRAD[name](st, x).sum(), x)
    tg, = torch_ref.autograd.grad(GRAD[name](torch_ref, tx).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-7, atol=1e-10)


ERRORS = {
    "positive_bool": lambda T: T.positive(T.tensor([True])),
    "float_power_": lambda T: T.tensor([1.0]).float_power_(2),
    "is_nonzero_many": lambda T: T.tensor([1.0, 2.0]).is_nonzero(),
    "is_nonzero_empty": lambda T: T.tensor([]).is_nonzero(),
    "diff_0d": lambda T: T.diff(T.tensor(1.0)),
    "vander_2d": lambda T: T.vander(T.tensor(A34)),
    "block_diag_3d": lambda T: T.block_diag(T.tensor(B234)),
    "meshgrid_2d": lambda T: T.meshgrid(T.tensor(A34), indexing="ij"),
    "meshgrid_dtypes": lambda T: T.meshgrid(T.tensor([1, 2]), T.tensor([1.0]), indexing="ij"),
    "quantile_q_dtype": lambda T: T.quantile(T.tensor(V5), T.tensor([0.5], dtype=T.float32)),
    "rot90_same_dims": lambda T: T.rot90(T.tensor(A34), 1, [0, 0]),
    "rot90_1d": lambda T: T.rot90(T.tensor(V5)),
    "rot90_dim_out_of_range": lambda T: T.rot90(T.tensor(A34), 1, [0, 5]),
    "cov_3d": lambda T: T.cov(T.tensor(B234)),
    "cdist_cols": lambda T: T.cdist(T.tensor(A34), T.tensor(A34[:, :2])),
    "cdist_1d": lambda T: T.cdist(T.tensor(V5), T.tensor(V5)),
    "histc_int": lambda T: T.histc(T.tensor(I6)),
    "bincount_negative": lambda T: T.bincount(T.tensor([1, -1])),
    "bincount_float": lambda T: T.bincount(T.tensor([1.0])),
    "bincount_2d": lambda T: T.bincount(T.tensor([[1]])),
    "kthvalue_k": lambda T: T.kthvalue(T.tensor(V5), 6),
    "quantile_q": lambda T: T.quantile(T.tensor(V5), 1.5),
    "quantile_int": lambda T: T.quantile(T.tensor(I6), 0.5),
    "quantile_interp": lambda T: T.quantile(T.tensor(V5), 0.5, interpolation="cubic"),
    "nanmean_int": lambda T: T.nanmean(T.tensor(I6)),
    "tensor_split_0d": lambda T: T.tensor_split(T.tensor(1.0), 2),
    "tensor_split_zero": lambda T: T.tensor_split(T.tensor(V5), 0),
    "hsplit_indivisible": lambda T: T.hsplit(T.tensor(A34), 3),
    "vsplit_1d": lambda T: T.vsplit(T.tensor(V5), 1),
    "median_empty_dim": lambda T: T.median(T.zeros(0, 3), 0),
    "diff_dim": lambda T: T.diff(T.tensor(A34), dim=2),
    "index_fill_float_index": lambda T: T.tensor(A34).index_fill(0, T.tensor([0.0]), 1.0),
    "matrix_exp_nonsquare": lambda T: T.matrix_exp(T.tensor(A34)),
    "triu_indices_negative": lambda T: T.triu_indices(-1, 3),
    "searchsorted_side": lambda T: T.searchsorted(T.tensor([1.0]), T.tensor([1.0]), side="middle"),
    "combinations_2d": lambda T: T.combinations(T.tensor(A34)),
    "sum_to_size": lambda T: T.tensor(A34).sum_to_size(2, 4),
    "tensordot_mismatch": lambda T: T.tensordot(T.tensor(A34), T.tensor(A34), dims=([0], [0]) if False else ([1], [0])),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name, torch_ref):
    with pytest.raises(Exception) as want:
        ERRORS[name](torch_ref)
    with pytest.raises(Exception) as got:
        ERRORS[name](st)
    assert type(got.value).__name__ == type(want.value).__name__ or \
        isinstance(got.value, type(want.value).__mro__[0]), (got.value, want.value)


@pytest.mark.parametrize("bad", [None, "x", 2 ** 70, float("nan")])
def test_hostile_arguments_raise_the_same_class(bad, torch_ref):
    for name in ("diff", "cov", "corrcoef", "nansum", "histc", "median", "rot90", "diagflat", "positive",
                 "logcumsumexp", "cummax", "vander", "trapezoid"):
        args = (bad,) if name not in ("logcumsumexp", "cummax") else (bad, 0)
        try:
            getattr(torch_ref, name)(*args)
        except Exception as e:
            want = type(e)
        else:
            continue
        with pytest.raises(Exception) as got:
            getattr(st, name)(*args)
        assert isinstance(got.value, want) or type(got.value).__name__ == want.__name__, (name, got.value)


def test_apply_and_map(torch_ref):
    a = st.tensor([1.0, 2.0, 3.0])
    assert a.apply_(lambda v: v * 10) is a
    np.testing.assert_allclose(a.numpy(), [10.0, 20.0, 30.0])
    b = st.tensor([1.0, 2.0, 3.0])
    b.map_(st.tensor([1.0, 1.0, 2.0]), lambda u, v: u - v)
    tb = torch_ref.tensor([1.0, 2.0, 3.0])
    tb.map_(torch_ref.tensor([1.0, 1.0, 2.0]), lambda u, v: u - v)
    np.testing.assert_allclose(b.numpy(), tb.numpy())


def test_in_place_forms(torch_ref):
    for name, args in (("addmv_", lambda T: (T.tensor(A34), T.tensor(A44[0]))),
                       ("addr_", lambda T: (T.tensor(A34[:, 0]), T.tensor(A44[0]))),
                       ("renorm_", lambda T: (2, 0, 1.0))):
        base = {"addmv_": A34[:, 1], "addr_": A34, "renorm_": A34}[name]
        a, ta = st.tensor(base), torch_ref.tensor(base)
        assert getattr(a, name)(*args(st)) is a
        getattr(ta, name)(*args(torch_ref))
        np.testing.assert_allclose(a.numpy(), ta.numpy(), rtol=1e-6)
    a, ta = st.tensor(A34), torch_ref.tensor(A34)
    a.index_fill_(0, st.tensor([1]), 7.0), ta.index_fill_(0, torch_ref.tensor([1]), 7.0)
    np.testing.assert_allclose(a.numpy(), ta.numpy())
    a, ta = st.tensor(A34, dtype=st.float64), torch_ref.tensor(A34, dtype=torch_ref.float64)
    a.float_power_(2), ta.float_power_(2)
    np.testing.assert_allclose(a.numpy(), ta.numpy())


def test_vander_gradcheck():
    """(PyTorch's own vander backward fails on its in-place cumprod, so only gradcheck here)"""
    x = st.tensor([0.5, -1.2, 2.0], dtype=st.float64, requires_grad=True)
    assert st.autograd.gradcheck(lambda t: st.vander(t), (x,))
