"""Tensor.resize_, resize_as_ and out= of another shape, as PyTorch (issue 8: "check out= ... as PyTorch checks
them"): PyTorch resizes an out= tensor whose shape is not the result's (silently when it has no elements, with a
deprecation UserWarning otherwise) instead of refusing it, and each elementwise function takes only the out=
dtypes its TensorIterator configuration allows. Everything here is compared with torch."""

import warnings

import numpy as np
import pytest

import smalltorch
from conftest import assert_close

LIBS = ("torch", "smalltorch")


def _lib(name, torch_ref):
    return torch_ref if name == "torch" else smalltorch


def _outcome(fn):
    """('ok', shape, stride, warnings) or (exception class name, message) for fn()."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = fn()
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return (type(e).__name__, str(e))
    texts = [str(x.message).split(" (Triggered internally")[0] for x in w if issubclass(x.category, UserWarning)]
    return ("ok", tuple(r.shape), r.stride(), texts)


# ---------------------------------------------------------------- Tensor.resize_
RESIZE_CASES = [
    ((3,), (2, 2)),        # grows the storage
    ((3, 4), (2, 2)),      # shrinks: the first elements keep their memory
    ((3, 4), (3, 4)),      # the same shape: nothing changes, not even the version
    ((2, 3), (0,)),
    ((0,), (2, 3)),
    ((2, 3), ()),
    ((4,), [2, 2]),
]


@pytest.mark.parametrize("start,size", RESIZE_CASES, ids=[f"{a}->{b}" for a, b in RESIZE_CASES])
def test_resize_shape_strides_values_and_version_as_torch(start, size, torch_ref):
    seen = []
    n = int(np.prod(start))
    for name in LIBS:
        m = _lib(name, torch_ref)
        t = m.arange(float(n)).reshape(start)
        v = t._version
        assert t.resize_(size) is t
        kept = min(n, t.numel())
        seen.append((tuple(t.shape), t.stride(), t._version - v, t.reshape(-1)[:kept].tolist()))
    assert seen[1] == seen[0]


def test_resize_of_a_transposed_tensor_makes_it_contiguous_unless_the_shape_is_the_same(torch_ref):
    for m in (torch_ref, smalltorch):
        assert m.empty(3, 4).t().resize_(4, 3).stride() == (1, 4)
        assert m.empty(3, 4).t().resize_(2, 2).stride() == (2, 1)


def test_a_grown_view_and_its_base_share_the_new_memory(torch_ref):
    seen = []
    for m in (torch_ref, smalltorch):
        base = m.arange(4.0)
        tail = base[2:]
        tail.resize_(3, 2)
        tail.zero_()  # writes through the grown storage
        seen.append((tail.storage_offset(), base.tolist(), tail.shape == (3, 2)))
    assert seen[1] == seen[0] == (2, [0.0, 1.0, 0.0, 0.0], True)


def test_resize_as_takes_the_templates_size(torch_ref):
    for m in (torch_ref, smalltorch):
        t = m.empty(2, 3)
        assert t.resize_as_(m.empty(3, 1)) is t and t.shape == (3, 1) and t.stride() == (1, 1)


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, requires_grad=True).resize_(3),
    lambda m: m.ones(2, requires_grad=True).resize_(2),       # even to the same shape
    lambda m: (m.ones(2, requires_grad=True) * 2).resize_(3),
    lambda m: m.from_numpy(np.zeros(2, np.float32)).resize_(3),
    lambda m: m.empty(3).resize_(2, -1),
    lambda m: m.empty(3).resize_(2 ** 62),
    lambda m: m.empty(3).resize_(),
    lambda m: m.empty(3).resize_("a"),
    lambda m: m.empty(3).resize_(2.5),
    lambda m: m.empty(3).resize_as_(3),
], ids=["leaf", "leaf_same_shape", "non_leaf", "numpy_memory", "negative", "overflow", "no_size", "str",
        "float", "template_not_tensor"])
def test_resize_refusals_are_torchs_exception_classes(call, torch_ref):
    theirs, ours = _outcome(lambda: call(torch_ref)), _outcome(lambda: call(smalltorch))
    assert theirs[0] != "ok" and ours[0] == theirs[0], (ours, theirs)
    if theirs[0] == "RuntimeError" and "resize" in theirs[1]:
        assert ours[1] == theirs[1]


def test_memory_handed_to_numpy_or_dlpack_cannot_move_until_released():
    t = smalltorch.arange(3.0)
    a = t.numpy()
    with pytest.raises(RuntimeError, match="Trying to resize storage that is not resizable"):
        t.resize_(100)
    assert t.shape == (3,) and a.tolist() == [0.0, 1.0, 2.0]
    t.resize_(2)  # within the storage: nothing moves, allowed
    del a
    t.resize_(100)  # the array is gone: the storage may grow again
    assert t[:3].tolist() == [0.0, 1.0, 2.0]
    cap = t.__dlpack__()
    with pytest.raises(RuntimeError, match="not resizable"):
        t.resize_(1000)
    del cap
    t.resize_(1000)
    assert t.shape == (1000,)


def test_numpy_memory_that_fits_is_resized_in_place(torch_ref):
    for m in (torch_ref, smalltorch):
        arr = np.zeros(6, np.float32)
        t = m.from_numpy(arr)
        m.add(m.ones(2, 3), 1, out=t.resize_(0))
        assert arr.tolist() == [2.0] * 6


# ---------------------------------------------------------------- out= of another shape
OUT_CALLS = {
    "add": lambda m, out: m.add(m.ones(2, 3), m.ones(3), out=out),
    "add_scalar": lambda m, out: m.add(m.ones(2, 3), 2, alpha=3, out=out),
    "exp": lambda m, out: m.exp(m.ones(2, 3), out=out),
    "where": lambda m, out: m.where(m.ones(3) > 0, m.ones(3), m.zeros(3), out=out),
    "clamp": lambda m, out: m.clamp(m.arange(6.0), 1, 4, out=out),
    "sum": lambda m, out: m.sum(m.ones(2, 3), 1, out=out),
    "matmul": lambda m, out: m.matmul(m.ones(2, 3), m.ones(3, 4), out=out),
    "cat": lambda m, out: m.cat([m.ones(2), m.zeros(3)], out=out),
    "linalg_inv": lambda m, out: m.linalg.inv(m.eye(3) * 2, out=out),
}
OUT_SHAPES = [(0,), (5,), (2, 3, 1), (100,)]


@pytest.mark.parametrize("shape", OUT_SHAPES, ids=[str(s) for s in OUT_SHAPES])
@pytest.mark.parametrize("name", sorted(OUT_CALLS))
def test_out_of_another_shape_is_resized_with_torchs_warning(name, shape, torch_ref):
    seen = []
    for lib in LIBS:
        m = _lib(lib, torch_ref)
        out = m.empty(shape)
        r = _outcome(lambda: OUT_CALLS[name](m, out))
        got = out.tolist()
        if name.startswith("linalg") and r[0] == "ok":  # torch lays LAPACK results out column-major
            r = r[:2] + r[3:]
        seen.append((r, got))
    assert seen[1] == seen[0]


SAMPLING_OUT = {  # (call, out dtype)
    "randperm": (lambda m, out: m.randperm(5, out=out), "int64"),
    "bernoulli": (lambda m, out: m.bernoulli(m.full((2, 3), 0.5), out=out), "float32"),
    "multinomial": (lambda m, out: m.multinomial(m.ones(4), 2, out=out), "int64"),
}


@pytest.mark.parametrize("shape", OUT_SHAPES, ids=[str(s) for s in OUT_SHAPES])
@pytest.mark.parametrize("name", sorted(SAMPLING_OUT))
def test_sampling_functions_resize_their_out_silently(name, shape, torch_ref):
    call, dtype = SAMPLING_OUT[name]
    outcomes = [_outcome(lambda: call(m, m.empty(shape, dtype=getattr(m, dtype)))) for m in (torch_ref, smalltorch)]
    assert outcomes[1] == outcomes[0] and outcomes[0][0] == "ok" and outcomes[0][3] == []


@pytest.mark.parametrize("out_of", ["internal_overlap_expanded", "expanded_of_the_right_size"])
def test_out_checks_judge_out_as_given_before_resizing(out_of, torch_ref):
    n = 4 if out_of == "internal_overlap_expanded" else 3
    outcomes = [_outcome(lambda: m.add(m.ones(3), 1, out=m.empty(1).expand(n))) for m in (torch_ref, smalltorch)]
    assert outcomes[1] == outcomes[0] and outcomes[0][0] == "RuntimeError"


def test_a_resize_warning_turned_into_an_error_raises_and_writes_nothing():
    out = smalltorch.zeros(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="resized"):
            smalltorch.add(smalltorch.ones(3), 1, out=out)
    assert out.tolist() == [0.0] * 5


def test_the_warning_points_at_the_callers_line():
    with pytest.warns(UserWarning) as w:
        smalltorch.exp(smalltorch.ones(2), out=smalltorch.empty(3))
    assert w[0].filename == __file__


# ---------------------------------------------------------------- out= dtypes (the unary rows' `out` column)
UNARY_OUT_DTYPES = [("float32", "float64"), ("int64", "float64"), ("int64", "int32"), ("float32", "bool"),
                    ("int32", "int64"), ("bool", "int64"), ("float32", "float32")]


def _unary_rows():
    return sorted(smalltorch._C._unary_registry)


@pytest.mark.parametrize("name", _unary_rows())
def test_unary_out_dtypes_are_torchs(name, torch_ref):
    def fn(m):
        if name.startswith("special_"):
            return getattr(m.special, name[len("special_"):])
        return getattr(m, name)
    for dt_in, dt_out in UNARY_OUT_DTYPES:
        outcomes = []
        for m in (torch_ref, smalltorch):
            x, out = m.ones(3, dtype=getattr(m, dt_in)), m.empty(3, dtype=getattr(m, dt_out))
            outcomes.append(_outcome(lambda: fn(m)(x, out=out)))
        theirs, ours = outcomes
        assert ours[0] == theirs[0], (dt_in, dt_out, ours, theirs)
        if theirs[0] == "RuntimeError" and ("Found dtype" in theirs[1] or "non-boolean" in theirs[1]):
            assert ours[1] == theirs[1]


@pytest.mark.parametrize("name", ["neg", "negative", "round"])
def test_dtype_keeping_functions_take_an_out_of_their_dtype_only(name, torch_ref):
    for dt_out in ("float64", "int64", "float32"):
        outcomes = [_outcome(lambda: getattr(m, name)(m.ones(3), out=m.empty(3, dtype=getattr(m, dt_out))))
                    for m in (torch_ref, smalltorch)]
        assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("dt_out", ["bool", "uint8", "int64", "float32"])
def test_all_and_any_take_a_bool_or_uint8_out(name, dt_out, torch_ref):
    outcomes = []
    for m in (torch_ref, smalltorch):
        out = m.empty(0, dtype=getattr(m, dt_out))
        outcomes.append((_outcome(lambda: getattr(m, name)(m.ones(2, 3), 1, out=out)), str(out.dtype).split(".")[1]))
    assert outcomes[1] == outcomes[0]


def test_resized_out_values_match_numpy():
    a = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    out = smalltorch.empty(0)
    smalltorch.mul(smalltorch.from_numpy(a), 3.0, out=out)
    assert_close(out, a * 3.0)
