"""Op table entries: shape and data-movement ops (cat, split, flip, gather, scatter, sort, ...).

Index arguments travel wrapped in ``Ix`` (the driver turns every bare array
argument into a float64 tensor for gradcheck) and become int64 tensors inside the op.
"""

import numpy as np

from opinfo import ALL, FLOATS, NUMERIC, OpInfo, Sample
from opinfo import rand_array as _rand_array


def rand_array(rng, shape, dtype):
    return np.asarray(_rand_array(rng, shape, dtype))  # 0-d samples stay arrays


class Ix:
    """An int64 index argument (the driver passes it through untouched)."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=np.int64)

    def __repr__(self):
        return f"Ix({self.a.tolist()})"


def _idx(T, i):
    return T.from_numpy(i.a.copy()) if isinstance(i, Ix) else T.tensor(i, dtype=T.int64)


def _np_idx(i):
    return i.a if isinstance(i, Ix) else np.asarray(i, dtype=np.int64)


def _arr(shapes, extra=None):
    """Samples of one array per shape, each with the keyword arguments in `extra` (a list per shape)."""
    def gen(dtype, rng):
        out = []
        for k, s in enumerate(shapes):
            for kw in (extra[k] if extra else [{}]):
                out.append(Sample((rand_array(rng, s, dtype),), dict(kw)))
        return out
    return gen


def _distinct(rng, shape, dtype):
    """Values without ties (so sort/topk indices are unique), in the given dtype."""
    n = int(np.prod(shape)) if shape else 1
    if np.dtype(dtype) == np.bool_:
        return np.asarray(rng.random(shape) > 0.5)
    if np.dtype(dtype) == np.uint8:
        vals = rng.permutation(min(n, 250))[:n] if n <= 250 else rng.integers(0, 250, n)
        return vals.reshape(shape).astype(dtype)
    vals = rng.permutation(n) - n // 2
    vals = vals.astype(np.float64) + (rng.uniform(0.1, 0.4, n) if np.dtype(dtype).kind == "f" else 0)
    return np.asarray(vals.reshape(shape).astype(dtype))


# ---------------------------------------------------------------- joining and splitting

def _cat_samples(dtype, rng):
    r = lambda s: rand_array(rng, s, dtype)  # noqa: E731
    return [Sample((r((2, 3)), r((4, 3)), r((1, 3))), {"dim": 0}),
            Sample((r((2, 3)), r((2, 1)), r((2, 0))), {"dim": 1}),
            Sample((r((2, 3, 2)), r((2, 3, 1)), r((2, 3, 3))), {"dim": -1}),
            Sample((r((5,)), r((0,)), r((2,))), {"dim": 0})]


def _stack_samples(dtype, rng):
    r = lambda s: rand_array(rng, s, dtype)  # noqa: E731
    return [Sample((r((2, 3)), r((2, 3)), r((2, 3))), {"dim": d}) for d in (0, 1, 2, -1)] + \
        [Sample((r(()), r(()), r(())), {"dim": 0}), Sample((r((0, 2)), r((0, 2)), r((0, 2))), {"dim": 1})]


def _split_ref(a, size, dim=0):
    n = a.shape[dim]
    if isinstance(size, int):
        cuts = list(range(size, n, size))
    else:
        cuts = list(np.cumsum(size)[:-1])
    return tuple(np.split(a, cuts, axis=dim))


def _chunk_ref(a, chunks, dim=0):
    n = a.shape[dim]
    return _split_ref(a, -(-n // chunks), dim)


_SPLIT = _arr([(5, 4), (3, 6), (7,)], [[{"s": 2, "dim": 0}, {"s": 5}], [{"s": 4, "dim": 1}, {"s": 1}],
                                         [{"s": 3, "dim": 0}]])
_SPLIT_SIZES = _arr([(5, 4), (3, 6), (4,)], [[{"s": [1, 4], "dim": 0}, {"s": [2, 0, 2], "dim": 1}],
                                               [{"s": [3], "dim": 0}, {"s": [1, 2, 3], "dim": -1}],
                                               [{"s": [0, 4]}]])
_CHUNK = _arr([(5, 4), (6, 3), (2,)], [[{"c": 2}, {"c": 3, "dim": 1}], [{"c": 3}, {"c": 4}], [{"c": 3}]])
_UNBIND = _arr([(3, 4), (2, 3, 2), (4,)], [[{"dim": 0}, {"dim": 1}], [{"dim": -1}], [{"dim": 0}]])

# ---------------------------------------------------------------- flip, roll, repeat, movedim

_FLIP = _arr([(3, 4), (2, 3, 4), (5,), (), (0, 3)],
             [[{"dims": (0,)}, {"dims": (0, 1)}], [{"dims": (2, 0)}, {"dims": (-2,)}], [{"dims": (0,)}],
              [{"dims": ()}], [{"dims": (1,)}]])
_ROLL = _arr([(3, 4), (2, 3, 4), (5,), (0, 3)],
             [[{"shifts": 1}, {"shifts": (1, -2), "dims": (0, 1)}, {"shifts": 5, "dims": 1}],
              [{"shifts": (2, 7), "dims": (2, 0)}], [{"shifts": -3, "dims": 0}], [{"shifts": 1, "dims": 1}]])
_REPEAT = _arr([(2, 3), (3,), (), (0, 2)],
               [[{"r": (2, 1)}, {"r": (1, 3, 2)}], [{"r": (2,)}, {"r": (2, 0)}], [{"r": (3,)}, {"r": (2, 1)}],
                [{"r": (2, 2)}]])
_RINTER = _arr([(2, 3), (4,), ()],
               [[{"r": 2}, {"r": 3, "dim": 1}, {"r": 0, "dim": 0}], [{"r": 2, "dim": 0}], [{"r": 3}]])
_RINTER_T = _arr([(3, 2), (4,)], [[{"r": [1, 0, 3], "dim": 0}, {"r": [2, 1], "dim": 1}, {"r": [2], "dim": 0}],
                                   [{"r": [0, 1, 2, 3]}]])
_MOVEDIM = _arr([(2, 3, 4), (3, 4), ()],
                [[{"s": 0, "d": 2}, {"s": (0, 1), "d": (2, 0)}, {"s": -1, "d": 0}], [{"s": 1, "d": 0}],
                 [{"s": (), "d": ()}]])

# ---------------------------------------------------------------- diagonals and triangles

_DIAGONAL = _arr([(3, 4), (4, 3), (2, 3, 4), (0, 3)],
                 [[{}, {"offset": 1}, {"offset": -2}, {"offset": 5}], [{"dim1": 1, "dim2": 0}],
                  [{"offset": 1, "dim1": 0, "dim2": 2}, {"dim1": -1, "dim2": -2}], [{}]])
_DIAG = _arr([(4,), (3, 4), (4, 3), (0,)], [[{}, {"diagonal": 2}, {"diagonal": -1}], [{}, {"diagonal": 1}],
                                             [{"diagonal": -2}], [{}]])
_TRI = _arr([(4, 4), (3, 5), (2, 3, 4), (0, 3)],
            [[{}, {"diagonal": 1}, {"diagonal": -2}], [{"diagonal": 2}, {"diagonal": -5}], [{"diagonal": 0}], [{}]])

# ---------------------------------------------------------------- index-driven ops


def _index_select_samples(dtype, rng):
    return [Sample((rand_array(rng, (4, 3), dtype),), {"dim": 0, "index": [3, 0, 0, 2]}),
            Sample((rand_array(rng, (4, 3), dtype),), {"dim": 1, "index": [2]}),
            Sample((rand_array(rng, (2, 3, 4), dtype),), {"dim": -1, "index": [1, 3, 1]}),
            Sample((rand_array(rng, (4, 3), dtype),), {"dim": 0, "index": []}),
            Sample((rand_array(rng, (5,), dtype),), {"dim": 0, "index": 4})]


def _nd_index(a_shape, idx_shape, dim, rng, unique=False):
    """An int64 index of idx_shape whose values lie in range(a_shape[dim]); unique along dim if asked."""
    n = a_shape[dim]
    if not unique:
        return Ix(rng.integers(0, n, size=idx_shape))
    moved = np.moveaxis(np.zeros(idx_shape, dtype=np.int64), dim, -1)
    for pos in np.ndindex(moved.shape[:-1]):
        moved[pos] = rng.permutation(n)[:moved.shape[-1]]
    return Ix(np.moveaxis(moved, -1, dim))


def _gather_samples(dtype, rng):
    cases = [((4, 3), (2, 3), 0), ((4, 3), (4, 5), 1), ((3, 4, 2), (2, 3, 2), -2), ((5,), (7,), 0),
             ((3, 4), (0, 4), 0)]
    return [Sample((rand_array(rng, a, dtype),), {"dim": d, "index": _nd_index(a, i, d % len(a), rng)})
            for a, i, d in cases]


def _scatter_samples(dtype, rng, src_bigger=True):
    cases = [((4, 3), (2, 3), (2, 3), 0), ((3, 5), (3, 2), (3, 4), 1), ((3, 4, 2), (2, 4, 2), (3, 4, 2), 0),
             ((5,), (3,), (3,), 0), ((3, 4), (0, 4), (1, 4), 0)]
    out = []
    for a, i, s, d in cases:
        if not src_bigger:
            s = i
        out.append(Sample((rand_array(rng, a, dtype), rand_array(rng, s, dtype)),
                          {"dim": d, "index": _nd_index(a, i, d, rng, unique=True)}))
    return out


def _gather_ref(a, dim, index):
    index = _np_idx(index)
    ii = list(np.indices(index.shape, sparse=True))
    ii[dim] = index
    return a[tuple(ii)]


def _scatter_ref(a, src, dim, index, add=False):
    index = _np_idx(index)
    out = a.copy()
    ii = list(np.indices(index.shape, sparse=True))
    ii[dim] = index
    part = src[tuple(slice(0, k) for k in index.shape)] if np.ndim(src) else src
    if add:
        np.add.at(out, tuple(ii), part)
    else:
        out[tuple(ii)] = part
    return out


def _take_samples(dtype, rng):
    return [Sample((rand_array(rng, (3, 4), dtype),), {"index": [[0, 11], [-1, 5]]}),
            Sample((rand_array(rng, (5,), dtype),), {"index": [4, 4, 0]}),
            Sample((rand_array(rng, (), dtype),), {"index": [0, -1]}),
            Sample((rand_array(rng, (2, 3), dtype),), {"index": []})]

# ---------------------------------------------------------------- sorting


def _sort_samples(dtype, rng):
    return [Sample((_distinct(rng, (3, 5), dtype),), {}),
            Sample((_distinct(rng, (4, 3), dtype),), {"dim": 0, "descending": True}),
            Sample((_distinct(rng, (2, 3, 4), dtype),), {"dim": 1}),
            Sample((_distinct(rng, (6,), dtype),), {"descending": True}),
            Sample((_distinct(rng, (), dtype),), {}),
            Sample((_distinct(rng, (0, 3), dtype),), {"dim": 1})]


def _sort_ref(a, dim=-1, descending=False):
    key = -a.astype(np.float64) if descending else a
    idx = np.argsort(key, axis=dim, kind="stable") if a.ndim else np.zeros((), np.int64)
    vals = np.take_along_axis(a, idx, axis=dim) if a.ndim else a
    return vals, idx.astype(np.int64)


def _topk_samples(dtype, rng):
    return [Sample((_distinct(rng, (3, 5), dtype),), {"k": 2}),
            Sample((_distinct(rng, (4, 3), dtype),), {"k": 3, "dim": 0, "largest": False}),
            Sample((_distinct(rng, (2, 3, 4), dtype),), {"k": 1, "dim": 1}),
            Sample((_distinct(rng, (6,), dtype),), {"k": 0}),
            Sample((_distinct(rng, (), dtype),), {"k": 1})]


def _topk_ref(a, k, dim=-1, largest=True):
    vals, idx = _sort_ref(a, dim, largest)
    if a.ndim == 0:
        return vals, idx
    sl = [slice(None)] * a.ndim
    sl[dim] = slice(0, k)
    return vals[tuple(sl)], idx[tuple(sl)]


def _unique_samples(dtype, rng):
    out = []
    for s in ((10,), (3, 4), (), (0,)):
        a = rng.integers(0, 4, size=s).astype(dtype) if np.dtype(dtype) != np.bool_ else rng.random(s) > 0.5
        out.append(Sample((np.asarray(a),), {}))
    return out


def _unique_ref(a):
    v, inv, cnt = np.unique(a.ravel(), return_inverse=True, return_counts=True)
    return v, inv.reshape(a.shape), cnt


OPS = [
    OpInfo("cat", lambda T, a, b, c, dim: T.cat([a, b, c], dim=dim),
           lambda a, b, c, dim: np.concatenate([a, b, c], axis=dim), _cat_samples, dtypes=ALL,
           grad_fn="CatBackward0", gradgrad=True),
    OpInfo("cat_mixed_dtypes", lambda T, a, b, c, dim: T.cat([a, b.to(T.int32), c.to(T.float64)], dim),
           lambda a, b, c, dim: np.concatenate([a, b.astype(np.int32), c.astype(np.float64)], axis=dim),
           _cat_samples, dtypes=NUMERIC, grad=False),
    OpInfo("concat", lambda T, a, b, c, dim: T.concat((a, b, c), dim),
           lambda a, b, c, dim: np.concatenate([a, b, c], axis=dim), _cat_samples, dtypes=FLOATS,
           grad_fn="CatBackward0"),
    OpInfo("stack", lambda T, a, b, c, dim: T.stack([a, b, c], dim=dim),
           lambda a, b, c, dim: np.stack([a, b, c], axis=dim), _stack_samples, dtypes=ALL, grad_fn="StackBackward0",
           gradgrad=True),
    OpInfo("split", lambda T, a, s, dim=0: T.split(a, s, dim), lambda a, s, dim=0: _split_ref(a, s, dim),
           lambda dt, rng: [Sample((x.args[0], x.kwargs.pop("s")), x.kwargs) for x in _SPLIT(dt, rng)], dtypes=ALL,
           grad_fn="SplitBackward0", gradgrad=True),
    OpInfo("split_with_sizes", lambda T, a, s, dim=0: a.split(s, dim=dim), lambda a, s, dim=0: _split_ref(a, s, dim),
           lambda dt, rng: [Sample((x.args[0], x.kwargs.pop("s")), x.kwargs) for x in _SPLIT_SIZES(dt, rng)],
           dtypes=ALL, grad_fn="SplitWithSizesBackward0"),
    OpInfo("chunk", lambda T, a, c, dim=0: T.chunk(a, c, dim=dim), lambda a, c, dim=0: _chunk_ref(a, c, dim),
           lambda dt, rng: [Sample((x.args[0], x.kwargs.pop("c")), x.kwargs) for x in _CHUNK(dt, rng)], dtypes=ALL,
           grad_fn="SplitBackward0"),
    OpInfo("unbind", lambda T, a, dim: a.unbind(dim), lambda a, dim: tuple(np.moveaxis(a, dim, 0)), _UNBIND,
           dtypes=ALL, grad_fn="UnbindBackward0", gradgrad=True),
    OpInfo("flip", lambda T, a, dims: T.flip(a, dims), lambda a, dims: np.flip(a, axis=dims) if dims else a, _FLIP,
           dtypes=ALL, grad_fn="FlipBackward0", gradgrad=True),
    OpInfo("roll", lambda T, a, shifts, dims=None: T.roll(a, shifts, dims),
           lambda a, shifts, dims=None: np.roll(a, shifts, axis=dims), _ROLL, dtypes=ALL, grad_fn="RollBackward0",
           gradgrad=True),
    OpInfo("repeat", lambda T, a, r: a.repeat(*r), lambda a, r: np.tile(a, r) if r else a, _REPEAT, dtypes=ALL,
           grad_fn="RepeatBackward0", gradgrad=True),
    OpInfo("repeat_interleave", lambda T, a, r, dim=None: T.repeat_interleave(a, r, dim),
           lambda a, r, dim=None: np.repeat(a, r, axis=dim), _RINTER, dtypes=ALL, grad_fn="ViewBackward0"),
    OpInfo("repeat_interleave_tensor", lambda T, a, r, dim=None: a.repeat_interleave(_idx(T, r), dim=dim),
           lambda a, r, dim=None: np.repeat(a, r * a.shape[dim or 0] if len(r) == 1 else r, axis=dim),
           _RINTER_T, dtypes=ALL, grad_fn="IndexSelectBackward0"),
    OpInfo("movedim", lambda T, a, s, d: T.movedim(a, s, d), lambda a, s, d: np.moveaxis(a, s, d), _MOVEDIM,
           dtypes=ALL, grad_fn="PermuteBackward0"),
    OpInfo("moveaxis", lambda T, a, s, d: a.moveaxis(s, d), lambda a, s, d: np.moveaxis(a, s, d), _MOVEDIM),
    OpInfo("diagonal", lambda T, a, **kw: T.diagonal(a, **kw),
           lambda a, offset=0, dim1=0, dim2=1: np.diagonal(a, offset, dim1, dim2), _DIAGONAL, dtypes=ALL,
           grad_fn="DiagonalBackward0", gradgrad=True),
    OpInfo("diag", lambda T, a, **kw: T.diag(a, **kw), lambda a, diagonal=0: np.diag(a, diagonal), _DIAG,
           dtypes=ALL, gradgrad=True),
    OpInfo("tril", lambda T, a, **kw: T.tril(a, **kw), lambda a, diagonal=0: np.tril(a, diagonal), _TRI,
           dtypes=ALL, grad_fn="TrilBackward0", gradgrad=True, inplace=lambda T, a, **kw: a.tril_(**kw)),
    OpInfo("triu", lambda T, a, **kw: a.triu(**kw), lambda a, diagonal=0: np.triu(a, diagonal), _TRI,
           dtypes=ALL, grad_fn="TriuBackward0", inplace=lambda T, a, **kw: a.triu_(**kw)),
    OpInfo("index_select", lambda T, a, dim, index: T.index_select(a, dim, _idx(T, index)),
           lambda a, dim, index: np.take(a, np.atleast_1d(_np_idx(index)), axis=dim), _index_select_samples, dtypes=ALL,
           grad_fn="IndexSelectBackward0", gradgrad=True),
    OpInfo("gather", lambda T, a, dim, index: T.gather(a, dim, _idx(T, index)), _gather_ref, _gather_samples,
           dtypes=ALL, grad_fn="GatherBackward0", gradgrad=True),
    OpInfo("scatter", lambda T, a, s, dim, index: T.scatter(a, dim, _idx(T, index), s), _scatter_ref,
           _scatter_samples, dtypes=ALL, grad_fn="ScatterBackward0", gradgrad=True,
           inplace=lambda T, a, s, dim, index: a.scatter_(dim, _idx(T, index), s)),
    OpInfo("scatter_value", lambda T, a, dim, index: a.scatter(dim, _idx(T, index), 2.5),
           lambda a, dim, index: _scatter_ref(a, np.array(2.5).astype(a.dtype), dim, index),
           lambda dt, rng: [Sample(s.args[:1], s.kwargs) for s in _scatter_samples(dt, rng)], dtypes=FLOATS,
           grad_fn="ScatterBackward1", inplace=lambda T, a, dim, index: a.scatter_(dim, _idx(T, index), value=2.5)),
    OpInfo("scatter_add", lambda T, a, s, dim, index: T.scatter_add(a, dim, _idx(T, index), s),
           lambda a, s, dim, index: _scatter_ref(a, s, dim, index, add=True), _scatter_samples, dtypes=NUMERIC,
           grad_fn="ScatterAddBackward0", gradgrad=True,
           inplace=lambda T, a, s, dim, index: a.scatter_add_(dim, _idx(T, index), s)),
    OpInfo("scatter_add_repeated", lambda T, a, s, dim, index: a.scatter_add(dim, _idx(T, index), s),
           lambda a, s, dim, index: _scatter_ref(a, s, dim, index, add=True),
           lambda dt, rng: [Sample((rand_array(rng, (3, 4), dt), rand_array(rng, (5, 4), dt)),
                                   {"dim": 0, "index": Ix(rng.integers(0, 3, (5, 4)))})], dtypes=NUMERIC,
           grad_fn="ScatterAddBackward0"),
    OpInfo("take", lambda T, a, index: T.take(a, _idx(T, index)), lambda a, index: np.take(a, index),
           _take_samples, dtypes=ALL, grad_fn="TakeBackward0", gradgrad=True),
    OpInfo("sort", lambda T, a, **kw: T.sort(a, **kw), _sort_ref, _sort_samples, dtypes=ALL,
           grad_fn="SortBackward0", gradgrad=True),
    OpInfo("sort_stable", lambda T, a, **kw: a.sort(stable=True, **kw), _sort_ref, _sort_samples, dtypes=NUMERIC,
           grad_fn="SortBackward1"),
    OpInfo("argsort", lambda T, a, **kw: T.argsort(a, **kw), lambda a, **kw: _sort_ref(a, **kw)[1], _sort_samples,
           dtypes=ALL, grad=False),
    OpInfo("topk", lambda T, a, k, **kw: T.topk(a, k, **kw), _topk_ref,
           lambda dt, rng: [Sample((s.args[0], s.kwargs.pop("k")), s.kwargs) for s in _topk_samples(dt, rng)],
           dtypes=NUMERIC, grad_fn="TopkBackward0", gradgrad=True),
    OpInfo("unique", lambda T, a: T.unique(a, return_inverse=True, return_counts=True), _unique_ref,
           _unique_samples, dtypes=ALL, grad=False),
]

# ---------------------------------------------------------------- reductions into slots, put, unfold (issue 10)

_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}
_IDENTITY = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}


def _reduce_into_ref(a, part, where, reduce, include_self):
    """a with part[k] reduced into a[where[k]] (numpy's ufunc.at), as scatter_reduce / index_reduce."""
    out = a.copy()
    if not include_self:
        out[where] = _IDENTITY[reduce]
    _UFUNC[reduce].at(out, where, part)
    if reduce == "mean":
        counts = np.full(a.shape, 1 if include_self else 0)
        np.add.at(counts, where, 1)
        out = out / np.maximum(counts, 1)
    return out.astype(a.dtype)


def _scatter_reduce_ref(a, s, dim, index, reduce, include_self=True):
    index = _np_idx(index)
    ii = list(np.indices(index.shape, sparse=True))
    ii[dim] = index
    where = tuple(np.broadcast_arrays(*ii))
    return _reduce_into_ref(a, s[tuple(slice(0, k) for k in index.shape)], where, reduce, include_self)


def _scatter_reduce_samples(dtype, rng):
    cases = [((4, 3), (6, 3), (6, 3), 0), ((3, 5), (3, 4), (3, 6), 1), ((5,), (7,), (7,), 0),
             ((2, 3, 4), (2, 5, 4), (2, 5, 4), 1), ((3, 4), (0, 4), (1, 4), 0)]
    out = []
    for a, i, s, d in cases:
        for reduce in ("sum", "prod", "mean", "amax", "amin"):
            for include_self in (True, False):
                out.append(Sample((rand_array(rng, a, dtype), rand_array(rng, s, dtype)),
                                  {"dim": d, "index": Ix(rng.integers(0, a[d], i)), "reduce": reduce,
                                   "include_self": include_self}))
    return out


def _index_reduce_ref(a, s, dim, index, reduce, include_self=True):
    index = _np_idx(index)
    ii = list(np.indices(s.shape, sparse=True))
    ii[dim] = index.reshape([-1 if k == dim else 1 for k in range(s.ndim)])
    where = tuple(np.broadcast_arrays(*ii))
    return _reduce_into_ref(a, s, where, reduce, include_self)


def _index_reduce_samples(dtype, rng):
    cases = [((4, 3), 0, 6), ((3, 5), 1, 4), ((5,), 0, 7), ((2, 3, 4), 2, 5)]
    out = []
    for a, d, n in cases:
        s = list(a)
        s[d] = n
        for reduce in ("prod", "mean", "amax", "amin"):
            for include_self in (True, False):
                out.append(Sample((rand_array(rng, a, dtype), rand_array(rng, tuple(s), dtype)),
                                  {"dim": d, "index": Ix(rng.integers(0, a[d], n)), "reduce": reduce,
                                   "include_self": include_self}))
    return out


def _put_ref(a, s, index, accumulate=False):
    out = a.copy().reshape(-1)
    idx = _np_idx(index).reshape(-1)
    idx = np.where(idx < 0, idx + out.size, idx)
    if accumulate:
        np.add.at(out, idx, s.reshape(-1))
    else:
        out[idx] = s.reshape(-1)
    return out.reshape(a.shape)


def _put_samples(dtype, rng):
    return [Sample((rand_array(rng, (3, 4), dtype), rand_array(rng, (2, 2), dtype)),
                   {"index": Ix([[0, 10], [-1, 5]])}),
            Sample((rand_array(rng, (3, 4), dtype), rand_array(rng, (4,), dtype)),
                   {"index": Ix([1, 1, -11, 3]), "accumulate": True}),
            Sample((rand_array(rng, (5,), dtype), rand_array(rng, (3,), dtype)), {"index": Ix([4, 0, 2])}),
            Sample((rand_array(rng, (), dtype), rand_array(rng, (1,), dtype)), {"index": Ix([-1])}),
            Sample((rand_array(rng, (2, 3), dtype), rand_array(rng, (0,), dtype)), {"index": Ix([])})]


def _unfold_ref(a, dimension, size, step):
    if a.ndim == 0:
        return a.reshape(1)
    dimension %= a.ndim
    w = np.lib.stride_tricks.sliding_window_view(a, size, axis=dimension)
    sl = [slice(None)] * w.ndim
    sl[dimension] = slice(None, None, step)
    return w[tuple(sl)]


_UNFOLD = _arr([(12,), (3, 7), (2, 5, 4), (4, 3), ()],
               [[{"dimension": 0, "size": 3, "step": 2}, {"dimension": -1, "size": 4, "step": 4}],
                [{"dimension": 1, "size": 3, "step": 1}, {"dimension": 0, "size": 3, "step": 2}],
                [{"dimension": 1, "size": 2, "step": 2}],
                [{"dimension": 0, "size": 4, "step": 1}, {"dimension": 1, "size": 0, "step": 1}],
                [{"dimension": 0, "size": 1, "step": 1}]])

OPS += [
    OpInfo("scatter_reduce", lambda T, a, s, dim, index, **kw: T.scatter_reduce(a, dim, _idx(T, index), s, **kw),
           _scatter_reduce_ref, _scatter_reduce_samples, dtypes=FLOATS, grad_fn="ScatterReduceBackward0",
           inplace=lambda T, a, s, dim, index, **kw: a.scatter_reduce_(dim, _idx(T, index), s, **kw)),
    OpInfo("index_reduce", lambda T, a, s, dim, index, **kw: a.index_reduce(dim, _idx(T, index), s, **kw),
           _index_reduce_ref, _index_reduce_samples, dtypes=FLOATS, grad_fn="IndexReduceBackward0",
           inplace=lambda T, a, s, dim, index, **kw: a.index_reduce_(dim, _idx(T, index), s, **kw)),
    OpInfo("put", lambda T, a, s, index, **kw: T.put(a, _idx(T, index), s, **kw), _put_ref, _put_samples,
           dtypes=ALL, grad_fn="PutBackward0", gradgrad=True,
           inplace=lambda T, a, s, index, **kw: a.put_(_idx(T, index), s, **kw)),
    OpInfo("unfold", lambda T, a, **kw: a.unfold(**kw), _unfold_ref, _UNFOLD, dtypes=ALL, grad_fn="UnfoldBackward0",
           gradgrad=True),
]
