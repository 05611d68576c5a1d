"""smalltorch.normal: PyTorch's call forms, the result's shape and dtype, its statistics, and its errors."""

import numpy as np
import pytest

import smalltorch

FORMS = {
    "numbers and size": lambda T: T.normal(2.0, 3.0, size=(4, 5)),
    "tensor mean": lambda T: T.normal(T.zeros(3, 2), 1.0),
    "tensor std": lambda T: T.normal(0.5, T.ones(6)),
    "tensor mean and std (broadcast)": lambda T: T.normal(T.zeros(2, 1), T.ones(3)),
    "float64 tensor mean": lambda T: T.normal(T.zeros(4, dtype=T.float64), 2.0),
    "dtype=float64": lambda T: T.normal(0.0, 1.0, size=(2,), dtype=T.float64),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_shape_and_dtype_match_torch(torch_ref, form):
    ours, theirs = FORMS[form](smalltorch), FORMS[form](torch_ref)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert not ours.requires_grad


def test_statistics():
    smalltorch.manual_seed(0)
    x = smalltorch.normal(2.0, 3.0, size=(200_000,)).numpy().astype(np.float64)
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.std() - 3.0) < 0.05
    mean = smalltorch.tensor([-5.0, 5.0]).expand(100_000, 2)
    y = smalltorch.normal(mean, smalltorch.tensor([0.5, 2.0])).numpy().astype(np.float64)
    np.testing.assert_allclose(y.mean(0), [-5.0, 5.0], atol=0.05)
    np.testing.assert_allclose(y.std(0), [0.5, 2.0], rtol=0.03)


def test_seeded_draws_repeat_and_out_and_requires_grad():
    smalltorch.manual_seed(7)
    a = smalltorch.normal(0.0, 1.0, size=(5,))
    smalltorch.manual_seed(7)
    out = smalltorch.empty(5)
    r = smalltorch.normal(0.0, 1.0, size=(5,), out=out)
    assert r is out
    np.testing.assert_array_equal(a.numpy(), out.numpy())
    assert smalltorch.normal(0.0, 1.0, size=(2,), requires_grad=True).requires_grad


BAD = {
    "negative std": lambda T: T.normal(0.0, -1.0, size=(2,)),
    "negative std tensor": lambda T: T.normal(T.zeros(2), -T.ones(2)),
    "size with a tensor mean": lambda T: T.normal(T.zeros(2), 1.0, size=(2,)),
    "numbers without size": lambda T: T.normal(0.0, 1.0),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_torchs_class(torch_ref, case):
    with pytest.raises(Exception) as theirs:
        BAD[case](torch_ref)
    with pytest.raises(Exception) as ours:
        BAD[case](smalltorch)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
