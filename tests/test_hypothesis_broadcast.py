"""Hypothesis: binary and ternary ops on broadcast shapes and arbitrary strides
(permuted, step-sliced, expanded) against numpy."""

import numpy as np
from hypothesis import given, settings, strategies as st_
from hypothesis.extra import numpy as hnp

import smalltorch as torch

DTYPES = [np.float32, np.float64, np.int32, np.int64]


def _layout(draw, arr):
    """The same values as a smalltorch tensor with some memory layout."""
    kind = draw(st_.sampled_from(["contiguous", "permuted", "stepped"]))
    if kind == "permuted" and arr.ndim >= 2:
        perm = draw(st_.permutations(range(arr.ndim)))
        inv = np.argsort(perm)
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(perm))).permute(*inv.tolist())
    if kind == "stepped" and arr.ndim >= 1:
        wide = np.repeat(arr, 2, axis=-1)
        return torch.from_numpy(np.ascontiguousarray(wide))[..., ::2]
    return torch.from_numpy(arr.copy())


@st_.composite
def operands(draw, n=2):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=4, max_side=5))
    dtype = draw(st_.sampled_from(DTYPES))
    arrays = [draw(hnp.arrays(dtype, s, elements=st_.integers(-20, 20))) for s in shapes.input_shapes]
    return arrays, [_layout(draw, a) for a in arrays], shapes.result_shape


@settings(max_examples=150, deadline=None)
@given(operands())
def test_binary_broadcast_matches_numpy(case):
    (a, b), (ta, tb), shape = case
    for f, g in [(lambda x, y: x + y, np.add), (lambda x, y: x * y, np.multiply), (lambda x, y: x - y, np.subtract),
                 (torch.maximum, np.maximum)]:
        got = f(ta, tb).numpy()
        assert got.shape == shape
        np.testing.assert_array_equal(got, g(a, b).astype(got.dtype))
    np.testing.assert_array_equal((ta < tb).numpy(), a < b)
    np.testing.assert_array_equal((ta == tb).numpy(), a == b)


@settings(max_examples=100, deadline=None)
@given(operands(3))
def test_where_broadcast_matches_numpy(case):
    (c, a, b), (tc, ta, tb), shape = case
    got = torch.where(tc > 0, ta, tb).numpy()
    np.testing.assert_array_equal(got, np.where(c > 0, a, b))


@settings(max_examples=100, deadline=None)
@given(operands())
def test_inplace_broadcast_into_the_larger_shape(case):
    (a, b), (ta, tb), shape = case
    if a.shape != shape:
        return  # in place needs self to have the broadcast shape
    t = ta.clone()
    t += tb
    np.testing.assert_array_equal(t.numpy(), (a + b).astype(t.numpy().dtype))
