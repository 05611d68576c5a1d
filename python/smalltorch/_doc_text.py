"""One-paragraph docstrings for smalltorch's public API, written in our own words (smalltorch._docs
attaches them at import; tests/test_docs_stubs.py checks that every public name has one).

FUNCTIONS: smalltorch.<name> functions.  CLASSES: smalltorch.<ClassName> classes.
TENSOR_ONLY: Tensor methods and properties with no same-named smalltorch function
(in-place `foo_` forms whose `foo` is a function are left to the generator, except
`normal_` and `detach_`, whose meaning differs from the function of the same stem).
"""

_FLOAT_PROMO = "Integer and bool inputs are promoted to the default float dtype."


def _unary(what, extra=""):
    s = f"{what} {_FLOAT_PROMO} Accepts `out=` and is differentiable."
    return s if not extra else f"{what} {_FLOAT_PROMO} {extra} Accepts `out=` and is differentiable."


def _alias(target, summary):
    return f"Alias for `smalltorch.{target}`: {summary}"


def _cmp(sym, desc):
    return (f"Compares `input` with `other` elementwise and returns a bool tensor that is True where {desc} "
            f"(`input {sym} other`). `other` may be a tensor broadcastable with `input` or a Python number; "
            f"both are promoted to a common dtype before comparing. Accepts `out=`; the result is not differentiable.")


_EQ = _cmp("==", "the two values are equal")
_NE = _cmp("!=", "the two values differ")
_LT = _cmp("<", "`input` is strictly smaller")
_LE = _cmp("<=", "`input` is smaller than or equal to `other`")
_GT = _cmp(">", "`input` is strictly larger")
_GE = _cmp(">=", "`input` is larger than or equal to `other`")

_ROUNDING = ("Integer inputs are returned unchanged (as a copy) in their own dtype. "
             "Accepts `out=`; the gradient is zero everywhere.")

_ACOS = _unary("Returns the inverse cosine, in radians, of each element of `input`.",
               "Elements outside [-1, 1] give NaN.")
_ACOSH = _unary("Returns the inverse hyperbolic cosine of each element of `input`.",
                "Elements below 1 give NaN.")
_ASIN = _unary("Returns the inverse sine, in radians, of each element of `input`.",
               "Elements outside [-1, 1] give NaN.")
_ASINH = _unary("Returns the inverse hyperbolic sine of each element of `input`.")
_ATAN = _unary("Returns the inverse tangent, in radians (within [-pi/2, pi/2]), of each element of `input`.")
_ATANH = _unary("Returns the inverse hyperbolic tangent of each element of `input`.",
                "Elements of magnitude above 1 give NaN and exactly +-1 give +-inf.")
_ATAN2 = ("Computes the angle, in radians within [-pi, pi], of the point (`other`, `input`) elementwise, i.e. the "
          "quadrant-aware arctangent of `input / other`. Both operands must be tensors; they broadcast, and "
          "integer/bool inputs are promoted to the default floating dtype. Accepts `out=` and is differentiable "
          "with respect to both operands.")
_ABS = ("Returns the absolute value of every element of `input` in a new tensor of the same dtype (integer tensors "
        "stay integer; bool tensors are not supported). Accepts `out=`; differentiable, with gradient `sign(input)` "
        "so zero at zero.")
_CAT = ("Joins a sequence of tensors end to end along the existing dimension `dim` (default 0); all tensors must "
        "have the same shape except in that dimension, and their dtypes are promoted to a common one. Accepts "
        "`out=` and is differentiable with respect to every input.")
_CLAMP = ("Limits every element of `input` to the range [`min`, `max`]: values below `min` become `min` and values "
          "above `max` become `max`. Either bound may be None, a Python number or a broadcastable tensor, but not "
          "both None; when `min` exceeds `max` every element becomes `max`. The result dtype follows type promotion "
          "with the bounds (an integer tensor clamped with a float bound becomes floating). Accepts `out=`; the "
          "gradient passes through only where the element was not clipped.")
_DIV = ("Divides the tensor `input` by `other` elementwise with broadcasting; `other` may be a Python number. With "
        "`rounding_mode=None` (default) it is true division and integer/bool operands produce the default floating "
        "dtype; `'trunc'` rounds the quotient toward zero and `'floor'` rounds it toward negative infinity, both "
        "keeping integer dtypes for integer inputs. Accepts `out=`; differentiable for true division (the rounding "
        "modes have zero gradient).")
_MUL = ("Multiplies `input` by `other` elementwise, broadcasting the shapes and promoting dtypes by the usual "
        "rules; `other` may be a Python number. Accepts `out=` and is differentiable with respect to both operands.")
_SUB = ("Subtracts `other`, scaled by `alpha`, from `input` elementwise (`input - alpha * other`), with "
        "broadcasting and type promotion; `other` may be a Python number. Two bool tensors cannot be subtracted. "
        "Accepts `out=` and is differentiable with respect to both operands.")
_NEG = ("Returns `-input` elementwise in the same dtype. Bool tensors raise an error (use `logical_not` or `~` "
        "instead). Accepts `out=` and is differentiable.")
_TRUNC = ("Rounds each element of `input` toward zero, dropping the fractional part. " + _ROUNDING)
_SWAP = ("Returns a view of `input` with the two given dimensions exchanged; the result shares storage with "
         "`input`. Differentiable.")
_MOVEDIM = ("Returns a view of `input` in which the dimension(s) `source` are moved to the position(s) "
            "`destination`, with the other dimensions keeping their relative order. `source` and `destination` are "
            "an int or equal-length sequences of ints; negative values count from the end. Differentiable.")
_VSTACK = ("Stacks a sequence of tensors vertically: 1-D tensors of length n are first turned into 1 x n rows, then "
           "everything is concatenated along dimension 0. Accepts `out=` and is differentiable.")
_CONCAT = _CAT

FUNCTIONS = {
    "selu": ("Scaled exponential linear unit elementwise: `scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))` "
             "with PyTorch's fixed alpha (1.6732...) and scale (1.0507...). Floating dtypes only; a row of the "
             "activation registry, recording EluBackward0 as PyTorch does."),
    "selu_": ("In-place form of `selu`: overwrites `input` and records EluBackward1, as PyTorch's selu_ does; "
              "floating dtypes only."),
    "celu": ("Continuously differentiable exponential linear unit elementwise: `max(0, x) + min(0, alpha * "
             "(exp(x / alpha) - 1))`; alpha 0 raises. Floating dtypes only; records CeluBackward0."),
    "celu_": ("In-place form of `celu`: overwrites `input` with celu(input, alpha) and records CeluBackward1, as "
              "PyTorch's celu_ does; floating dtypes only."),
    "conv1d": ("Applies a 1-d convolution (cross-correlation) of `input` (N, C_in, L) or (C_in, L) with `weight` "
               "(C_out, C_in / groups, k) plus an optional `bias`, with `stride`, `padding` (ints, 'same' or "
               "'valid'), `dilation` and `groups`. Floating dtypes only; runs as im2col plus a threaded GEMM and "
               "records ConvolutionBackward0."),
    "conv2d": ("Applies a 2-d convolution (cross-correlation) of `input` (N, C_in, H, W) or unbatched "
               "(C_in, H, W) with `weight` (C_out, C_in / groups, kH, kW) plus an optional `bias`, with `stride`, `padding` (ints, "
               "pairs, 'same' or 'valid'), `dilation` and `groups`. Floating dtypes only; im2col plus a threaded "
               "GEMM, gradients to input, weight and bias through ConvolutionBackward0."),
    "conv_transpose1d": ("Transposed 1-d convolution (the gradient of conv1d with respect to its input) of `input` "
                         "with `weight` (C_in, C_out / groups, k), with `stride`, `padding`, `output_padding`, "
                         "`groups` and `dilation`; grows the length by the stride. Records ConvolutionBackward0."),
    "conv_transpose2d": ("Transposed 2-d convolution of `input` (N, C_in, H, W) with `weight` (C_in, C_out / "
                         "groups, kH, kW), with `stride`, `padding`, `output_padding`, `groups` and `dilation`: "
                         "the upsampling layer of decoders. Records ConvolutionBackward0."),
    "convolution": ("The general convolution behind conv1d/conv2d and their transposes: `transposed` picks the "
                    "direction and `output_padding` applies to transposed ones; all of `stride`, `padding` and "
                    "`dilation` are sequences. Records ConvolutionBackward0."),
    "rnn_tanh_cell": ("One step of an Elman RNN cell: h' = tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh) for a "
                      "(batch, input_size) `input` and (batch, hidden_size) `hx`, `w_ih` (hidden_size, input_size), "
                      "`w_hh` (hidden_size, hidden_size); the biases may be None. Checks the sizes as PyTorch does "
                      "and records TanhBackward0 (nn.RNNCell's step)."),
    "rnn_relu_cell": ("One step of an Elman RNN cell with ReLU: h' = relu(input @ w_ih.T + b_ih + hx @ w_hh.T + "
                      "b_hh); the arguments as rnn_tanh_cell's. Records ReluBackward0."),
    "lstm_cell": ("One LSTM step: `hx` is a tuple or list (h, c); the four quarters of input @ w_ih.T + b_ih + "
                  "h @ w_hh.T + b_hh are the input, forget, cell and output gates i, f, g, o (w_ih is "
                  "(4 * hidden_size, input_size)); c' = sigmoid(f) * c + sigmoid(i) * tanh(g) and h' = "
                  "sigmoid(o) * tanh(c'). Returns (h', c'), recording MulBackward0 and AddBackward0 as PyTorch does."),
    "gru_cell": ("One GRU step: with the thirds r, z, n of the two projections (w_ih is (3 * hidden_size, "
                 "input_size)), r and z are sigmoids of the sums, n = tanh(x_n + r * h_n), and "
                 "h' = n + z * (hx - n). The biases may be None; records AddBackward0."),
    "max_pool1d": ("Maximum over sliding windows of size `kernel_size` along the last dim of a (N, C, L) or (C, L) "
                   "input, with `stride` (default: the kernel size), `padding`, `dilation` and `ceil_mode`; "
                   "`return_indices=True` also returns where each maximum was. The gradient goes to those places."),
    "max_pool1d_with_indices": ("Max pooling as `max_pool1d` that always returns the pair (values, indices); "
                                "the indices are positions along the input's last dim."),
    "max_pool2d": ("Maximum over sliding `kernel_size` windows of the last two dims of a (N, C, H, W) or (C, H, W) "
                   "input, with `stride` (default: the kernel size), `padding`, `dilation` and `ceil_mode`; "
                   "differentiable (the gradient goes to each window's maximum)."),
    "avg_pool1d": ("Mean over sliding `kernel_size` windows along the last dim of a (N, C, L) or (C, L) input, "
                   "with `stride`, `padding`, `ceil_mode` and `count_include_pad` (whether padded zeros count in "
                   "the divisor). Floating dtypes only; differentiable."),
    "adaptive_avg_pool1d": ("Mean pooling of the last dim of a (N, C, L) or (C, L) input into `output_size` "
                            "windows, each window's bounds chosen so the windows cover the input evenly. "
                            "Differentiable."),
    "adaptive_max_pool1d": ("Max pooling of the last dim of a (N, C, L) or (C, L) input into `output_size` "
                            "evenly spread windows; returns (values, indices) as PyTorch's top-level function "
                            "does. Differentiable with respect to the values."),
    "get_rng_state": ("Returns the default random generator's whole state as a 1-d uint8 tensor; passing it to "
                      "`set_rng_state` later makes the following draws repeat the ones made after it was taken."),
    "set_rng_state": ("Restores the default random generator to a state `get_rng_state` returned, so the next "
                      "random draws replay that stream. Anything else raises (TypeError for a non-uint8 tensor)."),
    # ---- elementwise unary ------------------------------------------------------------------
    "abs": _ABS,
    "absolute": _alias("abs", _ABS),
    "acos": _ACOS,
    "arccos": _alias("acos", _ACOS),
    "acosh": _ACOSH,
    "arccosh": _alias("acosh", _ACOSH),
    "asin": _ASIN,
    "arcsin": _alias("asin", _ASIN),
    "asinh": _ASINH,
    "arcsinh": _alias("asinh", _ASINH),
    "atan": _ATAN,
    "arctan": _alias("atan", _ATAN),
    "atanh": _ATANH,
    "arctanh": _alias("atanh", _ATANH),
    "cos": _unary("Returns the cosine of each element of `input`, taken in radians."),
    "cosh": _unary("Returns the hyperbolic cosine of each element of `input`."),
    "sin": _unary("Returns the sine of each element of `input`, taken in radians."),
    "sinh": _unary("Returns the hyperbolic sine of each element of `input`."),
    "tan": _unary("Returns the tangent of each element of `input`, taken in radians."),
    "tanh": _unary("Returns the hyperbolic tangent of each element of `input`, a value in (-1, 1)."),
    "exp": _unary("Returns e raised to the power of each element of `input`."),
    "exp2": _unary("Returns 2 raised to the power of each element of `input`."),
    "expm1": _unary("Returns `exp(x) - 1` for each element, computed so that it stays accurate when x is close to zero."),
    "log": _unary("Returns the natural logarithm of each element of `input`.",
                  "Zero gives -inf and negative values give NaN."),
    "log2": _unary("Returns the base-2 logarithm of each element of `input`.",
                   "Zero gives -inf and negative values give NaN."),
    "log10": _unary("Returns the base-10 logarithm of each element of `input`.",
                    "Zero gives -inf and negative values give NaN."),
    "log1p": _unary("Returns `log(1 + x)` for each element, accurate for x close to zero.",
                    "Values below -1 give NaN and -1 gives -inf."),
    "sqrt": _unary("Returns the square root of each element of `input`.", "Negative values give NaN."),
    "rsqrt": _unary("Returns the reciprocal of the square root (`1 / sqrt(x)`) of each element of `input`.",
                    "Zero gives inf and negative values give NaN."),
    "erf": _unary("Returns the Gauss error function of each element of `input`."),
    "erfc": _unary("Returns the complementary error function `1 - erf(x)` of each element, computed without the "
                   "cancellation that subtracting would cause for large x."),
    "sigmoid": _unary("Returns the logistic sigmoid `1 / (1 + exp(-x))` of each element of `input`, a value in (0, 1)."),
    "reciprocal": _unary("Returns `1 / x` for each element of `input`.", "Zero gives inf."),
    "deg2rad": _unary("Converts each element of `input` from degrees to radians (multiplies by pi/180)."),
    "rad2deg": _unary("Converts each element of `input` from radians to degrees (multiplies by 180/pi)."),
    "relu": ("Applies the rectified linear unit elementwise, replacing negative values with zero and keeping the "
             "dtype of `input`. Accepts `out=`; differentiable, with zero gradient where the input is not positive."),
    "square": ("Returns the square of each element of `input` (`input * input`). Integer inputs keep their dtype, "
               "while bool inputs give int64. Accepts `out=` and is differentiable."),
    "neg": _NEG,
    "negative": _alias("neg", _NEG),
    "sign": ("Returns -1, 0 or 1 for each element of `input` according to whether it is negative, zero or positive, "
             "in the dtype of `input` (bool tensors are returned as they are). Accepts `out=`; its gradient is zero."),
    "sgn": ("Sign function that also covers complex numbers (x / |x|); smalltorch has only real dtypes, so it "
            "returns the same values as `sign`: -1, 0 or 1 in the dtype of `input`. Accepts `out=`; its gradient is "
            "zero for real inputs."),
    "signbit": ("Returns a bool tensor that is True wherever the sign bit of an element of `input` is set, which "
                "includes -0.0 and negative NaN as well as ordinary negative numbers. Accepts `out=`; not differentiable."),
    "floor": "Rounds each element of `input` down to the nearest integer value (toward negative infinity). " + _ROUNDING,
    "ceil": "Rounds each element of `input` up to the nearest integer value (toward positive infinity). " + _ROUNDING,
    "trunc": _TRUNC,
    "fix": _alias("trunc", _TRUNC),
    "round": ("Rounds each element of `input` to the nearest integer value, sending exact halves to the even neighbour "
              "(so 0.5 becomes 0 and 1.5 becomes 2); integer inputs are returned unchanged. PyTorch's `decimals` "
              "keyword rounds to that many decimal places, but smalltorch currently accepts only None or 0 and "
              "raises NotImplementedError otherwise. Accepts `out=`; the gradient is zero everywhere."),
    "frac": ("Returns the fractional part of each element, `input - trunc(input)`, which keeps the sign of the "
             "input. Only floating-point tensors are supported. Accepts `out=` and is differentiable (gradient one)."),
    "isfinite": ("Returns a bool tensor that is True where an element of `input` is neither infinite nor NaN; "
                 "integer and bool inputs are finite everywhere. Accepts `out=`; not differentiable."),
    "isinf": ("Returns a bool tensor that is True where an element of `input` is positive or negative infinity. "
              "Accepts `out=`; not differentiable."),
    "isnan": ("Returns a bool tensor that is True where an element of `input` is NaN. Accepts `out=`; not "
              "differentiable."),
    "isposinf": ("Returns a bool tensor that is True where an element of `input` equals positive infinity. Accepts "
                 "`out=`; not differentiable."),
    "isneginf": ("Returns a bool tensor that is True where an element of `input` equals negative infinity. Accepts "
                 "`out=`; not differentiable."),
    "nan_to_num": ("Returns a copy of `input` in which NaN is replaced by `nan` (default 0.0), positive infinity by "
                   "`posinf` and negative infinity by `neginf`; when `posinf`/`neginf` are None they default to the "
                   "largest and lowest finite values of the dtype. Integer inputs are returned unchanged. Accepts "
                   "`out=`; differentiable, with zero gradient at the replaced positions."),
    "bitwise_not": ("Returns the bitwise complement of each element of an integer or bool tensor; for bool this is "
                    "logical negation. Floating tensors are rejected. Accepts `out=`; not differentiable."),
    "logical_not": ("Returns a bool tensor that is True where an element of `input` is zero (or False) and False "
                    "elsewhere; any input dtype is accepted. With `out=` the result is written in `out`'s dtype. Not "
                    "differentiable."),
    # ---- elementwise binary -----------------------------------------------------------------
    "add": ("Adds `other`, scaled by `alpha`, to `input` elementwise (`input + alpha * other`), broadcasting the two "
            "shapes and promoting dtypes by PyTorch's rules; either operand may be a Python number. `alpha` must be "
            "an integer when both operands are integral. Accepts `out=` and is differentiable with respect to both "
            "operands."),
    "sub": _SUB,
    "subtract": _alias("sub", _SUB),
    "mul": _MUL,
    "multiply": _alias("mul", _MUL),
    "div": _DIV,
    "divide": _alias("div", _DIV),
    "true_divide": _alias("div", "true division of `input` by `other` with broadcasting, always producing a floating "
                                 "result for integer/bool operands. Accepts `out=` and is differentiable."),
    "floor_divide": ("Divides `input` by `other` elementwise and rounds the quotient toward negative infinity, like "
                     "Python's `//`; integer operands give an integer result and division of integers by zero "
                     "raises. Broadcasts, accepts a Python number for `other` and `out=`. No derivative is "
                     "implemented, so backward through it raises."),
    "remainder": ("Computes the elementwise remainder of `input` divided by `other` in Python's sense: the result "
                  "has the sign of the divisor (`input - floor(input / other) * other`). Operands broadcast and may "
                  "be Python numbers; dtypes are promoted and integer division by zero raises. Accepts `out=` and is "
                  "differentiable."),
    "fmod": ("Computes the elementwise remainder of `input` divided by `other` in C's sense: the quotient is "
             "truncated toward zero, so the result has the sign of the dividend. Operands broadcast, `other` may be a "
             "Python number and integer division by zero raises. Accepts `out=` and is differentiable."),
    "pow": ("Raises `input` to the power `exponent` elementwise; either may be a tensor or a Python number, and "
            "shapes broadcast with type promotion, so an integer tensor raised to a float power "
            "becomes floating. Integer tensors cannot be raised to negative integer powers. Accepts `out=` and is "
            "differentiable with respect to both base and exponent."),
    "atan2": _ATAN2,
    "arctan2": _alias("atan2", _ATAN2),
    "hypot": ("Returns `sqrt(input**2 + other**2)` elementwise, the length of the hypotenuse, computed without "
              "intermediate overflow. Operands broadcast and must be floating point (integer tensors are rejected). "
              "Accepts `out=` and is differentiable with respect to both operands."),
    "maximum": ("Returns the elementwise larger of the tensors `input` and `other`, broadcasting and promoting dtypes; a NaN in "
                "either position propagates to the result. Accepts `out=`; differentiable, with the gradient split "
                "evenly when the two values are equal."),
    "minimum": ("Returns the elementwise smaller of the tensors `input` and `other`, broadcasting and promoting dtypes; a NaN in "
                "either position propagates to the result. Accepts `out=`; differentiable, with the gradient split "
                "evenly when the two values are equal."),
    "bitwise_and": ("Computes the bitwise AND of `input` and `other` elementwise (logical AND for bool). Both must be "
                    "integer or bool tensors or numbers; they broadcast and promote. Accepts `out=`; not differentiable."),
    "bitwise_or": ("Computes the bitwise OR of `input` and `other` elementwise (logical OR for bool). Both must be "
                   "integer or bool tensors or numbers; they broadcast and promote. Accepts `out=`; not differentiable."),
    "bitwise_xor": ("Computes the bitwise exclusive OR of `input` and `other` elementwise (logical XOR for bool). Both "
                    "must be integer or bool tensors or numbers; they broadcast and promote. Accepts `out=`; not "
                    "differentiable."),
    "bitwise_left_shift": ("Shifts the bits of `input` left by `other` places elementwise (the `<<` operator): "
                           "integer tensors or numbers, broadcast and promoted; bits shifted past the width are "
                           "lost (a count below 0 or of at least the width gives 0). Accepts `out=`; not "
                           "differentiable."),
    "bitwise_right_shift": ("Shifts the bits of `input` right by `other` places elementwise (the `>>` operator), "
                            "keeping the sign of signed values: integer tensors or numbers, broadcast and promoted; "
                            "a count below 0 or of at least the width gives 0, or -1 for a negative value. Accepts "
                            "`out=`; not differentiable."),
    "logical_and": ("Returns a bool tensor that is True where both `input` and `other` are nonzero, treating every "
                    "dtype by truthiness; shapes broadcast. Accepts `out=`; not differentiable."),
    "logical_or": ("Returns a bool tensor that is True where at least one of `input` and `other` is nonzero, treating "
                   "every dtype by truthiness; shapes broadcast. Accepts `out=`; not differentiable."),
    "logical_xor": ("Returns a bool tensor that is True where exactly one of `input` and `other` is nonzero, treating "
                    "every dtype by truthiness; shapes broadcast. Accepts `out=`; not differentiable."),
    "eq": _EQ,
    "ne": _NE,
    "not_equal": _alias("ne", _NE),
    "lt": _LT,
    "less": _alias("lt", _LT),
    "le": _LE,
    "less_equal": _alias("le", _LE),
    "gt": _GT,
    "greater": _alias("gt", _GT),
    "ge": _GE,
    "greater_equal": _alias("ge", _GE),
    "equal": ("Returns the Python bool True when `input` and `other` have the same shape and identical elements, "
              "and False otherwise (including on a shape mismatch). Values are compared after dtype promotion, so an "
              "int tensor can equal a float tensor."),
    "isclose": ("Returns a bool tensor marking where `input` and `other` are close, meaning "
                "`|input - other| <= atol + rtol * |other|` elementwise, with broadcasting. Infinities are close only "
                "to an infinity of the same sign, and NaNs are close to each other only when `equal_nan=True`. Not "
                "differentiable."),
    "allclose": ("Returns the Python bool True when every pair of elements of `input` and `other` satisfies "
                 "`|input - other| <= atol + rtol * |other|` (the `isclose` test, with broadcasting); `equal_nan` "
                 "controls whether NaNs in the same position count as close."),
    # ---- ternary / pointwise with extra operands ------------------------------------------------
    "addcmul": ("Computes `input + value * tensor1 * tensor2` elementwise, with all three tensors broadcast together "
                "and `value` (default 1) a scalar multiplier. Accepts `out=` and is differentiable with respect to "
                "all tensor operands."),
    "addcdiv": ("Computes `input + value * tensor1 / tensor2` elementwise, with broadcasting and `value` (default 1) "
                "a scalar multiplier. Integer `tensor1`/`tensor2` are rejected (the old integer-division behaviour is "
                "gone). Accepts `out=` and is differentiable with respect to all tensor operands."),
    "lerp": ("Linearly interpolates between `input` (start) and `end`: `input + weight * (end - input)` elementwise. "
             "`weight` may be a Python number or a tensor broadcastable with the others; the tensors must be "
             "floating point. Accepts `out=` and is differentiable with respect to start, end and a tensor weight."),
    "where": ("Builds a tensor that takes elements from `input` where `condition` (a bool tensor) is True and from "
              "`other` where it is False; the three broadcast together and `input`/`other` may be Python numbers, "
              "with the result dtype given by promoting them. Only this three-argument form is supported (not the "
              "one-argument `where(condition)`). Accepts `out=` and is differentiable with respect to `input` and "
              "`other`."),
    "clamp": _CLAMP,
    "clip": _alias("clamp", _CLAMP),
    "clamp_min": ("Replaces every element of `input` that is below `min` (a number or broadcastable tensor) with "
                  "`min`, leaving an upper bound unset. Differentiable, with the gradient flowing only to elements "
                  "that were not raised."),
    "clamp_max": ("Replaces every element of `input` that is above `max` (a number or broadcastable tensor) with "
                  "`max`, leaving a lower bound unset. Differentiable, with the gradient flowing only to elements "
                  "that were not lowered."),
    "masked_fill": ("Returns a copy of `input` in which the positions where the bool `mask` (broadcastable to "
                    "`input`) is True are set to `value`, a Python number or 0-d tensor. Non-bool masks raise. "
                    "Accepts `out=`; differentiable with respect to `input` (zero gradient at filled positions)."),
    # ---- linear algebra ------------------------------------------------------------------------
    "matmul": ("Matrix product with NumPy-style dimension handling: two 1-D tensors give their dot product, 2-D by "
               "2-D is a matrix product, a 1-D operand is treated as a row or column vector and the added dimension "
               "is removed again, and inputs with more than two dimensions are treated as batches of matrices whose "
               "batch dimensions broadcast. Accepts `out=` and is differentiable with respect to both operands."),
    "mm": ("Multiplies a matrix `input` of shape (n, m) by a matrix `mat2` of shape (m, p), giving (n, p); no "
           "broadcasting is performed (use `matmul` for that). Accepts `out=` and is differentiable."),
    "bmm": ("Batched matrix product of two 3-D tensors: `input` (b, n, m) times `mat2` (b, m, p) gives (b, n, p), "
            "multiplying the matrices at each batch index. Batch sizes must match exactly (no broadcasting). Accepts "
            "`out=` and is differentiable."),
    "mv": ("Multiplies the matrix `input` of shape (n, m) by the vector `vec` of length m, giving a vector of length "
           "n. Accepts `out=` and is differentiable."),
    "dot": ("Returns the inner product of two 1-D tensors with the same number of elements as a 0-d tensor. Both "
            "must have the same dtype (no promotion). Accepts `out=` and is differentiable."),
    "outer": ("Returns the outer product of two 1-D tensors: for `input` of length n and `vec2` of length m the "
              "result is an (n, m) matrix with entry [i, j] equal to `input[i] * vec2[j]`, in the promoted dtype. "
              "Differentiable."),
    "addmm": ("Computes `beta * input + alpha * (mat1 @ mat2)` for matrices `mat1` (n, m) and `mat2` (m, p), where "
              "`input` must broadcast to (n, p). When `beta` is 0, `input` is ignored (NaN and inf in it do not "
              "propagate). Accepts `out=` and is differentiable with respect to all three tensors."),
    "trace": ("Returns the sum of the main diagonal of a 2-D tensor as a 0-d tensor; integer and bool inputs are "
              "summed as int64. Differentiable."),
    "det": ("Returns the determinant of each square matrix of `input` (shape (*, n, n), float32 or float64), "
            "computed from an LU factorization with partial pivoting (LAPACK getrf); 0 for a singular matrix and "
            "1 for an empty one. Differentiable (LinalgDetBackward0: grad · det · A⁻ᵀ, or the adjugate from the "
            "SVD for a singular matrix). Same as `smalltorch.linalg.det`."),
    "logdet": ("Returns log det of each square matrix of `input`: nan where the determinant is negative and -inf "
               "where the matrix is singular. Computed from `linalg.slogdet`; differentiable."),
    "slogdet": ("Returns the named pair (sign, logabsdet) of each square matrix of `input`: the sign of the "
                "determinant (0 for a singular matrix) and the log of its absolute value (-inf when singular), "
                "without the overflow of `det`. Differentiable through logabsdet (LinalgSlogdetBackward0)."),
    "inverse": ("Returns the inverse of each square matrix of `input` (LU with partial pivoting); a singular "
                "matrix raises `smalltorch.linalg.LinAlgError` (a RuntimeError). Accepts `out=`; differentiable "
                "(LinalgInvExBackward0: -A⁻ᵀ grad A⁻ᵀ). Same as `smalltorch.linalg.inv`."),
    "cholesky": ("Returns the Cholesky factor L (A = L Lᵀ, lower triangular) of each symmetric positive-definite "
                 "matrix of `input`, or U = Lᵀ when `upper=True`; only one triangle of the input is read. A matrix "
                 "that is not positive-definite raises `smalltorch.linalg.LinAlgError`. Differentiable "
                 "(CholeskyBackward0). PyTorch deprecates it for `smalltorch.linalg.cholesky`."),
    "qr": ("Returns the named pair (Q, R) of the QR decomposition of each matrix of `input` (LAPACK geqrf/orgqr): "
           "reduced when `some=True` (Q is m x k, R is k x n, k = min(m, n)), complete otherwise (Q is m x m). "
           "Differentiable (LinalgQrBackward0). PyTorch deprecates it for `smalltorch.linalg.qr`."),
    "svd": ("Returns the named triple (U, S, V) with input = U diag(S) Vᵀ for each matrix of `input` (LAPACK "
            "gesdd), singular values descending; reduced U and V when `some=True`. With `compute_uv=False` U and V "
            "are zero-filled (m x m) and (n x n). Note V, not Vᵀ as `smalltorch.linalg.svd` returns. "
            "Differentiable (LinalgSvdBackward0)."),
    "norm": ("Computes a matrix or vector norm of `input`. `p` is `'fro'` (default, the square root of the sum of "
             "squares) or a number, including inf and -inf for max/min absolute value; `dim` selects the dimension(s) "
             "to reduce (all by default), `keepdim` keeps them with size 1, and `dtype`/`out` control the result. "
             "Only floating tensors are accepted, and `p='nuc'` is not supported by smalltorch. Differentiable; "
             "PyTorch treats this function as deprecated in favour of `smalltorch.linalg`."),
    # ---- reductions ---------------------------------------------------------------------------
    "sum": ("Adds up the elements of `input`, over all of them by default or over the dimension(s) given by `dim` "
            "(an int or tuple), keeping reduced dimensions with size 1 when `keepdim=True`. Integer and bool inputs "
            "are accumulated as int64 unless `dtype` is given, in which case the input is cast to `dtype` first. "
            "Accepts `out=` and is differentiable."),
    "prod": ("Multiplies together the elements of `input`, over all of them or along the single dimension `dim`, "
             "with `keepdim` keeping that dimension as size 1. Integer and bool inputs produce int64 unless `dtype` is "
             "given. Accepts `out=` and is differentiable (zeros in the input are handled)."),
    "mean": ("Returns the arithmetic mean of `input` over all elements or over the dimension(s) `dim`, with "
             "`keepdim` keeping reduced dimensions as size 1. The input must be floating point unless `dtype` names a "
             "floating dtype to compute in; integer tensors otherwise raise. Accepts `out=` and is differentiable."),
    "std": ("Returns the standard deviation of `input` over all elements or over `dim`, with `keepdim` to retain "
            "reduced dimensions. The divisor is N - `correction` (default correction 1, Bessel's correction); the "
            "legacy `unbiased` flag selects correction 1 (True) or 0 (False). Floating inputs only. Accepts `out=` "
            "and is differentiable."),
    "var": ("Returns the variance of `input` over all elements or over `dim`, with `keepdim` to retain reduced "
            "dimensions. The sum of squared deviations is divided by N - `correction` (default correction 1); the "
            "legacy `unbiased` flag means correction 1 when True and 0 when False. Floating inputs only. Accepts "
            "`out=` and is differentiable."),
    "std_mean": ("Returns the tuple (standard deviation, mean) of `input` computed in one pass, over all elements or "
                 "over `dim`, with the keyword-only `correction` (default 1) and `keepdim` as in `std`. Both results "
                 "are differentiable."),
    "var_mean": ("Returns the tuple (variance, mean) of `input` computed in one pass, over all elements or over "
                 "`dim`, with the keyword-only `correction` (default 1) and `keepdim` as in `var`. Both results are "
                 "differentiable."),
    "logsumexp": ("Computes `log(sum(exp(input)))` over the dimension(s) `dim` in a numerically stable way "
                  "(subtracting the maximum first), with `keepdim` keeping reduced dimensions as size 1. Integer "
                  "inputs are promoted to the default floating dtype. Accepts `out=` and is differentiable."),
    "amax": ("Returns the maximum values of `input` over the dimension(s) `dim` (all dimensions when `dim` is "
             "empty, the default), with `keepdim` to retain them as size 1; no indices are returned. A NaN makes the "
             "result NaN. Accepts `out=`; differentiable, with the gradient shared evenly among tied maxima."),
    "amin": ("Returns the minimum values of `input` over the dimension(s) `dim` (all dimensions when `dim` is "
             "empty, the default), with `keepdim` to retain them as size 1; no indices are returned. A NaN makes the "
             "result NaN. Accepts `out=`; differentiable, with the gradient shared evenly among tied minima."),
    "max": ("Has three forms: `max(input)` returns the largest element as a 0-d tensor; `max(input, dim, "
            "keepdim=False)` returns a named tuple (values, indices) of the maxima along `dim` and the positions "
            "where they occur; and `max(input, other)` with a tensor `other` behaves like `maximum`. NaN propagates. "
            "The values are differentiable; the indices are int64 and not."),
    "min": ("Has three forms: `min(input)` returns the smallest element as a 0-d tensor; `min(input, dim, "
            "keepdim=False)` returns a named tuple (values, indices) of the minima along `dim` and the positions "
            "where they occur; and `min(input, other)` with a tensor `other` behaves like `minimum`. NaN propagates. "
            "The values are differentiable; the indices are int64 and not."),
    "argmax": ("Returns the int64 index of the largest element of `input`: with `dim=None` the index into the "
               "flattened tensor, otherwise the indices along `dim`, with `keepdim` keeping that dimension as size "
               "1. Ties give the first occurrence. Accepts `out=`; not differentiable."),
    "argmin": ("Returns the int64 index of the smallest element of `input`: with `dim=None` the index into the "
               "flattened tensor, otherwise the indices along `dim`, with `keepdim` keeping that dimension as size "
               "1. Ties give the first occurrence. Accepts `out=`; not differentiable."),
    "all": ("Tests whether every element of `input` is nonzero, over the whole tensor or along `dim` (int or "
            "tuple), with `keepdim` to retain reduced dimensions. The result is bool, except that uint8 inputs give "
            "uint8. Accepts `out=`; not differentiable."),
    "any": ("Tests whether at least one element of `input` is nonzero, over the whole tensor or along `dim` (int or "
            "tuple), with `keepdim` to retain reduced dimensions. The result is bool, except that uint8 inputs give "
            "uint8. Accepts `out=`; not differentiable."),
    "count_nonzero": ("Counts the nonzero elements of `input`, over the whole tensor or over the dimension(s) `dim` "
                      "(an int or tuple), and returns the counts as an int64 tensor; reduced dimensions are removed. "
                      "Not differentiable."),
    "cumsum": ("Returns the running sum of `input` along dimension `dim`, so element i is the sum of elements 0..i "
               "along that dimension. Integer and bool inputs accumulate as int64 unless `dtype` is given (the input "
               "is cast to `dtype` first). Accepts `out=` and is differentiable."),
    "cumprod": ("Returns the running product of `input` along dimension `dim`, so element i is the product of "
                "elements 0..i along that dimension. Integer and bool inputs accumulate as int64 unless `dtype` is "
                "given. Accepts `out=` and is differentiable (zeros in the input are handled)."),
    "softmax": ("Applies softmax along dimension `dim`: exponentiates the entries and divides each by their sum "
                "along `dim`, giving non-negative values that sum to one. If `dtype` is given the input is cast to it "
                "first; integer inputs are not supported without a floating `dtype`. Differentiable."),
    "log_softmax": ("Returns the logarithm of softmax along dimension `dim`, computed directly (as `x - logsumexp(x)`) "
                    "for numerical stability. If `dtype` is given the input is cast to it first; integer inputs need a "
                    "floating `dtype`. Differentiable."),
    # ---- sorting and selection ----------------------------------------------------------------
    "sort": ("Sorts the elements of `input` along `dim` (default the last), ascending unless `descending=True`, and "
             "returns a named tuple (values, indices) where indices are the int64 original positions. With "
             "`stable=True` equal elements keep their original order. NaN is treated as larger than every number. "
             "The values are differentiable."),
    "argsort": ("Returns the int64 indices that would sort `input` along `dim` (default the last), ascending unless "
                "`descending=True`; `stable=True` keeps equal elements in their original order. Equivalent to the "
                "indices of `sort`. Not differentiable."),
    "topk": ("Returns the `k` largest elements of `input` along `dim` (default the last), or the `k` smallest when "
             "`largest=False`, as a named tuple (values, indices). With `sorted=True` (default) the values are in "
             "sorted order. The values are differentiable; the int64 indices are not."),
    "unique": ("Returns the distinct elements of the flattened `input` as a 1-D tensor in ascending order. With "
               "`return_inverse=True` it also returns, for each input element, its index in the unique tensor, and "
               "with `return_counts=True` how many times each unique value occurs; these are returned together as a "
               "tuple. smalltorch does not support `dim` yet and always sorts. No derivative is implemented."),
    "nonzero": ("Returns the indices of the nonzero elements of `input`: by default an int64 tensor of shape "
                "(number of nonzeros, input.dim()) with one row per element in row-major order, or with "
                "`as_tuple=True` a tuple of 1-D index tensors, one per dimension, suitable for advanced indexing. "
                "Not differentiable."),
    "argwhere": ("Returns the indices of the nonzero elements of `input` as an int64 tensor of shape (number of "
                 "nonzeros, input.dim()), one row per element in row-major order; the same as `nonzero` with "
                 "`as_tuple=False`. Not differentiable."),
    # ---- indexing ----------------------------------------------------------------------------
    "gather": ("Collects values from `input` along dimension `dim` at the positions given by the int64 tensor "
               "`index`: for 2-D with dim=1, `out[i][j] = input[i][index[i][j]]`. The result has the shape of "
               "`index`, which must have the same number of dimensions as `input`. `sparse_grad` is accepted for "
               "compatibility. Accepts `out=`; differentiable with respect to `input`."),
    "scatter": ("Returns a copy of `input` in which values are written along `dim` at the positions given by the "
                "int64 tensor `index`: for 2-D with dim=1, `result[i][index[i][j]] = src[i][j]`. The values come from "
                "`src`, which may be a tensor or a number, or from the keyword `value` when it is a number; when "
                "several entries target the same position which one wins is unspecified. Differentiable with respect "
                "to `input` and a tensor `src`."),
    "scatter_add": ("Returns a copy of `input` to which the values of `src` are added along `dim` at the positions "
                    "given by the int64 tensor `index` (for 2-D with dim=1, `result[i][index[i][j]] += src[i][j]`), "
                    "accumulating when several entries hit the same position. Differentiable with respect to `input` "
                    "and `src`."),
    "index_select": ("Picks the slices of `input` at positions `index` (a 1-D integer tensor) along dimension `dim` "
                     "and returns them as a new tensor (a copy, not a view) whose size in `dim` equals `len(index)`. "
                     "Accepts `out=`; differentiable with respect to `input`."),
    "index_add": ("Returns a copy of `input` in which `alpha * source` is added to the slices along `dim` selected by "
                  "the 1-D integer tensor `index`; slice i of `source` goes to position `index[i]`, and repeated "
                  "indices accumulate. Differentiable with respect to `input` and `source`."),
    "index_put": ("Returns a copy of `input` in which the positions selected by `indices` (a tuple of index tensors, "
                  "as in advanced indexing `input[indices]`) are set to `values`, which broadcasts. With "
                  "`accumulate=True` the values are added instead, and repeated indices accumulate. Differentiable "
                  "with respect to `input` and `values`."),
    "masked_scatter": ("Returns a copy of `input` in which the positions where the bool `mask` is True are filled, in "
                       "row-major order, with consecutive elements of `source`, which must have at least as many "
                       "elements as the mask has True entries. Differentiable with respect to `input` and `source`."),
    "masked_select": ("Returns a new 1-D tensor holding the elements of `input` where the bool `mask` (broadcast "
                      "against `input`) is True, in row-major order; the result is a copy. Accepts `out=`; "
                      "differentiable with respect to `input`."),
    "take": ("Treats `input` as if it were flattened to 1-D and returns the elements at the positions in the "
             "integer tensor `index`, in a tensor shaped like `index`; negative indices count from the end. Accepts "
             "`out=`; differentiable with respect to `input`."),
    # ---- shape and layout --------------------------------------------------------------------
    "reshape": ("Returns a tensor with the same elements as `input` in the shape `shape` (one dimension may be -1 and "
                "is inferred). It is a view when the strides allow it and a copy otherwise, so callers should not rely "
                "on either. Differentiable."),
    "flatten": ("Merges the dimensions from `start_dim` to `end_dim` (default: all) of `input` into one dimension "
                "and returns the result, a view when possible; a 0-d input becomes 1-D. Differentiable."),
    "squeeze": ("Removes dimensions of size 1 from `input`: all of them when `dim` is None, otherwise only those "
                "listed in `dim` (an int or tuple) that have size 1; others are left alone. Returns a view sharing "
                "storage. Differentiable."),
    "unsqueeze": ("Returns a view of `input` with a new dimension of size 1 inserted at position `dim`; negative "
                  "`dim` counts from the end of the output shape. Differentiable."),
    "permute": ("Returns a view of `input` with its dimensions reordered as given by the sequence `dims`, a "
                "permutation of 0..ndim-1 (negative values allowed); the top-level function takes `dims` as one "
                "sequence. Differentiable."),
    "transpose": _SWAP.replace("the two given dimensions", "dimensions `dim0` and `dim1`"),
    "swapaxes": _alias("transpose", _SWAP.replace("the two given dimensions", "dimensions `axis0` and `axis1`")),
    "swapdims": _alias("transpose", _SWAP.replace("the two given dimensions", "dimensions `dim0` and `dim1`")),
    "t": ("Transposes a tensor with at most two dimensions: a 2-D tensor has its two dimensions swapped and 0-D or "
          "1-D tensors are returned as they are (as views). Tensors with more dimensions raise. Differentiable."),
    "movedim": _MOVEDIM,
    "moveaxis": _alias("movedim", _MOVEDIM),
    "narrow": ("Returns a view of `input` restricted to `length` consecutive entries of dimension `dim`, starting at "
               "`start`; the view shares storage with `input`. Differentiable."),
    "select": ("Returns a view of `input` indexed at position `index` along dimension `dim`, which removes that "
               "dimension (like `input[..., index, ...]`). Differentiable."),
    "unbind": ("Splits `input` along dimension `dim` (default 0) into a tuple of views, one per index, each with that "
               "dimension removed. Differentiable."),
    "chunk": ("Splits `input` into at most `chunks` views of (almost) equal size along `dim`, every chunk but the "
              "last having size `ceil(size / chunks)`; fewer chunks are returned when the size does not allow that "
              "many. Returns a tuple; differentiable."),
    "split": ("Splits `tensor` into views along `dim`: when `split_size_or_sections` is an int every piece has that "
              "size except possibly a smaller last one, and when it is a list of ints the pieces have those sizes, "
              "which must add up to the dimension's size. Returns a tuple; differentiable."),
    "cat": _CAT,
    "concat": _alias("cat", _CAT),
    "concatenate": _alias("cat", _CAT.replace("dimension `dim`", "dimension `axis`")),
    "stack": ("Joins a sequence of tensors that all have the same shape along a new dimension inserted at `dim` "
              "(default 0), so the result has one more dimension than the inputs. Dtypes are promoted to a common "
              "one. Accepts `out=` and is differentiable."),
    "hstack": ("Stacks a sequence of tensors horizontally: 1-D tensors are concatenated along dimension 0 and "
               "higher-dimensional ones along dimension 1. Accepts `out=` and is differentiable."),
    "vstack": _VSTACK,
    "row_stack": _alias("vstack", _VSTACK),
    "dstack": ("Stacks a sequence of tensors depthwise: each is first made at least 3-D (1-D of length n becomes "
               "1 x n x 1, 2-D becomes m x n x 1), then they are concatenated along dimension 2. Accepts `out=` and "
               "is differentiable."),
    "column_stack": ("Builds a 2-D tensor by placing the given tensors side by side as columns: 0-d and 1-D tensors "
                     "become columns of shape (n, 1), and everything is concatenated along dimension 1. Accepts "
                     "`out=` and is differentiable."),
    "atleast_1d": ("Returns its tensor argument(s) with 0-d tensors turned into 1-D tensors of one element, leaving "
                   "higher-dimensional ones unchanged. One tensor gives one tensor; several tensors (or a sequence) "
                   "give a tuple. Differentiable."),
    "atleast_2d": ("Returns its tensor argument(s) with fewer than two dimensions reshaped to 2-D (a 1-D tensor of "
                   "length n becomes 1 x n), leaving others unchanged. One tensor gives one tensor; several give a "
                   "tuple. Differentiable."),
    "atleast_3d": ("Returns its tensor argument(s) with fewer than three dimensions reshaped to 3-D (1-D of length n "
                   "becomes 1 x n x 1 and an m x n matrix becomes m x n x 1), leaving others unchanged. One tensor "
                   "gives one tensor; several give a tuple. Differentiable."),
    "broadcast_to": ("Returns a view of `input` expanded to the shape `size` under broadcasting rules, without "
                     "copying data (expanded dimensions have stride 0, so do not write to the result). Differentiable."),
    "broadcast_tensors": ("Expands all the given tensors to their common broadcast shape and returns the expanded "
                          "views as a tuple; raises when the shapes are incompatible. Differentiable."),
    "broadcast_shapes": ("Computes the shape that tensors of the given shapes (each a Size, tuple or int) would "
                         "broadcast to, without creating any tensors, and returns it as a `Size`. Raises RuntimeError "
                         "naming the mismatch when the shapes are incompatible."),
    "flip": ("Returns a copy of `input` with the order of elements reversed along each dimension listed in `dims`. "
             "Unlike NumPy's flip, the result is a new tensor, not a view. Differentiable."),
    "fliplr": ("Reverses `input` along dimension 1 (left/right) and returns a copy; the input must have at least two "
               "dimensions. Differentiable."),
    "flipud": ("Reverses `input` along dimension 0 (up/down) and returns a copy; the input must have at least one "
               "dimension. Differentiable."),
    "roll": ("Shifts the elements of `input` cyclically by `shifts` positions along `dims`, with elements pushed off "
             "one end reappearing at the other; `shifts` and `dims` may be matching tuples. Without `dims` the tensor "
             "is flattened, rolled and reshaped back. Differentiable."),
    "diag": ("With a 1-D `input`, builds a square 2-D tensor whose `diagonal`-th diagonal holds the input and whose "
             "other entries are zero; with a 2-D `input`, returns the `diagonal`-th diagonal as a 1-D tensor. "
             "`diagonal` 0 is the main diagonal, positive is above and negative below. Differentiable."),
    "diagonal": ("Returns a view of the diagonal of `input` taken over dimensions `dim1` and `dim2` (default 0 and "
                 "1), shifted by `offset` (positive above the main diagonal, negative below); those two dimensions "
                 "are removed and the diagonal is appended as the last dimension. Writing to the view changes "
                 "`input`. Differentiable."),
    "tril": ("Returns a copy of a matrix (or batch of matrices) `input` with the elements above the `diagonal`-th "
             "diagonal set to zero, keeping the lower triangle; `diagonal` 0 is the main diagonal, positive values "
             "keep more and negative values fewer. Differentiable."),
    "triu": ("Returns a copy of a matrix (or batch of matrices) `input` with the elements below the `diagonal`-th "
             "diagonal set to zero, keeping the upper triangle; `diagonal` 0 is the main diagonal, positive values "
             "keep fewer and negative values more. Differentiable."),
    "repeat_interleave": ("Repeats each element of `input` `repeats` times in place (so [1, 2] becomes [1, 1, 2, 2]), "
                          "along `dim` or over the flattened tensor when `dim` is None; `repeats` may be an int or a "
                          "tensor giving a count per element. Called with only a tensor of counts, it returns "
                          "`[0]*c0 + [1]*c1 + ...`. `output_size` may give the total length in advance. Differentiable "
                          "with respect to `input`."),
    "clone": ("Returns a copy of `input` with its own storage, the same dtype and values; it stays in the autograd "
              "graph, so gradients flow back to `input`."),
    "detach": ("Returns a tensor that shares storage with `input` but is cut off from the autograd graph: it has no "
               "`grad_fn` and does not require grad. In-place changes to either are visible in both."),
    # ---- creation ----------------------------------------------------------------------------
    "tensor": ("Creates a new tensor holding a copy of `data`, which may be a Python number, nested lists or tuples, "
               "a NumPy array or a tensor. Without `dtype` the dtype is inferred: bool for bools, int64 for integers "
               "and the default floating dtype for floats (NumPy arrays keep their dtype). `requires_grad=True` makes "
               "the result a leaf that records operations."),
    "as_tensor": ("Converts `data` to a tensor like `tensor`, but avoids copying when it can: a tensor or NumPy "
                  "array that already has the requested dtype is shared rather than copied (a tensor may be returned "
                  "as is). Otherwise the data is copied and converted."),
    "from_numpy": ("Wraps a NumPy array as a tensor that shares the array's memory, so changes made through either "
                   "are visible in the other; the dtype follows the array's. Only dtypes that smalltorch supports "
                   "are accepted."),
    "from_dlpack": ("Creates a tensor from an object that exposes the DLPack protocol (`__dlpack__`), such as a NumPy "
                    "array or another framework's tensor, sharing its memory instead of copying."),
    "scalar_tensor": ("Creates a 0-d tensor holding the number `s`, in the default floating dtype unless `dtype` is "
                      "given; `requires_grad` sets up gradient recording."),
    "zeros": ("Creates a tensor filled with 0 of the shape given by `size` (several ints or one sequence). The dtype "
              "is the default floating dtype unless `dtype` is given; `out=` and `requires_grad` are accepted."),
    "ones": ("Creates a tensor filled with 1 of the shape given by `size` (several ints or one sequence). The dtype "
             "is the default floating dtype unless `dtype` is given; `out=` and `requires_grad` are accepted."),
    "empty": ("Creates a tensor of the shape given by `size` (several ints or one sequence) without initialising its "
              "memory, so its contents are arbitrary. The dtype is the default floating dtype unless `dtype` is given; "
              "`out=` and `requires_grad` are accepted."),
    "full": ("Creates a tensor of shape `size` in which every element is `fill_value`. Without `dtype` the dtype is "
             "inferred from `fill_value`: bool for a bool, int64 for an int and the default floating dtype for a "
             "float. `out=` and `requires_grad` are accepted."),
    "zeros_like": ("Creates a tensor of zeros with the shape of `input` and, unless `dtype` is given, its dtype; "
                   "`requires_grad` is accepted and the values of `input` are not used."),
    "ones_like": ("Creates a tensor of ones with the shape of `input` and, unless `dtype` is given, its dtype; "
                  "`requires_grad` is accepted and the values of `input` are not used."),
    "empty_like": ("Creates an uninitialised tensor with the shape of `input` and, unless `dtype` is given, its "
                   "dtype; the contents are arbitrary."),
    "full_like": ("Creates a tensor with the shape of `input` filled with `fill_value`, in the dtype of `input` "
                  "unless `dtype` is given (so a float fill value is converted for an integer input)."),
    "rand": ("Creates a tensor of shape `size` filled with random numbers drawn uniformly from [0, 1) by the global "
             "generator. The dtype is the default floating dtype unless `dtype` names another floating dtype; integer "
             "dtypes are rejected. `out=` and `requires_grad` are accepted."),
    "randn": ("Creates a tensor of shape `size` filled with random numbers from the standard normal distribution "
              "(mean 0, variance 1) drawn by the global generator. The dtype is the default floating dtype unless "
              "`dtype` names another floating dtype. `out=` and `requires_grad` are accepted."),
    "rand_like": ("Creates a tensor with the shape of `input` filled with uniform random numbers in [0, 1), in the "
                  "dtype of `input` (which must be floating) unless `dtype` is given."),
    "randn_like": ("Creates a tensor with the shape of `input` filled with standard normal random numbers, in the "
                   "dtype of `input` (which must be floating) unless `dtype` is given."),
    "randint": ("Creates a tensor of shape `size` filled with random integers drawn uniformly from [`low`, `high`) "
                "(the upper bound is excluded); called with one bound before the size, that bound is `high` and `low` "
                "is 0. The dtype is int64 unless `dtype` is given."),
    "randint_like": ("Creates a tensor with the shape of `input` filled with random integers uniform in [`low`, "
                     "`high`); with a single bound it is `high` and `low` is 0. The dtype is that of `input` unless "
                     "`dtype` is given."),
    "normal": ("Draws samples from normal distributions. With numbers for `mean` and `std`, `size` gives the output "
               "shape; with a tensor `mean` and/or `std`, each output element uses the corresponding mean and standard "
               "deviation and the result takes their broadcast shape. `out=`, `dtype` and `requires_grad` are "
               "accepted."),
    "arange": ("Returns a 1-D tensor of values from `start` (default 0 when only one bound is given) up to but "
               "excluding `end`, spaced by `step`. If all of start, end and step are integers the dtype is int64, "
               "otherwise the default floating dtype, unless `dtype` is given. `out=` and `requires_grad` are accepted."),
    "linspace": ("Returns a 1-D tensor of `steps` values evenly spaced from `start` to `end`, both included. The "
                 "dtype is the default floating dtype unless `dtype` is given (integer dtypes truncate the values). "
                 "`out=` and `requires_grad` are accepted."),
    "eye": ("Returns a 2-D tensor with ones on the main diagonal and zeros elsewhere, with `n` rows and `m` columns "
            "(`m` defaults to `n`). The dtype is the default floating dtype unless `dtype` is given; `out=` and "
            "`requires_grad` are accepted."),
    # ---- dtype and type utilities ------------------------------------------------------------
    "is_tensor": "Returns True when `obj` is a smalltorch tensor (an instance of `smalltorch.Tensor`) and False otherwise.",
    "is_floating_point": ("Returns True when the dtype of the tensor is a floating-point type (float32 or float64) "
                          "and False for integer and bool tensors."),
    "numel": "Returns the total number of elements in the tensor, the product of its sizes, as a Python int.",
    "can_cast": ("Returns True when a value of the first dtype may be cast to the second under PyTorch's casting "
                 "rules, which forbid going to a lower category (floating to integer, or anything non-bool to bool) "
                 "but allow casts within or up a category."),
    "promote_types": ("Returns the smallest dtype to which both given dtypes can be converted without losing their "
                      "category, following PyTorch's type-promotion lattice (for example int32 and float32 give "
                      "float32)."),
    "result_type": ("Returns the dtype that an arithmetic operation on the two operands would produce; each may be a "
                    "tensor or a Python number. Tensors with dimensions outrank 0-d tensors and numbers within the "
                    "same category, so an int32 tensor combined with an int64 0-d tensor stays int32."),
    "get_default_dtype": ("Returns the current default floating dtype, used for Python floats and by floating "
                          "factories such as `zeros` and `rand`; float32 unless it was changed."),
    "set_default_dtype": ("Sets the default floating dtype (float32 or float64) used when Python floats become "
                          "tensors and by floating factory functions. Other dtypes raise TypeError."),
    "set_default_tensor_type": ("Deprecated way to set the default floating dtype from a legacy tensor type such as "
                                "`smalltorch.DoubleTensor` or its name as a string; it warns and forwards to the same "
                                "setting as `set_default_dtype`."),
    "get_default_device": ("Returns the device that factory functions use when no `device` is passed, as a "
                           "`smalltorch.device`; in smalltorch this is always the CPU."),
    "set_default_device": ("Sets the device used by factory functions when none is given. Only the CPU exists in "
                           "smalltorch, so 'cpu' (or None) is accepted and 'cuda' raises as a CPU-only PyTorch build "
                           "does."),
    # ---- randomness --------------------------------------------------------------------------
    "manual_seed": ("Seeds the global random number generator with the integer `seed`, so the following random "
                    "operations produce a reproducible sequence."),
    "seed": ("Seeds the global random number generator with a fresh non-deterministic value and returns that "
             "64-bit seed."),
    "initial_seed": "Returns the seed the global random number generator was last seeded with, as a Python int.",
    "randperm": ("Returns a random permutation of the integers 0 .. `n`-1 as a 1-D tensor (int64 unless `dtype` "
                 "says otherwise), drawn by `generator` or the default generator with PyTorch's CPU algorithm, so a "
                 "seed gives the same permutation as PyTorch. Accepts `out=` and `requires_grad`."),
    "bernoulli": ("Draws 0/1 values: each element of the result is 1 with the probability held by the matching "
                  "element of `input` (floating, values in [0, 1]), or, when `p` is given, with probability `p` in "
                  "`input`'s shape and dtype. `generator=` picks the generator and `out=` is accepted; the result "
                  "is not differentiable."),
    "multinomial": ("Draws `num_samples` category indices from each row of `input` (a 1-D or 2-D tensor of "
                    "non-negative weights, normalised per row). Without replacement each index appears at most once "
                    "and `num_samples` cannot exceed the number of categories with positive weight; with "
                    "`replacement=True` draws are independent. Returns int64 indices of shape (rows, num_samples) "
                    "or (num_samples,); rows with a negative, infinite or NaN weight or a zero sum raise."),
    "poisson": ("Draws from Poisson distributions whose rates are the elements of `input` (floating, non-negative): "
                "a tensor of the same shape and dtype holding non-negative whole numbers. `generator` picks the "
                "generator."),
    # ---- threads and autograd state ----------------------------------------------------------
    "get_num_threads": "Returns the number of threads smalltorch uses to parallelise work within a single operation.",
    "set_num_threads": "Sets how many threads smalltorch may use to parallelise work within a single operation.",
    "is_grad_enabled": ("Returns True when gradient recording is currently on, i.e. operations on tensors that require "
                        "grad build an autograd graph; False inside `no_grad` or after `set_grad_enabled(False)`."),
    "set_anomaly_enabled": ("Turns autograd anomaly detection on or off. When on, the forward-pass traceback of each "
                            "operation is recorded so that an error in backward can point at the operation that "
                            "caused it, and with `check_nan=True` (default) a backward function that produces NaN "
                            "raises."),
    "is_anomaly_enabled": "Returns True when autograd anomaly detection is currently on.",
    "is_anomaly_check_nan_enabled": ("Returns True when anomaly detection is configured to raise on NaN values "
                                     "produced during backward."),
    # ---- printing ----------------------------------------------------------------------------
    "set_printoptions": ("Changes how tensors are printed: `precision` (digits after the decimal point), `threshold` "
                         "(element count above which output is summarised), `edgeitems` (items shown at each end when "
                         "summarising), `linewidth`, and `sci_mode` (True/False forces scientific notation on or off, "
                         "None chooses automatically). `profile` ('default', 'short' or 'full') is applied first and "
                         "the explicit options override it."),
    "get_printoptions": ("Returns the current print options as a dict with the keys precision, threshold, edgeitems, "
                         "linewidth and sci_mode, suitable for passing back to `set_printoptions(**options)`."),
    "printoptions": ("Context manager that applies the given print options (the same keywords as "
                     "`set_printoptions`) on entry and restores the previous ones on exit."),
    # ---- serialization -----------------------------------------------------------------------
    "save": ("Writes `obj` (a tensor, a container of tensors, numbers, strings, a state dict, ...) to `f`, a path or "
             "writable binary file object, in PyTorch's zip checkpoint format, so `torch.load` can read it too. "
             "Tensors that share storage are saved once and come back sharing it."),
    "load": ("Reads an object written by `save` (or by PyTorch's `torch.save` in zip format) from a path or binary "
             "file object. By default (`weights_only`) only tensors, containers, numbers, strings, dtypes, devices and "
             "similar safe types are unpickled, and other globals raise; `weights_only=False` allows arbitrary objects "
             "and should only be used for trusted files. `map_location` must resolve to the CPU, and `mmap=True` maps "
             "the storages from the file instead of reading them."),
    # ---- allocator and memory statistics (smalltorch's CPU caching allocator) -----------------
    "memory_allocated": "Returns the number of bytes of smalltorch's allocator currently held by live tensors.",
    "memory_reserved": ("Returns the number of bytes smalltorch's allocator currently holds from the system: the "
                        "memory used by live tensors plus freed blocks kept in its cache."),
    "max_memory_allocated": ("Returns the peak value of `memory_allocated()` since the program started or since the "
                             "last `reset_peak_memory_stats()`."),
    "max_memory_reserved": ("Returns the peak value of `memory_reserved()` since the program started or since the "
                            "last `reset_peak_memory_stats()`."),
    "reset_peak_memory_stats": "Resets every peak statistic of the allocator to its current value.",
    "memory_stats": ("Returns a dict of statistics about smalltorch's caching allocator, using the key names of "
                     "PyTorch's CUDA memory statistics (for example `allocated_bytes.all.current` and `.peak`, "
                     "`reserved_bytes.all.current`, `num_ooms`), plus cache-specific counts such as `cache_hits`."),
    "empty_cache": ("Releases every free block held in the allocator's cache back to the system; memory used by live "
                    "tensors is unaffected."),
    "get_allocator_cache_limit": "Returns the maximum number of bytes of freed memory the allocator keeps cached for reuse.",
    "set_allocator_cache_limit": ("Sets the maximum number of bytes of freed memory the allocator may keep cached "
                                  "(0 disables caching); lowering the limit trims the cache immediately."),
    "get_allocator_idle_seconds": ("Returns how many seconds a large cached block may stay unused before the "
                                   "allocator returns it to the system."),
    "set_allocator_idle_seconds": ("Sets how long cached blocks of 2 MiB or more may stay unused before they are "
                                   "returned to the system at the next allocation or free; a negative value keeps "
                                   "them until `empty_cache()` or the cache limit."),
}

_LEGACY = ("Legacy tensor type for {dt} tensors. Calling it with sizes creates an uninitialised {dt} tensor of that "
           "shape, with a sequence of data creates a {dt} tensor holding a copy of it, and with no arguments an empty "
           "tensor; `isinstance(x, smalltorch.{name})` is True exactly when `x` is a tensor of dtype {dt}. Kept for "
           "compatibility with old code; prefer factory functions with `dtype=`.")

CLASSES = {
    "Tensor": ("The n-dimensional array type of smalltorch: a strided view onto typed CPU storage with a dtype, shape "
               "and strides, plus autograd state (`requires_grad`, `grad`, `grad_fn`). Calling `smalltorch.Tensor` "
               "directly behaves like the legacy constructor for the default floating dtype (sizes give an "
               "uninitialised tensor, a sequence gives a copy); `smalltorch.tensor` and the factory functions are "
               "the preferred way to create tensors."),
    "Size": ("The type of `Tensor.shape` and `Tensor.size()`: a subclass of tuple holding the size of each dimension. "
             "It supports the usual tuple operations (slicing and concatenation give another `Size`) and adds "
             "`numel()`, the product of its entries."),
    "dtype": ("The type of the objects that describe a tensor's element type, such as `smalltorch.float32` (alias "
              "`float`), `float64` (`double`), `float16` (`half`), `bfloat16`, `int8`, `int16` (`short`), `int32` (`int`), "
              "`int64` (`long`), `uint8` and `bool`. float16 and bfloat16 are stored in 2 bytes and computed in "
              "float32, each result rounded once, as PyTorch's CPU kernels do. Each exposes "
              "`is_floating_point`, `is_complex`, `is_signed` and `itemsize` (bytes per element); dtypes are not "
              "created by the user."),
    "device": ("Describes where a tensor's memory lives, built from a string such as 'cpu' or 'cuda:1' or from a type "
               "and an optional `index`; it has `type` and `index` attributes and compares by value. smalltorch has "
               "only the CPU: 'cuda' devices can be named but cannot hold tensors."),
    "no_grad": ("Context manager and decorator that turns off gradient recording: inside it, results of operations do "
                "not require grad even when their inputs do, saving memory for inference. The previous setting is "
                "restored on exit; it can be used as `@no_grad()` or `@no_grad`."),
    "enable_grad": ("Context manager and decorator that turns gradient recording on inside its scope, even within a "
                    "`no_grad` block, and restores the previous setting on exit."),
    "set_grad_enabled": ("Turns gradient recording on or off according to `mode`. Called as a function it changes "
                         "the setting immediately; used as a context manager or decorator it applies only within that "
                         "scope and restores the previous setting afterwards."),
    "inference_mode": ("Context manager and decorator for inference-only code: with `mode=True` (default) it disables "
                       "gradient recording like `no_grad`, and with `mode=False` it does nothing. smalltorch has no "
                       "separate inference tensors, so tensors created inside it behave like ordinary ones."),
    "Generator": ("A random number generator holding its own state: PyTorch's CPU algorithm (a 32-bit Mersenne "
                  "Twister seeded with the low 32 bits of the seed), so seeds give PyTorch's uniform, integer and "
                  "permutation streams. `manual_seed(seed)` reseeds it and returns it, `seed()` reseeds it from a "
                  "fresh nondeterministic value, `initial_seed()` gives the last seed, and `get_state()` / "
                  "`set_state(state)` save and restore its whole state as a uint8 tensor. Pass it as `generator=` "
                  "to any random function; `smalltorch.default_generator` is the one used otherwise."),
    "FloatTensor": _LEGACY.format(dt="float32", name="FloatTensor"),
    "DoubleTensor": _LEGACY.format(dt="float64", name="DoubleTensor"),
    "IntTensor": _LEGACY.format(dt="int32", name="IntTensor"),
    "LongTensor": _LEGACY.format(dt="int64", name="LongTensor"),
    "ByteTensor": _LEGACY.format(dt="uint8", name="ByteTensor"),
    "CharTensor": _LEGACY.format(dt="int8", name="CharTensor"),
    "ShortTensor": _LEGACY.format(dt="int16", name="ShortTensor"),
    "HalfTensor": _LEGACY.format(dt="float16", name="HalfTensor"),
    "BFloat16Tensor": _LEGACY.format(dt="bfloat16", name="BFloat16Tensor"),
    "iinfo": ("The limits of an integer dtype, as `iinfo(smalltorch.int8)`: `bits`, `min` and `max` (Python ints) "
              "and `dtype` (the dtype's name). bool and floating dtypes raise TypeError (use `finfo`)."),
    "finfo": ("The limits of a floating dtype (the default dtype when called without one): `bits`, `eps` (the gap "
              "between 1 and the next value), `max`, `min`, `tiny` and `smallest_normal` (the smallest positive "
              "normal value), `resolution` (10 to the minus number of exact decimal digits) and `dtype`."),
    "BoolTensor": _LEGACY.format(dt="bool", name="BoolTensor"),
}

_CONV = ("Returns `self` converted to {dt} (values are cast, floats truncated toward zero when going to an integer "
         "type); if the tensor already has that dtype it is returned itself. Same as `self.to({name})`; "
         "differentiable when the target is floating. `memory_format` is accepted for compatibility.")

TENSOR_ONLY = {
    # ---- random fills ------------------------------------------------------------------------
    "random_": ("Fills this tensor in place with random integers: `random_(to)` draws from [0, `to`), "
                "`random_(from, to)` from [`from`, `to`), and `random_()` from [0, 2**mantissa] for floating dtypes "
                "or the dtype's whole non-negative range for integers. Bounds must be values of the dtype. "
                "`generator=` picks the generator."),
    "exponential_": ("Fills this floating-point tensor in place with draws from the exponential distribution of "
                     "rate `lambd` (> 0). `generator=` picks the generator."),
    "geometric_": ("Fills this tensor in place with draws from the geometric distribution with success "
                   "probability `p` in (0, 1): the number of Bernoulli trials up to and including the first "
                   "success (1, 2, ...). `generator=` picks the generator."),
    "cauchy_": ("Fills this floating-point tensor in place with draws from the Cauchy distribution with location "
                "`median` and scale `sigma` (> 0). `generator=` picks the generator."),
    "log_normal_": ("Fills this floating-point tensor in place with exp(N(`mean`, `std`**2)) draws (std > 0): "
                    "the log of each value is normal with that mean and standard deviation. `generator=` picks "
                    "the generator."),
    "bernoulli_": ("Fills this tensor in place with 0/1 draws, each 1 with probability `p` (a number in [0, 1], "
                   "or a tensor broadcastable to this one holding a probability per element). `generator=` picks "
                   "the generator."),
    # ---- autograd --------------------------------------------------------------------------
    "backward": ("Computes the gradient of this tensor with respect to the graph leaves and accumulates it into their "
                 "`.grad`. For a single-element tensor `gradient` may be omitted; otherwise it must be a tensor of the "
                 "same shape giving the upstream gradient. The graph is freed afterwards unless `retain_graph=True`, "
                 "`create_graph=True` records the backward pass for higher-order gradients, and `inputs` limits "
                 "accumulation to the given tensors."),
    "grad": ("The gradient accumulated into this tensor by `backward()`: None until a backward pass reaches it, "
             "then a tensor of the same shape that keeps summing across passes until it is reset. It is filled for "
             "leaf tensors that require grad, and for non-leaf tensors only after `retain_grad()`. It can be assigned "
             "or set to None."),
    "grad_fn": ("The autograd node that produced this tensor (for example a `MulBackward0` object), used by backward "
                "to propagate gradients; None for leaf tensors and for tensors created without gradient recording."),
    "requires_grad": ("True when operations on this tensor are recorded for automatic differentiation. It can be "
                      "set directly on leaf tensors; trying to change it on a non-leaf raises RuntimeError."),
    "requires_grad_": ("Sets `requires_grad` on this tensor in place (to True by default) and returns the tensor, "
                       "which is convenient for turning a freshly created tensor into a trainable leaf."),
    "is_leaf": ("True when this tensor is a leaf of the autograd graph: either it does not require grad, or it "
                "requires grad and was created by the user rather than by a recorded operation. Only leaves get "
                "`.grad` filled by default."),
    "retain_grad": ("Asks autograd to keep the gradient of this non-leaf tensor in its `.grad` during backward, "
                    "which normally happens only for leaves; it has no effect on leaves."),
    "retains_grad": "True when `retain_grad()` was called on this non-leaf tensor so that its `.grad` is filled during backward.",
    "register_hook": ("Registers a function `hook(grad)` that is called with this tensor's gradient whenever it is "
                      "computed in backward; if the hook returns a tensor it replaces the gradient. Returns a handle "
                      "whose `remove()` unregisters the hook."),
    "register_post_accumulate_grad_hook": ("Registers a function `hook(tensor)` on a leaf tensor that runs after its "
                                           "`.grad` has been accumulated during backward (useful for per-parameter "
                                           "optimizer steps). Returns a handle whose `remove()` unregisters it."),
    "output_nr": ("The index of this tensor among the outputs of the autograd node that created it (its `grad_fn`); "
                  "0 for single-output operations and for leaves."),
    "data": ("A tensor sharing this tensor's storage but detached from autograd and not requiring grad; changes made "
             "through it are invisible to autograd. Assigning a tensor to `.data` replaces the contents (shape and "
             "dtype included) without touching `requires_grad`. Prefer `detach()` in new code."),
    "detach_": ("Detaches this tensor from the autograd graph in place: it loses its `grad_fn`, stops requiring grad "
                "and becomes a leaf. Returns the tensor itself."),
    # ---- dtype/device conversion ---------------------------------------------------------
    "to": ("Returns this tensor converted to another dtype and/or device: accepts `to(dtype)`, `to(device)`, "
           "`to(device, dtype)` or `to(other)` to match another tensor, plus `copy=` and `non_blocking=`. If nothing "
           "needs to change the tensor itself is returned (unless `copy=True`). Only the CPU device is available; "
           "differentiable."),
    "type": ("Without an argument returns the legacy type name of the tensor as a string, such as "
             "'smalltorch.FloatTensor'. Given a dtype, a legacy type or its name, returns the tensor converted to that "
             "type, or the tensor itself if it already has it."),
    "type_as": "Returns this tensor converted to the dtype of `other`, or the tensor itself if the dtypes already match; same as `self.to(other.dtype)`.",
    "float": _CONV.format(dt="float32", name="smalltorch.float32"),
    "double": _CONV.format(dt="float64", name="smalltorch.float64"),
    "int": _CONV.format(dt="int32", name="smalltorch.int32"),
    "long": _CONV.format(dt="int64", name="smalltorch.int64"),
    "byte": _CONV.format(dt="uint8", name="smalltorch.uint8"),
    "char": _CONV.format(dt="int8", name="smalltorch.int8"),
    "short": _CONV.format(dt="int16", name="smalltorch.int16"),
    "half": _CONV.format(dt="float16", name="smalltorch.float16"),
    "bfloat16": _CONV.format(dt="bfloat16", name="smalltorch.bfloat16"),
    "bool": ("Returns `self` converted to bool, where every nonzero element becomes True; if the tensor is already "
             "bool it is returned itself. Same as `self.to(smalltorch.bool)`; not differentiable."),
    "cpu": "Returns the tensor on the CPU; since smalltorch tensors always live there, it returns the tensor itself.",
    "cuda": "Would move the tensor to a CUDA device; smalltorch is built without CUDA, so it always raises.",
    "numpy": ("Returns a NumPy array that shares this tensor's memory, so writes through either are visible in the "
              "other. Raises for a tensor that requires grad; call `detach()` first."),
    "tolist": ("Returns the tensor's values as nested Python lists of Python numbers (bool, int or float according to "
               "the dtype); a 0-d tensor gives a plain number. Not differentiable."),
    "item": ("Returns the value of a one-element tensor as a standard Python number (bool, int or float); tensors "
             "with more than one element raise. Not differentiable."),
    # ---- metadata -------------------------------------------------------------------------
    "dtype": "The data type of the tensor's elements, a `smalltorch.dtype` such as `smalltorch.float32`.",
    "device": "The device on which the tensor's memory lives, a `smalltorch.device`; always the CPU in smalltorch.",
    "shape": "The size of each dimension of the tensor, as a `smalltorch.Size`; the same as `size()`.",
    "size": ("Returns the shape of the tensor as a `smalltorch.Size`, or, when `dim` is given, the size of that one "
             "dimension as an int (negative `dim` counts from the end)."),
    "stride": ("Returns the strides of the tensor as a tuple, the number of elements to step in storage to advance "
               "by one along each dimension, or the stride of the single dimension `dim` as an int."),
    "storage_offset": "Returns the position, counted in elements, of the tensor's first element within its underlying storage.",
    "dim": "Returns the number of dimensions of the tensor as an int (0 for a scalar tensor).",
    "ndim": "The number of dimensions of the tensor; the same as `dim()`.",
    "ndimension": "Returns the number of dimensions of the tensor; an alias of `dim()`.",
    "nelement": "Returns the total number of elements in the tensor; an alias of `numel()`.",
    "element_size": "Returns the size of one element of the tensor in bytes (for example 4 for float32).",
    "itemsize": "The size of one element of the tensor in bytes; the same as `element_size()`.",
    "nbytes": "The number of bytes occupied by the tensor's elements, `numel() * element_size()`, not counting any extra storage around a view.",
    "data_ptr": "Returns the memory address of the tensor's first element as an int.",
    "is_contiguous": ("Returns True when the tensor's elements are laid out in memory in row-major (C) order without "
                      "gaps, so that it could be viewed as 1-D without copying."),
    "is_complex": "Returns True when the tensor has a complex dtype; smalltorch has no complex dtypes, so it is always False.",
    "is_cpu": "True when the tensor is stored in CPU memory, which is always the case in smalltorch.",
    "is_cuda": "True when the tensor is stored on a CUDA device; always False in smalltorch.",
    "T": ("Returns a view of the tensor with the order of all its dimensions reversed (a plain transpose for a "
          "matrix). PyTorch deprecates using it on tensors that are not 2-D; prefer `mT` or `permute`."),
    "mT": ("Returns a view of the tensor with its last two dimensions swapped, i.e. each matrix of a batch "
           "transposed; the tensor needs at least two dimensions."),
    # ---- views and copies ------------------------------------------------------------------
    "view": ("Returns a tensor with the same data and number of elements viewed in a new shape (one dimension may be "
             "-1 and is inferred), sharing storage with this tensor. The strides must allow the new shape without "
             "copying; otherwise it raises and `reshape` should be used. Differentiable. `view(dtype)` instead reads "
             "the same bytes as another dtype (no gradient); with a different element size the last dimension, "
             "which must have stride 1, grows or shrinks by the size ratio."),
    "view_as": "Returns this tensor viewed with the shape of `other`, the same as `self.view(other.size())`; differentiable.",
    "resize_": ("Resizes this tensor in place to the given size, contiguous, keeping its storage offset. Existing "
                "elements keep their memory in the new row-major order; when the storage ends too soon it grows "
                "(new elements uninitialised) and every view of it sees the new memory. Raises for a tensor that "
                "requires grad, and for memory it does not own (from numpy, or handed to numpy or DLPack).  An "
                "`out=` tensor of another shape is resized the same way, with PyTorch's deprecation warning unless "
                "it had no elements."),
    "resize_as_": "Resizes this tensor in place to the size of `the_template`, as `resize_(the_template.size())`.",
    "reshape_as": "Returns this tensor reshaped to the shape of `other`, the same as `self.reshape(other.shape)` (a view when possible); differentiable.",
    "expand": ("Returns a view in which dimensions of size 1 are stretched to the given larger sizes (and new leading "
               "dimensions may be added) without copying memory; -1 keeps a dimension's size. Expanded dimensions have "
               "stride 0, so writing to the result is unsafe. Differentiable."),
    "expand_as": "Returns this tensor expanded to the shape of `other`, the same as `self.expand(other.size())`; differentiable.",
    "repeat": ("Returns a new tensor made by tiling this tensor the given number of times along each dimension; the "
               "number of repeat counts must be at least the number of dimensions, and extra leading counts add new "
               "dimensions. Unlike `expand`, the data is copied. Differentiable."),
    "contiguous": ("Returns a tensor with the same values laid out contiguously in row-major order: the tensor itself "
                   "if it already is, otherwise a copy. Differentiable."),
    "new_tensor": ("Creates a new tensor holding a copy of `data`, with the dtype and device of this tensor unless "
                   "`dtype`/`device` are given; `requires_grad` is accepted."),
    "new_zeros": "Creates a tensor of zeros of the given size with this tensor's dtype and device unless `dtype`/`device` are given.",
    "new_ones": "Creates a tensor of ones of the given size with this tensor's dtype and device unless `dtype`/`device` are given.",
    "new_empty": "Creates an uninitialised tensor of the given size with this tensor's dtype and device unless `dtype`/`device` are given.",
    "new_full": "Creates a tensor of shape `size` filled with `fill_value`, with this tensor's dtype and device unless `dtype`/`device` are given.",
    # ---- in-place fills and copies -------------------------------------------------------
    "copy_": ("Copies the elements of `src` into this tensor in place and returns it; `src` is broadcast to this "
              "tensor's shape and cast to its dtype. Differentiable with respect to `src`."),
    "fill_": "Sets every element of this tensor to `value` (a Python number or 0-d tensor) in place, casting to the tensor's dtype, and returns the tensor.",
    "zero_": "Sets every element of this tensor to zero in place and returns the tensor.",
    "uniform_": ("Fills this floating-point tensor in place with numbers drawn uniformly from [`from`, `to`) "
                 "(default [0, 1)) by the global generator, and returns it."),
    "normal_": ("Fills this floating-point tensor in place with samples from a normal distribution with the given "
                "`mean` (default 0) and standard deviation `std` (default 1), and returns it."),
}


# The special functions and the two-input rows of issue 10 (csrc/ops/unary.h, binary.h rows; smalltorch.special).
FUNCTIONS.update({
    "lgamma": _unary("Returns the natural logarithm of the absolute value of the gamma function of each element.",
                     "Poles (0 and the negative integers) give inf."),
    "digamma": _unary("Returns the digamma function psi(x), the derivative of lgamma, of each element.",
                      "Gives -inf at 0 and NaN at the negative integers, as PyTorch."),
    "polygamma": ("Returns `polygamma(n, input)`, the n-th derivative of the digamma function of each element "
                  "(n = 0 is digamma); n must be non-negative. Integer inputs are promoted to the default float dtype. "
                  "Accepts `out=`; differentiable (PolygammaBackward0: grad * polygamma(n + 1, x)). The method "
                  "form is `Tensor.polygamma(n)`."),
    "erfinv": _unary("Returns the inverse error function of each element: erfinv(erf(x)) == x.",
                     "Gives +-inf at +-1 and NaN outside [-1, 1]."),
    "i0": _unary("Returns the modified Bessel function of the first kind of order zero, I0(x), of each element."),
    "sinc": _unary("Returns the normalized sinc function sin(pi x) / (pi x) of each element (1 at 0)."),
    "logit": ("Returns the log-odds log(p / (1 - p)) of each element. With `eps` given, the input is first clamped "
              "to [eps, 1 - eps] (the gradient is zero outside). " + _FLOAT_PROMO + " Accepts `out=`; "
              "differentiable (LogitBackward0)."),
    "xlogy": ("Returns `input * log(other)` elementwise with broadcasting, defined as 0 where `input` is 0 (unless "
              "`other` is NaN); either argument may be a Python number. " + _FLOAT_PROMO + " Accepts `out=`; "
              "differentiable."),
    "copysign": ("Returns the magnitude of `input` with the sign of `other` elementwise (`other` may be a number); "
                 "the sign bit of -0.0 counts. " + _FLOAT_PROMO + " Accepts `out=`; differentiable in `input`."),
    "nextafter": ("Returns the next floating-point value after `input` towards `other`, elementwise with "
                  "broadcasting. Floating inputs only. Accepts `out=`."),
    "ldexp": ("Returns `input * 2**other` elementwise with broadcasting. " + _FLOAT_PROMO + " Accepts `out=`; "
              "differentiable."),
    "heaviside": ("The Heaviside step function: 0 where `input` < 0, 1 where `input` > 0 and `values` where "
                  "`input` is 0, elementwise with broadcasting; keeps the dtype. Accepts `out=`; PyTorch has no "
                  "derivative for it."),
    "gcd": ("Returns the greatest common divisor of `input` and `other` elementwise (always non-negative); integer "
            "tensors only. Accepts `out=`; not differentiable."),
    "lcm": ("Returns the least common multiple of `input` and `other` elementwise (always non-negative); integer "
            "tensors only. Accepts `out=`; not differentiable."),
    "logaddexp": ("Returns `log(exp(input) + exp(other))` elementwise, computed without overflow. Floating inputs "
                  "only. Accepts `out=`; differentiable."),
    "logaddexp2": ("Returns `log2(2**input + 2**other)` elementwise, computed without overflow. Floating inputs "
                   "only. Accepts `out=`; differentiable."),
    "special_i0e": _unary("Returns the exponentially scaled Bessel function exp(-|x|) I0(x)."),
    "special_i1": _unary("Returns the modified Bessel function of the first kind of order one."),
    "special_i1e": _unary("Returns the exponentially scaled Bessel function exp(-|x|) I1(x)."),
    "special_ndtri": _unary("Returns the inverse of the standard normal CDF (the quantile "
                            "function); +-inf at 1 and 0, NaN outside [0, 1]."),
    "special_log_ndtr": _unary("Returns the log of the standard normal CDF, accurate far "
                               "into the lower tail."),
    "special_entr": _unary("Returns the elementwise entropy term -x log x (0 at 0, -inf below 0)."),
    "special_xlog1py": ("Returns `input * log1p(other)` elementwise, 0 where `input` is 0 (unless "
                        "`other` is NaN). " + _FLOAT_PROMO + " Accepts `out=`; differentiable."),
})

# Issue 10's compositions (python/smalltorch/_compose.py): gradients come from the ops they are made of.
_COMPOSED = " Composed of differentiable ops (gradients flow through them)."
FUNCTIONS.update({
    "positive": "Returns `input` itself (unary plus); bool tensors raise a RuntimeError, as in PyTorch.",
    "float_power": ("Raises `input` to `exponent` in float64 (both are converted to double first); either may be a "
                    "number. The in-place `Tensor.float_power_` needs a float64 tensor." + _COMPOSED),
    "isreal": "Returns a bool tensor that is True everywhere: smalltorch has no complex dtypes.",
    "conj": "Returns `input` itself: the conjugate of a real tensor (smalltorch has no complex dtypes).",
    "resolve_conj": "Returns `input` itself: real tensors never carry a lazy conjugation bit.",
    "is_nonzero": ("Returns whether the single element of a one-element tensor is nonzero; other sizes raise "
                   "PyTorch's RuntimeError (ambiguous truth value)."),
    "diff": ("The n-th forward difference along `dim` (default -1), after concatenating `prepend` / `append`; bool "
             "tensors use exclusive or." + _COMPOSED),
    "trapezoid": ("Integrates `y` along `dim` by the trapezoidal rule, with sample points `x` or spacing `dx` "
                  "(default 1)." + _COMPOSED),
    "cumulative_trapezoid": ("The running trapezoidal integral of `y` along `dim` (one element shorter), with "
                             "sample points `x` or spacing `dx`." + _COMPOSED),
    "vander": ("The Vandermonde matrix of the 1-D `x`: columns x**(N-1) ... x**0 (or increasing powers), N defaulting "
               "to len(x); integers stay int64." + _COMPOSED),
    "block_diag": "Builds the block-diagonal matrix of the given 0-, 1- or 2-D tensors (dtypes promoted)." + _COMPOSED,
    "meshgrid": ("Coordinate grids of 1-D tensors, `indexing='ij'` (default) or `'xy'` (the first two dims "
                 "swapped); the results are expanded views." + _COMPOSED),
    "cartesian_prod": "The cartesian product of 1-D tensors as rows of a 2-D tensor." + _COMPOSED,
    "tril_indices": ("The 2 x N int64 tensor of (row, col) indices of the lower triangle of a row x col matrix "
                     "(diagonal shifted by `offset`), in row-major order."),
    "triu_indices": ("The 2 x N int64 tensor of (row, col) indices of the upper triangle of a row x col matrix "
                     "(diagonal shifted by `offset`), in row-major order."),
    "rot90": ("Rotates by 90 degrees `k` times in the plane of `dims` (from the first towards the second)."
              + _COMPOSED),
    "diag_embed": ("Places the last dimension of `input` on the diagonal (`offset`) of new matrices in dims "
                   "`dim1`, `dim2`." + _COMPOSED),
    "diagflat": "A 2-D matrix with the flattened `input` on its diagonal `offset`." + _COMPOSED,
    "kron": "The Kronecker product of two tensors (ranks padded with leading ones)." + _COMPOSED,
    "einsum": ("Sums of products over labelled dimensions, in numpy's notation (`'bij,bjk->bik'`, `...` for "
               "broadcast dimensions, implicit output when `->` is left out; repeated labels take diagonals). "
               "Operands are contracted pairwise, left to right, each pair as one batched matrix product." +
               _COMPOSED),
    "tensordot": ("Contracts `a` and `b` over the last `dims` dims of `a` and the first of `b`, or over the given "
                  "lists of dims." + _COMPOSED),
    "cross": ("The cross product along `dim` (default: the first dimension of size 3, PyTorch's deprecated "
              "default); `linalg.cross` defaults to -1." + _COMPOSED),
    "chain_matmul": "The product of the given matrices (as `linalg.multi_dot`); PyTorch deprecates it.",
    "addmv": "Returns `beta * input + alpha * (mat @ vec)` (`input` ignored when beta is 0)." + _COMPOSED,
    "addr": "Returns `beta * input + alpha * outer(vec1, vec2)` (`input` ignored when beta is 0)." + _COMPOSED,
    "baddbmm": "Returns `beta * input + alpha * bmm(batch1, batch2)` (`input` ignored when beta is 0)." + _COMPOSED,
    "addbmm": ("Returns `beta * input + alpha * sum_i batch1[i] @ batch2[i]` (`input` ignored when beta is 0)."
               + _COMPOSED),
    "pinverse": "The Moore-Penrose pseudo-inverse, `linalg.pinv(input, rtol=rcond)`.",
    "matrix_power": "The n-th power of square matrices, as `linalg.matrix_power`.",
    "matrix_exp": ("The matrix exponential of (batches of) square float matrices, by scaling and squaring around a "
                   "degree-18 Taylor polynomial." + _COMPOSED),
    "dist": "The p-norm (default 2) of `input - other` (broadcast)." + _COMPOSED,
    "cov": ("The covariance matrix of the rows (variables) of `input` over its columns (observations), with "
            "`correction` and optional integer `fweights` / float `aweights`." + _COMPOSED),
    "corrcoef": "The Pearson correlation coefficients of the rows of `input`, clipped to [-1, 1]." + _COMPOSED,
    "nansum": "The sum treating NaN as zero, over all elements or `dim`." + _COMPOSED,
    "nanmean": "The mean of the non-NaN elements, over all elements or `dim`; floating inputs only." + _COMPOSED,
    "cdist": ("The p-norm distances between each row of `x1` and each row of `x2` (batched over leading dims)."
              + _COMPOSED),
    "renorm": ("Rescales each slice along `dim` whose p-norm exceeds `maxnorm` to norm `maxnorm`." + _COMPOSED),
    "histc": ("The histogram of `input` in `bins` equal bins between `min` and `max` (the data's range when both are "
              "0); elements outside are ignored. Not differentiable."),
    "bincount": ("Counts the occurrences of each non-negative integer of the 1-D `input` (summing `weights` "
                 "instead when given), with at least `minlength` bins."),
    "bucketize": ("The index of the bucket of each element among the sorted 1-D `boundaries` (`right` picks the "
                  "side of ties); int64 or int32 (`out_int32`)."),
    "searchsorted": ("The insertion indices of `input` into the sorted last dimension of `sorted_sequence` "
                     "(`right` / `side`, `sorter`); int64 or int32."),
    "isin": "A bool tensor: True where an element of `elements` is in `test_elements` (`invert` negates).",
    "cummax": "The running maximum along `dim` and the index where it was reached (NaN propagates), as (values, indices).",
    "cummin": "The running minimum along `dim` and the index where it was reached (NaN propagates), as (values, indices).",
    "logcumsumexp": "Returns `log(cumsum(exp(input)))` along `dim`, computed without overflow." + _COMPOSED,
    "median": ("The lower median of all elements, or (values, indices) along `dim`; NaN if a NaN is present."
               + _COMPOSED),
    "nanmedian": "The lower median ignoring NaN, of all elements or (values, indices) along `dim`." + _COMPOSED,
    "kthvalue": "The k-th smallest element along `dim` and its index, as (values, indices)." + _COMPOSED,
    "mode": "The most frequent value along `dim` (the smallest among ties) and an index of it, as (values, indices).",
    "quantile": ("The q-th quantiles (q a number or 1-D tensor in [0, 1]) of all elements or along `dim`, with "
                 "`interpolation` linear, lower, higher, midpoint or nearest; NaN if a NaN is present." + _COMPOSED),
    "nanquantile": "The q-th quantiles ignoring NaN, as `quantile`." + _COMPOSED,
    "tensor_split": ("Splits into `sections` nearly equal views or at the given indices along `dim` (views of "
                     "`input`)."),
    "hsplit": "Splits as `tensor_split` along dim 1 (dim 0 for 1-D tensors); an int must divide the size.",
    "vsplit": "Splits as `tensor_split` along dim 0 of a tensor with at least 2 dims; an int must divide the size.",
    "dsplit": "Splits as `tensor_split` along dim 2 of a tensor with at least 3 dims; an int must divide the size.",
    "unique_consecutive": ("Collapses runs of equal consecutive elements (or slices along `dim`), optionally "
                           "returning the inverse indices and the run lengths."),
    "logspace": "Returns `steps` values `base ** x` for x evenly spaced from `start` to `end` (computed in float64).",
    "combinations": "The r-length combinations (with replacement if asked) of the 1-D `input`, as rows.",
    "index_fill": "A copy of `input` with the slices at `index` along `dim` set to `value`." + _COMPOSED,
    "index_copy": "A copy of `input` with the slices at `index` along `dim` replaced by `source`'s." + _COMPOSED,
})
TENSOR_ONLY.update({
    "sum_to_size": "Sums this tensor down to `size` (a shape it broadcasts from), as autograd reduces gradients.",
    "apply_": "Replaces every element by `callable(element)` (a Python loop, CPU only as in PyTorch); returns self.",
    "map_": ("Replaces every element by `callable(element, other_element)` with `tensor` broadcast to this shape; "
             "returns self."),
})

# ---------------------------------------------------------------------------
# Submodules (issue 12 section 4): paragraphs for smalltorch.nn.functional, smalltorch.linalg and
# smalltorch.special names, attached by smalltorch._docs.apply_submodule; where the code carries its own
# docstring, that follows as a second paragraph. A name that is the very object of a top-level function
# (F.conv1d is smalltorch.conv1d) gets the top-level paragraph and needs no entry here.
_LOSS_REDUCTION = ("`reduction` is 'mean' (default), 'sum' or 'none' (one loss per element); the deprecated "
                   "`size_average`/`reduce` flags map onto it as in PyTorch.")
_INPLACE = "With `inplace=True` it overwrites `input` and returns it."

NN_FUNCTIONAL = {
    "relu": "Applies the rectified linear unit elementwise, `max(input, 0)`. " + _INPLACE,
    "relu_": "In-place form of `relu`: replaces the negative elements of `input` by zero and returns it.",
    "relu6": "Applies `min(max(input, 0), 6)` elementwise. " + _INPLACE,
    "leaky_relu": ("Applies `input` where positive and `negative_slope * input` elsewhere, elementwise. "
                   + _INPLACE),
    "leaky_relu_": "In-place form of `leaky_relu`: writes the result into `input` and returns it.",
    "elu": "Applies the exponential linear unit: `input` where positive, `alpha * (exp(input) - 1)` elsewhere. "
           + _INPLACE,
    "elu_": "In-place form of `elu`: writes the result into `input` and returns it.",
    "celu": ("Applies the continuously differentiable ELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`. "
             + _INPLACE),
    "celu_": "In-place form of `celu`: writes the result into `input` and returns it.",
    "selu": ("Applies the scaled ELU with PyTorch's fixed `alpha` and `scale` constants (self-normalising "
             "networks). " + _INPLACE),
    "selu_": "In-place form of `selu`: writes the result into `input` and returns it.",
    "gelu": ("Applies the Gaussian error linear unit `x * Phi(x)` elementwise; `approximate='tanh'` uses the tanh "
             "approximation instead of the exact normal CDF."),
    "silu": "Applies `x * sigmoid(x)` (the swish function) elementwise. " + _INPLACE,
    "mish": "Applies `x * tanh(softplus(x))` elementwise. " + _INPLACE,
    "hardtanh": "Clamps `input` elementwise to [`min_val`, `max_val`]. " + _INPLACE,
    "hardtanh_": "In-place form of `hardtanh`: clamps `input` to [`min_val`, `max_val`] and returns it.",
    "hardsigmoid": "Applies the piecewise-linear sigmoid `clamp(x / 6 + 1 / 2, 0, 1)` elementwise. " + _INPLACE,
    "hardswish": "Applies `x * hardsigmoid(x)` elementwise. " + _INPLACE,
    "sigmoid": "Applies the logistic function `1 / (1 + exp(-input))` elementwise.",
    "logsigmoid": "Applies `log(sigmoid(input))` elementwise, computed without overflow.",
    "tanh": "Applies the hyperbolic tangent elementwise.",
    "softplus": ("Applies `log(1 + exp(beta * x)) / beta` elementwise, reverting to the identity where "
                 "`beta * x` exceeds `threshold`."),
    "softsign": "Applies `x / (1 + |x|)` elementwise.",
    "softmax": ("Applies softmax along `dim`: exponentials normalised to sum to one (computed with the maximum "
                "subtracted); with `dtype` the input is cast first. `dim=None` picks PyTorch's legacy default "
                "dimension with a warning."),
    "log_softmax": ("Applies `log(softmax(input))` along `dim`, computed stably; with `dtype` the input is cast "
                    "first. `dim=None` picks PyTorch's legacy default dimension with a warning."),
    "glu": ("Applies the gated linear unit: splits `input` in two halves along `dim` and returns "
            "`a * sigmoid(b)`."),
    "flatten": "Flattens the dims `start_dim` to `end_dim` of `input` into one (a view when possible).",
    "unflatten": "Expands the dim `dim` of `input` into the shape `sizes` (one entry may be -1).",
    "one_hot": ("Turns an int64 tensor of class indices into one-hot rows: a new last dim of size `num_classes` "
                "(inferred as the maximum plus one when -1) holding 1 at each index."),
    "dropout": ("Zeroes each element with probability `p` during training and scales the survivors by "
                "`1 / (1 - p)`; the identity when `training=False`. " + _INPLACE),
    "dropout1d": ("Zeroes whole channels of a (N, C, L) or (C, L) input with probability `p` during training, "
                  "scaling the kept ones by `1 / (1 - p)`. " + _INPLACE),
    "dropout2d": ("Zeroes whole channels of a (N, C, H, W) or (C, H, W) input with probability `p` during "
                  "training, scaling the kept ones by `1 / (1 - p)`. " + _INPLACE),
    "mse_loss": "Computes the squared error `(input - target) ** 2` elementwise, reduced. " + _LOSS_REDUCTION,
    "l1_loss": "Computes the absolute error `|input - target|` elementwise, reduced. " + _LOSS_REDUCTION,
    "huber_loss": ("Computes the Huber loss: quadratic where `|input - target| < delta`, linear beyond it. "
                   + _LOSS_REDUCTION),
    "smooth_l1_loss": ("Computes the smooth L1 loss: `0.5 * d ** 2 / beta` where `|d| < beta`, `|d| - beta / 2` "
                       "beyond, with `d = input - target`. " + _LOSS_REDUCTION),
    "nll_loss": ("Computes the negative log-likelihood of class indices `target` under log-probabilities "
                 "`input` (N, C, ...), with optional per-class `weight` and an `ignore_index`. " + _LOSS_REDUCTION),
    "cross_entropy": ("Computes the cross entropy of logits `input` (N, C, ...) against class indices or class "
                      "probabilities `target`, as `nll_loss(log_softmax(input, 1), target)`, with `weight`, "
                      "`ignore_index` and `label_smoothing`. " + _LOSS_REDUCTION),
    "binary_cross_entropy": ("Computes the binary cross entropy between probabilities `input` and targets in "
                             "[0, 1], with log terms clamped at -100 as in PyTorch. " + _LOSS_REDUCTION),
    "binary_cross_entropy_with_logits": ("Computes the binary cross entropy of `sigmoid(input)` against `target` "
                                         "from the logits directly (numerically stable), with `weight` and a "
                                         "per-class `pos_weight`. " + _LOSS_REDUCTION),
    "kl_div": ("Computes the Kullback-Leibler divergence terms `target * (log(target) - input)` for "
               "log-probabilities `input` (`log_target=True`: `target` holds log-probabilities too). "
               + _LOSS_REDUCTION),
    "linear": "Applies the affine map `input @ weight.T + bias` over the last dim of `input`.",
    "bilinear": ("Applies the bilinear map `y[..., o] = input1 @ weight[o] @ input2 + bias[o]` over the last "
                 "dims of the two inputs."),
    "embedding": ("Looks up rows of `weight` by the integer indices in `input` (`weight[input]`); `padding_idx` "
                  "rows get no gradient and `max_norm` renormalises looked-up rows in place."),
    "batch_norm": ("Normalises each channel (dim 1) of `input` by its batch statistics in training, updating "
                   "`running_mean`/`running_var` with `momentum`, or by the running statistics otherwise; then "
                   "scales by `weight` and shifts by `bias`."),
    "layer_norm": ("Normalises `input` over its last `len(normalized_shape)` dims to zero mean and unit variance "
                   "(biased, plus `eps`), then scales by `weight` and shifts by `bias`."),
    "group_norm": ("Normalises `input` (N, C, ...) over groups of `C / num_groups` channels and the spatial "
                   "dims, then applies the per-channel `weight` and `bias`."),
    "scaled_dot_product_attention": ("Computes attention `softmax(query @ key.T * scale + mask) @ value` over the "
                                     "last two dims, broadcasting the leading ones; `is_causal` masks the future, "
                                     "`dropout_p` drops attention weights, `enable_gqa` shares key/value heads."),
    "multi_head_attention_forward": ("Runs multi-head attention as nn.MultiheadAttention does: projects query, "
                                     "key and value, attends per head, and projects the concatenated heads "
                                     "back; returns the output and, with `need_weights`, the attention "
                                     "weights."),
    "adaptive_max_pool1d": ("Max pooling of the last dim of a (N, C, L) or (C, L) input into `output_size` "
                            "evenly spread windows; `return_indices=True` also returns where each maximum was."),
    "adaptive_max_pool2d": ("Max pooling of the last two dims into an `output_size` grid of evenly spread "
                            "windows; `return_indices=True` also returns the flat index of each maximum."),
    "adaptive_max_pool2d_with_indices": ("Adaptive 2-d max pooling as `adaptive_max_pool2d` that always returns "
                                         "the pair (values, indices)."),
    "max_pool2d_with_indices": ("Max pooling as `max_pool2d` that always returns the pair (values, indices); the "
                                "indices are flat positions in each input plane."),
}

LINALG = {
    "LinAlgError": ("The error a linear-algebra function raises when its input has no answer (a singular or "
                    "non-positive-definite matrix); a subclass of RuntimeError, as torch.linalg.LinAlgError."),
    "cholesky_ex": ("Returns the Cholesky factor with an error code, as the pair (L, info): `info` > 0 is the "
                    "order of the first leading minor that is not positive-definite."),
    "eigh": ("Returns the eigen-decomposition of symmetric matrices as the pair (eigenvalues ascending, "
             "eigenvectors as columns), reading the `UPLO` triangle."),
    "inv_ex": "Returns the inverse with an error code, as the pair (inverse, info): `info` > 0 marks a singular matrix.",
    "lstsq": ("Solves least-squares problems `min ||A X - B||`, returning (solution, residuals, rank, "
              "singular_values)."),
    "matrix_exp": "Returns the matrix exponential of (batches of) square matrices.",
    "norm": ("Returns a vector norm (`ord` a number or None, or a 1-d `dim`) or a matrix norm (`ord` a string or "
             "a 2-d `dim`), as `vector_norm` or `matrix_norm`."),
    "qr": "Returns the QR decomposition `A = Q R` as the pair (Q, R); `mode` is 'reduced', 'complete' or 'r'.",
    "slogdet": ("Returns the sign and the log of the absolute value of the determinant of each square matrix, "
                "as the pair (sign, logabsdet)."),
    "solve_ex": "Solves `A X = B` (or `X A = B`) with an error code, as the pair (result, info).",
    "svd": "Returns the singular value decomposition `A = U diag(S) Vh` as the triple (U, S, Vh), S descending.",
    "matmul": "Returns the matrix product of `input` and `other`, as `smalltorch.matmul`.",
    "matrix_power": "Returns the `n`-th power of each square matrix of `A` (its inverse's for n < 0, I for 0).",
    "solve": "Solves `A X = B` (or `X A = B` when `left=False`) for `X`, batch dims broadcasting.",
    "solve_triangular": "Solves `A X = B` (or `X A = B`) for triangular `A`, reading only its `upper` or lower half.",
    "lu_factor": ("Returns the LU factorization with partial pivoting of (batches of) matrices as the pair "
                  "(LU, pivots): L below the diagonal (unit diagonal implied), U on and above it, and 1-based "
                  "pivot rows as LAPACK's getrf writes them; a zero pivot raises."),
    "lu_factor_ex": ("Returns `lu_factor`'s (LU, pivots) plus `info`: 0 where the factorization succeeded, i > 0 "
                     "where U[i-1, i-1] is zero (raising only when `check_errors=True`)."),
    "lu_solve": ("Solves `A X = B` (or `X A = B` when `left=False`, or with A's adjoint when `adjoint=True`) from "
                 "the (LU, pivots) pair `lu_factor` returns."),
}

SPECIAL = {
    "softmax": "Applies softmax along `dim`, as `smalltorch.softmax`.",
    "log_softmax": "Applies `log(softmax(input))` along `dim`, as `smalltorch.log_softmax`.",
    "logsumexp": "Returns `log(sum(exp(input)))` over `dim`, computed without overflow, as `smalltorch.logsumexp`.",
    "round": "Rounds each element to the nearest integer (half to even), or to `decimals` places.",
}

# Runnable examples: "name" (smalltorch.name), "Tensor.name", "F.name", "linalg.name", "special.name" -> doctest
# lines, appended to that docstring under "Example::"; tests/test_docs_stubs.py runs every one.
EXAMPLES = {
    "add": [">>> a = smalltorch.tensor([1., 2., 3.])", ">>> smalltorch.add(a, 10, alpha=2)",
            "tensor([21., 22., 23.])"],
    "sum": [">>> x = smalltorch.tensor([[1, 2], [3, 4]])", ">>> smalltorch.sum(x)", "tensor(10)",
            ">>> smalltorch.sum(x, dim=0)", "tensor([4, 6])"],
    "matmul": [">>> a = smalltorch.ones(2, 3)", ">>> b = smalltorch.ones(3, 4)", ">>> smalltorch.matmul(a, b).shape",
               "smalltorch.Size([2, 4])"],
    "arange": [">>> smalltorch.arange(5)", "tensor([0, 1, 2, 3, 4])", ">>> smalltorch.arange(1, 2.5, 0.5)",
               "tensor([1.0000, 1.5000, 2.0000])"],
    "zeros": [">>> smalltorch.zeros(2, 3).shape", "smalltorch.Size([2, 3])"],
    "cat": [">>> x = smalltorch.tensor([[1, 2]])", ">>> smalltorch.cat([x, x], dim=0)", "tensor([[1, 2],",
            "        [1, 2]])"],
    "stack": [">>> smalltorch.stack([smalltorch.tensor([1, 2]), smalltorch.tensor([3, 4])], dim=1)",
              "tensor([[1, 3],", "        [2, 4]])"],
    "max": [">>> x = smalltorch.tensor([[1., 5.], [7., 2.]])", ">>> smalltorch.max(x)", "tensor(7.)",
            ">>> values, indices = smalltorch.max(x, dim=1)", ">>> values", "tensor([5., 7.])", ">>> indices",
            "tensor([1, 0])"],
    "sort": [">>> smalltorch.sort(smalltorch.tensor([3, 1, 2])).values", "tensor([1, 2, 3])"],
    "where": [">>> x = smalltorch.tensor([-1., 2.])", ">>> smalltorch.where(x > 0, x, 0.)", "tensor([0., 2.])"],
    "softmax": [">>> smalltorch.softmax(smalltorch.tensor([0., 0.]), dim=0)", "tensor([0.5000, 0.5000])"],
    "exp": [">>> smalltorch.exp(smalltorch.tensor([0., 1.]))", "tensor([1.0000, 2.7183])"],
    "Tensor.backward": [">>> x = smalltorch.tensor([2., 3.], requires_grad=True)", ">>> y = (x ** 2).sum()",
                        ">>> y.backward()", ">>> x.grad", "tensor([4., 6.])"],
    "Tensor.view": [">>> smalltorch.arange(6).view(2, 3)", "tensor([[0, 1, 2],", "        [3, 4, 5]])"],
    "F.relu": [">>> smalltorch.nn.functional.relu(smalltorch.tensor([-1., 0.5]))", "tensor([0.0000, 0.5000])"],
    "F.mse_loss": [">>> F = smalltorch.nn.functional",
                   ">>> F.mse_loss(smalltorch.tensor([1., 2.]), smalltorch.tensor([1., 4.]))", "tensor(2.)"],
    "linalg.solve": [">>> A = smalltorch.tensor([[2., 0.], [0., 4.]])",
                     ">>> smalltorch.linalg.solve(A, smalltorch.tensor([2., 2.]))", "tensor([1.0000, 0.5000])"],
    "special.ndtr": [">>> smalltorch.special.ndtr(smalltorch.tensor([0.]))", "tensor([0.5000])"],
}
# issue 10: strided views, reductions into slots, put, LU unpacking (C++ ops)
FUNCTIONS.update({
    "as_strided": ("Returns a view of `input`'s storage with the given `size` and `stride`, starting at "
                   "`storage_offset` (input's own offset when None). Nothing is checked but that the view stays inside "
                   "the storage and strides are not negative, so elements may overlap. Differentiable "
                   "(AsStridedBackward0: the gradient is put back where the view's elements sit, split evenly where "
                   "input's own elements share memory)."),
    "scatter_reduce": ("Returns a copy of `input` in which, for every position of `index`, the value of `src` at "
                       "that position is reduced into the slot `index` names along `dim`; `reduce` is 'sum', "
                       "'prod', 'mean', 'amax' or 'amin'. With `include_self=False` a slot that receives values "
                       "forgets its own. Integer means round down. Differentiable (ScatterReduceBackward0; the "
                       "gradient of amax/amin is split evenly among the values equal to the result)."),
    "index_reduce": ("Returns a copy of `input` in which the slice `source[..., i, ...]` (along `dim`) is reduced "
                     "into the slice `index[i]`; `reduce` is 'prod', 'mean', 'amax' or 'amin'; with "
                     "`include_self=False` the slices that receive values forget their own. Differentiable "
                     "(IndexReduceBackward0)."),
    "put": ("Returns a copy of `input` where, treating it as flattened to 1-D, the elements at `index` are "
            "replaced by `source`'s (added to them when `accumulate`); negative indices count from the end. "
            "Differentiable (PutBackward0)."),
    "lu_unpack": ("Unpacks `linalg.lu_factor`'s (LU, pivots) into (P, L, U) with A = P L U: the permutation "
                  "matrix, the unit lower-triangular L and the upper-triangular U. `unpack_data=False` leaves L and "
                  "U empty, `unpack_pivots=False` leaves P empty. Differentiable in LU (LuUnpackBackward0)."),
})
TENSOR_ONLY.update({
    "unfold": ("Returns a view holding every window of `size` elements along `dimension`, `step` apart, as a new "
               "last dimension (the windows share memory with this tensor). Differentiable (UnfoldBackward0: "
               "overlapping windows add up)."),
})
