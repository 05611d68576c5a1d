"""The fused nn kernels (batch/layer/group norm, embedding, dropout, nll/cross-entropy, mse, bce-with-logits)
and the modules on them, against torch: forward values, gradients, node names, running statistics,
gradcheck in float64, module repr/state_dict/train-eval, and bad input with torch's exception classes."""

import itertools
import warnings
import zlib

import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.nn.functional as F
from smalltorch.autograd import gradcheck
from smalltorch.autograd.gradcheck import GradcheckError
from conftest import to_np

def _seed(*key):
    """A seed from the test's parameters, the same in every process (hash() of a str is salted)."""
    return zlib.crc32(repr(key).encode())


DT = {"float32": (smalltorch.float32, 2e-5, 1e-5), "float64": (smalltorch.float64, 1e-10, 1e-11)}


def _pair(torch, arr, dtype, grad=False):
    """The same array as a smalltorch and a torch tensor (leaves, requiring grad when asked)."""
    if arr is None:
        return None, None
    s = smalltorch.tensor(arr, dtype=dtype)
    t = torch.tensor(arr, dtype=getattr(torch, repr(dtype).split(".")[1]))
    if grad:
        s.requires_grad_(True)
        t.requires_grad_(True)
    return s, t


def _close(a, b, rtol, atol):
    np.testing.assert_allclose(to_np(a).astype(np.float64), b.detach().numpy().astype(np.float64), rtol=rtol,
                               atol=atol)


def _check_grads(pairs, out_s, out_t, rng, rtol, atol):
    g = rng.standard_normal(tuple(out_t.shape))
    out_s.backward(smalltorch.tensor(g, dtype=out_s.dtype))
    out_t.backward(out_t.new_tensor(g))
    for s, t in pairs:
        if s is None or not s.requires_grad:
            continue
        assert (s.grad is None) == (t.grad is None)
        if t.grad is not None:
            _close(s.grad, t.grad, rtol * 10, atol * 10)


# ---- batch norm -------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(DT))
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 5, 6), (2, 5, 1, 7)])
@pytest.mark.parametrize("training,affine,stats", [(True, True, True), (True, False, True), (True, True, False),
                                                   (False, True, True), (False, False, True)])
def test_batch_norm_matches_torch(torch_ref, dtype, shape, training, affine, stats):
    dt, rtol, atol = DT[dtype]
    rng = np.random.default_rng(_seed(shape, training, affine, stats))
    C = shape[1]
    x = rng.standard_normal(shape) * 3 + 5
    xs, xt = _pair(torch_ref, x, dt, True)
    ws, wt = _pair(torch_ref, rng.standard_normal(C) if affine else None, dt, True)
    bs, bt = _pair(torch_ref, rng.standard_normal(C) if affine else None, dt, True)
    rms, rmt = _pair(torch_ref, rng.standard_normal(C) if stats else None, dt)
    rvs, rvt = _pair(torch_ref, rng.random(C) + 0.5 if stats else None, dt)
    out_s = F.batch_norm(xs, rms, rvs, ws, bs, training, 0.3, 1e-4)
    out_t = torch_ref.nn.functional.batch_norm(xt, rmt, rvt, wt, bt, training, 0.3, 1e-4)
    assert type(out_s.grad_fn).__name__ == type(out_t.grad_fn).__name__ == "NativeBatchNormBackward0"
    _close(out_s, out_t, rtol, atol)
    if stats:
        _close(rms, rmt, rtol, atol)
        _close(rvs, rvt, rtol, atol)
    _check_grads([(xs, xt), (ws, wt), (bs, bt)], out_s, out_t, rng, rtol, atol)


def test_batch_norm_large_mean_is_stable(torch_ref):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 4, 64)) + 1e4).astype(np.float32)
    out = F.batch_norm(smalltorch.tensor(x), None, None, training=True)
    ref = torch_ref.nn.functional.batch_norm(torch_ref.tensor(x), None, None, training=True)
    _close(out, ref, 1e-3, 1e-3)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck_and_double_backward(training):
    from smalltorch.autograd import gradgradcheck
    rng = np.random.default_rng(1)
    x = smalltorch.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    w = smalltorch.tensor(rng.standard_normal(2), requires_grad=True)
    b = smalltorch.tensor(rng.standard_normal(2), requires_grad=True)
    rm, rv = smalltorch.tensor(rng.standard_normal(2)), smalltorch.tensor(rng.random(2) + 0.5)
    f = lambda x, w, b: F.batch_norm(x, rm.clone(), rv.clone(), w, b, training, 0.1, 1e-5)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


# ---- layer norm / group norm --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(DT))
@pytest.mark.parametrize("shape,norm", [((4, 7), (7,)), ((2, 3, 5), (5,)), ((2, 3, 5), (3, 5)), ((3, 1), (1,))])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, False)])
def test_layer_norm_matches_torch(torch_ref, dtype, shape, norm, affine, bias):
    dt, rtol, atol = DT[dtype]
    rng = np.random.default_rng(_seed(shape, norm, affine, bias))
    xs, xt = _pair(torch_ref, rng.standard_normal(shape) * 2 + 3, dt, True)
    ws, wt = _pair(torch_ref, rng.standard_normal(norm) if affine else None, dt, True)
    bs, bt = _pair(torch_ref, rng.standard_normal(norm) if bias else None, dt, True)
    out_s = F.layer_norm(xs, norm, ws, bs, 1e-4)
    out_t = torch_ref.nn.functional.layer_norm(xt, norm, wt, bt, 1e-4)
    assert type(out_s.grad_fn).__name__ == "NativeLayerNormBackward0"
    _close(out_s, out_t, rtol, atol)
    _check_grads([(xs, xt), (ws, wt), (bs, bt)], out_s, out_t, rng, rtol, atol)


@pytest.mark.parametrize("dtype", list(DT))
@pytest.mark.parametrize("shape,groups", [((2, 4, 5), 2), ((3, 6, 2, 3), 3), ((2, 4), 4), ((2, 4, 3), 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(torch_ref, dtype, shape, groups, affine):
    dt, rtol, atol = DT[dtype]
    rng = np.random.default_rng(_seed(shape, groups, affine))
    C = shape[1]
    xs, xt = _pair(torch_ref, rng.standard_normal(shape) - 2, dt, True)
    ws, wt = _pair(torch_ref, rng.standard_normal(C) if affine else None, dt, True)
    bs, bt = _pair(torch_ref, rng.standard_normal(C) if affine else None, dt, True)
    out_s = F.group_norm(xs, groups, ws, bs, 1e-4)
    out_t = torch_ref.nn.functional.group_norm(xt, groups, wt, bt, 1e-4)
    assert type(out_s.grad_fn).__name__ == "NativeGroupNormBackward0"
    _close(out_s, out_t, rtol, atol)
    _check_grads([(xs, xt), (ws, wt), (bs, bt)], out_s, out_t, rng, rtol, atol)


def test_layer_and_group_norm_gradcheck_and_double_backward():
    from smalltorch.autograd import gradgradcheck
    rng = np.random.default_rng(2)
    x = smalltorch.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    w = smalltorch.tensor(rng.standard_normal(3), requires_grad=True)
    b = smalltorch.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (3,), w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (3,), w, b), (x, w, b))
    wc = smalltorch.tensor(rng.standard_normal(4), requires_grad=True)
    bc = smalltorch.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, wc, bc))
    assert gradgradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, wc, bc))


# ---- embedding and dropout -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(DT))
@pytest.mark.parametrize("padding_idx,scale", [(None, False), (2, False), (-1, True), (None, True)])
def test_embedding_matches_torch(torch_ref, dtype, padding_idx, scale):
    dt, rtol, atol = DT[dtype]
    rng = np.random.default_rng(3)
    ws, wt = _pair(torch_ref, rng.standard_normal((6, 4)), dt, True)
    idx = rng.integers(0, 6, (3, 5))
    idx[0, :2] = 2
    out_s = F.embedding(smalltorch.tensor(idx), ws, padding_idx, scale_grad_by_freq=scale)
    out_t = torch_ref.nn.functional.embedding(torch_ref.tensor(idx), wt, padding_idx, scale_grad_by_freq=scale)
    assert type(out_s.grad_fn).__name__ == "EmbeddingBackward0"
    _close(out_s, out_t, rtol, atol)
    _check_grads([(ws, wt)], out_s, out_t, rng, rtol, atol)
    # padding_idx (no gradient for that row) and scale_grad_by_freq (divided by the count) make the gradient
    # deliberately differ from the derivative: gradcheck holds exactly where it holds for torch
    w = rng.standard_normal((6, 4))
    f_s = lambda w: F.embedding(smalltorch.tensor(idx), w, padding_idx, scale_grad_by_freq=scale)
    f_t = lambda w: torch_ref.nn.functional.embedding(torch_ref.tensor(idx), w, padding_idx,
                                                      scale_grad_by_freq=scale)
    ws64, wt64 = _pair(torch_ref, w, smalltorch.float64, True)
    if padding_idx is None and not scale:
        assert gradcheck(f_s, (ws64,)) and torch_ref.autograd.gradcheck(f_t, (wt64,))
    else:
        from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError
        with pytest.raises(TorchGradcheckError):
            torch_ref.autograd.gradcheck(f_t, (wt64,))
        with pytest.raises(GradcheckError):
            gradcheck(f_s, (ws64,))


def test_embedding_max_norm_renormalises_rows(torch_ref):
    rng = np.random.default_rng(4)
    w = rng.standard_normal((5, 3)) * 3
    ws, wt = smalltorch.tensor(w), torch_ref.tensor(w)
    idx = np.array([0, 2, 2])
    out_s = F.embedding(smalltorch.tensor(idx), ws, max_norm=1.0)
    out_t = torch_ref.nn.functional.embedding(torch_ref.tensor(idx), wt, max_norm=1.0)
    _close(out_s, out_t, 1e-6, 1e-7)
    _close(ws, wt, 1e-6, 1e-7)


def test_embedding_bad_input(torch_ref):
    w = smalltorch.randn(10, 3)
    for f in (lambda F, w, T: F.embedding(T.tensor([10]), w),
              lambda F, w, T: F.embedding(T.tensor([1.0]), w),
              lambda F, w, T: F.embedding(T.tensor([1]), w, padding_idx=10),
              lambda F, w, T: F.embedding(T.tensor([1]), w[0])):
        with pytest.raises(Exception) as ref:
            f(torch_ref.nn.functional, torch_ref.randn(10, 3), torch_ref)
        with pytest.raises(ref.type):
            f(F, w, smalltorch)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_dropout_mask_scales_and_backprops(p):
    smalltorch.manual_seed(5)
    x = smalltorch.ones(200, 50, dtype=smalltorch.float64, requires_grad=True)
    y = F.dropout(x, p, training=True)
    vals = to_np(y)
    keep = vals != 0
    if 0 < p < 1:
        assert type(y.grad_fn).__name__ == "MulBackward0"
        np.testing.assert_allclose(vals[keep], 1 / (1 - p))
        assert abs(keep.mean() - (1 - p)) < 0.02
        y.sum().backward()
        np.testing.assert_array_equal(to_np(x.grad), vals)
    elif p == 1.0:
        assert not keep.any()
    else:
        assert keep.all()
    assert F.dropout(x, p, training=False) is x


def test_dropout_inplace_and_channel_dropout(torch_ref):
    smalltorch.manual_seed(6)
    x = smalltorch.ones(8, 6, 4, 5)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(to_np(x))) <= {0.0, 2.0}
    z = F.dropout2d(smalltorch.ones(8, 6, 4, 5), 0.5)
    per_channel = to_np(z).reshape(8, 6, -1)
    assert (per_channel == per_channel[:, :, :1]).all()  # one value per (sample, channel)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        F.dropout2d(smalltorch.ones(2, 3, 4), 0.5)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch_ref.nn.functional.dropout2d(torch_ref.ones(2, 3, 4), 0.5)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    for lib in (F, torch_ref.nn.functional):  # a 1-d input: the deprecation warning, then the refusal
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
            with pytest.warns(UserWarning, match="Received a 1-D input to dropout2d"):
                lib.dropout2d((smalltorch if lib is F else torch_ref).ones(3), 0.5)
    d1 = to_np(F.dropout1d(smalltorch.ones(4, 5, 6), 0.5))
    assert (d1 == d1[:, :, :1]).all()
    with pytest.raises(ValueError):
        F.dropout(smalltorch.ones(3), 1.5)


# ---- losses ----------------------------------------------------------------------------------------

NLL_CASES = [((5, 4), (5,)), ((4,), ()), ((3, 4, 6), (3, 6)), ((2, 4, 3, 2), (2, 3, 2)), ((2, 3, 2, 2, 2),
                                                                                      (2, 2, 2, 2))]


@pytest.mark.parametrize("dtype", list(DT))
@pytest.mark.parametrize("shapes", NLL_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted,ignore", [(False, -100), (True, -100), (True, 1), (False, 0)])
def test_nll_and_cross_entropy_match_torch(torch_ref, dtype, shapes, reduction, weighted, ignore):
    dt, rtol, atol = DT[dtype]
    xshape, tshape = shapes
    C = xshape[1] if len(xshape) > 1 else xshape[0]
    rng = np.random.default_rng(_seed(shapes, reduction, weighted, ignore))
    target = rng.integers(0, C, tshape)
    ws, wt = _pair(torch_ref, rng.random(C) + 0.5 if weighted else None, dt)
    for name in ("nll_loss", "cross_entropy"):
        xs, xt = _pair(torch_ref, rng.standard_normal(xshape), dt, True)
        out_s = getattr(F, name)(xs, smalltorch.tensor(target), ws, ignore_index=ignore, reduction=reduction)
        out_t = getattr(torch_ref.nn.functional, name)(xt, torch_ref.tensor(target), wt, ignore_index=ignore,
                                                       reduction=reduction)
        assert type(out_s.grad_fn).__name__ == type(out_t.grad_fn).__name__
        _close(out_s, out_t, rtol, atol)
        _check_grads([(xs, xt)], out_s, out_t, rng, rtol, atol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_single_sample_with_target_of_one(torch_ref, reduction):
    """A 1-d input with a (1,) target: a 0-d loss in NllLossBackward0 (torch's own backward refuses this
    target shape, so the gradient is compared on the equivalent 0-d target)."""
    rng = np.random.default_rng(13)
    xs, xt = _pair(torch_ref, rng.standard_normal(4), smalltorch.float64, True)
    out_s = F.nll_loss(xs, smalltorch.tensor([2]), reduction=reduction)
    out_t = torch_ref.nn.functional.nll_loss(xt, torch_ref.tensor([2]), reduction=reduction)
    assert tuple(out_s.shape) == tuple(out_t.shape) == ()
    assert type(out_s.grad_fn).__name__ == type(out_t.grad_fn).__name__ == "NllLossBackward0"
    _close(out_s, out_t, 1e-12, 1e-12)
    out_s.backward()
    torch_ref.nn.functional.nll_loss(xt, torch_ref.tensor(2), reduction=reduction).backward()
    _close(xs.grad, xt.grad, 1e-12, 1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_smoothing_and_probabilities_match_torch(torch_ref, reduction):
    rng = np.random.default_rng(7)
    target = rng.integers(0, 5, 6)
    probs = rng.random((6, 5))
    probs /= probs.sum(1, keepdims=True)
    w = rng.random(5) + 0.5
    for tgt, ls, weighted in itertools.product((target, probs), (0.0, 0.2), (False, True)):
        xs, xt = _pair(torch_ref, rng.standard_normal((6, 5)), smalltorch.float64, True)
        ws, wt = _pair(torch_ref, w if weighted else None, smalltorch.float64)
        ts = smalltorch.tensor(tgt)
        tt = torch_ref.tensor(tgt)
        # class indices ignore class 2; probabilities refuse a non-negative ignore_index (RuntimeError in both)
        ignore = 2 if tgt is target else -100
        if tgt is probs:
            with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
                torch_ref.nn.functional.cross_entropy(xt, tt, wt, ignore_index=2)
            with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
                F.cross_entropy(xs, ts, ws, ignore_index=2)
        out_s = F.cross_entropy(xs, ts, ws, reduction=reduction, label_smoothing=ls, ignore_index=ignore)
        out_t = torch_ref.nn.functional.cross_entropy(xt, tt, wt, reduction=reduction, label_smoothing=ls,
                                                      ignore_index=ignore)
        _close(out_s, out_t, 1e-10, 1e-12)
        _check_grads([(xs, xt)], out_s, out_t, rng, 1e-10, 1e-12)


@pytest.mark.parametrize("dtype", list(DT))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_bce_with_logits_match_torch(torch_ref, dtype, reduction):
    dt, rtol, atol = DT[dtype]
    rng = np.random.default_rng(8)
    for shape in [(4, 3), (2, 3, 5), ()]:
        xs, xt = _pair(torch_ref, rng.standard_normal(shape) * 4, dt, True)
        ts, tt = _pair(torch_ref, rng.random(shape), dt, True)
        out_s = F.mse_loss(xs, ts, reduction=reduction)
        out_t = torch_ref.nn.functional.mse_loss(xt, tt, reduction=reduction)
        assert type(out_s.grad_fn).__name__ == "MseLossBackward0"
        _close(out_s, out_t, rtol, atol)
        _check_grads([(xs, xt), (ts, tt)], out_s, out_t, rng, rtol, atol)
        last = shape[-1:]  # () for a 0-d input: a (1,) weight would not broadcast to it (torch refuses it)
        for w, pw in [(None, None), (rng.random(last), None), (None, rng.random(last) * 3), (rng.random(shape),
                                                                                             rng.random(last))]:
            xs, xt = _pair(torch_ref, rng.standard_normal(shape) * 30, dt, True)
            ts, tt = _pair(torch_ref, rng.random(shape), dt, True)
            wss, wtt = _pair(torch_ref, w, dt)
            pws, pwt = _pair(torch_ref, pw, dt)
            out_s = F.binary_cross_entropy_with_logits(xs, ts, wss, reduction=reduction, pos_weight=pws)
            out_t = torch_ref.nn.functional.binary_cross_entropy_with_logits(xt, tt, wtt, reduction=reduction,
                                                                             pos_weight=pwt)
            assert type(out_s.grad_fn).__name__ == "BinaryCrossEntropyWithLogitsBackward0"
            _close(out_s, out_t, rtol * 10, atol * 10)
            _check_grads([(xs, xt), (ts, tt)], out_s, out_t, rng, rtol * 10, atol * 10)


def test_losses_gradcheck_and_double_backward():
    from smalltorch.autograd import gradgradcheck
    rng = np.random.default_rng(9)
    x = smalltorch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    t = smalltorch.tensor(rng.random((4, 3)), requires_grad=True)
    cls = smalltorch.tensor(rng.integers(0, 3, 4))
    w = smalltorch.tensor(rng.random(3) + 0.5)
    pw = smalltorch.tensor(rng.random(3) + 0.5)
    for red in ("mean", "sum", "none"):
        fns = [(lambda x: F.nll_loss(x, cls, w, reduction=red), (x,)),
               (lambda x: F.cross_entropy(x, cls, w, reduction=red), (x,)),
               (lambda x, t: F.mse_loss(x, t, reduction=red), (x, t)),
               (lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=red, pos_weight=pw), (x, t))]
        for f, args in fns:
            assert gradcheck(f, args)
            assert gradgradcheck(f, args)


def test_loss_bad_input_raises_as_torch(torch_ref):
    cases = [
        lambda T, F: F.nll_loss(T.randn(3, 4), T.tensor([0, 1, 4])),            # target out of range
        lambda T, F: F.cross_entropy(T.randn(3, 4), T.tensor([0, 1])),          # batch mismatch
        lambda T, F: F.nll_loss(T.randn(3, 4), T.tensor([0, 1, 2]), weight=T.ones(3)),
        lambda T, F: F.mse_loss(T.randn(3), T.randn(3), reduction="avg"),
        lambda T, F: F.binary_cross_entropy_with_logits(T.randn(3, 2), T.rand(2, 3)),
        lambda T, F: F.binary_cross_entropy_with_logits(T.randn(4, 3), T.rand(4, 3), pos_weight=T.ones(2)),
        lambda T, F: F.batch_norm(T.randn(4, 3), T.zeros(4), T.ones(3)),
        lambda T, F: F.batch_norm(T.randn(1, 3), T.zeros(3), T.ones(3), training=True),
        lambda T, F: F.batch_norm(T.randn(4, 3), T.zeros(3), T.ones(3), T.ones(3, dtype=T.float64)),
        lambda T, F: F.layer_norm(T.randn(4, 3, 5), (4,)),
        lambda T, F: F.layer_norm(T.randn(4, 3, 5), (5,), T.ones(4)),
        lambda T, F: F.layer_norm(T.randint(0, 3, (4, 3)), (3,)),
        lambda T, F: F.group_norm(T.randn(4, 3, 5), 2),
        lambda T, F: F.group_norm(T.randn(3), 3),
        lambda T, F: F.group_norm(T.randn(4, 3, 5), 3, weight=T.ones(4)),
    ]
    for case in cases:
        with pytest.raises(Exception) as ref:
            case(torch_ref, torch_ref.nn.functional)
        with pytest.raises(ref.type) as ours:
            case(smalltorch, F)
        if ref.type is not IndexError:
            msg_s = str(ours.value).replace("smalltorch.", "torch.")
            assert msg_s.split(":")[0][:25] == str(ref.value).split(":")[0][:25], (ours.value, ref.value)


# ---- modules -----------------------------------------------------------------------------------------

def _module_specs():
    return [
        lambda nn: nn.BatchNorm1d(3),
        lambda nn: nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False),
        lambda nn: nn.BatchNorm2d(4, eps=1e-3, momentum=0.2, bias=False),
        lambda nn: nn.BatchNorm2d(4, momentum=None),
        lambda nn: nn.LayerNorm(5),
        lambda nn: nn.LayerNorm((3, 5), elementwise_affine=False, bias=False),
        lambda nn: nn.LayerNorm([5], bias=False),
        lambda nn: nn.GroupNorm(2, 4),
        lambda nn: nn.GroupNorm(1, 4, affine=False),
        lambda nn: nn.Embedding(10, 3),
        lambda nn: nn.Embedding(10, 3, padding_idx=-2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True),
        lambda nn: nn.Dropout2d(),
        lambda nn: nn.Dropout1d(0.2, True),
    ]


@pytest.mark.parametrize("i", range(13))
def test_module_repr_and_state_dict_match_torch(torch_ref, i):
    make = _module_specs()[i]
    ours, theirs = make(nn), make(torch_ref.nn)
    assert repr(ours) == repr(theirs)
    sd_s, sd_t = ours.state_dict(), theirs.state_dict()
    assert list(sd_s) == list(sd_t)
    for k in sd_t:
        assert tuple(sd_s[k].shape) == tuple(sd_t[k].shape)
        assert repr(sd_s[k].dtype).split(".")[1] == repr(sd_t[k].dtype).split(".")[1]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (6, 3, 4)),
                                       ("BatchNorm2d", (4, 3, 2, 5))])
def test_batchnorm_module_train_eval_matches_torch(torch_ref, momentum, cls, shape):
    rng = np.random.default_rng(10)
    ours = getattr(nn, cls)(3, momentum=momentum)
    theirs = getattr(torch_ref.nn, cls)(3, momentum=momentum)
    with torch_ref.no_grad():
        w = rng.standard_normal(3)
        theirs.weight.copy_(torch_ref.tensor(w))
    ours.load_state_dict({k: smalltorch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for step in range(4):
        x = rng.standard_normal(shape) * 2 + step
        a = ours(smalltorch.tensor(x, dtype=smalltorch.float32))
        b = theirs(torch_ref.tensor(x, dtype=torch_ref.float32))
        _close(a, b, 1e-5, 1e-5)
        a.sum().backward()
        b.sum().backward()
        _close(ours.weight.grad, theirs.weight.grad, 1e-4, 1e-4)
    for k, v in theirs.state_dict().items():
        _close(ours.state_dict()[k], v, 1e-5, 1e-6)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    _close(ours(smalltorch.tensor(x, dtype=smalltorch.float32)), theirs(torch_ref.tensor(x, dtype=torch_ref.float32)),
           1e-5, 1e-5)
    assert int(ours.num_batches_tracked) == 4
    with pytest.raises(ValueError):
        ours(smalltorch.randn(2, 3, 4, 5, 6))


def test_batchnorm_loads_old_state_dict_without_num_batches_tracked(torch_ref):
    m = nn.BatchNorm1d(3)
    sd = m.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""]["version"] = 1
    m.load_state_dict(sd)
    assert int(m.num_batches_tracked) == 0
    for lib in (nn, torch_ref.nn):
        current = lib.BatchNorm1d(3).state_dict()  # carries version 2: the key is required
        del current["num_batches_tracked"]
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            lib.BatchNorm1d(3).load_state_dict(current)
        plain = {k: v for k, v in lib.BatchNorm1d(3).state_dict().items() if k != "num_batches_tracked"}
        m = lib.BatchNorm1d(3)  # no metadata: an old dict, the key is filled in
        m.num_batches_tracked.add_(5)
        m.load_state_dict(plain)
        assert int(m.num_batches_tracked) == 5


def test_norm_and_embedding_modules_match_torch(torch_ref):
    rng = np.random.default_rng(11)
    for make, shape in [(lambda nn, dt: nn.LayerNorm(5, dtype=dt), (2, 3, 5)),
                        (lambda nn, dt: nn.GroupNorm(2, 4, dtype=dt), (3, 4, 5))]:
        x = rng.standard_normal(shape)
        for lib, L in ((nn, smalltorch), (torch_ref.nn, torch_ref)):
            with pytest.raises(RuntimeError, match="mixed dtype"):  # float32 parameters, float64 input
                make(lib, None)(L.tensor(x, dtype=L.float64))
        ours, theirs = make(nn, smalltorch.float64), make(torch_ref.nn, torch_ref.float64)
        _close(ours(smalltorch.tensor(x)), theirs(torch_ref.tensor(x)), 1e-10, 1e-10)
    emb_t = torch_ref.nn.Embedding(7, 3, padding_idx=1)
    emb_s = nn.Embedding(7, 3, padding_idx=1)
    assert (to_np(emb_s.weight)[1] == 0).all()
    emb_s.load_state_dict({"weight": smalltorch.tensor(emb_t.weight.detach().numpy())})
    idx = rng.integers(0, 7, (2, 4))
    _close(emb_s(smalltorch.tensor(idx)), emb_t(torch_ref.tensor(idx)), 1e-7, 1e-7)
    pre = nn.Embedding.from_pretrained(smalltorch.ones(4, 2))
    assert not pre.weight.requires_grad and repr(pre) == "Embedding(4, 2)"
    with pytest.raises(ValueError):
        nn.GroupNorm(3, 4)
    with pytest.raises(AssertionError):
        nn.Embedding(3, 2, padding_idx=3)
    d = nn.Dropout2d(0.5)
    d.eval()
    x = smalltorch.ones(2, 3, 4, 4)
    assert d(x) is x


def test_mlp_training_step_matches_torch(torch_ref):
    """A small MLP with BatchNorm, LayerNorm and cross entropy: SGD trajectories agree over 5 steps."""
    rng = np.random.default_rng(12)

    def build(nnm):
        return nnm.Sequential(nnm.Linear(6, 8), nnm.BatchNorm1d(8), nnm.ReLU(), nnm.LayerNorm(8), nnm.Linear(8, 3))

    ours, theirs = build(nn), build(torch_ref.nn)
    ours.load_state_dict({k: smalltorch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    opt_s = smalltorch.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch_ref.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        x = rng.standard_normal((16, 6)).astype(np.float32)
        y = rng.integers(0, 3, 16)
        for model, opt, lib, lossf in ((ours, opt_s, smalltorch, nn.CrossEntropyLoss()),
                                       (theirs, opt_t, torch_ref, torch_ref.nn.CrossEntropyLoss())):
            opt.zero_grad()
            lossf(model(lib.tensor(x)), lib.tensor(y)).backward()
            opt.step()
    for k, v in theirs.state_dict().items():
        _close(ours.state_dict()[k], v, 1e-4, 1e-5)
