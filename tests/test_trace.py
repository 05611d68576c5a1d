"""autograd.trace: every node the engine runs, in order, with the gradients in and out and the leaf .grad
each contribution reached; explain() prints each node's vector-Jacobian formula. The registry rows'
formulas are the C++ gradient expressions themselves: evaluating that text gives autograd's gradient."""

import math
import time

import numpy as np
import pytest
from conftest import scalar_chain

import smalltorch as st
from smalltorch import _C
from smalltorch.autograd import _trace


def seed():
    x = st.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    return x, z.mean()


def test_seed_notes_trace_shows_the_hand_derived_numbers():
    x, out = seed()
    with st.autograd.trace(params={"x": x}) as t:
        out.backward()
    assert [s.name for s in t] == ["MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0",
                                   "AccumulateGrad"]
    # d(out)/dz = 1/4, d(out)/dy = 2 * 3 * y / 4 = 4.5 at y = 3
    assert t[0].grads_out[0].tolist() == [[0.25] * 2] * 2
    assert t[3].grads_in[0].tolist() == [[4.5] * 2] * 2
    assert t[4].leaf is x and t[4].leaf_grad.tolist() == [[4.5] * 2] * 2
    table = str(t)
    assert "x.grad = (2, 2) float32 [[4.5, 4.5], [4.5, 4.5]]" in table
    text = t.explain()
    assert "grad_self = grad · other" in text and "grad_other = alpha · grad" in text
    assert "grad_self = grad / numel(self)" in text and "leaf.grad += grad" in text


def test_non_scalar_backward_with_v():
    x = st.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 2
    while y.data.norm() < 100:
        y = y * 2
    v = st.tensor([0.1, 1.0, 0.0001])
    with st.autograd.trace({"x": x}) as t:
        y.backward(v)
    assert t[0].grads_in[0].tolist() == pytest.approx(v.tolist())
    assert t[-1].name == "AccumulateGrad"
    np.testing.assert_allclose(t[-1].leaf_grad.numpy(), x.grad.numpy())
    assert len(t) == sum(1 for s in t if s.name == "MulBackward0") + 1


def test_grad_and_shared_leaves_and_off_when_inactive():
    a = st.tensor([1.0, 2.0], requires_grad=True)
    y = (a * a + a.exp()).sum()
    with st.autograd.trace() as t:
        (g,) = st.autograd.grad(y, a)
    names = [s.name for s in t]
    assert names.count("AccumulateGrad") == 0  # autograd.grad does not accumulate into .grad
    assert names[0] == "SumBackward0" and {"MulBackward0", "ExpBackward0", "AddBackward0"} <= set(names)
    assert not _trace._ACTIVE
    y2 = (a * 3).sum()
    y2.backward()  # not traced: nothing recorded anywhere
    assert len(t) == len(names)


def test_chain_trace_is_linear():
    small, big = scalar_chain(2000), scalar_chain(8000)
    t0 = time.perf_counter()
    with st.autograd.trace() as ts:
        small.backward()
    t1 = time.perf_counter()
    with st.autograd.trace() as tb:
        big.backward()
    t2 = time.perf_counter()
    assert len(ts) == 2001 and len(tb) == 8001
    assert (t2 - t1) < 12 * (t1 - t0) + 0.5


# ---------------------------------------------------------------- the formulas are the code

FUNCS = {
    "mul": st.mul, "div": st.div, "add": st.add, "sub": st.sub, "neg": st.neg, "rsub": lambda x, y: y - x,
    "square": lambda x: x * x, "sqrt": st.sqrt, "exp": st.exp, "log": st.log, "cos": st.cos, "sin": st.sin,
    "cosh": st.cosh, "sinh": st.sinh, "sign": st.sign, "pow": st.pow, "where": st.where, "sum": st.sum,
    "zero_grad": st.zeros_like, "div_mode": lambda a, b, m: st.div(a, b, rounding_mode=m), "lt": st.lt,
    "gt": st.gt, "eq": st.eq, "masked_fill": st.masked_fill,
    "tie_split": lambda g, a, b, loses: st.masked_fill(st.where(a == b, g / 2, g), loses, 0),
    "alpha_scaled": lambda g, k: g * k,
    "unless_zero": lambda e, x: st.where(st.as_tensor(e) == 0, 0.0, x),
    "unless_zero_base": lambda a, b, x: st.where((st.as_tensor(a) == 0) & (b >= 0), 0.0, x),
}
CONSTS = {"M_LN2": math.log(2), "M_LN10": math.log(10), "M_2_SQRTPI": 2 / math.sqrt(math.pi), "zero": 0,
          "kDegToRad": math.pi / 180, "kRadToDeg": 180 / math.pi}
# issue 10's special rows: their helpers as compositions, their constants
FUNCS.update({
    "digamma": st.digamma, "polygamma": lambda n, x: st.polygamma(int(n), x), "erfinv": st.erfinv, "i0": st.i0, "xlogy": st.xlogy,
    "exp2": st.exp2, "sgn": st.sgn, "reciprocal": st.reciprocal, "ne": st.ne, "special_i0e": st.special.i0e,
    "special_i1": st.special.i1, "special_i1e": st.special.i1e, "special_log_ndtr": st.special.log_ndtr,
    "special_xlog1py": st.special.xlog1py,
    "sinc_grad": lambda s: st.where(s == 0, 0.0, (st.cos(math.pi * s) * math.pi * s - st.sin(math.pi * s)) /
                                    (math.pi * s * s)),
    "sigmoid_grad": lambda g, s: g * (1 - s) * s, "tanh_grad": lambda g, s: g * (1 - s * s), "relu_grad": lambda g, s: g * st.sign(s),
    "i1_grad": lambda s, scaled: st.where(s == 0, 0.5, st.special.i0e(s) - st.special.i1e(s) * (st.sgn(s) + 1 / s)
                                          if scaled else st.i0(s) - st.special.i1(s) / s),
})
CONSTS.update({"kSqrtPiOver2": math.sqrt(math.pi) / 2, "kSqrt2Pi": math.sqrt(2 * math.pi),
               "kInvSqrt2Pi": 1 / math.sqrt(2 * math.pi), "true": True, "false": False})
SPECIAL_NODES = {"SpecialI0EBackward0": "i0e", "SpecialI1Backward0": "i1", "SpecialI1EBackward0": "i1e",
                 "SpecialNdtriBackward0": "ndtri", "SpecialLogNdtrBackward0": "log_ndtr",
                 "SpecialEntrBackward0": "entr"}


def evaluate(tree, env):
    if isinstance(tree, str):
        if tree in env:
            return env[tree]
        if tree in CONSTS:
            return CONSTS[tree]
        if tree.startswith("'"):
            return tree.strip("'")
        return float(tree)
    name, args = tree
    return FUNCS[name](*[evaluate(a, env) for a in args])


UNARY_INPUT = {"AcoshBackward0": 1.7, "AcosBackward0": 0.3, "AsinBackward0": 0.3, "LogBackward0": 1.7, "Log2Backward0": 1.7,
               "Log10Backward0": 1.7, "Log1PBackward0": 0.7, "SqrtBackward0": 1.7, "RsqrtBackward0": 1.7,
               "ErfinvBackward0": 0.3, "LogitBackward0": 0.3, "SpecialNdtriBackward0": 0.3}


def registry_rows():
    rows = []
    for node, (inputs, formulas, symbols) in sorted(_C._vjp_formulas.items()):
        if inputs and "clamp_grad" not in "".join(formulas):
            rows.append(node)
    return rows


def node_program(node):
    x = st.tensor([0.35, 0.8, 1.3], dtype=st.float64, requires_grad=True)
    if node.replace("Backward1", "Backward0") in UNARY_INPUT:
        x = st.tensor([UNARY_INPUT[node.replace("Backward1", "Backward0")]] * 3, dtype=st.float64, requires_grad=True)
    y = st.tensor([0.6, -0.4, 2.1], dtype=st.float64, requires_grad=True)
    m = st.tensor([True, False, True])
    z = st.tensor([0.2, 0.5, 0.9], dtype=st.float64, requires_grad=True)
    for name, row in _C._ternary_registry.items():
        if node in (row[5], row[6]):
            args = {"where": (m, x, y), "masked_fill": (x, m, st.tensor(1.5, dtype=st.float64, requires_grad=True)),
                    "lerp": (x, y, z), "addcmul": (x, y, z), "addcdiv": (x, y, z + 1)}[name]
            if node == "LerpBackward0":
                args = (x, y, 0.3)
            if node == "MaskedFillBackward0":
                args = (x, m, 1.5)
            return getattr(st, name), args
    for name, row in _C._binary_registry.items():
        inplace = row[4] in ("eq", "ne", "lt", "le", "gt", "ge")  # a comparison has a node only in place
        fn = (lambda a, b, name=name: getattr(a * 1, name + "_")(b)) if inplace else \
            getattr(st, name) if not name.startswith("special_") else getattr(st.special, name[8:])
        if node == row[2]:
            return fn, (x, y)
        if node == row[3]:
            return fn, (x, 2.5)
    if node in SPECIAL_NODES:
        return getattr(st.special, SPECIAL_NODES[node]), (x,)
    name = node[:-len("Backward0")].lower()
    if node.endswith("Backward1"):  # a unary row whose in-place form has its own node
        return (lambda a: getattr(a * 1, name + "_")()), (x,)
    return getattr(st, name), (x,)


@pytest.mark.parametrize("node", registry_rows())
def test_registry_formula_text_computes_the_gradient(node):
    fn, args = node_program(node)
    inputs, formulas, symbols = _C._vjp_formulas[node]
    out = fn(*args)
    assert type(out.grad_fn).__name__ == node
    g = st.linspace(0.5, 1.5, out.numel(), dtype=st.float64).reshape(out.shape)
    tensors = [a for a in args if isinstance(a, st.Tensor) and a.requires_grad]
    want = st.autograd.grad(out, tensors, g, allow_unused=True)
    # the symbols of the formula bound to this call's values
    meaning = {k: v for k, v in symbols.items()}
    names = list(_C._ternary_registry.get(fn.__name__, ((None,),))[0]) if fn.__name__ in _C._ternary_registry \
        else ["self", _C._binary_registry[fn.__name__][5] if fn.__name__ in _C._binary_registry else "other"]
    values = {("self" if n == "input" else n): a for n, a in zip(names, args)}
    values["grad"], values["result"], values["value"], values["0"] = g, out.detach(), 1, 0
    values["alpha"] = 1  # add's and sub's alpha keyword (node_program calls them without it)
    env = {k: values[v] for k, v in meaning.items() if v in values}
    env["g"] = g
    got = [evaluate(_trace._parse(f), env) for f in formulas]
    for name, w, f in zip(inputs, want, got):
        if w is None:
            continue
        f = f if isinstance(f, st.Tensor) else st.full_like(w, f)
        if f.numel() > w.numel():  # a broadcast input: the engine sums the gradient down to its shape
            f = f.sum() if w.dim() == 0 else f.sum_to_size(w.shape)
        np.testing.assert_allclose(f.detach().numpy() * np.ones(w.shape), w.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{node} grad_{name}")


def test_every_node_has_a_readable_formula():
    for node in _C._vjp_formulas:
        text = _trace.vjp_formula(node)
        assert text and "Scalar(" not in text and "int64_t" not in text, node
        for op in ("mul(", "div(", "add(", "sub(", "neg(", "rsub("):
            assert op not in text, (node, text)


def test_see_autograd_example_runs_and_shows_the_notes_numbers(tmp_path):
    import os
    import subprocess
    import sys
    from conftest import subprocess_env
    example = os.path.join(os.path.dirname(__file__), "..", "examples", "see_autograd.py")
    out = subprocess.run([sys.executable, example], cwd=tmp_path, env=subprocess_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "└─ MeanBackward0" in text and "see [1] AddBackward0" in text
    assert "grad_self = grad · other" in text and "-> x.grad = (2, 2) float32 [[4.5, 4.5], [4.5, 4.5]]" in text
    assert "x.grad = v J = 2 v = tensor([2.0000e-01, 2.0000e+00, 2.0000e-04])" in text
