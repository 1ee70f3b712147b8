"""Where a data set's files come from: a ``root`` directory given by the user, then zerograd-data's
search (the data directory, known system directories) and finally a download; and the base of
the data sets read that way."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from zerograd.data import Dataset
from zerograd.data.download import locate

BOOK_TRANSFORM = object()  # the default transform argument: the data set's book_transform()


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


class FileDataset(Dataset):
    """A data set read from files found by find_file: a subclass names the folder (``subdir``),
    where to download from (``base_url``), system folders to look in and the transform the book
    applies by default (``book_transform``, made when the data set is created)."""

    base_url = ""
    subdir = ""
    system_dirs: tuple[str, ...] = ()
    book_transform: Callable[[], Any]

    def __init__(self, train: bool = True, transform: Any = BOOK_TRANSFORM,
                 target_transform: Any = None, *, root: str | os.PathLike | None = None,
                 base_url: str | None = None) -> None:
        self.root = root
        if base_url is not None:
            self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        transform = self.book_transform() if transform is BOOK_TRANSFORM else transform
        super().__init__(train, transform, target_transform)

    def find(self, names: Sequence[str]) -> str:
        """Path of the first of ``names`` found on disk, else ``names[0]`` downloaded from base_url."""
        return find_file(type(self).__name__, names, self.subdir, root=self.root,
                         url=self.base_url + names[0], system_dirs=self.system_dirs)
