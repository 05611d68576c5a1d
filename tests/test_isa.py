"""The inner loops are compiled for baseline x86-64, AVX2 and AVX-512 (or, in the
generic build, once as plain C++) and one set is picked at run time: every set
this CPU and build can run must give the same results (checked against numpy),
including special values and ragged tails."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

import smalltorch as torch

ISAS = torch._C._isas()  # the tables this CPU and build can run


def test_available_isas():
    assert torch._C._isa() in ISAS
    assert ISAS in (["generic"], ["base"], ["base", "avx2"], ["base", "avx2", "avx512"])
    for name in ("base", "avx2", "avx512", "generic"):
        if name not in ISAS:
            before = torch._C._isa()
            assert not torch._C._set_isa(name)
            assert torch._C._isa() == before


@pytest.fixture(params=ISAS)
def isa(request):
    before = torch._C._isa()
    assert torch._C._set_isa(request.param)
    yield request.param
    torch._C._set_isa(before)


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.72, 88.73, -87.9, -88.1, -103.0, -104.0, 1e-8, -1e-8],
                   dtype=np.float32)


@pytest.mark.parametrize("n", [1, 7, 16, 33, 1000, 200_003])  # tails of every vector width, and the 2-thread path
def test_exp_float32_matches_numpy(isa, n):
    x = np.concatenate([np.random.default_rng(n).uniform(-100, 90, n).astype(np.float32), SPECIAL])
    got = torch.exp(torch.from_numpy(x)).numpy()
    with np.errstate(over="ignore"):
        want = np.exp(x)
    normal = np.isfinite(want) & (want > np.finfo(np.float32).tiny)
    np.testing.assert_allclose(got[normal], want[normal], rtol=3e-7)  # within ~2 ulp
    np.testing.assert_allclose(got[~normal & ~np.isnan(want)], want[~normal & ~np.isnan(want)], atol=1e-44)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(np.isposinf(got), np.isposinf(want))


def test_sigmoid_float32_matches_float64_reference(isa):
    x = np.concatenate([np.linspace(-120, 120, 10_001, dtype=np.float32), SPECIAL])
    got = torch.sigmoid(torch.from_numpy(x)).numpy()
    with np.errstate(over="ignore"):
        want = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.uint8])
def test_binary_loops_match_numpy(isa, op, dtype):
    rng = np.random.default_rng(5)
    a = rng.integers(1, 100, 1037).astype(dtype)
    b = rng.integers(1, 100, 1037).astype(dtype)
    got = getattr(torch, op)(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    want = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}[op](a, b)
    if op == "div" and np.dtype(dtype).kind in "iu":
        want = want.astype(np.float32)
    np.testing.assert_allclose(got, want.astype(got.dtype) if op != "div" else want, rtol=1e-6)
    # scalar on either side, and a broadcast (stride 0) operand
    np.testing.assert_allclose((torch.from_numpy(a) * 3).numpy(), a * dtype(3))
    np.testing.assert_allclose((torch.from_numpy(a)[:, None] + torch.from_numpy(b[:5])).numpy(),
                               (a[:, None] + b[:5]).astype(a.dtype))


@pytest.mark.parametrize("shape", [(64, 64), (130, 67), (257, 1000), (1000, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_transposed_operands_tiled_path(shape, dtype):
    # out is contiguous, a.T walks memory across rows: the loop runs over cache-sized tiles
    rng = np.random.default_rng(7)
    a = (rng.standard_normal(shape[::-1]) * 10).astype(dtype)
    b = (rng.standard_normal(shape) * 10).astype(dtype)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    np.testing.assert_array_equal((ta.T + tb).numpy(), a.T + b)
    np.testing.assert_array_equal((tb * ta.T).numpy(), b * a.T)
    np.testing.assert_array_equal((ta.T - 1).numpy(), a.T - dtype(1))
    out = torch.empty(*shape, dtype=tb.dtype)
    torch.add(ta.T, tb, out=out)
    np.testing.assert_array_equal(out.numpy(), a.T + b)


@pytest.mark.parametrize("shape", [(64, 64), (67, 131), (300, 257), (1000, 65)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int32, np.float64, np.int64])
def test_transposed_tiles_each_isa(isa, shape, dtype):
    # Each ISA's tile transposition (8 x 8 register blocks for 4-byte elements, 4 x 4 for
    # 8-byte ones, one element at a time on the ragged edges and for 1-byte ones)
    # feeds the tiled binary loop and the transposing copy (contiguous(), clone(), copy_()).
    rng = np.random.default_rng(sum(shape))
    a = rng.integers(0, 100, shape[::-1]).astype(dtype)
    b = rng.integers(0, 100, shape).astype(dtype)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    np.testing.assert_array_equal((ta.T + tb).numpy(), a.T + b)
    np.testing.assert_array_equal(ta.T.contiguous().numpy(), np.ascontiguousarray(a.T))
    np.testing.assert_array_equal(ta.T.clone().numpy(), a.T)
    out = torch.zeros(*shape, dtype=tb.dtype)
    out.copy_(ta.T)
    np.testing.assert_array_equal(out.numpy(), a.T)
    # the written tensor transposed (output strided, source contiguous) and a strided source
    out_t = torch.zeros(*shape[::-1], dtype=tb.dtype).T
    out_t.copy_(tb)
    np.testing.assert_array_equal(out_t.numpy(), b)
    wide = torch.from_numpy(np.ascontiguousarray(np.repeat(a, 2, axis=1)))
    np.testing.assert_array_equal(wide[:, ::2].T.contiguous().numpy(), a.T)


@pytest.mark.parametrize("n", [0, 1, 65, 1000, 10_000, 300_001])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vector_sums_match_float64_reference(isa, n, dtype):
    x = np.random.default_rng(n).standard_normal(n).astype(dtype)
    got = torch.from_numpy(x).sum().item()
    want = x.astype(np.float64).sum()
    tol = (2e-6 if dtype == np.float32 else 1e-13) * max(1.0, np.abs(x).sum())
    assert abs(got - want) <= tol
    # rows of a matrix (the innermost dim reduced) take the same loops
    if n >= 1000:
        m = x[: (n // 10) * 10].reshape(10, -1)
        np.testing.assert_allclose(torch.from_numpy(m).sum(1).numpy(), m.astype(np.float64).sum(1),
                                   rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-3)
    ones = torch.ones(10_000_000, dtype=torch.float32)
    assert ones.mean().item() == 1.0


@pytest.mark.parametrize("cols", [1, 3, 15, 16, 17, 100, 1023, 1025, 2000, 40_000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_sums_equal_each_rows_own_sum(isa, cols, dtype):
    # sum(dim=-1) runs the ISA's row loop (masked loads of a ragged last vector, lanes summed by
    # halving in registers); each row must give the bits of that row summed alone, on 1 and 2
    # threads, whatever the row stride
    rows = max(2, 300_000 // cols)
    x = np.random.default_rng(cols).standard_normal((rows, cols + 3)).astype(dtype)
    t = torch.from_numpy(x)[:, 1:cols + 1]  # rows start at every alignment
    alone = np.array([t[r].contiguous().sum().item() for r in range(0, rows, max(1, rows // 50))], dtype=dtype)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        try:
            got = t.sum(1).numpy()
        finally:
            torch.set_num_threads(2)
        np.testing.assert_array_equal(got[::max(1, rows // 50)], alone)
        np.testing.assert_allclose(got, x[:, 1:cols + 1].astype(np.float64).sum(1),
                                   rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-4)


@pytest.mark.parametrize("offset", [0, 1, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_streaming_stores_for_big_outputs(isa, offset, dtype):
    # outputs of several MB are written with non-temporal stores; a misaligned
    # start (offset) and a ragged end must still give every element
    n = 3_000_017
    rng = np.random.default_rng(offset)
    a = rng.integers(-50, 50, n).astype(dtype)
    b = rng.integers(-50, 50, n).astype(dtype)
    np.testing.assert_array_equal((torch.from_numpy(a) + torch.from_numpy(b)).numpy(), a + b)
    base = torch.zeros(n + offset, dtype=torch.from_numpy(a).dtype)
    out = base[offset:]
    torch.mul(torch.from_numpy(a), torch.from_numpy(b), out=out)
    np.testing.assert_array_equal(out.numpy(), a * b)
    assert (base[:offset] == 0).all().item()


@pytest.mark.parametrize("n", [1, 15, 16, 17, 1000, 200_003])  # vector tails and the 2-thread path
def test_16_bit_float_conversions_each_isa(isa, n):
    # every ISA's float32 <-> float16/bfloat16 loops give the bits of numpy's float16 conversion (correctly
    # rounded) and of bfloat16 as float32's rounded upper half, both ways; NaNs stay NaN
    rng = np.random.default_rng(n)
    bits = rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([bits.view(np.float32)[: n // 2], (rng.standard_normal(n - n // 2) * 1e3).astype(np.float32)])
    h = torch.from_numpy(x).half()
    want = x.astype(np.float16)
    nan = np.isnan(x)
    np.testing.assert_array_equal(h.numpy().view(np.uint16)[~nan], want.view(np.uint16)[~nan])
    assert np.isnan(h.numpy()[nan]).all()
    np.testing.assert_array_equal(h.float().numpy(), h.numpy().astype(np.float32))
    b = torch.from_numpy(x).bfloat16()
    u = x.view(np.uint32).astype(np.uint64)
    want_b = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    np.testing.assert_array_equal(b.view(torch.int16).numpy().view(np.uint16)[~nan], want_b[~nan])
    np.testing.assert_array_equal(b.float().numpy().view(np.uint32), b.view(torch.int16).numpy().view(np.uint16).astype(np.uint32) << 16)


# The one-input math functions that run a vector at a time (glibc's libmvec where the build
# has it, one value at a time through libm otherwise): (name, reference, domain).
_VECTOR_MATH = [
    ("sin", np.sin, (-40, 40)), ("cos", np.cos, (-40, 40)), ("tan", np.tan, (-1.5, 1.5)),
    ("log", np.log, (1e-6, 1e6)), ("log2", np.log2, (1e-6, 1e6)), ("log10", np.log10, (1e-6, 1e6)),
    ("log1p", np.log1p, (-0.999, 1e4)), ("exp2", np.exp2, (-100, 100)), ("expm1", np.expm1, (-20, 20)),
    ("sinh", np.sinh, (-20, 20)), ("cosh", np.cosh, (-20, 20)), ("asin", np.arcsin, (-1, 1)),
    ("acos", np.arccos, (-1, 1)), ("atan", np.arctan, (-1e3, 1e3)), ("asinh", np.arcsinh, (-1e3, 1e3)),
    ("acosh", np.arccosh, (1, 1e3)), ("atanh", np.arctanh, (-0.999, 0.999)),
    ("exp", np.exp, (-80, 80)), ("tanh", np.tanh, (-20, 20)),
    ("erf", np.vectorize(__import__("math").erf), (-5, 5)), ("erfc", np.vectorize(__import__("math").erfc), (-5, 9)),
]
_MATH_SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 1e-30, 700.0, -700.0])


@pytest.mark.parametrize("name", [m[0] for m in _VECTOR_MATH])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vector_math_each_isa_matches_float64_reference(isa, name, dtype):
    # values across the domain, special values (NaN, infinities, signed zeros, outside the
    # domain), contiguous with ragged tails, strided and on two threads: within a few units in
    # the last place of the correctly rounded result
    _, ref, (lo, hi) = next(m for m in _VECTOR_MATH if m[0] == name)
    rng = np.random.default_rng(len(name))
    x = np.concatenate([rng.uniform(lo, hi, 70_001), _MATH_SPECIAL]).astype(dtype)
    with np.errstate(all="ignore"):
        want = ref(x.astype(np.float64)).astype(dtype)
    ulp = np.spacing(np.abs(want).astype(dtype)).astype(np.float64)
    tiny = np.finfo(dtype).tiny
    for got in (getattr(torch, name)(torch.from_numpy(x)).numpy(),
                getattr(torch, name)(torch.from_numpy(np.repeat(x, 2))[::2]).numpy(),  # strided
                getattr(torch, name)(torch.from_numpy(x[:13])).numpy()):  # shorter than two vectors
        w, u = want[: got.size], ulp[: got.size]
        assert np.array_equal(np.isnan(got), np.isnan(w)), name
        both = ~np.isnan(w)
        assert np.array_equal(np.isinf(got[both]), np.isinf(w[both])), name
        fin = both & np.isfinite(w)
        err = np.abs(got[fin].astype(np.float64) - w[fin].astype(np.float64))
        assert (err <= 4 * u[fin] + tiny).all(), (name, x[: got.size][fin][err > 4 * u[fin] + tiny][:5])


def _cpu_has_avx2():
    """Whether the CPU (not this build's tables: the generic build has none) runs AVX2, as OpenBLAS's Haswell
    kernels need."""
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and "avx2" in line.split() for line in f)
    except OSError:
        return False


X86_AVX2 = platform.machine().lower() in ("x86_64", "amd64") and _cpu_has_avx2()


def _fresh_python(code, **env):
    """What a fresh interpreter prints for code, split on whitespace, with OPENBLAS_CORETYPE and SMALLTORCH_SGEMM
    as given here (unset unless given)."""
    base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "SMALLTORCH_SGEMM")}
    return subprocess.run([sys.executable, "-c", code], env=dict(base, **env), capture_output=True, text=True,
                          check=True).stdout.split()


@pytest.mark.skipif(not X86_AVX2, reason="OpenBLAS's x86 kernel names; its Haswell kernels need AVX2")
def test_blas_core_names_openblas_kernels():
    """_C._blas_core() names the kernel set OpenBLAS took: the one OPENBLAS_CORETYPE names when it is set."""
    code = "import smalltorch; print(smalltorch._C._blas_core())"
    assert _fresh_python(code) not in ([], ["unknown"])
    assert _fresh_python(code, OPENBLAS_CORETYPE="Haswell") == ["Haswell"]


@pytest.mark.skipif(not X86_AVX2, reason="OpenBLAS's x86 kernel names; its Haswell kernels need AVX2")
def test_own_sgemm_serves_where_openblas_vectors_are_narrower():
    """Our float32 tile (AVX-512 and AVX2 tables) takes one-off products only while OpenBLAS runs narrower
    vectors than the tile's (AVX-512 tile against OpenBLAS's Haswell kernels, either tile against its SSE
    Nehalem kernels), serves products with a reused (packed once) right-hand side whatever OpenBLAS runs,
    never takes small or narrow products, and SMALLTORCH_SGEMM=openblas turns it off."""
    code = ("import smalltorch as t; c = t._C\n"
            "print(c._isa(), c._own_sgemm(256, 256, 256, False), c._own_sgemm(256, 256, 256, True),"
            " c._own_sgemm(256, 10, 256, True), c._own_sgemm(8, 8, 8, True), c._own_sgemm(2**40, 2**40, 2**40, True))")

    def run(**env):
        out = _fresh_python(code, **env)
        return [out[0]] + [v == "True" for v in out[1:]]

    isa, one_off, reused, narrow, small, huge = run(OPENBLAS_CORETYPE="Haswell")
    has_tile = isa in ("avx512", "avx2")
    assert (one_off, reused, narrow, small) == (isa == "avx512", has_tile, False, False)
    assert huge == has_tile  # 2**120 multiply-adds: large, not an overflowed int64 that reads as small
    assert run(OPENBLAS_CORETYPE="Nehalem")[1:3] == [has_tile, has_tile]
    if isa == "avx512":  # OpenBLAS's AVX-512 kernels take one-off products; reused right-hand sides stay ours
        assert run(OPENBLAS_CORETYPE="SkylakeX")[1:3] == [False, True]
    assert run(OPENBLAS_CORETYPE="Haswell", SMALLTORCH_SGEMM="openblas")[1:] == [False] * 5
