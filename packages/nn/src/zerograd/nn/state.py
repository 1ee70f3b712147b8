"""Loading a state (name -> array) into a layer tree: every check first, then every assignment,
so a load either succeeds completely or changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from zerograd.core import Variable, cuda
from zerograd.core.checks import is_array
from zerograd.nn.serialization import ArchiveMember


class IncompatibleKeys(NamedTuple):
    """What a non-strict load skipped: keys the layer has but the state lacks, and the reverse."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Slot(NamedTuple):
    """One loadable entry of a layer tree: its current array (None when not sized yet) and how to
    replace it."""

    current: Any
    assign: Callable[[Any], None]


def _as_array(value: Any) -> Any:
    """The array ``value`` holds (an archive member stays unread: its header answers shape and
    dtype), or None when it holds none."""
    if isinstance(value, Variable):
        value = value.data
    if is_array(value) or isinstance(value, ArchiveMember):
        return value
    return None


def _shape_text(array: Any) -> str:
    return "not sized yet" if array is None else str(tuple(array.shape))


def _converted(value: Any, current: Any, copy: bool) -> Any:
    """``value`` on ``current``'s device with its dtype (the file's dtype when not sized yet)."""
    if isinstance(value, ArchiveMember):
        value, copy = value.read(), False
    if current is None:
        return np.array(cuda.as_numpy(value), copy=True) if copy else cuda.as_numpy(value)
    on_gpu = cuda.cupy is not None and isinstance(current, cuda.cupy.ndarray)
    value = cuda.as_cupy(value) if on_gpu else cuda.as_numpy(value)
    return value.astype(current.dtype, copy=copy or value.dtype != current.dtype)


def load_state(slots: Mapping[str, Slot], state: Mapping[str, Any], strict: bool, caller: str,
               owner: str, separator: str = ".", copy: bool = True) -> IncompatibleKeys:
    """Check ``state`` against ``slots`` and assign it, or raise ValueError listing every problem.

    Shapes must match where a slot is sized; with ``strict`` every slot must be given and every
    key must name a slot. ``separator`` spells the keys in messages ('/' for weight files).
    Values may be arrays, Variables or unread archive members: a member is read only once every
    check has passed, and only when a slot takes it.
    """
    def spelled(key: str) -> str:
        return key.replace(".", separator)

    problems, ready = [], []
    missing = [key for key in slots if key not in state]
    unexpected = [key for key in state if key not in slots]
    for key, value in state.items():
        if key not in slots:
            continue
        array = _as_array(value)
        current = slots[key].current
        if array is None or array.dtype.kind not in "biuf":
            found = type(value).__name__ if array is None else f"dtype {array.dtype}"
            problems.append(f"  {spelled(key)!r}: expected a numeric array, found {found}")
        elif current is not None and array.shape != current.shape:
            problems.append(f"  {spelled(key)!r}: shape mismatch, expected {tuple(current.shape)},"
                            f" found {tuple(array.shape)}")
        else:
            ready.append((key, array))
    if strict:
        problems += [f"  {spelled(key)!r}: missing, expected shape "
                     f"{_shape_text(slots[key].current)}" for key in missing]
        problems += [f"  {spelled(key)!r}: unexpected, found shape "
                     f"{_shape_text(_as_array(state[key]))}" for key in unexpected]
    if problems:
        raise ValueError(f"{caller}: cannot load into {owner}; nothing was changed. "
                         f"{len(problems)} problem(s):\n" + "\n".join(problems))
    converted = [(slots[key], _converted(array, slots[key].current, copy)) for key, array in ready]
    for slot, array in converted:
        slot.assign(array)
    return IncompatibleKeys([spelled(k) for k in missing], [spelled(k) for k in unexpected])
