"""python -m zerograd.onnx inspect model.onnx."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import onnx
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
    assert "zerograd can import: yes, every operator" in report


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
