"""``nn.RNNCell``, ``nn.GRUCell`` and ``nn.LSTMCell`` as PyTorch has them (one time step,
parameters ``weight_ih`` (G*H, I), ``weight_hh`` (G*H, H), ``bias_ih``, ``bias_hh``, gate order
i, f, g, o and r, z, n, init U(-1/sqrt(H), 1/sqrt(H)), unbatched 1-D input, hx defaulting to
zeros), over zerograd.text's fused cell Functions (``W_x = weight_ih.T``, ``W_h = weight_hh.T``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import functions as CF
from zerograd.text import functions as TF
from zerograd.torch.nn import init
from zerograd.torch.nn._calls import call
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter, as_tensor_result

__all__ = ["GRUCell", "LSTMCell", "RNNCell"]


class _Cell(Module):
    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if dtype is not None and np.dtype(getattr(dtype, "numpy_dtype", dtype)) != np.float32:
            raise NotImplementedError(f"{type(self).__name__}: dtype={dtype!r} is not supported "
                                      f"(float32 only)")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = self.gates * hidden_size
        self.weight_ih = Parameter(np.empty((rows, input_size), dtype=np.float32))
        self.weight_hh = Parameter(np.empty((rows, hidden_size), dtype=np.float32))
        self.bias_ih = Parameter(np.empty((rows,), dtype=np.float32)) if bias else None
        self.bias_hh = Parameter(np.empty((rows,), dtype=np.float32)) if bias else None
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _batched(self, input: Any, states: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...], bool]:  # noqa: A002
        """(N, I) input and (N, H) states (zeros where None), and whether the input was 1-D."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected a 1-D or 2-D input, got shape "
                             f"{tuple(input.shape)}")
        single = input.ndim == 1
        x = CF.reshape(input, (1, -1)) if single else input
        shape = (x.shape[0], self.hidden_size)
        batched = []
        for state in states:
            if state is None:
                state = np.zeros(shape, dtype=x.dtype)
            elif single:
                state = CF.reshape(state, (1, -1))
            if tuple(state.shape) != shape:
                raise ValueError(f"{name}: expected a hidden state of shape {shape}, got "
                                 f"{tuple(state.shape)}")
            batched.append(state)
        return x, tuple(batched), single

    def _out(self, y: Any, single: bool) -> Any:
        return as_tensor_result(CF.reshape(y, (self.hidden_size,)) if single else y)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias}"


class RNNCell(_Cell):
    """h' = tanh (or relu) of (x weight_ih^T + bias_ih + h weight_hh^T + bias_hh)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Any:  # noqa: A002  (PyTorch's name)
        x, (h,), single = self._batched(input, (hx,))
        if self.nonlinearity == "relu":
            pre = (call("RNNCell", "linear", x, self.weight_ih, self.bias_ih)
                   + call("RNNCell", "linear", h, self.weight_hh, self.bias_hh))
            return self._out(call("RNNCell", "relu", pre), single)
        b = None if self.bias_ih is None else self.bias_ih + self.bias_hh
        y = TF.rnn_cell(x, h, CF.transpose(self.weight_ih), CF.transpose(self.weight_hh), b)
        return self._out(y, single)


class GRUCell(_Cell):
    gates = 3

    def forward(self, input: Any, hx: Any = None) -> Any:  # noqa: A002
        x, (h,), single = self._batched(input, (hx,))
        y = TF.gru_cell(x, h, CF.transpose(self.weight_ih), CF.transpose(self.weight_hh),
                        self.bias_ih, self.bias_hh)
        return self._out(y, single)


class LSTMCell(_Cell):
    gates = 4

    def forward(self, input: Any, hx: Any = None) -> Any:  # noqa: A002
        h, c = (None, None) if hx is None else hx
        x, (h, c), single = self._batched(input, (h, c))
        b = None if self.bias_ih is None else self.bias_ih + self.bias_hh
        h, c = TF.lstm_cell(x, h, c, CF.transpose(self.weight_ih), CF.transpose(self.weight_hh), b)
        return self._out(h, single), self._out(c, single)
