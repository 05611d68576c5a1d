"""Conversions: numpy interop (as_tensor, from_numpy, .numpy(), __array__), item/tolist, .to() and devices."""

import gc

import numpy as np
import pytest

import smalltorch as torch
from conftest import DTYPES, NAMES, NP_OF, assert_close, ref_dtype, to_np

# ----------------------------------------------------------------------------- as_tensor / from_numpy / numpy()

def test_as_tensor_shares_numpy_memory():
    a = np.arange(6, dtype=np.float32)
    t = torch.as_tensor(a)
    a[2] = 100.0
    assert t[2].item() == 100.0
    t[0] = -1.0
    assert a[0] == -1.0


def test_as_tensor_copies_when_dtype_differs():
    a = np.arange(4, dtype=np.float32)
    t = torch.as_tensor(a, dtype=torch.float64)
    assert t.dtype is torch.float64
    a[0] = 50
    assert t[0].item() == 0.0


def test_as_tensor_of_tensor_is_identity():
    t = torch.ones(3)
    assert torch.as_tensor(t) is t
    assert torch.as_tensor(t, dtype=torch.float64).dtype is torch.float64


def test_as_tensor_of_list():
    t = torch.as_tensor([1, 2, 3])
    assert t.dtype is torch.int64 and t.tolist() == [1, 2, 3]


@pytest.mark.parametrize("npd", [np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64])
def test_from_numpy_dtype_and_shares_memory_both_ways(npd):
    a = np.zeros((2, 3), dtype=npd)
    t = torch.from_numpy(a)
    assert t.dtype is {v: k for k, v in NP_OF.items()}[npd]
    assert tuple(t.shape) == a.shape
    a[1, 2] = 1
    assert t[1, 2].item() == a[1, 2]
    t[0, 0] = 1
    assert a[0, 0] == 1
    assert t.data_ptr() == a.ctypes.data


def test_from_numpy_keeps_array_alive():
    a = np.arange(10, dtype=np.float64) * 1.5
    expected = a.copy()
    t = torch.from_numpy(a)
    del a
    gc.collect()
    _ = [np.ones(10) for _ in range(100)]  # churn the allocator
    assert_close(t, expected)


def test_from_numpy_strided_view(torch_ref):
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    a = base[::2, 1::2]
    t = torch.from_numpy(a)
    assert_close(t, a)
    assert t.stride() == tuple(s // a.itemsize for s in a.strides)
    assert t.stride() == torch_ref.from_numpy(a).stride()
    t[0, 0] = -5
    assert base[0, 1] == -5


def test_numpy_shares_memory():
    t = torch.zeros(2, 3)
    a = t.numpy()
    a[0, 1] = 4.0
    assert t[0, 1].item() == 4.0
    t[1, 2] = 9.0
    assert a[1, 2] == 9.0
    assert np.shares_memory(a, t.numpy())


def test_numpy_of_view_has_matching_strides():
    t = torch.arange(12, dtype=torch.float64).view(3, 4).t()
    a = t.numpy()
    assert a.strides == tuple(s * 8 for s in t.stride())
    np.testing.assert_array_equal(a, np.arange(12, dtype=np.float64).reshape(3, 4).T)


def test_numpy_keeps_tensor_memory_alive():
    t = torch.arange(5, dtype=torch.float64) * 2
    a = t.numpy()
    del t
    gc.collect()
    np.testing.assert_array_equal(a, np.arange(5, dtype=np.float64) * 2)


@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_numpy_dtype(d):
    assert torch.ones(2, dtype=d).numpy().dtype == np.dtype(NP_OF[d])


def test_array_protocol():
    t = torch.arange(6).view(2, 3)
    a = np.asarray(t)
    np.testing.assert_array_equal(a, np.arange(6).reshape(2, 3))
    assert a.dtype == np.int64
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t).tolist() == t.tolist()


# ----------------------------------------------------------------------------- item / tolist

@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_item_and_tolist_types(d, torch_ref):
    data = [[1, 0, 1], [0, 1, 1]]
    t = torch.tensor(data, dtype=d)
    r = torch_ref.tensor(data, dtype=ref_dtype(torch_ref, d))
    assert t.tolist() == r.tolist()
    assert type(t.tolist()[0][0]) is type(r.tolist()[0][0])
    assert t[0, 0].item() == r[0, 0].item()
    assert type(t[0, 0].item()) is type(r[0, 0].item())
    z = torch.tensor(1, dtype=d)
    assert z.dim() == 0
    assert z.tolist() == r[0, 0].tolist()
    assert type(z.tolist()) is type(r[0, 0].tolist())


def test_item_of_one_element_nd():
    assert torch.tensor([[2.5]]).item() == 2.5
    assert torch.tensor([[[7]]]).item() == 7


def test_float32_item_is_rounded_value():
    assert torch.tensor(0.1).item() == float(np.float32(0.1))
    assert torch.tensor(0.1, dtype=torch.float64).item() == 0.1


def test_python_number_conversions():
    assert float(torch.tensor([2.5])) == 2.5
    assert int(torch.tensor(7)) == 7
    assert bool(torch.tensor([0])) is False
    assert bool(torch.tensor(3.0)) is True
    assert [10, 20, 30][torch.tensor(1)] == 20


def test_tolist_empty_and_0d():
    assert torch.zeros(0).tolist() == []
    assert torch.zeros(2, 0).tolist() == [[], []]
    assert torch.tensor(3.5).tolist() == 3.5


# ----------------------------------------------------------------------------- to / casts / device

@pytest.mark.parametrize("src", DTYPES, ids=lambda d: NAMES[d])
@pytest.mark.parametrize("dst", DTYPES, ids=lambda d: NAMES[d])
def test_to_dtype_matches_torch(src, dst, torch_ref):
    data = [0, 1, 2, 3, 250] if src is not torch.bool else [True, False, True]
    if src.is_floating_point:
        data = [0.0, 1.5, -0.0, 2.75, 200.25]
    if dst is torch.uint8 and src.is_floating_point:
        data = [0.0, 1.5, 2.75, 200.25]
    t = torch.tensor(data, dtype=src).to(dst)
    r = torch_ref.tensor(data, dtype=ref_dtype(torch_ref, src)).to(ref_dtype(torch_ref, dst))
    assert t.dtype is dst
    assert t.tolist() == r.tolist()


def test_to_same_dtype_returns_self():
    t = torch.ones(3)
    assert t.to(torch.float32) is t
    assert t.to("cpu") is t
    assert t.to(torch.device("cpu")) is t
    c = t.to(torch.float32, copy=True)
    assert c is not t and c.data_ptr() != t.data_ptr()


def test_to_other_forms():
    t = torch.tensor([1.5, 2.5])
    assert t.to(dtype=torch.float64).dtype is torch.float64
    assert t.to("cpu", torch.int64).tolist() == [1, 2]
    assert t.to(torch.zeros(1, dtype=torch.int32)).dtype is torch.int32


@pytest.mark.parametrize("meth,d", [("float", "float32"), ("double", "float64"), ("long", "int64"),
                                    ("int", "int32"), ("bool", "bool")])
def test_cast_methods(meth, d, torch_ref):
    data = [0.0, 1.5, -2.5, 3.0]
    t = getattr(torch.tensor(data), meth)()
    r = getattr(torch_ref.tensor(data), meth)()
    assert t.dtype is getattr(torch, d)
    assert t.tolist() == r.tolist()


def test_cast_to_new_dtype_copies():
    t = torch.tensor([1, 2, 3])
    f = t.float()
    f[0] = 10.0
    assert t[0].item() == 1


def test_device_attribute(torch_ref):
    t = torch.zeros(2)
    assert t.device == torch.device("cpu")
    assert t.device == "cpu"
    assert repr(t.device) == repr(torch_ref.zeros(2).device)
    assert str(t.device) == str(torch_ref.zeros(2).device)
    assert t.device.type == "cpu"
    assert not t.is_cuda and t.is_cpu
    assert t.cpu() is t


def test_device_objects(torch_ref):
    for spec in ["cpu", "cuda", "cuda:1"]:
        d, r = torch.device(spec), torch_ref.device(spec)
        assert repr(d) == repr(r)
        assert str(d) == str(r)
        assert d.type == r.type and d.index == r.index
    assert torch.device("cuda", 0) == torch.device("cuda:0")
    assert hash(torch.device("cpu")) == hash(torch.device("cpu"))


def test_device_cpu_argument_accepted():
    assert torch.zeros(2, device="cpu").device == "cpu"
    assert torch.tensor([1], device=torch.device("cpu")).device == "cpu"


@pytest.mark.parametrize("make", [
    lambda: torch.zeros(2, device="cuda"),
    lambda: torch.tensor([1.0], device="cuda"),
    lambda: torch.ones(2).to("cuda"),
    lambda: torch.ones(2).to(torch.device("cuda:0")),
    lambda: torch.ones(2).cuda(),
    lambda: torch.arange(3, device="cuda"),
])
def test_cuda_raises_pytorchs_error(make, torch_ref):
    # PyTorch's CPU-only build: AssertionError "Torch not compiled with CUDA enabled"
    with pytest.raises(AssertionError) as ref:
        torch_ref.zeros(2, device="cuda")
    with pytest.raises(AssertionError) as got:
        make()
    assert str(got.value) == str(ref.value)


def test_numpy_scalar_on_the_left(torch_ref):
    got = np.float64(2.0) + torch.ones(2)
    ref = np.float64(2.0) + torch_ref.ones(2)
    assert isinstance(got, torch.Tensor)
    assert repr(got.dtype).split(".")[-1] == repr(ref.dtype).split(".")[-1]
    assert got.tolist() == ref.tolist()


def test_index_and_format():
    assert list(range(10))[torch.tensor(3)] == 3
    assert f"{torch.tensor(2.5):.2f}" == format(2.5, ".2f")
    assert f"{torch.tensor(7):04d}" == format(7, "04d")


def test_pickle_and_deepcopy_keep_values():
    import copy
    import pickle
    x = torch.arange(6.0).view(2, 3).t()
    for y in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
        assert y.dtype is x.dtype and tuple(y.shape) == (3, 2)
        np.testing.assert_array_equal(to_np(y), np.arange(6, dtype=np.float32).reshape(2, 3).T)
        assert y.data_ptr() != x.data_ptr()
    g = copy.deepcopy(torch.ones(2, requires_grad=True))
    assert g.requires_grad and g.is_leaf


def test_tolist_and_numpy_of_views():
    x = torch.arange(12).view(3, 4)
    xn = np.arange(12).reshape(3, 4)
    assert x.t().tolist() == xn.T.tolist()
    assert x[:, 1::2].tolist() == xn[:, 1::2].tolist()
    assert x[1, 2].tolist() == xn[1, 2].item()
    np.testing.assert_array_equal(np.asarray(x.t()[::2]), xn.T[::2])


def test_iteration_gives_rows():
    x = torch.arange(6).view(2, 3)
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, torch.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == np.arange(6).reshape(2, 3).tolist()
    rows[1][0] = 100
    assert x[1, 0].item() == 100  # rows are views


def test_detach_numpy_of_requires_grad():
    t = torch.ones(3, requires_grad=True)
    a = t.detach().numpy()
    np.testing.assert_array_equal(a, np.ones(3, dtype=np.float32))
    assert t.tolist() == [1.0, 1.0, 1.0]
    assert t.detach().sum().item() == 3.0


def test_array_protocol_requires_grad(torch_ref):
    with pytest.raises(RuntimeError):
        np.asarray(torch_ref.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(torch.ones(2, requires_grad=True))


def test_contains(torch_ref):
    assert (2 in torch.arange(3)) == (2 in torch_ref.arange(3)) == True  # noqa: E712
