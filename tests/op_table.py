"""One table of the differentiable ops smalltorch has (modelled on PyTorch's OpInfo).

Each ``OpInfo`` says how to call the op (``op``: a callable taking tensors; it
only uses Tensor methods/operators, or ``_mod(t)`` for module functions, so the
same callable works on smalltorch and on PyTorch tensors), how numpy computes
it (``ref``), which inputs to try (``sample_inputs``), for which dtypes, and
what ``grad_fn`` PyTorch gives the result.

Sample inputs are numpy float64 arrays; the driver (test_op_table.py) casts
them to each dtype and lays them out in several ways (contiguous, transposed,
sliced with a step, expanded) before calling the op.
"""

import sys
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

FLOAT = ("float32", "float64")
FLOAT_INT = ("float32", "float64", "int64")
ALL_LAYOUTS = ("contiguous", "transposed", "strided", "expanded")


def _mod(t):
    """The library a tensor belongs to (smalltorch or torch), for module-level functions and dtypes."""
    return sys.modules[type(t).__module__.split(".")[0]]


@dataclass
class OpInfo:
    name: str
    op: Callable                      # op(*tensors) -> tensor
    ref: Callable                     # ref(*ndarrays) -> ndarray
    sample_inputs: Callable           # sample_inputs(rng) -> list of tuples of float64 ndarrays
    dtypes: tuple = FLOAT
    differentiable: bool = True
    grad_fn: Optional[str] = None     # PyTorch's name for the result's grad_fn (contiguous leaf inputs);
    #                                   None for a differentiable op means it returns its input itself
    grad_fn_by_layout: dict = field(default_factory=dict)  # overrides, e.g. reshape of a transposed input
    layouts: tuple = ALL_LAYOUTS      # input layouts the op accepts
    gradgrad: bool = False            # also run gradgradcheck
    inplace: Optional[Callable] = None  # inplace(a, *rest) modifies a and returns it
    gradcheck_op: Optional[Callable] = None  # replaces op in gradcheck (e.g. dtype conversions)
    gradcheck_kwargs: dict = field(default_factory=dict)
    int_sample: Optional[Callable] = None  # turns float samples into the int64 inputs (default: round)

    def expected_grad_fn(self, layout):
        return self.grad_fn_by_layout.get(layout, self.grad_fn)

    def __repr__(self):
        return f"OpInfo({self.name})"


# ----------------------------------------------------------------------------------------- samples

def _rand(rng, shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape)


def _away_from_zero(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


UNARY_SHAPES = [(3, 4), (), (0, 3), (2, 3, 4), (5,)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (3, 4)), ((3, 4), ()),
                 ((2, 3, 4), (3, 1)), ((0, 3), (3,)), ((), ())]


def unary(gen=_rand, shapes=UNARY_SHAPES):
    return lambda rng: [(gen(rng, s),) for s in shapes]


def binary(gen_a=_rand, gen_b=_rand, shapes=BINARY_SHAPES):
    return lambda rng: [(gen_a(rng, sa), gen_b(rng, sb)) for sa, sb in shapes]


def shapes(*ss, gen=_rand):
    return lambda rng: [(gen(rng, s),) for s in ss]


def _np_t(a):
    return a.T if a.ndim == 2 else a


def _squeeze_dims(a, dims):
    dims = tuple(d % a.ndim for d in dims)
    return np.squeeze(a, axis=tuple(d for d in dims if a.shape[d] == 1))


# ----------------------------------------------------------------------------------------- the table

op_db = [
    # ---- arithmetic
    OpInfo("add", lambda a, b: a + b, lambda a, b: a + b, binary(), FLOAT_INT, grad_fn="AddBackward0",
           gradgrad=True, inplace=lambda a, b: a.add_(b)),
    OpInfo("add_scalar", lambda a: a + 2.5, lambda a: a + 2.5, unary(), grad_fn="AddBackward0", gradgrad=True,
           inplace=lambda a: a.add_(2.5)),
    OpInfo("radd_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, unary(), grad_fn="AddBackward0"),
    OpInfo("add_alpha", lambda a, b: a.add(b, alpha=2), lambda a, b: a + 2 * b, binary(), FLOAT_INT,
           grad_fn="AddBackward0", gradgrad=True, inplace=lambda a, b: a.add_(b, alpha=2)),
    OpInfo("torch.add", lambda a, b: _mod(a).add(a, b), lambda a, b: a + b, binary(), grad_fn="AddBackward0"),
    OpInfo("sub", lambda a, b: a - b, lambda a, b: a - b, binary(), FLOAT_INT, grad_fn="SubBackward0",
           gradgrad=True, inplace=lambda a, b: a.sub_(b)),
    OpInfo("sub_scalar", lambda a: a - 2, lambda a: a - 2, unary(), FLOAT_INT, grad_fn="SubBackward0",
           inplace=lambda a: a.sub_(2)),
    OpInfo("rsub_scalar", lambda a: 2 - a, lambda a: 2 - a, unary(), FLOAT_INT, grad_fn="RsubBackward1",
           gradgrad=True),
    OpInfo("mul", lambda a, b: a * b, lambda a, b: a * b, binary(), FLOAT_INT, grad_fn="MulBackward0",
           gradgrad=True, inplace=lambda a, b: a.mul_(b)),
    OpInfo("mul_scalar", lambda a: a * 1.5, lambda a: a * 1.5, unary(), grad_fn="MulBackward0", gradgrad=True,
           inplace=lambda a: a.mul_(1.5)),
    OpInfo("rmul_scalar", lambda a: 3 * a, lambda a: 3 * a, unary(), FLOAT_INT, grad_fn="MulBackward0"),
    OpInfo("div", lambda a, b: a / b, lambda a, b: a / b, binary(gen_b=_away_from_zero), grad_fn="DivBackward0",
           gradgrad=True, inplace=lambda a, b: a.div_(b)),
    OpInfo("div_scalar", lambda a: a / 4, lambda a: a / 4, unary(), grad_fn="DivBackward0", gradgrad=True,
           inplace=lambda a: a.div_(4)),
    OpInfo("rdiv_scalar", lambda a: 2 / a, lambda a: 2 / a, unary(_away_from_zero), grad_fn="MulBackward0",
           gradgrad=True),
    OpInfo("pow_scalar", lambda a: a ** 2, lambda a: a ** 2, unary(), grad_fn="PowBackward0", gradgrad=True,
           inplace=lambda a: a.pow_(2)),
    OpInfo("pow_scalar_frac", lambda a: a ** 2.5, lambda a: a ** 2.5, unary(_positive), grad_fn="PowBackward0",
           gradgrad=True, inplace=lambda a: a.pow_(2.5)),
    OpInfo("pow_scalar_neg", lambda a: a ** -1, lambda a: a ** -1.0, unary(_away_from_zero),
           grad_fn="PowBackward0", gradgrad=True),
    OpInfo("pow_tensor", lambda a, b: a ** b, lambda a, b: a ** b, binary(gen_a=_positive),
           grad_fn="PowBackward1", gradgrad=True, inplace=lambda a, b: a.pow_(b)),
    OpInfo("rpow_scalar", lambda a: 2 ** a, lambda a: 2.0 ** a, unary(), grad_fn="PowBackward2", gradgrad=True),
    OpInfo("neg", lambda a: -a, lambda a: -a, unary(), FLOAT_INT, grad_fn="NegBackward0", gradgrad=True),
    OpInfo("exp", lambda a: a.exp(), np.exp, unary(), grad_fn="ExpBackward0", gradgrad=True),
    OpInfo("log", lambda a: a.log(), np.log, unary(_positive), grad_fn="LogBackward0", gradgrad=True),
    OpInfo("reciprocal", lambda a: a.reciprocal(), np.reciprocal, unary(_away_from_zero),
           grad_fn="ReciprocalBackward0", gradgrad=True),
    # ---- reductions
    OpInfo("sum", lambda a: a.sum(), lambda a: np.sum(a), unary(), FLOAT_INT, grad_fn="SumBackward0"),
    OpInfo("torch.sum", lambda a: _mod(a).sum(a), lambda a: np.sum(a), unary(), grad_fn="SumBackward0"),
    OpInfo("sum_dim", lambda a: a.sum(1), lambda a: a.sum(1), shapes((3, 4), (2, 3, 4), (0, 3), (3, 0)),
           FLOAT_INT, grad_fn="SumBackward1"),
    OpInfo("sum_neg_dim", lambda a: a.sum(-1), lambda a: a.sum(-1), shapes((3, 4), (2, 3, 4), (5,)),
           grad_fn="SumBackward1"),
    OpInfo("sum_dims", lambda a: a.sum((0, -1)), lambda a: a.sum((0, -1)), shapes((3, 4), (2, 3, 4)),
           grad_fn="SumBackward1"),
    OpInfo("sum_keepdim", lambda a: a.sum(1, keepdim=True), lambda a: a.sum(1, keepdims=True),
           shapes((3, 4), (2, 3, 4)), FLOAT_INT, grad_fn="SumBackward1"),
    OpInfo("sum_dims_keepdim", lambda a: _mod(a).sum(a, (0, 2), keepdim=True),
           lambda a: a.sum((0, 2), keepdims=True), shapes((2, 3, 4)), grad_fn="SumBackward1"),
    OpInfo("mean", lambda a: a.mean(), lambda a: np.mean(a), unary(shapes=[(3, 4), (), (2, 3, 4), (5,)]),
           grad_fn="MeanBackward0"),
    OpInfo("torch.mean", lambda a: _mod(a).mean(a), lambda a: np.mean(a), unary(shapes=[(3, 4), (2, 3, 4)]),
           grad_fn="MeanBackward0"),
    OpInfo("mean_dim", lambda a: a.mean(0), lambda a: a.mean(0), shapes((3, 4), (2, 3, 4), (5,)),
           grad_fn="MeanBackward1"),
    OpInfo("mean_neg_dim", lambda a: a.mean(-2), lambda a: a.mean(-2), shapes((3, 4), (2, 3, 4)),
           grad_fn="MeanBackward1"),
    OpInfo("mean_dims", lambda a: a.mean((0, 1)), lambda a: a.mean((0, 1)), shapes((3, 4), (2, 3, 4)),
           grad_fn="MeanBackward1"),
    OpInfo("mean_keepdim", lambda a: a.mean(-1, keepdim=True), lambda a: a.mean(-1, keepdims=True),
           shapes((3, 4), (2, 3, 4)), grad_fn="MeanBackward1"),
    OpInfo("mean_dims_keepdim", lambda a: _mod(a).mean(a, (-1, 0), keepdim=True),
           lambda a: a.mean((-1, 0), keepdims=True), shapes((2, 3, 4)), grad_fn="MeanBackward1"),
    # ---- views
    OpInfo("view", lambda a: a.view(4, 3), lambda a: a.reshape(4, 3), shapes((3, 4), (12,), (2, 6)), FLOAT_INT,
           grad_fn="ViewBackward0", layouts=("contiguous",)),
    OpInfo("view_infer", lambda a: a.view(-1), lambda a: a.reshape(-1), shapes((3, 4), (), (0, 3), (2, 3, 4)),
           grad_fn="ViewBackward0", layouts=("contiguous",)),
    OpInfo("reshape", lambda a: a.reshape(2, -1), lambda a: a.reshape(2, -1), shapes((3, 4), (3, 2, 2), (4, 2)),
           FLOAT_INT, grad_fn="ViewBackward0",
           grad_fn_by_layout={"transposed": "UnsafeViewBackward0", "expanded": "UnsafeViewBackward0"},
           layouts=("contiguous", "transposed", "expanded")),
    # a strided input whose elements are evenly spaced can be reshaped without a copy: PyTorch's
    # _reshape_alias (a view, but not ViewBackward0)
    OpInfo("reshape_viewable", lambda a: a[..., ::2].reshape(-1), lambda a: a[..., ::2].reshape(-1),
           shapes((3, 8), (2, 3, 4)), grad_fn="ReshapeAliasBackward0", layouts=("contiguous",)),
    OpInfo("reshape_noncontig", lambda a: a.mT.reshape(-1), lambda a: np.swapaxes(a, -1, -2).reshape(-1),
           shapes((3, 4), (2, 3, 4)), grad_fn="UnsafeViewBackward0"),
    OpInfo("flatten", lambda a: a.flatten(), lambda a: a.reshape(-1), shapes((3, 4), (2, 3, 4)),
           grad_fn="ViewBackward0", layouts=("contiguous", "transposed", "expanded"),
           grad_fn_by_layout={"transposed": "UnsafeViewBackward0", "expanded": "UnsafeViewBackward0"}),
    OpInfo("flatten_1d", lambda a: a.flatten(), lambda a: a.reshape(-1), shapes((5,), (0,)),
           grad_fn=None, layouts=("contiguous", "strided", "expanded")),  # like PyTorch, flattening a 1-d tensor returns the tensor itself
    OpInfo("flatten_start", lambda a: a.flatten(1), lambda a: a.reshape(a.shape[0], -1), shapes((2, 3, 4)),
           grad_fn="ViewBackward0", layouts=("contiguous", "transposed"),
           grad_fn_by_layout={"transposed": "UnsafeViewBackward0"}),
    OpInfo("transpose", lambda a: a.transpose(0, 1), lambda a: np.swapaxes(a, 0, 1), shapes((3, 4), (2, 3, 4)),
           FLOAT_INT, grad_fn="TransposeBackward0"),
    OpInfo("transpose_neg", lambda a: a.transpose(-1, -3), lambda a: np.swapaxes(a, -1, -3), shapes((2, 3, 4)),
           grad_fn="TransposeBackward0"),
    OpInfo("t", lambda a: a.t(), _np_t, shapes((3, 4), (2, 5)), grad_fn="TBackward0"),
    OpInfo("T", lambda a: a.T, lambda a: a.T, shapes((3, 4), (1, 5)), grad_fn="PermuteBackward0"),
    OpInfo("mT", lambda a: a.mT, lambda a: np.swapaxes(a, -1, -2), shapes((3, 4), (2, 3, 4)),
           grad_fn="TransposeBackward0"),
    OpInfo("permute", lambda a: a.permute(2, 0, 1), lambda a: np.transpose(a, (2, 0, 1)), shapes((2, 3, 4)),
           FLOAT_INT, grad_fn="PermuteBackward0"),
    OpInfo("permute_neg", lambda a: a.permute(-1, 0, 1), lambda a: np.transpose(a, (2, 0, 1)), shapes((2, 3, 4)),
           grad_fn="PermuteBackward0"),
    OpInfo("expand", lambda a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)),
           shapes((3, 1), (1, 4), (3, 4), ()), FLOAT_INT, grad_fn="ExpandBackward0"),
    OpInfo("expand_keep", lambda a: a.expand(3, -1, -1), lambda a: np.broadcast_to(a, (3,) + a.shape),
           shapes((3, 4), (1, 4)), grad_fn="ExpandBackward0"),
    OpInfo("squeeze", lambda a: a.squeeze(), lambda a: np.squeeze(a), shapes((3, 1, 4), (1, 4, 1), (1, 1)),
           grad_fn="SqueezeBackward0"),
    OpInfo("squeeze_dim", lambda a: a.squeeze(1), lambda a: _squeeze_dims(a, (1,)), shapes((3, 1, 4), (3, 4)),
           grad_fn="SqueezeBackward1"),
    OpInfo("squeeze_dims", lambda a: a.squeeze((0, -1)), lambda a: _squeeze_dims(a, (0, -1)),
           shapes((1, 3, 1), (2, 3, 1)), grad_fn="SqueezeBackward2"),
    OpInfo("unsqueeze", lambda a: a.unsqueeze(0), lambda a: a[None], shapes((3, 4), (), (0, 2)), FLOAT_INT,
           grad_fn="UnsqueezeBackward0"),
    OpInfo("unsqueeze_neg", lambda a: a.unsqueeze(-1), lambda a: a[..., None], shapes((3, 4), (5,)),
           grad_fn="UnsqueezeBackward0"),
    OpInfo("index_int", lambda a: a[1], lambda a: a[1], shapes((3, 4), (2, 3, 4), (4,)), FLOAT_INT,
           grad_fn="SelectBackward0"),
    OpInfo("index_neg_int", lambda a: a[-1], lambda a: a[-1], shapes((3, 4)), grad_fn="SelectBackward0"),
    OpInfo("index_col", lambda a: a[:, 1], lambda a: a[:, 1], shapes((3, 4), (2, 3, 4)), grad_fn="SelectBackward0"),
    OpInfo("select", lambda a: a.select(1, 2), lambda a: a[:, 2], shapes((3, 4)), grad_fn="SelectBackward0"),
    OpInfo("index_slice", lambda a: a[1:3], lambda a: a[1:3], shapes((3, 4), (4,)), FLOAT_INT,
           grad_fn="SliceBackward0"),
    OpInfo("index_slice_step", lambda a: a[::2], lambda a: a[::2], shapes((3, 4), (5,)), grad_fn="SliceBackward0"),
    OpInfo("index_mixed", lambda a: a[0, 1:], lambda a: a[0, 1:], shapes((3, 4)), grad_fn="SliceBackward0"),
    OpInfo("narrow", lambda a: a.narrow(1, 1, 2), lambda a: a[:, 1:3], shapes((3, 4)), grad_fn="SliceBackward0"),
    OpInfo("index_ellipsis", lambda a: a[...], lambda a: a[...], shapes((3, 4), ()), grad_fn="AliasBackward0"),
    OpInfo("index_none", lambda a: a[None], lambda a: a[None], shapes((3, 4)), grad_fn="UnsqueezeBackward0"),
    # ---- copies and conversions
    OpInfo("clone", lambda a: a.clone(), lambda a: a.copy(), unary(), FLOAT_INT, grad_fn="CloneBackward0"),
    OpInfo("contiguous", lambda a: a.contiguous(), np.ascontiguousarray, shapes((3, 4), (2, 3, 4)),
           grad_fn="CloneBackward0", grad_fn_by_layout={"contiguous": None}),  # contiguous input: returns self
    # (on a float64 input to() returns the input itself, so the samples are float32)
    OpInfo("to_float64", lambda a: a.to(_mod(a).float64), lambda a: a.astype(np.float64), unary(),
           dtypes=("float32",), grad_fn="ToCopyBackward0",
           gradcheck_op=lambda a: a.to(_mod(a).float32).to(_mod(a).float64),
           gradcheck_kwargs=dict(eps=1e-3, atol=1e-3, rtol=1e-3)),
    # ---- not differentiable
    OpInfo("detach", lambda a: a.detach(), lambda a: a, unary(), FLOAT_INT, differentiable=False, grad_fn=None),
]

OPS = {o.name: o for o in op_db}
assert len(OPS) == len(op_db), "op names must be unique"
