"""Smoke runs of the top-level examples: each trains for a few steps in a subprocess (on a tiny
Fashion-MNIST where it needs one) and writes its PNG."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None  # zerograd-dezero[all]

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"no examples folder at {EXAMPLES}")


def run_example(name: str, args: list[str], cwd: Path, extra_env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg", "ZEROGRAD_DATA": str(cwd / "data"),
           **(extra_env or {})}
    result = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args], cwd=cwd,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result


def assert_png(path: Path, result: subprocess.CompletedProcess) -> None:
    if not HAS_MATPLOTLIB:  # the example must say why it drew nothing
        assert "matplotlib is not installed" in result.stdout
        return
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert not list(path.parent.glob("*.part")), "a temporary file was left behind"


def test_spiral(tmp_path):
    result = run_example("spiral", ["--epochs", "2", "--max-steps", "5", "--out", "out"], tmp_path)
    assert "epoch   1  train loss" in result.stdout
    assert_png(tmp_path / "out" / "spiral.png", result)


def test_sine_lstm(tmp_path):
    result = run_example("sine_lstm", ["--epochs", "1", "--max-steps", "5", "--hidden-size", "8",
                                       "--bptt-length", "3", "--out", "out"], tmp_path)
    assert "epoch   1  loss" in result.stdout
    assert_png(tmp_path / "out" / "sine_lstm.png", result)


def test_vae(tmp_path, tiny_mnist_root):
    result = run_example("vae", ["--epochs", "1", "--max-steps", "3", "--subset", "32",
                                 "--batch-size", "16", "--hidden-size", "32", "--latent-size", "4",
                                 "--root", tiny_mnist_root, "--out", "out"], tmp_path)
    assert "epoch   1  train loss" in result.stdout
    assert_png(tmp_path / "out" / "vae_samples.png", result)


def test_dcgan(tmp_path, tiny_mnist_root):
    result = run_example("dcgan", ["--epochs", "1", "--max-steps", "3", "--subset", "32",
                                   "--batch-size", "8", "--channels", "4", "--latent-size", "8",
                                   "--root", tiny_mnist_root, "--out", "out"], tmp_path)
    assert "epoch   1  loss D" in result.stdout
    assert_png(tmp_path / "out" / "dcgan_samples.png", result)


def test_a_missing_matplotlib_skips_the_plot_with_a_message(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "matplotlib.py").write_text("raise ImportError('matplotlib is blocked here')\n")
    result = run_example("spiral", ["--epochs", "1", "--max-steps", "2", "--out", "out"], tmp_path,
                         extra_env={"PYTHONPATH": str(blocker)})
    assert "matplotlib is not installed: skipping the plot" in result.stdout
    assert not (tmp_path / "out").exists()
