"""CharVocabulary: characters <-> integer ids, numbered in order of first appearance.

Encoding and decoding work on whole strings at once through their Unicode code points (no Python
loop over characters), so a corpus of a million characters encodes in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


class CharVocabulary:
    """A bijection between characters and ids 0..len-1, in order of first appearance.

    ``char_to_id`` and ``id_to_char`` are plain dicts (the book's Shakespear attributes).

    >>> vocab = CharVocabulary.from_text("hello")
    >>> vocab.char_to_id
    {'h': 0, 'e': 1, 'l': 2, 'o': 3}
    >>> ids = vocab.encode("hole")
    >>> ids
    array([0, 3, 2, 1])
    >>> vocab.decode(ids)
    'hole'
    """

    def __init__(self, chars: Iterable[str] = ()) -> None:
        self.char_to_id: dict[str, int] = {}
        for char in chars:
            if not isinstance(char, str) or len(char) != 1:
                raise ValueError(f"CharVocabulary: each entry must be one character, got {char!r}")
            self.char_to_id.setdefault(char, len(self.char_to_id))
        self.id_to_char: dict[int, str] = {i: char for char, i in self.char_to_id.items()}
        codes = _code_points("".join(self.char_to_id))
        order = np.argsort(codes)
        self._sorted_codes = codes[order]  # for searchsorted in encode
        self._ids_by_sorted_code = order.astype(np.int64)
        self._codes_by_id = codes

    @classmethod
    def from_text(cls, text: str) -> CharVocabulary:
        """The vocabulary of every character of ``text``, numbered by first appearance."""
        if not isinstance(text, str):
            raise TypeError(f"CharVocabulary.from_text: text must be a str, got {type(text).__name__}")
        codes, first = np.unique(_code_points(text), return_index=True)
        in_order = codes[np.argsort(first)]
        return cls(in_order.astype("<u4").tobytes().decode("utf-32-le"))

    def __len__(self) -> int:
        return len(self.char_to_id)

    def __contains__(self, char: object) -> bool:
        return char in self.char_to_id

    def __repr__(self) -> str:
        return f"CharVocabulary({len(self)} characters)"

    def encode(self, text: str) -> np.ndarray:
        """The ids of the characters of ``text`` as an int64 array of len(text)."""
        if not isinstance(text, str):
            raise TypeError(f"CharVocabulary.encode: text must be a str, got {type(text).__name__}")
        codes = _code_points(text)
        if len(self) == 0:
            found = np.zeros(codes.shape, dtype=bool)
            positions = np.zeros(codes.shape, dtype=np.intp)
        else:
            positions = np.minimum(np.searchsorted(self._sorted_codes, codes), len(self) - 1)
            found = self._sorted_codes[positions] == codes
        if not found.all():
            unknown = sorted(set(chr(int(c)) for c in codes[~found]))
            raise KeyError(f"CharVocabulary.encode: characters not in the vocabulary: "
                           f"{''.join(unknown)[:40]!r}")
        return self._ids_by_sorted_code[positions]

    def decode(self, ids: Any) -> str:
        """The string of the characters with these ids (any integer array or sequence)."""
        ids = np.asarray(ids)
        if ids.size == 0:
            return ""
        if ids.dtype.kind not in "iu":
            raise TypeError(f"CharVocabulary.decode: ids must be integers, got dtype {ids.dtype}")
        if (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"CharVocabulary.decode: ids must lie in [0, {len(self)}), got "
                             f"values from {ids.min()} to {ids.max()}")
        return self._codes_by_id[ids.ravel()].astype("<u4").tobytes().decode("utf-32-le")


__all__ = ["CharVocabulary"]
