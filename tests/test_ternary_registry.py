"""Every row of the three-input registry (csrc/ops/ternary.h) is bound the same way by the one binder
(csrc/python/bind_ternary.cpp): the function with out=, the method, the in-place method, the number and
None forms, the nodes (names, edges, saved values) and the aliases, each matching PyTorch for that name."""

import numpy as np
import pytest

import smalltorch as st
from smalltorch import _C

ROWS = sorted(_C._ternary_registry.items())
NAMES = [r[0] for r in ROWS]


def operands(name, T, grad=False):
    """The three operands of row `name` in library T (float64; the mask or condition is bool)."""
    x = T.tensor([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=T.float64, requires_grad=grad)
    y = T.tensor([2.0, -3.0, 1.5], dtype=T.float64, requires_grad=grad)
    z = T.tensor([[0.25], [0.75]], dtype=T.float64, requires_grad=grad)
    mask = T.tensor([True, False, True])
    return {"where": (mask, x, y), "masked_fill": (x, mask, T.tensor(2.5, dtype=T.float64, requires_grad=grad)),
            "lerp": (x, y, z), "addcmul": (x, y, z), "addcdiv": (x, y, z), "clamp": (x, y - 1, y + 1)}[name]


NUMBER_FORMS = {  # a call with Python numbers where the row's numbers column allows them
    "where": lambda T, a, b, c: T.where(a, 1.5, c),
    "masked_fill": lambda T, a, b, c: T.masked_fill(a, b, -1.0),
    "lerp": lambda T, a, b, c: T.lerp(a, b, 0.3),
    "clamp": lambda T, a, b, c: T.clamp(a, -1.0, 1.0),
}


def close(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_row_forms_match_torch(name, torch_ref):
    args_n, mself, numbers, value, inplace, node, snode = _C._ternary_registry[name]
    a, ta = operands(name, st), operands(name, torch_ref)
    expected = getattr(torch_ref, name)(*ta)
    close(getattr(st, name)(*a), expected)
    # keywords by PyTorch's names
    close(getattr(st, name)(**dict(zip(args_n, a))), getattr(torch_ref, name)(**dict(zip(args_n, ta))))
    # the method: self is argument `mself`
    rest, trest = [x for i, x in enumerate(a) if i != mself], [x for i, x in enumerate(ta) if i != mself]
    close(getattr(a[mself], name)(*rest), getattr(ta[mself], name)(*trest))
    # out=
    out = st.empty(tuple(expected.shape), dtype=st.float64)
    assert getattr(st, name)(*a, out=out) is out
    close(out, expected)
    with pytest.raises(TypeError):
        getattr(st, name)(*a, out=[1.0])
    # the in-place method exists exactly where PyTorch has it, and gives the same values
    assert hasattr(a[0], name + "_") == hasattr(ta[0], name + "_") == inplace
    if inplace:
        c, tc = a[0].clone(), ta[0].clone()
        assert getattr(c, name + "_")(*a[1:]) is c
        getattr(tc, name + "_")(*ta[1:])
        close(c, tc)
    # number forms where the row allows them; a TypeError for a number elsewhere, as in PyTorch
    if name in NUMBER_FORMS:
        close(NUMBER_FORMS[name](st, *a), NUMBER_FORMS[name](torch_ref, *ta))
    for i in range(3):
        allowed = (numbers == "Wrapped12" and i > 0) or (numbers == "Number2" and i == 2) or \
                  (numbers == "Bounds12" and i > 0)
        if allowed or (name == "masked_fill" and i == 0):
            continue
        bad = list(a)
        bad[i] = 2.0
        with pytest.raises(TypeError):
            getattr(st, name)(*bad)
        tbad = list(ta)
        tbad[i] = 2.0
        with pytest.raises(TypeError):
            getattr(torch_ref, name)(*tbad)
    # value= for the rows that take it
    if value:
        close(getattr(st, name)(*a, value=-0.5), getattr(torch_ref, name)(*ta, value=-0.5))


def graph(fn):
    return fn.name(), [None if f is None else f.name() for f, _ in fn.next_functions]


@pytest.mark.parametrize("name", NAMES)
def test_row_nodes_match_torch(name, torch_ref):
    args_n, mself, numbers, value, inplace, node, snode = _C._ternary_registry[name]
    a, ta = operands(name, st, grad=True), operands(name, torch_ref, grad=True)
    a = [x if x.dtype == st.float64 else x for x in a]
    calls = [lambda T, *x: getattr(T, name)(*x)]
    if name in NUMBER_FORMS:
        calls.append(NUMBER_FORMS[name])
    for call in calls:
        r, tr = call(st, *a), call(torch_ref, *ta)
        assert type(r.grad_fn).__name__ == type(tr.grad_fn).__name__
        assert graph(r.grad_fn) == graph(tr.grad_fn)
        assert r.grad_fn.name() in (node, snode)
        names = sorted(n for n in dir(tr.grad_fn) if n.startswith("_saved_"))
        assert sorted(n for n in dir(r.grad_fn) if n.startswith("_saved_")) == names
        for n in names:
            ours, theirs = getattr(r.grad_fn, n), getattr(tr.grad_fn, n)
            if isinstance(theirs, torch_ref.Tensor):
                close(ours, theirs)
            else:
                assert ours == theirs, n
        # gradients of every differentiable operand
        inputs = [x for x in a if x.requires_grad]
        tinputs = [x for x in ta if x.requires_grad]
        grads = st.autograd.grad(r.sum(), inputs, allow_unused=True)
        tgrads = torch_ref.autograd.grad(tr.sum(), tinputs, allow_unused=True)
        for g, tg in zip(grads, tgrads):
            assert (g is None) == (tg is None)
            if g is not None:
                close(g, tg)


@pytest.mark.parametrize("name", NAMES)
def test_row_gradcheck(name):
    a = operands(name, st, grad=True)
    if name == "clamp":  # keep the input away from the bounds, where clamp is not differentiable
        a = (a[0].detach().add(0.1).requires_grad_(), a[1], a[2])
    assert st.autograd.gradcheck(lambda *x: getattr(st, name)(*x), a)
    assert st.autograd.gradgradcheck(lambda *x: getattr(st, name)(*x), a)


def test_clamp_bounds_none_and_single(torch_ref):
    """clamp's optional bounds: tensor min only, max only, clamp_min/clamp_max as their own nodes."""
    x, lo = st.tensor([-2.0, 0.5, 3.0], requires_grad=True), st.tensor([0.0, 1.0, 2.0], requires_grad=True)
    tx, tlo = torch_ref.tensor([-2.0, 0.5, 3.0], requires_grad=True), torch_ref.tensor([0.0, 1.0, 2.0],
                                                                                       requires_grad=True)
    for call in [lambda T, x, b: T.clamp(x, min=b), lambda T, x, b: T.clamp(x, max=b),
                 lambda T, x, b: x.clamp(None, b), lambda T, x, b: T.clamp_min(x, b),
                 lambda T, x, b: T.clamp_max(x, b), lambda T, x, b: x.clamp_min(1.0),
                 lambda T, x, b: T.clip(x, min=b), lambda T, x, b: T.clamp(x, min=0.5)]:
        r, tr = call(st, x, lo), call(torch_ref, tx, tlo)
        close(r, tr)
        assert graph(r.grad_fn) == graph(tr.grad_fn)
        for n in (n for n in dir(tr.grad_fn) if n.startswith("_saved_")):
            theirs = getattr(tr.grad_fn, n)
            ours = getattr(r.grad_fn, n)
            if theirs is None or not isinstance(theirs, torch_ref.Tensor):
                assert ours == theirs, n
    for bad in [lambda T: T.clamp(T.ones(2)), lambda T: T.clamp(T.ones(2), 0.0, T.ones(2))]:
        with pytest.raises(Exception) as ours:
            bad(st)
        with pytest.raises(Exception) as theirs:
            bad(torch_ref)
        assert type(ours.value) is type(theirs.value)


def test_inplace_into_views_of_other_operands(torch_ref):
    """An in-place ternary op whose other operands overlap self reads them before writing."""
    for name, call in [("lerp_", lambda T, x: x[:, :3].lerp_(x[:, 1:], 0.5)),
                       ("addcmul_", lambda T, x: x[:, :3].addcmul_(x[:, 1:], x[:, 1:])),
                       ("clamp_", lambda T, x: x[:, :3].clamp_(x[:, 1:] - 0.5, x[:, 1:]))]:
        x = st.arange(8.0).reshape(2, 4)
        tx = torch_ref.arange(8.0).reshape(2, 4)
        call(st, x)
        call(torch_ref, tx)
        close(x, tx)


def test_aliases_are_the_same_bindings(torch_ref):
    assert st.clip is st.clamp and st.Tensor.clip is st.Tensor.clamp and st.Tensor.clip_ is st.Tensor.clamp_
    assert hasattr(torch_ref, "clip") and hasattr(torch_ref.Tensor, "clip_")


def test_ternary_ops_are_rows_not_hand_bindings():
    """where, masked_fill, lerp, addcmul, addcdiv and clamp come from the one registry."""
    assert set(NAMES) == {"where", "masked_fill", "lerp", "addcmul", "addcdiv", "clamp"}
    assert "_binary_registry" in dir(_C) and not set(NAMES) & set(_C._binary_registry)
