"""Reverse-mode automatic differentiation: backward, grad and gradient checks.

The engine itself is C++ (``csrc/autograd``); these functions normalise
PyTorch's argument forms and call it.
"""

from .. import _C
from .._C import Tensor
from ..grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import functional
from . import graph
from . import forward_ad
from .function import Function, once_differentiable
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from . import _trace
from ._trace import trace

__all__ = ["backward", "grad", "gradcheck", "gradgradcheck", "no_grad", "enable_grad", "set_grad_enabled",
           "functional", "GradcheckError", "graph", "Function", "once_differentiable", "detect_anomaly",
           "set_detect_anomaly", "Variable", "trace"]


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """The old tensor wrapper some tutorials still use. ``Variable(t)`` is ``t.detach()``
    (same data and version counter, no history) with ``requires_grad`` as asked, and every
    tensor is an instance of it, as with ``torch.autograd.Variable``."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out


def _outputs(x):
    """The differentiated tensors: a Tensor or a sequence of them (as PyTorch, None is rejected)."""
    out = [x] if isinstance(x, Tensor) else list(x)  # list(None): TypeError, as in PyTorch
    for t in out:
        if not isinstance(t, Tensor):
            raise AssertionError(f"Expected output to be a Tensor, but got {type(t).__name__}")
    return out


def _inputs(x):
    """The tensors to differentiate with respect to."""
    out = [x] if isinstance(x, Tensor) else list(x)
    for t in out:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got {type(t).__name__}")
    return out


def _grads(x):
    """Weights of the outputs' gradients: Tensors, or None for an implicit 1 (scalar outputs only)."""
    if x is None:
        return []
    out = [x] if isinstance(x, Tensor) else list(x)
    for t in out:
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(t).__name__}")
    return out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulates into the ``.grad`` of graph leaves the gradient of ``tensors`` (weighted by ``grad_tensors``)."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    outputs = _outputs(tensors)
    grads = _grads(grad_tensors)
    ins = _inputs(inputs) if inputs is not None else []
    if inputs is not None and not ins:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    if _trace._ACTIVE:  # a backward trace is recording (autograd.trace)
        return _trace.run_traced(outputs, lambda: _C._backward(outputs, grads, retain_graph, create_graph, ins))
    _C._backward(outputs, grads, retain_graph, create_graph, ins)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Returns the gradients of ``outputs`` w.r.t. ``inputs`` as a tuple, without touching ``.grad``."""
    outs = _outputs(outputs)
    ins = _inputs(inputs)
    gos = _grads(grad_outputs)
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    unused_ok = bool(allow_unused) or materialize_grads
    if _trace._ACTIVE:
        result = _trace.run_traced(outs, lambda: _C._grad(outs, ins, gos, retain_graph, create_graph, unused_ok))
    else:
        result = _C._grad(outs, ins, gos, retain_graph, create_graph, unused_ok)
    if materialize_grads:
        from .._creation import zeros_like
        result = tuple(zeros_like(i) if g is None else g for g, i in zip(result, ins))
    return result
