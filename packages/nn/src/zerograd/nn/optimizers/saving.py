"""An optimizer's ``state_dict()`` as plain data, and the checks ``load_state_dict`` makes before
it changes anything (so that a bad state dict fails at load time, not at the next update)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.checks import is_int
from zerograd.core.cuda import get_array_module
from zerograd.core.variable import Variable
from zerograd.nn.optimizers.groups import describe

__all__ = ["checked_state", "state_dict"]

STATE_DICT_KEYS = ("type", "t", "state", "param_groups")


def state_dict(optimizer: Any) -> dict[str, Any]:
    """See ``Optimizer.state_dict``."""
    index: dict[Variable, int] = {}
    groups = []
    for group in optimizer.param_groups:
        numbers = []
        for param in group["params"]:
            index[param] = len(index)
            numbers.append(index[param])
        groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": numbers})
    state = {index[p]: {k: _copied(v) for k, v in s.items()}
             for p, s in optimizer.state.items() if p in index}
    return {"type": type(optimizer).__name__, "t": optimizer.t, "state": state,
            "param_groups": groups}


def checked_state(optimizer: Any, saved: Any) -> tuple[list[dict[str, Any]], dict, int]:
    """The groups' hyperparameters, the per-parameter state and the update count that ``saved``
    holds for ``optimizer``, each checked; raises before anything is changed."""
    where = f"{type(optimizer).__name__}.load_state_dict"
    _check_form(saved, where, optimizer)
    if not is_int(saved["t"]) or saved["t"] < 0:
        raise ValueError(f"{where}: 't' must be an int >= 0, got {saved['t']!r}")
    param_at: dict[Any, Variable] = {}
    groups = []
    for i, (group, saved_group) in enumerate(zip(optimizer.param_groups, saved["param_groups"])):
        groups.append(_checked_group(optimizer, saved_group, f"{where}: parameter group {i}",
                                     len(group["params"])))
        param_at.update(zip(saved_group["params"], group["params"]))
    state = {}
    for number, saved_state in saved["state"].items():
        if number not in param_at:
            raise ValueError(f"{where}: state for parameter {number!r}, which no parameter "
                             f"group lists")
        param = param_at[number]
        state[param] = _checked_param_state(optimizer, saved_state, param,
                                            f"{where}: state of {describe(param)}")
    return groups, state, int(saved["t"])


def _check_form(saved: Any, where: str, optimizer: Any) -> None:
    name = type(optimizer).__name__
    if not isinstance(saved, dict) or not set(STATE_DICT_KEYS) <= set(saved):
        keys = sorted(saved) if isinstance(saved, dict) else type(saved).__name__
        raise ValueError(f"{where}: expected an optimizer state dict with 'type', 't', 'state' "
                         f"and 'param_groups', got {keys}")
    if saved["type"] != name:
        raise ValueError(f"{where}: the state dict belongs to a {saved['type']} optimizer, not "
                         f"to {name}")
    if not optimizer.param_groups:
        raise RuntimeError(f"{where}: call setup(target) first")
    if not isinstance(saved["state"], dict) or not isinstance(saved["param_groups"], list):
        raise ValueError(f"{where}: 'state' must be a dict and 'param_groups' a list")
    if len(saved["param_groups"]) != len(optimizer.param_groups):
        raise ValueError(f"{where}: the state dict has {len(saved['param_groups'])} parameter "
                         f"groups, this optimizer {len(optimizer.param_groups)}")


def _checked_group(optimizer: Any, saved: Any, where: str, size: int) -> dict[str, Any]:
    """A saved group's hyperparameters: every one this optimizer has, each within its rule."""
    if not isinstance(saved, dict) or not isinstance(saved.get("params"), list):
        raise ValueError(f"{where}: expected a dict with a 'params' list, got {saved!r}")
    if len(saved["params"]) != size:
        raise ValueError(f"{where} has {size} parameters, the state dict's "
                         f"{len(saved['params'])}")
    hyper = {}
    for key, value in saved.items():
        if key != "params":
            key = optimizer.aliases.get(key, key)
            optimizer.check_group_key(key, f"{where} of the state dict")
            hyper[key] = optimizer._checked(key, value, f"{where} of the state dict")
    missing = [key for key in optimizer.defaults if key not in hyper]
    if missing:
        raise ValueError(f"{where} of the state dict lacks {', '.join(map(repr, missing))}")
    return hyper


def _checked_param_state(optimizer: Any, saved: Any, param: Variable, where: str
                         ) -> dict[str, Any]:
    """A saved per-parameter state: its step count and every slot, on the parameter's device
    and dtype. Optimizers that declare no slots (the book's own subclasses) keep what they saved."""
    if not isinstance(saved, dict):
        raise ValueError(f"{where}: expected a dict, got {type(saved).__name__}")
    state = {key: _restored(value, param, where, key, optimizer.state_shape(key, param.data))
             for key, value in saved.items()}
    if optimizer.slots:
        expected = {"step", *optimizer.slots}
        allowed = expected | set(optimizer.optional_state)
        if not expected <= set(state) <= allowed:
            raise ValueError(f"{where}: expected {sorted(expected)}, got {sorted(state)}")
        if not is_int(state["step"]) or state["step"] < 0:
            raise ValueError(f"{where}: 'step' must be an int >= 0, got {state['step']!r}")
        for slot in optimizer.slots:
            if not hasattr(state[slot], "shape"):
                raise ValueError(f"{where}: {slot!r} must be an array, got {state[slot]!r}")
    return state


def _copied(value: Any) -> Any:
    return value.copy() if hasattr(value, "copy") and hasattr(value, "shape") else value


def _restored(value: Any, param: Variable, where: str, key: str, shape: Any) -> Any:
    """A saved state value, copied onto the parameter's device and dtype."""
    if not hasattr(value, "shape") or not hasattr(value, "dtype") or (
            value.ndim == 0 and (key == "step" or tuple(shape or ()) != ())):
        # a 0-d array is a number, except as the state array of a 0-d parameter
        return value.item() if hasattr(value, "item") else value
    data = param.data
    if data is None:
        return np.array(cuda.as_numpy(value))
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{where}: {key!r} has shape {tuple(value.shape)}")
    if get_array_module(data) is np:
        return np.array(cuda.as_numpy(value), dtype=data.dtype)
    return cuda.as_cupy(value).astype(data.dtype, copy=True)
