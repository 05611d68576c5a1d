"""Op table entries: the unary family (csrc/ops/unary.h's ST_UNARY_OPS, nan_to_num, square) and clamp (a row of
csrc/ops/ternary.h with number or tensor bounds)."""

import math

import numpy as np

from opinfo import ALL, FLOATS, INTS, NUMERIC, OpInfo, Sample, rand_array, unary_samples

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _samples(low=-3.0, high=3.0):
    """unary_samples with every argument an array (0-d bools come back from numpy as scalars)."""
    gen = unary_samples(low, high)
    return lambda dtype, rng: [Sample(tuple(np.asarray(a) for a in s.args), s.kwargs) for s in gen(dtype, rng)]


def _floating(ref):
    """A numpy reference computing in float64 (numpy would give integers float16 results)."""
    return lambda a: ref(a if a.dtype.kind == "f" else a.astype(np.float64))


def _unary(name, ref, low=-3.0, high=3.0, dtypes=NUMERIC, grad=True, gradgrad=False, grad_fn=None, inplace=True):
    """An entry calling T.<name>(a), with a.<name>_() as the in-place form."""
    return OpInfo(name, lambda T, a: getattr(T, name)(a), ref, _samples(low, high), dtypes=dtypes, grad=grad,
                  gradgrad=gradgrad, grad_fn=grad_fn,
                  inplace=(lambda T, a: getattr(a, name + "_")()) if inplace else None)


def _with_specials(dtype, rng):
    """Samples whose float inputs hold NaN and both infinities."""
    a = rand_array(rng, (3, 4), dtype)
    if np.dtype(dtype).kind == "f":
        a[0, 0], a[1, 1], a[2, 2] = np.nan, np.inf, -np.inf
    return [Sample((a,)), Sample((rand_array(rng, (), dtype),)), Sample((rand_array(rng, (0, 3), dtype),))]


def _clamp_scalar_samples(dtype, rng):
    shapes = ((5,), (3, 4), (), (0, 3))
    out = [Sample((rand_array(rng, s, dtype),), {"min": -1.0, "max": 1.5}) for s in shapes]
    out.append(Sample((rand_array(rng, (3, 4), dtype),), {"min": 0.5}))
    out.append(Sample((rand_array(rng, (3, 4), dtype),), {"max": -0.5}))
    return out


def _clamp_tensor_samples(dtype, rng):
    shapes = (((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((2, 1, 4), (3, 1), ()), ((), (5,), (5,)),
              ((0, 3), (3,), (3,)))
    return [Sample((rand_array(rng, a, dtype), rand_array(rng, lo, dtype, -2.0, 0.0),
                    rand_array(rng, hi, dtype, 0.0, 2.0))) for a, lo, hi in shapes]


def _bound_samples(dtype, rng):
    return [Sample((rand_array(rng, a, dtype), rand_array(rng, b, dtype, -1.0, 1.0)))
            for a, b in (((3, 4), (3, 4)), ((3, 4), (4,)), ((), (3,)), ((0, 3), (3,)))]


OPS = [
    _unary("abs", np.abs, gradgrad=True, grad_fn="AbsBackward0"),
    _unary("sign", lambda a: a if a.dtype == np.bool_ else np.sign(a), dtypes=ALL, grad_fn="SignBackward0"),
    _unary("exp", _floating(np.exp), gradgrad=True, grad_fn="ExpBackward0"),
    _unary("exp2", _floating(np.exp2), gradgrad=True, grad_fn="Exp2Backward0"),
    _unary("expm1", _floating(np.expm1), gradgrad=True, grad_fn="Expm1Backward0"),
    _unary("log", _floating(np.log), 0.1, 5.0, gradgrad=True, grad_fn="LogBackward0"),
    _unary("log2", _floating(np.log2), 0.1, 5.0, gradgrad=True, grad_fn="Log2Backward0"),
    _unary("log10", _floating(np.log10), 0.1, 5.0, gradgrad=True, grad_fn="Log10Backward0"),
    _unary("log1p", _floating(np.log1p), -0.9, 5.0, gradgrad=True, grad_fn="Log1PBackward0"),
    _unary("sqrt", _floating(np.sqrt), 0.1, 5.0, gradgrad=True, grad_fn="SqrtBackward0"),
    _unary("rsqrt", _floating(lambda a: 1 / np.sqrt(a)), 0.1, 5.0, gradgrad=True, grad_fn="RsqrtBackward0"),
    _unary("sin", _floating(np.sin), gradgrad=True, grad_fn="SinBackward0"),
    _unary("cos", _floating(np.cos), gradgrad=True, grad_fn="CosBackward0"),
    _unary("tan", _floating(np.tan), -1.2, 1.2, gradgrad=True, grad_fn="TanBackward0"),
    _unary("asin", _floating(np.arcsin), -0.9, 0.9, gradgrad=True, grad_fn="AsinBackward0"),
    _unary("acos", _floating(np.arccos), -0.9, 0.9, gradgrad=True, grad_fn="AcosBackward0"),
    _unary("atan", _floating(np.arctan), gradgrad=True, grad_fn="AtanBackward0"),
    _unary("sinh", _floating(np.sinh), gradgrad=True, grad_fn="SinhBackward0"),
    _unary("cosh", _floating(np.cosh), gradgrad=True, grad_fn="CoshBackward0"),
    _unary("tanh", _floating(np.tanh), gradgrad=True, grad_fn="TanhBackward0"),
    _unary("sigmoid", _floating(lambda a: 1 / (1 + np.exp(-a))), gradgrad=True, grad_fn="SigmoidBackward0"),
    _unary("relu", lambda a: np.where(a < 0, 0, a).astype(a.dtype), gradgrad=True, grad_fn="ReluBackward0"),
    _unary("erf", _floating(_erf), gradgrad=True, grad_fn="ErfBackward0"),
    _unary("floor", np.floor, grad_fn="FloorBackward0"),
    _unary("ceil", np.ceil, grad_fn="CeilBackward0"),
    _unary("trunc", np.trunc, grad_fn="TruncBackward0"),
    _unary("round", np.round, grad_fn="RoundBackward0"),
    _unary("frac", lambda a: a - np.trunc(a), dtypes=FLOATS, grad_fn="FracBackward0"),
    _unary("isnan", np.isnan, dtypes=ALL, grad=False, inplace=False),
    _unary("isinf", np.isinf, dtypes=ALL, grad=False, inplace=False),
    _unary("isfinite", np.isfinite, dtypes=ALL, grad=False, inplace=False),
    _unary("logical_not", np.logical_not, dtypes=ALL, grad=False),
    _unary("bitwise_not", np.invert, dtypes=("bool",) + INTS, grad=False),
    OpInfo("isnan_specials", lambda T, a: T.isnan(a), np.isnan, _with_specials, dtypes=FLOATS, grad=False),
    OpInfo("isinf_specials", lambda T, a: T.isinf(a), np.isinf, _with_specials, dtypes=FLOATS, grad=False),
    OpInfo("isfinite_specials", lambda T, a: T.isfinite(a), np.isfinite, _with_specials, dtypes=FLOATS,
           grad=False),
    OpInfo("round_decimals2", lambda T, a: T.round(a, decimals=2), lambda a: np.round(a, 2), unary_samples(),
           dtypes=FLOATS, grad_fn="RoundBackward1", inplace=lambda T, a: a.round_(decimals=2)),
    OpInfo("round_decimals0", lambda T, a: T.round(a, decimals=0), np.round, unary_samples(), dtypes=FLOATS,
           grad_fn="RoundBackward1", inplace=lambda T, a: a.round_(decimals=0)),
    OpInfo("square", lambda T, a: T.square(a), np.square,
           unary_samples(), dtypes=NUMERIC, gradgrad=True,
           grad_fn="PowBackward0", inplace=lambda T, a: a.square_()),
    OpInfo("invert_operator", lambda T, a: ~a, np.invert, _samples(), dtypes=("bool",) + INTS, grad=False),
    OpInfo("abs_operator", lambda T, a: abs(a), np.abs, unary_samples(), dtypes=NUMERIC, grad_fn="AbsBackward0"),
    OpInfo("nan_to_num", lambda T, a: T.nan_to_num(a), np.nan_to_num, _with_specials, dtypes=NUMERIC,
           grad_fn="NanToNumBackward0", inplace=lambda T, a: a.nan_to_num_()),
    OpInfo("nan_to_num_values", lambda T, a: T.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-3.0),
           lambda a: np.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-3.0), _with_specials, dtypes=FLOATS,
           grad_fn="NanToNumBackward0", inplace=lambda T, a: a.nan_to_num_(1.0, 2.0, -3.0)),
    OpInfo("clamp_scalar", lambda T, a, **kw: T.clamp(a, **kw), lambda a, min=None, max=None: np.clip(a, min, max),
           _clamp_scalar_samples, dtypes=NUMERIC, grad_fn="ClampBackward1",
           inplace=lambda T, a, **kw: a.clamp_(**kw)),
    OpInfo("clip_scalar", lambda T, a, **kw: a.clip(**kw), lambda a, min=None, max=None: np.clip(a, min, max),
           _clamp_scalar_samples, dtypes=FLOATS, grad_fn="ClampBackward1", inplace=lambda T, a, **kw: a.clip_(**kw)),
    OpInfo("clamp_tensor", lambda T, a, lo, hi: T.clamp(a, lo, hi), lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi),
           _clamp_tensor_samples, dtypes=NUMERIC, grad_fn="ClampBackward0",
           inplace=lambda T, a, lo, hi: a.clamp_(lo, hi)),
    OpInfo("clamp_tensor_min", lambda T, a, lo: T.clamp(a, min=lo), np.maximum, _bound_samples, dtypes=NUMERIC,
           grad_fn="ClampBackward0", inplace=lambda T, a, lo: a.clamp_(min=lo)),
    OpInfo("clamp_tensor_max", lambda T, a, hi: T.clamp(a, max=hi), np.minimum, _bound_samples, dtypes=NUMERIC,
           grad_fn="ClampBackward0", inplace=lambda T, a, hi: a.clamp_(max=hi)),
    OpInfo("clamp_min_scalar", lambda T, a: T.clamp_min(a, 0.5), lambda a: np.maximum(a, 0.5), unary_samples(),
           grad_fn="ClampMinBackward0"),
    OpInfo("clamp_max_scalar", lambda T, a: a.clamp_max(-0.5), lambda a: np.minimum(a, -0.5), unary_samples(),
           grad_fn="ClampMaxBackward0"),
    OpInfo("clamp_min_tensor", lambda T, a, lo: T.clamp_min(a, lo), np.maximum, _bound_samples,
           grad_fn="ClampMinBackward1"),
    OpInfo("clamp_max_tensor", lambda T, a, hi: a.clamp_max(hi), np.minimum, _bound_samples,
           grad_fn="ClampMaxBackward1"),
    _unary("asinh", _floating(np.arcsinh), gradgrad=True, grad_fn="AsinhBackward0"),
    _unary("acosh", _floating(np.arccosh), 1.1, 5.0, gradgrad=True, grad_fn="AcoshBackward0"),
    _unary("atanh", _floating(np.arctanh), -0.9, 0.9, gradgrad=True, grad_fn="AtanhBackward0"),
    _unary("deg2rad", _floating(np.deg2rad), grad_fn="Deg2RadBackward0"),
    _unary("rad2deg", _floating(np.rad2deg), grad_fn="Rad2DegBackward0"),
    _unary("erfc", _floating(lambda a: 1 - _erf(a)), gradgrad=True, grad_fn="ErfcBackward0"),
    _unary("sgn", lambda a: a if a.dtype == np.bool_ else np.sign(a), dtypes=ALL, grad_fn="SgnBackward0"),
    _unary("signbit", np.signbit, dtypes=ALL, grad=False, inplace=False),
    _unary("isneginf", np.isneginf, dtypes=ALL, grad=False, inplace=False),
    _unary("isposinf", np.isposinf, dtypes=ALL, grad=False, inplace=False),
]


# ---- the special functions (issue 10): references from math / numpy / mpmath (no scipy)
def _mp(fn_name, *pre, zero=float("nan")):
    """A float64 reference computing mpmath.<fn_name>(*pre, x) for each element (mpmath comes with sympy); at 0,
    where mpmath raises for a pole, `zero` (PyTorch's value there)."""
    def ref(a):
        import mpmath
        fn = getattr(mpmath, fn_name)

        def one(x):
            try:
                return float(fn(*pre, float(x)))
            except (ValueError, ZeroDivisionError):
                return zero if x == 0 else float("nan")
        return np.vectorize(one, otypes=[np.float64])(a.astype(np.float64))
    return ref


def _scaled_bessel(nu):
    return lambda a: _mp("besseli", nu)(a) * np.exp(-np.abs(a.astype(np.float64)))


_lgamma = np.vectorize(lambda v: math.lgamma(v) if v > 0 or v != math.floor(v) else math.inf, otypes=[np.float64])


def _ndtr(a):
    return 0.5 * np.vectorize(math.erfc, otypes=[np.float64])(-a.astype(np.float64) / math.sqrt(2))


def _log_ndtr(a):
    import mpmath
    return np.vectorize(lambda x: float(mpmath.log(mpmath.ncdf(float(x)))), otypes=[np.float64])(a.astype(np.float64))


def _special(name, ref, low=-3.0, high=3.0, grad_fn=None, **kw):
    """An entry calling T.special.<name>(a) (no method, no in-place form, as in PyTorch)."""
    return OpInfo("special." + name, lambda T, a: getattr(T.special, name)(a), ref, _samples(low, high),
                  dtypes=NUMERIC, grad_fn=grad_fn, **kw)


def _polygamma_samples(dtype, rng):
    return [Sample((rand_array(rng, s, dtype, 0.5, 4.0),)) for s in ((5,), (3, 4), (), (0,))]


OPS += [
    _unary("lgamma", _floating(_lgamma), 0.2, 5.0, gradgrad=True, grad_fn="LgammaBackward0"),
    _unary("digamma", _floating(_mp("digamma", zero=-math.inf)), 0.2, 5.0, grad_fn="DigammaBackward0"),
    _unary("erfinv", _floating(_mp("erfinv")), -0.95, 0.95, grad_fn="ErfinvBackward0"),
    _unary("i0", _floating(np.i0), grad_fn="I0Backward0"),
    _unary("sinc", _floating(np.sinc), gradgrad=True, grad_fn="SincBackward0"),
    _unary("logit", _floating(lambda a: np.log(a / (1 - a))), 0.05, 0.95, gradgrad=True, grad_fn="LogitBackward0"),
    OpInfo("logit_eps", lambda T, a: T.logit(a, eps=0.2), lambda a: np.log(np.clip(a, 0.2, 0.8) / (1 - np.clip(a, 0.2, 0.8))),
           _samples(0.05, 0.95), dtypes=FLOATS, grad_fn="LogitBackward0"),
    OpInfo("polygamma_1", lambda T, a: T.polygamma(1, a), _mp("polygamma", 1, zero=math.inf), _polygamma_samples, dtypes=NUMERIC,
           grad_fn="PolygammaBackward0", inplace=lambda T, a: a.polygamma_(1)),
    OpInfo("polygamma_3_method", lambda T, a: a.polygamma(3), _mp("polygamma", 3, zero=math.inf), _polygamma_samples,
           dtypes=FLOATS, grad_fn="PolygammaBackward0", rtol=1e-4),
    _special("i0e", _scaled_bessel(0), grad_fn="SpecialI0EBackward0"),
    _special("i1", _mp("besseli", 1), grad_fn="SpecialI1Backward0"),
    _special("i1e", _scaled_bessel(1), grad_fn="SpecialI1EBackward0"),
    _special("ndtri", lambda a: math.sqrt(2) * _mp("erfinv")(2 * a.astype(np.float64) - 1), 0.05, 0.95, grad_fn="SpecialNdtriBackward0"),
    _special("log_ndtr", _log_ndtr, -10.0, 5.0, grad_fn="SpecialLogNdtrBackward0"),
    _special("entr", _floating(lambda a: np.where(a > 0, -a * np.log(np.where(a > 0, a, 1.0)),
                                                  np.where(a == 0, 0.0, -np.inf))),
             0.1, 3.0, grad_fn="SpecialEntrBackward0"),
    # (special.ndtr: PyTorch's C++ composition ends in MulBackward1, which smalltorch's mul never records; its
    # values and gradient are checked in test_special.py)
    _special("expit", _floating(lambda a: 1 / (1 + np.exp(-a))), grad_fn="SigmoidBackward0"),
    _special("gammaln", _floating(_lgamma), 0.2, 5.0, grad_fn="LgammaBackward0"),
    _special("psi", _floating(_mp("digamma", zero=-math.inf)), 0.2, 5.0, grad_fn="DigammaBackward0"),
]
