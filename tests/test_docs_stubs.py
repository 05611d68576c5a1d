"""Docstrings and type stubs (issue 12 §4): every public name has a paragraph and a stub; the stubs are the
bindings' (regenerated and compared), precise (no Any outside a named allow-list), named as PyTorch names the
parameters, and what mypy makes of user code; registry ops' docstrings carry the registry's rules and formulas."""
import ast
import importlib.util
import inspect
import pathlib
import re
import subprocess
import sys
import textwrap
import types

import pytest

import smalltorch as st
import smalltorch.nn.functional as F
from smalltorch import _docs
from smalltorch.autograd._trace import vjp_formula

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = pathlib.Path(importlib.util.find_spec("smalltorch").origin).parent
sys.path.insert(0, str(ROOT / "tests" / "tools"))
import stub_table  # noqa: E402

STUB_DIR = ROOT / "python" / "smalltorch"
STUB_FILES = {"": "__init__.pyi", "linalg": "linalg.pyi", "special": "special.pyi", "F": "nn/functional.pyi",
              "return_types": "return_types.pyi", "autograd": "autograd/__init__.pyi"}
SUBMODULES = {"linalg": st.linalg, "special": st.special, "F": F, "return_types": st.return_types,
              "autograd": st.autograd}

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


@pytest.mark.parametrize("ctx", sorted(STUB_FILES))
def test_the_stubs_and_py_typed_ship_with_the_package(ctx):
    assert (PACKAGE / "py.typed").exists()
    assert (PACKAGE / STUB_FILES[ctx]).read_text() == (STUB_DIR / STUB_FILES[ctx]).read_text()


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
    text = (STUB_DIR / "__init__.pyi").read_text()
    assert ("def add(input: Tensor | Number, other: Tensor | Number, *, alpha: Number = 1, "
            "out: Tensor | None = None) -> Tensor: ...") in text
    assert "    def uniform_(self, from_: " in text  # a keyword parameter is renamed as PyTorch's stub does
    for ctx, name in STUB_FILES.items():
        compile((STUB_DIR / name).read_text(), name, "exec")


def stub_functions(ctx):
    """{"ctx.name" (Tensor methods: "Tensor.name"): [FunctionDef, ...]} of one stub file."""
    out = {}
    for node in ast.parse((STUB_DIR / STUB_FILES[ctx]).read_text()).body:
        if isinstance(node, ast.ClassDef):
            prefix = "Tensor" if node.name == "Tensor" else f"{ctx}.{node.name}".lstrip(".")
            for n in node.body:
                if isinstance(n, ast.FunctionDef):
                    out.setdefault(f"{prefix}.{n.name}", []).append(n)
        elif isinstance(node, ast.FunctionDef):
            out.setdefault(f"{ctx}.{node.name}".lstrip("."), []).append(node)
    return out


@pytest.mark.parametrize("ctx", ["linalg", "special", "F", "return_types", "autograd"])
def test_every_public_name_of_the_submodules_has_a_stub(ctx):
    tree = ast.parse((STUB_DIR / STUB_FILES[ctx]).read_text())
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    names |= {a.asname or a.name for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    module = SUBMODULES[ctx]
    public = {n for n in dir(module) if not n.startswith("_") and not (
        isinstance(getattr(module, n), types.ModuleType) and not getattr(module, n).__name__.startswith("smalltorch"))}
    assert public - names == set()


def _any_users(ctx):
    """The stub's functions, properties and aliases whose annotations name Any."""
    found = set()
    for key, defs in stub_functions(ctx).items():
        for d in defs:
            annotations = [a.annotation for a in d.args.args + d.args.kwonlyargs + d.args.posonlyargs] + [
                d.args.vararg and d.args.vararg.annotation, d.args.kwarg and d.args.kwarg.annotation, d.returns]
            if any(isinstance(n, ast.Name) and n.id == "Any" for a in annotations if a for n in ast.walk(a)):
                found.add(key.removeprefix(".") if ctx == "" else key)
    for node in ast.parse((STUB_DIR / STUB_FILES[ctx]).read_text()).body:
        if isinstance(node, ast.AnnAssign) and any(isinstance(n, ast.Name) and n.id == "Any"
                                                   for n in ast.walk(node.annotation)):
            found.add(f"{ctx}.{ast.unparse(node.target)}".lstrip("."))
    return found


def test_no_any_in_the_stubs_outside_the_allow_list():
    found = set().union(*(_any_users(ctx) for ctx in STUB_FILES))
    assert found - set(stub_table.ALLOWED_ANY) == set()
    assert set(stub_table.ALLOWED_ANY) - found == set(), "an allow-listed Any is gone: drop it from the list"
    assert all(len(why) > 20 for why in stub_table.ALLOWED_ANY.values())


def test_the_checker_sees_the_any_the_generator_would_write(monkeypatch):
    # a public name the table knows nothing of comes out with Any, which the test above refuses
    sys.path.insert(0, str(ROOT / "tests" / "tools"))
    import gen_stubs

    def brand_new(input, frobnication, *, out=None):
        pass
    lines = gen_stubs._defs("brand_new", brand_new, "", False)
    assert lines == ["def brand_new(input: Tensor, frobnication: Any, *, out: Tensor | None = None) -> Tensor: ..."]


def _torch_parameter_names(torch):
    """{"ctx.name": {parameter names}} of PyTorch 2.13's functions: its stubs' overloads (parsed), the
    signatures inspect gives for its Python functions, and the first docstring line of builtins that have
    no stub (torch.linalg, torch.special)."""
    root = pathlib.Path(torch.__file__).parent
    out = {}

    def add_defs(body, ctx):
        for node in body:
            if isinstance(node, ast.FunctionDef):
                a = node.args
                names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
                names += [x.arg for x in (a.vararg, a.kwarg) if x]
                out.setdefault(f"{ctx}.{node.name}", set()).update(names)
    add_defs(ast.parse((root / "_C" / "_VariableFunctions.pyi").read_text()).body, "")
    for node in ast.parse((root / "_C" / "__init__.pyi").read_text()).body:
        if isinstance(node, ast.ClassDef) and node.name == "TensorBase":
            add_defs(node.body, "Tensor")
    for f in ("nn/functional.pyi", "_C/_nn.pyi"):
        add_defs(ast.parse((root / f).read_text()).body, "F")
    import torch.nn.functional as TF
    for ctx, mod in (("", torch), ("Tensor", torch.Tensor), ("F", TF), ("linalg", torch.linalg),
                     ("special", torch.special), ("autograd", torch.autograd)):
        for n in dir(mod):
            obj = getattr(mod, n, None)
            if n.startswith("_") or isinstance(obj, type) or not callable(obj):
                continue
            try:
                out.setdefault(f"{ctx}.{n}", set()).update(inspect.signature(obj).parameters)
            except (TypeError, ValueError):
                doc = obj.__doc__ if isinstance(obj.__doc__, str) else ""
                for line in doc.strip().splitlines()[:3]:
                    m = re.match(r"^(?:[\w.]+\.)?" + re.escape(n) + r"\((.*)\)", line.strip())
                    if m:
                        names = [p.split("=")[0].split(":")[0].strip().lstrip("*") for p in m.group(1).split(",")]
                        out.setdefault(f"{ctx}.{n}", set()).update(p for p in names if p and p != "/")
    return out


# parameters the runtime names and PyTorch does not (for a function both have), and why they stay
TORCH_NAME_DIFFERENCES = {
    "linalg.lu_factor": "PyTorch's docstring line types it ('bool pivot=True'), so its parsed names lack `pivot`",
    ".einsum": "PyTorch's signature is (*args); smalltorch names equation and operands as its docs do",
    ".heaviside": "the binary registry binds the second operand as `other`; PyTorch calls it `values`",
    "Tensor.heaviside": "the binary registry binds the second operand as `other`; PyTorch calls it `values`",
    "Tensor.heaviside_": "the binary registry binds the second operand as `other`; PyTorch calls it `values`",
    ".is_floating_point": "smalltorch/__init__.py names the argument `t`; PyTorch's is `input` (positional use works)",
    ".numel": "smalltorch/__init__.py names the argument `t`; PyTorch's is `input` (positional use works)",
    ".masked_fill": "bound with out= like the other indexing functions; PyTorch's has none",
    ".max_pool1d": "one Python function serves the top-level and nn.functional forms (return_indices)",
    ".max_pool1d_with_indices": "one Python function serves the top-level and nn.functional forms",
    ".max_pool2d": "one Python function serves the top-level and nn.functional forms (return_indices)",
    ".true_divide": "bound as div, whose rounding_mode it accepts; PyTorch's true_divide has none",
    "Tensor.true_divide": "bound as div, whose rounding_mode it accepts; PyTorch's true_divide has none",
    "Tensor.true_divide_": "bound as div_, whose rounding_mode it accepts; PyTorch's true_divide_ has none",
    "Tensor.addbmm": "the method is the function with self as input, out= included",
    "Tensor.addmv": "the method is the function with self as input, out= included",
    "Tensor.addr": "the method is the function with self as input, out= included",
    "Tensor.baddbmm": "the method is the function with self as input, out= included",
    "Tensor.cross": "the method is the function with self as input, out= included",
    "Tensor.float_power": "the method is the function with self as input, out= included",
    "Tensor.kron": "the method is the function with self as input, out= included",
    "Tensor.quantile": "the method is the function with self as input, out= included",
    "Tensor.nanquantile": "the method is the function with self as input, out= included",
    "Tensor.dsplit": "one parameter takes both of PyTorch's overloads (sections: int, indices: list)",
    "Tensor.hsplit": "one parameter takes both of PyTorch's overloads (sections: int, indices: list)",
    "Tensor.vsplit": "one parameter takes both of PyTorch's overloads (sections: int, indices: list)",
    "linalg.norm": "smalltorch/linalg.py names the matrix `A` (as the other linalg functions); PyTorch `input`",
    "special.round": "PyTorch's special.round passes decimals through **kwargs; smalltorch names it",
}


def test_stub_parameter_names_are_pytorchs(torch_ref):
    torch_names = _torch_parameter_names(torch_ref)
    mismatched, compared = {}, 0
    for ctx in ("", "linalg", "special", "F", "autograd"):
        for key, defs in stub_functions(ctx).items():
            key = key if ctx or key.startswith("Tensor.") else "." + key
            if key.rsplit(".", 1)[1].startswith("__"):
                continue
            theirs = torch_names.get(key)
            if not theirs or theirs & {"args", "kwargs"} == {"args", "kwargs"}:  # unknown or (*args, **kwargs)
                continue
            compared += 1
            ours = set()
            for d in defs:
                a = d.args
                ours |= {x.arg for x in a.args + a.kwonlyargs if x.arg != "self"}
                ours |= {x.arg for x in (a.vararg, a.kwarg) if x}
            extra = {n for n in ours if not n.startswith("_")} - theirs - {"from_"}
            if extra:
                mismatched[key] = sorted(extra)
    assert compared > 700
    assert set(mismatched) - set(TORCH_NAME_DIFFERENCES) == set(), mismatched
    assert set(TORCH_NAME_DIFFERENCES) - set(mismatched) == set(), "a listed difference is gone: drop it"


# where PyTorch's inspect.signature differs from ours, and why
INSPECT_DIFFERENCES = {
    "from_dlpack": "smalltorch takes no device=/copy= (CPU only, always shares memory)",
    "Tensor.unique_consecutive": "the method is the function, so its first parameter is named input, not self",
}


def test_inspect_signature_shows_the_parameters(torch_ref):
    """help() and inspect.signature() show the parameters of every public function and Tensor method, the C++
    ones included (a text signature from pybind11's line), named as PyTorch's where inspect shows PyTorch's."""
    import torch.nn.functional as TF
    missing, differ, compared = [], {}, 0
    pairs = [(st, torch_ref, ""), (st.Tensor, torch_ref.Tensor, "Tensor."), (F, TF, "F."),
             (st.linalg, torch_ref.linalg, "linalg."), (st.special, torch_ref.special, "special."),
             (st.autograd, torch_ref.autograd, "autograd.")]
    for ours_mod, theirs_mod, prefix in pairs:
        for name in sorted(n for n in dir(ours_mod) if not n.startswith("_")):
            ours = getattr(ours_mod, name)
            if isinstance(ours, type) or not callable(ours):
                continue
            try:
                sig = inspect.signature(ours)
            except ValueError:
                missing.append(prefix + name)
                continue
            try:
                theirs = inspect.signature(getattr(theirs_mod, name))
            except (AttributeError, TypeError, ValueError):
                continue
            names = [p for p in theirs.parameters if p != "self"]
            if names in (["args"], ["args", "kwargs"]):  # PyTorch's generic (*args, **kwargs) wrappers
                continue
            compared += 1
            if [p for p in sig.parameters if p != "self"] != names:
                differ[prefix + name] = (str(sig), str(theirs))
    # no literal default to write (bernoulli's p) or a keyword for a name (uniform_'s from)
    assert sorted(missing) == ["Tensor.bernoulli", "Tensor.uniform_"]
    assert compared > 70
    assert set(differ) == set(INSPECT_DIFFERENCES), differ


MYPY_SAMPLE = """\
import smalltorch as st
import smalltorch.nn.functional as F
from smalltorch import linalg, special

x = st.randn(3, 4, requires_grad=True)
reveal_type((x * 2 + 1).sum())
reveal_type(x.max())
reveal_type(x.max(dim=1))
reveal_type(x.max(dim=1).values)
reveal_type(st.sort(x).indices)
reveal_type(x.shape)
reveal_type(x.size(0))
reveal_type(x.view(12))
reveal_type(x.view(st.float64))
reveal_type(x.reshape(2, 6))
reveal_type(linalg.svd(x).Vh)
reveal_type(linalg.slogdet(x))
reveal_type(F.relu(x))
reveal_type(F.max_pool1d_with_indices(x, 2))
reveal_type(special.expit(x))
reveal_type(x.grad)
reveal_type(st.split(x, 2))
reveal_type(x[0, 1:])
reveal_type(st.add(2, x, alpha=3))
reveal_type(x.sum(dim=(0, 1), keepdim=True))
reveal_type(st.zeros((3, 4), dtype=st.float64))
reveal_type(st.nonzero(x, as_tuple=True))
reveal_type(x.dtype.is_floating_point)
reveal_type(x.item())
reveal_type(st.autograd.grad(x.sum(), [x]))
reveal_type(st.autograd.graph)
x.frobnicate()
st.zeros(3, dtype="float")
st.cat(x)
x.sum(dim=1.5)
"""

MYPY_EXPECTED = """\
:6: note: Revealed type is "smalltorch.Tensor"
:7: note: Revealed type is "smalltorch.Tensor"
:8: note: Revealed type is "tuple[smalltorch.Tensor, smalltorch.Tensor, fallback=smalltorch.return_types.max]"
:9: note: Revealed type is "smalltorch.Tensor"
:10: note: Revealed type is "smalltorch.Tensor"
:11: note: Revealed type is "smalltorch._size.Size"
:12: note: Revealed type is "int"
:13: note: Revealed type is "smalltorch.Tensor"
:14: note: Revealed type is "smalltorch.Tensor"
:15: note: Revealed type is "smalltorch.Tensor"
:16: note: Revealed type is "smalltorch.Tensor"
:17: note: Revealed type is "tuple[smalltorch.Tensor, smalltorch.Tensor, fallback=smalltorch.return_types.linalg_slogdet]"
:18: note: Revealed type is "smalltorch.Tensor"
:19: note: Revealed type is "tuple[smalltorch.Tensor, smalltorch.Tensor]"
:20: note: Revealed type is "smalltorch.Tensor"
:21: note: Revealed type is "smalltorch.Tensor | None"
:22: note: Revealed type is "tuple[smalltorch.Tensor, ...]"
:23: note: Revealed type is "smalltorch.Tensor"
:24: note: Revealed type is "smalltorch.Tensor"
:25: note: Revealed type is "smalltorch.Tensor"
:26: note: Revealed type is "smalltorch.Tensor"
:27: note: Revealed type is "tuple[smalltorch.Tensor, ...]"
:28: note: Revealed type is "bool"
:29: note: Revealed type is "int | float"
:30: note: Revealed type is "tuple[smalltorch.Tensor, ...]"
:31: note: Revealed type is "types.ModuleType"
:32: error: "Tensor" has no attribute "frobnicate"  [attr-defined]
:33: error: No overload variant of "zeros" matches argument types "int", "str"  [call-overload]
:34: error: Argument 1 to "cat" has incompatible type "Tensor"; expected "Sequence[Tensor]"  [arg-type]
:35: error: No overload variant of "sum" of "Tensor" matches argument type "float"  [call-overload]
"""


def test_mypy_reads_the_stubs_as_pytorchs_users_expect(tmp_path):
    """mypy (the test extra's) on user code: results typed as PyTorch's stubs type them, misuse refused."""
    api = pytest.importorskip("mypy.api", reason="mypy is in the test extra (pyproject.toml)")
    sample = tmp_path / "user_code.py"
    sample.write_text(MYPY_SAMPLE)
    out, err, _ = api.run([str(sample), "--python-executable", sys.executable, "--no-incremental",
                           "--cache-dir", str(tmp_path / "cache"), "--hide-error-context", "--no-error-summary",
                           "--no-pretty"])
    got = "\n".join(line.removeprefix(str(sample)) for line in out.splitlines()  # less the overload lists
                    if line.startswith(str(sample)) and not re.search(r"note: ( {4}|Possible overload)", line)) + "\n"
    assert got == MYPY_EXPECTED, err


def test_mypy_finds_no_error_in_the_stubs(tmp_path):
    api = pytest.importorskip("mypy.api", reason="mypy is in the test extra (pyproject.toml)")
    sample = tmp_path / "imports.py"
    sample.write_text("import smalltorch, smalltorch.linalg, smalltorch.special, smalltorch.nn.functional\n"
                      "import smalltorch.return_types, smalltorch.autograd\n")
    out, err, _ = api.run([str(sample), "--python-executable", sys.executable, "--no-incremental",
                           "--cache-dir", str(tmp_path / "cache"), "--no-silence-site-packages"])
    assert [line for line in out.splitlines() if re.search(r"smalltorch/[\w/]+\.pyi:", line)] == []


def says_what_it_does(text):
    """The paragraph's first line is a sentence about the name: it opens with a capitalised word ("Returns",
    "Adds", "The", "Alias", "In-place"), not with a formula or a bare tuple."""
    first = text.splitlines()[0] if text else ""
    return len(text) > 20 and re.match(r"^(A |[A-Z][a-z])", first) is not None


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_function_and_class_has_a_paragraph(name):
    assert says_what_it_does(paragraph(getattr(st, name))), name


@pytest.mark.parametrize("name", METHODS)
def test_every_tensor_method_has_a_paragraph(name):
    attr = next(k.__dict__[name] for k in type.mro(st.Tensor) if name in k.__dict__)
    assert says_what_it_does(paragraph(attr)), name


SUBMODULE_NAMES = sorted((key, n) for key in ("F", "linalg", "special") for n in
                         (getattr(SUBMODULES[key], "__all__", None) or dir(SUBMODULES[key]))
                         if not n.startswith("_") and callable(getattr(SUBMODULES[key], n)))


@pytest.mark.parametrize("key,name", SUBMODULE_NAMES)
def test_every_function_of_the_submodules_has_a_paragraph(key, name):
    assert says_what_it_does(paragraph(getattr(SUBMODULES[key], name))), f"{key}.{name}"


def test_the_paragraph_check_refuses_a_formula_first_line():
    assert says_what_it_does("Returns the sum of the elements of `input`.")
    assert not says_what_it_does("`beta * input + alpha * (mat @ vec)` (`input` ignored when beta is 0).")
    assert not says_what_it_does("(L, info): info > 0 is the order of the first minor that is not definite.")
    assert not says_what_it_does("")


def _documented_objects():
    """Every public function, class and Tensor method whose docstring the package attaches, by name."""
    out = {n: getattr(st, n) for n in PUBLIC}
    out.update({f"Tensor.{n}": next(k.__dict__[n] for k in type.mro(st.Tensor) if n in k.__dict__)
                for n in METHODS})
    out.update({f"{key}.{n}": getattr(SUBMODULES[key], n) for key, n in SUBMODULE_NAMES})
    return out


def _examples():
    import doctest
    found = {}
    for name, obj in _documented_objects().items():
        doc = obj.__doc__ or ""
        if ">>>" in doc and doc not in found.values():
            found[name] = doc
    parser = doctest.DocTestParser()
    return {name: parser.get_doctest(doc, {"smalltorch": st}, name, None, 0) for name, doc in found.items()}


EXAMPLES = _examples()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_examples_run(name):
    import doctest
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(EXAMPLES[name], out=lambda s: pytest.fail(s))
    assert result.attempted > 0 and result.failed == 0


def test_every_written_example_is_attached():
    from smalltorch._doc_text import EXAMPLES as WRITTEN
    texts = "\n".join(d.docstring for d in EXAMPLES.values())
    for key, lines in WRITTEN.items():
        assert "\n".join("    " + line for line in lines) in texts, key


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
    assert "exp(input: Tensor, *, out=None)" in out and "ExpBackward0" in out and "object" not in out
    help(st.add)
    out = capsys.readouterr().out
    assert "add(input, other, *, alpha: Number = 1, out=None)\n" in out


def test_set_doc_refuses_what_pybind11_did_not_bind():
    with pytest.raises(TypeError, match="pybind11"):
        st._C._set_doc(len, "x")
    with pytest.raises(TypeError, match="pybind11"):
        st._C._set_doc(st.Tensor.__dict__["sum"], "x")


def _matches(value, annotation):
    """Whether a call's result is of the stub's declared result type (None where the annotation is not one
    this check knows)."""
    ann = annotation.strip()
    if " | " in ann and not ann.startswith("tuple["):
        got = [_matches(value, part) for part in ann.split(" | ")]
        return None if None in got else any(got)
    simple = {"Tensor": st.Tensor, "_bool": bool, "_int": int, "_float": float, "None": type(None),
              "Size": st.Size, "_dtype": st.dtype, "_str": str}
    if ann in simple:
        return isinstance(value, simple[ann]) and not (ann == "_int" and isinstance(value, bool))
    if ann == "Number":
        return isinstance(value, (int, float, bool))
    if ann == "numpy.ndarray":
        import numpy
        return isinstance(value, numpy.ndarray)
    if ann.startswith("return_types."):
        return type(value).__name__ == ann.split(".", 1)[1] and all(isinstance(v, st.Tensor) for v in value)
    m = re.fullmatch(r"tuple\[(.*)\]", ann)
    if m:
        parts = [p.strip() for p in m.group(1).split(",")]
        if not isinstance(value, tuple):
            return False
        if parts[-1] == "...":
            return all(_matches(v, parts[0]) for v in value)
        return len(value) == len(parts) and all(_matches(v, p) for v, p in zip(value, parts))
    return None


def _one_tensor_calls():
    """(name, callable, declared result) for every stubbed function and Tensor method whose only required
    argument is one tensor, called on a fresh 3x3 float64 tensor."""
    out = []
    for ctx, module in (("", st), ("linalg", st.linalg), ("special", st.special), ("F", F)):
        for key, defs in stub_functions(ctx).items():
            if len(defs) != 1 or key.startswith("_") or "__" in key:
                continue
            d = defs[0]
            args = d.args.posonlyargs + d.args.args
            required = len(args) - len(d.args.defaults) + sum(1 for k, v in zip(d.args.kwonlyargs,
                                                                                d.args.kw_defaults) if v is None)
            if not args or required != 1 or ast.unparse(args[0].annotation or ast.Name("x")) not in (
                    "Tensor", "Tensor | Number") and args[0].arg != "self":
                continue
            if key.startswith("Tensor."):
                out.append((key, lambda x, n=key[7:]: getattr(x, n)(), ast.unparse(d.returns)))
            elif "." not in key or ctx:
                fn = getattr(module, key.rsplit(".", 1)[-1], None)
                if fn is not None:
                    out.append((key, fn, ast.unparse(d.returns)))
    return out


ONE_TENSOR_CALLS = _one_tensor_calls()
SKIP_CALLS = {"seed", "Tensor.backward", "Tensor.retain_grad", "Tensor.cuda", "Tensor.tolist"}


def test_the_result_check_refuses_a_wrong_type():
    assert _matches(st.ones(2).max(0), "return_types.max") and not _matches(st.ones(2), "_bool")
    assert not _matches((st.ones(1),), "tuple[Tensor, Tensor]") and _matches(3, "Number")


@pytest.mark.filterwarnings("ignore::UserWarning")  # softmax's implicit dim, dropout2d on 2-D input
def test_stub_results_are_what_the_calls_return():
    """The declared result type of every function a single tensor can call is what the call returns."""
    import numpy as np
    checked, wrong = 0, {}
    for name, fn, declared in ONE_TENSOR_CALLS:
        if name in SKIP_CALLS:
            continue
        x = st.tensor(np.random.default_rng(0).standard_normal((3, 3)) + 3 * np.eye(3))
        try:
            value = fn(x)
        except Exception:  # noqa: BLE001 (a call this input does not suit: the check is about results)
            continue
        ok = _matches(value, declared)
        if ok is None:
            continue
        checked += 1
        if not ok:
            wrong[name] = (declared, type(value).__name__)
    assert checked > 300
    assert wrong == {}
