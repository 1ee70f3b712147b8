"""The training command's export: model.onnx beside model.npz, served by ONNX Runtime."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.onnx import export_for_training_command, load
from zerograd.vision.train import FashionCNN, FashionMLP


@pytest.mark.parametrize("make", [FashionCNN, FashionMLP])
def test_training_command_model_is_served_by_onnxruntime(zoo, tmp_path, rng, make):
    model = make()
    model.save_weights(str(tmp_path / "model.npz"))
    path = export_for_training_command(model, tmp_path / "model.onnx")
    assert path == tmp_path / "model.onnx" and (tmp_path / "model.npz").exists()
    images = rng.random((5, 784), dtype=np.float32)
    logits = zoo.run_onnxruntime(path, {"input": images})[0]  # the README's three lines
    np.testing.assert_allclose(logits, zoo.zerograd_outputs(model, images)[0], rtol=1e-4, atol=1e-5)
    assert logits.shape == (5, 10)
    np.testing.assert_array_equal(zoo.zerograd_outputs(load(path), images)[0],
                                  zoo.zerograd_outputs(model, images)[0])
