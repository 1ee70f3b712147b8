"""EarlyStopping: end the run when a logged value (e.g. ``test_loss``) has not improved for
``patience`` epochs. The counter is part of the checkpoint, so a resumed run stops where the
uninterrupted one would."""

from __future__ import annotations

from typing import Any

from zerograd.training.extension import PRIORITY_DECIDE, Extension
from zerograd.training.extensions.monitor import Monitor


class EarlyStopping(Extension):
    """``EarlyStopping(monitor="test_loss", patience=3, mode="min", min_delta=0.0)``."""

    priority = PRIORITY_DECIDE
    leader_only = False  # every rank sees the same row and stops after the same epoch

    def __init__(self, monitor: str = "test_loss", patience: int = 3, mode: str = "min",
                 min_delta: float = 0.0) -> None:
        if not (isinstance(patience, int) and patience >= 1):
            raise ValueError(f"EarlyStopping: patience must be an int >= 1, got {patience!r}")
        self.monitor, self.patience = Monitor(monitor, mode, min_delta), patience
        self.waited = 0

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        self.waited = 0 if self.monitor.improves(row) else self.waited + 1
        if self.waited >= self.patience:
            trainer.stop_training = True
            if trainer.is_leader:
                print(f"early stopping after epoch {row['epoch']}: {self.monitor.key} has not "
                      f"improved on {self.monitor.best} for {self.patience} epochs", flush=True)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.monitor.best, "waited": self.waited}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.monitor.best, self.waited = state["best"], state["waited"]
