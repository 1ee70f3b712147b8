"""Models built in real PyTorch and exported with torch.onnx.export import into zerograd, match
PyTorch and ONNX Runtime, and fine-tune. PyTorch lives in the Python 3.11 sessions only: elsewhere
these tests skip with the reason shown."""

from __future__ import annotations

import io

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core.testing import torch_or_skip
from zerograd.onnx import load

RTOL, ATOL = 1e-4, 1e-5


@pytest.fixture
def torch():
    return torch_or_skip()


def _exported(torch, module, example, dynamic_batch_axes):
    """The ONNX bytes of ``module`` (in eval mode) with the batch axis dynamic."""
    module.eval()
    buffer = io.BytesIO()
    axes = {"input": {dynamic_batch_axes: "batch"}, "output": {dynamic_batch_axes: "batch"}}
    torch.onnx.export(module, (example,), buffer, input_names=["input"], output_names=["output"],
                      dynamic_axes=axes, opset_version=17, dynamo=False)
    return buffer.getvalue()


def _mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Dropout(0.2), nn.Linear(16, 3))


def _resnet_style(torch):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            h = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(h)) + x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.pool = nn.MaxPool2d(2)
            self.block1, self.block2 = Block(8), Block(8)
            self.head = nn.Linear(8, 5)

        def forward(self, x):
            h = self.pool(torch.relu(self.bn(self.stem(x))))
            h = self.block2(self.block1(h))
            return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1))

    net = Net()
    generator = torch.Generator().manual_seed(0)
    for module in net.modules():  # running statistics away from (0, 1)
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.3, generator=generator)
            module.running_var.uniform_(0.5, 1.5, generator=generator)
    return net


def _lstm(torch):
    nn = torch.nn

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 7)
            self.out = nn.Linear(7, 3)

        def forward(self, x):  # x (T, N, 4)
            y, _ = self.lstm(x)
            return self.out(y)

    return Tagger()


def _bidirectional_gru(torch):
    """Two layers: PyTorch writes one GRU node per layer with direction="bidirectional"."""
    nn = torch.nn

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(4, 7, num_layers=2, bidirectional=True)
            self.out = nn.Linear(14, 3)

        def forward(self, x):  # x (T, N, 4)
            y, _ = self.gru(x)
            return self.out(y)

    return Tagger()


CASES = {
    "mlp": (_mlp, (5, 6), 0),
    "resnet_style": (_resnet_style, (2, 3, 16, 16), 0),
    "lstm": (_lstm, (6, 2, 4), 1),
    "bidirectional_gru": (_bidirectional_gru, (6, 2, 4), 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pytorch_export_imports_and_matches_pytorch_and_onnxruntime(zoo, tmp_path, torch, name):
    make, shape, batch_axis = CASES[name]
    torch.manual_seed(0)
    module = make(torch)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    data = _exported(torch, module, torch.tensor(x), batch_axis)
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    model = load(path)
    bigger = np.concatenate([x, x[::-1]], axis=batch_axis)
    for inputs in (x, bigger):
        with torch.no_grad():
            expected = module(torch.tensor(inputs)).numpy()
        actual = zoo.zerograd_outputs(model, inputs)[0]
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(actual, zoo.run_onnxruntime(path, {"input": inputs})[0],
                                   rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_imported_pytorch_model_fine_tunes(zoo, torch, name):
    make, shape, batch_axis = CASES[name]
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    model = load(_exported(torch, make(torch), torch.tensor(x), batch_axis))
    target = rng.standard_normal(model(x).shape).astype(np.float32)
    losses = zoo.adam_losses(model, lambda m: F.mean_squared_error(m(x), target), steps=5, lr=1e-2)
    assert losses[-1] < losses[0] * 0.9, losses


def test_einsum_round_trips_through_export(tmp_path):
    """maxvit_t's import re-exported only after Einsum had an export rule (issue 26's sweep)."""
    import zerograd.core.functions as CF
    from zerograd.core import Parameter
    from zerograd.nn import Model
    from zerograd.onnx import export

    class Net(Model):
        def __init__(self):
            super().__init__()
            self.w = Parameter(np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32))

        def forward(self, x):
            return CF.einsum("bij,jk->bik", x, self.w)

    net = Net()
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    path = tmp_path / "einsum.onnx"
    path.write_bytes(export(net, x, opset=17).SerializeToString())
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = net(x).data
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0], expected,
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(load(path)(x).data, expected, rtol=RTOL, atol=ATOL)
