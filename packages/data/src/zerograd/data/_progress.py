"""The download progress bar: tqdm when installed (the ``progress`` extra), else a plain one."""

from __future__ import annotations

import sys
from typing import TextIO


class PlainBar:
    """A one-line text bar on stderr, redrawn at most once per percent."""

    width = 30

    def __init__(self, total: int | None, desc: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self._shown = -1
        self.stream.write(f"Downloading {desc}\n")

    def update(self, n: int) -> None:
        self.done += n
        if self.total:
            percent = min(100, self.done * 100 // self.total)
            if percent == self._shown:
                return
            self._shown = percent
            filled = self.width * percent // 100
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {percent:3d}% {_size(self.done)}/{_size(self.total)}")
        else:
            self.stream.write(f"\r{_size(self.done)}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def progress_bar(total: int | None, desc: str):
    """A bar with ``update(n_bytes)`` and ``close()``: tqdm's when available."""
    try:
        from tqdm import tqdm
    except ImportError:
        return PlainBar(total, desc)
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr, leave=True)
