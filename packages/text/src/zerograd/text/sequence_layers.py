"""SequenceLSTM and SequenceGRU: recurrent layers over a whole sequence (``torch.nn.LSTM`` and
``nn.GRU``), multi-layer and bidirectional, one Function per layer and direction.

Unlike the book's step-by-step layers (``zerograd.text.layers``) they keep no state: the initial
states go in and the final states come out, as in PyTorch; ``dropout`` applies between layers in
training, as PyTorch's. Truncated BPTT cuts between calls: pass the returned states to the next
call and call ``unchain_backward()`` on the loss (or ``unchain()`` on the states) after each
update. RecurrentStack, the forward of a stack of layers given its weights, also runs
``zerograd.torch.nn.LSTM``/``GRU`` (which keep PyTorch's parameter layout). Double backward is
not supported (see ``zerograd.text.functions.sequence``).

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
from zerograd.core import functions as CF
from zerograd.core.checks import check_bool, check_positive_int, check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn import Layer
from zerograd.nn.functions import dropout as dropout_function
from zerograd.text.functions.sequence import gru_sequence, lstm_sequence


def direction_suffixes(num_layers: int, bidirectional: bool) -> list[str]:
    """``_l{k}`` and ``_l{k}_reverse`` in PyTorch's order (layer by layer, forward first): the
    suffixes of every recurrent parameter name, zerograd's and PyTorch's."""
    return [f"_l{layer}{'_reverse' if direction else ''}"
            for layer in range(num_layers) for direction in range(2 if bidirectional else 1)]


class RecurrentStack:
    """The forward of a stack of recurrent layers given one weight tuple per layer and direction:
    all layers in one call of ``sequence`` (lstm_sequence or gru_sequence), or, with ``dropout``
    in training, one call per layer with dropout between them. The class using it has
    ``num_layers``, ``bidirectional``, ``batch_first``, ``dropout`` and ``is_training()``."""

    sequence: Any = None
    num_layers: int
    bidirectional: bool
    batch_first: bool
    dropout: float

    def run_stack(self, x: Any, weights: list, states: tuple) -> tuple[Any, list]:
        """The output and the final states (a list: h, and c for an LSTM)."""
        if not (self.dropout and self.num_layers > 1 and self.is_training()):  # type: ignore[attr-defined]
            return self._run_layers(x, weights, states)
        directions = 2 if self.bidirectional else 1
        per_layer = []
        for layer in range(self.num_layers):
            if layer:
                x = dropout_function(x, self.dropout, train=True)
            rows = slice(layer * directions, (layer + 1) * directions)
            x, finals = self._run_layers(x, weights[rows],
                                         tuple(None if s is None else s[rows] for s in states))
            per_layer.append(finals)
        return x, [CF.concat(list(parts), axis=0) for parts in zip(*per_layer)]

    def _run_layers(self, x: Any, weights: list, states: tuple) -> tuple[Any, list]:
        y, *finals = type(self).sequence(x, weights, *states, bidirectional=self.bidirectional,
                                         batch_first=self.batch_first)
        return y, finals


class _SequenceRecurrent(RecurrentStack, Layer):
    """What the two layers share: sizes, the parameters of every layer and direction, and lazy
    sizing of the first layer's W_x."""

    gates = 1
    bias_names: tuple[str, ...] = ()

    def __init__(self, hidden_size: int, in_size: int | None = None, num_layers: int = 1,
                 bidirectional: bool = False, batch_first: bool = False,
                 dtype: Any = np.float32, dropout: float = 0.0) -> None:
        super().__init__()
        name = type(self).__name__
        self.hidden_size = check_positive_int(name, "hidden_size", hidden_size)
        self.in_size = check_positive_int(name, "in_size", in_size, optional=True)
        self.num_layers = check_positive_int(name, "num_layers", num_layers)
        self.bidirectional = check_bool(name, "bidirectional", bidirectional)
        self.batch_first = check_bool(name, "batch_first", batch_first)
        self.dropout = float(check_real(name, "dropout", dropout, low=0, high=1))
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
        return direction_suffixes(self.num_layers, self.bidirectional)

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
                f"batch_first={self.batch_first}, dropout={self.dropout}")


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
    sequence = staticmethod(lstm_sequence)

    def forward(self, x: Any, state: tuple[Any, Any] | None = None
                ) -> tuple[Variable, tuple[Variable, Variable]]:
        y, (h, c) = self.run_stack(x, self._weights(x), (None, None) if state is None else state)
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
    sequence = staticmethod(gru_sequence)

    def forward(self, x: Any, h0: Any = None) -> tuple[Variable, Variable]:
        y, (h,) = self.run_stack(x, self._weights(x), (h0,))
        return y, h


__all__ = ["RecurrentStack", "SequenceGRU", "SequenceLSTM", "direction_suffixes"]
