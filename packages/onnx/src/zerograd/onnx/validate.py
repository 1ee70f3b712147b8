"""Is this ONNX graph well formed? Checked at load, before any tensor is built or any node runs.

zerograd's own checks come first, because they name the node and the reason in plain words: the
graph has inputs and outputs, no dimension is negative, every node reads only names defined before it
(graph inputs, initializers, earlier nodes' outputs: a later writer means the nodes are out of order
or on a cycle), no name has two writers, and every graph output is written. Then ONNX's shape
inference (strict where every operator is ONNX's own), the element limit on tensors built from
constants (``safety.check_element_count``), and ``onnx.checker``.
"""

from __future__ import annotations

from typing import Any

import onnx
import onnx.checker
import onnx.shape_inference
from zerograd.onnx.ops.registry import ONNX_DOMAINS
from zerograd.onnx.safety import InvalidModelError, check_element_count

# Operators whose output size can come from constants alone: a tiny file, a huge tensor.
CONSTANT_SHAPED = ("ConstantOfShape", "Expand", "Tile", "Pad", "Resize", "Upsample", "Range", "OneHot")


def node_label(node: Any, index: int) -> str:
    """How messages name a node: its name (repr: control characters escaped), or its position."""
    return f"node {node.name!r} ({node.op_type})" if node.name else f"node #{index} ({node.op_type})"


def validate_model(proto: onnx.ModelProto, label: str, light: onnx.ModelProto | None = None) -> None:
    """Refuse (InvalidModelError naming ``label``, the node and the reason) a malformed graph.
    ``light``, when given, is ``proto`` with its weights as graph inputs (``reading``'s skeleton):
    shape inference and the checker run on it, so that they do not copy the weights."""
    try:
        check_structure(proto.graph)
        inferred = _infer_shapes(proto if light is None else light)
        check_constant_shapes(inferred.graph)
        _onnx_checker(inferred)
    except InvalidModelError as err:
        raise InvalidModelError(f"load: {label}: {err}") from None


def check_structure(graph: Any) -> None:
    """zerograd's checks of the main graph (see the module's docstring)."""
    initialized = {t.name for t in graph.initializer} | {s.values.name for s in graph.sparse_initializer}
    if not [v for v in graph.input if v.name not in initialized]:
        raise InvalidModelError("the graph has no inputs (an empty, truncated or constant-only model)")
    if not graph.output:
        raise InvalidModelError("the graph has no outputs")
    if graph.sparse_initializer:  # OnnxModel builds dense initializers only: refuse, not KeyError later
        raise InvalidModelError(f"sparse initializer {graph.sparse_initializer[0].values.name!r}: "
                                f"zerograd imports dense initializers only")
    for value in (*graph.input, *graph.output, *graph.value_info):
        _check_dims(value)
    defined = {v.name for v in graph.input} | initialized
    writers: dict[str, int] = {}
    for index, node in enumerate(graph.node):
        for name in filter(None, node.output):
            if name in writers or name in defined:
                first = (node_label(graph.node[writers[name]], writers[name]) if name in writers
                         else "a graph input or initializer")
                raise InvalidModelError(f"{node_label(node, index)} writes {name!r}, which "
                                        f"{first} already defines (two writers of one name)")
            writers[name] = index
    cyclic = _nodes_on_cycles(graph, writers)
    for index, node in enumerate(graph.node):
        for name in filter(None, node.input):
            if name not in defined:
                raise InvalidModelError(_undefined(graph, index, name, writers, cyclic))
        defined.update(filter(None, node.output))
    for value in graph.output:
        if value.name not in defined:
            raise InvalidModelError(f"graph output {value.name!r} is not written by any node, input "
                                    f"or initializer")


def _check_dims(value: Any) -> None:
    if value.type.WhichOneof("value") != "tensor_type":
        return
    for dim in value.type.tensor_type.shape.dim:
        if dim.HasField("dim_value") and dim.dim_value < 0:
            raise InvalidModelError(f"value {value.name!r} declares a negative dimension "
                                    f"({dim.dim_value})")


def _undefined(graph: Any, index: int, name: str, writers: dict[str, int], cyclic: set[int]) -> str:
    label = node_label(graph.node[index], index)
    if name not in writers:
        return f"{label} reads {name!r}, which no node, graph input or initializer defines"
    writer = node_label(graph.node[writers[name]], writers[name])
    if index in cyclic:
        return f"{label} is on a cycle: it reads {name!r}, written by {writer}, which depends on it"
    return f"{label} reads {name!r} before {writer} writes it (nodes out of topological order)"


def _nodes_on_cycles(graph: Any, writers: dict[str, int]) -> set[int]:
    """The nodes Kahn's algorithm cannot order: those on a cycle or downstream of one."""
    needs = [{writers[n] for n in node.input if n in writers} for node in graph.node]
    users: list[list[int]] = [[] for _ in graph.node]
    for index, producers in enumerate(needs):
        for producer in producers:
            users[producer].append(index)
    waiting = [len(producers) for producers in needs]
    ready = [i for i, count in enumerate(waiting) if count == 0]
    done = set()
    while ready:
        index = ready.pop()
        done.add(index)
        for user in users[index]:
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return set(range(len(graph.node))) - done


def _infer_shapes(proto: onnx.ModelProto) -> onnx.ModelProto:
    """ONNX's shape inference with constants propagated (the shapes of constant-shaped outputs);
    strict, so a type or shape contradiction is refused, unless some operator is not ONNX's own
    (then the import refuses that operator by name)."""
    strict = all(node.domain in ONNX_DOMAINS for node in proto.graph.node)
    try:
        return onnx.shape_inference.infer_shapes(proto, check_type=strict, strict_mode=strict,
                                                 data_prop=True)
    except Exception as err:  # InferenceError, or a C++ error on a malformed proto
        raise InvalidModelError(f"shape inference: {_one_line(err)}") from err


def check_constant_shapes(graph: Any) -> None:
    """The element limit on the outputs of CONSTANT_SHAPED nodes whose shape inference knows."""
    shapes = {}
    for value in (*graph.value_info, *graph.output):
        if value.type.WhichOneof("value") == "tensor_type" and value.type.tensor_type.HasField("shape"):
            dims = value.type.tensor_type.shape.dim
            if all(d.HasField("dim_value") for d in dims):
                shapes[value.name] = [d.dim_value for d in dims]
    for index, node in enumerate(graph.node):
        if node.op_type in CONSTANT_SHAPED and node.domain in ONNX_DOMAINS:
            for name in node.output:
                if name in shapes:
                    try:
                        check_element_count(node.op_type, shapes[name])
                    except InvalidModelError as err:
                        raise InvalidModelError(f"{node_label(node, index)}: {err}") from None


def _onnx_checker(proto: onnx.ModelProto) -> None:
    """``onnx.checker.check_model``, which requires a shape on every graph input and output; ONNX
    Runtime runs graphs whose outputs have none, so those get the per-node and per-tensor checks."""
    values = (*proto.graph.input, *proto.graph.output)
    try:
        if all(v.type.WhichOneof("value") != "tensor_type" or v.type.tensor_type.HasField("shape")
               for v in values):
            onnx.checker.check_model(proto)
            return
        context = onnx.checker.C.CheckerContext()
        context.ir_version = proto.ir_version
        context.opset_imports = {o.domain: o.version for o in proto.opset_import}
        for tensor in proto.graph.initializer:
            onnx.checker.check_tensor(tensor, context)
        for node in proto.graph.node:
            onnx.checker.check_node(node, context)
    except Exception as err:  # ValidationError, or a C++ error on a malformed proto
        raise InvalidModelError(f"onnx.checker: {_one_line(err)}") from err


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__
