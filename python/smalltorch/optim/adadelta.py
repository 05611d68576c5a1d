from .. import _C
from ..grad_mode import no_grad
from .optimizer import Optimizer, _check_nonnegative, _multi_tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012) with PyTorch's arithmetic, state layout and argument checks."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, rho, eps, wd, maximize = group["lr"], group["rho"], group["eps"], group["weight_decay"], \
                    group["maximize"]
                params = [p for p in group["params"] if p.grad is not None]
                states = self._states(params, "square_avg", "acc_delta")
                for state in states:
                    state["step"].add_(1)
                sq, acc = [s["square_avg"] for s in states], [s["acc_delta"] for s in states]
                if params and _multi_tensor(group, params, sq, acc):
                    _C._foreach_adadelta(params, [p.grad for p in params], sq, acc, lr=lr, rho=rho, eps=eps,
                                         weight_decay=wd, maximize=maximize)
                    continue
                for p, square_avg, acc_delta in zip(params, sq, acc):
                    grad = -p.grad if maximize else p.grad
                    if wd != 0:
                        grad = grad.add(p, alpha=wd)
                    square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
                    std = square_avg.add(eps).sqrt_()
                    delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
                    acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                    p.add_(delta, alpha=-lr)
        return loss
