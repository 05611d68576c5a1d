"""DataLoader-with-workers scenarios, run in a child process as `python data_workers_scenarios.py LIB` (LIB is
smalltorch or torch); prints one JSON object: scenario name -> result (or the exception's class and message).
test_data_workers.py runs it for both libraries under a hard timeout and compares."""

import collections
import gc
import importlib
import json
import multiprocessing
import os
import random
import sys
import time
import traceback

import numpy as np

LIB = sys.argv[1] if __name__ == "__main__" else os.environ.get("DATA_WORKERS_LIB", "smalltorch")
os.environ["DATA_WORKERS_LIB"] = LIB  # spawned workers import this module again: same library
torch = importlib.import_module(LIB)
data = importlib.import_module(LIB + ".utils.data")
if LIB == "torch":
    Generator = torch.Generator
else:
    from smalltorch.utils.data._generator import Generator

Point = collections.namedtuple("Point", "x y")


def plain(obj):
    """A batch as JSON-able nested values; tensors become [dtype name, shape, values]."""
    if hasattr(obj, "numpy") and hasattr(obj, "dtype") and not isinstance(obj, np.ndarray):
        return ["T", str(obj.dtype).split(".")[-1], list(obj.shape), obj.detach().numpy().tolist()]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return [type(obj).__name__] + [plain(v) for v in obj]
    if isinstance(obj, (list, tuple)):
        return [type(obj).__name__, [plain(v) for v in obj]]
    return obj


def tensor_ds(n=10):
    x = torch.arange(n * 3, dtype=torch.float32).reshape(n, 3)
    return data.TensorDataset(x, torch.arange(n))


class Samples(data.Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"a": torch.arange(3) * i, "n": np.arange(2.0) + i, "t": (i, 2.5 * i), "p": Point(i, np.float32(i)),
                "s": f"s{i}"}


class WorkerView(data.Dataset):
    """Each item tells which worker read it and what its random generators give there."""

    def __init__(self):
        self.offset = 0

    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = data.get_worker_info()
        return {"i": i, "id": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "offset": info.dataset.offset, "is_copy": info.dataset is not DATASET_IN_MAIN,
                "random": random.random(), "np": float(np.random.rand()), "torch_rand": torch.rand(1).item()}


DATASET_IN_MAIN = None


def init_fn(worker_id):
    data.get_worker_info().dataset.offset = 100 + worker_id


class Stream(data.IterableDataset):
    def __init__(self, n, split):
        self.n, self.split = n, split

    def __iter__(self):
        info = data.get_worker_info()
        if self.split and info is not None:
            return iter(range(info.id, self.n, info.num_workers))
        return iter(range(self.n))


class SizedStream(Stream):
    def __len__(self):
        return self.n


class Failing(data.Dataset):
    def __init__(self, kind):
        self.kind = kind

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 4:
            if self.kind == "value":
                raise ValueError(f"bad index {i}")
            if self.kind == "key":
                return {}["missing"]
            if self.kind == "two_args":
                raise TwoArgs(i, "x")
            if self.kind == "exit":
                os._exit(3)
            if self.kind == "sleep":
                time.sleep(2)
        return i


class Pids(data.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        time.sleep(0.01)
        return os.getpid()


class TwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def bad_init(worker_id):
    raise TypeError(f"init failed in {worker_id}")


def shm_leftovers():
    if LIB != "smalltorch":
        return []
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(f"stdl_{os.getpid()}_"))


def children():
    gc.collect()
    return len(multiprocessing.active_children())


def err(e):
    if LIB == "torch":
        # PyTorch's re-raise leaves a cycle (exception -> traceback -> frame -> exception) that keeps the
        # iterator until the garbage collector runs, and its workers then wait 5 s for a shutdown signal
        # that is lost: cut the cycle so that the reference run stays fast
        e.__traceback__ = None
    return {"error": type(e).__name__, "message": str(e)}


# --- scenarios ----------------------------------------------------------------------------------------------------

def map_batches():
    out = {}
    for pf in (1, 2, 4):
        for drop_last in (False, True):
            dl = data.DataLoader(tensor_ds(), batch_size=3, num_workers=2, prefetch_factor=pf, drop_last=drop_last,
                                 timeout=30)
            out[f"pf{pf}_drop{drop_last}"] = [len(dl), [plain(b) for b in dl]]
    out["samples"] = [plain(b) for b in data.DataLoader(Samples(), batch_size=3, num_workers=2, timeout=30)]
    out["unbatched"] = [plain(b) for b in data.DataLoader(tensor_ds(5), batch_size=None, num_workers=2, timeout=30)]
    out["sampler_list"] = [plain(b) for b in data.DataLoader(tensor_ds(), sampler=[9, 0, 4, 4, 1], batch_size=2,
                                                             num_workers=2, timeout=30)]
    out["not_in_order"] = sorted(json.dumps(plain(b)) for b in data.DataLoader(
        tensor_ds(), batch_size=2, num_workers=2, in_order=False, timeout=30))
    out["children"] = children()
    return out


def shuffled():
    ds = tensor_ds(23)
    return {"workers": [plain(b) for b in data.DataLoader(ds, batch_size=4, shuffle=True, num_workers=2,
                                                          generator=Generator().manual_seed(3), timeout=30)],
            "main": [plain(b) for b in data.DataLoader(ds, batch_size=4, shuffle=True,
                                                       generator=Generator().manual_seed(3))]}


def worker_info():
    global DATASET_IN_MAIN
    ds = DATASET_IN_MAIN = WorkerView()
    dl = data.DataLoader(ds, batch_size=None, num_workers=2, worker_init_fn=init_fn,
                         generator=Generator().manual_seed(7), timeout=30)
    items = list(dl)
    # what smalltorch's own generator gives after manual_seed(seed), computed here in the main process
    expect_torch_rand = {}
    for it in items:
        torch.manual_seed(it["seed"])
        expect_torch_rand[it["id"]] = torch.rand(1).item()
    return {"items": items, "in_main": data.get_worker_info() is None, "expect_torch_rand": expect_torch_rand}


def iterable():
    out = {}
    for split in (True, False):
        for bs in (3, None):
            dl = data.DataLoader(Stream(11, split), batch_size=bs, num_workers=2, timeout=30)
            out[f"split{split}_bs{bs}"] = [plain(b) for b in dl]
    sized = SizedStream(11, True)
    out["len"] = [len(data.DataLoader(sized, batch_size=3, num_workers=2)), len(data.DataLoader(sized, num_workers=2)),
                  len(data.DataLoader(sized, batch_size=3, drop_last=True, num_workers=2))]
    out["drop_last"] = [plain(b) for b in data.DataLoader(Stream(11, True), batch_size=2, drop_last=True,
                                                          num_workers=2, timeout=30)]
    out["children"] = children()
    return out


def errors():
    out = {}
    for kind in ("value", "key", "two_args"):
        try:
            list(data.DataLoader(Failing(kind), batch_size=2, num_workers=2, timeout=30))
            out[kind] = "no error"
        except Exception as e:
            out[kind] = err(e)
        # the iterator went with the exception (no reference cycle waiting for the garbage collector): its
        # workers are already stopped
        out[kind + "_children_at_once"] = len(multiprocessing.active_children())
    try:
        list(data.DataLoader(Failing("none"), batch_size=2, num_workers=2, worker_init_fn=bad_init, timeout=30))
        out["init"] = "no error"
    except Exception as e:
        out["init"] = err(e)
    gc.collect()
    out["children"] = children()
    out["shm"] = shm_leftovers()
    return out


def timeout():
    """The worker sleeps 2 s on item 4 (batch 2, worker 0); the loader gives up after 0.3 s."""
    t0 = time.monotonic()
    it = iter(data.DataLoader(Failing("sleep"), batch_size=2, num_workers=2, timeout=0.3))
    try:
        list(it)
        r = "no error"
    except Exception as e:
        r = err(e)
    raised_after = time.monotonic() - t0
    del it
    return {"result": r, "raised_within_1.5s": raised_after < 1.5, "children": children()}


def worker_exit():
    try:
        list(data.DataLoader(Failing("exit"), batch_size=2, num_workers=2, timeout=30))
        r = "no error"
    except Exception as e:
        r = err(e)
    return {"result": r, "children": children(), "shm": shm_leftovers()}


def early_exit():
    """Leaving a loop early, deleting the iterator mid-epoch, an error mid-epoch: no process or segment left."""
    if LIB != "smalltorch":
        return {}
    x = torch.ones(64, 2000)
    ds = data.TensorDataset(x, torch.arange(64))
    out = {}
    for b in data.DataLoader(ds, batch_size=4, num_workers=2, prefetch_factor=4, timeout=30):
        break
    del b
    out["break"] = [children(), shm_leftovers()]
    it = iter(data.DataLoader(ds, batch_size=4, num_workers=2, prefetch_factor=4, timeout=30))
    first = next(it)
    time.sleep(0.3)  # let the workers fill the queue
    del it
    out["del"] = [children(), shm_leftovers(), plain(first)[1][1][2][:2]]
    try:
        for _ in data.DataLoader(Failing("value"), batch_size=1, num_workers=2, timeout=30):
            pass
    except ValueError:
        pass
    out["error"] = [children(), shm_leftovers()]
    dl = data.DataLoader(ds, batch_size=8, num_workers=2, persistent_workers=True, timeout=30)
    for _ in dl:
        break
    del dl, _
    out["persistent"] = [children(), shm_leftovers()]
    return out


def persistent():
    ds = tensor_ds(9)
    dl = data.DataLoader(ds, batch_size=2, num_workers=2, persistent_workers=True, timeout=30)
    epochs = []
    for epoch in range(3):
        batches = []
        for i, b in enumerate(dl):
            batches.append(plain(b))
            if epoch == 1 and i == 1:
                break  # an epoch left early: the next starts from the beginning
        epochs.append(batches)
    alive = children()
    same_iterator = iter(dl) is iter(dl)
    del dl
    pids = data.DataLoader(Pids(), batch_size=None, num_workers=2, persistent_workers=True, timeout=30)
    pid_epochs = [sorted(set(pids)), sorted(set(pids))]
    del pids
    return {"epochs": epochs, "alive_between": alive, "children_after": children(), "same_iterator": same_iterator,
            "same_workers": pid_epochs[0] == pid_epochs[1] and len(pid_epochs[0]) == 2}


def shared_memory():
    """The received batch lives in a shared-memory mapping that outlives the loader and goes with the tensor."""
    if LIB != "smalltorch":
        return {}

    def mappings():
        with open("/proc/self/maps") as f:
            spans = []
            for line in f:
                if f"/dev/shm/stdl_{os.getpid()}_" in line:
                    lo, hi = (int(v, 16) for v in line.split()[0].split("-"))
                    spans.append((lo, hi, line.rstrip().endswith("(deleted)")))
            return spans

    ds = tensor_ds(8)
    batches = list(data.DataLoader(ds, batch_size=4, num_workers=2, timeout=30))
    gc.collect()
    spans = mappings()
    inside = [any(lo <= t.data_ptr() < hi for lo, hi, _ in spans) for b in batches for t in b]
    values_ok = [plain(b) for b in batches] == [plain(b) for b in data.DataLoader(ds, batch_size=4)]
    batches[0][0].add_(1)  # writable, private to this process now
    n_before = len(spans)
    del batches
    gc.collect()
    return {"inside": inside, "all_deleted_names": all(d for _, _, d in spans), "values_ok": values_ok,
            "maps_before": n_before, "maps_after": len(mappings()), "shm": shm_leftovers()}


def spawn_context():
    if LIB != "smalltorch":
        return {}
    ds = tensor_ds(7)
    ctx = multiprocessing.get_context("spawn")
    got = {name: [plain(b) for b in data.DataLoader(ds, batch_size=3, num_workers=2, multiprocessing_context=c,
                                                    timeout=60)]
           for name, c in (("spawn_str", "spawn"), ("spawn_ctx", ctx), ("fork_str", "fork"))}
    got["expect"] = [plain(b) for b in data.DataLoader(ds, batch_size=3)]
    return got


SCENARIOS = [map_batches, shuffled, worker_info, iterable, errors, timeout, worker_exit, early_exit, persistent,
             shared_memory, spawn_context]


def main():
    results = {}
    for fn in SCENARIOS:
        t0 = time.monotonic()
        try:
            results[fn.__name__] = fn()
        except Exception as e:
            results[fn.__name__] = {"scenario_failed": traceback.format_exc(), **err(e)}
        print(fn.__name__, round(time.monotonic() - t0, 2), file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
