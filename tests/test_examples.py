"""The book's CNN and RNN chapters as runnable examples (examples/lenet.py, resnet.py, char_rnn.py): each runs
with small settings, prints the book's layer shapes, and learns (loss or perplexity falls)."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(script, *args, timeout=300):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), *args], capture_output=True,
                       text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def epochs(out, key):
    return [float(v) for v in re.findall(rf"{key} ([0-9.]+)", out)]


def test_lenet_prints_the_books_shapes_and_trains():
    out = run("lenet.py", "--epochs", "2", "--limit", "512")
    shapes = re.findall(r"^(\w+) output shape: \t smalltorch\.Size\((\[.*\])\)$", out, re.M)
    assert shapes[:4] == [("Conv2d", "[1, 6, 28, 28]"), ("Sigmoid", "[1, 6, 28, 28]"),
                          ("AvgPool2d", "[1, 6, 14, 14]"), ("Conv2d", "[1, 16, 10, 10]")]
    assert shapes[6] == ("Flatten", "[1, 400]") and shapes[-1] == ("Linear", "[1, 10]")
    assert "data: synthetic stand-in, 512 training rows" in out
    losses = epochs(out, "loss")
    assert len(losses) == 2 and all(0 < v < 10 for v in losses)


def test_resnet_learns_the_stand_in_data(tmp_path):
    out = run("resnet.py", "--epochs", "2", "--limit", "1000", "--width-div", "8", "--plot",
              str(tmp_path / "p.png"))
    assert re.search(r"^AdaptiveAvgPool2d output shape:\t smalltorch\.Size\(\[1, 64, 1, 1\]\)$", out, re.M)
    losses, train_acc = epochs(out, "loss"), epochs(out, "train acc")
    assert losses[1] < losses[0] and train_acc[1] > 0.5


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_char_rnn_perplexity_falls_and_it_generates(cell):
    out = run("char_rnn.py", "--cell", cell, "--epochs", "40")
    ppl = epochs(out, "perplexity")
    assert ppl[-1] < ppl[0] and ppl[-1] < 20
    lines = [line for line in out.splitlines() if line.startswith("'")]
    assert len(lines) == 2 and lines[0].startswith("'we hold ") and len(eval(lines[0])) == 48
