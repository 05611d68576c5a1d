"""Side-by-side timings of smalltorch, numpy and (when installed) PyTorch.

Each case builds its inputs once per library (the same data for all), then
times the same operation for every library in one run, interleaving them
round-robin for each sample so machine noise hits all alike. The number of
calls per sample is auto-ranged to about 20 ms; the median of --repeat samples
is reported, with the ratios smalltorch/numpy and smalltorch/PyTorch (lower is
better for smalltorch) and the case's target ratio, marked with a check or a
cross.

    python benchmarks/bench.py                 # every case
    python benchmarks/bench.py -k add          # cases whose name contains "add"
    python benchmarks/bench.py --repeat 11     # more samples per median
    python benchmarks/bench.py --quick         # smoke run: fewer sizes/repeats
    python benchmarks/bench.py --check         # verify results vs numpy first
    python benchmarks/bench.py --markdown      # markdown tables for the README

Adding a case is one entry in CASES below: a Case(section, name, make, ...)
where make(lib, m) returns a zero-argument callable for library `lib`
("st", "np" or "torch"; `m` is the matching module) or None when the library
has no equivalent (its cell prints n/a). The callable should return its
result, which --check compares between smalltorch and numpy (or PyTorch when
numpy has no column).
"""

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

import smalltorch as st

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

F32 = np.float32
LIB_NAMES = {"st": "smalltorch", "np": "numpy", "torch": "torch"}


# ---------------------------------------------------------------- input data
# Inputs are generated once per case with numpy, cached for the case, and each
# library gets its own copy (so no library reads another's warm buffer).
_DATA = {}


def data(shape, seed=0, kind="normal"):
    key = (tuple(shape) if isinstance(shape, (tuple, list)) else (shape,), seed, kind)
    if key not in _DATA:
        rng = np.random.default_rng(seed)
        if kind == "normal":
            arr = rng.standard_normal(key[0], dtype=F32)
        elif kind == "positive":  # in [1, 2): safe divisors, tame chains
            arr = (1.0 + rng.random(key[0], dtype=F32)).astype(F32)
        else:
            raise ValueError(kind)
        _DATA[key] = arr
    return _DATA[key]


def to_lib(lib, m, arr, requires_grad=False):
    """A copy of numpy array `arr` as a tensor/array of library `lib`."""
    if lib == "np":
        return arr.copy()
    t = m.from_numpy(arr.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def inputs(lib, m, *specs):
    """to_lib for several (shape, seed[, kind]) specs at once."""
    return [to_lib(lib, m, data(*s)) for s in specs]


# ---------------------------------------------------------------- case table
@dataclass
class Case:
    section: str
    name: str
    make: Callable  # make(lib, module) -> zero-arg callable, or None (n/a)
    target: Optional[Tuple[str, float]] = None  # ("np" | "torch", max ratio)
    ops: int = 1        # report time per op (time / ops)
    flops: float = 0.0  # when set, also print GFLOP/s per library
    quick: bool = True  # included in --quick runs
    tol: float = 1e-5   # --check: |st - ref| <= tol * (|ref| + max(1, max|ref|))


# -- builders: each returns make(lib, m)
def unary(n, f):
    def make(lib, m):
        (a,) = inputs(lib, m, (n, 1))
        return lambda: f(m, a)
    return make


def binary(shape_a, shape_b, f):
    def make(lib, m):
        a, b = inputs(lib, m, (shape_a, 1), (shape_b, 2))
        return lambda: f(m, a, b)
    return make


def add_out(n):
    def make(lib, m):
        a, b, c = inputs(lib, m, (n, 1), (n, 2), (n, 3))
        return lambda: m.add(a, b, out=c)
    return make


def small_chain(lib, m):
    a, b, c, d, e = inputs(lib, m, *[(1, s, "positive") for s in range(1, 6)])
    return lambda: ((((((((((a + b) * c) - d) / e) + b) * c) - d) / e) + b) * c)


def matmul(n):
    def make(lib, m):
        a, b = inputs(lib, m, ((n, n), 1), ((n, n), 2))
        return lambda: a @ b
    return make


# MLP step as issue 8 defines it: relu(x @ W1 + b1) @ W2 + b2, 784-256-10, batch 64,
# MSE loss (mean) against a target, grads cleared, backward().
MLP_B, MLP_IN, MLP_H, MLP_OUT = 64, 784, 256, 10


def _mlp_data():
    rng = np.random.default_rng(42)
    x = rng.standard_normal((MLP_B, MLP_IN), dtype=F32)
    w1 = (rng.standard_normal((MLP_IN, MLP_H), dtype=F32) / np.sqrt(MLP_IN)).astype(F32)
    b1 = (0.1 * rng.standard_normal(MLP_H, dtype=F32)).astype(F32)
    w2 = (rng.standard_normal((MLP_H, MLP_OUT), dtype=F32) / np.sqrt(MLP_H)).astype(F32)
    b2 = (0.1 * rng.standard_normal(MLP_OUT, dtype=F32)).astype(F32)
    target = rng.standard_normal((MLP_B, MLP_OUT), dtype=F32)
    return x, w1, b1, w2, b2, target


def _np_mlp_forward(x, w1, b1, w2, b2, target):
    h = x @ w1 + b1
    r = np.maximum(h, 0)
    d = r @ w2 + b2 - target
    return (d * d).mean(), h, r, d


def _st_mlp_loss(m, X, W1, B1, W2, B2, T):
    d = m.relu(X @ W1 + B1) @ W2 + B2 - T
    return (d * d).mean()


def mlp_train(lib, m):
    x, w1, b1, w2, b2, target = (arr.copy() for arr in _mlp_data())
    if lib == "np":
        def step():
            loss, h, r, d = _np_mlp_forward(x, w1, b1, w2, b2, target)
            dz = d * F32(2.0 / d.size)
            dw2 = r.T @ dz
            db2 = dz.sum(axis=0)
            dh = (dz @ w2.T) * (h > 0)
            dw1 = x.T @ dh
            db1 = dh.sum(axis=0)
            return loss, dw1, db1, dw2, db2
        return step
    X, T = m.from_numpy(x), m.from_numpy(target)
    params = [m.from_numpy(p).requires_grad_(True) for p in (w1, b1, w2, b2)]

    def step():
        for p in params:
            p.grad = None
        loss = _st_mlp_loss(m, X, *params, T)
        loss.backward()
        return (loss,) + tuple(p.grad for p in params)
    return step


def mlp_forward(lib, m):
    x, w1, b1, w2, b2, target = (arr.copy() for arr in _mlp_data())
    if lib == "np":
        return lambda: _np_mlp_forward(x, w1, b1, w2, b2, target)[0]
    X, T = m.from_numpy(x), m.from_numpy(target)
    params = [m.from_numpy(p).requires_grad_(True) for p in (w1, b1, w2, b2)]

    def fwd():
        with m.no_grad():
            return _st_mlp_loss(m, X, *params, T)
    return fwd


CHAIN_STEPS = 500  # y = y*1.0001 + 0.0001: 2 ops a step -> 1000 ops


def scalar_chain(lib, m):
    if lib == "np":
        return None  # no autograd in numpy
    x = m.ones(1, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for _ in range(CHAIN_STEPS):
            y = y * 1.0001 + 0.0001
        y.backward()
        return y, x.grad
    return run


def scatter_reduce(self_shape, index_shape, dim, reduce):
    """self.scatter_reduce(dim, index, src, reduce) with random int64 indices along dim (numpy: n/a)."""
    def make(lib, m):
        if lib == "np":
            return None
        idx = np.random.default_rng(3).integers(0, self_shape[dim], index_shape)
        a, s = inputs(lib, m, (self_shape, 0), (index_shape, 1))
        i = m.from_numpy(idx)
        return lambda: a.scatter_reduce(dim, i, s, reduce)
    return make


def _sizes(sizes, quick_max=10**6):
    """(label, n, in --quick) for powers of ten: 10**6 -> "1e6"."""
    return [(f"1e{len(str(n)) - 1}", n, n <= quick_max) for n in sizes]


SIZES = [10**2, 10**4, 10**6, 10**7]
IDX = "scatter_reduce float32"
EW = "elementwise float32"
RED = "reductions float32"
MM = "matmul float32"
OVH = "overhead"
AG = "autograd"

ADD = lambda m, a, b: a + b  # noqa: E731
MUL = lambda m, a, b: a * b  # noqa: E731
EXP = lambda m, a: m.exp(a)  # noqa: E731
AXPB = lambda m, a: a * 2 + 1  # noqa: E731

CASES = [
    # ---- elementwise
    *[Case(EW, f"a+b n={lbl}", binary(n, n, ADD), quick=q,
           target={10**4: ("np", 0.7), 10**6: ("torch", 1.0), 10**7: ("np", 0.6)}.get(n))
      for lbl, n, q in _sizes(SIZES)],
    *[Case(EW, f"a*b n={lbl}", binary(n, n, MUL), quick=q,
           target={10**4: ("np", 0.7)}.get(n))
      for lbl, n, q in _sizes(SIZES)],
    *[Case(EW, f"exp(a) n={lbl}", unary(n, EXP), quick=q,
           target={10**6: ("np", 0.55), 10**7: ("np", 0.45)}.get(n))
      for lbl, n, q in _sizes(SIZES)],
    *[Case(EW, f"a*2+1 n={lbl}", unary(n, AXPB), quick=q,
           target={10**7: ("np", 0.5)}.get(n))
      for lbl, n, q in _sizes(SIZES)],
    Case(EW, "add(a,b,out=c) n=1e7", add_out(10**7), target=("torch", 1.0), quick=False),
    Case(EW, "broadcast 1000x1000 + 1000", binary((1000, 1000), 1000, ADD), target=("torch", 1.0)),
    Case(EW, "transposed a.T+b 2000x2000", binary((2000, 2000), (2000, 2000), lambda m, a, b: a.T + b),
         target=("torch", 0.7)),
    Case(EW, "sin(a) n=1e6", unary(10**6, lambda m, a: m.sin(a)), tol=1e-5),
    Case(EW, "log(a) n=1e6 (a in [1, 2))", lambda lib, m: (lambda a: lambda: m.log(a))(inputs(lib, m, (10**6, 1, "positive"))[0]),
         tol=1e-5),
    Case(EW, "float16 a+b n=1e6", lambda lib, m: (lambda a, b: lambda: a + b)(
        *[x.astype(np.float16) if lib == "np" else x.half() for x in inputs(lib, m, (10**6, 1), (10**6, 2))]),
        tol=1e-2),
    Case(EW, "transposed copy a.T 2000x2000",
         unary((2000, 2000), lambda m, a: np.ascontiguousarray(a.T) if m is np else a.T.contiguous())),
    # ---- reductions
    Case(RED, "sum n=1e4", unary(10**4, lambda m, a: a.sum()), target=("torch", 0.5), tol=1e-4),
    Case(RED, "mean n=1e4", unary(10**4, lambda m, a: a.mean()), tol=1e-4),
    Case(RED, "max n=1e4", unary(10**4, lambda m, a: a.max())),
    Case(RED, "sum n=1e7", unary(10**7, lambda m, a: a.sum()), target=("torch", 1.0), tol=1e-4),
    Case(RED, "mean n=1e7", unary(10**7, lambda m, a: a.mean()), target=("torch", 1.0), tol=1e-4),
    Case(RED, "max n=1e7", unary(10**7, lambda m, a: a.max()), target=("torch", 1.0)),
    Case(RED, "sum dim=0 2000x2000", unary((2000, 2000), lambda m, a: a.sum(0)), target=("torch", 1.0), tol=1e-4),
    Case(RED, "sum dim=1 2000x2000", unary((2000, 2000), lambda m, a: a.sum(1)), target=("torch", 1.0), tol=1e-4),
    Case(RED, "sum dim=1 20000x100", unary((20000, 100), lambda m, a: a.sum(1)), tol=1e-4),
    # ---- scatter_reduce: 1-d (2e6 values into 1e5 slots), along dim 1 (10000x1280 into 10000x64), along dim 0
    *[Case(IDX, f"scatter_reduce {r} 1-d 2e6->1e5", scatter_reduce((10**5,), (2 * 10**6,), 0, r),
           target=("torch", 1.0), quick=r == "sum", tol=1e-4) for r in ("sum", "prod", "mean", "amax")],
    *[Case(IDX, f"scatter_reduce {r} dim=1 10000x1280->x64", scatter_reduce((10000, 64), (10000, 1280), 1, r),
           target=("torch", 1.0), quick=False, tol=1e-4) for r in ("sum", "prod", "mean", "amax")],
    *[Case(IDX, f"scatter_reduce {r} dim=0 200000x64->10000", scatter_reduce((10000, 64), (200000, 64), 0, r),
           target=("torch", 1.0), quick=False, tol=1e-4) for r in ("sum", "amax")],
    # ---- matmul
    *[Case(MM, f"matmul {n}x{n}", matmul(n), flops=2.0 * n ** 3, quick=n <= 1024, tol=1e-4,
           target=("np", 1.0 if n == 64 else 1.05))
      for n in (64, 256, 1024, 2048)],
    # ---- overhead
    Case(OVH, "a+b n=1", binary(1, 1, ADD), target=("np", 1.0)),
    Case(OVH, "10-op chain n=1 (per op)", small_chain, ops=10, target=("np", 1.0)),
    Case(OVH, "Tensor*float n=100", unary(100, lambda m, a: a * 1.5), target=("np", 0.8)),
    # ---- autograd
    Case(AG, "MLP 784-256-10 b64 fwd+bwd", mlp_train, target=("torch", 0.7), tol=1e-4),
    Case(AG, "MLP 784-256-10 b64 fwd no_grad", mlp_forward, target=("np", 1.0), tol=1e-4),
    Case(AG, f"{2 * CHAIN_STEPS}-op scalar chain fwd+bwd (per op)", scalar_chain,
         ops=2 * CHAIN_STEPS, target=("torch", 0.3), tol=1e-4),
]


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


SETTLE = 0.2  # seconds of quiet before each sample (set by --settle)


def measure(fns, repeat):
    """Median seconds per call for each callable, sampled round-robin.

    Before each sample the script sleeps SETTLE seconds: OpenBLAS, OpenMP and
    smalltorch's pool keep their threads spinning for a while after work, and
    on 2 cores the spinning threads of the library measured last would slow
    the one measured next.
    """
    numbers = {k: _autorange(f) for k, f in fns.items()}
    samples = {k: [] for k in fns}
    gc_was_enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            for k, f in fns.items():
                n = numbers[k]
                if SETTLE > 0:
                    time.sleep(SETTLE)
                    f()  # wake this library's threads again
                gc.collect()
                gc.disable()  # as timeit does
                t0 = time.perf_counter()
                for _ in range(n):
                    f()
                samples[k].append((time.perf_counter() - t0) / n)
                if gc_was_enabled:
                    gc.enable()
    finally:
        if gc_was_enabled:
            gc.enable()
    return {k: statistics.median(v) for k, v in samples.items()}


# ---------------------------------------------------------------- --check
def _to_numpy(x):
    if isinstance(x, (tuple, list)):
        return [_to_numpy(v) for v in x]
    if x is None:
        return None
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


def _compare(got, ref, tol, path="result"):
    """None when got matches ref, else a one-line description of the mismatch."""
    if isinstance(ref, list):
        if not isinstance(got, list) or len(got) != len(ref):
            return f"{path}: expected {len(ref)} outputs, got {len(got) if isinstance(got, list) else 1}"
        for i, (g, r) in enumerate(zip(got, ref)):
            msg = _compare(g, r, tol, f"{path}[{i}]")
            if msg:
                return msg
        return None
    if got is None or ref is None:
        return None if got is ref else f"{path}: one result is None"
    g, r = np.squeeze(got), np.squeeze(ref)
    if g.shape != r.shape:
        return f"{path}: shape {np.shape(got)} != reference {np.shape(ref)}"
    scale = max(1.0, float(np.max(np.abs(r)))) if r.size else 1.0
    err = np.abs(g - r)
    bad = ~(err <= tol * (np.abs(r) + scale))
    if bad.any():
        i = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
        max_err = float(np.nanmax(err)) if not np.isnan(err).all() else float("nan")
        return (f"{path}: {int(bad.sum())}/{r.size} elements off, max |err| {max_err:.3g}"
                f" (got {float(g.flat[i]):.7g} vs {float(r.flat[i]):.7g} at flat index {i}, tol {tol:g})")
    return None


# ---------------------------------------------------------------- output
def fmt_time(s):
    if s is None:
        return "n/a"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} us"
    return f"{s * 1e3:.2f} ms"


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}×"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header_line():
    isa_fn = getattr(getattr(st, "_C", None), "_isa", None)
    try:
        isa = isa_fn() if isa_fn else "n/a"
    except Exception as e:  # pragma: no cover - defensive
        isa = f"error ({e})"
    parts = [time.strftime("%Y-%m-%d %H:%M"), cpu_model(), f"{os.cpu_count()} cores",
             f"python {platform.python_version()}", f"numpy {np.__version__}",
             f"torch {torch.__version__ + ' (' + str(torch.get_num_threads()) + ' threads)' if torch else '(not installed)'}",
             f"smalltorch {getattr(st, '__version__', '?')} ({st.get_num_threads()} threads, ISA {isa})"]
    core_fn = getattr(getattr(st, "_C", None), "_blas_core", None)
    if core_fn:  # the OpenBLAS kernel set our products use; the environment can pin it
        pinned = os.environ.get("OPENBLAS_CORETYPE")
        parts.append(f"OpenBLAS {core_fn()}" + (f" (OPENBLAS_CORETYPE={pinned})" if pinned else ""))
    return " | ".join(parts)


class Table:
    """Collects rows per section; prints them aligned (text) or as markdown."""

    WIDTHS = {"case": 38, "smalltorch": 10, "numpy": 10, "torch": 10, "st/np": 7, "st/torch": 8, "target": 15}

    def __init__(self, columns, markdown):
        self.columns, self.markdown = columns, markdown
        self.widths = [self.WIDTHS.get(c, len(c)) for c in columns]

    def section(self, title, extra=()):
        cols = list(self.columns) + list(extra)
        widths = self.widths + [max(9, len(c)) for c in extra]
        self.cur = (cols, widths)
        if self.markdown:
            print(f"\n### {title}\n")
        else:
            print(f"\n== {title} ==")
        self.row(cols)
        if self.markdown:
            print("|" + "|".join(("-" * (w + 1) + ":" if i else ":" + "-" * (w + 1)) for i, w in enumerate(widths)) + "|")
        else:
            print("  ".join("-" * w for w in widths))

    def row(self, cells):
        cols, widths = self.cur
        cells = [str(c) for c in cells]
        if self.markdown:
            cells = [c.replace("|", "\\|") for c in cells]
            print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                    for i, (c, w) in enumerate(zip(cells, widths))) + " |", flush=True)
        else:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(cells, widths))), flush=True)


# ---------------------------------------------------------------- main
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-k", default="", help="only cases whose name (or section) contains this substring")
    p.add_argument("--repeat", type=int, default=None, help="samples per median (default 7; 3 with --quick)")
    p.add_argument("--quick", action="store_true", help="smoke run: skip the largest sizes, fewer repeats")
    p.add_argument("--check", action="store_true",
                   help="before timing, verify smalltorch's result against numpy (or torch) for each case")
    p.add_argument("--markdown", action="store_true", help="print markdown tables ready for the README")
    p.add_argument("--threads", type=int, default=None,
                   help="intra-op threads for smalltorch and torch (default: torch uses as many as smalltorch; "
                        "numpy's BLAS follows OPENBLAS_NUM_THREADS)")
    p.add_argument("--settle", type=float, default=0.2,
                   help="seconds of quiet before each sample, so the thread pools of the library measured last "
                        "stop spinning (default %(default)s; 0 to disable)")
    args = p.parse_args(argv)
    globals()["SETTLE"] = args.settle
    if args.threads:
        st.set_num_threads(args.threads)
    if torch is not None:
        # Same thread count as smalltorch. Only call set_num_threads when it changes something: on a
        # loaded machine an explicit call (even to the current value) made torch's small ops ~ms slow.
        want = args.threads or st.get_num_threads()
        if torch.get_num_threads() != want:
            torch.set_num_threads(want)
    repeat = args.repeat if args.repeat is not None else (3 if args.quick else 7)

    libs = ["st", "np"] + (["torch"] if torch is not None else [])
    modules = {"st": st, "np": np, "torch": torch}

    set_vars = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if set_vars:
        print(f"WARNING: {', '.join(f'{v}={os.environ[v]}' for v in set_vars)} set: this slows numpy's OpenBLAS. "
              f"For fair numbers rerun with: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python "
              f"{' '.join(sys.argv)}")

    print(header_line())
    print(f"median of {repeat} samples, ~20 ms each, libraries interleaved; ratios are smalltorch/other, "
          f"lower is better{'; results checked against numpy first' if args.check else ''}")

    columns = ["case", "smalltorch", "numpy"] + (["torch"] if torch else []) + ["st/np"] + (["st/torch"] if torch else [])
    columns += ["target"]
    table = Table(columns, args.markdown)

    selected = [c for c in CASES if (args.k in c.name or args.k in c.section) and (c.quick or not args.quick)]
    if not selected:
        print(f"no case matches -k {args.k!r}")
        return 1
    notes, mismatches, targets = [], [], [0, 0]
    section = None
    t_start = time.perf_counter()
    for case in selected:
        if case.section != section:
            section = case.section
            extra = [f"{LIB_NAMES[l] if l != 'st' else 'st'} GF/s" for l in libs] if any(
                c.flops for c in selected if c.section == section) else []
            table.section(section, extra)
        _DATA.clear()
        gc.collect()
        fns = {}
        for lib in libs:
            try:
                fn = case.make(lib, modules[lib])
                if fn is not None:
                    fn()  # first call: warm-up, and surfaces unsupported features as n/a
                fns[lib] = fn
            except Exception as e:
                fns[lib] = None
                first = str(e).strip().splitlines()[0] if str(e).strip() else ""
                notes.append(f"{case.name}: {LIB_NAMES[lib]} n/a ({type(e).__name__}: {first[:120]})")
        wrong = False
        if args.check and fns.get("st") is not None:
            ref_lib = next((l for l in ("np", "torch") if fns.get(l) is not None), None)
            if ref_lib is not None:
                try:
                    msg = _compare(_to_numpy(fns["st"]()), _to_numpy(fns[ref_lib]()), case.tol)
                except Exception as e:
                    msg = f"comparison failed: {type(e).__name__}: {e}"
                if msg:
                    wrong = True
                    mismatches.append(f"{case.name}: smalltorch != {LIB_NAMES[ref_lib]}: {msg}")
                    print(f"CHECK MISMATCH {case.name}: smalltorch != {LIB_NAMES[ref_lib]}: {msg}",
                          file=sys.stderr, flush=True)
        live = {k: f for k, f in fns.items() if f is not None}
        t = measure(live, repeat) if live else {}
        times = {lib: (t[lib] / case.ops if lib in t else None) for lib in libs}
        ratios = {lib: (times["st"] / times[lib] if times["st"] is not None and times[lib] else None)
                  for lib in libs if lib != "st"}
        target = ""
        if case.target:
            ref, lim = case.target
            r = ratios.get(ref)
            if ref not in ratios:
                target = f"≤{lim:.2f}× {ref} -"
            elif r is None:
                target = f"≤{lim:.2f}× {ref} ?"
            else:
                ok = r <= lim and not wrong
                targets[0 if ok else 1] += 1
                target = f"≤{lim:.2f}× {ref} {'✓' if ok else '✗'}"
        name = case.name + (" [WRONG]" if wrong else "")
        cells = [name] + [fmt_time(times[lib]) for lib in libs] + [fmt_ratio(ratios[lib]) for lib in libs if lib != "st"]
        cells.append(target)
        if case.flops:
            cells += ["n/a" if times[lib] is None else f"{case.flops / times[lib] / 1e9:.1f}" for lib in libs]
        table.row(cells)
        del fns, live
    _DATA.clear()

    print(f"\ntargets met: {targets[0]}/{sum(targets)}  (✓ met, ✗ missed; '-' reference library not installed)")
    if args.check:
        n_checked = len(selected)
        if mismatches:
            print(f"CHECK: {len(mismatches)} of {n_checked} cases MISMATCH:")
            for m_ in mismatches:
                print(f"  - {m_}")
        else:
            print(f"check: smalltorch matched the reference in all {n_checked} cases")
    for n_ in notes:
        print(f"note: {n_}")
    print(f"total time {time.perf_counter() - t_start:.1f} s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
