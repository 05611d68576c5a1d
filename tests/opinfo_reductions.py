"""Op table entries: the reduction family (prod, max/min, amax/amin, argmax/argmin,
var/std, norm, logsumexp, all/any, cumsum/cumprod, softmax/log_softmax)."""

import numpy as np

from opinfo import ALL, FLOATS, NUMERIC, OpInfo, Sample, rand_array

# (shape, kwargs) pairs: whole-tensor, one dim, negative dim, keepdim, 0-d and empty.
ALL_ELEMS = [((5,), {}), ((3, 4), {}), ((2, 3, 4), {}), ((), {}), ((0, 3), {})]
ONE_DIM = [((5,), {"dim": 0}), ((3, 4), {"dim": 1}), ((3, 4), {"dim": 0, "keepdim": True}),
           ((2, 3, 4), {"dim": -2}), ((2, 3, 4), {"dim": 2, "keepdim": True}), ((), {"dim": 0}),
           ((0, 3), {"dim": 1})]
TUPLE_DIMS = [((2, 3, 4), {"dim": (0, 2)}), ((2, 3, 4), {"dim": (-1, 0), "keepdim": True}),
              ((3, 4), {"dim": (0, 1)})]
NONEMPTY = [s for s in ALL_ELEMS + ONE_DIM if 0 not in s[0]]


def samples(specs, low=-3.0, high=3.0):
    def gen(dtype, rng):
        return [Sample((np.asarray(rand_array(rng, shape, dtype, low, high)),), dict(kw)) for shape, kw in specs]
    return gen


def _axis(kw):
    d = kw.get("dim")
    return tuple(d) if isinstance(d, (tuple, list)) else d


def np_reduce(fn, dtype=None):
    """numpy reference of a reduction called with dim=/keepdim= keywords."""
    def ref(a, dim=None, keepdim=False, **kw):
        axis = tuple(dim) if isinstance(dim, (tuple, list)) else dim
        if a.ndim == 0 and axis is not None:
            axis = None
        r = np.asarray(fn(a if dtype is None else a.astype(dtype), axis=axis, keepdims=keepdim, **kw))
        return r.reshape((1,) * a.ndim) if keepdim and axis is None else r
    return ref


def np_norm(a, p=2, dim=None, keepdim=False):
    p = 2 if p == "fro" else p
    a = a.astype(np.float64)
    axis = tuple(dim) if isinstance(dim, (tuple, list)) else dim
    x = np.abs(a)
    if p == np.inf:
        return np.max(x, axis=axis, keepdims=keepdim)
    if p == -np.inf:
        return np.min(x, axis=axis, keepdims=keepdim)
    if p == 0:
        return np.sum(x != 0, axis=axis, keepdims=keepdim).astype(np.float64)
    return np.sum(x ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)


def np_logsumexp(a, dim, keepdim=False):
    a = a.astype(np.float64)
    axis = tuple(dim) if isinstance(dim, (tuple, list)) else dim
    if a.ndim == 0:
        axis = None
    m = np.max(a, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdim else np.squeeze(r, axis=axis)


def np_scan(fn):
    def ref(a, dim, dtype=None):
        if a.dtype == np.bool_ or a.dtype.kind in "iu":
            a = a.astype(np.int64)
        return fn(a.reshape(a.shape or (1,)), axis=dim).reshape(a.shape)
    return ref


def np_softmax(a, dim, log=False):
    a = a.astype(np.float64)
    ax = dim if a.ndim else None
    m = np.max(a, axis=ax, keepdims=True) if a.size else 0
    e = np.exp(a - m)
    s = np.sum(e, axis=ax, keepdims=True)
    return (a - m - np.log(s)) if log else e / s


def np_var(a, dim=None, correction=1, keepdim=False, std=False):
    axis = tuple(dim) if isinstance(dim, (tuple, list)) else dim
    if a.ndim == 0:
        axis = None
    r = np.var(a.astype(np.float64), axis=axis, ddof=correction, keepdims=keepdim)
    return np.sqrt(r) if std else r


VAR_SPECS = [((5,), {}), ((3, 4), {"dim": 1}), ((3, 4), {"dim": 0, "keepdim": True}),
             ((2, 3, 4), {"dim": (0, 2)}), ((2, 3, 4), {"dim": -1, "correction": 0}), ((3, 4), {"correction": 2})]
NORM_SPECS = [((3, 4), {}), ((3, 4), {"p": 1}), ((3, 4), {"p": 2, "dim": 1}), ((2, 3, 4), {"p": 3, "dim": (0, 2)}),
              ((2, 3, 4), {"p": np.inf, "dim": -1}), ((3, 4), {"p": -np.inf, "dim": 0, "keepdim": True}),
              ((3, 4), {"p": "fro", "dim": (0, 1)}), ((5,), {"p": 1.5}), ((), {})]
LSE_SPECS = [((5,), {"dim": 0}), ((3, 4), {"dim": 1}), ((2, 3, 4), {"dim": (0, 2), "keepdim": True}),
             ((2, 3, 4), {"dim": -1}), ((), {"dim": 0}), ((0, 3), {"dim": 1})]
SCAN_SPECS = [((5,), {"dim": 0}), ((3, 4), {"dim": 1}), ((3, 4), {"dim": 0}), ((2, 3, 4), {"dim": -2}),
              ((), {"dim": 0}), ((0, 3), {"dim": 1})]
SOFTMAX_SPECS = [((5,), {"dim": 0}), ((3, 4), {"dim": 1}), ((3, 4), {"dim": 0}), ((2, 3, 4), {"dim": -2}),
                 ((), {"dim": 0}), ((0, 3), {"dim": 1})]


def _values(name):
    return lambda T, a, **k: getattr(T, name)(a, **k).values


def _indices(name):
    return lambda T, a, **k: getattr(T, name)(a, **k).indices


def _np_arg(fn):
    def ref(a, dim=None, keepdim=False):
        if a.ndim == 0:
            return np.zeros((), np.int64)
        return fn(a, axis=dim, keepdims=keepdim)
    return ref


OPS = [
    OpInfo("prod", lambda T, a, **k: T.prod(a, **k), np_reduce(np.prod), samples(ALL_ELEMS, -1.5, 1.5), dtypes=ALL,
           grad_fn="ProdBackward0", gradgrad=True),
    OpInfo("prod_dim", lambda T, a, **k: a.prod(**k), np_reduce(np.prod), samples(ONE_DIM, -1.5, 1.5), dtypes=ALL,
           grad_fn="ProdBackward1", gradgrad=True),
    OpInfo("max", lambda T, a: T.max(a), np.max, samples(NONEMPTY[:4]), dtypes=ALL, grad_fn="MaxBackward1"),
    OpInfo("min", lambda T, a: a.min(), np.min, samples(NONEMPTY[:4]), dtypes=ALL, grad_fn="MinBackward1"),
    OpInfo("max_dim", _values("max"), np_reduce(np.max), samples(ONE_DIM), dtypes=ALL, grad_fn="MaxBackward0"),
    OpInfo("min_dim", _values("min"), np_reduce(np.min), samples(ONE_DIM), dtypes=ALL, grad_fn="MinBackward0"),
    OpInfo("max_dim_indices", _indices("max"), _np_arg(np.argmax), samples(ONE_DIM), dtypes=NUMERIC, grad=False),
    OpInfo("min_dim_indices", _indices("min"), _np_arg(np.argmin), samples(ONE_DIM), dtypes=NUMERIC, grad=False),
    OpInfo("amax", lambda T, a, **k: T.amax(a, **k), np_reduce(np.max), samples(NONEMPTY + TUPLE_DIMS), dtypes=ALL,
           grad_fn="AmaxBackward0"),
    OpInfo("amin", lambda T, a, **k: a.amin(**k), np_reduce(np.min), samples(NONEMPTY + TUPLE_DIMS), dtypes=ALL,
           grad_fn="AminBackward0"),
    OpInfo("argmax", lambda T, a, **k: T.argmax(a, **k), _np_arg(np.argmax), samples(NONEMPTY), dtypes=NUMERIC,
           grad=False),
    OpInfo("argmin", lambda T, a, **k: a.argmin(**k), _np_arg(np.argmin), samples(NONEMPTY), dtypes=NUMERIC,
           grad=False),
    OpInfo("var", lambda T, a, **k: T.var(a, **k), np_var, samples(VAR_SPECS), grad_fn="VarBackward0",
           gradgrad=True),
    OpInfo("std", lambda T, a, **k: a.std(**k), lambda a, **k: np_var(a, std=True, **k), samples(VAR_SPECS),
           grad_fn="StdBackward0", gradgrad=True),
    OpInfo("norm", lambda T, a, **k: T.norm(a, **k), np_norm, samples(NORM_SPECS, 0.5, 3.0),
           grad_fn="LinalgVectorNormBackward0"),
    OpInfo("norm_signed", lambda T, a, **k: a.norm(**k), np_norm, samples(NORM_SPECS[:-1]),
           grad_fn="LinalgVectorNormBackward0"),
    OpInfo("logsumexp", lambda T, a, **k: T.logsumexp(a, **k), np_logsumexp, samples(LSE_SPECS),
           dtypes=NUMERIC, grad_fn="LogsumexpBackward0", gradgrad=True),
    OpInfo("all", lambda T, a, **k: T.all(a, **k), np_reduce(np.all), samples(ALL_ELEMS + ONE_DIM + TUPLE_DIMS),
           dtypes=ALL, grad=False),
    OpInfo("any", lambda T, a, **k: a.any(**k), np_reduce(np.any), samples(ALL_ELEMS + ONE_DIM + TUPLE_DIMS),
           dtypes=ALL, grad=False),
    OpInfo("cumsum", lambda T, a, **k: T.cumsum(a, **k), np_scan(np.cumsum), samples(SCAN_SPECS), dtypes=ALL,
           grad_fn="CumsumBackward0", gradgrad=True),
    OpInfo("cumprod", lambda T, a, **k: a.cumprod(**k), np_scan(np.cumprod), samples(SCAN_SPECS, -1.5, 1.5),
           dtypes=ALL, grad_fn="CumprodBackward0"),
    OpInfo("softmax", lambda T, a, **k: T.softmax(a, **k), np_softmax, samples(SOFTMAX_SPECS),
           grad_fn="SoftmaxBackward0", gradgrad=True),
    OpInfo("log_softmax", lambda T, a, **k: a.log_softmax(**k), lambda a, **k: np_softmax(a, log=True, **k),
           samples(SOFTMAX_SPECS), grad_fn="LogSoftmaxBackward0", gradgrad=True),
]
