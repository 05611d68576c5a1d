"""What runs inside a DataLoader worker process: seeding, get_worker_info(), the fetch loop."""

import dataclasses
import os
import queue
import random
import sys
import traceback

import numpy as np

from ... import _C
from ..._C import Tensor
from . import _shm

# how often a waiting worker checks that the main process is still there (seconds)
STATUS_CHECK_INTERVAL = 1.0


@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """What get_worker_info() returns inside a worker: its id, the number of workers, its seed, its dataset copy."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    """The current DataLoader worker's WorkerInfo inside a worker process; None in the main process."""
    return _worker_info


@dataclasses.dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclasses.dataclass(frozen=True)
class _ResumeIteration:
    pass


class ExceptionWrapper:
    """An exception raised in a worker, as its class and traceback text (the traceback itself cannot travel)."""

    def __init__(self, exc_info=None, where="in background"):
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)  # KeyError's str() is the repr of its argument: keep the text readable
        try:
            exc = self.exc_type(msg)
        except Exception:  # a constructor that needs other arguments
            raise RuntimeError(msg) from None
        try:
            raise exc
        finally:
            # no cycle exception -> traceback -> this frame -> exception: the DataLoader iterator in the
            # traceback is freed (and its workers stopped) as soon as the caller drops the exception
            del exc


class _KeyErrorMessage(str):
    def __repr__(self):
        return str(self)


def numpy_seed(base_seed, worker_id):
    """The numpy global seed of a worker: four words mixed from (worker_id, base_seed) by numpy's SeedSequence."""
    return np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4)


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if getitems else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.it = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.it))
        data = []
        for _ in index:
            try:
                data.append(next(self.it))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


class _TensorGatherFetcher(_MapFetcher):
    """A TensorDataset collated by default_collate: each batch gathered from the whole tensors by index (into
    shared memory in a worker), which is exactly default_collate of the rows; indices that are not plain
    in-range integers take the row-by-row path, so that errors stay those of dataset[i]."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.arrays = [t.numpy() for t in dataset.tensors]
        self.n = len(dataset)

    def fetch(self, index):
        idx = np.asarray(index)
        if idx.dtype.kind not in "iu" or idx.ndim != 1 or not idx.size or idx.min() < -self.n or idx.max() >= self.n:
            return super().fetch(index)
        out = []
        for t, arr in zip(self.dataset.tensors, self.arrays):
            shape = [idx.size] + list(t.shape[1:])
            dest = _shm.empty_shared(shape, t.dtype) if _shm.active() else None
            if dest is None:
                dest = _C.from_numpy(np.take(arr, idx, axis=0))
            else:
                np.take(arr, idx, axis=0, out=dest.numpy())
            out.append(dest)
        return out


def gathers(dataset, auto_collation, collate_fn):
    """Whether batches of this dataset may be gathered by index instead of collated row by row."""
    from ._collate import default_collate
    from .dataset import TensorDataset
    return bool(auto_collation and type(dataset) is TensorDataset and collate_fn is default_collate
                and dataset.tensors and all(type(t) is Tensor and not t.requires_grad for t in dataset.tensors))


def make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last):
    if iterable:
        return _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    if gathers(dataset, auto_collation, collate_fn):
        return _TensorGatherFetcher(dataset, auto_collation, collate_fn, drop_last)
    return _MapFetcher(dataset, auto_collation, collate_fn, drop_last)


def _put(data_queue, idx, data, worker_id):
    try:
        payload = _shm.dumps(data)
    except Exception:  # an unpicklable batch: the main process gets the error instead of waiting forever
        payload = _shm.dumps(ExceptionWrapper(where=f"in DataLoader worker process {worker_id}"))
    data_queue.put((idx, payload))


def worker_loop(iterable, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last,
                base_seed, init_fn, worker_id, num_workers, shm_prefix):
    global _worker_info
    from ... import manual_seed, set_num_threads
    try:
        _shm.set_worker_prefix(f"{shm_prefix}{worker_id}_")
        set_num_threads(1)  # the workers share the cores: no pool per worker
        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(numpy_seed(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        iteration_end = False
        parent = os.getppid()
        while os.getppid() == parent:  # the main process gone: stop
            try:
                r = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():  # shut down even if the None sent after it was lost
                    break
                continue
            if isinstance(r, _ResumeIteration):  # persistent workers: a new epoch
                iteration_end = False
                try:
                    fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
                    _put(data_queue, r, None, worker_id)
                except Exception:
                    init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                    _put(data_queue, r, None, worker_id)
                continue
            if r is None:  # shutdown
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not iterable:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            _put(data_queue, idx, data, worker_id)
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        # nobody reads any more: exit without waiting for the queue's buffer to drain
        data_queue.cancel_join_thread()
        data_queue.close()
