"""SequenceLSTM and SequenceGRU: recurrent layers over a whole sequence (``torch.nn.LSTM`` and
``nn.GRU``), multi-layer and bidirectional, one Function per layer and direction.

Unlike the book's step-by-step layers (``zerograd.text.layers``) they keep no state: the initial
states go in and the final states come out, as in PyTorch. Truncated BPTT cuts between calls:
pass the returned states to the next call and call ``unchain_backward()`` on the loss (or
``unchain()`` on the states) after each update. Double backward is not supported (see
``zerograd.text.functions.sequence``).

Parameters are named after PyTorch's, in zerograd's layout (in, gates * H), gate orders
PyTorch's: ``W_x_l{k}`` = ``weight_ih_l{k}.T``, ``W_h_l{k}`` = ``weight_hh_l{k}.T``, the LSTM's
``b_l{k}`` = ``bias_ih_l{k} + bias_hh_l{k}``, the GRU's ``b_x_l{k}``, ``b_h_l{k}`` = ``bias_ih``,
``bias_hh``; the reverse direction adds ``_reverse``. All start uniform in (-1/sqrt(H), 1/sqrt(H))
as PyTorch's do, drawn from NumPy's global generator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Parameter, Variable
from zerograd.core.checks import check_bool, check_positive_int
from zerograd.core.cuda import get_array_module
from zerograd.nn import Layer
from zerograd.text.functions.sequence import gru_sequence, lstm_sequence


class _SequenceRecurrent(Layer):
    """What the two layers share: sizes, the parameters of every layer and direction, and lazy
    sizing of the first layer's W_x."""

    gates = 1
    bias_names: tuple[str, ...] = ()

    def __init__(self, hidden_size: int, in_size: int | None = None, num_layers: int = 1,
                 bidirectional: bool = False, batch_first: bool = False,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        name = type(self).__name__
        self.hidden_size = check_positive_int(name, "hidden_size", hidden_size)
        self.in_size = check_positive_int(name, "in_size", in_size, optional=True)
        self.num_layers = check_positive_int(name, "num_layers", num_layers)
        self.bidirectional = check_bool(name, "bidirectional", bidirectional)
        self.batch_first = check_bool(name, "batch_first", batch_first)
        self.dtype = dtype
        width = self.gates * self.hidden_size
        for suffix in self._suffixes():
            setattr(self, f"W_x{suffix}", Parameter(None, name=f"W_x{suffix}"))
            setattr(self, f"W_h{suffix}", self._uniform(np, (self.hidden_size, width), f"W_h{suffix}"))
            for bias in self.bias_names:
                setattr(self, f"{bias}{suffix}", self._uniform(np, (width,), f"{bias}{suffix}"))
        self._init_input_weights(np)

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> list[str]:
        """``_l{k}`` and ``_l{k}_reverse`` in PyTorch's order (layer by layer, forward first)."""
        return [f"_l{layer}{'_reverse' if direction else ''}"
                for layer in range(self.num_layers) for direction in range(self.directions)]

    def _uniform(self, xp: Any, shape: tuple[int, ...], name: str) -> Parameter:
        bound = 1 / math.sqrt(self.hidden_size)
        return Parameter(xp.random.uniform(-bound, bound, shape).astype(self.dtype), name=name)

    def _init_input_weights(self, xp: Any) -> None:
        """Size every W_x not sized yet: the first layer's once in_size is known, the others
        from the layer below."""
        width = self.gates * self.hidden_size
        for k, suffix in enumerate(self._suffixes()):
            param = getattr(self, f"W_x{suffix}")
            rows = self.in_size if k < self.directions else self.directions * self.hidden_size
            if param.data is None and rows is not None:
                param.data = self._uniform(xp, (rows, width), param.name).data

    def _weights(self, x: Any) -> list[tuple[Any, ...]]:
        """The per-layer, per-direction weight tuples, sizing W_x at the first call."""
        if getattr(self, f"W_x{self._suffixes()[0]}").data is None:
            shape = getattr(x, "shape", None)
            if shape is None or len(shape) != 3:
                raise ValueError(f"{type(self).__name__}: x must be 3-D, got "
                                 f"{'a ' + type(x).__name__ if shape is None else f'shape {shape}'}")
            self.in_size = int(shape[2])
            self._init_input_weights(get_array_module(x.data if isinstance(x, Variable) else x))
        return [tuple(getattr(self, f"{name}{suffix}") for name in ("W_x", "W_h", *self.bias_names))
                for suffix in self._suffixes()]

    def extra_repr(self) -> str:
        return (f"hidden_size={self.hidden_size}, in_size={self.in_size}, "
                f"num_layers={self.num_layers}, bidirectional={self.bidirectional}, "
                f"batch_first={self.batch_first}")


class SequenceLSTM(_SequenceRecurrent):
    """LSTM over a whole sequence (``torch.nn.LSTM``): ``y, (h_n, c_n) = lstm(x, (h0, c0))``.

    x: (T, N, I), or (N, T, I) with ``batch_first``; h0, c0: (L D, N, H), or ``None`` for zeros
    (the argument itself may be None). y: (T, N, D H) (batch first if asked), h_n, c_n (L D, N, H).

    >>> import numpy as np
    >>> lstm = SequenceLSTM(5, num_layers=2, bidirectional=True)
    >>> y, (h, c) = lstm(np.ones((7, 3, 4), dtype=np.float32))
    >>> y.shape, h.shape, c.shape, lstm.W_x_l1_reverse.shape
    ((7, 3, 10), (4, 3, 5), (4, 3, 5), (10, 20))
    """

    gates = 4
    bias_names = ("b",)

    def forward(self, x: Any, state: tuple[Any, Any] | None = None
                ) -> tuple[Variable, tuple[Variable, Variable]]:
        h0, c0 = (None, None) if state is None else state
        y, h, c = lstm_sequence(x, self._weights(x), h0, c0, bidirectional=self.bidirectional,
                                batch_first=self.batch_first)
        return y, (h, c)


class SequenceGRU(_SequenceRecurrent):
    """GRU over a whole sequence (``torch.nn.GRU``): ``y, h_n = gru(x, h0)``.

    x: (T, N, I), or (N, T, I) with ``batch_first``; h0: (L D, N, H) or None (zeros).
    y: (T, N, D H) (batch first if asked), h_n (L D, N, H).

    >>> import numpy as np
    >>> gru = SequenceGRU(5, batch_first=True)
    >>> y, h = gru(np.ones((3, 7, 4), dtype=np.float32))
    >>> y.shape, h.shape, gru.b_h_l0.shape
    ((3, 7, 5), (1, 3, 5), (15,))
    """

    gates = 3
    bias_names = ("b_x", "b_h")

    def forward(self, x: Any, h0: Any = None) -> tuple[Variable, Variable]:
        return gru_sequence(x, self._weights(x), h0, bidirectional=self.bidirectional,
                            batch_first=self.batch_first)


__all__ = ["SequenceGRU", "SequenceLSTM"]
