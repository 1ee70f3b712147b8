"""The value an extension watches in the epoch's row, and when a new value is better."""

from __future__ import annotations

import math
from typing import Any


class Monitor:
    """``Monitor("test_loss", mode="min", min_delta=0.0)``: ``improves(row)`` says whether the
    row's value beats the best so far by more than ``min_delta`` (and then remembers it)."""

    def __init__(self, key: str, mode: str = "min", min_delta: float = 0.0) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"{key}: mode must be 'min' or 'max', got {mode!r}")
        self.key, self.mode, self.min_delta = key, mode, min_delta
        self.best: float | None = None

    def value(self, row: dict[str, Any]) -> float:
        if self.key not in row:
            raise KeyError(f"the monitored value {self.key!r} is not logged; the row holds "
                           f"{', '.join(row)}")
        return float(row[self.key])

    def improves(self, row: dict[str, Any]) -> bool:
        value = self.value(row)
        if not math.isfinite(value):
            return False
        better = (self.best is None or
                  (value < self.best - self.min_delta if self.mode == "min"
                   else value > self.best + self.min_delta))
        if better:
            self.best = value
        return better
