"""Shape and data-movement ops: errors, special values, keyword forms, views and
multi-output autograd that the op table cannot express."""

import math

import numpy as np
import pytest

import smalltorch as st

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


def arange(*shape, dtype=st.float64, requires_grad=False):
    n = int(np.prod(shape)) if shape else 1
    return st.tensor(np.arange(n, dtype=np.float64).reshape(shape), dtype=dtype, requires_grad=requires_grad)


def idx(x):
    return st.tensor(x, dtype=st.int64)


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("call, exc, msg", [
    (lambda: st.cat([]), ValueError, "non-empty list"),
    (lambda: st.cat([st.tensor(1.0)]), RuntimeError, "zero-dimensional tensor (at position 0)"),
    (lambda: st.cat([arange(2, 3), arange(2, 4)]), RuntimeError, "Expected size 3 but got size 4 for tensor number 1"),
    (lambda: st.cat([arange(2, 3), arange(3)]), RuntimeError, "same number of dimensions"),
    (lambda: st.cat(arange(2, 3)), TypeError, "tuple of Tensors"),
    (lambda: st.cat([arange(2, 3)], dim=2), IndexError, "Dimension out of range"),
    (lambda: st.stack([arange(2, 3), arange(3, 2)]), RuntimeError, "[2, 3] at entry 0 and [3, 2] at entry 1"),
    (lambda: st.stack([]), RuntimeError, "non-empty"),
    (lambda: arange(3).split(0), RuntimeError, "split_size can only be 0"),
    (lambda: arange(3).split([1, 1]), RuntimeError, "sum exactly to 3"),
    (lambda: arange(3).split([4, -1]), RuntimeError, "non-negative"),
    (lambda: arange(3).chunk(0), RuntimeError, "greater than 0"),
    (lambda: st.tensor(1.0).unbind(), IndexError, "no dimensions"),
    (lambda: arange(2, 3).flip(0, 0), RuntimeError, "appears multiple times"),
    (lambda: arange(2, 3).roll((1, 2), (0,)), RuntimeError, "shifts and dimensions must align"),
    (lambda: arange(2, 3).repeat(2), RuntimeError, "can not be smaller"),
    (lambda: arange(2, 3).repeat(2, -1), RuntimeError, "negative dimension"),
    (lambda: arange(3).repeat_interleave(-1), RuntimeError, "negative"),
    (lambda: arange(3).repeat_interleave(idx([1, 2]), dim=0), RuntimeError, "same size as input"),
    (lambda: arange(2, 3).movedim((0, 1), (0,)), RuntimeError, "same number of dims"),
    (lambda: arange(2, 3).movedim((0, 0), (0, 1)), RuntimeError, "repeated dim"),
    (lambda: arange(2, 3).diagonal(0, 0, 0), RuntimeError, "cannot be identical"),
    (lambda: arange(3).diagonal(), RuntimeError, "at least 2 dimensions"),
    (lambda: st.diag(arange(2, 2, 2)), RuntimeError, "Got 3D"),
    (lambda: st.tril(arange(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: arange(3, 4).index_select(0, idx([5])), IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda: arange(3, 4).index_select(0, idx([-1])), IndexError, "out of range"),
    (lambda: arange(3, 4).index_select(0, st.tensor([0.5])), RuntimeError, "int32 or int64"),
    (lambda: arange(3, 4).index_select(0, idx([[0]])), IndexError, "vector"),
    (lambda: arange(3, 4).gather(0, idx([[5]])), RuntimeError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda: arange(3, 4).gather(1, idx([[-1]])), RuntimeError, "index -1 is out of bounds for dimension 1"),
    (lambda: arange(3, 4).gather(0, st.tensor([[1]], dtype=st.int32)), RuntimeError, "int64"),
    (lambda: arange(3, 4).gather(0, idx([1])), RuntimeError, "same number of dimensions"),
    (lambda: arange(3, 4).gather(0, idx([[0] * 5])), RuntimeError, "Size does not match at dimension 1"),
    (lambda: arange(3, 4).scatter(0, idx([[7]]), 1.0), RuntimeError, "index 7 is out of bounds for dimension 0"),
    (lambda: arange(3, 4).scatter(0, idx([[1]]), arange(1, 1, dtype=st.float32)), RuntimeError, "src.dtype"),
    (lambda: arange(3, 4).scatter(0, idx([[0, 1]]), arange(1, 1)), RuntimeError, "smaller size than src"),
    (lambda: arange(3, 4).scatter_add(0, idx([[0]]), "x"), TypeError, ""),
    (lambda: arange(3, 4).take(idx([12])), IndexError, "tried to access index 12 on a tensor of 12 elements"),
    (lambda: arange(3, 4).take(idx([-13])), IndexError, "index -13"),
    (lambda: arange(3, 4).take(st.tensor([1], dtype=st.int32)), RuntimeError, "long tensor"),
    (lambda: arange(3, 4).topk(5), RuntimeError, "selected index k out of range"),
    (lambda: arange(3, 4).topk(-1), RuntimeError, "selected index k out of range"),
    (lambda: arange(3, 4).sort(dim=2), IndexError, "Dimension out of range"),
    (lambda: st.unique(arange(3, 4), dim=2), IndexError, "Dimension out of range"),
    (lambda: st.unique(st.tensor(3.0), dim=0), IndexError, "Dimension specified as 0 but tensor has no dimensions"),
    (lambda: st.unique(st.zeros(3, 0), dim=0), RuntimeError, "There are 0 sized dimensions, and they aren't selected"),
    (lambda: st.unique(arange(3, 4), dim="0"), TypeError, "unique_dim(): argument 'dim' (position 2) must be int"),
])
def test_errors(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


@needs_torch
@pytest.mark.parametrize("name, call", [
    ("cat", lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)])),
    ("index_select", lambda T: T.ones(3, 4).index_select(0, T.tensor([5]))),
    ("gather", lambda T: T.ones(3, 4).gather(0, T.tensor([[5]]))),
    ("take", lambda T: T.ones(3, 4).take(T.tensor([12]))),
    ("scatter", lambda T: T.ones(3, 4).scatter(0, T.tensor([[7]]), 1.0)),
    ("split", lambda T: T.ones(3).split([1, 1])),
])
def test_error_types_match_torch(name, call):
    with pytest.raises(Exception) as ours:
        call(st)
    with pytest.raises(Exception) as theirs:
        call(torch)
    assert type(ours.value).__name__ == type(theirs.value).__name__, name


# ------------------------------------------------------------------ cat / stack

def test_cat_skips_empty_1d_but_promotes_with_it():
    a = st.tensor([[1, 2]])
    out = st.cat([st.empty(0, dtype=st.float64), a])
    assert out.dtype == st.float64
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0]])


def test_cat_mixed_dtype_grad_goes_back_in_input_dtype():
    a = arange(2, 2, dtype=st.float32, requires_grad=True)
    b = arange(1, 2, requires_grad=True)
    out = st.cat([a, b])
    assert out.dtype == st.float64
    (out * arange(3, 2)).sum().backward()
    assert a.grad.dtype == st.float32 and b.grad.dtype == st.float64
    np.testing.assert_array_equal(a.grad.numpy(), [[0, 1], [2, 3]])
    np.testing.assert_array_equal(b.grad.numpy(), [[4, 5]])


def test_concatenate_axis_keyword_and_tuple_input():
    a, b = arange(2, 2), arange(2, 1)
    np.testing.assert_array_equal(st.concatenate((a, b), axis=1).numpy(), np.concatenate([a.numpy(), b.numpy()], 1))


def test_stack_of_views_is_copy():
    x = arange(2, 3)
    s = st.stack([x, x.T.T], dim=1)
    x.add_(1)
    np.testing.assert_array_equal(s.numpy(), np.stack([np.arange(6).reshape(2, 3)] * 2, axis=1))


def test_stack_replaces_jacobian_helper():
    f = lambda x: (x * x).sum(1)  # noqa: E731
    x = arange(2, 3, requires_grad=True)
    jac = st.autograd.functional.jacobian(f, x)
    want = np.zeros((2, 2, 3))
    for i in range(2):
        want[i, i] = 2 * np.arange(6).reshape(2, 3)[i]
    np.testing.assert_allclose(jac.numpy(), want)


# ------------------------------------------------------------------ split / chunk / unbind

def test_split_outputs_are_views_with_slots():
    x = arange(5, 2, requires_grad=True)
    parts = x.split(2)
    assert len(parts) == 3 and all(p._is_view for p in parts)
    assert [p.output_nr for p in parts] == [0, 1, 2]
    assert parts[0].grad_fn is parts[2].grad_fn
    base = x.detach()
    views = base.split([1, 4])
    views[1][0, 0] = 100.0
    assert base[1, 0].item() == 100.0


def test_split_backward_with_unused_outputs():
    x = arange(6, requires_grad=True)
    a, b, c = st.split(x, [1, 2, 3])
    (b * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 3, 0, 0, 0])


def test_chunk_uneven_and_empty():
    x = arange(5)
    assert [tuple(p.shape) for p in x.chunk(3)] == [(2,), (2,), (1,)]
    assert [tuple(p.shape) for p in x.chunk(10)] == [(1,)] * 5
    assert [tuple(p.shape) for p in st.empty(0).chunk(2)] == [(0,), (0,)]


def test_unbind_backward_partial():
    x = arange(3, 2, requires_grad=True)
    rows = x.unbind(0)
    assert all(r.grad_fn.name() == "UnbindBackward0" for r in rows)
    (rows[1] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [2, 2], [0, 0]])


def test_split_views_reject_inplace_when_base_requires_grad():
    x = arange(4, requires_grad=True)
    with pytest.raises(RuntimeError):
        x.split(2)[0].mul_(2)


# ------------------------------------------------------------------ flip / roll / repeat / movedim / diagonal

def test_flip_method_forms():
    x = arange(2, 3, 2)
    want = np.flip(x.numpy(), (0, 2))
    for got in (x.flip(0, 2), x.flip((0, 2)), x.flip([0, 2]), x.flip(dims=[0, 2]), st.flip(x, (0, 2))):
        np.testing.assert_array_equal(got.numpy(), want)
    assert x.flip(0).is_contiguous()


def test_roll_flattened_and_negative_dims():
    x = arange(3, 4)
    np.testing.assert_array_equal(x.roll(5).numpy(), np.roll(x.numpy(), 5))
    np.testing.assert_array_equal(st.roll(x, shifts=(-1, 10), dims=(-1, 0)).numpy(),
                                  np.roll(x.numpy(), (-1, 10), axis=(-1, 0)))


def test_movedim_is_view():
    x = arange(2, 3, 4)
    y = st.moveaxis(x, 0, -1)
    assert y._is_view and tuple(y.shape) == (3, 4, 2)
    assert tuple(st.movedim(st.tensor(1.0), 0, 0).shape) == ()


def test_diagonal_is_view_and_writes_through():
    x = arange(3, 3)
    d = x.diagonal(1)
    assert d._is_view
    d.fill_(-1.0)
    np.testing.assert_array_equal(np.diag(x.numpy(), 1), [-1, -1])


@needs_torch
def test_diag_grad_fn_names_match_torch():
    v = st.tensor([1.0, 2.0], requires_grad=True)
    m = arange(2, 3, requires_grad=True)
    tv = torch.tensor([1.0, 2.0], requires_grad=True)
    tm = torch.arange(6.0).reshape(2, 3).requires_grad_()
    assert st.diag(v).grad_fn.name() == torch.diag(tv).grad_fn.name()
    assert st.diag(m).grad_fn.name() == torch.diag(tm).grad_fn.name()


def test_repeat_interleave_repeats_only_form():
    np.testing.assert_array_equal(st.repeat_interleave(idx([2, 0, 3])).numpy(), [0, 0, 2, 2, 2])


def test_repeat_grad_sums_tiles():
    x = arange(2, requires_grad=True)
    x.repeat(3, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6, 6])


# ------------------------------------------------------------------ tril / triu in place

def test_tril_inplace_records_history_and_version():
    x = arange(3, 3, requires_grad=True)
    y = x * 1
    v = y._version
    assert y.tril_(-1) is y
    assert y._version == v + 1 and y.grad_fn.name() == "TrilBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tril(np.ones((3, 3)), -1))


def test_triu_inplace_on_leaf_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="leaf Variable"):
        arange(2, 2, requires_grad=True).triu_()


def test_triu_inplace_on_transposed():
    x = arange(3, 4)
    t = x.T
    t.triu_(1)
    np.testing.assert_array_equal(t.numpy(), np.triu(np.arange(12.0).reshape(3, 4).T, 1))


# ------------------------------------------------------------------ gather / scatter / take

def test_scatter_forms():
    x = st.zeros(3, 4)
    i = idx([[0, 1, 2, 0]])
    want = np.zeros((3, 4))
    want[[0, 1, 2, 0], [0, 1, 2, 3]] = 5.0
    np.testing.assert_array_equal(x.scatter(0, i, 5.0).numpy(), want)
    np.testing.assert_array_equal(st.scatter(x, 0, i, value=5.0).numpy(), want)
    np.testing.assert_array_equal(x.scatter(0, i, st.full((1, 4), 5.0)).numpy(), want)
    assert x.sum().item() == 0  # out-of-place forms leave x alone
    r = x.scatter_(0, i, 5.0)
    assert r is x
    np.testing.assert_array_equal(x.numpy(), want)


def test_scatter_add_accumulates_repeated_indices():
    x = st.zeros(5, dtype=st.int64)
    x.scatter_add_(0, idx([1, 1, 3, 1]), st.ones(4, dtype=st.int64))
    np.testing.assert_array_equal(x.numpy(), [0, 3, 0, 1, 0])


def test_scatter_src_grad_padded_to_src_shape():
    a = arange(3, 4, requires_grad=True)
    s = arange(2, 4, requires_grad=True)
    out = a.scatter(0, idx([[2, 0, 1, 1]]), s)
    out.sum().backward()
    np.testing.assert_array_equal(s.grad.numpy(), [[1, 1, 1, 1], [0, 0, 0, 0]])
    np.testing.assert_array_equal(a.grad.numpy(), [[1, 0, 1, 1], [1, 1, 0, 0], [0, 1, 1, 1]])


def test_gather_broadcast_index_and_noncontiguous():
    x = arange(4, 5).T  # (5, 4), transposed
    i = idx([[3, 0, 1, 2]]).expand(3, 4)
    got = x.gather(0, i)
    np.testing.assert_array_equal(got.numpy(), np.take_along_axis(x.numpy(), np.broadcast_to(i.numpy(), (3, 4)), 0))


def test_take_negative_and_grad_accumulates():
    x = arange(2, 3, requires_grad=True)
    y = x.take(idx([[-1, 5], [0, 0]]))
    np.testing.assert_array_equal(y.detach().numpy(), [[5, 5], [0, 0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 0, 0], [0, 0, 2]])


def test_index_select_int32_index_and_0d_index():
    x = arange(4, 2)
    np.testing.assert_array_equal(x.index_select(0, st.tensor([3, 1], dtype=st.int32)).numpy(), [[6, 7], [2, 3]])
    assert tuple(x.index_select(0, idx(2)).shape) == (1, 2)


def test_large_gather_uses_threads_consistently():
    n = 300_000
    x = st.from_numpy(np.arange(n, dtype=np.float64))
    perm = np.random.default_rng(0).permutation(n)
    np.testing.assert_array_equal(x.gather(0, st.from_numpy(perm)).numpy(), perm.astype(np.float64))


# ------------------------------------------------------------------ sort / topk / unique

def test_sort_nan_is_largest():
    x = st.tensor([1.0, math.nan, -2.0, math.nan, 0.5])
    v, i = st.sort(x)
    np.testing.assert_array_equal(v.numpy(), [-2.0, 0.5, 1.0, math.nan, math.nan])
    np.testing.assert_array_equal(i.numpy(), [2, 4, 0, 1, 3])
    v, i = x.sort(descending=True)
    np.testing.assert_array_equal(v.numpy()[2:], [1.0, 0.5, -2.0])
    assert np.isnan(v.numpy()[:2]).all()
    np.testing.assert_array_equal(i.numpy(), [1, 3, 0, 4, 2])


def test_sort_stable_ties_and_infinities():
    x = st.tensor([2, 1, 2, 1, 0, 2])
    np.testing.assert_array_equal(x.sort(stable=True).indices.numpy(), np.argsort(x.numpy(), kind="stable"))
    np.testing.assert_array_equal(x.argsort(descending=True, stable=True).numpy(), [0, 2, 5, 1, 3, 4])
    y = st.tensor([math.inf, -math.inf, 0.0])
    np.testing.assert_array_equal(y.sort().values.numpy(), [-math.inf, 0.0, math.inf])


def test_sort_return_type():
    r = st.sort(st.tensor([3.0, 1.0]))
    from smalltorch import return_types
    assert isinstance(r, tuple) and isinstance(r, return_types.sort)
    assert r.values is r[0] and r.indices is r[1]
    assert r.indices.dtype == st.int64
    assert "return_types.sort" in repr(r) and "values=" in repr(r)
    v, i = st.topk(st.tensor([3.0, 1.0, 2.0]), 2)
    np.testing.assert_array_equal(v.numpy(), [3.0, 2.0])
    assert type(st.tensor([1.0]).topk(1)).__name__ == "topk"


def test_sort_indices_have_no_grad_and_modifying_them_is_detected():
    x = arange(4, requires_grad=True)
    v, i = x.sort(descending=True)
    assert v.requires_grad and not i.requires_grad and i.grad_fn is None
    i.zero_()
    with pytest.raises(RuntimeError):
        v.sum().backward()


def test_topk_keywords_and_large_rows():
    rng = np.random.default_rng(0)
    a = rng.permutation(100_000).astype(np.float64).reshape(4, 25_000)
    v, i = st.from_numpy(a).topk(3, dim=1, largest=False, sorted=True)
    np.testing.assert_array_equal(v.numpy(), np.sort(a, 1)[:, :3])
    np.testing.assert_array_equal(i.numpy(), np.argsort(a, 1)[:, :3])


def test_unique_forms_and_grad():
    x = st.tensor([[3.0, 1.0], [1.0, 2.0]], requires_grad=True)
    u = st.unique(x)
    np.testing.assert_array_equal(u.detach().numpy(), [1.0, 2.0, 3.0])
    # like PyTorch: the values record Unique2Backward0, whose backward is not implemented
    assert u.grad_fn.name() == "Unique2Backward0"
    with pytest.raises(NotImplementedError, match="_unique2"):
        u.sum().backward()
    u, inv = x.unique(return_inverse=True)
    assert not inv.requires_grad
    np.testing.assert_array_equal(inv.numpy(), [[2, 0], [0, 1]])
    u, cnt = x.unique(sorted=False, return_counts=True)
    np.testing.assert_array_equal(cnt.numpy(), [2, 1, 1])


@needs_torch
def test_sort_matches_torch_on_integers():
    a = np.random.default_rng(1).integers(0, 5, (4, 7))
    ours = st.from_numpy(a).sort(dim=1, stable=True)
    theirs = torch.from_numpy(a).sort(dim=1, stable=True)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "int8"])
@pytest.mark.parametrize("shape, dim", [((6, 3), 0), ((6, 3), 1), ((4, 2, 3), 1), ((4, 2, 3), -1), ((0, 3), 0),
                                        ((5,), 0), ((7, 1), 0)])
def test_unique_dim_matches_torch(dtype, shape, dim):
    import torch
    rng = np.random.default_rng(len(shape) * 10 + dim)
    x = rng.integers(0, 2, shape)
    x = np.concatenate([x, np.take(x, [0, 1], axis=dim)], axis=dim) if x.shape[dim] >= 2 else x  # repeated slices
    x = x.astype(dtype)
    got = st.unique(st.from_numpy(x.copy()), dim=dim, return_inverse=True, return_counts=True)
    want = torch.unique(torch.from_numpy(x.copy()), dim=dim, return_inverse=True, return_counts=True)
    for g, w in zip(got, want):
        assert g.dtype.__repr__().split(".")[1] == str(w.dtype).split(".")[1]
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    only = st.from_numpy(x.copy()).unique(dim=dim)
    np.testing.assert_array_equal(only.numpy(), want[0].numpy())


def test_unique_dim_records_pytorchs_node():
    x = st.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 5.0]], requires_grad=True)
    u = st.unique(x, dim=0)
    assert type(u.grad_fn).__name__ == "UniqueDimBackward0"
    with pytest.raises(NotImplementedError, match="the derivative for 'unique_dim' is not implemented"):
        u.sum().backward()
