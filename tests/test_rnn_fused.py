"""The fused recurrent layer op (_C._rnn_layer: one op per layer and direction over the fused gate kernels,
one backward node): gradcheck in float64 for every mode, with and without biases, reversed, with per-row
lengths (packed sequences), per-step or whole outputs; nn.RNN / LSTM / GRU on it against torch in float32 and
with packed sequences; the grad_fn names PyTorch shows; the composite path where the fused one cannot run."""

import numpy as np
import pytest

import smalltorch as st
from smalltorch import _C
from smalltorch.autograd import gradcheck, gradgradcheck

MODES = {0: 1, 1: 1, 2: 4, 3: 3}  # mode id -> gates (RNN tanh, RNN relu, LSTM, GRU)


def layer_inputs(mode, T=4, B=3, H=2, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    G = MODES[mode]

    def t(*shape):
        return st.from_numpy(rng.standard_normal(shape) * 0.7).requires_grad_()
    xg, h0 = t(T, B, G * H), t(B, H)
    c0 = t(B, H) if mode == 2 else None
    w = t(G * H, H)
    b_ih, b_hh = (t(G * H), t(G * H)) if bias else (None, None)
    return xg, h0, c0, w, b_ih, b_hh


def layer_fn(mode, tensors, lengths, reverse, split):
    """(f, inputs): _rnn_layer as a function of the tensors given (None: absent)."""
    xg = tensors[0]
    if mode == 1:  # keep relu's pre-activations away from its kink
        with st.no_grad():
            xg.add_(st.where(xg > 0, 0.3, -0.3))

    def f(*args):
        it = iter(args)
        a = [next(it) if t is not None else None for t in tensors]
        return _C._rnn_layer(mode, *a, lengths, reverse, split)
    return f, tuple(t for t in tensors if t is not None)


@pytest.mark.parametrize("mode", [0, 1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lengths", [None, [4, 2, 3]])
@pytest.mark.parametrize("split", [False, True])
def test_rnn_layer_gradcheck(mode, bias, reverse, lengths, split):
    assert gradcheck(*layer_fn(mode, layer_inputs(mode, bias=bias), lengths, reverse, split))


def composite_layer(mode, xg, h0, c0, w, b_ih, b_hh, lengths, reverse):
    """The same layer written with ops, step by step."""
    T = xg.shape[0]
    h, c, outs = h0, c0, [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        x = xg[t] + b_ih if b_ih is not None else xg[t]
        hw = h.matmul(w.t()) + b_hh if b_hh is not None else h.matmul(w.t())
        if mode == 2:
            i, f, g, o = (x + hw).chunk(4, -1)
            c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h2 = o.sigmoid() * c2.tanh()
        elif mode == 3:
            xr, xz, xn = x.chunk(3, -1)
            hr, hz, hn = hw.chunk(3, -1)
            r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
            n = (xn + r * hn).tanh()
            h2, c2 = (1 - z) * n + z * h, None
        else:
            h2, c2 = ((x + hw).tanh() if mode == 0 else (x + hw).relu()), None
        if lengths is not None:
            keep = st.tensor([t < n for n in lengths]).unsqueeze(1)
            h2 = st.where(keep, h2, h)
            c2 = st.where(keep, c2, c) if mode == 2 else None
        h, c = h2, c2
        outs[t] = h
    return [st.stack(outs), h] + ([c] if mode == 2 else [])


@pytest.mark.parametrize("mode", [0, 1, 2, 3])
@pytest.mark.parametrize("reverse,lengths", [(False, None), (True, None), (True, [5, 1, 3]), (False, [2, 5, 0]),
                                             (False, "big"), (True, "big-lengths")])
def test_rnn_layer_matches_composite_float32(mode, reverse, lengths):
    # "big": rows enough that a step's rows are split over the pool (16 rows of 64 units)
    B, H = (16, 64) if isinstance(lengths, str) else (3, 6)
    lengths = [5 - i % 6 for i in range(16)] if lengths == "big-lengths" else (None if lengths == "big" else lengths)
    xg, h0, c0, w, b_ih, b_hh = layer_inputs(mode, T=5, B=B, H=H, seed=3)
    with st.no_grad():
        w.mul_(1 / np.sqrt(H))  # keep the states O(1) (relu's grow otherwise)
    args = [t.detach().float().requires_grad_() if t is not None else None for t in (xg, h0, c0, w, b_ih, b_hh)]
    fused = _C._rnn_layer(mode, *args, lengths, reverse, False)
    ref = composite_layer(mode, *args, lengths, reverse)
    for a, b in zip(fused, ref):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=3e-5)
    weights = [st.from_numpy(np.random.default_rng(i).standard_normal(tuple(a.shape)).astype(np.float32))
               for i, a in enumerate(ref)]
    leaves = [a for a in args if a is not None]
    g1 = st.autograd.grad(sum((a * wt).sum() for a, wt in zip(fused, weights)), leaves)
    g2 = st.autograd.grad(sum((a * wt).sum() for a, wt in zip(ref, weights)), leaves)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=2e-4)


def test_rnn_layer_bad_arguments():
    xg, h0, c0, w, b_ih, b_hh = layer_inputs(2)
    with pytest.raises(RuntimeError, match="c0"):
        _C._rnn_layer(2, xg, h0, None, w, b_ih, b_hh, None, False, False)
    with pytest.raises(RuntimeError, match="shapes"):
        _C._rnn_layer(3, xg, h0, None, w, b_ih, b_hh, None, False, False)
    with pytest.raises(RuntimeError, match="dtype"):
        _C._rnn_layer(2, xg, h0.float(), c0, w, b_ih, b_hh, None, False, False)
    with pytest.raises(RuntimeError, match="lengths"):
        _C._rnn_layer(2, xg, h0, c0, w, b_ih, b_hh, [1, 2], False, False)
    with pytest.raises(TypeError):
        _C._rnn_layer(2, xg.long(), h0.long(), c0.long(), w.long(), None, None, None, False, False)
    out = _C._rnn_layer(2, xg, h0, c0, w, b_ih, b_hh, None, False, False)
    out[0].sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        out[1].sum().backward()


@pytest.mark.parametrize("mode", [0, 1, 2, 3])
@pytest.mark.parametrize("reverse,lengths,split", [(False, None, True), (True, [4, 2, 3], False)])
def test_rnn_layer_gradgradcheck(mode, reverse, lengths, split):
    # create_graph: the backward is written with ops, so it can be differentiated again
    assert gradgradcheck(*layer_fn(mode, layer_inputs(mode, T=3, H=2, seed=5), lengths, reverse, split))


def test_lstm_double_backward_matches_torch(torch_ref):
    tm = torch_ref.nn.LSTM(2, 3, bidirectional=True).double()
    sm = st.nn.LSTM(2, 3, bidirectional=True).double()
    copy_into(sm, tm)
    x = np.random.default_rng(2).standard_normal((4, 2, 2))
    sx, tx = st.from_numpy(x.copy()).requires_grad_(), torch_ref.from_numpy(x.copy()).requires_grad_()
    sg, = st.autograd.grad((sm(sx)[0] ** 2).sum(), sx, create_graph=True)
    tg, = torch_ref.autograd.grad((tm(tx)[0] ** 2).sum(), tx, create_graph=True)
    np.testing.assert_allclose(sg.detach().numpy(), tg.detach().numpy(), rtol=1e-9, atol=1e-12)
    (sg ** 2).sum().backward()
    (tg ** 2).sum().backward()
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)
    for p, q in zip(sm.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-12)


def copy_into(sm, tm):
    sm.load_state_dict({k: st.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2, bidirectional=True), dict(batch_first=True),
                                dict(nonlinearity="relu")], ids=str)
def test_layers_float32_match_torch(torch_ref, cls, kw):
    if "nonlinearity" in kw and cls != "RNN":
        return
    torch_ref.manual_seed(0)
    tm = getattr(torch_ref.nn, cls)(5, 7, **kw)
    sm = getattr(st.nn, cls)(5, 7, **kw)
    copy_into(sm, tm)
    x = np.random.default_rng(4).standard_normal((6, 3, 5)).astype(np.float32)
    sx, tx = st.from_numpy(x.copy()).requires_grad_(), torch_ref.from_numpy(x.copy()).requires_grad_()
    so, sh = sm(sx)
    to, th = tm(tx)
    np.testing.assert_allclose(so.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    sh, th = (sh if isinstance(sh, tuple) else (sh,)), (th if isinstance(th, tuple) else (th,))
    for a, b in zip(sh, th):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    (so.sum() + sum(h.sum() for h in sh)).backward()
    (to.sum() + sum(h.sum() for h in th)).backward()
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for p, q in zip(sm.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5)


def names(out, state):
    state = state if isinstance(state, tuple) else (state,)
    return [type(out.grad_fn).__name__] + [type(s.grad_fn).__name__ for s in state]


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2), dict(bidirectional=True), dict(batch_first=True),
                                dict(bias=False)], ids=str)
def test_grad_fn_names_match_torch(torch_ref, cls, dtype, kw):
    sm = getattr(st.nn, cls)(3, 4, **kw).to(getattr(st, dtype))
    tm = getattr(torch_ref.nn, cls)(3, 4, **kw).to(getattr(torch_ref, dtype))
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    sx, tx = st.from_numpy(x).to(getattr(st, dtype)), torch_ref.from_numpy(x).to(getattr(torch_ref, dtype))
    ours, theirs = names(*sm(sx)), names(*tm(tx))
    if kw.get("batch_first"):  # RNN and GRU transpose their output in place, LSTM out of place
        assert theirs[0] == ("TransposeBackward0" if cls == "LSTM" else "TransposeBackward1")
    assert ours == theirs
    assert names(*sm(sx[:, 0])) == names(*tm(tx[:, 0]))  # unbatched


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_packed_names_and_gradcheck(torch_ref, cls):
    from smalltorch.nn.utils.rnn import pack_padded_sequence
    sm = getattr(st.nn, cls)(3, 2, bidirectional=True, num_layers=2).double()
    tm = getattr(torch_ref.nn, cls)(3, 2, bidirectional=True, num_layers=2).double()
    copy_into(sm, tm)
    x = np.random.default_rng(1).standard_normal((4, 3, 3))
    tx = torch_ref.from_numpy(x.copy()).requires_grad_()
    to, ts = tm(torch_ref.nn.utils.rnn.pack_padded_sequence(tx, [2, 4, 1], enforce_sorted=False))
    sx = st.from_numpy(x.copy()).requires_grad_()
    so, ss = sm(pack_padded_sequence(sx, [2, 4, 1], enforce_sorted=False))
    assert names(so.data, ss) == names(to.data, ts)
    np.testing.assert_allclose(so.data.detach().numpy(), to.data.detach().numpy(), rtol=1e-10, atol=1e-12)
    (so.data.sum() + sum(s.sum() for s in (ss if isinstance(ss, tuple) else (ss,)))).backward()
    (to.data.sum() + sum(s.sum() for s in (ts if isinstance(ts, tuple) else (ts,)))).backward()
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    for p, q in zip(sm.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)

    def f(a):
        out, state = sm(pack_padded_sequence(a, [2, 4, 1], enforce_sorted=False))
        return (out.data,) + (state if isinstance(state, tuple) else (state,))
    assert gradcheck(f, (st.from_numpy(x.copy()).requires_grad_(),))


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_names_match_torch(torch_ref, cls):
    sm, tm = getattr(st.nn, cls)(3, 4), getattr(torch_ref.nn, cls)(3, 4)
    for shape in [(2, 3), (3,)]:
        so, to = sm(st.ones(shape)), tm(torch_ref.ones(shape))
        so, to = (so if isinstance(so, tuple) else (so,)), (to if isinstance(to, tuple) else (to,))
        assert [type(t.grad_fn).__name__ for t in so] == [type(t.grad_fn).__name__ for t in to]


def test_layers_gradcheck_initial_states():
    for cls in ("RNN", "LSTM", "GRU"):
        m = getattr(st.nn, cls)(2, 3, num_layers=2, bidirectional=True, batch_first=True).double()
        x = st.randn(2, 4, 2, dtype=st.float64, requires_grad=True)
        h = st.randn(4, 2, 3, dtype=st.float64, requires_grad=True)
        c = st.randn(4, 2, 3, dtype=st.float64, requires_grad=True)

        def f(a, h0, c0):
            out, state = m(a, (h0, c0) if cls == "LSTM" else h0)
            return (out,) + (state if isinstance(state, tuple) else (state,))
        assert gradcheck(f, (x, h, c) if cls == "LSTM" else (x, h, c.detach()))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_forward_ad_takes_the_composite_path(cls):
    # the fused node has no forward-mode formula: a tangent on the input sends the layer down the composite path
    fwAD = st.autograd.forward_ad
    m = getattr(st.nn, cls)(2, 3, bidirectional=True).double()
    x = st.randn(4, 1, 2, dtype=st.float64)
    v = st.randn(4, 1, 2, dtype=st.float64)
    with fwAD.dual_level():
        out = m(fwAD.make_dual(x, v))[0]
        tangent = fwAD.unpack_dual(out).tangent
    eps = 1e-6
    fd = (m(x + eps * v)[0] - m(x - eps * v)[0]) / (2 * eps)
    np.testing.assert_allclose(tangent.detach().numpy(), fd.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_input_dtype_must_match_the_weights(torch_ref):
    for T in (st, torch_ref):
        for cls in ("RNN", "LSTM", "GRU"):
            m = getattr(T.nn, cls)(3, 4)
            for x in (T.ones(5, 2, 3, dtype=T.float64), T.ones(5, 3, dtype=T.float64)):
                with pytest.raises(ValueError, match=r"RNN input dtype \(\w+\.float64\) does not match weight dtype"):
                    m(x)
