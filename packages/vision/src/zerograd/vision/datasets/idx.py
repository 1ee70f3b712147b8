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

import contextlib
import gzip
import math
import os
import zlib
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from zerograd.core.files import atomic_write

# type code -> big-endian dtype of the values
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"
# DEFLATE never expands data more than about 1032:1, so a gzip file of C bytes holds at most
# this many times C bytes: a header promising more is refused before anything is allocated.
MAX_DEFLATE_RATIO = 1032
# Fashion-MNIST's largest file holds 47 MB of values: 4 GiB is room to spare, and refuses a
# header whose size would exhaust memory before the data could prove it wrong.
MAX_VALUE_BYTES = 4 << 30


class IDXError(ValueError):
    """An IDX file that is truncated, corrupt or not of the expected shape."""


@contextlib.contextmanager
def _open_values(path: str) -> Iterator[tuple[IO[bytes], int]]:
    """The file as a stream of its (decompressed) bytes, and the most bytes it can hold."""
    with open(path, "rb") as raw:
        size = os.fstat(raw.fileno()).st_size
        if raw.read(2) != GZIP_MAGIC:
            raw.seek(0)
            yield raw, size
            return
        raw.seek(0)
        with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            try:
                yield stream, size * MAX_DEFLATE_RATIO
            except (EOFError, OSError, zlib.error) as err:
                raise IDXError(f"read_idx: {path}: corrupt or truncated gzip data ({err})") from err


def _read_exactly(stream: IO[bytes], count: int) -> bytes:
    """Up to ``count`` bytes; fewer only where the stream ends."""
    chunks, left = [], count
    while left:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_header(path: str, stream: IO[bytes], ndim: int | None) -> tuple[tuple[int, ...], np.dtype]:
    magic = _read_exactly(stream, 4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_TYPES:
        raise IDXError(f"read_idx: {path} is not an IDX file (bad magic number "
                       f"{magic.hex() or 'missing'})")
    dims = magic[3]
    if dims == 0 or (ndim is not None and dims != ndim):
        raise IDXError(f"read_idx: {path} has {dims} dimensions, expected "
                       f"{ndim if ndim is not None else 'at least 1'}")
    sizes = _read_exactly(stream, 4 * dims)
    if len(sizes) < 4 * dims:
        raise IDXError(f"read_idx: {path} is truncated: its header needs {4 + 4 * dims} bytes, "
                       f"the file has {4 + len(sizes)}")
    shape = tuple(int(n) for n in np.frombuffer(sizes, ">u4"))
    return shape, np.dtype(IDX_TYPES[magic[2]])


def _check_declared_size(path: str, shape: tuple[int, ...], nbytes: int, capacity: int) -> None:
    if nbytes > MAX_VALUE_BYTES:
        raise IDXError(f"read_idx: {path} declares shape {shape}, {nbytes} bytes of values, more "
                       f"than the {MAX_VALUE_BYTES} bytes an IDX file may hold here")
    if nbytes > capacity:
        raise IDXError(f"read_idx: {path} is truncated: shape {shape} needs {nbytes} bytes of "
                       f"values, the file can hold at most {capacity}")


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """The array stored in an IDX file (gzipped or raw), in native byte order.

    Checks the magic number, the type code, the number of dimensions (``ndim`` when given) and
    that the file holds exactly the values its header announces; anything else raises
    IDXError (a ValueError) naming the file. The header is checked before the values are read
    (a size beyond what the file can hold fails at once), and the values are decompressed
    straight into the result, so memory use stays at the array's own size.
    """
    path = os.fspath(path)
    with _open_values(path) as (stream, capacity):
        shape, dtype = _read_header(path, stream, ndim)
        header = 4 + 4 * len(shape)
        expected = math.prod(shape) * dtype.itemsize
        _check_declared_size(path, shape, expected, capacity - header)
        values = np.empty(shape, dtype)
        buffer, got = memoryview(values.reshape(-1).view(np.uint8)), 0
        while got < expected:  # a gzip stream fills the buffer in several calls
            more = stream.readinto(buffer[got:])
            if not more:
                raise IDXError(f"read_idx: {path} is truncated: shape {shape} needs {expected} "
                               f"bytes of values, the file holds {got}")
            got += more
        if stream.read(1):
            raise IDXError(f"read_idx: {path} is longer than its header says: shape {shape} "
                           f"needs {expected} bytes of values")
    return values.astype(dtype.newbyteorder("="), copy=False)


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
