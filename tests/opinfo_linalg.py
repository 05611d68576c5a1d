"""Op table entries: linear algebra (matmul and friends, addmm, vector norms)."""

import numpy as np

from opinfo import FLOATS, NUMERIC, OpInfo, Sample, rand_array

# float32 sums of k products need a looser tolerance than elementwise ops;
# test_linalg.py checks float64 against numpy at 1e-12.
TOL = dict(rtol=1e-4, atol=1e-4)

# One shape pair per path through matmul (dot, mv, 1-d @ 2-d, mm, folded, batched, broadcast, empty).
MATMUL_PAIRS = {
    "dot": ((4,), (4,)),
    "mv": ((2, 3), (3,)),
    "vm": ((3,), (3, 4)),
    "mm": ((2, 3), (3, 4)),
    "3d_2d": ((5, 2, 3), (3, 4)),
    "2d_3d": ((2, 3), (5, 3, 4)),
    "3d_1d": ((5, 2, 3), (3,)),
    "1d_3d": ((3,), (5, 3, 4)),
    "bmm": ((5, 2, 3), (5, 3, 4)),
    "broadcast": ((2, 1, 2, 3), (3, 3, 2)),
    "broadcast_4d": ((2, 1, 2, 3), (1, 3, 3, 2)),
    "empty": ((0, 3), (3, 4)),
    "empty_k": ((2, 0), (0, 3)),
    "empty_batch": ((0, 2, 3), (3, 4)),
}


def pair_samples(pairs):
    def gen(dtype, rng):
        return [Sample((rand_array(rng, a, dtype), rand_array(rng, b, dtype))) for a, b in pairs]
    return gen


def addmm_samples(dtype, rng):
    r = lambda *s: rand_array(rng, s, dtype)  # noqa: E731
    return [Sample((r(2, 4), r(2, 3), r(3, 4))), Sample((r(4), r(2, 3), r(3, 4))), Sample((r(2, 1), r(2, 3), r(3, 4))),
            Sample((r(), r(2, 3), r(3, 4))), Sample((r(2, 4), r(2, 3), r(3, 4)), dict(beta=2, alpha=3)),
            Sample((r(2, 4), r(2, 3), r(3, 4)), dict(beta=0.5, alpha=-1.5) if dtype.kind == "f" else dict(alpha=2)),
            Sample((r(0, 4), r(0, 3), r(3, 4))), Sample((r(2, 4), r(2, 0), r(0, 4)), dict(beta=2))]


def addmm_ref(inp, m1, m2, beta=1, alpha=1):
    return (beta * inp + alpha * (m1 @ m2)).astype(m1.dtype)


def norm_ref(x, ord=2, dim=None, keepdim=False):
    a = np.abs(x.astype(np.float64))
    axis = dim if dim is None or isinstance(dim, int) else tuple(dim)
    if ord == np.inf:
        r = a.max(axis=axis, keepdims=keepdim)
    elif ord == -np.inf:
        r = a.min(axis=axis, keepdims=keepdim)
    elif ord == 0:
        r = (a != 0).sum(axis=axis, keepdims=keepdim)
    else:
        r = (a ** ord).sum(axis=axis, keepdims=keepdim) ** (1.0 / ord)
    return np.asarray(r).astype(x.dtype)


def norm_samples(ord, empty_ok=True):
    def gen(dtype, rng):
        r = lambda *s: rand_array(rng, s, dtype)  # noqa: E731
        kw = dict(ord=ord)
        out = [Sample((r(3, 4),), kw), Sample((r(5),), kw), Sample((r(2, 3, 4),), dict(kw, dim=1)),
               Sample((r(2, 3, 4),), dict(kw, dim=(0, 2))), Sample((r(2, 3, 4),), dict(kw, dim=-1, keepdim=True)),
               Sample((r(2, 3, 4),), dict(kw, dim=(0, 1), keepdim=True)), Sample((r(),), kw),
               Sample((r(0, 3),), dict(kw, dim=1))]
        if empty_ok:
            out.append(Sample((r(0, 3),), kw))
        return out
    return gen


def vector_norm(T, x, **kw):
    return T.linalg.vector_norm(x, **kw)


OPS = [
    OpInfo("matmul", lambda T, a, b: a @ b, np.matmul, pair_samples(MATMUL_PAIRS.values()), dtypes=NUMERIC,
           gradgrad=True, **TOL),
] + [
    # one entry per path, so the grad_fn name of each is compared with torch's
    OpInfo(f"matmul_{name}", lambda T, a, b: T.matmul(a, b), np.matmul, pair_samples([pair]), **TOL)
    for name, pair in MATMUL_PAIRS.items() if name != "dot"
] + [
    OpInfo("mm", lambda T, a, b: T.mm(a, b), np.matmul,
           pair_samples([((2, 3), (3, 4)), ((1, 5), (5, 1)), ((4, 1), (1, 3)), ((0, 3), (3, 2)), ((2, 0), (0, 3))]),
           dtypes=NUMERIC, grad_fn="MmBackward0", gradgrad=True, **TOL),
    OpInfo("bmm", lambda T, a, b: T.bmm(a, b), np.matmul,
           pair_samples([((3, 2, 4), (3, 4, 5)), ((1, 1, 3), (1, 3, 1)), ((0, 2, 3), (0, 3, 4)), ((2, 2, 0), (2, 0, 3))]),
           dtypes=NUMERIC, grad_fn="BmmBackward0", gradgrad=True, **TOL),
    OpInfo("mv", lambda T, a, b: T.mv(a, b), np.matmul,
           pair_samples([((2, 3), (3,)), ((1, 4), (4,)), ((0, 3), (3,)), ((3, 0), (0,))]), dtypes=NUMERIC,
           grad_fn="MvBackward0", gradgrad=True, **TOL),
    OpInfo("dot", lambda T, a, b: T.dot(a, b), np.dot, pair_samples([((5,), (5,)), ((1,), (1,)), ((0,), (0,))]),
           dtypes=NUMERIC, grad_fn="DotBackward0", gradgrad=True, **TOL),
    OpInfo("outer", lambda T, a, b: T.outer(a, b), np.outer, pair_samples([((3,), (4,)), ((0,), (2,)), ((1,), (1,))]),
           dtypes=NUMERIC, grad_fn="MulBackward0", gradgrad=True, **TOL),
    OpInfo("addmm", lambda T, i, a, b, **kw: T.addmm(i, a, b, **kw), addmm_ref, addmm_samples, dtypes=NUMERIC,
           grad_fn="AddmmBackward0", gradgrad=True, inplace=lambda T, i, a, b, **kw: i.addmm_(a, b, **kw), **TOL),
    OpInfo("addmm_method", lambda T, i, a, b, **kw: i.addmm(a, b, **kw), addmm_ref, addmm_samples,
           grad_fn="AddmmBackward0", **TOL),
    OpInfo("vector_norm", vector_norm, norm_ref, norm_samples(2), grad_fn="LinalgVectorNormBackward0", gradgrad=True,
           **TOL),
    OpInfo("vector_norm_1", vector_norm, norm_ref, norm_samples(1), grad_fn="LinalgVectorNormBackward0", **TOL),
    OpInfo("vector_norm_3", vector_norm, norm_ref, norm_samples(3), grad_fn="LinalgVectorNormBackward0",
           gradgrad=True, **TOL),
    OpInfo("vector_norm_half", vector_norm, norm_ref, norm_samples(0.5), grad_fn="LinalgVectorNormBackward0", **TOL),
    OpInfo("vector_norm_inf", vector_norm, norm_ref, norm_samples(float("inf"), empty_ok=False),
           grad_fn="LinalgVectorNormBackward0", **TOL),
    OpInfo("vector_norm_neg_inf", vector_norm, norm_ref, norm_samples(float("-inf"), empty_ok=False),
           grad_fn="LinalgVectorNormBackward0", **TOL),
    OpInfo("vector_norm_0", vector_norm, norm_ref, norm_samples(0), grad_fn="LinalgVectorNormBackward0", **TOL),
    OpInfo("vector_norm_neg_1", vector_norm, norm_ref, norm_samples(-1, empty_ok=False),
           grad_fn="LinalgVectorNormBackward0", **TOL),
    OpInfo("matrix_norm_fro", lambda T, a, **kw: T.linalg.matrix_norm(a, **kw), lambda a, **kw: norm_ref(a, dim=(-2, -1), **kw),
           lambda dt, rng: [Sample((rand_array(rng, s, dt),)) for s in ((3, 4), (2, 3, 4), (0, 3))],
           grad_fn="LinalgVectorNormBackward0", **TOL),
]
