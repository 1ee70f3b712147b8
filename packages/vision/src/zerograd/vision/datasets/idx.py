"""The IDX file format of MNIST and Fashion-MNIST: a magic number (two zero bytes, a type code, the
number of dimensions), each dimension as a big-endian 32-bit integer, then the values in C order.
Files may be gzipped (Debian ships them as ``*-ubyte.gz``) or raw.

>>> import io, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte")
>>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
>>> read_idx(path)
array([3, 1, 4], dtype=uint8)
"""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Any

import numpy as np

from zerograd.core.files import atomic_write

# type code -> big-endian dtype of the values
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """An IDX file that is truncated, corrupt or not of the expected shape."""


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise IDXError(f"read_idx: {path}: corrupt or truncated gzip data ({err})") from err


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """The array stored in an IDX file (gzipped or raw), in native byte order.

    Checks the magic number, the type code, the number of dimensions (``ndim`` when given) and
    that the file holds exactly the values its header announces; anything else raises
    IDXError (a ValueError) naming the file.
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise IDXError(f"read_idx: {path} is not an IDX file (bad magic number "
                       f"{data[:4].hex() or 'missing'})")
    dims = data[3]
    if dims == 0 or (ndim is not None and dims != ndim):
        raise IDXError(f"read_idx: {path} has {dims} dimensions, expected "
                       f"{ndim if ndim is not None else 'at least 1'}")
    header = 4 + 4 * dims
    if len(data) < header:
        raise IDXError(f"read_idx: {path} is truncated: its header needs {header} bytes, the "
                       f"file has {len(data)}")
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", dims, offset=4))
    dtype = np.dtype(IDX_TYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        kind = "truncated" if len(data) - header < expected else "longer than its header says"
        raise IDXError(f"read_idx: {path} is {kind}: shape {shape} needs {expected} bytes of "
                       f"values, the file holds {len(data) - header}")
    values = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: Any, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzipped when ``compress``, by default when the name ends
    in .gz), through a temporary file renamed into place (zerograd.core.files.atomic_write)."""
    path = os.fspath(path)
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"write_idx: IDX cannot store dtype {array.dtype}")
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    body = header + np.ascontiguousarray(array, IDX_TYPES[code]).tobytes()
    if path.endswith(".gz") if compress is None else compress:
        body = gzip.compress(body)
    with atomic_write(path) as f:
        f.write(body)
