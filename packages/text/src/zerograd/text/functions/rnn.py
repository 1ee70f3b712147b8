"""The Elman RNN cell h' = tanh(x W_x + h W_h + b) as one Function."""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.text.functions._cell import affine, affine_gradients, check_cell, present


class RNNCell(Function):
    """h' = tanh(x W_x + h W_h + b) of (x, h, W_x, W_h, b); absent h and b come as ``ABSENT``.

    Saves nothing: backward reads h' from its output, d tanh = 1 - h'^2, and hands the
    pre-activation's gradient to the affine map's gradients.
    """

    __slots__ = ()

    def forward(self, x: Any, h: Any, W_x: Any, W_h: Any, b: Any) -> Any:
        xp = get_array_module(x)
        z = affine(xp, x, W_x, h, W_h, b)
        return xp.tanh(z, out=z)

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        x, h, W_x, W_h, b = self.inputs
        gz = TanhGrad()(self.outputs[0](), gy)
        return affine_gradients(gz, x, W_x, h, W_h, b)


class TanhGrad(Function):
    """gz = gy (1 - y^2) from (y, gy), y = tanh(z). Backward: d/dy = -2 y gy ggz, d/dgy = ggz (1 - y^2)."""

    __slots__ = ()

    def forward(self, y: Any, gy: Any) -> Any:
        gz = y * y
        get_array_module(y).subtract(1, gz, out=gz)
        gz *= gy
        return gz

    def backward(self, ggz: Variable) -> tuple[Any, Any]:
        y, gy = self.inputs
        g_y = y * gy * ggz * -2.0 if y.requires_grad else None
        g_gy = ggz * (1 - y * y) if gy.requires_grad else None
        return g_y, g_gy


def rnn_cell(x: Any, h: Any, W_x: Any, W_h: Any, b: Any = None) -> Variable:
    """One Elman RNN time step: h' = tanh(x W_x + h W_h + b).

    Shapes: x (N, I); h (N, H) or None (the first step: the h term is left out, as if zeros);
    W_x (I, H); W_h (H, H), ignored while h is None; b (H,) or None. Returns h' (N, H). With
    PyTorch's RNNCell: W_x = weight_ih.T, W_h = weight_hh.T, b = bias_ih + bias_hh.

    >>> import numpy as np
    >>> x, W_x, W_h = np.ones((2, 3)), np.full((3, 4), 0.1), np.zeros((4, 4))
    >>> rnn_cell(x, None, W_x, W_h).shape
    (2, 4)
    """
    check_cell("rnn_cell", 1, x, h, W_x, W_h, {}, {"b": b})
    return RNNCell()(x, present(h), W_x, present(None if h is None else W_h), present(b))
