"""A round trip per import rule: one small model per rule of the registry (an op at its current
version, and each old form that has a rule of its own), run by ONNX Runtime, loaded by zerograd,
exported again and run by ONNX Runtime again, with the same numbers and the op types stated per
case. A rule without a case fails ``test_every_import_rule_has_a_round_trip_case``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from zerograd.nn import test_mode
from zerograd.onnx import export, load
from zerograd.onnx.ops import IMPORTS
from zerograd.onnx.ops.registry import since_version

RTOL, ATOL = 1e-4, 1e-5
F32, I64 = np.float32, np.int64
FLOAT, BOOL = TensorProto.FLOAT, TensorProto.BOOL
W = np.linspace(-1, 1, 24, dtype=F32)  # weights: deterministic, of either sign


class Case(NamedTuple):
    op: str  # the op whose rule the case covers (at ``opset``)
    opset: int
    nodes: list  # NodeProtos reading "x" (and the constants) and writing "y0", "y1", ...
    constants: dict  # name -> array (initializers)
    shape: tuple
    expect: frozenset  # op types the re-exported graph must hold
    outputs: tuple  # (name, element type) of the graph outputs
    dynamic: bool = True  # re-exported with a dynamic batch axis (export's default)


def case(op, shape, attrs=None, constants=(), opset=17, outputs=1, expect=None, out_type=FLOAT):
    """One node ``op(x, c0, c1, ...)`` (a None constant is an absent optional input)."""
    names, inits = ["x"], {}
    for i, value in enumerate(constants):
        names.append("" if value is None else f"c{i}")
        if value is not None:
            inits[f"c{i}"] = np.asarray(value)
    outs = [f"y{i}" for i in range(outputs)]
    node = helper.make_node(op, names, outs, name=f"the_{op}", **(attrs or {}))
    return Case(op, opset, [node], inits, shape, frozenset(expect or {op}),
                tuple((o, out_type) for o in outs))


def chain(op, shape, nodes, constants=None, opset=17, expect=None, out_type=FLOAT):
    """Several nodes (``(op, inputs, outputs, attrs)``), the last writing y0; ``op`` is the op
    under test among them."""
    protos = [helper.make_node(t, list(i), list(o), **(a or {})) for t, i, o, a in nodes]
    return Case(op, opset, protos, dict(constants or {}), shape, frozenset(expect or {op}),
                (("y0", out_type),))


def _rows(n, m):
    return W[:n * m].reshape(n, m) if n * m <= W.size else np.linspace(-1, 1, n * m, dtype=F32).reshape(n, m)


ZERO = np.zeros((), F32)
SCALAR_INTS = {"zero": np.array(0, I64), "one": np.array(1, I64), "two": np.array(2, I64)}


def _recurrent(op, gates, attrs=None):
    weights = {"W": np.linspace(-0.5, 0.5, 2 * gates * 5 * 3, dtype=F32).reshape(2, gates * 5, 3),
               "R": np.linspace(0.4, -0.4, 2 * gates * 25, dtype=F32).reshape(2, gates * 5, 5),
               "B": np.linspace(-0.2, 0.3, 2 * 2 * gates * 5, dtype=F32).reshape(2, 2 * gates * 5)}
    node = helper.make_node(op, ["x", "W", "R", "B"], ["y0", "y1"], hidden_size=5,
                            direction="bidirectional", **(attrs or {}))
    return Case(op, 17, [node], weights, (4, 2, 3), frozenset({op}), (("y0", FLOAT), ("y1", FLOAT)))


def _unary(op, before=None, opset=17, attrs=None):
    """op(x), or op(before(x)) for a domain (Abs before Sqrt and Log)."""
    if before is None:
        return case(op, (3, 4), attrs, opset=opset)
    return chain(op, (3, 4), [(before, ["x"], ["t"], None), (op, ["t"], ["y0"], attrs)], opset=opset)


def _compared(op, before=None, constant=ZERO):
    """A comparison of x (or of before(x)) with a constant: a bool output."""
    first = [(before, ["x"], ["t"], None)] if before else []
    return chain(op, (3, 4), [*first, (op, ["t" if before else "x", "c"], ["y0"], None)],
                 {"c": constant}, expect={op}, out_type=BOOL)


def _logic(op):
    nodes = [("Greater", ["x", "c"], ["p"], None), ("Less", ["x", "h"], ["q"], None)]
    nodes.append((op, ["p"], ["y0"], None) if op == "Not" else (op, ["p", "q"], ["y0"], None))
    return chain(op, (3, 4), nodes, {"c": ZERO, "h": np.array(0.5, F32)}, out_type=BOOL)


def _then_add(op, produce, constants=None, expect=("Add",), opset=17, cast=True):
    """A constant-making op (Shape, Size, Range, ...) whose result is cast and added to x, so the
    model's output depends on x; re-exported, the constant is a Constant (or computed)."""
    nodes = list(produce)
    nodes += [("Cast", ["made"], ["made_f"], {"to": FLOAT})] if cast else []
    nodes.append(("Add", ["x", "made_f" if cast else "made"], ["y0"], None))
    return chain(op, (3, 2), nodes, constants, opset=opset, expect=set(expect))


CONV_W = np.linspace(-1, 1, 3 * 2 * 9, dtype=F32).reshape(3, 2, 3, 3)
CASES = {
    # elementwise.py
    **{op: case(op, (3, 4), constants=(np.linspace(0.5, 2, 4, dtype=F32),))
       for op in ("Add", "Sub", "Mul", "Div")},
    "Pow": case("Pow", (3, 4), constants=(np.array(2.0, F32),)),
    "MatMul": case("MatMul", (3, 4), constants=(_rows(4, 5),)),
    "Einsum": case("Einsum", (2, 3, 4), {"equation": "bij,jk->bik"}, (_rows(4, 5),)),
    **{op: _unary(op) for op in ("Neg", "Exp", "Abs", "Sin", "Cos", "Tanh", "Floor", "Ceil",
                                 "Sign", "Reciprocal")},
    "Sqrt": _unary("Sqrt", "Abs"),
    "Log": _unary("Log", "Abs"),
    "Erf": _unary("Erf"),
    **{op: case(op, (3, 4), constants=(np.full((4,), 0.1, F32), np.full((1, 4), -0.2, F32)),
                expect=expect)
       for op, expect in (("Max", {"Max"}), ("Min", {"Min"}), ("Sum", {"Add"}), ("Mean", {"Add", "Div"}))},
    "Equal": _compared("Equal", "Floor"),
    **{op: _compared(op) for op in ("Less", "Greater", "LessOrEqual", "GreaterOrEqual")},
    **{op: _logic(op) for op in ("Not", "And", "Or", "Xor")},
    "IsNaN": chain("IsNaN", (3, 4), [("Log", ["x"], ["t"], None), ("IsNaN", ["t"], ["y0"], None)],
                   out_type=BOOL),
    "IsInf": chain("IsInf", (3, 4), [("Mul", ["x", "zero"], ["z"], None), ("Reciprocal", ["z"], ["r"], None),
                                     ("IsInf", ["r"], ["y0"], {"detect_negative": 0})],
                   {"zero": ZERO}, out_type=BOOL),
    "Where": chain("Where", (3, 4), [("Greater", ["x", "zero"], ["positive"], None),
                                     ("Where", ["positive", "x", "minus"], ["y0"], None)],
                   {"zero": ZERO, "minus": np.full((4,), -1.0, F32)}, expect={"Greater", "Where"}),
    "Mod": case("Mod", (3, 4), {"fmod": 1}, (np.full((4,), 0.7, F32),)),
    "Cast": case("Cast", (3, 4), {"to": TensorProto.INT32}, out_type=TensorProto.INT32),
    "CastLike": case("CastLike", (3, 4), constants=(np.array(0, np.int32),), expect={"Cast"},
                     out_type=TensorProto.INT32),
    "Clip": case("Clip", (3, 4), constants=(np.array(-0.5, F32), np.array(0.4, F32))),
    "Clip-6 attributes": case("Clip", (3, 4), {"min": -0.5, "max": 0.4}, opset=10),
    # activation.py
    **{op: _unary(op) for op in ("Relu", "Sigmoid", "Softplus")},
    "HardSwish": case("HardSwish", (3, 4), expect={"HardSigmoid", "Mul"}),
    "LeakyRelu": _unary("LeakyRelu", attrs={"alpha": 0.2}),
    "Elu": _unary("Elu", attrs={"alpha": 0.7}),
    "HardSigmoid": _unary("HardSigmoid", attrs={"alpha": 1 / 6, "beta": 0.5}),
    "Gelu": chain("Gelu", (3, 4), [("Gelu", ["x"], ["y0"], None)], opset=20, expect={"Erf"}),
    "Softmax": case("Softmax", (2, 3, 4), {"axis": 1}),
    "LogSoftmax": case("LogSoftmax", (2, 3, 4), {"axis": 1}),
    "Softmax-11 coerced to 2-d": case("Softmax", (2, 3, 4), {"axis": 1}, opset=11, expect={"Softmax"}),
    "LogSoftmax-1 default axis": case("LogSoftmax", (2, 3, 4), opset=9, expect={"LogSoftmax"}),
    # conv.py
    "Conv": case("Conv", (1, 2, 5, 5), {"pads": [0, 1, 1, 0]}, (CONV_W, np.array([0.1, 0.2, 0.3], F32))),
    "ConvTranspose": case("ConvTranspose", (1, 3, 4, 4), {"strides": [2, 2], "pads": [1, 1, 1, 1]},
                          (CONV_W,)),
    "MaxPool": case("MaxPool", (1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2],
                                              "pads": [1, 1, 1, 1], "ceil_mode": 1}),
    "AveragePool": case("AveragePool", (1, 2, 5, 5), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]},
                        expect={"MatMul"}),  # padding not counted: pooling matrices,
    "GlobalAveragePool": case("GlobalAveragePool", (2, 3, 4, 5), expect={"ReduceMean"}),
    "GlobalMaxPool": case("GlobalMaxPool", (2, 3, 4, 5), expect={"ReduceMax"}),
    "Pad": case("Pad", (1, 2, 4, 4), {"mode": "reflect"}, (np.array([0, 0, 1, 2, 0, 0, 2, 1], I64),)),
    "Pad-2 attributes": case("Pad", (2, 3), {"pads": [0, 1, 1, 2], "value": 1.5}, opset=10),
    # nn.py
    "Gemm": case("Gemm", (3, 4), {"transB": 1, "alpha": 0.5}, (_rows(5, 4), np.linspace(0, 1, 5, dtype=F32)),
                 expect={"MatMul", "Add"}),
    "BatchNormalization": case("BatchNormalization", (2, 3, 4, 4), constants=(
        np.array([1.0, 0.5, 2.0], F32), np.array([0.1, 0.0, -0.1], F32), np.array([0.2, -0.1, 0.0], F32),
        np.array([1.5, 0.5, 1.0], F32))),
    "LayerNormalization": case("LayerNormalization", (2, 3, 4), {"axis": 1},
                               (np.linspace(0.5, 1.5, 12, dtype=F32).reshape(3, 4),
                                np.linspace(-1, 1, 12, dtype=F32).reshape(3, 4))),
    "Dropout": case("Dropout", (3, 4), constants=(np.array(0.3, F32),), expect={"Identity"}),
    "Identity": case("Identity", (3, 4)),
    # recurrent.py
    "LSTM": _recurrent("LSTM", 4),
    "GRU": _recurrent("GRU", 3, {"linear_before_reset": 1}),
    # reduction.py
    "ReduceSum": case("ReduceSum", (2, 3, 4), {"keepdims": 0}, (np.array([1], I64),)),
    **{op: case(op, (2, 3, 4), {"axes": [-1], "keepdims": 1})
       for op in ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceLogSumExp")},
    # resize.py
    "Resize": case("Resize", (1, 2, 4, 6), {"mode": "linear", "coordinate_transformation_mode": "half_pixel"},
                   (None, np.array([1, 1, 2, 1.5], F32)), opset=13, expect={"MatMul"}),
    "Resize-10": case("Resize", (1, 2, 4, 6), {"mode": "nearest"}, (np.array([1, 1, 2, 2], F32),), opset=10,
                      expect={"MatMul"}),
    "Upsample": case("Upsample", (1, 2, 3, 3), {"mode": "nearest"}, (np.array([1, 1, 2, 3], F32),), opset=9,
                     expect={"MatMul"}),
    # indexing.py
    "Slice": case("Slice", (4, 6), constants=(np.array([-1], I64), np.array([np.iinfo(I64).min], I64),
                                              np.array([1], I64), np.array([-2], I64))),
    "Slice-1 attributes": case("Slice", (4, 6), {"starts": [1, 0], "ends": [3, 5], "axes": [0, 1]}, opset=9),
    "Gather": case("Gather", (3, 4), {"axis": 1}, (np.array([2, 0, -1], I64),)),
    "GatherElements": case("GatherElements", (3, 4), {"axis": 1},
                           (np.array([[0, 3], [1, 1], [-1, 2]], I64),)),
    "ScatterND": case("ScatterND", (4, 3), constants=(np.array([[2], [0]], I64), np.ones((2, 3), F32)),
                      expect={"ScatterND", "Where"})._replace(dynamic=False),  # a flat mask: static shape
    # shape.py
    "Reshape": case("Reshape", (2, 3, 4), constants=(np.array([0, -1], I64),)),
    "Reshape-1 attribute": case("Reshape", (2, 3, 4), {"shape": [0, -1]}, opset=4),
    "Flatten": case("Flatten", (2, 3, 4), {"axis": 2}, expect={"Reshape"}),
    "Transpose": case("Transpose", (2, 3, 4), {"perm": [2, 0, 1]}),
    "Concat": case("Concat", (2, 3), {"axis": 0}, (_rows(1, 3),)),
    "Split": case("Split", (2, 6), {"axis": 1}, (np.array([2, 4], I64),), outputs=2),
    "Split-11 attribute": case("Split", (2, 6), {"axis": 1, "split": [2, 4]}, opset=11, outputs=2),
    "Squeeze": case("Squeeze", (2, 1, 3), constants=(np.array([1], I64),), expect={"Reshape"}),
    "Unsqueeze": case("Unsqueeze", (2, 3), constants=(np.array([1, -1], I64),), expect={"Reshape"}),
    "Expand": case("Expand", (3, 1), constants=(np.array([2, 1, 4], I64),)),
    "Tile": case("Tile", (2, 3), constants=(np.array([2, 3], I64),)),
    # the values follow the batch: computed from the input's Shape again, not frozen
    "Shape": _then_add("Shape", [("Shape", ["x"], ["made"], None)], expect={"Shape", "Gather", "Add"}),
    "Size": _then_add("Size", [("Size", ["x"], ["made"], None)], expect={"Shape", "Mul", "Add"}),
    "Constant": _then_add("Constant", [("Constant", [], ["made"],
                                        {"value": numpy_helper.from_array(np.array([1.5, -2.0], F32))})],
                          cast=False),
    "ConstantOfShape": _then_add("ConstantOfShape", [
        ("Shape", ["x"], ["s"], None),
        ("ConstantOfShape", ["s"], ["made"], {"value": numpy_helper.from_array(np.array([1.5], F32))})],
        cast=False, expect={"Shape", "Expand", "Add"}),
    "Range": _then_add("Range", [("Shape", ["x"], ["s"], None),
                                 ("Gather", ["s", "one"], ["n"], {"axis": 0}),
                                 ("Range", ["zero", "n", "one"], ["made"], None)], SCALAR_INTS),
}


def _proto(c: Case) -> onnx.ModelProto:
    inits = [numpy_helper.from_array(a, n) for n, a in c.constants.items()]
    graph = helper.make_graph(c.nodes, c.op, [helper.make_tensor_value_info("x", FLOAT, c.shape)],
                              [helper.make_tensor_value_info(n, t, None) for n, t in c.outputs],
                              initializer=inits)
    ir = 3 if c.opset < 7 else next(e[1] for e in helper.VERSION_TABLE if e[2] == c.opset)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", c.opset)], ir_version=ir)


def _run(proto: onnx.ModelProto, x: np.ndarray) -> list:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})


def _expected(proto, model, x):
    """ONNX Runtime's outputs; for the forms it no longer runs (opset 4's Reshape), zerograd's
    (test_import_ops checks those against NumPy)."""
    if proto.opset_import[0].version < 7:
        with test_mode():
            return [np.asarray(v.data) for v in _outputs(model(x))]
    return _run(proto, x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_imported_node_re_exports_with_the_same_numbers(tmp_path, name):
    c = CASES[name]
    proto = _proto(c)
    x = np.random.default_rng(0).standard_normal(c.shape).astype(F32)
    model = load(proto)
    expected = _expected(proto, model, x)
    again = export(model, x, opset=max(17, c.opset), dynamic_axes=None if c.dynamic else {})
    types = {node.op_type for node in again.graph.node}
    assert c.expect <= types, f"{name}: expected {sorted(c.expect)} in {sorted(types)}"
    _same(_run(again, x), expected)
    if c.dynamic:  # the batch axis stayed dynamic: one more row runs as zerograd's model does
        longer = np.random.default_rng(1).standard_normal((c.shape[0] + 1, *c.shape[1:])).astype(F32)
        with test_mode():
            _same(_run(again, longer), [np.asarray(y.data) for y in _outputs(model(longer))])


def _outputs(y):
    return y if isinstance(y, tuple) else (y,)


def _same(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.dtype == e.dtype and a.shape == e.shape, (a.dtype, a.shape, e.dtype, e.shape)
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


def _rule_groups() -> dict[tuple[str, str, int], list[int]]:
    """(domain, op, id of the rule) -> the since_versions that rule serves."""
    groups: dict[tuple[str, str, int], list[int]] = {}
    for (domain, op, version), run in IMPORTS.items():
        groups.setdefault((domain, op, id(run)), []).append(version)
    return groups


def test_every_import_rule_has_a_round_trip_case():
    covered = set()
    for c in CASES.values():
        version = since_version(c.op, c.opset)
        assert ("", c.op, version) in IMPORTS, f"{c.op} at opset {c.opset}: no rule"
        covered.add(("", c.op, id(IMPORTS[("", c.op, version)])))
    missing = [f"{domain + '.' if domain else ''}{op} (versions {sorted(versions)})"
               for (domain, op, rule), versions in sorted(_rule_groups().items())
               if (domain, op, rule) not in covered]
    assert not missing, f"import rules without a round-trip case in CASES: {', '.join(missing)}"


def test_a_data_dependent_where_re_exports_its_condition(tmp_path):
    """The condition of an imported Where comes from Greater on the input: re-exported, it is
    still computed, so the file gives ONNX Runtime's numbers at another input and batch."""
    proto = _proto(CASES["Where"])
    rng = np.random.default_rng(1)
    model = load(proto)
    again = export(model, rng.standard_normal((3, 4)).astype(F32), opset=17)
    assert "Greater" in {node.op_type for node in again.graph.node}
    other = rng.standard_normal((3, 4)).astype(F32)
    np.testing.assert_array_equal(_run(again, other)[0], _run(proto, other)[0])
    longer = rng.standard_normal((5, 4)).astype(F32)
    np.testing.assert_array_equal(_run(again, longer)[0], np.where(longer > 0, longer, F32(-1)))
