"""The GRU cell (PyTorch's formulation) as one Function: one matmul on x, one on h."""

from __future__ import annotations

from typing import Any

from zerograd.core import Config, Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import concat, matmul, split, tanh
from zerograd.text.functions._cell import add_into, as_gradient, check_cell, present


def _sigmoid(v: Variable) -> Variable:
    return tanh(v * 0.5) * 0.5 + 0.5


class GRUCell(Function):
    """h' = GRU step of (x, h, W_x, W_h, b_x, b_h); absent h and biases come as ``ABSENT``.

    Keeps r and z (one (N, 2H) array), n and the hidden part h W_hn + b_hn for backward.
    """

    __slots__ = ("gates", "candidate", "hidden_n")

    def forward(self, x: Any, h: Any, W_x: Any, W_h: Any, b_x: Any, b_h: Any) -> Any:
        xp = get_array_module(x)
        a = xp.matmul(x, W_x)
        if b_x is not None:
            a = add_into(a, b_x)
        hidden = a.shape[1] // 3
        u = b_h  # the h side, h W_h + b_h: only the bias on the first step, or nothing
        if h is not None:
            u = xp.matmul(h, W_h)
            if b_h is not None:
                u = add_into(u, b_h)
        rz = a[:, :2 * hidden]
        if u is not None:
            rz = add_into(rz, u[..., :2 * hidden])
        rz *= 0.5  # sigmoid(v) = 0.5 * tanh(0.5 * v) + 0.5
        xp.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z = rz[:, :hidden], rz[:, hidden:]
        u_n = None if u is None else u[..., 2 * hidden:]
        n = a[:, 2 * hidden:]
        if u_n is not None:
            n = add_into(n, r * u_n)
        xp.tanh(n, out=n)
        self.gates, self.candidate, self.hidden_n = rz, n, u_n
        return n - z * n if h is None else n + z * (h - n)

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        if Config.enable_backprop:
            return self._backward_on_graph(gy)
        x, h, W_x, W_h, b_x, b_h = self.inputs
        rz, n, u_n = self.gates, self.candidate, self.hidden_n
        xp = get_array_module(rz)
        hidden = n.shape[1]
        r, z = rz[:, :hidden], rz[:, hidden:]
        gy = gy.data
        ga = xp.empty((rz.shape[0], 3 * hidden), dtype=rz.dtype)  # d loss / d (x W_x + b_x)
        g_r, g_z, g_n = ga[:, :hidden], ga[:, hidden:2 * hidden], ga[:, 2 * hidden:]
        xp.subtract(1, z, out=g_n)
        g_n *= gy
        tanh_derivative = n * n
        xp.subtract(1, tanh_derivative, out=tanh_derivative)
        g_n *= tanh_derivative
        if u_n is None:
            g_r[...] = 0
        else:
            xp.multiply(g_n, u_n, out=g_r)
        if h.data is None:
            xp.multiply(gy, n, out=g_z)
            xp.negative(g_z, out=g_z)
        else:
            xp.subtract(h.data, n, out=g_z)
            g_z *= gy
        sigmoid_derivative = 1 - rz
        sigmoid_derivative *= rz
        ga[:, :2 * hidden] *= sigmoid_derivative
        gu = None  # d loss / d (h W_h + b_h): the n block is scaled by r
        if h.requires_grad or W_h.requires_grad or b_h.requires_grad:
            gu = ga.copy()
            gu[:, 2 * hidden:] *= r
        gh = None
        if h.requires_grad:
            gh = xp.matmul(gu, W_h.data.T)
            gh = add_into(gh, gy * z)
        return (
            as_gradient(xp.matmul(ga, W_x.data.T)) if x.requires_grad else None,
            None if gh is None else as_gradient(gh),
            as_gradient(xp.matmul(x.data.T, ga)) if W_x.requires_grad else None,
            as_gradient(xp.matmul(h.data.T, gu)) if W_h.requires_grad else None,
            as_gradient(ga.sum(axis=0)) if b_x.requires_grad else None,
            as_gradient(gu.sum(axis=0)) if b_h.requires_grad else None,
        )

    def _backward_on_graph(self, gy: Variable) -> tuple[Any, ...]:
        """The same gradients from differentiable functions, the gates recomputed from the inputs."""
        x, h, W_x, W_h, b_x, b_h = self.inputs
        a = matmul(x, W_x)
        if b_x.data is not None:
            a = a + b_x
        u = b_h if b_h.data is not None else None
        if h.data is not None:
            u = matmul(h, W_h) if u is None else matmul(h, W_h) + u
        a_r, a_z, a_n = split(a, 3, axis=1)
        if u is None:
            r, z, n = _sigmoid(a_r), _sigmoid(a_z), tanh(a_n)
            g_r = Variable(get_array_module(a.data).zeros_like(a_r.data), None, False)
        else:
            u_r, u_z, u_n = split(u, 3, axis=u.ndim - 1)
            r, z = _sigmoid(a_r + u_r), _sigmoid(a_z + u_z)
            n = tanh(a_n + r * u_n)
        g_n = gy * (1 - z) * (1 - n * n)
        if u is not None:
            g_r = g_n * u_n * r * (1 - r)
        g_z = (-gy * n if h.data is None else gy * (h - n)) * z * (1 - z)
        ga = concat([g_r, g_z, g_n], axis=1)
        gu = concat([g_r, g_z, g_n * r], axis=1)
        return (
            matmul(ga, W_x.T) if x.requires_grad else None,
            matmul(gu, W_h.T) + gy * z if h.requires_grad else None,
            matmul(x.T, ga) if W_x.requires_grad else None,
            matmul(h.T, gu) if W_h.requires_grad else None,
            ga.sum(axis=0) if b_x.requires_grad else None,
            gu.sum(axis=0) if b_h.requires_grad else None,
        )


def gru_cell(x: Any, h: Any, W_x: Any, W_h: Any, b_x: Any = None, b_h: Any = None) -> Variable:
    """One GRU time step in PyTorch's formulation, gates from one matmul on x and one on h.

    a = x W_x + b_x and u = h W_h + b_h, each split into column blocks (r, z, n) of hidden_size;
    r = sigmoid(a_r + u_r), z = sigmoid(a_z + u_z), n = tanh(a_n + r * u_n),
    h' = (1 - z) * n + z * h. The two biases are kept apart because b_hn sits inside r * (.);
    with PyTorch's GRUCell: W_x = weight_ih.T, W_h = weight_hh.T, b_x = bias_ih, b_h = bias_hh.

    Shapes: x (N, I); h (N, H) or None (the first step, as if zeros); W_x (I, 3H); W_h (H, 3H),
    ignored while h is None; b_x, b_h (3H,) or None. Returns h' (N, H).

    >>> import numpy as np
    >>> x, W_x, W_h = np.ones((2, 3)), np.zeros((3, 12)), np.zeros((4, 12))
    >>> h = gru_cell(x, None, W_x, W_h)
    >>> gru_cell(x, h, W_x, W_h).shape
    (2, 4)
    """
    check_cell("gru_cell", 3, x, h, W_x, W_h, {}, {"b_x": b_x, "b_h": b_h})
    return GRUCell()(x, present(h), W_x, present(None if h is None else W_h), present(b_x),
                     present(b_h))
