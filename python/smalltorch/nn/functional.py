"""nn.functional: layers, activations and losses as functions, composed from smalltorch's ops.

Each follows PyTorch's arithmetic, argument checks and exception classes. Functions PyTorch
computes with a fused kernel show here the grad_fn of the last op they are composed of.
"""

import warnings

from .. import _C, _creation
from ..profiler import _op

__all__ = ["linear", "relu", "relu_", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "mse_loss",
           "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "leaky_relu", "gelu", "silu", "elu", "softplus",
           "hardtanh", "hardtanh_", "relu6", "leaky_relu_", "elu_", "selu", "selu_", "celu", "celu_", "mish",
           "softsign", "hardsigmoid", "hardswish", "logsigmoid", "glu",
           "smooth_l1_loss", "huber_loss", "kl_div", "one_hot", "flatten", "unflatten",
           "batch_norm", "layer_norm", "group_norm", "embedding", "dropout1d", "dropout2d"]


@_op("aten::linear")
def linear(input, weight, bias=None):
    """y = input @ weight.T + bias; a 2-D input with a bias is one addmm (AddmmBackward0), as PyTorch's."""
    if input.dim() == 2:
        if bias is None:
            return input.mm(weight.t())
        return _C.addmm(bias, input, weight.t())
    if input.dim() == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{weight.dim()}D")
    lead = input.shape[:-1]
    flat = input.reshape(-1, input.shape[-1])
    out = flat.mm(weight.t()) if bias is None else _C.addmm(bias, flat, weight.t())
    return out.reshape(*lead, weight.shape[0]) if weight.dim() == 2 else out.reshape(*lead)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    d = dim + input.dim() if dim < 0 else dim
    sizes = list(sizes)
    if -1 in sizes:
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        sizes[sizes.index(-1)] = input.shape[d] // known if known else 0
    prod = 1
    for s in sizes:
        prod *= s
    if prod != input.shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({input.shape[d]}) in the input tensor")
    return input.reshape(*input.shape[:d], *sizes, *input.shape[d + 1:])


# ---- activations ------------------------------------------------------------------------------
def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _inplace_result(input, result, inplace):
    if inplace:
        return input.copy_(result)
    return result


# The parameterised activations are rows of the C++ activation registry (csrc/ops/activation.h):
# _C._nn_<name>(input, p, q, r) and its in-place form _C._nn_<name>_; these wrappers only name the
# parameters as PyTorch does.
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return (_C._nn_hardtanh_ if inplace else _C._nn_hardtanh)(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return _C._nn_relu6_(input) if inplace else _C._nn_relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return (_C._nn_leaky_relu_ if inplace else _C._nn_leaky_relu)(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return _C._nn_leaky_relu_(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return (_C._nn_elu_ if inplace else _C._nn_elu)(input, alpha)


def elu_(input, alpha=1.0):
    return _C._nn_elu_(input, alpha)


def selu(input, inplace=False):
    return _C._nn_selu_(input) if inplace else _C._nn_selu(input)


def selu_(input):
    return _C._nn_selu_(input)


def celu(input, alpha=1.0, inplace=False):
    return (_C._nn_celu_ if inplace else _C._nn_celu)(input, alpha)


def celu_(input, alpha=1.0):
    return _C._nn_celu_(input, alpha)


def gelu(input, approximate="none"):
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not {type(approximate).__name__}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _C._nn_gelu(input, 1.0 if approximate == "tanh" else 0.0)


def silu(input, inplace=False):
    return _C._nn_silu_(input) if inplace else _C._nn_silu(input)


def mish(input, inplace=False):
    return _C._nn_mish_(input) if inplace else _C._nn_mish(input)


def softplus(input, beta=1.0, threshold=20.0):
    return _C._nn_softplus(input, beta, threshold)


def softsign(input):
    # a composition in PyTorch too (its grad_fn is DivBackward0)
    return input / (input.abs() + 1)


def hardsigmoid(input, inplace=False):
    return _C._nn_hardsigmoid_(input) if inplace else _C._nn_hardsigmoid(input)


def hardswish(input, inplace=False):
    return _C._nn_hardswish_(input) if inplace else _C._nn_hardswish(input)


def logsigmoid(input):
    return _C._nn_logsigmoid(input)


def glu(input, dim=-1):
    return _C._nn_glu(input, dim)


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return input.softmax(dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return input.log_softmax(dim)


@_op("aten::dropout")
def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _inplace_result(input, input * 0.0, inplace)
    mask = _C._dropout_mask(input, p)  # 0 or 1/(1-p), one fused pass; the product is MulBackward0 as PyTorch's
    return input.mul_(mask) if inplace else input * mask


def _channel_dropout(input, p, training, inplace, batched):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    # one mask value per (sample, channel), broadcast over the feature dims
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2) if batched else \
        tuple(input.shape[:1]) + (1,) * (input.dim() - 1)
    mask = _C._dropout_mask(_creation.empty(shape, dtype=input.dtype), p)
    return input.mul_(mask) if inplace else input * mask


def dropout1d(input, p=0.5, training=True, inplace=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, p, training, inplace, input.dim() == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated and will result in "
                      "an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    if inp_dim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _channel_dropout(input, p, training, inplace, True)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype != _C.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() > 0:
        if tensor.min().item() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = tensor.max().item() + 1
        elif tensor.max().item() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes == -1:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    return (tensor.unsqueeze(-1) == _creation.arange(num_classes)).to(_C.int64)


# ---- normalisation and embedding (fused C++ kernels with their own backward nodes) -------------
@_op("aten::batch_norm")
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """NativeBatchNormBackward0; training updates running_mean/running_var in place (unbiased variance)."""
    if training:
        size = input.shape
        values = size[0] if len(size) else 1
        for s in size[2:]:
            values *= s
        if values == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    if running_mean is None and running_var is None:
        pass
    elif input.dim() < 2:
        raise RuntimeError(f"running_mean should contain {input.shape[1] if input.dim() > 1 else 0} elements not "
                           f"{running_mean.numel() if running_mean is not None else 0}")
    return _C._native_batch_norm(input, weight, bias, running_mean, running_var, training,
                                 0.0 if momentum is None else momentum, eps)[0]


@_op("aten::layer_norm")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """NativeLayerNormBackward0: statistics over the last len(normalized_shape) dims."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return _C._native_layer_norm(input, list(normalized_shape), weight, bias, eps)[0]


@_op("aten::group_norm")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """NativeGroupNormBackward0: statistics per (sample, group of channels)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    return _C._native_group_norm(input, weight, bias, num_groups, eps)[0]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """weight[input] (EmbeddingBackward0); padding_idx rows get no gradient; max_norm renormalises rows in place."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.shape[0], "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.shape[0], "Padding_idx must be within num_embeddings"
            padding_idx = weight.shape[0] + padding_idx
    else:
        padding_idx = -1
    if sparse:
        raise NotImplementedError("smalltorch has no sparse tensors: embedding(sparse=True) is not supported")
    if max_norm is not None:
        from ..grad_mode import no_grad
        with no_grad():
            rows = input.reshape(-1).unique() if input.numel() else input.reshape(-1)
            if rows.numel():
                sel = weight.index_select(0, rows)
                norms = sel.abs().pow(norm_type).sum(1).pow(1.0 / norm_type)
                scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
                weight[rows] = sel * scale.unsqueeze(1)
    return _C._embedding(weight, input, padding_idx, scale_grad_by_freq)


# ---- losses -------------------------------------------------------------------------------------
def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


_REDUCTION = {"none": 0, "mean": 1, "sum": 2}


def _broadcast_pair(a, b):
    """a and b expanded to their broadcast shape (RuntimeError naming both sizes when they do not broadcast)."""
    shape = (a.detach() + b.detach()).shape  # rare path (the caller warned): the add checks and gives the shape
    return a.expand(shape), b.expand(shape)


def _reduce(loss, reduction):
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _pointwise_target(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _pointwise_target(input, target)
    if weight is None:  # one fused kernel (MseLossBackward0)
        if tuple(target.shape) != tuple(input.shape):
            input, target = _broadcast_pair(input, target)
        return _C._mse_loss(input, target, _REDUCTION[reduction])
    d = input - target
    loss = d * d * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _pointwise_target(input, target)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_weight_shape(input, weight):
    """The class weights shaped to broadcast against input's class dimension (dim 1, or 0 for 1-D input)."""
    if input.dim() < 2:
        return weight
    return weight.reshape(weight.shape[0], *([1] * (input.dim() - 2)))


def _check_nll_target(input, target, weight):
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() == 1:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.dim() == 1 and target.shape[0] != 1:
            raise ValueError(f"Expected input batch_size (1) to match target batch_size ({target.shape[0]}).")
    elif input.dim() == 2:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.dim() == 0 or input.shape[0] != target.shape[0]:
            tb = target.shape[0] if target.dim() else 1
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({tb}).")
    else:
        expected = [input.shape[0]] + list(input.shape[2:])
        if list(target.shape) != expected:
            if target.dim() and target.shape[0] != input.shape[0]:
                raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                                 f"({target.shape[0]}).")
            raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    if target.dtype not in (_C.int64, _C.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_dtype_name(target.dtype)}")
    n_classes = input.shape[1] if input.dim() >= 2 else input.shape[0]
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    return n_classes


def _dtype_name(d):
    return d._torch_name


def _picked(input, target, weight, ignore_index):
    """-input[target] per element (class dim 1), its weights (0 where ignored); checks the range of target."""
    n_classes = _check_nll_target(input, target, weight)
    target = target.to(_C.int64)
    if input.dim() == 1:
        input = input.unsqueeze(0)
        target = target.reshape(1)
    valid = target != ignore_index
    if target.numel():
        bad = valid.logical_and((target < 0).logical_or(target >= n_classes))
        if bad.any().item():
            raise IndexError(f"Target {target.masked_select(bad)[0].item()} is out of bounds.")
    safe = target.masked_fill(valid.logical_not(), 0)
    picked = input.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = valid.to(input.dtype)
    if weight is not None:
        w = w * weight.index_select(0, safe.reshape(-1)).reshape(safe.shape)
    return picked, w


@_op("aten::nll_loss")
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_nll_target(input, target, weight)
    red = _REDUCTION[reduction]
    d = input.dim()
    if d in (1, 2, 4):  # NllLossBackward0 / NllLoss2DBackward0, one fused kernel
        return _C._nll_loss(input, target, weight, red, ignore_index)
    # 3-d and 5-d+ inputs go through the 4-d kernel on views, as PyTorch's
    n, c = input.shape[0], input.shape[1]
    if d == 3:
        out = _C._nll_loss(input.reshape(n, c, input.shape[2], 1), target.reshape(n, target.shape[1], 1), weight,
                           red, ignore_index)
    else:
        out = _C._nll_loss(input.reshape(n, c, 1, -1), target.reshape(n, 1, -1), weight, red, ignore_index)
    return out.reshape(target.shape) if red == 0 else out


@_op("aten::cross_entropy_loss")
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if label_smoothing < 0.0 or label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    n_classes = input.shape[class_dim] if input.dim() else 1
    if target.is_floating_point() and tuple(target.shape) == tuple(input.shape):
        # class probabilities
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if label_smoothing > 0.0:
            target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
        terms = logp * target
        if weight is not None:
            terms = terms * _class_weight_shape(input, weight)
        loss = -terms.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // n_classes) if input.numel() else loss.sum() / 0.0
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0.0:
        return nll
    terms = logp if weight is None else logp * _class_weight_shape(input, weight)
    smooth = -terms.sum(class_dim)
    valid = (target != ignore_index).to(input.dtype)
    smooth = smooth * valid
    if reduction == "none":
        pass
    elif reduction == "sum":
        smooth = smooth.sum()
    elif weight is None:
        smooth = smooth.sum() / valid.sum()
    else:
        _, w = _picked(input.detach(), target, weight, ignore_index)
        smooth = smooth.sum() / w.sum()
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / n_classes)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """One fused kernel (BinaryCrossEntropyBackward0); each log is clamped at -100 as PyTorch's."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if input.numel() and ((input < 0).logical_or(input > 1)).any().item():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        weight = weight.expand(input.shape)
    return _C._binary_cross_entropy(input, target, weight, _REDUCTION[reduction])


def _expanded_pair(input, target):
    _pointwise_target(input, target)
    if tuple(target.shape) != tuple(input.shape):
        return _broadcast_pair(input, target)
    return input, target


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """One fused kernel (SmoothL1LossBackward0); beta 0 is l1_loss, as in PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    input, target = _expanded_pair(input, target)
    return _C._smooth_l1_loss(input, target, _REDUCTION[reduction], beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """One fused kernel (HuberLossBackward0); a weight multiplies the unreduced loss."""
    _check_reduction(reduction)
    input, target = _expanded_pair(input, target)
    if weight is None:
        return _C._huber_loss(input, target, _REDUCTION[reduction], delta)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    return _reduce(_C._huber_loss(input, target, 0, delta) * weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """A composition in PyTorch too: target * (log(target) - input), or exp(target) * (target - input)."""
    legacy = size_average is not None or reduce is not None
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction == "mean" and not legacy:
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction != "batchmean":
        _check_reduction(reduction)
    if not (input.is_floating_point() and target.is_floating_point()):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _C.where(target == 0, 0.0, target * target.log()) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    # one fused, stable kernel: (1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x)), times weight
    return _C._binary_cross_entropy_with_logits(input, target, weight, pos_weight, _REDUCTION[reduction])


# ---- convolution and pooling (smalltorch/_conv_pool.py; the kernels are C++) -------------------
from .._conv_pool import (conv1d, conv2d, conv_transpose1d, conv_transpose2d, max_pool1d, max_pool2d,  # noqa: E402
                          max_pool1d_with_indices, max_pool2d_with_indices, avg_pool1d, avg_pool2d,
                          adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
                          adaptive_max_pool2d_with_indices)

__all__ += ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d",
            "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
            "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices"]
from ._attention import bilinear, scaled_dot_product_attention, multi_head_attention_forward  # noqa: E402

__all__ += ["bilinear", "scaled_dot_product_attention", "multi_head_attention_forward"]

from .. import _docs as _docs  # noqa: E402  (the paragraphs of smalltorch._doc_text.NN_FUNCTIONAL)

_docs.apply_submodule(__import__("sys").modules[__name__], "F")
