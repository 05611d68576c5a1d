"""Higher-level autograd helpers: vjp, jacobian and hessian."""

from .._C import Tensor


def _tuple(x):
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _prepare(inputs):
    return tuple(x.detach().requires_grad_(True) for x in _tuple(inputs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns (func(inputs), v^T J) for the Jacobian J of func at inputs."""
    from . import grad
    is_tuple = isinstance(inputs, (tuple, list))
    ins = _prepare(inputs)
    out = func(*ins)
    outs = _tuple(out)
    vs = _tuple(v) if v is not None else tuple(None for _ in outs)
    gs = grad(outs, ins, grad_outputs=[x for x in vs] if v is not None else None, create_graph=create_graph,
              allow_unused=True)
    from .._creation import zeros_like
    gs = tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))
    det = (lambda t: t) if create_graph else (lambda t: t.detach())
    out = tuple(det(o) for o in outs) if isinstance(out, tuple) else det(out)
    return out, tuple(det(g) for g in gs) if is_tuple else det(gs[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at inputs, one output row at a time (reverse mode)."""
    from . import grad
    from .._creation import zeros_like
    from .. import _C
    is_tuple = isinstance(inputs, (tuple, list))
    ins = _prepare(inputs)
    out = func(*ins)
    outs = _tuple(out)
    rows = []
    for o in outs:
        per_input = [[] for _ in ins]
        flat = o.reshape(-1)
        for e in range(flat.numel()):
            gs = grad(flat[e], ins, retain_graph=True, create_graph=create_graph, allow_unused=True)
            for k, (g, i) in enumerate(zip(gs, ins)):
                per_input[k].append(zeros_like(i) if g is None else g)
        blocks = []
        for k, i in enumerate(ins):
            if per_input[k]:
                stacked = _C.stack(per_input[k]).reshape(tuple(o.shape) + tuple(i.shape))
            else:
                stacked = _C._zeros(list(o.shape) + list(i.shape), i.dtype)
            blocks.append(stacked if create_graph else stacked.detach())
        rows.append(tuple(blocks) if is_tuple else blocks[0])
    return tuple(rows) if isinstance(out, tuple) else rows[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function at inputs."""
    is_tuple = isinstance(inputs, (tuple, list))

    def grad_fn(*ins):
        from . import grad
        out = func(*ins)
        gs = grad(out, ins, create_graph=True, allow_unused=True)
        from .._creation import zeros_like
        gs = tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))
        return gs if is_tuple else gs[0]

    return jacobian(grad_fn, inputs, create_graph=create_graph)
