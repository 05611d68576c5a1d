"""float16 and bfloat16 (PyTorch's Half and BFloat16): stored in 2 bytes, computed in float32 and
rounded once, as PyTorch's CPU kernels do. Rounding bit for bit, promotion with every dtype, printing,
creation, arithmetic, reductions, matmul, autograd, numpy/DLPack/save interop and PyTorch's messages,
each compared with PyTorch 2.13; and the op table run on both dtypes against PyTorch."""

import glob
import importlib
import io
import itertools
import os
import re
import warnings

import numpy as np
import pytest

import smalltorch as st
from test_small_int_dtypes import _raises_like  # both libraries raise alike (same class, PyTorch's words)

HALVES = ["float16", "bfloat16"]
ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
EPS = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}


def _name(dtype):
    return str(dtype).split(".")[-1]


def _values(t):
    """The exact values of a tensor of either library, as float64 numpy (bfloat16 has no numpy dtype)."""
    t = t.detach()
    if _name(t.dtype) in HALVES:
        t = t.float()
    return np.asarray(t.numpy(), dtype=np.float64) if t.is_floating_point() else np.asarray(t.numpy())


def _same(a, b):
    assert _name(a.dtype) == _name(b.dtype), (a.dtype, b.dtype)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(_values(a), _values(b))


def _repr_like(a, b):
    """repr(a) is PyTorch's repr(b) with smalltorch's module name; the suffixes (dtype=..., grad_fn=...) may
    wrap at another place, since "smalltorch." is longer than "torch."."""
    def norm(s):
        return re.sub(r",\n\s+(dtype=|grad_fn=|requires_grad=)", r", \1", s)
    assert norm(repr(a)) == norm(repr(b).replace("torch.", "smalltorch.")), (repr(a), repr(b))


def _special_floats():
    """float32 values whose rounding to 16 bits is delicate: ties, subnormals, overflow, nan, inf, signed zeros."""
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2 ** 32, 20000, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, 65519.99, 65520.0, 65536.0, 1e-8, 6e-8, 5.96e-8,
                      2.98e-8, 2.99e-8, 6.1e-5, 6.103515625e-05, 1.0 + 2 ** -11, 1.0 + 3 * 2 ** -11, 1.0 + 2 ** -8,
                      1.0 + 3 * 2 ** -8, 3.3895314e38, 3.4e38, 1e-40, -1e-45, 0.1, 1 / 3], dtype=np.float32)
    scaled = (rng.standard_normal(5000) * np.exp(rng.uniform(-30, 30, 5000))).astype(np.float32)
    return np.concatenate([x, edges, scaled])


@pytest.mark.parametrize("name", HALVES)
def test_rounding_is_bitwise_pytorchs(torch_ref, name):
    x = _special_floats()
    a = st.from_numpy(x).to(getattr(st, name))
    b = torch_ref.from_numpy(x).to(getattr(torch_ref, name))
    np.testing.assert_array_equal(a.view(st.int16).numpy(), b.view(torch_ref.int16).numpy())
    # back to float32 exactly, and from float64 through float32 as PyTorch does (double rounding included)
    np.testing.assert_array_equal(a.float().numpy().view(np.uint32), b.float().numpy().view(np.uint32))
    with np.errstate(invalid="ignore", over="ignore"):
        d = x.astype(np.float64) * (1 + 2.0 ** -30)
    np.testing.assert_array_equal(st.from_numpy(d).to(getattr(st, name)).view(st.int16).numpy(),
                                  torch_ref.from_numpy(d).to(getattr(torch_ref, name)).view(torch_ref.int16).numpy())
    # from and to integers
    i = np.arange(-70000, 70000, 7, dtype=np.int64)
    _same(st.from_numpy(i).to(getattr(st, name)), torch_ref.from_numpy(i).to(getattr(torch_ref, name)))
    h = st.from_numpy(x[np.isfinite(x) & (np.abs(x) < 30000)]).to(getattr(st, name))
    ht = torch_ref.from_numpy(x[np.isfinite(x) & (np.abs(x) < 30000)]).to(getattr(torch_ref, name))
    for d in ("int16", "int32", "int64", "bool", "float64"):
        _same(h.to(getattr(st, d)), ht.to(getattr(torch_ref, d)))
    _same(h.to(st.float16 if name == "bfloat16" else st.bfloat16),
          ht.to(torch_ref.float16 if name == "bfloat16" else torch_ref.bfloat16))


@pytest.mark.parametrize("name", HALVES)
def test_names_and_dtype_properties(torch_ref, name):
    d, td = getattr(st, name), getattr(torch_ref, name)
    assert repr(d) == "smalltorch." + name
    assert d.itemsize == td.itemsize == 2 and d.is_floating_point and d.is_signed == td.is_signed
    assert st.half is st.float16 and st.Tensor().half().dtype is st.float16
    assert st.Tensor().bfloat16().dtype is st.bfloat16
    a, b = st.finfo(d), torch_ref.finfo(td)
    assert (a.bits, a.eps, a.max, a.min, a.tiny, a.smallest_normal, a.resolution, a.dtype, repr(a)) == \
        (b.bits, b.eps, b.max, b.min, b.tiny, b.smallest_normal, b.resolution, b.dtype, repr(b))


def test_promotion_covers_every_pair(torch_ref):
    for a, b in itertools.product(ALL, ALL):
        assert _name(st.promote_types(getattr(st, a), getattr(st, b))) == \
            _name(torch_ref.promote_types(getattr(torch_ref, a), getattr(torch_ref, b))), (a, b)
    # tensors with wrapped numbers and 0-d tensors of other categories
    for name in HALVES:
        x, xt = st.ones(2, dtype=getattr(st, name)), torch_ref.ones(2, dtype=getattr(torch_ref, name))
        for f in [lambda m, v: v + 1, lambda m, v: v * 2.5, lambda m, v: v + m.tensor(1.0),
                  lambda m, v: v + m.tensor(1.0, dtype=m.float64), lambda m, v: v + m.tensor([1], dtype=m.int64),
                  lambda m, v: v + m.tensor([1.0]), lambda m, v: v > 0, lambda m, v: v / m.tensor([3]),
                  lambda m, v: m.tensor([1, 2]) + v, lambda m, v: v.to(m.float16) + v.to(m.bfloat16)]:
            _same(f(st, x), f(torch_ref, xt))


@pytest.mark.parametrize("name", HALVES)
def test_creation_and_printing(torch_ref, name):
    cases = [lambda m, dt: m.tensor([[1.0, -2.5], [1e-8, 70000.0]], dtype=dt), lambda m, dt: m.tensor(7.1, dtype=dt),
             lambda m, dt: m.zeros(0, dtype=dt), lambda m, dt: m.arange(0, 1, 0.1, dtype=dt),
             lambda m, dt: m.linspace(0, 1, 7, dtype=dt), lambda m, dt: m.full((2, 3), -100.3, dtype=dt),
             lambda m, dt: m.ones(2, dtype=dt) * 1000, lambda m, dt: m.eye(3, dtype=dt),
             lambda m, dt: m.tensor([1e-3, 123456.0, 0.5], dtype=dt), lambda m, dt: m.tensor([[1, 2]], dtype=dt),
             lambda m, dt: m.tensor([float("nan"), float("inf"), -0.0], dtype=dt),
             lambda m, dt: m.arange(3000, dtype=dt).reshape(30, 100) / 7,
             lambda m, dt: m.tensor([1.5, 2.25], dtype=dt, requires_grad=True) * 2]
    for f in cases:
        a, b = f(st, getattr(st, name)), f(torch_ref, getattr(torch_ref, name))
        _same(a, b)
        _repr_like(a, b)
    assert st.tensor(2.5, dtype=getattr(st, name)).item() == 2.5
    assert st.tensor([0.1], dtype=getattr(st, name)).tolist() == torch_ref.tensor([0.1], dtype=getattr(torch_ref, name)).tolist()


@pytest.mark.parametrize("name", HALVES)
def test_overflow_checks_as_pytorch(torch_ref, name):
    big, ok = (70000.0, 65504.0) if name == "float16" else (3.4e38, 3.38e38)
    for f in [lambda m: m.full((2,), big, dtype=getattr(m, name)),
              lambda m: m.zeros(3, dtype=getattr(m, name)).fill_(-big),
              lambda m: m.zeros(3, dtype=getattr(m, name)).uniform_(0, big * 10)]:
        _raises_like(torch_ref, f)
    if name == "float16":
        _raises_like(torch_ref, lambda m: m.zeros(3, dtype=m.float16).fill_(100000))
    _same(st.full((2,), ok, dtype=getattr(st, name)), torch_ref.full((2,), ok, dtype=getattr(torch_ref, name)))
    # tensor() rounds instead (to inf where it must)
    _same(st.tensor([big], dtype=getattr(st, name)), torch_ref.tensor([big], dtype=getattr(torch_ref, name)))


# each rounded once from a float32 result: the same bits as PyTorch's
EXACT = [lambda m, a, b: a + b, lambda m, a, b: a - b, lambda m, a, b: a * b, lambda m, a, b: a / b,
         lambda m, a, b: a * 3 + 1, lambda m, a, b: -a, lambda m, a, b: a.abs(), lambda m, a, b: a.sqrt(),
         lambda m, a, b: a.maximum(b), lambda m, a, b: a.clamp(-1, 1), lambda m, a, b: a.clamp(min=b),
         lambda m, a, b: m.where(a > b, a, b), lambda m, a, b: a.relu(), lambda m, a, b: a > b,
         lambda m, a, b: a == a, lambda m, a, b: a.floor(), lambda m, a, b: a.round(), lambda m, a, b: a ** 2,
         lambda m, a, b: a.max(), lambda m, a, b: a.amin(1), lambda m, a, b: a.argmax(1),
         lambda m, a, b: a.max(0).values, lambda m, a, b: a.sort(1).values, lambda m, a, b: a.sort(1).indices,
         lambda m, a, b: a.topk(3).values, lambda m, a, b: a.T.contiguous(), lambda m, a, b: a[1:, ::2] * 2,
         lambda m, a, b: m.cat([a, b]), lambda m, a, b: m.stack([a, b], 1), lambda m, a, b: a.flip(0),
         lambda m, a, b: a.reshape(7, 6), lambda m, a, b: a.masked_fill(a > 0, 0.5), lambda m, a, b: a.nonzero(),
         lambda m, a, b: a.unique(), lambda m, a, b: a.to(m.float32), lambda m, a, b: a.lerp(b, 0.3),
         lambda m, a, b: m.addcmul(a, a, b, value=0.5), lambda m, a, b: a.any(), lambda m, a, b: a.isnan(),
         lambda m, a, b: a.index_select(0, m.tensor([2, 0])), lambda m, a, b: a.gather(1, m.tensor([[0, 1]] * 6)),
         lambda m, a, b: a[a > 0]]

# float32 results that PyTorch may sum or evaluate in another order: within two steps of the 16-bit grid
CLOSE = [lambda m, a, b: a.sum(), lambda m, a, b: a.sum(1), lambda m, a, b: a.mean(0), lambda m, a, b: a.exp(),
         lambda m, a, b: a.tanh(), lambda m, a, b: a.sigmoid(), lambda m, a, b: a.log_softmax(1),
         lambda m, a, b: a.softmax(0), lambda m, a, b: a.cumsum(1), lambda m, a, b: a @ b.T,
         lambda m, a, b: a[0] @ b[0], lambda m, a, b: a.matmul(b[0]), lambda m, a, b: m.bmm(a[None], b.T[None]),
         lambda m, a, b: a.var(1), lambda m, a, b: a.std(), lambda m, a, b: a.norm(), lambda m, a, b: a.prod(1),
         lambda m, a, b: a.sin(), lambda m, a, b: a.log1p().nan_to_num(0.0) if hasattr(a, "nan_to_num") else a,
         lambda m, a, b: m.nn.functional.linear(a, b[:, :7], None)]


@pytest.mark.parametrize("name", HALVES)
def test_arithmetic_reductions_and_matmul(torch_ref, name):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 7)).astype(np.float32) * 3
    y = rng.standard_normal((6, 7)).astype(np.float32)
    xs, ys = st.from_numpy(x).to(getattr(st, name)), st.from_numpy(y).to(getattr(st, name))
    xt, yt = torch_ref.from_numpy(x).to(getattr(torch_ref, name)), torch_ref.from_numpy(y).to(getattr(torch_ref, name))
    for f in EXACT:
        _same(f(st, xs, ys), f(torch_ref, xt, yt))
    for f in CLOSE:
        got, want = f(st, xs, ys), f(torch_ref, xt, yt)
        assert _name(got.dtype) == _name(want.dtype)
        w = _values(want)
        np.testing.assert_allclose(_values(got), w, rtol=2 * EPS[name], atol=2 * EPS[name] * max(1.0, np.nanmax(np.abs(w))),
                                   equal_nan=True)
    # in-place forms keep the dtype and write through
    z, zt = xs.clone(), xt.clone()
    for f in [lambda a: a.add_(1.5), lambda a: a.mul_(a), lambda a: a.clamp_(-2, 2), lambda a: a.exp_(),
              lambda a: a[1:].sub_(0.25), lambda a: a.zero_().add_(3)]:
        f(z), f(zt)
        _same(z, zt)


@pytest.mark.parametrize("name", HALVES)
def test_autograd_in_half(torch_ref, name):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    w = rng.standard_normal((5, 3)).astype(np.float32)

    def run(m):
        a = m.from_numpy(x).to(getattr(m, name)).requires_grad_()
        b = m.from_numpy(w).to(getattr(m, name)).requires_grad_()
        y = ((a @ b).tanh() * a.sum(1, keepdim=True) - a.mean()).relu().sum()
        y.backward()
        return y, a.grad, b.grad
    got, want = run(st), run(torch_ref)
    assert type(got[0].grad_fn).__name__ == type(want[0].grad_fn).__name__ == "SumBackward0" if got[0].grad_fn else True
    for g, t in zip(got, want):
        assert _name(g.dtype) == _name(t.dtype) == name
        tv = _values(t)
        np.testing.assert_allclose(_values(g), tv, rtol=4 * EPS[name], atol=4 * EPS[name] * max(1.0, np.abs(tv).max()))
    a = st.ones(3, dtype=getattr(st, name), requires_grad=True)
    assert "grad_fn=<MulBackward0>" in repr(a * 2) and repr(a * 2).endswith(f"dtype=smalltorch.{name}, grad_fn=<MulBackward0>)")


def test_numpy_dlpack_and_save_roundtrips(torch_ref):
    arr = np.array([[1.5, -2.0, 3.25], [65504.0, 1e-7, -0.0]], dtype=np.float16)
    t = st.from_numpy(arr)
    assert t.dtype is st.float16
    arr[0, 0] = 9
    assert t[0, 0].item() == 9 and t.numpy().dtype == np.float16  # shares memory
    _same(st.tensor(arr), torch_ref.tensor(arr))
    _same(st.as_tensor(arr.T), torch_ref.as_tensor(arr.T))
    _same(st.tensor(arr.astype(np.float64), dtype=st.bfloat16), torch_ref.tensor(arr.astype(np.float64), dtype=torch_ref.bfloat16))
    _raises_like(torch_ref, lambda m: m.ones(2, dtype=m.bfloat16).numpy())
    for name in HALVES:
        s = st.tensor([[1.5, -2.0], [0.1, 7.0]], dtype=getattr(st, name))
        tt = torch_ref.from_dlpack(s)
        assert tt.dtype == getattr(torch_ref, name) and tt.data_ptr() == s.data_ptr()
        back = st.from_dlpack(torch_ref.tensor([7.5, -8.25], dtype=getattr(torch_ref, name)))
        assert back.dtype is getattr(st, name) and back.tolist() == [7.5, -8.25]
        buf = io.BytesIO()
        torch_ref.save({"w": torch_ref.tensor([0.1, -2.0], dtype=getattr(torch_ref, name)), "v": tt.t()}, buf)
        buf.seek(0)
        got = st.load(buf)
        _same(got["w"], torch_ref.tensor([0.1, -2.0], dtype=getattr(torch_ref, name)))
        _same(got["v"], tt.t())
        buf = io.BytesIO()
        st.save({"w": s, "v": s.t()}, buf)
        buf.seek(0)
        w = torch_ref.load(buf)
        _same(s, w["w"])
        _same(s.t(), w["v"])


def test_view_dtype_as_pytorch(torch_ref):
    for f in [lambda m: m.arange(6.0).view(m.int32), lambda m: m.arange(8.0).reshape(2, 4).view(m.float16),
              lambda m: m.arange(8.0).reshape(2, 4).view(m.float64), lambda m: m.arange(8.0).view(m.bfloat16).view(m.int16),
              lambda m: m.arange(8.0).reshape(2, 4)[:, 2:].view(m.int16),
              lambda m: m.ones(3, dtype=m.float16).view(m.bfloat16).float()]:
        _same(f(st), f(torch_ref))
    for f in [lambda m: m.arange(6.0).reshape(2, 3).view(m.float64), lambda m: m.ones(2, 3).t().view(m.int16),
              lambda m: m.ones(()).view(m.float64), lambda m: m.ones(2, 4)[:, 1:].view(m.float64)]:
        _raises_like(torch_ref, f)
    a = st.ones(4, requires_grad=True)
    v = a.view(st.int32)
    assert not v.requires_grad and v.grad_fn is None


def test_legacy_types_and_conversions(torch_ref):
    for name, legacy in [("float16", "HalfTensor"), ("bfloat16", "BFloat16Tensor")]:
        a = getattr(st, legacy)([1, 2, 3])
        assert a.dtype is getattr(st, name) and isinstance(a, getattr(st, legacy))
        assert a.type() == "smalltorch." + legacy
        assert torch_ref.tensor([1.0], dtype=getattr(torch_ref, name)).type() == "torch." + legacy
        assert tuple(getattr(st, legacy)(2, 3).shape) == (2, 3)
        assert st.tensor([1.5]).type("smalltorch." + legacy).dtype is getattr(st, name)
    _same(st.tensor([0.1, 1e5]).half(), torch_ref.tensor([0.1, 1e5]).half())
    _same(st.tensor([0.1, 1e5]).bfloat16(), torch_ref.tensor([0.1, 1e5]).bfloat16())
    r = st.rand(1000, dtype=st.float16)
    assert r.dtype is st.float16 and 0 <= r.min().item() and r.max().item() <= 1
    n = st.randn(1000, dtype=st.bfloat16).float()
    assert abs(n.mean().item()) < 0.2 and 0.8 < n.std().item() < 1.2


# ------------------------------------------------------------------------------------ the op table

_HERE = os.path.dirname(__file__)
OPS = []
for _path in sorted(glob.glob(os.path.join(_HERE, "opinfo_*.py"))):
    OPS.extend(importlib.import_module(os.path.basename(_path)[:-3]).OPS)

# Rows of the op table whose kernels do not take float16/bfloat16 yet: they raise NotImplementedError naming
# the dtype where PyTorch computes. Each entry is checked to still raise (a row that starts working must
# leave this list).
HALF_NOT_YET = set()


def _half_inputs(m, args, name):
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            t = m.from_numpy(np.array(a, copy=True))
            out.append(t.to(getattr(m, name)) if a.dtype.kind == "f" else t)
        else:
            out.append(a)
    return out


def _table_params():
    return [pytest.param(op, name, id=f"{op.name}-{name}") for op in OPS if "float32" in op.dtypes for name in HALVES]


@pytest.mark.parametrize("op,name", _table_params())
def test_op_table_in_half(torch_ref, op, name):
    samples = op.samples(np.dtype("float32"), np.random.default_rng(11))
    ran = 0
    for s in samples:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = op.op(torch_ref, *_half_inputs(torch_ref, s.args, name), **s.kwargs)
            except NotImplementedError:
                # PyTorch has no 16-bit kernel here; smalltorch computes it in float32 and rounds the result
                wide = [x.float() if isinstance(x, st.Tensor) and x.dtype is getattr(st, name) else x
                        for x in _half_inputs(st, s.args, name)]
                want = op.op(st, *wide, **s.kwargs)
                want = want.to(getattr(st, name)) if hasattr(want, "is_floating_point") and want.is_floating_point() \
                    else want
            except Exception:  # any other refusal (bad sample for 16 bits): smalltorch refuses too
                with pytest.raises(Exception):
                    op.op(st, *_half_inputs(st, s.args, name), **s.kwargs)
                ran += 1
                continue
            try:
                got = op.op(st, *_half_inputs(st, s.args, name), **s.kwargs)
            except NotImplementedError as e:
                assert op.name in HALF_NOT_YET, f"{op.name} raises for {name}: {e}"
                assert ("Half" in str(e) or "BFloat16" in str(e)), str(e)
                ran += 1
                continue
        assert op.name not in HALF_NOT_YET, f"{op.name} works on {name}: remove it from HALF_NOT_YET"
        gs = got if isinstance(got, (tuple, list)) else (got,)
        ws = want if isinstance(want, (tuple, list)) else (want,)
        for g, w in zip(gs, ws):
            if not hasattr(w, "dtype"):
                assert g == w
                continue
            assert _name(g.dtype) == _name(w.dtype), f"{op.name}: {g.dtype} != {w.dtype}"
            wv, gv = _values(w), _values(g)
            if wv.dtype.kind != "f":
                np.testing.assert_array_equal(gv, wv, err_msg=op.name)
                continue
            finite = np.abs(wv[np.isfinite(wv)])
            scale = max(1.0, float(finite.max()) if finite.size else 1.0)
            np.testing.assert_allclose(gv, wv, rtol=4 * EPS[name], atol=4 * EPS[name] * scale, equal_nan=True,
                                       err_msg=op.name)
        ran += 1
    assert ran == len(samples)


def test_nn_kernels_without_16_bit_forms_refuse_naming_the_dtype():
    # README: nn's own kernels do not take float16/bfloat16 yet; they raise, never compute garbage
    F = st.nn.functional
    for name in HALVES:
        x = st.randn(2, 3, 4, 4).to(getattr(st, name))
        for f in [lambda: F.conv2d(x, st.randn(2, 3, 3, 3).to(x.dtype))]:
            with pytest.raises(NotImplementedError, match="Half" if name == "float16" else "BFloat16"):
                f()


@pytest.mark.parametrize("name", HALVES)
def test_16_bit_default_dtype(torch_ref, name):
    prev = torch_ref.get_default_dtype()
    try:
        for m in (st, torch_ref):
            m.set_default_dtype(getattr(m, name))
        for f in [lambda m: m.tensor([1.5, 0.1]), lambda m: m.ones(2), lambda m: m.tensor([1, 2]) / 2,
                  lambda m: m.arange(0.0, 1.0, 0.25), lambda m: m.full((2,), 0.3), lambda m: m.tensor([3]) * 0.5]:
            _same(f(st), f(torch_ref))
        assert st.get_default_dtype() is getattr(st, name)
    finally:
        torch_ref.set_default_dtype(prev)
        st.set_default_dtype(st.float32)


ACTIVATIONS = ["relu", "gelu", "silu", "elu", "leaky_relu", "hardtanh", "softplus", "mish", "selu", "celu",
               "hardswish", "hardsigmoid", "logsigmoid", "relu6", "softsign", "glu", "sigmoid", "tanh"]


@pytest.mark.parametrize("name", HALVES)
def test_activations_and_dropout_in_half(torch_ref, name):
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32) * 3
    for f in ACTIVATIONS:
        a = st.from_numpy(x).to(getattr(st, name)).requires_grad_()
        b = torch_ref.from_numpy(x).to(getattr(torch_ref, name)).requires_grad_()
        ya, yb = getattr(st.nn.functional, f)(a), getattr(torch_ref.nn.functional, f)(b)
        _same(ya.detach(), yb.detach())  # one float32 evaluation, rounded once: PyTorch's bits
        assert type(ya.grad_fn).__name__ == type(yb.grad_fn).__name__
        (ga,), (gb,) = st.autograd.grad(ya.sum(), a), torch_ref.autograd.grad(yb.sum(), b)
        assert _name(ga.dtype) == name
        np.testing.assert_allclose(_values(ga), _values(gb), rtol=2 * EPS[name], atol=2 * EPS[name], err_msg=f)
    a = st.ones(2000, dtype=getattr(st, name))
    d = st.nn.functional.dropout(a, 0.25)
    assert d.dtype is getattr(st, name) and set(np.unique(_values(d)).tolist()) <= {0.0, float(np.float32(1 / 0.75))} | \
        {_values(st.tensor(1 / 0.75, dtype=getattr(st, name))).item()}


NN_16 = [
    ("layer_norm", lambda m, x, w, b: m.nn.functional.layer_norm(x, (6,), w, b)),
    ("layer_norm_plain", lambda m, x, w, b: m.nn.functional.layer_norm(x, (5, 6))),
    ("group_norm", lambda m, x, w, b: m.nn.functional.group_norm(x.reshape(2, 4, 5, 6)[:, :, :, :4], 2)),
    ("batch_norm_train", lambda m, x, w, b: m.nn.functional.batch_norm(x.reshape(2, 4, 30), None, None, w[:4], b[:4],
                                                                       training=True)),
    ("max_pool2d", lambda m, x, w, b: m.nn.functional.max_pool2d(x.reshape(2, 4, 5, 6), 2)),
    ("max_pool1d", lambda m, x, w, b: m.nn.functional.max_pool1d(x.reshape(8, 5, 6), 3, 2, padding=1)),
    ("avg_pool2d", lambda m, x, w, b: m.nn.functional.avg_pool2d(x.reshape(2, 4, 5, 6), 2, ceil_mode=True)),
    ("adaptive_avg_pool2d", lambda m, x, w, b: m.nn.functional.adaptive_avg_pool2d(x.reshape(2, 4, 5, 6), (2, 3))),
]


@pytest.mark.parametrize("name", HALVES)
@pytest.mark.parametrize("case", [c for c, _ in NN_16])
def test_norm_and_pool_in_half(torch_ref, name, case):
    f = dict(NN_16)[case]
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((8, 5, 6), (6,), (6,)))

    def run(m):
        xs = [m.from_numpy(v).to(getattr(m, name)).requires_grad_() for v in (x, w, b)]
        y = f(m, *xs)
        g = m.from_numpy(np.linspace(-1, 1, y.numel(), dtype=np.float32).reshape(tuple(y.shape))).to(y.dtype)
        grads = m.autograd.grad(y, xs, g, allow_unused=True)
        return y, grads
    (ys, gs), (yt, gt) = run(st), run(torch_ref)
    assert _name(ys.dtype) == _name(yt.dtype) == name and type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__
    tol = 4 * EPS[name]
    np.testing.assert_allclose(_values(ys), _values(yt), rtol=tol, atol=tol)
    # the gradients against PyTorch's float32 gradients of the same (rounded) values, rounded: PyTorch's own
    # 16-bit layer_norm sums the weight and bias gradients less precisely (off by several 16-bit steps)
    xs32 = [torch_ref.from_numpy(v).to(getattr(torch_ref, name)).float().requires_grad_() for v in (x, w, b)]
    y32 = f(torch_ref, *xs32)
    g32 = torch_ref.from_numpy(np.linspace(-1, 1, y32.numel(), dtype=np.float32).reshape(tuple(y32.shape)))
    g32 = g32.to(getattr(torch_ref, name)).float()
    gt = [None if c is None else c.to(getattr(torch_ref, name))
          for c in torch_ref.autograd.grad(y32, xs32, g32, allow_unused=True)]
    for a, c in zip(gs, gt):
        assert (a is None) == (c is None)
        if a is not None:
            assert _name(a.dtype) == name
            cv = _values(c)
            np.testing.assert_allclose(_values(a), cv, rtol=tol, atol=tol * max(1.0, np.abs(cv).max()))


# ------------------------------------------------------------------ the one-pass 16-bit loops
_ONE_PASS = [
    ("a+b", lambda a, b: a + b), ("a-b", lambda a, b: a - b), ("a*b", lambda a, b: a * b),
    ("a/b", lambda a, b: a / b), ("a**b", lambda a, b: a.abs() ** b), ("a*2.5", lambda a, b: a * 2.5),
    ("2.5-a", lambda a, b: 2.5 - a), ("a/2.5", lambda a, b: a / 2.5), ("a**2", lambda a, b: a ** 2), ("a**0.5", lambda a, b: a.abs() ** 0.5),
    ("exp", lambda a, b: a.exp()), ("sigmoid", lambda a, b: a.sigmoid()), ("tanh", lambda a, b: a.tanh()),
    ("neg", lambda a, b: -a), ("sin", lambda a, b: a.sin()), ("log", lambda a, b: a.abs().log()),
    ("erf", lambda a, b: a.erf()),
]


def _layouts(dtype, n=70_001):
    # contiguous (split over threads), broadcast row/column, a transposed and a stepped operand
    rng = np.random.default_rng(n)

    def randn(*shape):
        return st.from_numpy(rng.standard_normal(shape).astype(np.float32)).to(dtype)

    yield "contiguous", randn(n), randn(n)
    m = randn(300, 257)
    yield "row", m, randn(257)
    yield "column", m, randn(300, 1)
    yield "transposed", randn(257, 300).T, m
    yield "stepped", randn(300, 514)[:, ::2], m


@pytest.mark.parametrize("name", HALVES)
@pytest.mark.parametrize("case", [c[0] for c in _ONE_PASS])
def test_16_bit_arithmetic_in_one_pass_equals_float32_rounded(name, case):
    # add/sub/mul/div/pow, exp/sigmoid/tanh and neg widen 16-bit blocks into float32, compute and
    # round once, in one pass: bit for bit the float32 result of the widened inputs, rounded, in
    # every layout, on 1 and 2 threads, out-of-place, into out= and in place
    f = dict(_ONE_PASS)[case]
    dtype = getattr(st, name)
    for layout, a, b in _layouts(dtype):
        want = f(a.float(), b.float()).to(dtype)
        for threads in (1, 2):
            st.set_num_threads(threads)
            try:
                got = f(a, b)
            finally:
                st.set_num_threads(2)
            assert got.dtype is dtype
            np.testing.assert_array_equal(got.view(st.int16).numpy(), want.view(st.int16).numpy(),
                                          err_msg=f"{case} {layout} threads={threads}")
    a, b = next(_layouts(dtype, 1003))[1:]
    out = st.empty(2006, dtype=dtype)[::2]  # a strided result
    st.mul(a, b, out=out)
    np.testing.assert_array_equal(out.view(st.int16).numpy() if out.is_contiguous() else
                                  out.contiguous().view(st.int16).numpy(),
                                  (a.float() * b.float()).to(dtype).view(st.int16).numpy())
    c = a.clone()
    c.add_(b)
    np.testing.assert_array_equal(c.view(st.int16).numpy(), (a.float() + b.float()).to(dtype).view(st.int16).numpy())


@pytest.mark.parametrize("name", HALVES)
@pytest.mark.parametrize("op", ["exp", "sin", "log1p", "sigmoid", "tanh", "erf"])
def test_16_bit_one_input_ops_with_vector_loops_allocate_only_the_result(name, op):
    # the one-input ops with a vector loop take 16-bit inputs as they are: one pass through
    # float32 blocks, so the result is the only allocation (widening first would make two more)
    x = st.rand(100_003).to(getattr(st, name))
    f = getattr(st, op)
    f(x)  # warm
    before = st._C._allocator_stats()["allocations"]
    y = f(x)
    assert st._C._allocator_stats()["allocations"] - before == 1
    assert y.dtype is x.dtype


_LOSSES_16 = {
    "cross_entropy": lambda m, F, a, y: F.cross_entropy(a, y),
    "cross_entropy_smooth_weight": lambda m, F, a, y: F.cross_entropy(a, y, weight=m.arange(1.0, 6.0).to(a.dtype),
                                                                      label_smoothing=0.1),
    "nll_loss_none": lambda m, F, a, y: F.nll_loss(F.log_softmax(a, 1), y, reduction="none"),
    "mse_loss": lambda m, F, a, y: F.mse_loss(a, a.detach() * 0.5 + 1),
    "mse_loss_none": lambda m, F, a, y: F.mse_loss(a, a.detach() * 0.5 + 1, reduction="none"),
    "bce_with_logits": lambda m, F, a, y: F.binary_cross_entropy_with_logits(a, (a.detach() > 0).to(a.dtype),
                                                                           pos_weight=m.full((5,), 2.0).to(a.dtype)),
    "bce_with_logits_none": lambda m, F, a, y: F.binary_cross_entropy_with_logits(a, a.detach().sigmoid(),
                                                                                reduction="none"),
    "embedding": lambda m, F, a, y: F.embedding(y, a),
    "embedding_padding_idx": lambda m, F, a, y: F.embedding(y, a, padding_idx=2),
}


@pytest.mark.parametrize("name", HALVES)
@pytest.mark.parametrize("loss", sorted(_LOSSES_16))
def test_losses_and_embedding_in_16_bits_match_torch(torch_ref, name, loss):
    # the fused losses and embedding take float16/bfloat16: computed in float32, rounded once, as
    # PyTorch's CPU kernels; values within two 16-bit steps of PyTorch's, gradients within four
    x = np.random.default_rng(3).standard_normal((8, 5)).astype(np.float32)
    y = np.random.default_rng(4).integers(0, 5, 8)
    f = _LOSSES_16[loss]
    res = []
    for m in (st, torch_ref):
        a = m.tensor(x).to(getattr(m, name)).requires_grad_()
        out = f(m, m.nn.functional, a, m.tensor(y))
        out.sum().backward()
        assert _name(out.dtype) == name and _name(a.grad.dtype) == name
        res.append((out.detach().float().numpy(), a.grad.float().numpy()))
    (got, ggot), (want, gwant) = res
    np.testing.assert_allclose(got, want, rtol=2 * EPS[name], atol=2 * EPS[name])
    np.testing.assert_allclose(ggot, gwant, rtol=4 * EPS[name], atol=4 * EPS[name] * max(1.0, np.abs(gwant).max()))


_OPTIMIZERS_16 = [("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                  ("Adam", dict(lr=0.01, eps=1e-3)), ("AdamW", dict(lr=0.01, eps=1e-3, weight_decay=0.1)),
                  ("RMSprop", dict(lr=0.01, eps=1e-3)), ("Adagrad", dict(lr=0.1, eps=1e-3)),
                  ("Adadelta", dict(lr=1.0, eps=1e-3))]


@pytest.mark.parametrize("name", HALVES)
@pytest.mark.parametrize("opt,kw", _OPTIMIZERS_16, ids=[f"{o}-{i}" for i, (o, _) in enumerate(_OPTIMIZERS_16)])
def test_optimizers_update_16_bit_parameters_as_torch(torch_ref, name, opt, kw):
    # 16-bit parameters take the optimizers' per-tensor path (op by op, each op rounding as
    # PyTorch's): five steps follow PyTorch's trajectory within a few 16-bit steps
    res = []
    for m in (st, torch_ref):
        p = m.tensor(np.linspace(-1, 1, 9, dtype=np.float32)).to(getattr(m, name)).requires_grad_()
        o = getattr(m.optim, opt)([p], **kw)
        for _ in range(5):
            o.zero_grad()
            (p * p + p).sum().backward()  # a bounded, linear gradient: tiny roundings do not blow up
            o.step()
        assert _name(p.dtype) == name
        res.append(p.detach().float().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=4 * EPS[name], atol=4 * EPS[name])
