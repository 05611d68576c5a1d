"""Forward-mode AD (smalltorch.autograd.forward_ad): tangents against finite differences and against
PyTorch's forward mode, views and in-place writes, levels, printing and errors."""
import numpy as np
import pytest

import smalltorch as st
import smalltorch.autograd.forward_ad as fwAD

RNG = np.random.default_rng(7)


def _arr(*shape, positive=False):
    a = RNG.standard_normal(shape)
    return np.abs(a) + 0.5 if positive else a


def _jvp(fn, primals, tangents):
    with fwAD.dual_level():
        duals = [fwAD.make_dual(st.tensor(p), st.tensor(t)) for p, t in zip(primals, tangents)]
        out = fn(*duals)
        primal, tangent = fwAD.unpack_dual(out)
        return primal.numpy().copy(), None if tangent is None else tangent.numpy().copy()


def _finite_difference(fn, primals, tangents, eps=1e-6):
    """(f(x + eps t) - f(x - eps t)) / 2 eps in float64."""
    plus = fn(*[st.tensor(p + eps * t) for p, t in zip(primals, tangents)]).numpy()
    minus = fn(*[st.tensor(p - eps * t) for p, t in zip(primals, tangents)]).numpy()
    return (plus - minus) / (2 * eps)


# (name, function of tensors written for either library, input shapes, positive inputs)
CASES = [
    ("sin", lambda x: x.sin(), [(3, 4)], False),
    ("exp_log", lambda x: (x.exp() + 1).log(), [(5,)], False),
    ("sqrt", lambda x: x.sqrt(), [(4,)], True),
    ("tanh_sigmoid", lambda x: x.tanh() * x.sigmoid(), [(2, 3)], False),
    ("relu", lambda x: x.relu(), [(6,)], False),
    ("pow_scalar", lambda x: x ** 3, [(4,)], False),
    ("pow_tensor", lambda x, y: x ** y, [(3,), (3,)], True),
    ("rpow", lambda x: 2.0 ** x, [(3,)], False),
    ("add_alpha", lambda x, y: x.add(y, alpha=2.5), [(2, 3), (3,)], False),
    ("sub", lambda x, y: x - y, [(2, 3), (2, 1)], False),
    ("rsub", lambda x: 1.0 - x, [(3,)], False),
    ("mul_broadcast", lambda x, y: x * y, [(2, 3), (3,)], False),
    ("div", lambda x, y: x / y, [(4,), (4,)], True),
    ("neg_reciprocal", lambda x: (-x).reciprocal(), [(4,)], True),
    ("atan2", lambda x, y: x.atan2(y), [(4,), (4,)], True),
    ("maximum", lambda x, y: x.maximum(y), [(5,), (5,)], False),
    ("where", lambda x, y: st_or_torch(x).where(x > 0, x, y), [(5,), (5,)], False),
    ("clamp", lambda x: x.clamp(-0.5, 0.5), [(6,)], False),
    ("lerp", lambda x, y: x.lerp(y, 0.3), [(4,), (4,)], False),
    ("addcmul", lambda x, y: x.addcmul(y, y, value=0.5), [(4,), (4,)], False),
    ("matmul", lambda x, y: x @ y, [(3, 4), (4, 2)], False),
    ("bmm", lambda x, y: x.bmm(y), [(2, 3, 4), (2, 4, 2)], False),
    ("matmul_batched", lambda x, y: x @ y, [(2, 3, 4), (4,)], False),
    ("mv_dot", lambda x, y: (x.mv(y)).dot(x.mv(y)), [(3, 4), (4,)], False),
    ("addmm", lambda b, x, y: b.addmm(x, y, beta=0.5, alpha=2.0), [(2,), (2, 3), (3, 2)], False),
    ("sum_mean", lambda x: x.sum(0) + x.mean(1, keepdim=True).sum() + x.mean(), [(3, 4)], False),
    ("softmax", lambda x: x.softmax(1), [(2, 5)], False),
    ("log_softmax", lambda x: x.log_softmax(0), [(4, 3)], False),
    ("cumsum", lambda x: x.cumsum(1), [(2, 4)], False),
    ("views", lambda x: x.t().reshape(12)[2:9].view(7, 1).squeeze(1).unsqueeze(0).expand(2, 7), [(3, 4)], False),
    ("permute_select", lambda x: x.permute(2, 0, 1)[1].transpose(0, 1).diagonal(), [(2, 2, 3)], False),
    ("reshape_copy", lambda x: x.t().reshape(-1), [(3, 4)], False),
    ("cat_stack", lambda x, y: st_or_torch(x).cat([x, st_or_torch(x).stack([y, y]).sum(0)], 0), [(2, 3), (2, 3)], False),
    ("flip_roll_repeat", lambda x: x.flip(0).roll(1, 1).repeat(2, 1), [(2, 3)], False),
    ("tril_index_gather", lambda x: x.tril().index_select(1, idx(x, [2, 0])).gather(0, idx(x, [[1, 0], [0, 1]])),
     [(3, 3)], False),
    ("activations", lambda x: activations(x), [(8,)], False),
    ("activation_inplace", lambda x: activation_inplace(x), [(8,)], False),
    ("clone_contiguous_to", lambda x: x.t().contiguous().clone().to(x.dtype), [(2, 3)], False),
]


def st_or_torch(x):
    """The library x belongs to (the CASES run on both)."""
    return st if isinstance(x, st.Tensor) else __import__("torch")


def activations(x):
    F = st_or_torch(x).nn.functional
    return (F.gelu(x) + F.gelu(x, approximate="tanh") + F.elu(x, 0.7) + F.leaky_relu(x, 0.2) + F.silu(x)
            + F.softplus(x, beta=2.0) + F.mish(x) + F.hardswish(x * 4) + F.logsigmoid(x) + F.selu(x) + F.celu(x, 0.5))


def activation_inplace(x):
    F = st_or_torch(x).nn.functional
    y = x * 1.5
    F.elu(y, alpha=0.5, inplace=True)
    return y


def idx(x, values):
    return st_or_torch(x).tensor(values)


def check_against_finite_differences(fn, primals, tangents, rtol=1e-6):
    """fn's value under forward mode is its plain value, and its tangent the finite difference."""
    value, tangent = _jvp(fn, primals, tangents)
    np.testing.assert_allclose(value, fn(*[st.tensor(p) for p in primals]).numpy(), rtol=1e-12, atol=1e-12)
    assert tangent is not None and tangent.shape == value.shape
    np.testing.assert_allclose(tangent, _finite_difference(fn, primals, tangents), rtol=rtol, atol=1e-6)


def check_against_torch(torch, fn, primals, tangents, rtol=1e-10, atol=1e-12):
    """fn's tangent equals torch.autograd.forward_ad's on the same inputs."""
    tfw = torch.autograd.forward_ad
    _, ours = _jvp(fn, primals, tangents)
    with tfw.dual_level():
        duals = [tfw.make_dual(torch.tensor(p), torch.tensor(t)) for p, t in zip(primals, tangents)]
        theirs = tfw.unpack_dual(fn(*duals)).tangent.numpy()
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,fn,shapes,positive", CASES, ids=[c[0] for c in CASES])
def test_tangent_matches_finite_differences(name, fn, shapes, positive):
    check_against_finite_differences(fn, [_arr(*s, positive=positive) for s in shapes], [_arr(*s) for s in shapes])


@pytest.mark.parametrize("name,fn,shapes,positive", CASES, ids=[c[0] for c in CASES])
def test_tangent_matches_torch(torch_ref, name, fn, shapes, positive):
    check_against_torch(torch_ref, fn, [_arr(*s, positive=positive) for s in shapes], [_arr(*s) for s in shapes])


def test_one_tangent_of_two_inputs():
    x, y = _arr(3), _arr(3)
    with fwAD.dual_level():
        d = fwAD.make_dual(st.tensor(x), st.ones(3, dtype=st.float64))
        out = d * st.tensor(y) + st.tensor(y).sin()
        np.testing.assert_allclose(fwAD.unpack_dual(out).tangent.numpy(), y)


def _in_both(torch, body):
    """body(lib) under a dual level of smalltorch and of torch; the two results."""
    results = []
    for lib in (st, torch):
        with lib.autograd.forward_ad.dual_level():
            results.append(body(lib, lib.autograd.forward_ad))
    return results


def test_inplace_updates_the_tangent(torch_ref):
    x, t = _arr(4), _arr(4)

    def body(lib, fw):
        d = fw.make_dual(lib.tensor(x), lib.tensor(t))
        y = d.clone()
        y.mul_(3).add_(d).exp_()
        y.sub_(d, alpha=0.5)
        y.div_(2.0)
        return fw.unpack_dual(y).tangent.numpy().copy()

    ours, theirs = _in_both(torch_ref, body)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_write_into_view_of_plain_tensor_gives_base_a_tangent(torch_ref):
    x, t = _arr(2), _arr(2)

    def body(lib, fw):
        d = fw.make_dual(lib.tensor(x), lib.tensor(t))
        buf = lib.zeros(4, dtype=lib.float64)
        buf[1:3] = d * 2
        view = buf[2:]
        view.mul_(d[1])
        return fw.unpack_dual(buf).tangent.numpy().copy(), fw.unpack_dual(view).tangent.numpy().copy()

    ours, theirs = _in_both(torch_ref, body)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_views_share_the_tangent():
    with fwAD.dual_level():
        d = fwAD.make_dual(st.zeros(2, 3, dtype=st.float64), st.arange(6, dtype=st.float64).reshape(2, 3))
        row = d[1]
        col = d.t()[2]
        np.testing.assert_array_equal(fwAD.unpack_dual(row).tangent.numpy(), [3, 4, 5])
        np.testing.assert_array_equal(fwAD.unpack_dual(col).tangent.numpy(), [2, 5])


def test_printing_matches_torch(torch_ref):
    torch = torch_ref
    texts = []
    for lib in (st, torch):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 0.0]))
            y = (d * d).sin()
            texts.append((str(d), str(y), repr(fw.unpack_dual(y)), str(fw.unpack_dual(lib.tensor([1.0])))))
        texts.append(str(y))
    assert texts[0] == texts[2]
    assert texts[1] == texts[3]


def test_requires_grad_dual_has_view_node_and_backward_still_works(torch_ref):
    torch = torch_ref
    names = []
    grads = []
    for lib in (st, torch):
        fw = lib.autograd.forward_ad
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(x, lib.tensor([1.0, 1.0]))
            names.append(type(d.grad_fn).__name__)
            (d * d).sum().backward()
        grads.append(x.grad.numpy().copy())
    assert names[0] == names[1] == "ViewBackward0"
    np.testing.assert_allclose(grads[0], grads[1])


def test_level_exit_drops_tangents():
    with fwAD.dual_level():
        d = fwAD.make_dual(st.tensor([1.0]), st.tensor([2.0]))
        y = d * 3
    assert fwAD.unpack_dual(y).tangent is None
    assert fwAD.unpack_dual(d).tangent is None
    with fwAD.dual_level():  # a new level starts clean
        assert fwAD.unpack_dual(y).tangent is None


def test_no_tangent_means_none():
    with fwAD.dual_level():
        out = fwAD.unpack_dual(st.tensor([1.0]) * 2)
        assert out.tangent is None and type(out).__name__ == "UnpackedDualTensor"


@pytest.mark.parametrize("call", [
    "nested", "no_level", "size", "int_primal", "int_tangent", "exit_twice"])
def test_errors_match_torch(torch_ref, call):
    torch = torch_ref
    outcomes = []
    for lib in (st, torch):
        fw = lib.autograd.forward_ad
        try:
            if call == "nested":
                with fw.dual_level():
                    with fw.dual_level():
                        pass
            elif call == "no_level":
                fw.make_dual(lib.tensor([1.0]), lib.tensor([1.0]))
            elif call == "size":
                with fw.dual_level():
                    fw.make_dual(lib.tensor([1.0, 2.0]), lib.ones(3))
            elif call == "int_primal":
                with fw.dual_level():
                    fw.make_dual(lib.tensor([1, 2]), lib.tensor([1.0, 2.0]))
            elif call == "int_tangent":
                with fw.dual_level():
                    fw.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1, 2]))
            elif call == "exit_twice":
                fw.enter_dual_level()
                fw.exit_dual_level()
                fw.exit_dual_level()
            outcomes.append(None)
        except Exception as e:  # noqa: BLE001 - the class and text are what is compared
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[0] is not None and outcomes[1] is not None
    assert outcomes[0][0] == outcomes[1][0]
    if call != "exit_twice":
        assert outcomes[0][1] == outcomes[1][1]


def test_op_without_forward_formula_refuses():
    with fwAD.dual_level():
        d = fwAD.make_dual(st.tensor([1.0, 2.0, 3.0]), st.ones(3))
        with pytest.raises(NotImplementedError, match="Trying to use forward AD with _unique2 that does not "
                                                      "support it"):
            st.unique(d, return_inverse=True)
        st.unique(d.detach())  # without a tangent it runs


def test_jacobian_forward_mode_matches_reverse(torch_ref):
    torch = torch_ref
    x = _arr(3)
    w = _arr(2, 3)

    def f(lib):
        return lambda v: (lib.tensor(w) @ v).tanh(), lambda v: (v.exp(), v.sum() * v)

    for k in range(2):
        ours_fwd = st.autograd.functional.jacobian(f(st)[k], st.tensor(x), vectorize=True, strategy="forward-mode")
        ours_rev = st.autograd.functional.jacobian(f(st)[k], st.tensor(x))
        theirs = torch.autograd.functional.jacobian(f(torch)[k], torch.tensor(x), vectorize=True,
                                                     strategy="forward-mode")
        if k == 0:
            ours_fwd, ours_rev, theirs = (ours_fwd,), (ours_rev,), (theirs,)
        for a, b, c in zip(ours_fwd, ours_rev, theirs):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
            np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12)


def test_jacobian_forward_mode_argument_errors(torch_ref):
    torch = torch_ref
    for kwargs in ({"strategy": "forward-mode"}, {"strategy": "sideways"},
                   {"strategy": "forward-mode", "vectorize": True, "create_graph": True}):
        kinds = []
        for lib in (st, torch):
            with pytest.raises(Exception) as info:
                lib.autograd.functional.jacobian(lambda v: v * 2, lib.ones(2), **kwargs)
            kinds.append(type(info.value).__name__)
        assert kinds[0] == kinds[1]


# ------------------------------------------------------------ scatter_reduce, put, as_strided, in-place views

def inplace_views(x):
    """Every in-place view op on a tensor carrying a tangent, and on a view of one."""
    y = x * 1          # (2, 3)
    y.unsqueeze_(1)    # (2, 1, 3)
    y.transpose_(0, 2)  # (3, 1, 2)
    y.squeeze_()       # (3, 2)
    y.t_()             # (2, 3)
    y.swapdims_(0, 1)  # (3, 2)
    y.squeeze_(0)      # (3, 2), nothing to squeeze
    z = y[1:]
    z.t_()             # (2, 2), a view of y
    z.unsqueeze_(0).squeeze_(0)
    return st_or_torch(x).cat([y.reshape(-1), z.reshape(-1), (z * y[:2]).reshape(-1)])


def as_strided_cases(x):
    """as_strided of a tensor with a tangent, of a view of one (reaching elements the view does not show),
    and as_strided_ in place."""
    y = x * 1  # (2, 3)
    a = y.as_strided((2, 2), (1, 2), 1)
    b = y[1:].as_strided((3,), (2,), 0)
    c = y * 2
    c.as_strided_((3, 2), (1, 3))
    return st_or_torch(x).cat([a.reshape(-1), b, c.reshape(-1)])


def put_cases(x, s):
    y = x * 1
    y[1:].put_(idx(x, [0, 2, 1]), s)  # into a view
    return x.put(idx(x, [0, -1, 4]), s) + x.put(idx(x, [1, 1, 4]), s, accumulate=True) + y


def scatter_reduce_cases(x, s):
    i = idx(x, [[0, 1, 0], [3, 3, 2], [1, 2, 1]])
    y = x * 1
    y.scatter_reduce_(1, i, s * 2, "amin", include_self=False)
    return (x.scatter_reduce(1, i, s, "sum") + x.scatter_reduce(1, i, s, "mean", include_self=False)
            + x.scatter_reduce(1, i, s, "amax") + x.scatter_reduce(1, i, s, "amin", include_self=False)
            + x.scatter_reduce(0, idx(x, [[2, 0, 1, 1]]), s[:1, :3].repeat(1, 2)[:, :4], "mean") + y)


MORE_CASES = [
    ("scatter_reduce", scatter_reduce_cases, [(3, 4), (3, 3)]),
    ("scatter_reduce_1d_self_only", lambda x: x.scatter_reduce(0, idx(x, [0, 2]), x[:2] * 1, "amax"), [(4,)]),
    ("put", put_cases, [(2, 3), (3,)]),
    ("as_strided", as_strided_cases, [(2, 3)]),
    ("inplace_views", inplace_views, [(2, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", MORE_CASES, ids=[c[0] for c in MORE_CASES])
def test_more_tangents_match_finite_differences(name, fn, shapes):
    check_against_finite_differences(fn, [_arr(*s) for s in shapes], [_arr(*s) for s in shapes])


@pytest.mark.parametrize("name,fn,shapes", MORE_CASES, ids=[c[0] for c in MORE_CASES])
def test_more_tangents_match_torch(torch_ref, name, fn, shapes):
    check_against_torch(torch_ref, fn, [_arr(*s) for s in shapes], [_arr(*s) for s in shapes])


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_tangent_matches_finite_differences(include_self):
    """prod, zeros among the factors included. (PyTorch 2.13's forward mode gives no tangent for prod,
    so it is not compared.)"""
    i = st.tensor([[0, 1, 0, 3], [3, 3, 2, 2]])
    x, s = _arr(2, 4), _arr(2, 4)
    x[0, 2] = 0.0  # a zero self
    s[1, 0] = s[1, 1] = 0.0  # two zeros into one slot
    s[1, 2] = 0.0  # one zero into another

    def fn(x, s):
        return x.scatter_reduce(1, i, s, "prod", include_self=include_self)

    check_against_finite_differences(fn, [x, s], [_arr(2, 4), _arr(2, 4)])
    check_against_finite_differences(lambda x: fn(x, st.tensor(s)), [x], [_arr(2, 4)])


def test_index_reduce_refuses_as_torch(torch_ref):
    """PyTorch 2.13 has no forward formula for index_reduce: the same NotImplementedError."""
    messages = []
    for lib in (st, torch_ref):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(lib.ones(3, 2, dtype=lib.float64), lib.ones(3, 2, dtype=lib.float64))
            with pytest.raises(NotImplementedError) as info:
                d.index_reduce(0, lib.tensor([0, 2]), lib.ones(2, 2, dtype=lib.float64), "prod")
            messages.append(str(info.value).splitlines()[0])
            d.detach().index_reduce(0, lib.tensor([0, 2]), lib.ones(2, 2, dtype=lib.float64), "prod")
    assert messages[0] == messages[1]


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_match_torch(torch_ref, reduce, include_self):
    """Values tied for the max/min share the tangent evenly; with include_self=False a self value equal to
    the result at a slot that receives values is not among them (as PyTorch's forward mode)."""
    results = []
    for L in (st, torch_ref):
        fw = L.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(L.tensor([1.0, 5.0, 2.0, 0.5]), L.tensor([1.0, 2.0, 3.0, 4.0]))
            s = fw.make_dual(L.tensor([5.0, 0.5, 2.0, 0.5]), L.tensor([10.0, 20.0, 30.0, 40.0]))
            out = d.scatter_reduce(0, L.tensor([1, 1, 2, 3]), s, reduce, include_self=include_self)
            results.append(fw.unpack_dual(out).tangent.numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_as_strided_past_the_tangent_reads_zeros_as_torch(torch_ref):
    """A dual made over a view of a larger storage, then as_strided over elements the view does not show:
    their tangent is zero, as PyTorch's."""
    results = []
    for L in (st, torch_ref):
        fw = L.autograd.forward_ad
        with fw.dual_level():
            base = L.arange(6, dtype=L.float64)
            d = fw.make_dual(base[:3], L.tensor([1.0, 2.0, 3.0], dtype=L.float64))
            y, t = fw.unpack_dual(d.as_strided((4,), (1,), 2))
            results.append((y.numpy().copy(), t.numpy().copy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
