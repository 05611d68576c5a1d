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


def _structseq(name, fields):
    """A tuple subclass named like PyTorch's torch.return_types.<name>, with one property per field."""

    def __new__(cls, *values):
        if len(values) == 1 and len(fields) > 1:  # built from one sequence, like a structseq
            values = tuple(values[0])
        return tuple.__new__(cls, values)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"smalltorch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    ns = {"__new__": __new__, "__repr__": __repr__, "__reduce__": __reduce__, "n_fields": len(fields),
          "n_sequence_fields": len(fields), "n_unnamed_fields": 0, "_fields": tuple(fields),
          "__module__": __name__, "__doc__": f"{name}({', '.join(fields)}): a named result tuple."}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: self[i])
    return type(name, (tuple,), ns)


slogdet = _structseq("slogdet", ("sign", "logabsdet"))
linalg_slogdet = _structseq("linalg_slogdet", ("sign", "logabsdet"))
qr = _structseq("qr", ("Q", "R"))
linalg_qr = _structseq("linalg_qr", ("Q", "R"))
svd = _structseq("svd", ("U", "S", "V"))
linalg_svd = _structseq("linalg_svd", ("U", "S", "Vh"))
linalg_eigh = _structseq("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_inv_ex = _structseq("linalg_inv_ex", ("inverse", "info"))
linalg_solve_ex = _structseq("linalg_solve_ex", ("result", "info"))
linalg_cholesky_ex = _structseq("linalg_cholesky_ex", ("L", "info"))
linalg_lu_factor = _structseq("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _structseq("linalg_lu_factor_ex", ("LU", "pivots", "info"))
lu_unpack = _structseq("lu_unpack", ("P", "L", "U"))
linalg_lstsq = _structseq("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
# issue 10's scans and order statistics (smalltorch._compose)
cummax = _structseq("cummax", ("values", "indices"))
cummin = _structseq("cummin", ("values", "indices"))
median = _structseq("median", ("values", "indices"))
nanmedian = _structseq("nanmedian", ("values", "indices"))
kthvalue = _structseq("kthvalue", ("values", "indices"))
mode = _structseq("mode", ("values", "indices"))
