from .. import _C
from ..grad_mode import no_grad
from .optimizer import Optimizer, _check_nonnegative, _multi_tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
                momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
                params = [p for p in group["params"] if p.grad is not None]
                states = self._states(params, "square_avg", *["momentum_buffer"] * (momentum > 0),
                                      *["grad_avg"] * bool(centered))
                sq = [s["square_avg"] for s in states]
                ga = [s["grad_avg"] for s in states] if centered else None
                bufs = [s["momentum_buffer"] for s in states] if momentum > 0 else None
                if params and _multi_tensor(group, params, sq, *[x for x in (ga, bufs) if x]):
                    for s in states:
                        s["step"].add_(1)
                    _C._foreach_rmsprop(params, [p.grad for p in params], sq, ga, bufs, lr=lr, alpha=alpha, eps=eps,
                                        weight_decay=wd, momentum=momentum, centered=centered, maximize=maximize)
                    continue
                for p in params:
                    state = self.state[p]
                    grad = -p.grad if maximize else p.grad
                    square_avg = state["square_avg"]
                    state["step"].add_(1)
                    if wd != 0:
                        grad = grad.add(p, alpha=wd)
                    square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                    if centered:
                        grad_avg = state["grad_avg"]
                        grad_avg.lerp_(grad, 1 - alpha)
                        avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                    else:
                        avg = square_avg.sqrt()
                    avg = avg.add_(eps)
                    if momentum > 0:
                        buf = state["momentum_buffer"]
                        buf.mul_(momentum).addcdiv_(grad, avg)
                        p.add_(buf, alpha=-lr)
                    else:
                        p.addcdiv_(grad, avg, value=-lr)
        return loss
