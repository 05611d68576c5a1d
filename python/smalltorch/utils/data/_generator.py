"""A random generator with PyTorch's CPU stream, for the data utilities' `generator=` arguments.

PyTorch's CPU torch.Generator is a 32-bit Mersenne Twister seeded with the low 32 bits of the seed. With this
generator, RandomSampler, SubsetRandomSampler, random_split and the DataLoader's shuffling give the same order
as PyTorch for the same seed: randperm is a Fisher-Yates pass drawing one 32-bit word per position (taken
modulo the remaining count), and a 64-bit draw is two words, the first the high half.
"""

import random as _pyrandom

import numpy as np

_DEFAULT_SEED = 67280421310721  # PyTorch's default_generator seed


class Generator:
    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"Generator: only the cpu device is supported, got {device}")
        self.device = device
        self._bits = np.random.MT19937(0)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise RuntimeError(f"Overflow when unpacking long long: {seed}")
        self._seed = seed & ((1 << 64) - 1)
        self._bits._legacy_seeding(self._seed & 0xFFFFFFFF)
        return self

    def seed(self):
        s = _pyrandom.SystemRandom().getrandbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return (self._seed, self._bits.state)

    def set_state(self, state):
        self._seed, bits_state = state
        self._bits.state = bits_state
        return self

    # draws
    def _words(self, n):
        """n 32-bit words of the stream, as uint64."""
        return self._bits.random_raw(n).astype(np.uint64)

    def _random64(self):
        hi, lo = (int(w) for w in self._words(2))
        return (hi << 32) | lo

    def _randperm(self, n):
        perm = list(range(n))
        if n > 1:
            steps = (self._words(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
            for i, z in enumerate(steps):
                j = i + z
                perm[i], perm[j] = perm[j], perm[i]
        return perm

    def _randint(self, high, n):
        """n draws of randint(0, high) for high < 2**32: one word each, modulo high."""
        return (self._words(n) % np.uint64(high)).astype(np.int64)

    def _uniform_double(self, n):
        """n doubles in [0, 1): the low 53 bits of a 64-bit draw, scaled."""
        w = self._words(2 * n).reshape(n, 2) if n else np.zeros((0, 2), np.uint64)
        x = (w[:, 0] << np.uint64(32)) | w[:, 1]
        return (x & np.uint64((1 << 53) - 1)).astype(np.float64) * (1.0 / (1 << 53))
