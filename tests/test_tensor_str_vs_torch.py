"""Compare smalltorch's tensor printing (_tensor_str.tensor_repr) with PyTorch.

The module is loaded by file path, so this works without smalltorch being
built.  Every case builds a real torch tensor and checks that
``tensor_repr(t, default_dtype_name)`` equals ``repr(t)`` character for
character.
"""

import importlib.util
import math
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

_HERE = os.path.dirname(os.path.abspath(__file__))
_PATH = os.path.join(_HERE, "..", "python", "smalltorch", "_tensor_str.py")
_spec = importlib.util.spec_from_file_location("_smalltorch_tensor_str_under_test", _PATH)
ts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ts)


DTYPES = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "int32": torch.int32,
    "int64": torch.int64,
    "float32": torch.float32,
    "float64": torch.float64,
}
FLOAT_KINDS = [
    "normal", "int", "huge", "tiny", "range", "special", "allspecial",
    "zeros", "intnan", "round", "big_int", "negzero",
]
INT_KINDS = ["small", "neg", "large", "full"]


def _float_values(rng, kind, n, dtype_name):
    if kind == "normal":
        v = rng.randn(n)
    elif kind == "int":
        v = rng.randint(-100, 100, size=n).astype(np.float64)
    elif kind == "huge":
        v = rng.randn(n) * 1e10
    elif kind == "tiny":
        v = rng.randn(n) * 1e-6
    elif kind == "range":
        v = np.sign(rng.randn(n)) * 10.0 ** rng.uniform(-6, 6, size=n)
    elif kind == "special":
        v = rng.randn(n) * 10
        specials = np.array([np.nan, np.inf, -np.inf, 0.0])
        mask = rng.rand(n) < 0.3
        v[mask] = specials[rng.randint(0, 4, size=int(mask.sum()))]
    elif kind == "allspecial":
        v = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])[rng.randint(0, 5, size=n)]
    elif kind == "zeros":
        v = np.zeros(n)
    elif kind == "intnan":
        v = rng.randint(-1000, 1000, size=n).astype(np.float64)
        v[rng.rand(n) < 0.2] = np.nan
    elif kind == "round":
        v = np.round(rng.randn(n) * 100, 2)
    elif kind == "big_int":
        v = rng.randint(-10**6, 10**6, size=n).astype(np.float64) * 1000.0
    elif kind == "negzero":
        v = np.where(rng.rand(n) < 0.5, -0.0, rng.randn(n))
    else:
        raise AssertionError(kind)
    return v


def _int_values(rng, kind, n, dtype_name):
    if dtype_name == "uint8":
        return rng.randint(0, 256, size=n)
    if dtype_name == "bool":
        return rng.rand(n) < 0.5
    if kind == "small":
        return rng.randint(0, 10, size=n)
    if kind == "neg":
        return rng.randint(-500, 500, size=n)
    if kind == "large":
        if dtype_name == "int32":
            return rng.randint(-2**31, 2**31 - 1, size=n, dtype=np.int64)
        return rng.randint(-2**62, 2**62, size=n, dtype=np.int64)
    return rng.randint(-(10 ** rng.randint(1, 9)), 10 ** rng.randint(1, 9), size=n, dtype=np.int64)


def make_tensor(rng, shape, dtype_name, kind):
    n = int(np.prod(shape)) if len(shape) else 1
    if dtype_name in ("float32", "float64"):
        v = _float_values(rng, kind, n, dtype_name)
    else:
        v = _int_values(rng, kind, n, dtype_name)
    arr = np.asarray(v).reshape(shape)
    return torch.tensor(arr, dtype=DTYPES[dtype_name])


def check(t, default_dtype=None):
    name = str(torch.get_default_dtype()).split(".")[-1]
    if default_dtype is not None:
        assert name == default_dtype
    expected = repr(t)
    got = ts.tensor_repr(t, name)
    assert got == expected, "\n--- got ---\n%s\n--- expected ---\n%s" % (got, expected)
    assert str(t) == expected


# ---------------------------------------------------------------------------
# case definitions: id -> (builder(rng) -> tensor, printoptions kwargs, default dtype)
# ---------------------------------------------------------------------------

CASES = []


def case(cid, builder, opts=None, default="float32"):
    CASES.append(pytest.param(builder, opts or {}, default, id=cid))


# 0-d tensors
case("scalar-float", lambda r: torch.tensor(27.0))
case("scalar-float-frac", lambda r: torch.tensor(4.5))
case("scalar-float-neg", lambda r: torch.tensor(-0.0001234))
case("scalar-float64", lambda r: torch.tensor(2.5, dtype=torch.float64))
case("scalar-int", lambda r: torch.tensor(3))
case("scalar-int-neg", lambda r: torch.tensor(-12345678901234))
case("scalar-int32", lambda r: torch.tensor(7, dtype=torch.int32))
case("scalar-uint8", lambda r: torch.tensor(255, dtype=torch.uint8))
case("scalar-bool", lambda r: torch.tensor(True))
case("scalar-bool-false", lambda r: torch.tensor(False))
case("scalar-nan", lambda r: torch.tensor(float("nan")))
case("scalar-inf", lambda r: torch.tensor(float("-inf")))
case("scalar-negzero", lambda r: torch.tensor(-0.0))
case("scalar-huge", lambda r: torch.tensor(1.5e20))
case("scalar-grad", lambda r: torch.tensor(2.0, requires_grad=True))
case("scalar-grad-fn", lambda r: torch.tensor(2.0, requires_grad=True) * 3)

# empty tensors
for dn in DTYPES:
    for shp in [(0,), (0, 3), (2, 0, 3), (3, 0)]:
        case("empty-%s-%s" % (dn, "x".join(map(str, shp))),
             lambda r, dn=dn, shp=shp: torch.zeros(shp, dtype=DTYPES[dn]))
case("empty-f64-default", lambda r: torch.zeros(0, dtype=torch.float64), default="float64")
case("empty-f32-default64", lambda r: torch.zeros(0, 2, dtype=torch.float32), default="float64")
case("empty-grad", lambda r: torch.zeros(0, requires_grad=True))
case("empty-grad-fn", lambda r: torch.zeros(0, 4, requires_grad=True) + 1)

# fixed special-value vectors
SPECIAL_VECTORS = {
    "ints-as-float": [1.0, 2.0, 3.0],
    "one-frac": [1.0, 2.5],
    "nan-zero": [float("nan"), 0.0],
    "int-inf": [1.0, float("inf")],
    "int-neginf": [1.0, float("-inf"), 100.0],
    "frac-nan-inf": [0.5, float("nan"), float("-inf"), float("inf")],
    "ratio-1000": [1.0, 1000.0],
    "ratio-1001": [1.0, 1001.0],
    "ratio-frac-1000": [0.5, 500.0],
    "ratio-frac-above": [0.5, 500.5],
    "max-1e8": [1e8, 2e7],
    "max-above-1e8": [1.00000001e8 + 2, 5e7],
    "min-1e-4": [1e-4, 0.01],
    "min-below-1e-4": [0.99e-4, 0.01],
    "round-up": [9.99996, 1.5],
    "round-up-sci": [9.99996e10, 1.0],
    "exp-3digits": [1e-300, 1.0, 1e300],
    "exp-3digits-rounding": [9.99999e-100, 1.0],
    "neg-only": [-1.5, -2.25, -1000.125],
    "mixed-sign-int": [-5.0, 123456.0, 7.0],
    "float32-max": [3.4e38, -3.4e38, 1.0],
    "subnormal": [1e-45, 1.0],
}
for name, vals in SPECIAL_VECTORS.items():
    dt = torch.float32 if name not in ("exp-3digits", "exp-3digits-rounding") else torch.float64
    case("special-" + name, lambda r, vals=vals, dt=dt: torch.tensor(vals, dtype=dt))
    case("special64-" + name, lambda r, vals=vals: torch.tensor(vals, dtype=torch.float64))

# random tensors: every dtype, 0-d to 4-d, several value kinds
_rng0 = np.random.RandomState(1234)
for i in range(90):
    ndim = _rng0.randint(0, 5)
    shape = tuple(int(s) for s in _rng0.randint(1, 6, size=ndim))
    dn = list(DTYPES)[i % len(DTYPES)]
    if dn.startswith("float"):
        kind = FLOAT_KINDS[_rng0.randint(len(FLOAT_KINDS))]
    else:
        kind = INT_KINDS[_rng0.randint(len(INT_KINDS))]
    seed = int(_rng0.randint(2**31))
    case("random-%d-%s-%s-%s" % (i, dn, kind, "x".join(map(str, shape)) or "scalar"),
         lambda r, shape=shape, dn=dn, kind=kind, seed=seed:
             make_tensor(np.random.RandomState(seed), shape, dn, kind))

# int8 and int16: full ranges, negative values, 0-d to 3-d and a summarised one
for _dn, _dt, _lo, _hi in [("int8", torch.int8, -128, 127), ("int16", torch.int16, -32768, 32767)]:
    for _shape in [(), (5,), (3, 4), (2, 3, 2), (1500,)]:
        for _span in [(0, 10), (-9, 10), (_lo, _hi + 1)]:
            case("small-int-%s-%s-%d" % (_dn, "x".join(map(str, _shape)) or "scalar", _span[0]),
                 lambda r, shape=_shape, dt=_dt, span=_span: torch.tensor(
                     r.randint(span[0], span[1], size=shape), dtype=dt))

# summarisation
SUMMARY_SHAPES = [(1001,), (2000,), (40, 40), (5, 300), (300, 5), (12, 12, 12),
                  (6, 6, 6, 6), (2, 2, 300), (1, 1001), (1001, 1), (7, 3, 50)]
for shp in SUMMARY_SHAPES:
    for dn, kind in [("float32", "normal"), ("int64", "neg"), ("float64", "range"),
                     ("bool", "small"), ("float32", "special")]:
        case("summary-%s-%s-%s" % (dn, kind, "x".join(map(str, shp))),
             lambda r, shp=shp, dn=dn, kind=kind: make_tensor(r, shp, dn, kind))
case("summary-arange", lambda r: torch.arange(2000))
case("summary-arange-float", lambda r: torch.arange(5000.0).reshape(50, 100))
# formatter uses only the summarized elements: a big value hidden in the middle
case("summary-hidden-outlier", lambda r: torch.cat([torch.ones(600), torch.tensor([1e12]), torch.ones(600)]))
case("summary-hidden-outlier-2d",
     lambda r: torch.ones(50, 50).index_put_((torch.tensor([25]), torch.tensor([25])), torch.tensor(-1e9)))

# wide rows (line wrapping)
for n in [10, 13, 17, 25, 40, 77, 200]:
    case("wide-float-%d" % n, lambda r, n=n: make_tensor(r, (n,), "float32", "normal"))
    case("wide-sci-%d" % n, lambda r, n=n: make_tensor(r, (n,), "float64", "range"))
    case("wide-int-%d" % n, lambda r, n=n: make_tensor(r, (n,), "int64", "large"))
    case("wide-2d-%d" % n, lambda r, n=n: make_tensor(r, (3, n), "float32", "huge"))
case("wide-bool", lambda r: make_tensor(r, (4, 33), "bool", "small"))
case("wide-uint8", lambda r: make_tensor(r, (2, 3, 45), "uint8", "small"))

# autograd suffixes
GRAD_OPS = {
    "add": lambda x: x + 1,
    "mul": lambda x: x * 2,
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "view": lambda x: x.view(-1),
    "exp": lambda x: x.exp(),
    "neg": lambda x: -x,
    "transpose": lambda x: x.t(),
}
for opname, op in GRAD_OPS.items():
    for dn in ("float32", "float64"):
        case("gradfn-%s-%s" % (opname, dn),
             lambda r, op=op, dn=dn: op(make_tensor(r, (3, 4), dn, "normal").requires_grad_()))
for dn in ("float32", "float64"):
    for shp in [(), (5,), (2, 3), (2, 2, 2)]:
        case("leaf-grad-%s-%s" % (dn, "x".join(map(str, shp)) or "scalar"),
             lambda r, shp=shp, dn=dn: make_tensor(r, shp, dn, "normal").requires_grad_())
# suffix wrapping near the line width: vary vector length so the last line
# ends just before / after the limit
for n in range(1, 14):
    case("suffix-wrap-f64-grad-%d" % n,
         lambda r, n=n: (torch.arange(n, dtype=torch.float64) * 1.5).requires_grad_())
    case("suffix-wrap-int32-%d" % n, lambda r, n=n: torch.arange(n * 2, dtype=torch.int32) * 1000)
    case("suffix-wrap-gradfn-%d" % n,
         lambda r, n=n: torch.arange(n, dtype=torch.float64, requires_grad=True) * 1.25)
case("suffix-empty-size-dtype-grad",
     lambda r: torch.zeros(0, 3, 2, dtype=torch.float64, requires_grad=True))

# print option variations (restored afterwards)
OPT_SETS = [
    {"precision": 0}, {"precision": 1}, {"precision": 2}, {"precision": 6}, {"precision": 10},
    {"threshold": 5}, {"threshold": 10}, {"threshold": math.inf},
    {"edgeitems": 1}, {"edgeitems": 2}, {"edgeitems": 5},
    {"linewidth": 20}, {"linewidth": 40}, {"linewidth": 120}, {"linewidth": 200},
    {"sci_mode": True}, {"sci_mode": False},
    {"profile": "short"}, {"profile": "full"},
    {"precision": 3, "sci_mode": True, "linewidth": 60},
    {"threshold": 20, "edgeitems": 2, "linewidth": 50},
    {"edgeitems": 0}, {"threshold": 5, "edgeitems": 0},
]
OPT_TENSORS = [
    ("f32", lambda r: make_tensor(r, (4, 30), "float32", "normal")),
    ("range", lambda r: make_tensor(r, (3, 3, 5), "float64", "range")),
    ("int", lambda r: make_tensor(r, (25,), "int64", "neg")),
    ("special", lambda r: make_tensor(r, (6, 6), "float32", "special")),
    ("intfloat", lambda r: make_tensor(r, (2, 20), "float32", "int")),
    ("scalar", lambda r: torch.tensor(3.14159265)),
    ("grad", lambda r: make_tensor(r, (2, 12), "float64", "normal").requires_grad_() * 2),
]
for oi, opts in enumerate(OPT_SETS):
    for tname, builder in OPT_TENSORS:
        case("opts%d-%s-%s" % (oi, "-".join("%s=%s" % kv for kv in opts.items()), tname),
             builder, opts)

# default dtype float64
for dn in DTYPES:
    for shp in [(), (3,), (2, 3)]:
        case("default64-%s-%s" % (dn, "x".join(map(str, shp)) or "scalar"),
             lambda r, dn=dn, shp=shp: make_tensor(r, shp, dn, "normal" if dn.startswith("f") else "neg"),
             default="float64")
case("default64-grad", lambda r: torch.ones(3, dtype=torch.float32, requires_grad=True) + 1, default="float64")


@pytest.mark.parametrize("builder,opts,default", CASES)
def test_repr_matches_torch(builder, opts, default):
    old_default = torch.get_default_dtype()
    old_torch_opts = torch._tensor_str.get_printoptions()
    old_ts_opts = ts.get_printoptions()
    try:
        torch.set_default_dtype(DTYPES[default])
        if opts:
            torch.set_printoptions(**opts)
            ts.set_printoptions(**opts)
            assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
        t = builder(np.random.RandomState(99))
        check(t, default)
    finally:
        torch.set_default_dtype(old_default)
        torch.set_printoptions(**old_torch_opts)
        ts.set_printoptions(**old_ts_opts)


def test_printoptions_api_matches_torch():
    old_t = torch._tensor_str.get_printoptions()
    old_s = ts.get_printoptions()
    try:
        assert ts.get_printoptions() == {"precision": 4, "threshold": 1000, "edgeitems": 3,
                                         "linewidth": 80, "sci_mode": None}
        assert ts.PRINT_OPTS.precision == 4 and ts.PRINT_OPTS.threshold == 1000
        assert ts.PRINT_OPTS.edgeitems == 3 and ts.PRINT_OPTS.linewidth == 80
        assert ts.PRINT_OPTS.sci_mode is None
        calls = [
            dict(precision=2), dict(sci_mode=True), dict(linewidth=100),  # sci_mode resets to None
            dict(profile="full"), dict(profile="short", precision=7),
            dict(profile="default"), dict(profile="nonexistent"), dict(threshold=3, edgeitems=1),
        ]
        for kw in calls:
            torch.set_printoptions(**kw)
            ts.set_printoptions(**kw)
            assert ts.get_printoptions() == torch._tensor_str.get_printoptions(), kw
        with ts.printoptions(precision=1, sci_mode=False), \
                torch._tensor_str.printoptions(precision=1, sci_mode=False):
            assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
            t = torch.tensor([1.2345, 100.5])
            assert ts.tensor_repr(t) == repr(t)
        assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    finally:
        torch.set_printoptions(**old_t)
        ts.set_printoptions(**old_s)
    assert ts.get_printoptions() == old_s


class _FakeGradFn:
    def name(self):
        return "torch::autograd::CppNode<MyOp>::MyBackward"


class _FakeTensor:
    """A smalltorch-like tensor: dtype prints with the smalltorch prefix."""

    def __init__(self, arr, dtype, requires_grad=False, grad_fn=None):
        self._arr = arr
        self.dtype = dtype
        self.shape = arr.shape
        self.requires_grad = requires_grad
        self.grad_fn = grad_fn
        self.is_leaf = grad_fn is None

    def detach(self):
        return self

    def numpy(self):
        return self._arr


class _FakeDtype:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return "smalltorch." + self.name


def test_duck_typed_smalltorch_tensor():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)[:, ::2]  # non-contiguous
    t = _FakeTensor(a, _FakeDtype("float64"), requires_grad=True)
    assert ts.tensor_repr(t) == "tensor([[0., 2.],\n        [3., 5.]], dtype=smalltorch.float64, requires_grad=True)"
    t = _FakeTensor(np.array([1, 2], dtype=np.int32), _FakeDtype("int32"))
    assert ts.tensor_repr(t) == "tensor([1, 2], dtype=smalltorch.int32)"
    t = _FakeTensor(np.array([1.5], dtype=np.float32), _FakeDtype("float32"),
                    requires_grad=True, grad_fn=_FakeGradFn())
    assert ts.tensor_repr(t) == "tensor([1.5000], grad_fn=<MyBackward>)"
    t = _FakeTensor(np.array([1.5], dtype=np.float32), _FakeDtype("float32"))
    assert ts.tensor_repr(t, "float64") == "tensor([1.5000], dtype=smalltorch.float32)"
