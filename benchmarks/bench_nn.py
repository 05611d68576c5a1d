"""Training-loop pieces, smalltorch vs PyTorch (and numpy where a numpy version is natural), one run.

Each case builds the same model or parameters in each library from the same numpy arrays, checks that the
libraries agree after one call, then times them round-robin (bench.measure: medians, a short sleep before
each sample so one library's spinning threads do not slow the next). Ratios below 1 mean smalltorch is
faster.

    python benchmarks/bench_nn.py             # every case, 7 samples each
    python benchmarks/bench_nn.py -k adam     # cases whose name contains "adam"
    python benchmarks/bench_nn.py --repeat 3
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (measure, fmt_time, header_line)

import smalltorch as st  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

MLP = [(784, 256), (256, 128), (128, 10)]  # the book's MLP shapes (weights and biases: 6 parameters)


def mlp_arrays(shapes=MLP, seed=0):
    """Weights, biases and their gradients as numpy arrays (copied into each library alike)."""
    rng = np.random.default_rng(seed)
    ps = []
    for fan_in, fan_out in shapes:
        ps.append(rng.standard_normal((fan_out, fan_in)).astype(np.float32) * 0.05)
        ps.append(np.zeros(fan_out, np.float32))
    return ps, [rng.standard_normal(p.shape).astype(np.float32) * 1e-3 for p in ps]


def mlp_params(lib, shapes=MLP, seed=0):
    arrays, grads = mlp_arrays(shapes, seed)
    ps = [lib.tensor(a, requires_grad=True) for a in arrays]
    for p, g in zip(ps, grads):
        p.grad = lib.tensor(g)
    return ps


def small_params(lib, n=50, seed=0):
    return mlp_params(lib, [(10, 10)] * (n // 2), seed)


def np_adam(shapes):
    """Adam written with numpy in-place ufuncs (what a careful numpy user writes)."""
    rng = np.random.default_rng(0)
    ps = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    gs = [rng.standard_normal(s).astype(np.float32) * 1e-3 for s in shapes]
    m = [np.zeros_like(p) for p in ps]
    v = [np.zeros_like(p) for p in ps]
    state = {"t": 0}

    def step(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        state["t"] += 1
        t = state["t"]
        for p, g, mi, vi in zip(ps, gs, m, v):
            mi += (1 - b1) * (g - mi)
            vi *= b2
            vi += (1 - b2) * g * g
            denom = np.sqrt(vi)
            denom /= np.sqrt(1 - b2 ** t)
            denom += eps
            p -= (lr / (1 - b1 ** t)) * mi / denom
    return step


def optimizer_case(name, make_params, kwargs):
    def build(lib):
        ps = make_params(lib)
        opt = getattr(lib.optim, name)(ps, **kwargs)
        return opt.step, ps
    return build


def train_case(make_net, x_shape, classes=10, optimizer="SGD", lr=0.01):
    """One training step of a classifier: zero_grad, forward, CrossEntropyLoss, backward, optimizer step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape).astype(np.float32)
    y = rng.integers(0, classes, x_shape[0])

    def build(lib):
        net = make_net(lib.nn)
        wrng = np.random.default_rng(4)  # the same weights in each library
        with lib.no_grad():
            for p in net.parameters():
                p.copy_(lib.tensor((wrng.standard_normal(tuple(p.shape)) * 0.05).astype(np.float32)))
        opt = getattr(lib.optim, optimizer)(net.parameters(), lr=lr)
        X, Y = lib.tensor(x), lib.tensor(y)
        loss_fn = lib.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(net(X), Y).backward()
            opt.step()
        return step, list(net.parameters())
    return build


def mlp_net(nn):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet_net(nn):
    return nn.Sequential(nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                         nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
                         nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def layer_case(make_layer, x_shape, backward):
    """A layer's forward (and backward of the sum of its output)."""
    x = np.random.default_rng(5).standard_normal(x_shape).astype(np.float32)

    def build(lib):
        layer = make_layer(lib.nn)
        wrng = np.random.default_rng(6)
        with lib.no_grad():
            for p in layer.parameters():
                p.copy_(lib.tensor((wrng.standard_normal(tuple(p.shape)) * 0.1).astype(np.float32)))
        X = lib.tensor(x, requires_grad=backward)

        def step():
            out = layer(X)
            if backward:
                out.sum().backward()
        return step, list(layer.parameters())
    return build


def lstm_case(seq=35, batch=32, hidden=256, cls="LSTM"):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((seq, batch, hidden)).astype(np.float32)

    def build(lib):
        lib.manual_seed(0)
        lstm = getattr(lib.nn, cls)(hidden, hidden)
        with lib.no_grad():
            wrng = np.random.default_rng(3)  # the same weights in each library
            for p in lstm.parameters():
                p.copy_(lib.tensor(wrng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.05))
        X = lib.tensor(x)

        def step():
            lstm.zero_grad()
            out, _ = lstm(X)
            out.sum().backward()
        return step, list(lstm.parameters())
    return build


def many_params(lib, n=100, size=10000):
    return mlp_params(lib, [(size, 1)] * (n // 2), seed=7)  # 100 tensors of 10 000 (weights) or 1 element


CASES = [
    # issue 11's table (targets: <= 0.7x, 1.0x, 1.2x / 1.2x, 1.0x, 1.0x, 0.7x PyTorch)
    ("MLP 784-256-10 SGD train step, batch 256", train_case(mlp_net, (256, 784)), None),
    ("LeNet-5 train step, batch 256, 1x28x28", train_case(lenet_net, (256, 1, 28, 28), lr=0.9), None),
    ("conv2d 3x3 64->64, 32x32, batch 32, fwd", layer_case(lambda nn: nn.Conv2d(64, 64, 3, padding=1),
                                                           (32, 64, 32, 32), False), None),
    ("conv2d 3x3 64->64, 32x32, batch 32, fwd+bwd", layer_case(lambda nn: nn.Conv2d(64, 64, 3, padding=1),
                                                               (32, 64, 32, 32), True), None),
    ("BatchNorm2d train fwd+bwd, (32, 64, 32, 32)", layer_case(lambda nn: nn.BatchNorm2d(64), (32, 64, 32, 32),
                                                               True), None),
    ("LSTM 256, seq 35, batch 32, fwd+bwd", lstm_case(), None),
    ("Adam step, 1M params in 100 tensors", optimizer_case("Adam", many_params, dict(lr=1e-3)),
     lambda: np_adam([(1, 10000), (1,)] * 50)),
    # more recurrent layers
    ("GRU 256, seq 35, batch 32, fwd+bwd", lstm_case(cls="GRU"), None),
    ("RNN tanh 256, seq 35, batch 32, fwd+bwd", lstm_case(cls="RNN"), None),
    # more optimizer steps
    ("SGD momentum step, MLP 784-256-128-10", optimizer_case("SGD", mlp_params, dict(lr=0.01, momentum=0.9)), None),
    ("Adam step, MLP 784-256-128-10", optimizer_case("Adam", mlp_params, dict(lr=1e-3)),
     lambda: np_adam([(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)])),
    ("Adam step, 50 params of 10x10 / 10", optimizer_case("Adam", small_params, dict(lr=1e-3)),
     lambda: np_adam([(10, 10), (10,)] * 25)),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", default="", help="only cases whose name contains this (case-insensitive)")
    ap.add_argument("--repeat", type=int, default=7, help="samples per median")
    args = ap.parse_args(argv)
    print(bench.header_line())
    cols = ["case", "smalltorch", "torch", "st/torch", "numpy", "st/np"]
    print("  ".join(c.ljust(44) if i == 0 else c.rjust(10) for i, c in enumerate(cols)))
    for name, build, np_build in CASES:
        if args.k.lower() not in name.lower():
            continue
        fns = {}
        ours, our_params = build(st)
        fns["smalltorch"] = ours
        if torch is not None:
            theirs, their_params = build(torch)
            ours()
            theirs()
            for a, b in zip(our_params, their_params):  # the same update on the same values
                np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-3, atol=1e-4)
            fns["torch"] = theirs
        if np_build is not None:
            fns["numpy"] = np_build()
        t = bench.measure(fns, args.repeat)
        tt, tn = t.get("torch"), t.get("numpy")
        cells = [name, bench.fmt_time(t["smalltorch"]), bench.fmt_time(tt) if tt else "-",
                 f"{t['smalltorch'] / tt:.2f}x" if tt else "-", bench.fmt_time(tn) if tn else "-",
                 f"{t['smalltorch'] / tn:.2f}x" if tn else "-"]
        print("  ".join(c.ljust(44) if i == 0 else c.rjust(10) for i, c in enumerate(cells)), flush=True)


if __name__ == "__main__":
    main()
