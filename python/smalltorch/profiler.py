"""An op profiler with PyTorch's interface (``torch.profiler``):

    with smalltorch.profiler.profile(record_shapes=True) as prof:
        with smalltorch.profiler.record_function("model_inference"):
            loss = model(x).sum()
        loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")   # open in Perfetto or chrome://tracing

Every op called from Python is an event ``aten::<name>`` (the layers written in Python and the C++ kernels
under them under PyTorch's names: ``aten::conv2d`` holding ``aten::_convolution``), every backward node the engine runs is
``autograd::engine::evaluate_function: <Node>``, and every ``record_function`` range is an event of its
own; events nest by time on each thread, which gives each its self time (its time less that of the
events inside it). The recorder is C++ (csrc/core/profiler.h); when no profile is active it costs one
atomic load per op.
"""

import enum
import json
import os
from collections import OrderedDict

from . import _C

__all__ = ["profile", "record_function", "ProfilerActivity", "EventList", "FunctionEvent"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1


class FunctionEvent:
    """One recorded event: name, times in microseconds, memory in bytes, input shapes, its children."""

    def __init__(self, name, kind, thread, start_ns, duration_ns, bytes_, shapes):
        self.name = self.key = name
        self.kind = kind
        self.thread = thread
        self.time_range_start = start_ns / 1000.0
        self.cpu_time_total = duration_ns / 1000.0
        self.cpu_memory_usage = bytes_
        self.input_shapes = [list(s) for s in shapes]
        self.children = []
        self.cpu_parent = None

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.children)

    @property
    def self_cpu_memory_usage(self):
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.children)

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} cpu_time_total={self.cpu_time_total:.3f}us "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """Events of one key (name, and input shapes when grouped by them) summed up."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0

    def add(self, e):
        self.count += 1
        self.cpu_time_total += e.cpu_time_total
        self.self_cpu_time_total += e.self_cpu_time_total
        self.cpu_memory_usage += e.cpu_memory_usage
        self.self_cpu_memory_usage += e.self_cpu_memory_usage

    @property
    def cpu_time(self):
        return self.cpu_time_total / max(self.count, 1)

    def __repr__(self):
        return f"<FunctionEventAvg key={self.key} count={self.count} self_cpu_time_total={self.self_cpu_time_total:.3f}us>"


def _format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_memory(b):
    if abs(b) >= 1024 ** 3:
        return f"{b / 1024 ** 3:.2f} GB"
    if abs(b) >= 1024 ** 2:
        return f"{b / 1024 ** 2:.2f} MB"
    if abs(b) >= 1024:
        return f"{b / 1024:.2f} KB"
    return f"{int(b)} B"


class EventList(list):
    """A list of events (FunctionEvent or FunctionEventAvg) that prints as PyTorch's table."""

    def __init__(self, items=(), profile_memory=False, with_shapes=False):
        super().__init__(items)
        self._profile_memory = profile_memory
        self._with_shapes = with_shapes

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, max_shapes_column_width=80,
              header=None, top_level_events_only=False):
        rows = list(self)
        every = rows  # column widths come from every event, shown or not (as PyTorch)
        if sort_by is not None:
            rows.sort(key=lambda e: getattr(e, sort_by), reverse=True)
        if row_limit is not None and row_limit > 0:
            rows = rows[:row_limit]
        total = self.self_cpu_time_total or 1e-12
        name_w = min(max([len(e.key) for e in every] + [4]) + 4, max_name_column_width)
        cols = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
        if self._profile_memory:
            cols += ["CPU Mem", "Self CPU Mem"]
        cols += ["# of Calls"]
        widths = [12] * len(cols)
        shapes_w = 0
        if self._with_shapes:
            shapes_w = min(max([len(str(e.input_shapes)) for e in every] + [12]) + 4, max_shapes_column_width)
            cols.append("Input Shapes")
            widths.append(shapes_w)
        sep = "-" * name_w + "  " + "".join("-" * w + "  " for w in widths)

        def line(name, cells):
            return name.rjust(name_w) + "  " + "".join(c.rjust(w) + "  " for c, w in zip(cells, widths))

        out = [sep, line("Name", cols), sep]
        for e in rows:
            name = e.key if len(e.key) <= name_w else e.key[:name_w - 3] + "..."
            cells = [f"{100 * e.self_cpu_time_total / total:.2f}%", _format_time(e.self_cpu_time_total),
                     f"{100 * e.cpu_time_total / total:.2f}%", _format_time(e.cpu_time_total),
                     _format_time(e.cpu_time_total / max(getattr(e, "count", 1), 1))]
            if self._profile_memory:
                cells += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
            cells.append(str(getattr(e, "count", 1)))
            if self._with_shapes:
                s = str(e.input_shapes)
                cells.append(s if len(s) <= shapes_w else s[:shapes_w - 3] + "...")
            out.append(line(name, cells))
        out.append(sep)
        out.append(f"Self CPU time total: {_format_time(self.self_cpu_time_total)}")
        return "\n".join(out) + "\n"

    def __str__(self):
        return self.table()


class profile:
    """Records every op, backward node and record_function range run inside the ``with`` block."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, acc_events=False, use_cuda=None):
        if activities is not None and any(a != ProfilerActivity.CPU for a in activities):
            raise RuntimeError("smalltorch.profiler: only ProfilerActivity.CPU is available (no CUDA)")
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.on_trace_ready = on_trace_ready
        self._events = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if _C._profiler_enabled():
            raise RuntimeError("Profiler is already enabled on this thread")
        _C._profiler_start(self.record_shapes)

    def stop(self):
        raw = _C._profiler_stop()
        self._events = _nest([FunctionEvent(*r) for r in raw])
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def step(self):
        """Accepted for PyTorch's scheduled profiling loops; every step is recorded."""

    def events(self):
        if self._events is None:
            raise RuntimeError("the profiler has not been stopped yet")
        return EventList(self._events, self.profile_memory, False)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        groups = OrderedDict()
        for e in self.events():
            key = (e.key, str(e.input_shapes)) if group_by_input_shape else e.key
            if key not in groups:
                groups[key] = FunctionEventAvg(e.key, e.input_shapes if group_by_input_shape else None)
            groups[key].add(e)
        return EventList(groups.values(), self.profile_memory, group_by_input_shape)

    def export_chrome_trace(self, path):
        """Writes the events as a Chrome trace (JSON, 'X' complete events in microseconds), which
        Perfetto (ui.perfetto.dev) and chrome://tracing open."""
        pid = os.getpid()
        tids = {}
        events = []
        for e in self.events():
            tid = tids.setdefault(e.thread, len(tids))
            ev = {"ph": "X", "cat": {"op": "cpu_op", "backward": "cpu_op", "user": "user_annotation"}[e.kind],
                  "name": e.name, "pid": pid, "tid": tid, "ts": e.time_range_start, "dur": e.cpu_time_total,
                  "args": {}}
            if e.input_shapes:
                ev["args"]["Input Dims"] = e.input_shapes
            if self.profile_memory:
                ev["args"]["CPU Mem"] = e.cpu_memory_usage
            events.append(ev)
        with open(path, "w") as f:
            json.dump({"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": events}, f)


def _nest(events):
    """Sets each event's children (the events directly inside it, on its thread) and returns the list
    in start order."""
    events.sort(key=lambda e: (e.thread, e.time_range_start, -e.cpu_time_total))
    stack = []
    for e in events:
        while stack and (stack[-1].thread != e.thread or
                         e.time_range_start >= stack[-1].time_range_start + stack[-1].cpu_time_total):
            stack.pop()
        if stack:
            e.cpu_parent = stack[-1]
            stack[-1].children.append(e)
        stack.append(e)
    events.sort(key=lambda e: e.time_range_start)
    return events


class record_function:
    """A named range in the profile (context manager or decorator); free when no profile is active."""

    _op = False  # an op event (kind "op"), not a user range

    def __init__(self, name, args=None):
        self.name = name
        self._entered = False

    def __enter__(self):
        if _C._profiler_enabled():
            _C._record_function_enter(self.name, self._op)
            self._entered = True
        return self

    def __exit__(self, *exc):
        if self._entered:
            _C._record_function_exit()
            self._entered = False
        return False

    def __call__(self, fn):
        """As a decorator: each call of fn is the range (with no profile active, one check per call)."""
        import functools

        name, op = self.name, self._op
        enabled, enter, leave = _C._profiler_enabled, _C._record_function_enter, _C._record_function_exit

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if not enabled():
                return fn(*args, **kwargs)
            enter(name, op)
            try:
                return fn(*args, **kwargs)
            finally:
                leave()
        return wrapper


class _op_range(record_function):
    """An op that the Python layer defines, recorded under PyTorch's event name for it (``aten::conv2d``)."""

    _op = True


def _op(name):
    """Decorates a Python-level op so that each call is the op event `name` while a profile is active."""
    return _op_range(name)
