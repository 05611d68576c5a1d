"""Views share storage with their base: values, shapes, strides and offsets against numpy and PyTorch."""

import warnings

import numpy as np
import pytest

import smalltorch as torch
from conftest import assert_close, to_np

SHAPE = (2, 3, 4)


def base_st(dtype=torch.float32):
    return torch.arange(24, dtype=dtype).view(*SHAPE)


def base_np(dtype=np.float32):
    return np.arange(24, dtype=dtype).reshape(SHAPE)


def np_elem_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def strides_match(st_strides, shape, np_strides):
    """Strides of dims with size > 1 are fixed by the layout; size-0/1 dims may legitimately differ."""
    if any(s == 0 for s in shape):
        return True
    return all(a == b for a, b, n in zip(st_strides, np_strides, shape) if n > 1)


def check_view(x, v, xn, vn, torch_v=None, shares=True):
    """x/v: smalltorch base and view; xn/vn: numpy base and view; torch_v: the same view made by PyTorch."""
    assert isinstance(v, torch.Tensor)
    assert tuple(v.shape) == vn.shape
    assert v.size() == v.shape and tuple(v.size()) == vn.shape
    assert v.dim() == vn.ndim and v.ndim == vn.ndim
    assert v.numel() == vn.size
    assert v.dtype is x.dtype
    np.testing.assert_array_equal(to_np(v), vn)
    assert strides_match(v.stride(), vn.shape, np_elem_strides(vn))
    for d in range(v.dim()):
        assert v.stride(d) == v.stride()[d]
        assert v.size(d) == v.shape[d]
    if shares:
        assert np.shares_memory(vn, xn) or vn.size == 0
        isz = x.element_size()
        assert v.data_ptr() - x.data_ptr() == (v.storage_offset() - x.storage_offset()) * isz
        if vn.size:
            assert v.storage_offset() == (vn.ctypes.data - xn.ctypes.data) // vn.itemsize
            assert np.shares_memory(v.numpy(), x.numpy())
    if torch_v is not None:
        assert tuple(v.shape) == tuple(torch_v.shape)
        assert v.stride() == torch_v.stride()
        assert v.storage_offset() == torch_v.storage_offset()
        assert v.is_contiguous() == torch_v.is_contiguous()
        np.testing.assert_array_equal(to_np(v), torch_v.numpy())


# (id, op on a torch-like tensor (applied to smalltorch and PyTorch), op on the numpy array)
VIEW_CASES = [
    ("view_flat", lambda t: t.view(24), lambda a: a.reshape(24)),
    ("view_minus1", lambda t: t.view(-1, 4), lambda a: a.reshape(-1, 4)),
    ("view_tuple", lambda t: t.view((4, 6)), lambda a: a.reshape(4, 6)),
    ("view_list", lambda t: t.view([3, -1]), lambda a: a.reshape(3, -1)),
    ("view_ones", lambda t: t.view(1, 2, 1, 12, 1), lambda a: a.reshape(1, 2, 1, 12, 1)),
    ("reshape", lambda t: t.reshape(6, 4), lambda a: a.reshape(6, 4)),
    ("reshape_minus1", lambda t: t.reshape(2, -1), lambda a: a.reshape(2, -1)),
    ("flatten", lambda t: t.flatten(), lambda a: a.reshape(-1)),
    ("flatten_1", lambda t: t.flatten(1), lambda a: a.reshape(2, 12)),
    ("flatten_0_1", lambda t: t.flatten(0, 1), lambda a: a.reshape(6, 4)),
    ("flatten_neg", lambda t: t.flatten(-2, -1), lambda a: a.reshape(2, 12)),
    ("transpose_01", lambda t: t.transpose(0, 1), lambda a: a.swapaxes(0, 1)),
    ("transpose_neg", lambda t: t.transpose(-1, 0), lambda a: a.swapaxes(-1, 0)),
    ("transpose_same", lambda t: t.transpose(1, 1), lambda a: a),
    ("swapaxes", lambda t: t.swapaxes(0, 2), lambda a: a.swapaxes(0, 2)),
    ("swapdims", lambda t: t.swapdims(1, 2), lambda a: a.swapaxes(1, 2)),
    ("permute", lambda t: t.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ("permute_tuple", lambda t: t.permute((1, 2, 0)), lambda a: a.transpose(1, 2, 0)),
    ("permute_neg", lambda t: t.permute(-1, -3, -2), lambda a: a.transpose(2, 0, 1)),
    ("mT", lambda t: t.mT, lambda a: a.swapaxes(-1, -2)),
    ("expand", lambda t: t[:, :1].expand(2, 3, 4), lambda a: np.broadcast_to(a[:, :1], (2, 3, 4))),
    ("expand_new_dims", lambda t: t.expand(5, 2, 3, 4), lambda a: np.broadcast_to(a, (5, 2, 3, 4))),
    ("expand_minus1", lambda t: t[:, :1].expand(-1, 6, -1), lambda a: np.broadcast_to(a[:, :1], (2, 6, 4))),
    ("unsqueeze0", lambda t: t.unsqueeze(0), lambda a: a[None]),
    ("unsqueeze_mid", lambda t: t.unsqueeze(2), lambda a: np.expand_dims(a, 2)),
    ("unsqueeze_end", lambda t: t.unsqueeze(3), lambda a: np.expand_dims(a, 3)),
    ("unsqueeze_neg", lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    ("unsqueeze_neg4", lambda t: t.unsqueeze(-4), lambda a: a[None]),
    ("squeeze_all", lambda t: t[:1, :, 1:2].squeeze(), lambda a: a[:1, :, 1:2].squeeze()),
    ("squeeze_dim", lambda t: t[:1].squeeze(0), lambda a: a[:1].squeeze(0)),
    ("squeeze_dim_noop", lambda t: t.squeeze(1), lambda a: a),
    ("squeeze_neg", lambda t: t[:, :, :1].squeeze(-1), lambda a: a[:, :, 0]),
    ("squeeze_tuple", lambda t: t[:1, :, :1].squeeze((0, 2)), lambda a: a[0, :, 0]),
    ("squeeze_tuple_partial", lambda t: t[:1].squeeze((0, 1)), lambda a: a[0]),
    ("int", lambda t: t[1], lambda a: a[1]),
    ("neg_int", lambda t: t[-1], lambda a: a[-1]),
    ("int_int", lambda t: t[1, 2], lambda a: a[1, 2]),
    ("int_int_int", lambda t: t[1, -2, 3], lambda a: a[1, -2, 3, ...]),
    ("chain", lambda t: t[1][2], lambda a: a[1][2]),
    ("slice", lambda t: t[:, 1:], lambda a: a[:, 1:]),
    ("slice_step", lambda t: t[:, ::2, 1::2], lambda a: a[:, ::2, 1::2]),
    ("slice_neg", lambda t: t[:, -2:, :-1], lambda a: a[:, -2:, :-1]),
    ("slice_oob", lambda t: t[:, 1:100, -100:2], lambda a: a[:, 1:100, -100:2]),
    ("slice_empty", lambda t: t[:, 2:1], lambda a: a[:, 2:1]),
    ("slice_step3", lambda t: t[..., ::3], lambda a: a[..., ::3]),
    ("none", lambda t: t[None], lambda a: a[None]),
    ("none_mid", lambda t: t[:, None, 1], lambda a: a[:, None, 1]),
    ("none_end", lambda t: t[..., None], lambda a: a[..., None]),
    ("ellipsis", lambda t: t[...], lambda a: a[...]),
    ("ellipsis_int", lambda t: t[..., 2], lambda a: a[..., 2]),
    ("int_ellipsis", lambda t: t[1, ...], lambda a: a[1, ...]),
    ("mixed", lambda t: t[1, None, ::2, ..., -1], lambda a: a[1, None, ::2, ..., -1]),
    ("mixed2", lambda t: t[None, :, 1:3, None, 1::2], lambda a: a[None, :, 1:3, None, 1::2]),
    ("select", lambda t: t.select(2, 1), lambda a: a[:, :, 1]),
    ("select_neg", lambda t: t.select(-2, -1), lambda a: a[:, -1, :]),
    ("narrow", lambda t: t.narrow(2, 1, 2), lambda a: a[:, :, 1:3]),
    ("transpose_then_slice", lambda t: t.transpose(0, 2)[1:, :, 1], lambda a: a.swapaxes(0, 2)[1:, :, 1]),
    ("permute_then_index", lambda t: t.permute(1, 2, 0)[2, ::3], lambda a: a.transpose(1, 2, 0)[2, ::3]),
    ("view_then_t", lambda t: t.view(6, 4).t(), lambda a: a.reshape(6, 4).T),
    ("view_as", lambda t: t.view_as(t.new_zeros(4, 6)), lambda a: a.reshape(4, 6)),
    ("expand_as", lambda t: t[:1, :, :1].expand_as(t), lambda a: np.broadcast_to(a[:1, :, :1], a.shape)),
    ("detach", lambda t: t.detach(), lambda a: a),
]


@pytest.mark.parametrize("op,np_op", [c[1:] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_view_matches_numpy(op, np_op):
    x, xn = base_st(), base_np()
    v, vn = op(x), np_op(xn)
    check_view(x, v, xn, vn)


@pytest.mark.parametrize("op,np_op", [c[1:] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_view_matches_torch(op, np_op, torch_ref):
    x, xn = base_st(), base_np()
    r = torch_ref.from_numpy(base_np())
    check_view(x, op(x), xn, np_op(xn), torch_v=op(r))


@pytest.mark.parametrize("op,np_op", [c[1:] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_write_through_view_changes_base(op, np_op):
    x, xn = base_st(), base_np()
    v, vn = op(x), np_op(xn)
    if vn.size == 0:
        return
    if not vn.flags.writeable:
        # a broadcast (expand) view: elements overlap, so write one value; the base values are unique,
        # so the base elements the view covers are exactly those whose value appears in the view
        covered = np.isin(xn, vn)
        v.fill_(-1)
        xn[covered] = -1
    else:
        new = -np.arange(vn.size, dtype=np.float32).reshape(vn.shape) - 1
        v.copy_(torch.tensor(new))
        vn[...] = new
    np.testing.assert_array_equal(to_np(x), xn)


def test_view_of_view_of_view_shares():
    x = torch.zeros(4, 6)
    v = x.view(2, 12)[1].view(3, 4).t()[1:, ::2]
    v.fill_(1)
    e = np.zeros((4, 6), dtype=np.float32)
    e.reshape(2, 12)[1].reshape(3, 4).T[1:, ::2] = 1
    assert_close(x, e)


def test_T_reverses_dims(torch_ref):
    x, xn = base_st(), base_np()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rT = torch_ref.from_numpy(base_np()).T
    check_view(x, x.T, xn, xn.T, torch_v=rT)
    mn = np.arange(6).reshape(2, 3)
    m = torch.from_numpy(mn)
    check_view(m, m.T, mn, mn.T)
    v = torch.arange(3)
    assert v.T.shape == v.shape and v.t().shape == v.shape


def test_t_on_small_dims():
    s = torch.tensor(3.0)
    assert s.t().dim() == 0
    v = torch.arange(4)
    assert v.t().tolist() == v.tolist()


def test_reshape_noncontiguous_copies_values():
    x, xn = base_st(), base_np()
    t = x.transpose(0, 2)
    r = t.reshape(-1)
    np.testing.assert_array_equal(to_np(r), xn.transpose(2, 1, 0).reshape(-1))
    assert r.is_contiguous()
    r[0] = 100
    assert x[0, 0, 0].item() == 0  # it is a copy: writing does not touch the base


def test_reshape_contiguous_is_view():
    x = base_st()
    r = x.reshape(4, 6)
    assert r.data_ptr() == x.data_ptr()
    r[0, 0] = 50
    assert x[0, 0, 0].item() == 50


def test_flatten_of_noncontiguous(torch_ref):
    x, xn = base_st(), base_np()
    t = x.permute(2, 0, 1)
    f = t.flatten()
    np.testing.assert_array_equal(to_np(f), xn.transpose(2, 0, 1).reshape(-1))
    rf = torch_ref.from_numpy(base_np()).permute(2, 0, 1).flatten()
    assert f.stride() == rf.stride()


def test_flatten_0d(torch_ref):
    f = torch.tensor(5.0).flatten()
    assert tuple(f.shape) == tuple(torch_ref.tensor(5.0).flatten().shape)


def test_view_on_size_one_strides_ok(torch_ref):
    # a non-contiguous tensor whose layout still allows view (splitting/merging compatible dims)
    x = torch.arange(24.0).view(2, 3, 4)[:, :, 1:3]
    v = x.view(2, 3, 2, 1)
    r = torch_ref.arange(24.0).view(2, 3, 4)[:, :, 1:3].view(2, 3, 2, 1)
    assert v.stride() == r.stride()
    np.testing.assert_array_equal(to_np(v), r.numpy())
    y = torch.arange(24.0).view(2, 3, 4).transpose(0, 1)
    w = y.view(3, 2, 2, 2)
    ry = torch_ref.arange(24.0).view(2, 3, 4).transpose(0, 1).view(3, 2, 2, 2)
    assert w.stride() == ry.stride()
    np.testing.assert_array_equal(to_np(w), ry.numpy())


# ----------------------------------------------------------------------------- writes through views

def test_write_view_element():
    x = torch.zeros(2, 2)
    x.view(4)[0] = 5
    assert_close(x, np.array([[5, 0], [0, 0]], dtype=np.float32))


def test_setitem_int_row():
    x = torch.zeros(3, 4)
    x[1] = 7
    e = np.zeros((3, 4), dtype=np.float32)
    e[1] = 7
    assert_close(x, e)


def test_setitem_column_from_tensor():
    x = torch.zeros(3, 4)
    x[:, 0] = torch.tensor([1.0, 2.0, 3.0])
    e = np.zeros((3, 4), dtype=np.float32)
    e[:, 0] = [1, 2, 3]
    assert_close(x, e)


def test_setitem_slice_scalar_broadcast():
    x = torch.zeros(3, 4)
    x[0:2] = 1.5
    e = np.zeros((3, 4), dtype=np.float32)
    e[0:2] = 1.5
    assert_close(x, e)


def test_setitem_broadcast_row_tensor():
    x = torch.zeros(3, 4)
    x[1:] = torch.arange(4.0)
    e = np.zeros((3, 4), dtype=np.float32)
    e[1:] = np.arange(4)
    assert_close(x, e)


def test_setitem_step_and_ellipsis():
    x = torch.zeros(4, 5, dtype=torch.int64)
    x[::2, 1::2] = 3
    x[..., -1] = torch.tensor([9, 8, 7, 6])
    e = np.zeros((4, 5), dtype=np.int64)
    e[::2, 1::2] = 3
    e[..., -1] = [9, 8, 7, 6]
    assert_close(x, e)


def test_setitem_dtype_conversion():
    x = torch.zeros(3, dtype=torch.int32)
    x[0] = 2.7
    x[1:] = torch.tensor([1.9, -1.9], dtype=torch.float64)
    e = np.zeros(3, dtype=np.int32)
    e[0] = 2.7
    e[1:] = np.array([1.9, -1.9]).astype(np.int32)
    assert_close(x, e)


def test_setitem_numpy_scalar_and_bool():
    x = torch.zeros(3)
    x[0] = np.float64(2.5)
    x[1] = True
    assert x.tolist() == [2.5, 1.0, 0.0]


def test_setitem_on_transposed_base():
    x = torch.zeros(3, 4)
    xt = x.t()
    xt[1] = torch.tensor([1.0, 2.0, 3.0])
    e = np.zeros((3, 4), dtype=np.float32)
    e.T[1] = [1, 2, 3]
    assert_close(x, e)


def test_inplace_op_on_view():
    x = torch.ones(2, 3)
    x[:, 1:] += 2
    x[0] *= torch.tensor([1.0, 10.0, 100.0])
    e = np.ones((2, 3), dtype=np.float32)
    e[:, 1:] += 2
    e[0] *= [1, 10, 100]
    assert_close(x, e)


def test_view_sees_base_changes():
    x = torch.zeros(2, 3)
    v = x.t()
    x[1, 2] = 4
    assert v[2, 1].item() == 4


def test_version_counter_shared_with_view():
    x = torch.zeros(4)
    v = x[1:]
    before = x._version
    v.fill_(1)
    assert x._version > before
    assert v._version == x._version


# ----------------------------------------------------------------------------- contiguous / clone / copy_

def test_contiguous(torch_ref):
    x = base_st()
    assert x.is_contiguous() and x.contiguous() is x
    t = x.permute(2, 0, 1)
    assert not t.is_contiguous()
    c = t.contiguous()
    rc = torch_ref.from_numpy(base_np()).permute(2, 0, 1).contiguous()
    assert c.is_contiguous() and c.stride() == rc.stride()
    np.testing.assert_array_equal(to_np(c), base_np().transpose(2, 0, 1))
    assert c.data_ptr() != x.data_ptr()
    c[0, 0, 0] = -1
    assert x[0, 0, 0].item() == 0


@pytest.mark.parametrize("op", [lambda t: t[:, 1], lambda t: t[..., ::2], lambda t: t.t(), lambda t: t[:, :1],
                                lambda t: t[:1], lambda t: t.expand(2, 3, 4), lambda t: t[:, 2:2],
                                lambda t: t.unsqueeze(1)])
def test_is_contiguous_matches_torch(op, torch_ref):
    x = torch.arange(12.0).view(3, 4)
    r = torch_ref.arange(12.0).view(3, 4)
    assert op(x).is_contiguous() == op(r).is_contiguous()


def test_clone_is_independent():
    x = base_st()
    for v in (x, x.t() if x.dim() == 2 else x.transpose(0, 2), x[:, 1]):
        c = v.clone()
        np.testing.assert_array_equal(to_np(c), to_np(v))
        assert c.data_ptr() != v.data_ptr()
        assert c.dtype is v.dtype
        c.fill_(-1)
        assert to_np(v).min() >= 0


def test_clone_keeps_dtype():
    for d in (torch.bool, torch.uint8, torch.int32, torch.int64, torch.float64):
        t = torch.ones(3, dtype=d)
        assert t.clone().dtype is d


def test_copy_same_shape():
    x = torch.zeros(2, 3)
    src = torch.arange(6.0).view(2, 3)
    assert x.copy_(src) is x
    assert_close(x, np.arange(6, dtype=np.float32).reshape(2, 3))
    src[0, 0] = 99
    assert x[0, 0].item() == 0


def test_copy_broadcast():
    x = torch.zeros(3, 4)
    x.copy_(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert_close(x, np.broadcast_to(np.array([1, 2, 3, 4], dtype=np.float32), (3, 4)))
    x.copy_(torch.tensor([[10.0], [20.0], [30.0]]))
    assert_close(x, np.broadcast_to(np.array([[10], [20], [30]], dtype=np.float32), (3, 4)))
    x.copy_(torch.tensor(5.0))
    assert_close(x, np.full((3, 4), 5, dtype=np.float32))


@pytest.mark.parametrize("src_dt,dst_dt", [(torch.float64, torch.int32), (torch.int64, torch.float32),
                                           (torch.bool, torch.float64), (torch.float32, torch.bool),
                                           (torch.int32, torch.uint8), (torch.float32, torch.int64)])
def test_copy_dtype_conversion(src_dt, dst_dt, torch_ref):
    names = {torch.bool: "bool", torch.uint8: "uint8", torch.int32: "int32", torch.int64: "int64",
             torch.float32: "float32", torch.float64: "float64"}
    data = [0, 1.5, 2.25, 0.0, 7.75] if src_dt.is_floating_point else [0, 1, 0, 1, 1]
    x = torch.zeros(5, dtype=dst_dt)
    x.copy_(torch.tensor(data, dtype=src_dt))
    r = torch_ref.zeros(5, dtype=getattr(torch_ref, names[dst_dt]))
    r.copy_(torch_ref.tensor(data, dtype=getattr(torch_ref, names[src_dt])))
    assert x.dtype is dst_dt
    assert x.tolist() == r.tolist()


def test_copy_into_noncontiguous_view():
    x = torch.zeros(3, 4)
    x.t()[1:3].copy_(torch.arange(6.0).view(2, 3))
    e = np.zeros((3, 4), dtype=np.float32)
    e.T[1:3] = np.arange(6).reshape(2, 3)
    assert_close(x, e)


def test_copy_from_noncontiguous_source():
    x = torch.zeros(4, 3)
    x.copy_(torch.arange(12.0).view(3, 4).t())
    assert_close(x, np.arange(12, dtype=np.float32).reshape(3, 4).T)


def test_copy_from_own_view():
    x = torch.arange(6.0).view(2, 3)
    x[0].copy_(x[1])
    e = np.arange(6, dtype=np.float32).reshape(2, 3)
    e[0] = e[1]
    assert_close(x, e)


# ----------------------------------------------------------------------------- metadata

def test_metadata(torch_ref):
    x = torch.zeros(2, 3, 4)
    r = torch_ref.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.shape == r.shape
    assert repr(x.shape) == repr(r.shape).replace("torch.", "smalltorch.")
    assert x.size() == x.shape and x.size(1) == 3 and x.size(-1) == 4
    assert x.stride() == r.stride() and x.stride(0) == 12 and x.stride(-1) == 1
    assert x.dim() == 3 and x.ndim == 3 and x.ndimension() == 3
    assert x.numel() == 24 and x.nelement() == 24 and torch.numel(x) == 24
    assert x.storage_offset() == 0
    assert len(x) == 2
    assert x.is_leaf and not x.requires_grad
    assert x.dtype is torch.float32


def test_size_is_tuple_like():
    s = torch.zeros(2, 3).shape
    assert isinstance(s, tuple) and isinstance(s, torch.Size)
    assert s[0] == 2 and s[-1] == 3 and list(s) == [2, 3]
    assert isinstance(s[1:], torch.Size) and tuple(s[1:]) == (3,)
    assert s.numel() == 6
    a, b = s
    assert (a, b) == (2, 3)


def test_0d_metadata():
    s = torch.tensor(3.0)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1 and s.stride() == ()


def test_is_leaf_for_views():
    x = torch.ones(3, requires_grad=True)
    assert x.is_leaf
    v = x[1:]
    assert not v.is_leaf and v.requires_grad
    d = x.detach()
    assert d.is_leaf and not d.requires_grad
    y = torch.ones(3)
    assert y[1:].is_leaf  # no grad: every tensor is a leaf


def test_data_ptr_of_view_offsets():
    x = torch.arange(10, dtype=torch.float64)
    v = x[3:]
    assert v.data_ptr() - x.data_ptr() == 3 * 8
    assert v.storage_offset() == 3
    assert v[2:].storage_offset() == 5


def test_bool_dtype_views():
    x = torch.tensor([[True, False, True], [False, False, True]])
    xn = np.array([[True, False, True], [False, False, True]])
    check_view(x, x.t(), xn, xn.T)
    check_view(x, x[:, ::2], xn, xn[:, ::2])


@pytest.mark.parametrize("dt,npdt", [(torch.uint8, np.uint8), (torch.int32, np.int32), (torch.int64, np.int64),
                                     (torch.float64, np.float64)])
def test_views_other_dtypes(dt, npdt):
    x, xn = base_st(dt), base_np(npdt)
    check_view(x, x.permute(1, 2, 0)[1:, ::3], xn, xn.transpose(1, 2, 0)[1:, ::3])
    check_view(x, x.view(4, -1).t(), xn, xn.reshape(4, -1).T)


def test_empty_tensor_is_contiguous(torch_ref):
    t = torch.zeros(2, 0, 3).transpose(0, 2)
    assert t.is_contiguous() == torch_ref.zeros(2, 0, 3).transpose(0, 2).is_contiguous()
    u = torch.zeros(0, 0, 2, 2).permute(0, 1, 3, 2)
    assert u.is_contiguous() == torch_ref.zeros(0, 0, 2, 2).permute(0, 1, 3, 2).is_contiguous()


def test_empty_tensor_is_contiguous_simple_cases(torch_ref):
    assert torch.zeros(0, 2).t().is_contiguous() == torch_ref.zeros(0, 2).t().is_contiguous()
    assert torch.zeros(0).is_contiguous() and torch.zeros(3, 0).is_contiguous()


def test_expand_new_size1_dim_strides_match_torch(torch_ref):
    assert torch.zeros(2).expand(1, 2).stride() == torch_ref.zeros(2).expand(1, 2).stride()
    assert torch.zeros(2).expand(1, 1, 2).stride() == torch_ref.zeros(2).expand(1, 1, 2).stride()


def test_expand_strides_match_torch_when_broadcasting(torch_ref):
    for shape, target in [((1, 2), (1, 3, 2)), ((3, 1), (3, 1)), ((3, 1), (2, 3, 4)), ((2,), (4, 2))]:
        assert torch.zeros(*shape).expand(*target).stride() == torch_ref.zeros(*shape).expand(*target).stride()
