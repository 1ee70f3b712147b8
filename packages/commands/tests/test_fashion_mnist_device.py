"""The training command with --gpu on the GPU stand-in: it trains, evaluates, writes its outputs and a
checkpoint, and --resume continues exactly like an uninterrupted stand-in run."""

import csv
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from zerograd.commands import fashion_mnist
from zerograd.nn.checkpoint import load_checkpoint
from zerograd.training import team, trainer
from zerograd.vision.datasets.idx import write_idx

pytestmark = pytest.mark.once  # also the device session's: not again in every cell


class Crash(Exception):
    pass


@pytest.fixture(scope="module")
def fashion_root(tmp_path_factory):
    """A tiny Fashion-MNIST in which each class lights up its own row of pixels over noise."""
    root = tmp_path_factory.mktemp("fashion")
    for prefix, n in (("train", 80), ("t10k", 40)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = np.random.default_rng(n).integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
        images[np.arange(n), 2 + 2 * labels, :] = 250
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return root


def _args(root, out, *extra):
    return ["--data-root", str(root), "--out", str(out), "--batch-size", "40", "--gpu", *extra]


def _metrics_without_seconds(out):
    with open(out / "metrics.csv") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_gpu_run_trains_and_resume_repeats_it_bitwise(device, fashion_root, tmp_path, model,
                                                      monkeypatch):
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    arguments = ("--model", model, "--epochs", "2")
    history = fashion_mnist.main(_args(fashion_root, whole, *arguments))
    assert len(history) == 2
    assert sorted(p.name for p in whole.iterdir()) == [
        "checkpoint.npz", "curves.png", "metrics.csv", "model.npz"]
    values = load_checkpoint(whole / "checkpoint.npz", model=fashion_mnist.MODELS[model]())
    assert values["epoch"] == 2

    real_save = team.save_checkpoint

    def save_then_crash(*args, **kwargs):
        real_save(*args, **kwargs)
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(team, "save_checkpoint", save_then_crash)
        with pytest.raises(Crash):
            fashion_mnist.main(_args(fashion_root, resumed, *arguments))
    assert len(_metrics_without_seconds(resumed)) == 1
    fashion_mnist.main(_args(fashion_root, resumed, *arguments, "--resume"))
    assert _metrics_without_seconds(resumed) == _metrics_without_seconds(whole)
    assert (resumed / "model.npz").read_bytes() == (whole / "model.npz").read_bytes()


def test_the_command_with_gpu_runs_on_the_standin_chosen_by_the_environment(fashion_root,
                                                                            tmp_path):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "zerograd.commands.fashion_mnist",
               *_args(fashion_root, out, "--model", "mlp", "--epochs", "1")]
    result = subprocess.run(command, env={**os.environ, "ZEROGRAD_DEVICE": "standin",
                                          "MPLBACKEND": "Agg"},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "epoch 1: train loss" in result.stdout
    assert len(_metrics_without_seconds(out)) == 1 and (out / "checkpoint.npz").is_file()


def test_a_mid_epoch_stop_on_the_device_resumes_bitwise(device, fashion_root, tmp_path,
                                                        monkeypatch):
    """SIGTERM after step 3 (epoch 2, step 1 of 2): the checkpoint holds the exact point reached,
    and the resumed --gpu run repeats the uninterrupted one."""
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    arguments = ("--model", "cnn", "--epochs", "3")
    fashion_mnist.main(_args(fashion_root, whole, *arguments))
    steps, real_add = [], trainer.EpochSums.add

    def add_then_signal(self, *args):
        real_add(self, *args)
        steps.append(1)
        if len(steps) == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    with monkeypatch.context() as patch:
        patch.setattr(trainer.EpochSums, "add", add_then_signal)
        with pytest.raises(SystemExit) as exited:
            fashion_mnist.main(_args(fashion_root, stopped, *arguments))
    assert exited.value.code == 128 + signal.SIGTERM
    assert len(_metrics_without_seconds(stopped)) == 1
    fashion_mnist.main(_args(fashion_root, stopped, *arguments, "--resume"))
    assert _metrics_without_seconds(stopped) == _metrics_without_seconds(whole)
    assert (stopped / "model.npz").read_bytes() == (whole / "model.npz").read_bytes()
