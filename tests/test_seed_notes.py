"""examples/seed_notes.py prints exactly what PyTorch prints for the same code."""

import os
import subprocess
import sys

from conftest import subprocess_env

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
from seed_output import first_difference, normalise  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "examples", "seed_notes.py")
EXPECTED = os.path.join(HERE, "data", "seed_notes_expected.txt")


def run_file(path, cwd):
    env = subprocess_env(PYTHONIOENCODING="utf-8")
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, encoding="utf-8", timeout=120,
                       env=env, cwd=str(cwd))
    assert r.returncode == 0, r.stderr
    return r


def run_script(source, tmp_path, name):
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return run_file(path, tmp_path)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_normalise():
    assert normalise("<AddBackward0 object at 0x7f3a2b1c0d90>\n") == ["<AddBackward0 object at 0x…>"]
    assert normalise("<AddBackward0 object at 0x…>") == ["<AddBackward0 object at 0x…>"]


def test_seed_notes_output_matches_expected(tmp_path):
    r = run_file(SCRIPT, tmp_path)
    assert first_difference(r.stdout, read(EXPECTED)) is None, first_difference(r.stdout, read(EXPECTED))
    # the notes read y.grad of a non-leaf: PyTorch warns about it
    assert "retain_grad" in r.stderr


def test_seed_notes_matches_pytorch(tmp_path, torch_ref):
    source = read(SCRIPT)
    assert "import smalltorch as torch" in source
    ours = run_script(source, tmp_path, "ours.py")
    theirs = run_script(source.replace("import smalltorch as torch", "import torch"), tmp_path, "theirs.py")
    assert first_difference(ours.stdout, theirs.stdout) is None, first_difference(ours.stdout, theirs.stdout)
    assert normalise(theirs.stdout) == normalise(read(EXPECTED))
