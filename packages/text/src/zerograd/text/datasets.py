"""Text data sets: Shakespear, the book's character-level corpus (Karpathy's tiny Shakespeare).

The corpus is downloaded once into the data directory (``zerograd.data.get_file``: a temporary
file renamed into place) and read from there afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zerograd.data import Dataset, get_file
from zerograd.text.vocabulary import CharVocabulary

SHAKESPEAR_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)


class Shakespear(Dataset):
    """Next-character prediction over the tiny-Shakespeare corpus (the book's spelling).

    ``data[k]`` is the id of character k and ``label[k]`` that of character k + 1 (int64 arrays of
    len(corpus) - 1); ids are numbered in order of first appearance, ``char_to_id`` and
    ``id_to_char`` map between them (``vocabulary`` is the same as a CharVocabulary). As in the
    book, ``train`` does not split the corpus.

    Args:
        url: where to download the corpus from when it is not in the data directory yet (the
            book's address by default; tests pass a local server's).
        file_name: its name in the data directory (the book's ``shakespear.txt``).
        sha256: the hex digest the download must have, or None to skip the check.

    >>> import os, tempfile
    >>> os.environ["ZEROGRAD_DATA"] = cache = tempfile.mkdtemp()
    >>> _ = open(os.path.join(cache, "shakespear.txt"), "w").write("to be or not")
    >>> ds = Shakespear()  # found in the data directory: no download
    >>> len(ds), ds.vocabulary.decode(ds.data[:5]), ds.id_to_char[int(ds.label[0])]
    (11, 'to be', 'o')
    >>> import shutil; shutil.rmtree(cache); del os.environ["ZEROGRAD_DATA"]
    """

    def __init__(self, train: bool = True, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None, *,
                 url: str = SHAKESPEAR_URL, file_name: str = "shakespear.txt",
                 sha256: str | None = None) -> None:
        self.url, self.file_name, self.sha256 = url, file_name, sha256
        super().__init__(train, transform, target_transform)

    def prepare(self) -> None:
        path = get_file(self.url, self.file_name, self.sha256)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if len(text) < 2:
            raise ValueError(f"Shakespear: the corpus at {path} has {len(text)} characters; "
                             "next-character prediction needs at least 2")
        self.vocabulary = CharVocabulary.from_text(text)
        self.char_to_id = self.vocabulary.char_to_id
        self.id_to_char = self.vocabulary.id_to_char
        ids = self.vocabulary.encode(text)
        self.data = ids[:-1]
        self.label = ids[1:]

    @property
    def vocab_size(self) -> int:
        """How many distinct characters the corpus has (the size of an EmbedID input)."""
        return len(self.vocabulary)


__all__ = ["SHAKESPEAR_URL", "Shakespear"]
