"""Forward-mode AD over the whole op table: for every differentiable row, the tangents of its outputs for random
input tangents (float64, the row's first samples, broadcast inputs included) equal PyTorch's
torch.autograd.forward_ad, and where PyTorch refuses, smalltorch refuses too."""

import glob
import importlib
import os
import warnings

import numpy as np
import pytest

import smalltorch as st

_HERE = os.path.dirname(__file__)
OPS = []
for _path in sorted(glob.glob(os.path.join(_HERE, "opinfo_*.py"))):
    OPS.extend(importlib.import_module(os.path.basename(_path)[:-3]).OPS)

# Rows where smalltorch's tangent deliberately differs from PyTorch 2.13's, with the reason.
DIFFERS = {
    # torch gives no tangent for reduce="prod"; ours is checked against finite differences in test_forward_ad.py
    "scatter_reduce": "torch.scatter_reduce(reduce='prod') returns no tangent in PyTorch 2.13",
}


def _tangents(m, op, sample, tangents):
    """The tangents of op's floating outputs (None where an output has none), under forward mode."""
    fw = m.autograd.forward_ad
    with fw.dual_level():
        args, k = [], 0
        for a in sample.args:
            if isinstance(a, np.ndarray) and a.dtype.kind == "f":
                args.append(fw.make_dual(m.from_numpy(a.copy()), m.from_numpy(tangents[k].copy())))
                k += 1
            else:
                args.append(m.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a)
        out = op.op(m, *args, **sample.kwargs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        got = []
        for o in outs:
            t = fw.unpack_dual(o).tangent if hasattr(o, "dtype") and o.is_floating_point() else None
            got.append(None if t is None else t.detach().numpy().copy())
        return got


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in OPS if op.grad and "float64" in op.dtypes])
def test_tangents_match_torch(torch_ref, op):
    rng = np.random.default_rng(3)
    samples = op.samples(np.dtype("float64"), rng)[:3]
    for s in samples:
        tangents = [rng.standard_normal(a.shape) for a in s.args if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = _tangents(torch_ref, op, s, tangents)
            except Exception:  # noqa: BLE001 - PyTorch refuses this (forward mode unsupported, bad sample, ...)
                with pytest.raises(Exception):
                    _tangents(st, op, s, tangents)
                continue
            got = _tangents(st, op, s, tangents)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            if op.name in DIFFERS and (g is None) != (w is None):
                continue
            assert (g is None) == (w is None), f"{op.name}: tangent {'present' if g is not None else 'missing'}, " \
                                                f"torch's {'present' if w is not None else 'missing'}"
            if g is not None:
                np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8, equal_nan=True, err_msg=op.name)
