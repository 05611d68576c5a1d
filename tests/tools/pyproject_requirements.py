"""Prints the requirements that pyproject.toml names, one per line.

Usage: python tests/tools/pyproject_requirements.py [build] [runtime] [extra:NAME ...]

  build         [build-system] requires
  runtime       [project] dependencies
  extra:NAME    [project.optional-dependencies] NAME

The test command installs exactly these, so what it installs can never drift
from what pyproject.toml declares. Uses tomllib (Python 3.11+) and, on older
Pythons, a small reader that handles the plain string arrays this file uses.
"""

import ast
import os
import sys

PYPROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pyproject.toml")


def _read_simple_toml(text):
    """Tables of string arrays and strings: enough for pyproject.toml's requirement lists."""
    data = {}
    table = data
    pending = None  # (key, lines) of an array that spans several lines
    for raw in text.splitlines():
        line = raw.rstrip()
        if pending is not None:
            pending[1].append(line)
            if line.strip().endswith("]"):
                table[pending[0]] = ast.literal_eval(" ".join(pending[1]))
                pending = None
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("[") and not stripped.startswith("[["):
            table = data
            for part in stripped.strip("[]").split("."):
                table = table.setdefault(part.strip(), {})
            continue
        if "=" in stripped:
            key, value = (s.strip() for s in stripped.split("=", 1))
            if value.startswith("[") and not value.endswith("]"):
                pending = (key, [value])
            elif value.startswith("[") or value.startswith('"'):
                table[key] = ast.literal_eval(value)
    return data


def load(path=PYPROJECT):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        return _read_simple_toml(raw.decode("utf-8"))
    return tomllib.loads(raw.decode("utf-8"))


def requirements(groups, data=None):
    data = load() if data is None else data
    out = []
    for group in groups:
        if group == "build":
            out += data["build-system"]["requires"]
        elif group == "runtime":
            out += data["project"].get("dependencies", [])
        elif group.startswith("extra:"):
            out += data["project"]["optional-dependencies"][group[len("extra:"):]]
        else:
            raise SystemExit(f"unknown requirement group {group!r} (build, runtime, extra:NAME)")
    seen = []
    for r in out:
        if r not in seen:
            seen.append(r)
    return seen


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:] or ["build", "runtime"])))
