"""The export step of the training command (``python -m zerograd.vision.train --export-onnx``)."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np

from zerograd.nn import Layer
from zerograd.onnx.export import export

FASHION_MNIST_PIXELS = 784  # the command's loader hands each image over flattened


def export_for_training_command(model: Layer, path: str | os.PathLike,
                                example: np.ndarray | None = None) -> Path:
    """Write the trained classifier to ``path`` (``model.onnx`` beside ``model.npz``) with a
    dynamic batch axis: input ``input`` (batch, 784) float32, output ``output`` (batch, 10) logits.
    A model on the GPU is exported from a CPU copy, so training can go on where it is.

    >>> import tempfile, os
    >>> from zerograd.vision.train import FashionMLP
    >>> path = export_for_training_command(FashionMLP(16), os.path.join(tempfile.mkdtemp(), "model.onnx"))
    >>> path.name
    'model.onnx'
    """
    if example is None:
        example = np.zeros((1, FASHION_MNIST_PIXELS), dtype=np.float32)
    if any(type(p.data) is not np.ndarray for p in model.params() if p.data is not None):
        model = copy.deepcopy(model).to_cpu()
    export(model, example, path)
    return Path(path)
