"""The pieces of the character-level GPT command (zerograd.commands.char_gpt) that the trainer
runs: the model whose call gives every position's logits, its loss, and the extensions that
report perplexity and tokens/s, print samples, and export to ONNX when the exporter can.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np

from zerograd.core import functions as CF
from zerograd.nn import functions as F
from zerograd.text.gpt import GPT
from zerograd.training import Export, ProgressBar
from zerograd.training.extension import PRIORITY_DECIDE, Extension


class CharGPT(GPT):
    """zerograd.text's GPT whose call on ids alone, ``model(idx)``, gives the logits of every
    position (B, T, vocabulary): the trainer's prediction and the ONNX graph's output. With
    targets or a cache (``generate``) it is GPT's own forward; its weights are GPT's."""

    def forward(self, idx: Any, targets: Any = None, cache: Any = None) -> Any:
        if targets is None and cache is None:
            return self.logits(idx)
        return super().forward(idx, targets, cache)


def next_char_loss(logits: Any, targets: Any) -> Any:
    """The mean cross entropy of logits (B, T, V) against the next characters (B, T)."""
    return F.softmax_cross_entropy(CF.reshape(logits, (-1, logits.shape[-1])),
                                   targets.reshape(-1))


class Perplexity(Extension):
    """exp(loss) of each prefix's mean loss, added to the row as ``<prefix>_ppl`` (after the
    evaluation, before the reports)."""

    priority = PRIORITY_DECIDE
    leader_only = False

    def evaluate(self, trainer: Any, row: dict[str, Any]) -> None:
        for key in [k for k in row if k.endswith("_loss")]:
            row[key[:-len("_loss")] + "_ppl"] = math.exp(min(row[key], 700.0))


class TokenProgressBar(ProgressBar):
    """The trainer's progress bar, counting characters: the running loss and tokens/s."""

    def __init__(self, tokens_per_sample: int, **options: Any) -> None:
        super().__init__(**options)
        self.tokens_per_sample = tokens_per_sample

    def step_end(self, trainer: Any) -> None:
        seen = (trainer.sums.seen - self.seen_before) * self.tokens_per_sample
        rate = seen / max(time.perf_counter() - self.started, 1e-9)
        self.bar.set_postfix(refresh=False, loss=f"{trainer.sums.means()['loss']:.4f}",
                             tokens_per_s=f"{rate:.0f}")
        self.bar.update(1)


class Samples(Extension):
    """After every epoch: ``length`` characters generated after ``prompt``, printed and appended
    to samples.txt. The draws use a generator of their own (seeded by the epoch), so sampling
    changes nothing in the training run; vocabulary.json is written at the start."""

    outputs = ("samples.txt", "vocabulary.json")

    def __init__(self, vocabulary: Any, prompt: str, length: int, temperature: float,
                 seed: int) -> None:
        self.vocabulary, self.prompt, self.length = vocabulary, prompt, length
        self.temperature, self.seed = temperature, seed

    def start(self, trainer: Any) -> None:
        if trainer.epoch == 0 and not trainer.mid_epoch:  # a new run: no older run's samples
            (trainer.out / "samples.txt").unlink(missing_ok=True)
        chars = "".join(self.vocabulary.char_to_id)
        (trainer.out / "vocabulary.json").write_text(json.dumps({"chars": chars}) + "\n")

    def sample(self, model: Any, epoch: int) -> str:
        ids = self.vocabulary.encode(self.prompt)[None]
        state = np.random.get_state()
        np.random.seed((self.seed + epoch) % 2**32)
        model.eval()
        try:
            out = model.generate(ids, self.length, temperature=self.temperature)
        finally:
            model.train()
            np.random.set_state(state)
        return self.vocabulary.decode(out[0])

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        text = self.sample(trainer.model, row["epoch"])
        print(f"--- sample after epoch {row['epoch']} ---\n{text}\n---", flush=True)
        with open(trainer.out / "samples.txt", "a", encoding="utf-8") as f:
            f.write(f"--- epoch {row['epoch']} (val loss {row.get('val_loss', float('nan')):.4f})"
                    f" ---\n{text}\n")


class ExportOrWarn(Export):
    """Export's model.onnx every epoch; an exporter that raises (the model has an op it cannot
    write yet) gives one warning line, and the run goes on without model.onnx."""

    def __init__(self, exporter: Any, example: Any) -> None:
        super().__init__("model.onnx", exporter, example)
        self.failed = False

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        if self.failed:
            return
        try:
            super().epoch_end(trainer, row)
        except Exception as err:  # noqa: BLE001 - any exporter failure is reported, not fatal
            self.failed = True
            message = str(err).splitlines()[0] if str(err) else ""
            print(f"warning: no model.onnx: the ONNX export failed ({type(err).__name__}: "
                  f"{message[:200]}); training goes on", flush=True)
