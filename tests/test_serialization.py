"""smalltorch.save / smalltorch.load: PyTorch's zip checkpoint format, both ways, and the weights-only loader."""

import collections
import io
import os
import pathlib
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

import smalltorch
from smalltorch import nn, optim
from conftest import DTYPES, NP_OF, ref_dtype, subprocess_env, to_np


def round_trip(obj, **load_kwargs):
    buf = io.BytesIO()
    smalltorch.save(obj, buf)
    buf.seek(0)
    return smalltorch.load(buf, **load_kwargs)


def saved_bytes(obj):
    buf = io.BytesIO()
    smalltorch.save(obj, buf)
    return buf.getvalue()


def sample(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == smalltorch.bool:
        arr = rng.integers(0, 2, n).astype(np.bool_)
    elif dtype == smalltorch.uint8:
        arr = rng.integers(0, 256, n).astype(np.uint8)
    elif dtype in (smalltorch.int32, smalltorch.int64):
        info = np.iinfo(NP_OF[dtype])
        arr = rng.integers(info.min, info.max, n, dtype=NP_OF[dtype], endpoint=True)
    else:
        arr = (rng.standard_normal(n) * 1e3).astype(NP_OF[dtype])
    return smalltorch.from_numpy(arr.reshape(shape).copy())


def assert_same(a, b):
    """Same class, dtype, shape, strides, storage offset, requires_grad and values (bit for bit)."""
    assert type(a) is type(b)
    assert a.dtype == b.dtype and a.shape == b.shape and a.stride() == b.stride()
    assert a.storage_offset() == b.storage_offset() and a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(to_np(a), to_np(b))


def rezip(raw, replace=None, drop=()):
    """The archive rewritten by zipfile: records in `drop` left out, `replace` {record suffix: bytes} swapped in."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            suffix = info.filename.split("/", 1)[1]
            if suffix in drop:
                continue
            dst.writestr(info.filename, (replace or {}).get(suffix, src.read(info.filename)))
    return out.getvalue()


def record_data_offset(raw, name):
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len


# ---------------------------------------------------------------------------------------------------------
# round trips

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).split(".")[1])
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 4), (2, 0, 3), (2, 3, 4)], ids=str)
def test_round_trip_values_dtypes_shapes(dtype, shape):
    t = sample(dtype, shape)
    assert_same(round_trip(t), t)


def test_round_trip_non_contiguous_keeps_geometry():
    base = sample(smalltorch.float64, (6, 5))
    for view in (base.t(), base[1:5:2, ::2], base[:, 3], base[2:, 1:].permute(1, 0), base[4, 2],
                 base[:, :1].expand(6, 3)):
        got = round_trip(view)
        assert_same(got, view)


def test_views_sharing_storage_stay_shared():
    base = smalltorch.arange(24.0).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "row": base[2], "block": base[1:3, 2:5], "again": base}
    raw = saved_bytes(obj)
    names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    assert sum("/data/" in n for n in names) == 1  # one storage record for five tensors
    got = smalltorch.load(io.BytesIO(raw))
    for k in obj:
        assert_same(got[k], obj[k])
    assert got["again"] is got["base"]  # the same object saved twice loads as one object
    keys = {got[k]._storage_key() for k in got}
    assert len(keys) == 1
    got["base"][2, 3] = -1.0  # writes through one view show in the others
    assert got["row"][3].item() == -1.0 and got["t"][3, 2].item() == -1.0 and got["block"][1, 1].item() == -1.0


def test_slice_saves_its_whole_storage_as_pytorch_does():
    base = smalltorch.arange(100.0)
    got = round_trip(base[10:12])
    assert got.storage_offset() == 10 and got._storage_view().numel() == 100
    np.testing.assert_array_equal(to_np(got), [10.0, 11.0])


def test_nested_containers_and_plain_values():
    t = smalltorch.ones(2)
    obj = {"list": [1, -2, 2 ** 70, -(2 ** 65), 2.5, float("inf"), None, True, False, "text", "ünï", b"\x00\xff"],
           "tuple": (t, (1, (2, [3]))), "od": collections.OrderedDict([("z", 1), ("a", t)]),
           "set": {1, 2, 3}, "complex": 1 + 2j, "bytearray": bytearray(b"ab"), "empty": ([], {}, ()),
           "size": smalltorch.Size([2, 3]), "dtype": smalltorch.int64, "device": smalltorch.device("cpu"),
           "counter": collections.Counter("aab"), 5: "int key", (1, 2): "tuple key"}
    got = round_trip(obj)
    assert got["list"] == obj["list"] and got["set"] == obj["set"] and got["complex"] == obj["complex"]
    assert got["bytearray"] == obj["bytearray"] and type(got["bytearray"]) is bytearray
    assert got["empty"] == ([], {}, ()) and got[5] == "int key" and got[(1, 2)] == "tuple key"
    assert type(got["od"]) is collections.OrderedDict and list(got["od"]) == ["z", "a"]
    assert got["od"]["a"] is got["tuple"][0]
    assert got["tuple"][1] == (1, (2, [3]))
    assert type(got["size"]) is smalltorch.Size and got["size"] == (2, 3)
    assert got["dtype"] is smalltorch.int64 and got["device"] == smalltorch.device("cpu")
    assert got["counter"] == collections.Counter("aab") and type(got["counter"]) is collections.Counter
    for scalar in (None, 3, "s", 1.5, [smalltorch.zeros(1)]):
        assert type(round_trip(scalar)) is type(scalar)


def test_requires_grad_and_parameters_preserved():
    leaf = smalltorch.ones(3, requires_grad=True)
    nonleaf = leaf * 2  # saved as PyTorch does: a new leaf that requires grad
    p = nn.Parameter(smalltorch.arange(4.0))
    frozen = nn.Parameter(smalltorch.arange(3.0), requires_grad=False)
    got = round_trip({"leaf": leaf, "nonleaf": nonleaf, "p": p, "frozen": frozen, "plain": smalltorch.ones(1)})
    assert got["leaf"].requires_grad and got["leaf"].is_leaf
    assert got["nonleaf"].requires_grad and got["nonleaf"].is_leaf and got["nonleaf"].grad_fn is None
    assert type(got["p"]) is nn.Parameter and got["p"].requires_grad
    assert type(got["frozen"]) is nn.Parameter and not got["frozen"].requires_grad
    assert not got["plain"].requires_grad
    np.testing.assert_array_equal(to_np(got["nonleaf"]), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(to_np(got["p"]), [0.0, 1.0, 2.0, 3.0])


def test_tensor_and_parameter_attributes_round_trip():
    t = smalltorch.ones(2)
    t.note = "kept"
    p = nn.Parameter(smalltorch.ones(1))
    p.tag = 3
    got = round_trip({"t": t, "p": p})
    assert got["t"].note == "kept" and got["p"].tag == 3 and type(got["p"]) is nn.Parameter
    np.testing.assert_array_equal(to_np(got["t"]), [1.0, 1.0])


def test_tensor_and_parameter_attributes_cross_both_ways(torch_ref):
    t = smalltorch.ones(2)
    t.note = "kept"
    p = nn.Parameter(smalltorch.ones(1))
    p.tag = 3
    got = torch_ref.load(io.BytesIO(saved_bytes({"t": t, "p": p})))
    assert got["t"].note == "kept" and got["p"].tag == 3 and type(got["p"]) is torch_ref.nn.Parameter
    tt = torch_ref.ones(2)
    tt.note = "x"
    tp = torch_ref.nn.Parameter(torch_ref.ones(1))
    tp.tag = 4
    buf = io.BytesIO()
    torch_ref.save({"t": tt, "p": tp}, buf)
    buf.seek(0)
    back = smalltorch.load(buf)
    assert back["t"].note == "x" and back["p"].tag == 4 and type(back["p"]) is nn.Parameter


def test_paths_pathlib_and_file_objects(tmp_path):
    t = sample(smalltorch.float32, (3, 2))
    for target in (str(tmp_path / "a.pt"), tmp_path / "b.pt"):
        smalltorch.save(t, target)
        assert_same(smalltorch.load(target), t)
        assert_same(smalltorch.load(str(target)), t)
    with open(tmp_path / "c.pt", "wb") as f:
        smalltorch.save(t, f)
    with open(tmp_path / "c.pt", "rb") as f:
        assert_same(smalltorch.load(f), t)
    # the archive's folder is the file's stem for a path, "archive" for a file object (as PyTorch writes)
    assert zipfile.ZipFile(tmp_path / "a.pt").namelist()[0].startswith("a/")
    assert zipfile.ZipFile(tmp_path / "c.pt").namelist()[0].startswith("archive/")


def test_non_seekable_file_object_loads():
    raw = saved_bytes({"x": smalltorch.arange(5)})

    class Stream:
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def read(self, n=-1):
            return self.inner.read(n)

    np.testing.assert_array_equal(to_np(smalltorch.load(Stream(raw))["x"]), np.arange(5))


@pytest.mark.parametrize("numel", [10, 3_000_000], ids=["small", "large"])
def test_a_failing_write_raises(numel):
    # large saves write from a helper thread: its error must still reach the caller
    class Full(io.BytesIO):
        def write(self, b):
            if self.tell() + memoryview(b).nbytes > 1_000_000 or numel == 10:
                raise OSError(28, "No space left on device")
            return super().write(b)

    with pytest.raises(OSError, match="No space left"):
        smalltorch.save({"w": smalltorch.ones(numel)}, Full())


def test_large_save_to_path_and_file_object_match(tmp_path):
    t = sample(smalltorch.float32, (3_000_000,))
    smalltorch.save({"w": t, "v": t[5:]}, tmp_path / "big.pt")
    buf = io.BytesIO()
    smalltorch.save({"w": t, "v": t[5:]}, buf)
    raw = (tmp_path / "big.pt").read_bytes()
    for data in (raw, buf.getvalue()):
        got = smalltorch.load(io.BytesIO(data))
        assert_same(got["w"], t)
        assert_same(got["v"], t[5:])
        z = zipfile.ZipFile(io.BytesIO(data))
        for info in z.infolist():
            assert record_data_offset(data, info.filename) % 64 == 0


def test_torch_loads_large_smalltorch_file(torch_ref, tmp_path):
    t = sample(smalltorch.float64, (1_500_000,))  # 12 MB: written in chunks by the helper thread
    smalltorch.save({"w": t, "v": t[7:]}, tmp_path / "big.pt")
    for got in (torch_ref.load(tmp_path / "big.pt"), torch_ref.load(tmp_path / "big.pt", mmap=True)):
        np.testing.assert_array_equal(got["w"].numpy(), to_np(t))
        assert got["v"].storage_offset() == 7 and torch_ref.equal(got["v"], got["w"][7:])


def test_zip64_records_stay_aligned(monkeypatch, torch_ref):
    # records over zipfile's ZIP64 limit (2 GiB; lowered here) get a 20-byte zip64 extra field in their local
    # header, which the alignment padding must account for
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    t = sample(smalltorch.float64, (500,))
    raw = saved_bytes({"w": t, "s": smalltorch.ones(2)})
    monkeypatch.undo()
    z = zipfile.ZipFile(io.BytesIO(raw))
    info = z.getinfo("archive/data/0")
    assert info.file_size == 4000 and record_data_offset(raw, info.filename) % 64 == 0
    header = raw[info.header_offset:record_data_offset(raw, info.filename)]
    assert struct.pack("<HH", 1, 16) in header  # the zip64 extra field is there
    assert_same(smalltorch.load(io.BytesIO(raw))["w"], t)
    np.testing.assert_array_equal(torch_ref.load(io.BytesIO(raw))["w"].numpy(), to_np(t))


def test_records_are_aligned_and_stored_uncompressed():
    obj = {f"t{i}": smalltorch.ones(i + 1) for i in range(5)}
    raw = saved_bytes(obj)
    z = zipfile.ZipFile(io.BytesIO(raw))
    names = [i.filename.split("/", 1)[1] for i in z.infolist()]
    assert names[0] == "data.pkl" and {"byteorder", "version", ".format_version", ".storage_alignment"} <= set(names)
    for info in z.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        assert record_data_offset(raw, info.filename) % 64 == 0, info.filename
    assert z.read("archive/byteorder").decode() == sys.byteorder


def test_mmap_loads_copy_on_write(tmp_path):
    path = tmp_path / "m.pt"
    base = smalltorch.arange(10.0)
    smalltorch.save({"a": base, "b": base[3:]}, path)
    got = smalltorch.load(path, mmap=True)
    assert_same(got["b"], base[3:])
    assert got["a"]._storage_key() == got["b"]._storage_key()
    got["a"][4] = 100.0  # private copy: the file keeps its bytes
    assert got["b"][1].item() == 100.0
    assert smalltorch.load(path)["a"][4].item() == 4.0
    with pytest.raises(ValueError, match="file path"):
        smalltorch.load(io.BytesIO(path.read_bytes()), mmap=True)


# ---------------------------------------------------------------------------------------------------------
# nn / optim state

def make_model():
    smalltorch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def train(model, opt, steps):
    x = smalltorch.arange(15.0).reshape(5, 3) / 10
    for _ in range(steps):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()


def test_module_state_dict_round_trip(tmp_path):
    model = make_model()
    sd = model.state_dict()
    smalltorch.save(sd, tmp_path / "m.pt")
    got = smalltorch.load(tmp_path / "m.pt")
    assert type(got) is collections.OrderedDict and list(got) == list(sd)
    assert got._metadata == sd._metadata
    for k in sd:
        assert_same(got[k], sd[k])
    smalltorch.manual_seed(1)
    other = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    other.load_state_dict(got)
    x = smalltorch.ones(2, 3)
    np.testing.assert_array_equal(to_np(other(x)), to_np(model(x)))


@pytest.mark.parametrize("make_opt", [lambda p: optim.Adam(p, lr=0.01), lambda p: optim.SGD(p, lr=0.1, momentum=0.9)],
                         ids=["Adam", "SGD"])
def test_optimizer_state_dict_round_trip(make_opt, tmp_path):
    model = make_model()
    opt = make_opt(model.parameters())
    train(model, opt, 3)
    smalltorch.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "ckpt.pt")
    ckpt = smalltorch.load(tmp_path / "ckpt.pt")
    assert ckpt["optim"]["param_groups"] == opt.state_dict()["param_groups"]
    model2 = make_model()
    model2.load_state_dict(ckpt["model"])
    opt2 = make_opt(model2.parameters())
    opt2.load_state_dict(ckpt["optim"])
    train(model, opt, 2)  # the resumed run continues exactly as the original
    train(model2, opt2, 2)
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(to_np(a), to_np(b))


def test_whole_module_needs_weights_only_false():
    model = make_model()
    raw = saved_bytes(model)
    with pytest.raises(pickle.UnpicklingError, match="smalltorch.nn.modules.container.Sequential"):
        smalltorch.load(io.BytesIO(raw))
    got = smalltorch.load(io.BytesIO(raw), weights_only=False)
    assert type(got) is nn.Sequential and repr(got) == repr(model)
    assert type(got[0].weight) is nn.Parameter and got[0].weight.requires_grad
    x = smalltorch.ones(2, 3)
    np.testing.assert_array_equal(to_np(got(x)), to_np(model(x)))


# ---------------------------------------------------------------------------------------------------------
# PyTorch reads smalltorch's files, smalltorch reads PyTorch's

def test_torch_loads_smalltorch_file(torch_ref, tmp_path):
    torch = torch_ref
    base = sample(smalltorch.float32, (4, 5))
    obj = {"base": base, "view": base[1:, 2:].t(), "scalar": smalltorch.tensor(3.5, dtype=smalltorch.float64),
           "empty": smalltorch.empty(0, 3), "grad": smalltorch.ones(2, requires_grad=True),
           "param": nn.Parameter(smalltorch.ones(2)), "frozen": nn.Parameter(smalltorch.ones(1), requires_grad=False),
           "nested": [(1, "a", None, 2.5), {"k": smalltorch.arange(3)}], "size": smalltorch.Size([1, 2]),
           "dtype": smalltorch.float64, "device": smalltorch.device("cpu"), "bytes": b"xy", "set": {3}}
    obj.update({f"d_{str(d).split('.')[1]}": sample(d, (2, 3)) for d in DTYPES})
    path = tmp_path / "st.pt"
    smalltorch.save(obj, path)
    for got in (torch.load(path), torch.load(path, weights_only=True, mmap=True), torch.load(str(path))):
        for k, v in obj.items():
            if isinstance(v, smalltorch.Tensor):
                g = got[k]
                assert g.dtype == ref_dtype(torch, v.dtype), k
                assert tuple(g.shape) == tuple(v.shape) and g.stride() == v.stride(), k
                assert g.storage_offset() == v.storage_offset() and g.requires_grad == v.requires_grad, k
                np.testing.assert_array_equal(g.detach().numpy(), to_np(v))
        assert got["view"].untyped_storage().data_ptr() == got["base"].untyped_storage().data_ptr()
        assert type(got["param"]) is torch.nn.Parameter and type(got["frozen"]) is torch.nn.Parameter
        assert not got["frozen"].requires_grad
        assert got["nested"][0] == (1, "a", None, 2.5) and torch.equal(got["nested"][1]["k"], torch.arange(3))
        assert got["size"] == torch.Size([1, 2]) and type(got["size"]) is torch.Size
        assert got["dtype"] is torch.float64 and got["device"] == torch.device("cpu")
        assert got["bytes"] == b"xy" and got["set"] == {3}
    with open(path, "rb") as f:
        assert torch.equal(torch.load(io.BytesIO(f.read()))["base"], torch.from_numpy(to_np(base)))


def test_smalltorch_loads_torch_file(torch_ref, tmp_path):
    torch = torch_ref
    g = torch.Generator().manual_seed(0)
    base = torch.randn(4, 5, generator=g)
    obj = {"base": base, "view": base[1:, 2:].t(), "scalar": torch.tensor(2, dtype=torch.int32),
           "empty": torch.empty(2, 0), "grad": torch.ones(2, requires_grad=True),
           "param": torch.nn.Parameter(torch.ones(3)), "frozen": torch.nn.Parameter(torch.ones(1), requires_grad=False),
           "size": torch.Size([2]), "dtype": torch.int64, "device": torch.device("cpu"),
           "misc": [1, 2.5, None, "s", (b"b",), {1}], "od": collections.OrderedDict(a=1)}
    for d in DTYPES:
        name = str(d).split(".")[1]
        obj[f"d_{name}"] = torch.from_numpy(to_np(sample(d, (3, 2))))
    path = tmp_path / "torch.pt"
    torch.save(obj, path)
    for got in (smalltorch.load(path), smalltorch.load(path, mmap=True), smalltorch.load(path, weights_only=False)):
        for k, v in obj.items():
            if isinstance(v, torch.Tensor):
                s = got[k]
                assert ref_dtype(torch, s.dtype) == v.dtype, k
                assert tuple(s.shape) == tuple(v.shape) and s.stride() == v.stride(), k
                assert s.storage_offset() == v.storage_offset() and s.requires_grad == v.requires_grad, k
                np.testing.assert_array_equal(to_np(s), v.detach().numpy())
        assert got["view"]._storage_key() == got["base"]._storage_key()
        assert type(got["param"]) is nn.Parameter and got["param"].requires_grad
        assert type(got["frozen"]) is nn.Parameter and not got["frozen"].requires_grad
        assert type(got["size"]) is smalltorch.Size and got["size"] == (2,)
        assert got["dtype"] is smalltorch.int64 and got["device"] == smalltorch.device("cpu")
        assert got["misc"] == [1, 2.5, None, "s", (b"b",), {1}] and type(got["od"]) is collections.OrderedDict


def test_state_dicts_cross_both_ways(torch_ref, tmp_path):
    torch = torch_ref
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    train(model, opt, 2)
    smalltorch.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "st.pt")
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.01)
    ckpt = torch.load(tmp_path / "st.pt")
    tmodel.load_state_dict(ckpt["model"])
    topt.load_state_dict(ckpt["optim"])
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(tmodel.state_dict()[k].numpy(), to_np(v))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(tmodel(torch.from_numpy(x)).detach().numpy(), to_np(model(smalltorch.from_numpy(x))),
                               rtol=1e-6, atol=1e-6)
    # PyTorch trains a step on the loaded state and saves; smalltorch loads PyTorch's model and optimizer state
    topt.zero_grad()
    tmodel(torch.from_numpy(x)).pow(2).sum().backward()
    topt.step()
    torch.save({"model": tmodel.state_dict(), "optim": topt.state_dict()}, tmp_path / "torch.pt")
    back = smalltorch.load(tmp_path / "torch.pt")
    model.load_state_dict(back["model"])
    opt.load_state_dict(back["optim"])
    for k, v in tmodel.state_dict().items():
        np.testing.assert_array_equal(to_np(model.state_dict()[k]), v.numpy())
    for k, v in topt.state_dict()["state"][0].items():
        np.testing.assert_array_equal(to_np(back["optim"]["state"][0][k]), v.numpy())
    assert back["optim"]["param_groups"] == topt.state_dict()["param_groups"]


def test_torch_legacy_format_is_named(torch_ref):
    buf = io.BytesIO()
    torch_ref.save({"w": torch_ref.ones(2)}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="legacy"):
        smalltorch.load(buf)


def test_torch_dtype_smalltorch_lacks_raises(torch_ref):
    torch = torch_ref
    for t in (torch.ones(2, dtype=torch.complex64), torch.ones(2, dtype=torch.uint16), torch.ones(2, dtype=torch.uint32)):
        buf = io.BytesIO()
        torch.save({"w": t}, buf)
        buf.seek(0)
        name = str(t.dtype).split(".")[1]
        with pytest.raises(pickle.UnpicklingError, match=f"torch.{name}.*smalltorch does not have"):
            smalltorch.load(buf)


# ---------------------------------------------------------------------------------------------------------
# map_location

def with_location(raw, location):
    """The checkpoint with its storages' saved location rewritten (as if saved from that device)."""
    pkl = zipfile.ZipFile(io.BytesIO(raw)).read("archive/data.pkl")
    old = pickle.BINUNICODE + struct.pack("<I", 3) + b"cpu"
    assert old in pkl
    loc = location.encode()
    return rezip(raw, {"data.pkl": pkl.replace(old, pickle.BINUNICODE + struct.pack("<I", len(loc)) + loc)})


def test_map_location_forms():
    t = sample(smalltorch.float32, (2, 3))
    raw = saved_bytes({"t": t})
    for ml in (None, "cpu", smalltorch.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage,
               lambda storage, loc: None, lambda storage, loc: storage.cpu()):
        assert_same(smalltorch.load(io.BytesIO(raw), map_location=ml)["t"], t)
    cuda = with_location(raw, "cuda:0")
    with pytest.raises(RuntimeError, match="map_location"):
        smalltorch.load(io.BytesIO(cuda))
    seen = []
    for ml in ("cpu", {"cuda:0": "cpu"}, lambda storage, loc: seen.append(loc) or storage):
        assert_same(smalltorch.load(io.BytesIO(cuda), map_location=ml)["t"], t)
    assert seen == ["cuda:0"]
    with pytest.raises(TypeError, match="map_location returned int"):
        smalltorch.load(io.BytesIO(raw), map_location=lambda storage, loc: 3)
    with pytest.raises(RuntimeError, match="cuda"):
        smalltorch.load(io.BytesIO(raw), map_location="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        smalltorch.load(io.BytesIO(cuda), map_location={"cuda:1": "cpu"})


def test_map_location_torch_device(torch_ref):
    t = sample(smalltorch.float32, (2, 3))
    raw = saved_bytes({"t": t})
    for data in (raw, with_location(raw, "cuda:0")):
        assert_same(smalltorch.load(io.BytesIO(data), map_location=torch_ref.device("cpu"))["t"], t)
    with pytest.raises(RuntimeError, match="cuda"):
        smalltorch.load(io.BytesIO(raw), map_location=torch_ref.device("cuda"))


# ---------------------------------------------------------------------------------------------------------
# weights_only

PAYLOAD_RAN = []


def payload(marker):
    """What a malicious checkpoint tries to run: leaves evidence of having run."""
    PAYLOAD_RAN.append(marker)
    open(marker, "w").close()
    return "ran"


class Evil:
    def __init__(self, how, marker):
        self.how, self.marker = how, marker

    def __reduce__(self):
        if self.how == "system":
            return (os.system, (f"touch {self.marker}",))
        if self.how == "eval":
            return (eval, (f"open({self.marker!r}, 'w')",))
        return (payload, (self.marker,))


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("how,forbidden", [("system", "posix.system" if os.name == "posix" else "nt.system"),
                                           ("eval", "eval"), ("payload", "test_serialization.payload")])
def test_weights_only_refuses_code_and_never_runs_it(how, forbidden, protocol, tmp_path):
    marker = tmp_path / "ran"
    buf = io.BytesIO()
    smalltorch.save({"w": smalltorch.ones(2), "x": Evil(how, str(marker))}, buf, pickle_protocol=protocol)
    raw = buf.getvalue()
    # as a checkpoint's pickle, and as a bare pickle inside a zip (the GLOBAL and STACK_GLOBAL forms)
    bare = rezip(raw, {"data.pkl": pickle.dumps(Evil(how, str(marker)), protocol=protocol)})
    for data in (raw, bare):
        for kwargs in ({}, {"weights_only": True}):
            with pytest.raises(pickle.UnpicklingError, match=forbidden.replace(".", r"\.")):
                smalltorch.load(io.BytesIO(data), **kwargs)
    assert not marker.exists() and not PAYLOAD_RAN


def test_weights_only_false_loads_arbitrary_objects_when_asked(tmp_path):
    marker = tmp_path / "ran"
    raw = saved_bytes({"w": smalltorch.ones(2), "x": Evil("payload", str(marker))})
    got = smalltorch.load(io.BytesIO(raw), weights_only=False)  # the caller trusts this file: it runs
    assert got["x"] == "ran" and marker.exists()
    PAYLOAD_RAN.clear()


def test_torch_refuses_the_same_payload(torch_ref, tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    smalltorch.save({"x": Evil("system", str(marker))}, path)
    with pytest.raises(pickle.UnpicklingError, match="system"):
        torch_ref.load(path)
    assert not marker.exists()


def hand_pickle(*ops):
    return pickle.PROTO + b"\x02" + b"".join(ops) + pickle.STOP


@pytest.mark.parametrize("data,message", [
    (hand_pickle(pickle.GLOBAL + b"builtins\ngetattr\n"), "builtins.getattr"),
    (hand_pickle(pickle.GLOBAL + b"__builtin__\napply\n"), "apply"),
    (hand_pickle(pickle.GLOBAL + b"subprocess\nPopen\n"), "subprocess.Popen"),
    (hand_pickle(pickle.GLOBAL + b"os.path\njoin\n"), "blocked"),
    (hand_pickle(pickle.EMPTY_DICT, pickle.NONE, pickle.APPEND), "append to lists"),
    (hand_pickle(pickle.EMPTY_LIST, pickle.NONE, pickle.NONE, pickle.SETITEM), "SETITEM"),
    (hand_pickle(pickle.EMPTY_DICT, pickle.EMPTY_DICT, pickle.BUILD), "build"),
    (hand_pickle(pickle.GLOBAL + b"collections\nOrderedDict\n", pickle.EMPTY_TUPLE, pickle.REDUCE,
                 pickle.EMPTY_DICT, pickle.BUILD, pickle.EMPTY_DICT, pickle.EMPTY_TUPLE, pickle.REDUCE),
     "unrecognized function"),
    (hand_pickle(pickle.GLOBAL + b"torch\nTensor\n", pickle.BININT1 + b"\x05", pickle.TUPLE1, pickle.REDUCE),
     "unrecognized function"),
    (hand_pickle(pickle.SHORT_BINSTRING + b"\x01x", pickle.BINPERSID), "persistent_load of storage"),
    (hand_pickle(pickle.MARK, pickle.SHORT_BINSTRING + b"\x07storage", pickle.NONE, pickle.NONE, pickle.NONE,
                 pickle.NONE, pickle.TUPLE, pickle.BINPERSID), "storage type"),
    (hand_pickle(pickle.GLOBAL + b"_codecs\nencode\n", pickle.SHORT_BINSTRING + b"\x01x",
                 pickle.SHORT_BINSTRING + b"\x04nope", pickle.TUPLE2, pickle.REDUCE), "unknown encoding"),
    (hand_pickle(b"i__main__\nEvil\n"), "opcode"),
    (hand_pickle(pickle.BINGET + b"\x05"), "malformed"),
    (pickle.PROTO + b"\x02" + pickle.BINUNICODE + b"\xff\xff\x00\x00ab", "truncated"),
    (pickle.PROTO + b"\x02" + pickle.EMPTY_LIST, "truncated"),
])
def test_weights_only_rejects_malformed_and_forbidden_pickles(data, message):
    raw = rezip(saved_bytes(smalltorch.ones(1)), {"data.pkl": data})
    with pytest.raises(pickle.UnpicklingError, match=message):
        smalltorch.load(io.BytesIO(raw))


class Allowed:
    def __init__(self, v):
        self.v = v


def test_safe_globals_allow_a_user_class():
    raw = saved_bytes({"a": Allowed(3)})
    with pytest.raises(pickle.UnpicklingError, match="test_serialization.Allowed"):
        smalltorch.load(io.BytesIO(raw))
    with smalltorch.serialization.safe_globals([Allowed]):
        got = smalltorch.load(io.BytesIO(raw))
    assert type(got["a"]) is Allowed and got["a"].v == 3
    with pytest.raises(pickle.UnpicklingError):
        smalltorch.load(io.BytesIO(raw))  # the context manager's allowance ended


def test_argument_errors_as_pytorch():
    raw = saved_bytes(1)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        smalltorch.load(io.BytesIO(raw), pickle_module=pickle)
    assert smalltorch.load(io.BytesIO(raw), pickle_module=pickle, weights_only=False) == 1
    with pytest.raises(AttributeError, match="file-like"):
        smalltorch.save(1, 3)
    with pytest.raises(RuntimeError, match="Parent directory"):
        smalltorch.save(1, "/nonexistent_dir_for_test/x.pt")


# ---------------------------------------------------------------------------------------------------------
# bad files

def test_empty_and_not_a_zip(tmp_path):
    with pytest.raises(EOFError, match="empty"):
        smalltorch.load(io.BytesIO(b""))
    for junk in (b"hello, this is not a checkpoint", pickle.dumps({"a": 1}), b"\x00" * 100):
        with pytest.raises(RuntimeError, match="not a checkpoint in PyTorch's zip format"):
            smalltorch.load(io.BytesIO(junk))
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(RuntimeError, match="junk.pt"):
        smalltorch.load(tmp_path / "junk.pt")


def test_truncated_files_raise_clear_errors():
    raw = saved_bytes({"w": smalltorch.arange(1000.0), "b": smalltorch.ones(3)})
    for cut in sorted({4, 30, 64, 100, len(raw) // 2, len(raw) - 100, len(raw) - 22, len(raw) - 10, len(raw) - 1}):
        with pytest.raises(RuntimeError, match="corrupted|truncated"):
            smalltorch.load(io.BytesIO(raw[:cut]))


def test_corrupted_tensor_bytes_fail_the_crc_check():
    raw = bytearray(saved_bytes({"w": smalltorch.arange(1000.0)}))
    raw[record_data_offset(bytes(raw), "archive/data/0") + 123] ^= 0x40
    with pytest.raises(RuntimeError, match="record 'data/0' fails its CRC-32 check"):
        smalltorch.load(io.BytesIO(bytes(raw)))


@pytest.mark.parametrize("dtype,numel", [(smalltorch.float32, 5_000_000), (smalltorch.bool, 5_000_000),
                                         (smalltorch.int64, 1000)], ids=["large", "large-bool", "small"])
def test_large_records_round_trip_and_fail_the_crc_check_when_changed(dtype, numel):
    # large records are read in chunks whose CRC-32 a helper thread checks; bool storages are checked
    # before their bytes are normalised to 0/1
    t = sample(dtype, (numel,))
    raw = saved_bytes({"w": t, "small": smalltorch.ones(3)})
    assert_same(smalltorch.load(io.BytesIO(raw))["w"], t)
    bad = bytearray(raw)
    bad[record_data_offset(raw, "archive/data/0") + t.element_size() * numel * 2 // 3] ^= 0x04
    with pytest.raises(RuntimeError, match="record 'data/0' fails its CRC-32 check"):
        smalltorch.load(io.BytesIO(bytes(bad)))


def test_crc32_of_chunks_combines_as_zlib():
    # large records' chunks are checked in parallel; their CRC-32s combine into the record's
    from smalltorch.serialization import _crc_of_chunks
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, 100_000, dtype=np.uint8).tobytes()
    for cuts in ([], [0], [1], [50_000], [3, 7, 99_999], [0, 0, 10], sorted(rng.integers(0, 100_000, 6).tolist())):
        bounds = [0, *cuts, len(data)]
        parts = [(zlib.crc32(data[a:b]), b - a) for a, b in zip(bounds, bounds[1:])]
        assert _crc_of_chunks(parts) == zlib.crc32(data), cuts
    assert _crc_of_chunks([]) == zlib.crc32(b"")


@pytest.mark.parametrize("record", ["data.pkl", "data/0"])
def test_missing_record_is_named(record):
    raw = rezip(saved_bytes({"w": smalltorch.arange(10.0)}), drop=(record,))
    with pytest.raises(RuntimeError, match=f"no record '{record}'"):
        smalltorch.load(io.BytesIO(raw))


def test_record_size_must_match_the_pickle():
    raw = saved_bytes({"w": smalltorch.arange(10.0)})
    short = rezip(raw, {"data/0": b"\x00" * 8})
    with pytest.raises(RuntimeError, match="record 'data/0' has 8 bytes"):
        smalltorch.load(io.BytesIO(short))


def test_tensor_geometry_outside_its_storage_is_refused():
    raw = saved_bytes(smalltorch.arange(4.0))
    pkl = zipfile.ZipFile(io.BytesIO(raw)).read("archive/data.pkl")
    # the size tuple (4,) becomes (200,): the pickle asks for more elements than the record holds
    old = pickle.BININT1 + b"\x04" + pickle.TUPLE1
    assert pkl.count(old) == 1
    bad = rezip(raw, {"data.pkl": pkl.replace(old, pickle.BININT1 + b"\xc8" + pickle.TUPLE1)})
    with pytest.raises(pickle.UnpicklingError, match="does not fit in its storage of 4 elements"):
        smalltorch.load(io.BytesIO(bad))


def test_every_single_byte_corruption_is_an_exception_not_a_crash(tmp_path):
    """Each byte of a small checkpoint flipped in turn, then each byte of its pickle (re-zipped with a valid
    CRC, so the unpickler sees it): every load succeeds or raises a clear error, in a child process so that a
    crash would show as one."""
    path = tmp_path / "small.pt"
    base = smalltorch.arange(6.0).reshape(2, 3)
    smalltorch.save({"a": base, "b": base.t(), "n": [1, "x", 2.5], "p": nn.Parameter(smalltorch.ones(2)),
                     "i": smalltorch.tensor([True])}, path)
    code = f"""
import io, pickle, sys, zipfile
import smalltorch
sys.path.insert(0, {os.path.dirname(__file__)!r})
from test_serialization import rezip
raw = open({str(path)!r}, "rb").read()
pkl = zipfile.ZipFile(io.BytesIO(raw)).read("small/data.pkl")

def variants():
    for i in range(len(raw)):
        for flip in (0x01, 0x80):
            bad = bytearray(raw)
            bad[i] ^= flip
            yield "file", bytes(bad)
    for i in range(len(pkl)):
        for flip in (0x01, 0x02, 0x80):
            bad = bytearray(pkl)
            bad[i] ^= flip
            yield "pickle", rezip(raw, {{"data.pkl": bytes(bad)}})

kinds = {{}}
for where, data in variants():
    try:
        smalltorch.load(io.BytesIO(data))
        kind = "loaded"
    except (RuntimeError, pickle.UnpicklingError, EOFError) as e:
        assert str(e) and type(e) in (RuntimeError, pickle.UnpicklingError, EOFError), (where, type(e), e)
        kind = type(e).__name__
    kinds[where, kind] = kinds.get((where, kind), 0) + 1
print(sorted(kinds.items()))
"""
    out = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "('file', 'RuntimeError')" in out.stdout and "('pickle', 'UnpicklingError')" in out.stdout


def test_big_endian_checkpoint_is_byteswapped():
    t = sample(smalltorch.float64, (5,))
    i = sample(smalltorch.int32, (3,))
    raw = saved_bytes({"t": t, "i": i})
    swapped = rezip(raw, {"byteorder": b"big", "data/0": to_np(t).byteswap().tobytes(),
                          "data/1": to_np(i).byteswap().tobytes()})
    got = smalltorch.load(io.BytesIO(swapped))
    assert_same(got["t"], t)
    assert_same(got["i"], i)


def test_import_stays_lazy():
    code = "import sys, smalltorch; assert 'smalltorch.serialization' not in sys.modules; " \
           "smalltorch.save; assert 'smalltorch.serialization' in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_saving_over_an_existing_file_gives_the_same_bytes_as_a_new_file(tmp_path):
    # an existing file is overwritten in place and cut to the archive's length: longer and shorter
    # files before, a large archive (written by the helper thread) and a small one, all byte for byte
    # what saving to a new path writes, and loadable
    big = {"w": smalltorch.arange(3_000_000, dtype=smalltorch.float32)}  # 12 MB: the background writer
    small = {"w": smalltorch.arange(10.0)}
    for before, obj in [(b"x" * 20_000_000, small), (b"y" * 10, big), (b"z" * 100, small), (None, big)]:
        fresh, reused = tmp_path / "fresh.pt", tmp_path / "model.pt"
        if fresh.exists():
            fresh.unlink()
        if before is not None:
            reused.write_bytes(before)
        smalltorch.save(obj, fresh)
        smalltorch.save(obj, reused)
        assert reused.read_bytes().replace(b"model/", b"fresh/") == fresh.read_bytes()
        assert smalltorch.equal(smalltorch.load(reused)["w"], obj["w"])
