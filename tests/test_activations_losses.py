"""Issue 11 §1: the parameterised activations (rows of the C++ activation registry, csrc/ops/activation.h)
and glu, compared with PyTorch: values (float32/float64, non-contiguous, large threaded inputs), grad_fn
names of the out-of-place and in-place forms, gradcheck/gradgradcheck, modules' repr, bad inputs."""
import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.nn.functional as F
from conftest import assert_close

# name -> (positional and keyword arguments after input)
CASES = {
    "relu6": ((), {}),
    "hardtanh": ((-0.7, 1.3), {}),
    "leaky_relu": ((0.2,), {}),
    "elu": ((), {"alpha": 1.3}),
    "selu": ((), {}),
    "celu": ((), {"alpha": 0.7}),
    "gelu": ((), {}),
    "gelu_tanh": ((), {"approximate": "tanh"}),
    "silu": ((), {}),
    "mish": ((), {}),
    "softplus": ((), {"beta": 2.0, "threshold": 3.0}),
    "softsign": ((), {}),
    "hardsigmoid": ((), {}),
    "hardswish": ((), {}),
    "logsigmoid": ((), {}),
    "glu": ((), {"dim": 0}),
}
INPLACE = ["relu6", "hardtanh", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "hardsigmoid", "hardswish"]


def fn(lib, name):
    return getattr(lib.nn.functional, "gelu" if name == "gelu_tanh" else name)


def data(shape, dtype=np.float64, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 4
    return x.astype(dtype)


def pair(torch, x, requires_grad=False):
    return (smalltorch.tensor(x, requires_grad=requires_grad), torch.tensor(x, requires_grad=requires_grad))


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_torch(torch_ref, name, dtype):
    args, kw = CASES[name]
    x = data((6, 8), dtype)
    a, b = pair(torch_ref, x)
    y = fn(smalltorch, name)(a, *args, **kw)
    e = fn(torch_ref, name)(b, *args, **kw).numpy()
    assert_close(y, e, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("name", CASES)
def test_non_contiguous_and_large_inputs(torch_ref, name):
    args, kw = CASES[name]
    x = data((8, 6))
    a, b = pair(torch_ref, x)
    assert_close(fn(smalltorch, name)(a.t(), *args, **kw), fn(torch_ref, name)(b.t(), *args, **kw).numpy(),
                 rtol=1e-12, atol=1e-12)
    big = data((4, 100_000), np.float32, seed=1)  # above the threading threshold (2 * 65536 elements)
    a, b = pair(torch_ref, big)
    assert_close(fn(smalltorch, name)(a, *args, **kw), fn(torch_ref, name)(b, *args, **kw).numpy(),
                 rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_grad_fn_names_and_gradients_match_torch(torch_ref, name):
    args, kw = CASES[name]
    x = data((4, 6))
    a, b = pair(torch_ref, x, requires_grad=True)
    y = fn(smalltorch, name)(a, *args, **kw)
    e = fn(torch_ref, name)(b, *args, **kw)
    assert type(y.grad_fn).__name__ == type(e.grad_fn).__name__
    g = data(tuple(e.shape), seed=2)
    y.backward(smalltorch.tensor(g))
    e.backward(torch_ref.tensor(g))
    assert_close(a.grad, b.grad.numpy(), rtol=1e-6, atol=1e-9)  # torch: float 1/6, 1/alpha


@pytest.mark.parametrize("name", CASES)
def test_gradcheck_and_gradgradcheck(torch_ref, name):
    args, kw = CASES[name]
    # away from the kinks of the piecewise functions, where finite differences are not derivatives
    x = data((4, 6), seed=3)
    x = np.where(np.abs(np.abs(x) - 3) < 0.1, x + 0.3, x)
    x = np.where(np.abs(x) < 0.1, x + 0.3, x)
    x = np.where(np.abs(x - 1.3) < 0.1, x + 0.3, x)
    x = np.where(np.abs(x + 0.7) < 0.1, x + 0.3, x)
    x = np.where(np.abs(x - 6) < 0.1, x + 0.3, x)
    a = smalltorch.tensor(x, requires_grad=True)
    f = fn(smalltorch, name)
    assert smalltorch.autograd.gradcheck(lambda t: f(t, *args, **kw), (a,))
    assert smalltorch.autograd.gradgradcheck(lambda t: f(t, *args, **kw), (a,))


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forms_match_torch(torch_ref, name):
    args, kw = CASES[name]
    x = data((3, 5))
    a, b = pair(torch_ref, x, requires_grad=True)
    ca, cb = a.clone(), b.clone()
    v = ca._version
    ra = fn(smalltorch, name)(ca, *args, **kw, inplace=True)
    rb = fn(torch_ref, name)(cb, *args, **kw, inplace=True)
    assert ra is ca and ca._version == v + 1
    assert type(ca.grad_fn).__name__ == type(cb.grad_fn).__name__
    assert_close(ca, cb.detach().numpy(), rtol=1e-12, atol=1e-12)
    ca.sum().backward()
    cb.sum().backward()
    assert_close(a.grad, b.grad.numpy(), rtol=1e-6, atol=1e-9)  # torch: float 1/6, 1/alpha


@pytest.mark.parametrize("name", ["leaky_relu_", "elu_", "selu_", "celu_", "hardtanh_"])
def test_underscore_functions_match_torch(torch_ref, name):
    x = data((3, 4))
    a, b = pair(torch_ref, x, requires_grad=True)
    ca, cb = a.clone(), b.clone()
    getattr(F, name)(ca)
    getattr(torch_ref.nn.functional, name)(cb)
    assert type(ca.grad_fn).__name__ == type(cb.grad_fn).__name__
    assert_close(ca, cb.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["selu", "celu", "selu_", "celu_"])
def test_top_level_names_match_torch(torch_ref, name):
    x = data((3, 4))
    a, b = pair(torch_ref, x)
    assert hasattr(torch_ref, name)
    ra = getattr(smalltorch, name)(a)
    rb = getattr(torch_ref, name)(b)
    assert_close(ra, rb.numpy(), rtol=1e-12, atol=1e-12)
    if name.endswith("_"):
        assert ra is a
    assert_close(smalltorch.celu(a, alpha=0.5), torch_ref.celu(b, alpha=0.5).numpy(), rtol=1e-12, atol=1e-12)


def test_inplace_leaky_relu_with_negative_slope_fails_in_backward_as_torch(torch_ref):
    for lib in (smalltorch, torch_ref):
        y = lib.ones(3, dtype=lib.float64, requires_grad=True).clone()
        z = lib.nn.functional.leaky_relu(y, -0.1, inplace=True)
        with pytest.raises(RuntimeError, match="negative slope"):
            z.sum().backward()


def test_integer_inputs_raise_as_torch(torch_ref):
    for name in CASES:
        args, kw = CASES[name]
        outcome = []
        for lib in (smalltorch, torch_ref):
            x = lib.arange(6)
            try:
                r = fn(lib, name)(x, *args, **kw)
                outcome.append(("ok", str(r.dtype).split(".")[1], r.tolist()))
            except Exception as e:  # noqa: BLE001 (the classes are compared)
                outcome.append((type(e).__name__, str(e)))
        assert outcome[0] == outcome[1], name


def test_bad_arguments_raise_as_torch(torch_ref):
    calls = [
        lambda lib, x: lib.nn.functional.gelu(x, approximate="tan"),
        lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0),
        lambda lib, x: lib.nn.functional.celu(x, alpha=0.0),
        lambda lib, x: lib.nn.functional.glu(x[0]),
        lambda lib, x: lib.nn.functional.glu(x, dim=1),
        lambda lib, x: lib.nn.functional.glu(x, dim=2),
        lambda lib, x: lib.nn.functional.glu(x.sum()),
        lambda lib, x: lib.nn.functional.elu(x, alpha="a"),
    ]
    for call in calls:
        got = []
        for lib in (smalltorch, torch_ref):
            x = lib.ones(4, 3)
            with pytest.raises(Exception) as info:
                call(lib, x)
            got.append(info.type)
        assert got[0] is got[1], got


MODULES = [("ReLU6", (), {}), ("ReLU6", (), {"inplace": True}), ("Hardtanh", (-2.0, 3.0), {}),
           ("Hardtanh", (), {"inplace": True}), ("LeakyReLU", (0.2,), {}), ("ELU", (), {"alpha": 0.5}),
           ("SELU", (), {}), ("SELU", (), {"inplace": True}), ("CELU", (0.7,), {}), ("GELU", (), {"approximate": "tanh"}),
           ("SiLU", (), {}), ("Mish", (), {}), ("Mish", (), {"inplace": True}), ("Softplus", (), {"beta": 2.0}),
           ("Softsign", (), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}), ("LogSigmoid", (), {}),
           ("GLU", (), {}), ("GLU", (0,), {})]


@pytest.mark.parametrize("cls,args,kw", MODULES)
def test_modules_repr_and_forward_match_torch(torch_ref, cls, args, kw):
    m = getattr(nn, cls)(*args, **kw)
    t = getattr(torch_ref.nn, cls)(*args, **kw)
    assert repr(m) == repr(t)
    x = data((4, 6), seed=5)
    a, b = pair(torch_ref, x)
    assert_close(m(a), t(b).numpy(), rtol=1e-12, atol=1e-12)
