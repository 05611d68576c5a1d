"""smalltorch.profiler: every op, backward node and record_function range is an event; self times add
up to the total; the table has PyTorch's layout; the Chrome trace is JSON with one event per op."""

import json

import pytest

import smalltorch as st
from smalltorch.profiler import profile, record_function, ProfilerActivity


def workload(T):
    x = T.ones(8, 8, requires_grad=True)
    w = T.ones(8, 4, requires_grad=True)
    with T.profiler.record_function("forward"):
        h = (x @ w).relu()
        y = T.add(h, 1.0) + h
        loss = y.sum()
    loss.backward()
    return loss


def test_every_op_and_node_is_an_event():
    with profile(record_shapes=True) as prof:
        workload(st)
    names = [e.name for e in prof.events()]
    assert names.count("aten::add") == 2  # smalltorch.add and the + operator
    for n in ("aten::matmul", "aten::relu", "aten::sum", "forward"):
        assert n in names, n
    for node in ("SumBackward0", "AddBackward0", "ReluBackward0", "MmBackward0"):
        assert f"autograd::engine::evaluate_function: {node}" in names, node
    mm = next(e for e in prof.events() if e.name == "aten::matmul")
    assert mm.input_shapes == [[8, 8], [8, 4]]
    # ops inside the record_function range are its children
    rng = next(e for e in prof.events() if e.name == "forward")
    assert {c.name for c in rng.children} >= {"aten::matmul", "aten::relu", "aten::add", "aten::sum"}
    assert all(c.cpu_parent is rng for c in rng.children)


def test_totals_add_up():
    with profile(profile_memory=True) as prof:
        for _ in range(3):
            workload(st)
    events = prof.events()
    top = [e for e in events if e.cpu_parent is None]
    assert events.self_cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in top), rel=1e-9)
    for e in events:
        assert e.self_cpu_time_total >= -1e-6
        assert sum(c.cpu_time_total for c in e.children) <= e.cpu_time_total + 1e-6
    avg = prof.key_averages()
    assert sum(a.count for a in avg) == len(events)
    assert avg.self_cpu_time_total == pytest.approx(events.self_cpu_time_total, rel=1e-9)
    byname = {a.key: a for a in avg}
    assert byname["aten::matmul"].count == 3 and byname["forward"].count == 3
    assert byname["aten::matmul"].cpu_memory_usage == 3 * 8 * 4 * 4  # three float32 (8, 4) results


def test_table_has_pytorchs_layout(torch_ref):
    for memory in (False, True):
        with profile(profile_memory=memory) as ours:
            workload(st)
        with torch_ref.profiler.profile(activities=[torch_ref.profiler.ProfilerActivity.CPU],
                                        profile_memory=memory) as theirs:
            workload(torch_ref)
        a = ours.key_averages().table(sort_by="self_cpu_time_total", row_limit=5).splitlines()
        b = theirs.key_averages().table(sort_by="self_cpu_time_total", row_limit=5).splitlines()
        assert a[:3] == b[:3]  # separator, the column names, separator
        assert len(a) == len(b) and a[-2] == b[-2] and a[-1].startswith("Self CPU time total: ")
        assert [len(line) for line in a[3:-2]] == [len(line) for line in b[3:-2]]


def test_chrome_trace_is_json_with_one_event_per_op(tmp_path):
    with profile(record_shapes=True) as prof:
        workload(st)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    data = json.loads(path.read_text())
    evs = data["traceEvents"]
    assert len(evs) == len(prof.events())
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in evs)
    assert sorted(e["name"] for e in evs) == sorted(e.name for e in prof.events())
    mm = next(e for e in evs if e["name"] == "aten::matmul")
    assert mm["args"]["Input Dims"] == [[8, 8], [8, 4]]


def test_off_records_nothing_and_nesting_is_refused():
    workload(st)
    assert not st._C._profiler_enabled()
    with record_function("outside"):  # no profile: a no-op
        st.ones(2) + 1

    @record_function("decorated")
    def f(a):
        return a * 2
    with profile() as prof:
        f(st.ones(3))
        with pytest.raises(RuntimeError):
            with profile():
                pass
    names = [e.name for e in prof.events()]
    assert "decorated" in names and "outside" not in names
    with pytest.raises(RuntimeError):
        profile(activities=[ProfilerActivity.CUDA])
