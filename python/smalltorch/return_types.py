"""Named result tuples of multi-output ops (PyTorch's ``torch.return_types``)."""


class _ValuesIndices(tuple):
    """A (values, indices) pair that also answers ``.values`` and ``.indices``."""

    n_fields = 2
    n_sequence_fields = 2
    n_unnamed_fields = 0

    def __new__(cls, values, indices=None):
        if indices is None:  # built from one sequence, like a structseq
            values, indices = values
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"smalltorch.return_types.{type(self).__name__}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


class sort(_ValuesIndices):  # noqa: N801 (PyTorch's name)
    pass


class topk(_ValuesIndices):  # noqa: N801
    pass
