"""DataLoader: batches of samples from a dataset, in the calling process or in worker processes.

With num_workers > 0 each worker is a process (multiprocessing's default start method unless
multiprocessing_context says otherwise) holding its own copy of the dataset; the main process hands out the
batches' indices round-robin, keeps prefetch_factor batches per worker in flight, and yields the results in
order. Batches come back with their tensors in shared memory (see _shm.py).
"""

import itertools
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
import warnings
import weakref

from . import _shm, _worker
from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import (BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler, _check_generator,
                      _permutation_tensor, _random_int64)

__all__ = ["DataLoader", "get_worker_info"]

get_worker_info = _worker.get_worker_info

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    _initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        _check_generator(generator)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory  # accepted; tensors are always in CPU memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator = None
        self._len_called = None
        self._initialized = True
        self._check_worker_number()

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers <= 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(ctx, str):
                methods = multiprocessing.get_all_start_methods()
                if ctx not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={ctx!r}")
                ctx = multiprocessing.get_context(ctx)
            if not isinstance(ctx, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={ctx}")
        self._mp_context = ctx

    def __setattr__(self, name, value):
        if self._initialized and name in _FROZEN:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _check_worker_number(self):
        if not self.num_workers:
            return
        try:
            suggest = len(os.sched_getaffinity(0))
            cpuset = True
        except AttributeError:
            suggest = os.cpu_count()
            cpuset = False
        if suggest is None or self.num_workers > suggest:
            if suggest is None:
                hint = "DataLoader is not able to compute a suggested max number of worker in current system."
            else:
                hint = (f"Our suggested max number of worker in current system is {suggest}"
                        f"{'' if cpuset else ' (`cpuset` is not taken into account)'}, which is smaller than what "
                        "this DataLoader is going to create.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {hint} Please "
                          "be aware that excessive worker creation might get DataLoader running slow or even freeze, "
                          "lower the worker number to avoid potential slowness/freeze if necessary.", stacklevel=3)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        return _MultiProcessIter(self)

    def __len__(self):
        if self._is_iterable:
            n = self._len_called = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)


class _BaseIter:
    def __init__(self, loader):
        # no reference to the loader: a persistent iterator that the loader holds must not form a cycle with
        # it (deleting the loader stops the workers at once, without waiting for the garbage collector)
        self._len_called = loader._len_called
        self._fast_plan = _gather_plan(loader) if loader.num_workers == 0 else None
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn(f"pin_memory_device is deprecated, the current accelerator will be used as the device,"
                          f"ignore pin_memory_device='{loader.pin_memory_device}'.", stacklevel=3)
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        self._sampler_iter = self._make_sampler_iter()
        self._base_seed = _random_int64(loader.generator)
        self._num_yielded = 0

    def _make_sampler_iter(self):
        return iter(self._index_sampler)

    def __iter__(self):
        return self

    def _reset(self, loader):
        self._sampler_iter = self._make_sampler_iter()
        self._num_yielded = 0
        self._len_called = loader._len_called

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        n = self._len_called
        if self._is_iterable and n is not None and self._num_yielded > n:
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {n}(when accessing "
                   f"len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        self._fetcher = _worker.make_fetcher(self._is_iterable, self._dataset, self._auto_collation,
                                             self._collate_fn, self._drop_last)

    def _make_sampler_iter(self):
        if self._fast_plan is not None:
            return _gather_iter(*self._fast_plan)
        return iter(self._index_sampler)

    def _next_data(self):
        index = next(self._sampler_iter)
        if isinstance(index, _Gathered):
            return index.batch
        return self._fetcher.fetch(index)


class _Gathered:
    __slots__ = ("batch",)

    def __init__(self, batch):
        self.batch = batch


def _gather_plan(loader):
    """For a TensorDataset read in order or in one shuffled permutation and collated by default_collate: the
    batches sliced or gathered from the whole tensors (no list of indices, no row reads and stack; other index
    sources are gathered by the fetcher, see _worker._TensorGatherFetcher). default_collate of TensorDataset
    rows is exactly [t[indices] for t in tensors]: same values, dtypes and shapes, fresh contiguous tensors.
    Returns None where that does not hold."""
    ds, bs = loader.dataset, loader.batch_sampler
    if (not _worker.gathers(ds, loader._auto_collation, loader.collate_fn) or type(bs) is not BatchSampler
            or getattr(bs.sampler, "data_source", None) is not ds):
        return None
    sampler = bs.sampler
    if type(sampler) is SequentialSampler:
        shuffle = False
    elif type(sampler) is RandomSampler and sampler._is_plain_permutation():
        shuffle = True
    else:
        return None
    return ds.tensors, len(ds), bs.batch_size, bs.drop_last, (sampler.generator if shuffle else False)


def _gather_iter(tensors, n, batch_size, drop_last, generator):
    stop = n - n % batch_size if drop_last else n
    if generator is False:
        for start in range(0, stop, batch_size):
            yield _Gathered([t[start:start + batch_size].clone() for t in tensors])
        return
    perm = _permutation_tensor(n, generator)  # drawn at the first batch, as the sampler would draw it
    for start in range(0, stop, batch_size):
        idx = perm[start:start + batch_size]
        yield _Gathered([t[idx] for t in tensors])
    # RandomSampler (as PyTorch's) draws one more, empty-sliced permutation when it runs out: draw it too, so
    # that the generator is where the row-by-row path would leave it
    _permutation_tensor(n, generator)


# --- worker processes -------------------------------------------------------------------------------------------

_live_iters = weakref.WeakSet()
_atexit_registered = False
_atexit_lock = threading.Lock()


def _shutdown_all_at_exit():
    for it in list(_live_iters):
        it._shutdown_workers()


def _register_atexit(it):
    global _atexit_registered
    with _atexit_lock:
        _live_iters.add(it)
        if not _atexit_registered:
            import atexit
            atexit.register(_shutdown_all_at_exit)
            _atexit_registered = True


class _MultiProcessIter(_BaseIter):
    def __init__(self, loader):
        self._shutdown = True  # until the workers exist (a failing __init__ leaves nothing to shut down)
        self._owner_pid = os.getpid()
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._shm_prefix = _shm.new_prefix()
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues = []
        self._workers = []
        self._shutdown = False
        _register_atexit(self)
        try:
            for i in range(self._num_workers):
                q = ctx.Queue()
                q.cancel_join_thread()
                w = ctx.Process(target=_worker.worker_loop, args=(
                    self._is_iterable, self._dataset, q, self._result_queue, self._done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn,
                    i, self._num_workers, self._shm_prefix), daemon=True)
                w.start()
                self._index_queues.append(q)
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first=True)

    def _reset(self, loader, first=False):
        super()._reset(loader)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first:  # persistent workers: start them on a new epoch, dropping what is left of the last one
            for q in self._index_queues:
                q.put(_worker._ResumeIteration())
            remaining = self._num_workers
            while remaining > 0:
                idx, _ = self._get_data()
                if isinstance(idx, _worker._ResumeIteration):
                    remaining -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _get_data(self):
        """The next (task index, data) from any worker; raises if a worker died or the timeout passed."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        reader = getattr(self._result_queue, "_reader", None)
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if reader is not None:
                sentinels = [w.sentinel for i, w in enumerate(self._workers) if self._workers_status[i]]
                ready = multiprocessing.connection.wait([reader] + sentinels, timeout=wait)
                got_data = reader in ready
            else:
                got_data = True
            if got_data:
                try:
                    idx, payload = self._result_queue.get(timeout=wait if reader is None else 5.0)
                    return idx, _shm.loads(payload)
                except queue.Empty:
                    pass
            dead = [w for i, w in enumerate(self._workers) if self._workers_status[i] and not w.is_alive()]
            if dead:
                for i, w in enumerate(self._workers):
                    if w in dead:
                        self._workers_status[i] = False
                pids = ", ".join(str(w.pid) for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]  # its worker ended (IterableDataset): skip
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker._IterableDatasetStopIteration):
                if self._persistent:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)  # early: keep it until its turn
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, if any
            wid = next(self._worker_cycle)
            if self._workers_status[wid]:
                if self._in_order or self._workers_num_tasks[wid] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._workers_num_tasks[wid] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _mark_worker_unavailable(self, worker_id):
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        # a forked child (a worker of another loader) holding a copy of this iterator must leave it alone
        if self._shutdown or os.getpid() != self._owner_pid:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for i, q in enumerate(self._index_queues):
                if self._persistent or self._workers_status[i]:
                    try:
                        q.put(None)
                    except (OSError, ValueError):
                        pass
                self._workers_status[i] = False
            deadline = time.monotonic() + 5.0
            for w in self._workers:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=5.0)
            for w in self._workers:
                if w.exitcode is not None:
                    w.close()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
            _shm.sweep(self._shm_prefix)  # segments whose message was never read
            _live_iters.discard(self)

    def __del__(self):
        self._shutdown_workers()
