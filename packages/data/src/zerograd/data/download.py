"""Downloads and the data directory: ``data_dir``, ``get_file`` and ``locate``.

Every download lands in a temporary file beside its destination, is checked (length and, when
given, SHA-256), and only then renamed into place: a failed or mismatched download leaves nothing
behind, and a file in the data directory is always a complete one.

>>> import os
>>> os.environ["ZEROGRAD_DATA"] = "/tmp/zerograd-doctest"
>>> str(data_dir())
'/tmp/zerograd-doctest'
>>> del os.environ["ZEROGRAD_DATA"]
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from zerograd.core.files import atomic_write
from zerograd.data._progress import progress_bar

ENV_VAR = "ZEROGRAD_DATA"
CHUNK_BYTES = 1 << 16
TIMEOUT_SECONDS = 60


class DownloadError(OSError):
    """A download that failed, was cut short or did not match its checksum."""


def default_data_dir() -> Path:
    """``~/.zerograd/datasets``, the data directory when $ZEROGRAD_DATA is not set."""
    return Path.home() / ".zerograd" / "datasets"


def data_dir() -> Path:
    """The directory downloads go to: $ZEROGRAD_DATA when set, else ``~/.zerograd/datasets``."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else default_data_dir()


def _checked_name(function: str, file_name: str) -> str:
    """A relative path inside the data directory: no absolute path, no '..'."""
    if not isinstance(file_name, str):
        raise TypeError(f"{function}: file_name must be a string, got {file_name!r}")
    parts = PurePosixPath(file_name.replace(os.sep, "/")).parts
    if not parts or file_name.startswith(("/", os.sep)) or ".." in parts:
        raise ValueError(f"{function}: file_name must be a relative path inside the data "
                         f"directory, got {file_name!r}")
    return file_name


def _name_from_url(url: str) -> str:
    name = urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(url).path).name)
    if not name:
        raise ValueError(f"get_file: cannot take a file name from the URL {url!r}; "
                         "pass file_name=")
    return name


def _stream(url: str, out: BinaryIO, progress: bool, label: str) -> str:
    """Copy the body at ``url`` into ``out``; return its SHA-256; raise if it comes up short."""
    digest = hashlib.sha256()
    received = 0
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        bar = progress_bar(expected, label) if progress else None
        try:
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    if expected is not None and received != expected:
        raise DownloadError(f"get_file: download of {url} was cut short: received {received} "
                            f"of {expected} bytes")
    return digest.hexdigest()


def get_file(url: str, file_name: str | None = None, sha256: str | None = None, *,
             progress: bool = True) -> str:
    """Path of ``file_name`` in the data directory, downloading it from ``url`` when absent.

    ``file_name`` defaults to the last part of the URL's path. The download is written to a
    temporary file, checked against its Content-Length and ``sha256`` (hex digest, when given),
    then renamed into place; on any failure the temporary file is removed and ``DownloadError``
    names the URL. A file already present is returned as is: it only got there through that
    check (or was put there by hand).

    >>> import tempfile
    >>> os.environ["ZEROGRAD_DATA"] = cache = tempfile.mkdtemp()
    >>> _ = open(os.path.join(cache, "a.txt"), "w").write("cached")
    >>> get_file("http://127.0.0.1:9/a.txt") == os.path.join(cache, "a.txt")  # no download
    True
    >>> import shutil; shutil.rmtree(cache); del os.environ["ZEROGRAD_DATA"]
    """
    if not isinstance(url, str) or not url:
        raise TypeError(f"get_file: url must be a non-empty string, got {url!r}")
    name = _checked_name("get_file", _name_from_url(url) if file_name is None else file_name)
    target = data_dir() / name
    if target.is_file():
        return str(target)
    _download(url, target, sha256, progress)
    return str(target)


def _download(url: str, target: Path, sha256: str | None, progress: bool) -> None:
    """Stream into a temporary file beside ``target``; it is renamed into place only when the body
    is complete and its checksum matches (any error removes it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_write(target) as out:
            got = _stream(url, out, progress, target.name)
            if sha256 is not None and got != sha256.lower():
                raise DownloadError(f"get_file: checksum mismatch for {url}: expected sha256 "
                                    f"{sha256.lower()}, got {got}; the download was discarded")
    except DownloadError:
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        raise DownloadError(f"get_file: downloading {url} failed: {err}") from err


PathLike = str | os.PathLike


def _search_dirs(root: PathLike | None, system_dirs: Iterable[PathLike]) -> list[Path]:
    env = os.environ.get(ENV_VAR)
    candidates = [root, Path(env).expanduser() if env else None, default_data_dir(), *system_dirs]
    dirs: list[Path] = []
    for c in candidates:
        if c is not None and Path(c) not in dirs:
            dirs.append(Path(c))
    return dirs


def locate(file_name: str, *, url: str | None = None, sha256: str | None = None,
           root: PathLike | None = None, system_dirs: Iterable[PathLike] = ()) -> str:
    """Find a data set's file, downloading it only when no local copy exists.

    Looks for ``file_name`` in ``root``, $ZEROGRAD_DATA, ``~/.zerograd/datasets``, then each of
    ``system_dirs`` (e.g. Debian's ``/usr/share/datasets/fashion-mnist``), and returns the first
    hit. Without one it downloads ``url`` into the data directory (``get_file``); with no ``url``
    it raises FileNotFoundError listing every place it looked.

    >>> locate("no-such-file.gz", system_dirs=["/nonexistent"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: locate: 'no-such-file.gz' not found; looked in ...
    """
    name = _checked_name("locate", file_name)
    places = [d / name for d in _search_dirs(root, system_dirs)]
    for place in places:
        if place.is_file():
            return str(place)
    looked = ", ".join(str(p) for p in places)
    if url is None:
        raise FileNotFoundError(f"locate: {name!r} not found; looked in {looked}; "
                                "no url to download it from")
    try:
        return get_file(url, name, sha256)
    except DownloadError as err:
        raise DownloadError(f"locate: {name!r} not found in {looked}, and {err}") from err


__all__ = ["DownloadError", "data_dir", "default_data_dir", "get_file", "locate"]
