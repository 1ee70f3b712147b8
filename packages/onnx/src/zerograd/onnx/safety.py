"""The limits an ONNX file must stay within, and reading bytes without trusting the file.

A model file is input from a stranger: it may declare a tensor of 2**60 elements, point its external
data at ``/etc/passwd`` or a FIFO, or build a huge constant from a tiny shape. Everything here is
checked before anything is allocated or read:

- ``MAX_BYTES`` bounds a model file and, separately, the external data one model reads in all.
  Environment variable ``ZEROGRAD_ONNX_MAX_BYTES``; default 2**34 (16 GiB).
- ``MAX_ELEMENTS`` bounds the element count of a tensor whose shape comes from constants
  (``ConstantOfShape``, ``Expand``, ``Tile``, ``Pad``, ``Resize``): checked at load where the shape is
  known statically, and by the operator's import rule before it allocates.
  Environment variable ``ZEROGRAD_ONNX_MAX_ELEMENTS``; default 2**28 (1 GiB of float32).

Both are read from the environment when zerograd.onnx is imported and may be set afterwards
(``zerograd.onnx.safety.MAX_ELEMENTS = 2**30``); the checks read the module's value when they run.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterator, Sequence
from typing import Any

from onnx import TensorProto


class InvalidModelError(ValueError):
    """An ONNX model that is malformed or hostile: refused at load, with the reason (and the node or
    tensor it concerns)."""


def _limit_from_environment(variable: str, default: int) -> int:
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"zerograd.onnx: environment variable {variable}={text!r} must be a "
                         f"positive integer (default {default})")
    return value


MAX_ELEMENTS = _limit_from_environment("ZEROGRAD_ONNX_MAX_ELEMENTS", 2**28)
MAX_BYTES = _limit_from_environment("ZEROGRAD_ONNX_MAX_BYTES", 2**34)


def check_element_count(op: str, shape: Sequence[int]) -> None:
    """Refuse a tensor of ``shape`` that operator ``op`` would build from constants, when it holds
    more than ``MAX_ELEMENTS`` elements or has a negative dimension; call before allocating it."""
    dims = [int(d) for d in shape]
    if any(d < 0 for d in dims):
        raise InvalidModelError(f"{op}: negative dimension in the shape {tuple(dims)}")
    count = math.prod(dims)
    if count > MAX_ELEMENTS:
        raise InvalidModelError(
            f"{op}: the shape {tuple(dims)} has {count:,} elements, above the limit of "
            f"{MAX_ELEMENTS:,} (raise it with zerograd.onnx.safety.MAX_ELEMENTS or the environment "
            f"variable ZEROGRAD_ONNX_MAX_ELEMENTS if the model is trusted)")


# --- reading files -------------------------------------------------------------------------------
def open_regular_file(path: str, what: str) -> tuple[int, int]:
    """An open descriptor of ``path`` and its size, refusing anything but a regular file (a device
    such as /dev/zero, a FIFO, a socket, a folder) before one byte is read. The file is opened
    without blocking (a FIFO would wait for a writer) and checked through its descriptor, so it
    cannot be swapped between the check and the read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as err:
        raise InvalidModelError(f"{what}: cannot open {path!r} ({err})") from err
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InvalidModelError(f"{what}: {path!r} is not a regular file (a device, FIFO, socket "
                                f"or folder); only regular files are read")
    return fd, info.st_size


def read_bytes(fd: int, path: str, offset: int, length: int, what: str) -> bytes:
    """``length`` bytes at ``offset`` of the open file ``fd`` (closed afterwards); a file that
    shrank under us is reported as truncated instead of returning short data."""
    with os.fdopen(fd, "rb") as file:
        file.seek(offset)
        data = file.read(length)
    if len(data) != length:
        raise InvalidModelError(f"{what}: {path!r} is truncated: expected {length:,} bytes at offset "
                                f"{offset:,}, read {len(data):,}")
    return data


def read_model_file(path: str) -> bytes:
    """The bytes of the model file at ``path`` (symlinks followed: the caller named it), refused
    unless it is a regular file of at most ``MAX_BYTES``."""
    fd, size = open_regular_file(path, "load")
    if size > MAX_BYTES:
        os.close(fd)
        raise InvalidModelError(f"load: {path!r} has {size:,} bytes, above the limit of {MAX_BYTES:,} "
                                f"(zerograd.onnx.safety.MAX_BYTES, ZEROGRAD_ONNX_MAX_BYTES)")
    return read_bytes(fd, path, 0, size, "load")


# --- declared sizes of tensors ---------------------------------------------------------------------
_SUB_BYTE_BITS = {name: bits for name, bits in (("INT4", 4), ("UINT4", 4), ("FLOAT4E2M1", 4),
                                                ("INT2", 2), ("UINT2", 2))
                  if name in TensorProto.DataType.keys()}
_ITEM_BYTES = {"FLOAT": 4, "UINT8": 1, "INT8": 1, "UINT16": 2, "INT16": 2, "INT32": 4, "INT64": 8,
               "BOOL": 1, "FLOAT16": 2, "DOUBLE": 8, "UINT32": 4, "UINT64": 8, "COMPLEX64": 8,
               "COMPLEX128": 16, "BFLOAT16": 2, "FLOAT8E4M3FN": 1, "FLOAT8E4M3FNUZ": 1,
               "FLOAT8E5M2": 1, "FLOAT8E5M2FNUZ": 1, "FLOAT8E8M0": 1}
# The typed field each data type keeps its values in, and how many entries one element takes.
_TYPED_FIELDS = {"FLOAT": ("float_data", 1), "COMPLEX64": ("float_data", 2),
                 "DOUBLE": ("double_data", 1), "COMPLEX128": ("double_data", 2),
                 "INT64": ("int64_data", 1), "UINT32": ("uint64_data", 1),
                 "UINT64": ("uint64_data", 1), "STRING": ("string_data", 1)}
_VALUE_FIELDS = ("float_data", "int32_data", "string_data", "int64_data", "double_data", "uint64_data")


def _type_name(tensor: Any) -> str:
    try:
        return TensorProto.DataType.Name(tensor.data_type)
    except ValueError:
        return f"unknown ({tensor.data_type})"


def tensor_elements(tensor: Any) -> int:
    """The element count the tensor's dims declare (negative dims refused)."""
    if any(d < 0 for d in tensor.dims):
        raise InvalidModelError(f"tensor {tensor.name!r}: negative dimension in {list(tensor.dims)}")
    return math.prod(tensor.dims)


def tensor_bytes(tensor: Any) -> int:
    """The bytes the tensor's raw data must hold: its element count times its data type's size."""
    name, count = _type_name(tensor), tensor_elements(tensor)
    if name in _SUB_BYTE_BITS:
        return -(-count * _SUB_BYTE_BITS[name] // 8)
    if name not in _ITEM_BYTES:
        raise InvalidModelError(f"tensor {tensor.name!r}: data type {name} has no raw byte layout "
                                f"zerograd can check")
    return count * _ITEM_BYTES[name]


def check_inline_tensor(tensor: Any) -> None:
    """Refuse a tensor whose data does not have the size its dims and data type declare (before
    NumPy would allocate or reshape it)."""
    name, count = _type_name(tensor), tensor_elements(tensor)
    if tensor.HasField("segment"):
        raise InvalidModelError(f"tensor {tensor.name!r}: segmented tensors are not supported")
    if tensor.raw_data:
        if len(tensor.raw_data) != tensor_bytes(tensor):
            raise InvalidModelError(f"tensor {tensor.name!r}: {name} {list(tensor.dims)} needs "
                                    f"{tensor_bytes(tensor):,} bytes of raw data, the file holds "
                                    f"{len(tensor.raw_data):,}")
        return
    held = {field: len(getattr(tensor, field)) for field in _VALUE_FIELDS if len(getattr(tensor, field))}
    field, per_element = _TYPED_FIELDS.get(name, ("int32_data", 1))
    expected = count * per_element
    if name in _SUB_BYTE_BITS:  # packed: several elements per int32 entry
        expected = -(-count * _SUB_BYTE_BITS[name] // 8)
    if set(held) - {field} or held.get(field, 0) != expected:
        raise InvalidModelError(f"tensor {tensor.name!r}: {name} {list(tensor.dims)} needs {expected:,} "
                                f"entries in {field}, the file holds {held or 'no data'}")


def all_tensors(graph: Any) -> Iterator[Any]:
    """Every TensorProto of a graph and its subgraphs: initializers, sparse initializers' values
    and indices, and tensors held by node attributes (Constant's value)."""
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("sparse_tensor"):
                yield attribute.sparse_tensor.values
                yield attribute.sparse_tensor.indices
            for sub in ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs):
                yield from all_tensors(sub)


def is_external(tensor: Any) -> bool:
    return tensor.data_location == TensorProto.EXTERNAL
