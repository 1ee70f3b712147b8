"""Helpers for testing code that downloads: a folder served over HTTP on 127.0.0.1.

>>> import pathlib, tempfile, urllib.request
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "hello.txt").write_text("hi")
>>> with serve_folder(folder) as (base_url, requests):
...     urllib.request.urlopen(base_url + "hello.txt").read(), requests
(b'hi', ['/hello.txt'])
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; records each requested path in ``requests`` instead of logging to stderr."""

    def __init__(self, *args, requests: list[str], **kwargs) -> None:
        self.requests = requests
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args) -> None:  # noqa: A002  (the base class's signature)
        self.requests.append(self.path)


@contextlib.contextmanager
def serve_folder(folder: str | os.PathLike) -> Iterator[tuple[str, list[str]]]:
    """Serve ``folder``'s files over HTTP on 127.0.0.1 while the block runs; yields the base URL
    (ending in '/') and the list of the paths requested so far."""
    requests: list[str] = []
    handler = functools.partial(_RecordingHandler, directory=os.fspath(folder), requests=requests)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
