"""Issue 11 §2: nn.Bilinear / F.bilinear, nn.LazyLinear, nn.ParameterList, nn.ParameterDict, nn.init.orthogonal_ /
sparse_ / dirac_ and nn.utils.rnn.pad_sequence against torch.nn."""

import math

import numpy as np
import pytest

import smalltorch
import smalltorch.nn as nn
import smalltorch.nn.functional as F
from smalltorch.nn.utils.rnn import pad_sequence


def _st(t):
    return smalltorch.from_numpy(t.detach().numpy().copy())


def _np(t):
    return t.detach().numpy()


def _copy_weights(src_torch, dst):
    with smalltorch.no_grad():
        for (n1, p1), (n2, p2) in zip(src_torch.state_dict().items(), dst.state_dict().items()):
            assert n1 == n2
            p2.copy_(_st(p1))


def _same_error(fn_ours, fn_torch):
    with pytest.raises(Exception) as ours:
        fn_ours()
    with pytest.raises(Exception) as theirs:
        fn_torch()
    assert type(ours.value).__name__ == type(theirs.value).__name__, (ours.value, theirs.value)
    return ours.value, theirs.value


# ---- Bilinear ---------------------------------------------------------------------------------------------------
def test_bilinear_repr_state_dict_and_init(torch_ref):
    for kw in ({}, {"bias": False}):
        m, tm = nn.Bilinear(3, 4, 5, **kw), torch_ref.nn.Bilinear(3, 4, 5, **kw)
        assert repr(m) == repr(tm)
        assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    m = nn.Bilinear(16, 4, 200)
    bound = 1 / math.sqrt(16)
    for p in (m.weight, m.bias):
        a = _np(p)
        assert a.min() >= -bound and a.max() <= bound and a.std() > bound / 3  # U(-b, b) has std b/sqrt(3)


@pytest.mark.parametrize("shape", [(5,), (2, 5), (2, 3, 5)])
def test_bilinear_forward_backward_match_torch(torch_ref, shape):
    tm = torch_ref.nn.Bilinear(5, 4, 3).double()
    m = nn.Bilinear(5, 4, 3, dtype=smalltorch.float64)
    _copy_weights(tm, m)
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal(shape), rng.standard_normal(shape[:-1] + (4,))
    t1, t2 = torch_ref.tensor(x1, requires_grad=True), torch_ref.tensor(x2, requires_grad=True)
    s1, s2 = smalltorch.tensor(x1, requires_grad=True), smalltorch.tensor(x2, requires_grad=True)
    ty, y = tm(t1, t2), m(s1, s2)
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-12, atol=1e-12)
    ty.sin().sum().backward()
    y.sin().sum().backward()
    for a, b in ((s1.grad, t1.grad), (s2.grad, t2.grad), (m.weight.grad, tm.weight.grad), (m.bias.grad, tm.bias.grad)):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)


def test_bilinear_gradcheck():
    from smalltorch.autograd import gradcheck
    d = smalltorch.float64
    args = (smalltorch.randn(2, 3, dtype=d, requires_grad=True), smalltorch.randn(2, 2, dtype=d, requires_grad=True),
            smalltorch.randn(4, 3, 2, dtype=d, requires_grad=True), smalltorch.randn(4, dtype=d, requires_grad=True))
    assert gradcheck(F.bilinear, args)


@pytest.mark.parametrize("case", [
    lambda L: (L.randn(2, 3), L.randn(2, 3), L.randn(4, 2, 3)),       # input1 size != weight's
    lambda L: (L.randn(2, 2), L.randn(2, 4), L.randn(4, 2, 3)),       # input2 size != weight's
    lambda L: (L.randn(2, 2), L.randn(3, 3), L.randn(4, 2, 3)),       # batch sizes differ
    lambda L: (L.randn(2, 2), L.randn(2, 1, 3), L.randn(4, 2, 3)),    # ranks differ
    lambda L: (L.randn(2, 2), L.randn(2, 3), L.randn(2, 3)),          # weight not 3-D
    lambda L: (L.randn(2, 2), L.randn(2, 3), L.randn(4, 2, 3), L.randn(3)),  # bias size != weight's
    lambda L: (L.randn(()), L.randn(()), L.randn(4, 1, 1)),           # 0-D inputs
])
def test_bilinear_errors_match_torch(torch_ref, case):
    ours, theirs = _same_error(lambda: F.bilinear(*case(smalltorch)), lambda: torch_ref.nn.functional.bilinear(
        *case(torch_ref)))
    assert str(ours) == str(theirs)


# ---- LazyLinear -------------------------------------------------------------------------------------------------
def test_lazy_linear_before_and_after_first_call(torch_ref):
    for kw in ({}, {"bias": False}):
        m, tm = nn.LazyLinear(4, **kw), torch_ref.nn.LazyLinear(4, **kw)
        assert repr(m) == repr(tm)
        assert repr(m.state_dict()) == repr(tm.state_dict())
        assert repr(m.weight) == repr(tm.weight) == "<UninitializedParameter>"
        assert isinstance(m.weight, nn.UninitializedParameter) and isinstance(m.weight, nn.Parameter)
        assert m.has_uninitialized_params()
        _same_error(lambda: m.weight.shape, lambda: tm.weight.shape)
        y, ty = m(smalltorch.randn(2, 3)), tm(torch_ref.randn(2, 3))
        assert tuple(y.shape) == tuple(ty.shape) == (2, 4)
        assert repr(m) == repr(tm) and type(m) is nn.Linear and type(tm) is torch_ref.nn.Linear
        assert type(m.weight) is nn.Parameter and m.weight.requires_grad
        assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
        assert abs(_np(m.weight)).max() <= 1 / math.sqrt(3)  # Linear's init with in_features from the input


def test_lazy_linear_materialises_from_load_state_dict(torch_ref):
    src = nn.Linear(3, 4, dtype=smalltorch.float64)
    m = nn.LazyLinear(4, dtype=smalltorch.float64)
    m.load_state_dict(src.state_dict())
    tm = torch_ref.nn.LazyLinear(4)
    tm.load_state_dict(torch_ref.nn.Linear(3, 4).state_dict())
    assert repr(m) == repr(tm) and type(m) is nn.LazyLinear
    x = smalltorch.randn(2, 3, dtype=smalltorch.float64)
    np.testing.assert_allclose(_np(m(x)), _np(src(x)))
    assert type(m) is nn.Linear and m.in_features == 3
    assert len(list(m.parameters())) == 2


def test_lazy_linear_keeps_the_dtype_set_before_materialising(torch_ref):
    m, tm = nn.LazyLinear(3).double(), torch_ref.nn.LazyLinear(3).double()
    assert type(m.weight) is nn.UninitializedParameter and repr(m.state_dict()) == repr(tm.state_dict())
    m(smalltorch.randn(2, 5, dtype=smalltorch.float64))
    tm(torch_ref.randn(2, 5, dtype=torch_ref.float64))
    assert str(m.weight.dtype) == "smalltorch.float64" and str(tm.weight.dtype) == "torch.float64"
    assert tuple(m.weight.shape) == tuple(tm.weight.shape) == (3, 5)


# ---- ParameterList ----------------------------------------------------------------------------------------------
def _plain(s):
    return s.replace("smalltorch.", "torch.")


def test_parameter_list_repr_state_dict_and_indexing(torch_ref):
    def build(lib):
        pl = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(4, dtype=lib.float64)])
        pl.append(lib.ones(1))
        pl.extend([lib.nn.Parameter(lib.ones(2), requires_grad=False), "x", 3])
        pl += [lib.ones(())]
        return pl
    pl, tpl = build(smalltorch), build(torch_ref)
    assert _plain(repr(pl)) == repr(tpl)
    assert list(pl.state_dict()) == list(tpl.state_dict())
    assert [n for n, _ in pl.named_parameters()] == [n for n, _ in tpl.named_parameters()]
    assert len(pl) == len(tpl) == 7
    assert type(pl[1]) is nn.Parameter and pl[1].requires_grad and pl[1].dtype == smalltorch.float64
    assert not pl[3].requires_grad and pl[4] == "x" and pl[-2] == 3
    assert [type(v).__name__ for v in pl] == [type(v).__name__ for v in tpl]
    sub, tsub = pl[1:5:2], tpl[1:5:2]
    assert type(sub) is nn.ParameterList and _plain(repr(sub)) == repr(tsub)
    pl[0] = smalltorch.full((5,), 2.0)
    assert type(pl[0]) is nn.Parameter and tuple(pl[0].shape) == (5,)
    assert pl.state_dict()["0"].shape == (5,)
    _same_error(lambda: pl[7], lambda: tpl[7])
    _same_error(lambda: pl.extend(smalltorch.ones(2)), lambda: tpl.extend(torch_ref.ones(2)))
    _same_error(lambda: pl.extend(3), lambda: tpl.extend(3))
    _same_error(lambda: pl(1), lambda: tpl(1))
    assert repr(nn.ParameterList()) == repr(torch_ref.nn.ParameterList()) == "ParameterList()"


def test_parameter_list_in_a_module_trains(torch_ref):
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = nn.ParameterList([nn.Parameter(smalltorch.ones(2)) for _ in range(3)])

        def forward(self):
            return sum((p * (i + 1)).sum() for i, p in enumerate(self.ps))
    m = M()
    assert [n for n, _ in m.named_parameters()] == ["ps.0", "ps.1", "ps.2"]
    m().backward()
    assert [_np(p.grad).tolist() for p in m.ps] == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    m2 = M()
    m2.load_state_dict({k: v * 3 for k, v in m.state_dict().items()})
    assert _np(m2.ps[2]).tolist() == [3.0, 3.0]


# ---- ParameterDict ----------------------------------------------------------------------------------------------
def test_parameter_dict_repr_state_dict_and_dict_methods(torch_ref):
    def build(lib):
        pd = lib.nn.ParameterDict({"z": lib.ones(2), "a": lib.nn.Parameter(lib.zeros(3, 2, dtype=lib.float64))})
        pd.update([("m", lib.ones(1)), ("k", 5)])
        pd["b"] = lib.nn.Parameter(lib.ones(2), requires_grad=False)
        return pd
    pd, tpd = build(smalltorch), build(torch_ref)
    assert _plain(repr(pd)) == repr(tpd)
    assert list(pd.keys()) == list(tpd.keys()) == ["a", "z", "m", "k", "b"]  # a plain dict is added sorted
    assert list(pd.state_dict()) == list(tpd.state_dict())
    assert type(pd["z"]) is nn.Parameter and pd["k"] == 5 and "m" in pd and "q" not in pd
    assert pd.get("q", 7) == 7 and len(pd) == 5
    assert list(reversed(pd)) == list(reversed(tpd))
    k, v = pd.popitem()
    tk, tv = tpd.popitem()
    assert k == tk == "b" and not v.requires_grad
    assert _np(pd.pop("m")).tolist() == [1.0] and "m" not in pd and "m" not in dict(pd.named_parameters())
    assert pd.setdefault("n", smalltorch.ones(3)).shape == (3,) and type(pd["n"]) is nn.Parameter
    merged = pd | nn.ParameterDict({"w": smalltorch.ones(1)})
    assert type(merged) is nn.ParameterDict and list(merged.keys()) == ["a", "z", "k", "n", "w"]
    assert list(pd.copy().keys()) == list(pd.keys())
    assert list(pd.fromkeys(["x", "y"]).keys()) == ["x", "y"]
    _same_error(lambda: pd[1], lambda: tpd[1])
    _same_error(lambda: pd.update(3), lambda: tpd.update(3))
    _same_error(lambda: pd.update([("a", 1, 2)]), lambda: tpd.update([("a", 1, 2)]))
    _same_error(lambda: pd(1), lambda: tpd(1))
    _same_error(lambda: pd["nope"], lambda: tpd["nope"])
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == [] and repr(pd) == "ParameterDict()"


# ---- nn.init ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 3), (3, 6), (4, 4), (4, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(torch_ref, shape):
    w = smalltorch.empty(shape, dtype=smalltorch.float64)
    assert nn.init.orthogonal_(w, gain=2.0) is w
    m = _np(w).reshape(shape[0], -1)
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-10)
    _same_error(lambda: nn.init.orthogonal_(smalltorch.ones(3)), lambda: torch_ref.nn.init.orthogonal_(
        torch_ref.ones(3)))


def test_sparse_zeroes_the_fraction_of_each_column(torch_ref):
    w = smalltorch.empty(10, 4)
    nn.init.sparse_(w, 0.25, std=0.5)
    zeros = (_np(w) == 0).sum(0)
    assert zeros.tolist() == [3, 3, 3, 3]  # ceil(0.25 * 10)
    _same_error(lambda: nn.init.sparse_(smalltorch.ones(3), 0.1), lambda: torch_ref.nn.init.sparse_(
        torch_ref.ones(3), 0.1))


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 2, 3, 3), 2), ((3, 5, 2, 3, 1), 1), ((4, 2, 5), 2)])
def test_dirac_matches_torch(torch_ref, shape, groups):
    w, tw = smalltorch.empty(shape), torch_ref.empty(shape)
    nn.init.dirac_(w, groups)
    torch_ref.nn.init.dirac_(tw, groups)
    np.testing.assert_array_equal(_np(w), _np(tw))


def test_dirac_errors_match_torch(torch_ref):
    _same_error(lambda: nn.init.dirac_(smalltorch.ones(3, 3)), lambda: torch_ref.nn.init.dirac_(torch_ref.ones(3, 3)))
    _same_error(lambda: nn.init.dirac_(smalltorch.ones(3, 3, 3), groups=2),
                lambda: torch_ref.nn.init.dirac_(torch_ref.ones(3, 3, 3), groups=2))


# ---- pad_sequence -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(torch_ref, batch_first, side):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((n, 2, 3)) for n in (3, 1, 5)]
    ours = pad_sequence([smalltorch.tensor(a) for a in arrays], batch_first=batch_first, padding_value=-1.5,
                        padding_side=side)
    theirs = torch_ref.nn.utils.rnn.pad_sequence([torch_ref.tensor(a) for a in arrays], batch_first=batch_first,
                                                 padding_value=-1.5, padding_side=side)
    np.testing.assert_array_equal(_np(ours), _np(theirs))
    xs = [smalltorch.tensor(a, requires_grad=True) for a in arrays]
    pad_sequence(xs, batch_first).sum().backward()
    assert all(_np(x.grad).tolist() == np.ones_like(a).tolist() for x, a in zip(xs, arrays))


def test_pad_sequence_errors_match_torch(torch_ref):
    tp = torch_ref.nn.utils.rnn.pad_sequence
    _same_error(lambda: pad_sequence([]), lambda: tp([]))
    _same_error(lambda: pad_sequence([smalltorch.ones(2)], padding_side="x"), lambda: tp([torch_ref.ones(2)],
                                                                                       padding_side="x"))
    _same_error(lambda: pad_sequence([smalltorch.ones(2, 3), smalltorch.ones(2, 4)]),
                lambda: tp([torch_ref.ones(2, 3), torch_ref.ones(2, 4)]))
    np.testing.assert_array_equal(_np(pad_sequence(smalltorch.ones(2, 3))), _np(tp(torch_ref.ones(2, 3))))


def test_size_and_stride_of_a_0d_tensor_raise_index_error(torch_ref):
    """Tensor.size(d) / stride(d) on a 0-d tensor read past the (empty) sizes before: now IndexError as torch."""
    for d in (-1, 0):
        for name in ("size", "stride"):
            _same_error(lambda: getattr(smalltorch.tensor(1.0), name)(d),
                        lambda: getattr(torch_ref.tensor(1.0), name)(d))
    assert smalltorch.tensor(1.0).sum(-1).dim() == 0  # dims -1 and 0 stay valid for reductions


# ---- PackedSequence ---------------------------------------------------------------------------------------------
def _packed_pair(torch_ref, lengths, enforce_sorted, batch_first=False, seed=2):
    from smalltorch.nn.utils.rnn import pack_padded_sequence
    rng = np.random.default_rng(seed)
    shape = (len(lengths), max(lengths) + 1, 2) if batch_first else (max(lengths) + 1, len(lengths), 2)
    x = rng.standard_normal(shape)
    s, t = smalltorch.tensor(x, requires_grad=True), torch_ref.tensor(x, requires_grad=True)
    p = pack_padded_sequence(s, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    tp = torch_ref.nn.utils.rnn.pack_padded_sequence(t, torch_ref.tensor(lengths), batch_first=batch_first,
                                                     enforce_sorted=enforce_sorted)
    return (s, p), (t, tp)


def _same_packing(p, tp):
    np.testing.assert_array_equal(_np(p.data), _np(tp.data))
    assert p.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in ((p.sorted_indices, tp.sorted_indices), (p.unsorted_indices, tp.unsorted_indices)):
        assert (a is None and b is None) or a.tolist() == b.tolist()


@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 3, 1], True), ([2, 5, 3, 1], False), ([3], True)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_packed_match_torch(torch_ref, lengths, enforce_sorted, batch_first):
    from smalltorch.nn.utils.rnn import PackedSequence, pad_packed_sequence
    (s, p), (t, tp) = _packed_pair(torch_ref, lengths, enforce_sorted, batch_first)
    assert isinstance(p, PackedSequence) and isinstance(p, tuple) and p._fields == tp._fields
    _same_packing(p, tp)
    for kw in ({}, {"padding_value": -2.0, "total_length": max(lengths) + 2}):
        out, n = pad_packed_sequence(p, batch_first=batch_first, **kw)
        tout, tn = torch_ref.nn.utils.rnn.pad_packed_sequence(tp, batch_first=batch_first, **kw)
        np.testing.assert_array_equal(_np(out), _np(tout))
        assert n.tolist() == tn.tolist() == list(lengths) and n.dtype == smalltorch.int64
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(_np(s.grad), _np(t.grad))


def test_pack_sequence_and_unpack_match_torch(torch_ref):
    from smalltorch.nn.utils.rnn import pack_sequence, unpack_sequence, unpad_sequence
    arrays = [np.arange(n * 2.0).reshape(n, 2) for n in (2, 4, 1)]
    p = pack_sequence([smalltorch.tensor(a) for a in arrays], enforce_sorted=False)
    tp = torch_ref.nn.utils.rnn.pack_sequence([torch_ref.tensor(a) for a in arrays], enforce_sorted=False)
    _same_packing(p, tp)
    assert [_np(x).tolist() for x in unpack_sequence(p)] == [a.tolist() for a in arrays]
    padded = pad_sequence([smalltorch.tensor(a) for a in arrays], batch_first=True)
    assert [_np(x).tolist() for x in unpad_sequence(padded, smalltorch.tensor([2, 4, 1]), batch_first=True)] == \
        [a.tolist() for a in arrays]


def test_pack_errors_match_torch(torch_ref):
    from smalltorch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    tpack = torch_ref.nn.utils.rnn.pack_padded_sequence
    x, tx = smalltorch.zeros(4, 3, 2), torch_ref.zeros(4, 3, 2)
    _same_error(lambda: pack_padded_sequence(x, [1, 3, 2]), lambda: tpack(tx, [1, 3, 2]))
    _same_error(lambda: pack_padded_sequence(x, [3, 2]), lambda: tpack(tx, [3, 2]))
    _same_error(lambda: pack_padded_sequence(x, [3, 2, 0]), lambda: tpack(tx, [3, 2, 0]))
    _same_error(lambda: pad_packed_sequence(pack_padded_sequence(x, [3, 2, 1]), total_length=2),
                lambda: torch_ref.nn.utils.rnn.pad_packed_sequence(tpack(tx, [3, 2, 1]), total_length=2))


@pytest.mark.parametrize("cls,kw", [("LSTM", {"num_layers": 2, "bidirectional": True}), ("GRU", {}),
                                    ("RNN", {"bidirectional": True}), ("LSTM", {"batch_first": True})])
@pytest.mark.parametrize("with_hx", [False, True])
def test_recurrent_layers_take_packed_sequences_as_torch(torch_ref, cls, kw, with_hx):
    tm = getattr(torch_ref.nn, cls)(2, 3, **kw).double()
    m = getattr(nn, cls)(2, 3, dtype=smalltorch.float64, **kw)
    _copy_weights(tm, m)
    (s, p), (t, tp) = _packed_pair(torch_ref, [2, 5, 3], False, kw.get("batch_first", False))
    args, targs = (), ()
    if with_hx:
        layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
        h0 = np.random.default_rng(4).standard_normal((layers, 3, 3))
        args, targs = ((smalltorch.tensor(h0),), (torch_ref.tensor(h0),))
        if cls == "LSTM":
            args, targs = ((args[0], args[0] * 0.5),), ((targs[0], targs[0] * 0.5),)
    out, h = m(p, *args)
    tout, th = tm(tp, *targs)
    assert type(out).__name__ == "PackedSequence"
    np.testing.assert_allclose(_np(out.data), _np(tout.data), rtol=1e-10, atol=1e-12)
    assert out.batch_sizes.tolist() == tout.batch_sizes.tolist()
    assert out.sorted_indices.tolist() == tout.sorted_indices.tolist()
    hs, ths = (h if cls == "LSTM" else (h,)), (th if cls == "LSTM" else (th,))
    for a, b in zip(hs, ths):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)
    (out.data.sin().sum() + sum(a.sum() for a in hs)).backward()
    (tout.data.sin().sum() + sum(b.sum() for b in ths)).backward()
    np.testing.assert_allclose(_np(s.grad), _np(t.grad), rtol=1e-10, atol=1e-12)
    for a, b in zip(m.parameters(), tm.parameters()):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=1e-10, atol=1e-12)
