"""Learning-rate schedulers: each ``step()`` advances the schedule by one unit (an epoch or an
iteration: whatever the user steps it by) and writes the new ``lr`` into every parameter group of
the optimizer, giving the same sequences as torch.optim.lr_scheduler.

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch()          # optimizer.update() for each batch
        scheduler.step()

Schedulers compose: each one rescales the group's current lr, so two schedulers on one optimizer
(a LinearLR warm-up and an ExponentialLR decay, say) multiply their effects, as in PyTorch. A new
scheduler records each group's starting lr as ``group['initial_lr']`` (its ``base_lrs``) and takes
its first step (step 0) at once.

>>> import numpy as np
>>> from zerograd.core import Parameter
>>> from zerograd.nn.optimizers import SGD
>>> optimizer = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
>>> scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(optimizer.lr)
...     scheduler.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from zerograd.nn.optimizers import Optimizer

__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
    "ReduceLROnPlateau", "StepLR",
]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _is_count(value: Any, least: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= least


def _require(ok: bool, owner: str, what: str, value: Any) -> None:
    if not ok:
        raise ValueError(f"{owner}: {what}, got {value!r}")


def _check_optimizer(optimizer: Any, owner: str) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: expected a zerograd optimizer, got {type(optimizer).__name__}")
    if not optimizer.param_groups:
        raise ValueError(f"{owner}: the optimizer has no parameter groups; call setup() first")


class _Stateful:
    """state_dict()/load_state_dict() over the attributes named in ``state_keys``."""

    state_keys: tuple[str, ...] = ()

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's position and settings as plain data."""
        state = {"type": type(self).__name__}
        for key in self.state_keys:
            value = getattr(self, key)
            state[key] = list(value) if isinstance(value, list) else value
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` of a scheduler of the same type returned."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "type" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a scheduler state dict, got "
                             f"{type(state_dict).__name__}")
        if state_dict["type"] != name:
            raise ValueError(f"{name}.load_state_dict: the state dict belongs to a "
                             f"{state_dict['type']} scheduler, not to {name}")
        missing = [key for key in self.state_keys if key not in state_dict]
        if missing:
            raise ValueError(f"{name}.load_state_dict: the state dict lacks {missing}")
        for key in self.state_keys:
            value = state_dict[key]
            setattr(self, key, list(value) if isinstance(value, (list, tuple)) else value)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group after the latest step."""
        return list(self.last_lr)


class LRScheduler(_Stateful):
    """Base class: ``step()`` advances ``last_epoch`` and sets each group's lr to ``get_lr()``."""

    state_keys = ("last_epoch", "base_lrs", "last_lr")

    def __init__(self, optimizer: Optimizer) -> None:
        _check_optimizer(optimizer, type(self).__name__)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def step(self) -> None:
        """Advance one unit (epoch or iteration) and update the learning rates."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self.last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The learning rates for step ``last_epoch``, from the groups' current ones."""
        raise NotImplementedError

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.last_lr})"


class StepLR(LRScheduler):
    """Multiply lr by ``gamma`` every ``step_size`` steps: lr_t = base_lr * gamma^(t // step_size).

    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = StepLR(opt, step_size=1, gamma=0.5); s.step(); s.step(); s.get_last_lr()
    [0.25]
    """

    state_keys = (*LRScheduler.state_keys, "step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        _require(_is_count(step_size, 1), "StepLR", "step_size must be an integer >= 1", step_size)
        _require(_is_number(gamma), "StepLR", "gamma must be a number", gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class MultiStepLR(LRScheduler):
    """Multiply lr by ``gamma`` at each milestone: lr_t = base_lr * gamma^(milestones <= t)
    (a milestone listed twice counts twice).

    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = MultiStepLR(opt, milestones=[2, 3], gamma=0.5)
    >>> [(s.step(), opt.lr)[1] for _ in range(4)]
    [1.0, 0.5, 0.25, 0.25]
    """

    state_keys = (*LRScheduler.state_keys, "milestones", "gamma")

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1
                 ) -> None:
        milestones = list(milestones)
        _require(all(_is_count(m, 0) for m in milestones), "MultiStepLR",
                 "milestones must be integers >= 0", milestones)
        _require(_is_number(gamma), "MultiStepLR", "gamma must be a number", gamma)
        self.milestones, self.gamma = sorted(int(m) for m in milestones), gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        hits = self.milestones.count(self.last_epoch)
        if not hits:
            return self._current_lrs()
        return [lr * self.gamma ** hits for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply lr by ``gamma`` every step: lr_t = base_lr * gamma^t.

    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = ExponentialLR(opt, gamma=0.5); s.step(); s.step(); opt.lr
    0.25
    """

    state_keys = (*LRScheduler.state_keys, "gamma")

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        _require(_is_number(gamma), "ExponentialLR", "gamma must be a number", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (SGDR without restarts) from base_lr down to ``eta_min`` over ``T_max``
    steps, then back up, as PyTorch:

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    Applied as the ratio lr_t / lr_{t-1} to the group's current lr, so it composes with other
    schedulers.

    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = CosineAnnealingLR(opt, T_max=2); s.step(); round(opt.lr, 12)
    0.5
    """

    state_keys = (*LRScheduler.state_keys, "T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        _require(_is_count(T_max, 1), "CosineAnnealingLR", "T_max must be an integer >= 1", T_max)
        _require(_is_number(eta_min) and eta_min >= 0, "CosineAnnealingLR",
                 "eta_min must be a number >= 0", eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        lrs = self._current_lrs()
        if t == 0:
            return lrs
        if (t - 1 - period) % (2 * period) == 0:
            # leaving the minimum: the ratio form would divide by zero, so add the rise instead
            rise = (1 - math.cos(math.pi / period)) / 2
            return [lr + (base - low) * rise for lr, base in zip(lrs, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [low + (lr - low) * ratio for lr in lrs]


class LambdaLR(LRScheduler):
    """lr_t = base_lr * lr_lambda(t); one function for every group or a list, one per group.
    The functions are not part of ``state_dict()``.

    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = LambdaLR(opt, lambda t: 1 / (t + 1)); s.step(); opt.lr
    0.5
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]]) -> None:
        _check_optimizer(optimizer, "LambdaLR")
        groups = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        _require(len(lambdas) == groups, "LambdaLR",
                 f"expected one lr_lambda or {groups} (one per parameter group)", lr_lambda)
        _require(all(callable(f) for f in lambdas), "LambdaLR", "lr_lambda must be callable",
                 lr_lambda)
        self.lr_lambdas = lambdas
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay): the factor on base_lr moves linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` steps and then stays:

        lr_t = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)

    Applied as a ratio to the current lr, so it composes with other schedulers.

    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> [round((opt.lr, s.step())[0], 12) for _ in range(5)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    state_keys = (*LRScheduler.state_keys, "start_factor", "end_factor", "total_iters")

    def __init__(self, optimizer: Optimizer, start_factor: float = 1 / 3, end_factor: float = 1.0,
                 total_iters: int = 5) -> None:
        _require(_is_number(start_factor) and 0 < start_factor <= 1, "LinearLR",
                 "start_factor must be in (0, 1]", start_factor)
        _require(_is_number(end_factor) and 0 <= end_factor <= 1, "LinearLR",
                 "end_factor must be in [0, 1]", end_factor)
        _require(_is_count(total_iters, 0), "LinearLR", "total_iters must be an integer >= 0",
                 total_iters)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        t, start, end = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * start for lr in self._current_lrs()]
        if t > self.total_iters:
            return self._current_lrs()
        # factor_t / factor_{t-1}, with factor_t = start + (end - start) * t / total_iters
        ratio = 1 + (end - start) / (self.total_iters * start + (t - 1) * (end - start))
        return [lr * ratio for lr in self._current_lrs()]


class ReduceLROnPlateau(_Stateful):
    """Multiply lr by ``factor`` when a metric has stopped improving for ``patience`` steps;
    ``step(metric)`` takes the metric (a validation loss, say).

    Improvement ('min' mode) means metric < best * (1 - threshold) ('rel') or
    metric < best - threshold ('abs'); 'max' mode mirrors it. After a reduction, ``cooldown``
    steps pass before bad steps count again; lr never goes below ``min_lr`` and changes smaller
    than ``eps`` are skipped.

    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0]: s.step(loss)
    >>> opt.lr
    0.5
    """

    state_keys = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown",
                  "min_lrs", "eps", "best", "num_bad_epochs", "cooldown_counter", "last_epoch",
                  "last_lr")

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0.0, eps: float = 1e-8
                 ) -> None:
        owner = "ReduceLROnPlateau"
        _check_optimizer(optimizer, owner)
        groups = len(optimizer.param_groups)
        _require(mode in ("min", "max"), owner, "mode must be 'min' or 'max'", mode)
        _require(threshold_mode in ("rel", "abs"), owner, "threshold_mode must be 'rel' or 'abs'",
                 threshold_mode)
        _require(_is_number(factor) and 0 <= factor < 1, owner, "factor must be in [0, 1)", factor)
        _require(_is_count(patience, 0), owner, "patience must be an integer >= 0", patience)
        _require(_is_count(cooldown, 0), owner, "cooldown must be an integer >= 0", cooldown)
        _require(_is_number(threshold) and threshold >= 0, owner, "threshold must be >= 0",
                 threshold)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        _require(len(min_lrs) == groups and all(_is_number(m) and m >= 0 for m in min_lrs),
                 owner, f"min_lr must be a number >= 0 or {groups} of them", min_lr)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lrs, self.eps = cooldown, min_lrs, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self.last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self, metric: float) -> None:
        """Record one value of the metric; reduce the learning rates when it has plateaued."""
        current = float(metric)
        self.last_epoch += 1
        if self.improves(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self.last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def improves(self, metric: float) -> bool:
        """Whether ``metric`` beats the best value so far by more than the threshold."""
        best, threshold = self.best, self.threshold
        if self.mode == "min":
            return metric < (best * (1 - threshold) if self.threshold_mode == "rel"
                             else best - threshold)
        return metric > (best * (1 + threshold) if self.threshold_mode == "rel"
                         else best + threshold)

    def _reduce(self) -> None:
        for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:
                group["lr"] = new

    def __repr__(self) -> str:
        return f"ReduceLROnPlateau(best={self.best}, lr={self.last_lr})"
