"""export(): the file passes onnx.checker and ONNX Runtime reproduces zerograd's outputs, at the
lowest and the newest opset, exported at batch 2 and run at batch 3 through the same file (the
batch axis is dynamic)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import zerograd.core.functions as CF
import zerograd.nn.functions as F
from zerograd.core import Variable
from zerograd.nn import Layer, Model
from zerograd.nn.layers import Linear
from zerograd.onnx import ExportError, export, load, newest_opset
from zerograd.onnx.dynamic import static_target as dynamic_shape
from zerograd.onnx.ops import EXPORTS
from zerograd.text import SequenceGRU, SequenceLSTM
from zerograd.text.functions import gru_sequence, lstm_sequence, rnn_cell
from zerograd.vision.functions import average_pooling, deconv2d, im2col
from zerograd.vision.models import VGG16, FashionCNN, ResNet50

RTOL, ATOL = 1e-4, 1e-5


def _newest_runtime_opset() -> int:
    """The newest opset (up to what onnx knows) that the installed onnxruntime loads: on Python
    3.10 the newest onnxruntime wheel is older than onnx."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    for opset in range(newest_opset(), 13, -1):
        graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "probe",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        proto.ir_version = min(proto.ir_version, 10)
        try:
            ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
            return opset
        except Exception:
            continue
    return 13


RUNTIME_OPSET = _newest_runtime_opset()
OPSETS = sorted({13, RUNTIME_OPSET, newest_opset()})


def _check_export(zoo, tmp_path, model, batches, opset, dynamic_axes=None):
    """Export at the first batch (an array, or a tuple of arrays for the inputs input0, input1,
    ...), then compare ONNX Runtime with zerograd at every batch."""
    path = tmp_path / "model.onnx"
    export(model, batches[0], path, opset=opset, dynamic_axes=dynamic_axes)
    onnx.checker.check_model(str(path), full_check=True)
    graph = onnx.load(str(path)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    _skip_beyond_the_runtime(opset)
    for batch in batches:
        xs = batch if isinstance(batch, tuple) else (batch,)
        expected = zoo.zerograd_outputs(model, *xs)
        actual = zoo.run_onnxruntime(path, dict(zip([i.name for i in graph.input], xs)))
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


def _skip_beyond_the_runtime(opset):
    if opset > RUNTIME_OPSET:
        pytest.skip(f"the file at opset {opset} passed onnx.checker; this onnxruntime runs opsets "
                    f"up to {RUNTIME_OPSET}, where the same model is compared")


def _images(rng, n, *shape):
    return rng.standard_normal((n, *shape)).astype(np.float32)


@pytest.mark.parametrize("opset", OPSETS)
def test_mlp(zoo, tmp_path, rng, opset):
    model = zoo.MLP((16, 8, 3), activation=zoo.F.sigmoid)
    _check_export(zoo, tmp_path, model, [_images(rng, 2, 5), _images(rng, 3, 5), _images(rng, 1, 5)], opset)


@pytest.mark.parametrize("opset", OPSETS)
def test_training_command_cnn(zoo, tmp_path, rng, opset):
    model = FashionCNN()
    _check_export(zoo, tmp_path, model, [_images(rng, 2, 784), _images(rng, 3, 784)], opset)


@pytest.mark.parametrize("opset", OPSETS)
def test_vgg16(zoo, tmp_path, rng, opset):
    """32 x 32 images keep fc6 small (it sizes itself at the first call) and the test quick."""
    model = VGG16()
    _check_export(zoo, tmp_path, model, [_images(rng, 2, 3, 32, 32), _images(rng, 3, 3, 32, 32)],
                  opset)


@pytest.mark.parametrize("opset", OPSETS)
def test_resnet50(zoo, tmp_path, rng, opset):
    """Batch normalisation with non-trivial running statistics, residual adds, 64 x 64 images."""
    model = ResNet50()
    zoo.randomize_statistics(model, rng)
    _check_export(zoo, tmp_path, model, [_images(rng, 2, 3, 64, 64), _images(rng, 3, 3, 64, 64)],
                  opset)


@pytest.mark.parametrize("opset", OPSETS)
def test_lstm_language_model(zoo, tmp_path, rng, opset):
    model = zoo.LSTMLanguageModel()
    batches = [rng.integers(0, 30, (2, 5)), rng.integers(0, 30, (3, 5))]
    _check_export(zoo, tmp_path, model, batches, opset)


@pytest.mark.parametrize("opset", OPSETS)
def test_gru(zoo, tmp_path, rng, opset):
    model = zoo.GRUClassifier()
    _check_export(zoo, tmp_path, model, [_images(rng, 2, 4, 6), _images(rng, 3, 4, 6)], opset)


# --- the sequence-level LSTM and GRU: zerograd.text's layers and the PyTorch facade's -----------
class _SequenceModel(Model):
    """x (N, T, I) and the initial states (L D, N, H) -> y (N, T, D H) and the final states."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, *states):
        if len(states) == 1:
            return self.rnn(x, states[0])
        y, (h, c) = self.rnn(x, states)
        return y, h, c


# the states' batch axis is 1 (L D, N, H)
STATE_AXES = {name: {1: "batch"} for name in ("input1", "input2", "output1", "output2")}


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layer", [SequenceLSTM, SequenceGRU])
def test_sequence_layers_with_initial_states(zoo, tmp_path, rng, layer, bidirectional, opset):
    """One ONNX LSTM/GRU node per layer and direction; the final states are outputs too."""
    model = _SequenceModel(layer(5, in_size=4, num_layers=2, bidirectional=bidirectional,
                                 batch_first=True))
    rows, count = 2 * (1 + bidirectional), 2 if layer is SequenceLSTM else 1
    batches = [(_images(rng, n, 6, 4), *(rng.standard_normal((rows, n, 5)).astype(np.float32)
                                         for _ in range(count))) for n in (2, 3)]
    _check_export(zoo, tmp_path, model, batches, opset,
                  {"input0": {0: "batch"}, "output0": {0: "batch"}, **STATE_AXES})
    ops = [node.op_type for node in onnx.load(str(tmp_path / "model.onnx")).graph.node]
    assert ops.count("LSTM" if layer is SequenceLSTM else "GRU") == rows


def _facade_classifier(kind, bias):
    """zerograd.torch's nn.LSTM/nn.GRU (2 layers, bidirectional, batch first), then a Linear on
    the last step. zerograd-onnx does not depend on zerograd-torch: without it, this skips."""
    torch = pytest.importorskip("zerograd.torch", reason="zerograd-torch is not installed")
    nn = torch.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(nn, kind)(8, 16, num_layers=2, bidirectional=True,
                                         batch_first=True, bias=bias)
            self.fc = nn.Linear(32, 3)

        def forward(self, x):
            y, _ = self.rnn(x)
            return self.fc(y[:, -1])

    return Classifier().eval()


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_pytorch_facade_recurrent_classifier(zoo, tmp_path, rng, kind, bias, opset):
    model = _facade_classifier(kind, bias)
    _check_export(zoo, tmp_path, model, [_images(rng, 2, 5, 8), _images(rng, 3, 5, 8)], opset)


# --- single Functions whose mappings the models above do not reach ------------------------------
class _Apply(Model):
    def __init__(self, fn, width=6):
        super().__init__()
        self.fn = fn
        self.fc = Linear(width, in_size=4)

    def forward(self, x):
        return self.fn(self.fc(x))


FUNCTIONS = {
    "math": lambda h: CF.sin(h) + CF.cos(h) * CF.exp(-CF.abs(h)) - CF.log(CF.sqrt(h * h + 1.0)),
    "constants": lambda h: (2.0 - h) / 3.0 + 1.5 / (h * h + 1.0) + (h * h) ** 1.5 + 2.0 ** h,
    "reductions": lambda h: CF.concat([CF.sum(h, axis=1, keepdims=True), CF.max(h, axis=1, keepdims=True),
                                       CF.min(h, axis=1, keepdims=True),
                                       CF.logsumexp(h, axis=1, keepdims=True)], axis=1),
    "selection": lambda h: CF.clip(h, -0.5, 0.5) + CF.maximum(h, h * 0.5) - CF.minimum(h, -h),
    "shapes": lambda h: CF.transpose(CF.reshape(h, (h.shape[0], 2, 3)), (0, 2, 1))[:, 1:, ::2],
    "split": lambda h: CF.split(h, [2, 5], axis=1)[1] * CF.sum_to(h, (1, 6))[:, 2:5],
    "broadcast": lambda h: CF.broadcast_to(CF.sum(h, axis=0), h.shape) * h,
    "binary": lambda h: (h - h[::-1]) / (h + 2.0) + CF.astype(CF.abs(h) + 0.1, np.float32) ** CF.exp(-h * h),
    "where": lambda h: CF.where(np.array([[True, False] * 3] * 3), h, -h),
    "activations": lambda h: CF.concat([F.gelu(h), F.softplus(h, beta=2.0), F.leaky_relu(h),
                                        F.elu(h), F.softmax(h), F.log_softmax(h, axis=0),
                                        F.sigmoid(h)], axis=1),
    "layer_norm": lambda h: F.layer_norm(h, np.linspace(0.5, 1.5, 6, dtype=np.float32),
                                         np.full(6, 0.1, np.float32)),
    "losses": lambda h: F.mean_squared_error(h, np.ones((3, 6), np.float32))
    + F.softmax_cross_entropy(h, np.array([0, 5, 2])),
    "rnn_cell": lambda h: rnn_cell(h[:, :4], rnn_cell(h[:, 2:], None, W_RNN, W_RNN), W_RNN, W_RNN,
                                   np.full(4, 0.1, np.float32)),
    "deconv": lambda h: deconv2d(CF.reshape(h, (3, 2, 1, 3)), np.full((2, 4, 3, 3), 0.1, np.float32),
                                 np.arange(8, dtype=np.float32), stride=2, pad=1, outsize=(2, 6),
                                 groups=2, dilation=1),
    "average_pooling": lambda h: average_pooling(CF.reshape(h, (3, 1, 2, 3)), 2, 1, pad=1),
    # what the layers never pass: no LSTM bias and c0 without h0; one of the GRU's two biases
    "lstm_sequence": lambda h: lstm_sequence(CF.reshape(h, (3, 2, 3)), [(W_SEQ[0], W_SEQ[1], None)],
                                             None, np.full((1, 2, 2), 0.5, np.float32))[0],
    "gru_sequence": lambda h: gru_sequence(CF.reshape(h, (3, 2, 3)),
                                           [(W_SEQ[0][:, :6], W_SEQ[1][:, :6], None, W_SEQ[2]),
                                            (W_SEQ[0][:, 2:], W_SEQ[1][:, 2:], W_SEQ[2], None)],
                                           bidirectional=True)[0],
}
W_RNN = np.full((4, 4), 0.2, np.float32)
W_SEQ = [np.random.default_rng(2).uniform(-0.7, 0.7, shape).astype(np.float32)
         for shape in ((3, 8), (2, 8), (6,))]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("opset", OPSETS)
def test_core_functions(zoo, tmp_path, rng, name, opset):
    model = _Apply(FUNCTIONS[name])
    x = np.abs(_images(rng, 3, 4)) + 0.1
    path = tmp_path / "f.onnx"
    export(model, x, path, opset=opset, dynamic_axes={})
    _skip_beyond_the_runtime(opset)
    np.testing.assert_allclose(zoo.run_onnxruntime(path, {"input": x})[0],
                               zoo.zerograd_outputs(model, x)[0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_comes_back_through_load_with_the_same_numbers(zoo, tmp_path, rng, name):
    """The round trip per op: a Function's export mapping, then the import rules of the nodes
    it wrote."""
    model = _Apply(FUNCTIONS[name])
    x = np.abs(_images(rng, 3, 4)) + 0.1
    proto = export(model, x, opset=17, dynamic_axes={})
    np.testing.assert_allclose(zoo.zerograd_outputs(load(proto), x)[0],
                               zoo.zerograd_outputs(model, x)[0], rtol=RTOL, atol=ATOL)


def test_every_mapped_function_is_a_function_class():
    from zerograd.core import Function
    assert all(issubclass(cls, Function) for cls in EXPORTS)


def test_reshape_targets_keep_the_batch_axis_dynamic():
    assert dynamic_shape((8, 3, 4), (8, 12)) == [0, 12]
    assert dynamic_shape((8, 3, 4), (8, -1)) == [0, -1]
    assert dynamic_shape((8, 3, 4), (24, 4)) == [-1, 4]
    assert dynamic_shape((8, 784), (-1, 1, 28, 28)) == [-1, 1, 28, 28]
    assert dynamic_shape((8, 5), (1, 8, 5)) == [1, -1, 5]  # expand_dims(x, 0): stacked states
    assert dynamic_shape((8, 5), (1, 1, 8, 1, 5)) == [1, 1, -1, 1, 5]
    assert dynamic_shape((8, 5), (1, 5, 8)) == [1, 5, 8]  # not unit axes in front: left alone


# --- errors ------------------------------------------------------------------------------------
class _Windows(Layer):
    def forward(self, x):
        return im2col(x, 2)


class _NeedsIm2col(Model):
    def __init__(self):
        super().__init__()
        self.windows = _Windows()

    def forward(self, x):
        return self.windows(x * 2.0)


def test_an_unmapped_function_is_named_with_the_layer_that_reached_it(rng):
    x = Variable(_images(rng, 1, 1, 4, 4))
    with pytest.raises(ExportError, match=r"Im2col has no ONNX mapping.*_NeedsIm2col\.windows \(_Windows\)"):
        export(_NeedsIm2col(), x)


def test_bad_arguments_are_named(rng):
    with pytest.raises(TypeError, match="export: model must be a zerograd Layer"):
        export(lambda x: x, np.ones((1, 2), np.float32))
    with pytest.raises(ExportError, match="opset must lie in"):
        export(zoo_mlp(), np.ones((1, 4), np.float32), opset=7)
    with pytest.raises(TypeError, match="example input 0 must be an array"):
        export(zoo_mlp(), [[1.0, 2.0]])


def zoo_mlp():
    from zerograd.nn.models import MLP
    return MLP((3,))


def test_the_file_is_written_atomically_and_only_after_the_checks(tmp_path, rng):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous model")
    with pytest.raises(ExportError):
        export(_NeedsIm2col(), _images(rng, 1, 1, 4, 4), path)
    assert path.read_bytes() == b"previous model"
    export(zoo_mlp(), np.ones((2, 4), np.float32), path)
    assert onnx.load(str(path)).producer_name == "zerograd"


def test_an_index_without_a_mapping_is_named_with_the_layer(rng):
    model = _Apply(lambda h: h[np.array([[True] * 6, [False] * 6, [True] * 6])])
    with pytest.raises(ExportError, match=r"GetItem: index part \(a bool array of shape \(3, 6\)\) "
                                          r"has no ONNX mapping.*reached from _Apply"):
        export(model, _images(rng, 3, 4))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_exports_the_same_nodes_with_or_without_the_compiled_kernels(zoo, tmp_path, rng,
                                                                          approximate):
    """With the kernels on, gelu is one Function (zerograd.core.kernels.activation); its file
    holds the nodes of the composition it replaces, and gives ONNX Runtime the same numbers."""
    from zerograd.core import using_config
    model = _Apply(lambda x: F.gelu(x, approximate=approximate))
    x = _images(rng, 3, 4)
    files = {}
    for on in (True, False):
        with using_config("kernels", on):
            files[on] = export(model, x, tmp_path / f"gelu{on}.onnx", opset=17)
        np.testing.assert_allclose(zoo.run_onnxruntime(tmp_path / f"gelu{on}.onnx", {"input": x})[0],
                                   zoo.zerograd_outputs(model, x)[0], rtol=RTOL, atol=ATOL)
    assert ([n.op_type for n in files[True].graph.node]
            == [n.op_type for n in files[False].graph.node])
