"""The .safetensors format: an 8-byte little-endian header length, a JSON header {name: {"dtype",
"shape", "data_offsets": [begin, end]}} (plus an optional "__metadata__"), then the tensors' bytes,
with offsets counted from the end of the header. Needs the optional ``safetensors`` package."""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from zerograd.core import cuda
from zerograd.nn.serialization.archives import _Archive
from zerograd.nn.serialization.writing import write_file

SAFETENSORS_INSTALL = "pip install 'zerograd-nn[safetensors]'"

# The safetensors library refuses headers above 100 MB; so does this reader, before reading one.
MAX_SAFETENSORS_HEADER = 100_000_000

# The safetensors dtypes NumPy has a type for (others, such as BF16, are refused when asked for).
SAFETENSORS_DTYPES = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype("<u1"), "I8": np.dtype("<i1"),
    "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "F16": np.dtype("<f2"),
    "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "F32": np.dtype("<f4"),
    "U64": np.dtype("<u8"), "I64": np.dtype("<i8"), "F64": np.dtype("<f8"),
}


def is_safetensors(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a .safetensors file (by its extension)."""
    return os.fspath(path).endswith(".safetensors")


def _safetensors_library(caller: str) -> Any:
    """The safetensors package, or an ImportError that says how to install it."""
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as err:
        raise ImportError(f"{caller}: .safetensors files need the optional safetensors package: "
                          f"{SAFETENSORS_INSTALL}") from err
    return safetensors


def save_safetensors(path: str | os.PathLike, arrays: Mapping[str, Any],
                     caller: str = "save_safetensors") -> str:
    """Write ``arrays`` (name -> array, GPU arrays copied to the host) as a .safetensors file that
    safetensors.torch.load_file reads; returns the path written (no extension is appended)."""
    library = _safetensors_library(caller)
    payload = library.numpy.save({name: np.asarray(cuda.as_numpy(array), order="C")
                                  for name, array in arrays.items()})
    return write_file(path, payload)


class SafetensorsEntry(NamedTuple):
    """What a .safetensors header declares for one tensor (its span checked against the file)."""

    dtype: str
    shape: tuple[int, ...]


class SafetensorsArchive(_Archive):
    """A .safetensors file opened for reading one tensor at a time, as NpzArchive reads an .npz:
    the whole header is checked against the file's size before any tensor is read, and only the
    tensors the caller asks for are read (through safetensors.safe_open).

    >>> import tempfile, os
    >>> path = save_safetensors(os.path.join(tempfile.mkdtemp(), "w.safetensors"),
    ...                         {"l0/W": np.ones((2, 3), np.float32)})
    >>> with SafetensorsArchive(path, "demo") as archive:
    ...     member = archive.member("l0/W")
    ...     member.shape, member.dtype, float(member.read().sum())
    ((2, 3), dtype('float32'), 6.0)
    """

    FORMAT = ".safetensors file"

    def __init__(self, path: str | os.PathLike, caller: str) -> None:
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{caller}: no such file: {path!r}")
        library = _safetensors_library(caller)
        super().__init__(path, caller)
        self._entries = self._read_header()
        self.names = list(self._entries)
        try:
            self._file = self._resources.enter_context(library.safe_open(path, framework="numpy"))
        except Exception as err:
            raise self.error(f"{type(err).__name__}: {err}") from None

    def _read_header(self) -> dict[str, SafetensorsEntry]:
        with open(self.path, "rb") as file:
            file_size = os.fstat(file.fileno()).st_size
            prefix = file.read(8)
            if len(prefix) < 8:
                raise self.error(f"it holds {len(prefix)} bytes, fewer than the 8 of its header "
                                 f"length")
            (length,) = struct.unpack("<Q", prefix)
            if length > min(MAX_SAFETENSORS_HEADER, file_size - 8):
                raise self.error(f"its header claims {length:,} bytes but the file holds "
                                 f"{file_size - 8:,} after the header length")
            raw = file.read(length)
        try:
            header = json.loads(raw.decode("utf-8"))
        except ValueError as err:  # UnicodeDecodeError and JSONDecodeError alike
            raise self.error(f"its header is not JSON: {err}") from None
        if not isinstance(header, dict):
            raise self.error(f"its header is a JSON {type(header).__name__}, not an object")
        header.pop("__metadata__", None)
        data_size = file_size - 8 - length
        return {name: self._entry(name, fields, data_size) for name, fields in header.items()}

    def _entry(self, name: str, fields: Any, data_size: int) -> SafetensorsEntry:
        """One header entry, refused unless its offsets lie inside the file and span its size."""
        if not isinstance(fields, dict):
            raise self.error(f"tensor {name!r}: its header entry is not an object: {fields!r}")
        dtype, shape, offsets = fields.get("dtype"), fields.get("shape"), fields.get("data_offsets")
        if not isinstance(dtype, str):
            raise self.error(f"tensor {name!r}: dtype {dtype!r} is not a name")
        if not _is_count_list(shape):
            raise self.error(f"tensor {name!r}: shape {shape!r} is not a list of sizes")
        if not (_is_count_list(offsets) and len(offsets) == 2 and offsets[0] <= offsets[1]):
            raise self.error(f"tensor {name!r}: data_offsets {offsets!r} are not [begin, end]")
        begin, end = offsets
        if end > data_size:
            raise self.error(f"tensor {name!r} ends at byte {end:,} of the data but the file "
                             f"holds {data_size:,} bytes of data")
        numpy_dtype = SAFETENSORS_DTYPES.get(dtype)
        if numpy_dtype is not None and end - begin != math.prod(shape) * numpy_dtype.itemsize:
            raise self.error(f"tensor {name!r} declares shape {tuple(shape)} of {dtype} "
                             f"({math.prod(shape) * numpy_dtype.itemsize:,} bytes) but spans "
                             f"{end - begin:,}")
        return SafetensorsEntry(dtype, tuple(shape))

    def header(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """The (shape, dtype) a tensor declares (checked against the file when it was opened)."""
        try:
            entry = self._entries[name]
        except KeyError:
            raise KeyError(f"{self.caller}: {self.path!r} has no array named {name!r}") from None
        if entry.dtype not in SAFETENSORS_DTYPES:
            raise self.error(f"tensor {name!r} has dtype {entry.dtype}, which NumPy has no type "
                             f"for (convert it to F32 or F64)")
        return entry.shape, SAFETENSORS_DTYPES[entry.dtype]

    def read(self, name: str) -> np.ndarray:
        """The array of one tensor (its header is checked first)."""
        self.header(name)
        try:
            return self._file.get_tensor(name)
        except Exception as err:
            raise self.error(f"tensor {name!r}: {type(err).__name__}: {err}") from None


def _is_count_list(value: Any) -> bool:
    """A JSON list of non-negative integers (sizes or offsets)."""
    return isinstance(value, list) and all(
        isinstance(item, int) and not isinstance(item, bool) and item >= 0 for item in value)
