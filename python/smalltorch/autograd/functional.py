"""Higher-level autograd helpers: vjp, jacobian and hessian."""

from .._C import Tensor


def _as_tuple(x, what, fn):
    """x as a tuple of Tensors (and whether it was a tuple); TypeError otherwise, as PyTorch."""
    if isinstance(x, Tensor):
        return False, (x,)
    if not isinstance(x, tuple):
        raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the given "
                        f"{what} has type {type(x)}.")
    for i, t in enumerate(x):
        if not isinstance(t, Tensor):
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the value "
                            f"at index {i} has type {type(t)}.")
    return True, x


def _outputs(out, fn):
    return _as_tuple(out, "outputs of the user-provided function", fn)[1]


def _prepare(inputs, fn):
    is_tuple, ins = _as_tuple(inputs, "inputs", fn)
    return is_tuple, tuple(x.detach().requires_grad_(True) for x in ins)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns (func(inputs), v^T J) for the Jacobian J of func at inputs."""
    from . import grad
    is_tuple, ins = _prepare(inputs, "vjp")
    out = func(*ins)
    outs = _outputs(out, "vjp")
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
        vs = (None,)
    else:
        vs = _as_tuple(v, "v", "vjp")[1]
    gs = grad(outs, ins, grad_outputs=[x for x in vs] if v is not None else None, create_graph=create_graph,
              allow_unused=True)
    from .._creation import zeros_like
    gs = tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))
    det = (lambda t: t) if create_graph else (lambda t: t.detach())
    out = tuple(det(o) for o in outs) if isinstance(out, tuple) else det(out)
    return out, tuple(det(g) for g in gs) if is_tuple else det(gs[0])


def _jacobian_forward(func, inputs, strict, vectorize):
    """strategy="forward-mode": one forward pass per input element, its basis direction as the tangent
    (PyTorch batches these passes with vmap; here they run one after another, with the same result)."""
    from . import forward_ad as fwAD
    from .._creation import zeros_like
    from .. import _C
    if strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
                           'not supported together (yet). Please either set `strict=False` or '
                           '`strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                  "only implemented for `vectorize=True`.")
    is_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    columns = [[] for _ in ins]  # per input: per basis direction, the outputs' tangents
    out_is_tuple, primals = False, None
    for k, x in enumerate(ins):
        for e in range(x.numel()):
            with fwAD.dual_level():
                duals = []
                for j, y in enumerate(ins):
                    direction = zeros_like(y).reshape(-1)
                    if j == k:
                        direction[e] = 1
                    duals.append(fwAD.make_dual(y, direction.reshape(y.shape)))
                out = func(*duals)
                out_is_tuple, outs = _as_tuple(out, "outputs", "jacobian")
                unpacked = [fwAD.unpack_dual(o) for o in outs]
                primals = [u.primal for u in unpacked]
                columns[k].append([zeros_like(u.primal) if u.tangent is None else u.tangent for u in unpacked])
    rows = []
    for i, p in enumerate(primals):
        blocks = []
        for k, x in enumerate(ins):
            if columns[k]:
                cols = _C.stack([c[i] for c in columns[k]], -1)  # the input's directions last
                blocks.append(cols.reshape(tuple(p.shape) + tuple(x.shape)))
            else:
                blocks.append(_C._zeros(list(p.shape) + list(x.shape), p.dtype))
        rows.append(tuple(blocks) if is_tuple else blocks[0])
    return tuple(rows) if out_is_tuple else rows[0]


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at inputs: one output row at a time in reverse mode, one input column at a
    time with strategy="forward-mode" (which, as in PyTorch, needs vectorize=True)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and '
                                      '`strategy="forward-mode"` are not supported together (yet). Please either '
                                      'set `create_graph=False` or `strategy="reverse-mode"`.')
        return _jacobian_forward(func, inputs, strict, vectorize)
    from . import grad
    from .._creation import zeros_like
    from .. import _C
    is_tuple, ins = _prepare(inputs, "jacobian")
    out = func(*ins)
    outs = _outputs(out, "jacobian")
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
    is_tuple = _as_tuple(inputs, "inputs", "hessian")[0]

    def grad_fn(*ins):
        from . import grad
        out = func(*ins)
        outs = _outputs(out, "hessian")
        if len(outs) != 1 or isinstance(out, tuple):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        gs = grad(out, ins, create_graph=True, allow_unused=True)
        from .._creation import zeros_like
        gs = tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))
        return gs if is_tuple else gs[0]

    return jacobian(grad_fn, inputs, create_graph=create_graph)


def _jvp_of(outs, ins, tangents, create_graph):
    """J·t for outputs `outs` of inputs `ins` (requiring grad): the gradient, with respect to a dummy
    cotangent u, of the vector-Jacobian product u^T J contracted with t (the double-vjp identity)."""
    from . import grad
    from .._creation import zeros_like
    if not any(o.requires_grad for o in outs):
        return tuple(zeros_like(o) for o in outs)
    us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
    live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    gs = grad([o for o, _ in live], ins, grad_outputs=[u for _, u in live], create_graph=True, allow_unused=True)
    pairs = [(g, t) for g, t in zip(gs, tangents) if g is not None and g.requires_grad]
    if not pairs:
        return tuple(zeros_like(o) for o in outs)
    js = grad([g for g, _ in pairs], us, grad_outputs=[t for _, t in pairs], create_graph=create_graph,
              allow_unused=True)
    return tuple(zeros_like(o) if j is None else j for j, o in zip(js, outs))


def _check_v(v, ins, fn, what="v"):
    if v is None:
        if len(ins) != 1 or ins[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the input to the user-provided function is a "
                               f"single Tensor with a single element.")
        from .._creation import ones_like
        return (ones_like(ins[0]),)
    vs = _as_tuple(v, what, fn)[1]
    if len(vs) != len(ins):
        raise RuntimeError(f"{what} is a tuple of invalid length: should be {len(ins)} but got {len(vs)}.")
    for i, (a, b) in enumerate(zip(vs, ins)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"Entry {i} in {what} has invalid size: should be {tuple(b.shape)} but got "
                               f"{tuple(a.shape)}.")
    return vs


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns (func(inputs), J v) for the Jacobian J of func at inputs. Computed, as PyTorch's
    autograd.functional.jvp is, with two reverse passes (the double-vjp identity)."""
    is_tuple, ins = _prepare(inputs, "jvp")
    vs = _check_v(v, ins, "jvp")
    out = func(*ins)
    outs = _outputs(out, "jvp")
    js = _jvp_of(outs, ins, vs, create_graph)
    det = (lambda t: t) if create_graph else (lambda t: t.detach())
    res = tuple(det(o) for o in outs) if isinstance(out, tuple) else det(out)
    return res, tuple(det(j) for j in js) if isinstance(out, tuple) else det(js[0])


def _scalar_grads(func, ins, fn):
    from . import grad
    from .._creation import zeros_like
    out = func(*ins)
    outs = _outputs(out, fn)
    if len(outs) != 1 or isinstance(out, tuple) or outs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a single element")
    gs = grad(out, ins, create_graph=True, allow_unused=True)
    return out, tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns (func(inputs), v^T H) for the Hessian H of a scalar func at inputs."""
    from . import grad
    from .._creation import zeros_like
    is_tuple, ins = _prepare(inputs, "vhp")
    vs = _check_v(v, ins, "vhp")
    out, gs = _scalar_grads(func, ins, "vhp")
    live = [(g, w) for g, w in zip(gs, vs) if g.requires_grad]
    hs = grad([g for g, _ in live], ins, grad_outputs=[w for _, w in live], create_graph=create_graph,
              allow_unused=True) if live else (None,) * len(ins)
    hs = tuple(zeros_like(i) if h is None else h for h, i in zip(hs, ins))
    det = (lambda t: t) if create_graph else (lambda t: t.detach())
    return det(out), tuple(det(h) for h in hs) if is_tuple else det(hs[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns (func(inputs), H v) for the Hessian H of a scalar func at inputs (two reverse passes)."""
    is_tuple, ins = _prepare(inputs, "hvp")
    vs = _check_v(v, ins, "hvp")
    out, gs = _scalar_grads(func, ins, "hvp")
    hs = _jvp_of(gs, ins, vs, create_graph)
    det = (lambda t: t) if create_graph else (lambda t: t.detach())
    return det(out), tuple(det(h) for h in hs) if is_tuple else det(hs[0])
