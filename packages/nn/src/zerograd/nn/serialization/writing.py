"""Writing: every file zerograd makes is serialised in memory, then written to a temporary file
beside the target, synced and renamed into place, so an interrupted save never destroys the
previous file. ``_write_payload`` is the one step that puts bytes on disk."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.files import atomic_write


def _write_payload(file: Any, payload: Any) -> None:
    """The one step that puts a file's bytes on disk (a test replaces it to fail or pause here)."""
    file.write(payload)


def write_file(path: str | os.PathLike, payload: Any) -> str:
    """Write ``payload`` (bytes) to ``path`` atomically; returns the path written."""
    path = os.fspath(path)
    with atomic_write(path) as file:
        _write_payload(file, payload)
    return path


def write_zip(path: str | os.PathLike, members: Mapping[str, Any], compress: bool = False,
              align: int = 0) -> str:
    """Write a zip archive of ``members`` (name -> bytes) to ``path`` atomically (see
    ``zip_bytes`` for ``align``)."""
    return write_file(path, zip_bytes(members, compress, align))


def zip_bytes(members: Mapping[str, Any], compress: bool = False, align: int = 0) -> memoryview:
    """A zip archive of ``members`` (name -> bytes), in memory. With ``align``, each stored
    member's data starts at a multiple of that many bytes (PyTorch's readers map storages
    straight from the file)."""
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", compression=method, allowZip64=True) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            if align:  # local header: 30 bytes + name + extra field, then the data
                offset = buffer.tell() + 30 + len(name.encode("utf-8")) + 4
                padding = -offset % align
                info.extra = struct.pack("<HH", 0xCAFE, padding) + bytes(padding)
            with archive.open(info, "w", force_zip64=True) as member:
                member.write(data)
    return buffer.getbuffer()


def npz_path(path: str | os.PathLike) -> str:
    """The file NumPy's savez would write for ``path``: '.npz' is appended when missing."""
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def npy_bytes(array: Any) -> bytes:
    """One array (a GPU array is copied to the host) in NumPy's .npy format, never pickled."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(cuda.as_numpy(array)),
                              allow_pickle=False)
    return buffer.getvalue()


def write_npz(path: str | os.PathLike, arrays: Mapping[str, Any], compress: bool = True) -> str:
    """Write ``arrays`` (name -> array) as an .npz archive at exactly ``path``."""
    return write_zip(path, {name + ".npy": npy_bytes(array) for name, array in arrays.items()},
                     compress)


def save_npz(path: str | os.PathLike, arrays: Mapping[str, Any], compress: bool = True) -> str:
    """Write ``arrays`` (name -> array, GPU arrays copied to the host) as an .npz archive that
    numpy.load reads ('.npz' appended when missing); returns the path written.

    >>> import tempfile, os
    >>> from zerograd.nn.serialization import load_npz
    >>> folder = tempfile.mkdtemp()
    >>> path = save_npz(os.path.join(folder, "w"), {"l0/W": np.ones(2)})
    >>> os.path.basename(path), load_npz(path)["l0/W"]
    ('w.npz', array([1., 1.]))
    """
    return write_npz(npz_path(path), arrays, compress)
