"""int8 and int16 (PyTorch's Char and Short): creation, conversion, printing, arithmetic with
wrap-around, promotion with every other dtype, reductions, indexing refusals, numpy/DLPack/save
interop and PyTorch's messages — each compared with PyTorch 2.13."""

import io
import itertools

import numpy as np
import pytest

import smalltorch as st

SMALL = ["int8", "int16"]
ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]


def _raises_like(torch_ref, f):
    """Runs f(st) and f(torch): both raise the same exception class with PyTorch's message."""
    with pytest.raises(Exception) as want:
        f(torch_ref)
    with pytest.raises(type(want.value)) as got:
        f(st)
    # the same words, to which smalltorch may add the dtype involved ("... (got int8)")
    assert str(got.value).startswith(str(want.value)), (str(got.value), str(want.value))


def _same(a, b):
    assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1], (a.dtype, b.dtype)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", SMALL)
def test_names_and_dtype_properties(torch_ref, name):
    d, td = getattr(st, name), getattr(torch_ref, name)
    assert repr(d) == "smalltorch." + name
    assert d.itemsize == td.itemsize and d.is_signed == td.is_signed and not d.is_floating_point
    assert st.short is st.int16 and st.int16 is st.Tensor().short().dtype and st.Tensor().char().dtype is st.int8
    assert st.iinfo(d).min == torch_ref.iinfo(td).min and st.iinfo(d).max == torch_ref.iinfo(td).max


@pytest.mark.parametrize("name", SMALL)
def test_creation_and_printing(torch_ref, name):
    d, td = getattr(st, name), getattr(torch_ref, name)
    cases = [lambda m, dt: m.tensor([[1, -2], [3, 4]], dtype=dt), lambda m, dt: m.tensor(7, dtype=dt),
             lambda m, dt: m.zeros(0, dtype=dt), lambda m, dt: m.arange(-5, 5, 2, dtype=dt),
             lambda m, dt: m.full((2, 3), -100, dtype=dt), lambda m, dt: m.ones(2, dtype=dt) * 127,
             lambda m, dt: m.tensor([1.9, -2.9, 0.5], dtype=dt), lambda m, dt: m.eye(3, dtype=dt)]
    for f in cases:
        a, b = f(st, d), f(torch_ref, td)
        _same(a, b)
        assert repr(a) == repr(b).replace("torch.", "smalltorch.")
        assert str(a) == str(b).replace("torch.", "smalltorch.")


@pytest.mark.parametrize("name", SMALL)
def test_overflow_messages(torch_ref, name):
    big = 200 if name == "int8" else 40000
    for f in [lambda m: m.full((2,), big, dtype=getattr(m, name)),
              lambda m: m.full((2,), -big, dtype=getattr(m, name)),
              lambda m: m.zeros(2, dtype=getattr(m, name)).fill_(big),
              lambda m: m.tensor([big], dtype=getattr(m, name)),
              lambda m: m.randint(0, big, (2,), dtype=getattr(m, name)),
              lambda m: m.randint(-big, 0, (2,), dtype=getattr(m, name)),
              lambda m: m.zeros(2, dtype=getattr(m, name)).clamp(0, big),
              lambda m: m.ones(2, dtype=getattr(m, name)).requires_grad_(),
              lambda m: m.ones(2, dtype=getattr(m, name)).mean()]:
        _raises_like(torch_ref, f)
    if name == "int8":
        _raises_like(torch_ref, lambda m: m.randperm(300, dtype=m.int8))
    # the ends of the range are values of the dtype
    lo, hi = (-128, 127) if name == "int8" else (-32768, 32767)
    _same(st.tensor([lo, hi], dtype=getattr(st, name)), torch_ref.tensor([lo, hi], dtype=getattr(torch_ref, name)))


def test_random_ints_stay_in_range():
    for name, lo, hi in [("int8", -128, 127), ("int16", -32768, 32767)]:
        x = st.randint(lo, hi + 1, (20000,), dtype=getattr(st, name)).numpy()
        assert x.dtype == np.dtype(name) and x.min() >= lo and x.max() <= hi and len(np.unique(x)) > 200
        y = st.empty(1000, dtype=getattr(st, name)).random_(-3, 4).numpy()
        assert set(np.unique(y)) <= set(range(-3, 4))
        z = st.randperm(100, dtype=getattr(st, name)).numpy()
        assert sorted(z.tolist()) == list(range(100))


@pytest.mark.parametrize("a,b", [(a, b) for a, b in itertools.product(ALL, ALL) if "int8" in (a, b) or "int16" in (a, b)])
def test_binary_ops_with_every_dtype(torch_ref, a, b):
    rng = np.random.default_rng(len(a) * 10 + len(b))
    x = rng.integers(-60, 60, (3, 4)) if a != "uint8" else rng.integers(0, 120, (3, 4))
    y = rng.integers(1, 60, (3, 4))
    if a == "bool":
        x = x > 0
    if b == "bool":
        y = y > 30
    xs, ys = st.tensor(x.tolist(), dtype=getattr(st, a)), st.tensor(y.tolist(), dtype=getattr(st, b))
    xt, yt = torch_ref.tensor(x.tolist(), dtype=getattr(torch_ref, a)), torch_ref.tensor(y.tolist(), dtype=getattr(torch_ref, b))
    for op in [lambda p, q: p * q, lambda p, q: p / q, lambda p, q: p < q, lambda p, q: p == q,
               lambda p, q: p.maximum(q), lambda p, q: p.float() + q]:
        _same(op(xs, ys), op(xt, yt))
    if a != "bool" and b != "bool":
        _same(xs + ys, xt + yt)
        _same(xs - ys, xt - yt)
    assert str(st.result_type(xs, ys)).split(".")[1] == str(torch_ref.result_type(xt, yt)).split(".")[1]


@pytest.mark.parametrize("name", SMALL)
def test_integer_arithmetic_wraps_as_pytorch(torch_ref, name):
    vals = [100, -100, 127, -128, 3, 0] if name == "int8" else [30000, -30000, 32767, -32768, 3, 0]
    xs, xt = st.tensor(vals, dtype=getattr(st, name)), torch_ref.tensor(vals, dtype=getattr(torch_ref, name))
    for f in [lambda m, x: x * 3, lambda m, x: x + x, lambda m, x: x - 5, lambda m, x: -x, lambda m, x: x.abs(),
              lambda m, x: x // 7, lambda m, x: x % 7, lambda m, x: x.remainder(-7), lambda m, x: x.pow(2),
              lambda m, x: x & 0x5A, lambda m, x: x | 3, lambda m, x: x ^ 1, lambda m, x: ~x,
              lambda m, x: x >> 1, lambda m, x: x << 2, lambda m, x: 1 << x.clamp(0, 5), lambda m, x: x >> 9,
              lambda m, x: x.sign(), lambda m, x: x.clamp(-50, 50),
              lambda m, x: x * m.tensor(3), lambda m, x: x + m.tensor([1], dtype=m.int64),
              lambda m, x: x.sqrt(), lambda m, x: x.float(), lambda m, x: x.to(m.int64), lambda m, x: x.to(m.uint8),
              lambda m, x: x.bool(), lambda m, x: m.where(x > 0, x, m.zeros_like(x))]:
        _same(f(st, xs), f(torch_ref, xt))
    y = st.tensor(vals, dtype=getattr(st, name))
    yt = torch_ref.tensor(vals, dtype=getattr(torch_ref, name))
    y.mul_(3)
    yt.mul_(3)
    _same(y, yt)
    _raises_like(torch_ref, lambda m: m.tensor(vals, dtype=getattr(m, name)).pow(-1))
    _raises_like(torch_ref, lambda m: m.tensor(vals, dtype=getattr(m, name)) // m.tensor(0, dtype=getattr(m, name)))


@pytest.mark.parametrize("name", SMALL)
def test_reductions_sorting_and_matmul(torch_ref, name):
    rng = np.random.default_rng(3)
    x = rng.integers(-100, 100, (5, 6)).tolist()
    xs, xt = st.tensor(x, dtype=getattr(st, name)), torch_ref.tensor(x, dtype=getattr(torch_ref, name))
    for f in [lambda x: x.sum(), lambda x: x.sum(0), lambda x: x.prod(1), lambda x: x.cumsum(1),
              lambda x: x.max(), lambda x: x.min(), lambda x: x.amax(1), lambda x: x.argmax(), lambda x: x.argmin(0),
              lambda x: x.sort(1).values, lambda x: x.sort(1).indices, lambda x: x.topk(2).values,
              lambda x: x.float().mean(), lambda x: x.unique(), lambda x: x.T.contiguous(), lambda x: x.flip(0),
              lambda x: x[1:, ::2], lambda x: x.reshape(3, 10), lambda x: x.repeat(2, 1),
              lambda x: x.matmul(x.T), lambda x: x.any(), lambda x: x.all(), lambda x: x.count_nonzero(),
              lambda x: x.clone(), lambda x: x.tril(), lambda x: x.masked_fill(x > 0, 1), lambda x: x.nonzero()]:
        _same(f(xs), f(xt))


@pytest.mark.parametrize("name", SMALL)
def test_conversions_and_legacy_types(torch_ref, name):
    legacy = {"int8": "CharTensor", "int16": "ShortTensor"}[name]
    a = getattr(st, legacy)([1, 2, 3])
    assert a.dtype is getattr(st, name) and isinstance(a, getattr(st, legacy))
    assert a.type() == "smalltorch." + legacy and torch_ref.tensor([1], dtype=getattr(torch_ref, name)).type() == "torch." + legacy
    assert tuple(getattr(st, legacy)(2, 3).shape) == (2, 3)
    assert st.tensor([1.5]).type("smalltorch." + legacy).dtype is getattr(st, name)
    f = [1.9, -2.9, 100.5, -100.5]
    _same(st.tensor(f).to(getattr(st, name)), torch_ref.tensor(f).to(getattr(torch_ref, name)))
    caster = {"int8": "char", "int16": "short"}[name]
    _same(getattr(st.tensor(f), caster)(), getattr(torch_ref.tensor(f), caster)())
    assert st.tensor([3, -2], dtype=getattr(st, name)).tolist() == [3, -2]
    assert st.tensor(5, dtype=getattr(st, name)).item() == 5 and isinstance(st.tensor(5, dtype=getattr(st, name)).item(), int)


@pytest.mark.parametrize("name", SMALL)
def test_numpy_dlpack_and_save_roundtrips(torch_ref, name):
    arr = np.array([[1, -2, 3], [4, 5, -6]], dtype=name)
    t = st.from_numpy(arr)
    assert t.dtype is getattr(st, name)
    arr[0, 0] = 9  # shares memory
    assert t[0, 0].item() == 9 and t.numpy().dtype == np.dtype(name)
    _same(st.tensor(arr), torch_ref.tensor(arr))
    _same(st.as_tensor(arr.T), torch_ref.as_tensor(arr.T))
    # DLPack both ways with PyTorch, no copy
    tt = torch_ref.from_dlpack(t)
    assert tt.dtype == getattr(torch_ref, name) and tt.data_ptr() == t.data_ptr()
    back = st.from_dlpack(torch_ref.tensor([7, -8], dtype=getattr(torch_ref, name)))
    assert back.dtype is getattr(st, name) and back.tolist() == [7, -8]
    # a PyTorch checkpoint of int8/int16 tensors loads, and ours loads in PyTorch
    buf = io.BytesIO()
    torch_ref.save({"w": torch_ref.tensor([1, -2], dtype=getattr(torch_ref, name))}, buf)
    buf.seek(0)
    got = st.load(buf)["w"]
    assert got.dtype is getattr(st, name) and got.tolist() == [1, -2]
    buf = io.BytesIO()
    st.save({"w": t}, buf)
    buf.seek(0)
    w = torch_ref.load(buf)["w"]
    assert w.dtype == getattr(torch_ref, name) and w.tolist() == t.tolist()


@pytest.mark.parametrize("name", SMALL)
def test_index_tensors_of_small_ints(torch_ref, name):
    # a 0-d integer tensor selects, as an int would; a 1-d one is refused as an index
    _same(st.arange(5)[st.tensor(3, dtype=getattr(st, name))], torch_ref.arange(5)[torch_ref.tensor(3, dtype=getattr(torch_ref, name))])
    _raises_like(torch_ref, lambda m: m.arange(5)[m.tensor([1, 2], dtype=getattr(m, name))])
    _raises_like(torch_ref, lambda m: m.nn.functional.one_hot(m.tensor([1], dtype=getattr(m, name))))


def test_iinfo_and_finfo_as_pytorch(torch_ref):
    for name in ["uint8", "int8", "int16", "int32", "int64"]:
        a, b = st.iinfo(getattr(st, name)), torch_ref.iinfo(getattr(torch_ref, name))
        assert (a.bits, a.min, a.max, a.dtype, repr(a)) == (b.bits, b.min, b.max, b.dtype, repr(b))
    for name in ["float32", "float64"]:
        a, b = st.finfo(getattr(st, name)), torch_ref.finfo(getattr(torch_ref, name))
        assert (a.bits, a.eps, a.max, a.min, a.tiny, a.smallest_normal, a.resolution, a.dtype, repr(a), str(a)) == \
            (b.bits, b.eps, b.max, b.min, b.tiny, b.smallest_normal, b.resolution, b.dtype, repr(b), str(b))
    assert st.finfo().dtype == torch_ref.finfo().dtype == "float32"
    st.set_default_dtype(st.float64)
    assert st.finfo().dtype == "float64"
    assert st.iinfo(st.int8) == st.iinfo(st.int8) and st.finfo(st.float32) != st.finfo(st.float64)
    for f in [lambda m: m.iinfo(m.float32), lambda m: m.iinfo(m.bool), lambda m: m.finfo(m.int32),
              lambda m: m.finfo("float32")]:
        _raises_like(torch_ref, f)
