"""Exported models keep their dynamic axes: every model exported at batch 2 runs in ONNX Runtime
at batch 3 (batch folded into other axes, constants built from the batch size, an imported
model re-exported), and the GPT runs at other sequence lengths than the traced one."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import zerograd.core.functions as CF
from zerograd.core.testing import torch_or_skip
from zerograd.nn import Model
from zerograd.nn.layers import Linear
from zerograd.onnx import ExportError, export, load
from zerograd.text.gpt import GPT, GPTConfig
from zerograd.vision.models import FashionCNN

RTOL, ATOL = 1e-4, 1e-5


class FoldBatch(Model):
    """(N, 3, 5) -> (N * 3, 5) -> Linear -> (N, 3 * 4): the batch folded and unfolded."""

    def __init__(self):
        super().__init__()
        self.fc = Linear(4, in_size=5)

    def forward(self, x):
        n = x.shape[0]
        return CF.reshape(self.fc(CF.reshape(x, (n * 3, 5))), (n, 12))


class BatchConstant(Model):
    """A constant built from x.shape[0] (ones (N, 2) beside x) and a (N, 1, 2) broadcast."""

    def __init__(self):
        super().__init__()
        self.fc = Linear(3, in_size=6)

    def forward(self, x):
        ones = np.ones((x.shape[0], 2), np.float32)
        y = self.fc(CF.concat([x, ones], axis=1))
        return CF.broadcast_to(CF.reshape(y, (x.shape[0], 1, 3)), (x.shape[0], 2, 3))


def _gpt():
    np.random.seed(0)
    return GPT(GPTConfig(block_size=16, vocab_size=11, n_layer=2, n_head=2, n_embd=8))


class GPTLogits(Model):
    """The GPT's logits of every position (its forward returns (logits, loss))."""

    def __init__(self):
        super().__init__()
        self.gpt = _gpt()

    def forward(self, idx):
        logits, _ = self.gpt(idx, np.zeros(idx.shape, np.int64))
        return logits


class BatchMean(Model):
    """x minus a number computed outside the graph from the whole batch."""

    def forward(self, x):
        return x - np.float32(x.data.mean())


def _ids(rng, shape):
    return rng.integers(0, 11, shape).astype(np.int64)


MODELS = {
    "fold batch": (FoldBatch, lambda rng, n: rng.standard_normal((n, 3, 5)).astype(np.float32)),
    "batch constant": (BatchConstant, lambda rng, n: rng.standard_normal((n, 4)).astype(np.float32)),
    "FashionCNN": (FashionCNN, lambda rng, n: rng.standard_normal((n, 784)).astype(np.float32)),
    "GPT": (GPTLogits, lambda rng, n: _ids(rng, (n, 5))),
}


def _compare(zoo, path, model, x):
    expected = zoo.zerograd_outputs(model, x)
    actual = zoo.run_onnxruntime(path, {"input": x})
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_exported_at_batch_2_runs_at_batch_3(zoo, tmp_path, rng, name):
    make, inputs = MODELS[name]
    model = make()
    path = tmp_path / "model.onnx"
    export(model, inputs(rng, 2), path, opset=17)
    _compare(zoo, path, model, inputs(rng, 3))


@pytest.mark.parametrize("name", ["fold batch", "batch constant", "GPT"])
def test_an_imported_model_re_exports_with_its_batch_dynamic(zoo, tmp_path, rng, name):
    make, inputs = MODELS[name]
    export(make(), inputs(rng, 2), tmp_path / "first.onnx", opset=17)
    imported = load(tmp_path / "first.onnx")
    export(imported, inputs(rng, 2), tmp_path / "again.onnx", opset=17)
    _compare(zoo, tmp_path / "again.onnx", imported, inputs(rng, 3))


def test_a_constant_whose_values_follow_the_batch_in_no_size_form_is_refused(rng):
    """Frozen at its traced value, the file would be silently wrong at another batch."""
    with pytest.raises(ExportError, match=r"values that follow the dynamic axes in no product form"):
        export(BatchMean(), rng.standard_normal((2, 4)).astype(np.float32))
    export(BatchMean(), rng.standard_normal((2, 4)).astype(np.float32), dynamic_axes={})


@pytest.mark.parametrize("opset", [13, 17])
def test_gpt_runs_in_onnxruntime_at_two_sequence_lengths(zoo, tmp_path, rng, opset):
    """Issue 25: the causal mask and the positions follow the sequence axis."""
    model = GPTLogits()
    path = tmp_path / "gpt.onnx"
    export(model, _ids(rng, (2, 5)), path, opset=opset,
           dynamic_axes={"input": {0: "batch", 1: "sequence"}, "output": {0: "batch", 1: "sequence"}})
    types = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert {"Softmax", "Range", "LessOrEqual", "Slice"} <= types
    for shape in [(2, 5), (3, 9), (1, 16)]:
        _compare(zoo, path, model, _ids(rng, shape))


def test_gpt_traced_at_its_full_context_runs_shorter(zoo, tmp_path, rng):
    """A GPT traced at block_size cannot be traced one longer: the sequence axis is learned
    from a trace one shorter, so the file still runs (and matches) below its traced length."""
    model = GPTLogits()
    path = tmp_path / "gpt.onnx"
    export(model, _ids(rng, (2, 16)), path, opset=17,
           dynamic_axes={"input": {0: "batch", 1: "sequence"}, "output": {0: "batch", 1: "sequence"}})
    for shape in [(2, 16), (3, 7), (1, 1)]:
        _compare(zoo, path, model, _ids(rng, shape))


def test_a_torch_transformer_with_a_data_dependent_where_re_exports_at_batch_3(zoo, tmp_path, rng):
    """torch.onnx.export's encoder layer behind a torch.where on the data (issue 26: an imported
    transformer re-exported only at its traced batch, its condition frozen): zerograd's file,
    exported at batch 2, computes the condition and gives PyTorch's numbers at batch 3."""
    import io

    torch = torch_or_skip()
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
            self.fc = torch.nn.Linear(8, 3)

        def forward(self, x):
            return self.fc(self.encoder(torch.where(x[..., :1] > 0, x, torch.zeros_like(x))).mean(1))

    net, buffer = Net().eval(), io.BytesIO()
    torch.onnx.export(net, (torch.randn(2, 5, 8),), buffer, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17,
                      dynamo=False)
    imported = load(buffer.getvalue())
    path = tmp_path / "again.onnx"
    proto = export(imported, rng.standard_normal((2, 5, 8)).astype(np.float32), path, opset=17)
    assert {"Greater", "Where"} <= {node.op_type for node in proto.graph.node}
    x = rng.standard_normal((3, 5, 8)).astype(np.float32)
    np.testing.assert_allclose(zoo.run_onnxruntime(path, {"input": x})[0],
                               net(torch.from_numpy(x)).detach().numpy(), rtol=RTOL, atol=ATOL)
