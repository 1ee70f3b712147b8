"""load() against hostile files: external data outside the model's folder, devices and FIFOs,
declared sizes the data does not have, and tensors built from constants above the element limit.
Each hostile file is written here with onnx.helper."""

from __future__ import annotations

import os
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from zerograd.onnx import InvalidModelError, OnnxImportError, load, safety

FLOAT = TensorProto.FLOAT
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="symlinks, FIFOs and /dev/zero are POSIX")


def _model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def _add_model(weight: TensorProto):
    """y = x + w, w a (4,) float initializer."""
    return _model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                  [helper.make_tensor_value_info("x", FLOAT, [4])],
                  [helper.make_tensor_value_info("y", FLOAT, [4])], [weight])


def _external(location: str, offset: int = 0, length: int | None = 16, dims=(4,)):
    """A float tensor 'w' whose data lives in ``location``."""
    tensor = TensorProto(name="w", data_type=FLOAT, dims=list(dims), data_location=TensorProto.EXTERNAL)
    entries = {"location": location, "offset": str(offset)}
    if length is not None:
        entries["length"] = str(length)
    for key, value in entries.items():
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _save(tmp_path, proto, name="model.onnx"):
    path = tmp_path / name
    path.write_bytes(proto.SerializeToString())
    return path


WEIGHT = np.arange(4, dtype=np.float32)


# --- external data -----------------------------------------------------------------------------
def test_external_data_beside_the_model_file_is_read(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"pad!" + WEIGHT.tobytes())
    model = load(_save(tmp_path, _add_model(_external("w.bin", offset=4))))
    np.testing.assert_array_equal(model(np.ones(4, np.float32)).data, WEIGHT + 1)


def test_onnx_own_external_data_files_load_and_match(tmp_path, zoo):
    """A model written by onnx.save_model(save_as_external_data=True), the way large exports are."""
    from zerograd.onnx import export
    from zerograd.vision.models import FashionCNN

    model, x = FashionCNN(), np.random.default_rng(0).random((2, 784)).astype(np.float32)
    proto = export(model, x)
    path = tmp_path / "cnn.onnx"
    onnx.save_model(proto, str(path), save_as_external_data=True, location="cnn.data", size_threshold=0)
    assert (tmp_path / "cnn.data").stat().st_size > 0
    np.testing.assert_allclose(zoo.zerograd_outputs(load(path), x)[0], zoo.zerograd_outputs(model, x)[0],
                               rtol=1e-5, atol=1e-6)


@posix_only
def test_a_model_file_reached_through_a_symlink_is_read(tmp_path):
    """The caller names the model path: a symlink to a regular file is followed."""
    target = _save(tmp_path, _add_model(numpy_helper.from_array(WEIGHT, "w")), "real.onnx")
    os.symlink(target, tmp_path / "link.onnx")
    np.testing.assert_array_equal(load(tmp_path / "link.onnx")(np.zeros(4, np.float32)).data, WEIGHT)


def test_bytes_and_protos_read_external_data_only_from_a_named_folder(tmp_path, monkeypatch):
    (tmp_path / "w.bin").write_bytes(WEIGHT.tobytes())
    proto = _add_model(_external("w.bin"))
    monkeypatch.chdir(tmp_path)  # the old behaviour resolved against the working directory
    for source in (proto, proto.SerializeToString()):
        with pytest.raises(InvalidModelError, match=r"'w'.*external.*base_dir=folder"):
            load(source)
    model = load(proto, base_dir=tmp_path)
    np.testing.assert_array_equal(model(np.zeros(4, np.float32)).data, WEIGHT)
    assert proto.graph.initializer[0].data_location == TensorProto.EXTERNAL  # the caller's proto is unchanged


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "sub/../../secret.bin", "a\x00b"])
def test_external_data_outside_the_folder_is_refused(tmp_path, location):
    (tmp_path / "secret.bin").write_bytes(WEIGHT.tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    with pytest.raises(InvalidModelError, match="outside the model's folder"):
        load(_save(folder, _add_model(_external(location))))


@posix_only
def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.bin").write_bytes(WEIGHT.tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    os.symlink(tmp_path / "secret.bin", folder / "w.bin")
    os.symlink("/dev/zero", folder / "zero.bin")
    for location in ("w.bin", "zero.bin"):
        with pytest.raises(InvalidModelError, match="outside the model's folder"):
            load(_save(folder, _add_model(_external(location, length=None))))


@posix_only
def test_devices_and_fifos_are_refused_before_reading(tmp_path):
    os.mkfifo(tmp_path / "fifo.bin")
    with pytest.raises(InvalidModelError, match="not a regular file"):
        load(_save(tmp_path, _add_model(_external("fifo.bin"))))
    os.symlink("/dev/zero", tmp_path / "zero.onnx")
    os.mkfifo(tmp_path / "fifo.onnx")
    for name in ("zero.onnx", "fifo.onnx"):
        with pytest.raises(InvalidModelError, match=f"{name}.*not a regular file"):
            load(tmp_path / name)


@pytest.mark.parametrize("offset, length, match", [
    (0, 12, "needs 16 bytes"),            # length disagrees with dims x dtype
    (8, 16, "needs 16 bytes at offset 8"),  # runs past the end of the file
    (-4, 16, "needs 16 bytes"),
])
def test_external_sizes_are_checked_before_reading(tmp_path, offset, length, match):
    (tmp_path / "w.bin").write_bytes(WEIGHT.tobytes())
    with pytest.raises(InvalidModelError, match=match):
        load(_save(tmp_path, _add_model(_external("w.bin", offset, length))))


def test_external_data_is_bounded_in_total(tmp_path, monkeypatch):
    (tmp_path / "w.bin").write_bytes(WEIGHT.tobytes())
    monkeypatch.setattr(safety, "MAX_BYTES", 8)
    with pytest.raises(InvalidModelError, match="more than 8 bytes"):
        load(_add_model(_external("w.bin")), base_dir=tmp_path)


def test_a_model_file_above_the_byte_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = _save(tmp_path, _add_model(numpy_helper.from_array(WEIGHT, "w")))
    monkeypatch.setattr(safety, "MAX_BYTES", 16)
    with pytest.raises(InvalidModelError, match=r"model.onnx' has \d+ bytes, above the limit of 16"):
        load(path)


# --- declared sizes --------------------------------------------------------------------------------
@pytest.mark.parametrize("tensor, match", [
    (TensorProto(name="w", data_type=FLOAT, dims=[4], raw_data=b"\0" * 12), "needs 16 bytes of raw data"),
    (TensorProto(name="w", data_type=FLOAT, dims=[2**40], raw_data=b"\0" * 16), "needs 4,398,046,511,104"),
    (TensorProto(name="w", data_type=FLOAT, dims=[4], float_data=[1.0]), "needs 4 entries in float_data"),
    (TensorProto(name="w", data_type=FLOAT, dims=[2**20, 2**20]), "no data"),
    (TensorProto(name="w", data_type=FLOAT, dims=[-4], raw_data=b"\0" * 16), "negative dimension"),
])
def test_declared_sizes_are_checked_before_allocating(tensor, match):
    with pytest.raises(InvalidModelError, match=match):
        load(_add_model(tensor))


# --- invalid graphs ----------------------------------------------------------------------------------
N = helper.make_node
X, Y = helper.make_tensor_value_info("x", FLOAT, [2]), helper.make_tensor_value_info("y", FLOAT, [2])
INVALID = {
    "cycle": ([N("Relu", ["b"], ["a"], name="n1"), N("Relu", ["a"], ["b"], name="n2"),
               N("Relu", ["b"], ["y"], name="n3")], [X], [Y], "node 'n1' .* cycle"),
    "out of order": ([N("Relu", ["a"], ["y"], name="late"), N("Relu", ["x"], ["a"], name="early")],
                     [X], [Y], "node 'late' .*before node 'early'.*topological order"),
    "undefined input": ([N("Relu", ["ghost"], ["y"], name="n1")], [X], [Y],
                        "node 'n1' .*reads 'ghost', which no node"),
    "undefined output": ([N("Relu", ["x"], ["a"], name="n1")], [X], [Y], "graph output 'y' is not written"),
    "two writers": ([N("Relu", ["x"], ["y"], name="n1"), N("Abs", ["x"], ["y"], name="n2")],
                    [X], [Y], "node 'n2' .*writes 'y', which node 'n1' .*two writers"),
    "negative dim": ([N("Relu", ["x"], ["y"], name="n1")], [helper.make_tensor_value_info("x", FLOAT, [-3])],
                     [Y], "'x' declares a negative dimension"),
    "no inputs": ([N("Constant", [], ["y"], name="c", value_float=1.0)], [], [Y], "no inputs"),
    "no outputs": ([N("Relu", ["x"], ["y"], name="n1")], [X], [], "no outputs"),
    "sparse initializer": ([N("Add", ["x", "w"], ["y"], name="n1")], [X], [Y], "sparse initializer 'w'"),
    "bad attribute": ([N("Relu", ["x"], ["y"], name="n1", alpha=2.0)], [X], [Y], "onnx.checker.*alpha"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_graphs_are_refused_at_load_with_the_node_and_reason(tmp_path, case):
    nodes, inputs, outputs, match = INVALID[case]
    proto = _model(nodes, inputs, outputs)
    if case == "sparse initializer":
        values, indices = np.ones(1, np.float32), np.zeros(1, np.int64)
        proto.graph.sparse_initializer.append(helper.make_sparse_tensor(
            numpy_helper.from_array(values, "w"), numpy_helper.from_array(indices), [2]))
    path = _save(tmp_path, proto)
    with pytest.raises(InvalidModelError, match="model.onnx'.*" + match):
        load(path)


@pytest.mark.parametrize("content", [b"", b"\x08", os.urandom(0) + bytes(range(256)) * 3])
def test_empty_truncated_and_random_files_name_the_path(tmp_path, content):
    good = _save(tmp_path, _add_model(numpy_helper.from_array(WEIGHT, "w"))).read_bytes()
    for data in (content, good[:len(good) // 2]):
        path = tmp_path / "bad.onnx"
        path.write_bytes(data)
        with pytest.raises(InvalidModelError, match="bad.onnx'"):
            load(path)


# --- constant-shape bombs ---------------------------------------------------------------------------
def _int64(name, values):
    return numpy_helper.from_array(np.asarray(values, np.int64), name)


BIG = 2**20  # a 2**40-element tensor from a 16-byte shape
BOMBS = {
    "ConstantOfShape": ([N("ConstantOfShape", ["s"], ["c"], name="bomb")], [_int64("s", [BIG, BIG])]),
    "Expand": ([N("Expand", ["x", "s"], ["c"], name="bomb")], [_int64("s", [BIG, BIG, 2])]),
    "Tile": ([N("Tile", ["x", "r"], ["c"], name="bomb")], [_int64("r", [BIG * BIG])]),
    "Pad": ([N("Pad", ["x", "p"], ["c"], name="bomb")], [_int64("p", [0, BIG * BIG])]),
    "Resize": ([N("Resize", ["x", "", "", "s"], ["c"], name="bomb")], [_int64("s", [BIG * BIG])]),
    "Range": ([N("Range", ["a", "b", "d"], ["c"], name="bomb")],
              [_int64("a", 0), _int64("b", BIG * BIG), _int64("d", 1)]),
}


@pytest.mark.parametrize("op", sorted(BOMBS))
def test_constant_shape_bombs_are_refused_at_load(op):
    nodes, inits = BOMBS[op]
    dtype = TensorProto.INT64 if op == "Range" else FLOAT
    outputs = [Y, helper.make_tensor_value_info("c", dtype, None)]
    proto = _model(nodes + [N("Identity", ["x"], ["y"], name="out")], [X], outputs, inits)
    with pytest.raises(InvalidModelError, match=f"node 'bomb' \\({op}\\): {op}: the shape .* above"):
        load(proto)


def test_a_shape_computed_at_run_time_is_checked_before_allocating():
    """ConstantOfShape(Shape(x) * 2**40): unknown until x arrives, refused by the import rule."""
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"),
             helper.make_node("Mul", ["s", "k"], ["big"], name="scale"),
             helper.make_node("ConstantOfShape", ["big"], ["y"], name="bomb")]
    proto = _model(nodes, [helper.make_tensor_value_info("x", FLOAT, ["n"])],
                   [helper.make_tensor_value_info("y", FLOAT, None)], [_int64("k", [2**40])])
    model = load(proto)
    with pytest.raises(OnnxImportError, match="'bomb'.*ConstantOfShape: the shape .* above the limit"):
        model(np.zeros(3, np.float32))


def test_the_element_limit_is_configurable(monkeypatch):
    proto = _model([helper.make_node("ConstantOfShape", ["s"], ["c"], name="bomb"),
                    helper.make_node("Identity", ["x"], ["y"], name="out")],
                   [X], [Y, helper.make_tensor_value_info("c", FLOAT, None)], [_int64("s", [3, 4])])
    load(proto)
    monkeypatch.setattr(safety, "MAX_ELEMENTS", 11)
    with pytest.raises(InvalidModelError, match="12 elements, above the limit of 11"):
        load(proto)
    monkeypatch.setenv("ZEROGRAD_ONNX_MAX_ELEMENTS", "1000")
    assert safety._limit_from_environment("ZEROGRAD_ONNX_MAX_ELEMENTS", 2**28) == 1000
    monkeypatch.setenv("ZEROGRAD_ONNX_MAX_ELEMENTS", "lots")
    with pytest.raises(ValueError, match="ZEROGRAD_ONNX_MAX_ELEMENTS='lots' must be a positive integer"):
        safety._limit_from_environment("ZEROGRAD_ONNX_MAX_ELEMENTS", 2**28)


def test_a_model_of_weights_only_has_no_inputs():
    """The weights become graph inputs only in the light copy the checker sees, not for the check
    that the graph has inputs."""
    weight = numpy_helper.from_array(np.zeros(4096, np.float32), "w")
    proto = _model([N("Identity", ["w"], ["y"], name="out")], [], [Y], [weight])
    with pytest.raises(InvalidModelError, match="no inputs"):
        load(proto)
