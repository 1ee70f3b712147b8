"""``python -m zerograd.onnx inspect model.onnx``: what is inside an ONNX file, and whether zerograd
can import every operator of it."""

from __future__ import annotations

import argparse
import collections
import os
import sys
from typing import Any

import numpy as np

import onnx
from zerograd.onnx.load import unsupported_nodes


def _shape(value_info: Any) -> str:
    dims = value_info.type.tensor_type.shape.dim
    return "(" + ", ".join(d.dim_param or str(d.dim_value) for d in dims) + ")"


def _dtype(value_info: Any) -> str:
    return onnx.helper.tensor_dtype_to_np_dtype(value_info.type.tensor_type.elem_type).name


def describe(proto: onnx.ModelProto) -> str:
    """The report ``inspect`` prints: inputs, outputs, operator counts, parameter count and
    whether zerograd can import every operator."""
    graph = proto.graph
    initialized = {init.name for init in graph.initializer}
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in proto.opset_import)
    lines = [f"model: {graph.name or '<unnamed>'} (producer {proto.producer_name or 'unknown'}, "
             f"opset {opsets})", "inputs:"]
    lines += [f"  {i.name}: {_dtype(i)} {_shape(i)}" for i in graph.input if i.name not in initialized]
    lines.append("outputs:")
    lines += [f"  {o.name}: {_dtype(o)} {_shape(o)}" for o in graph.output]
    counts = collections.Counter(node.op_type for node in graph.node)
    lines.append(f"operators ({len(graph.node)} nodes):")
    lines += [f"  {op}: {n}" for op, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    floats = [init for init in graph.initializer
              if onnx.helper.tensor_dtype_to_np_dtype(init.data_type).kind == "f"]
    count = sum(int(np.prod(init.dims, dtype=np.int64)) for init in floats)
    lines.append(f"parameters: {count:,} in {len(floats)} floating-point initializers")
    problems = unsupported_nodes(graph)
    if problems:
        lines.append(f"zerograd can import: no, {len(problems)} unsupported node(s):")
        lines += [f"  {p}" for p in problems]
    else:
        lines.append("zerograd can import: yes, every operator")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zerograd.onnx",
                                     description="Look inside ONNX models.")
    commands = parser.add_subparsers(dest="command", required=True)
    inspect = commands.add_parser("inspect", help="print inputs, outputs, operators, parameters "
                                  "and whether zerograd can import the model")
    inspect.add_argument("path", help="an .onnx file")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.path):
        print(f"python -m zerograd.onnx inspect: no file at {args.path!r}", file=sys.stderr)
        return 2
    try:
        proto = onnx.load(args.path, load_external_data=False)
    except Exception as err:  # a corrupt or foreign file: say so instead of a protobuf traceback
        print(f"python -m zerograd.onnx inspect: {args.path!r} is not a readable ONNX model ({err})",
              file=sys.stderr)
        return 2
    print(describe(proto))
    return 0 if not unsupported_nodes(proto.graph) else 1


if __name__ == "__main__":
    sys.exit(main())
