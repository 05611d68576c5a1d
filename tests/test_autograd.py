"""Autograd behaviour that PyTorch users rely on: graph structure, backward/grad, hooks, grad mode."""

import math
import threading
import warnings

import numpy as np
import pytest

import smalltorch as torch
from smalltorch import autograd
from conftest import assert_close, to_np

F64 = torch.float64


def leaf(values, dtype=F64):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


# ----------------------------------------------------------------------------------------- graph structure

def test_requires_grad_is_leaf_grad_fn():
    a = torch.ones(2, 3)
    assert not a.requires_grad and a.is_leaf and a.grad_fn is None and a.grad is None
    x = torch.ones(2, 3, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    z = a * 2  # no input requires grad
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    w = a + x  # one does
    assert w.requires_grad and not w.is_leaf


def test_next_functions_structure():
    x = leaf([1.0, 2.0])
    y = x + 2
    nf = y.grad_fn.next_functions
    assert isinstance(nf, tuple) and len(nf) == 2
    acc, nr = nf[0]
    assert acc.name() == "torch::autograd::AccumulateGrad" and nr == 0  # PyTorch's name() for it
    assert repr(acc).startswith("<AccumulateGrad object at 0x")
    assert acc.variable is x
    assert nf[1] == (None, 0)  # the scalar operand
    assert acc.next_functions == ()

    w = leaf([3.0, 4.0])
    c = torch.tensor([1.0, 1.0], dtype=F64)  # does not require grad
    z = (x * w) * c
    mul2 = z.grad_fn
    assert mul2.name() == "MulBackward0"
    inner, _ = mul2.next_functions[0]
    assert inner.name() == "MulBackward0"
    assert mul2.next_functions[1] == (None, 0)
    assert inner.next_functions[0][0].variable is x
    assert inner.next_functions[1][0].variable is w

    s = (y * y).sum()
    mul = s.grad_fn.next_functions[0][0]
    assert s.grad_fn.name() == "SumBackward0" and mul.name() == "MulBackward0"
    assert [f.name() for f, _ in mul.next_functions] == ["AddBackward0", "AddBackward0"]


def test_next_functions_match_torch(torch_ref):
    def names(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = ((x * 2).exp() / (3 - x)).sum()
        out = []
        stack = [y.grad_fn]
        while stack:
            f = stack.pop()
            out.append(None if f is None else f.name())
            if f is not None:
                stack.extend(g for g, _ in f.next_functions)
        return out
    assert names(torch) == names(torch_ref)


# ----------------------------------------------------------------------------------------- backward

def test_backward_scalar_and_gradient_argument():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    assert_close(x.grad, 2 * np.array([1.0, 2.0, 3.0]))
    assert x.grad.dtype == F64 and x.grad.is_leaf and not x.grad.requires_grad

    x = leaf([1.0, 2.0, 3.0, 4.0])
    z = (2 * x).view(2, 2)
    v = np.array([[1.0, 0.1], [0.01, 0.001]])
    z.backward(torch.tensor(v, dtype=F64))
    assert_close(x.grad, 2 * v.reshape(-1))


def test_backward_gradient_shape_mismatch():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="(?i)shape"):
        y.backward(torch.ones(2, dtype=F64))
    with pytest.raises(RuntimeError, match="(?i)shape"):
        y.backward(torch.ones(3, 1, dtype=F64))


def test_backward_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()


def test_backward_on_tensor_without_graph():
    x = torch.ones(2)
    with pytest.raises(RuntimeError):
        x.sum().backward()


def test_grad_accumulates_and_can_be_cleared():
    xv = np.array([1.0, -2.0, 0.5])
    x = leaf(xv)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert_close(x.grad, 2 * xv + 3)
    g = x.grad
    x.grad.data.zero_()
    assert_close(x.grad, np.zeros(3))
    x.sum().backward()
    assert x.grad is g  # accumulated in place into the same tensor
    assert_close(x.grad, np.ones(3))
    x.grad.zero_()
    (x * 5).sum().backward()
    assert_close(x.grad, np.full(3, 5.0))
    x.grad = None
    assert x.grad is None
    (x * 7).sum().backward()
    assert_close(x.grad, np.full(3, 7.0))


def test_grad_setter_checks():
    x = leaf([1.0, 2.0])
    x.grad = torch.tensor([0.5, 0.5], dtype=F64)
    x.sum().backward()
    assert_close(x.grad, np.array([1.5, 1.5]))
    with pytest.raises(RuntimeError):
        x.grad = torch.ones(3, dtype=F64)


def test_non_leaf_grad_is_none_with_warning():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert y.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is not None  # leaves do not warn


def test_retain_grad():
    xv = np.array([1.0, 2.0, 3.0])
    x = leaf(xv)
    y = x * x
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad
    (y * 3).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_close(y.grad, np.full(3, 3.0))
    assert_close(x.grad, 3 * 2 * xv)
    x.retain_grad()  # no-op on a leaf
    assert not x.retains_grad


# ----------------------------------------------------------------------------------------- hooks

def test_hook_on_leaf_replaces_gradient_and_can_be_removed():
    x = leaf([1.0, 2.0])
    seen = []
    h1 = x.register_hook(lambda g: seen.append(to_np(g).copy()))
    h2 = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert_close(x.grad, np.full(2, 30.0))
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    h2.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert_close(x.grad, np.full(2, 3.0))
    h1.remove()
    (x * 3).sum().backward()
    assert len(seen) == 2


def test_hook_on_non_leaf_changes_upstream_gradient():
    xv = np.array([1.0, 2.0, 3.0])
    x = leaf(xv)
    y = x * x
    got = {}

    def hook(g):
        got["g"] = to_np(g).copy()
        return g * 2

    handle = y.register_hook(hook)
    (y * 4).sum().backward()
    np.testing.assert_allclose(got["g"], np.full(3, 4.0))
    assert_close(x.grad, 2 * 4 * 2 * xv)
    handle.remove()
    x.grad = None
    y2 = x * x
    y2.register_hook(lambda g: None)  # observing only
    (y2 * 4).sum().backward()
    assert_close(x.grad, 4 * 2 * xv)


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError):
        torch.ones(2).register_hook(lambda g: g)


def test_hook_with_retain_grad_sees_hooked_value():
    x = leaf([1.0, 2.0])
    y = x * 1.0
    y.retain_grad()
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    assert_close(x.grad, np.full(2, 2.0))
    assert_close(y.grad, np.full(2, 2.0))


# ----------------------------------------------------------------------------------------- grad mode

def test_no_grad_enable_grad_context_managers():
    x = leaf([1.0])
    assert torch.is_grad_enabled()
    with torch.no_grad():
        assert not torch.is_grad_enabled()
        y = x * 2
        with torch.enable_grad():
            assert torch.is_grad_enabled()
            z = x * 2
        assert not torch.is_grad_enabled()
        with torch.no_grad():
            assert not torch.is_grad_enabled()
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn.name() == "MulBackward0"


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with torch.no_grad():
            raise ValueError
    assert torch.is_grad_enabled()


def test_set_grad_enabled_forms():
    x = leaf([1.0])
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with torch.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    torch.set_grad_enabled(False)  # as a function
    assert not torch.is_grad_enabled() and not (x * 2).requires_grad
    torch.set_grad_enabled(True)
    assert torch.is_grad_enabled()
    with pytest.raises(TypeError):
        torch.set_grad_enabled(1)


def test_no_grad_decorators():
    x = leaf([1.0])

    @torch.no_grad()
    def f1(t):
        return t * 2, torch.is_grad_enabled()

    @torch.no_grad
    def f2(t):
        return t * 2, torch.is_grad_enabled()

    @torch.enable_grad()
    def f3(t):
        return t * 2

    for f in (f1, f2):
        y, mode = f(x)
        assert not y.requires_grad and not mode
        assert torch.is_grad_enabled()
    assert f1.__name__ == "f1" and f2.__name__ == "f2"
    with torch.no_grad():
        assert f3(x).requires_grad
        assert not torch.is_grad_enabled()
        y, _ = f1(x)  # nested no_grad inside no_grad
        assert not torch.is_grad_enabled()


def test_set_grad_enabled_decorator_does_not_change_mode_at_definition():
    @torch.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert torch.is_grad_enabled(), "decorating must not switch grad mode off"
    assert not f(leaf([1.0])).requires_grad
    assert torch.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["start"] = torch.is_grad_enabled()
        torch.set_grad_enabled(False)
        seen["set"] = torch.is_grad_enabled()
        barrier.wait()  # main thread checks its own mode now
        barrier.wait()

    barrier = threading.Barrier(2)
    with torch.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        barrier.wait()
        main_inside = torch.is_grad_enabled()
        barrier.wait()
        t.join()
    assert seen == {"start": True, "set": False}
    assert main_inside is False
    assert torch.is_grad_enabled()

    # a thread switching grad off does not affect the main thread
    th = threading.Thread(target=lambda: torch.set_grad_enabled(False))
    th.start()
    th.join()
    assert torch.is_grad_enabled()
    assert (leaf([1.0]) * 2).requires_grad


def test_autograd_namespace_reexports_grad_mode():
    assert autograd.no_grad is torch.no_grad
    with autograd.no_grad():
        assert not torch.is_grad_enabled()


# ----------------------------------------------------------------------------------------- requires_grad / detach / data

def test_requires_grad_underscore():
    x = torch.ones(3, dtype=F64)
    r = x.requires_grad_()
    assert r is x and x.requires_grad and x.is_leaf
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError):
        y.requires_grad_(False)  # only leaves can change the flag
    y.requires_grad_(True)  # ... setting it True on a non-leaf is fine (no-op)
    assert y.requires_grad


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
def test_only_floating_tensors_require_grad(dtype):
    d = getattr(torch, dtype)
    t = torch.zeros(2, dtype=d)
    with pytest.raises(RuntimeError, match="(?i)float"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="(?i)float"):
        t.requires_grad = True
    with pytest.raises(RuntimeError, match="(?i)float"):
        torch.zeros(2, dtype=d, requires_grad=True)
    assert not t.requires_grad


def test_detach_shares_storage_and_cuts_graph():
    x = leaf([1.0, 2.0])
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.zero_()
    assert_close(y.detach(), np.zeros(2))  # same storage
    assert y.requires_grad and y.grad_fn is not None


def test_detach_in_place():
    x = leaf([1.0, 2.0])
    y = x * 3
    r = y.detach_()
    assert r is y and y.is_leaf and not y.requires_grad and y.grad_fn is None
    v = (x * 3).view(2, 1)
    with pytest.raises(RuntimeError, match="view"):
        v.detach_()


def test_data_get_and_set():
    x = leaf([1.0, 2.0])
    d = x.data
    assert not d.requires_grad and d.is_leaf
    v = x._version
    d.mul_(10)  # shares storage, not tracked by autograd
    assert_close(x.detach(), np.array([10.0, 20.0]))
    assert x._version == v
    x.data = torch.tensor([5.0, 6.0, 7.0], dtype=F64)
    assert tuple(x.shape) == (3,) and x.requires_grad and x.is_leaf
    (x * x).sum().backward()
    assert_close(x.grad, np.array([10.0, 12.0, 14.0]))


# ----------------------------------------------------------------------------------------- autograd.grad / backward

def test_autograd_grad_basic():
    xv, wv = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    x, w = leaf(xv), leaf(wv)
    y = (x * w).sum()
    gx, gw = autograd.grad(y, [x, w])
    assert_close(gx, wv)
    assert_close(gw, xv)
    assert x.grad is None and w.grad is None  # grad() leaves .grad alone
    assert not gx.requires_grad


def test_autograd_grad_outputs_and_lists():
    xv = np.array([1.0, 2.0, 3.0])
    x = leaf(xv)
    y1, y2 = x * 2, x * x
    g1, g2 = np.array([1.0, 0.5, 0.25]), np.array([-1.0, 2.0, 0.0])
    (gx,) = autograd.grad([y1, y2], x, grad_outputs=[torch.tensor(g1), torch.tensor(g2)])
    assert_close(gx, 2 * g1 + 2 * xv * g2)
    with pytest.raises(RuntimeError, match="scalar"):
        autograd.grad(y1, x)


def test_autograd_grad_retain_graph():
    x = leaf([2.0])
    y = (x * x).exp().sum()
    (g1,) = autograd.grad(y, x, retain_graph=True)
    (g2,) = autograd.grad(y, x)
    expected = 2 * 2.0 * math.exp(4.0)
    assert_close(g1, np.array([expected]), rtol=1e-12)
    assert_close(g2, np.array([expected]), rtol=1e-12)
    with pytest.raises(RuntimeError, match="second time"):
        autograd.grad(y, x)


def test_autograd_grad_allow_unused():
    x, u = leaf([1.0]), leaf([2.0])
    y = (x * 3).sum()
    with pytest.raises(RuntimeError, match="(?i)allow_unused"):
        autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = autograd.grad(y, [x, u], retain_graph=True, allow_unused=True)
    assert_close(gx, np.array([3.0])) and gu is None
    gx, gu = autograd.grad(y, [x, u], materialize_grads=True)
    assert_close(gu, np.array([0.0]))


def test_autograd_grad_create_graph():
    x = leaf([2.0])
    (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (g2,) = autograd.grad(g.sum(), x)
    assert_close(g2, 6 * np.array([2.0]))


def test_autograd_backward_function():
    xv = np.array([1.0, 2.0])
    x = leaf(xv)
    y1, y2 = x * 2, (x * x).sum()
    autograd.backward([y1, y2], [torch.tensor([1.0, 1.0], dtype=F64), None])
    assert_close(x.grad, 2 + 2 * xv)
    x.grad = None
    autograd.backward((x * 4).sum())
    assert_close(x.grad, np.full(2, 4.0))
    with pytest.raises(RuntimeError):
        autograd.backward((x * 4).sum(), inputs=[])


def test_backward_inputs_accumulates_only_into_them():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = (x * w).sum()
    y.backward(inputs=[x], retain_graph=True)
    assert_close(x.grad, np.array([3.0, 4.0]))
    assert w.grad is None
    y.backward(inputs=[w])
    assert_close(w.grad, np.array([1.0, 2.0]))
    assert_close(x.grad, np.array([3.0, 4.0]))


def test_backward_inputs_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 2
    (h * h).sum().backward(inputs=[h])
    assert x.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(h.grad, 2 * np.array([2.0, 4.0]))


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    xv = np.array([1.0, 2.0])
    x = leaf(xv)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, 2 * 2 * xv)


def test_graph_without_saved_tensors_can_backward_twice():
    x = leaf([1.0, 2.0])
    y = (x + 2).sum()  # PyTorch: nothing saved, so no error either
    y.backward()
    y.backward()
    assert_close(x.grad, np.full(2, 2.0))


# ----------------------------------------------------------------------------------------- in-place checks

def test_inplace_on_saved_tensor_raises_naming_versions():
    x = leaf([1.0, 2.0])
    a = x * 1.0
    b = a * a  # saves a
    a.mul_(2)
    with pytest.raises(RuntimeError, match="(?s)modified by an inplace operation.*version 1.*version 0"):
        b.sum().backward()


def test_inplace_on_saved_output_raises():
    x = leaf([1.0, 2.0])
    y = x.exp()  # saves its result
    y.add_(1)
    with pytest.raises(RuntimeError, match="version"):
        y.sum().backward()


def test_inplace_on_unsaved_tensor_is_fine():
    xv = np.array([1.0, 2.0])
    x = leaf(xv)
    a = x + 1.0  # add saves nothing
    a.mul_(3)
    a.sum().backward()
    assert_close(x.grad, np.full(2, 3.0))


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1.0, 2.0])
    for f in (lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.__iadd__(1)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            f(x)
    assert x._version == 0
    with torch.no_grad():
        x.add_(1)  # allowed without recording
    assert_close(x.detach(), np.array([2.0, 3.0]))
    assert x.is_leaf and x.requires_grad


def test_inplace_on_view_of_leaf_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf"):
        x[0].mul_(2)


# ----------------------------------------------------------------------------------------- higher order

def test_second_derivative_of_cube():
    x0 = 2.0
    x = torch.tensor(x0, dtype=F64, requires_grad=True)
    y = x ** 3
    (dy,) = autograd.grad(y, x, create_graph=True)
    assert_close(dy, np.array(3 * x0 ** 2))
    (d2y,) = autograd.grad(dy, x)
    assert_close(d2y, np.array(6 * x0))
    assert d2y.item() == pytest.approx(12.0)


def _mixed(a, b):
    return ((a + b) * a / (b ** 2 + 1) + a ** b).sum()


def test_mixed_graph_second_derivative_vs_finite_differences():
    """Hessian of a graph mixing + * / ** vs central differences of the analytic first derivative."""
    rng = np.random.default_rng(0)
    av, bv = rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, 3)

    def grads(a_np, b_np):
        a, b = leaf(a_np), leaf(b_np)
        return [to_np(g) for g in autograd.grad(_mixed(a, b), [a, b])]

    a, b = leaf(av), leaf(bv)
    ga, gb = autograd.grad(_mixed(a, b), [a, b], create_graph=True)
    eps = 1e-6
    for k, g in enumerate([ga, gb]):
        for i in range(3):
            h = autograd.grad(g[i], [a, b], retain_graph=True)
            for m, base in enumerate([av, bv]):
                for j in range(3):
                    p = [av.copy(), bv.copy()]
                    q = [av.copy(), bv.copy()]
                    p[m][j] += eps
                    q[m][j] -= eps
                    num = (grads(*p)[k][i] - grads(*q)[k][i]) / (2 * eps)
                    assert to_np(h[m])[j] == pytest.approx(num, rel=1e-5, abs=1e-6)


def test_mixed_graph_gradcheck():
    rng = np.random.default_rng(1)
    a, b = leaf(rng.uniform(0.5, 1.5, 3)), leaf(rng.uniform(0.5, 1.5, 3))
    assert autograd.gradcheck(_mixed, (a, b))


def test_mixed_graph_gradgradcheck():
    rng = np.random.default_rng(1)
    a, b = leaf(rng.uniform(0.5, 1.5, 3)), leaf(rng.uniform(0.5, 1.5, 3))
    torch.manual_seed(0)
    assert autograd.gradgradcheck(_mixed, (a, b))


def test_gradcheck_detects_wrong_gradient():
    x = leaf([1.0, 2.0])

    def bad(t):
        y = t * 2
        if y.requires_grad:  # (the numerical pass runs without a graph)
            y.register_hook(lambda g: g * 3)  # corrupts the analytical gradient
        return y

    with pytest.raises(autograd.GradcheckError):
        autograd.gradcheck(bad, (x,))
    assert autograd.gradcheck(bad, (x,), raise_exception=False) is False


# ----------------------------------------------------------------------------------------- autograd.functional

def test_functional_jacobian():
    xv = np.array([0.5, -1.0, 2.0])
    x = torch.tensor(xv, dtype=F64)
    J = autograd.functional.jacobian(lambda t: t.exp() * 2, x)
    assert_close(J, np.diag(2 * np.exp(xv)))
    assert not J.requires_grad

    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    At = torch.tensor(A)
    Ja, Jb = autograd.functional.jacobian(lambda a, b: (a.unsqueeze(0) * At).sum(1) * b,
                                          (x, torch.tensor(3.0, dtype=F64)))
    assert_close(Ja, A * 3.0)
    assert_close(Jb, A @ xv)


def test_functional_hessian():
    xv = np.array([0.5, -1.0, 2.0])
    H = autograd.functional.hessian(lambda t: (t ** 3).sum() + (t[0] * t[1]), torch.tensor(xv, dtype=F64))
    expected = np.diag(6 * xv)
    expected[0, 1] = expected[1, 0] = 1.0
    assert_close(H, expected)


def test_functional_vjp():
    xv = np.array([0.5, -1.0, 2.0])
    vv = np.array([1.0, 2.0, -3.0])
    out, g = autograd.functional.vjp(lambda t: t * t, torch.tensor(xv, dtype=F64), torch.tensor(vv, dtype=F64))
    assert_close(out, xv * xv)
    assert_close(g, 2 * xv * vv)
    out, g = autograd.functional.vjp(lambda t: (t.exp()).sum(), torch.tensor(xv, dtype=F64))
    assert_close(out, np.array(np.exp(xv).sum()))
    assert_close(g, np.exp(xv))


def test_leaf_takes_a_transposed_weight_gradient_without_copying():
    st = torch
    # x @ W.t(): the gradient reaching W is TBackward0's transpose of a fresh product, a view that alone holds
    # its buffer; AccumulateGrad takes that buffer (as PyTorch does) instead of copying 256x784 floats, and
    # .grad is a plain tensor (no _base), as PyTorch's
    W = st.randn(16, 24, requires_grad=True)
    x = st.randn(8, 24)
    seen = []
    Wt = W.t()
    Wt.register_hook(lambda g: seen.append(g.data_ptr()))
    (x @ Wt).sum().backward()
    assert W.grad.data_ptr() == seen[0]
    assert W.grad._base is None and not W.grad._is_view() and W.grad.is_contiguous()
    np.testing.assert_allclose(W.grad.numpy(), np.ones((8, 16), np.float32).T @ x.numpy(), rtol=1e-5)


def test_leaf_copies_a_gradient_view_someone_else_holds():
    st = torch
    # the gradient's buffer is still seen elsewhere: a user's gradient tensor, or a hook that keeps the view
    W = st.randn(2, 3, requires_grad=True)
    G = st.randn(3, 2)
    G0 = G.clone()
    W.t().backward(G)  # TBackward0 passes G.t(), a view of the caller's G
    G.add_(100.0)
    np.testing.assert_array_equal(W.grad.numpy(), G0.numpy().T)
    W2 = st.randn(16, 24, requires_grad=True)
    kept = []
    W2t = W2.t()
    W2t.register_hook(lambda g: kept.append(g))
    (st.ones(8, 24) @ W2t).sum().backward()
    before = kept[0].clone()
    W2.grad.add_(1.0)
    np.testing.assert_array_equal(kept[0].numpy(), before.numpy())
