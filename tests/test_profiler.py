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


def layers_workload(T):
    """The layers of the book's chapters 6-9, forward and backward."""
    T.manual_seed(0)
    nn, F = T.nn, T.nn.functional
    x = T.randn(2, 3, 8, 8)
    y = nn.BatchNorm2d(4)(nn.Conv2d(3, 4, 3)(x))
    y = F.dropout(F.max_pool2d(y, 2), 0.5)
    z = nn.LayerNorm(4)(y.mean((2, 3))) + F.group_norm(y, 2).mean((2, 3))
    loss = F.cross_entropy(nn.Linear(4, 5)(z), T.tensor([1, 2]))
    out, _ = nn.LSTM(4, 6)(z.unsqueeze(0))
    out2, _ = nn.GRU(4, 6)(z.unsqueeze(0))
    emb = nn.Embedding(10, 4)(T.tensor([1, 2]))
    loss = loss + out.sum() + out2.sum() + F.mse_loss(emb, z) + F.avg_pool2d(y, 2).sum()
    loss.backward()


# what PyTorch records for the Python layer's functions and the kernels under them: (outer, inner)
_LAYER_EVENTS = [("aten::conv2d", "aten::_convolution"), ("aten::batch_norm", "aten::native_batch_norm"),
                 ("aten::max_pool2d", "aten::max_pool2d_with_indices"), ("aten::dropout", "aten::bernoulli_"),
                 ("aten::layer_norm", "aten::native_layer_norm"), ("aten::group_norm", "aten::native_group_norm"),
                 ("aten::cross_entropy_loss", "aten::nll_loss_forward"), ("aten::lstm", "aten::mkldnn_rnn_layer"),
                 ("aten::gru", None), ("aten::linear", None), ("aten::embedding", None), ("aten::mse_loss", None),
                 ("aten::avg_pool2d", None)]


def _ancestors(e):
    names = []
    while e.cpu_parent is not None:
        e = e.cpu_parent
        names.append(e.name)
    return names


def test_layers_are_op_events_named_as_pytorchs(torch_ref):
    # the functions the Python layer defines (conv2d, batch_norm, lstm, ...) and the C++ kernels they call
    # are op events under the names PyTorch records, the kernel inside its function; metadata queries
    # (dim, size, ...) are not events, as in PyTorch
    with torch_ref.profiler.profile(activities=[torch_ref.profiler.ProfilerActivity.CPU]) as theirs:
        layers_workload(torch_ref)
    with profile() as ours:
        layers_workload(st)
    their_names = {e.name for e in theirs.events()}
    events = ours.events()
    names = {e.name for e in events}
    for outer, inner in _LAYER_EVENTS:
        assert outer in their_names and outer in names, outer
        if inner is not None:
            assert inner in their_names, inner
            kernels = [e for e in events if e.name == inner]
            assert kernels and all(e.kind == "op" for e in kernels), inner
            assert any(outer in _ancestors(e) for e in kernels), (outer, inner)
    for query in ("aten::dim", "aten::size", "aten::numel", "aten::is_floating_point", "aten::get_default_dtype"):
        assert query not in names and query not in their_names, query


def test_python_level_ops_cost_one_check_when_off_and_close_on_errors():
    # off: nothing recorded, the result unchanged; an op that raises inside a profile still closes its event
    F = st.nn.functional
    x = st.randn(1, 1, 5, 5)
    w = st.randn(1, 1, 3, 3)
    assert F.conv2d.__name__ == "conv2d" and F.conv2d.__wrapped__ is not None
    assert st.equal(F.conv2d(x, w), F.conv2d.__wrapped__(x, w))
    with profile() as prof:
        with pytest.raises(RuntimeError):
            F.conv2d(x, st.randn(1, 2, 3, 3))  # channels do not match
        F.conv2d(x, w)
    convs = [e for e in prof.events() if e.name == "aten::conv2d"]
    assert len(convs) == 2 and all(e.cpu_parent is None for e in convs)
