"""CharVocabulary: numbering by first appearance, encode/decode round trips, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerograd.text.vocabulary import CharVocabulary


def test_ids_follow_first_appearance_as_in_the_book():
    text = "First Citizen:\nBefore we proceed"
    book = {}
    for char in text:  # the book's loop
        if char not in book:
            book[char] = len(book)
    vocab = CharVocabulary.from_text(text)
    assert vocab.char_to_id == book
    assert vocab.id_to_char == {i: c for c, i in book.items()}
    assert len(vocab) == len(book) and "F" in vocab and "Z" not in vocab


@given(st.text(min_size=1, max_size=60))
def test_encode_then_decode_gives_the_text_back(text):
    vocab = CharVocabulary.from_text(text)
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert vocab.decode(ids) == text
    assert [vocab.char_to_id[c] for c in text] == ids.tolist()


def test_decode_accepts_lists_and_two_dimensional_arrays():
    vocab = CharVocabulary("abc")
    assert vocab.decode([2, 1, 0]) == "cba"
    assert vocab.decode(np.array([[0, 1], [2, 2]])) == "abcc"
    assert vocab.decode([]) == ""


def test_unknown_characters_are_named():
    vocab = CharVocabulary.from_text("abc")
    with pytest.raises(KeyError, match="not in the vocabulary: 'xz'"):
        vocab.encode("abzx")
    with pytest.raises(KeyError, match="not in the vocabulary"):
        CharVocabulary().encode("a")


def test_bad_ids_and_entries_are_rejected():
    vocab = CharVocabulary("ab")
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 2\), got values from 0 to 2"):
        vocab.decode([0, 2])
    with pytest.raises(TypeError, match="ids must be integers, got dtype float64"):
        vocab.decode(np.array([0.0]))
    with pytest.raises(ValueError, match="each entry must be one character, got 'ab'"):
        CharVocabulary(["ab"])
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        CharVocabulary.from_text(b"abc")
