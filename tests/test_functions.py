"""Whole-tensor comparisons, broadcasting helpers, atleast_*, numpy-style stacks, flips, trace,
count_nonzero and std_mean/var_mean (issue 10, section 1), compared with PyTorch; gradients by gradcheck."""

import numpy as np
import pytest

import smalltorch


def _dt(d):
    return repr(d).split(".")[-1]


def _cmp(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _cmp(o, t)
        return
    if not hasattr(theirs, "shape"):
        assert ours == theirs
        return
    assert tuple(ours.shape) == tuple(theirs.shape) and _dt(ours.dtype) == _dt(theirs.dtype)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


A = np.array([[1.0, np.nan, np.inf], [-np.inf, 2.0, 3.0]])
B = np.array([[1.0 + 1e-9, np.nan, np.inf], [np.inf, 2.1, 3.0]])

CASES = {
    "isclose": lambda T: T.isclose(T.tensor(A), T.tensor(B)),
    "isclose_nan": lambda T: T.isclose(T.tensor(A), T.tensor(B), equal_nan=True),
    "isclose_tol": lambda T: T.isclose(T.tensor(A), T.tensor(B), rtol=0.1, atol=0.0),
    "isclose_int": lambda T: T.isclose(T.tensor([1, 2, 3]), T.tensor([1, 3, 3])),
    "isclose_method": lambda T: T.tensor(A).isclose(T.tensor(A)),
    "allclose": lambda T: T.allclose(T.tensor(A[:, 2:]), T.tensor(B[:, 2:])),
    "allclose_true": lambda T: T.allclose(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0 + 1e-7])),
    "allclose_method": lambda T: T.ones(2).allclose(T.ones(2)),
    "equal": lambda T: T.equal(T.tensor([1, 2]), T.tensor([1, 2])),
    "equal_shape": lambda T: T.equal(T.tensor([1, 2]), T.tensor([[1, 2]])),
    "equal_values": lambda T: T.ones(2).equal(T.zeros(2)),
    "broadcast_shapes": lambda T: T.broadcast_shapes((2, 1), (3,), 1),
    "broadcast_to": lambda T: T.broadcast_to(T.arange(3), (2, 3)),
    "broadcast_tensors": lambda T: T.broadcast_tensors(T.ones(2, 1), T.arange(3.0)),
    "atleast_1d": lambda T: T.atleast_1d(T.tensor(1.0)),
    "atleast_2d": lambda T: T.atleast_2d(T.arange(3), T.tensor(2)),
    "atleast_3d": lambda T: T.atleast_3d((T.tensor(1.0), T.arange(3), T.ones(2, 3))),
    "hstack": lambda T: T.hstack([T.arange(3), T.arange(2)]),
    "hstack_2d": lambda T: T.hstack((T.ones(2, 1), T.zeros(2, 2))),
    "vstack": lambda T: T.vstack([T.arange(3), T.arange(3)]),
    "row_stack": lambda T: T.row_stack([T.ones(1, 2), T.zeros(2, 2)]),
    "dstack": lambda T: T.dstack([T.arange(3), T.arange(3)]),
    "column_stack": lambda T: T.column_stack([T.arange(3), T.ones(3, 2, dtype=T.int64)]),
    "flipud": lambda T: T.flipud(T.arange(6).reshape(2, 3)),
    "fliplr": lambda T: T.arange(6).reshape(2, 3).fliplr(),
    "trace": lambda T: T.trace(T.arange(9.0).reshape(3, 3)),
    "trace_int": lambda T: T.arange(6).reshape(2, 3).trace(),
    "count_nonzero": lambda T: T.count_nonzero(T.tensor([[0, 1], [2, 0]])),
    "count_nonzero_dim": lambda T: T.tensor([[0.0, 1], [2, 0]]).count_nonzero(dim=1),
    "std_mean": lambda T: T.std_mean(T.arange(6.0).reshape(2, 3), 1),
    "var_mean": lambda T: T.var_mean(T.arange(6.0).reshape(2, 3), dim=0, correction=0, keepdim=True),
    "var_mean_all": lambda T: T.var_mean(T.arange(6.0)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_torch(name, torch_ref):
    _cmp(CASES[name](smalltorch), CASES[name](torch_ref))


ERRORS = {
    "isclose_dtypes": lambda T: T.isclose(T.ones(2), T.ones(2, dtype=T.float64)),
    "isclose_rtol": lambda T: T.isclose(T.ones(2), T.ones(2), rtol=-1.0),
    "isclose_type": lambda T: T.isclose([1.0], T.ones(1)),
    "broadcast_shapes": lambda T: T.broadcast_shapes((2,), (3,)),
    "broadcast_to": lambda T: T.broadcast_to(T.ones(2), (3,)),
    "broadcast_tensors": lambda T: T.broadcast_tensors(T.ones(2), T.ones(3)),
    "flipud": lambda T: T.flipud(T.tensor(1.0)),
    "fliplr": lambda T: T.fliplr(T.ones(3)),
    "trace": lambda T: T.trace(T.ones(3)),
    "equal_type": lambda T: T.equal(T.ones(1), 1),
    "trace_bool": lambda T: T.trace(T.ones(2, 2, dtype=T.bool)),
    "broadcast_tensors_list": lambda T: T.broadcast_tensors([T.ones(1)]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch_class(name, torch_ref):
    with pytest.raises(Exception) as ref:
        ERRORS[name](torch_ref)
    with pytest.raises(type(ref.value)):
        ERRORS[name](smalltorch)


GRADS = {
    "broadcast_to": lambda T, x: T.broadcast_to(x, (3, 2, 2, 3)),
    "broadcast_tensors": lambda T, x: T.broadcast_tensors(x, T.ones(4, 1, 1, 1, dtype=T.float64))[0],
    "atleast_3d": lambda T, x: T.atleast_3d(x[0]),
    "hstack": lambda T, x: T.hstack([x, x * 2]),
    "vstack": lambda T, x: T.vstack([x[0, 0], x[1, 1]]),
    "dstack": lambda T, x: T.dstack([x, x]),
    "column_stack": lambda T, x: T.column_stack([x[0, 0], x[1].t()]),
    "flipud": lambda T, x: T.flipud(x),
    "fliplr": lambda T, x: T.fliplr(x),
    "trace": lambda T, x: T.trace(x[0]),
    "std_mean": lambda T, x: T.std_mean(x, 1)[0] + T.std_mean(x, 1)[1],
    "var_mean": lambda T, x: T.var_mean(x, dim=(0, 2))[0] * 2 + T.var_mean(x, dim=(0, 2))[1],
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(name, torch_ref):
    a = np.random.default_rng(0).standard_normal((2, 2, 3))
    x = smalltorch.tensor(a, requires_grad=True)
    assert smalltorch.autograd.gradcheck(lambda t: GRADS[name](smalltorch, t), (x,))
    r = torch_ref.tensor(a, requires_grad=True)
    GRADS[name](smalltorch, x).sum().backward()
    GRADS[name](torch_ref, r).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), r.grad.numpy(), rtol=1e-12)
