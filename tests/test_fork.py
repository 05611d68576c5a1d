"""fork() after the thread pool (and OpenBLAS's) ran: the child has none of the
parent's worker threads; its first large op must start new ones, not wait
forever for the old. Each scenario runs in a subprocess with a timeout, so a
regression fails instead of hanging the run."""

import os
import signal
import subprocess
import sys
import textwrap

from conftest import subprocess_env

TIMEOUT = 120


def _run(code):
    # its own process group: on a timeout the hung children go too, not only the parent
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=subprocess_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError(f"hung: no result in {TIMEOUT} s") from None
    assert p.returncode == 0, (p.returncode, out, err[-3000:])
    return out


def test_multiprocessing_fork_children_compute_large_ops():
    out = _run("""
        import multiprocessing as mp
        import os
        import numpy as np
        import smalltorch as torch

        def work(seed):
            threads_before = len(os.listdir("/proc/self/task"))  # the forked child starts with one thread
            x = torch.ones(1 << 20) * seed  # large: split over the pool
            threads_after_add = len(os.listdir("/proc/self/task"))
            a = torch.arange(256.0 * 256).reshape(256, 256) / 65536
            p = a @ a  # OpenBLAS
            return (threads_before, threads_after_add, torch.get_num_threads(), x.sum().item(),
                    p.numpy().tolist())

        if __name__ == "__main__":
            torch.set_num_threads(2)
            (torch.ones(1 << 20) + 1).sum()  # the pool's workers run in the parent
            a = torch.arange(256.0 * 256).reshape(256, 256) / 65536
            expect_p = (a @ a).numpy()
            with mp.get_context("fork").Pool(2, maxtasksperchild=1) as pool:
                results = pool.map(work, [1, 2, 3])
            for seed, (before, after, nthreads, s, p) in zip([1, 2, 3], results):
                assert before == 1, before
                assert nthreads == 2
                assert after >= 2, after  # a new worker took part: both cores in use again
                assert s == float((1 << 20) * seed)  # exact in float32
                assert np.allclose(np.array(p, dtype=np.float32), expect_p)
            print("ok")
    """)
    assert out.strip() == "ok"


def test_fork_while_other_threads_run_kernels():
    # Threads keep running large elementwise ops, reductions and matmuls (inside the pool, OpenBLAS
    # and the allocator at random moments) while the main thread forks; every child reassigns the
    # tensor those threads use and computes large ops itself, and must finish.
    out = _run("""
        import os, threading, time
        import smalltorch as torch

        torch.set_num_threads(2)
        stop = threading.Event()

        x = torch.randn(1 << 20)

        def busy():
            a = torch.randn(128, 128)
            while not stop.is_set():
                y = x * 2 + 1
                y.sum()
                a @ a
                torch.empty(3 << 20)

        threads = [threading.Thread(target=busy) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        children = []
        for i in range(20):
            pid = os.fork()
            if pid == 0:
                ok = False
                try:
                    x.data = torch.zeros(3)  # a kernel on x may have been running in the parent: none is here
                    n = 1 << 20
                    s = (torch.ones(n) * 3).sum().item()
                    m = (torch.ones(64, 64) @ torch.ones(64, 64))
                    ok = s == 3 * n and m.sum().item() == 64 ** 3
                finally:
                    os._exit(0 if ok else 1)
            children.append(pid)
            time.sleep(0.01)
        deadline = time.time() + 60
        status = {}
        while len(status) < len(children) and time.time() < deadline:
            for pid in children:
                if pid not in status:
                    done, st = os.waitpid(pid, os.WNOHANG)
                    if done:
                        status[pid] = st
            time.sleep(0.01)
        stop.set()
        for t in threads:
            t.join()
        hung = [pid for pid in children if pid not in status]
        for pid in hung:
            os.kill(pid, 9)
        assert not hung, f"{len(hung)} forked children hung"
        assert all(os.waitstatus_to_exitcode(s) == 0 for s in status.values()), status
        print("ok")
    """)
    assert out.strip() == "ok"
