"""Making the ranks agree: compare what every rank holds before the first collective, and copy
rank 0's parameters and buffers to every rank.

A mismatch found here (another model on one rank, a layer sized differently) would otherwise
show up as a deadlock or as silently wrong sums in the first allreduce. Every rank receives the
same gathered descriptions, so every rank raises the same error: no rank is left waiting.
"""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module

__all__ = ["broadcast_arrays", "check_ranks_agree", "check_same_on_every_rank", "describe"]


def describe(named_arrays: list[tuple[str, Any]]) -> list[tuple[str, Any, str]]:
    """(name, shape, dtype) of each array; shape and dtype are None for an array not yet sized."""
    return [(name, None, None) if array is None else (name, tuple(array.shape), array.dtype.str)
            for name, array in named_arrays]


def _text(entry: tuple[str, Any, str] | None) -> str:
    if entry is None:
        return "nothing"
    name, shape, dtype = entry
    if shape is None:
        return f"{name!r} (not sized yet)"
    return f"{name!r} {shape} {dtype}"


def check_same_on_every_rank(comm: Any, description: list[tuple[str, Any, str]],
                             what: str = "parameters") -> None:
    """Raise ValueError on every rank, naming the first difference from rank 0, unless every rank
    holds the same names, shapes and dtypes in the same order."""
    everyone = comm.allgather_object(description)
    reference = everyone[0]
    for rank, theirs in enumerate(everyone[1:], start=1):
        for position in range(max(len(reference), len(theirs))):
            mine = reference[position] if position < len(reference) else None
            other = theirs[position] if position < len(theirs) else None
            if mine != other:
                raise ValueError(
                    f"zerograd.distributed: the ranks hold different {what}: {what} number "
                    f"{position} is {_text(other)} on rank {rank} but {_text(mine)} on rank 0 "
                    f"(rank 0 has {len(reference)} {what}, rank {rank} has {len(theirs)}); every "
                    f"rank must build the same model")


def broadcast_arrays(comm: Any, arrays: list[Any], root: int = 0) -> None:
    """Overwrite every array in place with root's: one broadcast per dtype and array module."""
    groups: dict[tuple, list[Any]] = {}
    for array in arrays:
        if array is not None:
            groups.setdefault((array.dtype.str, type(array)), []).append(array)
    for group in groups.values():
        xp = get_array_module(group[0])
        flat = xp.concatenate([a.ravel() for a in group]) if group else None
        comm.broadcast(flat, root)
        start = 0
        for array in group:
            array[...] = flat[start:start + array.size].reshape(array.shape)
            start += array.size


def _ranks_text(ranks: list[int]) -> str:
    return f"rank {ranks[0]}" if len(ranks) == 1 else "ranks " + ", ".join(map(str, ranks))


def check_ranks_agree(comm: Any, where: str, settings: dict[str, Any]) -> None:
    """Raise ValueError on every rank, naming each setting whose value differs between ranks
    and which ranks hold which value (one allgather of ``settings``)."""
    everyone = comm.allgather_object(settings)
    problems = []
    for key in settings:
        holders: dict[str, list[int]] = {}
        for rank, theirs in enumerate(everyone):
            holders.setdefault(repr(theirs.get(key)), []).append(rank)
        if len(holders) > 1:
            problems.append(f"{key} is " + " but ".join(
                f"{value} on {_ranks_text(ranks)}" for value, ranks in holders.items()))
    if problems:
        raise ValueError(f"{where}: the ranks disagree: " + "; ".join(problems) + ". Every "
                         "rank must open the same data set with the same loader settings, or "
                         "the ranks train on mismatched samples (or hang)")
