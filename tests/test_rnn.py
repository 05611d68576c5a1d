"""nn.RNN / LSTM / GRU and their cells against PyTorch: same parameters (names, shapes, default
initialisation range), repr, outputs and final states, gradients of every parameter and of the input and
initial states, batch_first / bidirectional / layers / unbatched inputs, and the errors."""

import itertools

import numpy as np
import pytest

import smalltorch as st

CONFIGS = [dict(), dict(num_layers=2), dict(bidirectional=True), dict(batch_first=True),
           dict(num_layers=2, bidirectional=True, batch_first=True), dict(bias=False), dict(num_layers=3, dropout=0.5)]


def twins(torch_ref, cls, *args, **kw):
    torch_ref.manual_seed(0)
    tm = getattr(torch_ref.nn, cls)(*args, **kw).double()
    sm = getattr(st.nn, cls)(*args, **kw).double()
    assert list(sm.state_dict()) == list(tm.state_dict())
    assert [tuple(v.shape) for v in sm.state_dict().values()] == [tuple(v.shape) for v in tm.state_dict().values()]
    sm.load_state_dict({k: st.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    assert repr(sm) == repr(tm)
    return sm, tm


def close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)


def flat(x):
    return list(x) if isinstance(x, tuple) else [x]


@pytest.mark.parametrize("cls,kw", list(itertools.product(["RNN", "LSTM", "GRU"], CONFIGS)),
                         ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={w}" for k, w in v.items()))
def test_layer_matches_torch(torch_ref, cls, kw):
    sm, tm = twins(torch_ref, cls, 5, 6, **kw)
    sm.eval(), tm.eval()  # dropout between layers only in training
    rng = np.random.default_rng(1)
    shape = (4, 3, 5) if not kw.get("batch_first") else (3, 4, 5)
    x = rng.standard_normal(shape)
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    h0 = rng.standard_normal((layers, 3, 6))
    c0 = rng.standard_normal((layers, 3, 6))
    sx, tx = st.from_numpy(x.copy()).requires_grad_(), torch_ref.from_numpy(x.copy()).requires_grad_()
    sh, th = st.from_numpy(h0.copy()).requires_grad_(), torch_ref.from_numpy(h0.copy()).requires_grad_()
    sc, tc = st.from_numpy(c0.copy()).requires_grad_(), torch_ref.from_numpy(c0.copy()).requires_grad_()
    s_state, t_state = ((sh, sc), (th, tc)) if cls == "LSTM" else (sh, th)
    so, sstate = sm(sx, s_state)
    to, tstate = tm(tx, t_state)
    close(so, to)
    for a, b in zip(flat(sstate), flat(tstate)):
        close(a, b)
    weights = np.linspace(-1, 1, so.numel()).reshape(tuple(so.shape))
    loss_s = (so * st.from_numpy(weights)).sum() + sum(t.sum() for t in flat(sstate))
    loss_t = (to * torch_ref.from_numpy(weights)).sum() + sum(t.sum() for t in flat(tstate))
    loss_s.backward(), loss_t.backward()
    for (name, p), q in zip(sm.named_parameters(), tm.parameters()):
        close(p.grad, q.grad)
    close(sx.grad, tx.grad), close(sh.grad, th.grad)
    if cls == "LSTM":
        close(sc.grad, tc.grad)
    # without an initial state, and unbatched
    close(sm(sx)[0], tm(tx)[0])
    ux = x[:, 0] if not kw.get("batch_first") else x[0]
    su, tu = sm(st.from_numpy(ux.copy())), tm(torch_ref.from_numpy(ux.copy()))
    close(su[0], tu[0])
    for a, b in zip(flat(su[1]), flat(tu[1])):
        close(a, b)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch(torch_ref, cls, bias):
    sm, tm = twins(torch_ref, cls, 4, 3, bias=bias)
    rng = np.random.default_rng(2)
    x, h, c = rng.standard_normal((5, 4)), rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    S = lambda a: st.from_numpy(a.copy()).requires_grad_()  # noqa: E731
    Tt = lambda a: torch_ref.from_numpy(a.copy()).requires_grad_()  # noqa: E731
    if cls == "LSTMCell":
        so, to = sm(S(x), (S(h), S(c))), tm(Tt(x), (Tt(h), Tt(c)))
    else:
        so, to = sm(S(x), S(h)), tm(Tt(x), Tt(h))
    for a, b in zip(flat(so), flat(to)):
        close(a, b)
    sum(t.sum() for t in flat(so)).backward(), sum(t.sum() for t in flat(to)).backward()
    for p, q in zip(sm.parameters(), tm.parameters()):
        close(p.grad, q.grad)
    for a, b in zip(flat(sm(st.from_numpy(x[0].copy()))), flat(tm(torch_ref.from_numpy(x[0].copy())))):
        close(a, b)  # unbatched, zero state


def test_default_init_range_and_reprs(torch_ref):
    st.manual_seed(1)  # the spread check on 4-element biases is statistical (fails for ~1 stream in 50): fix the stream
    for cls, args, kw in [("LSTM", (10, 20), dict(num_layers=2, dropout=0.25)), ("GRU", (3, 4), dict(bias=False)),
                          ("RNN", (3, 4), dict(nonlinearity="relu", bidirectional=True)),
                          ("RNNCell", (3, 4), dict(nonlinearity="relu", bias=False)), ("GRUCell", (3, 4), {})]:
        m = getattr(st.nn, cls)(*args, **kw)
        assert repr(m) == repr(getattr(torch_ref.nn, cls)(*args, **kw))
        bound = 1 / np.sqrt(args[1])
        for p in m.parameters():
            v = p.detach().numpy()
            assert v.min() >= -bound and v.max() <= bound and v.std() > bound / 4


def test_gradcheck_lstm_and_gru():
    for cls in ("LSTM", "GRU"):
        m = getattr(st.nn, cls)(2, 3).double()
        x = st.randn(3, 2, 2, dtype=st.float64, requires_grad=True)
        assert st.autograd.gradcheck(lambda a: m(a)[0], (x,))


def test_training_dropout_between_layers_only():
    m = st.nn.LSTM(4, 8, num_layers=2, dropout=0.9).double()
    x = st.randn(5, 2, 4, dtype=st.float64)
    m.train()
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # dropout applied in training
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())


def test_errors_match_torch(torch_ref):
    for T in (st, torch_ref):
        m = T.nn.LSTM(4, 5)
        with pytest.raises(RuntimeError):
            m(T.ones(3, 2, 6))  # input_size mismatch
        with pytest.raises(RuntimeError):
            m(T.ones(3, 2, 4), (T.zeros(1, 3, 5), T.zeros(1, 3, 5)))  # wrong batch in the state
        with pytest.raises(ValueError):
            m(T.ones(2, 3, 4, 4))
        with pytest.raises(ValueError):
            T.nn.RNN(3, 4, nonlinearity="sigmoid")
        with pytest.raises(ValueError):
            T.nn.GRU(3, 4, dropout=1.5)
