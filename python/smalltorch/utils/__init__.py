"""smalltorch.utils: data loading (smalltorch.utils.data)."""

from . import data

__all__ = ["data"]
