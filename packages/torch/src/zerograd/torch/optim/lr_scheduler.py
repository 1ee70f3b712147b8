"""``torch.optim.lr_scheduler``: zerograd's schedulers (already PyTorch's signatures and
sequences) and OneCycleLR, which zerograd.nn lacks, as a schedule over them."""

from __future__ import annotations

import math
from typing import Any

from zerograd.nn.schedulers import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR",
           "MultiStepLR", "OneCycleLR", "ReduceLROnPlateau", "StepLR"]


def _cosine(start: float, end: float, fraction: float) -> float:
    return end + (start - end) / 2 * (1 + math.cos(math.pi * fraction))


class OneCycleLR(LRScheduler):
    """The 1cycle policy (cosine annealing, two phases): lr rises from max_lr / div_factor to
    max_lr over ``pct_start`` of ``total_steps``, then falls to max_lr / (div_factor *
    final_div_factor); with ``cycle_momentum`` the momentum (SGD) or beta1 (Adam) moves the
    opposite way between max_momentum and base_momentum."""

    state_keys = (*LRScheduler.state_keys, "total_steps", "max_lrs", "pct_start", "div_factor",
                  "final_div_factor", "cycle_momentum", "base_momentum", "max_momentum")

    def __init__(self, optimizer: Any, max_lr: Any, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float = 0.85, max_momentum: float = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4) -> None:
        if anneal_strategy != "cos":
            raise NotImplementedError("OneCycleLR: only anneal_strategy='cos' is supported")
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        groups = optimizer.param_groups
        self.max_lrs = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        self.total_steps, self.pct_start = int(total_steps), pct_start
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        self.base_momentum, self.max_momentum = base_momentum, max_momentum
        self.momentum_key = next((key for key in ("momentum", "betas", "beta1")
                                  if key in groups[0]), "momentum")
        self.cycle_momentum = cycle_momentum and self.momentum_key in groups[0]
        for group, top in zip(groups, self.max_lrs):
            group["initial_lr"] = top / div_factor
        super().__init__(optimizer)

    def _phase(self, t: int) -> tuple[int, float]:
        """(0 rising or 1 falling, fraction of that phase done) at step ``t``."""
        rise = float(self.pct_start * self.total_steps) - 1
        if t <= rise:
            return 0, t / rise if rise > 0 else 1.0
        return 1, (t - rise) / (self.total_steps - 1 - rise)

    def step(self) -> None:
        self.last_epoch += 1
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {t + 1} times; total_steps is "
                             f"{self.total_steps}")
        phase, fraction = self._phase(t)
        for group, top in zip(self.optimizer.param_groups, self.max_lrs):
            start, low = top / self.div_factor, top / (self.div_factor * self.final_div_factor)
            group["lr"] = _cosine(start, top, fraction) if phase == 0 else _cosine(top, low, fraction)
            if self.cycle_momentum:
                high, base = self.max_momentum, self.base_momentum
                value = (_cosine(high, base, fraction) if phase == 0
                         else _cosine(base, high, fraction))
                if self.momentum_key == "betas":  # torch.optim's Adam: beta1 is betas[0]
                    value = (value, group["betas"][1])
                group[self.momentum_key] = value
        self.last_lr = [group["lr"] for group in self.optimizer.param_groups]
