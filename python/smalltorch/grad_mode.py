"""Context managers and decorators that switch gradient recording (thread-local)."""

import functools

from . import _C


class _GradModeBase:
    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return fn(*args, **kwargs)
        return wrapper

    _args = ()


class no_grad(_GradModeBase):
    """Disables gradient recording inside a ``with`` block or a decorated function."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"no_grad() expected a callable, got {type(orig_func).__name__}")
        return cls()(orig_func)  # bare @no_grad

    def __init__(self, orig_func=None):
        self.prev = False

    def __enter__(self):
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)
        return False


class enable_grad(_GradModeBase):
    """Enables gradient recording inside a ``with`` block or a decorated function."""

    def __enter__(self):
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(True)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)
        return False


class set_grad_enabled(_GradModeBase):
    """Sets gradient recording on or off; works as a function, a context manager and a decorator."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        self.prev = _C.is_grad_enabled()
        self.mode = mode
        self._args = (mode,)
        _C._set_grad_enabled(mode)

    def __call__(self, fn):
        # used as a decorator: the mode applies inside fn only, not from now on
        _C._set_grad_enabled(self.prev)
        return super().__call__(fn)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)
        return False


class inference_mode(_GradModeBase):
    """Like no_grad (smalltorch has no separate inference tensors)."""

    def __init__(self, mode=True):
        self.mode = mode
        self._args = (mode,)

    def __enter__(self):
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(not self.mode)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)
        return False
