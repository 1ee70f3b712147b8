"""The Trainer's loop: metrics, time, accumulation, clipping, schedulers, stops and exact resume."""

import os
import re
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from zerograd.data import DataLoader
from zerograd.nn import functions as F
from zerograd.nn import optimizers, schedulers
from zerograd.nn.models import MLP
from zerograd.training import (
    BestModel,
    Checkpoint,
    EarlyStopping,
    Evaluator,
    FolderInUse,
    LogReport,
    LossNotFinite,
    SaveWeights,
    StopRequest,
    Trainer,
)
from zerograd.training import folder as folder_module


def make_trainer(toy_data, out=None, extensions=(), epochs=3, batch=4, seed=0, **options):
    train, test = toy_data
    np.random.seed(seed)
    model = MLP((8, 2), activation=F.relu)
    model(np.zeros((1, 3), np.float32))  # size the layers now: their draws then never differ
    optimizer = optimizers.MomentumSGD(lr=0.1).setup(model)
    scheduler = schedulers.StepLR(optimizer, step_size=2, gamma=0.5)
    extensions = [Evaluator(DataLoader(test, 4, shuffle=False)), *extensions]
    return Trainer(model, F.softmax_cross_entropy, optimizer, DataLoader(train, batch, seed=seed),
                   epochs=epochs, metrics={"acc": F.accuracy}, out=out, extensions=extensions,
                   scheduler=scheduler, **options)


def without_seconds(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def weights(model):
    return {name: p.data.copy() for name, p in model.named_params()}


def test_rows_hold_train_and_test_means_and_the_loss_falls(toy_data):
    history = make_trainer(toy_data, epochs=4).run()
    assert [list(row) for row in history] == [["epoch", "train_loss", "train_acc", "test_loss",
                                               "test_acc", "seconds"]] * 4
    assert history[-1]["train_loss"] < history[0]["train_loss"]


class SlowLoss:
    """softmax_cross_entropy that takes 50 ms a call, so the epoch's time is known."""

    def __call__(self, y, t):
        time.sleep(0.05)
        return F.softmax_cross_entropy(y, t)


def test_seconds_count_the_epoch_once(toy_data):
    trainer = make_trainer(toy_data, epochs=1)
    trainer.loss = SlowLoss()  # 4 training steps, 2 evaluation batches: about 0.3 s
    start = time.perf_counter()
    trainer.run()
    elapsed = time.perf_counter() - start
    assert 0.3 <= trainer.history[0]["seconds"] <= elapsed  # counted twice it was 0.5 s or more


@pytest.mark.parametrize("options", [
    {},
    {"accumulate": 2, "clip_grad": 0.5, "scheduler_interval": "step"},
])
def test_a_signal_mid_epoch_saves_the_exact_point_and_resume_repeats_the_run(
        toy_data, tmp_path, options, signal_at):
    def extensions():
        return [BestModel(monitor="test_acc", mode="max"), SaveWeights(), Checkpoint()]

    whole = make_trainer(toy_data, tmp_path / "whole", extensions(), **options)
    whole.run()
    stopped = make_trainer(toy_data, tmp_path / "stopped", [*extensions(), signal_at(6)],
                           **options)
    stopped.run()
    assert stopped.stop_signal == signal.SIGTERM
    assert stopped.position() == "in epoch 2, step 2" and len(stopped.history) == 1
    resumed = make_trainer(toy_data, tmp_path / "stopped", extensions(), **options)
    resumed.resume(tmp_path / "stopped" / "checkpoint.npz")
    assert resumed.position() == "in epoch 2, step 2"
    resumed.run()
    assert without_seconds(resumed.history) == without_seconds(whole.history)
    for name in ("model.npz", "best.npz"):
        assert (tmp_path / "stopped" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_accumulating_two_half_batches_equals_one_whole_batch(toy_data):
    one = make_trainer(toy_data, epochs=1, batch=4)
    two = make_trainer(toy_data, epochs=1, batch=2, accumulate=2)
    two.train_loader = DataLoader(toy_data[0], 2, shuffle=False)
    one.train_loader = DataLoader(toy_data[0], 4, shuffle=False)
    one.run()
    two.run()
    for name, value in weights(one.model).items():
        np.testing.assert_allclose(weights(two.model)[name], value, rtol=1e-5, atol=1e-6)


def test_gradient_clipping_bounds_the_update(toy_data):
    trainer = make_trainer(toy_data, epochs=1, clip_grad=1e-3)
    trainer.optimizer.param_groups[0]["momentum"] = 0.0
    trainer.train_loader = DataLoader(toy_data[0], 16, shuffle=False)
    before = weights(trainer.model)
    trainer.run()
    change = np.sqrt(sum(((weights(trainer.model)[k] - v) ** 2).sum() for k, v in before.items()))
    assert change <= 0.1 * 1e-3 * (1 + 1e-3)  # one step of lr 0.1 on a gradient of norm <= 1e-3


def test_a_per_step_scheduler_steps_after_every_update(toy_data):
    trainer = make_trainer(toy_data, epochs=1, scheduler_interval="step")  # 4 updates
    trainer.run()
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 2)


def test_early_stopping_ends_the_run_and_best_model_keeps_the_best(toy_data, tmp_path):
    stopper = EarlyStopping(monitor="test_loss", patience=1, min_delta=1e9)  # never improves
    trainer = make_trainer(toy_data, tmp_path, [stopper, BestModel()], epochs=5)
    history = trainer.run()
    assert [row["epoch"] for row in history] == [1, 2]
    assert (tmp_path / "best.npz").exists()
    with pytest.raises(KeyError, match="'test_los' is not logged"):
        make_trainer(toy_data, extensions=[EarlyStopping(monitor="test_los")]).run()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_a_loss_that_is_not_finite_stops_with_where(toy_data):
    trainer = make_trainer(toy_data)
    trainer.optimizer.param_groups[0]["lr"] = 1e30
    with pytest.raises(LossNotFinite) as error:
        trainer.run()
    value, epoch, step = error.value.args
    assert not np.isfinite(value) and epoch == 1 and step >= 2


def test_logs_are_csv_and_json(toy_data, tmp_path):
    make_trainer(toy_data, tmp_path, [LogReport()], epochs=2).run()
    lines = (tmp_path / "metrics.csv").read_text().splitlines()
    assert lines[0] == "epoch,train_loss,train_acc,test_loss,test_acc,seconds"
    assert re.fullmatch(r"2,\d\.\d{6},\d\.\d{6},\d\.\d{6},\d\.\d{6},\d+\.\d{6}", lines[2])
    import json
    rows = json.loads((tmp_path / "log.json").read_text())
    assert [row["epoch"] for row in rows] == [1, 2] and set(rows[0]) == set(lines[0].split(","))


def test_a_second_run_into_a_locked_folder_is_refused(toy_data, tmp_path):
    if folder_module.fcntl is None:
        pytest.skip("needs POSIX advisory locks")
    handle = os.open(tmp_path, os.O_RDONLY)
    try:
        folder_module.fcntl.flock(handle, folder_module.fcntl.LOCK_EX)
        with pytest.raises(FolderInUse, match="is in use by another training run"):
            make_trainer(toy_data, tmp_path).run()
    finally:
        os.close(handle)


def test_a_signal_ignored_from_the_start_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as nohup or `cmd &` in a script
    try:
        with StopRequest().installed():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert isinstance(signal.getsignal(signal.SIGTERM), StopRequest)
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("bad, message", [
    ({"epochs": 0}, "epochs must be an int >= 1"),
    ({"accumulate": 0}, "accumulate must be an int >= 1"),
    ({"scheduler_interval": "batch"}, "scheduler_interval must be 'epoch' or 'step'"),
])
def test_bad_options_are_refused(toy_data, bad, message):
    with pytest.raises(ValueError, match=f"Trainer: {message}"):
        make_trainer(toy_data, **bad)


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    readme = Path(__file__).parent.parent / "README.md"
    if not readme.exists():
        pytest.skip("the package's README.md is not beside this installed package")
    pytest.importorskip("tqdm", reason="the example uses the progress extra")
    pytest.importorskip("matplotlib", reason="the example uses the plot extra")
    code = re.search(r"```python\n(.*?)```", readme.read_text(), re.S).group(1)
    assert len(code.strip().splitlines()) <= 16  # a dozen lines of training, and the imports
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(code, namespace)
    assert [row["epoch"] for row in namespace["history"]] == [1, 2]
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == ("outputs in runs/xor: metrics.csv, log.json, curves.png, "
                                    "model.npz, checkpoint.npz")
