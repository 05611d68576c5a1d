"""smalltorch: tensors and reverse-mode autodiff with PyTorch's API.

The math lives in the C++ core (``smalltorch._C``); this package adds the
Python-facing pieces PyTorch users expect: printing, ``tensor()``, the many
call forms of the factories, grad-mode context managers and ``autograd``.
"""

import builtins as _builtins
from sys import modules as _sys_modules

import numpy as _np

from . import _C
from ._C import Tensor, dtype, from_numpy
from ._C import bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64  # noqa: A004 (PyTorch's names)
from ._C import get_default_dtype, get_num_threads, set_num_threads, promote_types, can_cast
from ._C import is_grad_enabled, initial_seed
from ._C import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled
from ._C import add, sub, mul, div, pow, sum, mean  # noqa: A004
from ._tensor_str import set_printoptions, get_printoptions, printoptions
from ._type_info import iinfo, finfo
from . import _tensor_str
from ._size import Size
from ._device import device
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode
from ._creation import (tensor, as_tensor, zeros, ones, full, empty, arange, linspace, eye, zeros_like,
                        ones_like, full_like, empty_like, rand, randn, randint, rand_like, randn_like,
                        randint_like, scalar_tensor)
from . import _tensor  # noqa: F401  (adds the Python-level Tensor methods)
from . import autograd
from . import linalg
globals().update(linalg._TOP_LEVEL)  # det, logdet, slogdet, inverse, cholesky, qr, svd
from . import func  # noqa: E402  (smalltorch.func, the functional transforms)
from . import profiler  # noqa: E402  (smalltorch.profiler)
from . import cuda, backends
from ._legacy import set_default_tensor_type, set_default_device, get_default_device
from ._legacy import _LEGACY
from ._functions import (isclose, allclose, equal, broadcast_shapes, broadcast_to, broadcast_tensors, atleast_1d,
                         atleast_2d, atleast_3d, hstack, vstack, row_stack, dstack, column_stack, flipud, fliplr,
                         trace, count_nonzero, std_mean, var_mean)
globals().update(_LEGACY)
from ._memory import (empty_cache, memory_stats, memory_allocated, memory_reserved, max_memory_allocated,
                      max_memory_reserved, reset_peak_memory_stats, set_allocator_cache_limit,
                      get_allocator_cache_limit, set_allocator_idle_seconds, get_allocator_idle_seconds)

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
short = int16
half = float16
cfloat = None

_C._set_size_type(Size)

__version__ = "0.1.0"


def set_default_dtype(d):
    """Sets the dtype Python floats and floating factories default to (a floating dtype: float32, float64,
    float16 or bfloat16)."""
    _C.set_default_dtype(d)


from ._C import Generator, default_generator  # noqa: E402

Generator.device = property(lambda self: device("cpu"), doc="The device the generator's numbers are for (cpu).")
Generator.__module__ = "smalltorch"


def manual_seed(seed):
    """Seeds the default generator; the same seed gives the same numbers. Returns the default generator."""
    return default_generator.manual_seed(_builtins.int(seed))


def seed():
    """Seeds the default generator with a fresh nondeterministic seed and returns it."""
    return default_generator.seed()


from .random import get_rng_state, set_rng_state  # noqa: E402
from . import random  # noqa: E402,F811  (smalltorch.random, as torch.random)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def _need_tensor(fn, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(t).__name__}")


def is_floating_point(t):
    _need_tensor("is_floating_point", t)
    return t.is_floating_point()


def numel(t):
    _need_tensor("numel", t)
    return t.numel()


def result_type(tensor1, tensor2):
    return _C._result_type(tensor1, tensor2)


# Every public function the C++ module defines is a smalltorch.<name> function
# unless the Python layer above already defines that name.
for _name in dir(_C):
    if not _name.startswith(("_", "special_")) and _name not in globals():  # special_*: smalltorch.special
        globals()[_name] = getattr(_C, _name)
del _name


def _sequence_arg_fn(name, arg):
    """smalltorch.<name>(input, <arg>) where <arg> is a tuple (or list) of ints, as in PyTorch (the method
    also takes them unpacked: x.reshape(2, 3))."""
    def fn(input, *args, **kwargs):
        if len(args) + len(kwargs) != 1 or (kwargs and arg not in kwargs):
            raise TypeError(f"{name}() takes 2 arguments (input, {arg}) but got {len(args) + 1} positional and "
                            f"keywords {sorted(kwargs)}")
        value = args[0] if args else kwargs[arg]
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{name}(): argument '{arg}' (position 2) must be tuple of ints, not "
                            f"{type(value).__name__}")
        return getattr(input, name)(value)
    fn.__name__ = fn.__qualname__ = name
    return fn


reshape = _sequence_arg_fn("reshape", "shape")
permute = _sequence_arg_fn("permute", "dims")


from ._conv_pool import (conv1d, conv2d, conv_transpose1d, conv_transpose2d, convolution, max_pool1d,  # noqa: E402
                         max_pool2d, max_pool1d_with_indices, avg_pool1d, adaptive_avg_pool1d)
from ._conv_pool import _adaptive_max_pool1d_pair as adaptive_max_pool1d  # noqa: E402

from ._rnn_cells import rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell  # noqa: E402

from . import _compose  # noqa: E402  (issue 10's compositions: diff, cov, quantile, ...)
_compose._install(globals())

__all__ = [n for n in dir() if not n.startswith("_")]


# nn, optim, utils and serialization (save, load) are imported on first use, so that `import smalltorch`
# stays fast.
_LAZY_SUBMODULES = ("nn", "optim", "utils", "serialization", "distributions")
_LAZY_FUNCTIONS = {"save": "serialization", "load": "serialization"}


def __getattr__(name):
    if name in _LAZY_SUBMODULES or name in _LAZY_FUNCTIONS:
        import importlib
        module = importlib.import_module("." + _LAZY_FUNCTIONS.get(name, name), __name__)
        value = getattr(module, name) if name in _LAZY_FUNCTIONS else module
        globals()[name] = value
        return value
    raise AttributeError(f"module 'smalltorch' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | set(_LAZY_FUNCTIONS))


from ._random import normal  # noqa: E402
from ._sampling import randperm, bernoulli, multinomial, poisson  # noqa: E402
from ._sampling import _standard_gamma, _standard_gamma_grad, _dirichlet_grad, _sample_dirichlet  # noqa: E402

from . import _docs  # noqa: E402  (one paragraph per public name; the registry's ops add their rules and formulas)
_docs.apply(_sys_modules[__name__])

from . import special  # noqa: E402  (smalltorch.special)
