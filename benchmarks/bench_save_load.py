"""save + load of a state dict (default 100 MB of float32 in 20 tensors): smalltorch vs PyTorch.

Both libraries save the same values to a file in the same temporary folder and load it back; each sample
times one save + load, the libraries alternating so machine noise hits both alike. Prints the median per
library and the ratio smalltorch / PyTorch (target: <= 1.0, lower is better).

    python benchmarks/bench_save_load.py                 # 100 MB, 7 samples
    python benchmarks/bench_save_load.py --mb 1 --repeat 2   # smoke run
"""

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

import smalltorch as st

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None


def state_dict(lib, arrays):
    return {f"layer{i}.weight": lib.from_numpy(a.copy()) for i, a in enumerate(arrays)}


def round_trip(lib, sd, path):
    t0 = time.perf_counter()
    lib.save(sd, path)
    back = lib.load(path)
    dt = time.perf_counter() - t0
    return dt, back


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=100.0, help="total size of the state dict in MB")
    ap.add_argument("--tensors", type=int, default=20, help="number of tensors it holds")
    ap.add_argument("--repeat", type=int, default=7, help="samples per median")
    args = ap.parse_args()

    n = max(1, int(args.mb * 1e6 / 4 / args.tensors))
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(n, dtype=np.float32) for _ in range(args.tensors)]
    libs = {"smalltorch": st}
    if torch is not None:
        libs["torch"] = torch
    dicts = {name: state_dict(lib, arrays) for name, lib in libs.items()}
    times = {name: [] for name in libs}
    with tempfile.TemporaryDirectory() as tmp:
        for name, lib in libs.items():  # warm-up, and a check that the values come back
            _, back = round_trip(lib, dicts[name], os.path.join(tmp, name + ".pt"))
            for i, a in enumerate(arrays):
                np.testing.assert_array_equal(back[f"layer{i}.weight"].numpy(), a)
        for _ in range(args.repeat):
            for name, lib in libs.items():
                dt, back = round_trip(lib, dicts[name], os.path.join(tmp, name + ".pt"))
                del back
                times[name].append(dt)
    total_mb = n * 4 * args.tensors / 1e6
    print(f"save + load of a {total_mb:.1f} MB state dict ({args.tensors} float32 tensors), "
          f"median of {args.repeat}:")
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, m in med.items():
        print(f"  {name:10s} {m * 1e3:9.2f} ms")
    if "torch" in med:
        ratio = med["smalltorch"] / med["torch"]
        print(f"  ratio smalltorch/torch: {ratio:.2f} (target <= 1.0) {'OK' if ratio <= 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()
