"""smalltorch.utils: data loading (smalltorch.utils.data) and DLPack interchange (smalltorch.utils.dlpack)."""

from . import data, dlpack

__all__ = ["data", "dlpack"]
