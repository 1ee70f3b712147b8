"""From a path, bytes or a ModelProto to a checked ModelProto whose tensors all hold their data.

The order is what makes it safe: parse (an unreadable file names its path), check every declared
size against the data that is there, plan the external data (each path resolved, symlinks included,
and checked to lie under the base folder; each file a regular file large enough for what is
declared; the total within ``safety.MAX_BYTES``), validate the graph, and only then read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import onnx
from onnx import TensorProto
from zerograd.onnx import safety
from zerograd.onnx.safety import InvalidModelError
from zerograd.onnx.validate import validate_model

_LIGHT_BYTES = 4096


@dataclass
class _ExternalRead:
    index: int  # the tensor's place in safety.all_tensors(graph)
    tensor: Any
    path: str
    offset: int
    length: int


def parse_model(data: bytes, label: str) -> onnx.ModelProto:
    """The ModelProto serialized in ``data``; a truncated or foreign file names ``label``."""
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except Exception as err:  # protobuf's DecodeError and its C++ twin share no useful base
        raise InvalidModelError(f"load: {label} is not a readable ONNX model (truncated or not "
                                f"ONNX: {type(err).__name__}: {err})") from err
    return proto


def read_model(source: str | os.PathLike | bytes | onnx.ModelProto,
               base_dir: str | os.PathLike | None = None) -> onnx.ModelProto:
    """``source`` as a validated ModelProto with its external data read in (a copy when the
    caller's proto had external data: the caller's proto is never changed).

    External data is read only from under ``base_dir``: by default the model file's folder; from
    bytes or a ModelProto, only when the caller names ``base_dir``.
    """
    if isinstance(source, onnx.ModelProto):
        proto, label = source, "the ModelProto"
    elif isinstance(source, (bytes, bytearray, memoryview)):
        proto, label = parse_model(bytes(source), "the bytes"), "the bytes"
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise FileNotFoundError(f"load: no ONNX file at {path!r}")
        label = repr(path)
        proto = parse_model(safety.read_model_file(path), label)
        if base_dir is None:
            base_dir = os.path.dirname(os.path.abspath(path))
    else:
        raise TypeError(f"load: expected a path, bytes or an onnx.ModelProto, got {type(source).__name__}")
    tensors = list(safety.all_tensors(proto.graph))
    for function in proto.functions:
        for node in function.node:
            for tensor in (a.t for a in node.attribute if a.HasField("t")):
                if safety.is_external(tensor):
                    raise InvalidModelError(f"load: {label}: function {function.name!r} keeps a tensor "
                                            f"in external data, which zerograd does not read")
                _checked(label, safety.check_inline_tensor, tensor)
    for tensor in tensors:
        if not safety.is_external(tensor):
            _checked(label, safety.check_inline_tensor, tensor)
    reads = _plan_external_reads(tensors, base_dir, label)
    validate_model(proto, label, light=_skeleton(proto, reads))
    if reads:
        proto = _read_external(proto, reads)
    return proto


def _checked(label: str, check: Any, *args: Any) -> Any:
    """``check(*args)`` with the model's label put before a refusal's reason."""
    try:
        return check(*args)
    except InvalidModelError as err:
        raise InvalidModelError(f"load: {label}: {err}") from None


# --- external data -----------------------------------------------------------------------------------
def _plan_external_reads(tensors: list[Any], base_dir: Any, label: str) -> list[_ExternalRead]:
    """Where each external tensor's bytes are, every path and size checked; nothing read yet."""
    external = [(i, t) for i, t in enumerate(tensors) if safety.is_external(t)]
    if not external:
        return []
    if base_dir is None:
        first = external[0][1]
        raise InvalidModelError(
            f"load: {label} keeps tensor {first.name!r} in an external file "
            f"({_entries(first).get('location', '?')!r}); from bytes or a ModelProto, external "
            f"data is read only from a folder the caller names: load(..., base_dir=folder)")
    base = os.path.realpath(os.fspath(base_dir))
    reads, total = [], 0
    for index, tensor in external:
        read = _checked(label, _plan_one, index, tensor, base)
        total += read.length
        if total > safety.MAX_BYTES:
            raise InvalidModelError(f"load: {label}: external data adds up to more than "
                                    f"{safety.MAX_BYTES:,} bytes (zerograd.onnx.safety.MAX_BYTES, "
                                    f"ZEROGRAD_ONNX_MAX_BYTES)")
        reads.append(read)
    return reads


def _entries(tensor: Any) -> dict[str, str]:
    return {entry.key: entry.value for entry in tensor.external_data}


def _plan_one(index: int, tensor: Any, base: str) -> _ExternalRead:
    entries, what = _entries(tensor), f"tensor {tensor.name!r}"
    location = entries.get("location", "")
    if not location:
        raise InvalidModelError(f"{what}: external data without a location")
    try:
        path = os.path.realpath(os.path.join(base, location))
        inside = os.path.commonpath([path, base]) == base and path != base
    except ValueError:  # a NUL in the location, or another drive (Windows)
        path, inside = location, False
    if not inside:
        raise InvalidModelError(f"{what}: external data location {location!r} resolves to {path!r}, "
                                f"outside the model's folder {base!r}")
    try:
        offset = int(entries.get("offset", "0"))
        length = int(entries["length"]) if "length" in entries else None
    except ValueError as err:
        raise InvalidModelError(f"{what}: external data offset/length is not an integer ({err})") from None
    needed = safety.tensor_bytes(tensor)
    if offset < 0 or (length is not None and length != needed):
        raise InvalidModelError(f"{what}: {TensorProto.DataType.Name(tensor.data_type)} "
                                f"{list(tensor.dims)} needs {needed:,} bytes, the external data "
                                f"declares offset {offset:,} and length {length}")
    fd, size = safety.open_regular_file(path, what)
    os.close(fd)
    if offset + needed > size:
        raise InvalidModelError(f"{what}: needs {needed:,} bytes at offset {offset:,} of {location!r}, "
                                f"which has {size:,} bytes")
    return _ExternalRead(index, tensor, path, offset, needed)


def _skeleton(proto: onnx.ModelProto, reads: list[_ExternalRead]) -> onnx.ModelProto:
    """A copy to validate before any external byte is read, light enough that shape inference and
    the checker do not serialize the weights: external initializers and those above
    ``_LIGHT_BYTES`` (weights; shape constants are smaller) become graph inputs of the same type and
    shape; other external tensors (a Constant's value, rare) get zero bytes of their declared
    size, which the plan has bounded."""
    skeleton = onnx.ModelProto()
    skeleton.CopyFrom(proto)
    graph = skeleton.graph
    tensors = list(safety.all_tensors(graph))
    external = {read.index for read in reads}
    initializers = len(graph.initializer)  # all_tensors lists the initializers first
    for index in external:
        if index >= initializers:
            _inline(tensors[index], bytes(safety.tensor_bytes(tensors[index])))
    heavy = external | {i for i in range(initializers) if safety.tensor_bytes(tensors[i]) > _LIGHT_BYTES}
    listed = {value.name for value in graph.input}
    for index in sorted(i for i in heavy if i < initializers):
        tensor = tensors[index]
        if tensor.name not in listed:
            graph.input.append(onnx.helper.make_tensor_value_info(tensor.name, tensor.data_type,
                                                                  tensor.dims))
    kept = [_copy_of(tensors[i]) for i in range(initializers) if i not in heavy]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return skeleton


def _copy_of(tensor: Any) -> Any:
    copy = TensorProto()
    copy.CopyFrom(tensor)
    return copy


def _inline(tensor: Any, data: bytes) -> None:
    del tensor.external_data[:]
    tensor.data_location = TensorProto.DEFAULT
    tensor.raw_data = data


def _read_external(proto: onnx.ModelProto, reads: list[_ExternalRead]) -> onnx.ModelProto:
    """A copy of ``proto`` with every planned external tensor's bytes read in."""
    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    tensors = list(safety.all_tensors(copy.graph))
    for read in reads:
        target, what = tensors[read.index], f"tensor {tensors[read.index].name!r}"
        fd, _ = safety.open_regular_file(read.path, what)
        _inline(target, safety.read_bytes(fd, read.path, read.offset, read.length, what))
    return copy
