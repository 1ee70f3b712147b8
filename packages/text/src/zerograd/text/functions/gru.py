"""The GRU cell (PyTorch's formulation) as one Function: one matmul on x, one on h.

Its backward is one GRUGrad (the gates' part, on arrays, differentiable again) followed by the two
affine maps' gradients, so gradients of gradients work.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import concat, matmul, split, tanh
from zerograd.nn.functions import sigmoid
from zerograd.nn.functions.linear import linear_gradients
from zerograd.text.functions._cell import add_into, check_cell, present, zeros_if_absent


class GRUCell(Function):
    """h' = GRU step of (x, h, W_x, W_h, b_x, b_h); absent h and biases come as ``ABSENT``.

    Keeps r and z (one (N, 2H) array), n and the hidden part h W_hn + b_hn for backward (see
    GRUGrad).
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
        x, h, W_x, W_h, b_x, b_h = self.inputs
        ga, gu, gh_direct = GRUGrad(self.gates, self.candidate, self.hidden_n)(
            x, h, W_x, W_h, b_x, b_h, gy)
        gx, gW_x, gb_x = linear_gradients(x, W_x, ga, (x.requires_grad, W_x.requires_grad,
                                                       b_x.requires_grad))
        gh, gW_h, gb_h = linear_gradients(h, W_h, gu, (h.requires_grad, W_h.requires_grad,
                                                       b_h.requires_grad))
        if gh is not None:
            gh = gh + gh_direct
        return gx, gh, gW_x, gW_h, gb_x, gb_h


class GRUGrad(Function):
    """From (x, h, W_x, W_h, b_x, b_h, gy), gy the gradient of h', three gradients: ga of
    a = x W_x + b_x, gu of u = h W_h + b_h, and gy z, the part of h's that bypasses u. Reads
    r, z, n and u_n that GRUCell saved:

        g_n = gy (1 - z) (1 - n^2), g_r = g_n u_n r (1 - r), g_z = gy (h - n) z (1 - z),
        ga = (g_r, g_z, g_n), gu = (g_r, g_z, g_n r).
    """

    __slots__ = ("gates", "candidate", "hidden_n")

    def __init__(self, gates: Any, candidate: Any, hidden_n: Any) -> None:
        self.gates, self.candidate, self.hidden_n = gates, candidate, hidden_n

    def forward(self, x: Any, h: Any, W_x: Any, W_h: Any, b_x: Any, b_h: Any, gy: Any
                ) -> tuple[Any, Any, Any]:
        rz, n, u_n = self.gates, self.candidate, self.hidden_n
        xp = get_array_module(rz)
        hidden = n.shape[1]
        r, z = rz[:, :hidden], rz[:, hidden:]
        ga = xp.empty((rz.shape[0], 3 * hidden), dtype=rz.dtype)
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
        if h is None:
            xp.multiply(gy, n, out=g_z)
            xp.negative(g_z, out=g_z)
        else:
            xp.subtract(h, n, out=g_z)
            g_z *= gy
        sigmoid_derivative = 1 - rz
        sigmoid_derivative *= rz
        ga[:, :2 * hidden] *= sigmoid_derivative
        gu = ga.copy()
        gu[:, 2 * hidden:] *= r
        return ga, gu, gy * z

    def backward(self, g_ga: Variable | None, g_gu: Variable | None, g_ghd: Variable | None
                 ) -> tuple[Any, ...]:
        """Second derivatives, written with Functions: the gates are recomputed from the inputs;
        absent inputs and unused outputs count as zeros."""
        x, h, W_x, W_h, b_x, b_h, gy = self.inputs
        like = self.gates
        n_shape = self.candidate.shape

        gate_shape = (n_shape[0], 3 * n_shape[1])
        A_r, A_z, A_n = split(zeros_if_absent(g_ga, gate_shape, like), 3, axis=1)
        B_r, B_z, B_n = split(zeros_if_absent(g_gu, gate_shape, like), 3, axis=1)
        C = zeros_if_absent(g_ghd, n_shape, like)
        h0 = zeros_if_absent(h, n_shape, like)
        a = matmul(x, W_x)
        if b_x.data is not None:
            a = a + b_x
        u = zeros_if_absent(None, gate_shape, like)
        if h.data is not None:
            u = u + matmul(h, W_h)
        if b_h.data is not None:
            u = u + b_h
        a_r, a_z, a_n = split(a, 3, axis=1)
        u_r, u_z, u_n = split(u, 3, axis=1)
        r, z = sigmoid(a_r + u_r), sigmoid(a_z + u_z)
        n = tanh(a_n + r * u_n)
        dr, dz, dn = r * (1 - r), z * (1 - z), 1 - n * n
        p_r, p_z = A_r + B_r, A_z + B_z
        g_n = gy * (1 - z) * dn
        e = p_r * u_n * dr + A_n + B_n * r  # L = e g_n + p_z g_z + C gy z
        g_gy = e * (1 - z) * dn + p_z * (h0 - n) * dz + C * z
        g_pn = (e * gy * (1 - z) * n * -2.0 - p_z * gy * dz) * dn
        g_pr = ((p_r * u_n * (1 - 2 * r) + B_n) * g_n + g_pn * u_n) * dr
        g_pz = (-e * gy * dn + p_z * gy * (h0 - n) * (1 - 2 * z) + C * gy) * dz
        g_un = p_r * dr * g_n + g_pn * r
        g_x, g_W_x, g_b_x = linear_gradients(
            x, W_x, concat([g_pr, g_pz, g_pn], axis=1),
            (x.requires_grad, W_x.requires_grad, b_x.requires_grad))
        g_h, g_W_h, g_b_h = linear_gradients(
            h, W_h, concat([g_pr, g_pz, g_un], axis=1),
            (h.requires_grad, W_h.requires_grad, b_h.requires_grad))
        if g_h is not None:
            g_h = g_h + p_z * gy * dz
        return g_x, g_h, g_W_x, g_W_h, g_b_x, g_b_h, g_gy if gy.requires_grad else None


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
