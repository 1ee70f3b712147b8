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


# name -> (arguments for a few steps, a line of its first epoch's report, the PNG it writes,
# whether it reads Fashion-MNIST from --root)
EXAMPLE_RUNS = {
    "spiral": (["--epochs", "2", "--max-steps", "5"], "epoch   1  train loss", "spiral.png", False),
    "sine_lstm": (["--epochs", "1", "--max-steps", "5", "--hidden-size", "8", "--bptt-length", "3"],
                  "epoch   1  loss", "sine_lstm.png", False),
    "vae": (["--epochs", "1", "--max-steps", "3", "--subset", "32", "--batch-size", "16",
             "--hidden-size", "32", "--latent-size", "4"],
            "epoch   1  train loss", "vae_samples.png", True),
    "dcgan": (["--epochs", "1", "--max-steps", "3", "--subset", "32", "--batch-size", "8",
               "--channels", "4", "--latent-size", "8"],
              "epoch   1  loss D", "dcgan_samples.png", True),
}


def test_every_example_in_the_folder_is_run_here():
    # a new example must get a smoke run above (the helpers starting with '_' are not examples)
    examples = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    assert examples == sorted([*EXAMPLE_RUNS, "core_demo"])


def test_core_demo_fits_its_line_and_differentiates_sin_four_times(tmp_path):
    result = run_example("core_demo", [], tmp_path)
    assert "W = 2." in result.stdout
    assert "d4/dx4 sin(x) at x=1: 0.841471" in result.stdout


@pytest.mark.parametrize("name", list(EXAMPLE_RUNS))
@pytest.mark.slow  # seconds: trains or runs the book's programs (the 3.11 cell only)
def test_example_trains_a_few_steps_and_writes_its_png(name, tmp_path, request):
    args, first_epoch_line, png, reads_mnist = EXAMPLE_RUNS[name]
    if reads_mnist:
        args = [*args, "--root", request.getfixturevalue("tiny_mnist_root")]
    result = run_example(name, [*args, "--out", "out"], tmp_path)
    assert first_epoch_line in result.stdout
    assert_png(tmp_path / "out" / png, result)


@pytest.mark.slow  # seconds: trains or runs the book's programs (the 3.11 cell only)
def test_a_missing_matplotlib_skips_the_plot_with_a_message(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "matplotlib.py").write_text("raise ImportError('matplotlib is blocked here')\n")
    # in front of the inherited path, which may be where zerograd itself is found
    python_path = os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])
    result = run_example("spiral", ["--epochs", "1", "--max-steps", "2", "--out", "out"], tmp_path,
                         extra_env={"PYTHONPATH": python_path})
    assert "matplotlib is not installed: skipping the plot" in result.stdout
    assert not (tmp_path / "out").exists()
