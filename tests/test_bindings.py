"""Each public name of smalltorch and of smalltorch.Tensor is bound exactly once.

The binding code (csrc/python) notes every name it defines (TensorClass::def,
Module::def, and the names bind_unary.cpp skips because they already exist);
smalltorch._C._duplicate_bindings() lists the ones defined twice, as
"scope.name". A second binding is chained by pybind11 as an overload (or
silently skipped), so which code runs depends on registration order.
"""
import inspect

import smalltorch

# Names still bound twice, to be merged ("scope.name"; none left). A name here
# that is no longer bound twice fails the test too, so that the list only shrinks.
KNOWN_DUPLICATES = set()


def test_no_name_bound_twice_in_cpp():
    dups = smalltorch._C._duplicate_bindings()
    assert set(dups) - KNOWN_DUPLICATES == set(), f"bound twice: {sorted(set(dups) - KNOWN_DUPLICATES)}"
    assert KNOWN_DUPLICATES - set(dups) == set(), \
        f"no longer bound twice, remove from KNOWN_DUPLICATES: {sorted(KNOWN_DUPLICATES - set(dups))}"


def _pybind_overloads(fn):
    doc = getattr(fn, "__doc__", None) or ""
    return doc.count("\n") and "Overloaded function." in doc


def test_no_public_name_is_a_chain_of_registrations():
    # a pybind11 function with several overloads comes from several def() calls of one name
    chained = []
    for owner, scope in ((smalltorch, "smalltorch"), (smalltorch.Tensor, "Tensor")):
        for name in dir(owner):
            if name.startswith("__") and name not in ("__getitem__", "__setitem__", "__abs__", "__invert__"):
                continue
            obj = inspect.getattr_static(owner, name, None)
            if _pybind_overloads(obj):
                chained.append(f"{scope}.{name}")
    assert set(chained) <= KNOWN_DUPLICATES, f"bound twice: {sorted(set(chained) - KNOWN_DUPLICATES)}"


def test_python_layer_does_not_hide_a_cpp_method():
    # a Python function put on Tensor (smalltorch/_tensor.py) over a C++ method of the same name
    bound = smalltorch._C._bound_names("Tensor")
    hidden = [name for name, obj in vars(smalltorch.Tensor).items()
              if inspect.isfunction(obj) and name in bound]
    assert hidden == [], f"Python methods over C++ bindings: {sorted(hidden)}"


def test_the_record_sees_every_public_cpp_name():
    # the record is complete: every public function of _C and method of Tensor bound by C++ is in it
    mod = smalltorch._C._bound_names("smalltorch")
    recorded = {id(getattr(smalltorch._C, n)) for n in mod}
    missing = [n for n in dir(smalltorch._C)
               if type(getattr(smalltorch._C, n)).__name__ == "builtin_function_or_method" and n not in mod
               and id(getattr(smalltorch._C, n)) not in recorded]  # aliases (absolute = abs) are the same object
    assert missing == []
    assert {"add", "div", "exp", "sum"} <= mod
    assert {"div", "exp", "sum", "shape"} <= smalltorch._C._bound_names("Tensor")
