"""Argument checks the per-callable fuzz sample exposed: each call raises the class PyTorch raises."""
import math

import numpy as np
import pytest

import smalltorch as st


class _IndexOnly:
    def __index__(self):
        return 2 ** 70


CALLS = {
    "celu_uint64_alpha": lambda L: L.celu(L.ones(2, 3).t(), np.uint64(2 ** 63)),
    "celu__uint64_alpha": lambda L: L.celu_(L.ones(2, 3).t().contiguous(), np.uint64(2 ** 63)),
    "detach__of_view": lambda L: L.ones(2, 3).t().detach_(),
    "detach__of_int_view": lambda L: L.arange(6).view(2, 3).detach_(),
    "expand_without_sizes": lambda L: L.tensor(1.0).expand(),
    "new_tensor_nan_int32": lambda L: L.tensor([1, 2], dtype=L.int32).new_tensor(np.float64("nan")),
    "tensor_np_float_overflow_int32": lambda L: L.tensor(np.float64(1e20), dtype=L.int32),
    "std_int_unbiased": lambda L: L.tensor(1.0, dtype=L.float64).std(-1, 0),
    "var_int_unbiased": lambda L: L.ones(3).var(0, 1),
    "uniform__minus_inf": lambda L: L.ones(2, dtype=L.float64).uniform_(-math.inf),
    "uniform__to_inf": lambda L: L.ones(2).uniform_(0, math.inf),
    "uniform__beyond_float": lambda L: L.ones(2).uniform_(-1e300),
    "normal__index_only_mean": lambda L: L.ones(2).normal_(_IndexOnly()),
    "normal__int_tensor_index_only": lambda L: L.tensor([1, 2]).normal_(_IndexOnly()),
    "normal__bool_numpy_int_mean": lambda L: L.ones(2, dtype=L.bool).normal_(np.int64(1)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_raises_like_torch(torch_ref, name):
    outcomes = []
    for lib in (st, torch_ref):
        with pytest.raises(Exception) as info:
            CALLS[name](lib)
        outcomes.append(type(info.value).__name__)
    assert outcomes[0] == outcomes[1]


def test_valid_forms_still_work():
    assert st.ones(2, 3).detach_().requires_grad is False
    assert st.tensor([1.0, 2.0]).normal_(np.int64(0), np.float32(1.0)).shape == (2,)
    assert float(st.celu(st.tensor([-1.0]), np.float64(2.0))) == pytest.approx(2.0 * (math.exp(-0.5) - 1))
    assert float(st.tensor([1.0, 3.0]).std(0, True)) == pytest.approx(math.sqrt(2.0))
    assert st.tensor(np.float64(2.0), dtype=st.int32).item() == 2
