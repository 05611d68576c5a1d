"""smalltorch.utils.data against torch.utils.data: batches, collation, samplers, splits, errors; the D2L example."""

import collections
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import smalltorch
from smalltorch.utils import data
from conftest import subprocess_env

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "linear_regression.py")

Point = collections.namedtuple("Point", "x y")


def _as_plain(obj):
    """Nested batch -> nested python values (tensors become (dtype name, list)) for comparing across libraries."""
    if hasattr(obj, "numpy") and hasattr(obj, "dtype"):
        return (str(obj.dtype).split(".")[-1], obj.detach().numpy().tolist())
    if isinstance(obj, dict):
        return {"__type__": type(obj).__name__, **{k: _as_plain(v) for k, v in obj.items()}}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [_as_plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_as_plain(v) for v in obj])
    return obj


def _samples(lib):
    return [{"a": lib.arange(3) * i, "n": np.arange(2.0) + i, "t": (i, 2.5 * i, i % 2 == 0), "p": Point(i, np.float32(i)),
             "s": f"s{i}", "l": [np.int64(i), lib.tensor([float(i)])]} for i in range(7)]


def test_default_collate_matches_torch(torch_ref):
    ours = data.default_collate(_samples(smalltorch))
    theirs = torch_ref.utils.data.default_collate(_samples(torch_ref))
    assert _as_plain(ours) == _as_plain(theirs)
    with pytest.raises(RuntimeError):
        data.default_collate([[1, 2], [1]])
    with pytest.raises(TypeError) as e:
        data.default_collate([object()])
    with pytest.raises(TypeError) as te:
        torch_ref.utils.data.default_collate([object()])
    assert str(e.value) == str(te.value)
    assert _as_plain(data.default_convert(_samples(smalltorch)[1])) == \
        _as_plain(torch_ref.utils.data.default_convert(_samples(torch_ref)[1]))


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (7, False), (10, True), (None, False)])
def test_dataloader_batches_match_torch(torch_ref, batch_size, drop_last):
    x = np.arange(14.0).reshape(7, 2)
    y = np.arange(7)

    def run(lib):
        ds = lib.utils.data.TensorDataset(lib.tensor(x), lib.tensor(y))
        dl = lib.utils.data.DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
        return len(dl), [_as_plain(b) for b in dl]

    assert run(smalltorch) == run(torch_ref)


def test_dataloader_on_plain_samples_and_custom_collate(torch_ref):
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"i": i, "sq": np.array([i * i], dtype=np.float32)}

    for kw in (dict(batch_size=2), dict(batch_size=2, collate_fn=lambda b: [s["i"] for s in b])):
        ours = [_as_plain(b) for b in data.DataLoader(Squares(), **kw)]
        theirs = [_as_plain(b) for b in torch_ref.utils.data.DataLoader(Squares(), **kw)]
        assert ours == theirs
    sampler = data.BatchSampler(data.SequentialSampler(range(5)), 2, drop_last=False)
    tsampler = torch_ref.utils.data.BatchSampler(torch_ref.utils.data.SequentialSampler(range(5)), 2, False)
    assert list(sampler) == list(tsampler) and len(sampler) == len(tsampler)
    assert [_as_plain(b) for b in data.DataLoader(Squares(), batch_sampler=sampler)] == \
        [_as_plain(b) for b in torch_ref.utils.data.DataLoader(Squares(), batch_sampler=tsampler)]
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator"):
        ours = [_as_plain(b) for b in data.DataLoader(Squares(), sampler=[4, 0], batch_size=2, pin_memory=True)]
    assert ours == [_as_plain(b) for b in torch_ref.utils.data.DataLoader(Squares(), sampler=[4, 0], batch_size=2)]


def test_iterable_dataset(torch_ref):
    def make(lib):
        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(7))
        return Stream()

    for kw in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)):
        assert [_as_plain(b) for b in data.DataLoader(make(smalltorch), **kw)] == \
            [_as_plain(b) for b in torch_ref.utils.data.DataLoader(make(torch_ref), **kw)]
    with pytest.raises(ValueError):
        data.DataLoader(make(smalltorch), shuffle=True)


def test_shuffle_is_a_permutation_reproducible_with_manual_seed():
    ds = data.TensorDataset(smalltorch.arange(50))

    def epoch():
        return [i for (b,) in data.DataLoader(ds, batch_size=8, shuffle=True) for i in b.tolist()]

    smalltorch.manual_seed(3)
    first, second = epoch(), epoch()
    assert sorted(first) == list(range(50)) and first != list(range(50)) and first != second
    smalltorch.manual_seed(3)
    assert epoch() == first
    smalltorch.manual_seed(3)
    s = list(data.RandomSampler(range(10), replacement=True, num_samples=30))
    assert len(s) == 30 and all(0 <= i < 10 for i in s)
    assert len(list(data.RandomSampler(range(10), num_samples=25))) == 25


def test_datasets_subset_concat_random_split(torch_ref):
    ds = data.TensorDataset(smalltorch.arange(10), smalltorch.arange(10) * 2)
    assert len(ds) == 10 and [t.item() for t in ds[3]] == [3, 6]
    with pytest.raises(AssertionError):
        data.TensorDataset(smalltorch.ones(2), smalltorch.ones(3))
    sub = data.Subset(ds, [9, 0, 4])
    assert len(sub) == 3 and sub[0][0].item() == 9
    cat = data.ConcatDataset([sub, ds])
    tcat = torch_ref.utils.data.ConcatDataset([torch_ref.utils.data.Subset(list(range(10)), [9, 0, 4]), list(range(10))])
    assert len(cat) == len(tcat) == 13 and cat.cumulative_sizes == tcat.cumulative_sizes
    assert cat[4][0].item() == tcat[4] and cat[-1][0].item() == tcat[-1]
    assert len(sub + ds) == 13
    smalltorch.manual_seed(0)
    for lengths in ([3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [0.33, 0.33, 0.34]):
        parts = data.random_split(range(10), lengths)
        tparts = torch_ref.utils.data.random_split(range(10), lengths)
        assert [len(p) for p in parts] == [len(p) for p in tparts]
        assert sorted(i for p in parts for i in p) == list(range(10))
    for bad in ([3, 3], [1.2, -0.2]):
        with pytest.raises(ValueError):
            data.random_split(range(10), bad)
        with pytest.raises(ValueError):
            torch_ref.utils.data.random_split(range(10), bad)


def test_dataloader_argument_errors(torch_ref):
    ds = list(range(4))
    for kwargs in (dict(sampler=[0], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
                   dict(batch_size=None, drop_last=True), dict(num_workers=-1), dict(persistent_workers=True),
                   dict(prefetch_factor=2)):
        with pytest.raises(ValueError):
            torch_ref.utils.data.DataLoader(ds, **kwargs)
        with pytest.raises(ValueError):
            data.DataLoader(ds, **kwargs)
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError):
            data.BatchSampler(range(3), bad, False)


def _run(source, tmp_path, name):
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                       env=subprocess_env(), cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    return r.stdout


def _structure(out):
    """The printed text with every number replaced by N, the library name removed, and no padding (the values are
    random: their widths differ); line breaks stay."""
    text = re.sub(r"-?\d+(\.\d+)?(e[+-]\d+)?", "N", out.replace("smalltorch.", "torch."))
    return [re.sub(r"[ \t]+", "", line) for line in text.splitlines()]


def test_linear_regression_example_learns_and_prints_as_torch(torch_ref, tmp_path):
    source = open(EXAMPLE, encoding="utf-8").read()
    out = _run(source, tmp_path, "ours.py")
    w_err = re.search(r"error in estimating w: tensor\(\[(.*)\]\)", out).group(1)
    b_err = re.search(r"error in estimating b: tensor\(\[(.*)\]\)", out).group(1)
    assert all(abs(float(v)) < 0.01 for v in w_err.split(",")) and abs(float(b_err)) < 0.01, out
    losses = [float(v) for v in re.findall(r"loss (\S+)", out)]
    assert len(losses) == 3 and losses[-1] < 1e-3
    torch_source = re.sub(r"^import smalltorch as torch$", "import torch", source, flags=re.M)
    torch_source = re.sub(r"^from smalltorch", "from torch", torch_source, flags=re.M)
    assert torch_source.count("smalltorch") == source.count("smalltorch") - 3
    theirs = _run(torch_source, tmp_path, "theirs.py")
    assert _structure(out) == _structure(theirs)


# --- generator reproducibility, WeightedRandomSampler, the TensorDataset fast path, more datasets -----------------

from smalltorch.utils.data._generator import Generator  # noqa: E402  (PyTorch's CPU stream, for generator=)


def test_samplers_with_a_generator_give_torchs_order(torch_ref):
    tdata = torch_ref.utils.data
    for seed in (0, 7, 2**40 + 3):
        def both(make):
            return make(data, Generator().manual_seed(seed)), make(tdata, torch_ref.Generator().manual_seed(seed))
        for make in (lambda d, g: list(d.RandomSampler(range(13), generator=g)),
                     lambda d, g: list(d.RandomSampler(range(13), num_samples=30, generator=g)),
                     lambda d, g: list(d.RandomSampler(range(13), replacement=True, num_samples=70, generator=g)),
                     lambda d, g: list(d.SubsetRandomSampler([5, 9, 2, 7, 1], generator=g)),
                     lambda d, g: list(d.WeightedRandomSampler([0.1, 0.9, 0.0, 0.7, 3.0], 40, generator=g)),
                     lambda d, g: [list(p) for p in d.random_split(range(10), [3, 7], generator=g)],
                     lambda d, g: [list(p) for p in d.random_split(range(11), [0.3, 0.3, 0.4], generator=g)]):
            a, b = both(make)
            assert a == b
        # a DataLoader's shuffle: the TensorDataset fast path, the generic path, and with the base seed drawn first
        x = np.arange(46.0).reshape(23, 2)

        class Rows:
            def __len__(self):
                return 23

            def __getitem__(self, i):
                return {"x": x[i], "i": i}

        for make in (lambda d, g, lib: d.DataLoader(d.TensorDataset(lib.tensor(x)), batch_size=5, shuffle=True,
                                                    generator=g),
                     lambda d, g, lib: d.DataLoader(Rows(), batch_size=4, shuffle=True, drop_last=True,
                                                    generator=g)):
            g, tg = Generator().manual_seed(seed), torch_ref.Generator().manual_seed(seed)
            ours = [[_as_plain(b) for b in make(data, g, smalltorch)] for _ in range(2)]  # two epochs
            theirs = [[_as_plain(b) for b in make(tdata, tg, torch_ref)] for _ in range(2)]
            assert ours == theirs and ours[0] != ours[1]
    g = Generator().manual_seed(5)
    assert g.initial_seed() == torch_ref.Generator().manual_seed(5).initial_seed() == 5
    assert Generator().initial_seed() == torch_ref.Generator().initial_seed()
    state = g.get_state()
    first = list(data.RandomSampler(range(9), generator=g))
    assert list(data.RandomSampler(range(9), generator=g.set_state(state))) == first
    with pytest.raises(TypeError):
        data.RandomSampler(range(3), generator=object())


def test_weighted_random_sampler_matches_torch(torch_ref):
    tdata = torch_ref.utils.data
    for args, kwargs in (((range(3), 0), {}), (([1.0, 2.0], 2.5), {}), (([1.0, 2.0], True), {}),
                         (([1.0, 2.0], 2), {"replacement": 1}), (([[1.0, 2.0]], 2), {})):
        with pytest.raises(ValueError) as te:
            tdata.WeightedRandomSampler(*args, **kwargs)
        with pytest.raises(ValueError) as e:
            data.WeightedRandomSampler(*args, **kwargs)
        assert str(e.value) == str(te.value)
    for weights, n, replacement in (([1.0, -1.0], 2, True), ([0.0, 0.0], 1, True), ([1.0, float("nan")], 1, True),
                                    ([1.0, float("inf")], 1, False), ([1.0, -1.0], 1, False), ([0.0, 0.0], 1, False),
                                    ([1.0, 2.0], 3, False), ([0.0, float("nan")], 3, False)):
        with pytest.raises(RuntimeError) as te:
            list(tdata.WeightedRandomSampler(weights, n, replacement))
        with pytest.raises(RuntimeError) as e:
            list(data.WeightedRandomSampler(weights, n, replacement))
        assert str(e.value) == str(te.value)
    s, ts = data.WeightedRandomSampler([1, 2, 3], 5), tdata.WeightedRandomSampler([1, 2, 3], 5)
    assert len(s) == len(ts) == 5 and s.weights.dtype == smalltorch.float64
    assert s.weights.tolist() == ts.weights.tolist()
    smalltorch.manual_seed(0)
    weights = np.array([1.0, 0.0, 3.0, 6.0])
    counts = np.bincount(list(data.WeightedRandomSampler(weights, 20000)), minlength=4) / 20000
    assert np.allclose(counts, weights / weights.sum(), atol=0.02) and counts[1] == 0
    for _ in range(20):
        picks = list(data.WeightedRandomSampler(weights, 3, replacement=False))
        assert sorted(picks) == [0, 2, 3]
    # more draws than non-zero weights without replacement: PyTorch fills up with the zero-weight ones
    assert sorted(data.WeightedRandomSampler([1.0, 0.0, 0.0], 3, False)) == \
        sorted(torch_ref.utils.data.WeightedRandomSampler([1.0, 0.0, 0.0], 3, False)) == [0, 1, 2]
    assert [list(data.DataLoader(range(10), sampler=data.WeightedRandomSampler([0, 0, 1], 4), batch_size=2))[0]
            .tolist()] == [[2, 2]]


def test_tensor_dataset_fast_path_is_identical_to_collating_rows(torch_ref):
    """The loader gathers TensorDataset batches from the whole tensors; the result equals default_collate of
    the rows (what a TensorDataset subclass, read row by row, gives): values, dtypes, shapes, fresh memory, and
    the same draws from the global generator."""

    class RowByRow(data.TensorDataset):
        def __getitem__(self, i):
            return super().__getitem__(i)

    tensors = (smalltorch.arange(51.0).reshape(17, 3), smalltorch.arange(17),
               smalltorch.arange(34).reshape(17, 2) % 3 == 0)
    for shuffle in (False, True):
        for batch_size, drop_last in ((4, False), (4, True), (17, False), (1, False), (20, True)):
            runs = []
            for cls in (data.TensorDataset, RowByRow):
                smalltorch.manual_seed(11)
                batches = list(data.DataLoader(cls(*tensors), batch_size=batch_size, shuffle=shuffle,
                                               drop_last=drop_last))
                runs.append(([[(str(t.dtype), tuple(t.shape), t.is_contiguous(), t.tolist()) for t in b]
                              for b in batches], type(batches[0]).__name__ if batches else None,
                             smalltorch.rand(1).item()))
            assert runs[0] == runs[1]
    # any other index source is gathered too (same results, and dataset[i]'s errors for bad indices)
    base = smalltorch.arange(40.0).reshape(4, 10).t()  # not contiguous
    for kwargs in (dict(sampler=[3, -1, 0, 9, 9]), dict(sampler=data.WeightedRandomSampler([1.0] * 10, 7)),
                   dict(sampler=data.SubsetRandomSampler([1, 5, 7])), dict(batch_sampler=[[2, 2], [0], [9, -10]])):
        runs = []
        for cls in (data.TensorDataset, RowByRow):
            smalltorch.manual_seed(5)
            runs.append([[(str(t.dtype), tuple(t.shape), t.tolist()) for t in b]
                         for b in data.DataLoader(cls(base, tensors[1][:10]), batch_size=3 if "sampler" in kwargs
                                                  else 1, **kwargs)])
        assert runs[0] == runs[1]
    for batches in ([[True, True]], [[np.int64(3), 1]]):  # bool indices read as dataset[True]: row by row
        assert [_as_plain(b) for b in data.DataLoader(data.TensorDataset(smalltorch.arange(10)),
                                                      batch_sampler=batches)] == \
            [_as_plain(b) for b in torch_ref.utils.data.DataLoader(
                torch_ref.utils.data.TensorDataset(torch_ref.arange(10)), batch_sampler=batches)]
    for bad in ([[10]], [[1.5]], [[-11]]):
        with pytest.raises(Exception) as te:
            list(torch_ref.utils.data.DataLoader(torch_ref.utils.data.TensorDataset(torch_ref.arange(10)),
                                                 batch_sampler=bad))
        with pytest.raises(te.type):
            list(data.DataLoader(data.TensorDataset(smalltorch.arange(10)), batch_sampler=bad))
    x = smalltorch.zeros(6, 2)
    batch = next(iter(data.DataLoader(data.TensorDataset(x), batch_size=3)))[0]
    batch += 1
    assert x.sum().item() == 0  # the batch is a copy, not a view of the dataset
    # shuffle=False batches equal PyTorch's, and a dataset needing grad keeps its graph as PyTorch's does
    assert [_as_plain(b) for b in data.DataLoader(data.TensorDataset(*tensors), batch_size=5)] == \
        [_as_plain(b) for b in torch_ref.utils.data.DataLoader(
            torch_ref.utils.data.TensorDataset(*(torch_ref.tensor(t.numpy()) for t in tensors)), batch_size=5)]
    w = smalltorch.ones(4, 2, requires_grad=True)
    tw = torch_ref.ones(4, 2, requires_grad=True)
    b = next(iter(data.DataLoader(data.TensorDataset(w), batch_size=2)))[0]
    tb = next(iter(torch_ref.utils.data.DataLoader(torch_ref.utils.data.TensorDataset(tw), batch_size=2)))[0]
    assert b.requires_grad == tb.requires_grad and (b.grad_fn is None) == (tb.grad_fn is None)


def test_stack_and_chain_datasets_match_torch(torch_ref):
    tdata = torch_ref.utils.data

    def make(d, lib):
        class Stream(d.IterableDataset):
            def __init__(self, lo, hi):
                self.lo, self.hi = lo, hi

            def __iter__(self):
                return iter(range(self.lo, self.hi))

            def __len__(self):
                return self.hi - self.lo

        tensors = d.TensorDataset(lib.arange(5), lib.arange(5) * 10)
        return {"tuple": d.StackDataset(tensors, list("abcde")), "dict": d.StackDataset(t=tensors, s=list("abcde")),
                "chain": d.ChainDataset([Stream(0, 3), Stream(10, 12)]), "plus": Stream(0, 2) + Stream(5, 7)}

    ours, theirs = make(data, smalltorch), make(tdata, torch_ref)
    for k in ours:
        assert len(ours[k]) == len(theirs[k])
        assert [_as_plain(b) for b in data.DataLoader(ours[k], batch_size=2)] == \
            [_as_plain(b) for b in tdata.DataLoader(theirs[k], batch_size=2)]
    assert _as_plain(ours["dict"][3]) == _as_plain(theirs["dict"][3])
    assert _as_plain(ours["tuple"].__getitems__([4, 0])) == _as_plain(theirs["tuple"].__getitems__([4, 0]))
    for args, kwargs in (((), {}), (([1, 2], [1]), {}), (([1],), {"b": [1]})):
        with pytest.raises(ValueError) as te:
            tdata.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as e:
            data.StackDataset(*args, **kwargs)
        assert str(e.value) == str(te.value)
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(data.ChainDataset([[1, 2]]))


def test_default_collate_keeps_mapping_types_as_torch(torch_ref):
    samples = lambda: [collections.defaultdict(list, a=i, b=[i, i]) for i in range(3)]  # noqa: E731
    ours, theirs = data.default_collate(samples()), torch_ref.utils.data.default_collate(samples())
    assert type(ours) is type(theirs) is collections.defaultdict and ours.default_factory is list
    assert _as_plain(dict(ours)) == _as_plain(dict(theirs))
    od = [collections.OrderedDict([("z", np.float32(i)), ("a", i)]) for i in range(2)]
    assert _as_plain(data.default_collate(od)) == _as_plain(torch_ref.utils.data.default_collate(od))
    assert _as_plain(data.default_convert(od[1])) == _as_plain(torch_ref.utils.data.default_convert(od[1]))
