"""DataLoader with worker processes against PyTorch's: batches, order, prefetching, persistent workers,
IterableDataset sharding, worker info and seeding, errors re-raised from workers, timeouts, dead workers,
shared-memory transfer and clean shutdown.

Everything that starts worker processes runs in data_workers_scenarios.py, in a child process with a hard
timeout (its own process group, killed whole on a hang), once per library; the tests compare the results."""

import functools
import importlib.util
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import textwrap
import pytest

import smalltorch
from smalltorch.utils import data
from conftest import subprocess_env

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 150


_procs = {}


def _start(lib):
    if lib not in _procs:
        _procs[lib] = subprocess.Popen([sys.executable, os.path.join(HERE, "data_workers_scenarios.py"), lib],
                                       env=subprocess_env(), cwd=HERE, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, start_new_session=True)
    return _procs[lib]


@functools.lru_cache(maxsize=None)
def scenarios(lib):
    if lib == "smalltorch" and importlib.util.find_spec("torch") is not None:
        _start("torch")  # the reference runs alongside (most of the time is spent waiting on workers)
    p = _start(lib)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError(f"{lib}: DataLoader scenarios hung (no result in {TIMEOUT} s)") from None
    assert p.returncode == 0, (p.returncode, err[-3000:])
    return json.loads(out)


def ours(name):
    r = scenarios("smalltorch")[name]
    assert "scenario_failed" not in r, r["scenario_failed"]
    return r


def theirs(name):
    r = scenarios("torch")[name]
    assert "scenario_failed" not in r, r["scenario_failed"]
    return r


def test_map_style_batches_match_torch(torch_ref):
    """Same batches in the same order for every prefetch_factor and drop_last, nested samples (dicts, numpy,
    namedtuples, strings), batch_size=None, a list as sampler, in_order=False (same multiset); no child left."""
    assert ours("map_batches") == theirs("map_batches")
    assert ours("map_batches")["children"] == 0


def test_shuffle_with_generator_matches_torch_with_and_without_workers(torch_ref):
    r = ours("shuffled")
    assert r == theirs("shuffled")
    assert r["workers"] == r["main"]


def test_worker_info_and_seeding_match_torch(torch_ref):
    r, t = ours("worker_info"), theirs("worker_info")
    assert r["in_main"] and t["in_main"]
    # same ids, num_workers, seeds (base seed from the loader's generator + worker id), worker_init_fn effect,
    # and the same Python `random` and numpy streams in each worker
    strip = lambda items: [{k: v for k, v in it.items() if k != "torch_rand"} for it in items]  # noqa: E731
    assert strip(r["items"]) == strip(t["items"])
    assert {it["id"] for it in r["items"]} == {0, 1}
    assert all(it["seed"] == r["items"][0]["seed"] + it["id"] for it in r["items"])
    assert all(it["offset"] == 100 + it["id"] for it in r["items"])
    # smalltorch's own generator in worker k was seeded with base_seed + k
    for it in r["items"][:2]:
        assert it["torch_rand"] == r["expect_torch_rand"][str(it["id"])]
    assert r["items"][0]["torch_rand"] != r["items"][1]["torch_rand"]


def test_iterable_dataset_with_workers_matches_torch(torch_ref):
    """Each worker iterates its own copy (duplicates unless the dataset splits by get_worker_info()), batches
    alternate between workers, an exhausted worker drops out, len() is the dataset's estimate."""
    r = ours("iterable")
    assert r == theirs("iterable")
    assert r["children"] == 0
    assert sorted(r["splitTrue_bsNone"]) == list(range(11))
    assert sorted(r["splitFalse_bsNone"]) == sorted(list(range(11)) * 2)


def test_worker_errors_reraised_with_worker_id_and_traceback(torch_ref):
    r, t = ours("errors"), theirs("errors")
    for kind in ("value", "key", "two_args", "init"):
        assert r[kind]["error"] == t[kind]["error"], (kind, r[kind], t[kind])
        first, theirs_first = r[kind]["message"].splitlines()[0], t[kind]["message"].splitlines()[0]
        assert first == theirs_first, (first, theirs_first)
        assert "Original Traceback (most recent call last):" in r[kind]["message"]
    assert r["value"]["message"].splitlines()[0] == "Caught ValueError in DataLoader worker process 0."
    assert 'raise ValueError(f"bad index {i}")' in r["value"]["message"]
    assert r["value"]["message"].rstrip().endswith("ValueError: bad index 4")
    assert "KeyError: 'missing'" in r["key"]["message"]
    assert "raise TypeError(f\"init failed in {worker_id}\")" in r["init"]["message"]
    assert r["children"] == 0 and r["shm"] == []
    assert r["value_children_at_once"] == r["key_children_at_once"] == r["two_args_children_at_once"] == 0


def test_timeout_and_dead_worker_match_torch(torch_ref):
    assert ours("timeout") == theirs("timeout")
    r = ours("timeout")
    assert r["result"] == {"error": "RuntimeError", "message": "DataLoader timed out after 0.3 seconds"}
    assert r["raised_within_1.5s"] and r["children"] == 0
    r, t = ours("worker_exit"), theirs("worker_exit")
    assert r["result"]["error"] == t["result"]["error"] == "RuntimeError"
    pattern = r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"
    assert re.fullmatch(pattern, r["result"]["message"]) and re.fullmatch(pattern, t["result"]["message"])
    assert r["children"] == 0 and r["shm"] == []


def test_clean_shutdown_leaves_no_process_or_shared_memory():
    """Breaking out of the loop, deleting the iterator with batches in flight, an error mid-epoch, deleting a
    loader with persistent workers: no worker process and no shared-memory segment is left."""
    r = ours("early_exit")
    for case in ("break", "del", "error", "persistent"):
        assert r[case][:2] == [0, []], (case, r[case])
    assert r["del"][2] == [4]  # the batch kept is intact after its loader is gone


def test_persistent_workers_match_torch(torch_ref):
    r = ours("persistent")
    assert r == theirs("persistent")
    full = r["epochs"][0]
    assert r["epochs"][2] == full and r["epochs"][1] == full[:2]
    assert r["alive_between"] == 2 and r["children_after"] == 0
    assert r["same_iterator"] and r["same_workers"]


def test_batches_arrive_in_shared_memory_that_lives_with_the_tensor():
    r = ours("shared_memory")
    assert r["inside"] == [True] * 4  # every tensor of every batch is over a shared-memory mapping
    assert r["all_deleted_names"]  # whose name was removed on arrival: nothing to leak
    assert r["values_ok"] and r["maps_before"] == 4
    assert r["maps_after"] == 0 and r["shm"] == []  # the mappings went with the tensors


def test_spawn_and_fork_contexts():
    r = ours("spawn_context")
    assert r["spawn_str"] == r["expect"] and r["spawn_ctx"] == r["expect"] and r["fork_str"] == r["expect"]


# --- in this process (no worker started) ---------------------------------------------------------------------

def test_worker_option_errors_match_torch(torch_ref):
    ds = list(range(4))
    cases = [dict(num_workers=2, prefetch_factor=-1), dict(num_workers=0, multiprocessing_context="fork"),
             dict(num_workers=2, multiprocessing_context="no-such-method"), dict(num_workers=2, timeout=-1),
             dict(num_workers=2, multiprocessing_context=3)]
    for kwargs in cases:
        with pytest.raises(Exception) as theirs_e:
            torch_ref.utils.data.DataLoader(ds, **kwargs)
        with pytest.raises(theirs_e.type) as ours_e:
            data.DataLoader(ds, **kwargs)
        assert str(ours_e.value) == str(theirs_e.value)
    dl, tdl = data.DataLoader(ds, num_workers=2), torch_ref.utils.data.DataLoader(ds, num_workers=2)
    assert dl.prefetch_factor == tdl.prefetch_factor == 2
    assert isinstance(data.DataLoader(ds, num_workers=1, multiprocessing_context="fork").multiprocessing_context,
                      multiprocessing.context.BaseContext)
    for attr in ("batch_size", "sampler", "dataset", "drop_last", "persistent_workers", "batch_sampler"):
        with pytest.raises(ValueError) as theirs_e:
            setattr(tdl, attr, None)
        with pytest.raises(ValueError) as ours_e:
            setattr(dl, attr, None)
        assert str(ours_e.value) == str(theirs_e.value)
    # more workers than CPUs: PyTorch's warning
    many = len(os.sched_getaffinity(0)) + 1
    with pytest.warns(UserWarning) as w:
        data.DataLoader(ds, num_workers=many)
    with pytest.warns(UserWarning) as tw:
        torch_ref.utils.data.DataLoader(ds, num_workers=many)
    assert str(w[0].message) == str(tw[0].message)
    # timeout without workers: PyTorch asserts when iterating
    with pytest.raises(AssertionError):
        iter(torch_ref.utils.data.DataLoader(ds, timeout=1))
    with pytest.raises(AssertionError):
        iter(data.DataLoader(ds, timeout=1))


def test_get_worker_info_is_none_in_main_process(torch_ref):
    assert data.get_worker_info() is None and torch_ref.utils.data.get_worker_info() is None
    assert [f for f in data._worker.WorkerInfo.__dataclass_fields__] == \
        [f for f in torch_ref.utils.data._utils.worker.WorkerInfo.__dataclass_fields__]


def test_tensor_transfer_keeps_requires_grad_and_refuses_non_leaf(torch_ref):
    """Tensors pickled for the result queue: leaves keep requires_grad, Parameters stay Parameters, a non-leaf
    that requires grad is refused as PyTorch's reduction refuses it (the worker sends that error instead)."""
    from smalltorch.utils.data import _shm
    from smalltorch.nn import Parameter
    _shm.set_worker_prefix(_shm.new_prefix() + "t_")
    try:
        leaf = smalltorch.arange(4.0).requires_grad_()
        p = Parameter(smalltorch.ones(2, 3))
        back = _shm.loads(_shm.dumps({"leaf": leaf, "p": p, "empty": smalltorch.zeros(0, 3),
                                      "view": smalltorch.arange(12).reshape(3, 4).t()}))
    finally:
        _shm.set_worker_prefix("")
    assert back["leaf"].requires_grad and back["leaf"].is_leaf and back["leaf"].tolist() == leaf.tolist()
    assert type(back["p"]) is Parameter and back["p"].requires_grad
    assert back["empty"].shape == (0, 3)
    assert back["view"].tolist() == smalltorch.arange(12).reshape(3, 4).t().tolist()


def _segments(prefix):
    return [n for n in os.listdir("/dev/shm") if n.startswith(prefix.lstrip("/"))]


def test_worker_collate_stacks_into_the_segment_it_sends(torch_ref):
    """In a worker, default_collate writes the batch straight into a shared-memory segment, and sending it
    creates no second segment (no copy); the values are those of an ordinary stack, as in PyTorch."""
    from smalltorch.utils.data import _shm
    rows = [smalltorch.arange(6.0).reshape(2, 3) * i for i in range(5)]
    prefix = _shm.new_prefix() + "t_"
    _shm.set_worker_prefix(prefix)
    try:
        # a shared batch dropped without being sent, or a message that fails to pickle: no segment stays
        unsent = data.default_collate(rows)
        assert len(_segments(prefix)) == 1
        del unsent
        assert not _segments(prefix) and not _shm._owned
        with pytest.raises(Exception):
            _shm.dumps([data.default_collate(rows), smalltorch.ones(3), lambda: 0])
        assert not _segments(prefix)
        _shm.set_worker_prefix(prefix)
        batch = data.default_collate(rows)
        assert batch.data_ptr() in _shm._owned and _shm._counter == 1
        payload = _shm.dumps([batch, batch])
        assert _shm._counter == 1 and not _shm._owned
        other = _shm.dumps(batch)  # sent again: a new segment this time (the first one is the receiver's)
        assert _shm._counter == 2
    finally:
        _shm.set_worker_prefix("")
    a, b = _shm.loads(payload)
    assert a is b  # one tensor, sent once
    expect = torch_ref.utils.data.default_collate([torch_ref.tensor(r.numpy()) for r in rows])
    assert a.numpy().tolist() == expect.numpy().tolist() and a.dtype == smalltorch.float32
    assert _shm.loads(other).tolist() == expect.tolist()
    assert not _segments(prefix)  # every name was removed on arrival
    from torch.multiprocessing.reductions import reduce_tensor
    with pytest.raises(RuntimeError) as theirs_e:
        reduce_tensor(torch_ref.ones(2, requires_grad=True) * 2)
    with pytest.raises(RuntimeError) as ours_e:
        _shm.dumps(smalltorch.ones(2, requires_grad=True) * 2)
    assert str(ours_e.value) == str(theirs_e.value)


def test_exit_with_live_workers_is_prompt_and_clean(tmp_path):
    """A script that ends with a persistent loader and a half-read iterator alive exits at once, stopping its
    workers and removing its segments."""
    script = tmp_path / "live.py"
    script.write_text(textwrap.dedent("""
        import os
        import smalltorch as torch
        from smalltorch.utils import data
        ds = data.TensorDataset(torch.ones(64, 500), torch.arange(64))
        keep = data.DataLoader(ds, batch_size=4, num_workers=2, persistent_workers=True, prefetch_factor=4)
        it1 = iter(keep)
        next(it1)
        it2 = iter(data.DataLoader(ds, batch_size=4, num_workers=2, prefetch_factor=4))
        next(it2)
        print(os.getpid())
    """))
    p = subprocess.Popen([sys.executable, str(script)], env=subprocess_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("the script did not exit") from None
    assert p.returncode == 0 and "Error" not in err, err
    pid = int(out.split()[0])
    assert not _segments(f"/stdl_{pid}_")
    # no worker of it left: a child of the script would have been reparented, so look for its session
    left = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == p.pid:  # session id == the script's pid (start_new_session)
                left.append(entry)
    assert not left
