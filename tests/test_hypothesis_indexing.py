"""Property tests: advanced indexing (get, set, backward) on random shapes and mixed keys agrees with numpy.

numpy and PyTorch place the broadcast index dims by the same rule, with two differences the
reference below accounts for: PyTorch applies integer indices first (as `select`), and an
ellipsis covering no dim does not separate advanced indices in PyTorch (such keys are skipped).
"""

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as hs

import smalltorch as st

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

shapes = hs.lists(hs.integers(0, 4), min_size=1, max_size=4).map(tuple)


@hs.composite
def keyed(draw):
    shape = draw(shapes)
    nd = len(shape)
    parts = []  # (kind, value); kinds: int, slice, arr, mask, none, ellipsis
    d = 0
    use_ellipsis = draw(hs.booleans())
    ell_at = draw(hs.integers(0, nd)) if use_ellipsis else -1
    n_mask = None  # number of true values of the (single) mask; fixes the index shape
    bshape = draw(hs.lists(hs.integers(1, 3), min_size=1, max_size=2).map(tuple))
    skip = draw(hs.integers(0, nd))  # dims left to the ellipsis
    while d < nd:
        if d == ell_at:
            parts.append(("ellipsis", Ellipsis))
            d += min(skip, nd - d)
            if d >= nd:
                break
        if draw(hs.integers(0, 5)) == 0:
            parts.append(("none", None))
        choice = draw(hs.sampled_from(["int", "slice", "arr", "arr", "mask"]))
        size = shape[d]
        if choice == "int" and size > 0:
            parts.append(("int", draw(hs.integers(-size, size - 1))))
            d += 1
        elif choice == "arr" and size > 0:
            shp = (n_mask,) if n_mask is not None else tuple(draw(hs.sampled_from([b, 1])) for b in bshape)
            vals = draw(hs.lists(hs.integers(-size, size - 1), min_size=math.prod(shp), max_size=math.prod(shp)))
            parts.append(("arr", np.array(vals, dtype=np.int64).reshape(shp)))
            d += 1
        elif choice == "mask" and n_mask is None and not any(k == "arr" for k, _ in parts):
            k = draw(hs.integers(1, min(2, nd - d)))
            mshape = shape[d:d + k]
            bits = draw(hs.lists(hs.booleans(), min_size=math.prod(mshape), max_size=math.prod(mshape)))
            m = np.array(bits, dtype=bool).reshape(mshape)
            n_mask = int(m.sum())
            parts.append(("mask", m))
            d += k
        else:
            start = draw(hs.integers(-5, 5) | hs.none())
            stop = draw(hs.integers(-5, 5) | hs.none())
            step = draw(hs.integers(1, 3))
            parts.append(("slice", slice(start, stop, step)))
            d += 1
    # later int arrays drawn before a mask could not know its count: keep keys whose arrays fit
    if n_mask is not None:
        assume(all(v.shape in ((n_mask,), (1,)) for k, v in parts if k == "arr" and v.ndim == 1) and
               all(v.ndim == 1 for k, v in parts if k == "arr"))
    return shape, parts


def adv_positions(shape, parts):
    """Dims (after the ellipsis is expanded and ints removed) covered by advanced parts, and
    whether an empty ellipsis sits between two advanced parts."""
    kinds = [k for k, _ in parts]
    if "ellipsis" in kinds:
        used = sum(v.ndim if k == "mask" else 1 for k, v in parts if k in ("int", "slice", "arr", "mask"))
        e = kinds.index("ellipsis")
        if len(shape) - used == 0:
            before = any(k in ("arr", "mask") for k in kinds[:e])
            after = any(k in ("arr", "mask") for k in kinds[e + 1:])
            return before and after
    return False


def split_key(parts):
    """numpy key applying the ints first (PyTorch's order), then the rest."""
    first, second = [], []
    for k, v in parts:
        if k == "int":
            first.append(v)
        elif k == "none":
            second.append(None)
        elif k == "ellipsis":
            first.append(Ellipsis)
            second.append(Ellipsis)
        elif k == "mask":
            first.extend([slice(None)] * v.ndim)
            second.append(v)
        else:
            first.append(slice(None))
            second.append(v)
    return tuple(first), tuple(second)


def st_key(parts):
    return tuple(st.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v for _, v in parts)


def np_get(a, parts):
    first, second = split_key(parts)
    return a[first][second]


def reference(shape, parts):
    """(base array, numpy's a[key]), or None when numpy rejects the key (e.g. an array index
    into an emptied dim: checked against torch in test_indexing.py)."""
    assume(not adv_positions(shape, parts))
    a = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
    try:
        return a, np_get(a, parts)
    except IndexError:
        return None


@SETTINGS
@given(keyed())
def test_get_matches_numpy(case):
    shape, parts = case
    r = reference(shape, parts)
    if r is None:
        return
    a, want = r
    got = st.tensor(a)[st_key(parts)]
    assert tuple(got.shape) == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


@SETTINGS
@given(keyed(), hs.booleans())
def test_set_matches_numpy(case, scalar):
    shape, parts = case
    r = reference(shape, parts)
    if r is None:
        return
    a, target_shape = r[0], r[1].shape
    want = a.copy()
    first, second = split_key(parts)
    if scalar:
        value, st_value = -7.0, -7.0
    else:
        # values with the result's trailing dims only: broadcast over the leading ones
        vshape = target_shape[1:] if target_shape else ()
        value = np.array(np.arange(math.prod(vshape), dtype=np.float64).reshape(vshape) + 100)
        st_value = st.tensor(value)
    if any(k in ("arr", "mask") for k, _ in parts):
        want[first][second] = value  # a[first] is a view holding the advanced dims
    else:
        want[tuple(v for _, v in parts)] = value
    got = st.tensor(a)
    got[st_key(parts)] = st_value
    np.testing.assert_array_equal(got.numpy(), want)


@SETTINGS
@given(keyed())
def test_backward_matches_add_at(case):
    shape, parts = case
    r = reference(shape, parts)
    if r is None:
        return
    a, res = r
    assume(any(k in ("arr", "mask") for k, _ in parts))
    w = np.arange(res.size, dtype=np.float64).reshape(res.shape) + 1
    want = np.zeros(shape)
    first, second = split_key(parts)
    np.add.at(want[first], second, w)  # repeated positions accumulate
    x = st.tensor(a, requires_grad=True)
    (x[st_key(parts)] * st.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), want)
