"""The test tooling itself: the requirement reader behind tests/run_all.sh and the
seed-output comparison behind .ci/run's demo check."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tools"))
import pyproject_requirements as reqs  # noqa: E402
from seed_output import first_difference  # noqa: E402

PYPROJECT = os.path.join(HERE, "..", "pyproject.toml")


def test_requirements_are_pyprojects_own():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(PYPROJECT, "rb") as f:
        data = tomllib.load(f)
    build = data["build-system"]["requires"]
    runtime = data["project"]["dependencies"]
    test = data["project"]["optional-dependencies"]["test"]
    assert reqs.requirements(["build"]) == build
    got = reqs.requirements(["build", "runtime", "extra:test"])
    assert set(got) == set(build) | set(runtime) | set(test)
    assert len(got) == len(set(got))  # scipy-openblas32 is in build and runtime: listed once
    assert "scipy-openblas32" in got


def test_fallback_reader_matches_tomllib():
    tomllib = pytest.importorskip("tomllib")
    with open(PYPROJECT, encoding="utf-8") as f:
        text = f.read()
    simple, real = reqs._read_simple_toml(text), tomllib.loads(text)
    assert simple["build-system"]["requires"] == real["build-system"]["requires"]
    assert simple["project"]["dependencies"] == real["project"]["dependencies"]
    assert simple["project"]["optional-dependencies"] == real["project"]["optional-dependencies"]
    multi = '[project]\nname = "x"\ndependencies = [\n  "a>=1",\n  "b",\n]\n[project.optional-dependencies]\ntest = ["c"]\n'
    assert reqs._read_simple_toml(multi)["project"]["dependencies"] == ["a>=1", "b"]
    assert reqs._read_simple_toml(multi)["project"]["optional-dependencies"]["test"] == ["c"]


def test_unknown_group_is_an_error():
    with pytest.raises(SystemExit):
        reqs.requirements(["nonsense"])


def test_seed_output_comparison():
    assert first_difference("<AddBackward0 object at 0x7f3a2b1c0d90>\n", "<AddBackward0 object at 0x…>") is None
    assert "line 2" in first_difference("a\nb\n", "a\nc\n")
    assert "lines printed" in first_difference("a\n", "a\nb\n")
