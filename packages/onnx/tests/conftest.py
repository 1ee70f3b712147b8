"""The models the export is checked on, and ONNX Runtime as the reference."""

from __future__ import annotations

import types

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import zerograd.core.functions as CF
import zerograd.nn.functions as F
from zerograd.nn import Model, optimizers, test_mode
from zerograd.nn.layers import EmbedID, Linear
from zerograd.nn.models import MLP
from zerograd.onnx import newest_opset
from zerograd.text import GRU, LSTM

OPSETS = [13, newest_opset()]


class LSTMLanguageModel(Model):
    """ids (N, T) -> embedding -> LSTM -> logits (N, T, V), one time step per LSTM call."""

    def __init__(self, vocabulary: int = 30, embedding: int = 8, hidden: int = 12) -> None:
        super().__init__()
        self.embed = EmbedID(vocabulary, embedding)
        self.lstm = LSTM(hidden, in_size=embedding)
        self.out = Linear(vocabulary, in_size=hidden)

    def forward(self, ids):
        self.lstm.reset_state()
        vectors = self.embed(ids)
        logits = [self.out(self.lstm(vectors[:, t])) for t in range(vectors.shape[1])]
        return CF.stack(logits, axis=1)


class GRUClassifier(Model):
    """x (N, T, I) -> GRU -> the last state -> Linear: (N, classes)."""

    def __init__(self, hidden: int = 10, classes: int = 4) -> None:
        super().__init__()
        self.gru = GRU(hidden)
        self.out = Linear(classes)

    def forward(self, x):
        self.gru.reset_state()
        for t in range(x.shape[1]):
            h = self.gru(x[:, t, :])
        return self.out(h)


def randomize_statistics(model, rng) -> None:
    """Running statistics that differ from (0, 1), so batch normalisation's export is tested."""
    for name, array in model.named_buffers():
        array[...] = rng.uniform(0.5, 1.5, array.shape) if "var" in name else rng.normal(0, 0.3, array.shape)


def run_onnxruntime(path, inputs: dict) -> list:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, inputs)


def zerograd_outputs(model, *xs):
    with test_mode():
        y = model(*xs)
    return [v.data for v in (y if isinstance(y, tuple) else (y,))]


def adam_losses(model, loss_of_model, steps: int, lr: float) -> list[float]:
    """Train ``model`` with Adam for ``steps`` updates of ``loss_of_model(model)``; the losses."""
    optimizer = optimizers.Adam(alpha=lr).setup(model)
    losses = []
    for _ in range(steps):
        loss = loss_of_model(model)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        losses.append(float(loss.data))
    return losses


def compare_with_onnxruntime(tmp_path, proto, x, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Save ``proto`` (one input, x) and check zerograd's outputs against ONNX Runtime's."""
    from zerograd.onnx import load

    path = tmp_path / "op.onnx"
    onnx.save(proto, str(path))
    expected = run_onnxruntime(path, {"x": x})
    actual = zerograd_outputs(load(path), x)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert np.asarray(a).shape == e.shape
        np.testing.assert_allclose(np.asarray(a), e, rtol=rtol, atol=atol)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def zoo():
    """The test models and helpers, for the test modules (conftest is not importable under
    pytest's importlib mode)."""
    return types.SimpleNamespace(
        LSTMLanguageModel=LSTMLanguageModel, GRUClassifier=GRUClassifier, MLP=MLP, F=F,
        randomize_statistics=randomize_statistics, run_onnxruntime=run_onnxruntime,
        zerograd_outputs=zerograd_outputs, adam_losses=adam_losses,
        compare_with_onnxruntime=compare_with_onnxruntime)
