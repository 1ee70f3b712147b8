"""Arrays to and from .npz files: written atomically, read without pickle.

A save goes to a temporary file beside the target and is renamed into place only when complete,
so an interrupted save never destroys the previous file. A load opens the archive member by
member (NpzArchive): each member's header is checked against the bytes the file can hold before
its data is read, and members nobody asks for are never read.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Mapping
from typing import Any

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
    """A file that is not a readable .npz archive of plain arrays; ``reason`` says why."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ArchiveMember:
    """One array of an .npz archive whose shape and dtype are known from its header before any
    data is read; ``read()`` returns the array. The header is read on first use."""

    def __init__(self, archive: NpzArchive, name: str) -> None:
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


class NpzArchive:
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

    def __init__(self, path: str | os.PathLike, caller: str) -> None:
        path = os.fspath(path)
        if not os.path.exists(path) and os.path.exists(path + ".npz"):
            path += ".npz"  # save wrote path + '.npz', as numpy.savez does
        if not os.path.exists(path):
            raise FileNotFoundError(f"{caller}: no such file: {path!r}")
        self.path, self.caller = path, caller
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise self.error(_not_a_zip_reason(path, err)) from None
        self.names = [name[:-4] for name in self._zip.namelist() if name.endswith(".npy")]

    def error(self, reason: str) -> ArchiveError:
        return ArchiveError(f"{self.caller}: {self.path!r} is not a readable .npz archive of "
                            f"arrays (truncated or corrupt?): {reason}", reason)

    def member(self, name: str) -> ArchiveMember:
        return ArchiveMember(self, name)

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

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> NpzArchive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


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
