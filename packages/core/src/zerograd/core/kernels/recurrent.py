"""The gate math of one LSTM time step, forward and backward, each one pass over the (N, 4H)
gates instead of about ten NumPy passes, parallel over the batch rows.

NumPy references: zerograd.text.functions.sequence.LSTMSequence.forward (the five lines after
the recurrent product of each step) and zerograd.text.functions.lstm.LSTMGrad.forward (what
LSTMSequence._gate_gradients calls per step). The gates are stored in PyTorch's order
(i, f, g, o); z arrives pre-scaled, so every gate is scale * tanh(z) + shift (sigmoid(v) =
0.5 tanh(0.5 v) + 0.5), the formula and operation order of the reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.kernels._jit import kernel, prange


@kernel
def _lstm_forward(z: Any, scale: Any, shift: Any, c_prev: Any, c_out: Any, tanh_c: Any,
                  h_out: Any) -> None:
    """z (N, 4H) pre-activations -> z the gate activations in place; c', tanh(c'), h' (N, H)."""
    batch, size = c_out.shape
    for n in prange(batch):
        row = z[n]
        for k in range(4 * size):
            row[k] = np.tanh(row[k]) * scale[k] + shift[k]
        for m in range(size):
            i, f, g, o = row[m], row[size + m], row[2 * size + m], row[3 * size + m]
            c = i * g + f * c_prev[n, m]
            t = np.tanh(c)
            c_out[n, m], tanh_c[n, m] = c, t
            h_out[n, m] = o * t


@kernel
def _lstm_backward(gates: Any, tanh_c: Any, c_prev: Any, gh: Any, gc: Any, has_gc: bool,
                   gz: Any, gc_prev: Any) -> None:
    """(gz (N, 4H), gc_prev (N, H)) from the step's gates, tanh(c'), c and the gradients gh, gc
    of h' and c' (gc ignored unless has_gc)."""
    batch, size = tanh_c.shape
    for n in prange(batch):
        for m in range(size):
            i, f = gates[n, m], gates[n, size + m]
            g, o = gates[n, 2 * size + m], gates[n, 3 * size + m]
            t, dh = tanh_c[n, m], gh[n, m]
            g_c = (1 - t * t) * o * dh
            if has_gc:
                g_c += gc[n, m]
            # grouped as the reference: (d loss / d gate) * (the gate's derivative)
            gz[n, m] = (g_c * g) * ((1 - i) * i)
            gz[n, size + m] = (g_c * c_prev[n, m]) * ((1 - f) * f)
            gz[n, 2 * size + m] = (g_c * i) * (1 - g * g)
            gz[n, 3 * size + m] = (dh * t) * ((1 - o) * o)
            gc_prev[n, m] = g_c * f


def lstm_step_forward(z: Any, scale: Any, shift: Any, c_prev: Any, c_out: Any, tanh_c: Any,
                      h_out: Any) -> None:
    """One step of LSTMSequence.forward after the recurrent product, writing into the buffers."""
    _lstm_forward(z, scale, shift, c_prev, c_out, tanh_c, h_out)


def lstm_step_backward(gates: Any, tanh_c: Any, c_prev: Any, gh: Any, gc: Any, gz: Any) -> Any:
    """LSTMGrad.forward's gz (written into ``gz``) and gc_prev (returned) for one step; gc None:
    no gradient reaches c'."""
    gc_prev = np.empty_like(tanh_c)
    _lstm_backward(gates, tanh_c, c_prev, gh, tanh_c if gc is None else gc, gc is not None, gz,
                   gc_prev)
    return gc_prev
