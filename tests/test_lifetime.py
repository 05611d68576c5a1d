"""Lifetime of tensor objects, graph nodes and hooks.

One Python object per tensor: when Python drops it while C++ still uses the
tensor (a graph node saved it, it is a .grad), the object is preserved and the
C++ side owns it; weak references, gc.get_objects() and hook handles still
reach it and it must stay a valid tensor ("PyObject preservation", as in
PyTorch). Every scenario that used to crash runs in a child process; where
PyTorch defines the behaviour, the child's result is compared with PyTorch's.
tests/tools/sanitizer_tests.sh runs this file against an ASan+UBSan build.
"""

import gc
import json
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

import smalltorch as torch
from conftest import subprocess_env

PRELUDE = """
import gc, json, weakref

def err(f):
    try:
        f()
        return "ok"
    except Exception as e:
        return type(e).__name__

def vals(t):
    return [round(float(v), 4) for v in t.detach().reshape(-1).tolist()]
"""


def in_child(code):
    """Runs `code` (with T = smalltorch) in a child process and returns its `result` (JSON)."""
    prog = "import smalltorch as T\n" + PRELUDE + textwrap.dedent(code) + "\nprint(json.dumps(result))\n"
    p = subprocess.run([sys.executable, "-c", prog], env=subprocess_env(), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, f"child failed with {p.returncode}:\n{p.stderr[-3000:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])


def in_torch(torch_ref, code):
    """The same snippet's `result` under PyTorch (run in this process)."""
    ns = {"T": torch_ref}
    exec(PRELUDE + textwrap.dedent(code), ns)
    return json.loads(json.dumps(ns["result"]))


def same_as_torch(torch_ref, code):
    got = in_child(code)
    assert got == in_torch(torch_ref, code)
    return got


# ---------------------------------------------------------------- 1. preserved objects

WEAKREF_TO_SAVED = """
x = T.ones(3, requires_grad=True)
y = x * 2
z = y * y            # the node saves y: C++ keeps it alive
w = weakref.ref(y)
del y
r = w()
result = [vals(r.sum()), vals(r), r.requires_grad, r.is_leaf, r.grad_fn.name(), vals(r + 1)]
del r
z.sum().backward()
result.append(vals(x.grad))
"""


def test_weakref_to_a_tensor_kept_by_the_graph_is_a_valid_tensor(torch_ref):
    same_as_torch(torch_ref, WEAKREF_TO_SAVED)


def test_object_kept_by_cpp_keeps_identity_and_attributes(torch_ref):
    got = same_as_torch(torch_ref, """
    x = T.ones(3, requires_grad=True)
    x.tag = "leaf"
    ident = id(x)
    y = x * 2
    acc = y.grad_fn.next_functions[0][0]   # AccumulateGrad holds the leaf
    del x
    gc.collect()
    v = acc.variable
    result = [v.tag, id(v) == ident, vals(v)]
    """)
    assert got[0] == "leaf"


def test_hook_handle_remove_after_the_tensor_was_dropped(torch_ref):
    same_as_torch(torch_ref, """
    seen = []
    x = T.ones(3, requires_grad=True)
    y = x * 2
    h = y.register_hook(lambda g: seen.append("y"))
    z = y * y
    del y
    h.remove()                      # the handle reaches the preserved object
    hx = x.register_hook(lambda g: seen.append("x"))
    w = z * 3
    del x
    hx.remove()                     # on a leaf, after `del x`
    w.sum().backward()
    result = seen
    """)


def test_gc_objects_loop_sees_only_valid_tensors():
    got = in_child("""
    x = T.ones(3, requires_grad=True)
    x.grad = T.ones(3)              # the temporary's object is now owned by C++
    y = x * 2
    z = y * y
    del y
    shapes = [list(o.shape) for o in gc.get_objects() if isinstance(o, T.Tensor)]
    sums = [float(o.sum()) for o in gc.get_objects() if isinstance(o, T.Tensor)]
    result = [sorted(shapes), len(sums), x.grad is x.grad]
    """)
    assert got[0].count([3]) >= 3 and got[1] == len(got[0]) and got[2]


def test_weakref_to_grad(torch_ref):
    same_as_torch(torch_ref, """
    x = T.ones(3, requires_grad=True)
    x.grad = T.ones(3)
    g = weakref.ref(x.grad)()
    result = [vals(g * 2), g is x.grad]
    """)


def test_object_reached_again_outlives_the_graph(torch_ref):
    # Python takes the object back through a weak reference but does not use it
    # before the graph (its only other owner) goes: it must stay a tensor.
    same_as_torch(torch_ref, """
    x = T.ones(3, requires_grad=True)
    y = x * 2
    y.tag = 7
    z = y * y
    w = weakref.ref(y)
    del y
    t = w()
    del z
    gc.collect()
    result = [vals(t), t.tag, t.requires_grad, t.grad_fn.name(), w() is t]
    t.sum().backward()
    result.append(vals(x.grad))
    """)


ACTIVATIONS = """
cache = weakref.WeakValueDictionary()
seen = weakref.WeakSet()
x = T.full((3,), 1.1, requires_grad=True)
h = x
for i in range(4):
    h = h * h                   # each h but the last is saved by the next node
    cache[i] = h
    seen.add(h)
h = h.sum()
gc.collect()
result = [sorted(cache.keys()), len(seen), [vals(cache[k]) for k in sorted(cache.keys())],
          [vals(t * 1) for t in sorted(seen, key=lambda t: t.sum().item())]]
h.backward()                    # frees the graph: the activations die
gc.collect()
result += [len(cache), len(seen), vals(x.grad)]
"""


def test_weak_caches_of_activations(torch_ref):
    got = same_as_torch(torch_ref, ACTIVATIONS)
    assert got[0] == [0, 1, 2] and got[4:6] == [0, 0]


def test_preserved_objects_are_freed_with_the_graph():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    w = weakref.ref(y)
    y.payload = list(range(10))
    del y
    assert w() is not None and w().payload[3] == 3
    del z
    gc.collect()
    assert w() is None


def test_self_referencing_attribute_survives_while_cpp_holds_the_tensor():
    got = in_child("""
    x = T.ones(3, requires_grad=True)
    y = x * 2
    y.me = [y]                       # a cycle through its own attributes
    z = y * y
    w = weakref.ref(y)
    del y
    gc.collect()
    r = w()
    result = [r is not None and r.me[0] is r, vals(r)]
    del r
    del z
    gc.collect()
    result.append(w() is None)
    """)
    assert got == [True, [2.0, 2.0, 2.0], True]


# ---------------------------------------------------------------- 2. calling nodes

NODE_CALLS = """
x = T.ones(3, requires_grad=True)
g = (x * x).grad_fn
acc = g.next_functions[0][0]
s = (x * 2).sum().grad_fn
result = [err(lambda: g()), err(lambda: g(T.ones(3), T.ones(3))), err(lambda: g(1)), err(lambda: g(T.ones(2))),
          err(lambda: acc()), err(lambda: acc(T.ones(3), T.ones(3))), err(lambda: acc(T.ones(2))),
          err(lambda: g(grad=T.ones(3)))]
result.append([r is None for r in g(None)])
result.append([vals(r) for r in g(T.ones(3))])
result.append(s(None) is None)
result.append(vals(s(T.tensor(1.0))))
result.append(list(acc(None)))
result.append(x.grad is None)
result.append(len(acc(T.ones(3))))
result.append(vals(x.grad))
"""


def test_calling_nodes_directly(torch_ref):
    same_as_torch(torch_ref, NODE_CALLS)


def test_calling_a_multi_output_node(torch_ref):
    same_as_torch(torch_ref, """
    u = T.ones(4, requires_grad=True)
    a, b = u.split(2)
    n = a.grad_fn
    result = [err(lambda: n(None)), err(lambda: n(T.ones(2))), vals(n(T.ones(2), None)), n(None, None) is None]
    """)


# ---------------------------------------------------------------- 3. None in autograd entry points

NONE_ARGS = """
x = T.ones(3, requires_grad=True)
ag = T.autograd
F = T.autograd.functional
loss = lambda: (x * 2).sum()
result = [
    err(lambda: ag.grad([None], [x])),
    err(lambda: ag.grad(None, [x])),
    err(lambda: ag.grad([loss()], [None])),
    err(lambda: ag.grad([loss()], None)),
    err(lambda: ag.grad([loss()], [1])),
    err(lambda: ag.grad([loss()], [x], [1])),
    err(lambda: ag.grad([loss(), None], [x])),
    err(lambda: ag.backward([None])),
    err(lambda: ag.backward(None)),
    err(lambda: ag.backward([1])),
    err(lambda: loss().backward(inputs=[None])),
    err(lambda: loss().backward(inputs=[x, None])),
    err(lambda: loss().backward(inputs=[])),
    err(lambda: ag.backward([(x * 2)], [None])),
    err(lambda: F.vjp(lambda a: None, T.ones(3), T.ones(3))),
    err(lambda: F.vjp(lambda a: (None,), T.ones(3), T.ones(3))),
    err(lambda: F.vjp(lambda a: a, None, None)),
    err(lambda: F.vjp(lambda a: a, (None,), None)),
    err(lambda: F.vjp(lambda a: a * 2, T.ones(3), (None,))),
    err(lambda: F.vjp(lambda a: a * 2, T.ones(3))),
    err(lambda: F.jacobian(lambda a: None, T.ones(3))),
    err(lambda: F.jacobian(lambda a: (a, None), T.ones(3))),
    err(lambda: F.jacobian(lambda a: a, None)),
    err(lambda: F.hessian(lambda a: None, T.ones(3))),
    err(lambda: F.hessian(lambda a: (a.sum(),), T.ones(3))),
    err(lambda: F.hessian(lambda a: a.sum(), None)),
]
result.append(vals(ag.grad([loss()], [x], [None])[0]))
loss().backward(None)
result.append(vals(x.grad))
"""


def test_none_among_autograd_outputs_and_inputs(torch_ref):
    got = same_as_torch(torch_ref, NONE_ARGS)
    assert got[0] == "AssertionError" and got[2] == "RuntimeError" and got[14] == "TypeError"


def test_engine_rejects_undefined_tensors_below_python():
    got = in_child("""
    x = T.ones(3, requires_grad=True)
    def msg(f):
        try:
            f()
        except RuntimeError as e:
            return "None" in str(e)
    result = [msg(lambda: T._C._grad([None], [x], [], None, False, False)),
              msg(lambda: T._C._grad([(x * 2).sum()], [None], [], None, False, False)),
              msg(lambda: T._C._backward([(x * 2).sum()], [], None, False, [None]))]
    """)
    assert got == [True, True, True]


# ---------------------------------------------------------------- 4. hooks and the garbage collector

HOOK_CYCLES = """
def make():                         # closures: each hook refers to its own tensor through a cell
    x = T.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * y.sum())
    x2 = T.ones(3, requires_grad=True)
    x2.register_hook(lambda g: g * x2.sum())
    return weakref.ref(y), weakref.ref(x2)

wy, wx = make()
alive = [wy() is None, wx() is None]
gc.collect()
result = alive + [wy() is None, wx() is None]
"""


def test_hooks_referring_to_their_own_tensor_are_collected(torch_ref):
    got = in_child(HOOK_CYCLES)
    assert got == [False, False, True, True]
    # PyTorch 2.13 collects the leaf's cycle but leaks the non-leaf's (its hook
    # sits on the grad_fn, which its traversal does not reach): we collect both.
    want = in_torch(torch_ref, HOOK_CYCLES)
    assert got[:2] == want[:2] and got[3] == want[3]


def test_collection_leaves_live_hooks_working(torch_ref):
    got = same_as_torch(torch_ref, """
    def make():
        x = T.ones(3, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g * y.sum())
        x.register_hook(lambda g: g + x.sum())
        return x, y

    x, y = make()
    gc.collect()
    y.sum().backward()
    result = vals(x.grad)
    """)
    assert got == [15.0, 15.0, 15.0]


def test_hook_cycle_freed_in_process():
    def make():
        x = torch.ones(3, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g * y.sum())
        return weakref.ref(y)

    w = make()
    assert w() is not None
    gc.collect()
    assert w() is None


# ---------------------------------------------------------------- 5. temporary elision

N = 200_000  # above the elision threshold


def test_elision_reuses_the_buffer_not_the_object():
    a = torch.randn(N)
    kept = {}

    def keep(t):
        t.tag = "temporary"
        kept["ref"] = weakref.ref(t)
        kept["ptr"] = t.data_ptr()
        return t

    before = torch._C._elided_temporaries()
    r = keep(a * 2) + 1
    elided = torch._C._elided_temporaries() - before
    np.testing.assert_allclose(r.numpy(), a.numpy() * 2 + 1, rtol=1e-6)
    assert not hasattr(r, "tag")
    assert kept["ref"]() is None          # the temporary died; the result is another object
    if torch._C._elision_enabled():
        assert elided == 1 and r.data_ptr() == kept["ptr"]   # same buffer: no allocation
    else:
        assert elided == 0


def test_elision_off_from_python_3_14():
    assert torch._C._elision_supported(0x030B04F0)             # 3.11.4
    assert torch._C._elision_supported(0x030D00F0)             # 3.13.0
    assert not torch._C._elision_supported(0x030E00A1)         # 3.14.0a1
    assert not torch._C._elision_supported(0x030F00F0)
    assert torch._C._elision_enabled() == (sys.version_info < (3, 14))
    assert torch._C._elision_enabled() == torch._C._elision_supported(sys.hexversion)


def test_elided_results_are_independent_of_the_temporary():
    a = torch.randn(N)
    r = a * 2 + 1
    s = r * 1            # r is a variable: no elision, and r keeps its values
    np.testing.assert_allclose(s.numpy(), r.numpy())
    assert r.data_ptr() != s.data_ptr()
