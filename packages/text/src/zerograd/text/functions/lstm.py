"""The LSTM cell as one Function: one matmul on x and one on h give all four gates.

Written as separate functions, one LSTM step records about twenty graph nodes; here it is one node
whose backward does the same arithmetic on whole arrays. Under ``create_graph`` the backward is
recorded from differentiable functions instead, so gradients of gradients still work.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Config, Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import concat, matmul, split, tanh
from zerograd.text.functions._cell import add_into, as_gradient, check_cell, constants_for, present

GATE_KINDS = "ssts"  # input, forget: sigmoid; candidate g: tanh; output: sigmoid (PyTorch's order)


def _blocks(array: Any, hidden: int) -> tuple[Any, Any, Any, Any]:
    """The i, f, g, o column blocks of an (N, 4H) array, as views."""
    return (array[:, :hidden], array[:, hidden:2 * hidden], array[:, 2 * hidden:3 * hidden],
            array[:, 3 * hidden:])


class LSTMCell(Function):
    """(h', c') = LSTM step of (x, h, c, W_x, W_h, b); absent h, c and b come as ``ABSENT``.

    Keeps the gate activations and tanh(c') for backward; backward runs on arrays, or on
    Variables when the backward pass itself is being recorded (``create_graph=True``).
    """

    __slots__ = ("gates", "tanh_c")

    def forward(self, x: Any, h: Any, c: Any, W_x: Any, W_h: Any, b: Any) -> tuple[Any, Any]:
        xp = get_array_module(x)
        z = xp.matmul(x, W_x)
        if h is not None:
            z = add_into(z, xp.matmul(h, W_h))
        if b is not None:
            z = add_into(z, b)
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
        if Config.enable_backprop:
            return self._backward_on_graph(gh, gc)
        x, h, c, W_x, W_h, b = self.inputs
        gates, tanh_c = self.gates, self.tanh_c
        xp = get_array_module(gates)
        hidden = tanh_c.shape[1]
        i, f, g, o = _blocks(gates, hidden)
        gz = xp.empty_like(gates)  # d loss / d gate activation, then / d pre-activation
        gi, gf, gg, go = _blocks(gz, hidden)
        if gh is None:
            g_c = gc.data.copy()
            go[...] = 0
        else:
            xp.multiply(gh.data, tanh_c, out=go)
            g_c = tanh_c * tanh_c
            xp.subtract(1, g_c, out=g_c)
            g_c *= o
            g_c *= gh.data
            if gc is not None:
                g_c = add_into(g_c, gc.data)
        xp.multiply(g_c, g, out=gi)
        if c.data is None:
            gf[...] = 0
        else:
            xp.multiply(g_c, c.data, out=gf)
        xp.multiply(g_c, i, out=gg)
        _, _, slope, offset = constants_for(gates, GATE_KINDS, hidden)
        derivative = slope - gates
        derivative *= gates
        derivative += offset
        gz *= derivative
        return (
            as_gradient(xp.matmul(gz, W_x.data.T)) if x.requires_grad else None,
            as_gradient(xp.matmul(gz, W_h.data.T)) if h.requires_grad else None,
            as_gradient(g_c * f) if c.requires_grad else None,
            as_gradient(xp.matmul(x.data.T, gz)) if W_x.requires_grad else None,
            as_gradient(xp.matmul(h.data.T, gz)) if W_h.requires_grad else None,
            as_gradient(gz.sum(axis=0)) if b.requires_grad else None,
        )

    def _backward_on_graph(self, gh: Variable | None, gc: Variable | None) -> tuple[Any, ...]:
        """The same gradients from differentiable functions, the gates recomputed from the inputs."""
        x, h, c, W_x, W_h, b = self.inputs
        hidden = self.tanh_c.shape[1]
        scale, shift, slope, offset = constants_for(self.gates, GATE_KINDS, hidden)
        z = matmul(x, W_x)
        if h.data is not None:
            z = z + matmul(h, W_h)
        if b.data is not None:
            z = z + b
        gates = tanh(z * scale) * scale + shift
        i, f, g, o = split(gates, 4, axis=1)
        c_new = i * g if c.data is None else f * c + i * g
        tanh_c = tanh(c_new)
        zeros = Variable(get_array_module(self.tanh_c).zeros_like(self.tanh_c), None, False)
        if gh is None:
            g_c, go = gc, zeros
        else:
            go = gh * tanh_c
            g_c = gh * o * (1 - tanh_c * tanh_c)
            if gc is not None:
                g_c = g_c + gc
        gf = zeros if c.data is None else g_c * c
        gz = concat([g_c * g, gf, g_c * i, go], axis=1) * ((slope - gates) * gates + offset)
        return (
            matmul(gz, W_x.T) if x.requires_grad else None,
            matmul(gz, W_h.T) if h.requires_grad else None,
            g_c * f if c.requires_grad else None,
            matmul(x.T, gz) if W_x.requires_grad else None,
            matmul(h.T, gz) if W_h.requires_grad else None,
            gz.sum(axis=0) if b.requires_grad else None,
        )


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
