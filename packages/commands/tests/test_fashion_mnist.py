"""The main job, python -m zerograd.commands.fashion_mnist, on a tiny Fashion-MNIST written by the test."""

import csv
import importlib.util
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from zerograd.commands import fashion_mnist, mpi_team
from zerograd.commands.job import Job
from zerograd.core import cuda, no_grad
from zerograd.nn import test_mode
from zerograd.nn.checkpoint import load_checkpoint
from zerograd.training import ProgressBar, folder, team
from zerograd.vision.datasets.idx import write_idx


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


def _without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


@pytest.fixture(scope="module")
def whole_run(fashion_root, tmp_path_factory):
    """whole_run(model) -> (folder, history) of an uninterrupted 3-epoch run, trained once per
    module: the resume tests compare with it and the refusal tests resume it (never writing)."""
    runs = {}

    def run(model):
        if model not in runs:
            out = tmp_path_factory.mktemp(f"whole-{model}") / "run"
            history = fashion_mnist.main(_args(fashion_root, out, "--model", model, "--epochs", "3"))
            runs[model] = out, history
        return runs[model]

    return run


def test_writes_metrics_curves_weights_and_checkpoint(whole_run):
    out, history = whole_run("mlp")
    rows = _metrics(out)
    assert list(rows[0]) == ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"]
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3] and len(history) == 3
    assert float(rows[1]["train_loss"]) < float(rows[0]["train_loss"])
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = fashion_mnist.FashionMLP()
    model.load_weights(str(out / "model.npz"))
    assert model.fc1.W.shape == (784, 1000)
    values = load_checkpoint(out / "checkpoint.npz", model=fashion_mnist.FashionMLP())
    assert values["epoch"] == 3 and len(values["history"]) == 3
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "curves.png", "metrics.csv", "model.npz"]
    for name in ("metrics.csv", "curves.png"):  # readable like any file the user writes
        assert os.stat(out / name).st_mode & 0o044 == 0o044


class Crash(Exception):
    pass


def _crash_after_first_checkpoint(monkeypatch):
    """The run dies right after epoch 1's checkpoint is on disk."""
    real_save = team.save_checkpoint

    def save_then_crash(*args, **kwargs):
        real_save(*args, **kwargs)
        raise Crash

    monkeypatch.setattr(team, "save_checkpoint", save_then_crash)


@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_resume_reproduces_the_uninterrupted_run(fashion_root, whole_run, tmp_path, model,
                                                 monkeypatch):
    (whole, _), resumed = whole_run(model), tmp_path / "resumed"
    arguments = ("--model", model, "--epochs", "3")
    with monkeypatch.context() as patch:
        _crash_after_first_checkpoint(patch)
        with pytest.raises(Crash):
            fashion_mnist.main(_args(fashion_root, resumed, *arguments))
    assert len(_metrics(resumed)) == 1
    fashion_mnist.main(_args(fashion_root, resumed, *arguments, "--resume"))
    assert _without_seconds(_metrics(resumed)) == _without_seconds(_metrics(whole))
    assert (resumed / "model.npz").read_bytes() == (whole / "model.npz").read_bytes()


@pytest.mark.once
def test_sigkill_inside_the_checkpoint_write_keeps_the_previous_checkpoint(
        fashion_root, tmp_path, monkeypatch):
    out = tmp_path / "run"
    arguments = _args(fashion_root, out, "--model", "mlp", "--epochs", "2")
    with monkeypatch.context() as patch:
        _crash_after_first_checkpoint(patch)
        with pytest.raises(Crash):
            fashion_mnist.main(arguments)
    after_epoch_1 = (out / "checkpoint.npz").read_bytes()

    # Resume; the writer of epoch 2's checkpoint is killed once its temporary file is complete
    # but not yet renamed over the checkpoint (the script below holds the rename back).
    command = [sys.executable, "-m", "zerograd.commands.fashion_mnist", *arguments, "--resume"]
    process = subprocess.Popen([sys.executable, "-c", PAUSE_BEFORE_CHECKPOINT_RENAME,
                                *command[3:]], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        partial = _wait_for_partial_checkpoint(out, process, timeout=120)
        assert partial is not None, "the checkpoint writer never started its temporary file"
        size = partial.stat().st_size
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert size > 0  # epoch 2's temporary checkpoint existed when the process died
    assert (out / "checkpoint.npz").read_bytes() == after_epoch_1
    assert load_checkpoint(out / "checkpoint.npz", model=fashion_mnist.FashionMLP())["epoch"] == 1

    subprocess.run(command, check=True, capture_output=True)  # the next resume finishes the run
    assert [int(r["epoch"]) for r in _metrics(out)] == [1, 2]
    assert not list(out.glob(".*.tmp"))  # the killed run's temporary was cleared away


# The command with the rename of a finished checkpoint.npz temporary held back for two minutes.
PAUSE_BEFORE_CHECKPOINT_RENAME = """
import os, runpy, time
real_replace = os.replace
def slow_replace(source, target, *args, **kwargs):
    if os.fspath(target).endswith("checkpoint.npz"):
        time.sleep(120)
    return real_replace(source, target, *args, **kwargs)
os.replace = slow_replace
runpy.run_module("zerograd.commands.fashion_mnist", run_name="__main__")
"""


def _wait_for_partial_checkpoint(out, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        partial = [p for p in out.glob(".checkpoint.npz.*.tmp") if p.stat().st_size > 0]
        if partial:
            return partial[0]
        time.sleep(0.05)
    return None


def _refused(capsys, arguments, message):
    """main(arguments) stops with status 2 and an argparse-style message on stderr."""
    with pytest.raises(SystemExit) as stopped:
        fashion_mnist.main(arguments)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert re.search(message, error), error
    assert "Traceback" not in error
    return error


# The training command in a subprocess that signals itself right after its k-th training step,
# so the stop lands at a known point; the real handler, exit path and printed hint all run.
SIGNAL_AFTER_STEP = """
import os, signal, sys
from zerograd.commands import fashion_mnist
from zerograd.training import trainer
steps, real_add = 0, trainer.EpochSums.add
def add_then_signal(self, *args):
    global steps
    real_add(self, *args)
    steps += 1
    if steps == int(os.environ["STEP"]):
        os.kill(os.getpid(), getattr(signal, os.environ["SIGNAL"]))
trainer.EpochSums.add = add_then_signal
signal.signal(signal.SIGINT, signal.default_int_handler)  # as on a terminal, also in a background job
fashion_mnist.main(sys.argv[1:])
"""


@pytest.mark.once
@pytest.mark.parametrize("model, signal_name, step, where", [
    ("cnn", "SIGINT", 5, "in epoch 2, step 2"),  # mid-epoch: 3 steps per epoch
    ("mlp", "SIGTERM", 3, "in epoch 1, step 3"),  # after the last step, before the evaluation
])
def test_a_signal_saves_the_exact_point_and_resuming_repeats_the_whole_run(
        fashion_root, whole_run, tmp_path, model, signal_name, step, where):
    stopped = tmp_path / "stopped"
    arguments = _args(fashion_root, stopped, "--model", model, "--epochs", "3")
    env = dict(os.environ, STEP=str(step), SIGNAL=signal_name,
               **{fashion_mnist.PROG_VARIABLE:
                  f"{shlex.quote(sys.executable)} -m zerograd.commands.fashion_mnist"})
    process = subprocess.run([sys.executable, "-c", SIGNAL_AFTER_STEP, *arguments], env=env,
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 128 + getattr(signal, signal_name), process.stderr
    assert "Traceback" not in process.stderr
    last_line = process.stdout.splitlines()[-1]
    hint = f"stopped {where}; checkpoint saved. Resume with: "
    assert last_line.startswith(hint), process.stdout
    resume = shlex.split(last_line[len(hint):])
    assert resume == [sys.executable, "-m", "zerograd.commands.fashion_mnist", *arguments, "--resume"]

    resumed = subprocess.run(resume, env=env, check=True, capture_output=True, text=True,
                             timeout=600)
    assert resumed.stdout.startswith(f"resuming {where} from "), resumed.stdout
    whole, _ = whole_run(model)
    assert _without_seconds(_metrics(stopped)) == _without_seconds(_metrics(whole))
    assert (stopped / "model.npz").read_bytes() == (whole / "model.npz").read_bytes()


def test_resume_with_other_arguments_is_refused(fashion_root, whole_run, capsys):
    out, _ = whole_run("mlp")
    _refused(capsys, _args(fashion_root, out, "--model", "mlp", "--epochs", "1", "--lr", "0.01",
                           "--resume"),
             r"error: --resume: the checkpoint's run used --epochs 3 \(not 1\), --lr 0.001 "
             r"\(not 0.01\); resume with the same arguments")


def test_resume_with_another_model_or_optimizer_names_the_settings(fashion_root, whole_run,
                                                                   capsys):
    out, _ = whole_run("mlp")
    error = _refused(capsys, _args(fashion_root, out, "--model", "cnn", "--optimizer", "sgd",
                                   "--epochs", "3", "--resume"),
                     r"used --model mlp \(not cnn\), --optimizer adam \(not sgd\)")
    assert "fc1" not in error and "conv" not in error  # no state-dict keys


def test_resume_without_a_checkpoint_says_where_it_looked(fashion_root, tmp_path, capsys):
    _refused(capsys, _args(fashion_root, tmp_path / "empty", "--resume"),
             "--resume: no checkpoint at .*checkpoint.npz")
    assert not (tmp_path / "empty").exists()  # no empty folder left behind


def test_resume_of_a_finished_run_says_nothing_is_left(fashion_root, whole_run, capsys):
    out, _ = whole_run("mlp")
    arguments = _args(fashion_root, out, "--model", "mlp", "--epochs", "3")
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    history = fashion_mnist.main([*arguments, "--resume"])
    assert "nothing left to train: the run in" in capsys.readouterr().out
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before


@pytest.mark.parametrize("bad, message", [
    (["--lr", "nan"], r"--lr must be a finite positive number, got nan"),
    (["--lr", "inf"], r"--lr must be a finite positive number, got inf"),
    (["--lr", "-1"], r"--lr must be a finite positive number, got -1.0"),
    (["--seed", str(2**64)], rf"--seed must lie in 0..{2**32 - 1}, got {2**64}"),
    (["--seed", "-1"], r"--seed must lie in 0..4294967295, got -1"),
    (["--epochs", "0"], r"--epochs must be at least 1"),
    (["--batch-size", "0"], r"--batch-size must be at least 1"),
    (["--model", "rnn"], r"argument --model: invalid choice: 'rnn'"),
])
def test_bad_arguments_are_refused_before_anything_runs(bad, message, tmp_path, capsys):
    out = tmp_path / "run"
    _refused(capsys, ["--out", str(out), *bad], message)
    assert not out.exists()


@pytest.mark.skipif(cuda.gpu_enable, reason="checks the error raised without CuPy")
def test_gpu_without_cupy_is_refused_before_anything_runs(tmp_path, capsys):
    _refused(capsys, ["--out", str(tmp_path / "run"), "--gpu"],
             r"--gpu needs CuPy with a usable CUDA device")


def test_an_out_that_cannot_be_written_is_refused_before_the_first_step(fashion_root, tmp_path,
                                                                       capsys, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(fashion_mnist, "build_trainer", _must_not_run)
    _refused(capsys, _args(fashion_root, blocker / "run"),
             rf"--out {re.escape(str(blocker / 'run'))} is not a writable directory")


def _must_not_run(*args, **kwargs):
    raise AssertionError("training started despite a bad argument")


def test_a_read_only_out_is_refused_before_the_first_step(fashion_root, tmp_path, capsys,
                                                          monkeypatch):
    out = tmp_path / "read-only"
    out.mkdir(mode=0o555)
    if os.geteuid() == 0:  # root writes into a 0o555 folder: let the OS refuse as it would a user
        def refused(*args, **kwargs):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr(folder.tempfile, "TemporaryFile", refused)
    monkeypatch.setattr(fashion_mnist, "build_trainer", _must_not_run)
    _refused(capsys, _args(fashion_root, out), r"is not a writable directory")


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_a_loss_that_stops_being_finite_ends_the_run(fashion_root, tmp_path, capsys):
    out = tmp_path / "run"
    arguments = _args(fashion_root, out, "--model", "mlp", "--optimizer", "sgd", "--epochs", "2")
    with pytest.raises(SystemExit) as stopped:
        fashion_mnist.main([*arguments, "--lr", "1e30"])
    assert re.fullmatch(r"stopped in epoch 1, step \d: the training loss is (nan|inf); lower --lr "
                        r"\(now 1e\+30\)\. The outputs in .* are from the last completed epoch\.",
                        str(stopped.value.code))
    assert not (out / "checkpoint.npz").exists()


def test_only_the_commands_own_temporaries_are_removed(fashion_root, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    leftovers = [".checkpoint.npz.a1b2c3d4.tmp", ".model.npz.k_9x0qzz.tmp"]  # a killed run's
    kept = [".notes.tmp", ".checkpoint.npz.tmp", ".checkpoint.npz.mine-too-long.tmp", "x.tmp"]
    for name in leftovers + kept:
        (out / name).write_text("")
    fashion_mnist.main(_args(fashion_root, out, "--model", "mlp", "--epochs", "1"))
    assert sorted(name for name in os.listdir(out) if name.endswith(".tmp")) == sorted(kept)


@pytest.mark.skipif(folder.fcntl is None, reason="needs POSIX advisory locks")
def test_a_second_run_into_the_same_folder_is_refused(fashion_root, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    writing = out / ".checkpoint.npz.a1b2c3d4.tmp"  # the other run's checkpoint in progress
    writing.write_text("half")
    handle = os.open(out, os.O_RDONLY)
    try:
        folder.fcntl.flock(handle, folder.fcntl.LOCK_EX)  # what the other run holds
        _refused(capsys, _args(fashion_root, out, "--model", "mlp", "--epochs", "1"),
                 r"--out .* is in use by another training run")
    finally:
        os.close(handle)
    assert writing.read_text() == "half"


def test_help_shows_the_command_the_user_typed_and_every_default(monkeypatch, capsys):
    monkeypatch.setenv(fashion_mnist.PROG_VARIABLE, "./run.sh train")
    with pytest.raises(SystemExit) as stopped:
        fashion_mnist.parse_args(["--help"])
    assert stopped.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith("usage: ./run.sh train [-h]")
    for default in ("(default: cnn)", "(default: adam)", "(default: 100)", "(default: 0)",
                    "(default: 8 for cnn, 15 for mlp)", "(default: 1e-3)",
                    "(default: ./runs/fashion_mnist-<model>)"):
        assert default in text
    assert "--out DIR" in text and "--resume continue the run saved in --out DIR" in text
    assert "--no-progress no progress bar" in text


@pytest.mark.parametrize("flag, bar", [((), True), (("--no-progress",), False)])
def test_no_progress_leaves_the_bar_out(fashion_root, tmp_path, flag, bar):
    argv = _args(fashion_root, tmp_path / "run", *flag)
    args = fashion_mnist.parse_args(argv)
    job = Job(fashion_mnist.build_parser(), args, argv, {}, package="zerograd-commands")
    trainer = fashion_mnist.build_trainer(job, export=None)
    assert any(isinstance(e, ProgressBar) for e in trainer.extensions) == bar


@pytest.mark.parametrize("name", sorted(fashion_mnist.MODELS))
def test_a_model_in_eval_mode_gives_the_same_output_twice(name):
    model = fashion_mnist.MODELS[name]()
    x = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    model(x)  # size the lazy layers in training mode
    model.eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)


def test_the_cnn_drops_units_in_training_mode_only():
    model = fashion_mnist.FashionCNN(dropout_ratio=0.5)
    x = np.random.default_rng(0).random((8, 784), dtype=np.float32)
    assert not np.array_equal(model(x).data, model(x).data)
    with test_mode():
        np.testing.assert_array_equal(model(x).data, model(x).data)


# --- --export-onnx -------------------------------------------------------------------------------
def _readme_serving_lines():
    """The three lines of the top README that serve model.onnx with ONNX Runtime."""
    readme = os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md")
    if not os.path.exists(readme):
        pytest.skip("the repository's README.md is not beside this installed package")
    with open(readme) as f:
        text = f.read()
    block = re.search(r"```python\n(import onnxruntime as ort\n.*?)```", text, re.S)
    assert block, "README.md lost its ONNX Runtime example"
    return block.group(1)


def test_export_onnx_writes_a_model_that_onnx_runtime_serves_like_the_model(
        fashion_root, tmp_path, monkeypatch):
    pytest.importorskip("zerograd.onnx", reason="--export-onnx needs zerograd-onnx")
    pytest.importorskip("onnxruntime", reason="serving the exported model needs onnxruntime")
    monkeypatch.chdir(tmp_path)  # the README's path: the default --out of the cnn
    fashion_mnist.main(["--data-root", str(fashion_root), "--batch-size", "40", "--epochs", "1",
                "--export-onnx"])
    out = tmp_path / "runs" / "fashion_mnist-cnn"
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "curves.png", "metrics.csv", "model.npz",
                                       "model.onnx"]
    images = np.random.default_rng(1).random((5, 784), dtype=np.float32)
    namespace = {"images": images}
    exec(_readme_serving_lines(), namespace)
    model = fashion_mnist.FashionCNN()
    model(images[:1])  # size the lazy layers, then take the trained weights
    model.load_weights(str(out / "model.npz"))
    with test_mode(), no_grad():
        expected = model(images).data
    np.testing.assert_allclose(namespace["logits"], expected, rtol=1e-4, atol=1e-5)


def test_export_onnx_without_zerograd_onnx_stops_before_the_first_step(
        fashion_root, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "zerograd.onnx", None)  # import raises ImportError
    out = tmp_path / "run"
    error = _refused(capsys, _args(fashion_root, out, "--export-onnx"),
                     r"--export-onnx needs zerograd.onnx")
    assert "pip install 'zerograd-commands[onnx]'" in error
    assert not out.exists()


# --- mpiexec -------------------------------------------------------------------------------------
@pytest.mark.parametrize("environment, size", [
    ({}, 1), ({"PMI_SIZE": "2"}, 2), ({"OMPI_COMM_WORLD_SIZE": "4"}, 4), ({"PMI_SIZE": "1"}, 1)])
def test_the_size_of_an_mpiexec_job_is_read_from_the_launchers_variables(
        monkeypatch, environment, size):
    for name in mpi_team.MPI_SIZE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert mpi_team.mpi_world_size() == size


def test_a_global_batch_that_does_not_divide_by_the_ranks_is_refused(monkeypatch, tmp_path,
                                                                      capsys):
    monkeypatch.setenv("PMI_SIZE", "3")
    _refused(capsys, ["--out", str(tmp_path / "run"), "--batch-size", "40"],
             r"--batch-size is the global batch and must divide by the 3 processes")


def test_mpiexec_without_zerograd_distributed_names_the_pip_line(fashion_root, tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "zerograd.distributed", None)
    error = _refused(capsys, _args(fashion_root, tmp_path / "run"),
                     r"a run under mpiexec \(2 processes\) needs zerograd.distributed")
    assert "pip install 'zerograd-commands[mpi]'" in error


def test_resuming_under_another_number_of_processes_is_refused(fashion_root, whole_run, capsys,
                                                               monkeypatch):
    # under mpiexec the command first needs zerograd.distributed (refused by the test above)
    pytest.importorskip("zerograd.distributed", reason="mpiexec runs need zerograd-distributed")
    out, _ = whole_run("mlp")
    monkeypatch.setenv("PMI_SIZE", "2")
    _refused(capsys, _args(fashion_root, out, "--model", "mlp", "--epochs", "3", "--resume"),
             r"--resume: the checkpoint's run used 1 process\(es\), this one 2; resume with one "
             r"process \(without mpiexec\)")


# Rank 1 refuses every write under --out: any file it opened for writing or renamed there would
# end the job (the exception aborts every rank), so a finished run shows rank 0 wrote alone.
RANK_1_WRITES_NOTHING = """
import os, runpy, sys
out = os.path.realpath(sys.argv[sys.argv.index("--out") + 1])
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT
PATH_WRITTEN = {"os.rename": 1, "os.replace": 1, "os.mkdir": 0}  # event: which argument

def written_path(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1] or "", args[2] or 0
        return args[0] if any(c in mode for c in "wax+") or flags & WRITING else None
    return args[PATH_WRITTEN[event]] if event in PATH_WRITTEN else None

def refuse_writes(event, args):
    path = written_path(event, args)
    if path is not None and os.path.realpath(os.fsdecode(path)).startswith(out):
        raise PermissionError(f"rank {os.environ['PMI_RANK']} wrote {path} ({event})")

if os.environ.get("PMI_RANK") != "0":
    sys.addaudithook(refuse_writes)
runpy.run_module("zerograd.commands.fashion_mnist", run_name="__main__")
"""


def _run_two_ranks(mpiexec, arguments, timeout=240, until=None):
    """`mpiexec -n 2` the training command (rank 1 refusing writes under --out); with ``until``,
    SIGTERM mpiexec once a line of its output contains it (not "starts with": mpiexec may put
    the progress bar's unfinished stderr line in front of it). Returns (status, output)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "OMPI_", "HYDRA_"))}
    env["OMP_NUM_THREADS"] = "1"  # two ranks on a shared machine
    command = [mpiexec, "-n", "2", sys.executable, "-c", RANK_1_WRITES_NOTHING, *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env, start_new_session=True)
    lines = []
    try:
        deadline = time.monotonic() + timeout
        for line in process.stdout:
            lines.append(line)
            if until is not None and until in line:
                process.send_signal(signal.SIGTERM)
                until = None
            assert time.monotonic() < deadline, "mpiexec ran past its time: " + "".join(lines)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, "".join(lines)


MPI_ARGUMENTS = ("--model", "cnn", "--epochs", "3")


@pytest.fixture(scope="module")
def two_rank_run(fashion_root, mpiexec, tmp_path_factory):
    """(folder, output) of one uninterrupted mpiexec -n 2 run of the CNN (with --export-onnx
    when zerograd-onnx is there), shared by the tests that compare with it."""
    out = tmp_path_factory.mktemp("ranks") / "run"
    export = ("--export-onnx",) if importlib.util.find_spec("zerograd.onnx") is not None else ()
    status, output = _run_two_ranks(mpiexec, _args(fashion_root, out, *MPI_ARGUMENTS, *export))
    assert status == 0, output
    return out, output


def test_mpiexec_two_ranks_train_one_model_as_well_as_one_process(two_rank_run, whole_run):
    (ranks, output), (single, _) = two_rank_run, whole_run("cnn")
    exported = ["model.onnx"] if (ranks / "model.onnx").exists() else []
    assert sorted(os.listdir(ranks)) == sorted(os.listdir(single) + exported)
    assert [line for line in output.splitlines() if line.startswith("epoch 3:")] != []
    assert len(re.findall(r"^epoch \d: train loss", output, re.M)) == 3  # rank 0 prints alone
    one, two = _metrics(single), _metrics(ranks)
    assert float(two[1]["train_loss"]) < float(two[0]["train_loss"])
    for column in ("test_acc", "train_acc"):  # 60 test images: 0.1 is six of them
        assert abs(float(two[-1][column]) - float(one[-1][column])) <= 0.1, (one, two)
    values = load_checkpoint(ranks / "checkpoint.npz", model=fashion_mnist.FashionCNN())
    assert values["ranks"] == 2 and values["epoch"] == 3


def test_sigterm_to_mpiexec_saves_a_checkpoint_and_resuming_repeats_the_whole_run(
        fashion_root, two_rank_run, mpiexec, tmp_path):
    arguments = MPI_ARGUMENTS
    (whole, _), stopped = two_rank_run, tmp_path / "stopped"
    status, output = _run_two_ranks(mpiexec, _args(fashion_root, stopped, *arguments),
                                    until="epoch 1:")
    assert status == 128 + signal.SIGTERM, output
    assert "checkpoint saved. Resume with: mpiexec -n 2 " in output
    assert output.count("Resume with:") == 1  # rank 0 alone says it
    status, output = _run_two_ranks(mpiexec, _args(fashion_root, stopped, *arguments,
                                                    "--resume"))
    assert status == 0, output
    assert _without_seconds(_metrics(stopped)) == _without_seconds(_metrics(whole))
    assert (stopped / "model.npz").read_bytes() == (whole / "model.npz").read_bytes()


def test_a_loss_that_stops_being_finite_ends_every_rank(fashion_root, mpiexec, tmp_path):
    out = tmp_path / "run"
    status, output = _run_two_ranks(mpiexec, _args(fashion_root, out, "--model", "mlp", "--optimizer",
                                          "sgd", "--epochs", "2", "--lr", "1e30"), timeout=120)
    assert status == 1, output
    assert output.count("the training loss is") == 1, output  # said once, by rank 0
    assert "aborting every rank" not in output  # both ranks ended, neither was left waiting
    assert not (out / "checkpoint.npz").exists()


@pytest.mark.once
def test_one_process_never_imports_mpi_or_onnx(fashion_root, tmp_path):
    script = ("import sys\nfrom zerograd.commands import fashion_mnist\n"
              "fashion_mnist.main(sys.argv[1:])\n"
              "loaded = [m for m in ('mpi4py', 'zerograd.distributed', 'zerograd.onnx', 'onnx')"
              " if m in sys.modules]\nassert not loaded, loaded\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_"))}
    result = subprocess.run([sys.executable, "-c", script,
                             *_args(fashion_root, tmp_path / "run", "--model", "mlp",
                                    "--epochs", "1")],
                            capture_output=True, text=True, env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
