"""python -m zerograd.onnx inspect model.onnx: "yes" only after a load and one forward; names from the
file escaped; every failure one line with a non-zero status."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from zerograd.onnx import export
from zerograd.onnx.__main__ import main
from zerograd.vision.models import FashionCNN


def test_inspect_reports_inputs_outputs_operators_and_parameters(tmp_path, capsys):
    path = tmp_path / "cnn.onnx"
    model = FashionCNN()
    export(model, np.zeros((2, 784), np.float32), path)
    assert main(["inspect", str(path)]) == 0
    report = capsys.readouterr().out
    assert "  input: float32 (batch, 784)" in report
    assert "  output: float32 (batch, 10)" in report
    assert "  Conv: 2" in report and "  MaxPool: 2" in report
    count = sum(p.size for p in model.params())
    assert f"parameters: {count:,} in 8 floating-point initializers" in report
    assert "zerograd can import: yes, imported and ran one forward on dummy inputs of shape (1, 784)" \
        in report


def test_inspect_names_unsupported_operators_and_exits_1(tmp_path, capsys):
    node = helper.make_node("Hardmax", ["x"], ["y"], name="odd")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    path = tmp_path / "odd.onnx"
    onnx.save(helper.make_model(graph), str(path))
    assert main(["inspect", str(path)]) == 1
    assert "zerograd can import: no, 1 unsupported node(s):\n  Hardmax (node 'odd'" in capsys.readouterr().out


def test_inspect_explains_a_missing_or_corrupt_file(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "absent.onnx")]) == 2
    assert "no file at" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\xff not protobuf")
    assert main(["inspect", str(corrupt)]) == 2
    assert "is not a readable ONNX model" in capsys.readouterr().err


def test_the_module_runs_as_a_command(tmp_path):
    path = tmp_path / "cnn.onnx"
    export(FashionCNN(), np.zeros((1, 784), np.float32), path)
    result = subprocess.run([sys.executable, "-m", "zerograd.onnx", "inspect", str(path)],
                            capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert "operators (" in result.stdout


def _save(tmp_path, nodes, inputs, outputs, name="g", inits=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


X = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])


def test_a_model_that_fails_its_forward_is_not_importable(tmp_path, capsys):
    shape = onnx.numpy_helper.from_array(np.array([7], np.int64), "shape")
    path = _save(tmp_path, [helper.make_node("Reshape", ["x", "shape"], ["y"], name="fold")], [X],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits=[shape])
    assert main(["inspect", str(path)]) == 1
    verdict = capsys.readouterr().out.splitlines()[-1]
    assert verdict.startswith("zerograd can import: no, OnnxImportError: OnnxModel: node 'fold' (Reshape)")


def test_an_invalid_graph_is_not_importable(tmp_path, capsys):
    nodes = [helper.make_node("Relu", ["b"], ["a"], name="n1"),
             helper.make_node("Relu", ["a"], ["b"], name="n2"),
             helper.make_node("Relu", ["b"], ["y"], name="n3")]
    path = _save(tmp_path, nodes, [X], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    assert main(["inspect", str(path)]) == 1
    assert "zerograd can import: no, InvalidModelError: load: " in capsys.readouterr().out


def test_outputs_of_another_shape_than_declared_are_a_no(tmp_path, capsys):
    path = _save(tmp_path, [helper.make_node("Relu", ["x"], ["y"], name="r")], [X],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    assert main(["inspect", str(path)]) == 1
    assert "no, output 'y' came out (1, 3), the model declares (2, 3)" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["sequence", "optional"])
def test_sequence_and_optional_inputs_are_described_not_crashed_on(tmp_path, capsys, kind):
    element = helper.make_tensor_type_proto(TensorProto.FLOAT, [2])
    type_proto = (helper.make_sequence_type_proto(element) if kind == "sequence"
                  else helper.make_optional_type_proto(element))
    other = helper.make_value_info("s", type_proto)
    path = _save(tmp_path, [helper.make_node("Relu", ["x"], ["y"], name="r")], [X, other],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])])
    assert main(["inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"  s: {kind} {'of ' if kind == 'sequence' else ''}float32 (2)" in out
    assert f"no, input 's' is a {kind}" in out and "tensor inputs only" in out


def test_dummy_inputs_are_bounded(tmp_path, capsys):
    big = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1 << 13, 1 << 13])
    path = _save(tmp_path, [helper.make_node("Relu", ["x"], ["y"], name="r")], [big],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    assert main(["inspect", str(path)]) == 1
    assert "dummy inputs would hold more than 16,777,216 elements" in capsys.readouterr().out


def test_names_with_control_characters_are_printed_escaped(tmp_path, capsys):
    forged = "g\nzerograd can import: yes\x1b[2J\u202e"
    x = helper.make_tensor_value_info("x\x1b[31m", TensorProto.FLOAT, ["n\r", 3])
    path = _save(tmp_path, [helper.make_node("Relu", ["x\x1b[31m"], ["y"], name="r\n")], [x],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], name=forged)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
    assert [line.startswith("zerograd can import:") for line in out.splitlines()].count(True) == 1
    assert "model: g\\nzerograd can import: yes\\x1b[2J\\u202e (producer" in out
    assert "  x\\x1b[31m: float32 (n\\r, 3)" in out


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")
def test_devices_fifos_and_truncated_files_are_one_line_refusals(tmp_path, capsys):
    os.symlink("/dev/zero", tmp_path / "zero.onnx")
    os.mkfifo(tmp_path / "fifo.onnx")
    good = tmp_path / "cnn.onnx"
    export(FashionCNN(), np.zeros((1, 784), np.float32), good)
    (tmp_path / "cut.onnx").write_bytes(good.read_bytes()[:1000])
    for name in ("zero.onnx", "fifo.onnx", "cut.onnx"):
        assert main(["inspect", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not a readable ONNX model" in err and name in err


def test_a_failure_from_the_command_line_has_no_traceback(tmp_path):
    path = _save(tmp_path, [helper.make_node("Hardmax", ["x"], ["y"], name="odd")], [X],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], name="evil\x1b[2J")
    result = subprocess.run([sys.executable, "-m", "zerograd.onnx", "inspect", str(path)],
                            capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "model: evil\\x1b[2J" in result.stdout
