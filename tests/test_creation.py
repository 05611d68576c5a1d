"""dtypes, tensor()/as_tensor()/from_numpy() and the factories, checked against numpy and PyTorch."""

import math

import numpy as np
import pytest

import smalltorch as torch
from conftest import DTYPES, NAMES, NP_OF, assert_close, ref_dtype, to_np

# ----------------------------------------------------------------------------- dtypes

@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_dtype_repr_matches_torch(d, torch_ref):
    assert repr(d) == repr(ref_dtype(torch_ref, d)).replace("torch.", "smalltorch.")
    assert repr(d) == f"smalltorch.{NAMES[d]}"


def test_dtype_aliases():
    assert torch.float is torch.float32
    assert torch.double is torch.float64
    assert torch.long is torch.int64
    assert torch.int is torch.int32
    assert torch.float == torch.float32 and torch.float != torch.float64


@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_dtype_is_floating_point_matches_torch(d, torch_ref):
    assert d.is_floating_point == ref_dtype(torch_ref, d).is_floating_point
    assert torch.zeros(2, dtype=d).is_floating_point() == ref_dtype(torch_ref, d).is_floating_point


@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_element_size_and_itemsize(d):
    t = torch.zeros(3, dtype=d)
    assert t.element_size() == np.dtype(NP_OF[d]).itemsize
    assert t.itemsize == np.dtype(NP_OF[d]).itemsize
    assert t.nbytes == 3 * np.dtype(NP_OF[d]).itemsize


def test_default_dtype_roundtrip():
    assert torch.get_default_dtype() is torch.float32
    torch.set_default_dtype(torch.float64)
    assert torch.get_default_dtype() is torch.float64
    assert torch.tensor(1.5).dtype is torch.float64
    assert torch.tensor([1.0, 2.0]).dtype is torch.float64
    assert torch.zeros(2).dtype is torch.float64
    assert torch.ones(2).dtype is torch.float64
    assert torch.rand(2).dtype is torch.float64
    assert torch.arange(0.0, 1.0, 0.5).dtype is torch.float64
    assert torch.linspace(0, 1, 3).dtype is torch.float64
    assert torch.full((2,), 1.5).dtype is torch.float64
    # ints and bools are unaffected
    assert torch.tensor(3).dtype is torch.int64
    assert torch.tensor(True).dtype is torch.bool
    assert torch.arange(3).dtype is torch.int64
    torch.set_default_dtype(torch.float32)
    assert torch.tensor(1.5).dtype is torch.float32


@pytest.mark.parametrize("data,expected", [(1.5, "float32"), (3, "int64"), (True, "bool"),
                                           ([1, 2.0], "float32"), ([True, 2], "int64"), ([True, False], "bool"),
                                           ([[1, 2], [3, 4]], "int64"), ((1.0, 2.0), "float32")])
def test_python_scalar_dtype_inference(data, expected, torch_ref):
    assert torch.tensor(data).dtype is getattr(torch, expected)
    assert repr(torch_ref.tensor(data).dtype) == f"torch.{expected}"


# ----------------------------------------------------------------------------- tensor()

@pytest.mark.parametrize("data", [0, -7, 2.5, True, False, [1, 2, 3], [[1.5, 2.5], [3.5, -4.5]], ((1, 2), (3, 4)),
                                  [[[1], [2]], [[3], [4]]], [[True, False]], []])
def test_tensor_from_python_values(data, torch_ref):
    t = torch.tensor(data)
    r = torch_ref.tensor(data)
    assert tuple(t.shape) == tuple(r.shape)
    assert repr(t.dtype).split(".")[-1] == repr(r.dtype).split(".")[-1]
    np.testing.assert_array_equal(to_np(t), r.numpy())
    assert t.tolist() == r.tolist()


def test_tensor_empty_nested_list(torch_ref):
    t = torch.tensor([[], []])
    assert tuple(t.shape) == tuple(torch_ref.tensor([[], []]).shape)
    assert t.numel() == 0


@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_tensor_with_dtype(d):
    data = [[0, 1, 2], [3, 0, 5]]
    t = torch.tensor(data, dtype=d)
    assert t.dtype is d
    assert_close(t, np.array(data, dtype=NP_OF[d]))


def test_tensor_float_to_int_dtype_truncates(torch_ref):
    data = [1.7, -1.7, 2.5]
    t = torch.tensor(data, dtype=torch.int64)
    assert t.tolist() == torch_ref.tensor(data, dtype=torch_ref.int64).tolist()


@pytest.mark.parametrize("npd", [np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64])
def test_tensor_from_numpy_copies(npd):
    a = (np.arange(6).reshape(2, 3) % 3).astype(npd)
    t = torch.tensor(a)
    assert_close(t, a)
    before = a.copy()
    t.fill_(1)
    np.testing.assert_array_equal(a, before)  # tensor() copies
    a[...] = 0
    assert_close(t, np.ones_like(a))


def test_tensor_from_noncontiguous_numpy():
    a = np.arange(24, dtype=np.float64).reshape(4, 6)[::2, 1::2].T
    t = torch.tensor(a)
    assert_close(t, a)
    assert t.is_contiguous()


def test_tensor_from_numpy_with_dtype():
    a = np.arange(5, dtype=np.int64)
    t = torch.tensor(a, dtype=torch.float64)
    assert_close(t, a.astype(np.float64))


def test_tensor_from_numpy_scalars():
    assert torch.tensor(np.float64(2.5)).item() == 2.5
    assert torch.tensor(np.int32(7)).item() == 7
    assert torch.tensor([np.float32(1.5), np.float32(2.5)]).tolist() == [1.5, 2.5]


def test_tensor_from_tensor_copies(torch_ref):
    a = torch.tensor([1.0, 2.0, 3.0])
    b = torch.tensor(a)
    assert b.data_ptr() != a.data_ptr()
    b[0] = 100.0
    assert a[0].item() == 1.0
    assert torch.tensor(a, dtype=torch.int64).dtype is torch.int64


def test_tensor_from_list_of_tensors():
    parts = [torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]
    t = torch.tensor(parts)
    assert_close(t, np.array([[1, 2], [3, 4]], dtype=np.float32))
    z = torch.tensor([torch.tensor(1), torch.tensor(2)])
    assert z.dtype is torch.int64 and z.tolist() == [1, 2]


def test_tensor_requires_grad():
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert not torch.tensor([1.0]).requires_grad


def test_tensor_infinity_and_nan():
    t = torch.tensor([math.inf, -math.inf, math.nan])
    v = t.tolist()
    assert v[0] == math.inf and v[1] == -math.inf and math.isnan(v[2])


def test_tensor_large_int64_exact():
    big = 2 ** 62 + 1
    assert torch.tensor(big).item() == big
    assert torch.tensor([big, -big]).tolist() == [big, -big]


# ----------------------------------------------------------------------------- factories

SIZE_FORMS = [((2, 3), {}), (((2, 3),), {}), (([2, 3],), {}), ((), {"size": (2, 3)})]


@pytest.mark.parametrize("args,kwargs", SIZE_FORMS)
@pytest.mark.parametrize("name,fill", [("zeros", 0), ("ones", 1)])
def test_zeros_ones_call_forms(name, fill, args, kwargs):
    t = getattr(torch, name)(*args, **kwargs)
    assert_close(t, np.full((2, 3), fill, dtype=np.float32))


@pytest.mark.parametrize("args,kwargs", SIZE_FORMS)
@pytest.mark.parametrize("name", ["empty", "rand", "randn"])
def test_shape_only_factories_call_forms(name, args, kwargs):
    t = getattr(torch, name)(*args, **kwargs)
    assert tuple(t.shape) == (2, 3) and t.dtype is torch.float32


def test_size_object_accepted():
    s = torch.zeros(4, 5).shape
    assert tuple(torch.ones(s).shape) == (4, 5)
    assert tuple(torch.empty(*s).shape) == (4, 5)


@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
@pytest.mark.parametrize("name,fill", [("zeros", 0), ("ones", 1)])
def test_zeros_ones_dtype(name, fill, d):
    t = getattr(torch, name)(3, 2, dtype=d)
    assert t.dtype is d
    assert_close(t, np.full((3, 2), fill, dtype=NP_OF[d]))


def test_factory_zero_dim_and_empty_shapes():
    assert torch.zeros(()).dim() == 0 and torch.zeros(()).item() == 0.0
    assert torch.ones([]).shape == ()
    assert tuple(torch.zeros(0, 3).shape) == (0, 3)
    assert torch.zeros(0, 3).numel() == 0


def test_factory_requires_grad():
    for f in (torch.zeros, torch.ones, torch.empty, torch.rand, torch.randn):
        t = f(2, requires_grad=True)
        assert t.requires_grad and t.is_leaf
    assert torch.full((2,), 1.0, requires_grad=True).requires_grad
    assert torch.arange(0.0, 3.0, requires_grad=True).requires_grad
    assert torch.linspace(0, 1, 3, requires_grad=True).requires_grad
    assert torch.eye(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("fill,d", [(1.5, None), (7, None), (True, None), (2, torch.float64), (3.9, torch.int32)])
def test_full(fill, d, torch_ref):
    t = torch.full((2, 3), fill, dtype=d)
    r = torch_ref.full((2, 3), fill, dtype=None if d is None else ref_dtype(torch_ref, d))
    assert repr(t.dtype).split(".")[-1] == repr(r.dtype).split(".")[-1]
    assert t.tolist() == r.tolist()


def test_full_forms():
    assert_close(torch.full([4], -2.0), np.full(4, -2.0, dtype=np.float32))
    assert_close(torch.full((), 3.0), np.array(3.0, dtype=np.float32))


@pytest.mark.parametrize("args", [(5,), (2, 9), (2, 9, 3), (10, 0, -3), (-4, 4, 2), (0,), (3, 3)])
def test_arange_int(args, torch_ref):
    t = torch.arange(*args)
    assert t.dtype is torch.int64
    assert_close(t, np.arange(*args, dtype=np.int64))
    assert t.tolist() == torch_ref.arange(*args).tolist()


@pytest.mark.parametrize("args", [(2.5,), (0.0, 1.0, 0.1), (1, 2.5, 0.5), (5, 0, -1.5), (-1.0, 1.0, 0.25),
                                  (0, 1, 0.3)])
def test_arange_float(args, torch_ref):
    t = torch.arange(*args)
    r = torch_ref.arange(*args)
    assert t.dtype is torch.float32
    assert tuple(t.shape) == tuple(r.shape)
    assert_close(t, r.numpy())


def test_arange_dtype_and_keyword_forms(torch_ref):
    assert_close(torch.arange(5, dtype=torch.float64), np.arange(5, dtype=np.float64))
    assert_close(torch.arange(0, 10, 3, dtype=torch.int32), np.arange(0, 10, 3, dtype=np.int32))
    assert_close(torch.arange(start=1, end=4), np.arange(1, 4))
    assert_close(torch.arange(1, 10, step=4), np.arange(1, 10, 4))


@pytest.mark.parametrize("start,end,steps", [(0, 1, 5), (-2, 2, 9), (3, -3, 4), (1, 1, 3), (0, 1, 0),
                                             (0.5, 2.5, 7)])
def test_linspace(start, end, steps, torch_ref):
    t = torch.linspace(start, end, steps)
    assert t.dtype is torch.float32
    assert_close(t, np.linspace(start, end, steps, dtype=np.float32))
    assert_close(t, torch_ref.linspace(start, end, steps).numpy())


def test_linspace_single_step(torch_ref):
    t = torch.linspace(0, 10, 1)
    assert_close(t, np.linspace(0, 10, 1, dtype=np.float32))
    assert t.tolist() == torch_ref.linspace(0, 10, 1).tolist()


def test_linspace_float64():
    assert_close(torch.linspace(0, 1, 11, dtype=torch.float64), np.linspace(0, 1, 11), rtol=0, atol=1e-15)


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1,), (3, 0)])
def test_eye(args):
    t = torch.eye(*args)
    assert_close(t, np.eye(*args, dtype=np.float32))


@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_eye_dtype(d):
    assert_close(torch.eye(3, dtype=d), np.eye(3, dtype=NP_OF[d]))


def test_like_factories():
    src = torch.arange(6, dtype=torch.int32).view(2, 3)
    for fn, v in ((torch.zeros_like, 0), (torch.ones_like, 1)):
        t = fn(src)
        assert t.dtype is torch.int32
        assert_close(t, np.full((2, 3), v, dtype=np.int32))
        assert t.data_ptr() != src.data_ptr()
    assert_close(torch.full_like(src, 4), np.full((2, 3), 4, dtype=np.int32))
    assert_close(torch.full_like(src, 2.5, dtype=torch.float64), np.full((2, 3), 2.5))
    e = torch.empty_like(src)
    assert tuple(e.shape) == (2, 3) and e.dtype is torch.int32
    assert torch.zeros_like(src, dtype=torch.float32).dtype is torch.float32
    f = torch.ones_like(torch.ones(2), requires_grad=True)
    assert f.requires_grad


def test_like_factories_of_noncontiguous():
    src = torch.arange(12.0).view(3, 4).t()
    assert tuple(torch.zeros_like(src).shape) == (4, 3)
    assert_close(torch.ones_like(src), np.ones((4, 3), dtype=np.float32))


# ----------------------------------------------------------------------------- random

def test_rand_range_and_stats():
    torch.manual_seed(0)
    t = torch.rand(10000)
    a = to_np(t)
    assert a.min() >= 0.0 and a.max() < 1.0
    assert abs(a.mean() - 0.5) < 0.02
    assert abs(a.var() - 1 / 12) < 0.01


def test_randn_stats():
    torch.manual_seed(1)
    a = to_np(torch.randn(20000, dtype=torch.float64))
    assert abs(a.mean()) < 0.03
    assert abs(a.std() - 1.0) < 0.03


@pytest.mark.parametrize("fn", [lambda: torch.rand(3, 4), lambda: torch.randn(3, 4),
                                lambda: torch.randint(0, 100, (3, 4)), lambda: torch.rand(5, dtype=torch.float64)])
def test_manual_seed_reproducible(fn):
    torch.manual_seed(1234)
    a = fn().tolist()
    b = fn().tolist()
    torch.manual_seed(1234)
    c = fn().tolist()
    assert a == c
    assert a != b


def test_different_seeds_differ():
    torch.manual_seed(1)
    a = torch.rand(8).tolist()
    torch.manual_seed(2)
    assert torch.rand(8).tolist() != a
    assert torch.initial_seed() == 2


@pytest.mark.parametrize("args,lo,hi", [((10, (1000,)), 0, 10), ((-5, 5, (1000,)), -5, 5), ((3, 4, (50,)), 3, 4)])
def test_randint_ranges(args, lo, hi):
    torch.manual_seed(3)
    t = torch.randint(*args)
    a = to_np(t)
    assert t.dtype is torch.int64
    assert a.min() >= lo and a.max() < hi
    if hi - lo > 1:
        assert set(a.tolist()) == set(range(lo, hi))


def test_randint_forms_and_dtype():
    assert tuple(torch.randint(5, (2, 3)).shape) == (2, 3)
    assert tuple(torch.randint(1, 5, [4]).shape) == (4,)
    assert tuple(torch.randint(0, 5, size=(2, 2)).shape) == (2, 2)
    t = torch.randint(0, 7, (20,), dtype=torch.int32)
    assert t.dtype is torch.int32
    f = torch.randint(0, 7, (20,), dtype=torch.float32)
    a = to_np(f)
    assert f.dtype is torch.float32 and np.all(a == np.floor(a))


def test_rand_dtype():
    assert torch.rand(3, dtype=torch.float64).dtype is torch.float64
    assert torch.randn(3, dtype=torch.float64).dtype is torch.float64


def test_inplace_random_and_fill():
    torch.manual_seed(5)
    t = torch.empty(5000)
    assert t.uniform_(-2, 3) is t
    a = to_np(t)
    assert a.min() >= -2 and a.max() < 3 and abs(a.mean() - 0.5) < 0.1
    assert t.normal_(10.0, 0.5) is t
    a = to_np(t)
    assert abs(a.mean() - 10.0) < 0.05 and abs(a.std() - 0.5) < 0.05
    assert t.fill_(2.5) is t
    assert_close(t, np.full(5000, 2.5, dtype=np.float32))
    assert t.zero_() is t
    assert_close(t, np.zeros(5000, dtype=np.float32))


def test_inplace_random_reproducible():
    torch.manual_seed(9)
    a = torch.empty(10).normal_().tolist()
    b = torch.empty(10).uniform_().tolist()
    torch.manual_seed(9)
    assert torch.empty(10).normal_().tolist() == a
    assert torch.empty(10).uniform_().tolist() == b


def test_fill_on_view_touches_only_view():
    x = torch.zeros(3, 4)
    x[:, 1].fill_(5)
    x[2].zero_()
    e = np.zeros((3, 4), dtype=np.float32)
    e[:, 1] = 5
    e[2] = 0
    assert_close(x, e)


@pytest.mark.parametrize("d", DTYPES, ids=lambda d: NAMES[d])
def test_fill_dtypes(d):
    t = torch.zeros(4, dtype=d).fill_(1)
    assert_close(t, np.ones(4, dtype=NP_OF[d]))


def test_fill_with_0d_tensor():
    t = torch.zeros(3).fill_(torch.tensor(4.0))
    assert_close(t, np.full(3, 4.0, dtype=np.float32))


@pytest.mark.parametrize("value", [np.float64(2.5), np.int32(1), np.uint8(3)], ids=["float64", "int32", "uint8"])
def test_tensor_keeps_numpy_scalar_dtype(value, torch_ref):
    expected = repr(torch_ref.tensor(value).dtype).split(".")[-1]
    assert repr(torch.tensor(value).dtype).split(".")[-1] == expected == np.asarray(value).dtype.name
    assert repr(torch.tensor([value, value]).dtype).split(".")[-1] == expected


@pytest.mark.parametrize("value", [np.float32(1.5), np.bool_(True)], ids=["float32", "bool"])
def test_tensor_numpy_scalar_dtype_matching_cases(value, torch_ref):
    assert repr(torch.tensor(value).dtype).split(".")[-1] == repr(torch_ref.tensor(value).dtype).split(".")[-1]
    assert torch.tensor(value).item() == value.item()


def test_tensor_from_0d_numpy(torch_ref):
    for a in (np.array(3.5), np.array(3), np.array(True)):
        t = torch.tensor(a)
        assert t.dim() == 0 and t.item() == a.item()
        assert repr(t.dtype).split(".")[-1] == repr(torch_ref.tensor(a).dtype).split(".")[-1]
    f = torch.from_numpy(np.array(2.5))
    assert f.shape == () and f.item() == 2.5


def test_tensor_out_of_range_for_uint8_raises(torch_ref):
    with pytest.raises(RuntimeError) as ref:
        torch_ref.tensor([300], dtype=torch_ref.uint8)
    with pytest.raises(type(ref.value), match="uint8"):
        torch.tensor([300], dtype=torch.uint8)
