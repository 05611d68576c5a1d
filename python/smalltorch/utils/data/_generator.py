"""The data utilities' `generator=` arguments take smalltorch.Generator (the C++ generator): it runs PyTorch's CPU
stream (a 32-bit Mersenne Twister seeded with the low 32 bits of the seed), so RandomSampler, SubsetRandomSampler,
random_split and the DataLoader's shuffling give the same order as PyTorch for the same seed."""

from ..._C import Generator

__all__ = ["Generator"]
