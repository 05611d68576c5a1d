"""Ops whose rounding PyTorch fixes by fusing a multiply and an add (add/sub with alpha, lerp,
addcmul) or by the order of its steps (addcdiv): ours gives PyTorch's bits, not just values within a rounding of them, so
that an optimizer's trajectory follows PyTorch's exactly."""
import numpy as np
import pytest

import smalltorch as st

N = 100_003  # vector loops, ragged tails and two threads


def _inputs(dtype, seed=0):
    rng = np.random.default_rng(seed)
    a, b, c = (rng.standard_normal(N).astype(dtype) for _ in range(3))
    w = (1 / (1 + np.exp(-c.astype(np.float64)))).astype(dtype)  # weights on both sides of 0.5
    return a, b, c, w


CASES = {
    "lerp weight 0.1": lambda m, a, b, c, w: a.lerp(b, 0.1),
    "lerp weight 0.9": lambda m, a, b, c, w: a.lerp(b, 0.9),
    "lerp tensor weight": lambda m, a, b, c, w: a.lerp(b, w),
    "lerp_": lambda m, a, b, c, w: a.clone().lerp_(b, 0.3),
    "addcmul": lambda m, a, b, c, w: a.addcmul(b, c, value=0.001),
    "addcmul_": lambda m, a, b, c, w: a.clone().addcmul_(b, c, value=-0.7),
    "addcdiv": lambda m, a, b, c, w: a.addcdiv(b, c.abs() + 1, value=-0.01),
    "torch.addcdiv": lambda m, a, b, c, w: m.addcdiv(a, b, w, value=3.0),
    "add alpha": lambda m, a, b, c, w: m.add(a, b, alpha=0.3),
    "sub alpha": lambda m, a, b, c, w: m.sub(a, b, alpha=-1.7),
    "add_ alpha": lambda m, a, b, c, w: a.clone().add_(b, alpha=-0.01),
    "sub_ alpha broadcast": lambda m, a, b, c, w: a.clone().sub_(b[:1], alpha=2.5),
    "add alpha out=": lambda m, a, b, c, w: m.add(a, b, alpha=0.7, out=m.empty_like(a)),
    "Tensor.sub alpha": lambda m, a, b, c, w: a.sub(c, alpha=3),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_roundings_give_torch_bits(torch_ref, case, dtype):
    f = CASES[case]
    arrays = _inputs(dtype)
    got = f(st, *(st.from_numpy(x.copy()) for x in arrays)).numpy()
    want = f(torch_ref, *(torch_ref.from_numpy(x.copy()) for x in arrays)).numpy()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kwargs", [dict(lr=0.05), dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
                                    dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)])
@pytest.mark.parametrize("foreach", [None, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_trajectory_has_torch_bits(torch_ref, kwargs, foreach, dtype):
    # SGD's ops are all adds with alpha and multiplies: the one-call multi-tensor update and the
    # per-tensor path both follow PyTorch's trajectory bit for bit. (Adam, RMSprop, Adagrad and
    # Adadelta stay within a rounding: PyTorch's float32 sqrt on this CPU is not correctly rounded.)
    def run(m, kw):
        rng = np.random.default_rng(1)
        ps = [m.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in [(300, 500), (), (7, 3)]]
        opt = m.optim.SGD(ps, **kw)
        for _ in range(6):
            for p in ps:
                p.grad = m.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype))
            opt.step()
        return [p.detach().numpy() for p in ps]

    for a, b in zip(run(st, dict(kwargs, foreach=foreach)), run(torch_ref, dict(kwargs, foreach=False))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_tanh_gradients_give_torch_bits(torch_ref, op, dtype):
    # SigmoidBackward0 computes (g * (1 - s)) * s and TanhBackward0 g * (1 - s²) with 1 - s² rounded
    # once, as PyTorch's kernels, in one pass; a second-order gradient (grad mode on) goes through
    # ops and stays correct
    a, b, _, _ = _inputs(dtype, seed=4)
    x = st.tensor(a * 3, requires_grad=True)
    y = getattr(x, op)()
    y.backward(st.tensor(b))
    # PyTorch's backward kernel on the same result (the forward values may differ in the last bit)
    want = getattr(torch_ref.ops.aten, f"{op}_backward")(torch_ref.tensor(b), torch_ref.tensor(y.detach().numpy()))
    np.testing.assert_array_equal(x.grad.numpy(), want.numpy())
    x = st.tensor(a[:50].astype(np.float64), requires_grad=True)
    assert st.autograd.gradgradcheck(getattr(st, op), (x,))


def test_sigmoid_gradient_takes_one_pass():
    # the gradient of a float32 sigmoid allocates only its result (the ops would make three temporaries)
    x = st.randn(100_000, requires_grad=True)
    y = x.sigmoid()
    g = st.ones(100_000)
    (gx,) = st.autograd.grad(y, x, g, retain_graph=True)  # warm
    before = st._C._allocator_stats()["allocations"]
    (gx2,) = st.autograd.grad(y, x, g, retain_graph=True)
    assert st._C._allocator_stats()["allocations"] - before == 1
    assert st.equal(gx, gx2)
