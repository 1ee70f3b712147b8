"""Arrays to and from .npz and .safetensors files: written atomically, read without pickle.

A save goes to a temporary file beside the target and is renamed into place only when complete,
so an interrupted save never destroys the previous file. A load opens the file member by member
(NpzArchive, SafetensorsArchive): each member's header is checked against the bytes the file can
hold before its data is read, and members nobody asks for are never read. .safetensors files need
the optional ``safetensors`` package (``pip install 'zerograd-nn[safetensors]'``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct
import zipfile
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

import numpy as np

from zerograd.core import cuda
from zerograd.core.files import atomic_write


def npz_path(path: str | os.PathLike) -> str:
    """The file NumPy's savez would write for ``path``: '.npz' is appended when missing."""
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def save_npz(path: str | os.PathLike, arrays: Mapping[str, Any], compress: bool = True) -> str:
    """Write ``arrays`` (name -> array, GPU arrays copied to the host) as an .npz archive that
    numpy.load reads; returns the path written.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = save_npz(os.path.join(folder, "w"), {"l0/W": np.ones(2)})
    >>> os.path.basename(path), load_npz(path)["l0/W"]
    ('w.npz', array([1., 1.]))
    """
    path = npz_path(path)
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_write(path) as f, zipfile.ZipFile(f, "w", compression=method, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(cuda.as_numpy(array)),
                                          allow_pickle=False)
    return path


# Deflate cannot expand data by more than about 1032 times: a member that claims a larger
# uncompressed size than that allows is lying, and its declared size must not be trusted.
MAX_DEFLATE_RATIO = 1032


class ArchiveError(ValueError):
    """A file that is not a readable .npz archive or .safetensors file of plain arrays;
    ``reason`` says why."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ArchiveMember:
    """One array of an .npz or .safetensors file whose shape and dtype are known from its header before any
    data is read; ``read()`` returns the array. The header is read on first use."""

    def __init__(self, archive: _Archive, name: str) -> None:
        self._archive, self.name = archive, name
        self._header: tuple[tuple[int, ...], np.dtype] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._read_header()[0]

    @property
    def dtype(self) -> np.dtype:
        return self._read_header()[1]

    def _read_header(self) -> tuple[tuple[int, ...], np.dtype]:
        if self._header is None:
            self._header = self._archive.header(self.name)
        return self._header

    def read(self) -> np.ndarray:
        self._read_header()
        return self._archive.read(self.name)


_ArchiveType = TypeVar("_ArchiveType", bound="_Archive")


class _Archive:
    """What NpzArchive and SafetensorsArchive share: the file's ``path``, the ``caller`` their
    errors name, members by name, and closing what they opened (into ``self._resources``), also as
    a ``with`` block."""

    FORMAT = ""  # "... is not a readable <FORMAT> (truncated or corrupt?)"

    def __init__(self, path: str, caller: str) -> None:
        self.path, self.caller = path, caller
        self._resources = contextlib.ExitStack()

    def error(self, reason: str) -> ArchiveError:
        return ArchiveError(f"{self.caller}: {self.path!r} is not a readable {self.FORMAT} "
                            f"(truncated or corrupt?): {reason}", reason)

    def member(self, name: str) -> ArchiveMember:
        return ArchiveMember(self, name)

    def header(self, name: str) -> tuple[tuple[int, ...], np.dtype]:  # each format's own
        raise NotImplementedError

    def read(self, name: str) -> np.ndarray:  # each format's own
        raise NotImplementedError

    def close(self) -> None:
        self._resources.close()

    def __enter__(self: _ArchiveType) -> _ArchiveType:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class NpzArchive(_Archive):
    """An .npz file opened for reading one member at a time, headers checked before data:
    nothing is read that the caller does not ask for, no pickle is ever loaded, and no member
    can make the reader allocate more than the file could really hold.

    >>> import tempfile, os
    >>> path = save_npz(os.path.join(tempfile.mkdtemp(), "w"), {"W": np.ones((2, 3))})
    >>> with NpzArchive(path, "demo") as archive:
    ...     member = archive.member("W")
    ...     member.shape, float(member.read().sum())
    ((2, 3), 6.0)
    """

    FORMAT = ".npz archive of arrays"

    def __init__(self, path: str | os.PathLike, caller: str) -> None:
        path = os.fspath(path)
        if not os.path.exists(path) and os.path.exists(path + ".npz"):
            path += ".npz"  # save wrote path + '.npz', as numpy.savez does
        if not os.path.exists(path):
            raise FileNotFoundError(f"{caller}: no such file: {path!r}")
        super().__init__(path, caller)
        try:
            self._zip = self._resources.enter_context(zipfile.ZipFile(path))
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise self.error(_not_a_zip_reason(path, err)) from None
        self.names = [name[:-4] for name in self._zip.namelist() if name.endswith(".npy")]

    def header(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """The (shape, dtype) a member declares, checked against the bytes it can hold."""
        info = self._info(name)
        try:
            with self._zip.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
                else:
                    raise ValueError(f".npy format version {version} is not read here")
                header_size = member.tell()
        except Exception as err:
            raise self.error(f"member {name!r}: {type(err).__name__}: {err}") from None
        if dtype.hasobject:
            raise self.error(f"member {name!r} holds Python objects, which would need pickle; "
                             f"zerograd never loads pickled data")
        declared = math.prod(shape) * dtype.itemsize
        if declared > info.file_size - header_size:
            raise self.error(f"member {name!r} declares shape {shape} of {dtype} "
                             f"({declared:,} bytes) but holds {info.file_size - header_size:,}")
        return tuple(shape), dtype

    def read(self, name: str) -> np.ndarray:
        """The array of one member (its header is checked first)."""
        self.header(name)
        try:
            with self._zip.open(self._info(name)) as member:
                return np.lib.format.read_array(member, allow_pickle=False)
        except Exception as err:
            raise self.error(f"member {name!r}: {type(err).__name__}: {err}") from None

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            info = self._zip.getinfo(name + ".npy")
        except KeyError:
            raise KeyError(f"{self.caller}: {self.path!r} has no array named {name!r}") from None
        if info.compress_type == zipfile.ZIP_STORED:
            limit = info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            limit = info.compress_size * MAX_DEFLATE_RATIO + 1024
        else:
            raise self.error(f"member {name!r} uses zip compression method "
                             f"{info.compress_type}; .npz files use stored or deflated members")
        if info.file_size > limit:
            raise self.error(f"member {name!r} claims {info.file_size:,} bytes from "
                             f"{info.compress_size:,} compressed bytes, more than its "
                             f"compression can produce")
        return info


def _not_a_zip_reason(path: str, err: Exception) -> str:
    with open(path, "rb") as file:
        if file.read(6) == b"\x93NUMPY":
            return "it holds a single array (.npy), not an .npz archive"
    return f"it is not an .npz archive (a zip of .npy arrays): {err}"


def load_npz(path: str | os.PathLike, caller: str = "load_npz") -> dict[str, np.ndarray]:
    """Every array of an .npz archive, read in full (no pickle, headers checked first).

    FileNotFoundError when the file is missing; ValueError naming ``caller`` and the file when it
    is not a readable archive of plain arrays (truncated, corrupt, pickled objects).
    """
    with NpzArchive(path, caller) as archive:
        return {name: archive.read(name) for name in archive.names}


# --- .safetensors ---------------------------------------------------------------------------------
# The format: an 8-byte little-endian header length, a JSON header {name: {"dtype", "shape",
# "data_offsets": [begin, end]}} (plus an optional "__metadata__"), then the tensors' bytes, with
# offsets counted from the end of the header.

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
    path = os.fspath(path)
    payload = library.numpy.save({name: np.ascontiguousarray(cuda.as_numpy(array))
                                  for name, array in arrays.items()})
    with atomic_write(path) as f:
        f.write(payload)
    return path


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


def open_weights(path: str | os.PathLike, caller: str) -> NpzArchive | SafetensorsArchive:
    """The archive for a weights file: SafetensorsArchive for a '.safetensors' path, otherwise
    NpzArchive (which also finds the 'path.npz' that a save of 'path' wrote)."""
    return SafetensorsArchive(path, caller) if is_safetensors(path) else NpzArchive(path, caller)


def save_weights_file(path: str | os.PathLike, arrays: Mapping[str, Any], caller: str) -> str:
    """Write ``arrays`` as .safetensors for a '.safetensors' path, otherwise as .npz ('.npz'
    appended when missing); returns the path written."""
    if is_safetensors(path):
        return save_safetensors(path, arrays, caller)
    return save_npz(path, arrays)
