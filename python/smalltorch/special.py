"""smalltorch.special: the special functions of ``torch.special``.

Most are the top-level elementwise ops under SciPy's names (``expit`` is ``sigmoid``, ``gammaln`` is
``lgamma``, ``psi`` is ``digamma``); the ones PyTorch has only here (``i0e, i1, i1e, ndtri, log_ndtr, entr,
xlog1py``) are rows of the C++ registries named ``special_*`` (csrc/ops/unary.h, binary.h), with PyTorch's
node names (``SpecialI1Backward0`` ...); ``ndtr`` is PyTorch's composition ``(1 + erf(x / sqrt 2)) / 2``.
"""

import math as _math

from . import _C
from . import _docs

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "gammaln", "digamma", "psi", "polygamma", "i0", "i0e", "i1",
           "i1e", "xlogy", "xlog1py", "log_softmax", "softmax", "logsumexp", "entr", "sinc", "ndtr", "ndtri",
           "log_ndtr", "exp2", "expm1", "log1p", "round"]

expit = _C.sigmoid
logit = _C.logit
erf = _C.erf
erfc = _C.erfc
erfinv = _C.erfinv
gammaln = _C.lgamma
digamma = _C.digamma
psi = _C.digamma
polygamma = _C.polygamma
i0 = _C.i0
i0e = _C.special_i0e
i1 = _C.special_i1
i1e = _C.special_i1e
xlogy = _C.xlogy
xlog1py = _C.special_xlog1py
entr = _C.special_entr
sinc = _C.sinc
ndtri = _C.special_ndtri
log_ndtr = _C.special_log_ndtr
exp2 = _C.exp2
expm1 = _C.expm1
log1p = _C.log1p


def round(input, *, decimals=0, out=None):  # noqa: A001 (PyTorch's name)
    """Rounds half to even, as smalltorch.round."""
    from . import round as _round
    return _round(input, decimals=decimals, out=out)


def _need_tensor(fn, t):
    if not isinstance(t, _C.Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(t).__name__}")


def ndtr(input, *, out=None):
    """The standard normal CDF, (1 + erf(x / sqrt(2))) / 2 (PyTorch's composition, so its nodes)."""
    _need_tensor("special_ndtr", input)
    result = _C.mul(_C.add(_C.erf(_C.mul(input, _math.sqrt(0.5))), 1), 0.5)
    if out is None:
        return result
    return _C.mul(_C.add(_C.erf(_C.mul(input, _math.sqrt(0.5))), 1), 0.5, out=out)


def log_softmax(input, dim, *, dtype=None):
    """log(softmax(input)) along dim, as smalltorch.log_softmax."""
    from . import log_softmax as _log_softmax
    return _log_softmax(input, dim, dtype=dtype)


def softmax(input, dim, *, dtype=None):
    """softmax along dim, as smalltorch.softmax."""
    from . import softmax as _softmax
    return _softmax(input, dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over dim, as smalltorch.logsumexp."""
    from . import logsumexp as _logsumexp
    if out is None:
        return _logsumexp(input, dim, keepdim)
    return _logsumexp(input, dim, keepdim, out=out)


# the special_* rows get their paragraphs (and the registry's formulas) here: they are not top-level names
for _name in ("special_i0e", "special_i1", "special_i1e", "special_ndtri", "special_log_ndtr", "special_entr",
              "special_xlog1py"):
    _docs._set(getattr(_C, _name), _docs.function_doc(_name))
del _name
