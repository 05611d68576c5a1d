"""One epoch of DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True) over 60 000 rows of 784 float32
features (Fashion-MNIST-shaped) with smalltorch and, when installed, PyTorch: median of --repeat epochs per
library, the libraries interleaved epoch by epoch so that machine noise hits both alike, and the ratio
smalltorch/PyTorch (issue 11's target: <= 0.5).

    python benchmarks/bench_dataloader.py                  # num_workers=0, 7 epochs each
    python benchmarks/bench_dataloader.py --repeat 3       # fewer epochs
    python benchmarks/bench_dataloader.py --workers 2      # also time num_workers=2 (fork, shared memory)

Each epoch touches every batch (the sum of its labels), so that a lazy loader could not skip work.
"""

import argparse
import statistics
import sys
import time

import numpy as np

import smalltorch as st

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

ROWS, FEATURES, BATCH = 60_000, 784, 64


def make_loader(m, x, y, num_workers):
    ds = m.utils.data.TensorDataset(m.from_numpy(x.copy()), m.from_numpy(y.copy()))
    return m.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=num_workers)


def epoch(loader):
    t0 = time.perf_counter()
    n = 0
    total = 0
    for xb, yb in loader:
        n += xb.shape[0]
        total += int(yb.sum())
    dt = time.perf_counter() - t0
    assert n == ROWS and total == EXPECT_SUM, (n, total)
    return dt


def main(argv=None):
    global EXPECT_SUM
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=7, help="epochs per library and setting (median reported)")
    p.add_argument("--workers", type=int, default=0, help="also time this many worker processes (0: only in-process)")
    args = p.parse_args(argv)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((ROWS, FEATURES), dtype=np.float32)
    y = rng.integers(0, 10, ROWS).astype(np.int64)
    EXPECT_SUM = int(y.sum())
    libs = {"smalltorch": st} | ({"torch": torch} if torch is not None else {})
    if torch is not None and torch.get_num_threads() != st.get_num_threads():
        torch.set_num_threads(st.get_num_threads())

    print(f"DataLoader(TensorDataset({ROWS}x{FEATURES} float32, {ROWS} int64), batch_size={BATCH}, shuffle=True): "
          f"one epoch, median of {args.repeat}; python {sys.version.split()[0]}, "
          f"torch {torch.__version__ if torch is not None else 'not installed'}, threads {st.get_num_threads()}")
    for workers in sorted({0, args.workers}):
        loaders = {name: make_loader(m, x, y, workers) for name, m in libs.items()}
        for loader in loaders.values():
            epoch(loader)  # warm-up (first-touch of the data, worker start-up paths, caches)
        times = {name: [] for name in loaders}
        for _ in range(args.repeat):
            for name, loader in loaders.items():
                times[name].append(epoch(loader))
        med = {name: statistics.median(ts) for name, ts in times.items()}
        line = f"num_workers={workers}: " + ", ".join(f"{name} {med[name] * 1e3:8.1f} ms" for name in med)
        if "torch" in med:
            ratio = med["smalltorch"] / med["torch"]
            line += f"   smalltorch/torch = {ratio:.3f}"
            if workers == 0:
                line += f"  (target <= 0.5: {'met' if ratio <= 0.5 else 'MISSED'})"
        print(line)


if __name__ == "__main__":
    main()
