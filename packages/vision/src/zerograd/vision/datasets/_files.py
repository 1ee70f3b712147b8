"""Where a data set's files come from: a ``root`` directory given by the user, then zerograd-data's
search (the data directory, known system directories) and finally a download."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from zerograd.data.download import locate


def find_file(dataset: str, names: Sequence[str], subdir: str, *,
              root: str | os.PathLike | None, url: str | None,
              system_dirs: Iterable[str | os.PathLike] = ()) -> str:
    """Path of the first of ``names`` (e.g. a .gz file and its uncompressed twin) found on disk:
    ``root/name``, else ``subdir/name`` in the data directory or ``system_dirs`` (through
    zerograd.data.locate). Only when none exists is ``url`` downloaded, as ``subdir/names[0]``,
    into the data directory."""
    system_dirs = tuple(system_dirs)
    for name in names:
        if root is not None and (Path(root) / name).is_file():
            return str(Path(root) / name)
        try:
            return locate(f"{subdir}/{name}", system_dirs=system_dirs)
        except FileNotFoundError:
            continue
    try:
        return locate(f"{subdir}/{names[0]}", url=url, system_dirs=system_dirs)
    except (FileNotFoundError, OSError) as err:
        also = [f"{subdir}/{n}" for n in names[1:]]
        where = f"; also looked for {', '.join(also)}" if also else ""
        where += f" and in root={os.fspath(root)!r}" if root is not None else ""
        raise type(err)(f"{dataset}: {err}{where}") from err
