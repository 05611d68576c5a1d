"""Watching backward: ``with smalltorch.autograd.trace() as t: y.backward(v)`` records every node the
engine runs, in execution order, with the gradients flowing in and out and the leaf ``.grad`` each
contribution went into. ``print(t)`` shows the table; ``t.explain()`` adds each node's vector-Jacobian
formula, written from the very expressions that compute it (the registries' gradient columns,
``_C._vjp_formulas``).

The engine runs the nodes as usual; while a trace is active, backward()/autograd.grad() attach a node
pre-hook and hook to every node of the graph being run (one walk of the graph, removed afterwards), so
the cost is zero when no trace is active."""

import re

from .. import _C
from .._C import Tensor

_ACTIVE = []  # the traces being recorded (innermost last)

SMALL = 16  # tensors with at most this many elements are shown with their values


def _brief(t):
    if t is None:
        return "None"
    if not isinstance(t, Tensor):
        return repr(t)
    shape = "(" + ", ".join(str(s) for s in t.shape) + ("," if t.dim() == 1 else "") + ")"
    dtype = str(t.dtype).replace("smalltorch.", "")
    if t.numel() <= SMALL:
        vals = t.detach().tolist()
        return f"{shape} {dtype} {_fmt(vals)}"
    return f"{shape} {dtype} norm={float(t.detach().double().norm()):.4g}"


def _fmt(v):
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


class Step:
    """One node run by the engine: its name, the gradients it received (grad_outputs) and produced
    (grad_inputs, one per next_function), and for AccumulateGrad the leaf it accumulated into."""

    def __init__(self, index, node, grads_in):
        self.index = index
        self.node = node
        self.name = type(node).__name__
        self.grads_in = tuple(grads_in)
        self.grads_out = ()
        self.done = False
        self.leaf_grad = None  # the leaf's .grad right after this contribution
        self.leaf = getattr(node, "variable", None) if self.name == "AccumulateGrad" else None
        self.targets = [None if c is None else type(c).__name__ for c, _ in node.next_functions]

    def __repr__(self):
        return f"<Step {self.index} {self.name}>"


class trace:
    """Context manager recording every backward node the engine runs while it is active.

    ``params`` (optional, name -> tensor, e.g. ``dict(model.named_parameters())``) names the leaves."""

    def __init__(self, params=None):
        self.steps = []
        self._names = {id(v): k for k, v in (params or {}).items()}

    def __enter__(self):
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        _ACTIVE.remove(self)
        return False

    # ------------------------------------------------------------ recording
    def _leaf_name(self, t):
        return self._names.get(id(t), "leaf")

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    # ------------------------------------------------------------ showing
    def _rows(self):
        rows = []
        for s in self.steps:
            ins = "; ".join(_brief(g) for g in s.grads_in)
            if s.leaf is not None:
                outs = f"-> {self._leaf_name(s.leaf)}.grad = {_brief(s.leaf_grad)}"
            else:
                parts = [f"{_brief(g)} -> {t}" for g, t in zip(s.grads_out, s.targets) if t is not None]
                outs = "; ".join(parts) if parts else "(nothing to pass on)"
            rows.append((str(s.index), s.name, ins, outs))
        return rows

    def __str__(self):
        head = ("#", "node", "grad in", "grad out")
        rows = self._rows()
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(3)]
        line = lambda r: "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3]  # noqa: E731
        return "\n".join([line(head), line(tuple("-" * w for w in widths) + ("-" * 8,))] + [line(r) for r in rows])

    __repr__ = __str__

    def explain(self):
        """The table with, under every node, its vector-Jacobian product: for each input, the formula
        that turns the incoming gradient into that input's gradient."""
        out = []
        rows = self._rows()
        seen = set()
        for s, r in zip(self.steps, rows):
            out.append(f"{r[0]}. {r[1]}")
            out.append(f"   grad in : {r[2]}")
            out.append(f"   grad out: {r[3]}")
            formula = vjp_formula(s.name)
            if formula and s.name not in seen:
                for line in formula.splitlines():
                    out.append("   " + line)
            elif formula:
                out.append("   (formula above)")
            seen.add(s.name)
        return "\n".join(out)


# ---------------------------------------------------------------- formulas in plain notation

_TOKEN = re.compile(r"\s*(?:(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z_0-9:]*)|(.))")
_INFIX = {"mul": ("·", 2), "div": ("/", 2), "add": ("+", 1), "sub": ("-", 1)}
_CONST = {"M_LN2": "ln 2", "M_LN10": "ln 10", "M_2_SQRTPI": "2/√π", "kDegToRad": "π/180", "kRadToDeg": "180/π",
          "kSqrtPiOver2": "√π/2", "kSqrt2Pi": "√(2π)", "kInvSqrt2Pi": "1/√(2π)"}
_COMPARE = {"lt": "<", "gt": ">", "le": "≤", "ge": "≥", "eq": "=", "ne": "≠"}


def _parse(text):
    """The C++ gradient expression as a tree: (name, [args]) for calls, str for names and numbers."""
    toks = [m.group(1) or m.group(2) or m.group(3) for m in _TOKEN.finditer(text) if (m.group(0).strip())]
    pos = 0

    def expr():
        nonlocal pos
        tok = toks[pos]
        pos += 1
        if pos < len(toks) and toks[pos] == "(":
            pos += 1
            args = []
            while toks[pos] != ")":
                args.append(expr())
                if toks[pos] == ",":
                    pos += 1
            pos += 1
            if tok in ("Scalar", "int64_t", "std::string", "Tensor") and len(args) == 1:
                return args[0]
            return (tok, args)
        if tok == '"':  # a string literal
            lit = []
            while toks[pos] != '"':
                lit.append(toks[pos])
                pos += 1
            pos += 1
            return "'" + "".join(lit) + "'"
        return tok
    return expr()


# the one-pass gradient helpers of the C++ formulas, shown as the expressions they compute
_FUSED = {
    "sigmoid_grad": lambda g, s: ("mul", [("mul", [g, s]), ("rsub", [s, "1"])]),
    "tanh_grad": lambda g, s: ("mul", [g, ("rsub", [("square", [s]), "1"])]),
    "relu_grad": lambda g, s: ("mul", [g, ("sign", [s])]),
}


def _show(node, sym, prec=0):
    if isinstance(node, str):
        return _CONST.get(node, sym.get(node, node))
    name, args = node
    if name in _FUSED and len(args) == 2:
        return _show(_FUSED[name](*args), sym, prec)
    if name in _INFIX and len(args) == 2:
        op, p = _INFIX[name]
        a = _show(args[0], sym, p)
        b = _show(args[1], sym, p + (1 if name in ("sub", "div") else 0))
        text = f"{a} {op} {b}"
        return f"({text})" if p < prec else text
    if name == "neg":
        return f"-{_show(args[0], sym, 3)}"
    if name == "alpha_scaled" and len(args) == 2:  # add's and sub's g · alpha (g itself for alpha 1)
        return _show(("mul", [args[1], args[0]]), sym, prec)
    if name == "rsub" and len(args) == 2:
        text = f"{_show(args[1], sym, 1)} - {_show(args[0], sym, 2)}"
        return f"({text})" if prec > 1 else text
    if name == "square":
        return f"{_show(args[0], sym, 4)}²"
    if name == "pow" and len(args) == 2:
        return f"{_show(args[0], sym, 4)}^{_show(args[1], sym, 4)}"
    if name == "zero_grad":
        return "0"
    if name in _COMPARE and len(args) == 2:
        return f"{_show(args[0], sym, 1)} {_COMPARE[name]} {_show(args[1], sym, 1)}"
    if name == "clamp_grad" and len(args) == 5:
        g, x, lo, hi = (_show(a, sym) for a in args[:4])
        where = {"0": f"{lo} ≤ {x} ≤ {hi}", "1": f"{x} < {lo}", "2": f"{x} > {hi}"}[args[4]]
        return f"{g} where {where}, else 0"
    if name == "tie_split" and len(args) == 4:
        g, x, y, loses = (_show(a, sym) for a in args)
        return f"{g} where not ({loses}), halved where {x} = {y}, else 0"
    if name == "unless_zero" and len(args) == 2:  # pow's gradient to self: 0 at a zero exponent
        text = f"{_show(args[1], sym)}, but 0 where {_show(args[0], sym, 1)} = 0"
        return f"({text})" if prec > 0 else text
    if name == "unless_zero_base" and len(args) == 3:  # pow's gradient to the exponent: 0 where 0^b is flat
        a, b = _show(args[0], sym, 1), _show(args[1], sym, 1)
        text = f"{_show(args[2], sym)}, but 0 where {a} = 0 and {b} ≥ 0"
        return f"({text})" if prec > 0 else text
    if name == "div_mode" and len(args) == 3:
        return f"{args[2].strip(chr(39))}({_show(args[0], sym, 2)} / {_show(args[1], sym, 2)})"
    return f"{name}(" + ", ".join(_show(a, sym) for a in args) + ")"


def vjp_formula(node_name):
    """The node's gradient formula per input in plain notation, or None when the node has none
    recorded (e.g. AccumulateGrad, which adds the incoming gradient into .grad)."""
    if node_name == "AccumulateGrad":
        return "leaf.grad += grad"
    entry = getattr(_C, "_vjp_formulas", {}).get(node_name)
    if entry is None:
        return None
    inputs, formulas, symbols = entry
    if not inputs:  # a hand-written node's formula, already in plain notation
        return formulas[0]
    sym = dict(symbols)
    lines = []
    for name, f in zip(inputs, formulas):
        try:
            text = _show(_parse(f), sym)
        except (IndexError, ValueError):
            text = f
        lines.append(f"grad_{name} = {text}")
    return "\n".join(lines)


# ---------------------------------------------------------------- attaching to a backward run

def _attach(roots):
    """Hooks on every node reachable from the roots, recording into the active traces; returns the
    handles to remove afterwards."""
    tracers = list(_ACTIVE)
    handles, seen = [], {}
    stack = [t.grad_fn for t in roots if isinstance(t, Tensor) and t.grad_fn is not None]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen[id(n)] = n

        def pre(grad_outputs, n=n):
            for tr in tracers:
                tr.steps.append(Step(len(tr.steps), n, grad_outputs))
            return None

        def post(grad_inputs, grad_outputs, n=n):
            for tr in tracers:
                for s in reversed(tr.steps):
                    if s.node is n and not s.done:
                        s.grads_out = tuple(grad_inputs)
                        s.done = True
                        if s.leaf is not None and s.leaf.grad is not None:
                            s.leaf_grad = s.leaf.grad.detach().clone()
                        break
            return None

        handles.append(n.register_prehook(pre))
        handles.append(n.register_hook(post))
        stack.extend(c for c, _ in n.next_functions if c is not None and id(c) not in seen)
    return handles


def run_traced(roots, run):
    """run() with the active traces attached to the graph of `roots`."""
    if not _ACTIVE:
        return run()
    handles = _attach(roots)
    try:
        return run()
    finally:
        for h in handles:
            h.remove()
