"""The ONNX graph under construction: unique names, constants as initializers, nodes, the few
helpers whose form changes with the opset (reductions took axes as an attribute before 18), and
(from dynamic.py) the sizes that follow the dynamic axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from onnx import helper, numpy_helper
from zerograd.core import cuda
from zerograd.onnx.dynamic import DynamicShapes, Symbol


def _host(array: Any) -> np.ndarray:
    """A contiguous NumPy copy of a NumPy or CuPy array (a model on the GPU exports as it is)."""
    return np.ascontiguousarray(cuda.as_numpy(array))


class Emitter(DynamicShapes):
    """Collects nodes and initializers while the exporter walks the recorded graph."""

    def __init__(self, opset: int, buffer_names: dict[int, str] | None = None) -> None:
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        # id(array) of each model input -> its graph name (embed_id's ids index with it)
        self.input_arrays: dict[int, str] = {}
        self._buffer_names = buffer_names or {}  # id(array) -> dotted name of a model buffer
        self._used: set[str] = set()
        self.symbols: list[Symbol] = []
        self.partners: dict[int, list[Any]] = {}

    def fresh(self, hint: str) -> str:
        """A name no other value of the graph has, built from ``hint``."""
        name, k = hint, 1
        while name in self._used:
            k += 1
            name = f"{hint}_{k}"
        self._used.add(name)
        return name

    def initializer(self, array: Any, hint: str, fresh: bool = True) -> str:
        """An initializer named from ``hint`` (exactly ``hint`` when ``fresh`` is False: a
        parameter whose name was reserved when the walk began)."""
        name = self.fresh(hint) if fresh else hint
        self.initializers.append(numpy_helper.from_array(_host(array), name))
        return name

    def buffer(self, array: Any, hint: str) -> str:
        """A model buffer (running statistics) as an initializer under its dotted name."""
        return self.initializer(array, self._buffer_names.get(id(array), hint))

    def literal(self, array: Any, hint: str, others: list | None = None) -> str:
        """A constant as a Constant node, not an initializer: initializers are the model's
        parameters and buffers, which load() turns into Parameters. ``others``: the same constant
        in the extra traces; one whose shape follows a dynamic axis is computed in the graph."""
        if others:
            computed = self.dynamic_literal(_host(array), [_host(o) for o in others], hint)
            if computed is not None:
                return computed
        value = numpy_helper.from_array(_host(array), self.fresh(f"{hint}_value"))
        return self.node("Constant", [], [self.fresh(hint)], value=value)

    def constant(self, value: Any, dtype: Any) -> str:
        """A constant of ``dtype`` (a scalar or an array)."""
        return self.literal(np.asarray(value, dtype=dtype), "const")

    def ints(self, values: Any) -> str:
        """A 1-D int64 constant (shapes, axes, split sizes, slice bounds)."""
        return self.literal(np.asarray(values, dtype=np.int64).reshape(-1), "ints")

    def node(self, op: str, inputs: list[str], outputs: list[str] | None = None, **attrs: Any) -> str:
        """Append one node; returns its (first) output name, fresh when ``outputs`` is None."""
        outputs = outputs or [self.fresh(op.lower())]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=self.fresh(f"{op}_node"),
                                           **attrs))
        return outputs[0]

    def reduce(self, op: str, x: str, axes: Any, keepdims: bool, out: str | None = None) -> str:
        """ReduceSum/Mean/Max/Min/LogSumExp over ``axes`` (None: all). ReduceSum took axes as an
        input from opset 13, the others from opset 18."""
        attrs = {"keepdims": int(keepdims)}
        outputs = None if out is None else [out]
        if axes is None:
            return self.node(op, [x], outputs, **attrs)
        axes = [int(a) for a in np.atleast_1d(axes)]
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.ints(axes)], outputs, **attrs)
        return self.node(op, [x], outputs, axes=axes, **attrs)

    def squeeze(self, x: str, axes: list[int], out: str | None = None) -> str:
        return self.node("Squeeze", [x, self.ints(axes)], None if out is None else [out])

    def unsqueeze(self, x: str, axes: list[int], out: str | None = None) -> str:
        return self.node("Unsqueeze", [x, self.ints(axes)], None if out is None else [out])

    def batch_size(self, x: str, dtype: Any) -> str:
        """x's first dimension as a scalar of ``dtype``: losses divide by it, batch axis dynamic."""
        n = self.node("Gather", [self.node("Shape", [x]), self.ints([0])], axis=0)
        scalar = self.squeeze(n, [0])
        return self.node("Cast", [scalar], to=helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
