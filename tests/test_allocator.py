"""The caching allocator: freed blocks are reused, the cache is bounded, and a
full cache makes room for the sizes in use now (instead of refusing them)."""

import smalltorch as torch

LIMIT = 1 << 30  # bytes kept at most


def test_freed_blocks_are_reused():
    torch._C._empty_cache()
    a = torch.empty(1_000_000)
    p = a.data_ptr()
    del a
    b = torch.empty(1_000_000)
    assert b.data_ptr() == p


def test_full_cache_makes_room_for_a_new_size():
    torch._C._empty_cache()
    blocks = [torch.empty(16 * 2**20) for _ in range(20)]  # 20 x 64 MB: the cache keeps 16, exactly full
    del blocks
    assert torch._C._cached_bytes() == LIMIT
    x = torch.empty(4 * 2**20)  # a new size (16 MB)
    p = x.data_ptr()
    del x
    # one 64 MB block went back to the system to keep the 16 MB one
    assert torch._C._cached_bytes() == LIMIT - 64 * 2**20 + 16 * 2**20
    y = torch.empty(4 * 2**20)  # comes back from the cache: no new pages to fault in
    assert y.data_ptr() == p
    torch._C._empty_cache()
    assert torch._C._cached_bytes() == 0
