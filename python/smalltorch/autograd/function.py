"""Custom autograd functions: ``class F(Function)`` with static ``forward`` and ``backward``.

``F.apply(*args)`` runs ``forward`` without recording history, then (when grad mode is
on and a tensor argument requires grad) records one graph node for the whole call:
its Python object is the ``ctx`` forward saw, an instance of the generated class
``FBackward`` (so the output prints ``grad_fn=<FBackward>``). The engine calls
``FBackward._do_backward`` from C++ (``csrc/python/py_function.cpp``), which calls
``F.backward(ctx, *grad_outputs)``.
"""

import functools

from .. import _C
from .._C import Tensor
from ..grad_mode import no_grad

__all__ = ["FunctionCtx", "BackwardCFunction", "Function", "once_differentiable", "InplaceFunction"]


class FunctionCtx:
    """What ``forward``/``setup_context`` use to pass state to ``backward``."""

    def save_for_backward(self, *tensors):
        """Keeps tensors (or None) for backward, as ``ctx.saved_tensors``; an in-place change to
        one of them before backward makes backward raise."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Marks inputs that forward modified in place (they must be returned as outputs)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        """Marks outputs that get no gradient (they do not require grad)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs whose gradient was not computed."""
        self.materialize_grads = value


class BackwardCFunction(_C._Node, FunctionCtx):
    """Base of the generated ``<Name>Backward`` classes: a ctx that is also the graph node."""

    @property
    def saved_tensors(self):
        saved = _C._function_saved_tensors(self)
        if saved is None:  # no node was recorded (grad mode off, or no input requires grad)
            return tuple(getattr(self, "to_save", ()))
        return saved

    saved_variables = saved_tensors

    def apply(self, *args):
        """Calls the user's backward with this ctx (as the engine does)."""
        return self._forward_cls.backward(self, *args)

    def _do_backward(self, grads):
        # one gradient per tensor output; non-tensor outputs get None
        it = iter(grads)
        full = tuple(next(it) if is_t else None for is_t in self._output_is_tensor)
        cls = self._forward_cls
        name = type(self).__name__
        backward = cls.backward if _overrides(cls, "backward") else cls.vjp
        if not _overrides(cls, "backward") and not _overrides(cls, "vjp"):
            raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                      "autograd.Function to use it with backward mode AD.")
        result = backward(self, *full)
        if not isinstance(result, tuple):
            result = (result,)
        is_tensor = self._input_is_tensor
        if len(result) != len(is_tensor):
            # extra trailing Nones are allowed, as in PyTorch
            if len(result) > len(is_tensor) and all(r is None for r in result[len(is_tensor):]):
                result = result[:len(is_tensor)]
            else:
                raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected "
                                   f"{len(is_tensor)}, got {len(result)})")
        out = []
        for i, (r, is_t) in enumerate(zip(result, is_tensor)):
            if not is_t:
                if r is not None:
                    raise RuntimeError(f"function {name} returned a gradient different than None at position "
                                       f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            if r is not None and not isinstance(r, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
            out.append(r)
        return tuple(out)


def _overrides(cls, name):
    return getattr(cls, name) is not getattr(Function, name)


class FunctionMeta(type):
    """Gives each Function subclass its node class ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls, "__module__": __name__})
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class of custom autograd operations. Subclasses define static ``forward`` and
    ``backward`` (and optionally ``setup_context``) and are called with ``apply``."""

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd functions are all static, "
                      "so you should invoke them on the class itself. Instantiating an autograd function will raise "
                      "an error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        setup_style = cls.setup_context is not Function.setup_context
        if setup_style:  # setup_context sees every input, defaults included (as PyTorch)
            import inspect
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx._input_is_tensor = tuple(isinstance(a, Tensor) for a in args)
        record = _C.is_grad_enabled() and any(ctx.needs_input_grad)
        with no_grad():
            if setup_style:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if not record:
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        ctx._output_is_tensor = tuple(isinstance(o, Tensor) for o in outs)
        outs = _C._function_record(ctx, args, outs, tuple(getattr(ctx, "dirty_tensors", ())),
                                   tuple(getattr(ctx, "non_differentiable", ())), getattr(ctx, "to_save", None),
                                   getattr(ctx, "materialize_grads", True))
        return outs if is_tuple else outs[0]


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class _DelayedError(Function):
    """Passes tensors through; differentiating through it raises (see once_differentiable)."""

    @staticmethod
    def forward(ctx, msg, *tensors):
        ctx.msg = msg
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(ctx.msg)


# PyTorch's node for this is a C++ node named Error
_DelayedError._backward_cls.__name__ = _DelayedError._backward_cls.__qualname__ = "Error"


def once_differentiable(fn):
    """Decorates a backward that must run without recording history: a gradient
    computed through it cannot be differentiated again (trying raises)."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not _C.is_grad_enabled():
            return outputs
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)

        def fake_requires_grad(v):
            if isinstance(v, Tensor) and v.is_floating_point():
                v = v.detach()
                v.requires_grad_(True)
            return v

        wrapped = _DelayedError.apply(
            "trying to differentiate twice a function that was marked with @once_differentiable",
            *[fake_requires_grad(o) for o in outs])
        return wrapped if is_tuple else wrapped[0]

    return wrapper
