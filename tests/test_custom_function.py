"""Custom autograd Functions (issue 9 section 3): smalltorch.autograd.Function with static
forward/backward (ctx-in-forward and setup_context styles), ctx.save_for_backward /
saved_tensors, needs_input_grad, mark_dirty, mark_non_differentiable,
set_materialize_grads, once_differentiable, non-tensor inputs and outputs, several
outputs, double backward, errors; every program runs under smalltorch and PyTorch."""

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import smalltorch
from conftest import subprocess_env


def make_functions(lib):
    """The same custom Functions, built on `lib` (smalltorch or torch)."""
    Function = lib.autograd.Function

    class LegendrePolynomial3(Function):  # the PyTorch tutorial's example
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class Cube(Function):  # setup_context style, returns an intermediate too
        @staticmethod
        def forward(x):
            return x ** 3, 3 * x ** 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, = inputs
            ctx.save_for_backward(x, output[1])

        @staticmethod
        def backward(ctx, grad_out, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_out * dx + grad_dx * 6 * x

    class Scale(Function):  # a non-tensor input and a non-tensor output
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.needs = ctx.needs_input_grad
            return x * k, "label", y * 2

        @staticmethod
        def backward(ctx, gx, glabel, gy):
            assert glabel is None
            return gx * ctx.k, None, gy * 2

    class AddOneInplace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class SortValues(Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            ctx.shape = x.shape
            return values, idx

        @staticmethod
        def backward(ctx, g, gidx):
            idx, = ctx.saved_tensors
            out = lib.zeros(ctx.shape, dtype=g.dtype)
            out[idx] = g
            return out

    class TwoOut(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            total = 0
            if g1 is not None:
                total = total + g1 * 2
            if g2 is not None:
                total = total + g2 * 3
            return total

    class Square(Function):  # backward made of differentiable ops: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    class OnceSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    class Identity(Function):  # returns its input as is
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    return dict(LegendrePolynomial3=LegendrePolynomial3, Cube=Cube, Scale=Scale, AddOneInplace=AddOneInplace,
                SortValues=SortValues, TwoOut=TwoOut, Square=Square, OnceSquare=OnceSquare, Identity=Identity)


def x_of(lib, values=(0.3, -0.7, 1.2), requires_grad=True):
    return lib.tensor(list(values), dtype=lib.float64, requires_grad=requires_grad)


def arr(t):
    return None if t is None else np.round(t.detach().numpy().astype(float), 9).tolist()


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 (class and message are compared)
        return (type(e).__name__, str(e))


def both(torch_ref, program):
    ours, ref = program(smalltorch), program(torch_ref)
    assert ours == ref
    return ours


def test_legendre_tutorial(torch_ref):
    def program(lib):
        P3 = make_functions(lib)["LegendrePolynomial3"]
        x = x_of(lib)
        y = P3.apply(x)
        y.sum().backward()
        return arr(y), arr(x.grad), type(y.grad_fn).__name__, y.grad_fn.name(), \
            re.sub(r"\[.*\]", "", repr(y).replace("\n", "")).replace("smalltorch.", "torch.")
    out = both(torch_ref, program)
    assert out[2] == "LegendrePolynomial3Backward"
    assert "grad_fn=<LegendrePolynomial3Backward>" in out[4]


def test_grad_fn_is_the_ctx_and_a_graph_node(torch_ref):
    def program(lib):
        P3 = make_functions(lib)["LegendrePolynomial3"]
        x = x_of(lib)
        y = P3.apply(x * 1)
        g = y.grad_fn
        g.custom = 5
        return (isinstance(g, lib.autograd.graph.Node), y.grad_fn is g, y.grad_fn.custom,
                [type(f).__name__ for f, _ in g.next_functions], g.metadata, g.needs_input_grad)
    out = both(torch_ref, program)
    assert out[0] and out[3] == ["MulBackward0"]


def test_setup_context_style_and_gradcheck(torch_ref):
    def program(lib):
        Cube = make_functions(lib)["Cube"]
        x = x_of(lib)
        y, dx = Cube.apply(x)
        (y.sum() + dx.sum()).backward()
        return arr(y), arr(dx), arr(x.grad), type(y.grad_fn).__name__
    both(torch_ref, program)
    fns = make_functions(smalltorch)
    x = x_of(smalltorch)
    assert smalltorch.autograd.gradcheck(lambda t: fns["Cube"].apply(t), (x,))
    assert smalltorch.autograd.gradcheck(fns["LegendrePolynomial3"].apply, (x,))
    assert smalltorch.autograd.gradgradcheck(fns["Square"].apply, (x,))


def test_non_tensor_inputs_and_outputs(torch_ref):
    def program(lib):
        Scale = make_functions(lib)["Scale"]
        x, y = x_of(lib), x_of(lib, requires_grad=False)
        a, label, c = Scale.apply(x, 3, y)
        (a.sum() + c.sum()).backward()
        g = a.grad_fn
        return (arr(a), label, arr(c), c.requires_grad, c.grad_fn is g, arr(x.grad), g.needs,
                [(f is None, nr) for f, nr in g.next_functions])
    out = both(torch_ref, program)
    assert out[1] == "label" and out[6] == (True, False, False)


def test_needs_input_grad(torch_ref):
    def program(lib):
        Scale = make_functions(lib)["Scale"]
        x, y = x_of(lib, requires_grad=False), x_of(lib)
        a, _, c = Scale.apply(x, 2, y)
        return a.grad_fn.needs, a.requires_grad, c.requires_grad
    assert both(torch_ref, program) == ((False, False, True), True, True)


def test_no_graph_without_grad(torch_ref):
    def program(lib):
        P3 = make_functions(lib)["LegendrePolynomial3"]
        with lib.no_grad():
            y = P3.apply(x_of(lib))
        z = P3.apply(x_of(lib, requires_grad=False))
        return y.requires_grad, y.grad_fn, z.requires_grad, z.grad_fn
    assert both(torch_ref, program) == (False, None, False, None)


def test_saved_tensors_are_version_checked(torch_ref):
    def program(lib):
        P3 = make_functions(lib)["LegendrePolynomial3"]
        x = x_of(lib)
        h = x * 1
        y = P3.apply(h)
        h.mul_(2)
        return outcome(lambda: y.sum().backward())
    ours, ref = program(smalltorch), program(torch_ref)
    assert ours[0] == ref[0] == "RuntimeError"
    assert "modified by an inplace operation" in ours[1] and "modified by an inplace operation" in ref[1]
    assert "LegendrePolynomial3Backward" in ours[1]


def test_saved_tensors_freed_after_backward(torch_ref):
    def program(lib):
        P3 = make_functions(lib)["LegendrePolynomial3"]
        y = P3.apply(x_of(lib))
        y.sum().backward()
        return outcome(lambda: y.grad_fn.saved_tensors), outcome(lambda: y.sum().backward())
    out = both(torch_ref, program)
    assert out[0][0] == "RuntimeError" and "backward through the graph a second time" in out[0][1]


def test_mark_dirty(torch_ref):
    def program(lib):
        F = make_functions(lib)["AddOneInplace"]
        x = x_of(lib)
        h = x * 2
        out = F.apply(h)
        (out * out).sum().backward()
        leaf_err = outcome(lambda: F.apply(x_of(lib)))
        return out is h, type(h.grad_fn).__name__, arr(out), arr(x.grad), leaf_err
    out = both(torch_ref, program)
    assert out[0] and out[1] == "AddOneInplaceBackward"
    assert out[4][0] == "RuntimeError" and "in-place operation" in out[4][1]


def test_mark_dirty_requires_returning_the_tensor(torch_ref):
    def program(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g
        return outcome(lambda: Bad.apply(x_of(lib) * 1))
    out = both(torch_ref, program)
    assert out[0] == "RuntimeError"


def test_mark_non_differentiable(torch_ref):
    def program(lib):
        F = make_functions(lib)["SortValues"]
        x = x_of(lib)
        values, idx = F.apply(x)
        (values * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        return arr(values), idx.tolist(), idx.requires_grad, values.requires_grad, arr(x.grad)
    out = both(torch_ref, program)
    assert out[2] is False and out[3] is True


def test_set_materialize_grads(torch_ref):
    def program(lib):
        F = make_functions(lib)["TwoOut"]
        x = x_of(lib)
        a, b = F.apply(x)
        a.sum().backward()
        return a.grad_fn.seen, arr(x.grad)
    assert both(torch_ref, program)[0] == (False, True)


def test_input_returned_as_is(torch_ref):
    def program(lib):
        F = make_functions(lib)["Identity"]
        x = x_of(lib)
        y = F.apply(x)
        y.sum().backward()
        return y is x, type(y.grad_fn).__name__, x.is_leaf, arr(x.grad)
    assert both(torch_ref, program)[0] is False


def test_double_backward(torch_ref):
    def program(lib):
        Sq = make_functions(lib)["Square"]
        x = x_of(lib)
        y = Sq.apply(x) * x  # x**3
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), x)
        return arr(g), arr(gg)
    both(torch_ref, program)


def test_once_differentiable(torch_ref):
    def program(lib):
        F = make_functions(lib)["OnceSquare"]
        x = x_of(lib)
        v = x_of(lib, (1.0, 2.0, 3.0))
        y = F.apply(x)
        g, = lib.autograd.grad(y, x, grad_outputs=v, create_graph=True)
        first = arr(g), g.requires_grad, type(g.grad_fn).__name__
        return first, outcome(lambda: g.sum().backward())
    out = both(torch_ref, program)
    assert out[1] == ("RuntimeError",
                      "trying to differentiate twice a function that was marked with @once_differentiable")


def _bad_backward(lib, result, extra_arg=False):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, *rest):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return result(g)
    x = x_of(lib)
    args = (x, 3) if extra_arg else (x,)
    return outcome(lambda: Bad.apply(*args).sum().backward())


@pytest.mark.parametrize("case", ["too_many", "not_none_for_number", "wrong_type", "wrong_shape", "trailing_none"])
def test_backward_result_errors_match_torch(torch_ref, case):
    result, extra = {
        "too_many": (lambda g: (g, g), False),
        "not_none_for_number": (lambda g: (g, g), True),
        "wrong_type": (lambda g: 3, False),
        "wrong_shape": (lambda g: g[:1].expand(2), False),
        "trailing_none": (lambda g: (g, None), False),
    }[case]
    ours, ref = _bad_backward(smalltorch, result, extra), _bad_backward(torch_ref, result, extra)
    assert ours == ref


class Boom(Exception):
    pass


def raising_function(lib):
    """A Function F whose backward raises Boom("in backward")."""
    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise Boom("in backward")
    return F


def test_python_exception_from_backward_propagates(torch_ref):
    for lib in (smalltorch, torch_ref):
        F = raising_function(lib)
        with pytest.raises(Boom, match="in backward"):
            F.apply(x_of(lib)).sum().backward()


def test_hooks_on_a_function_node(torch_ref):
    def program(lib):
        P3 = make_functions(lib)["LegendrePolynomial3"]
        x = x_of(lib)
        y = P3.apply(x)
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 1,))
        y.sum().backward()
        return arr(x.grad)
    assert both(torch_ref, program) == [1.0, 1.0, 1.0]


def test_backward_runs_on_other_threads_and_frees_its_ctx():
    # The node owns the ctx: dropping the graph frees it; the Python backward may run
    # from a thread other than the one that ran forward (the GIL is taken around it).
    code = textwrap.dedent("""
        import gc, threading, weakref
        import smalltorch as torch

        class F(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2
            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 2

        x = torch.ones(3, requires_grad=True)
        y = F.apply(x)
        ref = weakref.ref(y.grad_fn)
        t = threading.Thread(target=lambda: y.sum().backward())
        t.start(); t.join()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]
        del y
        gc.collect()
        assert ref() is None
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_ctx_keeping_its_output_is_collected(torch_ref):
    # ctx.out = out makes a cycle ctx -> out -> grad_fn (the node, which owns ctx): the
    # garbage collector must see it, as in PyTorch.
    import gc
    import weakref

    def program(lib):
        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                out = x * 2
                ctx.out = out
                return out

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = x_of(lib)
        y = Keep.apply(x)
        y.sum().backward(retain_graph=True)
        ref = weakref.ref(y.grad_fn)
        del y
        gc.collect()
        return ref() is None, arr(x.grad)
    assert both(torch_ref, program)[0] is True


def test_setup_context_sees_default_arguments(torch_ref):
    def program(lib):
        class Scaled(lib.autograd.Function):
            @staticmethod
            def forward(x, scale=3.0):
                return x * scale

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.inputs_len = len(inputs)
                ctx.scale = inputs[1]

            @staticmethod
            def backward(ctx, g):
                return g * ctx.scale, None

        x = x_of(lib)
        y = Scaled.apply(x)
        y.sum().backward()
        z = Scaled.apply(x, scale=2.0)
        return y.grad_fn.inputs_len, arr(x.grad), z.grad_fn.scale
    assert both(torch_ref, program) == (2, [3.0, 3.0, 3.0], 2.0)
