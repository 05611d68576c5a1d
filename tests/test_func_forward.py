"""smalltorch.func.jvp and jacfwd in forward mode (autograd.forward_ad), against torch.func: values,
pytree outputs, has_aux, argnums, the reverse-mode fallback where transforms nest or an op has no
forward formula, and errors."""
import numpy as np
import pytest

import smalltorch as st


def close(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            close(a, b)
        return
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def data(L, *shapes, seed=3):
    rng = np.random.default_rng(seed)
    return [L.tensor(rng.standard_normal(s)) for s in shapes]


def net(L, x, w, b):
    F = L.nn.functional
    h = F.conv2d(x, w, b, padding=1)
    return F.layer_norm(F.max_pool2d(h.relu(), 2), (2, 2, 2)).logsumexp((1, 2, 3))


@pytest.mark.parametrize("case", ["single", "tuple_out", "list_out", "aux", "two_primals", "conv_net",
                                  "independent_output", "no_forward_formula"])
def test_jvp_matches_torch(torch_ref, case):
    def run(L):
        x, y, t, u = data(L, (3, 4), (3, 4), (3, 4), (3, 4))
        jvp = L.func.jvp
        if case == "single":
            return jvp(lambda a: (a.sin() * a).sum(1), (x,), (t,))
        if case == "tuple_out":
            return jvp(lambda a: (a.exp(), a.prod(0)), (x,), (t,))
        if case == "list_out":
            return jvp(lambda a: [a.cumprod(1), a.norm()], (x,), (t,))
        if case == "aux":
            return jvp(lambda a: (a.softmax(1), {"n": a.sum()}["n"]), (x,), (t,), has_aux=True)
        if case == "two_primals":
            return jvp(lambda a, b: a @ b.mT + a.var(), (x, y), (t, u))
        if case == "conv_net":
            xs, w, b = data(L, (2, 2, 4, 4), (2, 2, 3, 3), (2,))
            txs, tw, tb = data(L, (2, 2, 4, 4), (2, 2, 3, 3), (2,), seed=4)
            return jvp(lambda *a: net(L, *a), (xs, w, b), (txs, tw, tb))
        if case == "independent_output":
            return jvp(lambda a: L.ones(2, dtype=L.float64), (x,), (t,))
        return jvp(lambda a: L.nn.functional.glu(a, 1), (x,), (t,))
    close(run(st), run(torch_ref))


def test_jvp_runs_in_forward_mode():
    """The conv net's reverse-mode JVP would need the double backward of convolution, which smalltorch
    refuses; forward mode needs none."""
    xs, w, b = data(st, (2, 2, 4, 4), (2, 2, 3, 3), (2,))
    with pytest.raises(RuntimeError, match="double backward of"):
        st.autograd.functional.jvp(lambda *a: net(st, *a), (xs, w, b), (xs, w, b))
    out, tangent = st.func.jvp(lambda *a: net(st, *a), (xs, w, b), (xs, w, b))
    assert tangent.shape == out.shape and not out.requires_grad and not tangent.requires_grad


@pytest.mark.parametrize("case", ["single", "argnums", "tuple_out", "aux", "conv",
                                  "hessian", "jacfwd_of_jacrev"])
def test_jacfwd_matches_torch(torch_ref, case):
    def run(L):
        x, y = data(L, (3,), (2, 3))
        F = L.func
        if case == "single":
            return F.jacfwd(lambda a: (y @ a).tanh())(x)
        if case == "argnums":
            return F.jacfwd(lambda a, b: b * a.exp(), argnums=(0, 1))(x, y)
        if case == "tuple_out":
            return F.jacfwd(lambda a, b: (a.cumsum(0), (b * a).amax(1)), argnums=1)(x, y)
        if case == "aux":
            return F.jacfwd(lambda a: (a.sort()[0], a.mean()), has_aux=True)(x)
        if case == "conv":
            xs, w = data(L, (1, 1, 3, 3), (1, 1, 2, 2))
            return F.jacfwd(lambda k: L.nn.functional.conv2d(xs, k))(w)
        if case == "hessian":
            return F.hessian(lambda a: (a ** 3).sum() * a.norm())(x)
        return F.jacfwd(F.jacrev(lambda a: (a.sin() * a).sum()))(x)
    close(run(st), run(torch_ref))


def test_jacfwd_of_an_empty_input():
    """(PyTorch's vmap refuses a batch of 0 directions; the Jacobian has shape output + (0,).)"""
    y = st.ones(2, 3, dtype=st.float64)
    jac = st.func.jacfwd(lambda a, b: b.sum(0) + a.sum())(st.zeros(0, dtype=st.float64), y)
    assert tuple(jac.shape) == (3, 0)


@pytest.mark.parametrize("case", ["jvp_of_grad", "jvp_of_jvp", "grad_of_jvp", "jacfwd_inside_grad"])
def test_nested_transforms_match_torch(torch_ref, case):
    def run(L):
        x, t = data(L, (3,), (3,))
        F = L.func
        f = lambda a: (a.exp() * a.sin()).sum()  # noqa: E731
        if case == "jvp_of_grad":
            return F.jvp(F.grad(f), (x,), (t,))
        if case == "jvp_of_jvp":
            return F.jvp(lambda a: F.jvp(lambda b: b.sin().prod(), (a,), (t,))[1], (x,), (t,))
        if case == "grad_of_jvp":
            return F.grad(lambda a: F.jvp(f, (a,), (t,))[1])(x)
        return F.grad(lambda a: F.jacfwd(lambda b: b.cumprod(0))(a).sum())(x)
    close(run(st), run(torch_ref))


@pytest.mark.parametrize("case", ["primals_not_tuple", "structure", "shape", "output_not_tensor", "aux_not_pair",
                                  "jacfwd_argnums", "jacfwd_int_input", "jacfwd_randomness", "jacfwd_kwargs"])
def test_errors_match_torch(torch_ref, case):
    outcomes = []
    for L in (st, torch_ref):
        x, t = data(L, (3,), (3,))
        F = L.func
        try:
            if case == "primals_not_tuple":
                F.jvp(lambda a: a, [x], [t])
            elif case == "structure":
                F.jvp(lambda a: a, (x,), (t, t))
            elif case == "shape":
                F.jvp(lambda a: a, (x,), (t[:2],))
            elif case == "output_not_tensor":
                F.jvp(lambda a: 3, (x,), (t,))
            elif case == "aux_not_pair":
                F.jvp(lambda a: a.sum(), (x,), (t,), has_aux=True)
            elif case == "jacfwd_argnums":
                F.jacfwd(lambda a: a, argnums=2)(x)
            elif case == "jacfwd_int_input":
                F.jacfwd(lambda a: a)(L.tensor([1, 2]))
            elif case == "jacfwd_kwargs":
                F.jacfwd(lambda a, scale=1.0: a * scale)(x, scale=3.0)
            else:
                F.jacfwd(lambda a: a, randomness="sometimes")(x)
            outcomes.append(None)
        except Exception as e:  # noqa: BLE001 - the class and the text are compared
            outcomes.append((type(e).__name__, str(e).split("\n")[0]))
    assert outcomes[0] is not None
    assert outcomes[0][0] == outcomes[1][0]
    if case not in ("structure", "jacfwd_argnums", "jacfwd_kwargs"):
        assert outcomes[0][1] == outcomes[1][1]


def test_jvp_through_a_bare_autograd_grad_keeps_the_tangent(torch_ref):
    """autograd.grad(create_graph=True) inside the function: the gradient's tangent is the Hessian-vector
    product (x made to require grad inside f) and the mixed derivative (a gradient with respect to a
    closed-over parameter), as torch.autograd.forward_ad gives them. (torch.func.jvp refuses both patterns,
    the first at requires_grad_ and the second because its levels hide the parameter's graph.)"""
    torch = torch_ref
    x0, t0 = np.array([0.5, -1.2, 2.0]), np.array([1.0, 0.3, -0.7])
    w0 = np.array([1.0, 2.0, 3.0])

    def hess_fn(L):
        def f(x):
            x.requires_grad_()
            return L.autograd.grad((x ** 3).sin().sum(), x, create_graph=True)[0]
        return f

    def mixed_fn(L, w):
        return lambda x: L.autograd.grad(((w * x) ** 2).sum(), w, create_graph=True)[0]

    w_st, w_t = st.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    for ours_f, theirs_f, expected in (
            (hess_fn(st), hess_fn(torch), torch.autograd.functional.hessian(
                lambda x: (x ** 3).sin().sum(), torch.tensor(x0)).numpy() @ t0),
            (mixed_fn(st, w_st), mixed_fn(torch, w_t), 4 * w0 * x0 * t0)):
        value, tangent = st.func.jvp(ours_f, (st.tensor(x0),), (st.tensor(t0),))
        with torch.autograd.forward_ad.dual_level():
            theirs = torch.autograd.forward_ad.unpack_dual(
                theirs_f(torch.autograd.forward_ad.make_dual(torch.tensor(x0), torch.tensor(t0))))
        np.testing.assert_allclose(value.detach().numpy(), theirs.primal.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(tangent.detach().numpy(), theirs.tangent.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(tangent.detach().numpy(), expected, rtol=1e-10)
