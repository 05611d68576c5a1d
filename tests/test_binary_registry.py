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
    for allowed, call, tcall in [(forms in ("TS", "TSS", "TSR"), lambda: getattr(st, name)(a, number),
                                  lambda: getattr(torch_ref, name)(ta, number)),
                                 (forms in ("TSS", "TSR"), lambda: getattr(st, name)(number, a),
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
    if forms in ("TS", "TSS", "TSR"):
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


# ---- the arithmetic rows: one binding each, from the registry, and PyTorch's nodes for every form
ARITH = ["add", "sub", "mul", "div"]  # the arithmetic rows (pow is still hand-written in ops/arith.cpp)
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


# ---- add and sub: rows with the alpha keyword (kw column Alpha), every form against torch

DTYPES16 = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "uint8", "bool"]


def _outcome(lib, fn):
    """("ok", dtype, values as float64) or ("err", exception class, message) of fn(lib)."""
    try:
        r = fn(lib)
    except (RuntimeError, TypeError, NotImplementedError) as e:
        return ("err", type(e).__name__, str(e).split("\n")[0])
    return ("ok", str(r.dtype).split(".")[1], r.detach().to(lib.float64).numpy().tolist())


def _same(got, want, rtol=0):
    if want[0] == "err" and got[0] == "err":
        assert got[1] == want[1], (got, want)
        if "alpha" in want[2] or "Subtraction" in want[2]:  # the messages of these checks are PyTorch's
            assert got[2] == want[2], (got, want)
        return
    assert got[:2] == want[:2], (got, want)
    want_values = np.array(want[2], dtype=np.float64)
    np.testing.assert_allclose(np.array(got[2]), want_values, rtol=0, atol=rtol * np.abs(want_values).max())


def _operands(lib, dtype):
    vals_a = [[1.5, -2.25, 3.0], [0.1, 7.0, -1.0]] if "float" in dtype else [[3, 0, 7], [1, 4, 5]]
    vals_b = [2.5, -3.75, 0.3] if "float" in dtype else [2, 3, 1]
    if dtype == "bool":
        vals_a, vals_b = [[True, False, True], [False, False, True]], [True, False, False]
    dt = getattr(lib, dtype)
    return lib.tensor(vals_a, dtype=dt), lib.tensor(vals_b, dtype=dt)


ALPHAS = [1, 2, -3, 2.5, True]
NUMBERS = [2, -1.25, True]


@pytest.mark.parametrize("dtype", DTYPES16)
@pytest.mark.parametrize("name", ["add", "sub"])
def test_add_sub_alpha_values_dtypes_and_errors_match_torch(name, dtype, torch_ref):
    """Function, method, in-place and out= with every alpha, a number on either side, the operators: the
    same bits and dtype as torch, or the same error (alpha and bool-subtraction messages included).
    (float16/bfloat16 with alpha: smalltorch rounds a + alpha * b once, as torch's vectorised loop does; torch's
    scalar loop, which runs tensors this small, rounds alpha * b first: one unit in the last place apart.)"""
    def cases():
        for alpha in ALPHAS:
            yield lambda L: getattr(L, name)(*_operands(L, dtype), alpha=alpha)
            yield lambda L: getattr(_operands(L, dtype)[0], name)(_operands(L, dtype)[1], alpha=alpha)
            yield lambda L: getattr(_operands(L, dtype)[0].clone(), name + "_")(_operands(L, dtype)[1], alpha=alpha)
            yield lambda L: getattr(L, name)(*_operands(L, dtype), alpha=alpha,
                                             out=L.zeros(2, 3, dtype=_operands(L, dtype)[0].dtype))
            yield lambda L: getattr(L, name)(*_operands(L, dtype), alpha=alpha, out=L.zeros(2, 3, dtype=L.float64))
            for n in NUMBERS:
                yield lambda L: getattr(L, name)(_operands(L, dtype)[0], n, alpha=alpha)
                yield lambda L: getattr(L, name)(n, _operands(L, dtype)[1], alpha=alpha)
                yield lambda L: getattr(_operands(L, dtype)[0].clone(), name + "_")(n, alpha=alpha)
        for n in NUMBERS:
            op = operator.add if name == "add" else operator.sub
            yield lambda L: op(_operands(L, dtype)[0], n)
            yield lambda L: op(n, _operands(L, dtype)[0])
        yield lambda L: (operator.add if name == "add" else operator.sub)(*_operands(L, dtype))
    rtol = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}.get(dtype, 0)
    for fn in cases():
        _same(_outcome(st, fn), _outcome(torch_ref, fn), rtol)


def _alpha_graph(lib, name, form, alpha):
    x = lib.tensor([1.5, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
    y = lib.tensor([2.0, 0.5, -4.0], dtype=lib.float64, requires_grad=True)
    f = getattr(lib, name)
    r = {"tt": lambda: f(x * 1, y * 1, alpha=alpha), "tt_self_only": lambda: f(x * 1, y.detach(), alpha=alpha),
         "tt_other_only": lambda: f(x.detach(), y * 1, alpha=alpha), "ts": lambda: f(x * 1, 3, alpha=alpha),
         "st": lambda: f(3, y * 1, alpha=alpha), "method": lambda: getattr(x * 1, name)(y, alpha=alpha),
         "inplace": lambda: getattr(x * 1, name + "_")(y, alpha=alpha),
         "inplace_ts": lambda: getattr(x * 1, name + "_")(2.5, alpha=alpha),
         "inplace_self": lambda: (lambda z: getattr(z, name + "_")(z, alpha=alpha))(x * 1)}[form]()
    fn = r.grad_fn
    edges = [None if e is None else e.name() for e, _ in fn.next_functions]
    saved = {k: getattr(fn, k) for k in dir(fn) if k.startswith("_saved_")}
    grads = lib.autograd.grad(r.sum(), [x, y], allow_unused=True)
    return (fn.name(), edges, saved, {k: type(v).__name__ for k, v in saved.items()}, r.detach().numpy().tolist(),
            [None if g is None else g.numpy().tolist() for g in grads])


@pytest.mark.parametrize("alpha", [1, 2, 2.5, -0.5])
@pytest.mark.parametrize("form", ["tt", "tt_self_only", "tt_other_only", "ts", "st", "method", "inplace",
                                  "inplace_ts", "inplace_self"])
@pytest.mark.parametrize("name", ["add", "sub"])
def test_add_sub_alpha_nodes_saved_alpha_and_gradients_match_torch(name, form, alpha, torch_ref):
    """grad_fn name, edges, _saved_alpha (an int stays an int, a float a float) and the gradients."""
    assert _alpha_graph(st, name, form, alpha) == _alpha_graph(torch_ref, name, form, alpha)


def test_rsub_operator_node_saves_alpha_and_has_one_edge(torch_ref):
    """`2 - t` is PyTorch's rsub with a Scalar: RsubBackward1, one edge, _saved_alpha 1; smalltorch.sub(2, t)
    wraps the number instead (SubBackward0, two edges), as torch.sub does."""
    def graph(lib):
        y = lib.tensor([2.0, 0.5], dtype=lib.float64, requires_grad=True)
        out = []
        for r in (2 - y, 2.5 - y, lib.sub(2, y), lib.sub(2, y, alpha=2)):
            fn = r.grad_fn
            g, = lib.autograd.grad(r.sum(), [y])
            out.append((fn.name(), len(fn.next_functions), fn._saved_alpha, r.tolist(), g.tolist()))
        return out
    assert graph(st) == graph(torch_ref)


@pytest.mark.parametrize("name", ["add", "sub"])
def test_add_sub_alpha_gradcheck_and_forward_mode(name, torch_ref):
    x = st.tensor([1.5, -2.0, 3.0], dtype=st.float64, requires_grad=True)
    y = st.tensor([2.0, 0.5, -4.0], dtype=st.float64, requires_grad=True)
    f = getattr(st, name)
    for alpha in (2, -0.75):
        assert st.autograd.gradcheck(lambda a, b: f(a, b, alpha=alpha), (x, y))
        assert st.autograd.gradcheck(lambda a: f(a, 2.5, alpha=alpha), (x,))
        assert st.autograd.gradcheck(lambda b: f(3, b, alpha=alpha), (y,))
        assert st.autograd.gradgradcheck(lambda a, b: f(a, b, alpha=alpha), (x, y))

    def jvp(lib):
        fwAD = lib.autograd.forward_ad
        res = []
        with fwAD.dual_level():
            def dual(v, t):
                return fwAD.make_dual(lib.tensor(v, dtype=lib.float64), lib.tensor(t, dtype=lib.float64))
            for alpha in (1, 3, -0.5):
                a, b = dual([1.5, -2.0], [1.0, 2.0]), dual([2.0, 0.5], [-1.0, 3.0])
                f = getattr(lib, name)
                outs = [f(a, b, alpha=alpha), f(a, 2.5, alpha=alpha), f(3, b, alpha=alpha), 2 - b]
                c = dual([2.0, 0.5], [0.5, 0.25])
                getattr(c, name + "_")(a, alpha=alpha)
                d = lib.tensor([2.0, 0.5], dtype=lib.float64) * 1
                getattr(d, name + "_")(b, alpha=alpha)  # a plain tensor takes other's tangent
                outs += [c, d]
                res.append([fwAD.unpack_dual(o).tangent.numpy().tolist() for o in outs])
        return res
    np.testing.assert_array_equal(np.array(jvp(st)), np.array(jvp(torch_ref)))


@pytest.mark.parametrize("name", ["add", "sub"])
def test_add_sub_out_and_inplace_checks_match_torch(name, torch_ref):
    """out= refuses autograd (an input or out requiring grad), a wrong shape, an uncastable result; the
    in-place forms check the leaf, the dtype, the shape; version counters move once."""
    def run(lib):
        res = []
        x = lib.ones(3)
        xr = lib.ones(3, requires_grad=True)
        for fn in (lambda: getattr(lib, name)(xr, x, out=lib.zeros(3)),
                   lambda: getattr(lib, name)(x, x, out=lib.zeros(3, requires_grad=True)),
                   lambda: getattr(lib, name)(x.long(), 1, out=lib.zeros(3, requires_grad=True)),
                   lambda: getattr(lib, name)(x, x, alpha=2.5, out=lib.zeros(3, dtype=lib.long)),
                   lambda: getattr(lib, name)(x.long(), x.long(), alpha=2.5, out=lib.zeros(3)),
                   lambda: getattr(xr, name + "_")(x, alpha=2),
                   lambda: getattr(lib.ones(3, dtype=lib.long), name + "_")(x, alpha=2.5),
                   lambda: getattr(lib.ones(3, dtype=lib.long), name + "_")(2, alpha=2.5),
                   lambda: getattr(lib.ones(1), name + "_")(x, alpha=2)):
            try:
                fn()
                res.append("ok")
            except RuntimeError as e:  # the check that raised (some of smalltorch's texts name dtypes its own way)
                m = str(e)
                res.append(next((k for k in ("automatic differentiation", "leaf Variable", "can't be cast",
                                             "doesn't match the broadcast shape") if k in m), m))
        o = lib.zeros(3)
        v = o._version
        r = getattr(lib, name)(x, lib.arange(3.0), alpha=-2, out=o)
        res.append((r is o, o.tolist(), o._version - v))
        y = lib.arange(3.0)
        v = y._version
        getattr(y, name + "_")(y, alpha=3)
        res.append((y.tolist(), y._version - v))
        return res
    assert run(st) == run(torch_ref)


def test_add_sub_are_bound_once_with_alpha(torch_ref):
    """The registry binds add/sub (function, method, in-place, subtract alias) with the keyword-only alpha."""
    for name in ("add", "sub"):
        for fn in (getattr(st, name), getattr(st.Tensor, name), getattr(st.Tensor, name + "_")):
            assert "alpha" in (fn.__doc__ or "") and "Overloaded function" not in (fn.__doc__ or ""), fn
        with pytest.raises(TypeError):
            getattr(st, name)(st.ones(2), st.ones(2), 2)  # alpha is keyword-only, as in torch
        with pytest.raises(TypeError):
            getattr(torch_ref, name)(torch_ref.ones(2), torch_ref.ones(2), 2)
    assert st.subtract is st.sub and st.Tensor.subtract is st.Tensor.sub and st.Tensor.subtract_ is st.Tensor.sub_
    assert st.add(2, 3).tolist() == torch_ref.add(2, 3).tolist() == 5


# ---- partially overlapping inputs: PyTorch refuses them for in-place ops and out= (one check in the registry)

OVERLAP_CASES = [
    "x[1:].mul_(x[:-1])", "x[1:].add_(x[:-1])", "x[1:].add_(x[:-1], alpha=2)", "x[:-1].sub_(x[1:])",
    "x[1:].atan2_(x[:-1])", "x[1:].div_(x[:-1])", "x[1:].div_(x[:-1], rounding_mode='floor')",
    "x[1:].pow_(x[:-1])", "x[1:].hypot_(x[:-1])", "x[1:].eq_(x[:-1])", "x.add_(x[0])", "x[2:].mul_(x[2])",
    "x.view(2, 3).add_(x[:3])", "x[:3].add_(x.view(2, 3))", "x[1:].add_(x[:-1].view(L.int32))",
    "L.add(x[:-1], x[:-1], out=x[1:])", "L.add(x[:-1], 1, out=x[1:])", "L.mul(x[:-1], x[1:], out=x[1:])",
    "L.mul(x[1:], 2, out=x[:-1])", "L.atan2(x[1:], x[1:], out=x[:-1])", "L.sub(x[1:], x[:-1], alpha=2, out=x[:-1])",
    "L.div(x[1:], x[:-1], out=x[:-1])", "L.pow(x[1:], 2, out=x[:-1])", "L.xlogy(2, x[1:], out=x[:-1])",
    "L.add(x[:2], x[4:], out=x[1:3])",
    # the ternary registry's in-place forms share the check
    "x[1:].lerp_(x[:-1], 0.5)", "x[1:].addcmul_(L.ones(5), x[:-1])", "x[1:].addcdiv_(x[:-1], L.ones(5))",
    "x[1:].clamp_(min=x[:-1])", "x[1:].masked_fill_(x[:-1] > 2, 1.0)",
    # out= of the one-input and three-input ops, and copy_
    "L.exp(x[:-1], out=x[1:])", "L.sigmoid(x[1:], out=x[:-1])", "L.square(x[:-1], out=x[1:])",
    "L.round(x[:-1], out=x[1:])", "L.round(x[:-1], decimals=1, out=x[1:])", "L.nan_to_num(x[:-1], out=x[1:])",
    "L.clamp(x[:-1], 0, 3, out=x[1:])", "L.lerp(x[:-1], x[1:], 0.5, out=x[1:])",
    "L.where(x[:-1] > 2, x[:-1], x[1:], out=x[1:])", "L.addcmul(x[:-1], x[:-1], x[:-1], out=x[1:])",
    "x[1:].copy_(x[:-1])", "x[:-1].copy_(x[1:])",
    "L.square(x, out=x)", "L.exp(x[:3], out=x[3:])", "L.lerp(x[:3], x[:3], 0.5, out=x[:3])", "x[:3].copy_(x[3:])",
    # no partial overlap: the same elements, a disjoint part, a number
    "x.add_(x)", "x[1:].add_(x[1:])", "x[1:].add_(x[0])", "x[1:4].add_(x[0:1])", "x[:3].add_(x[3:])",
    "x[::2].add_(x[1::2])", "x[1:].add_(x[:-1].clone())", "L.add(x[:3], x[:3], out=x[:3])",
    "L.add(x[1:], x[1:], out=x[1:])", "L.mul(x[:3], 2, out=x[3:])", "x.view(2, 3).add_(x.view(2, 3).t().t())",
]
# a strided (not dense) side is too hard to judge: PyTorch lets it pass (its values then depend on its loop
# order; smalltorch reads such an input from a copy)
TOO_HARD = ["x[::2].add_(x[:3])", "x[:3].add_(x[::2])", "x.view(2, 3)[:, :2].add_(x[1:3])",
            "L.add(x[:3], x[:3], out=x[::2])"]


@pytest.mark.parametrize("case", OVERLAP_CASES)
def test_partial_overlap_of_written_and_input_matches_torch(case, torch_ref):
    def run(L):
        x = L.arange(6.0) + 1
        try:
            r = eval(case, {"L": L, "x": x})
        except RuntimeError as e:
            return "err", str(e)
        return "ok", r.tolist(), x.tolist()
    got, want = run(st), run(torch_ref)
    if want[0] == "err":
        assert got[0] == "err" and got[1].endswith(want[1]), (got, want)
        assert "some elements of the input tensor and the written-to tensor" in want[1]
    else:
        assert got == want


@pytest.mark.parametrize("case", TOO_HARD)
def test_overlap_too_hard_to_judge_passes_as_in_torch(case, torch_ref):
    for L in (st, torch_ref):
        eval(case, {"L": L, "x": L.arange(6.0) + 1})


@pytest.mark.parametrize("case", ["x[:1].expand(3).neg_()", "x[:1].expand(3).add_(1)", "x[:1].expand(3).copy_(x[3:])",
                                  "x[:1].expand(2, 3).uniform_()", "L.exp(x[:3], out=x[:1].expand(3))"])
def test_internal_overlap_message_is_pytorchs(case, torch_ref):
    # a written-to tensor with one element at several positions: PyTorch's message, word for word
    msgs = []
    for L in (st, torch_ref):
        with pytest.raises(RuntimeError) as e:
            eval(case, {"L": L, "x": L.arange(6.0) + 1})
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
