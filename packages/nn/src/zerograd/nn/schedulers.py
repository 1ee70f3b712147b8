"""Learning-rate schedulers: each ``step()`` advances the schedule by one unit (an epoch or an
iteration: whatever the user steps it by) and writes the new ``lr`` into every parameter group of
the optimizer, giving the same sequences as torch.optim.lr_scheduler.

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch()          # optimizer.update() for each batch
        scheduler.step()

Each scheduler is its schedule in closed form, ``lr_at(base_lr, t)``; alone on an optimizer it
sets exactly that. Schedulers also compose as in PyTorch: a scheduler rescales whatever lr another
one (or the user) set, so a LinearLR warm-up and an ExponentialLR decay multiply their effects.
A new scheduler records each group's starting lr as ``group['initial_lr']`` (its ``base_lrs``)
and takes its first step (step 0) at once.

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

import bisect
import math
from collections.abc import Callable, Iterable
from typing import Any

from zerograd.core.checks import check_positive_int, check_real, is_int
from zerograd.nn.optimizers import Optimizer

__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
    "ReduceLROnPlateau", "StepLR",
]


def _check_count(where: str, name: str, value: Any) -> int:
    """An int >= 0 (a count of steps; core.checks covers the positive ones)."""
    if not is_int(value):
        raise TypeError(f"{where}: {name} must be an int >= 0, got {value!r} "
                        f"({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{where}: {name} must be an int >= 0, got {value!r}")
    return int(value)


def _require(ok: bool, owner: str, what: str, value: Any) -> None:
    if not ok:
        raise ValueError(f"{owner}: {what}, got {value!r}")


def _check_optimizer(optimizer: Any, owner: str) -> None:
    # What a scheduler uses is param_groups, so anything holding them (an optimizer, or a wrapper
    # such as zerograd.distributed's MultiNodeOptimizer) is taken.
    if not isinstance(getattr(optimizer, "param_groups", None), list):
        raise TypeError(f"{owner}: expected a zerograd optimizer (an object with param_groups), "
                        f"got {type(optimizer).__name__}")
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
    """Base class: each scheduler gives its schedule in closed form, ``lr_at(base_lr, t)``;
    ``step()`` advances ``last_epoch`` and sets each group's lr from it.

    While a scheduler alone sets a group's lr, the lr is exactly the closed form. When something
    else has changed it since this scheduler's last step (another scheduler, the user), that
    change is kept, as in PyTorch's chained schedulers: the distance above ``floor`` (the lowest
    value the schedule reaches when it is not 0, e.g. eta_min) is rescaled by this schedule's own
    change, lr_t = floor + (lr - floor) * (lr_at(t) - floor) / (lr_at(t - 1) - floor).
    """

    state_keys = ("last_epoch", "base_lrs", "last_lr")
    floor = 0.0

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
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self._next_lr(group["lr"], base_lr, self.last_epoch)
        self.last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def lr_at(self, base_lr: float, t: int) -> float:
        """The schedule in closed form: the lr at step ``t`` of a group that started at
        ``base_lr``; each scheduler defines it."""
        raise NotImplementedError

    def _next_lr(self, lr: float, base_lr: float, t: int) -> float:
        before = base_lr if t == 0 else self.lr_at(base_lr, t - 1)
        after = self.lr_at(base_lr, t)
        if lr == before:
            return after
        if before == self.floor:  # no distance above the floor to rescale: add the change
            return lr + (after - before)
        return self.floor + (lr - self.floor) * (after - self.floor) / (before - self.floor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.last_lr})"


class StepLR(LRScheduler):
    """Multiply lr by ``gamma`` every ``step_size`` steps: lr_t = base_lr * gamma^(t // step_size).

    >>> import numpy as np
    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = StepLR(opt, step_size=1, gamma=0.5); s.step(); s.step(); s.get_last_lr()
    [0.25]
    """

    state_keys = (*LRScheduler.state_keys, "step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_positive_int("StepLR", "step_size", step_size)
        self.gamma = check_real("StepLR", "gamma", gamma, low=0)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """Multiply lr by ``gamma`` at each milestone: lr_t = base_lr * gamma^(milestones <= t)
    (a milestone listed twice counts twice).

    >>> import numpy as np
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
        self.milestones = sorted(_check_count("MultiStepLR", "each milestone", m)
                                 for m in milestones)
        self.gamma = check_real("MultiStepLR", "gamma", gamma, low=0)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """Multiply lr by ``gamma`` every step: lr_t = base_lr * gamma^t.

    >>> import numpy as np
    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = ExponentialLR(opt, gamma=0.5); s.step(); s.step(); opt.lr
    0.25
    """

    state_keys = (*LRScheduler.state_keys, "gamma")

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = check_real("ExponentialLR", "gamma", gamma, low=0)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** t


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (SGDR without restarts) from base_lr down to ``eta_min`` over ``T_max``
    steps, then back up, as PyTorch:

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    Chained with other schedulers, it rescales the distance of the group's lr above ``eta_min``.

    >>> import numpy as np
    >>> from zerograd.core import Parameter
    >>> from zerograd.nn.optimizers import SGD
    >>> opt = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    >>> s = CosineAnnealingLR(opt, T_max=2); s.step(); round(opt.lr, 12)
    0.5
    """

    state_keys = (*LRScheduler.state_keys, "T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = check_real("CosineAnnealingLR", "eta_min", eta_min, low=0)
        super().__init__(optimizer)

    @property
    def floor(self) -> float:
        return self.eta_min

    def lr_at(self, base_lr: float, t: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2

class LambdaLR(LRScheduler):
    """lr_t = base_lr * lr_lambda(t); one function for every group or a list, one per group.
    The functions are not part of ``state_dict()``. As in PyTorch, it does not chain: each step
    sets the closed form, whatever other schedulers did.

    >>> import numpy as np
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

    def step(self) -> None:
        """Advance one unit and set each group's lr to base_lr * lr_lambda(t)."""
        self.last_epoch += 1
        for group, base_lr, f in zip(self.optimizer.param_groups, self.base_lrs, self.lr_lambdas):
            group["lr"] = base_lr * f(self.last_epoch)
        self.last_lr = [group["lr"] for group in self.optimizer.param_groups]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay): the factor on base_lr moves linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` steps and then stays:

        lr_t = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)

    (with total_iters = 0 the factor stays ``start_factor``, as in PyTorch).

    >>> import numpy as np
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
        self.start_factor = check_real("LinearLR", "start_factor", start_factor, low=0, high=1,
                                       low_open=True)
        self.end_factor = check_real("LinearLR", "end_factor", end_factor, low=0, high=1)
        self.total_iters = _check_count("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        if total == 0:
            return base_lr * start
        return base_lr * (start + (end - start) * min(t, total) / total)


class ReduceLROnPlateau(_Stateful):
    """Multiply lr by ``factor`` when a metric has stopped improving for ``patience`` steps;
    ``step(metric)`` takes the metric (a validation loss, say).

    Improvement ('min' mode) means metric < best * (1 - threshold) ('rel') or
    metric < best - threshold ('abs'); 'max' mode mirrors it. After a reduction, ``cooldown``
    steps pass before bad steps count again; lr never goes below ``min_lr`` and changes smaller
    than ``eps`` are skipped.

    >>> import numpy as np
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
        check_real(owner, "factor", factor, low=0, high=1, high_open=True)
        _check_count(owner, "patience", patience)
        _check_count(owner, "cooldown", cooldown)
        check_real(owner, "threshold", threshold, low=0)
        check_real(owner, "eps", eps, low=0)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        _require(len(min_lrs) == groups, owner, f"min_lr must be one number or {groups}", min_lr)
        for value in min_lrs:
            check_real(owner, "min_lr", value, low=0)
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
