"""Printing of tensors, reproducing the text PyTorch 2.x gives for ``repr(t)``.

This module only depends on the standard library and numpy.  It works on any
object exposing the small duck-typed interface described in ``tensor_repr``.
"""

import contextlib
import dataclasses
import math
import sys

import numpy as np

__all__ = [
    "PRINT_OPTS",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
    "tensor_repr",
]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set options for printing (same semantics as ``torch.set_printoptions``).

    ``profile`` ('default', 'short', 'full') is applied first, then the
    explicit options override it.  ``sci_mode`` is always assigned: passing
    None (the default) returns to automatic selection.  An unknown profile
    name is ignored, as PyTorch does.
    """
    if profile is not None and profile in _PROFILES:
        for key, val in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, val)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """Current print options as a dict usable as ``set_printoptions(**d)``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (arguments as set_printoptions)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ---------------------------------------------------------------------------
# element formatting
# ---------------------------------------------------------------------------

_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64", "half", "float", "double")


def _is_floating(dtype_name, arr):
    if dtype_name in _FLOAT_NAMES or dtype_name.startswith("float"):
        return True
    return arr.dtype.kind == "f"


class _ElementFormatter:
    """Decides a common textual layout for all elements of a tensor.

    Chosen from the (possibly summarized) values: integer mode for floats
    whose finite non-zero values are all integral, scientific notation when
    the dynamic range is large, and a common width that every element is
    left-padded to.
    """

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        flat = np.asarray(values).reshape(-1)
        if flat.size == 0:
            return

        if not floating:
            if flat.dtype.kind == "b":
                cands = set(flat.tolist())
            else:
                cands = (flat.min().item(), flat.max().item())
            self.max_width = max([1] + [len(str(c)) for c in cands])
            return

        flat = flat.astype(np.float64)
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return

        absvals = np.abs(vals)
        lo = absvals.min()
        hi = absvals.max()

        self.int_mode = bool(np.all(vals == np.ceil(vals)))

        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                ratio = hi / lo
            self.sci_mode = bool(ratio > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        # The printed length is monotone in magnitude within each sign (also
        # for the exponent part of scientific notation, which is longest at
        # one of the magnitude extremes), so a few candidates suffice.
        cands = []
        pos = vals[vals > 0]
        neg = vals[vals < 0]
        for part in (pos, neg):
            if part.size:
                cands.append(part.min().item())
                cands.append(part.max().item())

        prec = PRINT_OPTS.precision
        if self.sci_mode:
            lens = [len("{:.{}e}".format(c, prec)) for c in cands]
        elif self.int_mode:
            lens = [len("{:.0f}".format(c)) + 1 for c in cands]
        else:
            lens = [len("{:.{}f}".format(c, prec)) for c in cands]
        self.max_width = max([self.max_width] + lens)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            value = float(value)
            if self.sci_mode:
                text = "{:{}.{}e}".format(value, self.max_width, PRINT_OPTS.precision)
            elif self.int_mode:
                text = "{:.0f}".format(value)
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = "{:.{}f}".format(value, PRINT_OPTS.precision)
        else:
            text = str(value)
        pad = self.max_width - len(text)
        return " " * pad + text if pad > 0 else text


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------


def _summarized_values(a):
    """Edge elements of ``a`` used to choose the formatter when summarizing."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    n = a.shape[0]
    if a.ndim == 1:
        if n > 2 * e:
            # note: with e == 0, a[-0:] is the whole vector (PyTorch does the same)
            return np.concatenate((a[:e], a[-e:]))
        return a
    if not e:
        return np.empty((0,) * a.ndim, dtype=a.dtype)
    if n > 2 * e:
        rows = [a[i] for i in range(e)] + [a[i] for i in range(n - e, n)]
    else:
        rows = [a[i] for i in range(n)]
    return np.stack([_summarized_values(r) for r in rows])


def _format_vector(a, indent, summarize, fmt):
    item_len = fmt.width() + 2
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / item_len)))
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and not e:
        items = ["..."]
    elif summarize and n > 2 * e:
        items = (
            [fmt.format(v) for v in a[:e].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in a[-e:].tolist()]
        )
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _format_nd(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _format_vector(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        parts = (
            [_format_nd(a[i], indent + 1, summarize, fmt) for i in range(e)]
            + ["..."]
            + [_format_nd(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)]
        )
    else:
        parts = [_format_nd(a[i], indent + 1, summarize, fmt) for i in range(n)]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def _body_str(a, floating, indent):
    if a.size == 0:
        return "[]"
    summarize = a.size > PRINT_OPTS.threshold
    fmt = _ElementFormatter(_summarized_values(a) if summarize else a, floating)
    return _format_nd(a, indent, summarize, fmt)


def _append_suffixes(text, suffixes, indent):
    pieces = [text]
    # PyTorch's own (slightly generous) measure of the last line's length
    cur = len(text) - text.rfind("\n") + 1
    for suf in suffixes:
        if cur + len(suf) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suf)
            cur = indent + len(suf)
        else:
            pieces.append(", " + suf)
            cur += len(suf) + 2
    pieces.append(")")
    return "".join(pieces)


def _grad_fn_name(t):
    try:
        grad_fn = t.grad_fn
    except RuntimeError:
        return "Invalid"
    if grad_fn is None:
        return None
    name_attr = getattr(grad_fn, "name", None)
    if callable(name_attr):
        name = str(name_attr())
    else:
        name = type(grad_fn).__name__
    return name.rsplit("::", 1)[-1]


def tensor_repr(t, default_dtype_name="float32"):
    """Return the PyTorch-style repr of tensor-like ``t``.

    ``t`` must provide ``dtype`` (whose ``str`` is ``'<module>.<name>'``),
    ``shape``, ``requires_grad``, ``is_leaf``, ``grad_fn`` and
    ``detach().numpy()``.  ``default_dtype_name`` is the name of the current
    default floating dtype (e.g. 'float32').
    """
    dtype_str = str(t.dtype)
    dtype_name = dtype_str.rsplit(".", 1)[-1]
    shape = tuple(int(s) for s in tuple(t.shape))
    values = t.detach()
    if dtype_name in ("float16", "bfloat16"):  # formatted from their exact float32 values (numpy has no bfloat16)
        values = values.float()
    arr = np.asarray(values.numpy())
    if arr.shape != shape:
        arr = arr.reshape(shape)

    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    default_complex = "complex128" if default_dtype_name == "float64" else "complex64"
    has_default_dtype = dtype_name in (default_dtype_name, default_complex, "int64", "bool")

    numel = int(arr.size)
    if numel == 0:
        if len(shape) != 1:
            suffixes.append("size=" + str(shape))
        if dtype_name != default_dtype_name:
            suffixes.append("dtype=" + dtype_str)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(shape))
        if not has_default_dtype:
            suffixes.append("dtype=" + dtype_str)
        body = _body_str(arr, _is_floating(dtype_name, arr), indent)

    gname = _grad_fn_name(t)
    if gname is not None:
        suffixes.append("grad_fn=<" + gname + ">")
    elif bool(t.requires_grad):
        suffixes.append("requires_grad=True")
    _C = sys.modules.get("smalltorch._C")  # (this file also formats duck-typed tensors, standalone)
    if _C is not None and isinstance(t, _C.Tensor) and _C._dual_level_open():
        tangent = _C._unpack_dual(t)[1]
        if tangent is not None:
            suffixes.append(f"tangent={tangent}")

    return _append_suffixes(prefix + body, suffixes, indent)
