"""default_collate / default_convert: a list of samples into a batch, as PyTorch's."""

import collections.abc
import copy

import numpy as np

from ... import _C, _creation
from ..._C import Tensor
from . import _shm

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _same_mapping(like, items):
    """items in a mapping of like's type: a copy of a mutable one updated (a defaultdict keeps its factory, an
    OrderedDict its class), a new one otherwise; a plain dict where the type cannot be made so."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(items)
            return clone
        return type(like)(items)
    except TypeError:
        return items


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def default_convert(data):
    """numpy arrays (and numbers) in nested containers become tensors; the rest stays."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "SaUO":
            return data
        return _creation.as_tensor(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "SaUO":
        return _creation.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def _stack_shared(batch, elem):
    dtype, shape = elem.dtype, elem.shape
    if not all(isinstance(b, Tensor) and not b.requires_grad and b.dtype == dtype and b.shape == shape
               for b in batch):
        return None  # the ordinary stack raises or promotes as usual
    out = _shm.empty_shared([len(batch)] + list(shape), dtype)
    if out is not None:
        np.stack([b.numpy() for b in batch], out=out.numpy())
    return out


def default_collate(batch):
    elem = batch[0]
    if isinstance(elem, Tensor):
        if _shm.active():  # in a DataLoader worker: stack straight into shared memory
            out = _stack_shared(batch, elem)
            if out is not None:
                return out
        return _C.stack(list(batch), 0)
    if isinstance(elem, np.ndarray) or (isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_))):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_ERR.format(elem.dtype))
        if isinstance(elem, np.ndarray) and elem.ndim > 0:
            return default_collate([_creation.as_tensor(b) for b in batch])
        return _creation.as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return _creation.tensor(batch)
    if isinstance(elem, float):
        return _creation.tensor(batch, dtype=_C.float64)
    if isinstance(elem, int):
        return _creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERR.format(type(elem)))
