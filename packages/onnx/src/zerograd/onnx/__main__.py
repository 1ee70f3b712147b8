"""``python -m zerograd.onnx inspect model.onnx``: what is inside an ONNX file, and whether zerograd
imports it.

The answer "yes" is earned: the model is loaded the way ``zerograd.onnx.load`` loads it (every
check of ``reading`` and ``validate``) and runs one forward on dummy inputs of the declared shapes
(a dynamic dimension set to 1, all inputs together within ``MAX_DUMMY_ELEMENTS``); outputs of a
shape other than the declared one are a "no". Every name from the file is printed with control
characters escaped (a model name cannot forge a verdict line or clear the screen), and every failure
is one line: exit status 0 importable, 1 not importable, 2 not a readable ONNX file.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import sys
import warnings
from typing import Any

import numpy as np

import onnx
from zerograd.core import no_grad
from zerograd.nn import test_mode
from zerograd.onnx import safety
from zerograd.onnx.load import load, opsets_of, unsupported_nodes
from zerograd.onnx.reading import parse_model

PROG = "python -m zerograd.onnx inspect"
MAX_DUMMY_ELEMENTS = 2**24


def escape(text: Any) -> str:
    """A name from the file with every non-printable character (newline, ESC, bidirectional
    overrides) and the backslash written as Python escapes, so what is printed is what it holds."""
    return "".join("\\\\" if c == "\\" else _printable(c) for c in str(text))


def _printable(text: str) -> str:
    """``text`` with its non-printable characters escaped (messages, whose names are reprs)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _one_line(err: BaseException) -> str:
    return _printable(" ".join(str(err).split()) or type(err).__name__)


def _dims(shape: Any) -> str:
    return "(" + ", ".join(escape(d.dim_param) if d.dim_param else
                           str(d.dim_value) if d.HasField("dim_value") else "?" for d in shape.dim) + ")"


def _elem_type(elem_type: int) -> str:
    try:
        return onnx.helper.tensor_dtype_to_np_dtype(elem_type).name
    except Exception:  # UNDEFINED, or a type NumPy has no name for
        return f"<element type {elem_type}>"


def type_text(type_proto: Any) -> str:
    """A value's type as text, for tensors and the types zerograd does not import (sequence,
    optional, map, sparse tensor)."""
    kind = type_proto.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        tensor = getattr(type_proto, kind)
        shape = _dims(tensor.shape) if tensor.HasField("shape") else "(shape unknown)"
        return ("sparse " if kind == "sparse_tensor_type" else "") + f"{_elem_type(tensor.elem_type)} {shape}"
    if kind == "sequence_type":
        return f"sequence of {type_text(type_proto.sequence_type.elem_type)}"
    if kind == "optional_type":
        return f"optional {type_text(type_proto.optional_type.elem_type)}"
    if kind == "map_type":
        key, value = type_proto.map_type.key_type, type_proto.map_type.value_type
        return f"map {_elem_type(key)} -> {type_text(value)}"
    return "<no type>"


def _inputs(graph: Any) -> list[Any]:
    initialized = {init.name for init in graph.initializer}
    return [i for i in graph.input if i.name not in initialized]


def describe(proto: onnx.ModelProto) -> str:
    """The report ``inspect`` prints before its verdict: inputs, outputs, operator counts and the
    parameter count."""
    graph = proto.graph
    opsets = ", ".join(f"{escape(o.domain or 'ai.onnx')} {o.version}" for o in proto.opset_import)
    lines = [f"model: {escape(graph.name or '<unnamed>')} (producer "
             f"{escape(proto.producer_name or 'unknown')}, opset {opsets})", "inputs:"]
    lines += [f"  {escape(i.name)}: {type_text(i.type)}" for i in _inputs(graph)]
    lines.append("outputs:")
    lines += [f"  {escape(o.name)}: {type_text(o.type)}" for o in graph.output]
    counts = collections.Counter((node.domain, node.op_type) for node in graph.node)
    lines.append(f"operators ({len(graph.node)} nodes):")
    lines += [f"  {escape(f'{domain}.{op}' if domain else op)}: {n}"
              for (domain, op), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    floats = [init for init in graph.initializer if _elem_type(init.data_type) in ("float16", "float32",
                                                                                   "float64", "bfloat16")]
    count = sum(math.prod(init.dims) for init in floats)
    lines.append(f"parameters: {count:,} in {len(floats)} floating-point initializers")
    return "\n".join(lines)


# --- the verdict -------------------------------------------------------------------------------------
class NotImportable(Exception):
    """Why inspect answers "no", as one line."""


def dummy_inputs(graph: Any) -> list[np.ndarray]:
    """One array per graph input of its declared dtype and shape (a dynamic dimension set to 1):
    floats in [0.1, 1) (a valid argument to log and sqrt), integers 0 (a valid index)."""
    rng, arrays, total = np.random.default_rng(0), [], 0
    for value in _inputs(graph):
        name, kind = repr(value.name), value.type.WhichOneof("value")
        if kind != "tensor_type":
            raise NotImportable(f"input {name} is a {type_text(value.type)}; zerograd imports "
                                f"tensor inputs only")
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            raise NotImportable(f"input {name} declares no shape, so no dummy input can be built")
        shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in tensor.shape.dim)
        total += math.prod(shape)
        if total > MAX_DUMMY_ELEMENTS:
            raise NotImportable(f"dummy inputs would hold more than {MAX_DUMMY_ELEMENTS:,} elements "
                                f"(input {name} {shape}); not run")
        try:
            dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type)
        except Exception as err:
            raise NotImportable(f"input {name}: element type {tensor.elem_type}: {_one_line(err)}") from None
        arrays.append(rng.uniform(0.1, 1.0, shape).astype(dtype) if dtype.kind in "fc"
                      else np.zeros(shape, dtype))
    return arrays


def _check_outputs(graph: Any, outputs: Any) -> None:
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    if len(outputs) != len(graph.output):
        raise NotImportable(f"the forward gave {len(outputs)} outputs, the model declares "
                            f"{len(graph.output)}")
    for value, out in zip(graph.output, outputs):
        tensor, shape = value.type.tensor_type, tuple(getattr(out, "shape", ()))
        if value.type.WhichOneof("value") != "tensor_type" or not tensor.HasField("shape"):
            continue
        dims = tensor.shape.dim
        if len(dims) != len(shape) or any(d.HasField("dim_value") and d.dim_value != n
                                          for d, n in zip(dims, shape)):
            raise NotImportable(f"output {value.name!r} came out {shape}, the model "
                                f"declares {_dims(tensor.shape)}")


def verdict(path: str, proto: onnx.ModelProto) -> str:
    """"yes, ..." after a full load of ``path`` and one forward, or raise NotImportable."""
    problems = unsupported_nodes(proto.graph, opsets_of(proto))
    if problems:
        raise NotImportable(f"{len(problems)} unsupported node(s):\n" +
                            "\n".join(f"  {_printable(p)}" for p in problems))
    arrays = dummy_inputs(proto.graph)
    try:
        model = load(path)
        with warnings.catch_warnings(), np.errstate(all="ignore"), test_mode(), no_grad():
            warnings.simplefilter("ignore")
            outputs = model(*arrays)
    except Exception as err:  # anything the import or the forward raises is the reason
        raise NotImportable(f"{type(err).__name__}: {_one_line(err)}") from None
    _check_outputs(proto.graph, outputs)
    shapes = ", ".join(str(a.shape) for a in arrays)
    return f"yes, imported and ran one forward on dummy inputs of shape {shapes}"


def inspect(path: str) -> int:
    """Print the report and the verdict for ``path``; the exit status."""
    if not os.path.lexists(path):
        print(f"{PROG}: no file at {path!r}", file=sys.stderr)
        return 2
    try:
        proto = parse_model(safety.read_model_file(path), repr(path))
        report = describe(proto)
    except Exception as err:  # a device, a FIFO, a truncated or foreign file: say so in one line
        print(f"{PROG}: {path!r} is not a readable ONNX model ({_one_line(err)})",
              file=sys.stderr)
        return 2
    print(report)
    try:
        print(f"zerograd can import: {verdict(path, proto)}")
    except NotImportable as err:
        print(f"zerograd can import: no, {err}")
        return 1
    except Exception as err:  # a defect of inspect itself: still one line, still "no"
        print(f"zerograd can import: no, {type(err).__name__}: {_one_line(err)}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zerograd.onnx",
                                     description="Look inside ONNX models.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("inspect", help="print inputs, outputs, operators, parameters "
                                  "and whether zerograd imports and runs the model")
    command.add_argument("path", help="an .onnx file")
    args = parser.parse_args(argv)
    return inspect(args.path)


if __name__ == "__main__":
    sys.exit(main())
