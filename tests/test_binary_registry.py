"""Every row of the elementwise registry (csrc/ops/binary.h) is bound the same way by the one binder: the
function with out=, the method, the in-place method, the number forms, the operators and the aliases, each
matching what PyTorch offers for that name."""

import operator

import numpy as np
import pytest

import smalltorch as st
from smalltorch import _C

ROWS = sorted(r for r in _C._binary_registry.items() if not r[0].startswith("special_"))  # special_*: no method
ALIASES = sorted(_C._binary_aliases.items())


def args_for(name, T, dtype):
    """Two small tensors of `dtype` that every row accepts (nonzero divisors, ints for bitwise rows)."""
    a = T.tensor([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]] if dtype != "int64" else [[3, -2, 7], [1, 4, -5]],
                 dtype=getattr(T, dtype))
    b = T.tensor([2.0, -3.0, 1.5] if dtype != "int64" else [2, 3, -4], dtype=getattr(T, dtype))
    return a, b


def dtype_for(name):
    return "int64" if name.startswith("bitwise") or name in ("gcd", "lcm") else "float64"


@pytest.mark.parametrize("name,row", ROWS, ids=[r[0] for r in ROWS])
def test_row_bindings_match_torch(name, row, torch_ref):
    forms, inplace, node, snode, oper = row
    dt = dtype_for(name)
    a, b = args_for(name, st, dt)
    ta, tb = args_for(name, torch_ref, dt)
    expected = getattr(torch_ref, name)(ta, tb)
    # function, method, and out= (which returns out itself)
    np.testing.assert_allclose(getattr(st, name)(a, b).numpy(), expected.numpy())
    np.testing.assert_allclose(getattr(a, name)(b).numpy(), expected.numpy())
    out = st.empty(expected.shape, dtype=getattr(st, str(expected.dtype).split(".")[1]))
    assert getattr(st, name)(a, b, out=out) is out
    np.testing.assert_allclose(out.numpy(), expected.numpy())
    with pytest.raises(TypeError):
        getattr(st, name)(a, b, out=[1.0])
    # the in-place method exists exactly where PyTorch has it, and gives the same values
    assert hasattr(a, name + "_") == hasattr(ta, name + "_") == inplace
    if inplace and expected.dtype == ta.dtype:
        c, tc = a.clone(), ta.clone()
        assert getattr(c, name + "_")(b) is c
        getattr(tc, name + "_")(tb)
        np.testing.assert_allclose(c.numpy(), tc.numpy())
    # number forms: accepted where the forms column says, a TypeError elsewhere, as in PyTorch
    number = 2 if dt == "int64" else 2.0
    for allowed, call, tcall in [(forms in ("TS", "TSS"), lambda: getattr(st, name)(a, number),
                                  lambda: getattr(torch_ref, name)(ta, number)),
                                 (forms == "TSS", lambda: getattr(st, name)(number, a),
                                  lambda: getattr(torch_ref, name)(number, ta))]:
        if allowed:
            np.testing.assert_allclose(call().numpy(), tcall().numpy())
        else:
            with pytest.raises(TypeError):
                call()
            with pytest.raises(TypeError):
                tcall()
    # operators
    if oper:
        fn = getattr(operator, oper + "_" if oper in ("and", "or") else oper)
        np.testing.assert_allclose(fn(a, b).numpy(), fn(ta, tb).numpy())
        np.testing.assert_allclose(fn(a, number).numpy(), fn(ta, number).numpy())
        if oper not in ("eq", "ne", "lt", "le", "gt", "ge"):
            np.testing.assert_allclose(fn(number, a).numpy(), fn(number, ta).numpy())


@pytest.mark.parametrize("name,row", ROWS, ids=[r[0] for r in ROWS])
def test_row_node_names_match_torch(name, row, torch_ref):
    forms, inplace, node, snode, oper = row
    if node == "NoNode":
        return
    a, b = args_for(name, st, "float64")
    ta, tb = args_for(name, torch_ref, "float64")
    a.requires_grad_(), b.requires_grad_(), ta.requires_grad_(), tb.requires_grad_()
    comparison = node.startswith(("Eq", "Ne", "Lt", "Le", "Gt", "Ge"))
    if comparison:  # a comparison carries a node only in place (its bool result has no gradient)
        r, tr = getattr(a * 1, name + "_")(b), getattr(ta * 1, name + "_")(tb)
    else:
        r, tr = getattr(st, name)(a, b), getattr(torch_ref, name)(ta, tb)
    assert r.grad_fn.name() == tr.grad_fn.name()
    if forms in ("TS", "TSS"):
        if comparison:
            r, tr = getattr(a * 1, name + "_")(2.0), getattr(ta * 1, name + "_")(2.0)
        else:
            r, tr = getattr(st, name)(a, 2.0), getattr(torch_ref, name)(ta, 2.0)
        assert r.grad_fn.name() == tr.grad_fn.name()


SAVING = [r for r in ROWS if r[1][2] not in ("NoNode", "NotImplemented") and r[1][0] == "TT" and r[0] != "nextafter"]


@pytest.mark.parametrize("name,row", SAVING, ids=[r[0] for r in SAVING])
def test_row_saved_tensors_match_torch(name, row, torch_ref):
    a, b = args_for(name, st, "float64")
    ta, tb = args_for(name, torch_ref, "float64")
    a.requires_grad_(), b.requires_grad_(), ta.requires_grad_(), tb.requires_grad_()
    r, tr = getattr(st, name)(a, b), getattr(torch_ref, name)(ta, tb)
    names = [n for n in dir(tr.grad_fn) if n.startswith("_saved_")]
    assert names, name
    for n in names:
        np.testing.assert_allclose(getattr(r.grad_fn, n).detach().numpy(), getattr(tr.grad_fn, n).detach().numpy())


@pytest.mark.parametrize("alias,name", ALIASES)
def test_aliases_are_the_same_bindings(alias, name, torch_ref):
    assert getattr(st, alias) is getattr(st, name)
    assert getattr(st.Tensor, alias) is getattr(st.Tensor, name)
    assert hasattr(st.Tensor, alias + "_") == hasattr(torch_ref.Tensor, alias + "_")
    assert hasattr(torch_ref, alias)


def test_hypot_is_one_row_with_every_form(torch_ref):
    """The registry's example: hypot exists as function (with out=), method, in-place method, with backward."""
    assert "hypot" in _C._binary_registry
    x = st.tensor([3.0, 5.0], dtype=st.float64, requires_grad=True)
    y = st.tensor([4.0, 12.0], dtype=st.float64, requires_grad=True)
    st.hypot(x, y).sum().backward()
    tx = torch_ref.tensor([3.0, 5.0], dtype=torch_ref.float64, requires_grad=True)
    ty = torch_ref.tensor([4.0, 12.0], dtype=torch_ref.float64, requires_grad=True)
    torch_ref.hypot(tx, ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy())
    assert st.autograd.gradcheck(st.hypot, (x.detach().requires_grad_(), y.detach().requires_grad_()))
