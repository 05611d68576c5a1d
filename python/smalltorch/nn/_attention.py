"""nn.functional's bilinear, scaled_dot_product_attention and multi_head_attention_forward, composed from
matmul/bmm, softmax, linear and dropout (PyTorch's math path: same arithmetic, checks and exception classes)."""

import math

from .. import _C, _creation
from .._C import Tensor

__all__ = ["bilinear", "scaled_dot_product_attention", "multi_head_attention_forward"]


def _dtype_word(d):
    return d._cpp_name


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"bilinear(): argument '{name}' (position {['input1', 'input2', 'weight'].index(name) + 1})"
                            f" must be Tensor, not {type(t).__name__}")
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {input1.shape[i]} and "
                               f"{input2.shape[i]}")
    if input1.size(-1) != weight.size(1):
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.size(-1)} but "
                           f"expected {weight.size(1)}")
    if input2.size(-1) != weight.size(2):
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.size(-1)} but "
                           f"expected {weight.size(2)}")
    if bias is not None and bias.size(0) != weight.size(0):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.size(0)} but "
                           f"expected {weight.size(0)}")
    out_f, in1, in2 = weight.shape
    # (..., in1) @ (in1, out*in2) -> (..., out, in2), then the dot with input2 over in2
    w = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    t = _C.matmul(input1, w).reshape(*input1.shape[:-1], out_f, in2)
    out = (t * input2.unsqueeze(-2)).sum(-1)
    return out if bias is None else out + bias


def _attention(q, k, v, mask, dropout_p, scale, training=True):
    """softmax(q k^T * scale + mask) (dropped out) @ v; rows whose every key is masked give zeros (as PyTorch's CPU
    kernel); returns (output, weights). mask is None or an additive float tensor."""
    from . import functional as F
    scores = _C.matmul(q * scale, k.transpose(-2, -1))
    if mask is not None:
        scores = scores + mask
        dead = scores.amax(-1, keepdim=True) == -math.inf
        if dead.any().item():
            scores = _C.where(dead, _creation.zeros((), dtype=scores.dtype), scores)
            weights = F.softmax(scores, -1)
            weights = _C.where(dead, _creation.zeros((), dtype=scores.dtype), weights)
        else:
            weights = F.softmax(scores, -1)
    else:
        weights = F.softmax(scores, -1)
    if dropout_p > 0.0 and training:
        weights = F.dropout(weights, dropout_p, True)
    return _C.matmul(weights, v), weights


def _additive_mask(mask, dtype):
    """A bool mask (True = take part) as 0 / -inf of dtype; a float mask as it is."""
    if mask.dtype == _C.bool:
        return _creation.zeros(mask.shape, dtype=dtype).masked_fill(mask.logical_not(), -math.inf)
    return mask


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q K^T / sqrt(E) + mask) V over the last two dims, broadcasting the leading ones."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise TypeError("scaled_dot_product_attention(): argument 'attn_mask' must be Tensor, not "
                        f"{type(attn_mask).__name__}")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_dtype_word(query.dtype)} key.dtype: {_dtype_word(key.dtype)} and value.dtype: "
                           f"{_dtype_word(value.dtype)} instead.")
    if not query.is_floating_point():
        from .functional import _dtype_name
        raise RuntimeError(f"expected scalar type Float but found {_dtype_name(query.dtype)}")
    if attn_mask is not None and attn_mask.dtype != _C.bool and not attn_mask.is_floating_point():
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_dtype_word(attn_mask.dtype)} and  query.dtype: "
                           f"{_dtype_word(query.dtype)} instead.")
    dropout_p = float(dropout_p)
    if dropout_p < 0.0 or dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa and query.dim() >= 3 and key.size(-3) != query.size(-3):
        reps = query.size(-3) // key.size(-3)
        key = key.repeat_interleave(reps, dim=-3)
        value = value.repeat_interleave(reps, dim=-3)
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{math.prod(key.shape[:-2])}, {query.shape[-1]}] but got: "
                           f"[{math.prod(key.shape[:-2])}, {key.shape[-1]}].")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{math.prod(value.shape[:-2])}, {key.shape[-2]}] but got: "
                           f"[{math.prod(value.shape[:-2])}, {value.shape[-2]}].")
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    mask = None
    if is_causal:
        keep = _creation.ones((L, S), dtype=_C.bool).tril()
        mask = _additive_mask(keep, query.dtype)
    elif attn_mask is not None:
        mask = _additive_mask(attn_mask, query.dtype)
    if mask is not None:
        _check_mask_fits(query.shape[:-2], key.shape[:-2], (L, S), mask.shape)
    out, _ = _attention(query, key, value, mask, dropout_p, scale)
    return out


def _broadcast(a, b):
    a, b = list(a), list(b)
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    return [max(x, y) if min(x, y) == 1 else (x if x == y else None) for x, y in zip(a, b)]


def _check_mask_fits(q_batch, k_batch, last, mask_shape):
    """The mask is added in place to the (batch..., L, S) scores, as PyTorch does: it may not grow them."""
    scores = _broadcast(q_batch, k_batch) + list(last)
    full = _broadcast(scores, mask_shape)
    if None not in scores and None not in full and full != scores:
        raise RuntimeError(f"output with shape {scores} doesn't match the broadcast shape {full}")


def _pad_last(mask):
    """mask with one more (zero) column on its last dim."""
    return _C.cat([mask, _creation.zeros((*mask.shape[:-1], 1), dtype=mask.dtype)], -1)


def _in_projection(q, k, v, w, b, w_k=None, w_v=None, separate=False):
    from . import functional as F
    E = q.shape[-1]
    if not separate:
        wq, wk, wv = w.chunk(3)
        bq = bk = bv = None
        if b is not None:
            bq, bk, bv = b.chunk(3)
        return F.linear(q, wq, bq), F.linear(k, wk, bk), F.linear(v, wv, bv)
    bq = bk = bv = None
    if b is not None:
        bq, bk, bv = b[:E], b[E:2 * E], b[2 * E:]
    return F.linear(q, w, bq), F.linear(k, w_k, bk), F.linear(v, w_v, bv)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention on (L, N, E) / (L, E) inputs (sequence first), as PyTorch's function."""
    from . import functional as F
    batched = query.dim() == 3
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                             "query tensor")
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {'batched' if batched else 'unbatched'} (3-D) `query`, expected `key` and "
                             f"`value` to be {query.dim()}-D but found {key.dim()}-D and {value.dim()}-D tensors "
                             "respectively")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    L, N, E = query.shape
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    head_dim = E // num_heads
    if head_dim * num_heads != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
        q, k, v = _in_projection(query, key, value, q_proj_weight, in_proj_bias, k_proj_weight, v_proj_weight,
                                 separate=True)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (L, S):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(L, S)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (N * num_heads, L, S):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(N * num_heads, L, S)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
        if attn_mask.dtype == _C.bool:  # here True marks a position that may NOT be attended (sdpa: the opposite)
            attn_mask = _creation.zeros(attn_mask.shape, dtype=q.dtype).masked_fill(attn_mask, -math.inf)
    if key_padding_mask is not None:
        # key_padding_mask: True (or a float) marks keys to ignore
        if key_padding_mask.dtype == _C.bool:
            key_padding_mask = _creation.zeros(key_padding_mask.shape, dtype=q.dtype).masked_fill(
                key_padding_mask, -math.inf)
    if bias_k is not None and bias_v is not None:
        k = _C.cat([k, bias_k.repeat(1, N, 1)])
        v = _C.cat([v, bias_v.repeat(1, N, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    q = q.reshape(L, N * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], N * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k
    v = v.reshape(v.shape[0], N * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:
        k = _C.cat([k, _creation.zeros((N * num_heads, 1, head_dim), dtype=k.dtype)], 1)
        v = _C.cat([v, _creation.zeros((N * num_heads, 1, head_dim), dtype=v.dtype)], 1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    S = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (N, S):
            raise AssertionError(f"expecting key_padding_mask shape of {(N, S)}, but got {key_padding_mask.shape}")
        kpm = key_padding_mask.reshape(N, 1, 1, S).expand(N, num_heads, 1, S).reshape(N * num_heads, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    out, weights = _attention(q, k, v, attn_mask, dropout_p, 1.0 / math.sqrt(head_dim))
    out = out.transpose(0, 1).reshape(L * N, E)
    out = F.linear(out, out_proj_weight, out_proj_bias).reshape(L, N, E)
    if need_weights:
        weights = weights.reshape(N, num_heads, L, S)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            return out.squeeze(1), weights.squeeze(0)
        return out, weights
    if not batched:
        out = out.squeeze(1)
    return out, None
