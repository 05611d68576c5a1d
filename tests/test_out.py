"""out= arguments: the result lands in the given tensor, which is returned."""

import numpy as np
import pytest

import smalltorch as torch
from conftest import assert_close


@pytest.mark.parametrize("name,ref", [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                                      ("div", np.true_divide)])
def test_binary_out_writes_into_out(name, ref):
    rng = np.random.default_rng(0)
    a, b = rng.uniform(1, 2, (3, 4)).astype(np.float32), rng.uniform(1, 2, (4,)).astype(np.float32)
    out = torch.empty(3, 4)
    ptr = out.data_ptr()
    r = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b), out=out)
    assert r is out and out.data_ptr() == ptr
    assert_close(out, ref(a, b), rtol=1e-6)
    # a Python number as the other operand
    r = getattr(torch, name)(torch.from_numpy(a), 2.0, out=out)
    assert_close(out, ref(a, np.float32(2.0)), rtol=1e-6)


def test_out_may_alias_an_input_and_be_strided():
    a = torch.arange(12.0).reshape(3, 4)
    want = a.numpy() + a.numpy()
    torch.add(a, a, out=a)
    assert_close(a, want)
    base = torch.zeros(4, 3)
    out = base.t()  # non-contiguous out
    torch.mul(torch.ones(3, 4), 3.0, out=out)
    assert_close(base, np.full((4, 3), 3.0, dtype=np.float32))
    # out holding an input's very elements: allowed; out overlapping an input in part: refused, as in PyTorch
    x = torch.arange(4.0)
    torch.add(x[1:], x[1:], out=x[1:])
    assert_close(x, np.array([0.0, 2.0, 4.0, 6.0], dtype=np.float32))
    with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to tensor"):
        torch.add(x[:3], x[1:], out=x[1:])


def test_out_dtype_promotion_and_errors(torch_ref):
    out = torch.empty(3, dtype=torch.float64)
    torch.add(torch.ones(3), torch.ones(3), out=out)  # float32 result into a float64 out: allowed
    assert_close(out, np.full(3, 2.0))
    for m in (torch, torch_ref):
        with pytest.raises(RuntimeError, match="can't be cast"):
            m.add(m.ones(3), m.ones(3), out=m.empty(3, dtype=m.int64))
        with pytest.raises(RuntimeError, match="requires grad"):
            m.add(m.ones(3, requires_grad=True), m.ones(3), out=m.empty(3))
    # an out of another shape is resized, with PyTorch's deprecation warning naming both shapes
    out = torch.empty(2)
    with pytest.warns(UserWarning, match=r"had shape \[2\], which does not match the required output shape \[3\]"):
        assert torch.add(torch.ones(3), torch.ones(3), out=out) is out
    assert out.shape == (3,) and out.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError):
        torch.add(torch.ones(3), torch.ones(3), out=[1, 2, 3])


def test_reduction_and_matmul_out():
    a = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    out = torch.empty(5)
    assert torch.sum(torch.from_numpy(a), 1, out=out) is out
    assert_close(out, a.sum(1), rtol=1e-5)
    torch.mean(torch.from_numpy(a), 1, out=out)
    assert_close(out, a.mean(1), rtol=1e-5)
    m = torch.empty(5, 5)
    assert torch.matmul(torch.from_numpy(a), torch.from_numpy(a.T.copy()), out=m) is m
    assert_close(m, a @ a.T, rtol=1e-4, atol=1e-5)
    assert torch.mm(torch.from_numpy(a), torch.from_numpy(a.T.copy()), out=m) is m
    unary_out = torch.empty(5, 6)
    assert torch.exp(torch.from_numpy(a), out=unary_out) is unary_out
    assert_close(unary_out, np.exp(a), rtol=1e-6)


@pytest.mark.parametrize("name,args,ref", [
    ("maximum", (np.array([1.0, 5.0, 3.0]), np.array([4.0, 2.0, 6.0])), np.maximum),
    ("atan2", (np.array([1.0, -1.0, 0.5]), np.array([2.0, 2.0, -1.0])), np.arctan2),
    ("eq", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])), np.equal),
    ("amax", (np.arange(6.0).reshape(2, 3), 1), lambda a, d: a.max(d)),
    ("cumsum", (np.arange(6.0).reshape(2, 3), 1), lambda a, d: a.cumsum(d)),
    ("prod", (np.arange(1.0, 7.0).reshape(2, 3), 1), lambda a, d: a.prod(d)),
])
def test_out_on_the_other_functions(name, args, ref):
    targs = tuple(torch.from_numpy(a.astype(np.float32)) if isinstance(a, np.ndarray) else a for a in args)
    want = ref(*(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args))
    out = torch.empty(*want.shape, dtype=torch.bool if want.dtype == np.bool_ else torch.float32)
    assert getattr(torch, name)(*targs, out=out) is out
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    out = torch.empty(7, dtype=out.dtype)  # resized to the result's shape, with PyTorch's warning
    with pytest.warns(UserWarning, match=r"shape \[7\]"):
        assert getattr(torch, name)(*targs, out=out) is out
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
