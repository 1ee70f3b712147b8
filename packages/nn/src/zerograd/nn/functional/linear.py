"""The affine map y = x W + b as one fused Function."""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable, as_variable
from zerograd.core import functions as CF
from zerograd.nn.functional._grad import constant, recording


class Linear(Function):
    """y = x @ W + b for x of shape (..., in), W (in, out) and b (out,) or absent.

    Backward: gx = gy W^T, gW = x^T gy (over all leading axes of x), gb = sum of gy over them.
    gx is skipped when x needs no gradient (a first layer's input), the costliest saving of a
    training step. The transposes are views: NumPy hands them to BLAS as transposed operands.
    An ordinary backward works on arrays; a recorded one (create_graph) on Variables.
    """

    __slots__ = ()

    def forward(self, x: Any, W: Any, b: Any = None) -> Any:
        y = x @ W
        if b is not None:
            y += b  # y is a fresh array: add in place, no temporary
        return y

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        if not recording():
            return self._backward_arrays(gy.data)
        x, W = self.inputs[0], self.inputs[1]
        gx = CF.matmul(gy, W.T) if x.requires_grad else None
        if x.ndim != 2:  # fold the leading axes into one batch axis for the weight gradient
            x, gy = CF.reshape(x, (-1, x.shape[-1])), CF.reshape(gy, (-1, gy.shape[-1]))
        gW = CF.matmul(x.T, gy) if W.requires_grad else None
        if len(self.inputs) == 2:
            return gx, gW
        gb = CF.sum(gy, axis=0) if self.inputs[2].requires_grad else None
        return gx, gW, gb

    def _backward_arrays(self, gy: Any) -> tuple[Any, ...]:
        """The same gradients on arrays, one BLAS call each (see _grad.py)."""
        x, W = self.inputs[0], self.inputs[1]
        gx = constant(gy @ W.data.T) if x.requires_grad else None
        x = x.data
        if x.ndim != 2:
            x, gy = x.reshape(-1, x.shape[-1]), gy.reshape(-1, gy.shape[-1])
        gW = constant(x.T @ gy) if W.requires_grad else None
        if len(self.inputs) == 2:
            return gx, gW
        gb = constant(gy.sum(axis=0)) if self.inputs[2].requires_grad else None
        return gx, gW, gb


def linear(x: Any, W: Any, b: Any = None) -> Variable:
    """Affine map: y = x W + b. x: (..., in) (usually (N, in)); W: (in, out); b: (out,) or None.

    >>> import numpy as np
    >>> x = np.ones((2, 3), dtype=np.float32)
    >>> linear(x, np.ones((3, 4), dtype=np.float32), np.zeros(4, dtype=np.float32)).shape
    (2, 4)
    """
    x, W = as_variable(x), as_variable(W)
    if W.data is None:
        raise ValueError("linear: W has no data (a lazy Linear layer sizes it at its first call)")
    if x.data is None:
        raise ValueError("linear: x has no data")
    if W.ndim != 2 or x.ndim == 0 or x.shape[-1] != W.shape[0]:
        raise ValueError(f"linear: x of shape {x.shape} and W of shape {W.shape} do not align "
                         "(x: (..., in), W: (in, out))")
    if b is None:
        return Linear()(x, W)
    b = as_variable(b)
    if b.data is None or b.shape != (W.shape[1],):
        raise ValueError(f"linear: b must have shape ({W.shape[1]},) to match W of shape "
                         f"{W.shape}, got {None if b.data is None else b.shape}")
    return Linear()(x, W, b)
