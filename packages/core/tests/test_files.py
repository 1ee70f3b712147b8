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


def test_writes_through_a_symbolic_link_to_its_target(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "runs" / "model.npz"
    target.write_bytes(b"old")
    link = tmp_path / "links" / "latest.npz"
    link.symlink_to(os.path.join("..", "runs", "model.npz"))  # relative, as users make them
    with atomic_write(link) as f:
        f.write(b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert os.listdir(tmp_path / "links") == ["latest.npz"]  # the temporary went beside the target
    assert os.listdir(tmp_path / "runs") == ["model.npz"]


def test_a_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "latest.npz"
    link.symlink_to(tmp_path / "model.npz")
    with atomic_write(link) as f:
        f.write(b"first")
    assert link.is_symlink() and (tmp_path / "model.npz").read_bytes() == b"first"


def test_refuses_a_read_only_file(tmp_path):
    target = tmp_path / "frozen.npz"
    target.write_bytes(b"keep me")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match=r"atomic_write: .*frozen\.npz is read-only"):
        with atomic_write(target) as f:
            f.write(b"new")
    assert target.read_bytes() == b"keep me" and os.listdir(tmp_path) == ["frozen.npz"]
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    with pytest.raises(PermissionError, match="link.npz is read-only"):
        with atomic_write(link) as f:
            f.write(b"new")


def test_an_unwritable_folder_is_named_not_the_temporary(tmp_path, monkeypatch):
    def refuse(path, flags, mode=0o777):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "open", refuse)  # as a folder without write permission does (not as root)
    with pytest.raises(PermissionError, match=r"cannot write .*model\.npz: the folder .* is not writable"):
        with atomic_write(tmp_path / "model.npz") as f:
            f.write(b"x")


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "private.npz"
    target.write_bytes(b"old")
    target.chmod(0o600)
    with atomic_write(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new" and os.stat(target).st_mode & 0o777 == 0o600


def test_never_touches_the_process_umask(tmp_path, monkeypatch):
    def forbidden(mask):
        raise AssertionError(f"atomic_write called os.umask({mask:#o})")

    monkeypatch.setattr(os, "umask", forbidden)
    with atomic_write(tmp_path / "a.bin") as f:
        f.write(b"x")
    assert (tmp_path / "a.bin").read_bytes() == b"x"


@pytest.mark.skipif(os.name != "posix", reason="umask is a POSIX notion")
def test_other_threads_files_keep_their_permissions_while_saving(tmp_path):
    """Threads creating files while another thread saves in a loop: every file gets 0o666 less
    this test's umask; reading the umask by setting it used to hand some of them 0o644."""
    import sys
    import threading

    (tmp_path / "saves").mkdir()
    (tmp_path / "others").mkdir()
    old_mask, old_interval = os.umask(0o077), sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible to open the window
    stop = threading.Event()
    wrong = []

    def create_files(worker):
        for i in range(1500):
            path = tmp_path / "others" / f"{worker}-{i}"
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o666))
            if os.stat(path).st_mode & 0o777 != 0o600:
                wrong.append(path.name)
            os.unlink(path)
        stop.set()

    def save_in_a_loop():
        while not stop.is_set():
            with atomic_write(tmp_path / "saves" / "w.bin") as f:
                f.write(b"x")

    try:
        threads = [threading.Thread(target=create_files, args=(w,)) for w in range(2)]
        threads.append(threading.Thread(target=save_in_a_loop))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.umask(old_mask)
        sys.setswitchinterval(old_interval)
    assert wrong == [], f"{len(wrong)} files created with the wrong permissions: {wrong[:5]}"
