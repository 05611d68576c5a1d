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
