"""Docstrings of the public API, attached once at import.

The paragraphs live in ``_doc_text`` (one per function, class and Tensor-only
method). For the elementwise registry's ops the docstring also carries what
the registry knows: which dtypes the op takes, its backward node and that
node's vector-Jacobian formula (the same text ``autograd.trace().explain()``
prints, read from the gradient column that computes it). Functions bound in
C++ keep pybind11's signature lines first, so ``help()`` and IDE hovers show
the signature and then the paragraph. A Python function's own docstring follows the table's paragraph
(the paragraph says what it does first); runnable examples (``_doc_text.EXAMPLES``) come last.
"""

import ast
import importlib
import inspect
import keyword
import re

from . import _C
from ._doc_text import CLASSES, EXAMPLES, FUNCTIONS, LINALG, NN_FUNCTIONAL, SPECIAL, TENSOR_ONLY
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


def _untyped_object(sig):
    """pybind11's signature lines without their `object` annotations (a py::object parameter takes what the
    paragraph says; `x: object = None` reads as `x=None`, `-> object` goes): the stubs give the types."""
    sig = re.sub(r"\b([A-Za-z_][A-Za-z_0-9]*): object = ", r"\1=", sig)
    sig = re.sub(r"\b([A-Za-z_][A-Za-z_0-9]*): object(?=[,)])", r"\1", sig)
    return re.sub(r" -> object$", "", sig, flags=re.M)


def _text_signature(fn, sig):
    """CPython's text-signature line for a pybind11 function with one overload (``add(input, other, *,
    alpha=1, out=None)``), so that inspect.signature() and help() show its parameters; "" where there are
    several overloads or a default that is not a plain literal."""
    lines = sig.splitlines()
    m = re.match(r"^([A-Za-z_][A-Za-z_0-9]*)\((.*)\)(?: -> .*)?$", lines[0]) if len(lines) == 1 else None
    if not m or m.group(1) != fn.__name__:
        return ""
    params, depth, cur = [], 0, ""
    for ch in m.group(2) + ",":
        depth += ch in "[(" and 1 or ch in "])" and -1 or 0
        if ch == "," and depth == 0:
            params.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out = []
    for p in filter(None, params):
        pm = re.match(r"^(\*{0,2}[A-Za-z_][A-Za-z_0-9]*|/|\*)(?:\s*:\s*[^=]+?)?(?:\s*=\s*(.+))?$", p)
        if not pm or keyword.iskeyword(pm.group(1).lstrip("*")):
            return ""
        if pm.group(2) is not None:
            try:
                ast.literal_eval(pm.group(2))
            except (ValueError, SyntaxError):
                return ""
            out.append(f"{pm.group(1)}={pm.group(2)}")
        else:
            out.append(pm.group(1))
    return f"{fn.__name__}({', '.join(out)})\n--\n\n"


def _example(key):
    lines = EXAMPLES.get(key)
    return "Example::\n\n" + "\n".join("    " + line for line in lines) if lines else ""


def _set(obj, text, example_key=None):
    """Gives `obj` the docstring `text` (after its signatures where it is a C++ function; before its own
    docstring where it is written in Python), then the example of `example_key` if there is one."""
    example = _example(example_key)
    kind = type(obj).__name__
    if kind in ("builtin_function_or_method", "instancemethod"):
        fn = obj.__func__ if kind == "instancemethod" else obj
        raw = _signature_lines(fn.__doc__)
        sig = _untyped_object(raw)
        if example and example in (fn.__doc__ or ""):
            return  # attached already
        if not text:  # an example only: keep the paragraph there is
            text = "\n".join(line for line in (fn.__doc__ or "").splitlines()
                             if line not in raw.splitlines()).strip()
        body = "\n\n".join(p for p in (text, example) if p)
        try:
            _C._set_doc(fn, _text_signature(fn, sig) + (f"{sig}\n\n{body}" if sig else body))
        except TypeError:  # not a pybind11 function (a CPython method descriptor): keep its own text
            pass
        return
    own = "" if isinstance(obj, property) else inspect.cleandoc(getattr(obj, "__doc__", None) or "")
    if text and text in own or example and example in own:
        return  # attached already
    try:
        obj.__doc__ = "\n\n".join(p for p in (text, own, example) if p)
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
            _set(obj, text, name)
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
        _set(attr if isinstance(attr, property) else getattr(tensor, name), text, f"Tensor.{name}")
    apply_submodule(module.linalg, "linalg")
    apply_submodule(importlib.import_module(module.__name__ + ".special"), "special")


def apply_submodule(module, key):
    """Attaches the paragraphs of `key` ("F", "linalg", "special") and the examples "key.name" to the public
    names of a submodule; a name that is a top-level function's very object keeps that one's paragraph."""
    texts = {"F": NN_FUNCTIONAL, "linalg": LINALG, "special": SPECIAL}[key]
    for name in getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]:
        obj = getattr(module, name, None)
        if obj is None or not callable(obj):
            continue
        if name in texts or f"{key}.{name}" in EXAMPLES:
            _set(obj, texts.get(name, ""), f"{key}.{name}")
