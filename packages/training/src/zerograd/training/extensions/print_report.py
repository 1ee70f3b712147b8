"""PrintReport: one line per epoch on stdout (``epoch 3: train loss 0.31 acc 0.89 | test loss
0.33 acc 0.88 | 41.2 s``) and, when the run ends, where its outputs are."""

from __future__ import annotations

from typing import Any

from zerograd.training.extension import Extension


def epoch_line(row: dict[str, Any]) -> str:
    """The row grouped by prefix: ``train_loss`` and ``train_acc`` read ``train loss .. acc ..``."""
    groups: dict[str, list[str]] = {}
    for key, value in row.items():
        if key in ("epoch", "seconds"):
            continue
        prefix, _, name = key.partition("_")
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        groups.setdefault(prefix, []).append(f"{name or prefix} {shown}")
    parts = [f"{prefix} {' '.join(items)}" for prefix, items in groups.items()]
    if "seconds" in row:
        parts.append(f"{row['seconds']:.1f} s")
    return f"epoch {row['epoch']}: " + " | ".join(parts)


class PrintReport(Extension):
    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        print(epoch_line(row), flush=True)

    def finish(self, trainer: Any) -> None:
        if trainer.out is None:
            return
        written = [name for name in trainer.outputs() if (trainer.out / name).exists()]
        if written:
            print(f"outputs in {trainer.out}: {', '.join(written)}", flush=True)
