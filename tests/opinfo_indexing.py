"""Op table entries: advanced indexing (x[key], index_put, index_add, masked_select/scatter, nonzero).

Keys and index/mask arguments travel wrapped in ``Key`` / ``Ix`` (the driver turns every bare
array argument into a float64 tensor for gradcheck) and become tensors inside the op.
"""

import numpy as np

from opinfo import ALL, FLOATS, NUMERIC, OpInfo, Sample
from opinfo import rand_array as _rand_array


def rand_array(rng, shape, dtype):
    return np.asarray(_rand_array(rng, shape, dtype))


class Key:
    """An indexing key: its numpy arrays become tensors of the library under test."""

    def __init__(self, *parts):
        self.parts = parts

    def to(self, T):
        return tuple(T.from_numpy(p.copy()) if isinstance(p, np.ndarray) else p for p in self.parts)

    def __repr__(self):
        return f"Key{self.parts!r}"


I = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
M = lambda *v: np.array(v, dtype=bool)  # noqa: E731

# (shape, key) pairs on which numpy and PyTorch agree
GET_CASES = [
    ((4, 3), Key(I(3, 0, 0, -1))),
    ((4, 3), Key(I(0, 2), I(1, -1))),
    ((4, 3), Key(slice(None), I(2, 2))),
    ((2, 3, 4), Key(slice(None), I(0, 2), I(1, 3))),
    ((2, 3, 4), Key(I(1, 0), slice(1, None), I(0, 3))),            # not adjacent: index dims first
    ((2, 3, 4), Key(np.array([[0], [1]]), slice(None), I(0, 2, 3))),
    ((2, 3, 4), Key(slice(None), M(True, False, True), None)),
    ((2, 3, 4), Key(Ellipsis, M(True, False, True, True))),
    ((2, 3, 4), Key(np.array([[True, False, True], [False, True, True]]))),
    ((2, 3, 4), Key(I(1, 0), M(True, False, True))),
    ((3, 4), Key(True)),
    ((3, 4), Key(slice(None), False)),
    ((5,), Key(I())),
    ((0, 3), Key(slice(None), I(2, 0))),
    ((), Key(True)),
]


def _get_samples(dtype, rng):
    return [Sample((rand_array(rng, s, dtype), k)) for s, k in GET_CASES]


# (shape, indices, values shape, accumulate); no repeated positions unless accumulating
PUT_CASES = [
    ((4, 3), (I(3, 0, 1),), (3, 3), False),
    ((4, 3), (I(3, 0, 0, 3),), (4, 3), True),
    ((4, 3), (I(0, 2), I(1, -1)), (2,), False),
    ((4, 3), (I(1), I(2, 0)), (1,), False),
    ((2, 3, 4), (I(1, 1, 1), I(0, 0, 2)), (3, 4), True),
    ((2, 3, 4), (np.array([[True, False, True], [False, True, True]]),), (4,), False),
    ((5,), (I(),), (), False),
]


def _put_samples(dtype, rng):
    return [Sample((rand_array(rng, s, dtype), rand_array(rng, v, dtype), Key(*ix)), {"accumulate": acc})
            for s, ix, v, acc in PUT_CASES]


def _np_key(key):
    return tuple(slice(None) if p is None else p for p in key.parts)


def _put_ref(a, v, key, accumulate):
    out = a.copy()
    k = _np_key(key)
    if accumulate:
        np.add.at(out, k, np.broadcast_to(v, out[k].shape))
    else:
        out[k] = v
    return out


def _index_add_samples(dtype, rng):
    cases = [((4, 3), 0, I(3, 0, 0, 2), (4, 3), 1), ((4, 3), 1, I(2), (4, 1), 2), ((2, 3, 4), -1, I(1, 3, 1), (2, 3, 3), 1),
             ((4, 3), 0, I(), (0, 3), 1), ((5,), 0, I(4, 4), (2,), 3)]
    return [Sample((rand_array(rng, s, dtype), rand_array(rng, ss, dtype), Key(ix)), {"dim": d, "alpha": al})
            for s, d, ix, ss, al in cases]


def _index_add_ref(a, s, key, dim, alpha):
    out = a.copy()
    moved = np.moveaxis(out, dim, 0)
    np.add.at(moved, key.parts[0], np.moveaxis(s, dim, 0) * np.asarray(alpha, dtype=a.dtype))
    return out


def _mask_samples(dtype, rng):
    cases = [((3, 4), M(True, False, False, True)), ((3, 4), rng.random((3, 4)) > 0.5), ((2, 1), M(True, False, True)),
             ((), M(True)), ((0, 2), M(False, True))]
    return [Sample((rand_array(rng, s, dtype), Key(m))) for s, m in cases]


def _masked_select_ref(a, key):
    m = key.parts[0]
    shape = np.broadcast_shapes(a.shape, m.shape)
    return np.broadcast_to(a, shape)[np.broadcast_to(m, shape)]


def _scatter_samples(dtype, rng):
    cases = [((3, 4), M(True, False, False, True), (7,)), ((3, 4), rng.random((3, 4)) > 0.5, (3, 4)),
             ((2, 3), M(False, True, True), (2, 3)), ((), M(True), (2,))]
    return [Sample((rand_array(rng, s, dtype), rand_array(rng, ss, dtype), Key(m))) for s, m, ss in cases]


def _masked_scatter_ref(a, src, key):
    m = key.parts[0]
    shape = np.broadcast_shapes(a.shape, m.shape)
    out = np.broadcast_to(a, shape).copy()
    mb = np.broadcast_to(m, shape)
    out[mb] = src.ravel()[:mb.sum()]
    return out


OPS = [
    OpInfo("getitem_advanced", lambda T, a, key: a[key.to(T)], lambda a, key: a[key.parts], _get_samples, dtypes=ALL,
           grad_fn="IndexBackward0", gradgrad=True),
    OpInfo("index_put", lambda T, a, v, key, accumulate: T.index_put(a, key.to(T), v, accumulate=accumulate),
           _put_ref, _put_samples, dtypes=ALL, grad_fn="IndexPutBackward0", gradgrad=True,
           inplace=lambda T, a, v, key, accumulate: a.index_put_(key.to(T), v, accumulate)),
    OpInfo("index_add", lambda T, a, s, key, dim, alpha: T.index_add(a, dim, key.to(T)[0], s, alpha=alpha),
           _index_add_ref, _index_add_samples, dtypes=NUMERIC, grad_fn="IndexAddBackward0", gradgrad=True,
           inplace=lambda T, a, s, key, dim, alpha: a.index_add_(dim, key.to(T)[0], s, alpha=alpha)),
    OpInfo("masked_select", lambda T, a, key: T.masked_select(a, key.to(T)[0]), _masked_select_ref, _mask_samples,
           dtypes=ALL, grad_fn="MaskedSelectBackward0", gradgrad=True),
    OpInfo("masked_scatter", lambda T, a, s, key: T.masked_scatter(a, key.to(T)[0], s), _masked_scatter_ref,
           _scatter_samples, dtypes=ALL, grad_fn="MaskedScatterBackward0", gradgrad=True,
           inplace=lambda T, a, s, key: a.masked_scatter_(key.to(T)[0], s)),
    OpInfo("nonzero", lambda T, a: T.nonzero(a), lambda a: np.argwhere(a),
           lambda dt, rng: [Sample((np.asarray(rand_array(rng, s, dt) * (rng.random(s) > 0.4).astype(dt)),))
                            for s in ((5,), (3, 4), (2, 3, 4), (), (0, 3))], dtypes=ALL, grad=False),
]
