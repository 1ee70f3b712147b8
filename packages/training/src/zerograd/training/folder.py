"""The output folder of a run: checked writable before the first step, and held with an advisory
lock for the whole run, so two runs never write into one folder (their checkpoints would replace
each other) and every temporary file found there is a leftover of a dead run."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so no clearing of temporaries either
    fcntl = None


class FolderInUse(RuntimeError):
    pass


def folder_problem(out: Path) -> str | None:
    """Create ``out`` and write (then remove) a file in it, so a read-only place fails now, not
    after the first epoch; what is wrong with it, or None."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        return f"{out} is not a writable directory ({err.strerror or err})"
    return None


@contextlib.contextmanager
def exclusive_use(out: Path, outputs: Iterable[str]) -> Iterator[None]:
    """Hold an advisory lock on ``out`` while the block runs and remove the temporaries a killed
    run left behind for ``outputs``; FolderInUse when another run holds it."""
    if fcntl is None:
        yield
        return
    handle = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderInUse(f"{out} is in use by another training run") from None
        remove_own_temporaries(out, outputs)
        yield
    finally:
        os.close(handle)


def remove_own_temporaries(out: Path, outputs: Iterable[str]) -> None:
    """Delete the temporary files a killed run left (zerograd.core.files.atomic_write names them
    ``.<output>.<8 letters or digits>.tmp``); anything else in ``out`` is the user's and stays."""
    names = "|".join(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp" for name in outputs)
    if not names:
        return
    pattern = re.compile(names)
    for path in out.iterdir():
        if pattern.fullmatch(path.name) and path.is_file():
            path.unlink()
