"""The LSTM cell as one Function: one matmul on x and one on h give all four gates.

Written as separate functions, one LSTM step records about twenty graph nodes; here it is one node.
Its backward is one LSTMGrad (the gates' part, on arrays, differentiable again) followed by the
affine map's gradients, so gradients of gradients work.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import concat, matmul, split, tanh
from zerograd.nn.functions import sigmoid
from zerograd.text.functions._cell import (
    add_into,
    affine,
    affine_gradients,
    check_cell,
    constants_for,
    present,
    zeros_if_absent,
)

GATE_KINDS = "ssts"  # input, forget: sigmoid; candidate g: tanh; output: sigmoid (PyTorch's order)


def _blocks(array: Any, hidden: int) -> tuple[Any, Any, Any, Any]:
    """The i, f, g, o column blocks of an (N, 4H) array, as views."""
    return (array[:, :hidden], array[:, hidden:2 * hidden], array[:, 2 * hidden:3 * hidden],
            array[:, 3 * hidden:])


class LSTMCell(Function):
    """(h', c') = LSTM step of (x, h, c, W_x, W_h, b); absent h, c and b come as ``ABSENT``.

    Keeps the gate activations and tanh(c') for backward (see LSTMGrad).
    """

    __slots__ = ("gates", "tanh_c")

    def forward(self, x: Any, h: Any, c: Any, W_x: Any, W_h: Any, b: Any) -> tuple[Any, Any]:
        xp = get_array_module(x)
        z = affine(xp, x, W_x, h, W_h, b)
        hidden = z.shape[1] // 4
        scale, shift, _, _ = constants_for(z, GATE_KINDS, hidden)
        z *= scale
        xp.tanh(z, out=z)
        z *= scale
        z += shift
        i, f, g, o = _blocks(z, hidden)
        c_new = i * g
        if c is not None:
            c_new = add_into(c_new, f * c)
        tanh_c = xp.tanh(c_new)
        self.gates, self.tanh_c = z, tanh_c
        return o * tanh_c, c_new

    def backward(self, gh: Variable | None, gc: Variable | None) -> tuple[Any, ...]:
        x, h, c, W_x, W_h, b = self.inputs
        grads = LSTMGrad(self.gates, self.tanh_c, c.requires_grad)(x, h, c, W_x, W_h, b, gh, gc)
        gz, gc_prev = grads if c.requires_grad else (grads, None)
        gx, gh_prev, gW_x, gW_h, gb = affine_gradients(gz, x, W_x, h, W_h, b)
        return gx, gh_prev, gc_prev, gW_x, gW_h, gb


class LSTMGrad(Function):
    """The gradients of an LSTM step's pre-activation z = x W_x + h W_h + b and (``with_c``) of
    its previous cell state c, from (x, h, c, W_x, W_h, b, gh, gc), gh and gc the gradients of
    h' and c' (either may be absent). Reads the gate activations and tanh(c') that LSTMCell saved:

        g_c = gh o (1 - tanh(c')^2) + gc
        gz = (g_c g, g_c c, g_c i, gh tanh(c')) * (each gate's derivative); gc_prev = g_c f
    """

    __slots__ = ("gates", "tanh_c", "with_c")

    def __init__(self, gates: Any, tanh_c: Any, with_c: bool) -> None:
        self.gates, self.tanh_c, self.with_c = gates, tanh_c, with_c

    def forward(self, x: Any, h: Any, c: Any, W_x: Any, W_h: Any, b: Any, gh: Any, gc: Any
                ) -> Any:
        gates, tanh_c = self.gates, self.tanh_c
        xp = get_array_module(gates)
        hidden = tanh_c.shape[1]
        i, f, g, o = _blocks(gates, hidden)
        gz = xp.empty_like(gates)  # d loss / d gate activation, then / d pre-activation
        gi, gf, gg, go = _blocks(gz, hidden)
        if gh is None:
            g_c = gc.copy()
            go[...] = 0
        else:
            xp.multiply(gh, tanh_c, out=go)
            g_c = tanh_c * tanh_c
            xp.subtract(1, g_c, out=g_c)
            g_c *= o
            g_c *= gh
            if gc is not None:
                g_c = add_into(g_c, gc)
        xp.multiply(g_c, g, out=gi)
        if c is None:
            gf[...] = 0
        else:
            xp.multiply(g_c, c, out=gf)
        xp.multiply(g_c, i, out=gg)
        _, _, slope, offset = constants_for(gates, GATE_KINDS, hidden)
        derivative = slope - gates
        derivative *= gates
        derivative += offset
        gz *= derivative
        return (gz, g_c * f) if self.with_c else gz

    def backward(self, ggz: Variable | None, ggc: Variable | None = None) -> tuple[Any, ...]:
        """Second derivatives, written with Functions: the gates and c' are recomputed from the
        inputs; absent inputs and unused outputs count as zeros."""
        x, h, c, W_x, W_h, b, gh, gc = self.inputs
        like = self.gates

        state_shape = self.tanh_c.shape
        c0, gh0, gc0 = (zeros_if_absent(v, state_shape, like) for v in (c, gh, gc))
        u_i, u_f, u_g, u_o = split(zeros_if_absent(ggz, like.shape, like), 4, axis=1)
        v = zeros_if_absent(ggc, state_shape, like)
        z = matmul(x, W_x)
        if h.data is not None:
            z = z + matmul(h, W_h)
        if b.data is not None:
            z = z + b
        z_i, z_f, z_g, z_o = split(z, 4, axis=1)
        i, f, g, o = sigmoid(z_i), sigmoid(z_f), tanh(z_g), sigmoid(z_o)
        di, df, dg, do = i * (1 - i), f * (1 - f), 1 - g * g, o * (1 - o)
        t = tanh(f * c0 + i * g)
        dt = 1 - t * t
        g_c = gh0 * o * dt + gc0
        k = u_i * g * di + u_f * c0 * df + u_g * i * dg + v * f  # d loss / d g_c
        q = (k * gh0 * o * t * -2.0 + u_o * gh0 * do) * dt  # d loss / d c' through tanh(c')
        g_i = u_i * g_c * g * (1 - 2 * i) + u_g * g_c * dg + q * g
        g_f = u_f * g_c * c0 * (1 - 2 * f) + v * g_c + q * c0
        g_g = u_i * g_c * di + u_g * g_c * i * g * -2.0 + q * i
        g_o = k * gh0 * dt + u_o * gh0 * t * (1 - 2 * o)
        g_z = concat([g_i * di, g_f * df, g_g * dg, g_o * do], axis=1)
        g_x, g_h, g_W_x, g_W_h, g_b = affine_gradients(g_z, x, W_x, h, W_h, b)
        g_c_prev = u_f * g_c * df + q * f if c.requires_grad else None
        g_gh = k * o * dt + u_o * t * do if gh.requires_grad else None
        g_gc = k if gc.requires_grad else None
        return g_x, g_h, g_c_prev, g_W_x, g_W_h, g_b, g_gh, g_gc


def lstm_cell(x: Any, h: Any, c: Any, W_x: Any, W_h: Any, b: Any = None) -> tuple[Variable, Variable]:
    """One LSTM time step; all four gates come from one matmul on x and one on h.

    z = x W_x + h W_h + b, split into column blocks (i, f, g, o) of hidden_size each (PyTorch's
    gate order, so its ``weight_ih.T``, ``weight_hh.T`` and ``bias_ih + bias_hh`` copy over);
    i, f, o = sigmoid, g = tanh; c' = f * c + i * g; h' = o * tanh(c').

    Shapes: x (N, I); h, c (N, H) or None (the first step: no term is computed for them, as if
    zeros); W_x (I, 4H); W_h (H, 4H), ignored while h is None; b (4H,) or None. Returns (h', c'),
    both (N, H). The fused backward supports double backward.

    Truncated BPTT: ``loss.unchain_backward()`` cuts both outputs of every step behind the loss,
    c' included, although the loss depends only on h'.

    >>> import numpy as np
    >>> x = np.ones((2, 3), dtype=np.float32)
    >>> W_x, W_h = np.zeros((3, 16), np.float32), np.zeros((4, 16), np.float32)
    >>> h, c = lstm_cell(x, None, None, W_x, W_h)
    >>> h2, c2 = lstm_cell(x, h, c, W_x, W_h)
    >>> h2.shape, h2.dtype
    ((2, 4), dtype('float32'))
    """
    check_cell("lstm_cell", 4, x, h, W_x, W_h, {"c": c}, {"b": b})
    h_new, c_new = LSTMCell()(x, present(h), present(c), W_x,
                              present(None if h is None else W_h), present(b))
    return h_new, c_new
