"""Plain-text corpora for character-level language models: a UTF-8 file of the user's, or the
fortune cookies Debian installs offline (``apt-get install fortunes``: /usr/share/games/fortunes);
split into training and validation text and cut into next-character windows.

>>> text = "to be or not to be, that is the question. " * 4
>>> train, val = split_text(text, 0.25)
>>> len(train), len(val)
(126, 42)
>>> vocabulary = char_vocabulary(train)
>>> windows = NextCharWindows(vocabulary.encode(train), block_size=8)
>>> x, t = windows[0]
>>> vocabulary.decode(x), vocabulary.decode(t)
('to be or', 'o be or ')
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from zerograd.data import Dataset
from zerograd.text.vocabulary import CharVocabulary

FORTUNES_DIR = Path("/usr/share/games/fortunes")
FORTUNES_HINT = ("give a UTF-8 text file with --text PATH, or install Debian's fortune cookies "
                 "(as root: apt-get install fortunes)")


class CorpusNotFound(FileNotFoundError):
    """No corpus was given and none is installed; the message says how to get one."""


def read_text(path: str | os.PathLike) -> str:
    """The UTF-8 text of ``path``; a clear error for a missing, empty or non-UTF-8 file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CorpusNotFound(f"cannot read the corpus {path}: {err.strerror or err}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"the corpus {path} is not UTF-8 text (byte {err.start}: "
                         f"{data[err.start:err.start + 1]!r})") from None
    return text


def fortunes_text(folder: str | os.PathLike = FORTUNES_DIR) -> str:
    """The cookie files of ``folder`` in name order (not their .dat indexes or .u8 links), with
    the ``%`` lines that separate cookies turned into blank lines."""
    folder = Path(folder)
    names = sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()
                   and "." not in p.name) if folder.is_dir() else []
    parts = [p.read_bytes().decode("utf-8", errors="replace") for p in names]
    text = "".join(parts).replace("\n%\n", "\n\n")
    if not text.strip():
        raise CorpusNotFound(f"no fortune cookies in {folder}; {FORTUNES_HINT}")
    return text


def load_corpus(path: str | os.PathLike | None = None,
                fortunes: str | os.PathLike = FORTUNES_DIR) -> tuple[str, str]:
    """(text, where it came from): the file at ``path``, else Debian's fortune cookies, else
    CorpusNotFound saying how to get a corpus."""
    if path is not None:
        return read_text(path), str(path)
    return fortunes_text(fortunes), f"Debian's fortune cookies ({fortunes})"


def split_text(text: str, val_fraction: float) -> tuple[str, str]:
    """The first 1 - ``val_fraction`` of the text for training, the rest for validation."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"split_text: val_fraction must lie in (0, 1), got {val_fraction}")
    cut = len(text) - int(round(len(text) * val_fraction))
    return text[:cut], text[cut:]


def char_vocabulary(text: str) -> CharVocabulary:
    """The characters of ``text`` in code-point order (nanoGPT's numbering)."""
    return CharVocabulary("".join(sorted(set(text))))


def known_only(text: str, vocabulary: CharVocabulary) -> tuple[str, int]:
    """``text`` without the characters the vocabulary lacks, and how many were left out."""
    kept = "".join(char for char in text if char in vocabulary)
    return kept, len(text) - len(kept)


class NextCharWindows(Dataset):
    """``ids`` (1-D int array) cut into windows of ``block_size``: sample i is
    (ids[s:s + block_size], ids[s + 1:s + block_size + 1]) with s = i * stride (``stride``
    defaults to block_size: every position is predicted once per epoch). ``limit`` keeps that many
    windows evenly spread over the text (a bounded validation set)."""

    def __init__(self, ids: np.ndarray, block_size: int, stride: int | None = None,
                 limit: int | None = None) -> None:
        self.ids, self.block_size = np.asarray(ids, dtype=np.int64), int(block_size)
        self.stride, self.limit = int(stride or block_size), limit
        if self.block_size < 1 or self.stride < 1:
            raise ValueError(f"NextCharWindows: block_size {block_size} and stride {stride} "
                             "must be positive")
        if self.ids.ndim != 1 or len(self.ids) < self.block_size + 1:
            raise ValueError(f"NextCharWindows: a window of {self.block_size} characters and its "
                             f"next character need {self.block_size + 1} ids, got "
                             f"{len(self.ids)}; use a longer text or a smaller block_size")
        super().__init__(train=True)

    def prepare(self) -> None:
        starts = np.arange(0, len(self.ids) - self.block_size, self.stride)
        if self.limit is not None and len(starts) > self.limit:
            starts = starts[np.linspace(0, len(starts) - 1, self.limit).round().astype(np.intp)]
        offsets = starts[:, None] + np.arange(self.block_size)
        self.data, self.label = self.ids[offsets], self.ids[offsets + 1]


__all__ = ["FORTUNES_DIR", "CorpusNotFound", "NextCharWindows", "char_vocabulary",
           "fortunes_text", "known_only", "load_corpus", "read_text", "split_text"]
