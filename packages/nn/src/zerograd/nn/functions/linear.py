"""The affine map y = x W + b as one fused Function, and its gradient as another."""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, ShapeError, Variable, as_variable
from zerograd.core import functions as CF
from zerograd.nn.functions._grad import needed_gradients, spread


class Linear(Function):
    """y = x @ W + b for x of shape (..., in), W (in, out) and b (out,) or absent.

    Backward is one LinearGrad, which computes only the gradients the inputs need: gx is skipped
    when x needs none (a first layer's input), the costliest saving of a training step.
    """

    __slots__ = ()

    def forward(self, x: Any, W: Any, b: Any = None) -> Any:
        y = x @ W
        if b is not None:
            y += b  # y is a fresh array: add in place, no temporary
        return y

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        x, W = self.inputs[0], self.inputs[1]
        with_bias = len(self.inputs) == 3
        needed = (x.requires_grad, W.requires_grad, with_bias and self.inputs[2].requires_grad)
        grads = linear_gradients(x, W, gy, needed)
        return grads if with_bias else grads[:2]


class LinearGrad(Function):
    """The gradients (gx, gW, gb) of y = x W + b from (x, W, gy), the ``needed`` ones only:
    gx = gy W^T, gW = x^T gy and gb = sum of gy, over all leading axes of x.

    Each is linear in gy and in x or W, so the backward is made of Linear and LinearGrad again.
    The transposes are views: NumPy hands them to BLAS as transposed operands.
    """

    __slots__ = ("needed",)

    def __init__(self, needed: tuple[bool, bool, bool]) -> None:
        self.needed = needed

    def forward(self, x: Any, W: Any, gy: Any) -> tuple[Any, ...]:
        need_x, need_W, need_b = self.needed
        grads = [gy @ W.T] if need_x else []
        if gy.ndim != 2:  # fold the leading axes into one batch axis
            x, gy = x.reshape(-1, x.shape[-1]), gy.reshape(-1, gy.shape[-1])
        if need_W:
            grads.append(x.T @ gy)
        if need_b:
            grads.append(gy.sum(axis=0))
        return tuple(grads)

    def backward(self, *grads: Variable | None) -> tuple[Any, Any, Any]:
        x, W, gy = self.inputs
        ggx, ggW, ggb = spread(self.needed, grads)
        # gx = gy W^T: d/dW = ggx^T gy, d/dgy = ggx W; gW = x^T gy: d/dx = gy ggW^T, d/dgy = x ggW
        g_x = None if ggW is None else linear_gradients(x, ggW, gy, (x.requires_grad, False, False))[0]
        g_W = None if ggx is None else linear_gradients(ggx, W, gy, (False, W.requires_grad, False))[1]
        g_gy = None
        if gy.requires_grad:
            terms = [Linear()(ggx, W) if ggx is not None else None,
                     Linear()(x, ggW) if ggW is not None else None,
                     CF.broadcast_to(ggb, gy.shape) if ggb is not None else None]
            for term in terms:
                if term is not None:
                    g_gy = term if g_gy is None else g_gy + term
        return g_x, g_W, g_gy


def linear_gradients(x: Variable, W: Variable, gy: Variable, needed: tuple[bool, bool, bool]
                     ) -> tuple[Variable | None, Variable | None, Variable | None]:
    """(gx, gW, gb) of y = x W + b for the output gradient gy; None where not ``needed``."""
    return needed_gradients(LinearGrad(needed), needed, x, W, gy)


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
    if x.ndim == 0:
        raise ValueError("linear: x must have at least one axis (..., in), got a 0-d array")
    if W.ndim != 2 or x.shape[-1] != W.shape[0]:
        raise ShapeError(f"linear: x of shape {x.shape} and W of shape {W.shape} do not align "
                         "(x: (..., in), W: (in, out))")
    if W.shape[0] == 0:
        raise ValueError(f"linear: x of shape {x.shape} has no input features (its last axis is 0)")
    if b is None:
        return Linear()(x, W)
    b = as_variable(b)
    if b.data is None or b.shape != (W.shape[1],):
        raise ShapeError(f"linear: b must have shape ({W.shape[1]},) to match W of shape "
                         f"{W.shape}, got {None if b.data is None else b.shape}")
    return Linear()(x, W, b)
