"""Parameter groups: what ``setup()`` accepts (a Layer, Parameters, or a list of group dicts) and
how errors name a parameter."""

from __future__ import annotations

from typing import Any

from zerograd.core.variable import Variable

__all__ = ["BOOKKEEPING_KEYS", "as_group_list", "describe", "param_list"]

# Keys a group may carry besides its hyperparameters: schedulers record the starting lr.
BOOKKEEPING_KEYS = ("params", "initial_lr")


def describe(param: Variable) -> str:
    """A parameter as an error message names it: its name, else its shape."""
    name = getattr(param, "name", None)
    shape = None if param.data is None else tuple(param.data.shape)
    return f"parameter {name!r} (shape {shape})" if name else f"a parameter of shape {shape}"


def param_list(params: Any, where: str) -> list[Variable]:
    """Parameters given as one Variable, a Layer (anything with params()) or an iterable."""
    if isinstance(params, Variable):
        params = [params]
    elif callable(getattr(params, "params", None)):
        params = params.params()
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{where}: expected Parameters, a Layer or an iterable of Parameters, "
                        f"got {type(params).__name__}") from None
    if not params:
        raise ValueError(f"{where}: got no parameters to optimise")
    for param in params:
        if not isinstance(param, Variable):
            raise TypeError(f"{where}: expected Parameters, got a {type(param).__name__}")
    return params


def as_group_list(target: Any, name: str) -> list[dict[str, Any]]:
    """setup()'s target as a list of parameter-group dicts."""
    if isinstance(target, Variable) or callable(getattr(target, "params", None)):
        return [{"params": target}]
    if isinstance(target, dict):
        items = [target]
    else:
        try:
            items = list(target)
        except TypeError:
            raise TypeError(f"{name}.setup: expected a Layer, Parameters or a list of parameter "
                            f"groups, got {type(target).__name__}") from None
    if items and all(isinstance(item, dict) for item in items):
        return items
    if any(isinstance(item, dict) for item in items):
        raise TypeError(f"{name}.setup: mix of parameter-group dicts and Parameters; give a list "
                        f"of dicts or a list of Parameters")
    return [{"params": items}]
