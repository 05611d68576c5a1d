"""smalltorch.save and smalltorch.load, in PyTorch's zip checkpoint format.

A checkpoint is a zip archive (records stored uncompressed, each record's data aligned to 64 bytes so that it
can be memory-mapped) holding, under one top-level folder:

- ``data.pkl``: a protocol-2 pickle of the saved object in which every tensor is written as a call of
  ``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)``
  (``torch._utils._rebuild_parameter(tensor, requires_grad, backward_hooks)`` for a Parameter), and every
  storage as a persistent id ``('storage', torch.<Type>Storage, key, location, numel)``;
- ``data/<key>``: the raw bytes of that storage (one record per storage, so views keep sharing memory);
- ``byteorder``, ``version``, ``.format_version``, ``.storage_alignment``.

The pickle names PyTorch's globals (``torch.FloatStorage``, ``torch.Size``, ``torch.float32``, ...) so that
``torch.load`` reads what smalltorch wrote; loading maps those names back to smalltorch's objects. With
``weights_only=True`` (the default, as in PyTorch 2.6+) the pickle is read by a restricted unpickler that
only builds containers, numbers, strings, tensors and the few globals PyTorch's weights-only unpickler
allows, and never calls anything else.
"""

import _compat_pickle
import codecs
import collections
import contextlib
import io
import operator
import os
import pickle
import struct
import sys
import zipfile
import zlib

import numpy as np

from . import _C
from ._C import Tensor
from ._size import Size
from ._device import device as _device_type
from . import _device

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

_ALIGNMENT = 64  # PyTorch's storage alignment: record data starts on a multiple of it
_CHUNK_BYTES = 1 << 23  # large records are written and read in 8 MiB chunks, CRC-32s computed alongside
_BACKGROUND_BYTES = 1 << 22  # from this size on, a helper thread writes (save) or checks the CRC-32 (load)
_FORMAT_VERSION = "1"
_ARCHIVE_VERSION = "3\n"


# ---------------------------------------------------------------------------------------------------------
# The torch.* names a checkpoint holds.

class _TorchName:
    """A torch.* global as written into a checkpoint's pickle (PyTorch need not be installed to write it)."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __repr__(self):
        return f"{self.module}.{self.name}"

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{self!r} only names a PyTorch global inside a checkpoint; it cannot be called")


_REBUILD_TENSOR_V2 = _TorchName("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchName("torch._utils", "_rebuild_parameter")
_REBUILD_PARAMETER_WITH_STATE = _TorchName("torch._utils", "_rebuild_parameter_with_state")
_REBUILD_FROM_TYPE_V2 = _TorchName("torch._tensor", "_rebuild_from_type_v2")
_TORCH_TENSOR = _TorchName("torch", "Tensor")
_TORCH_SIZE = _TorchName("torch", "Size")
_TORCH_DEVICE = _TorchName("torch", "device")


class _StorageType:
    """torch.<Type>Storage as read from a checkpoint: the dtype of a storage record (None: untyped bytes)."""

    __slots__ = ("name", "dtype", "missing")

    def __init__(self, name, dtype, missing=None):
        self.name, self.dtype, self.missing = name, dtype, missing

    def __repr__(self):
        return f"torch.{self.name}"


# smalltorch dtype <-> PyTorch's storage class name and numpy dtype
_DTYPE_TABLE = (
    (_C.bool, "BoolStorage", np.bool_),
    (_C.uint8, "ByteStorage", np.uint8),
    (_C.int8, "CharStorage", np.int8),
    (_C.int16, "ShortStorage", np.int16),
    (_C.int32, "IntStorage", np.int32),
    (_C.int64, "LongStorage", np.int64),
    (_C.float32, "FloatStorage", np.float32),
    (_C.float64, "DoubleStorage", np.float64),
    (_C.float16, "HalfStorage", np.float16),
    (_C.bfloat16, "BFloat16Storage", np.int16),  # numpy has no bfloat16: its bits as int16
)
_NUMPY_DTYPE = {dt: np.dtype(npt) for dt, _, npt in _DTYPE_TABLE}
_STORAGE_NAME = {dt: _TorchName("torch", name) for dt, name, _ in _DTYPE_TABLE}
_DTYPE_NAME = {dt: str(dt).rsplit(".", 1)[-1] for dt, _, _ in _DTYPE_TABLE}


def _bytes_array(flat):
    """The numpy array over a flat tensor's memory (a bfloat16 one read as int16)."""
    return (flat.view(_C.int16) if flat.dtype == _C.bfloat16 else flat).numpy()


def _tensor_over(arr, dtype):
    """The tensor over a numpy array's memory, as dtype (int16 bits become bfloat16)."""
    t = _C.from_numpy(arr)
    return t.view(dtype) if dtype == _C.bfloat16 else t
# PyTorch storages and dtypes smalltorch does not have (a checkpoint naming one cannot be loaded)
_MISSING_STORAGES = {"ComplexFloatStorage": "complex64",
                     "ComplexDoubleStorage": "complex128", "QInt8Storage": "qint8", "QUInt8Storage": "quint8",
                     "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4"}
_MISSING_DTYPES = ("complex32", "complex64", "complex128",
                   "cfloat", "cdouble", "chalf", "uint16", "uint32", "uint64", "float8_e4m3fn",
                   "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "qint8", "quint8", "qint32",
                   "quint4x2", "quint2x4", "bits8", "bits16")


def _unsupported_dtype(torch_name):
    raise pickle.UnpicklingError(f"the checkpoint uses dtype torch.{torch_name}, which smalltorch does not have "
                                 "(its dtypes: bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)")


# ---------------------------------------------------------------------------------------------------------
# save

class _StorageRecord:
    """One storage being saved: its record key, PyTorch storage type, element count and bytes."""

    __slots__ = ("key", "storage_type", "numel", "flat", "dtype")

    def __init__(self, key, flat):
        self.key, self.flat, self.dtype = key, flat, flat.dtype
        self.storage_type = _STORAGE_NAME[flat.dtype]
        self.numel = flat.numel()


def _write_global(pickler, module, name, obj):
    pickler.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
    pickler.memoize(obj)  # later uses of obj are memo references


def _save_torch_name(pickler, obj):
    _write_global(pickler, obj.module, obj.name, obj)


def _save_dtype(pickler, obj):
    name = _DTYPE_NAME.get(obj)
    if name is None:
        raise pickle.PicklingError(f"cannot save dtype {obj}")
    _write_global(pickler, "torch", name, obj)  # torch.float32, as PyTorch pickles its dtypes


def _object_state(obj):
    return dict(obj.__dict__) if getattr(obj, "__dict__", None) else None


class _CheckpointPickler(pickle._Pickler):
    """The pure-Python pickler (it can write any module.name as a GLOBAL) with tensors written PyTorch's way."""

    dispatch = pickle._Pickler.dispatch.copy()
    dispatch[_TorchName] = _save_torch_name
    dispatch[_C.dtype] = _save_dtype

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.records = {}  # storage identity -> _StorageRecord, in first-seen order

    def persistent_id(self, obj):
        if type(obj) is _StorageRecord:
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None

    def _record(self, t):
        ident = t._storage_key()
        rec = self.records.get(ident)
        if rec is None:
            rec = self.records[ident] = _StorageRecord(str(len(self.records)), t._storage_view())
        elif rec.dtype != t.dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different types")
        return rec

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if type(obj) is Size:
            return (_TORCH_SIZE, (tuple(obj),))
        if type(obj) is _device_type:
            return (_TORCH_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented

    def _reduce_tensor(self, t):
        state = _object_state(t)
        parameter = sys.modules.get("smalltorch.nn.parameter")  # no tensor is a Parameter before nn is imported
        if parameter is not None and isinstance(t, parameter.Parameter):
            data = t.detach()
            if state:
                return (_REBUILD_PARAMETER_WITH_STATE, (data, t.requires_grad, collections.OrderedDict(), state))
            return (_REBUILD_PARAMETER, (data, t.requires_grad, collections.OrderedDict()))
        if t.dtype not in _NUMPY_DTYPE:
            raise pickle.PicklingError(f"cannot save a tensor of dtype {t.dtype}")
        args = (self._record(t), t.storage_offset(), tuple(t.shape), tuple(t.stride()), t.requires_grad,
                collections.OrderedDict())
        if type(t) is Tensor and not state:
            return (_REBUILD_TENSOR_V2, args)
        new_type = _TORCH_TENSOR if type(t) is Tensor else type(t)
        return (_REBUILD_FROM_TYPE_V2, (_REBUILD_TENSOR_V2, new_type, args, state or {}))


def _is_path(f):
    return isinstance(f, (str, os.PathLike))


def _write_record(zf, name, data):
    """One stored (uncompressed) zip record whose data starts on a multiple of _ALIGNMENT in the file."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    view = memoryview(data).cast("B")
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = view.nbytes
    zip64 = view.nbytes * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's own rule: then it adds a 20-byte extra field
    header = 30 + len(name.encode("utf-8")) + (20 if zip64 else 0) + 4
    pad = -(zf.fp.tell() + header) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad  # a padding extra field, as PyTorch writes
    with zf.open(info, "w", force_zip64=zip64) as out:
        for start in range(0, view.nbytes, _CHUNK_BYTES):  # zipfile computes each chunk's CRC-32, then writes it
            out.write(view[start:start + _CHUNK_BYTES])


class _BackgroundWriter:
    """A file wrapper whose writes a helper thread performs in order, so that zipfile computes the CRC-32 of
    the next chunk while the previous one is written (both release the GIL). tell() is the logical position;
    seek() and close() wait for the writes queued before them. The written buffers must not change meanwhile
    (they are tensor storages and finished headers)."""

    def __init__(self, f):
        from concurrent.futures import ThreadPoolExecutor
        self.f = f
        self.pos = f.tell()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smalltorch-save")
        self.queued = []

    def write(self, b):
        n = memoryview(b).nbytes
        self.queued.append(self.pool.submit(self.f.write, b))
        self.pos += n
        return n

    def drain(self):
        queued, self.queued = self.queued, []
        for fut in queued:
            fut.result()  # re-raises a failed write (disk full, ...)

    def tell(self):
        return self.pos

    def seek(self, offset, whence=0):
        self.drain()
        self.pos = self.f.seek(offset, whence)
        return self.pos

    def seekable(self):
        return True

    def flush(self):
        self.drain()
        self.f.flush()

    def close(self):
        try:
            self.drain()
        finally:
            self.pool.shutdown(wait=True)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves ``obj`` (tensors, containers of them, numbers, strings, state dicts, optimizer states, ...) to
    ``f`` (a path, ``pathlib.Path`` or writable binary file object) in PyTorch's zip checkpoint format:
    ``torch.load`` reads the file, and so does :func:`smalltorch.load`. Tensors that share memory share one
    storage record, and load back sharing it."""
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("smalltorch.save writes with the standard pickle module only (pickle_module=pickle)")
    if not _use_new_zipfile_serialization:
        raise ValueError("smalltorch.save writes only the zip format (_use_new_zipfile_serialization=True)")
    if not _is_path(f) and not hasattr(f, "write"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' attribute, "
                             f"not {type(f).__name__}")
    buf = io.BytesIO()
    pickler = _CheckpointPickler(buf, pickle_protocol)
    pickler.dump(obj)
    records = [("data.pkl", buf.getbuffer()), (".format_version", _FORMAT_VERSION),
               (".storage_alignment", str(_ALIGNMENT))]
    if not _disable_byteorder_record:
        records.append(("byteorder", sys.byteorder))
    records += [(f"data/{rec.key}", _bytes_array(rec.flat)) for rec in pickler.records.values()]
    records.append(("version", _ARCHIVE_VERSION))

    if _is_path(f):
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
        prefix = os.path.splitext(os.path.basename(path))[0] or "archive"
        with _open_for_overwrite(path) as fh:
            _write_archive(fh, prefix, records)
            fh.truncate()  # an older, longer file ends where the archive ends
    else:
        _write_archive(f, "archive", records)


def _open_for_overwrite(path):
    """The file at path opened for writing from its start. An existing regular file is overwritten in place
    and cut to length afterwards rather than truncated first: on ext4 a file truncated and written again is
    flushed to disk when it is closed (its replace-by-truncate heuristic), and its cached pages are freed
    and allocated again; in place, 100 MB took 13 ms instead of 61-67 ms here. Neither way syncs, so a crash
    midway leaves an unreadable file either way."""
    if os.path.isfile(path):
        try:
            return open(path, "r+b")
        except OSError:  # e.g. a write-only file: "wb" needs no read permission
            pass
    return open(path, "wb")


def _write_archive(fileobj, prefix, records):
    total = sum(memoryview(data).nbytes for _, data in records if not isinstance(data, str))
    seekable = getattr(fileobj, "seekable", lambda: False)()
    target = _BackgroundWriter(fileobj) if total >= _BACKGROUND_BYTES and seekable else fileobj
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, data in records:
                _write_record(zf, f"{prefix}/{name}", data)
    finally:
        if target is not fileobj:
            target.close()


# ---------------------------------------------------------------------------------------------------------
# load: rebuilding objects

class _LoadedStorage:
    """A storage read from a checkpoint: a flat tensor over its bytes (only load makes these)."""

    __slots__ = ("flat", "views", "__weakref__")

    def __init__(self, flat):
        self.flat = flat
        self.views = {flat.dtype: flat}

    @property
    def dtype(self):
        return self.flat.dtype

    @property
    def device(self):
        return _device.CPU

    def cpu(self):
        return self

    def nbytes(self):
        return self.flat.numel() * self.flat.element_size()

    def as_dtype(self, dtype):
        """The same bytes as a flat tensor of another dtype (for _rebuild_tensor_v3 over untyped bytes)."""
        t = self.views.get(dtype)
        if t is None:
            arr = _bytes_array(self.flat)
            item = _NUMPY_DTYPE[dtype].itemsize
            arr = arr.view(np.uint8)[:arr.nbytes // item * item].view(_NUMPY_DTYPE[dtype])
            t = self.views[dtype] = _tensor_over(arr, dtype)
        return t

    def __repr__(self):
        return f"<smalltorch checkpoint storage: {self.flat.numel()} x {self.flat.dtype}>"


def _ints(seq, what):
    if not isinstance(seq, (tuple, list)):
        raise pickle.UnpicklingError(f"tensor {what} in the checkpoint must be a tuple of ints, not "
                                     f"{type(seq).__name__}")
    try:
        return [operator.index(s) for s in seq]
    except TypeError:
        raise pickle.UnpicklingError(f"tensor {what} in the checkpoint must be a tuple of ints, got {seq!r}") from None


def _rebuild(storage, storage_offset, size, stride, requires_grad, dtype=None, metadata=None):
    if type(storage) is not _LoadedStorage:
        raise pickle.UnpicklingError(f"a tensor in the checkpoint is built on {type(storage).__name__}, "
                                     "not on a storage record")
    if metadata and (not isinstance(metadata, dict) or any(metadata.values())):
        raise pickle.UnpicklingError(f"tensor metadata {metadata!r} (conjugate/negative bits) is not supported")
    flat = storage.flat if dtype is None or dtype == storage.dtype else storage.as_dtype(dtype)
    size, stride, offset = _ints(size, "size"), _ints(stride, "stride"), operator.index(storage_offset)
    n = flat.numel()
    if (len(size) != len(stride) or offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride)
            or (0 not in size and offset + sum((a - 1) * b for a, b in zip(size, stride)) >= n)):
        raise pickle.UnpicklingError(f"a tensor of size {tuple(size)}, stride {tuple(stride)} and storage offset "
                                     f"{offset} in the checkpoint does not fit in its storage of {n} elements")
    t = flat._alias_storage(size, stride, offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild(storage, storage_offset, size, stride, False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    return _rebuild(storage, storage_offset, size, stride, requires_grad, None, metadata)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    if not isinstance(dtype, _C.dtype):
        raise pickle.UnpicklingError(f"_rebuild_tensor_v3: dtype must be a dtype, not {type(dtype).__name__}")
    return _rebuild(storage, storage_offset, size, stride, requires_grad, dtype, metadata)


def _set_state(obj, state):
    """Attributes saved with a tensor or Parameter (a dict, or PyTorch's (dict, slots) pair)."""
    if not state:
        return obj
    parts = state if isinstance(state, tuple) else (state,)
    for part in parts:
        if not part:
            continue
        if not isinstance(part, dict):
            raise pickle.UnpicklingError(f"tensor state must be a dict, not {type(part).__name__}")
        for k, v in part.items():
            if not isinstance(k, str) or (k.startswith("__") and k.endswith("__")):
                raise pickle.UnpicklingError(f"refusing to set attribute {k!r} on a tensor from a checkpoint")
            setattr(obj, k, v)
    return obj


def _parameter_class():
    from .nn.parameter import Parameter
    return Parameter


def _rebuild_parameter(data, requires_grad, backward_hooks):
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"a Parameter in the checkpoint wraps {type(data).__name__}, not a tensor")
    return _parameter_class()(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _rebuild_from_type_v2(func, new_type, args, state):
    if not any(func is f for f in (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                                   _rebuild_parameter_with_state)):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2: {func!r} is not a tensor rebuild function")
    if type(args) is not tuple:
        raise pickle.UnpicklingError("_rebuild_from_type_v2: args must be a tuple")
    ret = func(*args)
    if new_type is not Tensor and type(ret) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise pickle.UnpicklingError(f"cannot rebuild a tensor as {new_type!r}")
        if new_type is _parameter_class():
            ret = new_type(ret, ret.requires_grad)
        else:
            ret.__class__ = new_type
    return _set_state(ret, state)


def _not_supported(what):
    def fn(*args, **kwargs):
        raise pickle.UnpicklingError(f"the checkpoint holds {what}, which smalltorch does not support")
    return fn


def _torch_globals():
    """PyTorch's global names a checkpoint may use, mapped to smalltorch's objects."""
    g = {
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.Tensor": Tensor,
        "torch.Size": Size,
        "torch.device": _device_type,
        "torch.storage.UntypedStorage": _StorageType("UntypedStorage", None),
        "torch.UntypedStorage": _StorageType("UntypedStorage", None),
    }
    for dt, name, _ in _DTYPE_TABLE:
        g[f"torch.{name}"] = _StorageType(name, dt)
        g[f"torch.{_DTYPE_NAME[dt]}"] = dt
    for name, dtype_name in _MISSING_STORAGES.items():
        g[f"torch.{name}"] = _StorageType(name, None, dtype_name)
    for fn, what in (("_rebuild_qtensor", "a quantized tensor"), ("_rebuild_sparse_tensor", "a sparse tensor"),
                     ("_rebuild_meta_tensor_no_storage", "a meta tensor"),
                     ("_rebuild_nested_tensor", "a nested tensor"),
                     ("_rebuild_wrapper_subclass", "a tensor subclass without storage"),
                     ("_rebuild_device_tensor_from_numpy", "a tensor of a non-CPU device"),
                     ("_rebuild_device_tensor_from_cpu_tensor", "a tensor of a non-CPU device")):
        g[f"torch._utils.{fn}"] = _not_supported(what)
    return g


_TORCH_GLOBALS = _torch_globals()
_BASE_ALLOWED = {
    "collections.OrderedDict": collections.OrderedDict,
    "collections.Counter": collections.Counter,
    "_codecs.encode": codecs.encode,  # bytes, in a protocol-2 pickle
    "builtins.bytearray": bytearray,
    "builtins.set": set,
    "builtins.complex": complex,
}
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_user_safe_globals = {}


def _resolve_torch_name(full):
    """The smalltorch object for a torch.* global, or None; raises for the torch dtypes smalltorch lacks."""
    obj = _TORCH_GLOBALS.get(full)
    if obj is None and full == "torch.nn.parameter.Parameter":
        obj = _parameter_class()
    if obj is None and full.startswith("torch.") and full[6:] in _MISSING_DTYPES:
        _unsupported_dtype(full[6:])
    return obj


def _map_global(module, name):
    """Python 2 names (protocol 2 pickles write __builtin__.set) -> Python 3 names, as pickle does."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return module, name


# ---------------------------------------------------------------------------------------------------------
# load: the weights-only unpickler

def _global_name(obj):
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', getattr(obj, '__name__', repr(obj)))}"


def add_safe_globals(safe_globals):
    """Allows these classes/functions (or ``(obj, "module.name")`` pairs) in ``load(weights_only=True)``."""
    for g in safe_globals:
        if isinstance(g, tuple):
            if len(g) != 2 or not isinstance(g[1], str):
                raise ValueError(f"expected (global, 'module.name'), got {g!r}")
            _user_safe_globals[g[1]] = g[0]
        else:
            _user_safe_globals[_global_name(g)] = g


def get_safe_globals():
    return list(_user_safe_globals.values())


def clear_safe_globals():
    _user_safe_globals.clear()


@contextlib.contextmanager
def safe_globals(globals_list):
    saved = dict(_user_safe_globals)
    add_safe_globals(globals_list)
    try:
        yield
    finally:
        _user_safe_globals.clear()
        _user_safe_globals.update(saved)


class _WeightsOnlyUnpickler:
    """Reads a pickle building only containers, numbers, strings, bytes, tensors and allowed globals.

    An opcode interpreter (not pickle.Unpickler): no global is ever imported by name, only the allowed
    ones are looked up in a table; REDUCE/NEWOBJ call only allowed callables; BUILD sets state only on
    OrderedDicts, Parameters and user-allowed types; APPEND(S) only on lists, SETITEM(S) only on dicts.
    """

    def __init__(self, data, persistent_load, encoding="utf-8"):
        self.data = data
        self.pos = 0
        self.persistent_load = persistent_load
        self.encoding = encoding
        self.memo = {}
        self.stack = []
        self.metastack = []
        self.allowed = dict(_BASE_ALLOWED)
        self.allowed.update(_user_safe_globals)
        self.globals_seen = {}  # id -> the object find_global returned (kept alive, so ids stay unique)

    # -- reading
    def read(self, n):
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise pickle.UnpicklingError("pickle data was truncated")
        b = self.data[self.pos:end]
        self.pos = end
        return b

    def readline(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise pickle.UnpicklingError("pickle data was truncated")
        line = self.data[self.pos:end]
        self.pos = end + 1
        return line

    def pop_mark(self):
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def load(self):
        ops = _OPS
        try:
            while True:
                code = self.data[self.pos:self.pos + 1]
                if not code:
                    raise pickle.UnpicklingError("pickle data was truncated (no STOP opcode)")
                self.pos += 1
                op = ops.get(code)
                if op is None:
                    raise pickle.UnpicklingError(f"unsupported pickle opcode {code!r} with weights_only=True")
                if op is _stop:
                    if self.metastack or len(self.stack) != 1:
                        raise pickle.UnpicklingError("malformed pickle: the stack is not one object at STOP")
                    return self.stack.pop()
                op(self)
        except pickle.UnpicklingError:
            raise
        except _StorageLoadError as e:  # reading a record (or the user's map_location) failed: as raised
            raise e.error from None
        except (IndexError, KeyError, LookupError, struct.error, ValueError, TypeError, OverflowError,
                AttributeError, RecursionError) as e:
            raise pickle.UnpicklingError(f"malformed pickle data at byte {self.pos}: "
                                         f"{type(e).__name__}: {e}") from None

    # -- globals
    def find_global(self, module, name):
        module, name = _map_global(module, name)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES or module.split(".")[0] in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module {module} is "
                                         "blocked.")
        obj = self.allowed.get(full)
        if obj is None:
            obj = _resolve_torch_name(full)
        if obj is None:
            raise pickle.UnpicklingError(
                f"Unsupported global: GLOBAL {full} was not an allowed global by default. With weights_only=True "
                f"only tensors, containers and PyTorch's allowed globals load; use "
                f"`smalltorch.serialization.add_safe_globals([{full}])` if you trust this global, or "
                "weights_only=False if you trust the whole file (it can then run arbitrary code).")
        self.globals_seen[id(obj)] = obj
        return obj

    def is_allowed(self, obj):
        """Whether obj came from an allowed GLOBAL: only those may be called (REDUCE) or instantiated (NEWOBJ)."""
        return id(obj) in self.globals_seen


def _op_global(u):
    module = u.readline().decode("utf-8")
    name = u.readline().decode("utf-8")
    u.stack.append(u.find_global(module, name))


def _op_stack_global(u):
    name, module = u.stack.pop(), u.stack.pop()
    if type(name) is not str or type(module) is not str:
        raise pickle.UnpicklingError("STACK_GLOBAL requires str module and name")
    u.stack.append(u.find_global(module, name))


def _op_reduce(u):
    args = u.stack.pop()
    func = u.stack[-1]
    if not u.is_allowed(func) or not callable(func) or func is Tensor:  # (torch.Tensor only names a type)
        raise pickle.UnpicklingError(f"Trying to call reduce for unrecognized function {func!r}")
    if type(args) is not tuple:
        raise pickle.UnpicklingError("REDUCE arguments must be a tuple")
    u.stack[-1] = func(*args)


def _op_newobj(u):
    args = u.stack.pop()
    cls = u.stack.pop()
    if type(args) is not tuple:
        raise pickle.UnpicklingError("NEWOBJ arguments must be a tuple")
    if not (isinstance(cls, type) and u.is_allowed(cls)):
        raise pickle.UnpicklingError(f"Can only create new object for nn.Parameter or allowed classes, but got {cls!r}")
    if issubclass(cls, Tensor):
        if cls is not _parameter_class():
            raise pickle.UnpicklingError(f"Can only create new tensors for nn.Parameter, but got {cls!r}")
        u.stack.append(cls(*args))
    else:
        u.stack.append(cls.__new__(cls, *args))


def _op_build(u):
    state = u.stack.pop()
    inst = u.stack[-1]
    if type(inst) is collections.OrderedDict:
        if state:
            if not isinstance(state, dict):
                raise pickle.UnpicklingError("OrderedDict state must be a dict")
            inst.__dict__.update(state)
    elif isinstance(inst, Tensor) and type(inst) is _parameter_class():
        _set_state(inst, state)
    elif u.is_allowed(type(inst)) and any(type(inst) is g for g in _user_safe_globals.values()):
        if hasattr(inst, "__setstate__"):
            inst.__setstate__(state)
        else:
            slotstate = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slotstate = state
            if state:
                inst.__dict__.update(state)
            if slotstate:
                for k, v in slotstate.items():
                    setattr(inst, k, v)
    else:
        raise pickle.UnpicklingError(f"Can only build Tensor, Parameter, OrderedDict or allowed types, but got "
                                     f"{type(inst)}")


def _op_append(u):
    item = u.stack.pop()
    if type(u.stack[-1]) is not list:
        raise pickle.UnpicklingError(f"Can only append to lists, but got {type(u.stack[-1])}")
    u.stack[-1].append(item)


def _op_appends(u):
    items = u.pop_mark()
    if type(u.stack[-1]) is not list:
        raise pickle.UnpicklingError(f"Can only extend lists, but got {type(u.stack[-1])}")
    u.stack[-1].extend(items)


def _check_dict(u, op):
    if type(u.stack[-1]) not in (dict, collections.OrderedDict, collections.Counter):
        raise pickle.UnpicklingError(f"Can only {op} for dict, collections.OrderedDict, collections.Counter, but "
                                     f"got {type(u.stack[-1])}")


def _op_setitem(u):
    v, k = u.stack.pop(), u.stack.pop()
    _check_dict(u, "SETITEM")
    u.stack[-1][k] = v


def _op_setitems(u):
    items = u.pop_mark()
    _check_dict(u, "SETITEMS")
    if len(items) % 2:
        raise pickle.UnpicklingError("SETITEMS needs key/value pairs")
    d = u.stack[-1]
    for i in range(0, len(items), 2):
        d[items[i]] = items[i + 1]


def _op_additems(u):
    items = u.pop_mark()
    if type(u.stack[-1]) is not set:
        raise pickle.UnpicklingError(f"Can only add items to sets, but got {type(u.stack[-1])}")
    u.stack[-1].update(items)


def _op_mark(u):
    u.metastack.append(u.stack)
    u.stack = []


def _op_persid(u):
    pid = u.stack.pop()
    if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
        raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got {pid!r}")
    try:
        storage = u.persistent_load(pid)
    except pickle.UnpicklingError:
        raise
    except Exception as e:
        raise _StorageLoadError(e) from None
    u.stack.append(storage)


class _StorageLoadError(Exception):
    """Carries an error of reading a storage through the unpickler's own error wrapping, unchanged."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def _op_proto(u):
    proto = u.read(1)[0]
    if proto > pickle.HIGHEST_PROTOCOL:
        raise pickle.UnpicklingError(f"unsupported pickle protocol: {proto}")


def _op_frame(u):
    u.read(8)  # frames only group opcodes; the data is in memory already


def _op_memoize(u):
    u.memo[len(u.memo)] = u.stack[-1]


def _put(n_fmt):
    def op(u):
        i = struct.unpack(n_fmt, u.read(struct.calcsize(n_fmt)))[0]
        u.memo[i] = u.stack[-1]
    return op


def _get(n_fmt):
    def op(u):
        i = struct.unpack(n_fmt, u.read(struct.calcsize(n_fmt)))[0]
        u.stack.append(u.memo[i])
    return op


def _push(value_fn):
    def op(u):
        u.stack.append(value_fn())
    return op


def _int(fmt):
    def op(u):
        u.stack.append(struct.unpack(fmt, u.read(struct.calcsize(fmt)))[0])
    return op


def _long(len_fmt):
    def op(u):
        n = struct.unpack(len_fmt, u.read(struct.calcsize(len_fmt)))[0]
        u.stack.append(int.from_bytes(u.read(n), "little", signed=True))
    return op


def _unicode(len_fmt):
    def op(u):
        n = struct.unpack(len_fmt, u.read(struct.calcsize(len_fmt)))[0]
        u.stack.append(str(u.read(n), "utf-8", "surrogatepass"))
    return op


def _bytes(len_fmt, kind=bytes):
    def op(u):
        n = struct.unpack(len_fmt, u.read(struct.calcsize(len_fmt)))[0]
        u.stack.append(kind(u.read(n)))
    return op


def _binstring(len_fmt):
    def op(u):  # Python 2 str: bytes decoded with the load encoding (PyTorch's default: utf-8)
        n = struct.unpack(len_fmt, u.read(struct.calcsize(len_fmt)))[0]
        data = u.read(n)
        u.stack.append(data if u.encoding == "bytes" else data.decode(u.encoding, "strict"))
    return op


def _tuple_n(n):
    def op(u):
        if n == 0:
            u.stack.append(())
            return
        if len(u.stack) < n:
            raise pickle.UnpicklingError("malformed pickle: stack underflow")
        items = tuple(u.stack[-n:])
        del u.stack[-n:]
        u.stack.append(items)
    return op


def _stop(u):  # handled in load()
    pass


def _op_tuple(u):
    items = u.pop_mark()  # (before u.stack is looked up: pop_mark replaces it)
    u.stack.append(tuple(items))


def _op_list(u):
    items = u.pop_mark()
    u.stack.append(items)


def _op_dict(u):
    items = u.pop_mark()
    if len(items) % 2:
        raise pickle.UnpicklingError("DICT needs key/value pairs")
    u.stack.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})


def _op_frozenset(u):
    items = u.pop_mark()
    u.stack.append(frozenset(items))


def _op_pop(u):
    if u.stack:
        u.stack.pop()
    else:
        u.pop_mark()


def _op_pop_mark(u):
    u.pop_mark()


def _op_dup(u):
    u.stack.append(u.stack[-1])


def _op_binfloat(u):
    u.stack.append(struct.unpack(">d", u.read(8))[0])


_P = pickle
_OPS = {
    _P.PROTO: _op_proto, _P.FRAME: _op_frame, _P.STOP: _stop, _P.MARK: _op_mark, _P.POP: _op_pop,
    _P.POP_MARK: _op_pop_mark, _P.DUP: _op_dup,
    _P.NONE: _push(lambda: None), _P.NEWTRUE: _push(lambda: True), _P.NEWFALSE: _push(lambda: False),
    _P.BININT: _int("<i"), _P.BININT1: _int("<B"), _P.BININT2: _int("<H"), _P.LONG1: _long("<B"),
    _P.LONG4: _long("<i"), _P.BINFLOAT: _op_binfloat,
    _P.BINUNICODE: _unicode("<I"), _P.SHORT_BINUNICODE: _unicode("<B"), _P.BINUNICODE8: _unicode("<Q"),
    _P.SHORT_BINSTRING: _binstring("<B"), _P.BINSTRING: _binstring("<i"),
    _P.BINBYTES: _bytes("<I"), _P.SHORT_BINBYTES: _bytes("<B"), _P.BINBYTES8: _bytes("<Q"),
    _P.BYTEARRAY8: _bytes("<Q", bytearray),
    _P.EMPTY_TUPLE: _tuple_n(0), _P.TUPLE1: _tuple_n(1), _P.TUPLE2: _tuple_n(2), _P.TUPLE3: _tuple_n(3),
    _P.TUPLE: _op_tuple, _P.EMPTY_LIST: _push(list), _P.LIST: _op_list, _P.APPEND: _op_append,
    _P.APPENDS: _op_appends, _P.EMPTY_DICT: _push(dict), _P.DICT: _op_dict, _P.SETITEM: _op_setitem,
    _P.SETITEMS: _op_setitems, _P.EMPTY_SET: _push(set), _P.ADDITEMS: _op_additems,
    _P.FROZENSET: _op_frozenset,
    _P.BINGET: _get("<B"), _P.LONG_BINGET: _get("<I"), _P.BINPUT: _put("<B"), _P.LONG_BINPUT: _put("<I"),
    _P.MEMOIZE: _op_memoize,
    _P.GLOBAL: _op_global, _P.STACK_GLOBAL: _op_stack_global, _P.REDUCE: _op_reduce, _P.NEWOBJ: _op_newobj,
    _P.BUILD: _op_build, _P.BINPERSID: _op_persid,
}
del _P


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: any global may load (arbitrary code: only for trusted files); torch.* names
    that smalltorch has are mapped to smalltorch."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._persistent_load = persistent_load

    def find_class(self, module, name):
        m, n = _map_global(module, name)
        obj = _resolve_torch_name(f"{m}.{n}")
        if obj is not None:
            return obj
        return super().find_class(module, name)

    def persistent_load(self, pid):
        if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        return self._persistent_load(pid)


# ---------------------------------------------------------------------------------------------------------
# load: the archive

# CRC-32 of a concatenation from the CRC-32s of its parts (zlib's crc32_combine, which Python's zlib lacks):
# crc(A + B) = crc(A) * x^(8 * len(B)) + crc(B), in GF(2)[x] modulo the CRC polynomial (bit-reflected).
_CRC_POLY = 0xEDB88320


def _crc_mulmod(a, b):
    """a * b modulo the CRC polynomial (reflected bit order: 1 << 31 is x^0)."""
    p = 0
    m = 1 << 31
    while m and a:
        if a & m:
            p ^= b
            a ^= m
        m >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1
    return p


def _crc_x_pow_8n(n):
    """x^(8 n) modulo the CRC polynomial, by squaring."""
    result, power = 1 << 31, 1 << 23  # x^0 and x^8
    while n:
        if n & 1:
            result = _crc_mulmod(power, result)
        power = _crc_mulmod(power, power)
        n >>= 1
    return result


def _crc32_combine(crc1, crc2, len2):
    return _crc_mulmod(_crc_x_pow_8n(len2), crc1) ^ crc2


def _crc_of_chunks(parts):
    """The CRC-32 of a record from its chunks' (crc, length) pairs, in order."""
    crc = 0
    for c, n in parts:
        crc = _crc32_combine(crc, c, n)
    return crc


def _corrupt(name, what):
    return RuntimeError(f"smalltorch.load: {name} {what}; the file is corrupted or was not written completely")


class _Archive:
    """The records of a checkpoint zip, read straight into tensor memory (CRC-32 checked unless mmap'ed)."""

    def __init__(self, fileobj, name, mm=None):
        self.f = fileobj
        self.name = name
        self.mm = mm
        self.pool = None  # helper threads computing CRC-32s of large records' chunks while the next is read
        self.pending = []  # (record, expected CRC-32, [(future CRC-32, length) per chunk]) checked by finish()
        try:
            self.zf = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
                NotImplementedError) as e:
            raise _corrupt(name, f"is not a readable zip archive ({e}: its central directory is missing or "
                                 "damaged)") from None
        names = self.zf.namelist()
        if not names:
            raise _corrupt(name, "is an empty zip archive")
        self.prefix = names[0].split("/", 1)[0] + "/" if "/" in names[0] else ""

    def info(self, record):
        try:
            return self.zf.getinfo(self.prefix + record)
        except KeyError:
            raise RuntimeError(f"smalltorch.load: {self.name} has no record '{record}' (file not found in the "
                               "archive); the file is corrupted or is not a checkpoint") from None

    def has(self, record):
        return (self.prefix + record) in self.zf.NameToInfo

    def read_small(self, record):
        info = self.info(record)
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, zlib.error, NotImplementedError) as e:
            raise _corrupt(f"{self.name} record '{record}'", f"cannot be read ({e})") from None

    def data_offset(self, info, record):
        try:
            self.f.seek(info.header_offset)
            head = self.f.read(30)
        except (OSError, ValueError) as e:
            raise _corrupt(f"{self.name} record '{record}'", f"cannot be read ({e})") from None
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise _corrupt(f"{self.name} record '{record}'", "has a bad local header")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def read_into(self, record, out, check_now=False):
        """Reads record's bytes into `out` (a writable byte memoryview of exactly its size). Large records are
        read in chunks whose CRC-32s helper threads compute meanwhile (reads and zlib.crc32 release the GIL),
        combined and checked by finish(); check_now: checked before returning (the caller changes the bytes
        next)."""
        info = self.info(record)
        if info.file_size != out.nbytes:
            raise _corrupt(f"{self.name} record '{record}'", f"has {info.file_size} bytes where its tensor "
                                                            f"needs {out.nbytes}")
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            out[:] = self.read_small(record)  # compressed by some other tool: zipfile checks its CRC
            return
        self.f.seek(self.data_offset(info, record))
        background = not check_now and out.nbytes >= _BACKGROUND_BYTES
        chunk_crcs = []
        done = 0
        while done < out.nbytes:
            end = min(done + _CHUNK_BYTES, out.nbytes) if background else out.nbytes
            start = done
            while done < end:
                n = self.f.readinto(out[done:end])
                if not n:
                    raise _corrupt(f"{self.name} record '{record}'", f"is truncated ({done} of {out.nbytes} bytes)")
                done += n
            if background:
                chunk_crcs.append((self._crc_pool().submit(zlib.crc32, out[start:end]), end - start))
        if background:
            self.pending.append((record, info.CRC, chunk_crcs))
        elif zlib.crc32(out) != info.CRC:
            raise self._crc_error(record)

    def _crc_error(self, record):
        return _corrupt(f"{self.name} record '{record}'", "fails its CRC-32 check (its bytes changed)")

    def _crc_pool(self):
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor
            workers = max(1, min(4, os.cpu_count() or 1))  # zlib.crc32 releases the GIL: chunks in parallel
            self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smalltorch-load-crc")
        return self.pool

    def finish(self):
        """Waits for the background CRC-32s and raises if one record's bytes do not match."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        pending, self.pending = self.pending, []
        for record, expected, chunk_crcs in pending:
            if _crc_of_chunks((fut.result(), n) for fut, n in chunk_crcs) != expected:
                raise self._crc_error(record)

    def map(self, record, np_dtype, count):
        """The record's bytes in the memory map, as a writable (copy-on-write) numpy array."""
        info = self.info(record)
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != count * np_dtype.itemsize:
            raise _corrupt(f"{self.name} record '{record}'", "cannot be memory-mapped (compressed or wrong size)")
        start = self.data_offset(info, record)
        if start + info.file_size > len(self.mm):
            raise _corrupt(f"{self.name} record '{record}'", "is truncated")
        return np.frombuffer(self.mm, dtype=np_dtype, count=count, offset=start)


def _target_location(map_location, storage, location):
    """Where a storage saved at `location` goes; only the CPU exists in this build."""
    if map_location is None:
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    elif callable(map_location) and not isinstance(map_location, (str, _device_type)):
        result = map_location(storage, location)
        if result is None:
            target = location
        elif type(result) is _LoadedStorage:
            return result
        else:
            raise TypeError(f"map_location returned {type(result).__name__}; it must return the storage "
                            "(or None for the default location)")
    else:
        target = map_location
    target = str(target)
    if target != "cpu" and not target.startswith("cpu:"):
        if target.startswith("cuda"):  # PyTorch's CPU-only build: RuntimeError here, for any map_location
            raise RuntimeError("Attempting to deserialize object on a CUDA device but smalltorch.cuda.is_available() "
                               "is False. If you are running on a CPU-only machine, please use smalltorch.load "
                               "with map_location=smalltorch.device('cpu') to map your storages to the CPU.")
        _device.check(target)  # raises as smalltorch does for a device it cannot use
        raise RuntimeError(f"smalltorch.load: cannot restore a storage to device '{target}'")
    return storage


class _StorageLoader:
    def __init__(self, archive, map_location, use_mmap):
        self.archive = archive
        self.map_location = map_location
        self.use_mmap = use_mmap
        self.loaded = {}
        order = archive.read_small("byteorder").decode("ascii", "replace") if archive.has("byteorder") else "little"
        if order not in ("little", "big"):
            raise _corrupt(f"{archive.name} record 'byteorder'", f"holds {order!r}")
        self.swap = order != sys.byteorder

    def __call__(self, pid):
        if len(pid) != 5:
            raise pickle.UnpicklingError(f"storage persistent id must have 5 fields, got {pid!r}")
        _, storage_type, key, location, numel = pid
        if type(storage_type) is not _StorageType:
            raise pickle.UnpicklingError(f"storage type must be a torch storage class, got {storage_type!r}")
        if storage_type.missing:
            _unsupported_dtype(storage_type.missing)
        key, location = _text(key), _text(location)
        if type(numel) is not int or numel < 0:
            raise pickle.UnpicklingError(f"storage size must be a non-negative int, got {numel!r}")
        storage = self.loaded.get(key)
        if storage is None:
            dtype = storage_type.dtype if storage_type.dtype is not None else _C.uint8
            storage = self.loaded[key] = _target_location(self.map_location, self.read(key, dtype, numel), location)
        elif storage_type.dtype is not None and storage.dtype != storage_type.dtype:
            raise pickle.UnpicklingError(f"storage record '{key}' is used as both {storage.dtype} and "
                                         f"{storage_type.dtype}")
        return storage

    def read(self, key, dtype, numel):
        np_dtype = _NUMPY_DTYPE[dtype]
        record = f"data/{key}"
        size = self.archive.info(record).file_size
        if size != numel * np_dtype.itemsize:  # checked before allocating what the pickle claims
            raise _corrupt(f"{self.archive.name} record '{record}'", f"has {size} bytes where its storage of "
                                                                    f"{numel} x {dtype} needs {numel * np_dtype.itemsize}")
        if self.use_mmap:
            flat = _tensor_over(self.archive.map(record, np_dtype, numel), dtype)
        else:
            from ._creation import empty
            flat = empty(numel, dtype=dtype)
            changed_next = (self.swap and np_dtype.itemsize > 1) or dtype == _C.bool
            self.archive.read_into(record, memoryview(_bytes_array(flat).view(np.uint8)), check_now=changed_next)
        if self.swap and np_dtype.itemsize > 1:
            _bytes_array(flat).byteswap(inplace=True)
        if dtype == _C.bool:  # a bool byte must be 0 or 1 for the kernels: nonzero reads as True
            u8 = flat.numpy().view(np.uint8)
            np.minimum(u8, 1, out=u8)
        return _LoadedStorage(flat)


def _text(x):
    if isinstance(x, bytes):
        x = x.decode("ascii", "replace")
    if type(x) is not str:
        raise pickle.UnpicklingError(f"storage key and location must be strings, got {x!r}")
    return x


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Loads an object saved with :func:`smalltorch.save` or ``torch.save`` (zip format).

    ``weights_only=True`` (the default) reads only tensors, Parameters, containers (dict, list, tuple, set,
    OrderedDict), numbers, strings, bytes, None, ``Size``, ``device`` and dtypes; any other global raises
    ``pickle.UnpicklingError`` naming it, and nothing in the file is ever executed. ``weights_only=False``
    unpickles anything: only use it on files you trust. ``map_location`` ('cpu', a device, a dict of
    location strings, or a callable ``(storage, location)``) must lead to the CPU. ``mmap=True`` (with a
    path) maps storages from the file instead of reading them (copy-on-write, CRC not checked)."""
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("smalltorch.load reads with the standard pickle module only (pickle_module=pickle)")
    encoding = pickle_load_args.pop("encoding", "utf-8")
    if pickle_load_args:
        raise TypeError(f"load() got unexpected keyword arguments {sorted(pickle_load_args)}")
    if mmap and not _is_path(f):
        raise ValueError("f must be a file path in order to use the mmap argument")

    if _is_path(f):
        with open(f, "rb") as fh:
            if mmap:
                import mmap as _mmap
                size = os.fstat(fh.fileno()).st_size
                mm = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_COPY) if size else None
                return _load(fh, os.fspath(f), map_location, weights_only, encoding, mm)
            return _load(fh, os.fspath(f), map_location, weights_only, encoding, None)
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' attribute, "
                             f"not {type(f).__name__}")
    if not (hasattr(f, "seek") and (not hasattr(f, "seekable") or f.seekable())):
        f = io.BytesIO(f.read())  # zip needs random access
    return _load(f, "the checkpoint", map_location, weights_only, encoding, None)


def _load(fh, name, map_location, weights_only, encoding, mm):
    start = fh.tell()
    head = fh.read(4)
    fh.seek(start)
    if not head:
        raise EOFError(f"smalltorch.load: {name} is empty (0 bytes)")
    if head != b"PK\x03\x04":
        raise RuntimeError(f"smalltorch.load: {name} is not a checkpoint in PyTorch's zip format (it starts "
                           f"with {head!r}, not a zip header). Files from torch.save before PyTorch 1.6 (legacy "
                           "format) are not supported; the file may also be corrupted.")
    archive = _Archive(fh, name, mm)
    if archive.has("constants.pkl") and not archive.has("data.pkl"):
        raise RuntimeError(f"smalltorch.load: {name} is a TorchScript archive (torch.jit.save), not a checkpoint")
    data = archive.read_small("data.pkl")
    storages = _StorageLoader(archive, map_location, mm is not None)
    try:
        if weights_only:
            obj = _WeightsOnlyUnpickler(data, storages, encoding).load()
        else:
            try:
                obj = _FullUnpickler(io.BytesIO(data), storages, encoding=encoding).load()
            except (EOFError, IndexError, struct.error, UnicodeDecodeError) as e:
                raise pickle.UnpicklingError(f"smalltorch.load: {name}: malformed pickle data "
                                             f"({type(e).__name__}: {e})") from None
    finally:
        archive.finish()
    return obj
