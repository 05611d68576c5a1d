"""Op table entries: the pointwise family (rounding division, remainder, fmod, atan2, hypot, maximum/minimum,
comparisons, logical and bitwise ops, where, masked_fill, lerp, addcmul, addcdiv)."""

import numpy as np

from opinfo import ALL, FLOATS, INTS, NUMERIC, OpInfo, Sample, rand_array as _rand_array

PAIRS = [((5,), (5,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((0, 3), (3,))]
TRIPLES = [((5,), (5,), (5,)), ((3, 4), (4,), (3, 1)), ((), (2, 3), ()), ((2, 1), (1, 3), (2, 3)), ((0, 3), (3,), ())]


def rand_array(rng, shape, dtype, low=-3.0, high=3.0):
    """opinfo.rand_array, always an ndarray (it gives a numpy scalar for a 0-d bool)."""
    return np.asarray(_rand_array(rng, shape, dtype, low, high))


def binary_samples(scalar=None, second=None):
    """PAIRS of arrays (the second drawn by `second`, e.g. away_from_zero), plus (array, scalar)."""
    def gen(dtype, rng):
        draw = second or rand_array
        out = [Sample((rand_array(rng, a, dtype), draw(rng, b, dtype))) for a, b in PAIRS]
        if scalar is not None:
            out.append(Sample((rand_array(rng, (3, 4), dtype), scalar)))
        return out
    return gen


def unary_divisor_samples(dtype, rng):
    return [Sample((away_from_zero(rng, s, dtype),)) for s in ((5,), (3, 4), (), (0,))]


def away_from_zero(rng, shape, dtype):
    """Values with |x| in [0.5, 3] (floats) or nonzero (ints): safe divisors."""
    x = rand_array(rng, shape, dtype, 0.5, 3.0)
    if np.dtype(dtype).kind == "f":
        return np.asarray(x * np.where(rng.random(shape) > 0.5, 1, -1).astype(dtype))
    if np.dtype(dtype).kind in "iu":
        x = x.copy()
        x[x == 0] = 1
    return x


def divisor_samples(scalar=None):
    return binary_samples(scalar, second=away_from_zero)


def ternary_samples(low=-3.0, high=3.0, positive_last=False):
    def gen(dtype, rng):
        out = []
        for a, b, c in TRIPLES:
            last = rand_array(rng, c, dtype, 0.5, 3.0) if positive_last else rand_array(rng, c, dtype, low, high)
            out.append(Sample((rand_array(rng, a, dtype, low, high), rand_array(rng, b, dtype, low, high), last)))
        return out
    return gen


def mask_samples(dtype, rng):
    """(self, mask-as-numbers) pairs; ops turn the second array into a bool mask with > 0."""
    return [Sample((rand_array(rng, a, dtype), rand_array(rng, m, np.float64))) for a, m in
            [((5,), (5,)), ((3, 4), (4,)), ((3, 4), (3, 1)), ((), ()), ((0, 3), (3,))]]


def masked_value_samples(dtype, rng):
    return [Sample(s.args + (rand_array(rng, (), dtype),)) for s in mask_samples(dtype, rng)]


def trunc_div(a, b):
    return np.trunc(np.asarray(a, np.float64) / b)


def lerp_ref(w):
    return lambda a, b: a + w * (b - a)


CMP = [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal), ("gt", np.greater),
       ("ge", np.greater_equal)]
LOGICAL = [("logical_and", np.logical_and), ("logical_or", np.logical_or), ("logical_xor", np.logical_xor)]
BITWISE = [("bitwise_and", np.bitwise_and, "__and__"), ("bitwise_or", np.bitwise_or, "__or__"),
           ("bitwise_xor", np.bitwise_xor, "__xor__")]
OPERATOR = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}

OPS = [
    OpInfo("div_trunc", lambda T, a, b: T.div(a, b, rounding_mode="trunc"), trunc_div, divisor_samples(scalar=2.5),
           dtypes=NUMERIC, grad_fn="DivBackward2", inplace=lambda T, a, b: a.div_(b, rounding_mode="trunc")),
    OpInfo("div_floor", lambda T, a, b: a.div(b, rounding_mode="floor"), np.floor_divide, divisor_samples(scalar=2),
           dtypes=NUMERIC, grad_fn="DivBackward2", inplace=lambda T, a, b: a.div_(b, rounding_mode="floor")),
    OpInfo("floor_divide", lambda T, a, b: a // b, np.floor_divide, divisor_samples(scalar=2), dtypes=NUMERIC,
           grad=False, inplace=lambda T, a, b: a.floor_divide_(b)),
    OpInfo("rfloordiv_scalar", lambda T, b: 7 // b, lambda b: np.floor_divide(7, b),
           unary_divisor_samples,
           dtypes=("int32", "int64") + FLOATS, grad=False),
    OpInfo("remainder", lambda T, a, b: a % b, np.remainder, divisor_samples(), dtypes=NUMERIC,
           grad_fn="RemainderBackward1", inplace=lambda T, a, b: a.remainder_(b)),
    OpInfo("remainder_scalar", lambda T, a: T.remainder(a, -2.5), lambda a: np.remainder(a, -2.5),
           unary_divisor_samples, dtypes=FLOATS, grad_fn="RemainderBackward0", inplace=lambda T, a: a.remainder_(-2.5)),
    OpInfo("remainder_int_scalar", lambda T, a, b: a % 3, lambda a, b: np.remainder(a, 3), divisor_samples(),
           dtypes=INTS, grad=False, inplace=lambda T, a, b: a.remainder_(3)),
    OpInfo("rmod_scalar", lambda T, b: 7 % b, lambda b: np.remainder(7, b),
           unary_divisor_samples,
           dtypes=("int32", "int64") + FLOATS, grad=False),
    OpInfo("fmod", lambda T, a, b: T.fmod(a, b), np.fmod, divisor_samples(), dtypes=NUMERIC, grad_fn="FmodBackward1",
           inplace=lambda T, a, b: a.fmod_(b)),
    OpInfo("fmod_scalar", lambda T, a: a.fmod(1.5), lambda a: np.fmod(a, 1.5), unary_divisor_samples, dtypes=FLOATS,
           grad_fn="FmodBackward0", inplace=lambda T, a: a.fmod_(1.5)),
    OpInfo("atan2", lambda T, a, b: T.atan2(a, b), lambda a, b: np.arctan2(a.astype(np.float64), b), divisor_samples(), dtypes=ALL, grad_fn="Atan2Backward0",
           gradgrad=True, inplace=lambda T, a, b: a.atan2_(b), rtol=1e-4, atol=1e-5),
    OpInfo("hypot", lambda T, a, b: T.hypot(a, b), np.hypot, divisor_samples(), grad_fn="HypotBackward0",
           gradgrad=True, inplace=lambda T, a, b: a.hypot_(b)),
    OpInfo("maximum", lambda T, a, b: T.maximum(a, b), np.maximum, binary_samples(), dtypes=ALL,
           grad_fn="MaximumBackward0", gradgrad=True),
    OpInfo("minimum", lambda T, a, b: a.minimum(b), np.minimum, binary_samples(), dtypes=ALL,
           grad_fn="MinimumBackward0", gradgrad=True),
    OpInfo("where", lambda T, c, a, b: T.where(c > 0, a, b), lambda c, a, b: np.where(c > 0, a, b), ternary_samples(),
           dtypes=ALL, grad_fn="WhereBackward0", diff_args=(1, 2), gradgrad=True),
    OpInfo("where_scalar", lambda T, c, a: T.where(c > 0, a, 2.5), lambda c, a: np.where(c > 0, a, 2.5),
           binary_samples(), dtypes=FLOATS, grad_fn="WhereBackward0", diff_args=(1,)),
    OpInfo("where_method_scalar_first", lambda T, c, b: T.where(c > 0, 1, b), lambda c, b: np.where(c > 0, 1, b),
           binary_samples(), dtypes=NUMERIC, grad_fn="WhereBackward0", diff_args=(1,)),
    OpInfo("masked_fill", lambda T, a, m: a.masked_fill(m > 0, 2), lambda a, m: np.where(m > 0, a.dtype.type(2), a),
           mask_samples, dtypes=NUMERIC, grad_fn="MaskedFillBackward0", diff_args=(0,), gradgrad=True,
           inplace=lambda T, a, m: a.masked_fill_(m > 0, 2)),
    OpInfo("masked_fill_tensor", lambda T, a, m, v: T.masked_fill(a, m > 0, v),
           lambda a, m, v: np.where(m > 0, v, a), masked_value_samples, dtypes=ALL, grad_fn="MaskedFillBackward1",
           diff_args=(0, 2), inplace=lambda T, a, m, v: a.masked_fill_(m > 0, v)),
    OpInfo("lerp_scalar", lambda T, a, b: T.lerp(a, b, 0.3), lerp_ref(0.3), binary_samples(), grad_fn="LerpBackward0",
           gradgrad=True, inplace=lambda T, a, b: a.lerp_(b, 0.3)),
    OpInfo("lerp_scalar_high", lambda T, a, b: a.lerp(b, 0.75), lerp_ref(0.75), binary_samples(),
           grad_fn="LerpBackward0", inplace=lambda T, a, b: a.lerp_(b, 0.75)),
    OpInfo("lerp_tensor", lambda T, a, b, w: T.lerp(a, b, w), lambda a, b, w: a + w * (b - a), ternary_samples(),
           grad_fn="LerpBackward1", gradgrad=True, inplace=lambda T, a, b, w: a.lerp_(b, w), rtol=1e-4, atol=1e-5),
    OpInfo("addcmul", lambda T, a, b, c: T.addcmul(a, b, c, value=0.5), lambda a, b, c: a + 0.5 * b * c,
           ternary_samples(), dtypes=FLOATS, grad_fn="AddcmulBackward0", gradgrad=True,
           inplace=lambda T, a, b, c: a.addcmul_(b, c, value=0.5), rtol=1e-4, atol=1e-5),
    OpInfo("addcmul_int", lambda T, a, b, c: a.addcmul(b, c, value=2), lambda a, b, c: a + 2 * b * c,
           ternary_samples(), dtypes=NUMERIC, grad_fn="AddcmulBackward0", inplace=lambda T, a, b, c: a.addcmul_(b, c, value=2),
           rtol=1e-4, atol=1e-5),
    OpInfo("addcdiv", lambda T, a, b, c: T.addcdiv(a, b, c, value=-1.5), lambda a, b, c: a - 1.5 * b / c,
           ternary_samples(positive_last=True), grad_fn="AddcdivBackward0", gradgrad=True,
           inplace=lambda T, a, b, c: a.addcdiv_(b, c, value=-1.5), rtol=1e-4, atol=1e-5),
]

for _name, _ref in CMP:
    OPS.append(OpInfo(_name, (lambda n: lambda T, a, b: getattr(T, n)(a, b))(_name), _ref, binary_samples(scalar=0.5),
                      dtypes=ALL, grad=False,
                      inplace=(lambda n: lambda T, a, b: getattr(a, n + "_")(b))(_name)))
    OPS.append(OpInfo(_name + "_operator", (lambda d: lambda T, a, b: getattr(a, d)(b))(OPERATOR[_name]), _ref,
                      binary_samples(scalar=1), dtypes=ALL, grad=False))
for _name, _ref in LOGICAL:
    OPS.append(OpInfo(_name, (lambda n: lambda T, a, b: getattr(T, n)(a, b))(_name), _ref, binary_samples(),
                      dtypes=ALL, grad=False, inplace=(lambda n: lambda T, a, b: getattr(a, n + "_")(b))(_name)))


def shift_ref(left):
    """PyTorch's shifts in numpy: a count below 0 or of at least the width shifts every bit out."""
    def ref(a, b):
        a = np.asarray(a)
        b = np.asarray(b, dtype=a.dtype)
        out = (b < 0) | (b >= a.dtype.itemsize * 8)
        safe = np.where(out, 0, b).astype(a.dtype)
        r = np.left_shift(a, safe) if left else np.right_shift(a, safe)
        fill = np.zeros_like(a) if left else np.where(a < 0, -1, 0).astype(a.dtype)
        return np.where(out, fill, r).astype(a.dtype)
    return ref


def shift_samples(dtype, rng):
    """Counts from -9 to 9 (out of range for some) and values over the whole dtype, so bits fall off."""
    info = np.iinfo(dtype)
    big = [Sample((np.asarray(rng.integers(info.min, int(info.max) + 1, size=a), dtype=dtype),
                   np.asarray(rng.integers(-9, 10, size=b), dtype=dtype))) for a, b in PAIRS]
    return big + [Sample((rand_array(rng, (3, 4), dtype), 3))]


for _name, _dunder, _left in [("bitwise_left_shift", "__lshift__", True), ("bitwise_right_shift", "__rshift__", False)]:
    OPS.append(OpInfo(_name, (lambda d: lambda T, a, b: getattr(a, d)(b))(_dunder), shift_ref(_left), shift_samples,
                      dtypes=INTS, grad=False, inplace=(lambda n: lambda T, a, b: getattr(a, n + "_")(b))(_name)))

for _name, _ref, _dunder in BITWISE:
    OPS.append(OpInfo(_name, (lambda n: lambda T, a, b: getattr(T, n)(a, b))(_name), _ref, binary_samples(),
                      dtypes=("bool",) + INTS, grad=False,
                      inplace=(lambda n: lambda T, a, b: getattr(a, n + "_")(b))(_name)))
    OPS.append(OpInfo(_name + "_operator_scalar", (lambda d: lambda T, a: getattr(a, d)(6))(_dunder),
                      (lambda r: lambda a: r(a, 6).astype(np.int64 if a.dtype == np.bool_ else a.dtype))(_ref),
                      lambda dt, rng: [Sample((rand_array(rng, s, dt),)) for s in ((5,), (3, 4), (), (0,))],
                      dtypes=("bool",) + INTS, grad=False))


# ---- issue 10's two-input rows (csrc/ops/binary.h) and smalltorch.special.xlog1py
def _positive_second(dtype, rng):
    return [Sample((rand_array(rng, a, dtype), rand_array(rng, b, dtype, 0.5, 3.0))) for a, b in PAIRS]


def _f64(ref):
    return lambda *arrays: ref(*(np.asarray(x).astype(np.float64) for x in arrays))


def _xlogy_ref(a, b):
    return np.where(a == 0, 0.0, a * np.log(np.where(a == 0, 1.0, b)))


def _heaviside_samples(dtype, rng):
    out = []
    for a, b in PAIRS:
        x = rand_array(rng, a, dtype)
        if x.size:
            x.reshape(-1)[0] = 0
        out.append(Sample((x, rand_array(rng, b, dtype))))
    return out


def _logaddexp2(a, b):
    return np.logaddexp2(a, b)


OPS += [
    OpInfo("xlogy", lambda T, a, b: T.xlogy(a, b), _f64(_xlogy_ref), _positive_second, dtypes=NUMERIC,
           grad_fn="XlogyBackward0", inplace=lambda T, a, b: a.xlogy_(b)),
    OpInfo("xlogy_scalar", lambda T, a: a.xlogy(2.5), _f64(lambda a: _xlogy_ref(a, 2.5)), unary_divisor_samples,
           dtypes=FLOATS, grad_fn="XlogyBackward2"),
    OpInfo("special.xlog1py", lambda T, a, b: T.special.xlog1py(a, b),
           _f64(lambda a, b: np.where(a == 0, 0.0, a * np.log1p(b))), _positive_second, dtypes=FLOATS,
           grad_fn="SpecialXlog1PyBackward0"),
    OpInfo("copysign", lambda T, a, b: T.copysign(a, b), _f64(np.copysign), divisor_samples(), dtypes=NUMERIC,
           grad_fn="CopysignBackward0", inplace=lambda T, a, b: a.copysign_(b)),
    OpInfo("copysign_scalar", lambda T, a: a.copysign(-1.0), _f64(lambda a: np.copysign(a, -1.0)),
           unary_divisor_samples, dtypes=FLOATS, grad_fn="CopysignBackward1"),
    OpInfo("nextafter", lambda T, a, b: T.nextafter(a, b), np.nextafter, binary_samples(), dtypes=FLOATS,
           grad_fn="NextafterBackward0", inplace=lambda T, a, b: a.nextafter_(b), grad=False),
    OpInfo("ldexp", lambda T, a, b: T.ldexp(a, b), _f64(lambda a, b: a * np.exp2(b)), binary_samples(),
           dtypes=FLOATS, grad_fn="LdexpBackward0", inplace=lambda T, a, b: a.ldexp_(b)),
    OpInfo("heaviside", lambda T, a, b: T.heaviside(a, b), np.heaviside, _heaviside_samples, dtypes=NUMERIC,
           grad=False, inplace=lambda T, a, b: a.heaviside_(b)),
    OpInfo("gcd", lambda T, a, b: T.gcd(a, b), np.gcd, binary_samples(), dtypes=INTS, grad=False,
           inplace=lambda T, a, b: a.gcd_(b)),
    OpInfo("lcm", lambda T, a, b: a.lcm(b), np.lcm, binary_samples(), dtypes=INTS, grad=False,
           inplace=lambda T, a, b: a.lcm_(b)),
    OpInfo("logaddexp", lambda T, a, b: T.logaddexp(a, b), np.logaddexp, binary_samples(), dtypes=FLOATS,
           grad_fn="LogaddexpBackward0", gradgrad=True),
    OpInfo("logaddexp2", lambda T, a, b: a.logaddexp2(b), _logaddexp2, binary_samples(), dtypes=FLOATS,
           grad_fn="Logaddexp2Backward0"),
]
