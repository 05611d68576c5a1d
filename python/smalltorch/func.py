"""Functional transforms (PyTorch's ``torch.func``): ``grad``, ``grad_and_value``, ``vjp``, ``jvp``,
``jacrev``, ``jacfwd`` and ``hessian``, built on the reverse-mode engine.

Each transform returns a new function. They nest (``hessian`` is ``jacfwd(jacrev(f))``, and
``grad(grad(f))`` is the second derivative): a transform applied to inputs that already require grad
(because an outer transform is differentiating through it) keeps its result differentiable.
``jvp`` and ``jacfwd`` run in forward mode (``autograd.forward_ad``): one forward pass carries the
tangents, as in PyTorch (``jacfwd`` makes one pass per input element, where PyTorch batches them with
vmap). Where forward mode cannot serve — a transform nested in another, or an op without a forward
formula — they compute the same products with two reverse passes (the double-vjp identity). ``vmap``
is not provided yet.
"""

from ._C import Tensor
from . import autograd as _ag

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]

# How many forward-mode evaluations (jvp, jacfwd) run now: a transform called inside one gives way
# (_NeedsReverse), and the outer transform starts again in reverse mode, where transforms nest.
_FORWARD_DEPTH = [0]


class _NeedsReverse(BaseException):
    """Raised inside a forward-mode evaluation that reverse mode must redo (a BaseException, so that a
    user's `except Exception` inside func does not swallow it)."""


def _enter_transform():
    if _FORWARD_DEPTH[0]:
        raise _NeedsReverse()


def _forward_mode_possible(primals):
    from . import _C
    return (not _C._dual_level_open() and not any(isinstance(p, Tensor) and p.requires_grad for p in primals))


def _run_forward(body, fallback):
    """body() in forward mode, or fallback() when forward mode cannot serve."""
    from .autograd import forward_ad
    try:
        _FORWARD_DEPTH[0] += 1
        try:
            with forward_ad.dual_level():
                return body()
        finally:
            _FORWARD_DEPTH[0] -= 1
    except (_NeedsReverse, NotImplementedError):
        return fallback()


def _primal_tree(x):
    """x with every tensor replaced by its primal (no tangent)."""
    from .autograd import forward_ad
    if isinstance(x, Tensor):
        return forward_ad.unpack_dual(x).primal
    if isinstance(x, tuple):
        return tuple(_primal_tree(t) for t in x)
    if isinstance(x, list):
        return [_primal_tree(t) for t in x]
    if isinstance(x, dict):
        return {k: _primal_tree(v) for k, v in x.items()}
    return x


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
        _enter_transform()
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
    _enter_transform()
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
    """Returns (func(*primals), J·tangents[, aux]): the Jacobian-vector product of func at primals, in
    one forward-mode pass."""
    _enter_transform()
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if not isinstance(tangents, tuple) or len(primals) != len(tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be.")
    for p, t in zip(primals, tangents):
        if not isinstance(p, Tensor) or not isinstance(t, Tensor):
            bad = p if not isinstance(p, Tensor) else t
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to be tensors, got "
                               f"unsupported type {type(bad)}")
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the "
                               f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} while "
                               f"the given forward gradient is of size {list(t.shape)}.")
    if _forward_mode_possible(primals):
        return _run_forward(lambda: _jvp_forward(func, primals, tangents, has_aux),
                            lambda: _jvp_reverse(func, primals, tangents, has_aux))
    return _jvp_reverse(func, primals, tangents, has_aux)


def _split_aux(out, has_aux, what):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{what}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return out


def _output_tensors(out, what):
    if isinstance(out, Tensor):
        return (out,), True
    if isinstance(out, (tuple, list)):
        for o in out:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{what}: expected f(*primals) to return only tensors, got unsupported type "
                                   f"{type(o)}")
        return tuple(out), False
    raise RuntimeError(f"{what}: expected f(*primals) to return only tensors, got unsupported type {type(out)}")


def _tangent_or_zeros(o):
    from .autograd import forward_ad
    from ._creation import zeros_like
    primal, t = forward_ad.unpack_dual(o)
    return primal, zeros_like(primal) if t is None else t


def _jvp_forward(func, primals, tangents, has_aux):
    from .autograd import forward_ad
    duals = tuple(forward_ad.make_dual(p, t) for p, t in zip(primals, tangents))
    out, aux = _split_aux(func(*duals), has_aux, "jvp(f, primals, tangents)")
    outs, single_out = _output_tensors(out, "jvp(f, primals, tangents)")
    pairs = [_tangent_or_zeros(o) for o in outs]
    values = tuple(p for p, _ in pairs)
    js = tuple(t for _, t in pairs)
    if single_out:
        result = (values[0], js[0])
    else:
        kind = list if isinstance(out, list) else tuple
        result = (kind(values), kind(js))
    return result + (_primal_tree(aux),) if has_aux else result


def _jvp_reverse(func, primals, tangents, has_aux):
    """jvp with two reverse passes (the double-vjp identity): where transforms nest."""
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
        _enter_transform()
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


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """A function returning the Jacobian of func with respect to the arguments at argnums, one input
    element at a time (forward mode: one pass per element, its basis direction as the tangent):
    shape output.shape + input.shape."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")
    reverse = jacrev(func, argnums, has_aux=has_aux)

    def wrapper(*args):  # as PyTorch 2.13's, it takes no keyword arguments
        _enter_transform()
        single, nums = _argnums(argnums, len(args))
        if not _forward_mode_possible([args[i] for i in nums]):
            return reverse(*args)
        return _run_forward(lambda: _jacfwd_forward(func, args, single, nums, has_aux), lambda: reverse(*args))
    return wrapper


def _jacfwd_forward(func, args, single, nums, has_aux):
    from .autograd import forward_ad
    from ._creation import zeros_like
    from . import _C
    for i in nums:
        if not isinstance(args[i], Tensor):
            raise RuntimeError(f"jacfwd: expected the arguments at argnums to be Tensors, got {type(args[i])}")
    columns = {i: [] for i in nums}  # per input: per basis direction, the outputs' tangents
    first = None

    def evaluate(duals):
        a = list(args)
        for i, d in duals.items():
            a[i] = d
        out, aux = _split_aux(func(*a), has_aux, "jacfwd(f, ...)(*args)")
        outs, single_out = _output_tensors(out, "jacfwd(f, ...)(*args)")
        return out, outs, single_out, aux

    for i in nums:
        x = args[i]
        for e in range(x.numel()):
            direction = zeros_like(x).reshape(-1)
            direction[e] = 1
            evaluation = evaluate({i: forward_ad.make_dual(x, direction.reshape(x.shape))})
            if first is None:
                first = evaluation
            columns[i].append([_tangent_or_zeros(o)[1] for o in evaluation[1]])
    if first is None:  # every input is empty: one pass for the outputs' shapes
        first = evaluate({})
    out, outs, single_out, aux = first
    rows = []
    for k, o in enumerate(outs):
        p = forward_ad.unpack_dual(o).primal
        blocks = []
        for i in nums:
            x = args[i]
            shape = tuple(p.shape) + tuple(x.shape)
            if columns[i]:
                blocks.append(_C.stack([c[k] for c in columns[i]], -1).reshape(shape))
            else:
                blocks.append(_C._zeros(list(shape), p.dtype))
        rows.append(blocks[0] if single else tuple(blocks))
    if single_out:
        jac = rows[0]
    else:
        jac = list(rows) if isinstance(out, list) else tuple(rows)
    return (jac, _primal_tree(aux)) if has_aux else jac


def hessian(func, argnums=0):
    """The Hessian of func's scalar output with respect to the arguments at argnums."""
    return jacfwd(jacrev(func, argnums), argnums)
