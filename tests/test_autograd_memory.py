"""Long graphs and many training steps: no recursion overflow, no crash, no leak.

The heavy parts run in a fresh interpreter (sys.executable -c ...) so that a
segfault or a stack overflow fails the test instead of killing pytest.
"""

import os
import subprocess
import sys
import textwrap
import weakref

import pytest

import smalltorch as torch
from conftest import subprocess_env

def run_py(code, timeout=120):
    env = subprocess_env()
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       timeout=timeout, env=env)
    assert r.returncode == 0, f"exit code {r.returncode} (negative: killed by signal)\nstdout:\n{r.stdout}\n" \
                              f"stderr:\n{r.stderr[-3000:]}"
    return r.stdout


@pytest.mark.parametrize("step", ["y * 1.0", "y + 0", "y.view(1)"])
def test_long_chain_backward_and_delete(step):
    out = run_py(f"""
        import sys, gc
        import smalltorch as torch
        sys.setrecursionlimit(1000)  # the default: nothing may recurse per node
        N = 100000
        x = torch.ones(1, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(N):
            y = {step}
        y.sum().backward()
        print("grad", x.grad.item())
        del y        # frees the whole chain (no RecursionError, no crash)
        gc.collect()
        # build another chain and drop it without ever calling backward
        y = x * 2.0
        for _ in range(N):
            y = {step}
        del y
        print("done")
    """)
    lines = out.split()
    assert lines[0] == "grad" and float(lines[1]) == 1.0
    assert lines[-1] == "done"


def test_long_chain_autograd_grad_with_create_graph():
    out = run_py("""
        import smalltorch as torch
        x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(20000):
            y = y * 1.0
        y = y * y
        (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
        (g2,) = torch.autograd.grad(g.sum(), x)
        print(g.item(), g2.item())
        del g, g2, y
        print("done")
    """)
    g, g2 = map(float, out.split()[:2])
    assert g == pytest.approx(2 * 2.0) and g2 == pytest.approx(2.0)
    assert out.split()[-1] == "done"


def test_training_loop_memory_is_flat():
    out = run_py("""
        import smalltorch as torch

        def rss_kb():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])

        torch.manual_seed(0)
        xs = torch.randn(16, 1, dtype=torch.float64)
        ys = xs * 3.0 + 0.5
        w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        lr = 0.05
        rss = {}
        for step in range(1, 10001):
            pred = w * xs + b
            loss = ((pred - ys) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad.zero_()
            b.grad = None
            if step in (1000, 10000):
                rss[step] = rss_kb()
        print(rss[1000], rss[10000], w.item(), b.item(), loss.item())
    """)
    r1, r2, w, b, loss = out.split()
    growth_kb = int(r2) - int(r1)
    assert growth_kb < 5 * 1024, f"resident memory grew by {growth_kb} kB between step 1000 and step 10000"
    assert float(w) == pytest.approx(3.0, abs=1e-6) and float(b) == pytest.approx(0.5, abs=1e-6)
    assert float(loss) < 1e-10


def test_repeated_backward_with_create_graph_does_not_leak():
    out = run_py("""
        import smalltorch as torch

        def rss_kb():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])

        x = torch.ones(8, dtype=torch.float64, requires_grad=True)
        rss = {}
        for step in range(1, 5001):
            (g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
            (h,) = torch.autograd.grad(g.sum(), x)
            if step in (500, 5000):
                rss[step] = rss_kb()
        print(rss[500], rss[5000], h[0].item())
    """)
    r1, r2, h = out.split()
    assert int(r2) - int(r1) < 5 * 1024
    assert float(h) == pytest.approx(6.0)


# ----------------------------------------------------------------------------------------- graph lifetime
# The graph's lifetime is observed through hook objects: a hook registered on a tensor lives exactly as long
# as that tensor's autograd state (for a non-leaf, its Node), so a weakref to the hook shows when it is freed.

class Hook:
    def __init__(self):
        self.calls = 0

    def __call__(self, g):
        self.calls += 1


@pytest.fixture(params=["smalltorch", "torch"])
def lib(request):
    if request.param == "torch":
        return request.getfixturevalue("torch_ref")
    return torch


def test_deleting_output_frees_graph(lib):
    x = lib.ones(3, dtype=lib.float64, requires_grad=True)
    h = x * 2                      # a Node-holding tensor
    hook = Hook()
    h.register_hook(hook)
    hook_ref = weakref.ref(hook)
    del hook
    out = (h * h).sum()
    out_ref = weakref.ref(out)
    del h
    assert hook_ref() is not None  # out's graph still holds h's node
    del out                        # no gc.collect(): reference counting alone frees the graph
    assert out_ref() is None
    assert hook_ref() is None


def test_deleting_output_after_backward_with_retain_graph_frees_graph(lib):
    x = lib.ones(3, dtype=lib.float64, requires_grad=True)
    h = x.exp()
    hook = Hook()
    h.register_hook(hook)
    hook_ref = weakref.ref(hook)
    del hook
    out = (h * h).sum()
    del h
    out.backward(retain_graph=True)
    assert hook_ref().calls == 1
    del out
    assert hook_ref() is None


def test_graph_keeps_leaf_alive_until_output_deleted(lib):
    x = lib.ones(3, dtype=lib.float64, requires_grad=True)
    hook = Hook()
    x.register_hook(hook)
    hook_ref = weakref.ref(hook)
    del hook
    y = (x * 3).exp()
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert acc.variable is x
    del acc, x
    assert hook_ref() is not None  # the AccumulateGrad of y's graph holds the leaf
    y.sum().backward(retain_graph=True)
    assert hook_ref().calls == 1
    del y
    assert hook_ref() is None      # gone with the graph


def test_accumulate_grad_variable_is_the_original_object():
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    y = x + 1
    x_ref = weakref.ref(x)
    del x
    assert x_ref() is not None
    assert y.grad_fn.next_functions[0][0].variable is x_ref()


def test_python_attributes_survive_while_cpp_holds_the_tensor():
    x = torch.ones(2, requires_grad=True)
    (x * 3).sum().backward()
    x.grad.note = "kept"          # the Python object of x.grad dies right after this line
    assert x.grad.note == "kept"  # ...but comes back with its attributes
    assert x.grad is x.grad
