"""smalltorch.random: the default generator's seed and state, as ``torch.random``."""

import contextlib

from . import _C

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng"]


def manual_seed(seed):
    """Seeds the default generator; the same seed gives the same numbers. Returns the default generator."""
    return _C.default_generator.manual_seed(int(seed))


def seed():
    """Seeds the default generator with a fresh nondeterministic seed and returns it."""
    return _C.default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return _C.default_generator.initial_seed()


def get_rng_state():
    """The default generator's whole state as a uint8 tensor (pass it to set_rng_state to replay the stream)."""
    return _C.default_generator.get_state()


def set_rng_state(new_state):
    """Restores a state get_rng_state returned: the numbers drawn next are the ones drawn after it was taken."""
    _C.default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Inside the block, random draws do not advance the default generator's stream outside it: its state is
    saved on entry and restored on exit (there is no accelerator generator to fork as well)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
