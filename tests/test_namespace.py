"""Names PyTorch code stops on (issue 10, section 1): smalltorch.cuda and backends on a CPU-only build,
Tensor(...) called directly, the legacy typed constructors and type strings, the default device, numpy's
keyword names (axis=, keepdims=) and numpy-style function names. Everything is compared with PyTorch."""

import warnings

import numpy as np
import pytest

import smalltorch


def _dt(d):
    return repr(d).split(".")[-1]


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert _dt(ours.dtype) == _dt(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _raises_like(ours, theirs):
    with pytest.raises(Exception) as ref:
        theirs()
    with pytest.raises(type(ref.value)) as got:
        ours()
    return got.value, ref.value


# ---------------------------------------------------------------- cuda and backends
CUDA_VALUES = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed",
               "seed_all", "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
               "is_bf16_supported", "get_rng_state_all"]
CUDA_RAISES = ["synchronize", "current_device", "get_device_name", "get_device_properties",
               "get_device_capability", "current_stream", "initial_seed", "get_rng_state"]


@pytest.mark.parametrize("name", CUDA_VALUES)
def test_cuda_harmless_calls_match_torch(name, torch_ref):
    args = (1,) if "manual_seed" in name else ()
    assert getattr(smalltorch.cuda, name)(*args) == getattr(torch_ref.cuda, name)(*args)


@pytest.mark.parametrize("name", CUDA_RAISES)
def test_cuda_calls_that_need_a_gpu_raise_like_torch(name, torch_ref):
    got, ref = _raises_like(getattr(smalltorch.cuda, name), getattr(torch_ref.cuda, name))
    assert str(got) == str(ref)


def test_backends_flags_match_torch(torch_ref):
    for path in ["cudnn.enabled", "cudnn.benchmark", "cudnn.deterministic", "cudnn.allow_tf32",
                 "cuda.matmul.allow_tf32"]:
        ours, theirs = smalltorch.backends, torch_ref.backends
        for part in path.split("."):
            ours, theirs = getattr(ours, part), getattr(theirs, part)
        assert ours == theirs, path
    assert smalltorch.backends.cudnn.is_available() == torch_ref.backends.cudnn.is_available()
    assert smalltorch.backends.cudnn.version() == torch_ref.backends.cudnn.version()
    assert smalltorch.backends.mps.is_available() == torch_ref.backends.mps.is_available()
    assert smalltorch.backends.mps.is_built() == torch_ref.backends.mps.is_built()
    assert smalltorch.backends.cuda.is_built() == torch_ref.backends.cuda.is_built()
    smalltorch.backends.cudnn.benchmark = True  # code sets these; nothing else happens
    smalltorch.backends.cudnn.benchmark = False


def test_cuda_device_objects_and_moving_a_tensor_there(torch_ref):
    d, r = smalltorch.device("cuda:0"), torch_ref.device("cuda:0")
    assert (repr(d), str(d), d.type, d.index) == (repr(r), str(r), r.type, r.index)
    got, ref = _raises_like(lambda: smalltorch.ones(2).to(d), lambda: torch_ref.ones(2).to(r))
    assert str(got) == str(ref)
    device = "cuda" if smalltorch.cuda.is_available() else "cpu"  # the usual idiom runs
    assert smalltorch.ones(2).to(device).device == smalltorch.device("cpu")


# ---------------------------------------------------------------- default device and tensor type
def test_default_device(torch_ref):
    assert smalltorch.get_default_device() == smalltorch.device("cpu")
    assert str(smalltorch.get_default_device()) == str(torch_ref.get_default_device())
    smalltorch.set_default_device("cpu")
    smalltorch.set_default_device(None)
    assert smalltorch.get_default_device() == "cpu"
    with pytest.raises(AssertionError, match="CUDA"):
        smalltorch.set_default_device("cuda")
    assert smalltorch.get_default_device() == "cpu"


def test_set_default_tensor_type(torch_ref):
    try:
        with pytest.warns(UserWarning):
            smalltorch.set_default_tensor_type(smalltorch.DoubleTensor)
        assert smalltorch.get_default_dtype() == smalltorch.float64
        assert smalltorch.Tensor(2).dtype == smalltorch.float64
        with pytest.warns(UserWarning):
            smalltorch.set_default_tensor_type("torch.FloatTensor")
        assert smalltorch.get_default_dtype() == smalltorch.float32
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for bad in [lambda T: T.set_default_tensor_type(T.LongTensor),
                        lambda T: T.set_default_tensor_type(T.float64),
                        lambda T: T.set_default_tensor_type("foo")]:
                _raises_like(lambda: bad(smalltorch), lambda: bad(torch_ref))
    finally:
        smalltorch.set_default_dtype(smalltorch.float32)
        torch_ref.set_default_dtype(torch_ref.float32)


# ---------------------------------------------------------------- Tensor(...) and the typed constructors
CTOR_DATA = [
    lambda T: T.Tensor([-4.0]),
    lambda T: T.Tensor([[1, 2], [3, 4]]),
    lambda T: T.Tensor((2, 3)),
    lambda T: T.Tensor([True]),
    lambda T: T.Tensor(np.array([1, 2])),
    lambda T: T.Tensor(),
    lambda T: T.Tensor([]),
    lambda T: T.Tensor(0),
    lambda T: T.FloatTensor([1, 2]),
    lambda T: T.DoubleTensor([1.5]),
    lambda T: T.LongTensor([1.7, 2]),
    lambda T: T.IntTensor([3]),
    lambda T: T.ByteTensor([1, 255]),
    lambda T: T.BoolTensor([1, 0]),
    lambda T: T.FloatTensor(),
]


@pytest.mark.parametrize("make", CTOR_DATA)
def test_constructor_values(make, torch_ref):
    _same(make(smalltorch), make(torch_ref))


@pytest.mark.parametrize("make", [
    lambda T: T.Tensor(2, 3), lambda T: T.Tensor(T.Size([2, 3])), lambda T: T.IntTensor(2, 3),
    lambda T: T.ByteTensor(4), lambda T: T.BoolTensor(1, 2), lambda T: T.DoubleTensor(T.Size([])),
])
def test_constructor_from_sizes(make, torch_ref):
    ours, theirs = make(smalltorch), make(torch_ref)
    assert tuple(ours.shape) == tuple(theirs.shape) and _dt(ours.dtype) == _dt(theirs.dtype)


def test_constructor_from_a_tensor_aliases_it(torch_ref):
    x = smalltorch.ones(3)
    y = smalltorch.Tensor(x)
    y[0] = 5
    assert x[0].item() == 5
    assert smalltorch.Tensor(x.long()).dtype == smalltorch.int64  # as torch.Tensor: any dtype
    assert smalltorch.FloatTensor(x) is not x and smalltorch.FloatTensor(x)._storage_key() == x._storage_key()


@pytest.mark.parametrize("bad", [
    lambda T: T.Tensor(2.5), lambda T: T.Tensor("ab"), lambda T: T.Tensor(-1), lambda T: T.Tensor(2, [3]),
    lambda T: T.Tensor([1], dtype=T.float64), lambda T: T.FloatTensor(T.ones(2).long()),
    lambda T: T.Tensor(2, device="cuda"), lambda T: T.FloatTensor(2, 3.0),
])
def test_constructor_errors(bad, torch_ref):
    _raises_like(lambda: bad(smalltorch), lambda: bad(torch_ref))


def test_tensor_subclass_constructs_its_own_type():
    class MyTensor(smalltorch.Tensor):
        pass
    t = MyTensor([1.0, 2.0])
    assert type(t) is MyTensor and t.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor",
                                  "BoolTensor"])
def test_legacy_types_isinstance_and_dtype(name, torch_ref):
    ours, theirs = getattr(smalltorch, name), getattr(torch_ref, name)
    assert _dt(ours.dtype) == _dt(theirs.dtype)
    assert repr(ours) == repr(theirs).replace("torch.", "smalltorch.")
    for d in ["float32", "float64", "int64", "int32", "uint8", "bool"]:
        x, r = smalltorch.zeros(2, dtype=getattr(smalltorch, d)), torch_ref.zeros(2, dtype=getattr(torch_ref, d))
        assert isinstance(x, ours) == isinstance(r, theirs)
        assert isinstance(x, smalltorch.Tensor)
        # type() strings: PyTorch's with the module name smalltorch
        assert x.type() == r.type().replace("torch.", "smalltorch.")
    assert not isinstance(3, ours)


def test_half_and_bfloat16_types_are_provided():
    # float16/bfloat16 (issue 10, section 4; tests/test_half_dtypes.py compares them with torch)
    assert smalltorch.HalfTensor(2).dtype is smalltorch.float16 and smalltorch.BFloat16Tensor(2).dtype is smalltorch.bfloat16


@pytest.mark.parametrize("arg", ["float64", "torch.DoubleTensor", "torch.LongTensor", "LongTensor",
                                 "float32", "torch.BoolTensor"])
def test_tensor_type_conversion(arg, torch_ref):
    def conv(T, x):
        if arg in ("float64", "float32"):
            return x.type(getattr(T, arg))
        if arg == "LongTensor":
            return x.type(T.LongTensor)
        return x.type(arg)
    x, r = smalltorch.tensor([1.5, -2.0]), torch_ref.tensor([1.5, -2.0])
    _same(conv(smalltorch, x), conv(torch_ref, r))
    assert (conv(smalltorch, x) is x) == (conv(torch_ref, r) is r)
    assert x.type("smalltorch.DoubleTensor").dtype == smalltorch.float64


@pytest.mark.parametrize("bad", ["float", "torch.float64", b"x", 3])
def test_tensor_type_bad_argument(bad, torch_ref):
    _raises_like(lambda: smalltorch.ones(2).type(bad), lambda: torch_ref.ones(2).type(bad))


@pytest.mark.parametrize("make", [
    lambda x: x.new_tensor([1, 2]), lambda x: x.new_tensor(3), lambda x: x.new_zeros(2, 3),
    lambda x: x.new_zeros((2, 3)), lambda x: x.new_ones(2, dtype=x.new_tensor([1]).long().dtype),
    lambda x: x.new_full((2,), 3), lambda x: x.new_empty(2).fill_(0),
])
def test_new_factories(make, torch_ref):
    _same(make(smalltorch.ones(2, dtype=smalltorch.float64)), make(torch_ref.ones(2, dtype=torch_ref.float64)))


# ---------------------------------------------------------------- numpy's names
AXIS_CALLS = [
    lambda T, x: T.sum(x, axis=0), lambda T, x: x.sum(axis=1, keepdims=True), lambda T, x: x.mean(axis=0),
    lambda T, x: T.mean(x, axis=1, keepdims=True), lambda T, x: x.amax(axis=1), lambda T, x: x.max(axis=1)[0],
    lambda T, x: T.softmax(x, axis=1), lambda T, x: T.cat([x, x], axis=1), lambda T, x: x.cumsum(axis=0),
    lambda T, x: x.argmax(axis=1), lambda T, x: x.std(axis=0), lambda T, x: T.sum(input=x, axis=0),
    lambda T, x: T.add(input=x, other=x),
]


@pytest.mark.parametrize("call", AXIS_CALLS)
def test_numpy_keyword_names(call, torch_ref):
    a = np.arange(6.0).reshape(2, 3)
    ours, theirs = call(smalltorch, smalltorch.tensor(a)), call(torch_ref, torch_ref.tensor(a))
    assert tuple(ours.shape) == tuple(theirs.shape) and _dt(ours.dtype) == _dt(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_numpy_keyword_names_keep_the_one_overload_and_errors():
    x = smalltorch.ones(2, 3)
    assert "Overloaded function" not in (smalltorch.Tensor.sum.__doc__ or "")
    with pytest.raises(TypeError):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError):
        x.sum(axes=0)


NUMPY_NAMES = [("absolute", ()), ("arccos", ()), ("arcsin", ()), ("arctan", ()), ("arcsinh", ()),
               ("arccosh", ()), ("arctanh", ()), ("negative", ()), ("divide", (2.0,)), ("multiply", (2.0,)),
               ("subtract", (2.0,)), ("true_divide", (2.0,)), ("greater", (0.5,)), ("less_equal", (0.5,)),
               ("not_equal", (0.5,)), ("clip", (0.2, 0.6)), ("swapaxes", (0, 1)), ("moveaxis", (0, 1))]


@pytest.mark.parametrize("name,args", NUMPY_NAMES)
def test_numpy_style_names(name, args, torch_ref):
    a = np.array([[0.1, 0.5, 0.9], [0.3, 0.7, 0.2]])
    if name == "arccosh":
        a = a + 1.5
    for form in ("fn", "method"):
        x, r = smalltorch.tensor(a), torch_ref.tensor(a)
        ours = getattr(smalltorch, name)(x, *args) if form == "fn" else getattr(x, name)(*args)
        theirs = getattr(torch_ref, name)(r, *args) if form == "fn" else getattr(r, name)(*args)
        assert _dt(ours.dtype) == _dt(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["multiply_", "subtract_", "true_divide_", "arcsinh_", "arctanh_"])
def test_numpy_style_inplace_names(name, torch_ref):
    a = np.array([0.1, 0.5, -0.3])
    args = () if name.startswith("arc") else (3.0,)
    x, r = smalltorch.tensor(a), torch_ref.tensor(a)
    assert getattr(x, name)(*args) is x
    getattr(r, name)(*args)
    np.testing.assert_allclose(x.numpy(), r.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["asinh", "acosh", "atanh"])
def test_inverse_hyperbolic_gradients(name, torch_ref):
    a = np.array([1.2, 1.7, 2.5]) if name == "acosh" else np.array([-0.4, 0.1, 0.6])
    x = smalltorch.tensor(a, requires_grad=True)
    r = torch_ref.tensor(a, requires_grad=True)
    y, yr = getattr(smalltorch, name)(x), getattr(torch_ref, name)(r)
    assert type(y.grad_fn).__name__ == type(yr.grad_fn).__name__
    y.sum().backward()
    yr.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), r.grad.numpy(), rtol=1e-12)
    assert smalltorch.autograd.gradcheck(getattr(smalltorch, name), (smalltorch.tensor(a, requires_grad=True),))
    # integers promote to the default float dtype
    assert _dt(getattr(smalltorch, name)(smalltorch.tensor([1, 2])).dtype) == \
        _dt(getattr(torch_ref, name)(torch_ref.tensor([1, 2])).dtype)


def test_clamp_of_bool_by_numbers_raises_like_torch(torch_ref):
    for f in [lambda T, b: T.clamp(b, True), lambda T, b: T.clamp(b, max=True), lambda T, b: T.clamp(b, True, True),
              lambda T, b: b.clamp_(True), lambda T, b: T.clamp_max(b, True)]:
        got, ref = _raises_like(lambda: f(smalltorch, smalltorch.ones(2, dtype=smalltorch.bool)),
                                lambda: f(torch_ref, torch_ref.ones(2, dtype=torch_ref.bool)))
        assert str(got) == str(ref)
    _same(smalltorch.clamp(smalltorch.ones(2, dtype=smalltorch.bool), 1),
          torch_ref.clamp(torch_ref.ones(2, dtype=torch_ref.bool), 1))
