"""The second main job, python -m zerograd.commands.char_gpt, on a tiny text written by the test
with a tiny GPT (one block, width 16): a few steps per epoch."""

import csv
import functools
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

from zerograd.commands import char_gpt, char_gpt_parts
from zerograd.nn.checkpoint import load_checkpoint
from zerograd.text import GPT, GPTConfig
from zerograd.text import corpus as text_corpus
from zerograd.training import team, trainer

TINY_MODEL = ("--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16",
              "--batch-size", "8", "--sample-length", "24", "--no-progress")
SENTENCES = ("the cat sat on the mat. ", "a dog ran to the sea. ", "we saw the old red boat. ")


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    """About 1,800 characters: 12 training steps of 8 windows of 16 per epoch."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
    path.write_text("".join(SENTENCES[i] for i in rng.integers(0, 3, 80)), encoding="utf-8")
    return path


def _args(text_file, out, *extra):
    return ["--text", str(text_file), "--out", str(out), *TINY_MODEL, *extra]


def _metrics(out):
    with open(out / "metrics.csv") as f:
        return list(csv.DictReader(f))


def _without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


@pytest.fixture(scope="module")
def whole_run(text_file, tmp_path_factory):
    """One uninterrupted 2-epoch run (ONNX export tried when zerograd-onnx is installed): its
    folder and printed output, shared by the tests that compare with it."""
    out = tmp_path_factory.mktemp("whole") / "run"
    capture = tmp_path_factory.mktemp("stdout") / "out.txt"
    real_stdout = sys.stdout
    with open(capture, "w") as sys.stdout:
        try:
            history = char_gpt.main(_args(text_file, out, "--epochs", "2"))
        finally:
            sys.stdout = real_stdout
    return out, history, capture.read_text()


def test_a_run_writes_metrics_curves_samples_and_weights(whole_run, text_file):
    out, history, printed = whole_run
    rows = _metrics(out)
    assert list(rows[0]) == ["epoch", "train_loss", "val_loss", "train_ppl", "val_ppl", "seconds"]
    assert [int(r["epoch"]) for r in rows] == [1, 2] and len(history) == 2
    assert float(rows[1]["train_loss"]) < float(rows[0]["train_loss"])
    assert float(rows[1]["val_loss"]) < float(rows[0]["val_loss"])
    assert float(rows[0]["val_ppl"]) == pytest.approx(np.exp(float(rows[0]["val_loss"])), rel=1e-5)
    assert f"corpus: {text_file}, " in printed and "vocabulary of " in printed
    assert re.search(r"^epoch 2: train loss \S+ ppl \S+ \| val loss \S+ ppl \S+", printed, re.M)
    assert printed.count("--- sample after epoch") == 2
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "samples.txt").read_text().count("--- epoch") == 2
    files = set(os.listdir(out))
    assert {"checkpoint.npz", "curves.png", "metrics.csv", "model.npz", "samples.txt",
            "vocabulary.json"} <= files
    # model.onnx when the exporter takes the GPT, else one honest warning
    assert "model.onnx" in files or printed.count("warning: no model.onnx: ") == (
        1 if "zerograd.onnx" in sys.modules else 0)


def test_the_weights_load_into_a_plain_gpt_that_generates_from_the_vocabulary(whole_run):
    out, _, _ = whole_run
    chars = load_checkpoint(out / "checkpoint.npz")["vocabulary"]
    assert chars == "".join(sorted(set(chars))) and " " in chars
    model = GPT(GPTConfig(block_size=16, vocab_size=len(chars), n_layer=1, n_head=2, n_embd=16))
    model.load_weights(str(out / "model.npz"))
    ids = model.eval().generate(np.array([[chars.index("t")]]), 10)
    assert ids.shape == (1, 11) and ids.max() < len(chars)


def test_the_call_on_ids_gives_every_positions_logits():
    model = char_gpt_parts.CharGPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1,
                                             n_embd=4))
    idx = np.array([[1, 2, 3]])
    logits, _ = GPT.forward(model, idx, idx)
    assert model(idx).shape == (1, 3, 5)
    np.testing.assert_array_equal(model(idx).data, logits.data)


def _crash_after_first_checkpoint(monkeypatch):
    real_save = team.save_checkpoint

    def save_then_crash(*args, **kwargs):
        real_save(*args, **kwargs)
        raise KeyboardInterrupt("test: the process died")

    monkeypatch.setattr(team, "save_checkpoint", save_then_crash)


def test_resume_after_a_crash_reproduces_the_uninterrupted_run(whole_run, text_file, tmp_path,
                                                               monkeypatch):
    out = tmp_path / "resumed"
    with monkeypatch.context() as patch:
        _crash_after_first_checkpoint(patch)
        with pytest.raises(SystemExit):  # Job's "stopped at once" exit
            char_gpt.main(_args(text_file, out, "--epochs", "2"))
    assert len(_metrics(out)) == 1
    char_gpt.main(_args(text_file, out, "--epochs", "2", "--resume"))
    assert _without_seconds(_metrics(out)) == _without_seconds(_metrics(whole_run[0]))
    assert (out / "model.npz").read_bytes() == (whole_run[0] / "model.npz").read_bytes()


def test_sigterm_mid_epoch_saves_the_step_and_resuming_repeats_the_run(
        whole_run, text_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "stopped"
    steps, real_add = [], trainer.EpochSums.add

    def add_then_signal(self, *args):
        real_add(self, *args)
        steps.append(1)
        if len(steps) == 17:  # 14 steps per epoch: epoch 2, step 3
            os.kill(os.getpid(), signal.SIGTERM)

    with monkeypatch.context() as patch:
        patch.setattr(trainer.EpochSums, "add", add_then_signal)
        with pytest.raises(SystemExit) as stopped:
            char_gpt.main(_args(text_file, out, "--epochs", "2"))
    assert stopped.value.code == 128 + signal.SIGTERM
    printed = capsys.readouterr().out
    assert "stopped in epoch 2, step 3; checkpoint saved. Resume with: " in printed
    assert printed.rstrip().endswith("--resume")
    char_gpt.main(_args(text_file, out, "--epochs", "2", "--resume"))
    assert "resuming in epoch 2, step 3 from " in capsys.readouterr().out
    assert _without_seconds(_metrics(out)) == _without_seconds(_metrics(whole_run[0]))
    assert (out / "model.npz").read_bytes() == (whole_run[0] / "model.npz").read_bytes()


def _refused(capsys, arguments, message):
    with pytest.raises(SystemExit) as stopped:
        char_gpt.main(arguments)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert re.search(message, error), error
    assert "Traceback" not in error


@pytest.mark.parametrize("bad, message", [
    (["--n-embd", "30", "--n-head", "4"], r"--n-embd 30 must divide by --n-head 4"),
    (["--lr", "nan"], r"--lr must be a finite positive number, got nan"),
    (["--temperature", "0"], r"--temperature must be a finite positive number, got 0.0"),
    (["--block-size", "0"], r"--block-size must be at least 1, got 0"),
    (["--dropout", "1"], r"--dropout must lie in \[0, 1\), got 1.0"),
    (["--seed", "-1"], r"--seed must lie in 0..4294967295, got -1"),
    (["--prompt", "Zebra"], r"--prompt has characters the training text lacks: 'Z'"),
    (["--block-size", "512"], r"its validation part \(the last 10%\) \d+; each needs at least "
                              r"--block-size \+ 1 = 513: give a longer text"),
])
def test_bad_arguments_are_refused_before_anything_runs(bad, message, text_file, tmp_path,
                                                        capsys):
    out = tmp_path / "run"
    _refused(capsys, [*_args(text_file, out), *bad], message)
    assert not out.exists()


def test_a_missing_or_non_utf8_text_is_refused(tmp_path, capsys):
    _refused(capsys, ["--text", str(tmp_path / "nowhere.txt")],
             r"cannot read the corpus .*nowhere.txt")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 ".encode("latin-1") * 100)
    _refused(capsys, ["--text", str(latin)], r"latin.txt is not UTF-8 text \(byte 3: b'\\xe9'\)")


def test_without_text_or_fortunes_the_error_says_how_to_get_a_corpus(tmp_path, capsys,
                                                                    monkeypatch):
    monkeypatch.setattr(char_gpt, "load_corpus", functools.partial(
        text_corpus.load_corpus, fortunes=tmp_path / "no-fortunes"))
    _refused(capsys, ["--out", str(tmp_path / "run")],
             r"no fortune cookies in .*no-fortunes; give a UTF-8 text file with --text PATH, or "
             r"install Debian's fortune cookies \(as root: apt-get install fortunes\)")


def test_the_fortunes_corpus_joins_the_cookie_files_without_separators(tmp_path):
    (tmp_path / "zippy").write_text("Yow!\n%\nAre we having fun yet?\n%\n")
    (tmp_path / "art").write_text("Art is long.\n%\n")
    (tmp_path / "art.dat").write_bytes(b"\x00\x01")  # strfile's index, not text
    (tmp_path / "art.u8").symlink_to(tmp_path / "art")
    text, source = text_corpus.load_corpus(fortunes=tmp_path)
    assert text == "Art is long.\n\nYow!\n\nAre we having fun yet?\n\n"
    assert source == f"Debian's fortune cookies ({tmp_path})"


def test_resume_on_another_text_or_model_is_refused(whole_run, text_file, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text(text_file.read_text().upper())
    _refused(capsys, [*_args(other, whole_run[0], "--epochs", "2"), "--resume"],
             r"--resume: the checkpoint's run used --text .*tiny.txt \(not .*other.txt\)")
    _refused(capsys, [*_args(text_file, whole_run[0], "--epochs", "2", "--n-embd", "32"),
                      "--resume"], r"used --n-embd 16 \(not 32\)")


def test_one_mpiexec_job_of_two_ranks_trains_and_rank_0_alone_reports(text_file, tmp_path,
                                                                      mpiexec):
    out = tmp_path / "ranks"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "HYDRA_"))}
    env["OMP_NUM_THREADS"] = "1"
    result = subprocess.run([mpiexec, "-n", "2", sys.executable, "-m", "zerograd.commands.char_gpt",
                             *_args(text_file, out, "--epochs", "2", "--no-onnx")],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(re.findall(r"^epoch \d: train loss", result.stdout, re.M)) == 2
    assert result.stdout.count("--- sample after epoch") == 2  # rank 0 alone
    rows = _metrics(out)
    assert float(rows[1]["train_loss"]) < float(rows[0]["train_loss"])
    assert load_checkpoint(out / "checkpoint.npz")["ranks"] == 2
