"""Storage ownership: memory stays valid while anything points into it.

A numpy array from Tensor.numpy() owns the tensor's storage (not the tensor,
whose storage `.data =` may replace), and a kernel running without the GIL
keeps the tensors it uses unchanged while it runs (`.data =` in another
thread waits for it)."""

import subprocess
import sys
import textwrap

import numpy as np

import smalltorch as torch
from conftest import subprocess_env

N = 1 << 20  # 4 MiB of float32: a cached block a later allocation of the same size gets back


def _reuses_freed_block():
    """A fresh tensor of N elements filled with 7: if some storage of that size was freed, it is here."""
    return torch.full((N,), 7.0)


def test_numpy_array_survives_data_reassignment():
    t = torch.ones(N)
    a = t.numpy()
    t.data = torch.zeros(3)
    b = _reuses_freed_block()
    assert b.data_ptr() != a.ctypes.data  # the array's memory was not freed and handed out again
    np.testing.assert_array_equal(a, np.ones(N, dtype=np.float32))
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_numpy_array_survives_del_of_the_tensor():
    t = torch.ones(N)
    a = t.numpy()
    del t
    b = _reuses_freed_block()
    assert b.data_ptr() != a.ctypes.data
    np.testing.assert_array_equal(a, np.ones(N, dtype=np.float32))
    a[0] = 5  # still writable memory of its own
    assert a[0] == 5


def test_numpy_array_of_a_view_keeps_the_whole_storage():
    t = torch.arange(12.0).reshape(3, 4)
    a = t[1:, ::2].numpy()
    t.data = torch.zeros(1)
    del t
    np.testing.assert_array_equal(a, np.arange(12.0, dtype=np.float32).reshape(3, 4)[1:, ::2])


def test_numpy_array_shares_memory_with_the_tensor():
    t = torch.zeros(4)
    a = t.numpy()
    t[1] = 3
    a[2] = 5
    assert t.tolist() == [0.0, 3.0, 5.0, 0.0]
    assert a.tolist() == [0.0, 3.0, 5.0, 0.0]


def test_data_reassignment_while_other_threads_run_kernels():
    # One thread keeps swapping x's storage (alternating a large and a tiny one, freshly allocated
    # each time so the old one is freed) while others run large GIL-free kernels on x. Without the
    # kernels holding x, they read freed memory or a shape that no longer matches the storage.
    code = textwrap.dedent("""
        import threading, time
        import numpy as np
        import smalltorch as torch

        torch.set_num_threads(2)
        n = 1 << 20
        big = torch.arange(float(n))
        mat = torch.arange(256.0 * 256).reshape(256, 256) / 65536
        x = big.clone()
        m = mat.clone()
        stop = threading.Event()
        errors = []

        def swap():
            i = 0
            while not stop.is_set():
                i += 1
                x.data = big.clone() if i % 2 else torch.ones(1)
                m.data = mat.clone() if i % 2 else torch.ones(1, 1)

        expect_add = (big + big).numpy()
        expect_mm = (mat @ mat).numpy()

        def compute():
            try:
                while not stop.is_set():
                    r = x + x
                    if r.numel() == n:
                        assert np.array_equal(r.numpy(), expect_add), "x + x read the wrong memory"
                    else:
                        assert r.tolist() == [2.0]
                    x.mul(1.0)
                    p = m @ m
                    if p.numel() == 256 * 256:
                        assert np.allclose(p.numpy(), expect_mm), "m @ m read the wrong memory"
            except Exception as e:
                errors.append(repr(e))

        threads = [threading.Thread(target=swap)] + [threading.Thread(target=compute) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join()
        assert not errors, errors
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr[-3000:])
