"""Every file zerograd writes and reads: weights (.npz, .safetensors), checkpoints and the zip
container of ``zerograd.torch.save``, written atomically and read without trusting the file.

A save is serialised in memory first, then written to a temporary file beside the target, synced
and renamed into place (``write_file``), so an interrupted save never destroys the previous file.
A load opens the file member by member (ZipArchive, NpzArchive, SafetensorsArchive): each
member's declared size is checked against the bytes the file can hold before its data is read,
members nobody asks for are never read, and no pickle is ever loaded here. .safetensors files
need the optional ``safetensors`` package (``pip install 'zerograd-nn[safetensors]'``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from zerograd.nn.serialization.archives import (
    MAX_DEFLATE_RATIO,
    ArchiveError,
    ArchiveMember,
    NpzArchive,
    ZipArchive,
    is_file_object,
    load_npz,
)
from zerograd.nn.serialization.safetensors_format import (
    SAFETENSORS_DTYPES,
    SafetensorsArchive,
    is_safetensors,
    save_safetensors,
)
from zerograd.nn.serialization.writing import (
    npy_bytes,
    npz_path,
    save_npz,
    write_file,
    write_npz,
    write_zip,
    zip_bytes,
)

__all__ = ["MAX_DEFLATE_RATIO", "SAFETENSORS_DTYPES", "ArchiveError", "ArchiveMember", "NpzArchive",
           "SafetensorsArchive", "ZipArchive", "is_file_object", "is_safetensors", "load_npz",
           "npy_bytes", "npz_path",
           "open_weights", "save_npz", "save_safetensors", "save_weights_file", "write_file",
           "write_npz", "write_zip", "zip_bytes"]


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
