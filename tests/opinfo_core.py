"""Op table entries: the core ops — arithmetic (+ - * / ** neg exp log reciprocal, scalar forms), sum/mean,
the views (view, reshape, flatten, transpose, permute, expand, squeeze, unsqueeze, indexing by ints and
slices), clone, contiguous, to, detach.

Folded in from tests/opinfo_arith.py and the former separate table tests/op_table.py. The entries
``exp_method``/``log_method`` call the Tensor methods; ``T.exp``/``T.log`` live in opinfo_unary.py.
"""

import numpy as np

from opinfo import FLOATS, NUMERIC, OpInfo, Sample, rand_array

FLOAT_INT = ("int64",) + FLOATS
SIGNED = ("int32", "int64") + FLOATS
# the old table's tolerances: float64 results to 1e-10, integers exactly
TIGHT = {"float32": (1e-5, 1e-5), "float64": (1e-10, 1e-12), "int64": (0, 0), "int32": (0, 0), "uint8": (0, 0)}

UNARY_SHAPES = ((3, 4), (), (0, 3), (2, 3, 4), (5,))
BINARY_SHAPES = (((5,), (5,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)), ((), (3,)),
                 ((), (3, 4)), ((3, 4), ()), ((2, 3, 4), (3, 1)), ((0, 3), (3,)), ((), ()))


def _draw(kind="any"):
    """rand_array for a value range: any [-3, 3], positive [0.5, 2], away (|x| in [0.5, 2], either sign)."""
    def draw(rng, shape, dtype):
        if kind == "positive":
            return np.asarray(rand_array(rng, shape, dtype, 0.5, 2.0))
        if kind == "away":
            x = np.asarray(rand_array(rng, shape, dtype, 0.5, 2.0))
            if np.dtype(dtype).kind == "f":
                return np.asarray(x * np.where(rng.random(shape) > 0.5, 1, -1).astype(dtype))
            x = x.copy()
            x[x == 0] = 1
            return x
        return np.asarray(rand_array(rng, shape, dtype))
    return draw


def unary(kind="any", shapes=UNARY_SHAPES):
    return lambda dtype, rng: [Sample((_draw(kind)(rng, s, dtype),)) for s in shapes]


def binary(a="any", b="any", scalar=None, pairs=BINARY_SHAPES):
    def gen(dtype, rng):
        out = [Sample((_draw(a)(rng, sa, dtype), _draw(b)(rng, sb, dtype))) for sa, sb in pairs]
        if scalar is not None:
            out.append(Sample((_draw(a)(rng, (3, 4), dtype), scalar)))
        return out
    return gen


def shapes(*ss):
    return unary(shapes=ss)


def _np_t(a):
    return a.T if a.ndim == 2 else a


def _squeeze_dims(a, dims):
    dims = tuple(d % a.ndim for d in dims)
    return np.squeeze(a, axis=tuple(d for d in dims if a.shape[d] == 1))


def _op(name, op, ref, samples, dtypes=FLOATS, **kw):
    kw.setdefault("dtype_tols", TIGHT)
    return OpInfo(name, op, ref, samples, dtypes=dtypes, **kw)


ALL_BUT_STRIDED = ("contiguous", "transposed", "expanded")

OPS = [
    # ---- arithmetic
    _op("add", lambda T, a, b: a + b, np.add, binary(scalar=2.5), NUMERIC, grad_fn="AddBackward0", gradgrad=True,
        inplace=lambda T, a, b: a.add_(b)),
    _op("add_scalar", lambda T, a: a + 2.5, lambda a: a + 2.5, unary(), grad_fn="AddBackward0", gradgrad=True,
        inplace=lambda T, a: a.add_(2.5)),
    _op("radd_scalar", lambda T, a: 2.5 + a, lambda a: 2.5 + a, unary(), grad_fn="AddBackward0"),
    _op("add_alpha", lambda T, a, b: a.add(b, alpha=2), lambda a, b: a + 2 * b, binary(), NUMERIC,
        grad_fn="AddBackward0", gradgrad=True, inplace=lambda T, a, b: a.add_(b, alpha=2)),
    _op("torch.add_alpha", lambda T, a, b: T.add(a, b, alpha=2), lambda a, b: a + 2 * b, binary(), NUMERIC,
        grad_fn="AddBackward0", inplace=lambda T, a, b: a.add_(b, alpha=2)),
    _op("torch.add", lambda T, a, b: T.add(a, b), lambda a, b: a + b, binary(), grad_fn="AddBackward0"),
    _op("sub", lambda T, a, b: a - b, np.subtract, binary(scalar=1.5), SIGNED, grad_fn="SubBackward0", gradgrad=True,
        inplace=lambda T, a, b: a.sub_(b)),
    _op("sub_scalar", lambda T, a: a - 2, lambda a: a - a.dtype.type(2), unary(), FLOAT_INT, grad_fn="SubBackward0",
        inplace=lambda T, a: a.sub_(2)),
    _op("rsub_scalar", lambda T, a: 2 - a, lambda a: a.dtype.type(2) - a, unary(), SIGNED, grad_fn="RsubBackward1",
        gradgrad=True),
    _op("mul", lambda T, a, b: a * b, np.multiply, binary(scalar=-1.5), NUMERIC, grad_fn="MulBackward0",
        gradgrad=True, inplace=lambda T, a, b: a.mul_(b)),
    _op("mul_scalar", lambda T, a: a * 1.5, lambda a: a * 1.5, unary(), grad_fn="MulBackward0", gradgrad=True,
        inplace=lambda T, a: a.mul_(1.5)),
    _op("rmul_scalar", lambda T, a: 3 * a, lambda a: a.dtype.type(3) * a, unary(), FLOAT_INT, grad_fn="MulBackward0"),
    _op("div", lambda T, a, b: a / b, np.divide, binary(b="away", scalar=4.0), grad_fn="DivBackward0", gradgrad=True,
        inplace=lambda T, a, b: a.div_(b)),
    _op("div_scalar", lambda T, a: a / 4, lambda a: a / 4, unary(), grad_fn="DivBackward0", gradgrad=True,
        inplace=lambda T, a: a.div_(4)),
    _op("rdiv_scalar", lambda T, a: 2 / a, lambda a: 2 / a, unary("away"), grad_fn="MulBackward0", gradgrad=True),
    _op("pow_scalar", lambda T, a: a ** 2, lambda a: a ** 2, unary(), grad_fn="PowBackward0", gradgrad=True,
        inplace=lambda T, a: a.pow_(2)),
    _op("pow_scalar_3", lambda T, a: a ** 3, lambda a: a ** 3, unary(), grad_fn="PowBackward0", gradgrad=True,
        inplace=lambda T, a: a.pow_(3)),
    _op("pow_scalar_frac", lambda T, a: a ** 2.5, lambda a: a ** 2.5, unary("positive"), grad_fn="PowBackward0",
        gradgrad=True, inplace=lambda T, a: a.pow_(2.5)),
    _op("pow_scalar_neg", lambda T, a: a ** -1, lambda a: a ** -1.0, unary("away"), grad_fn="PowBackward0",
        gradgrad=True),
    _op("pow_tensor", lambda T, a, b: a ** b, np.power, binary(a="positive"), grad_fn="PowBackward1", gradgrad=True,
        inplace=lambda T, a, b: a.pow_(b)),
    _op("rpow_scalar", lambda T, a: 2.0 ** a, lambda a: np.power(a.dtype.type(2.0), a), unary(),
        grad_fn="PowBackward2", gradgrad=True),
    _op("neg", lambda T, a: -a, np.negative, unary(), SIGNED, grad_fn="NegBackward0", gradgrad=True,
        inplace=lambda T, a: a.neg_()),
    _op("exp_method", lambda T, a: a.exp(), np.exp, unary(), grad_fn="ExpBackward0", gradgrad=True),
    _op("log_method", lambda T, a: a.log(), np.log, unary("positive"), grad_fn="LogBackward0", gradgrad=True),
    _op("reciprocal", lambda T, a: T.reciprocal(a), np.reciprocal, unary("away"), grad_fn="ReciprocalBackward0",
        gradgrad=True),
    _op("reciprocal_method", lambda T, a: a.reciprocal(), np.reciprocal, unary("away"),
        grad_fn="ReciprocalBackward0", gradgrad=True),
    # ---- reductions
    _op("sum", lambda T, a: a.sum(), lambda a: np.sum(a), unary(), FLOAT_INT, grad_fn="SumBackward0"),
    _op("torch.sum", lambda T, a: T.sum(a), lambda a: np.sum(a), unary(), grad_fn="SumBackward0"),
    _op("sum_dim", lambda T, a: a.sum(1), lambda a: a.sum(1), shapes((3, 4), (2, 3, 4), (0, 3), (3, 0)), FLOAT_INT,
        grad_fn="SumBackward1"),
    _op("sum_neg_dim", lambda T, a: a.sum(-1), lambda a: a.sum(-1), shapes((3, 4), (2, 3, 4), (5,)),
        grad_fn="SumBackward1"),
    _op("sum_dims", lambda T, a: a.sum((0, -1)), lambda a: a.sum((0, -1)), shapes((3, 4), (2, 3, 4)),
        grad_fn="SumBackward1"),
    _op("sum_keepdim", lambda T, a: a.sum(1, keepdim=True), lambda a: a.sum(1, keepdims=True),
        shapes((3, 4), (2, 3, 4)), FLOAT_INT, grad_fn="SumBackward1"),
    _op("sum_dims_keepdim", lambda T, a: T.sum(a, (0, 2), keepdim=True), lambda a: a.sum((0, 2), keepdims=True),
        shapes((2, 3, 4)), grad_fn="SumBackward1"),
    _op("mean", lambda T, a: a.mean(), lambda a: np.mean(a), shapes((3, 4), (), (2, 3, 4), (5,)),
        grad_fn="MeanBackward0"),
    _op("torch.mean", lambda T, a: T.mean(a), lambda a: np.mean(a), shapes((3, 4), (2, 3, 4)),
        grad_fn="MeanBackward0"),
    _op("mean_dim", lambda T, a: a.mean(0), lambda a: a.mean(0), shapes((3, 4), (2, 3, 4), (5,)),
        grad_fn="MeanBackward1"),
    _op("mean_neg_dim", lambda T, a: a.mean(-2), lambda a: a.mean(-2), shapes((3, 4), (2, 3, 4)),
        grad_fn="MeanBackward1"),
    _op("mean_dims", lambda T, a: a.mean((0, 1)), lambda a: a.mean((0, 1)), shapes((3, 4), (2, 3, 4)),
        grad_fn="MeanBackward1"),
    _op("mean_keepdim", lambda T, a: a.mean(-1, keepdim=True), lambda a: a.mean(-1, keepdims=True),
        shapes((3, 4), (2, 3, 4)), grad_fn="MeanBackward1"),
    _op("mean_dims_keepdim", lambda T, a: T.mean(a, (-1, 0), keepdim=True),
        lambda a: a.mean((-1, 0), keepdims=True), shapes((2, 3, 4)), grad_fn="MeanBackward1"),
    # ---- views
    _op("view", lambda T, a: a.view(4, 3), lambda a: a.reshape(4, 3), shapes((3, 4), (12,), (2, 6)), FLOAT_INT,
        grad_fn="ViewBackward0", layouts=("contiguous",)),
    _op("view_infer", lambda T, a: a.view(-1), lambda a: a.reshape(-1), shapes((3, 4), (), (0, 3), (2, 3, 4)),
        grad_fn="ViewBackward0", layouts=("contiguous",)),
    _op("reshape", lambda T, a: a.reshape(2, -1), lambda a: a.reshape(2, -1), shapes((3, 4), (3, 2, 2), (4, 2)),
        FLOAT_INT, grad_fn="ViewBackward0", layouts=ALL_BUT_STRIDED,
        grad_fn_by_layout={"transposed": "UnsafeViewBackward0", "expanded": "UnsafeViewBackward0"}),
    # a strided input whose elements are evenly spaced can be reshaped without a copy: PyTorch's
    # _reshape_alias (a view, but not ViewBackward0)
    _op("reshape_viewable", lambda T, a: a[..., ::2].reshape(-1), lambda a: a[..., ::2].reshape(-1),
        shapes((3, 8), (2, 3, 4)), grad_fn="ReshapeAliasBackward0", layouts=("contiguous",)),
    _op("reshape_noncontig", lambda T, a: a.mT.reshape(-1), lambda a: np.swapaxes(a, -1, -2).reshape(-1),
        shapes((3, 4), (2, 3, 4)), grad_fn="UnsafeViewBackward0"),
    _op("flatten", lambda T, a: a.flatten(), lambda a: a.reshape(-1), shapes((3, 4), (2, 3, 4)),
        grad_fn="ViewBackward0", layouts=ALL_BUT_STRIDED,
        grad_fn_by_layout={"transposed": "UnsafeViewBackward0", "expanded": "UnsafeViewBackward0"}),
    # like PyTorch, flattening a 1-d tensor returns the tensor itself
    _op("flatten_1d", lambda T, a: a.flatten(), lambda a: a.reshape(-1), shapes((5,), (0,)),
        layouts=("contiguous", "strided", "expanded"), returns_input=("contiguous", "strided", "expanded")),
    _op("flatten_start", lambda T, a: a.flatten(1), lambda a: a.reshape(a.shape[0], -1), shapes((2, 3, 4)),
        grad_fn="ViewBackward0", layouts=("contiguous", "transposed"),
        grad_fn_by_layout={"transposed": "UnsafeViewBackward0"}),
    _op("transpose", lambda T, a: a.transpose(0, 1), lambda a: np.swapaxes(a, 0, 1), shapes((3, 4), (2, 3, 4)),
        FLOAT_INT, grad_fn="TransposeBackward0"),
    _op("transpose_neg", lambda T, a: a.transpose(-1, -3), lambda a: np.swapaxes(a, -1, -3), shapes((2, 3, 4)),
        grad_fn="TransposeBackward0"),
    _op("t", lambda T, a: a.t(), _np_t, shapes((3, 4), (2, 5)), grad_fn="TBackward0"),
    _op("T", lambda T, a: a.T, lambda a: a.T, shapes((3, 4), (1, 5)), grad_fn="PermuteBackward0"),
    _op("mT", lambda T, a: a.mT, lambda a: np.swapaxes(a, -1, -2), shapes((3, 4), (2, 3, 4)),
        grad_fn="TransposeBackward0"),
    _op("permute", lambda T, a: a.permute(2, 0, 1), lambda a: np.transpose(a, (2, 0, 1)), shapes((2, 3, 4)),
        FLOAT_INT, grad_fn="PermuteBackward0"),
    _op("permute_neg", lambda T, a: a.permute(-1, 0, 1), lambda a: np.transpose(a, (2, 0, 1)), shapes((2, 3, 4)),
        grad_fn="PermuteBackward0"),
    _op("expand", lambda T, a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)),
        shapes((3, 1), (1, 4), (3, 4), ()), FLOAT_INT, grad_fn="ExpandBackward0"),
    _op("expand_keep", lambda T, a: a.expand(3, -1, -1), lambda a: np.broadcast_to(a, (3,) + a.shape),
        shapes((3, 4), (1, 4)), grad_fn="ExpandBackward0"),
    _op("squeeze", lambda T, a: a.squeeze(), lambda a: np.squeeze(a), shapes((3, 1, 4), (1, 4, 1), (1, 1)),
        grad_fn="SqueezeBackward0"),
    _op("squeeze_dim", lambda T, a: a.squeeze(1), lambda a: _squeeze_dims(a, (1,)), shapes((3, 1, 4), (3, 4)),
        grad_fn="SqueezeBackward1"),
    _op("squeeze_dims", lambda T, a: a.squeeze((0, -1)), lambda a: _squeeze_dims(a, (0, -1)),
        shapes((1, 3, 1), (2, 3, 1)), grad_fn="SqueezeBackward2"),
    _op("unsqueeze", lambda T, a: a.unsqueeze(0), lambda a: a[None], shapes((3, 4), (), (0, 2)), FLOAT_INT,
        grad_fn="UnsqueezeBackward0"),
    _op("unsqueeze_neg", lambda T, a: a.unsqueeze(-1), lambda a: a[..., None], shapes((3, 4), (5,)),
        grad_fn="UnsqueezeBackward0"),
    _op("index_int", lambda T, a: a[1], lambda a: a[1], shapes((3, 4), (2, 3, 4), (4,)), FLOAT_INT,
        grad_fn="SelectBackward0"),
    _op("index_neg_int", lambda T, a: a[-1], lambda a: a[-1], shapes((3, 4)), grad_fn="SelectBackward0"),
    _op("index_col", lambda T, a: a[:, 1], lambda a: a[:, 1], shapes((3, 4), (2, 3, 4)), grad_fn="SelectBackward0"),
    _op("select", lambda T, a: a.select(1, 2), lambda a: a[:, 2], shapes((3, 4)), grad_fn="SelectBackward0"),
    _op("index_slice", lambda T, a: a[1:3], lambda a: a[1:3], shapes((3, 4), (4,)), FLOAT_INT,
        grad_fn="SliceBackward0"),
    _op("index_slice_step", lambda T, a: a[::2], lambda a: a[::2], shapes((3, 4), (5,)), grad_fn="SliceBackward0"),
    _op("index_mixed", lambda T, a: a[0, 1:], lambda a: a[0, 1:], shapes((3, 4)), grad_fn="SliceBackward0"),
    _op("narrow", lambda T, a: a.narrow(1, 1, 2), lambda a: a[:, 1:3], shapes((3, 4)), grad_fn="SliceBackward0"),
    _op("index_ellipsis", lambda T, a: a[...], lambda a: a[...], shapes((3, 4), ()), grad_fn="AliasBackward0"),
    _op("index_none", lambda T, a: a[None], lambda a: a[None], shapes((3, 4)), grad_fn="UnsqueezeBackward0"),
    # ---- copies and conversions
    _op("clone", lambda T, a: a.clone(), lambda a: a.copy(), unary(), FLOAT_INT, grad_fn="CloneBackward0"),
    # a contiguous input comes back itself
    _op("contiguous", lambda T, a: a.contiguous(), np.ascontiguousarray, shapes((3, 4), (2, 3, 4)),
        grad_fn="CloneBackward0", returns_input=("contiguous",)),
    # on a float64 input to() returns the input itself, so the samples are float32 and gradcheck goes through
    # float32 and back
    _op("to_float64", lambda T, a: a.to(T.float64), lambda a: a.astype(np.float64), unary(), ("float32",),
        grad_fn="ToCopyBackward0", gradcheck_op=lambda T, a: a.to(T.float32).to(T.float64),
        gradcheck_kwargs=dict(eps=1e-3, atol=1e-3, rtol=1e-3)),
    # ---- not differentiable
    _op("detach", lambda T, a: a.detach(), lambda a: a, unary(), FLOAT_INT, grad=False),
]
