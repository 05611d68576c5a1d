"""Docstrings of the public API, attached once at import.

The paragraphs live in ``_doc_text`` (one per function, class and Tensor-only
method). For the elementwise registry's ops the docstring also carries what
the registry knows: which dtypes the op takes, its backward node and that
node's vector-Jacobian formula (the same text ``autograd.trace().explain()``
prints, read from the gradient column that computes it). Functions bound in
C++ keep pybind11's signature lines first, so ``help()`` and IDE hovers show
the signature and then the paragraph.
"""

import re

from . import _C
from ._doc_text import CLASSES, FUNCTIONS, TENSOR_ONLY
from .autograd._trace import vjp_formula

_UNARY_RULES = {
    "Float": "Integer and bool inputs are promoted to the default float dtype.",
    "FloatOnly": "Takes floating-point inputs only; the result keeps their dtype.",
    "Keep": "Takes every dtype but bool; the result keeps the input's dtype.",
    "Any": "Takes every dtype; the result keeps the input's dtype.",
    "Pred": "Takes every dtype; the result is a bool tensor.",
    "Bits": "Takes integer and bool inputs only; the result keeps their dtype.",
}


def _nodes_of(name):
    """The backward nodes recorded for the function `name`: the registry's columns where it is a row,
    else the nodes whose PyTorch name is the op's (``log1p`` -> ``Log1PBackward0``)."""
    for table in ("_unary_registry", "_binary_registry", "_ternary_registry"):
        row = getattr(_C, table, {}).get(name)
        if row is not None:
            nodes = [v for v in row if isinstance(v, str) and v.endswith(("Backward0", "Backward1"))]
            return list(dict.fromkeys(nodes)), table, row
    key = name.replace("_", "").lower() + "backward"
    nodes = sorted(n for n in getattr(_C, "_vjp_formulas", {}) if n.lower().rstrip("0123456789") == key)
    return nodes, None, None


def registry_note(name, rule=True):
    """What the op's registry row or backward node says: its dtype rule and gradient formulas."""
    nodes, table, row = _nodes_of(name)
    parts = []
    if table == "_unary_registry" and rule:
        parts.append(_UNARY_RULES.get(row[0], ""))
    for node in nodes:
        formula = vjp_formula(node)
        if formula:
            parts.append(f"Backward ({node}): " + "; ".join(formula.splitlines()) + ".")
    if table and not nodes:
        parts.append("Not differentiable.")
    return " ".join(p for p in parts if p)


def _signature_lines(doc):
    """The signature lines pybind11 put at the top of a docstring (all overloads)."""
    lines = (doc or "").splitlines()
    keep = []
    for line in lines:
        if re.match(r"^(\d+\. )?[A-Za-z_][A-Za-z_0-9]*\(.*\)( -> .*)?$", line) or line == "Overloaded function.":
            keep.append(line)
    return "\n".join(keep)


def _set(obj, text):
    """Gives `obj` the docstring `text` (after its signatures where it is a C++ function)."""
    kind = type(obj).__name__
    if kind in ("builtin_function_or_method", "instancemethod"):
        fn = obj.__func__ if kind == "instancemethod" else obj
        sig = _signature_lines(fn.__doc__)
        try:
            _C._set_doc(fn, f"{sig}\n\n{text}" if sig else text)
        except TypeError:  # not a pybind11 function (a CPython method descriptor): keep its own text
            pass
        return
    if not isinstance(obj, property) and (getattr(obj, "__doc__", None) or "").strip():
        return  # written beside its Python code: more specific than a table's paragraph
    try:
        obj.__doc__ = text
    except (AttributeError, TypeError):
        pass


def function_doc(name):
    text = FUNCTIONS.get(name) or CLASSES.get(name) or ""
    note = registry_note(name) if name not in CLASSES else ""
    note = " ".join(s for s in re.split(r"(?<=\.) (?=[A-Z])", note) if s and s not in text)  # said already
    return " ".join(t for t in (text, note) if t) or None


def method_doc(name, module):
    if name in TENSOR_ONLY:
        return TENSOR_ONLY[name]
    if name.endswith("_") and not name.endswith("__"):
        base = name[:-1]
        if method_doc(base, module):
            return (f"In-place form of `Tensor.{base}`: writes the result into this tensor and returns it "
                    "(the result's dtype must fit this tensor's). " + registry_note(base, rule=False)).strip()
    if function_doc(name):
        return f"Method form of `smalltorch.{name}`, with this tensor as `input`. " + function_doc(name)
    return None


def apply(module):
    """Attaches the docstrings to the public names of `module` (smalltorch) and to Tensor's methods."""
    seen = set()
    aliases_last = sorted(dir(module), key=lambda n: FUNCTIONS.get(n, "").startswith("Alias for"))
    for name in aliases_last:  # an alias is the very object of its name: that name's paragraph goes on it
        if name.startswith("_"):
            continue
        obj = module.__dict__.get(name)
        if obj is None or not callable(obj) or type(obj).__name__ == "module" or id(obj) in seen:
            continue
        text = function_doc(name)
        if text:
            seen.add(id(obj))
            _set(obj, text)
    tensor = module.Tensor
    for name in dir(tensor):
        if name.startswith("_"):
            continue
        text = method_doc(name, module)
        if not text:
            continue
        attr = next(k.__dict__[name] for k in type.mro(tensor) if name in k.__dict__)
        if id(attr) in seen:
            continue
        seen.add(id(attr))
        _set(attr if isinstance(attr, property) else getattr(tensor, name), text)
