"""The top-level examples on the GPU stand-in. vae and dcgan have the book's --gpu switch and run
with it in a subprocess (ZEROGRAD_DEVICE=standin); spiral and sine_lstm have none in the book, so
their training functions run in-process with the model and loaders moved to the stand-in."""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zerograd.core import cuda

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"no examples folder at {EXAMPLES}")


def load_example(name: str, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))  # the examples import their _plotting and _training helpers
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_device(make):
    """``make`` whose result (a model) is moved to the device as soon as it is built."""
    @functools.wraps(make)
    def made_on_device(*args, **kwargs):
        built = make(*args, **kwargs)
        built.to_gpu()
        return built
    return made_on_device


def every_param_on_device(model, device) -> bool:
    return all(isinstance(p.data, device.ndarray) for p in model.params())


def test_spiral_trains_on_the_device(monkeypatch):
    spiral = load_example("spiral", monkeypatch)
    monkeypatch.setattr(spiral, "MLP", on_device(spiral.MLP))
    monkeypatch.setattr(spiral, "DataLoader", functools.partial(spiral.DataLoader, gpu=True))
    with cuda.use_standin() as device:
        model, history = spiral.train(spiral.parse_args(["--epochs", "2", "--max-steps", "12"]))
        assert every_param_on_device(model, device)
    assert len(history) == 2 and all(loss > 0 for loss in history)


def test_sine_lstm_trains_on_the_device_with_truncated_bptt(monkeypatch):
    sine_lstm = load_example("sine_lstm", monkeypatch)
    monkeypatch.setattr(sine_lstm, "BetterRNN", on_device(sine_lstm.BetterRNN))
    monkeypatch.setattr(sine_lstm, "SeqDataLoader",
                        functools.partial(sine_lstm.SeqDataLoader, gpu=True))
    with cuda.use_standin() as device:
        model, history = sine_lstm.train(sine_lstm.parse_args(
            ["--epochs", "1", "--max-steps", "7", "--hidden-size", "8", "--bptt-length", "3"]))
        assert every_param_on_device(model, device)
    assert len(history) == 1 and history[0] > 0


@pytest.mark.parametrize(("name", "arguments", "printed"), [
    ("vae", ["--batch-size", "16", "--hidden-size", "32", "--latent-size", "4"], "train loss"),
    ("dcgan", ["--batch-size", "8", "--channels", "4", "--latent-size", "8"], "loss D"),
])
@pytest.mark.slow  # seconds: trains or runs the book's programs (the 3.11 cell only)
def test_gpu_switch_trains_and_plots_on_the_standin(tmp_path, tiny_mnist_root, name, arguments,
                                                    printed):
    pytest.importorskip("matplotlib", reason="the sample grid needs matplotlib")
    command = [sys.executable, str(EXAMPLES / f"{name}.py"), "--gpu", "--epochs", "1",
               "--max-steps", "3", "--subset", "32", "--root", tiny_mnist_root, "--out", "out",
               *arguments]
    env = {**os.environ, "ZEROGRAD_DEVICE": "standin", "MPLBACKEND": "Agg",
           "ZEROGRAD_DATA": str(tmp_path / "data")}
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"{name} --gpu failed:\n{result.stdout}\n{result.stderr}"
    assert f"epoch   1  {printed}" in result.stdout
    assert (tmp_path / "out" / f"{name}_samples.png").read_bytes()[:4] == b"\x89PNG"
