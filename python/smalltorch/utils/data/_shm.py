"""Tensors from DataLoader workers to the main process through POSIX shared memory.

A worker puts each tensor of a batch into a named shared-memory segment (default_collate stacks straight into
one, so a collated batch is written once) and sends only the segment's name, shape and dtype. The receiver
maps the segment, unlinks its name at once and builds the tensor over the mapping with numpy interop
(smalltorch.from_numpy): no copy, and the mapping lives exactly as long as the tensor (tensor -> numpy array ->
mmap). A segment whose message never arrives (the iterator was deleted early, a worker died) is removed by
name prefix when the loader shuts its workers down.
"""

import io
import mmap
import os
import pickle
import secrets
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ... import _C
from ..._C import Tensor

try:
    import _posixshmem
except ImportError:  # no POSIX shared memory (Windows): tensors travel inside the pickle
    _posixshmem = None

_SHM_DIR = "/dev/shm"  # where Linux shows the segments (for the leftover sweep)

_NP_DTYPES = {_C.bool: np.bool_, _C.uint8: np.uint8, _C.int8: np.int8, _C.int16: np.int16, _C.int32: np.int32,
              _C.int64: np.int64, _C.float32: np.float32, _C.float64: np.float64}
_BY_NAME = {str(d): d for d in _NP_DTYPES}

# In a worker: the name prefix of the segments it creates ("" in the main process: nothing is created there).
_prefix = ""
_counter = 0
# data_ptr -> (segment name, nbytes, weakref to the numpy array over the mapping) for tensors a worker
# allocated in shared memory; pickling such a tensor sends its segment without copying.
_owned = {}


def new_prefix():
    """A name prefix unique to one DataLoader iterator: /stdl_<pid>_<random>_ (workers append <id>_<n>)."""
    return f"/stdl_{os.getpid()}_{secrets.token_hex(4)}_"


def set_worker_prefix(prefix):
    global _prefix, _counter
    _prefix = prefix if _posixshmem is not None else ""
    _counter = 0
    _owned.clear()


def active():
    return bool(_prefix)


def _map(name, nbytes, create):
    flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
    fd = _posixshmem.shm_open(name, flags, 0o600)
    try:
        if create:
            os.ftruncate(fd, nbytes)
            if hasattr(os, "posix_fallocate"):
                try:
                    # reserve the pages now: a full /dev/shm (a container's 64 MB default) is an OSError
                    # here rather than a SIGBUS at the first write into the mapping
                    os.posix_fallocate(fd, 0, nbytes)
                except OSError:
                    _unlink(name)
                    raise
        return mmap.mmap(fd, nbytes)
    finally:
        os.close(fd)


def _unlink(name):
    try:
        _posixshmem.shm_unlink(name)
    except OSError:
        pass


def empty_shared(shape, dtype):
    """In a worker: an uninitialised contiguous tensor in a new shared-memory segment (None if not possible)."""
    global _counter
    np_dtype = _NP_DTYPES.get(dtype)
    if not _prefix or np_dtype is None:
        return None
    numel = 1
    for s in shape:
        numel *= s
    nbytes = numel * np.dtype(np_dtype).itemsize
    if nbytes == 0:
        return None
    _counter += 1
    name = f"{_prefix}{_counter}"
    mm = _map(name, nbytes, create=True)
    arr = np.frombuffer(mm, dtype=np_dtype, count=numel).reshape(shape)
    t = _C.from_numpy(arr)
    ptr = t.data_ptr()
    _owned[ptr] = (name, nbytes, weakref.ref(arr, lambda _, ptr=ptr, name=name: _drop_unsent(ptr, name)))
    return t


def _drop_unsent(ptr, name):
    """A worker's shared tensor freed without having been sent (a collate_fn that reduced it, say): its segment
    goes too, instead of holding memory until the loader shuts down."""
    entry = _owned.get(ptr)
    if entry is not None and entry[0] == name:
        del _owned[ptr]
        _unlink(name)


def _rebuild(name, shape, dtype_name, requires_grad, cls):
    dtype = _BY_NAME[dtype_name]
    np_dtype = np.dtype(_NP_DTYPES[dtype])
    numel = 1
    for s in shape:
        numel *= s
    mm = _map(name, numel * np_dtype.itemsize, create=False)
    _unlink(name)  # the mapping keeps the memory; the name is no longer needed
    t = _C.from_numpy(np.frombuffer(mm, dtype=np_dtype, count=numel).reshape(shape))
    return _finish(t, requires_grad, cls)


def _rebuild_inline(array, requires_grad, cls):
    return _finish(_C.from_numpy(array), requires_grad, cls)


def _finish(t, requires_grad, cls):
    if cls is not Tensor:
        from ...nn.parameter import Parameter
        if issubclass(cls, Parameter):
            return cls(t, requires_grad=requires_grad)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_tensor(t):
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not support "
            "crossing process boundaries.  If you just want to transfer the data, call detach() on the tensor "
            "before serializing (e.g., putting it on the queue).")
    cls = type(t)
    requires_grad = t.requires_grad
    t = t.detach()
    shape = tuple(t.shape)
    entry = _owned.pop(t.data_ptr(), None)
    if entry is not None:
        name, nbytes, arr_ref = entry
        # the array alive means the mapping is: no other tensor can have this address
        if arr_ref() is not None and t.is_contiguous() and t.numel() * t.element_size() == nbytes:
            _in_flight.append(name)
            return _rebuild, (name, shape, str(t.dtype), requires_grad, cls)
        _owned[t.data_ptr()] = entry  # not this tensor's segment (a view of it): leave it registered
    dest = empty_shared(shape, t.dtype)
    if dest is None:  # empty, or no shared memory here: the values travel inside the pickle
        return _rebuild_inline, (np.array(t.numpy()), requires_grad, cls)
    dest.copy_(t)
    name, _, _ = _owned.pop(dest.data_ptr())
    _in_flight.append(name)
    return _rebuild, (name, shape, str(t.dtype), requires_grad, cls)


class _Pickler(ForkingPickler):
    """multiprocessing's pickler, with tensors sent through shared memory (only for the DataLoader's queues)."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _reduce_tensor(obj)
        return NotImplemented


# names handed to the message being pickled: if pickling fails half-way, nobody will receive them
_in_flight = []


def dumps(obj):
    buf = io.BytesIO()
    del _in_flight[:]
    try:
        _Pickler(buf, pickle.HIGHEST_PROTOCOL).dump(obj)
    except BaseException:
        for name in _in_flight:
            _unlink(name)
        raise
    finally:
        del _in_flight[:]
    return buf.getvalue()


loads = pickle.loads


def sweep(prefix):
    """Removes the segments left with this prefix (messages that were never received)."""
    if _posixshmem is None or not os.path.isdir(_SHM_DIR):
        return
    stem = prefix.lstrip("/")
    try:
        names = os.listdir(_SHM_DIR)
    except OSError:
        return
    for n in names:
        if n.startswith(stem):
            _unlink("/" + n)
