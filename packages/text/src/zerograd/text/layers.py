"""RNN, LSTM and GRU layers: one time step per call, the state kept between calls (the book's API).

Each layer holds two Linear children, ``x2h`` (with bias) and ``h2h``, whose weights stack the gates
side by side, and runs one fused cell Function per step: one graph node instead of a dozen. Gate
orders are PyTorch's (LSTM i, f, g, o; GRU r, z, n), so ``x2h.W = weight_ih.T`` and
``h2h.W = weight_hh.T`` load PyTorch weights. Truncated BPTT works as in the book: call
``loss.unchain_backward()`` after each update and ``reset_state()`` between sequences.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, no_grad
from zerograd.core.checks import check_positive_int
from zerograd.nn import Layer
from zerograd.nn.layers import Linear
from zerograd.text.functions import gru_cell, lstm_cell, rnn_cell


class _Recurrent(Layer):
    """What the three layers share: sizes, the two Linear children, the state and its checks."""

    gates = 1
    h2h_has_bias = False

    def __init__(self, hidden_size: int, in_size: int | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.hidden_size = check_positive_int(name, "hidden_size", hidden_size)
        in_size = check_positive_int(name, "in_size", in_size, optional=True)
        width = self.gates * self.hidden_size
        self.x2h = Linear(width, in_size=in_size)
        self.h2h = Linear(width, in_size=self.hidden_size, nobias=not self.h2h_has_bias)
        self.reset_state()

    def reset_state(self) -> None:
        """Forget the hidden state: the next call starts a new sequence."""
        self.h: Variable | None = None

    def _check_input(self, x: Any) -> None:
        """Size x2h at the first call (as the book's lazy Linear does) and check x against h."""
        shape = getattr(x, "shape", None)
        if shape is None or len(shape) != 2:
            raise ValueError(f"{type(self).__name__}: x must be 2-D (batch, in_size), got "
                             f"{'a ' + type(x).__name__ if shape is None else f'shape {shape}'}")
        if self.x2h.W.data is None:
            with no_grad():
                self.x2h(x)
        if self.h is not None and self.h.shape[0] != shape[0]:
            raise ValueError(f"{type(self).__name__}: batch size changed from {self.h.shape[0]} "
                             f"to {shape[0]} within a sequence; call reset_state() first")

    def extra_repr(self) -> str:
        return f"hidden_size={self.hidden_size}, in_size={self.x2h.in_size}"


class RNN(_Recurrent):
    """Elman RNN: h' = tanh(x W_x + h W_h + b), one time step per call.

    x2h = Linear(H) with bias, h2h = Linear(H, nobias) as in the book; returns h' (N, H) and keeps
    it as ``self.h`` for the next call.

    >>> import numpy as np
    >>> rnn = RNN(4)
    >>> x = np.ones((2, 3), dtype=np.float32)
    >>> rnn(x).shape, rnn(x).shape, rnn.h2h.W.shape
    ((2, 4), (2, 4), (4, 4))
    """

    def forward(self, x: Any) -> Variable:
        self._check_input(x)
        self.h = rnn_cell(x, self.h, self.x2h.W, self.h2h.W, self.x2h.b)
        return self.h


class LSTM(_Recurrent):
    """Long short-term memory, one time step per call; all four gates from one matmul on x and
    one on h through the fused ``lstm_cell``.

    x2h = Linear(4H) with bias, h2h = Linear(4H, nobias); gates (i, f, g, o) are column blocks.
    c' = f * c + i * g, h' = o * tanh(c'); returns h' (N, H) and keeps h' and c' (``self.h``,
    ``self.c``) for the next call.

    >>> import numpy as np
    >>> lstm = LSTM(5, in_size=3)
    >>> y = lstm(np.ones((2, 3), dtype=np.float32))
    >>> y.shape, lstm.c.shape, lstm.x2h.W.shape, lstm.h2h.W.shape
    ((2, 5), (2, 5), (3, 20), (5, 20))
    """

    gates = 4

    def reset_state(self) -> None:
        """Forget the hidden and cell states: the next call starts a new sequence."""
        self.h: Variable | None = None
        self.c: Variable | None = None

    def forward(self, x: Any) -> Variable:
        self._check_input(x)
        self.h, self.c = lstm_cell(x, self.h, self.c, self.x2h.W, self.h2h.W, self.x2h.b)
        return self.h


class GRU(_Recurrent):
    """Gated recurrent unit (PyTorch's formulation), one time step per call.

    x2h = Linear(3H) and h2h = Linear(3H), both with bias (b_hn sits inside r * (h W_hn + b_hn),
    so it cannot merge into x2h's); gates (r, z, n) are column blocks. Returns h' (N, H).

    >>> import numpy as np
    >>> gru = GRU(4)
    >>> gru(np.ones((2, 3), dtype=np.float32)).shape, gru.h2h.b.shape
    ((2, 4), (12,))
    """

    gates = 3
    h2h_has_bias = True

    def forward(self, x: Any) -> Variable:
        self._check_input(x)
        self.h = gru_cell(x, self.h, self.x2h.W, self.h2h.W, self.x2h.b, self.h2h.b)
        return self.h


__all__ = ["GRU", "LSTM", "RNN"]
