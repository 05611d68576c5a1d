"""Issue 10's non-elementwise functions that PyTorch composes (or that compose here from differentiable ops,
their gradients coming from those ops): positive, float_power, diff, trapezoid, cumulative_trapezoid, vander,
block_diag, cartesian_prod, meshgrid, tril/triu_indices, rot90, diag_embed, diagflat, dist, cov, corrcoef, isin,
isreal, conj, resolve_conj, is_nonzero, kron, tensordot, logspace, nansum, nanmean, cdist, renorm, histc,
bincount, bucketize, searchsorted, cummax, cummin, logcumsumexp, median, nanmedian, kthvalue, quantile,
nanquantile, tensor_split, hsplit/vsplit/dsplit, unique_consecutive, chain_matmul, addmv, addr, baddbmm,
addbmm, pinverse, matrix_power, matrix_exp, sum_to_size, apply_, map_."""

import builtins
import math

from . import _C
from . import return_types as _rt
from ._C import Tensor


def _need(fn, t, arg="input", pos=1):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(t).__name__}")


def _st():
    import smalltorch
    return smalltorch


def _wrap_dim(fn, dim, ndim):
    n = builtins.max(ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{fn}(): argument 'dim' must be int, not {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _out(result, out, name):
    """result, or with out= given, result written into out (resized to its shape, as PyTorch does) and out."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    _C._write_out(out, result, name)  # castable dtype, no grad wanted, out resized: ops::write_out
    return out


# ---------------------------------------------------------------- elementwise compositions
def positive(input):
    _need("positive", input)
    if input.dtype == _C.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _as_double(x):
    return x.to(_C.float64) if isinstance(x, Tensor) else x


def float_power(input, exponent, *, out=None):
    """input ** exponent computed in float64 (both converted first)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power() received an invalid combination of arguments: neither input nor exponent "
                        "is a Tensor")
    if isinstance(exponent, bool) or (not isinstance(exponent, Tensor) and not isinstance(exponent, (int, float))):
        raise TypeError(f"float_power(): argument 'exponent' must be Tensor or Number, not {type(exponent).__name__}")
    if isinstance(input, Tensor):
        r = _C.pow(input.to(_C.float64), _as_double(exponent) if isinstance(exponent, Tensor) else float(exponent))
    else:
        r = _C.pow(float(input), exponent.to(_C.float64))
    return _out(r, out, "float_power")


def _float_power_(self, exponent):
    if self.dtype != _C.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_type_name(self.dtype)} but the operation's "
                           "result requires dtype Double")
    return self.pow_(_as_double(exponent) if isinstance(exponent, Tensor) else float(exponent))


def _type_name(dt):
    return dt._torch_name


def isreal(input):
    _need("isreal", input)
    return _st().ones_like(input, dtype=_C.bool)


def conj(input):
    _need("conj", input)
    return input


def resolve_conj(input):
    _need("resolve_conj", input)
    return input


def is_nonzero(input):
    _need("is_nonzero", input)
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return builtins.bool(input.item() != 0)


# ---------------------------------------------------------------- differences and integrals
def diff(input, n=1, dim=-1, prepend=None, append=None):
    _need("diff", input)
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if not isinstance(n, int) or n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim("diff", dim, input.dim())
    parts = [t for t in (prepend, input, append) if t is not None]
    x = _C.cat([p if p.dim() else p.expand(*input.shape[:d], 1, *input.shape[d + 1:]) for p in parts], d) \
        if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = _C.logical_xor(hi, lo) if x.dtype == _C.bool else hi - lo
    return x


_UNSET = object()  # an argument not given (PyTorch's overloads refuse an explicit None there)


def _trapezoid(name, y, x, dx, dim, reduce):
    """reduce(terms, d): the trapezoids of y along dim (widths from x, dx or 1), summed or accumulated."""
    _need(name, y, "y")
    if x is _UNSET:
        x = None
    elif not isinstance(x, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments: 'x' must be Tensor, not "
                        f"{type(x).__name__}")
    d = _wrap_dim(name, dim, y.dim())
    length = y.shape[d]
    if length == 0:
        return reduce(y, d) if reduce is _C.sum else y.narrow(d, 0, 0) * 1
    mid = y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)
    if x is None:
        return reduce(mid, d) * ((1.0 if dx is None else dx) / 2)
    dxs = diff(x, dim=-1 if x.dim() == 1 else dim)
    if x.dim() == 1:
        dxs = dxs.reshape([-1] + [1] * (y.dim() - d - 1))
    return reduce(dxs * mid, d) / 2


def trapezoid(y, x=_UNSET, *, dx=None, dim=-1):
    return _trapezoid("trapezoid", y, x, dx, dim, _C.sum)


def cumulative_trapezoid(y, x=_UNSET, *, dx=None, dim=-1):
    return _trapezoid("cumulative_trapezoid", y, x, dx, dim, _C.cumsum)


# ---------------------------------------------------------------- matrix builders
def vander(x, N=None, increasing=False):
    _need("vander", x, "x")
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"vander(): argument 'N' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if n >= 2 ** 31:
        raise RuntimeError(f"vander: N = {n} columns is too large")
    st = _st()
    base = x.to(st.int64) if x.dtype == _C.bool else x
    if n == 0:
        return st.empty((x.shape[0], 0), dtype=st.promote_types(base.dtype, st.int64))
    cols = [st.ones_like(base).to(st.promote_types(base.dtype, st.int64))]
    for _ in range(1, n):
        cols.append(cols[-1] * base)
    m = _C.stack(cols, 1)
    return m if increasing else m.flip(1)


def block_diag(*tensors):
    st = _st()
    mats = []
    for i, t in enumerate(tensors):
        _need("block_diag", t, "tensors", i + 1)
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.dim()} dimensions")
        mats.append(t.reshape(1, 1) if t.dim() == 0 else t.reshape(1, -1) if t.dim() == 1 else t)
    if not mats:
        return st.empty((1, 0))
    dtype = mats[0].dtype
    for m in mats[1:]:
        dtype = st.promote_types(dtype, m.dtype)
    rows = builtins.sum(m.shape[0] for m in mats)
    cols = builtins.sum(m.shape[1] for m in mats)
    pieces, c = [], 0
    for m in mats:
        left = st.zeros((m.shape[0], c), dtype=dtype)
        right = st.zeros((m.shape[0], cols - c - m.shape[1]), dtype=dtype)
        pieces.append(_C.cat([left, m.to(dtype), right], 1))
        c += m.shape[1]
    return _C.cat(pieces, 0) if pieces else st.zeros((rows, cols), dtype=dtype)


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("torch.meshgrid: expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        _need("meshgrid", t, "tensors", i + 1)
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.dim()}D")
    if indexing not in (None, "ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if builtins.any(t.dtype != tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.shape[0] for t in ts]
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        out.append(t.reshape(view).expand(*shape))
    if swap:  # 'xy': the grids of (t1, t0, ...) in 'ij' order, the first two handed back swapped
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def cartesian_prod(*tensors):
    for i, t in enumerate(tensors):
        _need("cartesian_prod", t, "tensors", i + 1)
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return _C.stack([g.reshape(-1) for g in grids], 1)


def _tri_indices(name, row, col, offset, dtype, upper):
    st = _st()
    for a, v in (("row", row), ("col", col), ("offset", offset)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"{name}(): argument '{a}' must be int, not {type(v).__name__}")
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else f"col must be non-negative, got{col}")
    dtype = st.int64 if dtype is None else dtype
    r = st.arange(row).reshape(-1, 1)
    c = st.arange(col).reshape(1, -1)
    mask = (c - r >= offset) if upper else (c - r <= offset)
    return _C.stack([r.expand(row, col)[mask], c.expand(row, col)[mask]], 0).to(dtype)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices("tril_indices", row, col, offset, dtype, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices("triu_indices", row, col, offset, dtype, True)


def rot90(input, k=1, dims=(0, 1)):
    _need("rot90", input)
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = (_wrap_dim("rot90", d, input.dim()) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip(d0, d1)
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    _need("diag_embed", input)
    st = _st()
    n = input.shape[-1] if input.dim() else 1
    x = input.reshape(1) if input.dim() == 0 else input
    size = n + builtins.abs(offset)
    eye = st.eye(n, dtype=x.dtype if x.dtype != st.bool else st.int64)
    m = x.unsqueeze(-1) * eye if x.dtype != st.bool else (x.unsqueeze(-1).to(st.int64) * eye).to(st.bool)
    if offset:
        zc = st.zeros((*m.shape[:-1], builtins.abs(offset)), dtype=m.dtype)
        m = _C.cat([zc, m] if offset > 0 else [m, zc], -1)
        zr = st.zeros((*m.shape[:-2], builtins.abs(offset), size), dtype=m.dtype)
        m = _C.cat([m, zr] if offset > 0 else [zr, m], -2)
    nd = m.dim()
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if (d1, d2) != (nd - 2, nd - 1):
        m = m.movedim((nd - 2, nd - 1), (d1, d2))
    return m


def diagflat(input, offset=0):
    _need("diagflat", input)
    return _C.diag(input.reshape(-1), offset)


# ---------------------------------------------------------------- products
def kron(input, other, *, out=None):
    _need("kron", input)
    _need("kron", other, "other", 2)
    nd = builtins.max(input.dim(), other.dim())
    a = input.reshape([1] * (nd - input.dim()) + list(input.shape))
    b = other.reshape([1] * (nd - other.dim()) + list(other.shape))
    av, bv = [], []
    for i in range(nd):
        av += [a.shape[i], 1]
        bv += [1, b.shape[i]]
    r = (a.reshape(av) * b.reshape(bv)).reshape([a.shape[i] * b.shape[i] for i in range(nd)])
    return _out(r, out, "kron")


def tensordot(a, b, dims=2, out=None):
    _need("tensordot", a, "a")
    _need("tensordot", b, "b", 2)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        da, db = list(dims[0]), list(dims[1])
        da = [da] if isinstance(da, int) else da
        db = [db] if isinstance(db, int) else db
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da = [d % builtins.max(a.dim(), 1) for d in da]
    db = [d % builtins.max(b.dim(), 1) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim {x} "
                               f"and second has size {b.shape[y]} in dim {y}")
    fa = [d for d in range(a.dim()) if d not in da]
    fb = [d for d in range(b.dim()) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    am = a.permute(fa + da).reshape(-1, k)
    bm = b.permute(db + fb).reshape(k, -1)
    r = (am @ bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])
    return _out(r, out, "tensordot")


def cross(input, other, dim=None, *, out=None):
    """The cross product along dim (default: the first dimension of size 3, as PyTorch's deprecated default)."""
    from . import linalg
    _need("cross", input)
    _need("cross", other, "other", 2)
    if dim is None:
        shape = _st().broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, n in enumerate(shape) if n == 3), -1)
    return _out(linalg.cross(input, other, dim=dim), out, "cross")


def chain_matmul(*matrices, out=None):
    from . import linalg
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out, "chain_matmul")
    return _out(linalg.multi_dot(list(matrices)), out, "chain_matmul")


def _scaled(name, input, prod, beta, alpha):
    """beta * input + alpha * prod; with beta == 0 the input's values (NaN included) are ignored, as in PyTorch."""
    p = prod * alpha if alpha != 1 else prod
    if beta == 0:
        return p + _st().zeros_like(input)
    return input * beta + p if beta != 1 else input + p


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    _need("addmv", input)
    return _out(_scaled("addmv", input, _C.mv(mat, vec), beta, alpha), out, "addmv")


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    _need("addr", input)
    return _out(_scaled("addr", input, _C.outer(vec1, vec2), beta, alpha), out, "addr")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _need("baddbmm", input)
    return _out(_scaled("baddbmm", input, _C.bmm(batch1, batch2), beta, alpha), out, "baddbmm")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _need("addbmm", input)
    return _out(_scaled("addbmm", input, _C.bmm(batch1, batch2).sum(0), beta, alpha), out, "addbmm")


def pinverse(input, rcond=1e-15):
    from . import linalg
    _need("pinverse", input)
    if isinstance(rcond, bool) or not isinstance(rcond, (int, float)):
        raise TypeError(f"pinverse(): argument 'rcond' must be float, not {type(rcond).__name__}")
    return linalg.pinv(input, rtol=rcond)


def matrix_power(input, n):
    from . import linalg
    return linalg.matrix_power(input, n)


def matrix_exp(input):
    """exp(A) by scaling and squaring around a degree-18 Taylor polynomial (matmuls: differentiable)."""
    _need("matrix_exp", input)
    st = _st()
    if input.dim() < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError("linalg.matrix_exp: A must be batches of square matrices, but they are "
                           f"{input.shape[-2] if input.dim() >= 2 else 0} by {input.shape[-1] if input.dim() else 0} "
                           "matrices")
    if not input.is_floating_point():
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(input.dtype)}")
    n = input.shape[-1]
    if input.numel() == 0:
        return input.clone()
    norm = float(input.detach().abs().sum(-1).amax()) if input.numel() else 0.0
    s = builtins.max(0, int(math.ceil(math.log2(norm))) + 1) if norm > 0.5 else 0
    a = input / (2.0 ** s) if s else input
    eye = st.eye(n, dtype=input.dtype).expand_as(input)
    result, term = eye, eye
    for k in range(1, 19):
        term = (term @ a) / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


# ---------------------------------------------------------------- statistics
def dist(input, other, p=2):
    _need("dist", input)
    _need("dist", other, "other", 2)
    from . import linalg
    return linalg.vector_norm(input - other, p)


def cov(input, *, correction=1, fweights=None, aweights=None):
    _need("cov", input)
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    if not x.is_floating_point():
        x = x.to(_C.get_default_dtype())
    nobs = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        wsum = nobs
        norm = nobs - correction
    else:
        w = w.to(x.dtype)
        wsum = w.sum()
        avg = (x * w).sum(1) / wsum
        norm = wsum - correction * ((w * aweights).sum() / wsum) if aweights is not None else wsum - correction
    if isinstance(norm, Tensor):
        norm = norm.clamp_min(0)
    else:
        norm = builtins.max(norm, 0)
    xm = x - avg.unsqueeze(1)
    c = ((xm * w) if w is not None else xm) @ xm.t()
    c = c / norm
    return c.squeeze()


def corrcoef(input):
    _need("corrcoef", input)
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = _C.diagonal(c)
    sd = d.sqrt()
    c = c / sd.unsqueeze(1)
    c = c / sd.unsqueeze(0)
    return c.clamp(-1, 1)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    _need("nansum", input)
    x = input.masked_fill(input.isnan(), 0) if input.is_floating_point() else input
    if dim is None:
        return x.sum(dtype=dtype) if dtype is not None else x.sum()
    return x.sum(dim, keepdim=keepdim, dtype=dtype) if dtype is not None else x.sum(dim, keepdim=keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    _need("nanmean", input)
    if not input.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_type_name(input.dtype)}")
    keep = ~input.isnan()
    count = keep.sum() if dim is None else keep.sum(dim, keepdim=keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def cdist(x1, x2, p=2.0, compute_mode=None):
    _need("cdist", x1, "x1")
    _need("cdist", x2, "x2", 2)
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, but got {p}")
    from . import linalg
    d = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return linalg.vector_norm(d, p, dim=-1)


def renorm(input, p, dim, maxnorm):
    _need("renorm", input)
    from . import linalg
    if p < 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p = {p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = _wrap_dim("renorm", dim, input.dim())
    others = tuple(i for i in range(input.dim()) if i != d)
    norms = linalg.vector_norm(input, p, dim=others, keepdim=True) if others else input.abs()
    factor = _C.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return input * factor


def _renorm_(self, p, dim, maxnorm):
    r = renorm(self, p, dim, maxnorm)
    return self.copy_(r.detach()) if not self.requires_grad else self.copy_(r)


def histc(input, bins=100, min=0, max=0, *, out=None):
    _need("histc", input)
    st = _st()
    if not input.is_floating_point():
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{_type_name(input.dtype)}\'')
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    x = input.detach().reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and x.numel():
        lo, hi = float(x.amin()), float(x.amax())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} max {hi}")
    if math.isinf(lo) or math.isinf(hi) or math.isnan(lo) or math.isnan(hi):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    keep = (x >= lo) & (x <= hi)
    v = x[keep].to(st.float64)
    idx = ((v - lo) * bins / (hi - lo)).floor().to(st.int64).clamp(0, bins - 1)
    h = st.zeros(bins, dtype=input.dtype).index_add(0, idx, st.ones(idx.shape, dtype=input.dtype))
    return _out(h, out, "histc")


def bincount(input, weights=None, minlength=0):
    _need("bincount", input)
    st = _st()
    if input.dim() != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input.is_floating_point() or input.dtype == st.bool:
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{_type_name(input.dtype)}\'')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.numel() and int(input.amin()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.dim() != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    n = builtins.max(int(input.amax()) + 1 if input.numel() else 0, minlength)
    idx = input.to(st.int64)
    if weights is None:
        return st.zeros(n, dtype=st.int64).index_add(0, idx, st.ones(idx.shape, dtype=st.int64))
    wdt = weights.dtype if weights.dtype in (st.float32, st.float64) else st.float64
    return st.zeros(n, dtype=wdt).index_add(0, idx, weights.detach().to(wdt))


def _count_below(boundaries, values, right):
    b = boundaries.unsqueeze(-2) if boundaries.dim() else boundaries
    v = values.unsqueeze(-1)
    return ((b <= v) if right else (b < v)).sum(-1)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    st = _st()
    scalar = not isinstance(input, Tensor)
    x = st.tensor(input) if scalar else input
    _need("bucketize", boundaries, "boundaries", 2)
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    r = ((boundaries <= x.unsqueeze(-1)) if right else (boundaries < x.unsqueeze(-1))).sum(-1)
    r = r.to(st.int32 if out_int32 else st.int64)
    return _out(r, out, "bucketize")


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    st = _st()
    _need("searchsorted", sorted_sequence, "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = sorted_sequence if sorter is None else sorted_sequence.gather(-1, sorter)
    scalar = not isinstance(input, Tensor)
    x = st.tensor(input, dtype=seq.dtype) if scalar else input
    if seq.dim() == 1:
        r = ((seq <= x.unsqueeze(-1)) if right else (seq < x.unsqueeze(-1))).sum(-1)
    else:
        if x.dim() != seq.dim() or tuple(x.shape[:-1]) != tuple(seq.shape[:-1]):
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(x.shape)}")
        r = ((seq.unsqueeze(-2) <= x.unsqueeze(-1)) if right else (seq.unsqueeze(-2) < x.unsqueeze(-1))).sum(-1)
    r = r.to(st.int32 if out_int32 else st.int64)
    return _out(r, out, "searchsorted")


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    st = _st()
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: at least one of elements and "
                        "test_elements must be a Tensor")
    e = elements if isinstance(elements, Tensor) else st.tensor(elements)
    t = test_elements if isinstance(test_elements, Tensor) else st.tensor(test_elements)
    r = (e.unsqueeze(-1) == t.reshape(-1)).any(-1) if t.numel() else st.zeros(e.shape, dtype=st.bool)
    return ~r if invert else r


# ---------------------------------------------------------------- scans and order statistics
def _cum_extreme(name, input, dim, better):
    _need(name, input)
    st = _st()
    d = _wrap_dim(name, dim, input.dim())
    x = input.reshape(1) if input.dim() == 0 else input
    if x.shape[d] == 0 or x.numel() == 0:
        return getattr(_rt, name)(x.clone(), st.zeros(x.shape, dtype=st.int64))
    vals, idxs = [], []
    cur = cur_i = None
    for i in range(x.shape[d]):
        v = x.select(d, i)
        if cur is None:
            cur, cur_i = v, st.zeros(v.shape, dtype=st.int64)
        else:
            take = better(v, cur)
            if v.is_floating_point():  # a NaN takes over, and stays until the next NaN
                take = v.isnan() | (~cur.isnan() & take)
            cur = _C.where(take, v, cur)
            cur_i = _C.where(take, i, cur_i)
        vals.append(cur)
        idxs.append(cur_i)
    values, indices = _C.stack(vals, d), _C.stack(idxs, d)
    if input.dim() == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return getattr(_rt, name)(values, indices)


def cummax(input, dim):
    return _cum_extreme("cummax", input, dim, lambda v, c: v >= c)


def cummin(input, dim):
    return _cum_extreme("cummin", input, dim, lambda v, c: v <= c)


def logcumsumexp(input, dim):
    _need("logcumsumexp", input)
    st = _st()
    d = _wrap_dim("logcumsumexp", dim, input.dim())
    x = input if input.is_floating_point() else input.to(st.get_default_dtype())
    if x.numel() == 0:
        return x.clone()
    m = x.detach().amax(d, keepdim=True) if x.dim() else x.detach()
    m = m.masked_fill(m.isinf(), 0)
    return (x - m).exp().cumsum(d).log() + m


def _order_stat(name, input, dim, keepdim, pick):
    """(values, indices) of the element chosen by pick(sorted, count_of_non_nan, n) along dim."""
    _need(name, input)
    st = _st()
    if dim is None:
        raise TypeError(f"{name}() received an invalid combination of arguments: 'dim' must be int, not NoneType")
    if dim is _UNSET:
        dim = None
        x = input.reshape(-1)
        d = 0
    else:
        d = _wrap_dim(name, dim, input.dim())
        x = input.reshape(1) if input.dim() == 0 else input
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    s, i = x.sort(d)
    pos = pick(s, (~s.isnan()).sum(d, keepdim=True) if s.is_floating_point() else None, n, d)
    values, indices = s.gather(d, pos), i.gather(d, pos)
    if dim is None:
        return values.reshape(())
    if not keepdim or input.dim() == 0:
        values, indices = values.squeeze(d), indices.squeeze(d)
    if input.dim() == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return getattr(_rt, name)(values, indices)


def _full_pos(s, d, value):
    st = _st()
    shape = list(s.shape)
    shape[d] = 1
    return value if isinstance(value, Tensor) else st.full(shape, value, dtype=st.int64)


def median(input, dim=_UNSET, keepdim=False):
    def pick(s, k, n, d):
        if k is None:
            return _full_pos(s, d, (n - 1) // 2)
        # a NaN anywhere makes the median NaN: the first NaN sorted last
        return _C.where(k < n, k, (k - 1) // 2).to(_C.int64)
    return _order_stat("median", input, dim, keepdim, pick)


def nanmedian(input, dim=_UNSET, keepdim=False):
    def pick(s, k, n, d):
        if k is None:
            return _full_pos(s, d, (n - 1) // 2)
        return ((k - 1).clamp_min(0) // 2).to(_C.int64)
    return _order_stat("nanmedian", input, dim, keepdim, pick)


def kthvalue(input, k, dim=-1, keepdim=False):
    _need("kthvalue", input)
    size = input.shape[dim] if input.dim() else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim if input.dim() else 0}")

    def pick(s, cnt, n, d):
        return _full_pos(s, d, k - 1)
    return _order_stat("kthvalue", input, dim, keepdim, pick)


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    _need(name, input)
    st = _st()
    if not input.is_floating_point():
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                           f"Got {interpolation}")
    scalar_q = not isinstance(q, Tensor)
    if not scalar_q and q.dtype != input.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    qt = st.tensor(q, dtype=input.dtype) if scalar_q else q
    if qt.dim() > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if bool(((qt < 0) | (qt > 1)).any()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if input.numel() == 0 and dim is None:
        raise IndexError(f"{name}() input tensor must be non-empty")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _wrap_dim(name, dim, input.dim())
    s, _ = x.sort(d)
    n = s.shape[d]
    s = s.movedim(d, -1)
    k = (~s.isnan()).sum(-1, keepdim=True)  # non-NaN count
    if not ignore_nan:
        k = _C.where(k < n, 0, k)  # any NaN: the result is NaN below
    qv = qt.reshape(-1)
    rank = qv * (k - 1).clamp_min(0).to(s.dtype)  # (..., nq)
    lo = rank.floor().to(st.int64)
    hi = rank.ceil().to(st.int64)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = rank.round().to(st.int64)
    vlo, vhi = s.gather(-1, lo.clamp(0, builtins.max(n - 1, 0))), s.gather(-1, hi.clamp(0, builtins.max(n - 1, 0)))
    if interpolation == "midpoint":
        r = (vlo + vhi) / 2
    elif interpolation == "linear":
        r = vlo + (vhi - vlo) * (rank - lo.to(s.dtype))
    else:
        r = vlo
    nan = (k == 0) if ignore_nan else (~s.isnan()).sum(-1, keepdim=True) < n
    r = r.masked_fill(nan.expand_as(r), float("nan"))
    r = r.movedim(-1, 0)  # q first
    if dim is not None and keepdim:
        r = r.unsqueeze(d + 1)
    elif dim is None and keepdim:
        r = r.reshape([r.shape[0]] + [1] * input.dim())
    return r.squeeze(0) if scalar_q or qt.dim() == 0 else r


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _out(_quantile("quantile", input, q, dim, keepdim, interpolation, False), out, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _out(_quantile("nanquantile", input, q, dim, keepdim, interpolation, True), out, "nanquantile")


# ---------------------------------------------------------------- splitting and uniqueness
def tensor_split(input, indices_or_sections, dim=0):
    _need("tensor_split", input)
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _wrap_dim("tensor_split", dim, input.dim())
    n = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, bool) or not isinstance(ios, (int, list, tuple, Tensor)):
        raise TypeError(f"tensor_split(): argument 'indices_or_sections' must be tuple of ints or int or Tensor, "
                        f"not {type(ios).__name__}")
    if isinstance(ios, Tensor):
        ios = ios.item() if ios.dim() == 0 else ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        base, extra = divmod(n, ios)
        sizes = [base + 1] * extra + [base] * (ios - extra)
        bounds, acc = [], 0
        for s in sizes[:-1]:
            acc += s
            bounds.append(acc)
    else:
        bounds = list(ios)
    out, start = [], 0
    for b in bounds + [n]:
        b = builtins.min(builtins.max(b, 0), n) if b >= 0 else builtins.max(n + b, 0)
        stop = builtins.max(b, start)
        out.append(input.narrow(d, start, stop - start))
        start = stop
    return tuple(out)


def _xsplit(name, dim, min_dim):
    def fn(input, indices_or_sections):
        _need(name, input)
        if input.dim() < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor "
                               f"with {input.dim()} dimensions!")
        d = 0 if (name == "hsplit" and input.dim() == 1) else dim
        if isinstance(indices_or_sections, int) and indices_or_sections > 0 and \
                input.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{input.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)
    fn.__name__ = fn.__qualname__ = name
    return fn


hsplit = _xsplit("hsplit", 1, 1)
vsplit = _xsplit("vsplit", 0, 2)
dsplit = _xsplit("dsplit", 2, 3)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    _need("unique_consecutive", input)
    st = _st()
    for arg, v in (("return_inverse", return_inverse), ("return_counts", return_counts)):
        if not isinstance(v, bool):
            raise TypeError(f"unique_consecutive(): argument '{arg}' must be bool, not {type(v).__name__}")
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
        raise TypeError(f"unique_consecutive(): argument 'dim' must be int, not {type(dim).__name__}")
    if dim is not None:
        d = _wrap_dim("unique_consecutive", dim, input.dim())
        x = input.movedim(d, 0)
        flat = x.reshape(x.shape[0], -1)
        if flat.shape[0] == 0:
            keep = st.zeros(0, dtype=st.bool)
        else:
            change = (flat[1:] != flat[:-1]).any(1) if flat.shape[1] else st.zeros(flat.shape[0] - 1, dtype=st.bool)
            keep = _C.cat([st.ones(1, dtype=st.bool), change])
        values = x[keep].movedim(0, d)
    else:
        flat = input.reshape(-1)
        keep = _C.cat([st.ones(builtins.min(1, flat.numel()), dtype=st.bool), flat[1:] != flat[:-1]])
        values = flat[keep]
    result = [values]
    if return_inverse:
        inv = keep.to(st.int64).cumsum(0) - 1
        result.append(inv.reshape(input.shape) if dim is None else inv)
    if return_counts:
        starts = keep.nonzero().reshape(-1)
        ends = _C.cat([starts[1:], st.tensor([keep.shape[0]], dtype=st.int64)])
        result.append(ends - starts)
    return result[0] if len(result) == 1 else tuple(result)


# ---------------------------------------------------------------- more of issue 10's list
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    st = _st()
    exps = st.linspace(start, end, steps, dtype=st.float64)
    r = st.pow(float(base), exps).to(dtype or st.get_default_dtype())
    if requires_grad:
        r.requires_grad_()
    return _out(r, out, "logspace")


def combinations(input, r=2, with_replacement=False):
    import itertools
    _need("combinations", input)
    st = _st()
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return st.empty(0, dtype=input.dtype)
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    combos = list(gen(range(input.shape[0]), r))
    if not combos:
        return st.empty((0, r), dtype=input.dtype)
    idx = st.tensor(combos, dtype=st.int64)
    return input.index_select(0, idx.reshape(-1)).reshape(len(combos), r)


def mode(input, dim=-1, keepdim=False):
    _need("mode", input)
    st = _st()
    d = _wrap_dim("mode", dim, input.dim())
    x = (input.reshape(1) if input.dim() == 0 else input).movedim(d, -1)
    if x.shape[-1] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    s, _ = x.sort(-1)
    counts = (s.unsqueeze(-1) == s.unsqueeze(-2)).sum(-1)
    best = counts.argmax(-1, keepdim=True)  # the first maximum: the smallest of the most frequent values
    values = s.gather(-1, best)
    pos = st.arange(x.shape[-1]).expand(x.shape)
    indices = _C.where(x == values, pos, -1).amax(-1, keepdim=True)  # its last occurrence
    values, indices = values.squeeze(-1), indices.squeeze(-1)
    if input.dim() and keepdim:
        values, indices = values.unsqueeze(d), indices.unsqueeze(d)
    return _rt.mode(values, indices)


def _index_mask(name, input, dim, index):
    st = _st()
    d = _wrap_dim(name, dim, input.dim())
    _need(name, index, "index", 3)
    if index.dtype != st.int64:
        raise IndexError(f"{name}_(): Expected dtype int64 for index.")
    if index.dim() > 1:
        raise IndexError(f"{name}_(): Index is supposed to be a vector")
    size = input.shape[d] if input.dim() else 1
    flat = index.reshape(-1)
    if flat.numel() and (int(flat.amax()) >= size or int(flat.amin()) < -size):
        bad = int(flat.amax()) if int(flat.amax()) >= size else int(flat.amin())
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    mask = st.zeros(size, dtype=st.bool)
    mask[flat] = True
    view = [1] * input.dim()
    if input.dim():
        view[d] = size
    return mask.reshape(view) if input.dim() else mask.reshape(())


def index_fill(input, dim, index, value):
    _need("index_fill", input)
    return input.masked_fill(_index_mask("index_fill", input, dim, index), value)


def _index_fill_(self, dim, index, value):
    return self.masked_fill_(_index_mask("index_fill", self, dim, index), value)


def index_copy(input, dim, index, source):
    _need("index_copy", input)
    out = input.clone()
    return _index_copy_(out, dim, index, source)


def _index_copy_(self, dim, index, source):
    st = _st()
    d = _wrap_dim("index_copy", dim, self.dim())
    if index.dtype != st.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got " + _type_name(index.dtype))
    if self.dim() == 0:
        self.copy_(source.reshape(()))
        return self
    self[(slice(None),) * d + (index.reshape(-1),)] = source
    return self


def _clamp_min_(self, min):
    return self.clamp_(min=min)


def _clamp_max_(self, max):
    return self.clamp_(max=max)


# ---------------------------------------------------------------- Tensor-only helpers
def _sum_to_size(self, *size):
    if not size:
        raise TypeError("sum_to_size() missing 1 required positional argument: 'size'")
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    size = tuple(size)
    st = _st()
    try:
        st.broadcast_shapes(size, tuple(self.shape))
        ok = st.broadcast_shapes(size, tuple(self.shape)) == tuple(self.shape)
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                           f"{{{', '.join(map(str, self.shape))}}}.")
    lead = self.dim() - len(size)
    r = self.sum(tuple(range(lead))) if lead else self
    dims = tuple(i for i, s in enumerate(size) if s == 1 and r.shape[i] != 1)
    return r.sum(dims, keepdim=True) if dims else r


def _apply_(self, callable):
    st = _st()
    vals = [callable(v) for v in self.reshape(-1).tolist()]
    with st.no_grad():
        self.copy_(st.tensor(vals, dtype=self.dtype).reshape(self.shape))
    return self


def _map_(self, tensor, callable):
    st = _st()
    other = tensor.expand_as(self).reshape(-1).tolist()
    vals = [callable(a, b) for a, b in zip(self.reshape(-1).tolist(), other)]
    with st.no_grad():
        self.copy_(st.tensor(vals, dtype=self.dtype).reshape(self.shape))
    return self


def _method_without_out(fn):
    """fn as a Tensor method: PyTorch's methods take no out= (a TypeError)."""
    def method(self, *args, **kwargs):
        if "out" in kwargs:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument 'out'")
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _inplace(fn):
    def method(self, *args, **kwargs):
        return self.copy_(fn(self, *args, **kwargs))
    return method


FUNCTIONS = ["positive", "float_power", "isreal", "conj", "resolve_conj", "is_nonzero", "diff", "trapezoid",
             "cumulative_trapezoid", "vander", "block_diag", "meshgrid", "cartesian_prod", "tril_indices",
             "triu_indices", "rot90", "diag_embed", "diagflat", "kron", "tensordot", "cross", "chain_matmul", "addmv", "addr",
             "baddbmm", "addbmm", "pinverse", "matrix_power", "matrix_exp", "dist", "cov", "corrcoef", "nansum",
             "nanmean", "cdist", "renorm", "histc", "bincount", "bucketize", "searchsorted", "isin", "cummax",
             "cummin", "logcumsumexp", "median", "nanmedian", "kthvalue", "quantile", "nanquantile",
             "tensor_split", "hsplit", "vsplit", "dsplit", "unique_consecutive", "logspace", "combinations", "mode",
             "index_fill", "index_copy", "einsum"]
# Tensor methods where PyTorch has them
METHODS = ["positive", "float_power", "isreal", "conj", "resolve_conj", "is_nonzero", "diff", "rot90",
           "diag_embed", "diagflat", "kron", "cross", "addmv", "addr", "baddbmm", "addbmm", "pinverse", "matrix_power",
           "matrix_exp", "dist", "cov", "corrcoef", "nansum", "nanmean", "renorm", "bincount", "cummax",
           "cummin", "logcumsumexp", "median", "nanmedian", "kthvalue", "quantile", "nanquantile", "tensor_split",
           "hsplit", "vsplit", "dsplit", "unique_consecutive", "mode", "index_fill", "index_copy"]


def _install(namespace):
    g = globals()
    for name in FUNCTIONS:
        namespace[name] = g[name]
    for name in METHODS:
        setattr(Tensor, name, g[name])
    Tensor.float_power_ = _float_power_
    Tensor.renorm_ = _renorm_
    for name in ("addmv", "addr", "baddbmm", "addbmm"):
        setattr(Tensor, name + "_", _inplace(g[name]))
    Tensor.index_fill_ = _index_fill_
    Tensor.index_copy_ = _index_copy_
    Tensor.clamp_min_ = _clamp_min_
    Tensor.clamp_max_ = _clamp_max_
    for name in ("det", "logdet", "slogdet", "inverse", "cholesky", "qr", "svd"):  # linalg's top-level functions
        if name in namespace and not hasattr(Tensor, name):
            setattr(Tensor, name, _method_without_out(namespace[name]))
    Tensor.histc = _method_without_out(histc)
    Tensor.sum_to_size = _sum_to_size
    Tensor.apply_ = _apply_
    Tensor.map_ = _map_


# ------------------------------------------------------------------ einsum

def _einsum_parse(equation, operands):
    """The equation as label lists per operand and for the output; "..." becomes labels ('.', k) for the
    broadcast dimensions, right-aligned across operands."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")

    def letters(term, where):
        out, i = [], 0
        while i < len(term):
            if term.startswith("...", i):
                if "..." in out:
                    raise RuntimeError(f"einsum(): found '.' for {where} that is not part of any ellipsis")
                out.append("...")
                i += 3
                continue
            c = term[i]
            if not c.isalpha():
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                                   "subscripts must be in [a-zA-Z]")
            out.append(c)
            i += 1
        return out

    parsed = [letters(t, f"operand {k}") for k, t in enumerate(terms)]
    ell = 0
    for k, (labels, x) in enumerate(zip(parsed, operands)):
        named = len([c for c in labels if c != "..."])
        if "..." in labels:
            if x.dim() < named:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more than the "
                                   f"number of dimensions ({x.dim()}) for operand {k}")
            ell = builtins.max(ell, x.dim() - named)
        elif named != x.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match the "
                               f"number of dimensions ({x.dim()}) for operand {k} and no ellipsis was given")
    ell_labels = [(".", i) for i in range(ell)]
    per_operand = []
    for labels, x in zip(parsed, operands):
        n = x.dim() - len([c for c in labels if c != "..."])
        expanded = []
        for c in labels:
            expanded.extend(ell_labels[ell - n:] if c == "..." else [c])
        per_operand.append(expanded)
    if arrow:
        out = []
        for c in letters(rhs, "the output"):
            if c == "...":
                out.extend(ell_labels)
                continue
            if c in out:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in labels for labels in per_operand):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   "operand")
            out.append(c)
    else:  # implicit: the broadcast dimensions, then the labels seen once, in alphabetical order
        counts = {}
        for labels in per_operand:
            for c in labels:
                if isinstance(c, str):
                    counts[c] = counts.get(c, 0) + 1
        out = ell_labels + sorted(c for c, n in counts.items() if n == 1)
    return per_operand, out


def _einsum_diagonals(x, labels):
    """Takes the diagonal for every label repeated within one operand."""
    labels = list(labels)
    while True:
        seen = {}
        pair = None
        for i, c in enumerate(labels):
            if c in seen:
                pair = (seen[c], i)
                break
            seen[c] = i
        if pair is None:
            return x, labels
        i, j = pair
        if x.shape[i] != x.shape[j]:
            raise RuntimeError(f"einsum(): subscript {labels[i]} is repeated for operand but the sizes don't match, "
                               f"{x.shape[j]} != {x.shape[i]}")
        c = labels[i]
        x = x.diagonal(0, i, j)
        labels = [l for k, l in enumerate(labels) if k not in (i, j)] + [c]


def _einsum_sum_unneeded(x, labels, needed):
    dims = [i for i, c in enumerate(labels) if c not in needed]
    if dims:
        x = x.sum(dims)
        labels = [c for c in labels if c in needed]
    return x, labels


def _einsum_pair(x, lx, y, ly, needed):
    """Contracts two operands with one batched matrix product: labels in both and needed later are the batch,
    labels in both and not needed are summed over, the others stay."""
    sizes = {}
    for t, labels in ((x, lx), (y, ly)):
        for i, c in enumerate(labels):
            n = t.shape[i]
            if c in sizes and sizes[c] != n and 1 not in (sizes[c], n):
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes: subscript {c} has "
                                   f"sizes {sizes[c]} and {n}")
            sizes[c] = builtins.max(sizes.get(c, n), n)
    batch = [c for c in lx if c in ly and c in needed]
    contract = [c for c in lx if c in ly and c not in needed]
    left = [c for c in lx if c not in ly]
    right = [c for c in ly if c not in lx]
    xp = x.permute([lx.index(c) for c in batch + left + contract])
    yp = y.permute([ly.index(c) for c in batch + contract + right])
    xp = xp.expand([sizes[c] if c in ly else xp.shape[k] for k, c in enumerate(batch + left + contract)])
    yp = yp.expand([sizes[c] if c in lx else yp.shape[k] for k, c in enumerate(batch + contract + right)])

    def prod(labels):
        p = 1
        for c in labels:
            p *= sizes[c]
        return p

    b, m, k, n = prod(batch), prod(left), prod(contract), prod(right)
    r = xp.reshape(b, m, k).bmm(yp.reshape(b, k, n))
    return r.reshape([sizes[c] for c in batch + left + right]), batch + left + right


def einsum(equation, *operands):
    """Sums of products over the labelled dimensions of the operands, as equation says (numpy's notation with
    "...", implicit or explicit output). Operands are contracted pairwise, left to right, each pair as one
    batched matrix product, and labels no later operand or the output needs are summed out first."""
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for k, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 1, but got {type(x).__name__}")
    per_operand, out = _einsum_parse(equation, operands)
    seen = {}
    for k, (x, labels) in enumerate(zip(operands, per_operand)):
        for c, n in zip(labels, x.shape):
            if c in seen and n != seen[c] and 1 not in (n, seen[c]):
                name = c if isinstance(c, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {n} for operand {k} which does not "
                                   f"broadcast with previously seen size {seen[c]}")
            seen[c] = builtins.max(seen.get(c, n), n) if c in seen else n
    work = [_einsum_diagonals(x, labels) for x, labels in zip(operands, per_operand)]

    def needed_after(k):
        need = set(out)
        for _, labels in work[k + 1:]:
            need.update(labels)
        return need

    x, lx = _einsum_sum_unneeded(*work[0], needed_after(0) | (set(work[1][1]) if len(work) > 1 else set()))
    for k in range(1, len(work)):
        need = needed_after(k)
        y, ly = _einsum_sum_unneeded(*work[k], need | set(lx))
        x, lx = _einsum_sum_unneeded(x, lx, need | set(ly))
        x, lx = _einsum_pair(x, lx, y, ly, need)
    x, lx = _einsum_sum_unneeded(x, lx, set(out))
    return x.permute([lx.index(c) for c in out]) if lx != out else x
