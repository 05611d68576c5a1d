"""smalltorch.func (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian) and autograd.functional's
jvp/hvp/vhp against PyTorch's: values of every transform, nesting, argnums, has_aux, and errors."""

import numpy as np
import pytest

import smalltorch as st


def f1(x):
    return (x.sin() * x.exp()).sum()


def f2(x, y):
    return (x * y.cos()).pow(2).sum() + (x @ y.unsqueeze(1)).sum() * 0 + (x[:3] * y).sum()


def fv(x):
    return x.tanh() * x[:1].exp()


def close(a, b):
    if isinstance(b, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(b)
        for u, v in zip(a, b):
            close(u, v)
        return
    assert not a.requires_grad and a.grad_fn is None
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def data(T):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    return T.tensor(x, dtype=T.float64), T.tensor(y, dtype=T.float64)


@pytest.mark.parametrize("case", ["grad", "grad_argnums", "grad_and_value", "grad_aux", "grad_grad", "vjp", "jvp",
                                  "jacrev", "jacrev_argnums", "jacfwd", "hessian", "hessian_two"])
def test_func_transforms_match_torch(torch_ref, case):
    def run(T):
        x, y = data(T)
        F = T.func
        if case == "grad":
            return F.grad(f1)(x)
        if case == "grad_argnums":
            return F.grad(f2, argnums=(0, 1))(x, y)
        if case == "grad_and_value":
            return F.grad_and_value(f1)(x)
        if case == "grad_aux":
            g, aux = F.grad(lambda a: (f1(a), a.cos()), has_aux=True)(x)
            return g, aux
        if case == "grad_grad":
            return F.grad(lambda a: F.grad(f1)(a).sum())(x)
        if case == "vjp":
            out, fn = F.vjp(fv, x)
            return (out,) + tuple(fn(y))
        if case == "jvp":
            return F.jvp(fv, (x,), (y,))
        if case == "jacrev":
            return F.jacrev(fv)(x)
        if case == "jacrev_argnums":
            return F.jacrev(lambda a, b: a * b.sin(), argnums=1)(x, y)
        if case == "jacfwd":
            return F.jacfwd(fv)(x)
        if case == "hessian":
            return F.hessian(f1)(x)
        if case == "hessian_two":
            return F.hessian(lambda a: (a.pow(3) * a[0]).sum())(x)
    close(run(st), run(torch_ref))


@pytest.mark.parametrize("name", ["jvp", "hvp", "vhp", "vjp", "jacobian", "hessian"])
def test_autograd_functional_matches_torch(torch_ref, name):
    def run(T):
        x, y = data(T)
        A = T.autograd.functional
        if name == "jvp":
            return A.jvp(fv, x, y)
        if name == "hvp":
            return A.hvp(f1, x, y)
        if name == "vhp":
            return A.vhp(f1, x, y)
        if name == "vjp":
            return A.vjp(fv, x, y)
        if name == "jacobian":
            return A.jacobian(fv, x, strategy="forward-mode", vectorize=True)
        return A.hessian(f1, x)
    close(run(st), run(torch_ref))


def test_hvp_tuple_inputs_and_create_graph(torch_ref):
    def run(T):
        x, y = data(T)
        out, (hx, hy) = T.autograd.functional.hvp(lambda a, b: (a * b).pow(2).sum(), (x, y), (y, x))
        return out, hx, hy
    close(run(st), run(torch_ref))
    x, y = data(st)
    _, h = st.autograd.functional.hvp(f1, x.requires_grad_(), y, create_graph=True)
    assert h.requires_grad


def test_errors_match_torch(torch_ref):
    for T in (st, torch_ref):
        x, y = data(T)
        with pytest.raises(RuntimeError):
            T.func.grad(fv)(x)  # not a scalar output
        with pytest.raises(RuntimeError):
            T.func.grad(f2, argnums=2)(x, y)
        with pytest.raises(RuntimeError):
            T.func.jvp(fv, (x,), (y[:2],))
        with pytest.raises(RuntimeError):
            T.autograd.functional.hvp(fv, x, y)  # hvp of a non-scalar function


def test_transform_of_function_independent_of_input():
    x = st.ones(3, dtype=st.float64)
    assert st.func.grad(lambda a: st.tensor(2.0, dtype=st.float64))(x).tolist() == [0.0, 0.0, 0.0]
    assert st.func.jacrev(lambda a: st.ones(2, dtype=st.float64))(x).shape == (2, 3)
    out, j = st.func.jvp(lambda a: st.ones(2, dtype=st.float64), (x,), (x,))
    assert j.tolist() == [0.0, 0.0]
