"""Issue 10's last names: as_strided(_), Tensor.unfold, put(_), the in-place view ops (squeeze_, unsqueeze_, t_,
transpose_, swapdims_, swapaxes_), scatter_reduce(_), index_reduce(_), linalg.lu_factor(_ex), linalg.lu_solve and
lu_unpack: values against numpy/torch, gradcheck in float64, gradients and grad_fn names against torch, views that
share storage and take in-place writes, and PyTorch's errors."""
import numpy as np
import pytest

import smalltorch as st

REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def _np(t):
    return t.detach().numpy()


def _pair(torch, a, requires_grad=False):
    """The same float64 array as a smalltorch and a torch tensor."""
    s = st.tensor(a).requires_grad_(requires_grad)
    t = torch.tensor(a).requires_grad_(requires_grad)
    return s, t


def _errors_match(torch, f):
    """f(module) raises the same exception class in both, and smalltorch's message has torch's words."""
    with pytest.raises(Exception) as ours:
        f(st)
    with pytest.raises(Exception) as theirs:
        f(torch)
    assert type(ours.value).__name__ == type(theirs.value).__name__, (ours.value, theirs.value)
    # the same words (smalltorch may name the op where torch does not)
    words = str(theirs.value).rstrip(".")
    assert words in str(ours.value), (str(ours.value), str(theirs.value))


def _two_input_grads_match(torch, a, b, node, call):
    """call(module, x, y) on float64 leaves x, y in both libraries: the same grad_fn name `node` and gradients."""
    s, t = _pair(torch, a, True)
    rs, rt = _pair(torch, b, True)
    ys, yt = call(st, s, rs), call(torch, t, rt)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__ == node
    w = np.random.default_rng(2).standard_normal(tuple(yt.shape))
    (ys * st.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(s.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(rs.grad), rt.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- as_strided

AS_STRIDED = [
    ((3, 3), (1, 1), None),
    ((3, 3), (1, 1), 2),
    ((2, 2), (1, 2), 0),
    ((4,), (3,), 0),
    ((2, 3), (0, 1), 1),
    ((0, 3), (1, 1), 5),
    ((), (), 4),
]


@pytest.mark.parametrize("size,stride,offset", AS_STRIDED)
def test_as_strided_values_and_sharing(size, stride, offset, torch_ref):
    base = np.arange(12.0)
    s, t = _pair(torch_ref, base)
    ys = st.as_strided(s, size, stride, offset)
    yt = torch_ref.as_strided(t, size, stride, offset)
    assert tuple(ys.shape) == tuple(yt.shape) and ys.stride() == yt.stride()
    assert ys.storage_offset() == yt.storage_offset()
    np.testing.assert_array_equal(_np(ys), yt.numpy())
    assert ys.data_ptr() == s.data_ptr() + ys.storage_offset() * 8  # a view, not a copy
    np.testing.assert_array_equal(_np(s.as_strided(size, stride, offset)), yt.numpy())


def test_as_strided_of_a_view_counts_from_the_storage(torch_ref):
    s, t = _pair(torch_ref, np.arange(10.0))
    vs, vt = s[3:], t[3:]
    for off in (None, 0, 5):
        a, b = vs.as_strided((2, 2), (2, 1), off), vt.as_strided((2, 2), (2, 1), off)
        np.testing.assert_array_equal(_np(a), b.numpy())
        assert a.storage_offset() == b.storage_offset()


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
def test_as_strided_every_dtype(dtype, torch_ref):
    a = (np.arange(12) % 3).astype(np.float64)
    s = st.tensor(a).to(getattr(st, dtype))
    t = torch_ref.tensor(a).to(getattr(torch_ref, dtype))
    np.testing.assert_array_equal(s.as_strided((3, 2), (2, 3), 1).numpy(), t.as_strided((3, 2), (2, 3), 1).numpy())


@pytest.mark.parametrize("size,stride,offset", [((3, 3), (1, 1), 2), ((2, 2), (1, 2), 0), ((2, 3), (0, 1), 1),
                                                ((3, 2), (2, 3), 0)])
def test_as_strided_gradients_match_torch(size, stride, offset, torch_ref):
    x = np.random.default_rng(0).standard_normal(12)
    s, t = _pair(torch_ref, x, True)
    w = np.random.default_rng(1).standard_normal(size)
    (st.as_strided(s, size, stride, offset) * st.tensor(w)).sum().backward()
    (torch_ref.as_strided(t, size, stride, offset) * torch_ref.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(s.grad), t.grad.numpy(), rtol=1e-12)
    y = s.as_strided(size, stride, offset)
    assert type(y.grad_fn).__name__ == "AsStridedBackward0"
    assert st.autograd.gradcheck(lambda v: v.as_strided(size, stride, offset), [st.tensor(x, requires_grad=True)])


def test_as_strided_of_an_overlapping_input_splits_the_gradient(torch_ref):
    for m in (st, torch_ref):
        x = m.arange(6.0, dtype=m.float64).expand(3, 6).requires_grad_()
        x.as_strided((2, 2), (1, 1)).sum().backward()
        if m is st:
            ours = _np(x.grad)
        else:
            np.testing.assert_allclose(ours, x.grad.numpy(), rtol=1e-12)


def test_as_strided_view_takes_in_place_writes(torch_ref):
    outs = []
    for m in (st, torch_ref):
        a = m.tensor(np.arange(6.0), requires_grad=True)
        b = a * 2
        v = b.as_strided((2, 2), (2, 1), 1)
        v.mul_(3)
        assert b.grad_fn is not None and "CopySlices" in type(b.grad_fn).__name__
        b.sum().backward()
        outs.append((_np(b), _np(a.grad)))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


@pytest.mark.parametrize("args", [((3, 3), (-1, 1)), ((3, 3), (4, 1), 5), ((3,), (4, 1)), ((3, -1), (4, 1)),
                                  ((3, 3), (4, 1), -1), ((13,), (1,))])
def test_as_strided_errors(args, torch_ref):
    _errors_match(torch_ref, lambda m: m.arange(12.0).as_strided(*args))


def test_as_strided_in_place(torch_ref):
    for m in (st, torch_ref):
        x = m.arange(12.0)
        r = x.as_strided_((3, 2), (1, 3), 1)
        assert r is x and tuple(x.shape) == (3, 2) and x.stride() == (1, 3) and x.storage_offset() == 1
    a_s, a_t = _pair(torch_ref, np.arange(6.0), True)
    ys, yt = a_s * 1, a_t * 1
    ys.as_strided_((2, 2), (1, 2))
    yt.as_strided_((2, 2), (1, 2))
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__ == "AsStridedBackward1"
    (ys * st.tensor([[1.0, 2], [3, 4]])).sum().backward()
    (yt * torch_ref.tensor([[1.0, 2], [3, 4]], dtype=torch_ref.float64)).sum().backward()
    np.testing.assert_array_equal(_np(a_s.grad), a_t.grad.numpy())


# ---------------------------------------------------------------- unfold

UNFOLD = [((12,), 0, 3, 2), ((12,), 0, 12, 1), ((12,), -1, 1, 5), ((2, 3, 4), -1, 2, 1), ((2, 3, 4), 1, 2, 1),
          ((2, 3, 4), 0, 1, 1), ((5, 7), 1, 3, 3), ((12,), 0, 0, 1), ((), 0, 1, 1)]


@pytest.mark.parametrize("shape,dim,size,step", UNFOLD)
def test_unfold_values_and_layout(shape, dim, size, step, torch_ref):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    s, t = _pair(torch_ref, a)
    ys, yt = s.unfold(dim, size, step), t.unfold(dim, size, step)
    assert tuple(ys.shape) == tuple(yt.shape) and ys.stride() == yt.stride()
    np.testing.assert_array_equal(_np(ys), yt.numpy())
    if ys.numel():
        assert ys.data_ptr() == s.data_ptr()


def test_unfold_of_a_transposed_input(torch_ref):
    a = np.arange(20.0).reshape(4, 5)
    s, t = _pair(torch_ref, a)
    np.testing.assert_array_equal(_np(s.t().unfold(1, 2, 2)), t.t().unfold(1, 2, 2).numpy())


@pytest.mark.parametrize("shape,dim,size,step", [u for u in UNFOLD if u[2] > 0])
def test_unfold_gradients(shape, dim, size, step, torch_ref):
    a = np.random.default_rng(0).standard_normal(shape)
    s, t = _pair(torch_ref, a, True)
    ys, yt = s.unfold(dim, size, step), t.unfold(dim, size, step)
    assert type(ys.grad_fn).__name__ == "UnfoldBackward0"
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (ys * st.tensor(w)).sum().backward()
    (yt * torch_ref.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(s.grad), t.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert st.autograd.gradcheck(lambda v: v.unfold(dim, size, step), [st.tensor(a, requires_grad=True)])
    assert st.autograd.gradgradcheck(lambda v: v.unfold(dim, size, step) ** 2, [st.tensor(a, requires_grad=True)])


def test_unfold_view_takes_in_place_writes(torch_ref):
    res = []
    for m in (st, torch_ref):
        a = m.tensor(np.arange(8.0), requires_grad=True)
        b = a * 1
        b.unfold(0, 2, 3).add_(10)  # windows (0,1), (3,4), (6,7): no overlap
        (b * b).sum().backward()
        res.append((_np(b), _np(a.grad)))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


@pytest.mark.parametrize("shape,args", [((12,), (0, 13, 2)), ((12,), (0, 3, 0)), ((12,), (0, -1, 1)),
                                        ((12,), (1, 3, 1)), ((), (0, 2, 1))])
def test_unfold_errors(shape, args, torch_ref):
    _errors_match(torch_ref, lambda m: m.zeros(shape).unfold(*args))


# ---------------------------------------------------------------- in-place view ops

INPLACE_VIEWS = [
    ("squeeze_", (), "SqueezeBackward3"),
    ("squeeze_", (1,), "SqueezeBackward4"),
    ("squeeze_", ((0, 1),), "SqueezeBackward5"),
    ("unsqueeze_", (2,), "UnsqueezeBackward1"),
    ("unsqueeze_", (-1,), "UnsqueezeBackward1"),
    ("transpose_", (0, 2), "TransposeBackward1"),
    ("swapdims_", (2, 0), "TransposeBackward1"),
    ("swapaxes_", (1, 2), "TransposeBackward1"),
]


@pytest.mark.parametrize("name,args,node", INPLACE_VIEWS)
def test_in_place_view_ops_match_torch(name, args, node, torch_ref):
    a = np.random.default_rng(0).standard_normal((3, 1, 2))
    s, t = _pair(torch_ref, a, True)
    ys, yt = s * 1, t * 1
    assert getattr(ys, name)(*args) is ys
    getattr(yt, name)(*args)
    assert tuple(ys.shape) == tuple(yt.shape) and ys.stride() == yt.stride()
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__ == node
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (ys * st.tensor(w)).sum().backward()
    (yt * torch_ref.tensor(w)).sum().backward()
    np.testing.assert_array_equal(_np(s.grad), t.grad.numpy())
    # without autograd: the geometry only, on every dtype
    xs, xt = st.zeros((3, 1, 2), dtype=st.int64), torch_ref.zeros((3, 1, 2), dtype=torch_ref.int64)
    getattr(xs, name)(*args)
    getattr(xt, name)(*args)
    assert tuple(xs.shape) == tuple(xt.shape) and xs.stride() == xt.stride()
    assert xs._version == xt._version


def test_t_in_place(torch_ref):
    s, t = _pair(torch_ref, np.arange(6.0).reshape(2, 3), True)
    ys, yt = s * 1, t * 1
    ys.t_()
    yt.t_()
    assert tuple(ys.shape) == (3, 2) and type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__ == "TBackward1"
    (ys * st.arange(6.0, dtype=st.float64).view(3, 2)).sum().backward()
    (yt * torch_ref.arange(6.0, dtype=torch_ref.float64).view(3, 2)).sum().backward()
    np.testing.assert_array_equal(_np(s.grad), t.grad.numpy())
    _errors_match(torch_ref, lambda m: m.zeros(2, 3, 4).t_())


def test_in_place_view_op_on_a_view_keeps_it_a_view(torch_ref):
    res = []
    for m in (st, torch_ref):
        a = m.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
        w = a * 1
        v = w[1:]
        v.unsqueeze_(0)
        assert v._base is w and tuple(v.shape) == (1, 2, 2)
        res.append(type(v.grad_fn.next_functions[0][0]).__name__)
        v.mul_(2)  # an in-place write after the metadata change reaches the base
        (w * w).sum().backward()
        res.append((_np(w), _np(a.grad)))
    assert res[0] == res[2] == "SliceBackward0"
    np.testing.assert_array_equal(res[1][0], res[3][0])
    np.testing.assert_array_equal(res[1][1], res[3][1])


def test_in_place_view_ops_refuse_a_leaf(torch_ref):
    for name, args, _ in INPLACE_VIEWS:
        _errors_match(torch_ref, lambda m: getattr(m.zeros(3, 1, 2, requires_grad=True), name)(*args))
    _errors_match(torch_ref, lambda m: m.zeros(3, 1, 2).squeeze_(3))
    _errors_match(torch_ref, lambda m: m.zeros(3, 1, 2).unsqueeze_(5))
    _errors_match(torch_ref, lambda m: m.zeros(3, 1, 2).transpose_(0, 3))


def test_in_place_view_op_under_no_grad(torch_ref):
    a = st.zeros(3, 1, 2, requires_grad=True)
    with st.no_grad():
        w = a * 1
        w.squeeze_()
    assert tuple(w.shape) == (3, 2) and w.grad_fn is None


# ---------------------------------------------------------------- put

@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "uint8", "bool"])
def test_put_values(accumulate, dtype, torch_ref):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, (3, 4)).astype(np.float64)
    idx = np.array([[0, -1, 5], [5, 11, -12]])
    src = rng.integers(0, 2, (2, 3)).astype(np.float64)
    s = st.tensor(a).to(getattr(st, dtype))
    t = torch_ref.tensor(a).to(getattr(torch_ref, dtype))
    ss, ts = st.tensor(src).to(getattr(st, dtype)), torch_ref.tensor(src).to(getattr(torch_ref, dtype))
    if not accumulate:  # repeated indices: the last write wins (torch's CPU order)
        idx = np.array([[0, -1, 5], [6, 11, -12]])
    i_s, i_t = st.tensor(idx), torch_ref.tensor(idx)
    np.testing.assert_array_equal(s.put(i_s, ss, accumulate).numpy(), t.put(i_t, ts, accumulate).numpy())
    np.testing.assert_array_equal(st.put(s, i_s, ss, accumulate=accumulate).numpy(),
                                  torch_ref.put(t, i_t, ts, accumulate=accumulate).numpy())
    # in place, also through a transposed (non-contiguous) self
    s2, t2 = s.t(), t.t()
    assert s2.put_(i_s, ss, accumulate) is s2
    t2.put_(i_t, ts, accumulate)
    np.testing.assert_array_equal(s.numpy(), t.numpy())


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_gradients(accumulate, torch_ref):
    a = np.random.default_rng(0).standard_normal((3, 4))
    src = np.random.default_rng(1).standard_normal((2, 2))
    idx = np.array([1, 7, -1, 7] if accumulate else [1, 7, -1, 3])
    s, t = _pair(torch_ref, a, True)
    rs, rt = _pair(torch_ref, src, True)
    ys = s.put(st.tensor(idx), rs, accumulate)
    yt = t.put(torch_ref.tensor(idx), rt, accumulate)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__ == "PutBackward0"
    w = np.random.default_rng(2).standard_normal((3, 4))
    (ys * st.tensor(w)).sum().backward()
    (yt * torch_ref.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(s.grad), t.grad.numpy())
    np.testing.assert_allclose(_np(rs.grad), rt.grad.numpy())
    assert st.autograd.gradcheck(lambda x, y: x.put(st.tensor(idx), y, accumulate),
                                 [st.tensor(a, requires_grad=True), st.tensor(src, requires_grad=True)])
    zs = s * 1
    zs.put_(st.tensor(idx), rs, accumulate)
    assert type(zs.grad_fn).__name__ == "PutBackward0"


@pytest.mark.parametrize("f", [
    lambda m: m.zeros(2, 3).put(m.tensor([0, 6]), m.tensor([1.0, 2.0])),
    lambda m: m.zeros(2, 3).put(m.tensor([0, -7]), m.tensor([1.0, 2.0])),
    lambda m: m.zeros(2, 3).put(m.tensor([0, 1]), m.tensor([1.0, 2.0, 3.0])),
    lambda m: m.zeros(2, 3).put(m.tensor([0, 1]), m.tensor([1, 2])),
    lambda m: m.zeros(2, 3).put(m.tensor([0.0, 1]), m.tensor([1.0, 2.0])),
    lambda m: m.zeros(2, 3).put(m.tensor([0, 1], dtype=m.int32), m.tensor([1.0, 2.0])),
    lambda m: m.zeros(0).put(m.tensor([0]), m.tensor([5.0])),
    lambda m: m.zeros(3).expand(2, 3).put_(m.tensor([1]), m.tensor([5.0])),
    lambda m: m.zeros(3, requires_grad=True).put_(m.tensor([1]), m.tensor([5.0])),
])
def test_put_errors(f, torch_ref):
    _errors_match(torch_ref, f)


# ---------------------------------------------------------------- scatter_reduce

def _scatter_case(seed, shape, dim, index_shape, src_shape, dtype=np.float64, ties=False):
    rng = np.random.default_rng(seed)
    a = rng.integers(-3, 4, shape).astype(dtype) if ties else rng.standard_normal(shape).astype(dtype)
    src = rng.integers(-3, 4, src_shape).astype(dtype) if ties else rng.standard_normal(src_shape).astype(dtype)
    idx = rng.integers(0, shape[dim], index_shape)
    return a, idx, src


SCATTER_SHAPES = [((5,), 0, (8,), (8,)), ((4, 3), 0, (6, 3), (6, 3)), ((4, 3), 1, (4, 5), (4, 6)),
                  ((3, 4, 2), 1, (2, 5, 2), (3, 6, 2)), ((3, 4, 2), -1, (3, 4, 3), (3, 4, 3))]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("case", SCATTER_SHAPES)
def test_scatter_reduce_values(reduce, include_self, case, torch_ref):
    shape, dim, ishape, sshape = case
    for dtype in (np.float64, np.float32, np.int64, np.int32):
        a, idx, src = _scatter_case(0, shape, dim, ishape, sshape, dtype, ties=True)
        ours = st.tensor(a).scatter_reduce(dim, st.tensor(idx), st.tensor(src), reduce, include_self=include_self)
        theirs = torch_ref.tensor(a).scatter_reduce(dim, torch_ref.tensor(idx), torch_ref.tensor(src), reduce,
                                                    include_self=include_self)
        assert ours.dtype == getattr(st, str(theirs.dtype).split(".")[1])
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    out = st.empty(shape)
    r = st.scatter_reduce(st.tensor(a.astype(np.float32)), dim, st.tensor(idx), st.tensor(src.astype(np.float32)),
                          reduce, include_self=include_self, out=out)
    assert r is out
    x = st.tensor(a.astype(np.float32))
    assert x.scatter_reduce_(dim, st.tensor(idx), st.tensor(src.astype(np.float32)), reduce,
                             include_self=include_self) is x
    np.testing.assert_array_equal(x.numpy(), out.numpy())


def test_scatter_reduce_nan_and_bool(torch_ref):
    for m in (st, torch_ref):
        x = m.tensor([1.0, 2, 3, 4])
        i = m.tensor([0, 0, 1, 1, 3])
        s = m.tensor([5.0, float("nan"), -1, 2, 7])
        got = [x.scatter_reduce(0, i, s, r).numpy() for r in REDUCES + ["max", "min"]]
        b = m.tensor([True, False, False])
        got += [b.scatter_reduce(0, m.tensor([0, 1, 1]), m.tensor([False, True, False]), r, include_self=inc).numpy()
                for r in ("sum", "prod", "amax", "amin") for inc in (True, False)]
        if m is st:
            ours = got
    for a, b in zip(ours, got):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("case", SCATTER_SHAPES)
@pytest.mark.parametrize("ties", [False, True])
def test_scatter_reduce_gradients_match_torch(reduce, include_self, case, ties, torch_ref):
    shape, dim, ishape, _ = case
    sshape = ishape  # (torch's backward needs src shaped like index)
    a, idx, src = _scatter_case(1, shape, dim, ishape, sshape, ties=ties)
    if ties and reduce == "prod":
        src[tuple(0 for _ in sshape)] = 0.0  # a zero factor
    _two_input_grads_match(torch_ref, a, src, "ScatterReduceBackward0", lambda m, x, y: x.scatter_reduce(
        dim, m.tensor(idx), y, reduce, include_self=include_self))


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradcheck(reduce, include_self):
    a, idx, src = _scatter_case(3, (4, 3), 0, (5, 3), (6, 3))  # src larger than index: the rest gets zero
    i = st.tensor(idx)
    assert st.autograd.gradcheck(lambda x, y: x.scatter_reduce(0, i, y, reduce, include_self=include_self),
                                 [st.tensor(a, requires_grad=True), st.tensor(src, requires_grad=True)])


def test_scatter_reduce_amax_ties_split_the_gradient(torch_ref):
    got = []
    for m in (st, torch_ref):
        for inc in (True, False):
            for base in ([1.0, 5, 5], [5.0, 5, 5]):
                a = m.tensor(base, dtype=m.float64, requires_grad=True)
                src = m.tensor([5.0, 5, 2], dtype=m.float64, requires_grad=True)
                a.scatter_reduce(0, m.tensor([0, 0, 1]), src, "amax", include_self=inc).sum().backward()
                got.append((_np(a.grad), _np(src.grad)))
    n = len(got) // 2
    for (x1, y1), (x2, y2) in zip(got[:n], got[n:]):
        np.testing.assert_allclose(x1, x2)
        np.testing.assert_allclose(y1, y2)


def test_scatter_reduce_in_place_gradients(torch_ref):
    a, idx, src = _scatter_case(4, (4, 3), 0, (5, 3), (5, 3))
    res = []
    for m in (st, torch_ref):
        x = m.tensor(a, requires_grad=True)
        y = m.tensor(src, requires_grad=True)
        z = x * 1
        z.scatter_reduce_(0, m.tensor(idx), y, "prod", include_self=True)
        assert type(z.grad_fn).__name__ == "ScatterReduceBackward0"
        (z * z).sum().backward()
        res.append((_np(x.grad), _np(y.grad)))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-10)


@pytest.mark.parametrize("f", [
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([0, 1]), m.ones(2), "foo"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([0, 1]), m.ones(2), "add"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([0, 1]), m.ones(2, dtype=m.int64), "sum"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([0.0, 1]), m.ones(2), "sum"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([0, 1]), m.ones(1), "sum"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([9]), m.ones(2), "sum"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([-1]), m.ones(2), "sum"),
    lambda m: m.zeros(4).scatter_reduce(1, m.tensor([0]), m.ones(2), "sum"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([[0]]), m.ones(2), "sum"),
    lambda m: m.zeros(4).scatter_reduce(0, m.tensor([0]), m.ones(2), "sum", include_self=3),
    lambda m: m.tensor([True, False]).scatter_reduce(0, m.tensor([0]), m.tensor([True]), "mean"),
    lambda m: m.zeros(4).expand(2, 4).scatter_reduce_(1, m.tensor([[0]]), m.ones(1, 1), "sum"),
    lambda m: m.zeros(4, requires_grad=True).scatter_reduce_(0, m.tensor([0]), m.ones(1), "sum"),
])
def test_scatter_reduce_errors(f, torch_ref):
    _errors_match(torch_ref, f)


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_reduce_large_threaded_matches_one_thread_and_torch(reduce, dim, torch_ref):
    """60 000 index elements: the kernel cuts them over the threads along the other dim; the result has the same
    bits on one and two threads and matches torch; an out-of-range index among them raises torch's error."""
    rng = np.random.default_rng(7)
    ishape = (1500, 40) if dim == 0 else (40, 1500)
    idx = rng.integers(0, 50, ishape)
    src = rng.standard_normal(ishape)
    a = rng.standard_normal((50, 40) if dim == 0 else (40, 50))
    prev = st.get_num_threads()
    for include_self in (True, False):
        outs = []
        for n in (1, 2):
            st.set_num_threads(n)
            try:
                outs.append(st.tensor(a).scatter_reduce(dim, st.tensor(idx), st.tensor(src), reduce,
                                                        include_self=include_self).numpy())
            finally:
                st.set_num_threads(prev)
        np.testing.assert_array_equal(outs[0], outs[1])
        ref = torch_ref.tensor(a).scatter_reduce(dim, torch_ref.tensor(idx), torch_ref.tensor(src), reduce,
                                                 include_self=include_self)
        np.testing.assert_allclose(outs[0], ref.numpy(), rtol=1e-10, atol=1e-12)
    bad = idx.copy()
    bad[ishape[0] - 1, ishape[1] - 3] = 50
    for n in (1, 2):
        st.set_num_threads(n)
        try:
            _errors_match(torch_ref, lambda m: m.tensor(a).scatter_reduce(dim, m.tensor(bad), m.tensor(src), reduce))
            _errors_match(torch_ref, lambda m: m.tensor(a).scatter_reduce_(dim, m.tensor(bad), m.tensor(src), reduce))
        finally:
            st.set_num_threads(prev)


# ---------------------------------------------------------------- index_reduce

INDEX_SHAPES = [((5,), 0, [0, 0, 3, 4, 3]), ((3, 4), 0, [0, 0, 2]), ((3, 4), 1, [3, 1, 1, 3, 0]),
                ((2, 3, 4), 1, [2, 2, 0]), ((2, 3, 4), -1, [1, 1])]


def _index_case(seed, shape, dim, index, ties=False, dtype=np.float64):
    rng = np.random.default_rng(seed)
    sshape = list(shape)
    sshape[dim] = len(index)
    if ties:
        return (rng.integers(-3, 4, shape).astype(dtype), np.array(index),
                rng.integers(-3, 4, sshape).astype(dtype))
    return rng.standard_normal(shape).astype(dtype), np.array(index), rng.standard_normal(sshape).astype(dtype)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("case", INDEX_SHAPES)
def test_index_reduce_values(reduce, include_self, case, torch_ref):
    shape, dim, index = case
    for dtype in (np.float64, np.float32, np.int64):
        a, idx, src = _index_case(0, shape, dim, index, True, dtype)
        ours = st.tensor(a).index_reduce(dim, st.tensor(idx), st.tensor(src), reduce, include_self=include_self)
        theirs = torch_ref.tensor(a).index_reduce(dim, torch_ref.tensor(idx), torch_ref.tensor(src), reduce,
                                                  include_self=include_self)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
        ours32 = st.index_reduce(st.tensor(a), dim, st.tensor(idx, dtype=st.int32), st.tensor(src), reduce,
                                 include_self=include_self)
        np.testing.assert_allclose(ours32.numpy(), theirs.numpy(), rtol=1e-6)
        x = st.tensor(a)
        assert x.index_reduce_(dim, st.tensor(idx), st.tensor(src), reduce, include_self=include_self) is x
        np.testing.assert_allclose(x.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("case", INDEX_SHAPES)
@pytest.mark.parametrize("ties", [False, True])
def test_index_reduce_gradients_match_torch(reduce, include_self, case, ties, torch_ref):
    shape, dim, index = case
    a, idx, src = _index_case(1, shape, dim, index, ties)
    _two_input_grads_match(torch_ref, a, src, "IndexReduceBackward0", lambda m, x, y: x.index_reduce(
        dim, m.tensor(idx), y, reduce, include_self=include_self))
    if not ties:
        assert st.autograd.gradcheck(
            lambda x, y: x.index_reduce(dim, st.tensor(idx), y, reduce, include_self=include_self),
            [st.tensor(a, requires_grad=True), st.tensor(src, requires_grad=True)])


@pytest.mark.parametrize("f", [
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, 0]), m.ones(2, 4), "sum"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, 0]), m.ones(2, 4), "max"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, 0]), m.ones(2, 3), "mean"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, 5]), m.ones(2, 4), "mean"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, -1]), m.ones(2, 4), "amax"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([[0, 1]]), m.ones(2, 4), "amax"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, 1]), m.ones(3, 4), "amax"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, 1.0]), m.ones(2, 4), "amax"),
    lambda m: m.ones(3, 4).index_reduce(0, m.tensor([0, 1]), m.ones(2, 4, dtype=m.int64), "amax"),
    lambda m: m.ones(3, 4).index_reduce(2, m.tensor([0, 1]), m.ones(2, 4), "amax"),
])
def test_index_reduce_errors(f, torch_ref):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "index_reduce() is in beta"
        _errors_match(torch_ref, f)


# ---------------------------------------------------------------- LU

@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (1, 1), (3, 5), (5, 3), (2, 2, 4, 2)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_lu_factor_matches_torch(shape, dtype, torch_ref):
    a = np.random.default_rng(0).standard_normal(shape)
    s = st.tensor(a).to(getattr(st, dtype))
    t = torch_ref.tensor(a).to(getattr(torch_ref, dtype))
    LU_s, piv_s = st.linalg.lu_factor(s)
    LU_t, piv_t = torch_ref.linalg.lu_factor(t)
    assert piv_s.dtype == st.int32 and LU_s.dtype == s.dtype
    np.testing.assert_array_equal(piv_s.numpy(), piv_t.numpy())
    np.testing.assert_allclose(LU_s.numpy(), LU_t.numpy(), rtol=1e-4 if dtype == "float32" else 1e-10,
                               atol=1e-5 if dtype == "float32" else 1e-12)
    r = st.linalg.lu_factor_ex(s)
    assert r.info.dtype == st.int32 and (r.info.numpy() == 0).all()
    np.testing.assert_array_equal(r.LU.numpy(), LU_s.numpy())
    P, L, U = st.lu_unpack(LU_s, piv_s)
    Pt, Lt, Ut = torch_ref.lu_unpack(LU_t, piv_t)
    for x, y in ((P, Pt), (L, Lt), (U, Ut)):
        assert tuple(x.shape) == tuple(y.shape)
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose((P @ L @ U).numpy(), a, rtol=1e-4, atol=1e-5)


def test_lu_factor_singular(torch_ref):
    A = [[1.0, 2], [2, 4]]
    r = st.linalg.lu_factor_ex(st.tensor(A))
    rt = torch_ref.linalg.lu_factor_ex(torch_ref.tensor(A))
    assert int(r.info) == int(rt.info) == 2
    _errors_match(torch_ref, lambda m: m.linalg.lu_factor(m.tensor(A)))
    _errors_match(torch_ref, lambda m: m.linalg.lu_factor(m.zeros(2, 3, 3)))
    _errors_match(torch_ref, lambda m: m.linalg.lu_factor(m.ones(3)))
    _errors_match(torch_ref, lambda m: m.linalg.lu_factor(m.ones(3, 3, dtype=m.int64)))
    _errors_match(torch_ref, lambda m: m.linalg.lu_factor(m.eye(3), pivot=False))
    _errors_match(torch_ref, lambda m: m.linalg.lu_factor(m.eye(3), pivot=1))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("shapes", [((4, 4), (4, 2)), ((2, 3, 3), (3, 3)), ((3, 3), (2, 3, 3)), ((1, 3, 3), (2, 3, 1))])
def test_lu_solve_values_and_gradients(left, adjoint, shapes, torch_ref):
    ashape, bshape = shapes
    rng = np.random.default_rng(5)
    a = rng.standard_normal(ashape) + 3 * np.eye(ashape[-1])
    b = rng.standard_normal(bshape if left else bshape[:-2] + bshape[-2:][::-1])
    LU_s, piv_s = st.linalg.lu_factor(st.tensor(a))
    LU_t, piv_t = torch_ref.linalg.lu_factor(torch_ref.tensor(a))
    LU_s.requires_grad_()
    LU_t = LU_t.detach().requires_grad_()
    bs, bt = _pair(torch_ref, b, True)
    xs = st.linalg.lu_solve(LU_s, piv_s, bs, left=left, adjoint=adjoint)
    xt = torch_ref.linalg.lu_solve(LU_t, piv_t, bt, left=left, adjoint=adjoint)
    np.testing.assert_allclose(_np(xs), xt.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert type(xs.grad_fn).__name__ == type(xt.grad_fn).__name__ == "LinalgLuSolveBackward0"
    w = rng.standard_normal(tuple(xt.shape))
    (xs * st.tensor(w)).sum().backward()
    (xt * torch_ref.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(bs.grad), bt.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(_np(LU_s.grad), LU_t.grad.numpy(), rtol=1e-9, atol=1e-11)
    assert st.autograd.gradcheck(lambda L, B: st.linalg.lu_solve(L, piv_s, B, left=left, adjoint=adjoint),
                                 [LU_s.detach().requires_grad_(), bs.detach().requires_grad_()])


@pytest.mark.parametrize("shape", [(2, 1, 1), (2, 3, 3), (4, 4), (3, 5), (2, 2, 4), (5, 3), (2, 4, 2), (4, 1)])
def test_lu_factor_gradients(shape, torch_ref):
    a = np.random.default_rng(len(shape) + shape[-1]).standard_normal(shape)
    s, t = _pair(torch_ref, a, True)
    LU_s, _ = st.linalg.lu_factor(s)
    LU_t, _ = torch_ref.linalg.lu_factor(t)
    assert type(LU_s.grad_fn).__name__ == type(LU_t.grad_fn).__name__ == "LinalgLuFactorExBackward0"
    w = np.random.default_rng(9).standard_normal(shape)
    (LU_s * st.tensor(w)).sum().backward()
    (LU_t * torch_ref.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(s.grad), t.grad.numpy(), rtol=1e-9, atol=1e-11)
    assert st.autograd.gradcheck(lambda x: st.linalg.lu_factor(x)[0], [st.tensor(a, requires_grad=True)])
    if shape[-1] != shape[-2]:
        return
    # solving through the factorization: the gradient of A^-1 B
    B = np.random.default_rng(1).standard_normal((shape[-1], 2))
    assert st.autograd.gradcheck(lambda x: st.linalg.lu_solve(*st.linalg.lu_factor(x), st.tensor(B)),
                                 [st.tensor(a, requires_grad=True)])


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_lu_unpack_gradients(shape, torch_ref):
    a = np.random.default_rng(0).standard_normal(shape)
    LU_s, piv_s = st.linalg.lu_factor(st.tensor(a))
    LU_t, piv_t = torch_ref.linalg.lu_factor(torch_ref.tensor(a))
    LU_s.requires_grad_()
    LU_t.requires_grad_()
    P, L, U = st.lu_unpack(LU_s, piv_s)
    Pt, Lt, Ut = torch_ref.lu_unpack(LU_t, piv_t)
    assert P.grad_fn is None and type(L.grad_fn).__name__ == type(Lt.grad_fn).__name__ == "LuUnpackBackward0"
    (L.sum() * 2 + (U * U).sum()).backward()
    (Lt.sum() * 2 + (Ut * Ut).sum()).backward()
    np.testing.assert_allclose(_np(LU_s.grad), LU_t.grad.numpy(), rtol=1e-10)
    assert st.autograd.gradcheck(lambda x: st.lu_unpack(x, piv_s)[1:], [LU_s.detach().requires_grad_()])
    Pn, Ln, Un = st.lu_unpack(LU_s, piv_s, unpack_data=False)
    assert Ln.numel() == Un.numel() == 0 and tuple(Pn.shape) == (shape[0], shape[0])
    assert st.lu_unpack(LU_s, piv_s, unpack_pivots=False).P.numel() == 0


@pytest.mark.parametrize("f", [
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(4, 2)),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(3)),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(3, 2, dtype=m.float64)),
    lambda m: m.linalg.lu_solve(m.linalg.lu_factor(m.eye(3))[0], m.linalg.lu_factor(m.eye(3))[1].long(),
                                m.ones(3, 2)),
    lambda m: m.linalg.lu_solve(m.linalg.lu_factor(m.eye(3))[0], m.linalg.lu_factor(m.eye(3))[1][:2],
                                m.ones(3, 2)),
    lambda m: m.linalg.lu_solve(m.eye(3)[:2], m.linalg.lu_factor(m.eye(3))[1], m.ones(3, 2)),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(3, 2), left=False),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(3, 2), left=1),
    lambda m: m.lu_unpack(*m.linalg.lu_factor(m.eye(3))[:1], m.linalg.lu_factor(m.eye(3))[1].long()),
    lambda m: m.lu_unpack(m.eye(3), m.tensor([1, 2, 3], dtype=m.int32), 1),
])
def test_lu_solve_and_unpack_errors(f, torch_ref):
    _errors_match(torch_ref, f)


def test_in_place_view_ops_move_forward_mode_tangents(torch_ref):
    """The tangent takes the in-place view op's new geometry, as PyTorch's (see also test_forward_ad.py)."""
    results = []
    for lib in (st, torch_ref):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(lib.zeros(3, 1, dtype=lib.float64), lib.arange(3, dtype=lib.float64).reshape(3, 1))
            x.squeeze_()
            a = x.as_strided((2,), (1,), 1)
            y = x.unfold(0, 2, 1)  # a plain view: its tangent is the same view of x's
            results.append([fw.unpack_dual(t).tangent.numpy().copy() for t in (x, a, y)])
            assert tuple(x.shape) == (3,)
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("f", [
    lambda m: m.zeros(3).as_strided(0, 0),
    lambda m: m.as_strided(m.zeros(3), 0, 0),
    lambda m: m.zeros(3).as_strided((1,), 0),
    lambda m: m.zeros(3).as_strided_(1, (1,)),
    lambda m: m.zeros(3).as_strided((1,), (1,), 1.0),
    lambda m: m.as_strided(m.zeros(3), (1,), (1,), "a"),
    lambda m: m.zeros(3, 1).squeeze_(None),
    lambda m: m.zeros(3, 1).squeeze_(dim=None),
    lambda m: m.zeros(3).put(m.tensor([0]), m.ones(1), 1),
    lambda m: m.put(m.zeros(3), m.tensor([0]), m.ones(1), 1),
    lambda m: m.zeros(3).index_reduce(0, m.tensor([0]), m.ones(1), "amax", include_self=1),
    lambda m: m.scatter_reduce(m.zeros(3), 0, m.tensor([0]), m.ones(1), "sum", include_self=1),
])
def test_wrong_argument_types(f, torch_ref):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TypeError) as ours:
            f(st)
        with pytest.raises(TypeError) as theirs:
            f(torch_ref)
    assert str(theirs.value).split("\n")[0] == str(ours.value).split("\n")[0]
