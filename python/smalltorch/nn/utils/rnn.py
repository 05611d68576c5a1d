"""nn.utils.rnn: padding a list of variable-length sequences into one tensor."""

from ... import _C, _creation
from ..._C import Tensor

__all__ = ["pad_sequence"]


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
