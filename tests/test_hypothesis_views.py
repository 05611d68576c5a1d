"""Property tests: views and basic indexing on random shapes agree with numpy (and PyTorch when present)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smalltorch as torch
from conftest import to_np

try:
    import torch as real_torch
except ImportError:  # PyTorch is optional
    real_torch = None

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

shapes = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)


def make(shape):
    n = math.prod(shape)
    a = np.arange(n, dtype=np.float64).reshape(shape)
    return torch.tensor(a), a


def ref(shape):
    """The same base tensor made by PyTorch (contiguous strides, like smalltorch's copy)."""
    return real_torch.arange(math.prod(shape), dtype=real_torch.float64).reshape(shape)


def elem_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def assert_same_view(v, vn, base=None, base_np=None):
    assert tuple(v.shape) == vn.shape
    assert v.dim() == vn.ndim and v.numel() == vn.size
    np.testing.assert_array_equal(to_np(v), vn)
    if vn.size:
        # strides of dims with more than one element are determined by the layout
        for d, n in enumerate(vn.shape):
            if n > 1:
                assert v.stride(d) == elem_strides(vn)[d], (v.stride(), vn.strides)
        if base is not None:
            assert v.storage_offset() == (vn.ctypes.data - base_np.ctypes.data) // vn.itemsize


@st.composite
def index_tuples(draw, shape):
    """A random basic index for `shape`: ints, slices with positive steps, None and at most one Ellipsis."""
    ndim = len(shape)
    use_ellipsis = draw(st.booleans())
    k = draw(st.integers(0, ndim))  # how many dims get an explicit int/slice
    if use_ellipsis:
        # the explicit entries address a prefix and a suffix around the ellipsis
        n_before = draw(st.integers(0, k))
        dims = list(range(n_before)) + list(range(ndim - (k - n_before), ndim))
    else:
        dims = list(range(k))
    items = []
    for d in dims:
        n = shape[d]
        if n > 0 and draw(st.booleans()):
            items.append(draw(st.integers(-n, n - 1)))
        else:
            bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
            items.append(slice(draw(bound), draw(bound), draw(st.one_of(st.none(), st.integers(1, 3)))))
    if use_ellipsis:
        items.insert(n_before, Ellipsis)
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


@st.composite
def shape_and_index(draw):
    shape = draw(shapes)
    return shape, draw(index_tuples(shape))


@SETTINGS
@given(shape_and_index())
def test_getitem_matches_numpy(si):
    shape, idx = si
    x, a = make(shape)
    v = x[idx]
    vn = a[idx]
    if not isinstance(vn, np.ndarray):  # numpy gives a scalar for a full int index; take the 0-d view
        vn = a[idx + (Ellipsis,) if isinstance(idx, tuple) else (idx, Ellipsis)]
    assert_same_view(v, vn, x, a)
    if real_torch is not None:
        r = ref(shape)[idx]
        assert v.stride() == r.stride() and v.storage_offset() == r.storage_offset()


@SETTINGS
@given(shape_and_index())
def test_setitem_through_index_matches_numpy(si):
    shape, idx = si
    x, a = make(shape)
    x[idx] = -1.0
    a[idx] = -1.0
    np.testing.assert_array_equal(to_np(x), a)
    v = x[idx]
    if v.numel():
        v.copy_(torch.tensor(np.full(tuple(v.shape), -2.0)))
        vn = a[idx]
        if isinstance(vn, np.ndarray):
            vn[...] = -2.0
        else:
            a[idx] = -2.0
        np.testing.assert_array_equal(to_np(x), a)


@SETTINGS
@given(st.data())
def test_permute_matches_numpy(data):
    shape = data.draw(shapes)
    perm = data.draw(st.permutations(range(len(shape))))
    if data.draw(st.booleans()):
        perm = [p - len(shape) for p in perm]  # negative dims
    x, a = make(shape)
    v = x.permute(*perm) if perm else x.permute(())
    vn = np.transpose(a, [p % len(shape) for p in perm]) if shape else a
    assert_same_view(v, vn, x, a)
    c = v.contiguous()
    assert c.is_contiguous()
    np.testing.assert_array_equal(to_np(c).ravel(), np.ascontiguousarray(vn).ravel())
    if real_torch is not None:
        r = ref(shape).permute(*perm) if perm else ref(shape).permute(())
        assert v.stride() == r.stride()
        if v.numel():  # empty tensors: see test_views.py::test_empty_tensor_is_contiguous
            assert v.is_contiguous() == r.is_contiguous()


@SETTINGS
@given(st.data())
def test_transpose_and_t_like_ops(data):
    shape = data.draw(shapes.filter(lambda s: len(s) >= 1))
    nd = len(shape)
    d0 = data.draw(st.integers(-nd, nd - 1))
    d1 = data.draw(st.integers(-nd, nd - 1))
    x, a = make(shape)
    assert_same_view(x.transpose(d0, d1), np.swapaxes(a, d0, d1), x, a)
    if nd >= 2:
        assert_same_view(x.mT, np.swapaxes(a, -1, -2), x, a)


@st.composite
def reshape_targets(draw, n):
    """A shape with n elements (possibly with one -1 when n > 0)."""
    dims = []
    rem = n
    for _ in range(draw(st.integers(0, 3))):
        if rem == 0:
            dims.append(draw(st.integers(0, 4)))
        else:
            divs = [d for d in range(1, rem + 1) if rem % d == 0]
            d = draw(st.sampled_from(divs))
            dims.append(d)
            rem //= d
    if rem != 1 or not dims or draw(st.booleans()):
        dims.append(rem)
    elif n == 0 and 0 not in dims:
        dims.append(0)
    dims = draw(st.permutations(dims))
    if n > 0 and dims and draw(st.booleans()):
        i = draw(st.integers(0, len(dims) - 1))
        dims = list(dims)
        dims[i] = -1
    return tuple(dims)


@SETTINGS
@given(st.data())
def test_reshape_round_trip(data):
    shape = data.draw(shapes)
    x, a = make(shape)
    target = data.draw(reshape_targets(a.size))
    r = x.reshape(target)
    rn = a.reshape(target)
    assert_same_view(r, rn, x, a)
    assert r.data_ptr() == x.data_ptr()  # contiguous input: reshape is a view
    v = x.view(target)
    assert_same_view(v, rn, x, a)
    back = r.reshape(shape)
    np.testing.assert_array_equal(to_np(back), a)
    assert back.stride() == x.stride()
    f = x.flatten()
    np.testing.assert_array_equal(to_np(f), a.reshape(-1))


@SETTINGS
@given(st.data())
def test_reshape_of_permuted(data):
    shape = data.draw(shapes)
    perm = data.draw(st.permutations(range(len(shape))))
    x, a = make(shape)
    xp, ap = x.permute(*perm) if perm else x, np.transpose(a, perm) if perm else a
    target = data.draw(reshape_targets(a.size))
    r = xp.reshape(target)
    np.testing.assert_array_equal(to_np(r), ap.reshape(target))
    np.testing.assert_array_equal(to_np(r.reshape(ap.shape)), ap)
    if real_torch is not None:
        r0 = ref(shape)
        rr = (r0.permute(*perm) if perm else r0).reshape(target)
        assert tuple(r.shape) == tuple(rr.shape)
        # reshape must return a view exactly when PyTorch does, and a copy otherwise
        if r.numel() > 1:
            shares = np.shares_memory(r.numpy(), x.numpy())
            rshares = rr.untyped_storage().data_ptr() == r0.untyped_storage().data_ptr()
            assert shares == rshares


@SETTINGS
@given(st.data())
def test_squeeze_unsqueeze(data):
    shape = data.draw(st.lists(st.integers(0, 3), min_size=0, max_size=4).map(tuple))
    x, a = make(shape)
    nd = len(shape)
    assert_same_view(x.squeeze(), np.squeeze(a), x, a)
    if nd:
        d = data.draw(st.integers(-nd, nd - 1))
        exp = np.squeeze(a, d) if shape[d] == 1 else a
        assert_same_view(x.squeeze(d), exp, x, a)
        dims = tuple(sorted(set(data.draw(st.lists(st.integers(0, nd - 1), max_size=nd)))))
        exp = np.squeeze(a, tuple(i for i in dims if shape[i] == 1))
        assert_same_view(x.squeeze(dims), exp, x, a)
    u = data.draw(st.integers(-nd - 1, nd))
    assert_same_view(x.unsqueeze(u), np.expand_dims(a, u), x, a)
    if real_torch is not None:
        assert x.unsqueeze(u).stride() == ref(shape).unsqueeze(u).stride()


@SETTINGS
@given(st.data())
def test_expand_matches_broadcast_to(data):
    shape = data.draw(st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple))
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    target = []
    use_minus1 = data.draw(st.booleans())
    for n in shape:
        if n == 1:
            target.append(data.draw(st.integers(0, 4)))
        else:
            target.append(-1 if use_minus1 else n)
    x, a = make(shape)
    full = tuple(lead) + tuple(n if t == -1 else t for t, n in zip(target, shape))
    v = x.expand(*(lead + target)) if lead + target else x.expand(())
    vn = np.broadcast_to(a, full)
    assert tuple(v.shape) == vn.shape
    np.testing.assert_array_equal(to_np(v), vn)
    for d, n in enumerate(full):
        if n > 1:
            assert v.stride(d) == elem_strides(vn)[d]
    if real_torch is not None:
        r = ref(shape).expand(*(lead + target)) if lead + target else ref(shape)
        # size-1 dims: see test_views.py::test_expand_new_size1_dim_strides_match_torch
        assert [s for s, n in zip(v.stride(), full) if n != 1] == [s for s, n in zip(r.stride(), full) if n != 1]


@SETTINGS
@given(st.data())
def test_flatten_ranges(data):
    shape = data.draw(shapes.filter(lambda s: len(s) >= 1))
    nd = len(shape)
    s = data.draw(st.integers(-nd, nd - 1))
    e = data.draw(st.integers(s % nd, nd - 1))
    x, a = make(shape)
    f = x.flatten(s, e)
    s_, e_ = s % nd, e
    exp_shape = shape[:s_] + (math.prod(shape[s_:e_ + 1]),) + shape[e_ + 1:]
    np.testing.assert_array_equal(to_np(f), a.reshape(exp_shape))
    assert tuple(f.shape) == exp_shape


@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1, 1, 1)])
def test_edge_shapes_index_everything(shape):
    x, a = make(shape)
    assert_same_view(x[...], a[...], x, a)
    assert_same_view(x[None], a[None], x, a)
