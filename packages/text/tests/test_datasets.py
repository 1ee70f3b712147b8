"""Shakespear: downloaded through get_file from a local server, then read from the data directory."""

from pathlib import Path

import numpy as np
import pytest

from zerograd.data import SeqDataLoader
from zerograd.data.testing import serve_folder
from zerograd.text.datasets import Shakespear

CORPUS = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"


@pytest.fixture
def corpus_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving a small corpus; yields (url, request log)."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "input.txt").write_text(CORPUS, encoding="utf-8")
    with serve_folder(served) as (base_url, requests):
        yield base_url + "input.txt", requests


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    directory = tmp_path / "data"
    monkeypatch.setenv("ZEROGRAD_DATA", str(directory))
    return directory


def test_downloads_once_then_reads_the_cached_file(corpus_server, data_dir):
    url, requests = corpus_server
    ds = Shakespear(url=url)
    assert (data_dir / "shakespear.txt").read_text(encoding="utf-8") == CORPUS
    assert len(requests) == 1
    again = Shakespear(url=url)
    assert len(requests) == 1
    np.testing.assert_array_equal(again.data, ds.data)
    assert not [p for p in Path(data_dir).iterdir() if p.name.endswith(".part")]


def test_data_and_label_are_consecutive_character_ids(corpus_server, data_dir):
    ds = Shakespear(url=corpus_server[0])
    assert ds.data.dtype == ds.label.dtype == np.int64
    assert len(ds) == len(CORPUS) - 1
    np.testing.assert_array_equal(ds.data[1:], ds.label[:-1])
    assert ds.vocabulary.decode(np.append(ds.data, ds.label[-1])) == CORPUS
    assert ds.char_to_id["F"] == 0 and ds.id_to_char[1] == "i"
    assert ds.vocab_size == len(set(CORPUS))
    x, t = ds[0]
    assert (ds.id_to_char[int(x)], ds.id_to_char[int(t)]) == ("F", "i")


def test_feeds_seq_data_loader(corpus_server, data_dir):
    ds = Shakespear(url=corpus_server[0])
    x, t = next(iter(SeqDataLoader(ds, batch_size=4)))
    jump = len(ds) // 4
    np.testing.assert_array_equal(x, ds.data[np.arange(4) * jump])
    np.testing.assert_array_equal(t, ds.label[np.arange(4) * jump])


def test_checksum_mismatch_keeps_nothing(corpus_server, data_dir):
    with pytest.raises(OSError, match="checksum mismatch"):
        Shakespear(url=corpus_server[0], sha256="0" * 64)
    assert not (data_dir / "shakespear.txt").exists()


def test_too_short_corpus_is_rejected(data_dir):
    data_dir.mkdir()
    (data_dir / "tiny.txt").write_text("a", encoding="utf-8")
    with pytest.raises(ValueError, match="has 1 characters; next-character prediction needs"):
        Shakespear(url="http://127.0.0.1:9/unused", file_name="tiny.txt")
