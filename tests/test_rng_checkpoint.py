"""The default generator's state (get_rng_state / set_rng_state / random.fork_rng) and activation
checkpointing (utils.checkpoint), against torch where it is observable."""
import warnings

import numpy as np
import pytest

import smalltorch as st
from smalltorch.utils.checkpoint import checkpoint, checkpoint_sequential


def test_state_round_trip_replays_the_stream():
    st.manual_seed(3)
    st.rand(7)
    state = st.get_rng_state()
    assert state.dtype == st.uint8 and state.dim() == 1
    a, b = st.randn(5), st.randint(0, 100, (4,))
    st.set_rng_state(state)
    assert st.randn(5).tolist() == a.tolist() and st.randint(0, 100, (4,)).tolist() == b.tolist()
    assert st.random.get_rng_state().tolist() != state.tolist()  # the stream moved on
    assert st.random.initial_seed() == 3


def test_fork_rng_leaves_the_outer_stream_alone():
    st.manual_seed(0)
    want = st.rand(4).tolist()
    st.manual_seed(0)
    with st.random.fork_rng():
        st.rand(100)
    assert st.rand(4).tolist() == want
    st.manual_seed(0)
    with st.random.fork_rng(enabled=False):
        st.rand(1)
    assert st.rand(4).tolist() != want


def test_set_rng_state_refuses_what_get_rng_state_did_not_give(torch_ref):
    for lib in (st, torch_ref):
        with pytest.raises(TypeError):
            lib.set_rng_state([1, 2, 3])
    with pytest.raises(RuntimeError, match="not one get_rng_state returned"):
        st.set_rng_state(st.tensor([1, 2, 3], dtype=st.uint8))
    with pytest.raises(TypeError, match="ByteTensor"):
        st.set_rng_state(st.zeros(3))


def mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Dropout(0.3), lib.nn.Linear(8, 3))


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_gives_the_plain_gradients(use_reentrant):
    net = mlp(st)
    x = st.tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    st.manual_seed(11)
    plain = net(x).pow(2).sum()
    plain.backward()
    want = [p.grad.clone() for p in net.parameters()] + [x.grad.clone()]
    net.zero_grad()
    x.grad = None
    st.manual_seed(11)  # the same dropout mask: the rerun restores the generator's state
    out = checkpoint(net, x, use_reentrant=use_reentrant)
    out.pow(2).sum().backward()
    got = [p.grad for p in net.parameters()] + [x.grad]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6, atol=1e-7)


def test_reentrant_node_name_and_the_missing_argument_warning(torch_ref):
    for lib in (st, torch_ref):
        x = lib.ones(2, requires_grad=True)
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
            y = (checkpoint if lib is st else torch_ref.utils.checkpoint.checkpoint)(lambda t: t * 2, x)
        assert type(y.grad_fn).__name__ == "CheckpointFunctionBackward"
        with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
            (checkpoint if lib is st else torch_ref.utils.checkpoint.checkpoint)(lambda t: t, x, use_reentrant=True,
                                                                                 foo=1)


def test_non_reentrant_keeps_no_activations_and_recomputes_once():
    calls = []

    def f(t):
        calls.append(1)
        return (t.exp() * t).sin()
    x = st.tensor([0.1, 0.2, 0.3], dtype=st.float64, requires_grad=True)
    y = checkpoint(f, x, use_reentrant=False)
    assert type(y.grad_fn).__name__ == "SinBackward0" and len(calls) == 1
    (g,) = st.autograd.grad(y.sum(), x)
    assert len(calls) == 2
    want = ((x.exp() * (x + 1)) * (x.exp() * x).cos()).detach()
    np.testing.assert_allclose(g.numpy(), want.numpy(), rtol=1e-12)


def test_checkpoint_sequential_matches_the_plain_model():
    net = st.nn.Sequential(*[st.nn.Linear(3, 3) for _ in range(4)])
    x = st.ones(2, 3, requires_grad=True)
    net(x).sum().backward()
    want = x.grad.clone()
    x.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint_sequential(net, 2, x, use_reentrant=False).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), want.numpy(), rtol=1e-6)
