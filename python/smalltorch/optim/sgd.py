from .. import _C
from ..grad_mode import no_grad
from .optimizer import Optimizer, _multi_tensor, required

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov, weight decay (PyTorch's arithmetic)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
                wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
                params = [p for p in group["params"] if p.grad is not None]
                bufs = [self.state[p].get("momentum_buffer") for p in params] if momentum != 0 else None
                if params and _multi_tensor(group, params, *([bufs] if bufs else [])):
                    bufs = _C._foreach_sgd(params, [p.grad for p in params], bufs, lr=lr, momentum=momentum,
                                           dampening=dampening, weight_decay=wd, nesterov=nesterov,
                                           maximize=maximize)
                    if momentum != 0:
                        for p, buf in zip(params, bufs):
                            self.state[p]["momentum_buffer"] = buf
                    continue
                for p in params:
                    grad = -p.grad if maximize else p.grad
                    if wd != 0:
                        grad = grad.add(p, alpha=wd)
                    if momentum != 0:
                        state = self.state[p]
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = grad.clone().detach()
                            state["momentum_buffer"] = buf
                        else:
                            buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                        grad = grad.add(buf, alpha=momentum) if nesterov else buf
                    p.add_(grad, alpha=-lr)
        return loss
