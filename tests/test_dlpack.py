"""DLPack: Tensor.__dlpack__/__dlpack_device__, smalltorch.from_dlpack and smalltorch.utils.dlpack share
memory (no copy) with numpy and PyTorch both ways, for every dtype and layout, and keep the memory alive
exactly as long as some tensor uses it."""

import ctypes
import gc

import numpy as np
import pytest

import smalltorch as st

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]


def sample(dtype):
    return (np.arange(24).reshape(4, 6) % 3 == 0) if dtype == "bool" else np.arange(24, dtype=dtype).reshape(4, 6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["plain", "T", "step", "row", "0d", "empty"])
def test_round_trips_with_numpy_share_memory(dtype, view):
    take = {"plain": lambda a: a, "T": lambda a: a.T, "step": lambda a: a[::2, 1::3], "row": lambda a: a[2],
            "0d": lambda a: a[1, 1, ...], "empty": lambda a: a[:0]}[view]
    base = st.from_numpy(sample(dtype))
    x = take(base)
    a = np.from_dlpack(x)
    np.testing.assert_array_equal(a, x.numpy())
    assert a.shape == tuple(x.shape) and a.dtype == x.numpy().dtype
    if x.numel():
        assert a.__array_interface__["data"][0] == x.data_ptr()
    # numpy -> smalltorch
    arr = take(sample(dtype))
    y = st.from_dlpack(arr)
    np.testing.assert_array_equal(y.numpy(), arr)
    assert tuple(y.shape) == arr.shape
    if arr.size:
        assert y.data_ptr() == arr.__array_interface__["data"][0]
        assert list(y.stride()) == [s // arr.itemsize for s in arr.strides]


def test_writes_are_seen_both_ways(torch_ref):
    x = st.zeros(3, 4)
    a = np.from_dlpack(x)
    t = torch_ref.from_dlpack(x)
    x[1, 2] = 7.0
    assert a[1, 2] == 7.0 and t[1, 2].item() == 7.0
    t[0, 0] = 5.0
    assert x[0, 0].item() == 5.0
    s = torch_ref.arange(12.0).reshape(3, 4)[:, 1:]
    y = st.from_dlpack(s)
    s[0, 0] = -1.0
    assert y[0, 0].item() == -1.0 and list(y.stride()) == list(s.stride())


def test_memory_lives_as_long_as_a_consumer(torch_ref):
    x = st.arange(1000.0)
    a = np.from_dlpack(x)
    del x
    gc.collect()
    np.testing.assert_array_equal(a[:5], np.arange(5.0, dtype=np.float32))
    src = np.arange(1000.0)
    y = st.from_dlpack(src)
    ref = ctypes.c_double.from_address(src.__array_interface__["data"][0])
    del src
    gc.collect()
    assert y[3].item() == 3.0 and ref.value == 0.0
    t = torch_ref.from_dlpack(st.arange(10.0) * 2)
    gc.collect()
    assert t[4].item() == 8.0


def test_capsules_legacy_and_versioned(torch_ref):
    x = st.arange(4.0)
    legacy = x.__dlpack__()
    assert "dltensor" in repr(legacy) and "versioned" not in repr(legacy)
    versioned = x.__dlpack__(max_version=(1, 0))
    assert "dltensor_versioned" in repr(versioned)
    assert st.from_dlpack(versioned).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert "used_dltensor_versioned" in repr(versioned)
    with pytest.raises(BufferError):
        st.from_dlpack(versioned)  # a capsule is consumed once
    cap = st.utils.dlpack.to_dlpack(x)
    assert torch_ref.utils.dlpack.from_dlpack(cap).tolist() == [0.0, 1.0, 2.0, 3.0]
    tcap = torch_ref.utils.dlpack.to_dlpack(torch_ref.arange(3))
    assert st.utils.dlpack.from_dlpack(tcap).tolist() == [0, 1, 2]
    del legacy  # an unconsumed capsule frees its tensor reference
    gc.collect()


def test_copy_and_device_and_errors_match_torch(torch_ref):
    x = st.arange(3.0)
    c = st.from_dlpack(x.__dlpack__(max_version=(1, 0), copy=True))
    c[0] = 9.0
    assert x[0].item() == 0.0
    assert x.__dlpack_device__() == torch_ref.arange(3.0).__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError, match="require gradient"):
        st.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(BufferError, match="require gradient"):
        torch_ref.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(BufferError):
        x.__dlpack__(dl_device=(2, 0))
    with pytest.raises(BufferError):
        st.from_dlpack(np.arange(3, dtype=np.uint16))  # a dtype smalltorch does not have
    h = np.arange(3, dtype=np.float16)  # float16 comes in without a copy
    ht = st.from_dlpack(h)
    assert ht.dtype is st.float16 and ht.data_ptr() == h.ctypes.data and ht.tolist() == [0.0, 1.0, 2.0]
    for T in (st, torch_ref):
        with pytest.raises(RuntimeError, match="invalid capsule"):
            T.from_dlpack([1, 2, 3])

    class OnGpu:
        def __dlpack_device__(self):
            return (2, 0)

        def __dlpack__(self, **kw):
            raise AssertionError("not called")
    with pytest.raises(BufferError):
        st.from_dlpack(OnGpu())


def test_producer_without_max_version():
    class Old:  # a pre-1.0 producer: __dlpack__ takes only stream
        def __init__(self, arr):
            self.arr = arr

        def __dlpack__(self, stream=None):
            return self.arr.__dlpack__()

        def __dlpack_device__(self):
            return self.arr.__dlpack_device__()
    assert st.from_dlpack(Old(np.arange(3.0))).tolist() == [0.0, 1.0, 2.0]
