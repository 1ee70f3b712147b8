"""save_weights / load_weights with a '.safetensors' path: the book's keys, atomic writes, and
loads as guarded as the .npz path (all or nothing, headers checked first, unreferenced tensors
never read)."""

from __future__ import annotations

import json
import os
import struct
import sys

import numpy as np
import pytest

from zerograd.core import cuda
from zerograd.core.testing import torch_or_skip, traced_memory
from zerograd.nn import Model
from zerograd.nn.layers import BatchNorm, Linear
from zerograd.nn.models import MLP

safetensors = pytest.importorskip("safetensors", reason="the optional safetensors extra")
from safetensors import safe_open  # noqa: E402


def _mlp(seed=0):
    np.random.seed(seed)
    model = MLP((5, 3))
    model(np.random.randn(2, 4).astype(np.float32))
    return model


class NormNet(Model):
    def __init__(self):
        super().__init__()
        self.fc = Linear(3, in_size=4)
        self.bn = BatchNorm()

    def forward(self, x):
        return self.bn(self.fc(x))


def _norm_net(seed):
    np.random.seed(seed)
    net = NormNet()
    net(np.random.randn(6, 4).astype(np.float32) * (seed + 1))  # sizes bn and moves its averages
    return net


def _state(layer):
    return {name: np.array(array) for name, array in layer.state_dict().items()}


def _assert_same_state(layer, expected):
    state = _state(layer)
    assert state.keys() == expected.keys()
    for name, array in expected.items():
        np.testing.assert_array_equal(state[name], array, err_msg=name)
        assert state[name].dtype == array.dtype, name


def write_safetensors(path, header, data_size, data=b""):
    """A .safetensors file built by hand: ``header`` as given, then ``data`` padded with zeros to
    ``data_size`` bytes (sparse on disk)."""
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(raw)) + raw + data)
        file.truncate(8 + len(raw) + data_size)


def _header_and_data(layer):
    """The header entries and data bytes of ``layer``'s float32 weights, for hand-built files."""
    data, header = b"", {}
    for name, array in _state(layer).items():
        header[name.replace(".", "/")] = {"dtype": "F32", "shape": list(array.shape),
                                          "data_offsets": [len(data), len(data) + array.nbytes]}
        data += array.astype("<f4").tobytes()
    return header, data


# --- round trips -------------------------------------------------------------------------------
def test_mlp_round_trip(tmp_path):
    source, target = _mlp(0), _mlp(1)
    path = source.save_weights(tmp_path / "w.safetensors")
    assert path == str(tmp_path / "w.safetensors")  # no '.npz' appended
    assert os.listdir(tmp_path) == ["w.safetensors"]  # no temporary file left behind
    assert target.load_weights(path) == ([], [])
    _assert_same_state(target, _state(source))


def test_batchnorm_buffers_round_trip(tmp_path):
    source, target = _norm_net(0), _norm_net(1)
    path = source.save_weights(tmp_path / "w.safetensors")
    with safe_open(path, framework="numpy") as file:
        assert set(file.keys()) == {"fc/W", "fc/b", "bn/gamma", "bn/beta", "bn/avg_mean",
                                    "bn/avg_var"}
    target.load_weights(path)
    _assert_same_state(target, _state(source))


def test_lazy_model_loads_into_unsized_parameters(tmp_path):
    source = _mlp(0)
    path = source.save_weights(tmp_path / "w.safetensors")
    lazy = MLP((5, 3))
    assert lazy.layers[0].W.data is None
    lazy.load_weights(path)
    _assert_same_state(lazy, _state(source))
    x = np.random.randn(2, 4).astype(np.float32)
    np.testing.assert_array_equal(lazy(x).data, source(x).data)


def test_keys_are_the_books(tmp_path):
    path = _mlp().save_weights(tmp_path / "w.safetensors")
    with safe_open(path, framework="numpy") as file:
        assert sorted(file.keys()) == ["l0/W", "l0/b", "l1/W", "l1/b"]


def test_pytorch_reads_the_file(tmp_path):
    torch_or_skip()
    from safetensors.torch import load_file

    model = _norm_net(0)
    tensors = load_file(model.save_weights(tmp_path / "w.safetensors"))
    expected = {name.replace(".", "/"): array for name, array in _state(model).items()}
    assert tensors.keys() == expected.keys()
    for name, array in expected.items():
        np.testing.assert_array_equal(tensors[name].numpy(), array, err_msg=name)


def test_saving_over_a_file_replaces_it_whole(tmp_path):
    path = tmp_path / "w.safetensors"
    _mlp(0).save_weights(path)
    source = _mlp(1)
    source.save_weights(path)
    target = _mlp(2)
    target.load_weights(path)
    _assert_same_state(target, _state(source))


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    source = _mlp(0)
    source.save_weights(path)

    def disk_full(handle):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="disk full"):
        _mlp(1).save_weights(path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["w.safetensors"]  # the partial file is removed
    target = _mlp(2)
    target.load_weights(path)
    _assert_same_state(target, _state(source))


def test_a_model_on_the_gpu_saves_and_loads_on_the_device(tmp_path):
    with cuda.use_standin() as device:
        source, target = _norm_net(0).to_gpu(), _norm_net(1).to_gpu()
        path = source.save_weights(tmp_path / "w.safetensors")
        target.load_weights(path)
        assert all(isinstance(array, device.ndarray) for array in target.state_dict().values())
        expected = {name: cuda.as_numpy(array) for name, array in source.state_dict().items()}
        _assert_same_state(target.to_cpu(), expected)


# --- bad files change nothing and name the file --------------------------------------------------
def _truncated(data):
    return data[:-4]


def _header_longer_than_the_file(data):
    return struct.pack("<Q", len(data)) + data[8:]


def _random_bytes(data):
    return np.random.default_rng(0).bytes(len(data))


def _too_short(data):
    return data[:5]


def _header_not_json(data):
    return data[:8] + b"\xff" * (len(data) - 8)


@pytest.mark.parametrize("corrupt, reason", [
    (_truncated, "ends at byte"),
    (_header_longer_than_the_file, "header claims"),
    (_random_bytes, ""),
    (_too_short, "fewer than the 8"),
    (_header_not_json, "not JSON"),
])
def test_a_corrupt_file_changes_nothing_and_names_the_file(tmp_path, corrupt, reason):
    path = tmp_path / "w.safetensors"
    path.write_bytes(corrupt(open(_mlp(0).save_weights(path), "rb").read()))
    target = _mlp(1)
    before = _state(target)
    with pytest.raises(ValueError, match=r"load_weights: .*w\.safetensors' is not a readable "
                                         r"\.safetensors file.*" + reason):
        target.load_weights(path)
    _assert_same_state(target, before)


def test_a_tensor_that_spans_less_than_its_shape_is_refused(tmp_path):
    path = tmp_path / "lying.safetensors"
    header = {"l0/W": {"dtype": "F32", "shape": [1000, 1000], "data_offsets": [0, 16]}}
    write_safetensors(path, header, 16)
    with pytest.raises(ValueError, match=r"lying\.safetensors.*'l0/W' declares shape "
                                         r"\(1000, 1000\) of F32 \(4,000,000 bytes\) but spans 16"):
        _mlp().load_weights(path)


def test_wrong_shapes_change_nothing_and_name_the_file_and_each_key(tmp_path):
    wide = MLP((6, 3))
    wide(np.ones((2, 4), np.float32))
    path = wide.save_weights(tmp_path / "wide.safetensors")
    target = _mlp(1)
    before = _state(target)
    with pytest.raises(ValueError, match=r"load_weights: cannot load into MLP from "
                                         r"'.*wide\.safetensors'; nothing was changed"
                                         r"(.|\n)*'l0/W': shape mismatch, expected \(4, 5\), "
                                         r"found \(4, 6\)") as info:
        target.load_weights(path)
    assert "'l1/W'" in str(info.value)
    _assert_same_state(target, before)


def test_a_dtype_numpy_lacks_is_refused_only_when_asked_for(tmp_path):
    source = _mlp(0)
    header, data = _header_and_data(source)
    header["extra"] = {"dtype": "BF16", "shape": [2], "data_offsets": [len(data), len(data) + 4]}
    path = tmp_path / "w.safetensors"
    write_safetensors(path, header, len(data) + 4, data)
    target = _mlp(1)
    assert target.load_weights(path, strict=False).unexpected_keys == ["extra"]
    _assert_same_state(target, _state(source))

    header["l0/b"].update(dtype="BF16", shape=[10])  # the same 20 bytes, as bfloat16
    write_safetensors(path, header, len(data) + 4, data)
    with pytest.raises(ValueError, match=r"'l0/b' has dtype BF16, which NumPy has no type for"):
        _mlp(1).load_weights(path, strict=False)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_weights: no such file: .*none\.safetensors"):
        _mlp().load_weights(tmp_path / "none.safetensors")


def test_load_weights_never_reads_a_tensor_nothing_refers_to(tmp_path):
    source = _mlp(0)
    header, data = _header_and_data(source)
    size = 100 * 1000 * 1000
    header["unused"] = {"dtype": "U8", "shape": [100, 1000, 1000],
                        "data_offsets": [len(data), len(data) + size]}
    path = tmp_path / "w.safetensors"
    write_safetensors(path, header, len(data) + size, data)  # sparse: 100 MB of zeros
    target = _mlp(1)
    with traced_memory() as memory:
        assert target.load_weights(path, strict=False).unexpected_keys == ["unused"]
    assert memory.peak < 5_000_000
    _assert_same_state(target, _state(source))


# --- without the optional safetensors package --------------------------------------------------
def test_without_safetensors_the_error_names_the_pip_line(tmp_path, monkeypatch):
    model = _mlp()
    path = model.save_weights(tmp_path / "w.safetensors")
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    pip = r"pip install 'zerograd-nn\[safetensors\]'"
    with pytest.raises(ImportError, match=r"save_weights: \.safetensors files need .*" + pip):
        model.save_weights(tmp_path / "other.safetensors")
    with pytest.raises(ImportError, match=r"load_weights: \.safetensors files need .*" + pip):
        model.load_weights(path)
    assert os.listdir(tmp_path) == ["w.safetensors"]
    model.save_weights(tmp_path / "w")  # .npz needs nothing optional
    assert sorted(os.listdir(tmp_path)) == ["w.npz", "w.safetensors"]
