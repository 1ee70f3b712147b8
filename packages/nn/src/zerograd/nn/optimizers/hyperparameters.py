"""Hyperparameter rules of the optimizers: each optimizer class maps a hyperparameter name to a
rule, and every value is checked against it wherever it enters (the constructor, a parameter
group, an attribute assignment, ``load_state_dict``).

>>> check_hyperparameter("Adam", "beta1", 0.9, FRACTION)
0.9
>>> check_hyperparameter("SGD", "lr", [1.0], NON_NEGATIVE)  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
TypeError: SGD: lr is a hyperparameter, not the parameters ... as in the book: SGD(lr=...).setup(model)
"""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import check_bool, check_real
from zerograd.core.variable import Variable

__all__ = ["CLOSED_FRACTION", "FLAG", "FRACTION", "GRADIENT_OPTIONS", "GRADIENT_OPTION_RULES",
           "Hyperparameter", "NON_NEGATIVE", "check_hyperparameter"]

# A rule is check_real's range, or FLAG for True/False.
NON_NEGATIVE: dict[str, Any] = {"low": 0}
FRACTION: dict[str, Any] = {"low": 0, "high": 1, "high_open": True}
CLOSED_FRACTION: dict[str, Any] = {"low": 0, "high": 1}
FLAG = None

# The options PyTorch's optimizers share (see Optimizer.gradient), with their rules and defaults.
GRADIENT_OPTION_RULES: dict[str, Any] = {"weight_decay": NON_NEGATIVE, "maximize": FLAG}
GRADIENT_OPTIONS: dict[str, Any] = {"weight_decay": 0.0, "maximize": False}


def _parameters_kind(value: Any) -> str | None:
    """What ``value`` is when it looks like the parameters to optimise, else None."""
    if isinstance(value, Variable):
        return "a Parameter"
    if callable(getattr(value, "params", None)):
        return f"a Layer ({type(value).__name__})"
    if isinstance(value, (list, tuple, dict, set)) or (
            hasattr(value, "__iter__") and hasattr(value, "__next__")):
        return f"a {type(value).__name__}"
    return None


def check_hyperparameter(where: str, key: str, value: Any, rule: dict[str, Any] | None,
                         optimizer: str | None = None) -> Any:
    """``value`` checked against ``rule``; returned as a float when it is a number.

    Parameters given where a hyperparameter belongs (PyTorch's ``Adam(model.params(), lr=...)``)
    get an error that shows the book's form, naming ``optimizer`` (default: ``where``).
    """
    kind = _parameters_kind(value)
    if kind is not None:
        raise TypeError(f"{where}: {key} is a hyperparameter, not the parameters to optimise (got "
                        f"{kind}); they go to setup(), as in the book: "
                        f"{optimizer or where}({key}=...).setup(model)")
    if rule is FLAG:
        return check_bool(where, key, value)
    return float(check_real(where, key, value, **rule))


class Hyperparameter:
    """An optimizer attribute that reads and writes one hyperparameter of the default (first)
    parameter group, or of ``defaults`` before ``setup``."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, optimizer: Any, owner: type | None = None) -> Any:
        if optimizer is None:
            return self
        return optimizer._default_group()[self.key]

    def __set__(self, optimizer: Any, value: Any) -> None:
        optimizer._default_group()[self.key] = optimizer._checked(self.key, value)
