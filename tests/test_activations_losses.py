"""Issue 11 §1: the parameterised activations (rows of the C++ activation registry, csrc/ops/activation.h)
and glu, compared with PyTorch: values (float32/float64, non-contiguous, large threaded inputs), grad_fn
names of the out-of-place and in-place forms, gradcheck/gradgradcheck, modules' repr, bad inputs."""
import subprocess
import sys

import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.nn.functional as F
from conftest import assert_close, subprocess_env

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


@pytest.mark.parametrize("name,kw", [("leaky_relu", {"negative_slope": -0.1}), ("elu", {"alpha": -0.5}),
                                     ("celu", {"alpha": -0.5}), ("leaky_relu", {"negative_slope": 0.0})])
def test_inplace_backward_with_negative_slope_fails_as_torch(torch_ref, name, kw):
    msgs = []
    for lib in (smalltorch, torch_ref):
        y = lib.ones(3, dtype=lib.float64, requires_grad=True).clone()
        z = getattr(lib.nn.functional, name)(y, inplace=True, **kw)
        try:
            z.sum().backward()
            msgs.append(None)
        except RuntimeError as e:
            msgs.append(str(e))
    assert msgs[0] == msgs[1]


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
        lambda lib, x: lib.nn.functional.logsigmoid(x, 1.0),
        lambda lib, x: lib.nn.functional.gelu(x, approximate=None),
        lambda lib, x: lib.nn.functional.softplus(x.int()),
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


# ---- losses (issue 11 §1: fused SmoothL1/Huber/BCE kernels; l1_loss and kl_div are compositions in PyTorch too)
LOSSES = {
    "smooth_l1_loss": {"beta": 0.7},
    "smooth_l1_beta0": {"beta": 0.0},
    "huber_loss": {"delta": 0.6},
    "l1_loss": {},
    "kl_div": {},
    "kl_div_log_target": {"log_target": True},
    "binary_cross_entropy": {},
    "binary_cross_entropy_weight": {"weight": "w"},
}
REDUCTIONS = ["none", "mean", "sum"]


def loss_fn(lib, name):
    base = {"smooth_l1_beta0": "smooth_l1_loss", "kl_div_log_target": "kl_div",
            "binary_cross_entropy_weight": "binary_cross_entropy"}.get(name, name)
    return getattr(lib.nn.functional, base)


def loss_inputs(lib, name, dtype, requires_grad=False, shape=(5, 4)):
    rng = np.random.default_rng(7)
    if name.startswith("binary"):
        x, t = rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    elif name.startswith("kl_div"):
        x, t = np.log(rng.uniform(0.1, 1, shape)), rng.uniform(0.1, 1, shape)
        if name.endswith("log_target"):
            t = np.log(t)
    else:
        x, t = rng.standard_normal(shape), rng.standard_normal(shape)
    kw = dict(LOSSES[name])
    if kw.get("weight") == "w":
        kw["weight"] = lib.tensor(rng.uniform(0.5, 2, shape[-1:]).astype(dtype))
    return (lib.tensor(x.astype(dtype), requires_grad=requires_grad),
            lib.tensor(t.astype(dtype), requires_grad=requires_grad), kw)


@pytest.mark.filterwarnings("ignore:reduction")
@pytest.mark.parametrize("name,reduction", [(n, r) for n in LOSSES for r in REDUCTIONS] +
                         [("kl_div", "batchmean"), ("kl_div_log_target", "batchmean")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_match_torch(torch_ref, name, reduction, dtype):
    ours, theirs = (loss_inputs(lib, name, dtype, requires_grad=True) for lib in (smalltorch, torch_ref))
    y = loss_fn(smalltorch, name)(ours[0], ours[1], reduction=reduction, **ours[2])
    e = loss_fn(torch_ref, name)(theirs[0], theirs[1], reduction=reduction, **theirs[2])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert_close(y, e.detach().numpy(), rtol=tol, atol=tol)
    assert type(y.grad_fn).__name__ == type(e.grad_fn).__name__
    g = np.random.default_rng(8).standard_normal(tuple(e.shape)).astype(dtype)
    y.backward(smalltorch.tensor(g))
    e.backward(torch_ref.tensor(g))
    assert_close(ours[0].grad, theirs[0].grad.numpy(), rtol=tol * 10, atol=tol)
    assert_close(ours[1].grad, theirs[1].grad.numpy(), rtol=tol * 10, atol=tol)


@pytest.mark.parametrize("name", ["smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_losses_gradcheck_and_gradgradcheck(name, reduction):
    x, t, kw = loss_inputs(smalltorch, name, np.float64, requires_grad=True)
    f = loss_fn(smalltorch, name)
    assert smalltorch.autograd.gradcheck(lambda a, b: f(a, b, reduction=reduction, **kw), (x, t))
    assert smalltorch.autograd.gradgradcheck(lambda a, b: f(a, b, reduction=reduction, **kw), (x, t))


def test_fused_losses_on_large_non_contiguous_inputs(torch_ref):
    for name in ["smooth_l1_loss", "huber_loss", "binary_cross_entropy"]:
        ours, theirs = (loss_inputs(lib, name, np.float64, shape=(600, 500)) for lib in (smalltorch, torch_ref))
        y = loss_fn(smalltorch, name)(ours[0].t(), ours[1].t(), reduction="none", **ours[2])
        e = loss_fn(torch_ref, name)(theirs[0].t(), theirs[1].t(), reduction="none", **theirs[2])
        assert_close(y, e.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.filterwarnings("ignore:reduction")
def test_loss_bad_inputs_raise_as_torch(torch_ref):
    calls = [
        lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t[:2]),
        lambda lib, x, t: lib.nn.functional.huber_loss(x, t[:2]),
        lambda lib, x, t: lib.nn.functional.kl_div(x, t[:2], reduction="sum"),
        lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t, beta=-1.0),
        lambda lib, x, t: lib.nn.functional.huber_loss(x, t, delta=0.0),
        lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction="bad"),
        lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t, reduction="bad"),
        lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x.long(), t.long()),
        lambda lib, x, t: lib.nn.functional.huber_loss(x.long(), t.long()),
        lambda lib, x, t: lib.nn.functional.kl_div(x.long(), t.long()),
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x, t.long()),
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x, t[:2]),
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x * 3, t),
    ]
    xs = np.random.default_rng(0).uniform(0.05, 0.95, (2, 3, 4))  # fixed inputs in (0, 1), the same for both
    for i, call in enumerate(calls):
        got = []
        for lib in (smalltorch, torch_ref):
            x, t = lib.tensor(xs[0], dtype=lib.float64), lib.tensor(xs[1], dtype=lib.float64)
            with pytest.raises(Exception) as info:
                call(lib, x, t)
                pytest.fail(f"call {i} did not raise in {lib.__name__}")
            got.append((info.type, str(info.value)))
        assert got[0][0] is got[1][0] and got[0][1].replace("smalltorch.", "torch.").startswith(got[1][1]), (i, got)  # ours may add the shapes


def test_broadcast_target_warns_and_broadcasts_as_torch(torch_ref):
    outs = []
    for lib in (smalltorch, torch_ref):
        x, t = lib.arange(12.0).reshape(3, 4) / 5, lib.arange(4.0) / 3
        with pytest.warns(UserWarning, match="target size"):
            outs.append((lib.nn.functional.smooth_l1_loss(x, t).item(), lib.nn.functional.huber_loss(x, t).item()))
    assert outs[0] == pytest.approx(outs[1], rel=1e-6)


def test_kl_div_mean_warns_as_torch(torch_ref):
    for lib in (smalltorch, torch_ref):
        with pytest.warns(UserWarning, match="batchmean"):
            lib.nn.functional.kl_div(lib.zeros(2, 3), lib.ones(2, 3))


@pytest.mark.parametrize("cls,kw", [("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 2.0}),
                                    ("KLDivLoss", {"reduction": "batchmean"}), ("KLDivLoss", {"log_target": True,
                                                                                             "reduction": "sum"}),
                                    ("L1Loss", {}), ("BCELoss", {"reduction": "sum"})])
def test_loss_modules_match_torch(torch_ref, cls, kw):
    m, t = getattr(nn, cls)(**kw), getattr(torch_ref.nn, cls)(**kw)
    assert repr(m) == repr(t)
    name = {"SmoothL1Loss": "smooth_l1_loss", "HuberLoss": "huber_loss", "KLDivLoss": "kl_div",
            "L1Loss": "l1_loss", "BCELoss": "binary_cross_entropy"}[cls]
    ours, theirs = (loss_inputs(lib, name, np.float64) for lib in (smalltorch, torch_ref))
    assert_close(m(ours[0], ours[1]), t(theirs[0], theirs[1]).numpy(), rtol=1e-12, atol=1e-12)


def test_inplace_forms_reject_non_tensors_without_crashing(torch_ref):
    code = ("import smalltorch as st, smalltorch.nn.functional as F\n"
            "for call in (lambda: st.celu_(None), lambda: st.selu_(1.0), lambda: F.elu(None, inplace=True),\n"
            "             lambda: F.leaky_relu_('x'), lambda: F.hardtanh(None, inplace=True)):\n"
            "    try:\n"
            "        call()\n"
            "    except TypeError:\n"
            "        pass\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env())
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    for lib in (smalltorch, torch_ref):
        with pytest.raises(TypeError):
            lib.celu_(None)


def test_every_registry_row_is_tested_and_names_torchs_node(torch_ref):
    rows = smalltorch._C._activation_registry
    assert set(rows) <= set(CASES), set(rows) - set(CASES)
    x = torch_ref.randn(4, dtype=torch_ref.float64, requires_grad=True)
    for name, (rule, kernel, inplace, node, params, defaults) in rows.items():
        args, kw = CASES[name]
        assert type(fn(torch_ref, name)(x, *args, **kw).grad_fn).__name__ == node, name
        assert (name in INPLACE) == bool(inplace), name


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_gradient_is_zero_where_result_is_zero_even_for_nonfinite_grad(torch_ref, dtype):
    # ReluBackward0 is PyTorch's threshold_backward: g where the result is > 0, else 0 (not g · 0, NaN for inf)
    x = [-1.0, 0.0, -0.0, 2.0, 3.0, -4.0]
    g = [float("inf"), float("nan"), -float("inf"), float("inf"), 1.5, float("nan")]
    st = smalltorch
    a = st.tensor(x, dtype=getattr(st, dtype), requires_grad=True)
    ta = torch_ref.tensor(x, dtype=getattr(torch_ref, dtype), requires_grad=True)
    st.relu(a).backward(st.tensor(g, dtype=getattr(st, dtype)))
    torch_ref.relu(ta).backward(torch_ref.tensor(g, dtype=getattr(torch_ref, dtype)))
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    assert type(st.relu(a).grad_fn).__name__ == type(torch_ref.relu(ta).grad_fn).__name__ == "ReluBackward0"
