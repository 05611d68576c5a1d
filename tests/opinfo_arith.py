"""Op table entries: arithmetic of issue 2 (+ - * / ** neg exp log reciprocal)."""

import numpy as np

from opinfo import FLOATS, NUMERIC, OpInfo, binary_samples, unary_samples

OPS = [
    OpInfo("add", lambda T, a, b: a + b, np.add, binary_samples(scalar=2.5), dtypes=NUMERIC, grad_fn="AddBackward0",
           gradgrad=True, inplace=lambda T, a, b: a.add_(b)),
    OpInfo("add_alpha", lambda T, a, b: T.add(a, b, alpha=2), lambda a, b: a + 2 * b, binary_samples(),
           dtypes=NUMERIC, grad_fn="AddBackward0", inplace=lambda T, a, b: a.add_(b, alpha=2)),
    OpInfo("sub", lambda T, a, b: a - b, np.subtract, binary_samples(scalar=1.5), dtypes=("int32", "int64") + FLOATS,
           grad_fn="SubBackward0", inplace=lambda T, a, b: a.sub_(b)),
    OpInfo("rsub_scalar", lambda T, a: 2 - a, lambda a: 2 - a, unary_samples(), dtypes=("int32", "int64") + FLOATS,
           grad_fn="RsubBackward1"),
    OpInfo("mul", lambda T, a, b: a * b, np.multiply, binary_samples(scalar=-1.5), dtypes=NUMERIC,
           grad_fn="MulBackward0", gradgrad=True, inplace=lambda T, a, b: a.mul_(b)),
    OpInfo("div", lambda T, a, b: a / b, np.divide, binary_samples(low=0.5, high=3.0, scalar=4.0),
           grad_fn="DivBackward0", gradgrad=True, inplace=lambda T, a, b: a.div_(b)),
    OpInfo("rdiv_scalar", lambda T, a: 2 / a, lambda a: 2 / a, unary_samples(low=0.5, high=3.0),
           grad_fn="MulBackward0"),
    OpInfo("pow_scalar", lambda T, a: a ** 3, lambda a: a ** 3, unary_samples(), grad_fn="PowBackward0",
           gradgrad=True, inplace=lambda T, a: a.pow_(3)),
    OpInfo("pow_tensor", lambda T, a, b: a ** b, np.power, binary_samples(low=0.5, high=2.0),
           grad_fn="PowBackward1", gradgrad=True),
    OpInfo("rpow_scalar", lambda T, a: 2.0 ** a, lambda a: np.power(2.0, a).astype(a.dtype), unary_samples(),
           grad_fn="PowBackward2"),
    OpInfo("neg", lambda T, a: -a, np.negative, unary_samples(), dtypes=("int32", "int64") + FLOATS,
           grad_fn="NegBackward0", inplace=lambda T, a: a.neg_()),
    OpInfo("exp", lambda T, a: T.exp(a), np.exp, unary_samples(), grad_fn="ExpBackward0", gradgrad=True),
    OpInfo("log", lambda T, a: T.log(a), np.log, unary_samples(low=0.1, high=5.0), grad_fn="LogBackward0",
           gradgrad=True),
    OpInfo("reciprocal", lambda T, a: T.reciprocal(a), np.reciprocal, unary_samples(low=0.5, high=3.0),
           grad_fn="ReciprocalBackward0", gradgrad=True),
]
