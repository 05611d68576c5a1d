"""Temporary elision: in `a * 2 + 1` the product is a temporary nothing else
can see, so the `+ 1` writes into it (as numpy does). It must never happen
when anything else can see the operand."""

import operator

import numpy as np

import smalltorch as torch

N = 200_000  # 800 KB of float32: above the 256 KB threshold


def _elided(fn):
    before = torch._C._elided_temporaries()
    r = fn()
    return r, torch._C._elided_temporaries() - before


def test_chained_expression_reuses_the_temporary_and_is_right():
    a = torch.randn(N)
    want = a.numpy() * 2 + 1
    r, n = _elided(lambda: a * 2 + 1)
    np.testing.assert_allclose(r.numpy(), want, rtol=1e-6)
    assert n == 1
    r, n = _elided(lambda: (a * 2 - a) / 3 * a)
    np.testing.assert_allclose(r.numpy(), (a.numpy() * 2 - a.numpy()) / 3 * a.numpy(), rtol=1e-5)
    assert n == 3


def test_no_elision_when_the_operand_is_visible():
    a = torch.randn(N)
    a0 = a.numpy().copy()
    b = a * 2
    b0 = b.numpy().copy()
    _, n = _elided(lambda: b + 1)  # b is a variable
    assert n == 0 and np.array_equal(b.numpy(), b0)
    _, n = _elided(lambda: a + 1)
    assert n == 0 and np.array_equal(a.numpy(), a0)
    holder = [a * 2]
    h0 = holder[0].numpy().copy()
    _, n = _elided(lambda: holder[0] + 1)  # a list holds it
    assert n == 0 and np.array_equal(holder[0].numpy(), h0)
    # views of the temporary, small tensors, dtype changes, grad: no elision
    _, n = _elided(lambda: (a * 2)[::2] + 1)
    assert n == 0
    _, n = _elided(lambda: torch.randn(10) * 2 + 1)
    assert n == 0
    _, n = _elided(lambda: (a * 2) + torch.ones(N, dtype=torch.float64))
    assert n == 0
    w = torch.randn(N, requires_grad=True)
    r, n = _elided(lambda: w * 2 + 1)
    assert n == 0 and r.grad_fn.name() == "AddBackward0"


def test_numpy_backed_temporaries_are_not_reused():
    arr = np.ones(N, dtype=np.float32)
    _, n = _elided(lambda: torch.from_numpy(arr) + 1)
    assert n == 0 and np.all(arr == 1)


def test_calls_from_library_code_are_still_right():
    a = torch.randn(N)
    r = operator.add(a * 2, 1)
    np.testing.assert_allclose(r.numpy(), a.numpy() * 2 + 1, rtol=1e-6)
    total = sum([a * 1, a * 2, a * 3])
    np.testing.assert_allclose(total.numpy(), a.numpy() * 6, rtol=1e-5)
