"""PlotReport: a PNG with one panel per logged metric (loss, acc, ...), one line per prefix
(train, test, ...) over the epochs, rewritten after every epoch. The training values also appear
step by step (their running mean within each epoch), so a 1-epoch run shows a curve, not a dot;
the epoch axis has integer ticks. Needs matplotlib (``zerograd-training[plot]``)."""

from __future__ import annotations

import importlib
import io
from typing import Any

import numpy as np

from zerograd.core.files import atomic_write
from zerograd.training.extension import Extension

LABELS = {"acc": "accuracy", "loss": "loss"}


def require_matplotlib() -> Any:
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        raise ImportError("PlotReport needs matplotlib: pip install 'zerograd-training[plot]' "
                          "(or pip install matplotlib)") from None
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def panels(history: list[dict[str, Any]]) -> dict[str, list[str]]:
    """metric -> the prefixes logging it: {'loss': ['train', 'test'], 'acc': [...]}."""
    found: dict[str, list[str]] = {}
    for key in dict.fromkeys(k for row in history for k in row):
        prefix, _, metric = key.partition("_")
        if metric and key not in ("epoch", "seconds"):
            found.setdefault(metric, []).append(prefix)
    return found


class PlotReport(Extension):
    """``PlotReport("curves.png", title="...")``."""

    def __init__(self, filename: str = "curves.png", title: str | None = None) -> None:
        self.plt = require_matplotlib()
        self.filename, self.title = filename, title
        self.outputs = (filename,)
        self.steps: list[list[float]] = []  # [epoch position, running means of the metrics...]
        self.names: list[str] = []

    def step_end(self, trainer: Any) -> None:
        means = trainer.sums.means()
        self.names = list(means)
        self.steps.append([trainer.epoch + trainer.step / len(trainer.train_loader),
                           *means.values()])

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        image = io.BytesIO()
        self.draw(trainer.history).savefig(image, format="png", dpi=100)
        self.plt.close("all")
        with atomic_write(trainer.out / self.filename) as file:
            file.write(image.getvalue())

    def draw(self, history: list[dict[str, Any]]) -> Any:
        from matplotlib.ticker import MaxNLocator

        metrics = panels(history)
        figure, axes_list = self.plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4),
                                              squeeze=False)
        epochs = [row["epoch"] for row in history]
        for axes, (metric, prefixes) in zip(axes_list[0], metrics.items()):
            for prefix, marker in zip(prefixes, "os^vD" * 4):
                values = [row.get(f"{prefix}_{metric}") for row in history]
                line, = axes.plot(epochs, values, marker + "-", label=prefix)
                if prefix == "train" and metric in self.names:
                    column = 1 + self.names.index(metric)
                    axes.plot([s[0] for s in self.steps], [s[column] for s in self.steps],
                              color=line.get_color(), alpha=0.35, linewidth=1)
            axes.set_xlabel("epoch")
            axes.set_ylabel(LABELS.get(metric, metric))
            axes.set_xlim(0 if self.steps else 0.5, max(epochs) + (0 if self.steps else 0.5))
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.grid(alpha=0.3)
            axes.legend()
        if self.title:
            figure.suptitle(self.title)
        figure.tight_layout()
        return figure

    def state_dict(self) -> dict[str, Any]:
        return {"names": self.names, "steps": np.array(self.steps, dtype=np.float64)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.names = list(state["names"])
        self.steps = np.asarray(state["steps"]).tolist()
