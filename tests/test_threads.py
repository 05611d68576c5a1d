"""Long kernels release the GIL, so other Python threads run meanwhile."""

import threading
import time

import smalltorch as torch


def _progress_during(fn):
    """Iterations a pure-Python loop in another thread makes while fn() runs in this one."""
    started, done = threading.Event(), threading.Event()
    count = [0]

    def spin():
        started.set()
        while not done.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    started.wait()
    before = count[0]
    fn()
    after = count[0]
    done.set()
    t.join()
    return after - before


def test_big_matmul_releases_the_gil():
    a = torch.randn(1024, 1024)
    a @ a  # warm up
    # One call of ~10-100 ms: holding the GIL would leave the other thread stuck for all of it.
    assert _progress_during(lambda: a @ a) > 1000


def test_big_elementwise_releases_the_gil():
    a, b = torch.randn(20_000_000), torch.randn(20_000_000)
    a + b
    assert _progress_during(lambda: [a + b for _ in range(3)]) > 1000


def test_threads_give_the_same_result():
    a = torch.randn(3_000_000)
    torch.set_num_threads(1)
    try:
        one = (a * 2 + 1).sum().item(), a.max().item(), (a @ a).item()
    finally:
        torch.set_num_threads(2)
    two = (a * 2 + 1).sum().item(), a.max().item(), (a @ a).item()
    assert one[0] == two[0] and one[1] == two[1]
    assert abs(one[2] - two[2]) <= 1e-4 * abs(one[2])
