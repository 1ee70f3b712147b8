"""PyTorch's modules that come in 1-, 2- and 3-dimensional variants (pooling, padding, instance
norm): each family is one base class whose ``dims`` attribute picks the functional it calls, and
its variants are made here, by name, instead of a near-empty class statement apiece."""

from __future__ import annotations

from typing import Any

__all__ = ["by_dims"]


def by_dims(base: type, name: str, dims: tuple[int, ...] = (1, 2, 3), **attrs: Any
            ) -> tuple[type, ...]:
    """``{name}1d``, ``{name}2d``, ... : subclasses of ``base`` with ``dims`` set (and ``attrs``),
    placed in ``base``'s module under those names so that repr, pickle and the docs find them.

    >>> class _Pool:
    ...     dims = 1
    >>> Pool1d, Pool2d = by_dims(_Pool, "Pool", (1, 2))
    >>> Pool2d.__name__, Pool2d.dims, issubclass(Pool2d, _Pool)
    ('Pool2d', 2, True)
    """
    return tuple(type(f"{name}{d}d", (base,), {
        "dims": d, "__module__": base.__module__, "__qualname__": f"{name}{d}d",
        "__doc__": f"PyTorch's nn.{name}{d}d (over the last {d} dimension{'s' * (d > 1)}).",
        **attrs}) for d in dims)
