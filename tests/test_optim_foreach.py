"""The multi-tensor optimiser updates (smalltorch._C._foreach_*, ops/optim.cpp): each optimiser's group update
as one C++ call gives PyTorch's results, equals the per-tensor Python path (foreach=False), takes the
pool's threads on large parameters, bumps versions as in-place ops do, and refuses bad lists by name."""
import numpy as np
import pytest

import smalltorch
import smalltorch.optim as optim

CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.7, 0.9))),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, maximize=True)),
    ("Adadelta", dict(lr=0.9, weight_decay=0.02)),
]
# one parameter past the threading threshold (2 * 2**16 elements), a 0-d one and a small matrix
SHAPES = [(300, 500), (), (7, 3)]


def run(lib, optim_mod, name, kwargs, dtype, steps=4, shapes=SHAPES):
    rng = np.random.default_rng(1)
    ps = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    opt = getattr(optim_mod, name)(ps, **kwargs)
    for step in range(steps):
        for p in ps:
            p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype))
        opt.step()
    return [p.detach().numpy().copy() for p in ps], opt


@pytest.mark.parametrize("name,kwargs", CASES, ids=[n for n, _ in CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multi_tensor_step_matches_torch_and_the_per_tensor_path(torch_ref, name, kwargs, dtype):
    fused, opt = run(smalltorch, optim, name, kwargs, dtype)
    single, _ = run(smalltorch, optim, name, dict(kwargs, foreach=False), dtype)
    theirs, topt = run(torch_ref, torch_ref.optim, name, dict(kwargs, foreach=False), dtype)
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
    for a, b, c in zip(fused, single, theirs):
        np.testing.assert_allclose(a, c, **tol)
        np.testing.assert_allclose(a, b, **tol)
    for ours, torch_state in zip(opt.state.values(), topt.state.values()):
        assert sorted(ours) == sorted(torch_state)
        for k in ours:
            if k != "step":
                np.testing.assert_allclose(ours[k].numpy(), torch_state[k].numpy(), **tol)
            else:
                assert float(ours[k]) == float(torch_state[k])


def test_a_non_contiguous_parameter_steps_as_in_torch_by_the_per_tensor_path(torch_ref):
    def go(lib, optim_mod):
        base = lib.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4))
        p = base.t().detach().requires_grad_()  # a transposed (non-contiguous) leaf
        q = lib.ones(5, requires_grad=True)
        opt = optim_mod.Adam([p, q], lr=0.1)
        for _ in range(3):
            p.grad, q.grad = lib.ones(4, 3), lib.full((5,), 2.0)
            opt.step()
        return p.detach().numpy(), q.detach().numpy()
    for a, b in zip(go(smalltorch, optim), go(torch_ref, torch_ref.optim)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_the_update_bumps_versions_like_in_place_ops(torch_ref):
    w = smalltorch.ones(3, requires_grad=True)
    y = (w * w).sum()  # MulBackward0 saved w
    w.grad = smalltorch.ones(3)
    optim.SGD([w], lr=0.1, momentum=0.9).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_momentum_buffers_are_the_states_tensors():
    p = smalltorch.zeros(4, requires_grad=True)
    opt = optim.SGD([p], lr=1.0, momentum=0.5)
    p.grad = smalltorch.ones(4)
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    assert buf.tolist() == [1.0] * 4 and buf.data_ptr() != p.grad.data_ptr()  # a copy of the first gradient
    opt.step()
    assert opt.state[p]["momentum_buffer"] is buf and buf.tolist() == [1.5] * 4
    assert p.tolist() == [-2.5] * 4


def test_bad_lists_raise_naming_what_is_wrong():
    p, q = smalltorch.zeros(2, 3), smalltorch.zeros(4)
    g = [smalltorch.zeros(2, 3), smalltorch.zeros(4)]
    kw = dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)
    with pytest.raises(RuntimeError, match=r"expected 2 grads \(one per parameter\), got 1"):
        smalltorch._C._foreach_sgd([p, q], g[:1], None, **kw)
    with pytest.raises(RuntimeError, match=r"grads\[1\] has shape \[3\] but its parameter has shape \[4\]"):
        smalltorch._C._foreach_sgd([p, q], [g[0], smalltorch.zeros(3)], None, **kw)
    with pytest.raises(RuntimeError, match=r"grads\[0\] has dtype float64 but its parameter has dtype "
                                           r"float32"):
        smalltorch._C._foreach_sgd([p], [g[0].double()], None, **kw)
    with pytest.raises(RuntimeError, match=r"parameters must be floating point, but params\[0\] has dtype int64"):
        smalltorch._C._foreach_sgd([p.long()], [g[0].long()], None, **kw)
    with pytest.raises(RuntimeError, match="must be contiguous"):
        smalltorch._C._foreach_sgd([p.t()], [g[0].t()], None, **kw)
    with pytest.raises(TypeError, match="grads must be Tensors"):
        smalltorch._C._foreach_sgd([p], [1.0], None, **kw)
    with pytest.raises(RuntimeError, match=r"state_steps\[0\] must be a one-element floating tensor"):
        smalltorch._C._foreach_adagrad([q], [g[1]], [smalltorch.zeros(4)], [smalltorch.zeros(2)], lr=0.1,
                                       lr_decay=0.0, weight_decay=0.0, eps=1e-10, maximize=False)


ISAS = smalltorch._C._isas()  # the loop tables (base / AVX2 / AVX-512) this CPU and build can run
ALL_OPTIONS = CASES + [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1, nesterov=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, maximize=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1, momentum=0.9)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.9, maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", ALL_OPTIONS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ALL_OPTIONS)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_isa_gives_the_same_bits(name, kwargs, dtype):
    # The updates are vectorised loops compiled once per ISA, their fused multiply-adds exact in each
    # (std::fma): each table's result is the baseline table's, bit for bit (ragged lengths cover every
    # vector width's tail).
    shapes = [(1000,), (37,), (), (5, 3)]
    before = smalltorch._C._isa()
    results = {}
    try:
        for isa in ISAS:
            assert smalltorch._C._set_isa(isa)
            results[isa], _ = run(smalltorch, optim, name, kwargs, dtype, shapes=shapes)
    finally:
        smalltorch._C._set_isa(before)
    for isa in ISAS:
        for a, b in zip(results[isa], results[ISAS[0]]):
            np.testing.assert_array_equal(a, b, err_msg=isa)


def test_adam_and_sgd_round_as_op_by_op_float32_arithmetic():
    # PyTorch's single-tensor optimisers round after every op, their add with alpha, lerp and addcmul
    # being one fused multiply-add each; so does the multi-tensor update: the same bits as numpy
    # float32 op by op, a fused multiply-add emulated through float64 (where the product is exact).
    f = np.float32

    def fma(x, y, z):
        return (np.float64(x) * np.float64(y) + np.float64(z)).astype(f)

    rng = np.random.default_rng(3)
    p0 = rng.standard_normal(1003).astype(f)
    grads = [rng.standard_normal(1003).astype(f) for _ in range(3)]
    lr, b1, b2, eps, mom = 0.01, 0.9, 0.999, 1e-8, 0.9
    p, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for t, g in enumerate(grads, 1):
        m = fma(f(1 - b1), g - m, m)  # exp_avg.lerp_(grad, 1 - beta1)
        v = fma(f(1 - b2) * g, g, v * f(b2))  # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = np.sqrt(v) / f((1 - b2 ** t) ** 0.5) + f(eps)
        p = p + (f(-(lr / (1 - b1 ** t))) * m) / denom  # param.addcdiv_(exp_avg, denom, value=-step_size)
    q, buf = p0.copy(), None
    for g in grads:
        buf = g.copy() if buf is None else fma(g, f(1), buf * f(mom))
        q = fma(buf, f(-lr), q)  # param.add_(buf, alpha=-lr)
    for opt_cls, kw, want in ((optim.Adam, dict(lr=lr), p), (optim.SGD, dict(lr=lr, momentum=mom), q)):
        x = smalltorch.tensor(p0, requires_grad=True)
        opt = opt_cls([x], **kw)
        for g in grads:
            x.grad = smalltorch.tensor(g)
            opt.step()
        np.testing.assert_array_equal(x.detach().numpy(), want)


def test_one_split_over_the_pool_covers_every_parameter_once():
    # The elements of all of a group's parameters are split over the threads as one range, chunks
    # crossing parameter boundaries: each parameter ends as it does when stepped on its own.
    shapes = [(70000,), (3,), (50001,), (0,), (90000,), (1,)]
    threads = smalltorch.get_num_threads()
    smalltorch.set_num_threads(2)
    try:
        together, _ = run(smalltorch, optim, "Adam", dict(lr=0.01), np.float32, steps=2, shapes=shapes)
    finally:
        smalltorch.set_num_threads(threads)
    rng = np.random.default_rng(1)
    ps = [smalltorch.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes]
    opts = [optim.Adam([p], lr=0.01) for p in ps]
    for _ in range(2):
        for p in ps:
            p.grad = smalltorch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
        for o in opts:
            o.step()
    for a, p in zip(together, ps):
        np.testing.assert_array_equal(a, p.detach().numpy())
