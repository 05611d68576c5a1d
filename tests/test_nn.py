"""smalltorch.nn against torch.nn: repr, registration, state_dict, outputs, gradients, losses, errors."""

import math
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.nn.functional as F
from smalltorch.autograd import gradcheck
from conftest import subprocess_env


def _build(lib, nnmod):
    """The same nested model built from either library's nn."""
    class Block(nnmod.Module):
        def __init__(self):
            super().__init__()
            self.fc = nnmod.Linear(4, 6)
            self.act = nnmod.GELU()
            self.register_buffer("steps", lib.zeros(2))
            self.register_buffer("scratch", lib.ones(1), persistent=False)
            self.blocks = nnmod.ModuleList([nnmod.ReLU(), nnmod.ReLU(), nnmod.Tanh(), nnmod.Linear(6, 6)])
            self.heads = nnmod.ModuleDict({"a": nnmod.Linear(6, 2), "b": nnmod.Identity()})

        def forward(self, x):
            x = self.act(self.fc(x))
            for m in self.blocks:
                x = m(x)
            return self.heads["a"](x)

    return nnmod.Sequential(
        nnmod.Flatten(),
        Block(),
        nnmod.ReLU(inplace=True),
        nnmod.Dropout(0.25),
        nnmod.Sequential(OrderedDict([("lin", nnmod.Linear(2, 3, bias=False)), ("sm", nnmod.LogSoftmax(dim=1))])),
        nnmod.Unflatten(1, (3, 1)),
    )


def _copy_weights(src_torch, dst):
    with smalltorch.no_grad():
        for (n1, p1), (n2, p2) in zip(src_torch.state_dict().items(), dst.state_dict().items()):
            assert n1 == n2
            p2.copy_(smalltorch.from_numpy(p1.detach().numpy().copy()))


def test_repr_of_nested_models_matches_torch(torch_ref):
    assert repr(_build(smalltorch, nn)) == repr(_build(torch_ref, torch_ref.nn))
    for make in (lambda n: n.Linear(3, 4, bias=False), lambda n: n.LeakyReLU(0.2, inplace=True),
                 lambda n: n.GELU("tanh"), lambda n: n.SiLU(), lambda n: n.ELU(0.5), lambda n: n.Softplus(2, 10),
                 lambda n: n.Softmax(), lambda n: n.Sigmoid(), lambda n: n.Dropout(), lambda n: n.Flatten(0, 2),
                 lambda n: n.MSELoss(), lambda n: n.CrossEntropyLoss(label_smoothing=0.1), lambda n: n.ModuleList(),
                 lambda n: n.Sequential(), lambda n: n.ModuleDict({"x": n.ReLU()}), lambda n: n.BCEWithLogitsLoss()):
        assert repr(make(nn)) == repr(make(torch_ref.nn))


def test_parameter_prints_and_behaves_as_torch(torch_ref):
    p = nn.Parameter(smalltorch.ones(2, 2))
    tp = torch_ref.nn.Parameter(torch_ref.ones(2, 2))
    assert repr(p) == repr(tp) and str(p) == str(tp)
    assert isinstance(p, nn.Parameter) and isinstance(p, smalltorch.Tensor)
    assert p.requires_grad and p.is_leaf
    assert not nn.Parameter(smalltorch.ones(2), requires_grad=False).requires_grad
    t = smalltorch.zeros(2)
    shared = nn.Parameter(t)
    assert type(t) is smalltorch.Tensor and shared is not t  # the data keeps its class and shares its storage
    shared.data.fill_(4.0)
    assert t.tolist() == [4.0, 4.0]
    (p * 3).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.full((2, 2), 3.0, np.float32))
    assert type(p * 3) is smalltorch.Tensor
    with pytest.raises(RuntimeError):
        nn.Parameter(smalltorch.arange(3))
    with pytest.raises(RuntimeError):
        torch_ref.nn.Parameter(torch_ref.arange(3))


def test_parameter_survives_gc_while_graph_holds_it():
    import gc
    p = nn.Parameter(smalltorch.ones(3))
    y = (p * 2).sum()
    keep = [p]
    del p
    gc.collect()
    assert isinstance(keep[0], nn.Parameter)
    y.backward()
    assert keep[0].grad is not None


def test_state_dict_keys_shapes_and_iteration_match_torch(torch_ref):
    m, tm = _build(smalltorch, nn), _build(torch_ref, torch_ref.nn)
    sd, tsd = m.state_dict(), tm.state_dict()
    assert list(sd) == list(tsd)
    assert [tuple(v.shape) for v in sd.values()] == [tuple(v.shape) for v in tsd.values()]
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in m.named_children()] == [n for n, _ in tm.named_children()]
    assert len(list(m.parameters())) == len(list(tm.parameters()))
    assert len(list(m.modules())) == len(list(tm.modules()))
    assert len(list(m.children())) == len(list(tm.children()))
    assert [n for n, _ in m[1].named_parameters(recurse=False)] == [n for n, _ in tm[1].named_parameters(recurse=False)]
    assert all(not v.requires_grad for v in sd.values())
    assert all(isinstance(v, nn.Parameter) for k, v in m.state_dict(keep_vars=True).items() if "steps" not in k)


def test_outputs_and_gradients_match_torch_with_copied_weights(torch_ref):
    m, tm = _build(smalltorch, nn).double(), _build(torch_ref, torch_ref.nn).double()
    _copy_weights(tm, m)
    m.eval()
    tm.eval()
    x = np.random.default_rng(0).standard_normal((5, 2, 2))
    out = m(smalltorch.from_numpy(x))
    tout = tm(torch_ref.from_numpy(x))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    for (n, p), (tn, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert n == tn
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", [("ReLU", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softmax", {"dim": 1}),
                                         ("LogSoftmax", {"dim": 0}), ("LeakyReLU", {"negative_slope": 0.3}),
                                         ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}),
                                         ("ELU", {"alpha": 0.7}), ("Softplus", {"beta": 2.0, "threshold": 3.0}),
                                         ("Identity", {}), ("Flatten", {"start_dim": 0})])
def test_activation_modules_match_torch(torch_ref, name, kwargs):
    x = np.random.default_rng(1).standard_normal((4, 5)) * 3
    x[0, 0] = 100.0  # far beyond softplus's threshold and exp's float range for ELU's dropped branch
    a = smalltorch.tensor(x, requires_grad=True)
    b = torch_ref.tensor(x, requires_grad=True)
    ya, yb = getattr(nn, name)(**kwargs)(a), getattr(torch_ref.nn, name)(**kwargs)(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(2).standard_normal(tuple(yb.shape))
    ya.backward(smalltorch.from_numpy(g))
    yb.backward(torch_ref.from_numpy(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_inplace_activations_write_their_input(torch_ref):
    x = np.array([-1.0, 2.0, -3.0])
    for name in ("relu", "leaky_relu", "elu", "silu"):
        a, b = smalltorch.tensor(x), torch_ref.tensor(x)
        ra, rb = getattr(F, name)(a, inplace=True), getattr(torch_ref.nn.functional, name)(b, inplace=True)
        assert ra is a
        np.testing.assert_allclose(a.numpy(), b.numpy())


def test_linear_default_init_bounds_and_addmm_node(torch_ref):
    smalltorch.manual_seed(0)
    lin = nn.Linear(50, 30)
    bound = 1 / math.sqrt(50)  # kaiming_uniform_(a=sqrt(5)) and the bias both give U(-1/sqrt(fan_in), ...)
    for t in (lin.weight, lin.bias):
        v = t.detach().numpy()
        assert v.min() >= -bound and v.max() <= bound and v.max() - v.min() > bound
    assert lin.weight.dtype == smalltorch.float32
    x = smalltorch.randn(3, 50)
    tl = torch_ref.nn.Linear(50, 30)
    assert lin(x).grad_fn.name() == tl(torch_ref.randn(3, 50)).grad_fn.name() == "AddmmBackward0"
    no_bias = nn.Linear(50, 30, bias=False)
    assert no_bias.bias is None and "bias" in no_bias._parameters
    y = lin(smalltorch.randn(2, 4, 50))
    assert tuple(y.shape) == (2, 4, 30)
    assert tuple(lin(smalltorch.randn(50)).shape) == (30,)
    assert nn.Linear(3, 4, dtype=smalltorch.float64).weight.dtype == smalltorch.float64


def test_linear_wrong_input_width_raises_torch_error(torch_ref):
    for shape in ((3, 5), (2, 3, 5), (5,)):
        with pytest.raises(RuntimeError) as e:
            nn.Linear(4, 2)(smalltorch.randn(*shape))
        with pytest.raises(RuntimeError) as te:
            torch_ref.nn.Linear(4, 2)(torch_ref.randn(*shape))
        assert str(e.value) == str(te.value)


def test_load_state_dict_round_trip_and_errors(torch_ref):
    m, tm = _build(smalltorch, nn), _build(torch_ref, torch_ref.nn)
    m2 = _build(smalltorch, nn)
    res = m2.load_state_dict(m.state_dict())
    assert repr(res) == repr(tm.load_state_dict(tm.state_dict())) == "<All keys matched successfully>"
    for a, b in zip(m.state_dict().values(), m2.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    def corrupt(sd, lib):
        sd = OrderedDict(sd)
        del sd["1.fc.weight"]
        sd["1.extra"] = lib.ones(1)
        sd["4.lin.weight"] = lib.ones(7, 7)
        return sd

    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(corrupt(m.state_dict(), smalltorch))
    with pytest.raises(RuntimeError) as te:
        tm.load_state_dict(corrupt(tm.state_dict(), torch_ref))
    assert str(e.value).replace("smalltorch.Size", "torch.Size") == str(te.value)
    assert str(e.value).startswith("Error(s) in loading state_dict for Sequential:\n\tMissing key(s)")

    sd, tsd = m.state_dict(), tm.state_dict()
    del sd["1.fc.bias"]
    del tsd["1.fc.bias"]
    sd["zzz"], tsd["zzz"] = smalltorch.ones(1), torch_ref.ones(1)
    res, tres = m.load_state_dict(sd, strict=False), tm.load_state_dict(tsd, strict=False)
    assert res == tres and res.missing_keys == ["1.fc.bias"] and res.unexpected_keys == ["zzz"]
    assert repr(res) == repr(tres)


def test_setattr_registration_and_errors(torch_ref):
    for lib, n in ((smalltorch, nn), (torch_ref, torch_ref.nn)):
        m = n.Module()
        m.w = n.Parameter(lib.ones(2))
        m.sub = n.Linear(1, 1)
        m.register_buffer("b", lib.zeros(1))
        m.plain = lib.zeros(1)
        assert [k for k, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
        assert list(m.state_dict()) == ["w", "b", "sub.weight", "sub.bias"]
        with pytest.raises(TypeError):
            m.w = lib.ones(2)
        with pytest.raises(TypeError):
            m.sub = 3
        with pytest.raises(TypeError):
            m.b = 3
        with pytest.raises(KeyError):
            m.register_buffer("plain", lib.ones(1))
        with pytest.raises(KeyError):
            m.register_parameter("a.b", None)
        with pytest.raises(TypeError):
            m.add_module("x", 3)
        with pytest.raises(AttributeError):
            m.nothing  # noqa: B018
        del m.sub
        assert [k for k, _ in m.named_parameters()] == ["w"]
        with pytest.raises(NotImplementedError):
            m(lib.ones(1))

    class Early(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(smalltorch.ones(1))
    with pytest.raises(AttributeError):
        Early()


def test_train_eval_dropout_apply_zero_grad_requires_grad():
    smalltorch.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.9)))
    assert all(x.training for x in m.modules())
    x = smalltorch.ones(100, 3)
    d = nn.Dropout(0.5)
    y = d(x)
    kept = y.numpy() != 0
    assert 0.3 < kept.mean() < 0.7 and np.allclose(y.numpy()[kept], 2.0)
    assert m.eval() is m and not any(x.training for x in m.modules())
    assert d.eval()(x) is x
    m.train()
    assert all(x.training for x in m.modules())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Dropout", "Dropout", "Sequential", "Sequential"]
    m.eval()
    m(x).sum().backward()
    assert m[0].weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert np.all(m[0].weight.grad.numpy() == 0)
    m.zero_grad()
    assert m[0].weight.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    with pytest.raises(ValueError):
        F.dropout(x, -0.1)


def test_to_float_double_and_cuda(torch_ref):
    m = nn.Sequential(nn.Linear(2, 2))
    m.register_buffer("count", smalltorch.zeros(1, dtype=smalltorch.int64))
    w = m[0].weight
    m(smalltorch.ones(1, 2)).sum().backward()
    assert m.double() is m and m[0].weight is w and w.grad.dtype == smalltorch.float64
    assert m[0].weight.dtype == smalltorch.float64 and isinstance(m[0].weight, nn.Parameter)
    assert m.count.dtype == smalltorch.int64
    assert m.to(smalltorch.float32)[0].bias.dtype == smalltorch.float32
    assert m.to("cpu") is m and m.cpu() is m
    assert m.float()[0].weight.requires_grad
    with pytest.raises(TypeError):
        m.to(smalltorch.int64)
    with pytest.raises(TypeError):
        torch_ref.nn.Linear(1, 1).to(torch_ref.int64)
    if not torch_ref.cuda.is_available():
        with pytest.raises(AssertionError) as te:
            torch_ref.nn.Linear(1, 1).cuda()
        with pytest.raises(AssertionError) as e:
            m.cuda()
        assert str(e.value) == str(te.value)


def test_deepcopy_gives_independent_parameters_and_buffers():
    import copy
    m = nn.Sequential(nn.Linear(2, 2))
    m.register_buffer("b", smalltorch.ones(2))
    m2 = copy.deepcopy(m)
    assert isinstance(m2[0].weight, nn.Parameter) and m2[0].weight.requires_grad
    assert m2[0].weight is not m[0].weight and m2.b is not m.b
    assert list(m2.state_dict()) == list(m.state_dict())
    with smalltorch.no_grad():
        m2[0].weight.fill_(5.0)
    assert not np.any(m[0].weight.detach().numpy() == 5.0)


def test_buffer_assignment_registers_as_torch(torch_ref):
    def run(lib, n):
        m = n.Module()
        m.a = n.Buffer(lib.ones(2))
        m.b = n.Buffer(lib.zeros(1), persistent=False)
        m.a = lib.zeros(3)  # a registered buffer takes a plain tensor
        return list(m.state_dict()), [k for k, _ in m.named_buffers()], tuple(m.a.shape)
    assert run(smalltorch, nn) == run(torch_ref, torch_ref.nn)


def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    y = m(smalltorch.ones(1, 2))
    np.testing.assert_allclose(y.detach().numpy(), (m.bias + 1).detach().numpy()[None])
    assert calls == [smalltorch.Size([1, 2])]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(m(smalltorch.zeros(1, 2)).detach().numpy(), m.bias.detach().numpy()[None])
    with m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True):
        np.testing.assert_allclose(m(smalltorch.zeros(1, 2)).detach().numpy(), m.bias.detach().numpy()[None])


def test_sequential_and_container_protocols(torch_ref):
    for n in (nn, torch_ref.nn):
        s = n.Sequential(n.Linear(1, 2), n.ReLU(), n.Linear(2, 3))
        assert len(s) == 3 and isinstance(s[-1], n.Linear) and isinstance(s[1:], n.Sequential)
        assert len(s[1:]) == 2 and list(s[1:]._modules) == ["1", "2"]
        with pytest.raises(IndexError):
            s[3]
        s.append(n.Tanh())
        assert list(s._modules) == ["0", "1", "2", "3"]
        s.add_module("named", n.Sigmoid())
        assert isinstance(s.named, n.Sigmoid)
        del s[0]
        assert list(s._modules) == ["0", "1", "2", "3"]
        s[0] = n.Identity()
        assert isinstance(s[0], n.Identity)
        assert [type(x).__name__ for x in s] == ["Identity", "Linear", "Tanh", "Sigmoid"]
        ml = n.ModuleList([n.ReLU()])
        ml.append(n.Tanh())
        ml.extend([n.Sigmoid()])
        ml.insert(0, n.Identity())
        assert [type(x).__name__ for x in ml] == ["Identity", "ReLU", "Tanh", "Sigmoid"]
        assert len(ml[1:]) == 3
        md = n.ModuleDict({"a": n.ReLU()})
        md["b"] = n.Tanh()
        assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
        assert md.pop("a").__class__.__name__ == "ReLU"
    assert repr(nn.ModuleList([nn.ReLU()] * 3 + [nn.Tanh()])) == \
        repr(torch_ref.nn.ModuleList([torch_ref.nn.ReLU()] * 3 + [torch_ref.nn.Tanh()]))


def _pair(torch_ref, *arrays):
    return [smalltorch.from_numpy(a.copy()) for a in arrays], [torch_ref.from_numpy(a.copy()) for a in arrays]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_losses_match_torch(torch_ref, reduction):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    probs, tprobs = rng.random((6, 4)), (rng.random((6, 4)) > 0.5).astype(np.float64)
    labels = np.array([0, 3, 1, -100, 2, 3])
    w, pw = rng.random(4), rng.random(4) + 0.5
    TF = torch_ref.nn.functional
    cases = [("mse_loss", (x, y), {}), ("l1_loss", (x, y), {}),
             ("binary_cross_entropy", (probs, tprobs), {}),
             ("binary_cross_entropy", (probs, tprobs), {"weight": w}),
             ("binary_cross_entropy_with_logits", (x, tprobs), {}),
             ("binary_cross_entropy_with_logits", (x, tprobs), {"weight": w, "pos_weight": pw}),
             ("nll_loss", (x, labels), {}), ("nll_loss", (x, labels), {"weight": w}),
             ("nll_loss", (x, np.array([1, 3, 0, 2, 2, 2])), {"ignore_index": 2}),
             ("cross_entropy", (x, labels), {}), ("cross_entropy", (x, labels), {"weight": w}),
             ("cross_entropy", (x, labels), {"label_smoothing": 0.2}),
             ("cross_entropy", (x, labels), {"weight": w, "label_smoothing": 0.3}),
             ("cross_entropy", (x, probs), {}), ("cross_entropy", (x, probs), {"weight": w, "label_smoothing": 0.1}),
             ("cross_entropy", (rng.standard_normal((2, 4, 3)), np.array([[0, 1, 3], [2, -100, 1]])), {}),
             ("cross_entropy", (rng.standard_normal(4), np.array(2)), {})]
    for name, arrays, kwargs in cases:
        (a, b), (ta, tb) = _pair(torch_ref, *arrays)
        a.requires_grad_(True)
        ta.requires_grad_(True)
        kw = {k: smalltorch.from_numpy(v) for k, v in kwargs.items() if isinstance(v, np.ndarray)}
        tkw = {k: torch_ref.from_numpy(v) for k, v in kwargs.items() if isinstance(v, np.ndarray)}
        kw.update({k: v for k, v in kwargs.items() if not isinstance(v, np.ndarray)})
        tkw.update({k: v for k, v in kwargs.items() if not isinstance(v, np.ndarray)})
        out = getattr(F, name)(a, b, reduction=reduction, **kw)
        tout = getattr(TF, name)(ta, tb, reduction=reduction, **tkw)
        assert tuple(out.shape) == tuple(tout.shape), (name, kwargs)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name} {kwargs}")
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=f"{name} {kwargs}")


def test_loss_modules_match_torch(torch_ref):
    rng = np.random.default_rng(4)
    x, labels, w = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0]), rng.random(3)
    (a, b, c), (ta, tb, tc) = _pair(torch_ref, x, labels, w)
    for name, kw in (("CrossEntropyLoss", dict(ignore_index=1, label_smoothing=0.1)), ("NLLLoss", {})):
        m, tm = getattr(nn, name)(weight=c, reduction="sum", **kw), getattr(torch_ref.nn, name)(weight=tc, reduction="sum", **kw)
        assert list(m.state_dict()) == list(tm.state_dict()) == ["weight"]
        np.testing.assert_allclose(m(a, b).numpy(), tm(ta, tb).numpy(), rtol=1e-12)
    y = rng.standard_normal((5, 3))
    (a, y_), (ta, ty) = _pair(torch_ref, x, y)
    for name in ("MSELoss", "L1Loss"):
        np.testing.assert_allclose(getattr(nn, name)()(a, y_).numpy(), getattr(torch_ref.nn, name)()(ta, ty).numpy())
    p, t = rng.random((5, 3)), (rng.random((5, 3)) > 0.5) * 1.0
    (a, b), (ta, tb) = _pair(torch_ref, p, t)
    np.testing.assert_allclose(nn.BCELoss()(a, b).numpy(), torch_ref.nn.BCELoss()(ta, tb).numpy())
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(pos_weight=smalltorch.ones(3) * 2)(a, b).numpy(),
                               torch_ref.nn.BCEWithLogitsLoss(pos_weight=torch_ref.ones(3) * 2)(ta, tb).numpy())


def test_loss_errors_match_torch_classes(torch_ref):
    TF = torch_ref.nn.functional
    x = np.random.default_rng(5).standard_normal((3, 4))
    cases = [("cross_entropy", (x, np.array([1, 2, 5]))), ("cross_entropy", (x, np.array([1, -2, 0]))),
             ("nll_loss", (x, np.array([1, 4, 0]))), ("nll_loss", (x, np.array([1, 2]))),
             ("nll_loss", (x, np.array([1, 2, 3], dtype=np.int32))),
             ("cross_entropy", (x, np.random.default_rng(0).random((3, 5)))),
             ("nll_loss", (np.zeros((3, 4, 5)), np.array([1, 2, 3]))),
             ("binary_cross_entropy", (np.array([0.5, 2.0]), np.array([0.0, 1.0]))),
             ("binary_cross_entropy", (np.array([0.5, 0.5]), np.array([0.0, 1.0, 1.0]))),
             ("binary_cross_entropy_with_logits", (np.array([0.5, 0.5]), np.array([0.0, 1.0, 1.0])))]
    for name, arrays in cases:
        (a, b), (ta, tb) = _pair(torch_ref, *arrays)
        with pytest.raises(Exception) as te:
            getattr(TF, name)(ta, tb)
        with pytest.raises(type(te.value)) as e:
            getattr(F, name)(a, b)
        assert str(e.value).replace("smalltorch.", "torch.") == str(te.value), name
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(smalltorch.ones(1), smalltorch.ones(1), reduction="foo")


def test_out_of_range_target_raises_in_a_subprocess_never_crashes():
    code = ("import smalltorch as t, smalltorch.nn.functional as F\n"
            "for tgt in ([0, 7], [-5, 0], [2**40, 0]):\n"
            "    try:\n"
            "        F.cross_entropy(t.randn(2, 3), t.tensor(tgt))\n"
            "    except IndexError as e:\n"
            "        print('IndexError', e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("IndexError") == 3


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits", "cross_entropy_probs", "cross_entropy_smooth"])
def test_functional_losses_gradcheck(name):
    rng = np.random.default_rng(6)
    x = smalltorch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    labels = smalltorch.tensor([0, 2, 1, 2])
    if name in ("mse_loss", "l1_loss"):
        y = smalltorch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
        fn, inputs = getattr(F, name), (x, y)
    elif name == "binary_cross_entropy":
        p = smalltorch.tensor(rng.random((4, 3)) * 0.8 + 0.1, requires_grad=True)
        t = smalltorch.tensor(rng.random((4, 3)))
        fn, inputs = (lambda a: F.binary_cross_entropy(a, t)), (p,)
    elif name == "binary_cross_entropy_with_logits":
        t = smalltorch.tensor(rng.random((4, 3)))
        fn, inputs = (lambda a: F.binary_cross_entropy_with_logits(a, t, pos_weight=smalltorch.ones(3) * 2)), (x,)
    elif name == "cross_entropy_probs":
        t = smalltorch.tensor(rng.random((4, 3)))
        fn, inputs = (lambda a: F.cross_entropy(a, t)), (x,)
    elif name == "cross_entropy_smooth":
        fn, inputs = (lambda a: F.cross_entropy(a, labels, weight=smalltorch.tensor([1.0, 2.0, 0.5]),
                                                label_smoothing=0.2)), (x,)
    else:
        fn, inputs = (lambda a: getattr(F, name)(a, labels)), (x,)
    assert gradcheck(fn, inputs)


def test_functional_forms_match_torch(torch_ref):
    TF = torch_ref.nn.functional
    x = np.random.default_rng(7).standard_normal((3, 4))
    (a,), (ta,) = _pair(torch_ref, x)
    for name, kw in (("relu", {}), ("sigmoid", {}), ("tanh", {}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
                     ("leaky_relu", {"negative_slope": 0.1}), ("gelu", {}), ("silu", {}), ("elu", {}),
                     ("softplus", {"beta": 0.5})):
        np.testing.assert_allclose(getattr(F, name)(a, **kw).numpy(), getattr(TF, name)(ta, **kw).numpy(),
                                   rtol=1e-12, atol=1e-14, err_msg=name)
    w, bias = np.ones((2, 4)), np.arange(2.0)
    np.testing.assert_allclose(F.linear(a, smalltorch.from_numpy(w), smalltorch.from_numpy(bias)).numpy(),
                               TF.linear(ta, torch_ref.from_numpy(w), torch_ref.from_numpy(bias)).numpy())
    idx = np.array([0, 2, 1, 2])
    assert F.one_hot(smalltorch.from_numpy(idx)).tolist() == TF.one_hot(torch_ref.from_numpy(idx)).tolist()
    assert F.one_hot(smalltorch.from_numpy(idx), 5).tolist() == TF.one_hot(torch_ref.from_numpy(idx), 5).tolist()
    for bad in (np.array([1, -1]), np.array([1.0, 2.0])):
        with pytest.raises(RuntimeError):
            TF.one_hot(torch_ref.from_numpy(bad))
        with pytest.raises(RuntimeError):
            F.one_hot(smalltorch.from_numpy(bad))
    with pytest.warns(UserWarning):
        F.softmax(a)


def test_init_functions(torch_ref):
    smalltorch.manual_seed(0)
    t = smalltorch.empty(300, 200)
    for fn, kw in ((nn.init.xavier_uniform_, {}), (nn.init.kaiming_uniform_, {"nonlinearity": "relu"})):
        fn(t, **kw)
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(t)
        assert (fan_in, fan_out) == torch_ref.nn.init._calculate_fan_in_and_fan_out(torch_ref.empty(300, 200))
        std = (math.sqrt(2.0 / (fan_in + fan_out)) if fn is nn.init.xavier_uniform_ else math.sqrt(2.0 / fan_in))
        assert abs(t.numpy().std() / std - 1) < 0.05
    nn.init.kaiming_normal_(t, mode="fan_out")
    assert abs(t.numpy().std() / math.sqrt(2.0 / (1 + 0.0) / 300) - 1) < 0.05
    nn.init.xavier_normal_(t, gain=2.0)
    assert abs(t.numpy().std() / (2.0 * math.sqrt(2.0 / 500)) - 1) < 0.05
    p = nn.Parameter(smalltorch.empty(3, 3))
    assert nn.init.eye_(p) is p and np.array_equal(p.detach().numpy(), np.eye(3, dtype=np.float32))
    assert nn.init.constant_(p, 2.5).detach().numpy().tolist() == [[2.5] * 3] * 3
    assert nn.init.zeros_(p).detach().numpy().sum() == 0 and nn.init.ones_(p).detach().numpy().sum() == 9
    nn.init.uniform_(p, -1, 1)
    nn.init.normal_(p, 0, 1)
    assert p.grad_fn is None and p.requires_grad
    for name, param in (("linear", None), ("tanh", None), ("relu", None), ("leaky_relu", 0.2), ("selu", None),
                        ("sigmoid", None)):
        assert nn.init.calculate_gain(name, param) == torch_ref.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError):
        nn.init.calculate_gain("foo")
    with pytest.raises(ValueError):
        nn.init.xavier_uniform_(smalltorch.empty(3))


def test_clip_grad_and_vector_conversion(torch_ref):
    x = np.random.default_rng(8).standard_normal((3, 2)) * 10
    ps = [nn.Parameter(smalltorch.ones(3, 2, dtype=smalltorch.float64)), nn.Parameter(smalltorch.ones(2, dtype=smalltorch.float64))]
    tps = [torch_ref.nn.Parameter(torch_ref.ones(3, 2, dtype=torch_ref.float64)), torch_ref.nn.Parameter(torch_ref.ones(2, dtype=torch_ref.float64))]
    for norm_type in (2.0, 1.0, math.inf):
        for p, g in zip(ps, (x, x[0])):
            p.grad = smalltorch.from_numpy(g.copy())
        for p, g in zip(tps, (x, x[0])):
            p.grad = torch_ref.from_numpy(g.copy())
        n = nn.utils.clip_grad_norm_(ps, 1.5, norm_type)
        tn = torch_ref.nn.utils.clip_grad_norm_(tps, 1.5, norm_type)
        np.testing.assert_allclose(n.numpy(), tn.numpy(), rtol=1e-12)
        for p, tp in zip(ps, tps):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)
    nn.utils.clip_grad_value_(ps, 0.1)
    torch_ref.nn.utils.clip_grad_value_(tps, 0.1)
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy())
    v = nn.utils.parameters_to_vector(ps)
    assert tuple(v.shape) == (8,)
    nn.utils.vector_to_parameters(smalltorch.arange(8, dtype=smalltorch.float64), ps)
    assert ps[0].detach().numpy().ravel().tolist() == [0, 1, 2, 3, 4, 5] and ps[1].detach().numpy().tolist() == [6, 7]


def test_imports_are_lazy_and_all_forms_work():
    code = ("import sys, smalltorch\n"
            "assert 'smalltorch.nn' not in sys.modules and 'smalltorch.optim' not in sys.modules\n"
            "from smalltorch import nn, optim\n"
            "import smalltorch.nn as nn2\n"
            "from smalltorch.utils.data import DataLoader\n"
            "assert nn is nn2 is smalltorch.nn and optim is smalltorch.optim\n"
            "assert smalltorch.utils.data.DataLoader is DataLoader\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
