"""autograd.graph.format (text tree) and autograd.graph.draw (torchviz-style DOT / graphviz.Digraph): the
graph they show is PyTorch's graph for the same code (node names, structure), shared subgraphs appear
once, and both stay linear in the graph's size."""

import re
import sys
import time
import types

import pytest
from conftest import scalar_chain

import smalltorch as st
from smalltorch.autograd import graph


def seed_graph(T):
    x = T.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    return x, z.mean()


def dfs_names(fn):
    """Node names in the first-visit depth-first order format() prints (children in next_functions order)."""
    out, seen, stack = [], {}, [fn]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen[id(n)] = n  # kept alive: ids stay unique
        out.append(type(n).__name__)
        stack.extend(reversed([c for c, _ in n.next_functions if c is not None and id(c) not in seen]))
    return out


def printed_nodes(text):
    """The node names of format()'s lines that introduce a node (not 'see [k]' lines)."""
    names = []
    for line in text.splitlines()[1:]:
        body = re.sub(r"^(↳ )?[│ ]*[├└]─ ", "", line)
        if body.startswith("see ") or body.startswith("saved "):
            continue
        names.append(body.split()[0])
    return names


PROGRAMS = {
    "seed": lambda T: seed_graph(T)[1],
    "shared": lambda T: (lambda a: (a * a + a.exp() * a).sum())(T.arange(3.0, requires_grad=True) * 2),
    "branches": lambda T: (lambda a, b: (a @ b).relu().sum() + (a - 1).pow(2).mean())(
        T.ones(2, 3, requires_grad=True), T.ones(3, 2, requires_grad=True)),
    "views": lambda T: (lambda a: (a.t()[1:] * 2).sum())(T.ones(3, 4, requires_grad=True)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_format_shows_pytorchs_graph(name, torch_ref):
    ours, theirs = PROGRAMS[name](st), PROGRAMS[name](torch_ref)
    want = [("leaf" if n == "AccumulateGrad" else n) for n in dfs_names(theirs.grad_fn)]
    got = printed_nodes(graph.format(ours))
    assert got == want
    text = graph.format(ours)
    # every node is introduced once; each further edge into a node is one 'see [k]' line
    edges = sum(1 for n in [ours.grad_fn] for _ in [0])  # the root
    total_edges, stack, seen = 0, [ours.grad_fn], {}
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen[id(n)] = n  # kept alive: ids stay unique
        kids = [c for c, _ in n.next_functions if c is not None]
        total_edges += len(kids)
        stack.extend(kids)
    assert text.count(" see [") == total_edges + edges - len(seen)


def test_format_names_leaves_and_marks_shared_nodes():
    x, out = seed_graph(st)
    text = graph.format(out, params={"x": x}, show_saved=True)
    lines = text.splitlines()
    assert lines[0] == "output ()"
    assert lines[1] == "└─ MeanBackward0"
    assert sum("x (2, 2)" in line for line in lines) == 1
    assert "see [1] x (2, 2)" in text or "see [1] AddBackward0" in text
    assert "saved self: (2, 2)" in text and "saved alpha: 1" in text
    assert graph.format(x) == "output (2, 2) (leaf, requires_grad)"
    assert graph.format(st.ones(2)) == "output (2,) (no graph)"


def test_draw_dot_text_has_every_node_and_edge(torch_ref):
    x, out = seed_graph(st)
    dot = graph.draw(out, params={"x": x}, show_saved=True, show_attrs=True)
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    nodes = re.findall(r"^\t(\w+) \[label=\"([^\"]*)\"", dot, re.M)
    edges = re.findall(r"^\t(\w+) -> (\w+)", dot, re.M)
    labels = dict(nodes)
    backward = [l for l in labels.values() if l.endswith("Backward0") or "Backward0\\n" in l]
    assert sorted(l.split("\\n")[0] for l in backward) == sorted(
        n for n in dfs_names(seed_graph(torch_ref)[1].grad_fn) if n != "AccumulateGrad")
    assert "x (2, 2)" in labels.values() and "output ()" in labels.values()
    assert any(l.startswith("AddBackward0\\nalpha: 1") for l in labels.values())
    assert all(a in labels and b in labels for a, b in edges)
    saved = [l for l in labels.values() if l.startswith(("self\\n", "other\\n"))]
    assert len(saved) == 3  # mul(y, y) saves self and other; mul(., 3) saves other
    with pytest.raises(TypeError):
        graph.draw([1, 2])
    with pytest.raises(TypeError):
        graph.draw(out, params=[x])


def test_draw_returns_a_graphviz_digraph_when_installed(monkeypatch):
    calls = []

    class Digraph:
        def __init__(self, **kw):
            calls.append(("init", kw))

        def node(self, name, label, **attrs):
            calls.append(("node", name, label, attrs))

        def edge(self, tail, head, **attrs):
            calls.append(("edge", tail, head, attrs))

    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=Digraph))
    x, out = seed_graph(st)
    g = graph.draw(out, params={"x": x})
    assert isinstance(g, Digraph)
    kinds = [c[0] for c in calls]
    assert kinds[0] == "init" and kinds.count("node") == 6 and kinds.count("edge") == 6


def test_custom_function_and_multiple_roots():
    class Cube(st.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    a = st.ones(3, requires_grad=True)
    y = Cube.apply(a)
    z = a * 2
    text = graph.format((y, z), params={"a": a})
    assert "CubeBackward" in text
    assert text.count("output (3,)") == 2
    assert "see [1] a (3,)" in text


def test_linear_in_graph_size():
    small, big = scalar_chain(2500), scalar_chain(10000)
    t0 = time.perf_counter()
    graph.format(small), graph.draw(small)
    t1 = time.perf_counter()
    text = graph.format(big)
    dot = graph.draw(big)
    t2 = time.perf_counter()
    assert len(text.splitlines()) == 10002  # output, 10 000 MulBackward0, the leaf
    assert dot.count(" -> ") == 10001
    assert (t2 - t1) < 12 * (t1 - t0) + 0.5  # 4x the nodes: linear is ~4x, quadratic ~16x
