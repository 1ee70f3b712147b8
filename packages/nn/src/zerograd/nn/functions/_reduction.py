"""The ``reduction`` argument of PyTorch-style losses ('mean', 'sum' or 'none') and the opening
every such loss shares: the reduction checked, the input floating, the target in its dtype."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(op: str, reduction: str, extra: tuple[str, ...] = ()) -> str:
    """``reduction`` itself, or a ValueError naming ``op`` and the values it accepts."""
    if reduction not in REDUCTIONS + extra:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS + extra}, got {reduction!r}")
    return reduction


def reduce_loss(op: str, loss: Variable, reduction: str) -> Variable:
    """The mean or sum of the elementwise ``loss``, or ``loss`` itself for 'none'."""
    check_reduction(op, reduction)
    if reduction == "mean":
        return CF.mean(loss)
    if reduction == "sum":
        return CF.sum(loss)
    return loss


def as_target(op: str, name: str, t: Any, like: Variable) -> Variable:
    """A target as a Variable of ``like``'s floating dtype (integer and bool targets are cast,
    without a gradient)."""
    t = t if isinstance(t, Variable) else Variable(t, requires_grad=False)
    if t.data is None:
        raise ValueError(f"{op}: {name} has no data")
    if not t.requires_grad:  # a constant target goes to like's device, as CuPy's asarray does
        data = get_array_module(like.data).asarray(t.data)
        if data is not t.data:
            t = Variable(data, requires_grad=False)
    if t.dtype != like.dtype:
        t = CF.astype(t, like.dtype) if t.requires_grad else Variable(
            t.data.astype(like.dtype), requires_grad=False)
    return t


def loss_inputs(op: str, reduction: str, x: Any, t: Any, names: tuple[str, str] = ("x", "t"),
                extra: tuple[str, ...] = ()) -> tuple[Variable, Variable]:
    """The opening of a loss of an input and a target: ``reduction`` checked (``extra`` names
    reductions beyond the three), ``x`` a floating Variable and ``t`` a target of its dtype and
    device (``names`` are the two arguments' names in the errors)."""
    check_reduction(op, reduction, extra)
    x = floating_variable(op, names[0], x)
    return x, as_target(op, names[1], t, x)
