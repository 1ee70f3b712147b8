"""``nn.LSTM`` and ``nn.GRU`` over a sequence: a loop over zerograd.text's fused cells, with
PyTorch's parameters (``weight_ih_l0`` (G*H, in), ``weight_hh_l0`` (G*H, H), ``bias_ih_l0``,
``bias_hh_l0``; gate order i, f, g, o and r, z, n, the cells' own), sequence-first or
``batch_first``."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import as_variable
from zerograd.core import functions as CF
from zerograd.core.checks import check_positive_int
from zerograd.text import functions as TF
from zerograd.torch.nn import functional as F
from zerograd.torch.nn import init
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter, as_tensor_result


class _Recurrent(Module):
    gates = 0

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        if bidirectional:
            raise NotImplementedError(f"{name}: bidirectional=True is not supported by zerograd.torch")
        self.input_size = check_positive_int(name, "input_size", input_size)
        self.hidden_size = check_positive_int(name, "hidden_size", hidden_size)
        self.num_layers = check_positive_int(name, "num_layers", num_layers)
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            columns = input_size if layer == 0 else hidden_size
            setattr(self, f"weight_ih_l{layer}", Parameter(np.empty((rows, columns), np.float32)))
            setattr(self, f"weight_hh_l{layer}", Parameter(np.empty((rows, hidden_size), np.float32)))
            if bias:
                setattr(self, f"bias_ih_l{layer}", Parameter(np.empty(rows, np.float32)))
                setattr(self, f"bias_hh_l{layer}", Parameter(np.empty(rows, np.float32)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for param in self.parameters():
            init.default_uniform_(param, self.hidden_size)

    def _layer_parameters(self, layer: int) -> tuple[Any, Any, Any, Any]:
        get = self.__dict__.get
        return (get(f"weight_ih_l{layer}"), get(f"weight_hh_l{layer}"), get(f"bias_ih_l{layer}"),
                get(f"bias_hh_l{layer}"))

    def forward(self, input: Any, hx: Any = None) -> Any:  # noqa: A002  (PyTorch's name)
        x = as_variable(input)
        if x.ndim != 3:
            raise ValueError(f"{type(self).__name__}: input must be 3-D (seq, batch, feature) or "
                             f"(batch, seq, feature) with batch_first, got shape {x.shape}")
        if self.batch_first:
            x = CF.swapaxes(x, 0, 1)
        steps = [x[t] for t in range(x.shape[0])]
        finals = []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.is_training():
                steps = [F.dropout(step, self.dropout) for step in steps]
            steps, final = self._run_layer(layer, steps, self._initial_state(hx, layer))
            finals.append(final)
        output = CF.stack(steps, axis=1 if self.batch_first else 0)
        return as_tensor_result(output), self._stacked_finals(finals)

    def _initial_state(self, hx: Any, layer: int) -> Any:
        raise NotImplementedError

    def _run_layer(self, layer: int, steps: list, state: Any) -> tuple[list, Any]:
        raise NotImplementedError

    def _stacked_finals(self, finals: list) -> Any:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"


class LSTM(_Recurrent):
    """Returns ``output, (h_n, c_n)``; ``hx`` is ``(h_0, c_0)``, each (num_layers, batch, hidden),
    or None for zeros."""

    gates = 4

    def _initial_state(self, hx: Any, layer: int) -> tuple[Any, Any]:
        return (None, None) if hx is None else (hx[0][layer], hx[1][layer])

    def _run_layer(self, layer: int, steps: list, state: Any) -> tuple[list, Any]:
        W_ih, W_hh, b_ih, b_hh = self._layer_parameters(layer)
        W_x, W_h = CF.transpose(W_ih), CF.transpose(W_hh)  # once per sequence, not per step
        b = None if b_ih is None else b_ih + b_hh
        h, c = state
        outputs = []
        for x in steps:
            h, c = TF.lstm_cell(x, h, c, W_x, W_h, b)
            outputs.append(h)
        return outputs, (h, c)

    def _stacked_finals(self, finals: list) -> tuple[Any, Any]:
        return (as_tensor_result(CF.stack([h for h, _ in finals])),
                as_tensor_result(CF.stack([c for _, c in finals])))


class GRU(_Recurrent):
    """Returns ``output, h_n``; ``hx`` is h_0 (num_layers, batch, hidden) or None for zeros."""

    gates = 3

    def _initial_state(self, hx: Any, layer: int) -> Any:
        return None if hx is None else hx[layer]

    def _run_layer(self, layer: int, steps: list, state: Any) -> tuple[list, Any]:
        W_ih, W_hh, b_ih, b_hh = self._layer_parameters(layer)
        W_x, W_h = CF.transpose(W_ih), CF.transpose(W_hh)
        h = state
        outputs = []
        for x in steps:
            h = TF.gru_cell(x, h, W_x, W_h, b_ih, b_hh)
            outputs.append(h)
        return outputs, h

    def _stacked_finals(self, finals: list) -> Any:
        return as_tensor_result(CF.stack(finals))
