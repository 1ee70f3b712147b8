"""``nn.RNN`` (Elman) as PyTorch has it: multi-layer, optionally bidirectional, tanh or relu,
sequence-first or ``batch_first``, unbatched 2-D input, dropout between layers. The layout,
checks and layer plumbing are nn.LSTM's and nn.GRU's (recurrent.py); each step here is
zerograd.text's ``rnn_cell`` (tanh) or one matmul per input and a relu, looped over time."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import functions as CF
from zerograd.nn import functions as NF
from zerograd.text import functions as TF
from zerograd.torch.nn.recurrent import _Recurrent

__all__ = ["RNN"]


class RNN(_Recurrent):
    """Returns ``output, h_n``; ``hx`` is h_0 (num_layers * num_directions, batch, hidden)
    (without the batch axis for unbatched input) or None for zeros."""

    gates = 1
    state_names = ("h_0",)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        if dtype is not None and np.dtype(getattr(dtype, "numpy_dtype", dtype)) != np.float32:
            raise NotImplementedError(f"RNN: dtype={dtype!r} is not supported (float32 only)")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)
        self.nonlinearity = nonlinearity
        if device is not None:
            self.to(device)

    def _states(self, hx: Any) -> tuple:
        if isinstance(hx, (tuple, list)):
            raise TypeError(f"RNN: hx must be one tensor h_0 or None, got {type(hx).__name__}")
        return (hx,)

    def _mapped(self, weight_ih: Any, weight_hh: Any, bias_ih: Any, bias_hh: Any) -> tuple:
        return (CF.transpose(weight_ih), CF.transpose(weight_hh),
                None if bias_ih is None else bias_ih + bias_hh)

    def _step(self, x: Any, h: Any, W_x: Any, W_h: Any, b: Any) -> Any:
        if self.nonlinearity == "tanh":
            return TF.rnn_cell(x, h, W_x, W_h, b)
        z = CF.matmul(x, W_x) + CF.matmul(h, W_h)
        return NF.relu(z if b is None else z + b)

    def _run_layers(self, x: Any, weights: list, states: tuple) -> tuple[Any, list]:
        """RecurrentStack's hook: output and [h_n] through the layers ``weights`` covers, in the
        layout of ``batch_first``."""
        if self.batch_first:
            y, finals = self._sequence(CF.transpose(x, (1, 0, 2)), weights, states)
            return CF.transpose(y, (1, 0, 2)), finals
        return self._sequence(x, weights, states)

    def _sequence(self, x: Any, weights: list, states: tuple) -> tuple[Any, list]:
        """Output (T, N, D*H) and h_n of time-major x through the layers ``weights`` covers."""
        h0, directions = states[0], self.directions
        steps, batch = x.shape[0], x.shape[1]
        finals = []
        for layer in range(len(weights) // directions):
            outputs = []
            for d in range(directions):
                W_x, W_h, b = weights[layer * directions + d]
                h = (np.zeros((batch, self.hidden_size), dtype=x.dtype) if h0 is None
                     else h0[layer * directions + d])
                ys: list[Any] = [None] * steps
                for t in (range(steps) if d == 0 else reversed(range(steps))):
                    h = ys[t] = self._step(x[t], h, W_x, W_h, b)
                outputs.append(CF.stack(ys, axis=0))
                finals.append(h)
            x = outputs[0] if directions == 1 else CF.concat(outputs, axis=2)
        return x, [CF.stack(finals, axis=0)]

    def _packed(self, finals: list) -> Any:
        return finals[0]

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")
