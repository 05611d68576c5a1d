"""smalltorch.optim against torch.optim: trajectories, state_dict, param groups, schedulers."""

import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.optim as optim

CASES = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
]


def _trajectory(lib, optim_mod, name, kwargs, dtype, steps=20):
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(4).astype(dtype)
    x = lib.tensor(rng.standard_normal((5, 3)).astype(dtype))
    ps = [lib.tensor(w0, requires_grad=True), lib.tensor(b0, requires_grad=True)]
    opt = getattr(optim_mod, name)(ps, **kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ ps[0] + ps[1]).tanh() ** 2).sum()
        loss.backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out, opt


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trajectory_matches_torch(torch_ref, name, kwargs, dtype):
    ours, _ = _trajectory(smalltorch, optim, name, kwargs, dtype)
    theirs, _ = _trajectory(torch_ref, torch_ref.optim, name, dict(kwargs, foreach=False), dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for pa, pb in zip(a, b):
            np.testing.assert_allclose(pa, pb, err_msg=f"step {step}", **tol)


@pytest.mark.parametrize("name,kwargs", CASES[1::2], ids=[n for n, _ in CASES[1::2]])
def test_state_dict_matches_torch_and_resumes(torch_ref, name, kwargs):
    _, opt = _trajectory(smalltorch, optim, name, kwargs, np.float64, steps=3)
    _, topt = _trajectory(torch_ref, torch_ref.optim, name, kwargs, np.float64, steps=3)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert list(sd["state"]) == list(tsd["state"])
    for k in sd["state"]:
        assert list(sd["state"][k]) == list(tsd["state"][k])
        for key, v in sd["state"][k].items():
            np.testing.assert_allclose(v.numpy(), tsd["state"][k][key].numpy(), rtol=1e-12)
    # a fresh optimizer that loads the state continues exactly as the original
    ps = opt.param_groups[0]["params"]
    twin = [smalltorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ps]
    opt2 = getattr(optim, name)(twin, **kwargs)
    opt2.load_state_dict(sd)
    for o, params in ((opt, ps), (opt2, twin)):
        o.zero_grad()
        (params[0].sum() * 2 + params[1].square().sum()).backward()
        o.step()
    for a, b in zip(ps, twin):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_param_groups_defaults_and_errors(torch_ref):
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    opt = optim.SGD([{"params": m[0].parameters()}, {"params": m[1].parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
    tm = torch_ref.nn.Sequential(torch_ref.nn.Linear(2, 2), torch_ref.nn.Linear(2, 1))
    topt = torch_ref.optim.SGD([{"params": tm[0].parameters()}, {"params": tm[1].parameters(), "lr": 0.5}], lr=0.1,
                               momentum=0.9)
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in topt.param_groups]
    assert opt.defaults == topt.defaults
    for o, n in ((opt, nn), (topt, torch_ref.nn)):
        with pytest.raises(ValueError):
            o.add_param_group({"params": o.param_groups[0]["params"]})
    extra = nn.Parameter(smalltorch.ones(1))
    opt.add_param_group({"params": extra, "momentum": 0.0})
    assert opt.param_groups[-1]["lr"] == 0.1 and opt.param_groups[-1]["params"] == [extra]
    for lib, om in ((smalltorch, optim), (torch_ref, torch_ref.optim)):
        with pytest.raises(ValueError):
            om.SGD([], lr=0.1)
        with pytest.raises(TypeError):
            om.SGD(lib.ones(1, requires_grad=True), lr=0.1)
        with pytest.raises(ValueError):
            om.SGD([lib.ones(1, requires_grad=True) * 2], lr=0.1)
        with pytest.raises(ValueError):
            om.SGD([lib.ones(1, requires_grad=True)], lr=-1)
        with pytest.raises(ValueError):
            om.Adam([lib.ones(1, requires_grad=True)], betas=(1.0, 0.9))
        with pytest.raises(ValueError):
            om.SGD([lib.ones(1, requires_grad=True)], lr=0.1, nesterov=True)
        with pytest.raises(ValueError):
            om.SGD([lib.ones(1, requires_grad=True)], lr=0.1).load_state_dict(
                {"state": {}, "param_groups": []})


def test_repr_matches_torch(torch_ref):
    for name, kwargs in CASES:
        ours = getattr(optim, name)([smalltorch.ones(1, requires_grad=True)], **kwargs)
        theirs = getattr(torch_ref.optim, name)([torch_ref.ones(1, requires_grad=True)], **kwargs)
        assert repr(ours) == repr(theirs)


def test_zero_grad_and_closure():
    p = nn.Parameter(smalltorch.tensor([1.0, 2.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6])
    opt.zero_grad(set_to_none=False)
    assert p.grad.numpy().tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no gradient: nothing moves
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6])


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (e + 1))),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=4)),
    ("LinearLR", dict()),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_lrs_match_torch(torch_ref, name, kwargs):
    def run(lib, om):
        p = lib.ones(1, requires_grad=True)
        opt = om.SGD([{"params": [p]}, {"params": [lib.ones(1, requires_grad=True)], "lr": 0.3}], lr=0.1)
        sched = getattr(om.lr_scheduler, name)(opt, **kwargs)
        lrs = [sched.get_last_lr()]
        for _ in range(20):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        return lrs, [g["lr"] for g in opt.param_groups]
    ours, theirs = run(smalltorch, optim), run(torch_ref, torch_ref.optim)
    np.testing.assert_allclose(np.array(ours[0]), np.array(theirs[0]), rtol=1e-13)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-13)


def _sequential(om, opt):
    return dict(schedulers=[om.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3),
                            om.lr_scheduler.ExponentialLR(opt, gamma=0.8),
                            om.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)], milestones=[4, 9])


SCHEDULERS_MORE = [
    ("OneCycleLR", "SGD", lambda om, opt: dict(max_lr=[1.0, 2.0], total_steps=21)),
    ("OneCycleLR", "Adam", lambda om, opt: dict(max_lr=0.5, epochs=3, steps_per_epoch=7, anneal_strategy="linear",
                                                three_phase=True, pct_start=0.25)),
    ("OneCycleLR", "SGD", lambda om, opt: dict(max_lr=0.5, total_steps=25, cycle_momentum=False, div_factor=10.0)),
    ("SequentialLR", "SGD", _sequential),
]


@pytest.mark.parametrize("name,opt_name,make", SCHEDULERS_MORE, ids=[f"{n}-{i}" for i, (n, _, _) in
                                                                       enumerate(SCHEDULERS_MORE)])
def test_more_schedulers_match_torch(torch_ref, name, opt_name, make):
    def run(lib, om):
        params = [{"params": [lib.ones(1, requires_grad=True)]}, {"params": [lib.ones(1, requires_grad=True)]}]
        opt = getattr(om, opt_name)(params, lr=0.1, **({"momentum": 0.9} if opt_name == "SGD" else {}))
        sched = getattr(om.lr_scheduler, name)(opt, **make(om, opt))
        def row():
            return sched.get_last_lr() + [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
        rows = [row()]
        for _ in range(20):
            opt.step()
            sched.step()
            rows.append(row())
        return rows, sched
    (ours, sched), (theirs, tsched) = run(smalltorch, optim), run(torch_ref, torch_ref.optim)
    np.testing.assert_allclose(np.array(ours, dtype=float), np.array(theirs, dtype=float), rtol=1e-12)
    assert set(sched.state_dict()) == set(tsched.state_dict()) - {"_get_lr_called_within_step"}  # torch's own flag


def test_reduce_lr_on_plateau_matches_torch(torch_ref):
    metrics = [5, 4, 4, 4, 4.1, 3.9, 3.9, 3.9, 3.9, 3.9, 2, 2, 2, 2, 2, 2, 2, 2.5, 2.5, 2.5]

    def run(lib, om, **kw):
        opt = om.SGD([lib.ones(1, requires_grad=True)], lr=1.0)
        sched = om.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        out = []
        for m in metrics:
            sched.step(m)
            out.append(sched.get_last_lr()[0])
        return out, sched
    for kw in (dict(patience=1), dict(mode="max", factor=0.5, patience=0, cooldown=2, threshold_mode="abs"),
               dict(patience=2, min_lr=0.05, threshold=0.1)):
        (ours, s), (theirs, t) = run(smalltorch, optim, **kw), run(torch_ref, torch_ref.optim, **kw)
        assert ours == pytest.approx(theirs, rel=1e-15), kw
        assert (s.best, s.num_bad_epochs, s.cooldown_counter) == (t.best, t.num_bad_epochs, t.cooldown_counter)
    for lib, om in ((smalltorch, optim), (torch_ref, torch_ref.optim)):
        opt = om.SGD([lib.ones(1, requires_grad=True)], lr=1.0)
        with pytest.raises(ValueError, match="Factor should be < 1.0."):
            om.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
        with pytest.raises(ValueError, match="mode avg is unknown!"):
            om.lr_scheduler.ReduceLROnPlateau(opt, mode="avg")
        with pytest.raises(ValueError, match="You must define either total_steps OR"):
            om.lr_scheduler.OneCycleLR(opt, max_lr=1.0)
        with pytest.raises(ValueError, match="Sequential Schedulers expects number of schedulers"):
            om.lr_scheduler.SequentialLR(opt, [om.lr_scheduler.StepLR(opt, 2)], milestones=[3])
