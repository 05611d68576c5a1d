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
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint8", "int8", "int16"])
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


@pytest.mark.parametrize("shape,dtype", [((2051, 1031), "float32"), ((1030, 1027), "float64"),
                                         ((2900, 2999), "uint8"), ((1500, 1400), "int32")])
def test_transposed_results_bigger_than_the_caches_are_streamed(shape, dtype):
    # From 8 MB of result up, each tile is computed into a buffer and written with non-temporal
    # stores (unaligned heads and short tails plainly): values, in-place forms, out= at an
    # unaligned address and the transposing copy must all be exact, on 1 and 2 threads.
    rng = np.random.default_rng(shape[0])
    a = rng.integers(0, 100, shape[::-1]).astype(dtype)
    b = rng.integers(0, 100, shape).astype(dtype)
    assert a.nbytes >= 8 << 20
    sa, sb = st.from_numpy(a.copy()), st.from_numpy(b.copy())

    def run():
        r = [(sa.T + sb).numpy(), sa.T.contiguous().numpy()]
        flat = st.zeros(a.size + 1, dtype=sb.dtype)
        out = flat[1:].view(*shape)  # the result starts 1 element past an aligned address
        st.add(sa.T, sb, out=out)
        r.append(out.numpy().copy())
        c = sb.clone()
        c.mul_(sa.T)
        r.append(c.numpy())
        return r

    for got in _both_threads(run):
        np.testing.assert_array_equal(got[0], a.T + b)
        np.testing.assert_array_equal(got[1], np.ascontiguousarray(a.T))
        np.testing.assert_array_equal(got[2], a.T + b)
        np.testing.assert_array_equal(got[3], b * a.T)


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


# Matrix products of at least 2**22 multiply-adds are cut into one block of rows (or of columns, when the
# result is wider than tall) per thread, each block one single-threaded BLAS call. Every operand layout
# (plain, transposed, strided rows) and addmm's beta must give the same values as one call.
GEMM_CASES = [(64, 784, 256), (784, 64, 256), (300, 200, 129), (97, 1000, 4000 // 16), (4100, 32, 40)]


@pytest.mark.parametrize("m,k,n", GEMM_CASES)
@pytest.mark.parametrize("layout", ["nn", "tn", "nt", "tt", "strided"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_split_matrix_products_match_numpy(m, k, n, layout, dtype):
    rng = np.random.default_rng(m * n + k)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    want = a.astype(np.float64) @ b.astype(np.float64)
    sa = st.from_numpy(np.ascontiguousarray(a.T)).T if layout[0] == "t" else st.from_numpy(a.copy())
    sb = st.from_numpy(np.ascontiguousarray(b.T)).T if layout[1:] == "t" else st.from_numpy(b.copy())
    if layout == "strided":  # rows with padding: leading dimensions larger than the row length
        sa = st.from_numpy(np.pad(a, ((0, 0), (0, 5))))[:, :k]
        sb = st.from_numpy(np.pad(b, ((0, 0), (0, 3))))[:, :n]
    tol = 1e-3 if dtype == "float32" else 1e-10
    one, two = _both_threads(lambda: (sa @ sb).numpy())
    np.testing.assert_allclose(one, want, rtol=tol, atol=tol * np.sqrt(k))
    np.testing.assert_allclose(two, want, rtol=tol, atol=tol * np.sqrt(k))
    c = rng.standard_normal((m, n)).astype(dtype)
    one, two = _both_threads(lambda: st.addmm(st.from_numpy(c.copy()), sa, sb, beta=0.5, alpha=2.0).numpy())
    np.testing.assert_allclose(two, 0.5 * c + 2.0 * want, rtol=tol, atol=tol * np.sqrt(k))
    np.testing.assert_allclose(one, two, rtol=tol, atol=tol * np.sqrt(k))


def test_split_matrix_products_in_a_batch_and_backward(torch_ref):
    """bmm runs each product through the same split; gradients of a large linear layer match torch."""
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((3, 200, 300)), rng.standard_normal((3, 300, 180))
    np.testing.assert_allclose(st.bmm(st.from_numpy(a), st.from_numpy(b)).numpy(), a @ b, rtol=1e-10, atol=1e-9)
    x, w = rng.standard_normal((64, 784)), rng.standard_normal((784, 256))
    sx, sw = st.from_numpy(x).requires_grad_(), st.from_numpy(w).requires_grad_()
    tx, tw = torch_ref.from_numpy(x).requires_grad_(), torch_ref.from_numpy(w).requires_grad_()
    (sx @ sw).relu().sum().backward()
    (tx @ tw).relu().sum().backward()
    np.testing.assert_allclose(sw.grad.numpy(), tw.grad.numpy(), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-9)


def test_vectorised_tanh_float32_within_two_ulp_and_special_values(torch_ref):
    """tanh's float32 loop (the unary table's vec column): polynomial below 0.625, exp-based above."""
    x = np.concatenate([np.linspace(-20, 20, 100001), np.linspace(-1e-3, 1e-3, 2001),
                        np.array([0.624, 0.625, 0.626, 1e-30, -1e-30, 9.0, -9.0, 88.0, -88.0])]).astype(np.float32)
    exact = np.tanh(x.astype(np.float64))
    for layout in (lambda a: a, lambda a: a[::3], lambda a: a[1::2]):
        got = layout(st.from_numpy(x.copy())).tanh().numpy()
        want = layout(exact)
        ulp = np.spacing(np.abs(want).astype(np.float32))
        assert np.max(np.abs(got - want) / ulp) <= 2.0
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=np.float32)
    got, want = st.from_numpy(special).tanh().numpy(), torch_ref.from_numpy(special).tanh().numpy()
    np.testing.assert_array_equal(got, want)
    assert np.signbit(got[1]) and np.signbit(want[1])
    # float64 goes through the C library's tanh (within an ulp of numpy's)
    d = np.linspace(-5, 5, 1001)
    np.testing.assert_allclose(st.from_numpy(d).tanh().numpy(), np.tanh(d), rtol=3e-16, atol=0)


def test_square_by_pow_is_x_times_x(torch_ref):
    """x ** 2 runs as x * x: the same values as pow, and the same gradient."""
    rng = np.random.default_rng(3)
    for dtype in ("float32", "float64"):
        x = rng.standard_normal((5, 7)).astype(dtype)
        got = (st.from_numpy(x.copy()) ** 2).numpy()
        np.testing.assert_array_equal(got, x * x)
        np.testing.assert_array_equal(got, (torch_ref.from_numpy(x.copy()) ** 2).numpy())
        np.testing.assert_array_equal(st.from_numpy(x.copy()).T.pow(2).numpy(), (x * x).T)
    a = st.tensor([1.5, -2.0], requires_grad=True)
    (a ** 2).sum().backward()
    assert a.grad.tolist() == [3.0, -4.0]
