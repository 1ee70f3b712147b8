"""The extensions a newcomer sees: the progress bar, the plot, the export and the outputs line."""

import io
import signal
import sys

import numpy as np
import pytest

from zerograd.data import DataLoader
from zerograd.nn import functions as F
from zerograd.nn import optimizers
from zerograd.nn.models import MLP
from zerograd.training import Evaluator, Export, PrintReport, ProgressBar, SaveWeights, Trainer
from zerograd.training.extensions import progress


def trainer_with(toy_data, extensions, out=None, epochs=1):
    train, test = toy_data
    model = MLP((8, 2), activation=F.relu)
    return Trainer(model, F.softmax_cross_entropy, optimizers.SGD(lr=0.1).setup(model),
                   DataLoader(train, 4, seed=0), epochs=epochs, metrics={"acc": F.accuracy},
                   out=out, extensions=[Evaluator(DataLoader(test, 4, shuffle=False)),
                                        *extensions])


def test_the_bar_shows_rate_eta_and_the_evaluation(toy_data, terminal):
    pytest.importorskip("tqdm")
    trainer_with(toy_data, [ProgressBar(file=terminal, mininterval=0)]).run()
    text = terminal.getvalue()
    assert "epoch 1/1" in text and "4/4" in text and "samples_per_s=" in text and "<" in text
    assert "test set" in text and "2/2" in text  # the evaluation's own bar


def test_the_bar_and_the_stop_name_the_same_step(toy_data, terminal, signal_at):
    pytest.importorskip("tqdm")
    trainer = trainer_with(toy_data, [ProgressBar(file=terminal, mininterval=0),
                                      signal_at(3, signal.SIGTERM)])
    trainer.run()
    assert trainer.position() == "in epoch 1, step 3"
    last_bar = terminal.getvalue().split("\r")[-1]
    assert " 3/4 " in last_bar, last_bar


@pytest.mark.parametrize("file, enabled", [(io.StringIO(), True), ("terminal", False)])
def test_the_bar_is_quiet_off_a_terminal_or_when_switched_off(toy_data, terminal, file, enabled):
    pytest.importorskip("tqdm")
    file = terminal if file == "terminal" else file
    trainer_with(toy_data, [ProgressBar(enabled=enabled, file=file)]).run()
    assert file.getvalue() == ""


def test_a_missing_tqdm_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match=r"pip install 'zerograd-training\[progress\]'"):
        progress.ProgressBar()


def test_a_one_epoch_plot_shows_the_training_loss_step_by_step(toy_data, tmp_path):
    pytest.importorskip("matplotlib")
    from zerograd.training import PlotReport

    plot = PlotReport()
    trainer = trainer_with(toy_data, [plot], out=tmp_path)
    trainer.run()
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    loss_axes, acc_axes = plot.draw(trainer.history).axes
    assert loss_axes.get_ylabel() == "loss" and acc_axes.get_ylabel() == "accuracy"
    assert max(len(line.get_xdata()) for line in loss_axes.get_lines()) == 4  # a curve, not a dot


@pytest.mark.parametrize("epochs", [1, 2, 3])
def test_the_epoch_axis_has_integer_ticks(epochs):
    pytest.importorskip("matplotlib")
    from zerograd.training import PlotReport

    plot = PlotReport()
    history = [{"epoch": e, "train_loss": 1 / e, "test_loss": 1.1 / e} for e in range(1, epochs + 1)]
    plot.names, plot.steps = ["loss"], [[e / 4, 1.0] for e in range(1, 4 * epochs + 1)]
    axes = plot.draw(history).axes[0]
    low, high = axes.get_xlim()
    ticks = [t for t in axes.get_xticks() if low <= t <= high]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    plot.plt.close("all")


def test_export_gets_a_host_model_and_one_training_sample(toy_data, tmp_path, device):
    """On the device (the stand-in), the exporter still gets host arrays."""
    calls = []

    def exporter(model, example, path):
        calls.append((type(next(iter(model.params())).data), example.shape))
        with open(path, "wb") as file:
            file.write(b"exported")

    trainer = trainer_with(toy_data, [Export("model.bin", exporter)], out=tmp_path)
    trainer.model(np.zeros((1, 3), np.float32))
    trainer.to_gpu()  # on the stand-in
    trainer.run()
    assert calls == [(np.ndarray, (1, 3))]
    assert (tmp_path / "model.bin").read_bytes() == b"exported"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]


def test_the_end_of_a_run_says_where_the_outputs_are(toy_data, tmp_path, capsys):
    trainer_with(toy_data, [PrintReport(), SaveWeights()], out=tmp_path).run()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("epoch 1: train loss ") and " | test loss " in lines[0]
    assert lines[-1] == f"outputs in {tmp_path}: model.npz"
