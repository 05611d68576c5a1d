"""Gradient housekeeping shared by nn.Module and optim.Optimizer."""


def zero_grads(params, set_to_none=True):
    """Clears the .grad of every parameter: drops it (set_to_none), or zeroes it in place,
    detached from any graph, as PyTorch's Module.zero_grad / Optimizer.zero_grad do."""
    for p in params:
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if g.grad_fn is not None:
            g.detach_()
        else:
            g.requires_grad_(False)
        g.zero_()
