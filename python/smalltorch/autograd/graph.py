"""The autograd graph as objects: ``Node`` (what ``tensor.grad_fn`` is), node hooks,
and hooks on the tensors a graph saves for backward (``saved_tensors_hooks``, ``save_on_cpu``).

Every grad_fn is an instance of a class named after its node (``MulBackward0``,
``AccumulateGrad``, a custom Function's ``<Name>Backward``), all of them
subclasses of the C type ``_C._Node`` that is registered with the abstract
class ``Node`` below, so ``isinstance(y.grad_fn, Node)`` holds as in PyTorch.
"""

import abc

from .. import _C
from .._C import Tensor

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "draw", "format"]


class RemovableHandle:
    """Returned by ``Node.register_hook``/``register_prehook``; ``remove()`` unregisters the hook."""

    def __init__(self, remover):
        self._remover = remover

    def remove(self):
        if self._remover is not None:
            self._remover()
            self._remover = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Node(abc.ABC):
    """An autograd graph node: ``tensor.grad_fn`` and the nodes in its ``next_functions``."""

    @abc.abstractmethod
    def name(self):
        """The node's name, e.g. ``'MulBackward0'``."""

    @property
    @abc.abstractmethod
    def next_functions(self):
        """``((node or None, input_nr), ...)``: where this node's gradients go."""

    @property
    @abc.abstractmethod
    def metadata(self):
        """A dict kept with the node (anomaly mode stores the forward traceback under ``'traceback_'``)."""

    @abc.abstractmethod
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after the node computed its gradients; it may return
        replacement ``grad_inputs``. Returns a handle whose ``remove()`` unregisters it."""

    @abc.abstractmethod
    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before the node; it may return replacement ``grad_outputs``."""


def _register_hook(self, fn):
    if not callable(fn):
        raise TypeError(f"register_hook expects a callable, got {type(fn).__name__}")
    return RemovableHandle(self._register_hook(fn))


def _register_prehook(self, fn):
    if not callable(fn):
        raise TypeError(f"register_prehook expects a callable, got {type(fn).__name__}")
    return RemovableHandle(self._register_prehook(fn))


_C._Node.register_hook = _register_hook
_C._Node.register_prehook = _register_prehook
Node.register(_C._Node)


class saved_tensors_hooks:
    """Context manager: every tensor an op saves for backward inside it is passed to
    ``pack_hook(tensor)`` and only its result is kept; ``unpack_hook(packed)`` must give
    the tensor back when backward (or ``grad_fn._saved_*``) needs it."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        _C._push_saved_tensors_default_hooks(self.pack_hook, self.unpack_hook)

    def __exit__(self, *args):
        _C._pop_saved_tensors_default_hooks()


class save_on_cpu(saved_tensors_hooks):
    """Saves the tensors of the graph in CPU memory, giving them back on their device in
    backward. smalltorch has only the CPU: as in PyTorch for a CPU tensor, the tensor itself
    is kept (no copy, and then no in-place check either)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            return (t.device, t.cpu())

        def unpack(packed):
            device, t = packed
            return t.to(device)

        super().__init__(pack, unpack)



# ---------------------------------------------------------------- seeing the graph
# draw() and format() walk the graph from the root tensors once (iteratively: a 10 000-node chain costs
# no recursion), listing every node once; a node reached from several places is shown once and referred
# to from the others.

def _roots(root):
    if isinstance(root, Tensor):
        return (root,)
    if isinstance(root, (tuple, list)) and all(isinstance(t, Tensor) for t in root):
        return tuple(root)
    raise TypeError(f"expected a Tensor or a tuple of Tensors as root, got {type(root).__name__}")


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ("," if t.dim() == 1 else "") + ")"


def _describe_tensor(t):
    d = str(t.dtype).replace("smalltorch.", "")
    return _shape(t) if d == "float32" else f"{_shape(t)} {d}"


def _param_names(params):
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of name -> Tensor (e.g. dict(model.named_parameters())), got "
                        f"{type(params).__name__}")
    return {id(v): k for k, v in params.items()}


def _saved(node):
    """(name, value) of the node's saved values, as grad_fn._saved_* shows them (skipping freed ones)."""
    out = []
    for attr in dir(node):
        if not attr.startswith("_saved_"):
            continue
        try:
            out.append((attr[len("_saved_"):], getattr(node, attr)))
        except RuntimeError:  # freed by backward
            out.append((attr[len("_saved_"):], "<freed>"))
    return out


def _walk(roots):
    """Every node reachable from the roots' grad_fns, in first-visit (depth-first) order, with the
    number of edges that reach it."""
    order, seen, refs = [], {}, {}
    stack = [t.grad_fn for t in reversed(roots) if t.grad_fn is not None]
    for n in stack:
        refs[id(n)] = refs.get(id(n), 0) + 1
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen[id(n)] = n
        order.append(n)
        children = [c for c, _ in n.next_functions if c is not None]
        for c in children:
            refs[id(c)] = refs.get(id(c), 0) + 1
        stack.extend(reversed([c for c in children if id(c) not in seen]))
    return order, refs


def _is_leaf_node(n):
    return type(n).__name__ == "AccumulateGrad"


def _node_label(n, names):
    if _is_leaf_node(n):
        v = n.variable
        return f"{names.get(id(v), 'leaf')} {_describe_tensor(v)}"
    return n.name()


_MAX_INDENT = 24  # tree levels indented before a deep branch restarts at the left margin


def format(root, params=None, show_saved=False):  # noqa: A001  (PyTorch-style name in this module)
    """The graph behind `root` (a tensor or a tuple of tensors) as an indented text tree, one node per
    line: backward nodes by name, leaves by their name in `params` (else 'leaf') and shape. A node that
    several others feed is printed once, marked [k], and later lines refer to it as 'see [k]'."""
    roots = _roots(root)
    names = _param_names(params)
    _, refs = _walk(roots)
    marks, lines, shown = {}, [], set()
    for r in roots:
        head = f"output {_describe_tensor(r)}"
        if r.grad_fn is None:
            lines.append(head + (" (leaf, requires_grad)" if r.requires_grad else " (no graph)"))
            continue
        lines.append(head)
        stack = [(r.grad_fn, "", True)]
        while stack:
            n, prefix, last = stack.pop()
            branch = prefix + ("└─ " if last else "├─ ")
            key = id(n)
            if key in shown:
                lines.append(f"{branch}see [{marks[key]}] {_node_label(n, names)}")
                continue
            shown.add(key)
            label = _node_label(n, names)
            if refs.get(key, 0) > 1:
                marks[key] = len(marks) + 1
                label += f"  [{marks[key]}]"
            lines.append(branch + label)
            child_prefix = prefix + ("   " if last else "│  ")
            if len(child_prefix) > 3 * _MAX_INDENT:  # deep chains go on at the margin: lines stay short
                child_prefix = "↳ "
            extra = [f"{k}: {_describe_tensor(v) if isinstance(v, Tensor) else v}" for k, v in _saved(n)] \
                if show_saved else []
            children = [c for c, _ in n.next_functions if c is not None]
            for i, s in enumerate(extra):
                lines.append(child_prefix + ("│  " if children else "   ") + "saved " + s)
            for i in reversed(range(len(children))):
                stack.append((children[i], child_prefix, i == len(children) - 1))
    return "\n".join(lines)


def _dot_quote(s):
    """s as a DOT string: quotes and backslashes escaped, line breaks as DOT's \\n."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _DotText:
    """The few graphviz.Digraph methods draw() uses, writing DOT text (when graphviz is not installed)."""

    def __init__(self):
        self.body = []

    def node(self, name, label, **attrs):
        a = ", ".join(f"{k}={_dot_quote(v)}" for k, v in sorted(attrs.items()))
        self.body.append(f"\t{name} [label={_dot_quote(label)}{', ' + a if a else ''}]")

    def edge(self, tail, head, **attrs):
        a = ", ".join(f"{k}={_dot_quote(v)}" for k, v in sorted(attrs.items()))
        self.body.append(f"\t{tail} -> {head}{' [' + a + ']' if a else ''}")

    @property
    def source(self):
        head = ('digraph {\n\tgraph [size="12,12"]\n'
                '\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n')
        return head + "\n".join(self.body) + "\n}\n"

    def __str__(self):
        return self.source


def draw(root, params=None, show_saved=False, show_attrs=False):
    """The graph behind `root` (a tensor or a tuple of tensors) drawn as torchviz draws it: outputs in
    green, leaves in blue with their names (from `params`, e.g. ``dict(model.named_parameters())``) and
    shapes, backward nodes in grey by name, saved tensors (show_saved) in orange. Returns a
    ``graphviz.Digraph`` when the graphviz package is installed (render it with ``.render()`` or show it
    in Jupyter; both need the ``dot`` program), else the DOT text as a str."""
    roots = _roots(root)
    names = _param_names(params)
    order, _ = _walk(roots)
    try:
        import graphviz
        g = graphviz.Digraph(node_attr=dict(style="filled", shape="box", align="left", fontsize="10",
                                            ranksep="0.1", height="0.2", fontname="monospace"),
                             graph_attr=dict(size="12,12"))
    except ImportError:
        g = _DotText()
    ids = {id(n): f"n{i}" for i, n in enumerate(order)}
    for n in order:
        nid = ids[id(n)]
        if _is_leaf_node(n):
            g.node(nid, _node_label(n, names), fillcolor="lightblue")
        else:
            label = n.name()
            saved = _saved(n) if (show_saved or show_attrs) else []
            attrs = [f"{k}: {v}" for k, v in saved if not isinstance(v, Tensor)] if show_attrs else []
            if attrs:
                label += "\n" + "\n".join(attrs)
            g.node(nid, label, fillcolor="lightgrey")
            if show_saved:
                for k, v in saved:
                    if isinstance(v, Tensor):
                        sid = f"{nid}_{k}"
                        g.node(sid, f"{k}\n{_describe_tensor(v)}", fillcolor="orange")
                        g.edge(sid, nid, style="dashed", dir="none")
        for c, _ in n.next_functions:
            if c is not None:
                g.edge(ids[id(c)], nid)
    for i, r in enumerate(roots):
        oid = f"out{i}"
        g.node(oid, f"output {_describe_tensor(r)}", fillcolor="darkolivegreen1")
        if r.grad_fn is not None:
            g.edge(ids[id(r.grad_fn)], oid)
    return g if not isinstance(g, _DotText) else g.source
