"""Reading zip containers (.npz archives, PyTorch's zip files) one member at a time, each
member's declared size checked against the bytes the file can hold before anything is read."""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
from typing import Any, BinaryIO, TypeVar

import numpy as np

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


def is_file_object(f: Any) -> bool:
    """Whether ``f`` is an open file (or file-like object) rather than a path."""
    return hasattr(f, "read") or hasattr(f, "write")


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


class ZipArchive(_Archive):
    """A zip file opened for reading one member at a time: a member's declared size is checked
    against its compressed bytes (stored or deflated only) before anything is read."""

    FORMAT = "zip archive"

    def __init__(self, path: str | os.PathLike | BinaryIO, caller: str) -> None:
        """``path`` may also be an open binary file (one with ``read`` and ``seek``)."""
        if is_file_object(path):
            source: Any = path
            path = str(getattr(path, "name", f"<{type(path).__name__}>"))
        else:
            source = path = os.fspath(path)
            if not os.path.exists(path):
                raise FileNotFoundError(f"{caller}: no such file: {path!r}")
        super().__init__(path, caller)
        try:
            self._zip = self._resources.enter_context(zipfile.ZipFile(source))
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise self.error(_not_a_zip_reason(source, err)) from None
        self.names = self._zip.namelist()

    def read_bytes(self, name: str, size: int | None = None) -> bytes:
        """A member's bytes, refused unless it holds exactly ``size`` bytes when that is given."""
        info = self._checked_info(name)
        if size is not None and info.file_size != size:
            raise self.error(f"member {name!r} holds {info.file_size:,} bytes, expected {size:,}")
        try:
            return self._zip.read(info)
        except Exception as err:
            raise self.error(f"member {name!r}: {type(err).__name__}: {err}") from None

    def _checked_info(self, member: str) -> zipfile.ZipInfo:
        try:
            info = self._zip.getinfo(member)
        except KeyError:
            raise KeyError(f"{self.caller}: {self.path!r} has no member named {member!r}") from None
        if info.compress_type == zipfile.ZIP_STORED:
            limit = info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            limit = info.compress_size * MAX_DEFLATE_RATIO + 1024
        else:
            raise self.error(f"member {member!r} uses zip compression method "
                             f"{info.compress_type}; only stored or deflated members are read")
        if info.file_size > limit:
            raise self.error(f"member {member!r} claims {info.file_size:,} bytes from "
                             f"{info.compress_size:,} compressed bytes, more than its "
                             f"compression can produce")
        return info


class NpzArchive(ZipArchive):
    """An .npz file opened for reading one member at a time, headers checked before data:
    nothing is read that the caller does not ask for, no pickle is ever loaded, and no member
    can make the reader allocate more than the file could really hold.

    >>> import tempfile, os
    >>> from zerograd.nn.serialization import save_npz
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
        super().__init__(path, caller)
        self.names = [name[:-4] for name in self.names if name.endswith(".npy")]

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
            return self._checked_info(name + ".npy")
        except KeyError:
            raise KeyError(f"{self.caller}: {self.path!r} has no array named {name!r}") from None


def _not_a_zip_reason(source: Any, err: Exception) -> str:
    if is_file_object(source):
        source.seek(0)
        magic = source.read(6)
    else:
        with open(source, "rb") as file:
            magic = file.read(6)
    if magic == b"\x93NUMPY":
        return "it holds a single array (.npy), not an .npz archive"
    return f"it is not an .npz archive (a zip of .npy arrays): {err}"


def load_npz(path: str | os.PathLike, caller: str = "load_npz") -> dict[str, np.ndarray]:
    """Every array of an .npz archive, read in full (no pickle, headers checked first).

    FileNotFoundError when the file is missing; ValueError naming ``caller`` and the file when it
    is not a readable archive of plain arrays (truncated, corrupt, pickled objects).
    """
    with NpzArchive(path, caller) as archive:
        return {name: archive.read(name) for name in archive.names}
