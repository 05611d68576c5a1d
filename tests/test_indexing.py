"""Advanced indexing: result shapes and values vs torch, errors, setitem and autograd."""

import numpy as np
import pytest
import torch

import smalltorch as st

SHAPE_CASES = [
    ((3, 4), lambda m: [0, 2]),
    ((3, 4), lambda m: ([0, 2], [1, 3])),
    ((3, 4), lambda m: (slice(None), [1, 3, -1])),
    ((2, 3, 4), lambda m: (0, slice(None), [0, 1])),             # int then index: PyTorch's order, not numpy's
    ((2, 3, 4), lambda m: ([0, 1], slice(None), 0)),
    ((2, 3, 4), lambda m: ([[0], [1]], slice(None), [0, 2, 3])),
    ((2, 3, 4), lambda m: (slice(None), True, [0, 1])),
    ((2, 3, 4), lambda m: (True, slice(None), [0, 1])),
    ((2, 3, 4), lambda m: ([1, 0], True)),
    ((2, 3, 4), lambda m: False),
    ((2, 3, 4), lambda m: (None, [0, 1], Ellipsis, [0, 2])),    # empty ellipsis: still adjacent in PyTorch
    ((2, 3, 4), lambda m: ([0, 1], None, [0, 2])),
    ((2, 3, 4), lambda m: m.tensor([[True, False, True], [False, True, True]])),
    ((2, 3, 4), lambda m: (Ellipsis, m.tensor([True, False, True, True]))),
    ((2, 3, 4), lambda m: ([1, 0], m.tensor([True, False, True]))),
    ((2, 3, 4), lambda m: (m.tensor([True, False]), slice(None), m.tensor([0, 3]))),
    ((2, 3, 4), lambda m: ([True, False], 1)),
    ((2, 3, 4), lambda m: (m.tensor([0, 1], dtype=m.int32), [2, 0])),
    ((2, 3, 4), lambda m: ((1, 0), Ellipsis, (3, 3))),
    ((3,), lambda m: []),
    ((3, 4), lambda m: m.tensor(True)),
    ((3, 4), lambda m: (m.tensor(False), 1)),
    ((3, 4), lambda m: m.tensor(1)),
    ((3, 4), lambda m: (m.tensor([[0, 1], [2, 2]]), None)),
    ((3, 4), lambda m: (slice(None, None, 2), [[1], [2]])),
    ((0, 4), lambda m: (slice(None), [1, 2])),
    ((0, 4), lambda m: (slice(None), m.tensor([], dtype=m.int64))),
    ((), lambda m: True),
    ((), lambda m: (None, False)),
]


@pytest.mark.parametrize("shape,key", SHAPE_CASES)
def test_get_matches_torch(shape, key):
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    want = torch.from_numpy(a)[key(torch)]
    got = st.from_numpy(a)[key(st)]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("shape,key", SHAPE_CASES)
def test_set_matches_torch(shape, key):
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t, s = torch.from_numpy(a.copy()), st.from_numpy(a.copy())
    n = t[key(torch)].numel()
    v = np.arange(n, dtype=np.float32).reshape(t[key(torch)].shape) + 100
    t[key(torch)] = torch.from_numpy(v)
    s[key(st)] = st.from_numpy(v)
    np.testing.assert_array_equal(s.numpy(), t.numpy())
    t[key(torch)] = -1
    s[key(st)] = -1
    np.testing.assert_array_equal(s.numpy(), t.numpy())


def test_result_is_a_copy():
    x = st.arange(6.0).reshape(2, 3)
    y = x[[0, 1]]
    y[0, 0] = 100
    assert x[0, 0].item() == 0
    z = x[0]  # basic indexing stays a view
    z[0] = 7
    assert x[0, 0].item() == 7


def test_repeated_setitem_last_wins():
    x = st.zeros(4)
    x[[0, 0, 1]] = st.tensor([1.0, 2.0, 3.0])
    assert x.tolist() == [2.0, 3.0, 0.0, 0.0]


def test_setitem_broadcast_and_cast():
    x = st.zeros(3, 4, dtype=st.int64)
    x[[0, 2]] = st.tensor([1.5, 2.5, 3.5, 4.5])
    # PyTorch raises on a dtype mismatch here; smalltorch casts as numpy does
    want = np.zeros((3, 4), dtype=np.int64)
    want[[0, 2]] = np.array([1.5, 2.5, 3.5, 4.5])
    np.testing.assert_array_equal(x.numpy(), want)
    x[[1]] = st.ones(1, 1, 4, dtype=st.int64)  # extra leading 1s are allowed
    assert x[1].tolist() == [1, 1, 1, 1]
    x[x > 2] = 0
    assert int((x > 2).sum().item()) == 0


def test_setitem_value_aliasing_self():
    x = st.arange(4.0)
    x[[1, 2, 3, 0]] = x
    t = torch.arange(4.0)
    t[[1, 2, 3, 0]] = t.clone()
    np.testing.assert_array_equal(x.numpy(), t.numpy())


@pytest.mark.parametrize("key,exc,msg", [
    ([5], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    ([-4], IndexError, "out of bounds"),
    ((slice(None), [0, 4]), IndexError, "out of bounds for dimension 1 with size 4"),
    (([0, 1], [0, 1, 2]), IndexError, "shape mismatch: indexing tensors could not be broadcast"),
    (st.ones(4, dtype=st.bool), IndexError, "The shape of the mask [4] at index 0 does not match"),
    (st.ones(2), IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    (([0], [0], [0]), IndexError, "too many indices"),
    ((Ellipsis, Ellipsis, [0]), IndexError, "single ellipsis"),
])
def test_get_errors(key, exc, msg):
    x = st.zeros(3, 4)
    with pytest.raises(exc, match=None) as info:
        x[key]
    assert msg in str(info.value)
    tx = torch.zeros(3, 4)
    tkey = torch.from_numpy(key.numpy()) if isinstance(key, st.Tensor) else key
    with pytest.raises(exc):
        tx[tkey]


def test_invalid_key_type():
    with pytest.raises(IndexError, match="only integers"):
        st.zeros(3)["a"]
    with pytest.raises(IndexError, match="only integers"):
        st.zeros(3)[1.5]


def test_float_list_truncates_like_torch():
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(st.from_numpy(a)[[0.5, 2.0]].numpy(), torch.from_numpy(a)[[0.5, 2.0]].numpy())


def test_set_errors():
    x = st.zeros(3, 4)
    with pytest.raises(RuntimeError, match="shape mismatch: value tensor of shape"):
        x[[0, 1]] = st.ones(3)
    with pytest.raises(IndexError, match="out of bounds"):
        x[[7]] = 1.0
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        x.index_put_((st.tensor([0]),), st.ones(4, dtype=st.float64))
    with pytest.raises(RuntimeError, match="more than one element"):
        st.zeros(1, 4).expand(3, 4)[[0]] = 1.0


def test_index_add_errors():
    x = st.zeros(3)
    with pytest.raises(RuntimeError, match="same scalar type"):
        x.index_add_(0, st.tensor([0]), st.ones(1, dtype=st.float64))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        x.index_add_(0, st.tensor([0.0]), st.ones(1))
    with pytest.raises(RuntimeError, match="Number of indices"):
        x.index_add_(0, st.tensor([0]), st.ones(2))
    with pytest.raises(IndexError, match="index out of range"):
        x.index_add_(0, st.tensor([3]), st.ones(1))
    with pytest.raises(IndexError, match="index out of range"):
        x.index_add_(0, st.tensor([-1]), st.ones(1))
    with pytest.raises(RuntimeError, match="source tensor shape must match"):
        st.zeros(3, 2).index_add_(0, st.tensor([0]), st.ones(1, 3))


def test_mask_op_errors():
    with pytest.raises(RuntimeError, match="expected BoolTensor"):
        st.zeros(3).masked_select(st.tensor([1, 0, 1]))
    with pytest.raises(RuntimeError, match="number of ones in mask"):
        st.zeros(3).masked_scatter_(st.tensor([True, True, False]), st.ones(1))


def test_index_backward_accumulates_repeats():
    x = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[[0, 0, 2]]
    assert y.grad_fn.name() == "IndexBackward0"
    (y * st.tensor([1.0, 2.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 4.0]


def test_mask_and_mixed_backward_vs_torch():
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    m = np.array([True, False, True])
    sx = st.from_numpy(a.copy()).requires_grad_(True)
    tx = torch.from_numpy(a.copy()).requires_grad_(True)
    sy = sx[[1, 1], st.from_numpy(m)][..., 1:]
    ty = tx[[1, 1], torch.from_numpy(m)][..., 1:]
    w = np.arange(ty.numel(), dtype=np.float64).reshape(ty.shape)
    (sy * st.from_numpy(w)).sum().backward()
    (ty * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy())


def test_setitem_records_index_put_history():
    x = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = st.tensor([10.0, 20.0], requires_grad=True)
    y = x * 2
    y[[0, 2]] = v
    assert y.grad_fn.name() == "IndexPutBackward0"
    (y * st.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0, 0.0]
    assert v.grad.tolist() == [1.0, 3.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[[0]] = 5.0
    with st.no_grad():
        x[[0]] = 5.0
    assert x[0].item() == 5.0


def test_setitem_mixed_basic_key_autograd():
    x = st.zeros(3, 4, requires_grad=True)
    v = st.ones(2, requires_grad=True)
    y = x + 0
    y[1:, [3, 0]] = v  # broadcast over the sliced dim
    y.sum().backward()
    assert x.grad.tolist() == [[1, 1, 1, 1], [0, 1, 1, 0], [0, 1, 1, 0]]
    assert v.grad.tolist() == [2.0, 2.0]


def test_index_put_accumulate_and_names():
    x = st.zeros(4, requires_grad=True)
    v = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = st.index_put(x, (st.tensor([0, 0, 1]),), v, accumulate=True)
    assert y.grad_fn.name() == "IndexPutBackward0"
    assert y.tolist() == [3.0, 3.0, 0.0, 0.0]
    y2 = x.index_add(0, st.tensor([0, 0, 3]), v, alpha=2)
    assert y2.grad_fn.name() == "IndexAddBackward0"
    assert y2.tolist() == [6.0, 0.0, 0.0, 6.0]
    y2.sum().backward()
    assert v.grad.tolist() == [2.0, 2.0, 2.0]


def test_inplace_methods_return_self():
    x = st.zeros(3)
    assert x.index_put_((st.tensor([1]),), st.ones(1)) is x
    assert x.index_add_(0, st.tensor([2]), st.ones(1)) is x
    assert x.masked_scatter_(st.tensor([True, False, False]), st.ones(3)) is x
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_nonzero_forms():
    a = np.array([[0, 1, 0], [2, 0, 3]])
    got = st.nonzero(st.from_numpy(a), as_tuple=True)
    want = torch.nonzero(torch.from_numpy(a), as_tuple=True)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    np.testing.assert_array_equal(st.from_numpy(a).nonzero().numpy(), np.argwhere(a))
    np.testing.assert_array_equal(st.argwhere(st.from_numpy(a)).numpy(), np.argwhere(a))
    assert tuple(st.nonzero(st.tensor(5)).shape) == tuple(torch.nonzero(torch.tensor(5)).shape)
    assert st.nonzero(st.tensor([np.nan, 0.0])).tolist() == [[0]]


def test_large_gather_both_threads_matches_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 500)).astype(np.float32)
    i = rng.integers(-300, 300, size=(400,))
    j = rng.integers(0, 500, size=(400,))
    np.testing.assert_array_equal(st.from_numpy(a)[st.from_numpy(i)].numpy(), a[i])
    np.testing.assert_array_equal(st.from_numpy(a)[:, st.from_numpy(j)].numpy(), a[:, j])
    np.testing.assert_array_equal(st.from_numpy(a)[st.from_numpy(i), st.from_numpy(j)].numpy(), a[i, j])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "float16"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_index_add_every_dim_matches_torch(dtype, dim):
    """index_add_ along each dim of a 3-d tensor (repeated indices, int32 and int64 index, alpha, a transposed
    self, a source that is a view of self) gives torch's values: the op runs as a scatter-add whose index is
    broadcast over source's other dims."""
    rng = np.random.default_rng(abs(dim) + 7)
    shape = (4, 5, 6)
    base = (rng.standard_normal(shape) * 4).astype(dtype)
    d = dim % 3
    for index_dtype in ("int64", "int32"):
        idx = rng.integers(0, shape[d], 9).astype(index_dtype)
        src_shape = list(shape)
        src_shape[d] = 9
        src = (rng.standard_normal(src_shape) * 4).astype(dtype)
        alpha = 1 if dtype == "int64" else 1.5
        want = torch.from_numpy(base.copy()).index_add_(dim, torch.from_numpy(idx), torch.from_numpy(src), alpha=alpha)
        got = st.from_numpy(base.copy()).index_add_(dim, st.from_numpy(idx), st.from_numpy(src), alpha=alpha)
        tol = dict(rtol=1e-2, atol=1e-2) if dtype == "float16" else dict(rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64), **tol)
        # a transposed (non-contiguous) self
        tb = torch.from_numpy(base.copy()).transpose(0, 2)
        sb = st.from_numpy(base.copy()).transpose(0, 2)
        ts = torch.from_numpy(src).transpose(0, 2)
        ss = st.from_numpy(src).transpose(0, 2)
        td = {0: 2, 1: 1, 2: 0}[d]
        want = tb.index_add_(td, torch.from_numpy(idx), ts, alpha=alpha)
        got = sb.index_add_(td, st.from_numpy(idx), ss, alpha=alpha)
        np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64), **tol)
    # source a view of self: read before anything is written
    idx = np.array([shape[d] - 1, 0, 0] + list(range(shape[d] - 3)))
    want = torch.from_numpy(base.copy())
    want.index_add_(dim, torch.from_numpy(idx), want.clone())
    got = st.from_numpy(base.copy())
    got.index_add_(dim, st.from_numpy(idx), got)
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64),
                               **(dict(rtol=1e-2, atol=1e-2) if dtype == "float16" else dict(rtol=1e-6, atol=1e-6)))


@pytest.mark.parametrize("op", ["scatter_", "scatter_add_"])
def test_scatter_inplace_bad_index_matches_torch(op):
    """An in-place scatter with an index out of range raises torch's RuntimeError and message, and leaves self
    as torch's kernel does: what came before the bad index is written (the check runs inside the scatter)."""
    results = []
    for lib in (torch, st):
        t = lib.zeros(5)
        with pytest.raises(RuntimeError) as info:
            getattr(t, op)(0, lib.tensor([1, 7, 2]), lib.ones(3))
        results.append((str(info.value), t.tolist()))
    assert results[1] == results[0]
    assert results[0][0] == "index 7 is out of bounds for dimension 0 with size 5"
