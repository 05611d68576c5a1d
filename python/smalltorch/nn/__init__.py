"""smalltorch.nn: modules, layers, losses, initialisers (PyTorch's torch.nn, in Python over smalltorch's ops)."""

from .parameter import Parameter, Buffer, UninitializedParameter
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import functional, init, utils

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "functional", "init", "utils"] + list(_modules_all)
