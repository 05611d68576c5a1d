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


# ---- the arithmetic rows (mul so far): one binding each, from the registry, and PyTorch's nodes for every form
ARITH = ["mul", "div"]  # the arithmetic ops that are registry rows (add, sub, pow still hand-written in ops/arith.cpp)
ARITH_ALIASES = {"mul": ["multiply"], "div": ["divide", "true_divide"], "sub": ["subtract"]}


@pytest.mark.parametrize("name", ARITH)
def test_arithmetic_row_is_bound_once_by_the_registry_binder(name):
    """smalltorch.<name>, Tensor.<name> and Tensor.<name>_ are single bindings (pybind11 shows a chain of
    overloads as "Overloaded function") and the aliases are the very same objects."""
    assert name in _C._binary_registry
    for fn in (getattr(st, name), getattr(st.Tensor, name), getattr(st.Tensor, name + "_")):
        assert "Overloaded function" not in (fn.__doc__ or ""), fn
    for alias in ARITH_ALIASES.get(name, []):
        assert getattr(st, alias) is getattr(st, name)
        assert getattr(st.Tensor, alias) is getattr(st.Tensor, name)
        assert getattr(st.Tensor, alias + "_") is getattr(st.Tensor, name + "_")


def _graph(lib, name, form):
    """(node name, edges, saved fields) of one form of an arithmetic op on float64 leaves."""
    x = lib.tensor([1.5, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
    y = lib.tensor([2.0, 0.5, -4.0], dtype=lib.float64, requires_grad=True)
    f = getattr(lib, name)
    r = {"tt": lambda: f(x * 1, y * 1), "tt_self_only": lambda: f(x * 1, y.detach()),
         "tt_other_only": lambda: f(x.detach(), y * 1), "ts": lambda: f(x * 1, 3),
         "ts_float": lambda: f(x * 1, 2.5), "st": lambda: f(3, y * 1), "alias": lambda: (lambda z: f(z, z))(x * 1),
         "op_ts": lambda: getattr(operator, name)(x * 1, 3) if hasattr(operator, name) else f(x * 1, 3),
         "op_st": lambda: getattr(operator, name)(3, x * 1) if hasattr(operator, name) else f(3, x * 1),
         "inplace": lambda: getattr(x * 1, name + "_")(y), "inplace_ts": lambda: getattr(x * 1, name + "_")(3)}[form]()
    fn = r.grad_fn
    edges = [None if e is None else e.name() for e, _ in fn.next_functions]
    saved = {}
    for k in sorted(k for k in dir(fn) if k.startswith("_saved_")):
        v = getattr(fn, k)
        saved[k] = v.detach().numpy().tolist() if hasattr(v, "detach") else v
    return fn.name(), edges, saved, r.detach().numpy().tolist()


@pytest.mark.parametrize("form", ["tt", "tt_self_only", "tt_other_only", "ts", "ts_float", "st", "alias", "op_ts",
                                  "op_st", "inplace", "inplace_ts"])
@pytest.mark.parametrize("name", ARITH)
def test_arithmetic_row_nodes_edges_and_saved_fields_match_torch(name, form, torch_ref):
    assert _graph(st, name, form) == _graph(torch_ref, name, form)


@pytest.mark.parametrize("name", ARITH)
def test_arithmetic_number_operands_are_not_packed(name, torch_ref):
    """A Python number operand is a constant of the node, not a saved tensor: saved_tensors_hooks see the
    tensors only, as in PyTorch."""
    def packs(lib):
        x = lib.tensor([1.5, 2.0], dtype=lib.float64, requires_grad=True)
        calls = []
        with lib.autograd.graph.saved_tensors_hooks(lambda t: calls.append(list(t.shape)) or t, lambda t: t):
            getattr(lib, name)(x, 2)
            getattr(lib, name)(2, x)
            getattr(lib, name)(x, x)
        return calls
    assert packs(st) == packs(torch_ref)


@pytest.mark.parametrize("name", ARITH)
def test_arithmetic_row_forward_and_backward_grad(name, torch_ref):
    """gradcheck in float64 for the tensor and number forms, and forward-mode tangents against torch."""
    x = st.tensor([1.5, -2.0, 3.0], dtype=st.float64, requires_grad=True)
    y = st.tensor([2.0, 0.5, -4.0], dtype=st.float64, requires_grad=True)
    f = getattr(st, name)
    assert st.autograd.gradcheck(f, (x, y))
    assert st.autograd.gradcheck(lambda a: f(a, 2.5), (x,))
    assert st.autograd.gradcheck(lambda b: f(3, b), (y,))

    def jvp(lib):
        fwAD = lib.autograd.forward_ad
        with fwAD.dual_level():
            a = fwAD.make_dual(lib.tensor([1.5, -2.0], dtype=lib.float64), lib.tensor([1.0, 2.0], dtype=lib.float64))
            b = fwAD.make_dual(lib.tensor([2.0, 0.5], dtype=lib.float64), lib.tensor([-1.0, 3.0], dtype=lib.float64))
            f = getattr(lib, name)
            outs = [f(a, b), f(a, 2.5), f(3, b)]
            c = lib.tensor([2.0, 0.5], dtype=lib.float64) * 1
            c = fwAD.make_dual(c, lib.tensor([0.5, 0.25], dtype=lib.float64))
            getattr(c, name + "_")(a)
            outs.append(c)
            return [fwAD.unpack_dual(o).tangent.numpy().tolist() for o in outs]
    np.testing.assert_allclose(jvp(st), jvp(torch_ref))


@pytest.mark.parametrize("name", ARITH)
def test_arithmetic_inplace_semantics_match_torch(name, torch_ref):
    """Self aliasing other, a view of the same storage, the version counter and the dtype checks."""
    def run(lib):
        out = []
        x = lib.tensor([1.5, 2.0, 4.0])
        v = x._version
        getattr(x, name + "_")(x)
        out.append((x.tolist(), x._version - v))
        x = lib.arange(1.0, 7.0)
        getattr(x[:3], name + "_")(x[3:])  # other a view of self's storage
        out.append(x.tolist())
        for a, b in [(lib.tensor([1, 2]), 2.5), (lib.tensor([1, 2]), lib.tensor([1.0, 2.0])),
                     (lib.ones(1), lib.ones(3))]:
            try:
                getattr(a, name + "_")(b)
                out.append(a.tolist())
            except RuntimeError as e:
                out.append(type(e).__name__)
        return out
    assert run(st) == run(torch_ref)


def test_div_rounding_mode_is_the_rows_keyword(torch_ref):
    """div's kw column: rounding_mode on the function (with out=), the method and the in-place method, the
    aliases divide/true_divide sharing the bindings, and the same TypeError for a non-string mode."""
    a, b = st.tensor([7.0, -7.0, 5.5]), st.tensor([2.0, 2.0, -2.0])
    ta, tb = torch_ref.tensor([7.0, -7.0, 5.5]), torch_ref.tensor([2.0, 2.0, -2.0])
    for mode in (None, "floor", "trunc"):
        np.testing.assert_array_equal(st.div(a, b, rounding_mode=mode).numpy(),
                                      torch_ref.div(ta, tb, rounding_mode=mode).numpy())
        np.testing.assert_array_equal(a.div(2, rounding_mode=mode).numpy(), ta.div(2, rounding_mode=mode).numpy())
        np.testing.assert_array_equal(st.divide(7, b, rounding_mode=mode).numpy(),
                                      torch_ref.divide(7, tb, rounding_mode=mode).numpy())
        c, tc = a.clone(), ta.clone()
        assert c.div_(b, rounding_mode=mode) is c
        tc.div_(tb, rounding_mode=mode)
        np.testing.assert_array_equal(c.numpy(), tc.numpy())
        out = st.empty(3)
        assert st.div(a, b, rounding_mode=mode, out=out) is out
        np.testing.assert_array_equal(out.numpy(), torch_ref.div(ta, tb, rounding_mode=mode).numpy())
    with pytest.raises(TypeError, match="rounding_mode"):
        st.div(a, b, rounding_mode=1)
    with pytest.raises(TypeError, match="rounding_mode"):
        torch_ref.div(ta, tb, rounding_mode=1)
    with pytest.raises(RuntimeError):
        st.div(a, b, rounding_mode="round")
    with pytest.raises(RuntimeError):
        torch_ref.div(ta, tb, rounding_mode="round")
