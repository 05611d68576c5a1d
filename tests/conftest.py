"""Shared helpers for the Python tests.

Tests import the *installed* smalltorch (run pytest from tests/, or with the
package on PYTHONPATH). PyTorch is optional: tests that compare with it use
the `torch_ref` fixture and skip when it is absent.
"""

import os

import numpy as np
import pytest

import smalltorch


# Subprocesses must import the same smalltorch as this process (the installed
# package in CI, a dev build on PYTHONPATH locally), never the bare source tree.
SMALLTORCH_PATH = os.path.dirname(os.path.dirname(os.path.abspath(smalltorch.__file__)))


def subprocess_env(**extra):
    """Environment for a child Python that imports this smalltorch (and the tests' helpers)."""
    paths = [SMALLTORCH_PATH, os.path.dirname(os.path.abspath(__file__)), os.environ.get("PYTHONPATH", "")]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p), **extra)


# CI sets SMALLTORCH_REQUIRE_TORCH=1: there PyTorch must be importable, and a test that
# would skip for want of it fails instead (.ci/run also rejects any skip naming PyTorch).
REQUIRE_TORCH = os.environ.get("SMALLTORCH_REQUIRE_TORCH") == "1"
if REQUIRE_TORCH:
    import torch  # noqa: F401  (an ImportError here stops the run)


@pytest.fixture
def torch_ref():
    if REQUIRE_TORCH:
        import torch
        return torch
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Every test starts with grad mode on and float32 as the default dtype."""
    yield
    smalltorch._C._set_grad_enabled(True)
    smalltorch.set_default_dtype(smalltorch.float32)


def to_np(t):
    return t.detach().numpy()


def assert_close(actual, expected, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Compares a smalltorch tensor with a numpy array (values, shape and, optionally, dtype)."""
    a = to_np(actual) if isinstance(actual, smalltorch.Tensor) else np.asarray(actual)
    e = np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    if check_dtype:
        assert a.dtype == e.dtype, f"dtype {a.dtype} != {e.dtype}"
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype != np.bool_ else a,
                               e.astype(np.float64) if e.dtype != np.bool_ else e, rtol=rtol, atol=atol)


# The six dtypes, their numpy types and names (for tests that loop over dtypes).
DTYPES = [smalltorch.bool, smalltorch.uint8, smalltorch.int32, smalltorch.int64, smalltorch.float32,
          smalltorch.float64]
NP_OF = {smalltorch.bool: np.bool_, smalltorch.uint8: np.uint8, smalltorch.int32: np.int32,
         smalltorch.int64: np.int64, smalltorch.float32: np.float32, smalltorch.float64: np.float64}
NAMES = {d: repr(d).split(".")[1] for d in DTYPES}


def ref_dtype(torch_ref, d):
    """PyTorch's dtype of the same name."""
    return getattr(torch_ref, NAMES[d])


def scalar_chain(n):
    """A 0-d leaf multiplied n times: a graph of n MulBackward0 nodes in a row (graph and trace tests)."""
    import smalltorch as st
    x = st.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001
    return y
