"""Kernel paths chosen by layout and size: the tiled loop of a transposed
operand (staged through a transposed buffer) and the vector-lane pairwise
sum. Each must give PyTorch's values, and the same values on 1 and 2 threads."""

import numpy as np
import pytest

import smalltorch as st

SHAPES = [(64, 64), (65, 300), (300, 257), (17, 1000), (1000, 70), (2000, 96)]


def _both_threads(fn):
    st.set_num_threads(1)
    try:
        one = fn()
    finally:
        st.set_num_threads(2)
    return one, fn()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint8"])
def test_transposed_binary_matches_torch(torch_ref, shape, dtype):
    rng = np.random.default_rng(sum(shape))
    a = (rng.standard_normal(shape[::-1]) * 50).astype(dtype)
    b = (rng.standard_normal(shape) * 50).astype(dtype)
    ta, tb = torch_ref.from_numpy(a), torch_ref.from_numpy(b)
    sa, sb = st.from_numpy(a.copy()), st.from_numpy(b.copy())
    for name, f in [("a.T+b", lambda m, x, y: x.T + y), ("b-a.T", lambda m, x, y: y - x.T),
                    ("a.T*b.T.T", lambda m, x, y: x.T * y.T.T), ("a.T+a.T", lambda m, x, y: x.T + x.T)]:
        want = f(torch_ref, ta, tb).numpy()
        one, two = _both_threads(lambda: f(st, sa, sb).numpy())
        np.testing.assert_array_equal(one, want, err_msg=name)
        np.testing.assert_array_equal(two, want, err_msg=name)


@pytest.mark.parametrize("shape", [(300, 257), (2000, 70)])
def test_transposed_with_broadcast_and_strided_operands(torch_ref, shape):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape[::-1]).astype(np.float32)
    row = rng.standard_normal(shape[1]).astype(np.float32)
    big = rng.standard_normal((shape[0], 2 * shape[1])).astype(np.float32)
    cases = [
        ("a.T+row", lambda m, x, r, g: x.T + r),
        ("a.T+strided", lambda m, x, r, g: x.T + g[:, ::2]),
        ("a.T+neg", lambda m, x, r, g: x.T + g[:, :shape[1]].flip(0)),
    ]
    for name, f in cases:
        want = f(torch_ref, *(torch_ref.from_numpy(v) for v in (a, row, big))).numpy()
        one, two = _both_threads(lambda: f(st, *(st.from_numpy(v.copy()) for v in (a, row, big))).numpy())
        np.testing.assert_array_equal(one, want, err_msg=name)
        np.testing.assert_array_equal(two, want, err_msg=name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cols", [1, 7, 16, 63, 100, 511, 512, 513, 2000, 5003, 40000])
def test_row_sums_match_torch(torch_ref, dtype, cols):
    rows = max(1, 200_000 // cols)
    x = np.random.default_rng(cols).standard_normal((rows, cols)).astype(dtype)
    want = torch_ref.from_numpy(x).sum(dim=1).numpy()
    exact = x.astype(np.float64).sum(axis=1)
    one, two = _both_threads(lambda: st.from_numpy(x.copy()).sum(dim=1).numpy())
    np.testing.assert_array_equal(one, two)
    tol = 1e-5 if dtype == "float32" else 1e-12
    scale = np.abs(x).sum(axis=1)
    assert np.all(np.abs(one - exact) <= tol * scale + 1e-30)
    np.testing.assert_allclose(one, want, rtol=tol * 10, atol=tol * 10 * float(scale.max()))


@pytest.mark.parametrize("n", [32767, 32768, 131071, 131072, 131073, 200_001, 1_000_003])
def test_whole_sum_is_thread_count_independent(torch_ref, n):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    one, two = _both_threads(lambda: st.from_numpy(x.copy()).sum().item())
    assert one == two
    assert abs(one - float(x.astype(np.float64).sum())) <= 1e-5 * float(np.abs(x).sum())
    assert abs(one - torch_ref.from_numpy(x).sum().item()) <= 1e-5 * float(np.abs(x).sum())
