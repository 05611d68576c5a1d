import numbers

import numpy as np

from ... import _C, _creation, _sampling
from ._generator import Generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _check_generator(generator):
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"generator must be a smalltorch Generator or None, not {type(generator).__name__}")


def _permutation_tensor(n, generator=None):
    """A random permutation of range(n) as an int64 tensor: PyTorch's randperm order for the same generator state."""
    _check_generator(generator)
    return _sampling.randperm(n, generator=generator)


def _permutation(n, generator=None):
    return _permutation_tensor(n, generator).tolist()


def _random_int64(generator=None):
    """A non-negative 63-bit integer, as PyTorch's empty((), dtype=int64).random_(generator=...) draws."""
    _check_generator(generator)
    return int(_creation.empty((), dtype=_C.int64).random_(generator=generator).item())


def _uniform(n, generator=None):
    _check_generator(generator)
    return _creation.rand(n, dtype=_C.float64, generator=generator).numpy()


class RandomSampler(Sampler):
    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_generator(generator)
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        g = self.generator
        if self.replacement:
            yield from _creation.randint(high=n, size=(self.num_samples,), generator=g).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from _permutation(n, g)
        yield from _permutation(n, g)[:self.num_samples % n]

    def _is_plain_permutation(self):
        """One permutation of the whole data source per epoch (what the DataLoader's fast path may batch)."""
        return type(self) is RandomSampler and not self.replacement and self._num_samples is None

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    def __init__(self, indices, generator=None):
        _check_generator(generator)
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _permutation(len(self.indices), self.generator):
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


def _multinomial(weights, num_samples, replacement, generator):
    """num_samples category indices drawn with probabilities proportional to the float64 weights (as
    PyTorch's multinomial on a 1-d distribution, with its errors)."""
    if not replacement and num_samples > weights.size:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.all(np.isfinite(weights)) or (not replacement and np.any(weights < 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(weights < 0):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    total = weights.sum()
    if not total > 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement:
        # keys w / E with E ~ Exp(1): the largest num_samples keys are a weighted draw without replacement
        e = -np.log1p(-_uniform(weights.size, generator))
        with np.errstate(divide="ignore"):
            keys = weights / e
        return np.argsort(-keys, kind="stable")[:num_samples].tolist()
    cdf = np.cumsum(weights) / total
    cdf[-1] = 1.0
    return np.searchsorted(cdf, _uniform(num_samples, generator), side="right").tolist()


class WeightedRandomSampler(Sampler):
    """Indices in [0, len(weights)) drawn with probabilities proportional to the weights."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        _check_generator(generator)
        weights = _creation.as_tensor(weights, dtype=_C.float64)
        if weights.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from _multinomial(self.weights.numpy(), self.num_samples, self.replacement, self.generator)

    def __len__(self):
        return self.num_samples


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset's loader: None forever (the dataset decides what comes next)."""

    def __iter__(self):
        while True:
            yield None


class BatchSampler(Sampler):
    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
