"""The types gen_stubs.py writes into the stubs: what the runtime cannot say about itself.

The parameter *names*, their order, kinds and defaults come from the installed package (pybind11's signature
lines, inspect.signature); this table only gives their *types* and the results' types, in PyTorch's stub
vocabulary (Tensor in/out, `_int | Sequence[_int]` dims, Number, `_dtype | None`, return_types namedtuples).

Lookup order for a parameter: SIGNATURES (whole overload sets, for the functions PyTorch overloads or whose
runtime signature is `*args, **kwargs`), then PARAM_IN[(function, parameter)], then PARAM[parameter], then
the pybind11 annotation when it names a precise type. A result: RETURNS[function], then the pybind11
annotation when precise, else Tensor. A name missing from every table comes out as Any, which
tests/test_docs_stubs.py refuses outside its short allow-list, so a new public name gets typed here.

Function keys: "name" (top-level function and Tensor method of that name), "Tensor.name" (the method only),
"linalg.name", "special.name", "F.name" (nn.functional) — the more specific key wins.
"""

# --- the aliases every stub shares (defined once in __init__.pyi, imported by the submodules' stubs)
ALIASES = '''\
Number: TypeAlias = _int | _float | _bool
_size: TypeAlias = Size | Sequence[_int]
_dims: TypeAlias = _int | Sequence[_int]
_dtype: TypeAlias = dtype
_device: TypeAlias = device | _str | _int
_layout: TypeAlias = None
_memory_format: TypeAlias = None
_TensorOrTensors: TypeAlias = Tensor | Sequence[Tensor]
_IndexItem: TypeAlias = SupportsIndex | None | slice | EllipsisType | Tensor | Sequence[_int] | Sequence[_bool]
_Index: TypeAlias = _IndexItem | tuple[_IndexItem, ...]
_FileLike: TypeAlias = _str | PathLike[_str] | IO[bytes]
'''

_T = "Tensor"
_TN = "Tensor | Number"
_OUT = "Tensor | None"
_OUT2 = "tuple[Tensor, ...] | list[Tensor] | None"
_DIMS_OPT = "_dims | None"

PARAM = {
    # tensors
    "input": _T, "other": _TN, "out": _OUT, "tensor": _T, "mat1": _T, "mat2": _T, "mat": _T, "vec": _T,
    "w_ih": _T, "w_hh": _T, "b_ih": "Tensor | None", "b_hh": "Tensor | None",
    "vec1": _T, "vec2": _T, "batch1": _T, "batch2": _T, "tensor1": _T, "tensor2": _T, "index": _T, "src": _T,
    "source": _T, "mask": _T, "weight": "Tensor | None", "bias": "Tensor | None", "target": _T, "A": _T,
    "B": _T, "LU": _T, "pivots": _T, "x": _T, "y": "Tensor", "condition": _T, "end": _TN, "values": _T,
    "boundaries": _T, "sorted_sequence": _T, "elements": _TN, "test_elements": _TN, "x1": _T, "x2": _T,
    "input1": _T, "input2": _T, "query": _T, "key": _T, "value": _T, "attn_mask": "Tensor | None",
    "running_mean": "Tensor | None", "running_var": "Tensor | None", "pos_weight": "Tensor | None",
    "weights": "Tensor | None", "fweights": "Tensor | None", "aweights": "Tensor | None",
    "prepend": "Tensor | None", "append": "Tensor | None", "sorter": "Tensor | None",
    "tensors": "Sequence[Tensor]", "matrices": "Tensor", "operands": _T, "ndarray": "numpy.ndarray",
    "gradient": "Tensor | None", "inputs": "_TensorOrTensors | None", "indices": "Sequence[Tensor | None]",
    "ext_tensor": "Any",
    # dims, sizes, counts
    "dim": _DIMS_OPT, "dim0": "_int", "dim1": "_int", "dim2": "_int", "axis0": "_int", "axis1": "_int",
    "start_dim": "_int", "end_dim": "_int", "source_dims": "_dims", "destination": "_dims", "dims": "_dims",
    "offset": "_int", "diagonal": "_int", "k": "_int", "n": "_int", "chunks": "_int", "num_samples": "_int",
    "length": "_int", "start": "_int", "step": "_int", "size": "_size", "stride": "_size",
    "storage_offset": "_int | None", "dimension": "_int", "minlength": "_int", "steps": "_int", "N": "_int | None",
    "row": "_int", "col": "_int", "m": "_int | None", "r": "_int", "bins": "_int",
    "split_size": "_int | Sequence[_int]",
    "split_size_or_sections": "_int | Sequence[_int]", "indices_or_sections": "Tensor | _int | Sequence[_int]",
    "shifts": "_dims", "repeats": "Tensor | _int", "output_size": "_int | None", "num_classes": "_int",
    "num_groups": "_int", "normalized_shape": "_size", "sizes": "_size", "shapes": "_size",
    "kernel_size": "_int | _size", "padding": "_int | _size", "dilation": "_int | _size",
    "output_padding": "_int | _size", "groups": "_int", "padding_idx": "_int | None", "ignore_index": "_int",
    "embed_dim_to_check": "_int", "num_heads": "_int",
    # flags
    "keepdim": "_bool", "descending": "_bool", "stable": "_bool", "sorted": "_bool", "largest": "_bool",
    "return_inverse": "_bool", "return_counts": "_bool", "as_tuple": "_bool", "replacement": "_bool",
    "requires_grad": "_bool", "pin_memory": "_bool", "non_blocking": "_bool", "sparse_grad": "_bool",
    "accumulate": "_bool", "include_self": "_bool", "upper": "_bool", "left": "_bool", "adjoint": "_bool",
    "pivot": "_bool", "unitriangular": "_bool", "check_errors": "_bool", "hermitian": "_bool",
    "full_matrices": "_bool", "some": "_bool", "compute_uv": "_bool", "equal_nan": "_bool", "right": "_bool",
    "out_int32": "_bool", "assume_unique": "_bool", "invert": "_bool", "increasing": "_bool",
    "with_replacement": "_bool", "ceil_mode": "_bool", "count_include_pad": "_bool", "return_indices": "_bool",
    "training": "_bool", "inplace": "_bool", "transposed": "_bool", "retain_graph": "_bool | None",
    "create_graph": "_bool", "scale_grad_by_freq": "_bool", "sparse": "_bool", "log_target": "_bool",
    "is_causal": "_bool", "enable_gqa": "_bool", "add_zero_attn": "_bool", "need_weights": "_bool",
    "use_separate_proj_weight": "_bool", "average_attn_weights": "_bool", "enabled": "_bool",
    "check_nan": "_bool", "weights_only": "_bool | None", "mmap": "_bool | None",
    "only_inputs": "_bool", "allow_unused": "_bool | None", "is_grads_batched": "_bool",
    "materialize_grads": "_bool", "raise_exception": "_bool", "nondet_tol": "_float", "fast_mode": "_bool",
    "check_undefined_grad": "_bool", "check_grad_dtypes": "_bool", "check_batched_grad": "_bool",
    "check_batched_forward_grad": "_bool", "check_forward_ad": "_bool", "check_backward_ad": "_bool",
    "check_fwd_over_rev": "_bool", "check_rev_over_rev": "_bool", "gen_non_contig_grad_outputs": "_bool",
    "masked": "_bool | None", "grad_tensors": "_TensorOrTensors | None", "grad_variables": "_TensorOrTensors | None",
    "grad_outputs": "_TensorOrTensors | None", "outputs": "_TensorOrTensors",
    "func": "Callable[..., Tensor | Sequence[Tensor]]",
    # numbers
    "alpha": "Number", "beta": "Number", "p": "_float", "rtol": "_float", "atol": "_float", "eps": "_float",
    "mean": "_float", "std": "_float", "momentum": "_float | None", "negative_slope": "_float",
    "min_val": "_float", "max_val": "_float", "threshold": "_float", "label_smoothing": "_float",
    "delta": "_float", "dropout_p": "_float", "scale": "_float | None", "norm_type": "_float",
    "max_norm": "_float | None", "maxnorm": "_float", "lambd": "_float", "median": "_float", "sigma": "_float",
    "nan": "_float | None", "posinf": "_float | None", "neginf": "_float | None", "decimals": "_int",
    "q": "Tensor | _float", "dx": "_float | None", "base": "_float", "fill_value": "Number",
    "min": "Tensor | Number | None", "max": "Tensor | Number | None", "exponent": _TN, "maxval": "_float",
    "rcond": "_float | None", "correction": "Number | None", "unbiased": "_bool | None",
    "divisor_override": "_int | None",
    # strings, dtypes, devices, callables
    "dtype": "_dtype | None", "device": "_device | None", "layout": "_layout", "memory_format": "_memory_format",
    "generator": "Generator | None", "rounding_mode": "_str | None", "reduction": "_str",
    "size_average": "_bool | None", "reduce": "_bool | None", "approximate": "_str", "interpolation": "_str",
    "indexing": "_str | None", "side": "_str | None", "driver": "_str | None", "UPLO": "_str", "mode": "_str",
    "compute_mode": "_str", "equation": "_str", "hook": "Callable[[Tensor], Tensor | None]",
    "callable": "Callable[..., Number]", "obj": "object", "t": "object", "seed": "_int", "d": "_dtype",
    "new_state": "Tensor", "nbytes": "_int | None", "seconds": "_float | None", "data": "object",
    "s": "Number", "precision": "_int | None", "edgeitems": "_int | None", "linewidth": "_int | None",
    "profile": "_str | None", "sci_mode": "_bool | None", "f": "_FileLike", "map_location": "object",
    "pickle_module": "object", "pickle_protocol": "_int", "_use_new_zipfile_serialization": "_bool",
    "_disable_byteorder_record": "_bool", "_stacklevel": "_int", "low": "_int", "high": "_int",
}

# (function, parameter) -> type where the parameter's usual type is not this function's
_BINARY = _TN
PARAM_IN = {
    ("rnn_tanh_cell", "hx"): _T, ("rnn_relu_cell", "hx"): _T, ("gru_cell", "hx"): _T,
    ("lstm_cell", "hx"): "tuple[Tensor, Tensor] | list[Tensor]",
    ("cumsum", "dim"): "_int", ("cumprod", "dim"): "_int", ("logcumsumexp", "dim"): "_int",
    ("cummax", "dim"): "_int", ("cummin", "dim"): "_int", ("softmax", "dim"): "_int",
    ("log_softmax", "dim"): "_int", ("F.softmax", "dim"): "_int | None", ("F.log_softmax", "dim"): "_int | None",
    ("kthvalue", "dim"): "_int", ("topk", "dim"): "_int", ("sort", "dim"): "_int", ("argsort", "dim"): "_int",
    ("gather", "dim"): "_int", ("scatter", "dim"): "_int", ("scatter_add", "dim"): "_int",
    ("scatter_reduce", "dim"): "_int", ("index_add", "dim"): "_int", ("index_copy", "dim"): "_int",
    ("index_fill", "dim"): "_int", ("index_select", "dim"): "_int", ("index_reduce", "dim"): "_int",
    ("narrow", "dim"): "_int", ("select", "dim"): "_int", ("unsqueeze", "dim"): "_int", ("chunk", "dim"): "_int",
    ("split", "dim"): "_int", ("unbind", "dim"): "_int", ("cat", "dim"): "_int", ("concat", "dim"): "_int",
    ("stack", "dim"): "_int", ("tensor_split", "dim"): "_int", ("cross", "dim"): "_int | None",
    ("linalg.cross", "dim"): "_int", ("linalg.vecdot", "dim"): "_int", ("diff", "dim"): "_int",
    ("renorm", "dim"): "_int", ("F.glu", "dim"): "_int", ("F.unflatten", "dim"): "_int", ("glu", "dim"): "_int",
    ("repeat_interleave", "dim"): "_int | None", ("unique", "dim"): "_int | None",
    ("unique_consecutive", "dim"): "_int | None", ("trapezoid", "dim"): "_int",
    ("cumulative_trapezoid", "dim"): "_int", ("logsumexp", "dim"): "_dims", ("special.logsumexp", "dim"): "_dims",
    ("special.softmax", "dim"): "_int", ("special.log_softmax", "dim"): "_int", ("flatten", "dim"): "_int",
    ("squeeze", "dim"): "_dims | None", ("squeeze_", "dim"): "_dims | None", ("size", "dim"): "_int | None",
    ("stride", "dim"): "_int | None", ("count_nonzero", "dim"): "_dims | None", ("histc", "bins"): "_int",
    ("quantile", "dim"): "_int | None", ("nanquantile", "dim"): "_int | None",
    ("linalg.matrix_norm", "dim"): "tuple[_int, _int]", ("linalg.norm", "dim"): "_dims | None",
    ("concatenate", "axis"): "_int", ("roll", "dims"): "_dims | None", ("rot90", "dims"): "Sequence[_int]",
    ("tensordot", "dims"): "_int | tuple[Sequence[_int], Sequence[_int]] | Tensor", ("flip", "dims"): "_dims",
    ("tensordot", "a"): _T, ("tensordot", "b"): _T, ("vander", "x"): _T,
    ("lu_unpack", "LU_data"): _T, ("lu_unpack", "LU_pivots"): _T, ("lu_unpack", "unpack_data"): "_bool",
    ("lu_unpack", "unpack_pivots"): "_bool", ("select", "index"): "_int", ("movedim", "source"): "_dims", ("moveaxis", "source"): "_dims",
    ("index_put", "indices"): "tuple[Tensor | None, ...] | list[Tensor | None]",
    ("diff", "n"): "_int", ("matrix_power", "n"): "_int", ("polygamma", "n"): "_int",
    ("linalg.matrix_power", "n"): "_int", ("eye", "n"): "_int",
    ("masked_fill", "value"): _TN, ("index_fill", "value"): _TN, ("fill_", "value"): _TN,
    ("scatter", "value"): "Number | None", ("scatter", "src"): "Tensor | None", ("scatter_", "value"): "Number | None",
    ("scatter_", "src"): "Tensor | None", ("scatter_reduce", "reduce"): "_str", ("index_reduce", "reduce"): "_str",
    ("scatter_", "reduce"): "_str | None", ("addcdiv", "value"): "Number", ("addcmul", "value"): "Number",
    ("F.scaled_dot_product_attention", "value"): _T, ("F.multi_head_attention_forward", "value"): _T,
    ("lerp", "weight"): _TN, ("where", "input"): _TN, ("where", "other"): _TN, ("where", "condition"): _T,
    ("pow", "input"): _TN, ("float_power", "input"): _TN, ("float_power", "exponent"): _TN,
    ("bucketize", "input"): _TN, ("searchsorted", "input"): _TN, ("isin", "elements"): _TN,
    ("clamp_min", "min"): _TN, ("clamp_max", "max"): _TN,
    ("nan_to_num", "nan"): "_float | None", ("dist", "p"): "Number", ("norm", "p"): "Number | _str | None",
    ("norm", "dim"): "_dims | None", ("renorm", "p"): "Number", ("cdist", "p"): "_float",
    ("linalg.vector_norm", "ord"): "Number", ("linalg.matrix_norm", "ord"): "Number | _str",
    ("linalg.norm", "ord"): "Number | _str | None", ("linalg.cond", "p"): "Number | _str | None",
    ("bernoulli", "p"): "_float | None", ("bernoulli_", "p"): "Tensor | _float",
    ("geometric_", "p"): "_float", ("F.dropout", "p"): "_float", ("F.dropout1d", "p"): "_float",
    ("F.dropout2d", "p"): "_float", ("linalg.matrix_rank", "atol"): "Tensor | _float | None",
    ("linalg.matrix_rank", "rtol"): "Tensor | _float | None", ("linalg.pinv", "atol"): "Tensor | _float | None",
    ("linalg.pinv", "rtol"): "Tensor | _float | None", ("logit", "eps"): "_float | None",
    ("F.celu", "alpha"): "_float", ("F.elu", "alpha"): "_float", ("F.celu_", "alpha"): "_float",
    ("F.elu_", "alpha"): "_float", ("celu", "alpha"): "Number", ("celu_", "alpha"): "Number",
    ("F.softplus", "beta"): "_float", ("F.smooth_l1_loss", "beta"): "_float",
    ("F.embedding", "input"): _T, ("F.one_hot", "tensor"): _T, ("F.layer_norm", "normalized_shape"): "_size",
    ("F.adaptive_avg_pool1d", "output_size"): "_int | _size", ("F.adaptive_avg_pool2d", "output_size"): "_int | _size",
    ("F.adaptive_max_pool1d", "output_size"): "_int | _size", ("F.adaptive_max_pool2d", "output_size"): "_int | _size",
    ("F.adaptive_max_pool2d_with_indices", "output_size"): "_int | _size",
    ("adaptive_avg_pool1d", "output_size"): "_int | _size", ("adaptive_max_pool1d", "output_size"): "_int | _size",
    ("avg_pool1d", "stride"): "_int | _size | None", ("max_pool1d", "stride"): "_int | _size | None",
    ("max_pool2d", "stride"): "_int | _size | None", ("max_pool1d_with_indices", "stride"): "_int | _size | None",
    ("F.avg_pool1d", "stride"): "_int | _size | None", ("F.avg_pool2d", "stride"): "_int | _size | None",
    ("F.max_pool1d", "stride"): "_int | _size | None", ("F.max_pool2d", "stride"): "_int | _size | None",
    ("F.max_pool1d_with_indices", "stride"): "_int | _size | None",
    ("F.max_pool2d_with_indices", "stride"): "_int | _size | None",
    ("conv1d", "stride"): "_int | _size", ("conv2d", "stride"): "_int | _size",
    ("conv_transpose1d", "stride"): "_int | _size", ("conv_transpose2d", "stride"): "_int | _size",
    ("convolution", "stride"): "_int | _size", ("F.conv1d", "stride"): "_int | _size",
    ("F.conv2d", "stride"): "_int | _size", ("F.conv_transpose1d", "stride"): "_int | _size",
    ("F.conv_transpose2d", "stride"): "_int | _size", ("conv1d", "padding"): "_int | _size | _str",
    ("conv2d", "padding"): "_int | _size | _str", ("F.conv1d", "padding"): "_int | _size | _str",
    ("F.conv2d", "padding"): "_int | _size | _str", ("convolution", "weight"): _T,
    ("conv1d", "weight"): _T, ("conv2d", "weight"): _T, ("conv_transpose1d", "weight"): _T,
    ("conv_transpose2d", "weight"): _T, ("F.conv1d", "weight"): _T, ("F.conv2d", "weight"): _T,
    ("F.conv_transpose1d", "weight"): _T, ("F.conv_transpose2d", "weight"): _T, ("F.linear", "weight"): _T,
    ("F.bilinear", "weight"): _T, ("F.embedding", "weight"): _T,
    ("F.multi_head_attention_forward", "in_proj_weight"): "Tensor | None",
    ("F.multi_head_attention_forward", "in_proj_bias"): "Tensor | None",
    ("F.multi_head_attention_forward", "bias_k"): "Tensor | None",
    ("F.multi_head_attention_forward", "bias_v"): "Tensor | None",
    ("F.multi_head_attention_forward", "out_proj_weight"): _T,
    ("F.multi_head_attention_forward", "out_proj_bias"): "Tensor | None",
    ("F.multi_head_attention_forward", "key_padding_mask"): "Tensor | None",
    ("F.multi_head_attention_forward", "q_proj_weight"): "Tensor | None",
    ("F.multi_head_attention_forward", "k_proj_weight"): "Tensor | None",
    ("F.multi_head_attention_forward", "v_proj_weight"): "Tensor | None",
    ("F.multi_head_attention_forward", "static_k"): "Tensor | None",
    ("F.multi_head_attention_forward", "static_v"): "Tensor | None",
    ("F.multi_head_attention_forward", "attn_mask"): "Tensor | None",
    ("F.multi_head_attention_forward", "dropout_p"): "_float",
    ("multi_dot", "tensors"): "Sequence[Tensor]", ("linalg.multi_dot", "tensors"): "Sequence[Tensor]",
    ("chain_matmul", "matrices"): _T, ("linalg.lstsq", "rcond"): "_float | None", ("pinverse", "rcond"): "_float",
    ("linalg.qr", "mode"): "_str", ("mode", "dim"): "_int", ("median", "dim"): "_int",
    ("nanmedian", "dim"): "_int", ("histc", "min"): "Number", ("histc", "max"): "Number",
    ("arange", "start"): "Number", ("arange", "end"): "Number | None", ("arange", "step"): "Number",
    ("linspace", "start"): "Number", ("linspace", "end"): "Number", ("logspace", "start"): "Number",
    ("logspace", "end"): "Number", ("trapezoid", "x"): "Tensor | None", ("cumulative_trapezoid", "x"): "Tensor | None",
    ("randint", "low"): "_int", ("randint", "high"): "_int | None", ("randint", "size"): "_size | None",
    ("randint_like", "low"): "_int", ("randint_like", "high"): "_int | None", ("quantile", "q"): "Tensor | _float",
    ("tril_indices", "offset"): "_int", ("triu_indices", "offset"): "_int", ("eye", "m"): "_int | None",
    ("type", "dtype"): "_dtype | _str | None", ("new_tensor", "data"): "object", ("tensor", "data"): "object",
    ("as_tensor", "data"): "object", ("Tensor.random_", "from"): "_int", ("Tensor.random_", "to"): "_int | None",
    ("uniform_", "from"): "_float", ("uniform_", "to"): "_float", ("normal_", "mean"): "_float",
    ("normal_", "std"): "_float", ("log_normal_", "mean"): "_float", ("log_normal_", "std"): "_float",
    ("cauchy_", "median"): "_float", ("cauchy_", "sigma"): "_float", ("exponential_", "lambd"): "_float",
    ("map_", "tensor"): _T, ("is_floating_point", "t"): _T, ("numel", "t"): _T,
    ("set_default_tensor_type", "t"): "type | _str", ("save", "obj"): "object", ("is_tensor", "obj"): "object",
    ("mul", "arg0"): _TN, ("multiply", "arg0"): _TN, ("pow", "arg0"): _TN, ("expand_as", "other"): _T,
    ("reshape_as", "other"): _T, ("view_as", "other"): _T, ("type_as", "other"): _T,
    ("equal", "other"): _T, ("allclose", "other"): _T, ("isclose", "other"): _T, ("dist", "other"): _T,
    ("kron", "other"): _T, ("cross", "other"): _T, ("linalg.cross", "other"): _T, ("matmul", "other"): _T,
    ("linalg.matmul", "other"): _T, ("result_type", "tensor1"): _TN, ("result_type", "tensor2"): _TN,
    ("can_cast", "from_"): "_dtype", ("can_cast", "to"): "_dtype", ("promote_types", "type1"): "_dtype",
    ("promote_types", "type2"): "_dtype", ("split", "tensor"): _T, ("dot", "tensor"): _T,
    ("from_numpy", "ndarray"): "numpy.ndarray", ("linalg.solve_triangular", "upper"): "_bool",
    ("meshgrid", "tensors"): _T, ("atleast_1d", "tensors"): _T, ("atleast_2d", "tensors"): _T,
    ("atleast_3d", "tensors"): _T, ("block_diag", "tensors"): _T, ("broadcast_tensors", "tensors"): _T,
    ("cartesian_prod", "tensors"): _T, ("broadcast_shapes", "shapes"): "_int | _size",
    ("einsum", "operands"): _T, ("std_mean", "dim"): _DIMS_OPT, ("var_mean", "dim"): _DIMS_OPT,
    ("manual_seed", "seed"): "_int", ("set_printoptions", "threshold"): "_int | None",
    ("repeat_interleave", "output_size"): "_int | None", ("unflatten", "sizes"): "_size",
    ("sum_to_size", "size"): "_int", ("new_empty", "size"): "_int", ("new_ones", "size"): "_int",
    ("new_zeros", "size"): "_int", ("new_full", "size"): "_size", ("broadcast_to", "size"): "_size",
    ("expand", "size"): "_int", ("as_strided", "size"): "_size", ("as_strided", "stride"): "_size",
    ("Tensor.unfold", "size"): "_int", ("Tensor.unfold", "step"): "_int", ("put_", "index"): _T,
    ("put_", "source"): _T, ("autograd.grad", "inputs"): "_TensorOrTensors",
    ("autograd.backward", "tensors"): "_TensorOrTensors", ("autograd.gradcheck", "inputs"): "_TensorOrTensors",
    ("autograd.gradgradcheck", "inputs"): "_TensorOrTensors", ("index_put_", "indices"): "tuple[Tensor | None, ...] | list[Tensor | None]",
    ("Tensor.index_put", "indices"): "tuple[Tensor | None, ...] | list[Tensor | None]",
}

# results that are not one Tensor
_VI = "return_types.{}"
_TT = "tuple[Tensor, Tensor]"
RETURNS = {
    "lstm_cell": "tuple[Tensor, Tensor]",
    # namedtuples
    "sort": "return_types.sort", "topk": "return_types.topk", "kthvalue": "return_types.kthvalue",
    "cummax": "return_types.cummax", "cummin": "return_types.cummin", "mode": "return_types.mode",
    "slogdet": "return_types.slogdet", "qr": "return_types.qr", "svd": "return_types.svd",
    "linalg.slogdet": "return_types.linalg_slogdet", "linalg.qr": "return_types.linalg_qr",
    "linalg.svd": "return_types.linalg_svd", "linalg.eigh": "return_types.linalg_eigh",
    "linalg.inv_ex": "return_types.linalg_inv_ex", "linalg.cholesky_ex": "return_types.linalg_cholesky_ex",
    "linalg.solve_ex": "return_types.linalg_solve_ex", "linalg.lstsq": "return_types.linalg_lstsq",
    "linalg.lu_factor": "return_types.linalg_lu_factor", "lu_unpack": "return_types.lu_unpack",
    "linalg.lu_factor_ex": "return_types.linalg_lu_factor_ex",
    "max_pool1d_with_indices": _TT,
    "F.max_pool1d_with_indices": _TT, "F.max_pool2d_with_indices": _TT,
    "F.adaptive_max_pool2d_with_indices": _TT, "std_mean": _TT, "var_mean": _TT,
    "F.multi_head_attention_forward": "tuple[Tensor, Tensor | None]",
    "autograd.backward": "None", "autograd.grad": "tuple[Tensor, ...]", "autograd.gradcheck": "_bool",
    "autograd.gradgradcheck": "_bool",
    # several tensors
    "split": "tuple[Tensor, ...]", "chunk": "tuple[Tensor, ...]", "unbind": "tuple[Tensor, ...]",
    "tensor_split": "tuple[Tensor, ...]", "hsplit": "tuple[Tensor, ...]", "vsplit": "tuple[Tensor, ...]",
    "dsplit": "tuple[Tensor, ...]", "meshgrid": "tuple[Tensor, ...]", "broadcast_tensors": "tuple[Tensor, ...]",
    "unique_consecutive": "Tensor | tuple[Tensor, ...]", "unique": "Tensor | tuple[Tensor, ...]",
    "atleast_1d": "Tensor | tuple[Tensor, ...]", "atleast_2d": "Tensor | tuple[Tensor, ...]",
    "atleast_3d": "Tensor | tuple[Tensor, ...]",
    # not tensors
    "allclose": "_bool", "equal": "_bool", "is_nonzero": "_bool", "is_tensor": "_bool",
    "is_floating_point": "_bool", "is_complex": "_bool", "is_contiguous": "_bool", "numel": "_int",
    "broadcast_shapes": "Size", "result_type": "_dtype", "can_cast": "_bool", "promote_types": "_dtype",
    "get_default_dtype": "_dtype", "set_default_dtype": "None", "set_default_tensor_type": "None",
    "get_default_device": "device", "set_default_device": "None", "manual_seed": "Generator",
    "seed": "_int", "initial_seed": "_int", "get_rng_state": "Tensor", "set_rng_state": "None",
    "save": "None", "load": "Any", "get_printoptions": "dict[_str, Any]", "set_printoptions": "None",
    "printoptions": "AbstractContextManager[None]", "empty_cache": "None", "memory_allocated": "_int",
    "max_memory_allocated": "_int", "memory_reserved": "_int", "max_memory_reserved": "_int",
    "memory_stats": "dict[_str, _int]", "reset_peak_memory_stats": "None", "get_allocator_cache_limit": "_int",
    "set_allocator_cache_limit": "None", "get_allocator_idle_seconds": "_float",
    "set_allocator_idle_seconds": "None", "Tensor.tolist": "Any", "Tensor.item": "Number",
    "Tensor.backward": "None", "Tensor.register_hook": "RemovableHandle",
    "Tensor.register_post_accumulate_grad_hook": "RemovableHandle", "Tensor.size": "Size | _int",
    "Tensor.stride": "tuple[_int, ...] | _int", "Tensor.type": "Tensor | _str", "Tensor.apply_": "Tensor",
    "Tensor.map_": "Tensor", "Tensor.retain_grad": "None", "Tensor.dim": "_int", "Tensor.data_ptr": "_int",
    "Tensor.element_size": "_int", "Tensor.nelement": "_int", "Tensor.ndimension": "_int",
    "Tensor.storage_offset": "_int", "Tensor.numpy": "numpy.ndarray", "Tensor.nonzero": "Tensor | tuple[Tensor, ...]",
    "nonzero": "Tensor | tuple[Tensor, ...]", "max": "Tensor | return_types.max", "min": "Tensor | return_types.min",
    "median": "Tensor | return_types.median", "nanmedian": "Tensor | return_types.nanmedian",
    "get_num_threads": "_int", "set_num_threads": "None", "is_grad_enabled": "_bool",
    "is_anomaly_enabled": "_bool", "is_anomaly_check_nan_enabled": "_bool", "set_anomaly_enabled": "None",
    "F.adaptive_max_pool1d": "Tensor | tuple[Tensor, Tensor]",
    "F.adaptive_max_pool2d": "Tensor | tuple[Tensor, Tensor]",
    "F.max_pool1d": "Tensor | tuple[Tensor, Tensor]", "F.max_pool2d": "Tensor | tuple[Tensor, Tensor]",
}

# whole overload sets, each "(params) -> result"; names as the runtime's (tests check them against torch's)
_RED = "dim: _dims | None = None, keepdim: _bool = False, *, dtype: _dtype | None = None"
_FACTORY_KW = ("out: Tensor | None = None, dtype: _dtype | None = None, layout: _layout = None, "
               "device: _device | None = None, requires_grad: _bool = False, pin_memory: _bool = False")
_LIKE_KW = ("dtype: _dtype | None = None, layout: _layout = None, device: _device | None = None, "
            "requires_grad: _bool = False, memory_format: _memory_format = None")
_NEW_KW = "dtype: _dtype | None = None, device: _device | None = None, requires_grad: _bool = False"
_TO_KW = "non_blocking: _bool = False, copy: _bool = False, *, memory_format: _memory_format = None"
SIGNATURES = {
    "sum": [f"(input: Tensor, *, dtype: _dtype | None = None) -> Tensor",
            f"(input: Tensor, {_RED}, out: Tensor | None = None) -> Tensor"],
    "Tensor.sum": ["(self, *, dtype: _dtype | None = None) -> Tensor", f"(self, {_RED}) -> Tensor"],
    "mean": [f"(input: Tensor, *, dtype: _dtype | None = None) -> Tensor",
             f"(input: Tensor, {_RED}, out: Tensor | None = None) -> Tensor"],
    "Tensor.mean": ["(self, *, dtype: _dtype | None = None) -> Tensor", f"(self, {_RED}) -> Tensor"],
    "max": ["(input: Tensor) -> Tensor",
            "(input: Tensor, dim: _int, keepdim: _bool = False, *, out: tuple[Tensor, ...] | list[Tensor] | None"
            " = None) -> return_types.max",
            "(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor"],
    "Tensor.max": ["(self) -> Tensor", "(self, dim: _int, keepdim: _bool = False) -> return_types.max",
                   "(self, other: Tensor) -> Tensor"],
    "min": ["(input: Tensor) -> Tensor",
            "(input: Tensor, dim: _int, keepdim: _bool = False, *, out: tuple[Tensor, ...] | list[Tensor] | None"
            " = None) -> return_types.min",
            "(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor"],
    "Tensor.min": ["(self) -> Tensor", "(self, dim: _int, keepdim: _bool = False) -> return_types.min",
                   "(self, other: Tensor) -> Tensor"],
    "median": ["(input: Tensor) -> Tensor",
               "(input: Tensor, dim: _int, keepdim: _bool = False, *, out: tuple[Tensor, ...] | list[Tensor] | "
               "None = None) -> return_types.median"],
    "Tensor.median": ["(self) -> Tensor", "(self, dim: _int, keepdim: _bool = False) -> return_types.median"],
    "nanmedian": ["(input: Tensor) -> Tensor",
                  "(input: Tensor, dim: _int, keepdim: _bool = False, *, out: tuple[Tensor, ...] | list[Tensor] "
                  "| None = None) -> return_types.nanmedian"],
    "Tensor.nanmedian": ["(self) -> Tensor", "(self, dim: _int, keepdim: _bool = False) -> return_types.nanmedian"],
    "Tensor.squeeze_": ["(self, dim: _dims | None = None) -> Tensor"],
    "Tensor.view": ["(self, dtype: _dtype) -> Tensor", "(self, size: Sequence[_int]) -> Tensor",
                    "(self, *size: _int) -> Tensor"],
    "Tensor.reshape": ["(self, shape: Sequence[_int]) -> Tensor", "(self, *shape: _int) -> Tensor"],
    "reshape": ["(input: Tensor, shape: Sequence[_int]) -> Tensor"],
    "Tensor.expand": ["(self, size: Sequence[_int]) -> Tensor", "(self, *size: _int) -> Tensor"],
    "Tensor.resize_": ["(self, size: Sequence[_int], *, memory_format: _memory_format = None) -> Tensor",
                       "(self, *size: _int, memory_format: _memory_format = None) -> Tensor"],
    "Tensor.resize_as_": ["(self, the_template: Tensor, *, memory_format: _memory_format = None) -> Tensor"],
    "Tensor.repeat": ["(self, repeats: Sequence[_int]) -> Tensor", "(self, *repeats: _int) -> Tensor"],
    "Tensor.permute": ["(self, dims: Sequence[_int]) -> Tensor", "(self, *dims: _int) -> Tensor"],
    "permute": ["(input: Tensor, dims: Sequence[_int]) -> Tensor"],
    "Tensor.flip": ["(self, dims: Sequence[_int]) -> Tensor", "(self, *dims: _int) -> Tensor"],
    "Tensor.sum_to_size": ["(self, size: Sequence[_int]) -> Tensor", "(self, *size: _int) -> Tensor"],
    "Tensor.new_empty": [f"(self, size: Sequence[_int], *, {_NEW_KW}) -> Tensor",
                         f"(self, *size: _int, {_NEW_KW}) -> Tensor"],
    "Tensor.new_zeros": [f"(self, size: Sequence[_int], *, {_NEW_KW}) -> Tensor",
                         f"(self, *size: _int, {_NEW_KW}) -> Tensor"],
    "Tensor.new_ones": [f"(self, size: Sequence[_int], *, {_NEW_KW}) -> Tensor",
                        f"(self, *size: _int, {_NEW_KW}) -> Tensor"],
    "Tensor.to": [f"(self, dtype: _dtype, {_TO_KW}) -> Tensor",
                  f"(self, device: _device | None = None, dtype: _dtype | None = None, {_TO_KW}) -> Tensor",
                  f"(self, other: Tensor, {_TO_KW}) -> Tensor"],
    "Tensor.random_": ["(self, *, generator: Generator | None = None) -> Tensor",
                       "(self, to: _int, *, generator: Generator | None = None) -> Tensor",
                       "(self, from_: _int, to: _int | None, *, generator: Generator | None = None) -> Tensor"],
    "Tensor.size": ["(self, dim: None = None) -> Size", "(self, dim: _int) -> _int"],
    "Tensor.stride": ["(self, dim: None = None) -> tuple[_int, ...]", "(self, dim: _int) -> _int"],
    "Tensor.type": ["(self, dtype: None = None, non_blocking: _bool = False) -> _str",
                    "(self, dtype: _str | _dtype, non_blocking: _bool = False) -> Tensor"],
    "Tensor.cuda": ["(self, device: _device | None = None, non_blocking: _bool = False, *, "
                    "memory_format: _memory_format = None) -> Tensor"],
    "Tensor.addbmm_": ["(self, batch1: Tensor, batch2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor"],
    "Tensor.addmv_": ["(self, mat: Tensor, vec: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor"],
    "Tensor.addr_": ["(self, vec1: Tensor, vec2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor"],
    "Tensor.baddbmm_": ["(self, batch1: Tensor, batch2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor"],
    "Tensor.cholesky": ["(self, upper: _bool = False) -> Tensor"],
    "Tensor.det": ["(self) -> Tensor"], "Tensor.logdet": ["(self) -> Tensor"],
    "Tensor.inverse": ["(self) -> Tensor"], "Tensor.slogdet": ["(self) -> return_types.slogdet"],
    "Tensor.qr": ["(self, some: _bool = True) -> return_types.qr"],
    "Tensor.svd": ["(self, some: _bool = True, compute_uv: _bool = True) -> return_types.svd"],
    "Tensor.histc": ["(self, bins: _int = 100, min: Number = 0, max: Number = 0) -> Tensor"],
    "zeros": [f"(*size: _int, {_FACTORY_KW}) -> Tensor", f"(size: Sequence[_int], *, {_FACTORY_KW}) -> Tensor"],
    "ones": [f"(*size: _int, {_FACTORY_KW}) -> Tensor", f"(size: Sequence[_int], *, {_FACTORY_KW}) -> Tensor"],
    "empty": [f"(*size: _int, {_FACTORY_KW}) -> Tensor", f"(size: Sequence[_int], *, {_FACTORY_KW}) -> Tensor"],
    "rand": [f"(*size: _int, generator: Generator | None = None, {_FACTORY_KW}) -> Tensor",
             f"(size: Sequence[_int], *, generator: Generator | None = None, {_FACTORY_KW}) -> Tensor"],
    "randn": [f"(*size: _int, generator: Generator | None = None, {_FACTORY_KW}) -> Tensor",
              f"(size: Sequence[_int], *, generator: Generator | None = None, {_FACTORY_KW}) -> Tensor"],
    "zeros_like": [f"(input: Tensor, *, {_LIKE_KW}) -> Tensor"],
    "ones_like": [f"(input: Tensor, *, {_LIKE_KW}) -> Tensor"],
    "empty_like": [f"(input: Tensor, *, {_LIKE_KW}) -> Tensor"],
    "rand_like": [f"(input: Tensor, *, generator: Generator | None = None, {_LIKE_KW}) -> Tensor"],
    "randn_like": [f"(input: Tensor, *, generator: Generator | None = None, {_LIKE_KW}) -> Tensor"],
    "full_like": [f"(input: Tensor, fill_value: Number, *, {_LIKE_KW}) -> Tensor"],
    "randint_like": [f"(input: Tensor, high: _int, *, generator: Generator | None = None, {_LIKE_KW}) -> Tensor",
                     f"(input: Tensor, low: _int, high: _int, *, generator: Generator | None = None, {_LIKE_KW})"
                     " -> Tensor"],
    "randint": [f"(high: _int, size: Sequence[_int], *, generator: Generator | None = None, {_FACTORY_KW}) -> Tensor",
                f"(low: _int, high: _int, size: Sequence[_int], *, generator: Generator | None = None, "
                f"{_FACTORY_KW}) -> Tensor"],
    "arange": ["(end: Number, *, out: Tensor | None = None, dtype: _dtype | None = None, layout: _layout = None, "
               "device: _device | None = None, requires_grad: _bool = False) -> Tensor",
               "(start: Number, end: Number, step: Number = 1, *, out: Tensor | None = None, "
               "dtype: _dtype | None = None, layout: _layout = None, device: _device | None = None, "
               "requires_grad: _bool = False) -> Tensor"],
    "normal": ["(mean: Tensor, std: Tensor | _float = 1.0, *, generator: Generator | None = None, "
               "out: Tensor | None = None) -> Tensor",
               "(mean: _float, std: Tensor, *, generator: Generator | None = None, out: Tensor | None = None)"
               " -> Tensor",
               "(mean: _float, std: _float, size: Sequence[_int], *, generator: Generator | None = None, "
               f"{_FACTORY_KW}) -> Tensor"],
    "einsum": ["(equation: _str, *operands: Tensor) -> Tensor",
               "(equation: _str, operands: Sequence[Tensor]) -> Tensor"],
    "meshgrid": ["(*tensors: Tensor, indexing: _str | None = None) -> tuple[Tensor, ...]",
                 "(tensors: Sequence[Tensor], *, indexing: _str | None = None) -> tuple[Tensor, ...]"],
    "broadcast_tensors": ["(*tensors: Tensor) -> tuple[Tensor, ...]"],
    "block_diag": ["(*tensors: Tensor) -> Tensor"],
    "cartesian_prod": ["(*tensors: Tensor) -> Tensor"],
    "chain_matmul": ["(*matrices: Tensor, out: Tensor | None = None) -> Tensor"],
    "broadcast_shapes": ["(*shapes: _int | Sequence[_int]) -> Size"],
    "atleast_1d": ["(tensors: Tensor, /) -> Tensor", "(*tensors: Tensor) -> tuple[Tensor, ...]"],
    "atleast_2d": ["(tensors: Tensor, /) -> Tensor", "(*tensors: Tensor) -> tuple[Tensor, ...]"],
    "atleast_3d": ["(tensors: Tensor, /) -> Tensor", "(*tensors: Tensor) -> tuple[Tensor, ...]"],
    "unique": ["(input: Tensor, sorted: _bool = True, return_inverse: _bool = False, return_counts: _bool = "
               "False, dim: _int | None = None) -> Tensor | tuple[Tensor, ...]"],
    "Tensor.unique": ["(self, sorted: _bool = True, return_inverse: _bool = False, return_counts: _bool = "
                      "False, dim: _int | None = None) -> Tensor | tuple[Tensor, ...]"],
    "nonzero": ["(input: Tensor, *, as_tuple: Literal[False] = False, out: Tensor | None = None) -> Tensor",
                "(input: Tensor, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]"],
    "Tensor.nonzero": ["(self, *, as_tuple: Literal[False] = False) -> Tensor",
                       "(self, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]"],
    "printoptions": ["(*, precision: _int | None = None, threshold: _int | None = None, edgeitems: _int | None = "
                     "None, linewidth: _int | None = None, profile: _str | None = None, sci_mode: _bool | None = "
                     "None) -> AbstractContextManager[None]"],
    "autograd.once_differentiable": ["(fn: _F) -> _F"],
    "load": ["(f: _FileLike, map_location: object = None, pickle_module: object = None, *, "
             "weights_only: _bool | None = None, mmap: _bool | None = None, **pickle_load_args: Any) -> Any"],
}

# classes defined in a stubbed module whose runtime form says too little (written whole)
CLASSES = {
    "autograd.Variable": ("class Variable(Tensor):\n"
                          "    def __init__(self, data: Tensor, requires_grad: _bool = False) -> None: ..."),
}

# properties of Tensor and the other classes
PROPERTIES = {
    "T": "Tensor", "mT": "Tensor", "H": "Tensor", "mH": "Tensor", "data": "Tensor", "device": "device",
    "dtype": "_dtype", "grad": "Tensor | None", "grad_fn": "Node | None", "is_leaf": "_bool",
    "is_cpu": "_bool", "is_cuda": "_bool", "itemsize": "_int", "nbytes": "_int", "ndim": "_int",
    "output_nr": "_int", "requires_grad": "_bool", "retains_grad": "_bool", "shape": "Size",
    "is_floating_point": "_bool", "is_complex": "_bool", "is_signed": "_bool",
    "is_sparse": "_bool", "is_quantized": "_bool", "is_meta": "_bool", "layout": "None", "names": "tuple[None, ...]",
    "_version": "_int", "name": "_str",
}
NONE_ALIASES = {"_layout", "_memory_format"}  # aliases that already take None
SETTABLE = {"data", "grad", "requires_grad"}

# Any kept on purpose, with why (tests/test_docs_stubs.py allows exactly these)
ALLOWED_ANY = {
    "load": "unpickles whatever was saved",
    "Tensor.tolist": "a nested list of Python numbers, as deep as the tensor's dims",
    "from_dlpack": "any object with __dlpack__ / a DLPack capsule (no protocol type to name it)",
    "get_printoptions": "a dict of mixed option values, as PyTorch's",
}

# binary ops whose `input` may be a Python number (add(2, t)), and those whose `other` must be a tensor
# (measured on the installed package: calling each with a number there)
NUMBER_INPUT = {"add", "sub", "subtract", "mul", "multiply", "pow", "float_power", "floor_divide", "remainder",
                "xlogy", "special.xlog1py", "special.xlogy", "bitwise_and", "bitwise_or", "bitwise_xor"}
TENSOR_OTHER = {"atan2", "arctan2", "gcd", "heaviside", "hypot", "lcm", "ldexp", "logaddexp", "logaddexp2",
                "logical_and", "logical_or", "logical_xor", "maximum", "minimum", "nextafter"}

# named result tuples the runtime builds outside smalltorch.return_types' namespace (the C++ max/min with
# dim), whose class still says it is smalltorch.return_types.<name>: their fields
EXTRA_RETURN_TYPES = {"max": ("values", "indices"), "min": ("values", "indices")}
