"""BestModel: the weights of the best epoch so far (by a logged value, e.g. ``test_loss``) in
``out/best.npz``; the best value is part of the checkpoint, so a resumed run keeps comparing."""

from __future__ import annotations

from typing import Any

from zerograd.training.extension import PRIORITY_DECIDE, Extension
from zerograd.training.extensions.monitor import Monitor


class BestModel(Extension):
    """``BestModel(monitor="test_acc", mode="max", filename="best.npz")``."""

    priority = PRIORITY_DECIDE

    def __init__(self, monitor: str = "test_loss", mode: str = "min",
                 filename: str = "best.npz") -> None:
        self.monitor, self.filename = Monitor(monitor, mode), filename
        self.outputs = (filename,)
        self.epoch: int | None = None

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        if self.monitor.improves(row):
            self.epoch = row["epoch"]
            trainer.model.save_weights(str(trainer.out / self.filename))

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.monitor.best, "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.monitor.best, self.epoch = state["best"], state["epoch"]
