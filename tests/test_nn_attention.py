"""Issue 11 §2: F.scaled_dot_product_attention, F.multi_head_attention_forward, nn.MultiheadAttention,
nn.TransformerEncoderLayer and nn.TransformerEncoder against torch (weights copied from torch's modules; fp64
outputs and gradients compared), plus repr, state_dict, initialisation and errors."""

import math
import warnings

import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.nn.functional as F
from smalltorch.autograd import gradcheck


def _np(t):
    return t.detach().numpy()


def _copy_weights(src_torch, dst):
    with smalltorch.no_grad():
        for (n1, p1), (n2, p2) in zip(src_torch.state_dict().items(), dst.state_dict().items()):
            assert n1 == n2 and tuple(p1.shape) == tuple(p2.shape)
            p2.copy_(smalltorch.from_numpy(p1.detach().numpy().copy()))


def _pair(torch_ref, array, grad=True):
    return smalltorch.tensor(array, requires_grad=grad), torch_ref.tensor(array, requires_grad=grad)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _same_error(fn_ours, fn_torch, same_text=True):
    with pytest.raises(Exception) as ours:
        fn_ours()
    with pytest.raises(Exception) as theirs:
        fn_torch()
    assert type(ours.value).__name__ == type(theirs.value).__name__, (ours.value, theirs.value)
    if same_text:
        assert str(ours.value).replace("smalltorch.", "torch.") == str(theirs.value)


# ---- scaled_dot_product_attention ---------------------------------------------------------------------------------
def _masks(L, S, rng):
    keep = rng.random((L, S)) < 0.7
    keep[:, 0] = True  # every query keeps one key
    return {
        "none": (None, {}),
        "bool": (keep, {}),
        "bool_bcast": (keep[None, None], {}),
        "float": (rng.standard_normal((L, S)), {}),
        "causal": (None, {"is_causal": True}),
        "scale": (None, {"scale": 0.3}),
    }


@pytest.mark.parametrize("mask_kind", ["none", "bool", "bool_bcast", "float", "causal", "scale"])
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (2, 5, 6)])
def test_sdpa_values_and_grads_match_torch(torch_ref, mask_kind, shape):
    rng = np.random.default_rng(3)
    *batch, L, E = shape
    S = 7
    q, tq = _pair(torch_ref, rng.standard_normal(shape))
    k, tk = _pair(torch_ref, rng.standard_normal((*batch, S, E)))
    v, tv = _pair(torch_ref, rng.standard_normal((*batch, S, 3)))
    mask, kw = _masks(L, S, rng)[mask_kind]
    m = tm = None
    if mask is not None:
        m, tm = smalltorch.tensor(mask), torch_ref.tensor(mask)
    if mask_kind == "bool_bcast" and len(shape) == 3:  # the mask would broadcast the output to 4-D: torch refuses
        _same_error(lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                    lambda: torch_ref.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm))
        return
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)
    tout = torch_ref.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, **kw)
    _close(out, tout)
    out.tanh().sum().backward()
    tout.tanh().sum().backward()
    for a, b in ((q, tq), (k, tk), (v, tv)):
        _close(a.grad, b.grad)


def test_sdpa_rows_with_every_key_masked_are_zero_as_torch(torch_ref):
    rng = np.random.default_rng(0)
    q, tq = _pair(torch_ref, rng.standard_normal((1, 3, 4)))
    k, tk = _pair(torch_ref, rng.standard_normal((1, 5, 4)))
    v, tv = _pair(torch_ref, rng.standard_normal((1, 5, 4)))
    keep = np.ones((3, 5), bool)
    keep[1] = False
    additive = np.where(keep, 0.0, -np.inf)
    for mask in (keep, additive):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=smalltorch.tensor(mask))
        tout = torch_ref.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch_ref.tensor(mask))
        _close(out, tout)
        assert not np.isnan(_np(out)).any()
        out.sum().backward()
        assert not np.isnan(_np(q.grad)).any() and not np.isnan(_np(k.grad)).any()


def test_sdpa_gradcheck():
    d = smalltorch.float64
    q = smalltorch.randn(2, 3, 4, dtype=d, requires_grad=True)
    k = smalltorch.randn(2, 5, 4, dtype=d, requires_grad=True)
    v = smalltorch.randn(2, 5, 2, dtype=d, requires_grad=True)
    mask = smalltorch.randn(3, 5, dtype=d, requires_grad=True)
    assert gradcheck(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m), (q, k, v, mask))
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True, scale=0.7), (q, k, v))


def test_sdpa_dropout(torch_ref):
    q, k, v = smalltorch.randn(2, 4, 3), smalltorch.randn(2, 6, 3), smalltorch.randn(2, 6, 3)
    tq, tk, tv = (torch_ref.tensor(_np(t)) for t in (q, k, v))
    assert (_np(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)) == 0).all()
    assert (torch_ref.nn.functional.scaled_dot_product_attention(tq, tk, tv, dropout_p=1.0) == 0).all()
    plain = _np(F.scaled_dot_product_attention(q, k, v))
    dropped = [_np(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)) for _ in range(200)]
    assert not np.allclose(dropped[0], plain)
    np.testing.assert_allclose(np.mean(dropped, 0), plain, atol=0.25)  # inverted dropout keeps the mean


@pytest.mark.parametrize("case", [
    lambda L: (L.randn(3), L.randn(3), L.randn(3)),
    lambda L: (L.randn(2, 3, 4), L.randn(2, 5, 3), L.randn(2, 5, 4)),
    lambda L: (L.randn(2, 3, 4), L.randn(2, 5, 4, dtype=L.float64), L.randn(2, 5, 4)),
    lambda L: (L.randn(1, 2, 3), L.randn(1, 4, 3), L.randn(1, 4, 3), L.ones(2, 4, dtype=L.int64)),
    lambda L: (L.randn(1, 2, 3), L.randn(1, 4, 3), L.randn(1, 4, 3), L.ones(2, 4, dtype=L.bool), 0.0, True),
    lambda L: (L.randn(1, 2, 3), L.randn(1, 4, 3), L.randn(1, 4, 3), None, 1.5),
])
def test_sdpa_errors_match_torch(torch_ref, case):
    _same_error(lambda: F.scaled_dot_product_attention(*case(smalltorch)),
                lambda: torch_ref.nn.functional.scaled_dot_product_attention(*case(torch_ref)))


# ---- MultiheadAttention ----------------------------------------------------------------------------------------
MHA_CONFIGS = [
    {},
    {"bias": False},
    {"kdim": 3, "vdim": 5},
    {"add_bias_kv": True},
    {"add_zero_attn": True},
    {"batch_first": True},
]


@pytest.mark.parametrize("kw", MHA_CONFIGS)
def test_mha_repr_state_dict_and_init(torch_ref, kw):
    m, tm = nn.MultiheadAttention(8, 2, **kw), torch_ref.nn.MultiheadAttention(8, 2, **kw)
    assert repr(m) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k",
                 "bias_v"):
        assert (getattr(m, name) is None) == (getattr(tm, name) is None), name
    assert (m.embed_dim, m.kdim, m.vdim, m.num_heads, m.head_dim, m._qkv_same_embed_dim, m.batch_first) == \
        (tm.embed_dim, tm.kdim, tm.vdim, tm.num_heads, tm.head_dim, tm._qkv_same_embed_dim, tm.batch_first)
    if m.in_proj_weight is not None:  # xavier_uniform_ over (3E, E)
        bound = math.sqrt(6.0 / (8 + 24))
        w = _np(m.in_proj_weight)
        assert abs(w).max() <= bound and w.std() > bound / 3
    if m.in_proj_bias is not None:
        assert (_np(m.in_proj_bias) == 0).all() and (_np(m.out_proj.bias) == 0).all()


def _mha_inputs(kw, batched, rng, L=4, S=6, N=3, E=8):
    kdim, vdim = kw.get("kdim", E), kw.get("vdim", E)
    if not batched:
        return rng.standard_normal((L, E)), rng.standard_normal((S, kdim)), rng.standard_normal((S, vdim))
    lead = (lambda n: (N, n)) if kw.get("batch_first") else (lambda n: (n, N))
    return (rng.standard_normal((*lead(L), E)), rng.standard_normal((*lead(S), kdim)),
            rng.standard_normal((*lead(S), vdim)))


@pytest.mark.parametrize("kw", MHA_CONFIGS + [{"batch_first": True, "kdim": 3, "vdim": 5}])
@pytest.mark.parametrize("masks", ["none", "kpm_bool", "kpm_float", "attn_bool", "attn_float3d", "both"])
@pytest.mark.parametrize("weights", ["avg", "per_head", "none"])
def test_mha_forward_and_grads_match_torch(torch_ref, kw, masks, weights):
    rng = np.random.default_rng(5)
    L, S, N, H = 4, 6, 3, 2
    tm = torch_ref.nn.MultiheadAttention(8, H, **kw).double()
    m = nn.MultiheadAttention(8, H, dtype=smalltorch.float64, **kw)
    _copy_weights(tm, m)
    q, k, v = _mha_inputs(kw, True, rng)
    (sq, tq), (sk, tk), (sv, tv) = (_pair(torch_ref, a) for a in (q, k, v))
    extra = 1 if kw.get("add_bias_kv") or kw.get("add_zero_attn") else 0
    keep = rng.random((N, S)) < 0.7
    keep[:, 0] = True
    args = {}
    if masks in ("kpm_bool", "both"):
        args["key_padding_mask"] = ~keep
    if masks == "kpm_float":
        args["key_padding_mask"] = rng.standard_normal((N, S))
    if masks in ("attn_bool", "both"):
        args["attn_mask"] = rng.random((L, S)) < 0.3
        args["attn_mask"][:, 0] = False
    if masks == "attn_float3d":
        args["attn_mask"] = rng.standard_normal((N * H, L, S))
    ours = {k_: smalltorch.tensor(a) for k_, a in args.items()}
    theirs = {k_: torch_ref.tensor(a) for k_, a in args.items()}
    flags = {"need_weights": weights != "none", "average_attn_weights": weights == "avg"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, w = m(sq, sk, sv, **ours, **flags)
        tout, tw = tm(tq, tk, tv, **theirs, **flags)
    _close(out, tout)
    if weights == "none":
        assert w is None and tw is None
    else:
        assert tuple(w.shape) == tuple(tw.shape)
        _close(w, tw)
    assert extra in (0, 1)
    out.sin().sum().backward()
    tout.sin().sum().backward()
    for a, b in ((sq, tq), (sk, tk), (sv, tv)):
        _close(a.grad, b.grad)
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        _close(p.grad, tp.grad)


def test_mha_unbatched_and_functional_match_torch(torch_ref):
    rng = np.random.default_rng(7)
    tm = torch_ref.nn.MultiheadAttention(6, 3).double()
    m = nn.MultiheadAttention(6, 3, dtype=smalltorch.float64)
    _copy_weights(tm, m)
    q, k, v = _mha_inputs({}, False, rng, E=6)
    kpm = np.array([False, True, False, False, True, False])
    out, w = m(smalltorch.tensor(q), smalltorch.tensor(k), smalltorch.tensor(v),
               key_padding_mask=smalltorch.tensor(kpm))
    tout, tw = tm(torch_ref.tensor(q), torch_ref.tensor(k), torch_ref.tensor(v), key_padding_mask=torch_ref.tensor(kpm))
    _close(out, tout)
    _close(w, tw)
    args = (6, 3, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0, m.out_proj.weight, m.out_proj.bias)
    targs = (6, 3, tm.in_proj_weight, tm.in_proj_bias, None, None, False, 0.0, tm.out_proj.weight, tm.out_proj.bias)
    causal = np.triu(np.ones((4, 6), bool), 1)
    fo, fw = F.multi_head_attention_forward(smalltorch.tensor(q), smalltorch.tensor(k), smalltorch.tensor(v), *args,
                                            attn_mask=smalltorch.tensor(causal), is_causal=True)
    tfo, tfw = torch_ref.nn.functional.multi_head_attention_forward(
        torch_ref.tensor(q), torch_ref.tensor(k), torch_ref.tensor(v), *targs, attn_mask=torch_ref.tensor(causal),
        is_causal=True)
    _close(fo, tfo)
    _close(fw, tfw)


def test_mha_dropout_applies_only_in_training():
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = smalltorch.randn(5, 2, 8)
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    assert np.array_equal(_np(a), _np(b))
    m.train()
    outs = [_np(m(x, x, x)[0]) for _ in range(3)]
    assert not np.allclose(outs[0], outs[1])


def test_mha_errors_match_torch(torch_ref):
    _same_error(lambda: nn.MultiheadAttention(7, 2), lambda: torch_ref.nn.MultiheadAttention(7, 2))
    _same_error(lambda: nn.MultiheadAttention(0, 2), lambda: torch_ref.nn.MultiheadAttention(0, 2))
    _same_error(lambda: nn.MultiheadAttention(8, -1), lambda: torch_ref.nn.MultiheadAttention(8, -1))
    m, tm = nn.MultiheadAttention(8, 2), torch_ref.nn.MultiheadAttention(8, 2)
    x, tx = smalltorch.randn(3, 2, 8), torch_ref.randn(3, 2, 8)
    y, ty = smalltorch.randn(4, 2, 8), torch_ref.randn(4, 2, 8)
    _same_error(lambda: m(x, y, y, is_causal=True), lambda: tm(tx, ty, ty, is_causal=True))
    _same_error(lambda: m(x, y, y, attn_mask=smalltorch.zeros(3, 3)),
                lambda: tm(tx, ty, ty, attn_mask=torch_ref.zeros(3, 3)))
    _same_error(lambda: m(x, y, y, attn_mask=smalltorch.zeros(2, 3, 4)),
                lambda: tm(tx, ty, ty, attn_mask=torch_ref.zeros(2, 3, 4)))
    _same_error(lambda: m(x, y, y, key_padding_mask=smalltorch.zeros(2, 3, dtype=smalltorch.bool)),
                lambda: tm(tx, ty, ty, key_padding_mask=torch_ref.zeros(2, 3, dtype=torch_ref.bool)), False)
    _same_error(lambda: m(smalltorch.randn(3, 2, 6), y, y), lambda: tm(torch_ref.randn(3, 2, 6), ty, ty), False)
    _same_error(lambda: m(x, y, y[:3]), lambda: tm(tx, ty, ty[:3]), False)
    _same_error(lambda: m(x[0], y, y), lambda: tm(tx[0], ty, ty), False)


# ---- TransformerEncoderLayer / TransformerEncoder ------------------------------------------------------------------
LAYER_CONFIGS = [
    {},
    {"norm_first": True},
    {"activation": "gelu", "batch_first": True},
    {"activation": "module_gelu"},
    {"bias": False, "layer_norm_eps": 1e-3},
]


def _layer(lib, kw, **extra):
    kw = dict(kw)
    if kw.get("activation") == "module_gelu":
        kw["activation"] = lib.nn.GELU()
    return lib.nn.TransformerEncoderLayer(8, 2, 16, **kw, **extra)


@pytest.mark.parametrize("kw", LAYER_CONFIGS)
def test_encoder_layer_repr_and_state_dict(torch_ref, kw):
    m, tm = _layer(smalltorch, kw), _layer(torch_ref, kw)
    assert repr(m) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    assert m.activation_relu_or_gelu == tm.activation_relu_or_gelu and m.norm_first == tm.norm_first


@pytest.mark.parametrize("kw", LAYER_CONFIGS)
@pytest.mark.parametrize("masked", [False, True])
def test_encoder_layer_forward_and_grads_match_torch(torch_ref, kw, masked):
    rng = np.random.default_rng(11)
    m, tm = _layer(smalltorch, kw, dropout=0.0, dtype=smalltorch.float64), _layer(torch_ref, kw, dropout=0.0).double()
    _copy_weights(tm, m)
    bf = kw.get("batch_first", False)
    x = rng.standard_normal((2, 5, 8) if bf else (5, 2, 8))
    s, t = _pair(torch_ref, x)
    args, targs = {}, {}
    if masked:
        kpm = np.zeros((2, 5), bool)
        kpm[1, 3:] = True
        causal = np.triu(np.ones((5, 5), bool), 1)
        args = {"src_key_padding_mask": smalltorch.tensor(kpm), "src_mask": smalltorch.tensor(causal)}
        targs = {"src_key_padding_mask": torch_ref.tensor(kpm), "src_mask": torch_ref.tensor(causal)}
    out, tout = m(s, **args), tm(t, **targs)
    _close(out, tout)
    out.cos().sum().backward()
    tout.cos().sum().backward()
    _close(s.grad, t.grad)
    for (n, p), (tn, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert n == tn
        _close(p.grad, tp.grad)


def test_encoder_layer_errors_match_torch(torch_ref):
    _same_error(lambda: nn.TransformerEncoderLayer(8, 3), lambda: torch_ref.nn.TransformerEncoderLayer(8, 3))
    _same_error(lambda: nn.TransformerEncoderLayer(8, 2, activation="tanh"),
                lambda: torch_ref.nn.TransformerEncoderLayer(8, 2, activation="tanh"))


@pytest.mark.parametrize("kw", [{}, {"batch_first": True}, {"norm_first": True, "batch_first": True},
                                {"batch_first": True, "activation": "module_gelu"}])
def test_encoder_repr_state_dict_and_warning_match_torch(torch_ref, kw):
    def build(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            enc = lib.nn.TransformerEncoder(_layer(lib, kw), 3, norm=lib.nn.LayerNorm(8))
        return enc, [str(x.message) for x in w]
    (m, msgs), (tm, tmsgs) = build(smalltorch), build(torch_ref)
    assert repr(m) == repr(tm) and msgs == tmsgs and m.use_nested_tensor == tm.use_nested_tensor
    assert list(m.state_dict()) == list(tm.state_dict())
    assert m.layers[0] is not m.layers[1]  # deep copies
    assert repr(nn.TransformerEncoder(_layer(smalltorch, kw), 1, enable_nested_tensor=False)) == \
        repr(torch_ref.nn.TransformerEncoder(_layer(torch_ref, kw), 1, enable_nested_tensor=False))


@pytest.mark.parametrize("train", [True, False])
def test_encoder_forward_and_grads_match_torch(torch_ref, train):
    rng = np.random.default_rng(13)
    layer = torch_ref.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    tm = torch_ref.nn.TransformerEncoder(layer, 2, norm=torch_ref.nn.LayerNorm(8), enable_nested_tensor=False).double()
    m = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2,
                              norm=nn.LayerNorm(8), enable_nested_tensor=False).double()
    _copy_weights(tm, m)
    m.train(train)
    tm.train(train)
    x = rng.standard_normal((3, 5, 8))
    s, t = _pair(torch_ref, x)
    kpm = np.zeros((3, 5), bool)
    kpm[0, 4:] = True
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = m(s, mask=smalltorch.tensor(causal), src_key_padding_mask=smalltorch.tensor(kpm))
        tout = tm(t, mask=torch_ref.tensor(causal), src_key_padding_mask=torch_ref.tensor(kpm))
    msgs = [str(x.message) for x in w]
    assert msgs[:len(msgs) // 2] == msgs[len(msgs) // 2:]  # the same deprecation warnings (mismatched mask types)
    assert "Support for mismatched src_key_padding_mask and mask is deprecated. Use same type for both instead." \
        in msgs
    _close(out, tout)
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    _close(s.grad, t.grad)
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        _close(p.grad, tp.grad)


def test_encoder_trains_a_step():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1), 2, enable_nested_tensor=False)
    x = smalltorch.randn(5, 3, 8)
    before = [_np(p).copy() for p in enc.parameters()]
    loss = (enc(x) * smalltorch.randn(5, 3, 8)).sum()
    loss.backward()
    with smalltorch.no_grad():
        for p in enc.parameters():
            p -= 0.1 * p.grad
    assert all(not np.array_equal(b, _np(p)) for b, p in zip(before, enc.parameters()))
