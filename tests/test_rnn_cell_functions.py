"""smalltorch.rnn_tanh_cell / rnn_relu_cell / lstm_cell / gru_cell, PyTorch's top-level one-step cells:
values, node names and gradients against torch, gradcheck in float64, and PyTorch's checks of bad
arguments (the same exception class and message, checked in PyTorch's order)."""
import numpy as np
import pytest

import smalltorch as st

CELLS = [("rnn_tanh_cell", 1), ("rnn_relu_cell", 1), ("lstm_cell", 4), ("gru_cell", 3)]
BIASES = ["both", "none", "ih only", "hh only"]


def arrays(gates, batch=3, inp=5, hidden=4, seed=0):
    rng = np.random.default_rng(seed)
    return dict(x=rng.standard_normal((batch, inp)), h=rng.standard_normal((batch, hidden)),
                c=rng.standard_normal((batch, hidden)), w_ih=rng.standard_normal((gates * hidden, inp)) * 0.5,
                w_hh=rng.standard_normal((gates * hidden, hidden)) * 0.5, b_ih=rng.standard_normal(gates * hidden),
                b_hh=rng.standard_normal(gates * hidden))


def call(lib, name, t, bias):
    b_ih = t["b_ih"] if bias in ("both", "ih only") else None
    b_hh = t["b_hh"] if bias in ("both", "hh only") else None
    hx = (t["h"], t["c"]) if name == "lstm_cell" else t["h"]
    out = getattr(lib, name)(t["x"], hx, t["w_ih"], t["w_hh"], b_ih, b_hh)
    return out if isinstance(out, tuple) else (out,)


def as_lib(lib, a, dtype, grad=True):
    return {k: lib.tensor(v.astype(dtype)).requires_grad_(grad) for k, v in a.items()}


@pytest.mark.parametrize("name,gates", CELLS, ids=[c[0] for c in CELLS])
@pytest.mark.parametrize("bias", BIASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_nodes_and_gradients_match_torch(torch_ref, name, gates, bias, dtype):
    a = arrays(gates)
    ts, tt = as_lib(st, a, dtype), as_lib(torch_ref, a, dtype)
    ours, theirs = call(st, name, ts, bias), call(torch_ref, name, tt, bias)
    assert len(ours) == len(theirs)
    assert [type(o.grad_fn).__name__ for o in ours] == [type(o.grad_fn).__name__ for o in theirs]
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    w = [np.random.default_rng(9 + i).standard_normal(tuple(o.shape)).astype(dtype) for i, o in enumerate(theirs)]
    for o, p in zip(ours, theirs):
        assert o.dtype == getattr(st, p.dtype.__repr__().split(".")[1]) and tuple(o.shape) == tuple(p.shape)
        np.testing.assert_allclose(o.detach().numpy(), p.detach().numpy(), **tol)
    sum((o * st.tensor(wi)).sum() for o, wi in zip(ours, w)).backward()
    sum((o * torch_ref.tensor(wi)).sum() for o, wi in zip(theirs, w)).backward()
    for k in ts:
        if tt[k].grad is None:  # an unused bias or, for the RNN and GRU cells, c
            assert ts[k].grad is None, k
        else:
            np.testing.assert_allclose(ts[k].grad.numpy(), tt[k].grad.numpy(), **tol, err_msg=k)


@pytest.mark.parametrize("name,gates", CELLS, ids=[c[0] for c in CELLS])
@pytest.mark.parametrize("bias", ["both", "none"])
def test_gradcheck(name, gates, bias):
    a = arrays(gates, batch=2, inp=3, hidden=2, seed=1)
    keys = ["x", "h", "w_ih", "w_hh"] + (["c"] if name == "lstm_cell" else []) + \
           (["b_ih", "b_hh"] if bias == "both" else [])
    base = as_lib(st, a, np.float64)

    def f(*vals):
        t = dict(base, **dict(zip(keys, vals)))
        return call(st, name, t, bias)
    assert st.autograd.gradcheck(f, tuple(base[k] for k in keys))


def test_lstm_cell_takes_a_list_and_an_empty_batch(torch_ref):
    a = arrays(4)
    for lib in (st, torch_ref):
        t = as_lib(lib, a, np.float32, grad=False)
        h, c = lib.lstm_cell(t["x"], [t["h"], t["c"]], t["w_ih"], t["w_hh"])
        h0, c0 = lib.lstm_cell(t["x"][:0], (t["h"][:0], t["c"][:0]), t["w_ih"], t["w_hh"], t["b_ih"], t["b_hh"])
        assert tuple(h.shape) == tuple(c.shape) == (3, 4) and tuple(h0.shape) == tuple(c0.shape) == (0, 4)


def bad_calls(lib, name, gates):
    r = lambda *s: lib.zeros(*s)  # noqa: E731
    mk = (lambda h: (h, h)) if name == "lstm_cell" else (lambda h: h)
    f = getattr(lib, name)
    G = gates * 4
    return [
        lambda: f(r(2, 5), mk(r(2, 4)), r(G, 3), r(G, 4)),                    # input size
        lambda: f(r(2, 5), mk(r(3, 4)), r(G, 3), r(G, 4)),                    # input size and batch
        lambda: f(r(2, 3), mk(r(3, 4)), r(G, 3), r(G, 4)),                    # batch
        lambda: f(r(2, 3), mk(r(2, 5)), r(G, 3), r(G, 4)),                    # hidden size
        lambda: f(r(2, 3), mk(r(2, 4)), r(G - 1, 3), r(G, 4)),                # weight_ih rows
        lambda: f(r(2, 3), mk(r(2, 4)), r(G, 3), r(G - 1, 4)),                # weight_hh rows
        lambda: f(r(2, 5), mk(r(2, 4)), r(G - 1, 3), r(G, 4)),                # input size and weight (order)
        lambda: f(r(2, 3), mk(r(3, 4)), r(G - 1, 3), r(G, 4)),                # batch and weight (order)
        lambda: f(r(3), mk(r(2, 4)), r(G - 1, 3), r(G, 4)),                   # 1-d input and weight (order)
        lambda: f(r(3), mk(r(4)), r(G, 3), r(G, 4)),                          # unbatched input
        lambda: f(r(2, 3), mk(r(4)), r(G, 3), r(G, 4)),                       # 1-d hidden state
        lambda: f(r(2, 3), mk(r(2, 4)), r(G, 3), r(G, 4), r(3), r(G)),        # b_ih size
        lambda: f(r(2, 3), mk(r(2, 4)), r(G, 3), r(G, 4), r(G), r(3)),        # b_hh size
        lambda: f(r(2, 3).double(), mk(r(2, 4)), r(G, 3), r(G, 4)),           # dtypes
        lambda: f(r(2, 3), mk(r(2, 4)), r(G, 3), r(G, 4), 1.0),               # a number for a bias
        lambda: f(r(2, 3), mk(r(2, 4)), None, r(G, 4)),                       # no w_ih
        lambda: f([1.0], mk(r(2, 4)), r(G, 3), r(G, 4)),                      # a list for input
        lambda: f(r(2, 3), None, r(G, 3), r(G, 4)),                           # no hx
        lambda: f(r(2, 3), r(2, 4), r(G, 3), r(G, 4)),                        # a tensor for hx
        lambda: f(r(2, 3), (r(2, 4),), r(G, 3), r(G, 4)),                     # one state
        lambda: f(r(2, 3), (r(2, 4),) * 3, r(G, 3), r(G, 4)),                 # three states
        lambda: f(r(2, 3), (5, 6), r(G, 3), r(G, 4)),                         # numbers for states
    ]


def outcome(fn):
    try:
        out = fn()
    except Exception as e:  # noqa: BLE001 (the class and message are compared)
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", [tuple(o.shape) for o in (out if isinstance(out, tuple) else (out,))]


@pytest.mark.parametrize("name,gates", CELLS, ids=[c[0] for c in CELLS])
def test_bad_arguments_raise_as_torch(torch_ref, name, gates):
    for i, (ours, theirs) in enumerate(zip(bad_calls(st, name, gates), bad_calls(torch_ref, name, gates))):
        assert outcome(ours) == outcome(theirs), i
