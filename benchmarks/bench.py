"""Side-by-side timings of smalltorch, numpy and (when installed) PyTorch.

Each case builds its inputs once per library, then times the same operation
for every library in one run, interleaving them so machine noise hits all
alike. Prints median time per call and the ratios smalltorch/numpy and
smalltorch/PyTorch (lower is better for smalltorch).

    python benchmarks/bench.py                 # every case
    python benchmarks/bench.py -k add          # cases whose name contains "add"
    python benchmarks/bench.py --repeat 11     # more samples per median
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

import smalltorch as st

try:
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
except ImportError:  # PyTorch is optional
    torch = None

F32 = np.float32


def _np_data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(F32)


# ---------------------------------------------------------------- the cases
# Each case: name -> function(lib) returning a zero-argument callable for that
# library, where lib is one of "st", "np", "torch".

def elementwise(n, expr):
    def make(lib):
        a_np, b_np = _np_data((n,), 1), _np_data((n,), 2)
        if lib == "np":
            a, b = a_np, b_np
            return {"a+b": lambda: a + b, "a*b": lambda: a * b}[expr]
        mod = st if lib == "st" else torch
        a, b = mod.from_numpy(a_np.copy()), mod.from_numpy(b_np.copy())
        return {"a+b": lambda: a + b, "a*b": lambda: a * b}[expr]
    return make


CASES = {}
for n, label in [(1, "1"), (1000, "1e3"), (1_000_000, "1e6")]:
    CASES[f"a+b n={label}"] = elementwise(n, "a+b")


# ---------------------------------------------------------------- timing
def _autorange(fn, target=0.02):
    """Calls per sample so that one sample lasts about `target` seconds."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= target or n >= 1 << 20:
            return max(1, int(n * target / max(dt, 1e-9)))
        n *= 4


def measure(fns, repeat):
    """Median seconds per call for each callable, sampled round-robin."""
    numbers = {k: _autorange(f) for k, f in fns.items()}
    samples = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            n = numbers[k]
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            samples[k].append((time.perf_counter() - t0) / n)
    return {k: statistics.median(v) for k, v in samples.items()}


def fmt_time(s):
    if s < 1e-6:
        return f"{s * 1e9:7.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:7.2f} us"
    return f"{s * 1e3:7.2f} ms"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-k", default="", help="only cases whose name contains this")
    p.add_argument("--repeat", type=int, default=7, help="samples per median")
    args = p.parse_args(argv)
    libs = ["st", "np"] + (["torch"] if torch is not None else [])
    print(f"# {time.strftime('%Y-%m-%d')}  {platform.processor() or platform.machine()}  {os.cpu_count()} cores  "
          f"python {platform.python_version()}  numpy {np.__version__}  "
          f"torch {torch.__version__ if torch else '(not installed)'}  smalltorch {st.__version__} "
          f"({st.get_num_threads()} threads)")
    head = f"| {'case':<24} | {'smalltorch':>10} | {'numpy':>10} |"
    head += f" {'torch':>10} |" if torch else ""
    head += " st/np |" + (" st/torch |" if torch else "")
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for name, make in CASES.items():
        if args.k not in name:
            continue
        fns = {lib: make(lib) for lib in libs}
        t = measure(fns, args.repeat)
        row = f"| {name:<24} | {fmt_time(t['st']):>10} | {fmt_time(t['np']):>10} |"
        if torch:
            row += f" {fmt_time(t['torch']):>10} |"
        row += f" {t['st'] / t['np']:5.2f} |"
        if torch:
            row += f" {t['st'] / t['torch']:8.2f} |"
        print(row, flush=True)


if __name__ == "__main__":
    sys.exit(main())
