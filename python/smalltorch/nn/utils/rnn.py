"""nn.utils.rnn: padding variable-length sequences into one tensor, and PackedSequence (the time-major packing
of sorted sequences that PyTorch's recurrent layers accept) with pack_padded_sequence / pad_packed_sequence /
pack_sequence."""

from collections import namedtuple

from ... import _C, _creation
from ..._C import Tensor

__all__ = ["pad_sequence", "PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """data holds the steps of every sequence, time-major: step t of the batch_sizes[t] longest sequences (in
    sorted order), then step t + 1; sorted_indices[i] is the original batch index of the i-th longest sequence
    (None when the input was already sorted), unsorted_indices its inverse."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise RuntimeError("PackedSequence(): batch_sizes must be given")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                          self.unsorted_indices)

    def double(self):
        return self.to(dtype=_C.float64)

    def float(self):
        return self.to(dtype=_C.float32)

    def cpu(self, *args, **kwargs):
        return self

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _invert_permutation(perm):
    if perm is None:
        return None
    order = perm.tolist()
    inverse = [0] * len(order)
    for i, p in enumerate(order):
        inverse[p] = i
    return _creation.tensor(inverse, dtype=_C.int64)


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.reshape(-1).tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs the padded (T, B, *) input (B, T, * when batch_first) whose b-th sequence has lengths[b] steps."""
    lengths = _lengths_list(lengths)
    batch_dim = 0 if batch_first else 1
    if input.dim() < 2:
        raise RuntimeError(f"Dimension out of range (expected to be in range of [-{max(input.dim(), 1)}, "
                           f"{max(input.dim(), 1) - 1}], but got 1)")
    if len(lengths) != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={input.shape[batch_dim]})")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        sorted_indices = _creation.tensor(order, dtype=_C.int64)
        lengths = [lengths[i] for i in order]
        input = input.index_select(batch_dim, sorted_indices)
    if lengths and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if lengths and lengths[0] > input.shape[1 - batch_dim]:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to {lengths[0]}, but got "
                           f"{input.shape[1 - batch_dim]}")
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = [sum(1 for n in lengths if n > t) for t in range(lengths[0] if lengths else 0)]
    data = _C.cat([input[t, :bs] for t, bs in enumerate(batch_sizes)])
    return PackedSequence(data, _creation.tensor(batch_sizes, dtype=_C.int64), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded, lengths), the batch back in its original order."""
    batch_sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    max_len = len(batch_sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_len}")
    else:
        total_length = max_len
    data = sequence.data
    batch = batch_sizes[0] if batch_sizes else 0
    tail = tuple(data.shape[1:])
    steps, offset = [], 0
    for bs in batch_sizes:
        step = data[offset:offset + bs]
        offset += bs
        if bs < batch:
            step = _C.cat([step, _creation.full((batch - bs, *tail), padding_value, dtype=data.dtype)])
        steps.append(step)
    if total_length > max_len:
        steps += [_creation.full((batch, *tail), padding_value, dtype=data.dtype)] * (total_length - max_len)
    padded = _C.stack(steps)
    lengths = [sum(1 for bs in batch_sizes if bs > b) for b in range(batch)]
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = [lengths[i] for i in sequence.unsorted_indices.tolist()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _creation.tensor(lengths, dtype=_C.int64)


def _pack_like(padded, packed):
    """The (T, B, *) padded tensor (original batch order) packed with packed's batch_sizes and order."""
    if packed.sorted_indices is not None:
        padded = padded.index_select(1, packed.sorted_indices)
    return _C.cat([padded[t, :bs] for t, bs in enumerate(packed.batch_sizes.tolist())])


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of (L_i, *) tensors (pad_sequence, then pack_padded_sequence)."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of the given lengths that pad_sequence padded."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _lengths_list(lengths))]


def unpack_sequence(packed_sequences):
    """The list of sequences that pack_sequence packed, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks sequences of shape (L_i, *) into (L_max, B, *) (or (B, L_max, *) when batch_first), filling the
    missing steps with padding_value on the right or the left."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence(): argument 'sequences' must be tuple of Tensors, but found element of "
                            f"type {type(s).__name__} at pos {i}")
        if s.dim() == 0:
            raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    max_len = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        missing = max_len - s.shape[0]
        if missing:
            pad = _creation.full((missing, *s.shape[1:]), padding_value, dtype=s.dtype)
            s = _C.cat([s, pad]) if padding_side == "right" else _C.cat([pad, s])
        rows.append(s)
    return _C.stack(rows, 1 if not batch_first else 0)
