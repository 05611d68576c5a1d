"""Functional transforms (PyTorch's ``torch.func``): ``grad``, ``grad_and_value``, ``vjp``, ``jvp``,
``jacrev``, ``jacfwd`` and ``hessian``, built on the reverse-mode engine.

Each transform returns a new function. They nest (``hessian`` is ``jacfwd(jacrev(f))``, and
``grad(grad(f))`` is the second derivative): a transform applied to inputs that already require grad
(because an outer transform is differentiating through it) keeps its result differentiable.
``jvp`` and ``jacfwd`` compute their forward-mode products with two reverse passes (the double-vjp
identity), so their values equal PyTorch's but their cost is that of reverse mode. ``vmap`` is not
provided yet.
"""

from ._C import Tensor
from . import autograd as _ag

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]


def _tree_tensors(x, what):
    if isinstance(x, Tensor):
        return (x,), True
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return tuple(x), False
    raise TypeError(f"{what}: expected a Tensor or a tuple of Tensors, got {type(x).__name__}")


def _track(x):
    """x as an input the engine differentiates: a fresh leaf, or (nested) a differentiable copy."""
    if not isinstance(x, Tensor):
        raise TypeError(f"expected Tensor inputs, got {type(x).__name__}")
    return x.clone() if x.requires_grad else x.detach().requires_grad_(True)


def _argnums(argnums, n):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        if not -n <= a < n:
            raise RuntimeError(f"Got argnums={a}, but only {n} positional inputs")
    return single, tuple(a % n for a in nums)


def _call(func, args, nums, has_aux):
    """Runs func with the arguments at `nums` tracked; returns (output, aux, tracked, nested)."""
    args = list(args)
    nested = any(isinstance(args[i], Tensor) and args[i].requires_grad for i in nums)
    tracked = []
    for i in nums:
        args[i] = _track(args[i])
        tracked.append(args[i])
    out = func(*args)
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) "
                               "if has_aux is True")
        out, aux = out
    return out, aux, tracked, nested


def _zeros_for(gs, ins):
    from ._creation import zeros_like
    return tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))


def _detach(x, nested):
    if nested:
        return x
    if isinstance(x, Tensor):
        return x.detach()
    if isinstance(x, tuple):
        return tuple(_detach(t, nested) for t in x)
    return x


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func's scalar output with respect to the arguments at argnums,
    func's output) — or ((gradient, (output, aux))) with has_aux."""
    def wrapper(*args, **kwargs):
        single, nums = _argnums(argnums, len(args))
        out, aux, tracked, nested = _call(lambda *a: func(*a, **kwargs), args, nums, has_aux)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        gs = _ag.grad(out, tracked, create_graph=nested, allow_unused=True) if out.requires_grad else \
            (None,) * len(tracked)
        gs = _detach(_zeros_for(gs, tracked), nested)
        g = gs[0] if single else gs
        value = _detach(out, nested)
        return (g, (value, _detach(aux, nested))) if has_aux else (g, value)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func's scalar output with respect to the arguments at
    argnums (and func's aux output with has_aux)."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """Returns (func(*primals), vjp_fn[, aux]); vjp_fn(cotangents) gives the vector-Jacobian products
    with respect to every primal, as a tuple."""
    out, aux, tracked, nested = _call(func, primals, tuple(range(len(primals))), has_aux)
    outs, single_out = _tree_tensors(out, "vjp")

    def vjp_fn(cotangents):
        cts, _ = _tree_tensors(cotangents, "vjp_fn")
        if len(cts) != len(outs):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function: {len(outs)} outputs, {len(cts)} cotangents")
        for o, c in zip(outs, cts):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(c.shape)} and "
                                   f"output[0] has a shape of {tuple(o.shape)}.")
        live = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
        gs = _ag.grad([o for o, _ in live], tracked, grad_outputs=[c for _, c in live], retain_graph=True,
                      create_graph=nested, allow_unused=True) if live else (None,) * len(tracked)
        return _detach(_zeros_for(gs, tracked), nested)

    result = (_detach(out, nested), vjp_fn)
    return result + (_detach(aux, nested),) if has_aux else result


def jvp(func, primals, tangents, *, has_aux=False):
    """Returns (func(*primals), J·tangents[, aux]): the Jacobian-vector product of func at primals."""
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be tuples")
    if len(primals) != len(tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same length")
    for p, t in zip(primals, tangents):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same shape, "
                               f"got {tuple(p.shape)} and {tuple(t.shape)}")
    out, aux, tracked, nested = _call(func, primals, tuple(range(len(primals))), has_aux)
    outs, single_out = _tree_tensors(out, "jvp")
    from .autograd.functional import _jvp_of
    js = _jvp_of(outs, tuple(tracked), tangents, nested)
    js = _detach(js, nested)
    result = (_detach(out, nested), js[0] if single_out else js)
    return result + (_detach(aux, nested),) if has_aux else result


def jacrev(func, argnums=0, *, has_aux=False):
    """A function returning the Jacobian of func with respect to the arguments at argnums, one output
    element at a time (reverse mode): shape output.shape + input.shape."""
    def wrapper(*args, **kwargs):
        from . import _C
        single, nums = _argnums(argnums, len(args))
        out, aux, tracked, nested = _call(lambda *a: func(*a, **kwargs), args, nums, has_aux)
        outs, single_out = _tree_tensors(out, "jacrev")
        per_out = []
        for o in outs:
            flat = o.reshape(-1)
            rows = [[] for _ in tracked]
            for e in range(flat.numel()):
                gs = _ag.grad(flat[e], tracked, retain_graph=True, create_graph=nested, allow_unused=True) \
                    if o.requires_grad else (None,) * len(tracked)
                for k, g in enumerate(_zeros_for(gs, tracked)):
                    rows[k].append(g)
            blocks = []
            for k, t in enumerate(tracked):
                shape = tuple(o.shape) + tuple(t.shape)
                blocks.append(_C.stack(rows[k]).reshape(shape) if rows[k] else _C._zeros(list(shape), t.dtype))
            blocks = _detach(tuple(blocks), nested)
            per_out.append(blocks[0] if single else blocks)
        jac = per_out[0] if single_out else tuple(per_out)
        return (jac, _detach(aux, nested)) if has_aux else jac
    return wrapper


def jacfwd(func, argnums=0, has_aux=False):
    """The Jacobian of func with respect to the arguments at argnums (values as PyTorch's forward-mode
    jacfwd; computed in reverse mode here)."""
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func, argnums=0):
    """The Hessian of func's scalar output with respect to the arguments at argnums."""
    return jacfwd(jacrev(func, argnums), argnums)
