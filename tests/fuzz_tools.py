"""Machinery shared by test_fuzz.py and test_exceptions_vs_torch.py.

A *call* is a plain tuple of names, so that the parent test can build the list, hand batches of it to a
child Python and name the call that crashed or hung it:

    (kind, name, self_id, arg_ids, kwarg_ids)    kind: "fn" (smalltorch.<name>) or "method" (self.<name>)

Arguments are ids into a pool of argument *factories* (``make_arg``): every call builds fresh arguments,
so an in-place method can never leak a change into the next call. The same factory builds the same
argument for smalltorch and for PyTorch (given its module), so both libraries see the same call.

The child (``python fuzz_tools.py``) reads the calls as JSON on stdin and writes one line per call:
``B <i>`` before it (flushed) and ``E <i> <outcome>`` after, where the outcome is ``ok`` or the
exception's class name (``!`` and the message are appended for an exception that is never acceptable).
"""

import json
import math
import os
import random
import subprocess
import sys
import zlib

# Exceptions a misuse may raise (any subclass counts: NotImplementedError is a RuntimeError).
ALLOWED = ("TypeError", "ValueError", "RuntimeError", "IndexError", "KeyError", "OverflowError", "MemoryError",
           "ZeroDivisionError", "NotImplementedError", "AttributeError", "StopIteration", "UserWarning",
           "BufferError",  # BufferError: what the DLPack protocol raises for memory it cannot exchange
           "AssertionError")  # AssertionError: PyTorch's CPU-only build refusing CUDA
# The classes PyTorch raises for a misuse; where it does, smalltorch must raise too.
TORCH_RAISES = ("TypeError", "RuntimeError", "ValueError", "IndexError", "NotImplementedError")


def torch_has(torch, call):
    """Whether PyTorch has the function or method the call names (only those calls are compared)."""
    return hasattr(torch if call[0] == "fn" else torch.Tensor, call[1])


# Messages that show a C++ exception leaking untranslated (pybind11's generic forms).
LEAK_MARKERS = ("unknown C++ exception", "std::", "basic_string", "bad_alloc", "bad_function_call",
                "Unknown internal error", "vector::")

# ------------------------------------------------------------------ the argument pool


class BadIndex:
    def __index__(self):
        raise ValueError("broken __index__")

    def __int__(self):
        raise ValueError("broken __int__")


class HugeIndex:
    def __index__(self):
        return 2 ** 70


class BadFloat:
    def __float__(self):
        raise ValueError("broken __float__")


class BadSequence:
    def __len__(self):
        return 3

    def __getitem__(self, i):
        raise RuntimeError("broken __getitem__")


class LyingSequence:
    """Claims 5 elements but has 2."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        if i >= 2:
            raise IndexError(i)
        return 1


DTYPE_NAMES = ("bool", "uint8", "int32", "int64", "float32", "float64")
SHAPED = {  # a nested list and its shape per tensor form
    "empty": [],
    "scalar": 1,
    "vec": [1, 0, 2],
    "mat": [[1, 2, 0], [3, 0, 1]],
}


def _tensor(T, dtype, form):
    t = T.tensor(SHAPED["mat" if form == "noncontig" else form], dtype=getattr(T, dtype))
    return t.t() if form == "noncontig" else t


# id -> factory(T, np). Tensors of every dtype in every form, numbers at the edges, wrong types.
ARGS = {
    "None": lambda T, np: None,
    "str": lambda T, np: "abc",
    "bytes": lambda T, np: b"\x00\x01",
    "int0": lambda T, np: 0,
    "int1": lambda T, np: 1,
    "int-1": lambda T, np: -1,
    "int3": lambda T, np: 3,
    "int2**62": lambda T, np: 2 ** 62,
    "intmax": lambda T, np: 2 ** 63 - 1,
    "intmin": lambda T, np: -2 ** 63,
    "int2**64": lambda T, np: 2 ** 64,
    "float": lambda T, np: 1.5,
    "nan": lambda T, np: math.nan,
    "inf": lambda T, np: math.inf,
    "-inf": lambda T, np: -math.inf,
    "1e308": lambda T, np: 1e308,
    "True": lambda T, np: True,
    "complex": lambda T, np: 1 + 2j,
    "list_empty": lambda T, np: [],
    "list_mixed": lambda T, np: [1, "a"],
    "list_none": lambda T, np: [1.5, None],
    "tuple_ints": lambda T, np: (2, 3),
    "tuple_neg": lambda T, np: (-1, -2),
    "ragged": lambda T, np: [[1], [2, 3]],
    "dict": lambda T, np: {"a": 1},
    "object": lambda T, np: object(),
    "bad_index": lambda T, np: BadIndex(),
    "huge_index": lambda T, np: HugeIndex(),
    "bad_float": lambda T, np: BadFloat(),
    "bad_seq": lambda T, np: BadSequence(),
    "lying_seq": lambda T, np: LyingSequence(),
    "slice": lambda T, np: slice(None, None, 2),
    "ellipsis": lambda T, np: Ellipsis,
    "np_array": lambda T, np: np.array([1.0, 2.0, 3.0]),
    "np_str_array": lambda T, np: np.array(["a", "b"]),
    "np_nan": lambda T, np: np.float64("nan"),
    "np_int": lambda T, np: np.int64(2),
    "np_uint64_big": lambda T, np: np.uint64(2 ** 63),
    "dtype_f32": lambda T, np: T.float32,
    "dtype_i64": lambda T, np: T.int64,
    "dtype_bool": lambda T, np: T.bool,
    "fn": lambda T, np: (lambda *a: None),
    "expanded": lambda T, np: T.zeros(1).expand(3),
    "leaf_grad": lambda T, np: T.ones(2, 3, requires_grad=True),
}
for _dt in DTYPE_NAMES:
    for _form in ("empty", "scalar", "vec", "mat", "noncontig"):
        ARGS[f"t_{_dt}_{_form}"] = (lambda dt, form: lambda T, np: _tensor(T, dt, form))(_dt, _form)
del _dt, _form

# Not in the pool (names starting with "_"): they check that a crash or a hang in a child is reported with
# the call that caused it.
ARGS["_segfault"] = lambda T, np: __import__("ctypes").string_at(0)
ARGS["_hang"] = lambda T, np: __import__("time").sleep(3600)

# Receivers of the method calls: a few tensors of different dtypes and layouts.
SELVES = ["t_float32_mat", "t_int64_vec", "t_bool_mat", "t_float64_scalar", "t_uint8_empty",
          "t_float32_noncontig", "t_int32_mat", "leaf_grad"]

# Arguments that usually get a call past its first check, so the second argument is the one tested.
REASONABLE = ["int0", "int1", "int-1", "t_float32_mat", "t_int64_vec", "t_bool_mat", "tuple_ints", "dtype_f32",
              "float", "t_float32_vec"]

# Module functions / methods that change process-wide state or are not calls on data.
EXCLUDED_FUNCTIONS = {"set_default_dtype", "set_num_threads", "manual_seed", "seed", "set_printoptions",
                      "printoptions", "set_default_tensor_type", "set_default_device"}
EXCLUDED_METHODS = set()

DUNDERS = ["__getitem__", "__setitem__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__truediv__",
           "__rtruediv__", "__floordiv__", "__mod__", "__pow__", "__rpow__", "__matmul__", "__and__", "__or__",
           "__xor__", "__invert__", "__neg__", "__abs__", "__eq__", "__lt__", "__ge__", "__bool__", "__int__",
           "__float__", "__index__", "__len__", "__contains__", "__format__", "__iadd__", "__imul__", "__itruediv__",
           "__ipow__", "__iand__", "__lshift__", "__rshift__", "__array__", "__reduce_ex__", "__deepcopy__",
           "__copy__"]


def public_callables(T):
    """(module function names, method names) of a module shaped like smalltorch, sorted."""
    import inspect
    names = getattr(T, "__all__", dir(T))
    fns = sorted(n for n in names if not n.startswith("_") and n not in EXCLUDED_FUNCTIONS
                 and callable(getattr(T, n, None)) and not inspect.isclass(getattr(T, n)))
    methods = sorted(n for n in dir(T.Tensor) if not n.startswith("_") and n not in EXCLUDED_METHODS
                     and callable(getattr(T.Tensor, n, None)))
    return fns, methods + [d for d in DUNDERS if hasattr(T.Tensor, d)]


WRONG_TYPED = ["None", "str", "object", "list_mixed", "bad_index", "bad_float", "dict", "complex", "bytes",
               "fn", "np_str_array"]


def wrong_typed_calls(fns, methods):
    """Every callable with each wrong-typed argument: alone, after a tensor, and as each common keyword."""
    calls = []
    for kind, names in (("fn", fns), ("method", methods)):
        for name in names:
            for i, a in enumerate(WRONG_TYPED):
                self_id = SELVES[i % len(SELVES)] if kind == "method" else None
                calls.append((kind, name, self_id, [a], []))
                if kind == "fn":
                    calls.append((kind, name, None, [SELVES[i % len(SELVES)], a], []))
                for key in ("dim", "dtype", "out"):
                    lead = [SELVES[i % len(SELVES)]] if kind == "fn" else []
                    calls.append((kind, name, self_id, lead, [[key, a]]))
    return calls


def generate_calls(fns, methods, seed=0, pairs=12, kw=4):
    """Deterministic list of calls: every callable with no argument, with each pool argument alone, after a
    tensor, and with seeded random pairs and keyword arguments."""
    pool = sorted(a for a in ARGS if not a.startswith("_"))
    calls = []
    for kind, names in (("fn", fns), ("method", methods)):
        for name in names:
            # Seeded and counted per callable, so adding a public name changes no other callable's calls.
            rng = random.Random(zlib.crc32(f"{seed}/{kind}/{name}".encode()))
            first = zlib.crc32(f"{kind}/{name}".encode())
            def add(args, kwargs=(), i=[first]):  # noqa: B006 (a counter rotating the receiver)
                i[0] += 1
                self_id = SELVES[i[0] % len(SELVES)] if kind == "method" else None
                calls.append((kind, name, self_id, list(args), [list(k) for k in kwargs]))
            add([])
            for j, a in enumerate(pool):
                add([a])
                if kind == "fn":
                    add([SELVES[(first + j) % len(SELVES)], a])
            for _ in range(pairs):
                add([rng.choice(REASONABLE), rng.choice(pool)])
                add([rng.choice(pool), rng.choice(REASONABLE), rng.choice(pool)])
            for key in ("dim", "dtype", "out", "keepdim"):
                for _ in range(kw):
                    lead = [SELVES[rng.randrange(len(SELVES))]] if kind == "fn" else []
                    add(lead, [(key, rng.choice(pool))])
    return calls


# ------------------------------------------------------------------ the child side

def run_one(T, np, call):
    kind, name, self_id, arg_ids, kwarg_ids = call
    args = [ARGS[a](T, np) for a in arg_ids]
    kwargs = {k: ARGS[v](T, np) for k, v in kwarg_ids}
    if kind == "fn":
        fn = getattr(T, name)
    else:
        fn = getattr(ARGS[self_id](T, np), name)
    r = fn(*args, **kwargs)
    if r is NotImplemented:  # a binary dunder declining: the operator itself raises TypeError
        raise TypeError(f"unsupported operand for {name}")
    if hasattr(r, "__next__"):  # a generator (split, __iter__): run it
        for _ in zip(range(10), r):
            pass
    return r


def classify(exc):
    """The outcome string of an exception: its class name, with '!' and the message when unacceptable."""
    cls = type(exc)
    ok = any(c.__name__ in ALLOWED and c.__module__ == "builtins" for c in cls.__mro__) and not isinstance(
        exc, SystemError)
    msg = str(exc)
    # pybind11's cast_error is translated to TypeError; as a RuntimeError it leaked untranslated
    leaked = any(m in msg for m in LEAK_MARKERS) or ("Unable to cast" in msg and not isinstance(exc, TypeError))
    if not ok or leaked:
        return f"{cls.__name__}!{msg[:200]!r}"
    return cls.__name__


# Calls the PyTorch reference itself does not survive: PyTorch 2.13 segfaults in lu_unpack given empty pivots,
# and in max_pool1d with a
# kernel size of 2**63-1 (its output-size arithmetic overflows) and spins for minutes with 2**62. Its child records "skipped" for these
# instead of running them; smalltorch still runs them, and no comparison counts a skipped outcome.
def torch_crashes(call):
    kind, name, _, arg_ids, kwarg_ids = call
    args = list(arg_ids) + [v for _, v in kwarg_ids]
    if kind == "fn" and name == "lu_unpack" and "t_int32_empty" in args[1:]:
        return True  # PyTorch 2.13 segfaults unpacking pivots that are an empty tensor
    return kind == "fn" and name == "max_pool1d" and ("intmax" in args or "int2**62" in args)


def child_main():
    import warnings
    import numpy as np
    lib = sys.argv[1]
    if lib == "torch":
        import torch as T
    else:
        import smalltorch as T
    try:  # allocation sizes a hostile argument asks for fail with MemoryError instead of taking the machine
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
    except (ImportError, ValueError, OSError):
        pass
    warnings.simplefilter("ignore")
    calls = json.load(sys.stdin)
    out = sys.stdout
    for i, call in enumerate(calls):
        out.write(f"B {i}\n")
        out.flush()
        if lib == "torch" and torch_crashes(call):
            out.write(f"E {i} skipped\n")
            continue
        try:
            run_one(T, np, call)
            res = "ok"
        except BaseException as e:  # noqa: BLE001 (every exception is classified, none may escape)
            if isinstance(e, KeyboardInterrupt):
                raise
            res = classify(e)
        # a call must leave no Python error pending: the next plain Python line would raise it
        try:
            [j for j in range(2)]
        except BaseException as e:  # noqa: BLE001
            res = f"pending!{type(e).__name__}"
        out.write(f"E {i} {res}\n")
    out.write("DONE\n")
    out.flush()


def run_batch(lib, calls, env, timeout):
    """Runs calls in a child; returns (outcomes list, failure text or None). On a crash or hang the
    failure names the call that was running."""
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), lib], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        stdout, stderr = p.communicate(json.dumps(calls), timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        p.kill()
        stdout, stderr = p.communicate()
        hung = True
    outcomes = [None] * len(calls)
    running = None
    done = False
    for line in stdout.splitlines():
        if line.startswith("B "):
            running = int(line.split()[1])
        elif line.startswith("E "):
            _, i, res = line.split(" ", 2)
            outcomes[int(i)] = res
            running = None
        elif line == "DONE":
            done = True
    if done and p.returncode == 0:
        return outcomes, None
    what = "hung (timeout)" if hung else f"crashed (exit code {p.returncode})"
    culprit = calls[running] if running is not None else None
    return outcomes, f"{lib} child {what} during call {describe(culprit)}; stderr tail: {stderr[-1500:]}"


def describe(call):
    if call is None:
        return "<none: between calls>"
    kind, name, self_id, arg_ids, kwarg_ids = call
    args = ", ".join(list(arg_ids) + [f"{k}={v}" for k, v in kwarg_ids])
    return f"{self_id}.{name}({args})" if kind == "method" else f"smalltorch.{name}({args})"


if __name__ == "__main__":
    child_main()
