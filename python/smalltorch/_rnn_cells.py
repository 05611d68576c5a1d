"""One step of a recurrent cell: smalltorch.rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell (PyTorch's
top-level functions), and the step equations nn.RNN / LSTM / GRU and their cell modules share.

The equations are written with ops (not the fused gate kernel of _C._rnn_layer, which nn.RNN/LSTM/GRU use
over a whole sequence) so that the results carry the nodes PyTorch's cells show: lstm_cell's h' is
MulBackward0 and c' AddBackward0, gru_cell's h' AddBackward0, rnn_tanh_cell's TanhBackward0 and
rnn_relu_cell's ReluBackward0. The input projection x W_ih^T + b_ih (and h W_hh^T + b_hh) is one addmm, as
PyTorch's cells compute it, so a bias of the wrong size raises PyTorch's expand error.
"""

from . import _C

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _gates(mode, xw, hw, h, c):
    """The step from the projections xw = x W_ih^T + b_ih and hw = h W_hh^T + b_hh: returns (h', c')."""
    if mode == "LSTM":
        gates = xw + hw
        i, f, g, o = gates.chunk(4, -1)
        c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return o.sigmoid() * c2.tanh(), c2
    if mode == "GRU":
        xr, xz, xn = xw.chunk(3, -1)
        hr, hz, hn = hw.chunk(3, -1)
        r = (xr + hr).sigmoid()
        z = (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return n + z * (h - n), None
    pre = xw + hw
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


def _project(x, w, b):
    """x W^T (+ b)."""
    out = x.matmul(w.t())
    return out + b if b is not None else out


def _step(mode, xw, h, c, w_hh, b_hh):
    """One step from the input projection xw = x W_ih^T + b_ih: returns (h', c')."""
    return _gates(mode, xw, _project(h, w_hh, b_hh), h, c)


def _linear(x, w, b):
    return _C.addmm(b, x, w.t()) if b is not None else x.matmul(w.t())


def _tensor_arg(fn, name, pos, value, optional=False):
    if not (isinstance(value, _C.Tensor) or (optional and value is None)):
        raise TypeError(f"{fn}(): argument '{name}' ({pos}) must be Tensor, not {type(value).__name__}")


def _check_input(input, w_ih):
    if input.size(1) != w_ih.size(1):
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {w_ih.size(1)}")


def _check_hidden(input, hx, hidden_size, k):
    if input.size(0) != hx.size(0):
        raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{k} batch size {hx.size(0)}")
    if hx.size(1) != hidden_size:
        raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {hx.size(1)}, expected {hidden_size}")


def _check_weights(gates, w_ih, w_hh):
    hidden = w_hh.size(1)
    for name, w in (("weight_ih", w_ih), ("weight_hh", w_hh)):
        if w.size(0) != gates * hidden:
            raise RuntimeError(f"{name} first dim must be {gates} * hidden_size = {gates * hidden}, but got "
                               f"{w.size(0)}")


def _cell(fn, mode, input, hs, w_ih, w_hh, b_ih, b_hh):
    for name, pos, value, optional in (("input", "position 1", input, False), ("w_ih", "position 3", w_ih, False),
                                       ("w_hh", "position 4", w_hh, False), ("b_ih", "position 5", b_ih, True),
                                       ("b_hh", "position 6", b_hh, True)):
        _tensor_arg(fn, name, pos, value, optional)
    gates = _GATES[mode]
    # PyTorch's cells check in these orders
    if mode == "LSTM":
        _check_input(input, w_ih)
        _check_weights(gates, w_ih, w_hh)
        for k, h in enumerate(hs):
            _check_hidden(input, h, w_hh.size(1), k)
    elif mode == "GRU":
        _check_input(input, w_ih)
        _check_hidden(input, hs[0], w_hh.size(1), 0)
        _check_weights(gates, w_ih, w_hh)
    else:
        _check_weights(gates, w_ih, w_hh)
        _check_input(input, w_ih)
        _check_hidden(input, hs[0], w_hh.size(1), 0)
    h, c = hs[0], hs[1] if mode == "LSTM" else None
    return _gates(mode, _linear(input, w_ih, b_ih), _linear(h, w_hh, b_hh), h, c)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    _tensor_arg("rnn_tanh_cell", "hx", "position 2", hx)
    return _cell("rnn_tanh_cell", "RNN_TANH", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    _tensor_arg("rnn_relu_cell", "hx", "position 2", hx)
    return _cell("rnn_relu_cell", "RNN_RELU", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    if not isinstance(hx, (tuple, list)):
        raise TypeError(f"lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not "
                        f"{type(hx).__name__}")
    for k, h in enumerate(hx):
        if not isinstance(h, _C.Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 1, but got {type(h).__name__}")
    _tensor_arg("lstm_cell", "input", "position 1", input)
    if len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    return _cell("lstm_cell", "LSTM", input, tuple(hx), w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    _tensor_arg("gru_cell", "hx", "position 2", hx)
    return _cell("gru_cell", "GRU", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]
