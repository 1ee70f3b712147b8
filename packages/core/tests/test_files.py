"""atomic_write: whole files or none."""

import os

import pytest

from zerograd.core.files import atomic_write


def test_replaces_the_file_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "weights.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="interrupted"), atomic_write(target) as f:
        f.write(b"half of the new")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["weights.bin"]
    with atomic_write(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["weights.bin"]


def test_gives_the_usual_permissions(tmp_path):
    target = tmp_path / "report.txt"
    with atomic_write(target, "w") as f:
        f.write("x")
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~mask
