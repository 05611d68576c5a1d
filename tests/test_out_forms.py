"""out= and smalltorch.<name>(input, ...) for the functions that used to get them from Python shims.

Issue 8 ("one out= path, one binder"): the C++ bindings now give these functions their keyword-only out=
(bind_util.h result_or_out) and bind the module function of methods such as transpose or narrow, so that
smalltorch/__init__.py's `_method` shim and most of its `_out_form` list are gone. Everything here is
compared with PyTorch.
"""

import warnings

import numpy as np
import pytest

import smalltorch
from conftest import assert_close


def _uniform(shape, seed, lo=0.5, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)


A = _uniform((3, 4), 0)
S = _uniform((3, 3), 1)
V3, V4 = _uniform((3,), 2), _uniform((4,), 3)
IDX = np.array([2, 0, 1], dtype=np.int64)
GATHER_IDX = np.array([[0, 1, 3, 2], [1, 1, 0, 3], [2, 0, 0, 1]], dtype=np.int64)
MASK = A > 1.0

# (id, function name, positional args, keyword args, an out dtype both libraries reject or None).
# Arrays become tensors of the library under test; "float64" becomes its dtype.
# No rejected dtype is listed where the two differ (smalltorch keeps the rule of the Python shim these
# bindings replace: any out dtype the result can be cast to): argmax/argmin (PyTorch wants exactly
# int64), prod/cumsum/cumprod without dtype= (PyTorch computes in the out's dtype), prod() over all
# dims (PyTorch has no out= there), cat/stack (PyTorch raises TypeError, smalltorch RuntimeError).
OUT_CASES = [
    ("pow", "pow", [A, 2.0], {}, "int64"),
    ("pow_tensor", "pow", [A, A], {}, "int64"),
    ("pow_number_base", "pow", [2.0, A], {}, "int64"),
    ("prod_dim", "prod", [A, 1], {}, None),
    ("prod_dtype", "prod", [A, 1], {"keepdim": True, "dtype": "float64"}, "int64"),
    ("amax", "amax", [A, 1], {}, "int64"),
    ("amin", "amin", [A], {"dim": (0, 1)}, "int64"),
    ("argmax", "argmax", [A], {}, None),
    ("argmax_dim", "argmax", [A, 1], {"keepdim": True}, None),
    ("argmin", "argmin", [A, 0], {}, None),
    ("var", "var", [A], {}, "int64"),
    ("var_dim", "var", [A, 1], {}, "int64"),
    ("var_correction", "var", [A, 1], {"correction": 0, "keepdim": True}, "int64"),
    ("var_unbiased", "var", [A, 1, False], {}, "int64"),
    ("std", "std", [A], {}, "int64"),
    ("std_correction", "std", [A, 0], {"correction": 2}, "int64"),
    ("std_unbiased_keepdim", "std", [A, (0, 1), True, True], {}, "int64"),
    ("norm", "norm", [A], {}, "int64"),
    ("norm_p", "norm", [A, 1], {}, "int64"),
    ("norm_dim", "norm", [A, 2, 1], {"keepdim": True}, "int64"),
    ("norm_fro", "norm", [A, "fro", (0, 1)], {}, "int64"),
    ("logsumexp", "logsumexp", [A, 1], {}, "int64"),
    ("all", "all", [MASK], {}, "int64"),
    ("all_dim", "all", [MASK, 1], {}, "int64"),
    ("any", "any", [MASK], {}, "int64"),
    ("any_dim", "any", [MASK, 0], {"keepdim": True}, "int64"),
    ("cumsum", "cumsum", [A, 1], {}, None),
    ("cumsum_dtype", "cumsum", [A, 1], {"dtype": "float64"}, "int64"),
    ("cumprod", "cumprod", [A, 0], {}, None),
    ("mv", "mv", [A, V4], {}, "int64"),
    ("dot", "dot", [V3, V3], {}, "int64"),
    ("addmm", "addmm", [S, A, A.T.copy()], {}, "int64"),
    ("addmm_beta_alpha", "addmm", [S, A, A.T.copy()], {"beta": 0.5, "alpha": 2}, "int64"),
    ("cat", "cat", [[A, A]], {}, None),
    ("cat_dim", "cat", [[A, A], 1], {}, None),
    ("concat", "concat", [[A, A]], {"dim": 1}, None),
    ("concatenate", "concatenate", [[A, A]], {"axis": 1}, None),
    ("stack", "stack", [[A, A]], {}, None),
    ("stack_dim", "stack", [[A, A], 2], {}, None),
    ("index_select", "index_select", [A, 1, IDX], {}, "int64"),
    ("gather", "gather", [A, 1, GATHER_IDX], {}, "int64"),
    ("take", "take", [A, IDX], {}, "int64"),
    ("masked_select", "masked_select", [A, MASK], {}, "int64"),
    ("neg", "neg", [A], {}, "int64"),
    ("negative", "negative", [A], {}, "int64"),
    ("reciprocal", "reciprocal", [A], {}, "int64"),
]
OUT_IDS = [c[0] for c in OUT_CASES]


def _arg(m, x):
    if isinstance(x, np.ndarray):
        return m.from_numpy(x.copy())
    if isinstance(x, list):
        return [_arg(m, y) for y in x]
    return m.float64 if isinstance(x, str) and x == "float64" else x


def _call(m, case, **extra):
    _, name, args, kwargs, _ = case
    return getattr(m, name)(*[_arg(m, a) for a in args], **{k: _arg(m, v) for k, v in kwargs.items()}, **extra)


def _dtype(m, torch_dtype):
    return getattr(m, str(torch_dtype).split(".")[1])


@pytest.mark.parametrize("case", OUT_CASES, ids=OUT_IDS)
def test_out_writes_into_out_and_returns_it(case, torch_ref):
    want = _call(torch_ref, case)
    assert_close(_call(smalltorch, case), want.numpy(), rtol=1e-5)
    for m in (torch_ref, smalltorch):
        out = m.full(tuple(want.shape), 7, dtype=_dtype(m, want.dtype))
        assert _call(m, case, out=out) is out
        assert_close(out.numpy(), want.numpy(), rtol=1e-5)
    # a strided (transposed) out receives the same values
    if want.dim() == 2:
        base = smalltorch.zeros(tuple(want.shape)[::-1], dtype=_dtype(smalltorch, want.dtype))
        assert _call(smalltorch, case, out=base.t()).data_ptr() == base.data_ptr()
        assert_close(base.t(), want.numpy(), rtol=1e-5)


@pytest.mark.parametrize("case", OUT_CASES, ids=OUT_IDS)
def test_non_tensor_out_is_a_type_error(case, torch_ref):
    with pytest.raises(TypeError):
        _call(torch_ref, case, out=[1.0])
    with pytest.raises(TypeError) as e:
        _call(smalltorch, case, out=[1.0])
    assert str(e.value) == f"{case[1]}(): argument 'out' must be Tensor, not list"


def test_out_type_is_checked_before_computing(torch_ref):
    # the arguments would fail the op itself (mismatched sizes): the out= TypeError comes first in both
    for m in (torch_ref, smalltorch):
        a, v = m.from_numpy(A.copy()), m.from_numpy(V3.copy())
        for call in (lambda: m.mv(a, v, out=0), lambda: m.cat([a, v], out=0), lambda: m.index_select(a, 5, v, out=0)):
            with pytest.raises(TypeError, match="out"):
                call()


def _with_warnings(fn):
    """fn()'s result and the texts of the UserWarnings it raised (PyTorch's build-path suffix cut off)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = fn()
    return r, [str(x.message).split(" (Triggered internally")[0] for x in w if issubclass(x.category, UserWarning)]


@pytest.mark.parametrize("case", OUT_CASES, ids=OUT_IDS)
def test_out_of_another_shape_is_resized_as_torch_resizes(case, torch_ref):
    want = _call(torch_ref, case)
    np_dtype = want.numpy().dtype
    # numpy's memory cannot grow: both refuse with PyTorch's message
    for m in (torch_ref, smalltorch):
        with pytest.raises(RuntimeError, match="Trying to resize storage that is not resizable"):
            _call(m, case, out=m.from_numpy(np.empty(0, np_dtype)))
    # an out of no elements takes the result's shape silently; one with elements with PyTorch's warning
    for shape in ((0,), (5, 1)):
        seen = []
        for m in (torch_ref, smalltorch):
            out = m.empty(shape, dtype=_dtype(m, want.dtype))
            r, warned = _with_warnings(lambda: _call(m, case, out=out))
            assert r is out
            assert_close(out.numpy(), want.numpy(), rtol=1e-5)
            seen.append((tuple(out.shape), out.stride(), warned))
        assert seen[1] == seen[0]
        assert bool(seen[0][2]) == (shape != (0,))


@pytest.mark.parametrize("case", [c for c in OUT_CASES if c[4]], ids=[c[0] for c in OUT_CASES if c[4]])
def test_out_of_a_dtype_the_result_cannot_take(case, torch_ref):
    want = _call(torch_ref, case)
    errors = []
    for m in (torch_ref, smalltorch):
        with pytest.raises(Exception) as e:
            _call(m, case, out=m.empty(tuple(want.shape), dtype=getattr(m, case[4])))
        errors.append(type(e.value))
    assert errors[1] is errors[0] is RuntimeError


@pytest.mark.parametrize("name,call", [
    ("pow", lambda m, a: m.pow(a, 2.0, out=m.empty(3, 4))),
    ("var", lambda m, a: m.var(a, 1, out=m.empty(3))),
    ("cumsum", lambda m, a: m.cumsum(a, 0, out=m.empty(3, 4))),
    ("addmm", lambda m, a: m.addmm(m.zeros(3, 3), a, a.t(), out=m.empty(3, 3))),
    ("stack", lambda m, a: m.stack([a, a], out=m.empty(2, 3, 4))),
    ("neg", lambda m, a: m.neg(a, out=m.empty(3, 4))),
])
def test_out_refuses_inputs_that_require_grad(name, call, torch_ref):
    for m in (torch_ref, smalltorch):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            call(m, m.from_numpy(A.copy()).requires_grad_())


def test_norm_takes_out_before_dtype_as_positional_arguments(torch_ref):
    outs = []
    for m in (torch_ref, smalltorch):
        out = m.empty(3)
        assert m.norm(m.from_numpy(A.copy()), 2, 1, False, out) is out
        outs.append(out.numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6)


# ---- smalltorch.<name>(input, ...) for methods: (name, positional args after input, the same as torch's keywords)
FUNCTION_CASES = [
    ("neg", (), {}),
    ("negative", (), {}),
    ("reciprocal", (), {}),
    ("flatten", (1, 2), {"start_dim": 1, "end_dim": 2}),
    ("transpose", (0, 2), {"dim0": 0, "dim1": 2}),
    ("swapaxes", (2, 1), {"axis0": 2, "axis1": 1}),
    ("swapdims", (0, -1), {"dim0": 0, "dim1": -1}),
    ("squeeze", (1,), {"dim": 1}),
    ("squeeze", ((1, 3),), {"dim": (1, 3)}),
    ("squeeze", (), {}),
    ("unsqueeze", (-1,), {"dim": -1}),
    ("clone", (), {}),
    ("detach", (), {}),
    ("select", (2, -1), {"dim": 2, "index": -1}),
    ("narrow", (2, 1, 2), {"dim": 2, "start": 1, "length": 2}),
]


@pytest.mark.parametrize("name,args,kwargs", FUNCTION_CASES, ids=[f"{c[0]}{len(c[1])}" for c in FUNCTION_CASES])
def test_function_form_of_a_method(name, args, kwargs, torch_ref):
    x = _uniform((2, 1, 3, 1), 4)
    tx = torch_ref.from_numpy(x.copy())
    want = getattr(torch_ref, name)(tx, *args)
    assert getattr(torch_ref, name)(tx, **kwargs).shape == want.shape
    shares_memory = want.untyped_storage().data_ptr() == tx.untyped_storage().data_ptr()
    t = smalltorch.from_numpy(x.copy())
    for got in (getattr(smalltorch, name)(t, *args), getattr(smalltorch, name)(input=t, **kwargs),
                getattr(t, name)(*args), getattr(t, name)(**kwargs)):
        assert_close(got, want.numpy())
        assert (got._storage_key() == t._storage_key()) == shares_memory


def test_t_and_its_checks(torch_ref):
    for m in (torch_ref, smalltorch):
        a = m.from_numpy(A.copy())
        assert tuple(m.t(a).shape) == (4, 3) and tuple(m.t(input=a).shape) == (4, 3)
        with pytest.raises(RuntimeError):
            m.t(m.zeros(2, 2, 2))
        with pytest.raises(IndexError):
            m.narrow(a, 1, 5, 1)


def test_neg_and_reciprocal_out(torch_ref):
    for name in ("neg", "negative", "reciprocal"):
        want = getattr(torch_ref, name)(torch_ref.from_numpy(A.copy()))
        out = smalltorch.empty(3, 4)
        assert getattr(smalltorch, name)(smalltorch.from_numpy(A.copy()), out=out) is out
        assert_close(out, want.numpy())


JOINS = ("cat", "concat", "concatenate", "stack")
# name -> the arguments after the first of one valid call (the first becomes a non-tensor)
REST_ARGS = {c[0]: c[1] for c in reversed(FUNCTION_CASES)}
REST_ARGS.update({c[1]: tuple(c[2][1:]) for c in reversed(OUT_CASES)})
REST_ARGS["t"] = ()
ALL_NAMES = sorted(REST_ARGS)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_non_tensor_input_is_a_type_error(name, torch_ref):
    first = 5 if name in JOINS else [1.0]
    errors = []
    for m in (torch_ref, smalltorch):
        with pytest.raises(Exception) as e:
            getattr(m, name)(first, *[_arg(m, a) for a in REST_ARGS[name]])
        errors.append(e.value)
    # torch.norm is Python code that fails on the list's missing .layout (AttributeError)
    assert type(errors[0]) is (AttributeError if name == "norm" else TypeError)
    assert type(errors[1]) is TypeError
    if name in JOINS:
        assert str(errors[1]) == f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not int"
    elif name != "pow":  # pow(input, exponent) takes a number on either side
        assert str(errors[1]) == f"{name}(): argument 'input' (position 1) must be Tensor, not list"


def test_the_python_shims_are_gone():
    # each name is the C++ function itself, not a Python wrapper around it
    assert not hasattr(smalltorch, "_method")
    wrapped = [n for n in ALL_NAMES if getattr(smalltorch, n) is not getattr(smalltorch._C, n)]
    assert wrapped == []
    assert {type(getattr(smalltorch, n)).__name__ for n in ALL_NAMES} == {"builtin_function_or_method"}
