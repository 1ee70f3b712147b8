"""load(): an ONNX graph as a zerograd Model whose Parameters are the graph's weight initializers
and whose forward runs each node through the import rule that the model's opset selects
(``zerograd.onnx.ops``)."""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

import onnx
from onnx import helper, numpy_helper
from zerograd.core import Config, Parameter, Variable, using_config
from zerograd.nn import Layer, Model
from zerograd.onnx.ops import ONNX_DOMAINS, UnknownVersion, UnsupportedAttribute, resolve
from zerograd.onnx.reading import read_model

# (op, input slots) that hold weights: a float initializer there is a trainable Parameter
WEIGHT_SLOTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (0, 1, 2), "MatMul": (0, 1),
                "BatchNormalization": (1, 2), "LayerNormalization": (1, 2), "PRelu": (1,),
                "LSTM": (1, 2, 3, 5, 6), "GRU": (1, 2, 3, 5), "InstanceNormalization": (1, 2)}


class OnnxImportError(ValueError):
    """An ONNX model that zerograd cannot run (an unsupported operator or attribute)."""


def load(source: str | os.PathLike | bytes | onnx.ModelProto, *,
         base_dir: str | os.PathLike | None = None) -> OnnxModel:
    """The ONNX model at ``source`` (a path, serialized bytes or a ModelProto) as a zerograd Model.

    Floating-point initializers become Parameters named from the graph (``fc1.weight`` is reached
    as ``model.fc1.weight`` and listed by ``named_params()``); batch normalisation's running
    statistics and integer constants become buffers. Every operator is checked before anything
    runs: an unsupported one raises OnnxImportError naming it and the node that uses it.

    The file is not trusted (``zerograd.onnx.reading``): only a regular file is read; a malformed
    graph, a declared size the data does not have, or a tensor built from constants above
    ``zerograd.onnx.safety.MAX_ELEMENTS`` raises InvalidModelError naming the node and the reason.
    External data is read only from under ``base_dir``, by default the model file's folder; from
    bytes or a ModelProto, only when ``base_dir`` is given.
    """
    return OnnxModel(read_model(source, base_dir=base_dir))


def opsets_of(proto: onnx.ModelProto) -> dict[str, int]:
    """Domain ('' for ONNX's own) -> the opset the model imports."""
    return {("" if entry.domain == "ai.onnx" else entry.domain): int(entry.version)
            for entry in proto.opset_import}


def unsupported_nodes(graph: Any, opsets: dict[str, int] | None = None) -> list[str]:
    """A line per node that zerograd cannot import at the model's opsets (by default the newest):
    operator, node name, inputs and why."""
    opsets = opsets or {}
    lines = []
    for node in graph.node:
        domain = "" if node.domain == "ai.onnx" else node.domain
        try:
            resolve(node.op_type, domain, opsets.get(domain, _newest(domain)))
        except UnknownVersion as err:
            op = node.op_type if domain == "" else f"{domain}.{node.op_type}"
            lines.append(f"{op} (node {node.name or '<unnamed>'!r}, inputs {list(node.input)}): {err}")
    return lines


def _newest(domain: str) -> int:
    return onnx.defs.onnx_opset_version() if domain == "" else 1


def trainable_initializers(graph: Any) -> set[str]:
    """The float initializers that become Parameters: those at a weight slot, and any other one
    with more than one element (a learned table or token); scalars elsewhere (a Clip bound, an
    attention scale, a Pow exponent) and batch normalisation's statistics stay constants."""
    at_weight, elsewhere = set(), set()
    for node in graph.node:
        slots = WEIGHT_SLOTS.get(node.op_type, ()) if node.domain in ONNX_DOMAINS else ()
        for i, name in enumerate(node.input):
            (at_weight if i in slots else elsewhere).add(name)
    settings = _constant_slots(graph)
    result = set()
    for init in graph.initializer:
        if init.data_type not in FLOAT_TYPES:
            continue
        size = int(np.prod(init.dims, dtype=np.int64))
        if init.name in at_weight or (init.name in elsewhere and size > 1 and init.name not in settings):
            result.add(init.name)
    return result


def _constant_slots(graph: Any) -> set[str]:
    """Initializers read as settings (bounds, scales, pads, batch statistics), never learned."""
    slots = {"Clip": (1, 2), "Pad": (1, 2, 3), "Resize": (1, 2, 3), "Upsample": (1,),
             "BatchNormalization": (3, 4), "Dropout": (1, 2), "Range": (0, 1, 2)}
    return {name for node in graph.node for i, name in enumerate(node.input)
            if i in slots.get(node.op_type, ())}


FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16,
               onnx.TensorProto.BFLOAT16}


class OnnxModel(Model):
    """A zerograd Model running an ONNX graph with zerograd Functions (so it trains, differentiates
    to higher order, saves its weights and moves to the GPU like any model)."""

    def __init__(self, proto: onnx.ModelProto) -> None:
        super().__init__()
        graph = proto.graph
        opsets = opsets_of(proto)
        problems = unsupported_nodes(graph, opsets)
        if problems:
            raise OnnxImportError("load: zerograd cannot import these operators: " + "; ".join(problems))
        trainable = trainable_initializers(graph)
        self._places: dict[str, tuple[Layer, str]] = {}
        for init in graph.initializer:
            array = np.array(numpy_helper.to_array(init))  # a writable copy
            self._place(init.name, array, init.name in trainable)
        initialized = {init.name for init in graph.initializer}
        self.input_names = [i.name for i in graph.input if i.name not in initialized]
        self.output_names = [o.name for o in graph.output]
        self._nodes = [(node, {a.name: helper.get_attribute_value(a) for a in node.attribute},
                        resolve(node.op_type, node.domain, opsets.get(
                            "" if node.domain == "ai.onnx" else node.domain, _newest(node.domain))))
                       for node in graph.node]

    # --- initializers as Parameters and buffers, named from the graph -------------------------
    def _place(self, name: str, array: np.ndarray, trainable: bool) -> None:
        """Put an initializer at the dotted path its name gives (child Layers for the prefixes),
        or flat under a sanitized name when the path clashes with something already there."""
        parts = [_identifier(part) for part in name.split(".")]
        owner: Layer = self
        for part in parts[:-1]:
            child = owner.__dict__.get(part)
            if child is None:
                child = Layer()
                setattr(owner, part, child)
            elif not isinstance(child, Layer):
                owner, parts = self, [_identifier(name)]
                break
            owner = child
        leaf = parts[-1]
        while leaf in owner.__dict__ or hasattr(type(owner), leaf):
            leaf += "_"
        if trainable:
            setattr(owner, leaf, Parameter(array, name=name))
        else:
            owner.register_buffer(leaf, array)
        self._places[name] = (owner, leaf)

    def initializer(self, name: str) -> Any:
        """The Parameter or buffer that holds the graph's initializer ``name``."""
        owner, leaf = self._places[name]
        return getattr(owner, leaf)

    # --- running the graph -------------------------------------------------------------------
    def forward(self, *inputs: Any) -> Any:
        if len(inputs) != len(self.input_names):
            raise ValueError(f"OnnxModel: the graph takes {len(self.input_names)} inputs "
                             f"{self.input_names}, got {len(inputs)}")
        values: dict[str, Any] = {name: self.initializer(name) for name in self._places}
        for name, x in zip(self.input_names, inputs):
            values[name] = x if isinstance(x, Variable) else Variable(np.asarray(x), requires_grad=False)
        with using_config("train", Config.train and self.training):  # eval() reaches every node
            return self._run(values)

    def _run(self, values: dict[str, Any]) -> Any:
        for node, attrs, rule in self._nodes:
            xs = [values[name] if name else None for name in node.input]
            try:
                outs = rule(node, attrs, xs)
            except (UnsupportedAttribute, ValueError, TypeError, IndexError) as err:
                raise OnnxImportError(f"OnnxModel: node {node.name or '<unnamed>'!r} "
                                      f"({node.op_type}): {err}") from err
            if not any(isinstance(x, Variable) for x in xs):  # constants stay plain arrays
                outs = [o.data if isinstance(o, Variable) else o for o in outs]
            for name, out in zip(node.output, outs):
                if name:
                    values[name] = out
        results = [values[name] for name in self.output_names]
        return results[0] if len(results) == 1 else tuple(results)

    def extra_repr(self) -> str:
        return f"inputs={self.input_names}, outputs={self.output_names}, nodes={len(self._nodes)}"


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return name if name and not name[0].isdigit() else f"_{name}"
