"""Argument checks whose order or strictness once differed from PyTorch (found by test_fuzz.py)."""

import pytest

import smalltorch as st


def outcome(fn):
    try:
        fn()
    except Exception as e:  # the class is what is compared
        return type(e).__name__
    return "ok"


@pytest.mark.parametrize("make", [
    lambda T: T.mm(T.ones(3, 4, dtype=T.bool), T.ones(3, 4, dtype=T.bool)),   # shapes are checked before dtype
    lambda T: T.mm(T.ones(3, 4, dtype=T.bool), T.ones(4, 2, dtype=T.bool)),
    lambda T: T.randint(T.tensor(2.0), (3,)),                                  # a float tensor is not an int
    lambda T: T.randint(T.tensor(1.0), 5, (3,)),
    lambda T: T.randint(T.tensor(4), (3,)),                                    # an integer 0-d tensor is
    lambda T: T.randint(T.tensor(4, dtype=T.uint8), (3,)),
    lambda T: T.pow(T.ones(2, dtype=T.int32), 2 ** 63 - 1),                   # exponent must fit the dtype
    lambda T: T.pow(T.ones(2, dtype=T.int32), 2 ** 31 - 1),
])
def test_same_outcome_as_torch(make, torch_ref):
    assert outcome(lambda: make(st)) == outcome(lambda: make(torch_ref))
