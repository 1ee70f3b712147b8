"""More of torch's creation functions: eye, tril_indices/triu_indices, meshgrid, logspace,
and the ``new_*`` family's helpers; floating results take the default dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.torch.ops_common import constant, data_of, result, tensor_of
from zerograd.torch.promotion import get_default_dtype
from zerograd.torch.tensor import Tensor


def _made(array: Any, requires_grad: bool) -> Tensor:
    out = constant(array)
    if requires_grad:
        out.requires_grad_(True)
    return out


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix of n rows (and m columns)."""
    return _made(np.eye(n, n if m is None else m, dtype=dtype or get_default_dtype()), requires_grad)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (row, column) coordinates of the lower triangle, as a 2 x N int64 tensor."""
    rows, cols = np.tril_indices(row, offset, col)
    return constant(np.stack([rows, cols]).astype(dtype or np.int64).reshape(2, -1))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (row, column) coordinates of the upper triangle, as a 2 x N int64 tensor."""
    rows, cols = np.triu_indices(row, offset, col)
    return constant(np.stack([rows, cols]).astype(dtype or np.int64).reshape(2, -1))


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors (``indexing='ij'`` as PyTorch's default, or 'xy');
    each grid is a broadcast of its input, so gradients flow back to it."""
    from zerograd.core import functions as CF
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    xs = [tensor_of(t) for t in tensors]
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    shape = [x.data.size for x in xs]
    if indexing == "xy" and len(xs) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    grids = []
    for i, x in enumerate(xs):
        axis = i
        if indexing == "xy" and len(xs) >= 2 and i < 2:
            axis = 1 - i
        view = [1] * len(xs)
        view[axis] = x.data.size
        grids.append(result(CF.broadcast_to(CF.reshape(x, tuple(view)), tuple(shape))))
    return tuple(grids)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    start, end = float(data_of(start)), float(data_of(end))
    if dtype is not None and np.dtype(dtype).kind in "iu":  # PyTorch casts the bounds first
        start, end = int(start), int(end)
    exponents = np.linspace(start, end, steps)
    return _made((base ** exponents).astype(dtype or get_default_dtype()), requires_grad)


def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, **_: Any) -> Tensor:
    from zerograd.torch.creation import tensor
    return tensor(data, dtype=dtype or self.data.dtype)


def scalar_tensor(value: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    return _made(np.asarray(value, dtype=dtype or get_default_dtype()), requires_grad)
