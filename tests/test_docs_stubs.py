"""Docstrings and type stubs (issue 12 §4): every public name has a paragraph and a stub; the stub is the
bindings' (regenerated and compared); registry ops' docstrings carry the registry's rules and formulas."""
import ast
import importlib.util
import pathlib
import subprocess
import sys

import pytest

import smalltorch as st
from smalltorch import _docs
from smalltorch.autograd._trace import vjp_formula

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = pathlib.Path(importlib.util.find_spec("smalltorch").origin).parent

PUBLIC = sorted(n for n in dir(st) if not n.startswith("_") and callable(getattr(st, n)) and
                type(getattr(st, n)).__name__ != "module")
METHODS = sorted(n for n in dir(st.Tensor) if not n.startswith("_"))


def paragraph(obj):
    """The docstring without pybind11's signature lines."""
    doc = obj.__doc__ or ""
    sig = _docs._signature_lines(doc)
    return "\n".join(line for line in doc.splitlines() if line not in sig.splitlines()).strip()


def test_the_checked_in_stub_is_the_bindings():
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "tools" / "gen_stubs.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_the_stub_and_py_typed_ship_with_the_package():
    assert (PACKAGE / "py.typed").exists()
    assert (PACKAGE / "__init__.pyi").read_text() == (ROOT / "python" / "smalltorch" / "__init__.pyi").read_text()


def stub_names():
    tree = ast.parse((ROOT / "python" / "smalltorch" / "__init__.pyi").read_text())
    top, tensor = set(), set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            top.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            top.update(a.asname or a.name for a in node.names)
        if isinstance(node, ast.ClassDef) and node.name == "Tensor":
            tensor = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return top, tensor


def test_every_public_name_and_method_has_a_stub():
    top, tensor = stub_names()
    assert set(n for n in dir(st) if not n.startswith("_")) - top == set()
    assert set(METHODS) - tensor == set()
    assert {"__add__", "__matmul__", "__getitem__"} <= tensor


def test_stub_signatures_name_the_bindings_parameters():
    text = (ROOT / "python" / "smalltorch" / "__init__.pyi").read_text()
    assert "def add(input: Any, other: Any, *, alpha: Number = ..., out: Any = ...) -> Tensor: ..." in text
    assert "    def uniform_(self, from_: " in text  # a keyword parameter is renamed as PyTorch's stub does
    compile(text, "__init__.pyi", "exec")


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_function_and_class_has_a_paragraph(name):
    assert len(paragraph(getattr(st, name))) > 20, name


@pytest.mark.parametrize("name", METHODS)
def test_every_tensor_method_has_a_paragraph(name):
    attr = next(k.__dict__[name] for k in type.mro(st.Tensor) if name in k.__dict__)
    assert len(paragraph(attr)) > 20, name


REGISTRY_ROWS = sorted(set(st._C._unary_registry) | set(st._C._binary_registry) | set(st._C._ternary_registry))


@pytest.mark.parametrize("name", REGISTRY_ROWS)
def test_registry_ops_document_their_rows(name):
    doc = (getattr(st, name) if not name.startswith("special_") else getattr(st.special, name[8:])).__doc__
    nodes, table, row = _docs._nodes_of(name)
    assert table is not None
    for node in nodes:
        formula = vjp_formula(node)
        assert f"Backward ({node}): " in doc
        assert "; ".join(formula.splitlines()) in doc  # the text computed from the gradient column
    if not nodes:
        assert "Not differentiable." in doc
    if table == "_unary_registry":
        assert _docs._UNARY_RULES[row[0]] in doc


def test_in_place_methods_say_what_they_are():
    assert paragraph(st.Tensor.exp_).startswith("In-place form of `Tensor.exp`")
    assert "ExpBackward0" in st.Tensor.exp_.__doc__
    assert paragraph(st.Tensor.exp).startswith("Method form of `smalltorch.exp`")


def test_help_shows_signature_then_paragraph(capsys):
    help(st.exp)
    out = capsys.readouterr().out
    assert "exp(input: Tensor, *, out: object = None)" in out and "ExpBackward0" in out


def test_set_doc_refuses_what_pybind11_did_not_bind():
    with pytest.raises(TypeError, match="pybind11"):
        st._C._set_doc(len, "x")
    with pytest.raises(TypeError, match="pybind11"):
        st._C._set_doc(st.Tensor.__dict__["sum"], "x")
