"""smalltorch.optim: optimizers and learning-rate schedulers (PyTorch's torch.optim and its single-tensor
arithmetic; a group's update runs as one C++ multi-tensor call, optimizer._multi_tensor)."""

from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adadelta import Adadelta
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "lr_scheduler"]
