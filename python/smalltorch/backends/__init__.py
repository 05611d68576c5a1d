"""smalltorch.backends: the flags PyTorch code reads, as on a CPU-only build (no cuDNN, no MPS)."""

from . import cudnn, mps, cuda  # noqa: F401
