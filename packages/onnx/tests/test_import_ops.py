"""load()'s op rules: each new op and each old (pre-opset-13) form against ONNX Runtime at the
opset the model declares, refusals of opsets and versions zerograd does not know, constants that
stay constants, and the LSTM/GRU nodes' round trip (test_round_trips.py has one per import rule)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from zerograd.core import Parameter
from zerograd.onnx import OnnxImportError, export, load

RTOL, ATOL = 1e-4, 1e-5
FLOAT = TensorProto.FLOAT


def _model(op, x_shape, attrs=None, inputs=(), opset=17, n_outputs=1, x_type=FLOAT):
    """One node: input x, then ``inputs`` (None: absent; arrays: initializers of their dtype)."""
    inits, names = [], ["x"]
    for i, value in enumerate(inputs):
        if value is None:
            names.append("")
            continue
        inits.append(numpy_helper.from_array(np.asarray(value), f"c{i}"))
        names.append(f"c{i}")
    outputs = [f"y{i}" for i in range(n_outputs)]
    node = helper.make_node(op, names, outputs, name=f"the_{op}", **(attrs or {}))
    graph = helper.make_graph([node], op, [helper.make_tensor_value_info("x", x_type, x_shape)],
                              [helper.make_tensor_value_info(o, FLOAT, None)
                               for o in outputs], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=8 if opset >= 7 else 3)


def _compare(zoo, tmp_path, proto, x):
    zoo.compare_with_onnxruntime(tmp_path, proto, x, RTOL, ATOL)


F32 = np.float32
I64 = np.int64
CASES = {
    # old forms, at the opset that has them
    "Clip-6 attributes": ("Clip", (3, 4), {"min": -0.5, "max": 0.4}, (), 10),
    "Softmax-11 coerced to 2-d": ("Softmax", (2, 3, 4), {"axis": 1}, (), 11),
    "LogSoftmax-1 default axis": ("LogSoftmax", (2, 3, 4), {}, (), 9),
    "Split-11 attribute": ("Split", (2, 6), {"axis": 1, "split": [2, 4]}, (), 11, 2),
    "Pad-2 attributes": ("Pad", (2, 3), {"pads": [0, 1, 1, 2], "value": 1.5}, (), 10),
    "Slice-1 attributes": ("Slice", (4, 6), {"starts": [1, 0], "ends": [3, 5], "axes": [0, 1]}, (), 9),
    "Upsample-9 nearest": ("Upsample", (1, 2, 3, 3), {"mode": "nearest"},
                           (np.array([1, 1, 2, 3], F32),), 9),
    "Upsample-9 linear": ("Upsample", (1, 2, 3, 3), {"mode": "linear"},
                          (np.array([1, 1, 2, 2], F32),), 9),
    "Squeeze-11 attribute": ("Squeeze", (2, 1, 3), {"axes": [1]}, (), 11),
    # variadic ops take every input
    "Max of 3": ("Max", (3, 4), {}, (np.full((4,), 0.1, F32), np.full((3, 1), -0.2, F32)), 17),
    "Min of 3": ("Min", (3, 4), {}, (np.full((4,), 0.1, F32), np.full((3, 1), -0.2, F32)), 17),
    "Sum of 3": ("Sum", (3, 4), {}, (np.ones((4,), F32), np.full((3, 1), 2.0, F32)), 17),
    "Mean of 3": ("Mean", (3, 4), {}, (np.ones((4,), F32), np.full((3, 1), 2.0, F32)), 17),
    # the new ops
    "HardSwish": ("HardSwish", (3, 4), {}, (), 17),
    "HardSigmoid torch": ("HardSigmoid", (3, 4), {"alpha": 1 / 6, "beta": 0.5}, (), 17),
    "HardSigmoid default": ("HardSigmoid", (3, 4), {}, (), 17),
    "MaxPool ceil_mode": ("MaxPool", (1, 2, 6, 6), {"kernel_shape": [3, 3], "strides": [2, 2],
                                                    "ceil_mode": 1}, (), 17),
    "MaxPool ceil_mode padded": ("MaxPool", (1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2],
                                                           "pads": [1, 1, 1, 1], "ceil_mode": 1}, (), 17),
    "MaxPool SAME_UPPER": ("MaxPool", (1, 2, 5, 5), {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER"},
                           (), 17),
    "AveragePool ceil_mode": ("AveragePool", (1, 2, 6, 6), {"kernel_shape": [3, 3], "strides": [2, 2],
                                                            "ceil_mode": 1}, (), 17),
    "AveragePool pads excluded": ("AveragePool", (1, 2, 5, 5), {"kernel_shape": [3, 3],
                                                                "pads": [1, 1, 1, 1]}, (), 17),
    "AveragePool pads counted ceil": ("AveragePool", (1, 2, 6, 6),
                                      {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                                       "count_include_pad": 1, "ceil_mode": 1}, (), 17),
    "Conv asymmetric pads": ("Conv", (1, 2, 5, 5), {"pads": [0, 1, 1, 0]},
                             (np.random.default_rng(3).standard_normal((3, 2, 3, 3)).astype(F32),), 17),
    "Conv 1-d": ("Conv", (2, 2, 7), {"strides": [2], "pads": [1, 1]},
                 (np.random.default_rng(3).standard_normal((3, 2, 3)).astype(F32),
                  np.array([0.1, 0.2, 0.3], F32)), 17),
    "GlobalMaxPool": ("GlobalMaxPool", (2, 3, 4, 5), {}, (), 17),
    "Pad reflect": ("Pad", (1, 2, 4, 4), {"mode": "reflect"}, (np.array([0, 0, 1, 2, 0, 0, 2, 1], I64),), 17),
    "Pad edge": ("Pad", (1, 2, 4, 4), {"mode": "edge"}, (np.array([0, 0, 1, 2, 0, 0, 2, 1], I64),), 17),
    "Mod fmod": ("Mod", (3, 4), {"fmod": 1}, (np.full((4,), 0.7, F32),), 17),
    "GatherElements": ("GatherElements", (3, 4), {"axis": 1}, (np.array([[0, 3], [1, 1], [-1, 2]], I64),),
                       17),
    "LayerNormalization axis 1": ("LayerNormalization", (2, 3, 4), {"axis": 1},
                                  (np.linspace(0.5, 1.5, 12, dtype=F32).reshape(3, 4),
                                   np.linspace(-1, 1, 12, dtype=F32).reshape(3, 4)), 17),
    "Slice backward through 0": ("Slice", (4, 6), {}, (np.array([-1], I64),
                                                        np.array([np.iinfo(I64).min], I64),
                                                        np.array([1], I64), np.array([-2], I64)), 17),
    "ScatterND rows": ("ScatterND", (4, 3), {}, (np.array([[2], [0]], I64), np.ones((2, 3), F32)), 17),
    "ScatterND elements": ("ScatterND", (4, 3), {}, (np.array([[1, 2], [-1, 0]], I64),
                                                     np.array([5, 6], F32)), 17),
    "Einsum": ("Einsum", (2, 3, 4), {"equation": "bij,jk->bik"},
               (np.linspace(-1, 1, 20, dtype=F32).reshape(4, 5),), 17),
    "Where": ("Where", (3, 4), {}, (), 17),  # built below: a condition from Greater
}
RESIZE_MODES = [
    ("nearest", "asymmetric", "floor"), ("nearest", "half_pixel", "round_prefer_floor"),
    ("nearest", "pytorch_half_pixel", "round_prefer_ceil"), ("nearest", "align_corners", "ceil"),
    ("nearest", "tf_half_pixel_for_nn", "floor"),
    ("linear", "half_pixel", None), ("linear", "align_corners", None), ("linear", "asymmetric", None),
    ("linear", "pytorch_half_pixel", None), ("cubic", "half_pixel", None),
]


def _where_model():
    nodes = [helper.make_node("Greater", ["x", "zero"], ["positive"]),
             helper.make_node("Where", ["positive", "x", "minus"], ["y0"])]
    graph = helper.make_graph(nodes, "where", [helper.make_tensor_value_info("x", FLOAT, [3, 4])],
                              [helper.make_tensor_value_info("y0", FLOAT, None)],
                              initializer=[numpy_helper.from_array(np.zeros((), F32), "zero"),
                                           numpy_helper.from_array(np.full((4,), -1.0, F32), "minus")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


# ONNX Runtime 1.23 (what the NumPy 1.26 cell installs) divides a ceil_mode window that runs past
# the padding by the whole kernel; PyTorch and ONNX Runtime 1.32 count only the padded region. The
# case is checked against torch below, whatever the runtime.
OLD_RUNTIME_CEIL_DIVISOR = {"AveragePool pads counted ceil"}


def _runtime_version():
    import onnxruntime
    return tuple(int(part) for part in onnxruntime.__version__.split(".")[:2])


@pytest.mark.parametrize("name", sorted(CASES))
def test_operator_form_matches_onnxruntime(zoo, tmp_path, rng, name):
    if name in OLD_RUNTIME_CEIL_DIVISOR and _runtime_version() < (1, 24):
        version = ".".join(map(str, _runtime_version()))
        pytest.skip(f"onnxruntime {version} divides the ceil_mode edge windows by the whole "
                    "kernel (test_average_pool_ceil_count_include_pad_as_torch checks it)")
    op, shape, attrs, inputs, opset, *outputs = CASES[name]
    proto = _where_model() if op == "Where" else _model(op, list(shape), attrs, inputs, opset, *outputs)
    _compare(zoo, tmp_path, proto, rng.standard_normal(shape).astype(F32))


def test_average_pool_ceil_count_include_pad_as_torch(tmp_path, rng):
    """AveragePool with ceil_mode and count_include_pad: each edge window is divided by the part
    of it inside the padded input, as torch.nn.functional.avg_pool2d does."""
    torch = pytest.importorskip("torch")
    op, shape, attrs, inputs, opset = CASES["AveragePool pads counted ceil"]
    x = rng.standard_normal(shape).astype(F32)
    ours = np.asarray(load(_model(op, list(shape), attrs, inputs, opset).SerializeToString())(x).data)
    theirs = torch.nn.functional.avg_pool2d(torch.from_numpy(x), 3, 2, 1, ceil_mode=True,
                                            count_include_pad=True).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,coordinates,rounding", RESIZE_MODES)
@pytest.mark.parametrize("scales", [(1, 1, 2, 1.5), (1, 1, 0.5, 0.75)])
def test_resize_matches_onnxruntime(zoo, tmp_path, rng, mode, coordinates, rounding, scales):
    attrs = {"mode": mode, "coordinate_transformation_mode": coordinates}
    if rounding:
        attrs["nearest_mode"] = rounding
    proto = _model("Resize", [1, 2, 4, 6], attrs, (None, np.array(scales, F32)), 13)
    _compare(zoo, tmp_path, proto, rng.standard_normal((1, 2, 4, 6)).astype(F32))


def test_resize_with_sizes(zoo, tmp_path, rng):
    attrs = {"mode": "linear", "coordinate_transformation_mode": "align_corners"}
    proto = _model("Resize", [1, 2, 4, 6], attrs, (None, None, np.array([1, 2, 7, 3], I64)), 13)
    _compare(zoo, tmp_path, proto, rng.standard_normal((1, 2, 4, 6)).astype(F32))


def test_range_equal_and_integer_division_on_shapes(zoo, tmp_path, rng):
    """Shape arithmetic as exporters write it: Range over a length, Equal, Div of int64."""
    nodes = [helper.make_node("Shape", ["x"], ["shape"]),
             helper.make_node("Gather", ["shape", "one"], ["length"], axis=0),
             helper.make_node("Div", ["length", "two"], ["half"]),
             helper.make_node("Range", ["zero", "half", "one"], ["positions"]),
             helper.make_node("Equal", ["positions", "one"], ["is_one"]),
             helper.make_node("Cast", ["is_one"], ["weights"], to=FLOAT),
             helper.make_node("Concat", ["weights", "weights"], ["both"], axis=0),
             helper.make_node("Mul", ["x", "both"], ["y0"])]
    scalars = [numpy_helper.from_array(np.array(v, I64), n) for n, v in (("zero", 0), ("one", 1), ("two", 2))]
    graph = helper.make_graph(nodes, "shapes", [helper.make_tensor_value_info("x", FLOAT, [3, 6])],
                              [helper.make_tensor_value_info("y0", FLOAT, None)], initializer=scalars)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    _compare(zoo, tmp_path, proto, rng.standard_normal((3, 6)).astype(F32))


def test_reshape_1_takes_its_shape_as_an_attribute():
    model = load(_model("Reshape", [2, 3, 4], {"shape": [0, -1]}, (), 4))
    x = np.arange(24, dtype=F32).reshape(2, 3, 4)
    np.testing.assert_array_equal(model(x).data, x.reshape(2, 12))


@pytest.mark.parametrize("opset", [1, 99])
def test_an_opset_zerograd_does_not_know_is_refused(opset):
    with pytest.raises(OnnxImportError, match=rf"Relu.*opset {opset}.*versions \[6, 13, 14\]"):
        load(_model("Relu", [2], opset=opset))


def test_an_op_version_without_a_rule_is_refused_naming_the_versions():
    with pytest.raises(OnnxImportError, match=r"Add: opset 5 gives version 1 of Add; zerograd "
                                              r"imports Add in versions \[7, 13, 14\]"):
        load(_model("Add", [2], inputs=(np.ones(2, F32),), opset=5))


def test_scalar_float_constants_stay_constants_and_weights_train():
    """A Clip bound and a scale are constants; Conv's weight and a (4,) table are Parameters."""
    inits = [numpy_helper.from_array(a, n) for n, a in (
        ("low", np.array(-0.5, F32)), ("high", np.array(0.5, F32)), ("scale", np.array(0.125, F32)),
        ("W", np.ones((2, 1, 1, 1), F32)), ("table", np.ones((4,), F32)))]
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"]),
             helper.make_node("Mul", ["c", "scale"], ["s"]),
             helper.make_node("Add", ["s", "table"], ["t"]),
             helper.make_node("Clip", ["t", "low", "high"], ["y0"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", FLOAT, [1, 1, 4, 4])],
                              [helper.make_tensor_value_info("y0", FLOAT, None)], initializer=inits)
    model = load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8))
    assert sorted(name for name, _ in model.named_params()) == ["W", "table"]
    assert not isinstance(model.initializer("scale"), Parameter)


def _recurrent_model(op, rng, T=4, N=2, I=3, H=5):
    gates = 4 if op == "LSTM" else 3
    weights = [rng.standard_normal(shape).astype(F32) * 0.5
               for shape in ((2, gates * H, I), (2, gates * H, H), (2, 2 * gates * H))]
    inits = [numpy_helper.from_array(a, n) for a, n in zip(weights, "WRB")]
    attrs = {"hidden_size": H, "direction": "bidirectional"}
    if op == "GRU":
        attrs["linear_before_reset"] = 1
    node = helper.make_node(op, ["x", "W", "R", "B"], ["y0", "y1"], **attrs)
    graph = helper.make_graph([node], op, [helper.make_tensor_value_info("x", FLOAT, [T, N, I])],
                              [helper.make_tensor_value_info(o, FLOAT, None) for o in ("y0", "y1")],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
def test_an_imported_lstm_or_gru_re_exports_as_the_same_nodes(zoo, tmp_path, rng, op):
    """Each direction imports onto a sequence Function and exports as one node again."""
    model = load(_recurrent_model(op, rng))
    x = rng.standard_normal((4, 2, 3)).astype(F32)
    again = export(model, x, tmp_path / "again.onnx", opset=17,
                   dynamic_axes={name: {1: "batch"} for name in ("input", "output0", "output1")})
    assert [n.op_type for n in again.graph.node].count(op) == 2
    x3 = rng.standard_normal((4, 3, 3)).astype(F32)
    for a, e in zip(zoo.run_onnxruntime(tmp_path / "again.onnx", {"input": x3}),
                    zoo.zerograd_outputs(model, x3)):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)
