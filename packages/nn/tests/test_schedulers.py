"""Learning-rate schedulers: the same lr sequences as torch.optim.lr_scheduler (alone, chained and
with several groups), state_dict round trips and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zerograd.core import Parameter
from zerograd.core.testing import torch_or_skip
from zerograd.nn.optimizers import SGD, Adam, MomentumSGD
from zerograd.nn.schedulers import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)

STEPS = 40
LRS = (0.1, 0.03)  # two parameter groups with different learning rates


def zerograd_optimizer(make=SGD):
    return make().setup([{"params": [Parameter(np.zeros(1))], "lr": lr} for lr in LRS])


def torch_optimizer(torch):
    return torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                            for lr in LRS])


def warm_up(t):
    return min(1.0, (t + 1) / 5)


# name -> (zerograd schedulers, torch schedulers), each a list of factories (more than one: chained)
CASES = {
    "StepLR": ([lambda o: StepLR(o, step_size=7, gamma=0.5)],
               [lambda o, s: s.StepLR(o, step_size=7, gamma=0.5)]),
    "MultiStepLR": ([lambda o: MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3)],
                    [lambda o, s: s.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3)]),
    "ExponentialLR": ([lambda o: ExponentialLR(o, gamma=0.9)],
                      [lambda o, s: s.ExponentialLR(o, gamma=0.9)]),
    "CosineAnnealingLR": ([lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.001)],
                          [lambda o, s: s.CosineAnnealingLR(o, T_max=10, eta_min=0.001)]),
    "LambdaLR": ([lambda o: LambdaLR(o, warm_up)], [lambda o, s: s.LambdaLR(o, warm_up)]),
    "LambdaLR-per-group": ([lambda o: LambdaLR(o, [warm_up, lambda t: 0.95 ** t])],
                           [lambda o, s: s.LambdaLR(o, [warm_up, lambda t: 0.95 ** t])]),
    "LinearLR": ([lambda o: LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=8)],
                 [lambda o, s: s.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=8)]),
    "LinearLR-decay": ([lambda o: LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=6)],
                       [lambda o, s: s.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                                total_iters=6)]),
    "warm-up + exponential": (
        [lambda o: LinearLR(o, start_factor=0.25, total_iters=4),
         lambda o: ExponentialLR(o, gamma=0.95)],
        [lambda o, s: s.LinearLR(o, start_factor=0.25, total_iters=4),
         lambda o, s: s.ExponentialLR(o, gamma=0.95)]),
    "step + multistep": (
        [lambda o: StepLR(o, step_size=5, gamma=0.8),
         lambda o: MultiStepLR(o, milestones=[3, 10], gamma=0.5)],
        [lambda o, s: s.StepLR(o, step_size=5, gamma=0.8),
         lambda o, s: s.MultiStepLR(o, milestones=[3, 10], gamma=0.5)]),
    "warm-up + cosine": (
        [lambda o: LinearLR(o, start_factor=0.5, total_iters=5),
         lambda o: CosineAnnealingLR(o, T_max=15, eta_min=0.0)],
        [lambda o, s: s.LinearLR(o, start_factor=0.5, total_iters=5),
         lambda o, s: s.CosineAnnealingLR(o, T_max=15, eta_min=0.0)]),
    "warm-up + cosine through its minima": (
        [lambda o: LinearLR(o, start_factor=0.2, total_iters=12),
         lambda o: CosineAnnealingLR(o, T_max=3, eta_min=0.01)],
        [lambda o, s: s.LinearLR(o, start_factor=0.2, total_iters=12),
         lambda o, s: s.CosineAnnealingLR(o, T_max=3, eta_min=0.01)]),
    "cosine + step, minimum at zero": (
        [lambda o: CosineAnnealingLR(o, T_max=4), lambda o: StepLR(o, step_size=3, gamma=0.5)],
        [lambda o, s: s.CosineAnnealingLR(o, T_max=4), lambda o, s: s.StepLR(o, step_size=3,
                                                                               gamma=0.5)]),
}


def lr_sequence(optimizer, optimizer_step, schedulers, steps=STEPS):
    """Each step's learning rates while ``optimizer_step()`` and the schedulers take ``steps``."""
    lrs = []
    for _ in range(steps):
        lrs.append([g["lr"] for g in optimizer.param_groups])
        optimizer_step()
        for scheduler in schedulers:
            scheduler.step()
    return lrs, schedulers[-1].get_last_lr()


def zerograd_sequence(factories):
    optimizer = zerograd_optimizer()
    return lr_sequence(optimizer, optimizer.update, [make(optimizer) for make in factories])


def torch_sequence(torch, factories):
    optimizer = torch_optimizer(torch)
    schedulers = [make(optimizer, torch.optim.lr_scheduler) for make in factories]
    return lr_sequence(optimizer, optimizer.step, schedulers)


@pytest.mark.parametrize("case", list(CASES))
def test_lr_sequence_matches_torch(case):
    torch = torch_or_skip()
    ours, theirs = CASES[case]
    our_lrs, our_last = zerograd_sequence(ours)
    their_lrs, their_last = torch_sequence(torch, theirs)
    np.testing.assert_allclose(our_lrs, their_lrs, rtol=1e-12, atol=1e-15, err_msg=case)
    np.testing.assert_allclose(our_last, their_last, rtol=1e-12, atol=1e-15)
    assert len(set(map(tuple, our_lrs))) > 1  # the schedule did change the rate


PLATEAU_METRICS = [5.0, 4.0, 4.0, 3.9999, 4.1, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 2.9, 2.9, 2.9,
                   2.9, 2.9, 2.9, 2.9, 2.9, 2.9, 2.9]


@pytest.mark.parametrize("kwargs", [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": 0.01},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.2},
    {"patience": 0, "factor": 0.5, "min_lr": [0.05, 0.001]},
])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    torch = torch_or_skip()
    metrics = PLATEAU_METRICS + [-m for m in PLATEAU_METRICS] if kwargs.get("mode") == "max" \
        else PLATEAU_METRICS
    optimizer = zerograd_optimizer()
    scheduler = ReduceLROnPlateau(optimizer, **kwargs)
    t_optimizer = torch_optimizer(torch)
    t_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(t_optimizer, **kwargs)
    ours, theirs = [], []
    for metric in metrics:
        scheduler.step(metric)
        t_scheduler.step(metric)
        ours.append([g["lr"] for g in optimizer.param_groups])
        theirs.append([g["lr"] for g in t_optimizer.param_groups])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert scheduler.get_last_lr() == ours[-1]
    if "patience" in kwargs:
        assert ours[-1] != list(LRS)


@pytest.mark.parametrize("make, closed_form", [
    (lambda o: StepLR(o, step_size=3, gamma=0.7), lambda base, t: base * 0.7 ** (t // 3)),
    (lambda o: MultiStepLR(o, milestones=[4, 9, 9], gamma=0.3),
     lambda base, t: base * 0.3 ** sum(m <= t for m in (4, 9, 9))),
    (lambda o: ExponentialLR(o, gamma=0.97), lambda base, t: base * 0.97 ** t),
    (lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.001),
     lambda base, t: 0.001 + (base - 0.001) * (1 + math.cos(math.pi * t / 7)) / 2),
    (lambda o: LinearLR(o, start_factor=0.3, end_factor=0.9, total_iters=11),
     lambda base, t: base * (0.3 + (0.9 - 0.3) * min(t, 11) / 11)),
])
def test_a_lone_scheduler_sets_exactly_its_closed_form(make, closed_form):
    optimizer = zerograd_optimizer()
    scheduler = make(optimizer)
    for t in range(1, 120):
        scheduler.step()
        assert [g["lr"] for g in optimizer.param_groups] == [closed_form(b, t) for b in LRS], t


def test_schedulers_record_initial_lr_and_base_lrs():
    optimizer = zerograd_optimizer()
    scheduler = ExponentialLR(optimizer, gamma=0.5)
    assert scheduler.base_lrs == list(LRS)
    assert [g["initial_lr"] for g in optimizer.param_groups] == list(LRS)
    scheduler.step()
    second = StepLR(optimizer, step_size=2)
    assert second.base_lrs == list(LRS)  # initial_lr is kept, not overwritten


def test_a_schedule_drives_the_optimizer_updates():
    p = Parameter(np.array([1.0]))
    optimizer = SGD(lr=1.0).setup([p])
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = type(p)(np.array([1.0]))
        optimizer.update()
        scheduler.step()
    assert p.data[0] == 1.0 - (1.0 + 0.5 + 0.25)


def test_schedulers_work_with_adam():
    optimizer = Adam(alpha=0.01).setup([Parameter(np.zeros(1))])
    scheduler = CosineAnnealingLR(optimizer, T_max=4)
    for _ in range(4):
        scheduler.step()
    assert optimizer.alpha == pytest.approx(0.0, abs=1e-18)


# --- state_dict ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda o: StepLR(o, step_size=3, gamma=0.5),
    lambda o: MultiStepLR(o, milestones=[2, 6, 6]),
    lambda o: ExponentialLR(o, gamma=0.9),
    lambda o: CosineAnnealingLR(o, T_max=5, eta_min=0.01),
    lambda o: LambdaLR(o, warm_up),
    lambda o: LinearLR(o, start_factor=0.2, total_iters=8),
])
def test_scheduler_state_dict_round_trip_continues_the_sequence(make):
    optimizer = zerograd_optimizer(MomentumSGD)
    scheduler = make(optimizer)
    for _ in range(4):
        scheduler.step()
    saved_optimizer, saved_scheduler = optimizer.state_dict(), scheduler.state_dict()
    assert saved_scheduler["type"] == type(scheduler).__name__
    fresh_optimizer = zerograd_optimizer(MomentumSGD)
    fresh = make(fresh_optimizer)
    fresh_optimizer.load_state_dict(saved_optimizer)
    fresh.load_state_dict(saved_scheduler)
    for _ in range(10):
        scheduler.step()
        fresh.step()
        assert fresh.get_last_lr() == scheduler.get_last_lr()
        assert fresh.last_epoch == scheduler.last_epoch


def test_reduce_lr_on_plateau_state_dict_round_trip():
    optimizer = zerograd_optimizer()
    scheduler = ReduceLROnPlateau(optimizer, patience=1, factor=0.5, cooldown=1)
    for metric in PLATEAU_METRICS[:7]:
        scheduler.step(metric)
    fresh_optimizer = zerograd_optimizer()
    fresh = ReduceLROnPlateau(fresh_optimizer)
    fresh_optimizer.load_state_dict(optimizer.state_dict())
    fresh.load_state_dict(scheduler.state_dict())
    assert (fresh.patience, fresh.best, fresh.cooldown) == (1, scheduler.best, 1)
    for metric in PLATEAU_METRICS[7:]:
        scheduler.step(metric)
        fresh.step(metric)
        assert fresh.get_last_lr() == scheduler.get_last_lr()


def test_loading_another_schedulers_state_is_a_clear_error():
    optimizer = zerograd_optimizer()
    step = StepLR(optimizer, step_size=2)
    with pytest.raises(ValueError, match="belongs to a StepLR scheduler, not to ExponentialLR"):
        ExponentialLR(zerograd_optimizer(), gamma=0.5).load_state_dict(step.state_dict())
    with pytest.raises(ValueError, match="lacks"):
        StepLR(zerograd_optimizer(), step_size=2).load_state_dict({"type": "StepLR"})
    with pytest.raises(ValueError, match="expected a scheduler state dict"):
        step.load_state_dict([1, 2])


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, match", [
    (lambda o: StepLR(o, step_size=0), ValueError, "StepLR: step_size must be a positive int"),
    (lambda o: StepLR(o, step_size=2, gamma="0.1"), TypeError, "gamma must be a finite number"),
    (lambda o: StepLR(o, step_size=2, gamma=float("nan")), ValueError,
     "StepLR: gamma must be a finite number >= 0, got nan"),
    (lambda o: MultiStepLR(o, milestones=[1, -2]), ValueError,
     "MultiStepLR: each milestone must be an int >= 0, got -2"),
    (lambda o: MultiStepLR(o, milestones=[1.5]), TypeError, "each milestone must be an int"),
    (lambda o: ExponentialLR(o, gamma=None), TypeError, "ExponentialLR: gamma"),
    (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be a positive int"),
    (lambda o: CosineAnnealingLR(o, T_max=5, eta_min=-1), ValueError, "eta_min"),
    (lambda o: LambdaLR(o, [warm_up]), ValueError, "expected one lr_lambda or 2"),
    (lambda o: LambdaLR(o, 0.5), ValueError, "lr_lambda must be callable"),
    (lambda o: LinearLR(o, start_factor=0), ValueError,
     r"start_factor must be a finite number in \(0, 1\]"),
    (lambda o: LinearLR(o, end_factor=1.5), ValueError, "end_factor"),
    (lambda o: LinearLR(o, total_iters=2.0), TypeError, "LinearLR: total_iters must be an int"),
    (lambda o: ReduceLROnPlateau(o, mode="avg"), ValueError, "mode must be 'min' or 'max'"),
    (lambda o: ReduceLROnPlateau(o, factor=1.0), ValueError,
     r"factor must be a finite number in \[0, 1\)"),
    (lambda o: ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode"),
    (lambda o: ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "min_lr must be one number or 2"),
    (lambda o: ReduceLROnPlateau(o, min_lr=[0.1, -1]), ValueError, "min_lr must be a finite"),
    (lambda o: ReduceLROnPlateau(o, patience=-1), ValueError, "patience"),
    (lambda o: ReduceLROnPlateau(o, eps=float("inf")), ValueError, "eps must be a finite number"),
])
def test_bad_scheduler_arguments_are_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make(zerograd_optimizer())


def test_a_scheduler_needs_a_set_up_zerograd_optimizer():
    with pytest.raises(TypeError, match=r"StepLR: expected a zerograd optimizer \(an object with "
                                        r"param_groups\), got list"):
        StepLR([], step_size=1)
    with pytest.raises(ValueError, match="call setup"):
        ExponentialLR(SGD(), gamma=0.5)


def test_cosine_annealing_reaches_eta_min_and_climbs_back():
    optimizer = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
    scheduler = CosineAnnealingLR(optimizer, T_max=4, eta_min=0.1)
    lrs = [optimizer.lr]
    for _ in range(8):
        scheduler.step()
        lrs.append(optimizer.lr)
    assert math.isclose(lrs[4], 0.1) and math.isclose(lrs[8], 1.0)
