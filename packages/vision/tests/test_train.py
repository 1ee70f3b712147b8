"""The main job, python -m zerograd.vision.train, on a tiny Fashion-MNIST written by the test."""

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("tqdm", reason="the training command needs the `train` extra (tqdm)")
pytest.importorskip("matplotlib", reason="the training command needs the `train` extra (matplotlib)")

from zerograd.nn.checkpoint import PAUSE_VARIABLE, load_checkpoint  # noqa: E402
from zerograd.vision import train  # noqa: E402
from zerograd.vision.datasets.idx import write_idx  # noqa: E402


def _images_for(labels, rng):
    """Each class lights up its own 6x6 patch, plus noise: learnable in a few steps."""
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 5)
        images[i, 2 + row * 12: 8 + row * 12, 1 + col * 5: 6 + col * 5] = 250
    return images


@pytest.fixture(scope="module")
def fashion_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fashion")
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 120), ("t10k", 60)):
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", _images_for(labels, rng))
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return root


def _args(root, out, *extra):
    return ["--data-root", str(root), "--out", str(out), "--batch-size", "40", *extra]


def _metrics(out):
    with open(out / "metrics.csv") as f:
        return list(csv.DictReader(f))


def test_writes_metrics_curves_weights_and_checkpoint(fashion_root, tmp_path):
    out = tmp_path / "run"
    history = train.main(_args(fashion_root, out, "--model", "mlp", "--epochs", "2"))
    rows = _metrics(out)
    assert list(rows[0]) == ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"]
    assert [int(r["epoch"]) for r in rows] == [1, 2] and len(history) == 2
    assert float(rows[1]["train_loss"]) < float(rows[0]["train_loss"])
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = train.FashionMLP()
    model.load_weights(str(out / "model.npz"))
    assert model.fc1.W.shape == (784, 1000)
    values = load_checkpoint(out / "checkpoint.npz", model=train.FashionMLP())
    assert values["epoch"] == 2 and len(values["history"]) == 2
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "curves.png", "metrics.csv", "model.npz"]
    for name in ("metrics.csv", "curves.png"):  # readable like any file the user writes
        assert os.stat(out / name).st_mode & 0o044 == 0o044


class Crash(Exception):
    pass


def _crash_after_first_checkpoint(monkeypatch):
    """The run dies right after epoch 1's checkpoint is on disk."""
    real_save = train.save_checkpoint

    def save_then_crash(*args, **kwargs):
        real_save(*args, **kwargs)
        raise Crash

    monkeypatch.setattr(train, "save_checkpoint", save_then_crash)


@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_resume_reproduces_the_uninterrupted_run(fashion_root, tmp_path, model, monkeypatch):
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    arguments = ("--model", model, "--epochs", "3")
    train.main(_args(fashion_root, whole, *arguments))
    with monkeypatch.context() as patch:
        _crash_after_first_checkpoint(patch)
        with pytest.raises(Crash):
            train.main(_args(fashion_root, resumed, *arguments))
    assert len(_metrics(resumed)) == 1
    train.main(_args(fashion_root, resumed, *arguments, "--resume"))

    def without_seconds(rows):
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    assert without_seconds(_metrics(resumed)) == without_seconds(_metrics(whole))
    assert (resumed / "model.npz").read_bytes() == (whole / "model.npz").read_bytes()


def test_sigkill_inside_the_checkpoint_write_keeps_the_previous_checkpoint(
        fashion_root, tmp_path, monkeypatch):
    out = tmp_path / "run"
    arguments = _args(fashion_root, out, "--model", "mlp", "--epochs", "2")
    with monkeypatch.context() as patch:
        _crash_after_first_checkpoint(patch)
        with pytest.raises(Crash):
            train.main(arguments)
    after_epoch_1 = (out / "checkpoint.npz").read_bytes()

    # Resume; the writer of epoch 2's checkpoint stops halfway (test-only pause) and is killed.
    command = [sys.executable, "-m", "zerograd.vision.train", *arguments, "--resume"]
    env = dict(os.environ, **{PAUSE_VARIABLE: "120"})
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        partial = _wait_for_partial_checkpoint(out, process, timeout=120)
        assert partial is not None, "the checkpoint writer never started its temporary file"
        size = partial.stat().st_size
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert 0 < size < len(after_epoch_1)  # a partial file existed when the process died
    assert (out / "checkpoint.npz").read_bytes() == after_epoch_1
    assert load_checkpoint(out / "checkpoint.npz", model=train.FashionMLP())["epoch"] == 1

    subprocess.run(command, check=True, capture_output=True)  # the next resume finishes the run
    assert [int(r["epoch"]) for r in _metrics(out)] == [1, 2]
    assert not list(out.glob(".*.tmp"))  # the killed run's temporary was cleared away


def _wait_for_partial_checkpoint(out, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        partial = [p for p in out.glob(".checkpoint.npz.*.tmp") if p.stat().st_size > 0]
        if partial:
            return partial[0]
        time.sleep(0.05)
    return None


def test_resume_with_other_arguments_is_refused(fashion_root, tmp_path):
    out = tmp_path / "run"
    train.main(_args(fashion_root, out, "--model", "mlp", "--epochs", "1"))
    with pytest.raises(SystemExit, match=r"used --epochs 1 \(not 3\), --lr 0.001 \(not 0.01\)"):
        train.main(_args(fashion_root, out, "--model", "mlp", "--epochs", "3", "--lr", "0.01", "--resume"))


def test_resume_without_a_checkpoint_says_where_it_looked(fashion_root, tmp_path):
    with pytest.raises(SystemExit, match="--resume: no checkpoint at .*checkpoint.npz"):
        train.main(_args(fashion_root, tmp_path / "empty", "--resume"))


def test_a_missing_optional_dependency_is_named(monkeypatch):
    real_import = train.importlib.import_module

    def without_tqdm(name, *args):
        if name == "tqdm":
            raise ImportError("No module named 'tqdm'")
        return real_import(name, *args)

    monkeypatch.setattr(train.importlib, "import_module", without_tqdm)
    with pytest.raises(SystemExit, match=r"needs tqdm: pip install 'zerograd-vision\[train\]'"):
        train.main(["--epochs", "1"])


@pytest.mark.parametrize("bad", [["--epochs", "0"], ["--lr", "-1"], ["--model", "rnn"]])
def test_bad_arguments_are_refused(bad):
    with pytest.raises(SystemExit):
        train.parse_args(bad)


@pytest.mark.parametrize("name", sorted(train.MODELS))
def test_a_model_in_eval_mode_gives_the_same_output_twice(name):
    model = train.MODELS[name]()
    x = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    model(x)  # size the lazy layers in training mode
    model.eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)


def test_the_cnn_drops_units_in_training_mode_only():
    model = train.FashionCNN(dropout_ratio=0.5)
    x = np.random.default_rng(0).random((8, 784), dtype=np.float32)
    assert not np.array_equal(model(x).data, model(x).data)
    with train.test_mode():
        np.testing.assert_array_equal(model(x).data, model(x).data)
