"""Writing files so that a crash never leaves a half-written one: a temporary file beside the
target, flushed to disk, then renamed over it (an atomic step on POSIX and Windows)."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from typing import IO


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _writable_target(path: str) -> str:
    """The file a plain ``open(path, "w")`` would write: a symbolic link's final target (so the
    link stays a link), refused when it exists and may not be written."""
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    # A file without any write bit is refused even where the process could write it (as root):
    # the user marked it read-only, and a save must not quietly replace it.
    if not os.access(target, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise PermissionError(errno.EACCES, f"atomic_write: {path} is read-only, not replacing it",
                              path)
    return target


def _create_temporary(target: str) -> tuple[int, str]:
    """A new file beside ``target``. Mode 0o666 lets the kernel apply the umask, as for a plain
    ``open``, without this process ever changing (or even reading) its umask."""
    directory = os.path.dirname(os.path.abspath(target))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
        except PermissionError as error:
            raise PermissionError(errno.EACCES, f"atomic_write: cannot write {target}: the folder "
                                  f"{directory} is not writable", target) from error
    raise FileExistsError(errno.EEXIST, "atomic_write: no free temporary name", directory)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; when the block ends without an error it
    is flushed, synced and renamed over ``path``, otherwise it is removed and ``path`` is untouched.

    It behaves as a plain ``open(path, "w")`` would, only atomically: a new file gets the usual
    permissions (0o666 less the umask), a replaced one keeps its permissions, a symbolic link is
    written through (its target is replaced, the link stays), and a read-only file is refused
    with a PermissionError naming it.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with atomic_write(target, "w") as f:
    ...     _ = f.write("kept whole")
    >>> open(target).read()
    'kept whole'
    """
    path = os.fspath(path)
    target = _writable_target(path)
    handle, temporary = _create_temporary(target)
    try:
        with os.fdopen(handle, mode) as file:
            with contextlib.suppress(FileNotFoundError):  # a replaced file keeps its permissions
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(os.path.dirname(os.path.abspath(target)))
