"""Train a character-level GPT on a text: the second main job.

    python -m zerograd.commands.char_gpt [--text FILE] [--epochs N] [--batch-size B]
                  [--block-size T] [--n-layer L] [--n-head H] [--n-embd C] [--lr LR]
                  [--out DIR] [--resume] [--prompt TEXT] [--no-onnx] [--no-progress]
    mpiexec -n 2 python -m zerograd.commands.char_gpt [the same arguments]

(``./run.sh train-text`` runs the same command.) The corpus is --text FILE (any UTF-8 file), else
Debian's fortune cookies (``apt-get install fortunes``); the output names the one it took. The
first 90% trains, the rest validates; the character vocabulary is the training part's (saved in
the checkpoint and in vocabulary.json). Per epoch: a progress bar (loss, tokens/s, ETA; quiet
when stderr is not a terminal), the validation loss, and a sample of generated text after
--prompt, printed and appended to samples.txt. Into --out DIR (default ./runs/char_gpt):

    metrics.csv      epoch, train_loss, val_loss, train_ppl, val_ppl (perplexities), seconds
    samples.txt      each epoch's sample; vocabulary.json, the characters in id order
    curves.png       loss and perplexity, train and validation
    model.npz        the weights (zerograd.text.GPT's names; GPT.load_weights reads them)
    checkpoint.npz   the whole run; --resume continues it bitwise (all columns but seconds)
    model.onnx       when zerograd-onnx is installed (--no-onnx: not): (batch, T) int64 ids in,
                     (batch, T, vocabulary) logits out

Ctrl-C or SIGTERM saves the exact step reached and prints the command that resumes it; bad
arguments exit with status 2 before the first step. Under ``mpiexec -n N`` the ranks train one
model data-parallel (--batch-size is the global batch); rank 0 alone writes. The loop is
zerograd.training's, the model zerograd.text's GPT, the corpus zerograd.text.corpus's; job.py
and mpi_team.py are the Fashion-MNIST command's.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
from pathlib import Path
from typing import Any

import zerograd.core
from zerograd.commands.char_gpt_parts import (
    CharGPT,
    ExportOrWarn,
    Perplexity,
    Samples,
    TokenProgressBar,
    next_char_loss,
)
from zerograd.commands.job import Job
from zerograd.commands.mpi_team import mpi_world_size
from zerograd.core.allocator import tune_malloc
from zerograd.data import DataLoader
from zerograd.nn import optimizers, schedulers
from zerograd.text.corpus import (
    CorpusNotFound,
    NextCharWindows,
    char_vocabulary,
    known_only,
    load_corpus,
    split_text,
)
from zerograd.text.gpt import GPTConfig
from zerograd.training import Checkpoint, Evaluator, LogReport, PlotReport, PrintReport, SaveWeights, Trainer

# The arguments that shape a run: --resume refuses to continue a checkpoint under other values.
SETTINGS = ("text", "epochs", "batch_size", "block_size", "n_layer", "n_head", "n_embd",
            "dropout", "lr", "seed")
MAX_SEED = 2**32 - 1
PROG_VARIABLE = "ZEROGRAD_TRAIN_PROG"  # ./run.sh train-text sets it (what --help shows)
VAL_FRACTION = 0.1
VAL_WINDOWS = 256  # the validation set: at most this many windows, spread over its text


# --- command line -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=os.environ.get(PROG_VARIABLE) or "python -m zerograd.commands.char_gpt",
        description="Train a character-level GPT on a text; Ctrl-C saves a checkpoint that "
                    "--resume continues.")
    add = parser.add_argument
    add("--text", metavar="FILE", help="the UTF-8 corpus (default: Debian's fortune cookies, "
        "/usr/share/games/fortunes, from apt-get install fortunes)")
    add("--epochs", type=int, default=3, help="passes over the training text (default: 3)")
    add("--batch-size", type=int, default=32, metavar="B", help="windows per step (default: 32)")
    add("--block-size", type=int, default=64, metavar="T",
        help="characters per window, the model's context (default: 64)")
    add("--n-layer", type=int, default=4, metavar="L", help="Transformer blocks (default: 4)")
    add("--n-head", type=int, default=4, metavar="H", help="attention heads (default: 4)")
    add("--n-embd", type=int, default=128, metavar="C", help="embedding width (default: 128)")
    add("--dropout", type=float, default=0.0, help="dropout rate (default: 0.0)")
    add("--lr", type=float, default=2e-3, help="Adam's learning rate, cosine-annealed over "
        "the run (default: 2e-3)")
    add("--seed", type=int, default=0, help=f"seed of every generator, 0..{MAX_SEED} (default: 0)")
    add("--out", metavar="DIR", help="where the outputs go (default: ./runs/char_gpt)")
    add("--resume", action="store_true",
        help="continue the run saved in --out DIR (its checkpoint.npz)")
    add("--prompt", help="the start of each epoch's sample (default: a newline, or the text's "
        "first character when it has none)")
    add("--sample-length", type=int, default=300, metavar="N",
        help="characters generated per sample (default: 300)")
    add("--temperature", type=float, default=0.8, help="sampling temperature (default: 0.8)")
    add("--no-onnx", action="store_true",
        help="do not write model.onnx (written when zerograd-onnx is installed)")
    add("--no-progress", action="store_true",
        help="no progress bar (it is also off when stderr is not a terminal)")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The checked arguments; a bad value exits with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.out = Path(args.out or "runs/char_gpt")
    for name in ("epochs", "batch_size", "block_size", "n_layer", "n_head", "n_embd",
                 "sample_length"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.n_embd % args.n_head:
        parser.error(f"--n-embd {args.n_embd} must divide by --n-head {args.n_head}")
    for name, value in (("lr", args.lr), ("temperature", args.temperature)):
        if not (math.isfinite(value) and value > 0):
            parser.error(f"--{name} must be a finite positive number, got {value}")
    if not 0 <= args.dropout < 1:
        parser.error(f"--dropout must lie in [0, 1), got {args.dropout}")
    if not 0 <= args.seed <= MAX_SEED:
        parser.error(f"--seed must lie in 0..{MAX_SEED}, got {args.seed}")
    if args.prompt == "":
        parser.error("--prompt must not be empty")
    ranks = mpi_world_size()
    if ranks > 1 and args.batch_size % ranks:
        parser.error(f"--batch-size is the global batch and must divide by the {ranks} processes "
                     f"mpiexec started, got {args.batch_size}")
    return args


# --- the corpus ---------------------------------------------------------------------------------
class Corpus:
    """The text split into training and validation windows, and its vocabulary."""

    def __init__(self, parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
        try:
            text, self.source = load_corpus(args.text)
        except (CorpusNotFound, ValueError) as err:
            parser.error(str(err))
        if args.text is None and len(text) < 2:
            parser.error("the corpus is empty")
        train, val = split_text(text, VAL_FRACTION)
        self.vocabulary = char_vocabulary(train)
        val, self.left_out = known_only(val, self.vocabulary)
        need = args.block_size + 1
        if len(train) < need or len(val) < need:
            parser.error(f"--text {args.text}: its training part has {len(train)} characters and "
                         f"its validation part (the last {VAL_FRACTION:.0%}) {len(val)}; each needs "
                         f"at least --block-size + 1 = {need}: give a longer text or a smaller "
                         "--block-size")
        if args.prompt is None:
            args.prompt = "\n" if "\n" in self.vocabulary else train[0]
        unknown = sorted(set(args.prompt) - set(self.vocabulary.char_to_id))
        if unknown:
            parser.error(f"--prompt has characters the training text lacks: {''.join(unknown)!r}")
        self.train = NextCharWindows(self.vocabulary.encode(train), args.block_size)
        self.val = NextCharWindows(self.vocabulary.encode(val), args.block_size,
                                   limit=VAL_WINDOWS)
        self.chars = "".join(self.vocabulary.char_to_id)
        self.sizes = len(train), len(val)

    def describe(self) -> str:
        note = (f"; {self.left_out} validation characters outside the vocabulary left out"
                if self.left_out else "")
        return (f"corpus: {self.source}, {self.sizes[0]:,} training and {self.sizes[1]:,} "
                f"validation characters, vocabulary of {len(self.chars)}{note}")


# --- the job ------------------------------------------------------------------------------------
def onnx_exporter() -> Any:
    """zerograd.onnx's export with the batch and the sequence length left dynamic (a model.onnx
    runs on any number of windows of up to --block-size characters), or None when zerograd-onnx
    is not installed."""
    try:
        from zerograd.onnx import export
    except ImportError:
        return None
    axes = {0: "batch", 1: "sequence"}
    return functools.partial(export, dynamic_axes={"input": axes, "output": axes})


def build_trainer(job: Job, corpus: Corpus, exporter: Any) -> Trainer:
    """Model, data, optimizer, schedule and extensions, in the order that fixes every draw."""
    args = job.args
    zerograd.core.seed(args.seed)  # alike on every rank: the same initial weights
    config = GPTConfig(block_size=args.block_size, vocab_size=len(corpus.chars),
                       n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                       dropout=args.dropout)
    model = CharGPT(config)
    train_loader = job.train_loader(corpus.train, args.batch_size, args.seed)
    val_loader = DataLoader(corpus.val, args.batch_size, shuffle=False)
    optimizer = job.distribute(optimizers.Adam(alpha=args.lr)).setup(model)
    steps = args.epochs * len(train_loader)
    extensions = [Evaluator(val_loader, prefix="val"), Perplexity(), PrintReport(),
                  LogReport(json=None),
                  PlotReport(title=f"char GPT, {args.n_layer}x{args.n_embd}, block "
                                   f"{args.block_size} (lr {args.lr})"),
                  Samples(corpus.vocabulary, args.prompt, args.sample_length, args.temperature,
                          args.seed),
                  SaveWeights(), Checkpoint(values={"settings": job.settings,
                                                    "vocabulary": corpus.chars})]
    if not args.no_progress:
        extensions.append(TokenProgressBar(args.block_size))
    if exporter is not None:
        extensions.append(ExportOrWarn(exporter, corpus.train[0][0][None]))
    return Trainer(model, next_char_loss, optimizer, train_loader, epochs=args.epochs,
                   out=args.out, extensions=extensions, clip_grad=1.0,
                   scheduler=schedulers.CosineAnnealingLR(optimizer, T_max=steps,
                                                          eta_min=args.lr / 10),
                   scheduler_interval="step", team=job.team)


def check_vocabulary(job: Job, resumed: dict[str, Any] | None, corpus: Corpus) -> None:
    """A resumed run must see the characters its checkpoint was trained on."""
    if resumed is not None and resumed.get("vocabulary") != corpus.chars:
        job.parser.error(f"--resume: the corpus's vocabulary ({len(corpus.chars)} characters) is "
                         f"not the checkpoint's ({len(resumed.get('vocabulary') or '')}); resume "
                         "on the same text")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    argv = sys.argv[1:] if argv is None else list(argv)
    tune_malloc()
    args = parse_args(argv)
    job = Job(build_parser(), args, argv, {name: getattr(args, name) for name in SETTINGS},
              package="zerograd-commands")
    corpus = Corpus(job.parser, args)
    exporter = None if args.no_onnx else onnx_exporter()
    resumed = job.read_resumed()
    check_vocabulary(job, resumed, corpus)
    job.join_team()
    if job.leader:
        print(corpus.describe(), flush=True)
    if resumed is not None and resumed["epoch"] >= args.epochs and not resumed.get("epoch_sums"):
        if job.leader:
            print(f"nothing left to train: the run in {args.out} finished all {args.epochs} "
                  "epochs")
        return list(resumed["history"])
    return job.run(build_trainer(job, corpus, exporter), resumed)


if __name__ == "__main__":
    main()
