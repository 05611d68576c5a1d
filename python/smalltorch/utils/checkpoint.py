"""Activation checkpointing: run part of a model without keeping its intermediate tensors, and recompute
them during backward (memory for time), as ``torch.utils.checkpoint``.

Two forms, as PyTorch has them:

* ``use_reentrant=True`` runs ``function`` under ``no_grad`` inside one custom autograd Function
  (``grad_fn=<CheckpointFunctionBackward>``); its backward reruns ``function`` with grad on and
  backpropagates through that rerun (the parameters ``function`` uses get their gradients there).
* ``use_reentrant=False`` runs ``function`` normally but keeps no tensor a backward node saves: each saved
  tensor becomes its position in the save order (``autograd.graph.saved_tensors_hooks``); the first node
  that needs one reruns ``function`` once, collecting what it saves in the same order.

Random ops inside ``function`` draw the same numbers in the rerun (the default generator's state is
restored first) unless ``preserve_rng_state=False``.
"""

import warnings

from .. import _C, get_rng_state, set_rng_state
from ..autograd.function import Function
from ..autograd.graph import saved_tensors_hooks
from ..grad_mode import enable_grad, no_grad

__all__ = ["checkpoint", "checkpoint_sequential"]

_MISSING_REENTRANT = ("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting "
                      "in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the differences between "
                      "the two variants.")


def _detached(args):
    out = []
    for a in args:
        if isinstance(a, _C.Tensor):
            d = a.detach()
            d.requires_grad_(a.requires_grad)
            out.append(d)
        else:
            out.append(a)
    return out


class CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        ctx.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, _C.Tensor)]
        ctx.inputs = [None if isinstance(a, _C.Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, _C.Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grad_outputs):
        from ..autograd import backward as run_backward
        args = list(ctx.inputs)
        for i, t in zip(ctx.tensor_positions, ctx.saved_tensors):
            args[i] = t
        args = _detached(args)
        if ctx.rng_state is not None:
            state = get_rng_state()
            set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                outputs = ctx.run_function(*args)
        finally:
            if ctx.rng_state is not None:
                set_rng_state(state)
        if isinstance(outputs, _C.Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if isinstance(o, _C.Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        run_backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = tuple(a.grad if isinstance(a, _C.Tensor) else None for a in args)
        return (None, None) + grads


def _checkpoint_without_reentrant(function, preserve_rng_state, args, kwargs):
    rng_state = get_rng_state() if preserve_rng_state else None
    recomputed = []
    done = [False]

    saved = [0]  # how many tensors the first run saved

    def pack(_tensor):  # keeps the position in the save order, not the tensor
        saved[0] += 1
        return saved[0] - 1

    def unpack(k):
        if not done[0]:
            done[0] = True
            restore = get_rng_state() if rng_state is not None else None
            if rng_state is not None:
                set_rng_state(rng_state)
            try:
                with saved_tensors_hooks(lambda t: recomputed.append(t) or len(recomputed) - 1,
                                         lambda j: recomputed[j]), enable_grad():
                    function(*args, **kwargs)
            finally:
                if restore is not None:
                    set_rng_state(restore)
        if k >= len(recomputed):
            raise RuntimeError("torch.utils.checkpoint: the recomputed forward saved fewer tensors than the original "
                               f"({len(recomputed)} < {saved[0]}); the checkpointed function must run "
                               "the same ops each time it is called")
        return recomputed[k]

    with saved_tensors_hooks(pack, unpack):
        return function(*args, **kwargs)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               **kwargs):
    """Calls ``function(*args, **kwargs)`` without keeping the tensors its backward needs; backward recomputes
    them by calling it again. ``use_reentrant`` picks one of PyTorch's two forms (see the module docstring);
    PyTorch warns when it is not given and then uses the reentrant form."""
    if use_reentrant is None:
        warnings.warn(_MISSING_REENTRANT, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not None or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Splits ``functions`` (a list of modules or an ``nn.Sequential``) into ``segments`` runs and checkpoints
    every run but the last."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
                      "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
