"""Anomaly mode (issue 9 section 4): detect_anomaly / set_detect_anomaly, the forward
stack recorded on nodes, the NaN check and the warning naming the forward call,
compared with PyTorch."""

import warnings

import pytest

import smalltorch
from test_custom_function import Boom, raising_function

ANOMALY_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                   "enabled for debugging.")


@pytest.fixture(autouse=True)
def _anomaly_off():
    yield
    smalltorch.set_anomaly_enabled(False)


def nan_program(lib, check_nan=True):
    """0/0 in backward; returns the error, the warnings and the forward line's number."""
    a = lib.zeros(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with lib.autograd.detect_anomaly(check_nan=check_nan):
            y = a / a; line = nan_program.__code__.co_firstlineno + 6  # noqa: E702 (the line of a / a)
            md = dict(y.grad_fn.metadata)
            try:
                y.sum().backward()
                err = None
            except RuntimeError as e:
                err = str(e)
    return err, [(w.category, str(w.message)) for w in caught], line, md, a.grad


def test_nan_in_backward_raises_and_warns_as_torch(torch_ref):
    err, warns, line, md, _ = nan_program(smalltorch)
    ref_err, ref_warns, _, ref_md, _ = nan_program(torch_ref)
    assert err == ref_err == "Function 'DivBackward0' returned nan values in its 1th output."
    assert [c for c, _ in warns] == [c for c, _ in ref_warns] == [UserWarning, UserWarning]
    assert warns[0][1] == ref_warns[0][1] == ANOMALY_WARNING
    stack_msg = warns[1][1]
    head = "Error detected in DivBackward0. Traceback of forward call that caused the error:\n"
    assert stack_msg.startswith(head) and ref_warns[1][1].startswith(head)
    assert f'line {line}, in nan_program\n    y = a / a' in stack_msg
    # the stack recorded on the node is the same list of formatted frames PyTorch keeps
    assert list(md) == list(ref_md) == ["traceback_"]
    assert md["traceback_"][-1] == ref_md["traceback_"][-1]
    assert stack_msg[len(head):].startswith("".join(md["traceback_"]))


def test_check_nan_off(torch_ref):
    for lib in (smalltorch, torch_ref):
        err, warns, _, _, grad = nan_program(lib, check_nan=False)
        assert err is None and len(warns) == 1
        assert grad.isnan().all()


def test_nothing_recorded_when_off(torch_ref):
    for lib in (smalltorch, torch_ref):
        a = lib.ones(2, requires_grad=True)
        y = a * 2
        assert y.grad_fn.metadata == {}
        assert not lib.is_anomaly_enabled()


def test_mode_switches_match_torch(torch_ref):
    def program(lib):
        states = [(lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled())]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly(check_nan=False):
                states.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
                with lib.autograd.set_detect_anomaly(False):
                    states.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
                states.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
        states.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
        lib.autograd.set_detect_anomaly(True)  # as a plain call
        states.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
        lib.autograd.set_detect_anomaly(False)
        states.append(lib.is_anomaly_enabled())
        return states
    assert program(smalltorch) == program(torch_ref)


def test_error_in_custom_backward_warns_with_forward_stack(torch_ref):
    for lib in (smalltorch, torch_ref):
        F = raising_function(lib)
        x = lib.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                y = F.apply(x)  # the forward call named in the warning
                with pytest.raises(Boom, match="in backward"):
                    y.sum().backward()
        msgs = [str(w.message) for w in caught]
        assert any(m.startswith("Error detected in FBackward. Traceback of forward call that caused the error:")
                   and "y = F.apply(x)  # the forward call named in the warning" in m for m in msgs), msgs


def test_node_made_without_anomaly_mode_says_so(torch_ref):
    for lib in (smalltorch, torch_ref):
        a = lib.zeros(3, requires_grad=True)
        y = a / a
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                with pytest.raises(RuntimeError, match="returned nan values in its 1th output"):
                    y.sum().backward()
        assert any("Error detected in DivBackward0. No forward pass information available. Enable detect anomaly "
                   "during forward pass for more information." in str(w.message) for w in caught)


def test_no_error_without_nan(torch_ref):
    for lib in (smalltorch, torch_ref):
        a = lib.ones(3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                (a * a).sum().backward()
        assert a.grad.tolist() == [2.0, 2.0, 2.0]


def double_backward_program(lib):
    """NaN in the backward of a node made by an earlier backward (create_graph=True)."""
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with lib.autograd.detect_anomaly():
            y = x.sqrt()
            g, = lib.autograd.grad(y.sum(), x, create_graph=True)
            md = g.grad_fn.metadata
            parent = type(md["parent_"]).__name__, md["parent_"] is y.grad_fn
            with pytest.raises(RuntimeError) as err:
                (g * 0).sum().backward()
    return parent, str(err.value), [str(w.message) for w in caught[1:]]


def test_node_made_by_backward_names_its_parent(torch_ref):
    parent, err, warns = double_backward_program(smalltorch)
    ref_parent, ref_err, ref_warns = double_backward_program(torch_ref)
    assert parent == ref_parent == ("SqrtBackward0", True)
    assert err == ref_err == "Function 'DivBackward0' returned nan values in its 1th output."
    assert len(warns) == len(ref_warns) == 2
    assert warns[0].startswith("Error detected in DivBackward0. Traceback of forward call that caused the error:")
    prev = ("\n\nPrevious calculation was induced by SqrtBackward0. Traceback of forward call that induced the "
            "previous calculation:\n")
    assert warns[1].startswith(prev) and ref_warns[1].startswith(prev)
    assert warns[1].rstrip().endswith("y = x.sqrt()")


def test_op_running_without_the_gil_records_its_stack():
    # large ops release the GIL around the kernel; the node made there still records the stack
    a = smalltorch.rand(300, 300, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with smalltorch.autograd.detect_anomaly():
            y = a * a  # the recorded line
    assert y.grad_fn.metadata["traceback_"][-1].strip().endswith("y = a * a  # the recorded line")
