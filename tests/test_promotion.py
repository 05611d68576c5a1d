"""Type promotion against PyTorch's rules: categories bool < integer <
floating; 0-d tensors and Python numbers do not raise the dtype within a
category; int / int gives the default float; comparisons give bool."""

import itertools

import numpy as np
import pytest

import smalltorch as torch

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _operand(m, kind, name):
    dt = getattr(m, name)
    if kind == "tensor":
        return m.ones(3, dtype=dt)
    if kind == "0-d":
        return m.ones((), dtype=dt)
    return {"bool": True, "float16": 1.5, "bfloat16": 1.5, "float32": 1.5, "float64": 1.5}.get(name, 1)  # Python number


CASES = [(a, b, ka, kb) for a, b in itertools.product(NAMES, NAMES)
         for ka, kb in [("tensor", "tensor"), ("tensor", "0-d"), ("0-d", "tensor"), ("tensor", "number"),
                        ("0-d", "0-d")]]


@pytest.mark.parametrize("a,b,ka,kb", CASES)
def test_result_type_table_matches_pytorch(a, b, ka, kb, torch_ref):
    x, y = _operand(torch, ka, a), _operand(torch, kb, b)
    tx, ty = _operand(torch_ref, ka, a), _operand(torch_ref, kb, b)
    assert str(torch.result_type(x, y)).split(".")[1] == str(torch_ref.result_type(tx, ty)).split(".")[1]
    if not (a == "bool" and b == "bool"):
        assert str((x * y).dtype).split(".")[1] == str((tx * ty).dtype).split(".")[1]
    assert str((x / y).dtype).split(".")[1] == str((tx / ty).dtype).split(".")[1]
    assert (x < y).dtype == torch.bool


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_and_can_cast_match_pytorch(a, b, torch_ref):
    got = torch.promote_types(getattr(torch, a), getattr(torch, b))
    want = torch_ref.promote_types(getattr(torch_ref, a), getattr(torch_ref, b))
    assert str(got).split(".")[1] == str(want).split(".")[1]
    assert torch.can_cast(getattr(torch, a), getattr(torch, b)) == torch_ref.can_cast(getattr(torch_ref, a),
                                                                                     getattr(torch_ref, b))


def test_default_dtype_governs_python_floats_and_int_division():
    assert (torch.ones(2, dtype=torch.int64) / 2).dtype == torch.float32
    assert (torch.ones(2, dtype=torch.int32) * 2.5).dtype == torch.float32
    torch.set_default_dtype(torch.float64)
    try:
        assert (torch.ones(2, dtype=torch.int64) / 2).dtype == torch.float64
        assert (torch.ones(2, dtype=torch.int32) * 2.5).dtype == torch.float64
        assert (torch.ones(2, dtype=torch.float32) * 2.5).dtype == torch.float32  # same category: no raise
    finally:
        torch.set_default_dtype(torch.float32)
    np.testing.assert_array_equal((torch.tensor([3, 4]) / torch.tensor([2, 2])).numpy(), [1.5, 2.0])
