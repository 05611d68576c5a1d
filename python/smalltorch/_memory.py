"""Memory of the caching CPU allocator: statistics and control.

smalltorch keeps freed tensor memory in a cache and hands it out again (a loop
that makes a fresh large result each step then pays the page faults once).
The cache is bounded (``get_allocator_cache_limit()``; default
``min(1 GiB, RAM / 16)``, or the ``SMALLTORCH_ALLOCATOR_CACHE_BYTES``
environment variable), and cached blocks of 2 MiB or more that stay unused for
``get_allocator_idle_seconds()`` (default 5 s, or
``SMALLTORCH_ALLOCATOR_IDLE_SECONDS``) go back to the system at the next
allocation or free. ``empty_cache()`` gives every cached block back now.

The names follow ``torch.cuda``'s memory functions (``memory_stats``,
``memory_allocated``, ``memory_reserved``, ``max_memory_allocated``,
``max_memory_reserved``, ``reset_peak_memory_stats``, ``empty_cache``), applied
to CPU memory; PyTorch has no such functions for the CPU. Sizes are those of
the blocks handed out (rounded up to the allocator's size classes); tensors
made by ``from_numpy`` use numpy's memory and are not counted.
"""

from . import _C

__all__ = ["empty_cache", "memory_stats", "memory_allocated", "memory_reserved", "max_memory_allocated",
           "max_memory_reserved", "reset_peak_memory_stats", "set_allocator_cache_limit",
           "get_allocator_cache_limit", "set_allocator_idle_seconds", "get_allocator_idle_seconds"]


def empty_cache():
    """Returns every cached free block to the system (memory in use by tensors stays)."""
    _C._empty_cache()


def memory_stats():
    """A dict of the allocator's statistics, with torch.cuda.memory_stats()'s key names:

    - ``allocated_bytes.all.current`` / ``.peak``: bytes in blocks held by live tensors
    - ``reserved_bytes.all.current`` / ``.peak``: bytes taken from the system (allocated + cached)
    - ``requested_bytes.all.current`` / ``.peak``: bytes live tensors asked for (before rounding)
    - ``active.all.current`` / ``.peak``: number of blocks in use
    - ``allocation.all.allocated`` / ``.freed``: number of allocations and frees so far
    - ``num_alloc_retries``: allocations the system refused at first (retried after emptying the cache)
    - ``num_ooms``: allocations that failed with out of memory
    - ``cached_bytes.all.current``: bytes in free blocks kept for reuse
    - ``cache_limit_bytes``: the most the cache keeps
    - ``cache_hits``: allocations served from the cache
    - ``idle_releases``: cached blocks given back for staying unused too long
    """
    s = _C._allocator_stats()
    return {
        "active.all.current": s["active_blocks"],
        "active.all.peak": s["active_blocks_peak"],
        "allocated_bytes.all.current": s["allocated"],
        "allocated_bytes.all.peak": s["allocated_peak"],
        "allocation.all.allocated": s["allocations"],
        "allocation.all.current": s["active_blocks"],
        "allocation.all.freed": s["frees"],
        "allocation.all.peak": s["active_blocks_peak"],
        "cache_hits": s["cache_hits"],
        "cache_limit_bytes": s["cache_limit"],
        "cached_bytes.all.current": s["cached"],
        "idle_releases": s["idle_releases"],
        "num_alloc_retries": s["num_alloc_retries"],
        "num_ooms": s["num_ooms"],
        "requested_bytes.all.current": s["requested"],
        "requested_bytes.all.peak": s["requested_peak"],
        "reserved_bytes.all.current": s["reserved"],
        "reserved_bytes.all.peak": s["reserved_peak"],
    }


def memory_allocated():
    """Bytes of allocator memory held by live tensors now."""
    return _C._allocator_stats()["allocated"]


def max_memory_allocated():
    """The peak of memory_allocated() since start or the last reset_peak_memory_stats()."""
    return _C._allocator_stats()["allocated_peak"]


def memory_reserved():
    """Bytes the allocator holds from the system now: memory_allocated() plus the cache."""
    return _C._allocator_stats()["reserved"]


def max_memory_reserved():
    """The peak of memory_reserved() since start or the last reset_peak_memory_stats()."""
    return _C._allocator_stats()["reserved_peak"]


def reset_peak_memory_stats():
    """Sets every peak statistic to its current value."""
    _C._reset_peak_allocator_stats()


def _check_number(value, name, kinds):
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise TypeError(f"{name}() expects a number, got {type(value).__name__}")


def set_allocator_cache_limit(nbytes):
    """Keeps at most ``nbytes`` of freed memory cached (0 disables the cache); lowering it trims now."""
    _check_number(nbytes, "set_allocator_cache_limit", int)
    if nbytes < 0:
        raise ValueError(f"set_allocator_cache_limit() expects a non-negative byte count, got {nbytes}")
    _C._set_allocator_cache_limit(min(nbytes, 2**64 - 1))


def get_allocator_cache_limit():
    """The most bytes of freed memory the allocator keeps cached."""
    return _C._allocator_cache_limit()


def set_allocator_idle_seconds(seconds):
    """Cached blocks of 2 MiB or more unused for this long go back to the system at the next
    allocation or free; a negative value keeps them until empty_cache() or the cache limit."""
    _check_number(seconds, "set_allocator_idle_seconds", (int, float))
    _C._set_allocator_idle_seconds(float(seconds))


def get_allocator_idle_seconds():
    """How long a large cached block may stay unused before it goes back to the system."""
    return _C._allocator_idle_seconds()
