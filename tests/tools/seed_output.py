"""Compares the seed notes' printed output with the stored expected text.

Memory addresses (`<AddBackward0 object at 0x7f...>`) differ from run to run;
the expected file writes them as `0x…`, and `normalise` turns real ones into
the same token. Used by tests/test_seed_notes.py and by .ci/run's demo check:

    python tests/tools/seed_output.py GOT_FILE EXPECTED_FILE
"""

import re
import sys

ADDRESS = re.compile(r"0x[0-9a-f]+")


def normalise(text):
    return [ADDRESS.sub("0x…", line.rstrip()).replace("0x……", "0x…") for line in text.rstrip("\n").split("\n")]


def first_difference(got_text, expected_text):
    """None when the two outputs match, else a message naming the first differing line."""
    got, expected = normalise(got_text), normalise(expected_text)
    for i, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            return f"line {i + 1}: {g!r} != {e!r}"
    if len(got) != len(expected):
        return f"{len(got)} lines printed, {len(expected)} expected"
    return None


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        got = f.read()
    with open(sys.argv[2], encoding="utf-8") as f:
        expected = f.read()
    diff = first_difference(got, expected)
    if diff:
        sys.exit(f"seed notes output differs from {sys.argv[2]}: {diff}")
