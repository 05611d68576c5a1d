"""smalltorch.linalg: the linear-algebra functions of ``torch.linalg``.

Factorizations, inverses and solves run on LAPACK in the C++ core (``_C._linalg_*``, batched over leading
dims, float32/float64, with PyTorch's backward formulas and node names); the norms, ranks, pseudo-inverses
and products below are compositions of them. The top-level ``smalltorch.det/logdet/slogdet/inverse/
cholesky/qr/svd`` are defined here too (``_TOP_LEVEL``).
"""

import math as _math

from . import _C
from . import return_types as _rt
from ._creation import eye as _eye, tensor as _tensor, zeros as _zeros
from ._functions import broadcast_tensors as _broadcast_tensors

__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "norm", "matmul", "det", "slogdet", "inv", "inv_ex",
           "solve", "solve_ex", "cholesky", "cholesky_ex", "qr", "eigh", "eigvalsh", "svd", "svdvals", "cond",
           "matrix_rank", "pinv", "lstsq", "solve_triangular", "matrix_power", "multi_dot", "cross", "vecdot",
           "lu_factor", "lu_factor_ex", "lu_solve"]

LinAlgError = _C._LinAlgError  # a RuntimeError, as torch.linalg.LinAlgError

_INF = float("inf")


def _out(name, out, compute):
    """compute()'s result (a tensor or a tuple of them), or, with out= given (a tensor or a sequence of them,
    checked before computing, as PyTorch's argument parser does), the result written into out and out."""
    if out is None:
        return compute()
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    if not all(isinstance(o, _C.Tensor) for o in outs):
        raise TypeError(f"{name}(): argument 'out' must be Tensor or tuple of Tensors, not {type(out).__name__}")
    result = compute()
    results = result if isinstance(result, tuple) else (result,)
    if len(outs) != len(results):
        raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(results)} Tensors")
    for o, r in zip(outs, results):
        _C._write_out(o, r, name)
    return out if isinstance(result, tuple) else outs[0]


def _need(fn, t, arg="A", pos=1):
    if not isinstance(t, _C.Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(t).__name__}")


def _need_bool(fn, arg, pos, v):
    if not isinstance(v, bool):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be bool, not {type(v).__name__}")


def _need_kw_bool(fn, **flags):
    for arg, v in flags.items():
        if not isinstance(v, bool):
            raise TypeError(f"{fn}(): argument '{arg}' must be bool, not {type(v).__name__}")


def _check_float(fn, A):
    if not A.is_floating_point():
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got {_type_name(A)}")


def _type_name(A):
    return A.dtype._torch_name


def _check_matrix(fn, A, square=False):
    _need(fn, A)
    if A.dim() < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    _check_float(fn, A)
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


# ---------------------------------------------------------------- norms

def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None); ord may be +-inf or 0."""
    if isinstance(dim, list):
        dim = tuple(dim)
    return _out("linalg.vector_norm", out, lambda: _C._linalg_vector_norm(x, ord, dim, keepdim, dtype))


def _matrix_dims(A, dim):
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = (d % A.dim() if -A.dim() <= d < A.dim() else d for d in dim)
    if not (0 <= d0 < A.dim() and 0 <= d1 < A.dim()):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-A.dim()}, {A.dim() - 1}], "
                         f"but got {dim[0] if not 0 <= d0 < A.dim() else dim[1]})")
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims ``dim``: ``'fro'``, ``'nuc'`` (sum of singular values), 2 / -2 (largest /
    smallest singular value), 1 / -1 (max / min column sum of |A|) or inf / -inf (max / min row sum)."""
    _need("linalg.matrix_norm", A)
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _check_float("linalg.matrix_norm", A)
    d0, d1 = _matrix_dims(A, dim)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, _INF, -_INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _out("linalg.matrix_norm", out, lambda: vector_norm(A, 2, (d0, d1), keepdim))
    B = A.movedim((d0, d1), (-2, -1))
    if ord in ("nuc", 2, -2):
        s = svdvals(B)
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
    else:  # 1 / -1: the column sums; inf / -inf: the row sums
        sums = vector_norm(B, 1, (-2 if abs(ord) == 1 else -1,))
        r = sums.amax(-1) if ord > 0 else sums.amin(-1)
    if keepdim:
        for d in sorted((d0, d1)):
            r = r.unsqueeze(d)
    return _out("linalg.matrix_norm", out, lambda: r)


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """``vector_norm`` for ord=None or 1-d ``dim``; ``matrix_norm`` for a string ord or a 2-d ``dim``."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, out=out)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str) or (dim is not None and len(dim) == 2) or (dim is None and A.dim() == 2):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype, out=out)
    if dim is None and A.dim() != 1:
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.dim()}D.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def matmul(input, other, *, out=None):
    """Same as ``smalltorch.matmul``."""
    return _C.matmul(input, other, out=out)


# ---------------------------------------------------------------- determinants and inverses

def det(A, *, out=None):
    """The determinant of each square matrix of ``A`` (LU with partial pivoting; LinalgDetBackward0)."""
    return _out("linalg.det", out, lambda: _C._linalg_det(A))


def slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix of ``A``; sign is 0 and logabsdet -inf for a singular one."""
    return _out("linalg.slogdet", out, lambda: _rt.linalg_slogdet(*_C._linalg_slogdet(A)))


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info > 0 marks a singular matrix (its inverse is inf/nan) unless ``check_errors``."""
    return _out("linalg.inv_ex", out, lambda: _rt.linalg_inv_ex(*_C._linalg_inv_ex(A, check_errors)))


def inv(A, *, out=None):
    """The inverse of each square matrix of ``A``; a singular one raises LinAlgError."""
    return _out("linalg.inv", out, lambda: _C._linalg_inv_ex(A, True, "linalg.inv")[0])


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(X, info) with A X = B (or X A = B when ``left=False``); B may be a batch of vectors."""
    return _out("linalg.solve_ex", out,
                lambda: _rt.linalg_solve_ex(*_C._linalg_solve_ex(A, B, left, check_errors)))


def solve(A, B, *, left=True, out=None):
    """X with A X = B (or X A = B when ``left=False``); batch dims broadcast; a singular A raises."""
    return _out("linalg.solve", out, lambda: _C._linalg_solve_ex(A, B, left, True)[0])


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (or X A = B) for upper or lower triangular A (only that triangle is read)."""
    return _out("linalg.solve_triangular", out, lambda: _C._linalg_solve_triangular(
        A, B, upper=upper, left=left, unitriangular=unitriangular))


# ---------------------------------------------------------------- factorizations

def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info > 0 is the order of the first leading minor that is not positive-definite."""
    return _out("linalg.cholesky_ex", out, lambda: _rt.linalg_cholesky_ex(
        *_C._linalg_cholesky_ex(A, upper, check_errors, "linalg.cholesky_ex")))


def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor L (A = L Lᵀ), or U = Lᵀ when ``upper``; raises LinAlgError unless A is PD."""
    return _out("linalg.cholesky", out, lambda: _C._linalg_cholesky_ex(A, upper, True)[0])


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info): A = P L U packed in LU, int32 row swaps; info > 0 names a zero U[i,i]."""
    _need("linalg.lu_factor_ex", A)
    _need_kw_bool("linalg_lu_factor_ex", pivot=pivot, check_errors=check_errors)
    return _out("linalg.lu_factor_ex", out, lambda: _rt.linalg_lu_factor_ex(
        *_C._linalg_lu_factor_ex(A, pivot, check_errors, "torch.linalg.lu_factor_ex")))


def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots): A = P L U packed in LU and int32 row swaps, for lu_solve; a zero U[i,i] raises."""
    _need("linalg.lu_factor", A)
    _need_kw_bool("linalg_lu_factor", pivot=pivot)
    return _out("linalg.lu_factor", out, lambda: _rt.linalg_lu_factor(
        *_C._linalg_lu_factor_ex(A, pivot, True, "torch.linalg.lu_factor")[:2]))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B (or X A = B when ``left=False``; Aᵀ for A when ``adjoint``) from lu_factor's (LU, pivots)."""
    for arg, pos, t in (("LU", 1, LU), ("pivots", 2, pivots), ("B", 3, B)):
        _need("linalg.lu_solve", t, arg, pos)
    _need_kw_bool("linalg_lu_solve", left=left, adjoint=adjoint)
    return _out("linalg.lu_solve", out, lambda: _C._linalg_lu_solve(LU, pivots, B, left, adjoint))


def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = QR; mode 'reduced', 'complete' or 'r' (Q is empty)."""
    if not isinstance(mode, str):
        raise TypeError(f"linalg_qr(): argument 'mode' (position 2) must be str, not {type(mode).__name__}")
    return _out("linalg.qr", out, lambda: _rt.linalg_qr(*_C._linalg_qr(A, mode)))


def eigh(A, UPLO="L", *, out=None):  # noqa: N803 (PyTorch's name)
    """(eigenvalues ascending, eigenvectors as columns) of symmetric matrices read from their UPLO triangle."""
    return _out("linalg.eigh", out, lambda: _rt.linalg_eigh(*_C._linalg_eigh(A, UPLO, True)))


def eigvalsh(A, UPLO="L", *, out=None):  # noqa: N803
    """The eigenvalues (ascending) of symmetric matrices."""
    return _out("linalg.eigvalsh", out, lambda: _C._linalg_eigh(A, UPLO, False)[0])


def _check_driver(driver):
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")


def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending (LAPACK gesdd)."""
    _check_driver(driver)
    return _out("linalg.svd", out, lambda: _rt.linalg_svd(*_C._linalg_svd(A, full_matrices, True)))


def svdvals(A, *, driver=None, out=None):
    """The singular values of each matrix, descending."""
    _check_driver(driver)
    return _out("linalg.svdvals", out, lambda: _C._linalg_svd(A, False, False)[1])


# ---------------------------------------------------------------- compositions

def cond(A, p=None, *, out=None):
    """The condition number in the ``p`` norm: s_max / s_min for p = None or 2 (s_min / s_max for -2), else
    ||A||_p ||A^-1||_p for square A."""
    _need("linalg.cond", A)
    if p in (None, 2, -2):
        _check_matrix("linalg.cond", A)
        s = svdvals(A)
        r = s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
        return _out("linalg.cond", out, lambda: r)
    _check_matrix("linalg.cond", A, square=True)
    inverse = inv_ex(A)[0]
    return _out("linalg.cond", out, lambda: matrix_norm(A, p) * matrix_norm(inverse, p))


def _tolerance(fn, A, s_max, atol, rtol):
    """max(atol, rtol * s_max) with PyTorch's defaults (rtol = eps * max(m, n) when neither is given)."""
    eps = 2.220446049250313e-16 if A.dtype == _C.float64 else 1.1920928955078125e-07
    if rtol is None:
        rtol = eps * max(A.shape[-2], A.shape[-1]) if atol is None else 0.0
    atol = 0.0 if atol is None else atol
    tol = s_max * rtol
    if isinstance(atol, _C.Tensor):
        atol = atol.unsqueeze(-1) if atol.dim() else atol
    return _C.maximum(tol, tol * 0 + atol) if isinstance(atol, _C.Tensor) else tol.clamp_min(atol)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The number of singular values (|eigenvalues| when ``hermitian``) above max(atol, rtol * largest)."""
    _check_matrix("linalg.matrix_rank", A)
    s = eigvalsh(A).abs() if hermitian else svdvals(A)
    if A.shape[-1] == 0 or A.shape[-2] == 0:
        return _out("linalg.matrix_rank", out, lambda: _zeros(tuple(A.shape[:-2]), dtype=_C.int64))
    tol = _tolerance("linalg.matrix_rank", A, s.amax(-1, keepdim=True), atol, rtol)
    return _out("linalg.matrix_rank", out, lambda: (s > tol).sum(-1))


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse (singular values below max(atol, rtol * largest) count as zero)."""
    _check_matrix("linalg.pinv", A)
    if A.numel() == 0:
        shape = tuple(A.shape[:-2]) + (A.shape[-1], A.shape[-2])
        return _out("linalg.pinv", out, lambda: _zeros(shape, dtype=A.dtype))
    if hermitian:
        w, V = eigh(A)
        tol = _tolerance("linalg.pinv", A, w.abs().amax(-1, keepdim=True), atol, rtol)
        keep = w.abs() > tol
        w_inv = _C.where(keep, 1 / _C.where(keep, w, w * 0 + 1), w * 0)
        return _out("linalg.pinv", out, lambda: (V * w_inv.unsqueeze(-2)) @ V.mT)
    U, S, Vh = svd(A, full_matrices=False)
    tol = _tolerance("linalg.pinv", A, S.amax(-1, keepdim=True), atol, rtol)
    keep = S > tol
    s_inv = _C.where(keep, 1 / _C.where(keep, S, S * 0 + 1), S * 0)
    return _out("linalg.pinv", out, lambda: (Vh.mT * s_inv.unsqueeze(-2)) @ U.mT)


def lstsq(A, B, rcond=None, *, driver=None):
    """(solution, residuals, rank, singular_values): the minimum-norm least-squares solution of A X = B, as
    PyTorch's CPU default driver 'gelsy' (residuals and singular_values are empty)."""
    _need("linalg.lstsq", A)
    _need("linalg.lstsq", B, "B", 2)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    _check_matrix("torch.linalg.lstsq", A)
    if A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_type_name(A)} and other's dtype {_type_name(B)}")
    vector = B.dim() == A.dim() - 1
    if not vector and B.dim() != A.dim():
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    P = pinv(A, rtol=rcond) if rcond is not None and rcond > 0 else pinv(A)
    X = P @ Bm
    rank = matrix_rank(A, rtol=rcond) if rcond is not None and rcond > 0 else matrix_rank(A)
    empty = _zeros((0,), dtype=A.dtype)
    return _rt.linalg_lstsq(X.squeeze(-1) if vector else X, empty, rank, empty)


def matrix_power(A, n, *, out=None):
    """A multiplied by itself n times (n < 0: of its inverse; n = 0: the identity), by repeated squaring."""
    _need("linalg.matrix_power", A)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.dim() >= 2 else 1} by {A.shape[-1] if A.dim() else 1} matrices")
    if n == 0:
        r = _eye(A.shape[-1], dtype=A.dtype).expand(A.shape).clone()
        return _out("linalg.matrix_power", out, lambda: r)
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while True:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if not n:
            break
        base = base @ base
    return _out("linalg.matrix_power", out, lambda: result)


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices; the first may be a 1-d row and the last a 1-d column."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"linalg_multi_dot(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    ts = list(tensors)
    for t in ts:
        _need("linalg_multi_dot", t, "tensors")
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0].dim() == 1, ts[-1].dim() == 1
    if first_vec:
        ts[0] = ts[0].unsqueeze(0)
    if last_vec:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i, t in enumerate(ts):
        if t.dim() != 2:
            where = "first" if i == 0 else "last" if i == len(ts) - 1 else None
            if where:
                raise RuntimeError(f"multi_dot(): the {where} tensor must be 1D or 2D but got {t.dim()}D")
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    r = ts[0]
    for t in ts[1:]:
        r = _C.mm(r, t)
    if first_vec:
        r = r.squeeze(0)
    if last_vec:
        r = r.squeeze(-1)
    return _out("linalg.multi_dot", out, lambda: r)


def cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim`` (inputs broadcast)."""
    _need("linalg.cross", input, "input")
    _need("linalg.cross", other, "other", 2)
    if input.dim() != other.dim():
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    a, b = _broadcast_tensors(input, other)
    d = dim if dim >= 0 else dim + a.dim()
    if not 0 <= d < a.dim():
        raise IndexError(f"Dimension out of range (expected to be in range of [{-a.dim()}, {a.dim() - 1}], "
                         f"but got {dim})")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    i1, i2 = _tensor([1, 2, 0]), _tensor([2, 0, 1])
    r = a.index_select(d, i1) * b.index_select(d, i2) - a.index_select(d, i2) * b.index_select(d, i1)
    return _out("linalg.cross", out, lambda: r)


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim`` (inputs broadcast): (x * y).sum(dim)."""
    _need("linalg.vecdot", x, "x")
    _need("linalg.vecdot", y, "y", 2)
    return _out("linalg.vecdot", out, lambda: (x * y).sum(dim))


# ---------------------------------------------------------------- top-level smalltorch functions

def _top(name):
    def named(f):
        f.__name__ = f.__qualname__ = name
        f.__module__ = "smalltorch"
        return f
    return named


@_top("det")
def _det(input):
    return _C._linalg_det(input)


@_top("logdet")
def _logdet(input):
    return _C._logdet(input)


@_top("slogdet")
def _slogdet(input, *, out=None):
    return _out("slogdet", out, lambda: _rt.slogdet(*_C._linalg_slogdet(input)))


@_top("inverse")
def _inverse(input, *, out=None):
    return inv(input, out=out)


@_top("cholesky")
def _cholesky(input, upper=False, *, out=None):
    _need_bool("cholesky", "upper", 2, upper)

    def compute():
        if isinstance(input, _C.Tensor) and input.dim() >= 2 and not input.is_floating_point():
            raise NotImplementedError(f"\"cholesky_cpu\" not implemented for '{_type_name(input)}'")
        return _C._linalg_cholesky_ex(input, upper, True, "cholesky")[0]
    return _out("cholesky", out, compute)


@_top("qr")
def _qr(input, some=True, *, out=None):
    _need_bool("qr", "some", 2, some)
    return _out("qr", out, lambda: _rt.qr(*_C._linalg_qr(input, "reduced" if some else "complete")))


@_top("svd")
def _svd(input, some=True, compute_uv=True, *, out=None):
    _need_bool("svd", "some", 2, some)
    _need_bool("svd", "compute_uv", 3, compute_uv)
    _need("svd", input, "input")

    def compute():
        if input.dim() < 2:
            raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has {input.dim()} "
                               "dimensions instead")
        if compute_uv:
            U, S, Vh = _C._linalg_svd(input, not some, True)
            return _rt.svd(U, S, Vh.mT)
        S = _C._linalg_svd(input, False, False)[1]
        batch = tuple(input.shape[:-2])
        m, n = input.shape[-2], input.shape[-1]
        return _rt.svd(_zeros(batch + (m, m), dtype=input.dtype), S, _zeros(batch + (n, n), dtype=input.dtype))
    return _out("svd", out, compute)


@_top("lu_unpack")
def _lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    _need("lu_unpack", LU_data, "LU_data", 1)
    _need("lu_unpack", LU_pivots, "LU_pivots", 2)
    _need_bool("lu_unpack", "unpack_data", 3, unpack_data)
    _need_bool("lu_unpack", "unpack_pivots", 4, unpack_pivots)
    return _out("lu_unpack", out, lambda: _rt.lu_unpack(*_C._lu_unpack(LU_data, LU_pivots, unpack_data,
                                                                        unpack_pivots)))


_TOP_LEVEL = {f.__name__: f for f in (_det, _logdet, _slogdet, _inverse, _cholesky, _qr, _svd, _lu_unpack)}


def matrix_exp(A):
    """exp(A) of (batches of) square matrices: scaling and squaring around a Taylor polynomial."""
    from ._compose import matrix_exp as _matrix_exp
    return _matrix_exp(A)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of (batches of) matrices, as A.diagonal(offset, dim1, dim2) with matrices last by default."""
    if not isinstance(A, _C.Tensor):
        raise TypeError(f"linalg_diagonal(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}")
    return A.diagonal(offset, dim1, dim2)


__all__ += ["matrix_exp", "diagonal"]
