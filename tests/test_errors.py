"""Bad input raises the exception PyTorch raises, with a message naming the shapes/dims/dtypes; nothing crashes."""

import subprocess
import sys
import os

import numpy as np
import pytest

import smalltorch as torch
from conftest import subprocess_env

# (id, op taking the module (smalltorch or torch), exception type, regex the smalltorch message must match,
#  whether PyTorch raises the same type for the same call)
CASES = [
    # views
    ("view_bad_numel", lambda m: m.arange(6).view(4), RuntimeError, r"shape '\[4\]' is invalid for input of size 6",
     True),
    ("view_two_inferred", lambda m: m.arange(6).view(-1, -1), RuntimeError, "only one dimension can be inferred", True),
    ("view_negative_size", lambda m: m.arange(6).view(-2, 3), RuntimeError, "invalid shape dimension -2", True),
    ("view_empty_ambiguous", lambda m: m.zeros(0).view(-1, 0), RuntimeError, r"0 elements.*\[-1, 0\]", True),
    ("view_non_viewable", lambda m: m.arange(6).view(2, 3).t().view(6), RuntimeError,
     "view size is not compatible with input tensor's size and stride", True),
    ("view_non_viewable_slice", lambda m: m.arange(12).view(3, 4)[:, :2].view(6), RuntimeError,
     "view size is not compatible", True),
    ("reshape_bad_numel", lambda m: m.arange(6).reshape(4, 2), RuntimeError, r"shape '\[4, 2\]' is invalid .* size 6",
     True),
    ("view_as_bad", lambda m: m.zeros(2, 3).view_as(m.zeros(4)), RuntimeError, r"\[4\].*size 6", True),
    ("expand_incompatible", lambda m: m.zeros(2, 3).expand(2, 4), RuntimeError,
     r"expanded size of the tensor \(4\) must match the existing size \(3\) at non-singleton dimension 1", True),
    ("expand_fewer_dims", lambda m: m.zeros(2, 3).expand(3), RuntimeError, r"number of sizes provided \(1\).*\(2\)",
     True),
    ("expand_leading_minus1", lambda m: m.zeros(3).expand(-1, 3), RuntimeError, "leading, non-existing dimension 0",
     True),
    ("expand_as_incompatible", lambda m: m.zeros(2, 3).expand_as(m.zeros(3, 2)), RuntimeError,
     r"Target sizes: \[3, 2\].*Tensor sizes: \[2, 3\]", True),
    ("t_3d", lambda m: m.zeros(2, 3, 4).t(), RuntimeError, "<= 2 dimensions.*3D", True),
    ("mT_1d", lambda m: m.zeros(3).mT, RuntimeError, "1-D", True),
    ("permute_duplicate", lambda m: m.zeros(2, 3).permute(0, 0), RuntimeError, "duplicate dims", True),
    ("permute_neg_duplicate", lambda m: m.zeros(2, 3).permute(0, -2), RuntimeError, "duplicate dims", True),
    ("permute_wrong_len", lambda m: m.zeros(2, 3).permute(0), RuntimeError, r"input.dim\(\) = 2", True),
    ("flatten_start_after_end", lambda m: m.zeros(2, 3, 4).flatten(2, 1), RuntimeError,
     "start_dim cannot come after end_dim|start_dim .* cannot come after end_dim", True),
    ("narrow_too_long", lambda m: m.zeros(3).narrow(0, 2, 5), RuntimeError, r"start \(2\) \+ length \(5\)", True),
    # out-of-range dims
    ("transpose_dim", lambda m: m.zeros(2, 3).transpose(0, 2), IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)", True),
    ("transpose_neg_dim", lambda m: m.zeros(2, 3).transpose(-3, 0), IndexError, r"\[-2, 1\], but got -3", True),
    ("permute_dim", lambda m: m.zeros(2, 3).permute(0, 2), IndexError, r"\[-2, 1\], but got 2", True),
    ("squeeze_dim", lambda m: m.zeros(2, 3).squeeze(2), IndexError, r"\[-2, 1\], but got 2", True),
    ("squeeze_tuple_dim", lambda m: m.zeros(2, 1).squeeze((0, 5)), IndexError, "but got 5", True),
    ("unsqueeze_dim", lambda m: m.zeros(2, 3).unsqueeze(4), IndexError, r"\[-3, 2\], but got 4", True),
    ("unsqueeze_neg_dim", lambda m: m.zeros(2, 3).unsqueeze(-4), IndexError, r"\[-3, 2\], but got -4", True),
    ("flatten_dim", lambda m: m.zeros(2, 3).flatten(0, 5), IndexError, "but got 5", True),
    ("size_dim", lambda m: m.zeros(2, 3).size(2), IndexError, "but got 2", True),
    ("stride_dim", lambda m: m.zeros(2, 3).stride(-3), IndexError, "but got -3", True),
    ("select_dim", lambda m: m.zeros(2, 3).select(2, 0), IndexError, "but got 2", True),
    ("transpose_0d", lambda m: m.tensor(1.0).transpose(0, 1), IndexError, "but got 1", True),
    # out-of-range indices
    ("index_oob", lambda m: m.zeros(2, 3)[2], IndexError, "index 2 is out of bounds for dimension 0 with size 2", True),
    ("index_neg_oob", lambda m: m.zeros(2, 3)[-3], IndexError, "index -3 is out of bounds .* size 2", True),
    ("index_second_dim_oob", lambda m: m.zeros(2, 3)[:, 3], IndexError, "index 3 is out of bounds .*with size 3",
     True),
    ("select_index_oob", lambda m: m.zeros(2, 3).select(1, 3), IndexError, "3", True),
    ("index_empty_dim", lambda m: m.zeros(0, 3)[0], IndexError, "index 0 is out of bounds .* size 0", True),
    ("too_many_indices", lambda m: m.zeros(2, 3)[0, 0, 0], IndexError, "too many indices for tensor of dimension 2",
     True),
    ("too_many_indices_slices", lambda m: m.zeros(2)[:, :], IndexError, "too many indices for tensor of dimension 1",
     True),
    ("index_0d", lambda m: m.tensor(1.0)[0], IndexError, "0", True),
    ("index_float", lambda m: m.zeros(2, 3)[1.5], IndexError, "only integers, slices", True),
    ("setitem_oob", lambda m: m.zeros(3).__setitem__(3, 1.0), IndexError, "index 3 is out of bounds", True),
    ("slice_step_zero", lambda m: m.zeros(3)[::0], ValueError, "step", True),
    ("slice_negative_step", lambda m: m.zeros(3)[::-1], ValueError, "step must be greater than zero", True),
    # broadcasting
    ("add_broadcast", lambda m: m.zeros(2, 3) + m.zeros(4), RuntimeError,
     r"size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1", True),
    ("sub_broadcast", lambda m: m.zeros(2, 3) - m.zeros(3, 2), RuntimeError, "must match the size of tensor b", True),
    ("mul_broadcast", lambda m: m.zeros(5, 1, 3) * m.zeros(4, 2), RuntimeError, "non-singleton dimension", True),
    ("iadd_broadcast_out", lambda m: m.zeros(3).__iadd__(m.zeros(2, 3)), RuntimeError,
     r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]", True),
    ("copy_broadcast", lambda m: m.zeros(2, 3).copy_(m.zeros(4)), RuntimeError, r"\(3\).*\(4\)", True),
    ("copy_bigger_src", lambda m: m.zeros(3).copy_(m.zeros(2, 3)), RuntimeError, r"\[2, 3\].*\[3\]|\[3\].*\[2, 3\]",
     True),
    ("setitem_shape", lambda m: m.zeros(2, 3).__setitem__(0, m.zeros(2)), RuntimeError, r"\(3\).*\(2\)", True),
    ("setitem_column_shape", lambda m: m.zeros(2, 3).__setitem__((slice(None), 0), m.zeros(3)), RuntimeError,
     r"\(2\).*\(3\)", True),
    ("copy_into_expanded", lambda m: m.zeros(1).expand(3).copy_(m.arange(3.0)), RuntimeError,
     "more than one element of the written-to tensor refers to a single memory location", True),
    ("iadd_into_expanded", lambda m: m.zeros(1).expand(3).__iadd__(1), RuntimeError, "single memory location", True),
    # dtypes
    ("iadd_float_into_int", lambda m: m.zeros(2, dtype=m.int64).__iadd__(1.5), RuntimeError,
     "can't be cast to the desired output type", True),
    ("idiv_int", lambda m: m.zeros(2, dtype=m.int64).__itruediv__(2), RuntimeError,
     "can't be cast to the desired output type", True),
    ("sub_bool", lambda m: m.tensor([True]) - m.tensor([False]), RuntimeError, "Subtraction.*bool", True),
    ("neg_bool", lambda m: -m.tensor([True]), RuntimeError, "Negation.*bool", True),
    ("set_default_int", lambda m: m.set_default_dtype(m.int64), TypeError, "floating-point", True),
    ("fill_multi_element", lambda m: m.zeros(2).fill_(m.zeros(2)), RuntimeError, "0-dimension value tensor", True),
    # autograd-related
    ("requires_grad_int_tensor", lambda m: m.tensor([1, 2], requires_grad=True), RuntimeError, "floating point",
     True),
    ("requires_grad_bool_tensor", lambda m: m.tensor([True], requires_grad=True), RuntimeError, "floating point",
     True),
    ("requires_grad__int", lambda m: m.zeros(2, dtype=m.int64).requires_grad_(), RuntimeError, "floating point.*int64",
     True),
    ("requires_grad_attr_int", lambda m: setattr(m.zeros(2, dtype=m.int32), "requires_grad", True), RuntimeError,
     "floating point", True),
    ("zeros_int_requires_grad", lambda m: m.zeros(2, dtype=m.int64, requires_grad=True), RuntimeError,
     "floating point", True),
    ("arange_int_requires_grad", lambda m: m.arange(3, requires_grad=True), RuntimeError, "floating point", True),
    ("numpy_requires_grad", lambda m: m.ones(2, requires_grad=True).numpy(), RuntimeError,
     r"Can't call numpy\(\) on Tensor that requires grad", True),
    ("numpy_view_requires_grad", lambda m: m.ones(2, requires_grad=True)[:1].numpy(), RuntimeError,
     "requires grad", True),
    ("inplace_on_leaf", lambda m: m.ones(2, requires_grad=True).fill_(1), RuntimeError,
     "leaf Variable that requires grad", True),
    ("copy_on_leaf", lambda m: m.ones(2, requires_grad=True).copy_(m.zeros(2)), RuntimeError,
     "leaf Variable that requires grad", True),
    ("setitem_on_leaf", lambda m: m.ones(2, requires_grad=True).__setitem__(0, 1.0), RuntimeError,
     "leaf Variable that requires grad", True),
    # scalars
    ("item_multi", lambda m: m.zeros(2).item(), RuntimeError, "a Tensor with 2 elements cannot be converted to Scalar",
     True),
    ("item_empty", lambda m: m.zeros(0).item(), RuntimeError, "0 elements", True),
    ("len_0d", lambda m: len(m.tensor(1.0)), TypeError, "len\\(\\) of a 0-d tensor", True),
    ("iter_0d", lambda m: iter(m.tensor(1.0)), TypeError, "iteration over a 0-d tensor", True),
    ("bool_multi", lambda m: bool(m.zeros(2)), RuntimeError, "ambiguous", True),
    ("if_multi", lambda m: 1 if m.ones(3) else 0, RuntimeError, "ambiguous", True),
    ("float_multi", lambda m: float(m.zeros(2)), ValueError, "only one element tensors", True),
    ("int_multi", lambda m: int(m.zeros(2, 2)), ValueError, "only one element tensors", True),
    ("index_with_float_tensor", lambda m: [1, 2][m.tensor(1.0)], TypeError, "integer tensors", True),
    # factories
    ("zeros_negative", lambda m: m.zeros(2, -1), RuntimeError, "-1", True),
    ("ones_negative", lambda m: m.ones(-3), RuntimeError, r"negative dimension -3", True),
    ("empty_negative", lambda m: m.empty((2, -2)), RuntimeError, r"negative dimension -2: \[2, -2\]", True),
    ("rand_negative", lambda m: m.rand(-1), RuntimeError, "negative dimension -1", True),
    ("randn_negative", lambda m: m.randn([3, -1]), RuntimeError, "negative dimension -1", True),
    ("full_negative", lambda m: m.full((-1,), 1.0), RuntimeError, "negative dimension -1", True),
    ("randint_negative", lambda m: m.randint(0, 3, (-1,)), RuntimeError, "negative dimension -1", True),
    ("eye_negative", lambda m: m.eye(-1), RuntimeError, "n must be greater or equal to 0, got -1", True),
    ("eye_negative_m", lambda m: m.eye(2, -1), RuntimeError, "m must be greater or equal to 0, got -1", True),
    ("linspace_negative", lambda m: m.linspace(0, 1, -1), RuntimeError, "non-negative", True),
    ("randint_empty_range", lambda m: m.randint(5, 5, (2,)), RuntimeError, "from=5 >= to=5", True),
    ("randint_reversed_range", lambda m: m.randint(5, 2, (2,)), RuntimeError, "from=5 >= to=2", True),
    ("arange_zero_step", lambda m: m.arange(0, 5, 0), RuntimeError, "step must be nonzero", True),
    ("arange_wrong_direction", lambda m: m.arange(5, 2), RuntimeError, "inconsistent with step sign", True),
    ("arange_wrong_direction_neg", lambda m: m.arange(0, 5, -1), RuntimeError, "inconsistent with step sign", True),
    ("arange_nan", lambda m: m.arange(0, float("nan")), RuntimeError, "unsupported range", True),
    ("arange_inf", lambda m: m.arange(0, float("inf")), RuntimeError, "unsupported range", True),
    ("zeros_numel_overflow", lambda m: m.zeros(2 ** 40, 2 ** 40), RuntimeError, r"1099511627776", True),
    ("eye_numel_overflow", lambda m: m.eye(2 ** 40), RuntimeError, "1099511627776", True),
    # wrong argument types
    ("view_float", lambda m: m.arange(6).view(2.5), TypeError, "float", True),
    ("view_str", lambda m: m.arange(6).view("a"), TypeError, "str", True),
    ("reshape_float", lambda m: m.arange(6).reshape(2, 3.0), TypeError, "float", True),
    ("expand_float", lambda m: m.zeros(1).expand(2.0), TypeError, "float", True),
    ("squeeze_float", lambda m: m.zeros(2, 1).squeeze(1.0), TypeError, "float", True),
    ("transpose_float", lambda m: m.zeros(2, 3).transpose(0.0, 1), TypeError, "", True),
    ("unsqueeze_str", lambda m: m.zeros(2).unsqueeze("a"), TypeError, "", True),
    ("zeros_float", lambda m: m.zeros(2.5), TypeError, "size.*float", True),
    ("zeros_str", lambda m: m.zeros("a"), TypeError, "size.*str", True),
    ("zeros_float_in_list", lambda m: m.zeros([2, 2.0]), TypeError, "size.*float", True),
    ("zeros_none", lambda m: m.zeros(None), TypeError, "size.*NoneType", True),
    ("zeros_bool", lambda m: m.zeros(True), TypeError, "size.*bool", True),
    ("ones_dtype_str", lambda m: m.ones(2, dtype="float32"), TypeError, "", True),
    ("tensor_dtype_str", lambda m: m.tensor([1], dtype="float32"), TypeError, "dtype", True),
    ("eye_float", lambda m: m.eye(2.5), TypeError, "", True),
    ("full_str_fill", lambda m: m.full((2,), "a"), TypeError, "", True),
    ("linspace_float_steps", lambda m: m.linspace(0, 1, 2.5), TypeError, "steps", True),
    ("add_str", lambda m: m.zeros(2) + "a", TypeError, "unsupported operand", True),
    ("add_none", lambda m: m.zeros(2) + None, TypeError, "unsupported operand", True),
    ("mul_object", lambda m: m.zeros(2) * object(), TypeError, "unsupported operand", True),
    ("add_method_str", lambda m: m.zeros(2).add("a"), TypeError, "str", True),
    ("fill_str", lambda m: m.zeros(2).fill_("a"), TypeError, "str", True),
    ("setitem_str_value", lambda m: m.zeros(3).__setitem__(0, "a"), TypeError, "str", True),
    ("copy_from_list", lambda m: m.zeros(2).copy_([1, 2]), TypeError, "", True),
    ("from_numpy_list", lambda m: m.from_numpy([1, 2]), TypeError, "", True),
    ("from_numpy_object", lambda m: m.from_numpy(np.array(["a"], dtype=object)), TypeError,
     "can't convert np.ndarray of type numpy.object", True),
    ("from_numpy_negative_strides", lambda m: m.from_numpy(np.arange(3)[::-1]), ValueError, "negative", True),
    ("device_bad_string", lambda m: m.device("foo"), RuntimeError, "foo", True),
    ("device_float", lambda m: m.device(1.5), TypeError, "float", True),
    ("to_bad_device", lambda m: m.zeros(2).to("foo"), RuntimeError, "foo", True),
    ("set_default_dtype_str", lambda m: m.set_default_dtype("float64"), TypeError, "", True),
    ("manual_seed_str", lambda m: m.manual_seed("a"), ValueError, "", True),
    ("full_like_missing_fill", lambda m: m.full_like(m.zeros(2)), TypeError, "", True),
    # data given to tensor()
    ("ragged_inner", lambda m: m.tensor([[1, 2], [3]]), ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)",
     True),
    ("ragged_deeper", lambda m: m.tensor([[[1, 2], [3, 4]], [[5, 6], [7]]]), ValueError,
     r"expected sequence of length 2 at dim 2 \(got 1\)", True),
    ("ragged_tensors", lambda m: m.tensor([m.zeros(2), m.zeros(3)]), ValueError, "", True),
    ("ragged_sequence_then_scalar", lambda m: m.tensor([[1, 2], 3]), ValueError, "dim 1", False),
    ("tensor_str", lambda m: m.tensor("abc"), TypeError, "str", True),
    ("tensor_str_list", lambda m: m.tensor(["a", "b"]), TypeError, "str", False),
    ("tensor_bytes", lambda m: m.tensor(b"ab"), TypeError, "bytes", False),
]

# PyTorch raises RuntimeError("Could not infer dtype of ...") for these; the brief asks smalltorch for TypeError
NON_NUMERIC = [("none", None), ("object", [object()]), ("dict", {1: 2}), ("set_in_list", [{1}])]


def _ids(cases):
    return [c[0] for c in cases]


@pytest.mark.parametrize("name,op,exc,match,torch_same", CASES, ids=_ids(CASES))
def test_error(name, op, exc, match, torch_same):
    with pytest.raises(exc, match=match or None) as info:
        op(torch)
    assert type(info.value) is not SystemError
    assert str(info.value), "the message must not be empty"


@pytest.mark.parametrize("name,op,exc,match,torch_same", [c for c in CASES if c[4]],
                         ids=_ids([c for c in CASES if c[4]]))
def test_error_type_matches_torch(name, op, exc, match, torch_same, torch_ref):
    with pytest.raises(Exception) as ref:
        op(torch_ref)
    with pytest.raises(Exception) as got:
        op(torch)
    assert isinstance(got.value, type(ref.value)), (type(got.value), type(ref.value), str(ref.value))


@pytest.mark.parametrize("name,data", NON_NUMERIC, ids=[n for n, _ in NON_NUMERIC])
def test_non_numeric_data(name, data, torch_ref):
    # PyTorch: RuntimeError "Could not infer dtype of NoneType" (a class it shares with smalltorch)
    with pytest.raises(Exception) as ref:
        torch_ref.tensor(data)
    with pytest.raises(type(ref.value), match=type(data if not isinstance(data, list) else data[0]).__name__):
        torch.tensor(data)


def test_ok_after_errors_state_unchanged():
    x = torch.arange(6.0).view(2, 3)
    for bad in (lambda: x.view(4), lambda: x[5], lambda: x.copy_(torch.zeros(4)), lambda: x + torch.zeros(4)):
        with pytest.raises((RuntimeError, IndexError)):
            bad()
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0, dtype=np.float32).reshape(2, 3))


def test_failed_copy_does_not_partially_write():
    x = torch.zeros(2, 3)
    with pytest.raises(RuntimeError):
        x.copy_(torch.ones(2, 4))
    assert x.tolist() == np.zeros((2, 3)).tolist()


def test_default_dtype_unchanged_after_bad_set():
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    assert torch.get_default_dtype() is torch.float32


# ----------------------------------------------------------------------------- allowed oddities (match PyTorch)

def test_bool_division_is_float(torch_ref):
    a, b = [True, False, True], [True, True, True]
    got = torch.tensor(a) / torch.tensor(b)
    ref = torch_ref.tensor(a) / torch_ref.tensor(b)
    assert got.dtype is torch.float32 and got.tolist() == ref.tolist()
    assert (torch.tensor(a) / 2).tolist() == (torch_ref.tensor(a) / 2).tolist()


def test_int_division_by_zero(torch_ref):
    got = torch.tensor([1, 0, -1]) / torch.tensor([0, 0, 0])
    ref = torch_ref.tensor([1, 0, -1]) / torch_ref.tensor([0, 0, 0])
    np.testing.assert_array_equal(got.numpy(), ref.numpy())


def test_bool_add_mul(torch_ref):
    for op in (lambda m: m.tensor([True, False]) + m.tensor([True, True]),
               lambda m: m.tensor([True, False]) * m.tensor([True, True])):
        got, ref = op(torch), op(torch_ref)
        assert got.dtype is torch.bool and got.tolist() == ref.tolist()


def test_fill_expanded_is_allowed(torch_ref):
    assert torch.zeros(1).expand(3).fill_(2.0).tolist() == torch_ref.zeros(1).expand(3).fill_(2.0).tolist()


def test_unsupported_numpy_dtypes_name_the_supported_ones():
    for dt in (np.complex64, np.uint16, np.uint32):
        with pytest.raises(TypeError, match="float64, float32, float16, int64, int32, int16, int8, uint8, and bool"):
            torch.from_numpy(np.zeros(2, dtype=dt))
        with pytest.raises(TypeError, match=np.dtype(dt).name):
            torch.tensor(np.zeros(2, dtype=dt))


def test_complex_scalar_rejected():
    with pytest.raises(TypeError, match="complex"):
        torch.tensor(1 + 2j)


# ----------------------------------------------------------------------------- known bugs

def test_ragged_scalar_then_sequence():
    with pytest.raises((ValueError, TypeError)):
        torch.tensor([1, [2]])


def test_ragged_mixed_depth_message():
    with pytest.raises(ValueError, match="expected sequence"):
        torch.tensor([[1, 2], [3, [4, 5]]])


def test_index_error_names_the_right_dim(torch_ref):
    with pytest.raises(IndexError) as ref:
        torch_ref.zeros(2, 3)[0, -4]
    with pytest.raises(IndexError, match="for dimension 1 with size 3"):
        torch.zeros(2, 3)[0, -4]
    assert "dimension 1" in str(ref.value)


def test_bool_of_empty_message(torch_ref):
    with pytest.raises(RuntimeError, match="no values") as ref:
        bool(torch_ref.zeros(0))
    with pytest.raises(RuntimeError, match="no values"):
        bool(torch.zeros(0))


def test_expand_numel_overflow(torch_ref):
    with pytest.raises(RuntimeError):
        torch_ref.zeros(1).expand(2 ** 62, 2 ** 62)
    with pytest.raises(RuntimeError):
        torch.zeros(1).expand(2 ** 62, 2 ** 62)


@pytest.mark.parametrize("op", [lambda m: m.zeros(3)[2 ** 63], lambda m: m.zeros(2).size(2 ** 63)],
                         ids=["index", "size"])
def test_huge_python_int_arguments(op, torch_ref):
    with pytest.raises(Exception) as ref:
        op(torch_ref)
    with pytest.raises(type(ref.value)):
        op(torch)


def test_huge_slice_bounds_clamp(torch_ref):
    assert tuple(torch.zeros(3)[1:2 ** 63].shape) == tuple(torch_ref.zeros(3)[1:2 ** 63].shape) == (2,)
    assert tuple(torch.zeros(3)[-2 ** 64:2].shape) == np.zeros(3)[-2 ** 64:2].shape


@pytest.mark.parametrize("data", [2 ** 70, [1, 2 ** 70]], ids=["scalar", "list"])
def test_int_overflow_in_data(data, torch_ref):
    with pytest.raises(Exception) as ref:
        torch_ref.tensor(data)
    with pytest.raises(type(ref.value)):
        torch.tensor(data)


@pytest.mark.parametrize("op,arg", [(lambda: torch.ones(2, dtype="float32"), "dtype"),
                                    (lambda: torch.eye(2.5), "'n'"),
                                    (lambda: torch.full((2,), "a"), "fill_value")], ids=["dtype", "eye_n", "fill"])
def test_wrong_type_messages_name_the_argument(op, arg):
    with pytest.raises(TypeError) as info:
        op()
    msg = str(info.value)
    assert "incompatible function arguments" not in msg and arg in msg


def test_bool_pow(torch_ref):
    with pytest.raises(NotImplementedError):
        torch_ref.tensor([True]) ** torch_ref.tensor([True])
    with pytest.raises(NotImplementedError):
        torch.tensor([True]) ** torch.tensor([True])


@pytest.mark.parametrize("op", [lambda m: m.rand(2, dtype=m.int64), lambda m: m.randn(2, dtype=m.int64),
                                lambda m: m.zeros(2, dtype=m.int64).normal_(),
                                lambda m: m.zeros(2, dtype=m.int64).uniform_()],
                         ids=["rand", "randn", "normal_", "uniform_"])
def test_random_on_int_dtype_not_implemented(op, torch_ref):
    with pytest.raises(NotImplementedError):
        op(torch_ref)
    with pytest.raises(NotImplementedError):
        op(torch)


# ----------------------------------------------------------------------------- nothing crashes the process

ISOLATED = [
    "torch.empty(2 ** 61, 4)",
    "torch.arange(0, 1e20, 1e-5)",
    "torch.zeros(2 ** 40, 2 ** 40)",
    "torch.ones(3).view(2 ** 62, 4)",
]
ISOLATED_BYTE_OVERFLOW = [
    "torch.linspace(0, 1, 2 ** 62)",
    "torch.ones(2 ** 62)",
    "torch.full((2 ** 62,), 1.0)",
    "torch.rand(2 ** 62)",
    "torch.arange(2 ** 62)",
    "torch.eye(2 ** 31)",
    "torch.zeros(2 ** 62)",
    "torch.empty(2 ** 62)",
    "torch.zeros(2 ** 62, dtype=torch.float64)",
]
_isolated_cache = {}


def _run_isolated(code):
    """Runs `code` in a fresh interpreter (a crash must not take pytest down); all snippets start in parallel."""
    if not _isolated_cache:
        env = subprocess_env()
        procs = {}
        for c in ISOLATED + ISOLATED_BYTE_OVERFLOW:
            prog = ("import smalltorch as torch\n"
                    "try:\n"
                    f"    {c}\n"
                    "    print('NO-ERROR')\n"
                    "except Exception as e:\n"
                    "    print('RAISED', type(e).__name__)\n")
            procs[c] = subprocess.Popen([sys.executable, "-c", prog], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env, preexec_fn=_limit_memory)
        for c, p in procs.items():
            out, err = p.communicate(timeout=120)
            _isolated_cache[c] = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    return _isolated_cache[code]


def _limit_memory():
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
    except (ImportError, ValueError, OSError):
        pass


@pytest.mark.parametrize("code", ISOLATED)
def test_huge_sizes_raise_instead_of_crashing(code):
    r = _run_isolated(code)
    assert r.returncode == 0, f"process died with {r.returncode}: {r.stderr[-500:]}"
    assert "RAISED" in r.stdout


@pytest.mark.parametrize("code", ISOLATED_BYTE_OVERFLOW)
def test_byte_size_overflow_raises_instead_of_crashing(code):
    r = _run_isolated(code)
    assert r.returncode == 0, f"process died with {r.returncode}: {r.stderr[-500:]}"
    assert "RAISED" in r.stdout
