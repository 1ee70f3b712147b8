"""save_npz / load_npz: atomic writes, whole-file reads and the reader's checks (pickled members,
.npy files, members that declare more than they hold) as Layer.load_weights meets them."""

from __future__ import annotations

import os

import numpy as np
import pytest

from zerograd.nn.layers import Linear
from zerograd.nn.serialization import load_npz, save_npz


def test_round_trip_is_readable_by_numpy(tmp_path):
    arrays = {"l0/W": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(0)}
    path = save_npz(tmp_path / "a.npz", arrays)
    with np.load(path, allow_pickle=False) as archive:
        for key, value in arrays.items():
            np.testing.assert_array_equal(archive[key], value)
            assert archive[key].dtype == value.dtype
    assert load_npz(path).keys() == arrays.keys()


def test_uncompressed(tmp_path):
    path = save_npz(tmp_path / "a", {"x": np.ones(3)}, compress=False)
    np.testing.assert_array_equal(load_npz(path)["x"], np.ones(3))


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_npz(tmp_path / "w.npz", {"x": np.ones(3)})
    calls = []

    def failing_write(member, array, allow_pickle):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        member.write(b"partial")

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="disk full"):
        save_npz(path, {"x": np.zeros(3), "y": np.zeros(2)})
    monkeypatch.undo()
    np.testing.assert_array_equal(load_npz(path)["x"], np.ones(3))
    assert os.listdir(tmp_path) == ["w.npz"]  # no partial file left behind


def test_permissions_follow_the_umask(tmp_path):
    path = save_npz(tmp_path / "w.npz", {"x": np.ones(1)})
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_bad_files(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="load_npz: .*not a readable .npz archive"):
        load_npz(tmp_path / "empty.npz")
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "none.npz", caller="x")


def test_zero_dimensional_arrays_keep_their_shape(tmp_path):
    path = save_npz(tmp_path / "n", {"count": np.array(3, np.int64), "scale": np.float32(0.5)})
    loaded = load_npz(path)
    assert loaded["count"].shape == () and loaded["count"] == 3
    assert loaded["scale"].shape == () and loaded["scale"].dtype == np.float32


def test_the_write_step_is_the_only_place_bytes_reach_the_disk(tmp_path, monkeypatch):
    from zerograd.nn.serialization import writing

    path = save_npz(tmp_path / "w.npz", {"x": np.ones(3)})
    written = []
    monkeypatch.setattr(writing, "_write_payload", lambda file, payload: written.append(
        bytes(payload)) or file.write(payload))
    save_npz(path, {"x": np.zeros(3)})
    assert len(written) == 1 and open(path, "rb").read() == written[0]


# --- the reader's checks, as Layer.load_weights meets them ---------------------------------------
def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, W=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a readable .npz archive"):
        Linear(2).load_weights(path)


def test_npy_file_is_refused(tmp_path):
    np.save(tmp_path / "W.npy", np.zeros(2))
    with pytest.raises(ValueError, match=r"single array \(.npy\)"):
        Linear(2).load_weights(tmp_path / "W.npy")


def test_a_member_declaring_more_than_it_holds_is_refused_before_reading(tmp_path):
    import zipfile

    path = tmp_path / "w.npz"
    header = {"descr": "<f4", "fortran_order": False, "shape": (100_000, 10_000)}
    with zipfile.ZipFile(path, "w") as archive, archive.open("W.npy", "w") as member:
        np.lib.format.write_array_header_1_0(member, header)
        member.write(b"\0" * 64)
    with pytest.raises(ValueError, match=r"'W' declares shape \(100000, 10000\) .* but holds 64"):
        Linear(3).load_weights(path)
