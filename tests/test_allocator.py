"""The caching allocator: freed blocks are reused, the cache is bounded (a
configurable limit), large blocks unused for a while go back to the system,
statistics with torch.cuda.memory_stats()'s names, and PyTorch's
out-of-memory error."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

import smalltorch as torch
from conftest import subprocess_env

LIMIT = 1 << 30  # bytes kept at most (set by the fixture below)
MiB = 1 << 20


@pytest.fixture(autouse=True)
def allocator_settings():
    """Each test runs with a 1 GiB cache and no idle release, and leaves the settings as they were."""
    limit, idle = torch.get_allocator_cache_limit(), torch.get_allocator_idle_seconds()
    torch.set_allocator_cache_limit(LIMIT)
    torch.set_allocator_idle_seconds(-1)
    torch.empty_cache()
    yield
    torch.set_allocator_cache_limit(limit)
    torch.set_allocator_idle_seconds(idle)
    torch.empty_cache()


def test_freed_blocks_are_reused():
    a = torch.empty(1_000_000)
    p = a.data_ptr()
    del a
    b = torch.empty(1_000_000)
    assert b.data_ptr() == p


def test_full_cache_makes_room_for_a_new_size():
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
    torch.empty_cache()
    assert torch._C._cached_bytes() == 0


def test_memory_stats_follow_allocations_and_empty_cache():
    torch.reset_peak_memory_stats()
    s0 = torch.memory_stats()
    assert s0["reserved_bytes.all.current"] == s0["allocated_bytes.all.current"]  # the cache is empty
    a = torch.empty(16 * MiB // 4)  # 16 MiB of float32
    s1 = torch.memory_stats()
    assert s1["allocated_bytes.all.current"] == s0["allocated_bytes.all.current"] + 16 * MiB
    assert s1["requested_bytes.all.current"] == s0["requested_bytes.all.current"] + 16 * MiB
    assert s1["allocation.all.allocated"] == s0["allocation.all.allocated"] + 1
    assert s1["active.all.current"] == s0["active.all.current"] + 1
    assert torch.memory_allocated() == s1["allocated_bytes.all.current"]
    assert torch.max_memory_allocated() >= torch.memory_allocated()
    del a
    s2 = torch.memory_stats()
    assert s2["allocated_bytes.all.current"] == s0["allocated_bytes.all.current"]
    assert s2["allocation.all.freed"] == s0["allocation.all.freed"] + 1
    assert s2["cached_bytes.all.current"] == 16 * MiB  # kept for reuse: still reserved
    assert torch.memory_reserved() == s0["reserved_bytes.all.current"] + 16 * MiB
    assert torch.max_memory_allocated() == s0["allocated_bytes.all.current"] + 16 * MiB
    assert torch.max_memory_reserved() >= torch.memory_reserved()
    torch.empty_cache()  # gives the cached block back to the system
    assert torch.memory_reserved() == torch.memory_allocated() == s0["allocated_bytes.all.current"]
    torch.reset_peak_memory_stats()
    assert torch.max_memory_allocated() == torch.memory_allocated()
    assert torch.max_memory_reserved() == torch.memory_reserved()


def test_cache_limit_is_settable():
    torch.set_allocator_cache_limit(8 * MiB)
    assert torch.get_allocator_cache_limit() == torch.memory_stats()["cache_limit_bytes"] == 8 * MiB
    torch.empty(16 * MiB // 4)  # larger than the limit: not kept
    assert torch.memory_stats()["cached_bytes.all.current"] == 0
    torch.empty(4 * MiB // 4)
    assert torch.memory_stats()["cached_bytes.all.current"] == 4 * MiB
    torch.set_allocator_cache_limit(0)  # lowering the limit trims the cache now
    assert torch.memory_stats()["cached_bytes.all.current"] == 0
    with pytest.raises(ValueError):
        torch.set_allocator_cache_limit(-1)
    with pytest.raises(TypeError):
        torch.set_allocator_cache_limit(1.5)


def test_idle_large_blocks_go_back_to_the_system():
    torch.set_allocator_idle_seconds(0.05)
    assert torch.get_allocator_idle_seconds() == 0.05
    released = torch.memory_stats()["idle_releases"]
    torch.empty(64 * MiB // 4)
    assert torch.memory_stats()["cached_bytes.all.current"] == 64 * MiB
    time.sleep(0.15)
    keep = torch.empty(3 * MiB // 4)  # the next large allocation returns the idle 64 MiB block  # noqa: F841
    s = torch.memory_stats()
    assert s["idle_releases"] == released + 1
    assert s["cached_bytes.all.current"] == 0
    assert s["reserved_bytes.all.current"] == s["allocated_bytes.all.current"]


def test_a_loop_reusing_a_large_block_keeps_it():
    torch.set_allocator_idle_seconds(0.5)
    released = torch.memory_stats()["idle_releases"]
    x = torch.ones(4 * MiB)
    p = (x + 1).data_ptr()
    for _ in range(5):  # each step frees the result and makes the next one from the cache
        assert (x + 1).data_ptr() == p
    assert torch.memory_stats()["idle_releases"] == released


def _run(code, timeout=120, **env):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=subprocess_env(**env),
                          capture_output=True, text=True, timeout=timeout)


def test_cache_limit_and_idle_time_from_the_environment():
    r = _run("""
        import smalltorch as torch
        print(torch.get_allocator_cache_limit(), torch.get_allocator_idle_seconds())
    """, SMALLTORCH_ALLOCATOR_CACHE_BYTES="12345678", SMALLTORCH_ALLOCATOR_IDLE_SECONDS="2.5")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["12345678", "2.5"]
    # a malformed value is reported and ignored (the default applies)
    r = _run("""
        import smalltorch as torch
        print(torch.get_allocator_cache_limit())
    """, SMALLTORCH_ALLOCATOR_CACHE_BYTES="lots")
    assert r.returncode == 0, r.stderr
    assert "SMALLTORCH_ALLOCATOR_CACHE_BYTES" in r.stderr
    assert 0 < int(r.stdout) <= 1 << 30


def test_default_cache_limit_is_a_fraction_of_ram():
    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGESIZE")
    r = _run("import smalltorch as torch; print(torch.get_allocator_cache_limit())",
             SMALLTORCH_ALLOCATOR_CACHE_BYTES="")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == min(1 << 30, ram // 16)


# 2**45 float32 = 128 TiB: more than a 47-bit address space, refused even where the kernel overcommits
HUGE = 2**45


def test_out_of_memory_raises_pytorchs_error(torch_ref):
    with pytest.raises(Exception) as ref:
        torch_ref.empty(HUGE)
    ooms = torch.memory_stats()["num_ooms"]
    with pytest.raises(Exception) as ours:
        torch.empty(HUGE)
    assert type(ours.value) is type(ref.value) is RuntimeError
    msg = str(ours.value)
    assert msg == (f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {HUGE * 4} bytes. "
                   "Error code 12 (Cannot allocate memory)")
    assert str(ref.value).endswith(msg)  # PyTorch prefixes where in its source the check failed
    assert torch.memory_stats()["num_ooms"] == ooms + 1
    assert torch.ones(3).sum().item() == 3  # and work goes on


def test_out_of_memory_under_an_address_space_limit():
    # A realistic size refused by the system (not by its size alone): the cache is emptied and the
    # allocation retried before the error, and nothing of the request is committed or counted.
    r = _run("""
        import resource
        import smalltorch as torch
        torch.set_allocator_idle_seconds(-1)
        torch.empty(64 * 2**20)  # 256 MiB cached
        vm = int([l for l in open("/proc/self/status") if l.startswith("VmSize")][0].split()[1]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (vm + 512 * 2**20, resource.RLIM_INFINITY))
        before = torch.memory_stats()
        try:
            torch.empty(2**28)  # 1 GiB
        except RuntimeError as e:
            print(str(e))
        after = torch.memory_stats()
        print(after["num_alloc_retries"] - before["num_alloc_retries"], after["num_ooms"] - before["num_ooms"],
              after["cached_bytes.all.current"], after["allocated_bytes.all.current"] - before["allocated_bytes.all.current"])
        print(torch.full((2**20,), 2.0).sum().item())
    """)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == ("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1073741824 bytes. "
                        "Error code 12 (Cannot allocate memory)")
    assert lines[1].split() == ["1", "1", "0", "0"]
    assert float(lines[2]) == 2.0 * 2**20
