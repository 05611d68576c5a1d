"""Recurrent layers with PyTorch's parameters, layouts and results: RNN, LSTM, GRU and their cells.

The input projections of a whole sequence are one matrix product per layer and direction (x @ W_ih^T for
every step at once); the steps of a layer and direction then run in C++ as one op, _C._rnn_layer (each step
one product h @ W_hh^T and one pass of a fused gate kernel; one backward node, W_hh's gradient one product
over the sequence). The same equations written with ops (_step) serve the cells, whose outputs show the
nodes PyTorch shows (MulBackward0, AddBackward0, TanhBackward0, ...), and layers whose inputs carry
forward-mode tangents. PyTorch's equations:

    RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                 (or relu)
    LSTM: i, f, g, o = σ, σ, tanh, σ of the four quarters of W_ih x + b_ih + W_hh h + b_hh
          c' = f c + i g;  h' = o tanh(c')
    GRU:  r, z = σ of the first two thirds of W_ih x + b_ih + W_hh h + b_hh
          n = tanh(W_in x + b_in + r (W_hn h + b_hn));  h' = (1 - z) n + z h
"""

import math

from ... import _C, _creation
from ..._rnn_cells import _project, _step
from ...profiler import _op_range
from .. import functional as F, init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_MODE_IDS = {"RNN_TANH": 0, "RNN_RELU": 1, "LSTM": 2, "GRU": 3}  # _C._rnn_layer's modes
_MODE_EVENTS = {"RNN_TANH": "aten::rnn_tanh", "RNN_RELU": "aten::rnn_relu", "LSTM": "aten::lstm", "GRU": "aten::gru"}


def _fused(tensors):
    """Whether a layer runs as one _C._rnn_layer op (fused gate kernels, one backward node): floating tensors of
    one dtype without forward-mode tangents (the fused node has no forward-mode formula)."""
    dt = tensors[0].dtype
    if dt not in (_C.float32, _C.float64):
        return False
    return all(t is None or (t.dtype == dt and _C._unpack_dual(t)[1] is None) for t in tensors)


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        from ..._device import check
        check(device)
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if not (isinstance(dropout, (int, float)) and not isinstance(dropout, bool) and 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if proj_size != 0:
            raise NotImplementedError("smalltorch's LSTM has no proj_size yet")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(directions):
                in_size = input_size if layer == 0 else hidden_size * directions
                suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"] + \
                    ([f"bias_ih{suffix}", f"bias_hh{suffix}"] if bias else [])
                shapes = [(gate_size, in_size), (gate_size, hidden_size), (gate_size,), (gate_size,)]
                for n, s in zip(names, shapes):
                    setattr(self, n, Parameter(_creation.empty(s, dtype=dtype)))
                self._flat_weights_names.extend(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in self._flat_weights_names[i:i + (4 if self.bias else 2)]]
                for i in range(0, len(self._flat_weights_names), 4 if self.bias else 2)]

    def _weights(self, layer, d):
        suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
        get = lambda n: getattr(self, n + suffix) if self.bias or not n.startswith("bias") else None  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _check_input(self, input, hx):
        if not isinstance(input, _C.Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor input, got {type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        wdt = self.weight_ih_l0.dtype
        if input.dtype != wdt:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({wdt}). Convert input: "
                             f"input.to({wdt}), or convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence
        with _op_range(_MODE_EVENTS[self.mode]):  # one op event, as PyTorch's aten::lstm
            if isinstance(input, PackedSequence):
                return self._forward_packed(input, hx)
            return self._forward(input, hx)

    def _forward_packed(self, input, hx):
        """A PackedSequence runs padded in its sorted batch order (hx permuted into it, h_n permuted back by
        index_select, as PyTorch's), each sequence's state held after its last step; the output is packed as
        the input."""
        from ..utils.rnn import PackedSequence, pad_packed_sequence
        padded, lengths = pad_packed_sequence(input)
        si, ui = input.sorted_indices, input.unsorted_indices
        if si is not None:
            padded, lengths = padded.index_select(1, si), lengths.index_select(0, si)
            if hx is not None:
                hx = tuple(t.index_select(1, si) for t in hx) if isinstance(hx, tuple) else hx.index_select(1, si)
        output, hidden = self._forward(padded, hx, lengths)
        data = _C.cat([output[t, :bs] for t, bs in enumerate(input.batch_sizes.tolist())])
        if ui is not None:
            hidden = tuple(t.index_select(1, ui) for t in hidden) if isinstance(hidden, tuple) else \
                hidden.index_select(1, ui)
        return PackedSequence(data, input.batch_sizes, si, ui), hidden

    def _forward(self, input, hx, lengths=None):
        """input (T, B, *) when lengths (steps per batch entry, a tensor) are given, else as forward's."""
        self._check_input(input, hx)
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first and lengths is None:
            x = x.transpose(0, 1)
        seq, batch = x.shape[0], x.shape[1]
        directions = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        expected = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            h0 = _creation.zeros(expected, dtype=x.dtype)
            c0 = _creation.zeros(expected, dtype=x.dtype) if lstm else None
        else:
            if lstm:
                if not isinstance(hx, tuple) or len(hx) != 2:
                    raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            if not batched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            for name, t in (("hidden", h0),) + ((("cell", c0),) if lstm else ()):
                if tuple(t.shape) != expected:
                    msg = "Expected hidden size" if name == "hidden" else "Expected cell size"
                    raise RuntimeError(f"{msg} {expected}, got {list(t.shape)}")
        hs, cs = [], []
        valid = None  # the composite path's per-step masks of a packed input, made when first needed
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, d)
                k = layer * directions + d
                h, c = h0[k], (c0[k] if lstm else None)
                if seq > 0 and _fused((layer_in, h, c, w_ih, w_hh, b_ih, b_hh)):
                    # one op per layer and direction: the input projections of every step as one product
                    # (x W_ih^T), then the steps in C++; a visible output shows StackBackward0 as PyTorch's
                    # except a float32 LSTM's (MkldnnRnnLayerBackward0 in PyTorch too)
                    split = (layer == self.num_layers - 1 and directions == 1 and lengths is None
                             and not (lstm and layer_in.dtype == _C.float32))
                    res = _C._rnn_layer(_MODE_IDS[self.mode], layer_in.matmul(w_ih.t()), h, c, w_hh, b_ih, b_hh,
                                        None if lengths is None else [int(v) for v in lengths.tolist()], d == 1,
                                        split)
                    outs.append(_C.stack(res[:seq]) if split else res[0])
                    hs.append(res[-2] if lstm else res[-1])
                    if lstm:
                        cs.append(res[-1])
                    continue
                # every step's input projection at once, split once (one node gathers the steps' gradients)
                xw = _project(layer_in, w_ih, b_ih).unbind(0)
                if lengths is not None and valid is None:
                    valid = [(lengths > t).unsqueeze(1) for t in range(seq)]
                steps = range(seq - 1, -1, -1) if d == 1 else range(seq)
                out_steps = [None] * seq
                for t in steps:
                    h2, c2 = _step(self.mode, xw[t], h, c, w_hh, b_hh)
                    if lengths is None:
                        h, c = h2, c2
                    else:  # a sequence past its end keeps its state
                        h = _C.where(valid[t], h2, h)
                        c = _C.where(valid[t], c2, c) if lstm else None
                    out_steps[t] = h
                outs.append(_C.stack(out_steps) if seq > 0 else _creation.zeros((0, batch, self.hidden_size)))
                hs.append(h)
                if lstm:
                    cs.append(c)
            layer_in = outs[0] if directions == 1 else _C.cat(outs, 2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        output = layer_in
        h_n = _C.stack(hs)
        c_n = _C.stack(cs) if lstm else None
        if batched and self.batch_first and lengths is None:
            # PyTorch's RNN and GRU transpose their fresh output in place (TransposeBackward1), its LSTM
            # out of place (TransposeBackward0)
            output = output.transpose(0, 1) if lstm else output.transpose_(0, 1)
        if not batched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def flatten_parameters(self):
        """Accepted for PyTorch code (a cuDNN layout hint); nothing to do on the CPU."""


class RNN(RNNBase):
    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        if "nonlinearity" in kwargs:
            nonlinearity = kwargs.pop("nonlinearity")
        if len(args) > 3:  # RNN(input_size, hidden_size, num_layers, nonlinearity, ...)
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        from ..._device import check
        check(device)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_creation.empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(_creation.empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _run(self, mode, input, h, c):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        zeros = lambda: _creation.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)  # noqa: E731
        h = zeros() if h is None else (h if batched else h.unsqueeze(0))
        if mode == "LSTM":
            c = zeros() if c is None else (c if batched else c.unsqueeze(0))
        h2, c2 = _step(mode, _project(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh)
        if not batched:
            h2 = h2.squeeze(0)
            c2 = c2.squeeze(0) if c2 is not None else None
        return h2, c2


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input, hx=None):
        return self._run("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx, None)[0]


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        return self._run("LSTM", input, h, c)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        return self._run("GRU", input, hx, None)[0]
