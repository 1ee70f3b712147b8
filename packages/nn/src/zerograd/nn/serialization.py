"""Arrays to and from .npz files: written atomically, read without pickle.

A save goes to a temporary file beside the target and is renamed into place only when complete,
so an interrupted save never destroys the previous file. A load reads every array before
returning, so a truncated or corrupt archive fails as a whole, with one clear error.
"""

from __future__ import annotations

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


def load_npz(path: str | os.PathLike, caller: str = "load_npz") -> dict[str, np.ndarray]:
    """Every array of an .npz archive, read in full (allow_pickle=False).

    FileNotFoundError when the file is missing; ValueError naming ``caller`` and the file when it
    is not a readable archive of plain arrays (truncated, corrupt, pickled objects).
    """
    path = os.fspath(path)
    if not os.path.exists(path) and os.path.exists(path + ".npz"):
        path += ".npz"  # save wrote path + '.npz', as numpy.savez does
    if not os.path.exists(path):
        raise FileNotFoundError(f"{caller}: no such file: {path!r}")
    try:
        archive = np.load(path, allow_pickle=False)
        if not hasattr(archive, "files"):
            raise ValueError("it holds a single array (.npy), not an .npz archive")
        with archive:
            return {name: archive[name] for name in archive.files}
    except Exception as err:
        raise ValueError(f"{caller}: {path!r} is not a readable .npz archive of arrays (truncated "
                         f"or corrupt?): {type(err).__name__}: {err}") from err
