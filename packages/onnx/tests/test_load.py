"""load(): ONNX graphs as zerograd Models — each operator against ONNX Runtime, round trips of the
exported models, training, higher-order gradients, saving, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import zerograd.core.functions as CF
import zerograd.nn.functions as F
from zerograd.core import Parameter, Variable
from zerograd.nn import Model
from zerograd.onnx import OnnxImportError, export, load
from zerograd.text import SequenceGRU, SequenceLSTM
from zerograd.vision.models import FashionCNN, ResNet18

RTOL, ATOL = 1e-4, 1e-5
FLOAT = TensorProto.FLOAT
IR_VERSION = 8  # opsets up to 18; onnxruntime 1.23 (Python 3.10's newest) reads IR versions up to 11


def _graph(op, x_shape, attrs=None, constants=(), weights=(), n_outputs=1, opset=17):
    """One node: input x, then constant inputs (int64 initializers) and float weights."""
    rng = np.random.default_rng(1)
    inits, names = [], ["x"]
    for i, value in enumerate(constants):
        if value is None:
            names.append("")
            continue
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.int64), f"c{i}"))
        names.append(f"c{i}")
    for i, shape in enumerate(weights):
        array = (rng.uniform(0.5, 1.5, shape) if i >= 3 and op == "BatchNormalization"
                 else rng.standard_normal(shape)).astype(np.float32)
        inits.append(numpy_helper.from_array(array, f"w{i}"))
        names.append(f"w{i}")
    outputs = [f"y{i}" for i in range(n_outputs)]
    node = helper.make_node(op, names, outputs, name=f"the_{op}", **(attrs or {}))
    graph = helper.make_graph([node], op, [helper.make_tensor_value_info("x", FLOAT, x_shape)],
                              [helper.make_tensor_value_info(o, FLOAT, None) for o in outputs],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=IR_VERSION)


OPERATORS = {
    "Gemm": ("Gemm", (3, 4), {"transB": 1, "alpha": 0.5}, (), [(5, 4), (5,)]),
    "MatMul": ("MatMul", (3, 4), {}, (), [(4, 2)]),
    "Conv": ("Conv", (2, 3, 7, 7), {"strides": [2, 2], "pads": [1, 1, 1, 1], "dilations": [1, 1]},
             (), [(4, 3, 3, 3), (4,)]),
    "Conv-groups": ("Conv", (1, 4, 6, 6), {"group": 2, "dilations": [2, 2]}, (), [(6, 2, 3, 3)]),
    "ConvTranspose": ("ConvTranspose", (2, 4, 5, 5), {"strides": [2, 2], "pads": [1, 1, 1, 1],
                                                      "output_padding": [1, 1], "group": 2},
                      (), [(4, 3, 3, 3), (6,)]),
    "BatchNormalization": ("BatchNormalization", (2, 3, 4, 4), {"epsilon": 1e-3}, (),
                           [(3,), (3,), (3,), (3,)]),
    "Relu": ("Relu", (3, 4), {}, (), []),
    "LeakyRelu": ("LeakyRelu", (3, 4), {"alpha": 0.1}, (), []),
    "Sigmoid": ("Sigmoid", (3, 4), {}, (), []),
    "Tanh": ("Tanh", (3, 4), {}, (), []),
    "Softmax": ("Softmax", (3, 4), {"axis": -1}, (), []),
    "LogSoftmax": ("LogSoftmax", (3, 4), {"axis": 0}, (), []),
    "MaxPool": ("MaxPool", (1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2],
                                          "pads": [1, 1, 1, 1]}, (), []),
    "AveragePool": ("AveragePool", (1, 2, 6, 6), {"kernel_shape": [2, 2], "strides": [2, 2]}, (), []),
    "GlobalAveragePool": ("GlobalAveragePool", (2, 3, 4, 5), {}, (), []),
    "Flatten": ("Flatten", (2, 3, 4), {"axis": 1}, (), []),
    "Reshape": ("Reshape", (2, 3, 4), {}, ([0, -1],), []),
    "Transpose": ("Transpose", (2, 3, 4), {"perm": [2, 0, 1]}, (), []),
    "Split": ("Split", (2, 6), {"axis": 1}, ([2, 4],), [], 2),
    "Slice": ("Slice", (4, 6), {}, ([1, 0], [3, 6], [0, 1], [1, 2]), []),
    "Gather": ("Gather", (5, 3), {"axis": 0}, ([[0, 4], [2, 2]],), []),
    "Squeeze": ("Squeeze", (2, 1, 3), {}, ([1],), []),
    "Unsqueeze": ("Unsqueeze", (2, 3), {}, ([0, 3],), []),
    "Sqrt": ("Sqrt", (3, 4), {}, (), []),
    "Exp": ("Exp", (3, 4), {}, (), []),
    "ReduceMean": ("ReduceMean", (2, 3, 4), {"keepdims": 0, "axes": [1, 2]}, (), []),
    "ReduceSum": ("ReduceSum", (2, 3, 4), {"keepdims": 1}, ([0],), []),
    "LayerNormalization": ("LayerNormalization", (2, 3, 4), {"axis": -1, "epsilon": 1e-5}, (),
                           [(4,), (4,)]),
    "Identity": ("Identity", (3, 4), {}, (), []),
    "Dropout": ("Dropout", (3, 4), {}, (), []),
    "Erf": ("Erf", (3, 4), {}, (), []),
}
BINARY = ["Add", "Sub", "Mul", "Div", "Pow"]


def _compare(zoo, tmp_path, proto, x):
    zoo.compare_with_onnxruntime(tmp_path, proto, x, RTOL, ATOL)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operator_matches_onnxruntime(zoo, tmp_path, rng, name):
    op, shape, attrs, constants, weights, *outputs = OPERATORS[name]
    x = rng.standard_normal(shape).astype(np.float32)
    if op in ("Sqrt", "Log"):
        x = np.abs(x) + 0.1
    proto = _graph(op, list(shape), attrs, constants, weights, *outputs)
    _compare(zoo, tmp_path, proto, x)


@pytest.mark.parametrize("op", BINARY)
def test_binary_operator_with_a_weight(zoo, tmp_path, rng, op):
    x = np.abs(rng.standard_normal((3, 4))).astype(np.float32) + 0.5
    _compare(zoo, tmp_path, _graph(op, [3, 4], weights=[(4,)]), x)


@pytest.mark.parametrize("opset", [13, 18])
def test_reductions_take_axes_as_attribute_or_input(zoo, tmp_path, rng, opset):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    if opset >= 18:
        proto = _graph("ReduceMean", [2, 3, 4], {"keepdims": 0}, ([1],), opset=opset)
    else:
        proto = _graph("ReduceMean", [2, 3, 4], {"keepdims": 0, "axes": [1]}, opset=opset)
    _compare(zoo, tmp_path, proto, x)


def _recurrent_graph(op, T, N, I, H, gates, rng, with_state=True, direction="forward"):
    D = 2 if direction == "bidirectional" else 1
    W = rng.standard_normal((D, gates * H, I)).astype(np.float32) * 0.5
    R = rng.standard_normal((D, gates * H, H)).astype(np.float32) * 0.5
    B = rng.standard_normal((D, 2 * gates * H)).astype(np.float32) * 0.5
    inits = [numpy_helper.from_array(a, n) for a, n in ((W, "W"), (R, "R"), (B, "B"))]
    names = ["x", "W", "R", "B", ""]
    if with_state:  # h0, and c0 for the LSTM
        for name in ["h0", "c0"][:2 if op == "LSTM" else 1]:
            inits.append(numpy_helper.from_array(rng.standard_normal((D, N, H)).astype(np.float32),
                                                 name))
            names.append(name)
    attrs = {"hidden_size": H, "direction": direction}
    if op == "GRU":
        attrs["linear_before_reset"] = 1
    outputs = ["y", "y_h"] + (["y_c"] if op == "LSTM" else [])
    node = helper.make_node(op, names, outputs, **attrs)
    graph = helper.make_graph([node], op, [helper.make_tensor_value_info("x", FLOAT, [T, N, I])],
                              [helper.make_tensor_value_info(o, FLOAT, None) for o in outputs],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=IR_VERSION)


@pytest.mark.parametrize("op,gates", [("LSTM", 4), ("GRU", 3)])
@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
def test_recurrent_operators_match_onnxruntime(zoo, tmp_path, rng, op, gates, with_state, direction):
    proto = _recurrent_graph(op, 4, 2, 3, 5, gates, rng, with_state, direction)
    _compare(zoo, tmp_path, proto, rng.standard_normal((4, 2, 3)).astype(np.float32))


# --- errors ------------------------------------------------------------------------------------
def test_unsupported_operators_are_named_with_their_node_before_anything_runs():
    proto = _graph("Hardmax", [2, 3])
    with pytest.raises(OnnxImportError, match=r"Hardmax \(node 'the_Hardmax', inputs \['x'\]\)"):
        load(proto)


def test_unsupported_attributes_name_the_node(rng):
    model = load(_graph("MaxPool", [1, 1, 4, 4], {"kernel_shape": [2, 2], "dilations": [2, 2]}))
    with pytest.raises(OnnxImportError, match="node 'the_MaxPool' \\(MaxPool\\): MaxPool: dilations"):
        model(np.ones((1, 1, 4, 4), np.float32))


def test_missing_file_and_wrong_input_count(tmp_path):
    with pytest.raises(FileNotFoundError, match="load: no ONNX file"):
        load(tmp_path / "absent.onnx")
    model = load(_graph("Relu", [2]))
    with pytest.raises(ValueError, match=r"takes 1 inputs \['x'\], got 2"):
        model(np.ones(2, np.float32), np.ones(2, np.float32))


# --- round trips and what an imported model can do ---------------------------------------------
class _Sequence(Model):
    """x (N, T, 4) -> a 2-layer bidirectional SequenceLSTM/SequenceGRU (batch first) -> y."""

    def __init__(self, layer):
        super().__init__()
        self.rnn = layer(5, in_size=4, num_layers=2, bidirectional=True, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


@pytest.mark.parametrize("make", ["cnn", "resnet18", "lstm", "gru", "sequence_lstm", "sequence_gru"])
def test_round_trip_gives_identical_outputs(zoo, rng, make):
    if make.startswith("sequence"):
        model = _Sequence(SequenceLSTM if make == "sequence_lstm" else SequenceGRU)
        x = rng.standard_normal((3, 6, 4)).astype(np.float32)
    elif make == "cnn":
        model, x = FashionCNN(), rng.standard_normal((3, 784)).astype(np.float32)
    elif make == "resnet18":
        model, x = ResNet18(), rng.standard_normal((2, 3, 32, 32)).astype(np.float32)
        zoo.randomize_statistics(model, rng)
    elif make == "lstm":
        model, x = zoo.LSTMLanguageModel(), rng.integers(0, 30, (2, 6))
    else:
        model, x = zoo.GRUClassifier(), rng.standard_normal((3, 4, 6)).astype(np.float32)
    imported = load(export(model, x))
    imported.eval()
    assert sorted(n for n, _ in imported.named_params()) == sorted(n for n, _ in model.named_params())
    got, expected = zoo.zerograd_outputs(imported, x)[0], zoo.zerograd_outputs(model, x)[0]
    if make not in ("cnn", "resnet18"):
        # The fused cells compute their gates' sigmoid as 0.5 * tanh(0.5 * z) + 0.5 (one tanh
        # over all gates); the unrolled graph's Sigmoid imports as F.sigmoid, exact to the
        # last bit for negative inputs. The sequence Functions project all steps in one product
        # where the imported LSTM/GRU nodes run the cells step by step. Either way the two agree
        # within float32 rounding, not bitwise.
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(got, expected)


def test_parameters_are_the_initializers_named_from_the_graph(zoo):
    model = zoo.MLP((5, 2))
    imported = load(export(model, np.ones((1, 3), np.float32)))
    names = dict(imported.named_params())
    assert sorted(names) == ["l0.W", "l0.b", "l1.W", "l1.b"]
    assert all(isinstance(p, Parameter) for p in names.values())
    np.testing.assert_array_equal(names["l1.W"].data, model.l1.W.data)
    assert imported.l0.W is names["l0.W"]


def test_graph_names_that_are_not_identifiers_are_sanitized():
    proto = _graph("MatMul", [1, 3], weights=[(3, 2)])
    proto.graph.initializer[0].name = "onnx::MatMul_7"
    proto.graph.node[0].input[1] = "onnx::MatMul_7"
    model = load(proto)
    assert [name for name, _ in model.named_params()] == ["onnx__MatMul_7"]
    assert model.initializer("onnx::MatMul_7").name == "onnx::MatMul_7"


def test_imported_cnn_fine_tunes_and_its_running_statistics_are_buffers(zoo, rng):
    source = ResNet18()
    x = rng.standard_normal((4, 3, 32, 32)).astype(np.float32)
    t = np.array([1, 2, 3, 4])
    model = load(export(source, x))
    assert any("mean" in name for name, _ in model.named_buffers())
    losses = zoo.adam_losses(model, lambda m: F.softmax_cross_entropy(m(x), t), steps=4, lr=1e-3)
    assert losses[-1] < losses[0]


def test_imported_model_differentiates_to_second_order(zoo):
    model = load(export(zoo.MLP((4, 1), activation=CF.tanh), np.ones((1, 2), np.float32)))
    x = Variable(np.array([[0.3, -0.2]], np.float32))
    y = CF.sum(model(x))
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    CF.sum(gx * gx).backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


def test_imported_weights_save_and_load(zoo, tmp_path, rng):
    source = zoo.MLP((4, 2))
    proto = export(source, np.ones((1, 3), np.float32))
    model, copy = load(proto), load(proto)
    for p in model.params():
        p.data[...] = rng.standard_normal(p.shape)
    model.save_weights(tmp_path / "w.npz")
    copy.load_weights(tmp_path / "w.npz")
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(copy(x).data, model(x).data)
