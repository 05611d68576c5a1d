"""The op table format (PyTorch's OpInfo is the model).

Each operator family lists its ops as OpInfo entries in a module named
``opinfo_<family>.py`` exposing ``OPS``; ``test_opinfo.py`` runs every entry:
forward against numpy for each dtype on contiguous, transposed, strided and
expanded (stride-0) inputs (samples include 0-d, empty and broadcast cases), result dtype and
grad_fn name against PyTorch when it is installed, gradcheck (and optionally
gradgradcheck) in float64, and the in-place form against the out-of-place one.
See test_opinfo.py's docstring for the full list of checks and the optional
fields below (layouts, per-layout grad_fn, xfail_checks, ...).

``op`` and ``inplace`` receive the module first (``smalltorch`` or ``torch``)
so that one lambda serves both libraries: ``op=lambda T, a: T.exp(a)``.
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

FLOATS = ("float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")
ALL = ("bool",) + INTS + FLOATS
NUMERIC = INTS + FLOATS


@dataclass
class Sample:
    args: tuple                      # numpy arrays become tensors; anything else passes as is
    kwargs: dict = field(default_factory=dict)


@dataclass
class OpInfo:
    name: str
    op: Callable                     # op(T, *args, **kwargs) with T = smalltorch or torch
    ref: Callable                    # numpy reference: ref(*arrays, **kwargs)
    samples: Callable                # samples(np_dtype, rng) -> list[Sample]
    dtypes: tuple = FLOATS
    grad: bool = True                # check gradients with gradcheck in float64
    gradgrad: bool = False           # also gradgradcheck
    grad_fn: Optional[str] = None    # expected grad_fn name (else compared with torch's)
    inplace: Optional[Callable] = None  # inplace(T, *args, **kwargs) mutating args[0]
    rtol: float = 1e-5
    atol: float = 1e-6
    diff_args: Optional[tuple] = None   # indices of array args that require grad (default: all)
    check_torch_dtype: bool = True
    # ---- optional fields (added when tests/op_table.py was folded in; all have defaults)
    layouts: Optional[tuple] = None     # input layouts to try (default: all of test_opinfo.LAYOUTS)
    grad_fn_by_layout: dict = field(default_factory=dict)  # expected grad_fn per layout, overriding grad_fn
    returns_input: tuple = ()           # layouts on which op returns args[0] itself (no new grad_fn)
    gradcheck_op: Optional[Callable] = None  # replaces op in gradcheck, e.g. a dtype conversion made float64-only
    gradcheck_kwargs: dict = field(default_factory=dict)    # extra gradcheck arguments (eps, atol, rtol)
    dtype_tols: dict = field(default_factory=dict)  # dtype name -> (rtol, atol) overriding rtol/atol in forward
    # check name (or "check[param-id suffix]", e.g. "forward[float32-expanded]") -> reason: a known library
    # bug, run as a strict xfail; check names are listed in test_opinfo.py
    xfail_checks: dict = field(default_factory=dict)

    def expected_grad_fn(self, layout):
        return self.grad_fn_by_layout.get(layout, self.grad_fn)


def rand_array(rng, shape, dtype, low=-3.0, high=3.0):
    """Random values of a numpy dtype; bools and ints drawn in small ranges."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.asarray(rng.random(shape) > 0.5)
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else int(low) * 3
        return np.asarray(rng.integers(lo, int(high) * 3 + 1, size=shape), dtype=dtype)
    return np.asarray(rng.uniform(low, high, size=shape), dtype=dtype)  # a 0-d array for shape ()


def unary_samples(low=-3.0, high=3.0, shapes=((5,), (3, 4), (2, 3, 4), (), (0,), (0, 3))):
    def gen(dtype, rng):
        return [Sample((rand_array(rng, s, dtype, low, high),)) for s in shapes]
    return gen


def binary_samples(low=-3.0, high=3.0, scalar=None):
    pairs = [((5,), (5,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((0, 3), (3,))]

    def gen(dtype, rng):
        out = [Sample((rand_array(rng, a, dtype, low, high), rand_array(rng, b, dtype, low, high))) for a, b in pairs]
        if scalar is not None:
            out.append(Sample((rand_array(rng, (3, 4), dtype, low, high), scalar)))
        return out
    return gen
