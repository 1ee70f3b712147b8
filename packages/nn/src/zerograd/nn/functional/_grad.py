"""Gradients computed on arrays: the ordinary (not recorded) backward of the hot Functions.

Engine contract: Function.backward runs with Config.enable_backprop equal to backward's
``create_graph``. When it is False nothing of the backward pass is recorded, so a hot Function may
compute its gradients on arrays in one go, without creating a Function per step; when it is True
the same gradients are written with Variables so that they can be differentiated again.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Config, Variable


def recording() -> bool:
    """True when the backward pass is being recorded (backward(create_graph=True))."""
    return Config.enable_backprop


def constant(array: Any) -> Variable | None:
    """A gradient array as a Variable outside any graph (None stays None)."""
    return None if array is None else Variable(array, requires_grad=False)
