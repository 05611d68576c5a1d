"""einsum: values and gradients against torch (and numpy's einsum), gradcheck, PyTorch's errors."""
import numpy as np
import pytest

import smalltorch as st

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ijk,jl,lk->i", [(2, 3, 4), (3, 5), (5, 4)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("iij->j", [(3, 3, 2)]),
    ("a...,a->...", [(3, 2, 2), (3,)]),
    ("ij,kj", [(2, 3), (4, 3)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("ij,j->i", [(3, 1), (4,)]),
    (" i j , j k -> k i ", [(2, 3), (3, 2)]),
]


def _arrays(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("eq,shapes", CASES, ids=[c[0] for c in CASES])
def test_values_match_numpy(eq, shapes):
    arrs = _arrays(shapes)
    ours = st.einsum(eq, *[st.tensor(a) for a in arrs]).numpy()
    np.testing.assert_allclose(ours, np.einsum(eq.replace(" ", ""), *arrs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("eq,shapes", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(torch_ref, eq, shapes):
    torch = torch_ref
    arrs = _arrays(shapes, seed=1)
    grads = []
    for lib in (st, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrs]
        out = lib.einsum(eq, xs)  # the list form
        (out * lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)))).sum().backward()
        grads.append([out.detach().numpy()] + [x.grad.numpy() for x in xs])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("eq,shapes", [CASES[1], CASES[10], CASES[12], CASES[15]], ids=lambda v: str(v))
def test_gradcheck(eq, shapes):
    xs = tuple(st.tensor(a, requires_grad=True) for a in _arrays(shapes, seed=2))
    assert st.autograd.gradcheck(lambda *t: st.einsum(eq, *t), xs)


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (4, 5)]), ("ij->k", [(2, 2)]), ("ij,jk", [(2, 2)]), ("ijk", [(2, 2)]),
    ("ij->ii", [(2, 2)]), ("i", [(2,), (2,)]), ("i1", [(2, 2)]), ("ii", [(2, 3)])])
def test_errors_match_torch(torch_ref, eq, shapes):
    torch = torch_ref
    outcomes = []
    for lib in (st, torch):
        with pytest.raises(Exception) as info:
            lib.einsum(eq, *[lib.ones(*s) for s in shapes])
        outcomes.append((type(info.value), str(info.value)))
    assert outcomes[0][0] is outcomes[1][0]
    if eq not in ("i1", "ii"):  # the same problem, worded differently
        assert outcomes[0][1] == outcomes[1][1]


@pytest.mark.parametrize("args", [(None,), ("ij",), ("i", None), ("i", 3), ("i", [1.0, 2.0]), (3, "i")],
                         ids=["none", "no_operand", "none_operand", "int_operand", "list_of_floats", "int_equation"])
def test_argument_errors_match_torch(torch_ref, args):
    torch = torch_ref
    outcomes = []
    for lib in (st, torch):
        with pytest.raises(Exception) as info:
            lib.einsum(*args)
        outcomes.append((type(info.value), str(info.value)))
    assert outcomes[0][0] is outcomes[1][0]
    if args[0] is not None and args != (3, "i") and len(args) > 1:
        assert outcomes[0][1] == outcomes[1][1]
