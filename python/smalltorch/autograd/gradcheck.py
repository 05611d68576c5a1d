"""Finite-difference checks of gradients (first and second order)."""

import warnings

import numpy as np

from .. import _C
from .._C import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients differ."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _diff_outputs(outputs):
    return [o for o in outputs if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical_jacobians(func, inputs, diff_inputs, n_out_elems, eps):
    """J[k][out][in_elem, out_elem] by central differences, perturbing inputs in place."""
    from ..grad_mode import no_grad
    jac = [[np.zeros((x.numel(), m)) for m in n_out_elems] for x in diff_inputs]
    with no_grad():
        for k, x in enumerate(diff_inputs):
            arr = x.detach().numpy()  # shares memory with x
            for i in range(x.numel()):
                idx = np.unravel_index(i, arr.shape) if arr.ndim else ()
                orig = arr[idx].item()
                arr[idx] = orig + eps
                plus = [o.detach().numpy().astype(np.float64).ravel().copy() for o in
                        _diff_outputs(_as_tuple(func(*inputs)))]
                arr[idx] = orig - eps
                minus = [o.detach().numpy().astype(np.float64).ravel().copy() for o in
                         _diff_outputs(_as_tuple(func(*inputs)))]
                arr[idx] = orig
                for j, (p, q) in enumerate(zip(plus, minus)):
                    jac[k][j][i, :] = (p - q) / (2 * eps)
    return jac


def _analytical_jacobians(outputs, diff_inputs):
    from . import grad
    from .._creation import zeros_like
    jac = [[np.zeros((x.numel(), o.numel())) for o in outputs] for x in diff_inputs]
    for j, o in enumerate(outputs):
        if not o.requires_grad:
            continue
        for e in range(o.numel()):
            go = zeros_like(o)
            go.detach().numpy().reshape(-1)[e] = 1.0  # zeros_like is contiguous: a view
            gs = grad(o, diff_inputs, grad_outputs=go, retain_graph=True, allow_unused=True)
            for k, g in enumerate(gs):
                if g is not None:
                    if tuple(g.shape) != tuple(diff_inputs[k].shape):
                        raise GradcheckError(f"Gradient has wrong shape: got {tuple(g.shape)}, expected "
                                             f"{tuple(diff_inputs[k].shape)}")
                    jac[k][j][:, e] = g.detach().numpy().astype(np.float64).ravel()
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Checks the gradients that backward computes for ``func`` against central finite differences."""
    inputs = _as_tuple(inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for x in diff_inputs:
        if x.dtype != _C.float64:
            warnings.warn(f"Input #{inputs.index(x)} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision floating point. ")
    outputs = _diff_outputs(_as_tuple(func(*inputs)))
    if not outputs:
        raise ValueError("gradcheck: the function returned no floating point tensor")
    analytical = _analytical_jacobians(outputs, diff_inputs)
    numerical = _numerical_jacobians(func, inputs, diff_inputs, [o.numel() for o in outputs], eps)
    for k in range(len(diff_inputs)):
        for j in range(len(outputs)):
            a, n = analytical[k][j], numerical[k][j]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {j} with respect to input {k},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Checks second derivatives: gradcheck of the function (inputs, v) -> vector-Jacobian product."""
    from . import grad
    from .._creation import randn
    inputs = _as_tuple(inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    outputs = _diff_outputs(_as_tuple(func(*inputs)))
    if grad_outputs is None:
        grad_outputs = tuple(randn(tuple(o.shape), dtype=o.dtype, requires_grad=True) for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def vjp(*args):
        from ..grad_mode import enable_grad
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():  # the numerical pass runs under no_grad; this function needs a graph
            outs = _diff_outputs(_as_tuple(func(*ins)))
            dins = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
            pairs = [(o, g) for o, g in zip(outs, gos) if o.requires_grad]
            gs = grad([o for o, _ in pairs], dins, grad_outputs=[g for _, g in pairs], create_graph=True,
                      allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
