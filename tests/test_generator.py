"""smalltorch.Generator (the C++ generator behind every random function): seeding, state round trips, independence
of generators, generator= on the random functions, and PyTorch's CPU stream for rand/randint/randperm."""
import pickle
import subprocess
import sys

import numpy as np
import pytest

import smalltorch as st
from conftest import subprocess_env


def test_generator_api_matches_torch(torch_ref):
    g, tg = st.Generator(), torch_ref.Generator()
    assert g.initial_seed() == tg.initial_seed()
    assert g.manual_seed(5) is g and tg.manual_seed(5) is tg
    assert g.initial_seed() == tg.initial_seed() == 5
    assert str(g.device) == str(tg.device) == "cpu"
    assert isinstance(st.default_generator, st.Generator)
    assert st.manual_seed(3) is st.default_generator
    assert st.default_generator.initial_seed() == st.initial_seed() == 3
    # negative and 64-bit seeds wrap as torch's do
    assert g.manual_seed(-1).initial_seed() == tg.manual_seed(-1).initial_seed()
    for bad in (2 ** 64, -(2 ** 64)):
        with pytest.raises(ValueError):
            tg.manual_seed(bad)
        with pytest.raises(ValueError):
            g.manual_seed(bad)
    for bad in (2.5, "a"):
        with pytest.raises(RuntimeError):
            tg.manual_seed(bad)
        with pytest.raises(RuntimeError):
            g.manual_seed(bad)
    with pytest.raises(RuntimeError):
        st.Generator("cuda")


def test_seed_is_fresh_and_recorded():
    g = st.Generator()
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2 ** 63
    assert g.seed() != s  # 63 fresh bits each time
    t = st.seed()
    assert st.initial_seed() == t


def test_same_seed_same_stream_and_generators_are_independent():
    g1, g2 = st.Generator().manual_seed(7), st.Generator().manual_seed(7)
    a = st.rand(10, generator=g1)
    st.rand(1000)  # the default generator moving does not touch g1/g2
    st.manual_seed(7)
    b = st.rand(10, generator=g2)
    assert a.tolist() == b.tolist()
    # drawing from g1 does not move g2
    st.randn(100, generator=g1)
    assert st.rand(5, generator=g1).tolist() != st.rand(5, generator=g2).tolist()
    g3 = st.Generator().manual_seed(7)
    st.rand(10, generator=g3)
    st.randn(100, generator=g3)
    st.rand(5, generator=g3)
    assert st.rand(3, generator=g3).tolist() == st.rand(3, generator=g1).tolist()
    # the default generator (seeded 7 above) gives g's stream when nothing else drew from it
    st.manual_seed(7)
    assert st.rand(10).tolist() == a.tolist()


def test_get_state_set_state_round_trip(torch_ref):
    g = st.Generator().manual_seed(11)
    st.randn(3, generator=g)  # leaves a cached Box-Muller sample behind
    state = g.get_state()
    tstate = torch_ref.Generator().get_state()
    assert state.dtype == st.uint8 and tstate.dtype == torch_ref.uint8 and state.dim() == 1
    want = [st.randn(3, generator=g).tolist(), st.rand(4, generator=g).tolist(),
            st.randint(0, 10 ** 12, (3,), generator=g).tolist(), st.randperm(9, generator=g).tolist()]
    assert g.set_state(state) is g
    got = [st.randn(3, generator=g).tolist(), st.rand(4, generator=g).tolist(),
           st.randint(0, 10 ** 12, (3,), generator=g).tolist(), st.randperm(9, generator=g).tolist()]
    assert got == want
    # a state moves between generators, and the initial seed with it
    h = st.Generator().set_state(state)
    assert h.initial_seed() == 11 and st.randn(3, generator=h).tolist() == want[0]
    # pickling a generator keeps its stream
    h2 = pickle.loads(pickle.dumps(g.set_state(state)))
    assert st.randn(3, generator=h2).tolist() == want[0]


def test_set_state_errors_like_torch(torch_ref):
    for lib in (st, torch_ref):
        with pytest.raises(TypeError):
            lib.Generator().set_state(lib.zeros(3))
        with pytest.raises(TypeError):
            lib.Generator().set_state([1, 2])
        with pytest.raises(RuntimeError):
            lib.Generator().set_state(lib.zeros(3, dtype=lib.uint8))


def test_generator_argument_type_error(torch_ref):
    for lib in (st, torch_ref):
        for call in (lambda: lib.rand(3, generator=5), lambda: lib.randn(2, generator="g"),
                     lambda: lib.randperm(3, generator=1), lambda: lib.zeros(2).uniform_(generator=3)):
            with pytest.raises(TypeError):
                call()


def test_rand_randint_randperm_match_torch_for_a_seed(torch_ref):
    for seed in (0, 3, 2 ** 40 + 5):
        g, tg = st.Generator().manual_seed(seed), torch_ref.Generator().manual_seed(seed)
        np.testing.assert_array_equal(st.rand(7, generator=g).numpy(), torch_ref.rand(7, generator=tg).numpy())
        np.testing.assert_array_equal(st.rand(2, 3, dtype=st.float64, generator=g).numpy(),
                                      torch_ref.rand(2, 3, dtype=torch_ref.float64, generator=tg).numpy())
        np.testing.assert_array_equal(st.randint(-5, 17, (9,), generator=g).numpy(),
                                      torch_ref.randint(-5, 17, (9,), generator=tg).numpy())
        np.testing.assert_array_equal(st.randperm(25, generator=g).numpy(),
                                      torch_ref.randperm(25, generator=tg).numpy())
        np.testing.assert_array_equal(st.zeros(5).uniform_(-2, 3, generator=g).numpy(),
                                      torch_ref.zeros(5).uniform_(-2, 3, generator=tg).numpy())
    # the default generator: same seed, same numbers as torch's
    st.manual_seed(9)
    torch_ref.manual_seed(9)
    np.testing.assert_array_equal(st.rand(4).numpy(), torch_ref.rand(4).numpy())
    np.testing.assert_array_equal(st.randperm(6).numpy(), torch_ref.randperm(6).numpy())


def test_randn_is_close_to_torch_for_a_seed(torch_ref):
    """Same uniforms and the same Box-Muller layout as PyTorch's CPU normal: equal up to rounding of sin/cos/log."""
    for n, dtype in ((5, "float64"), (40, "float32"), (37, "float64")):
        g, tg = st.Generator().manual_seed(4), torch_ref.Generator().manual_seed(4)
        a = st.randn(n, dtype=getattr(st, dtype), generator=g).numpy()
        b = torch_ref.randn(n, dtype=getattr(torch_ref, dtype), generator=tg).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_like_functions_and_normal_take_a_generator(torch_ref):
    x = st.zeros(2, 3)
    for fn in (lambda g: st.rand_like(x, generator=g), lambda g: st.randn_like(x, generator=g),
               lambda g: st.randint_like(x, 10, generator=g), lambda g: st.normal(0.0, 1.0, (4,), generator=g),
               lambda g: st.normal(st.zeros(3), 1.0, generator=g), lambda g: st.normal(0.0, st.ones(3), generator=g),
               lambda g: st.normal(st.zeros(3), st.ones(3), generator=g)):
        assert fn(st.Generator().manual_seed(1)).tolist() == fn(st.Generator().manual_seed(1)).tolist()
    # torch accepts generator= on the *_like functions as well
    torch_ref.rand_like(torch_ref.zeros(2), generator=torch_ref.Generator())


def test_nn_init_takes_a_generator():
    init = st.nn.init
    for fn in (init.uniform_, init.normal_, init.trunc_normal_, init.xavier_uniform_, init.xavier_normal_,
               init.kaiming_uniform_, init.kaiming_normal_):
        a = fn(st.empty(4, 5), generator=st.Generator().manual_seed(2))
        st.rand(3)
        b = fn(st.empty(4, 5), generator=st.Generator().manual_seed(2))
        assert a.tolist() == b.tolist(), fn.__name__


def test_in_place_fills_take_a_generator():
    fills = [lambda t, g: t.uniform_(generator=g), lambda t, g: t.normal_(generator=g),
             lambda t, g: t.random_(0, 10, generator=g), lambda t, g: t.exponential_(generator=g),
             lambda t, g: t.geometric_(0.3, generator=g), lambda t, g: t.cauchy_(generator=g),
             lambda t, g: t.log_normal_(generator=g), lambda t, g: t.bernoulli_(0.4, generator=g),
             lambda t, g: t.bernoulli_(st.full((6,), 0.4), generator=g)]
    for fill in fills:
        a = fill(st.empty(6), st.Generator().manual_seed(8))
        b = fill(st.empty(6), st.Generator().manual_seed(8))
        assert a.tolist() == b.tolist()


def test_dropout_draws_from_the_default_generator():
    st.manual_seed(1)
    a = st.nn.functional.dropout(st.ones(50), 0.5)
    st.manual_seed(1)
    st.rand(3, generator=st.Generator())  # another generator does not disturb it
    assert st.nn.functional.dropout(st.ones(50), 0.5).tolist() == a.tolist()


_THREADS_SCRIPT = """
import sys, smalltorch as st
st.set_num_threads(int(sys.argv[1]))
g = st.Generator().manual_seed(5)
x = st.empty(3000)
out = [st.rand(3000, generator=g).sum().item(), st.randn(3001, generator=g).sum().item(),
       st.multinomial(st.rand(4, 50, generator=g), 20, generator=g).sum().item(),
       st.multinomial(st.rand(4, 50, generator=g), 30, True, generator=g).sum().item(),
       st.poisson(st.rand(2000, generator=g) * 30, generator=g).sum().item(),
       st.bernoulli(st.rand(2000, generator=g), generator=g).sum().item(),
       x.exponential_(generator=g).sum().item(), x.random_(0, 100, generator=g).sum().item(),
       st.randperm(1000, generator=g)[:5].tolist()]
print(repr(out))
"""


def test_same_numbers_on_any_thread_count():
    outs = []
    for threads in (1, 2, 4):
        r = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT, str(threads)], env=subprocess_env(),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] == outs[2]


def test_data_utilities_use_the_generator(torch_ref):
    from smalltorch.utils.data import RandomSampler, random_split
    assert st.utils.data._generator.Generator is st.Generator
    order = list(RandomSampler(range(20), generator=st.Generator().manual_seed(4)))
    torder = list(torch_ref.utils.data.RandomSampler(range(20), generator=torch_ref.Generator().manual_seed(4)))
    assert order == torder
    parts = [list(p) for p in random_split(range(10), [3, 7], generator=st.Generator().manual_seed(2))]
    tparts = [list(p) for p in torch_ref.utils.data.random_split(range(10), [3, 7],
                                                                 generator=torch_ref.Generator().manual_seed(2))]
    assert parts == tparts
