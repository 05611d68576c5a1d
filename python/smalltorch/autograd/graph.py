"""The autograd graph as objects: ``Node`` (what ``tensor.grad_fn`` is), node hooks,
and hooks on the tensors a graph saves for backward (``saved_tensors_hooks``, ``save_on_cpu``).

Every grad_fn is an instance of a class named after its node (``MulBackward0``,
``AccumulateGrad``, a custom Function's ``<Name>Backward``), all of them
subclasses of the C type ``_C._Node`` that is registered with the abstract
class ``Node`` below, so ``isinstance(y.grad_fn, Node)`` holds as in PyTorch.
"""

import abc

from .. import _C
from .._C import Tensor

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu"]


class RemovableHandle:
    """Returned by ``Node.register_hook``/``register_prehook``; ``remove()`` unregisters the hook."""

    def __init__(self, remover):
        self._remover = remover

    def remove(self):
        if self._remover is not None:
            self._remover()
            self._remover = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Node(abc.ABC):
    """An autograd graph node: ``tensor.grad_fn`` and the nodes in its ``next_functions``."""

    @abc.abstractmethod
    def name(self):
        """The node's name, e.g. ``'MulBackward0'``."""

    @property
    @abc.abstractmethod
    def next_functions(self):
        """``((node or None, input_nr), ...)``: where this node's gradients go."""

    @property
    @abc.abstractmethod
    def metadata(self):
        """A dict kept with the node (anomaly mode stores the forward traceback under ``'traceback_'``)."""

    @abc.abstractmethod
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after the node computed its gradients; it may return
        replacement ``grad_inputs``. Returns a handle whose ``remove()`` unregisters it."""

    @abc.abstractmethod
    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before the node; it may return replacement ``grad_outputs``."""


def _register_hook(self, fn):
    if not callable(fn):
        raise TypeError(f"register_hook expects a callable, got {type(fn).__name__}")
    return RemovableHandle(self._register_hook(fn))


def _register_prehook(self, fn):
    if not callable(fn):
        raise TypeError(f"register_prehook expects a callable, got {type(fn).__name__}")
    return RemovableHandle(self._register_prehook(fn))


_C._Node.register_hook = _register_hook
_C._Node.register_prehook = _register_prehook
Node.register(_C._Node)


class saved_tensors_hooks:
    """Context manager: every tensor an op saves for backward inside it is passed to
    ``pack_hook(tensor)`` and only its result is kept; ``unpack_hook(packed)`` must give
    the tensor back when backward (or ``grad_fn._saved_*``) needs it."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        _C._push_saved_tensors_default_hooks(self.pack_hook, self.unpack_hook)

    def __exit__(self, *args):
        _C._pop_saved_tensors_default_hooks()


class save_on_cpu(saved_tensors_hooks):
    """Saves the tensors of the graph in CPU memory, giving them back on their device in
    backward. smalltorch has only the CPU: as in PyTorch for a CPU tensor, the tensor itself
    is kept (no copy, and then no in-place check either)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            return (t.device, t.cpu())

        def unpack(packed):
            device, t = packed
            return t.to(device)

        super().__init__(pack, unpack)

