"""``nn.LSTM`` and ``nn.GRU`` as PyTorch has them: multi-layer, optionally bidirectional,
sequence-first or ``batch_first``, unbatched 2-D input, ``dropout`` between layers, initial states
in and final states out. They run as zerograd.text's SequenceLSTM/SequenceGRU do (its
RecurrentStack: batch_first and dropout between layers are handled there) on the sequence-level
Functions ``lstm_sequence``/``gru_sequence``: one graph node per layer and direction, the input
projection and the weight gradients over all time steps in one matrix product each.

Parameters are PyTorch's, registered in PyTorch's order (``weight_ih_l{k}`` (G*H, in),
``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}``, then the same with ``_reverse``
for the reverse direction; layer k > 0 reads 2*H features when bidirectional; gate order i, f, g,
o and r, z, n). Each forward maps them to the Functions' layout: W_x = weight_ih.T and
W_h = weight_hh.T as views, the LSTM's one bias b = bias_ih + bias_hh.

Limitation: the sequence Functions write their backward on arrays, so double backward
(``backward(create_graph=True)`` through an LSTM or GRU) raises a NotImplementedError naming the
Function; zerograd.text's step-by-step cells support it. ``zerograd.onnx.export`` writes each
layer and direction as one ONNX LSTM/GRU node.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from zerograd.core import as_variable
from zerograd.core import functions as CF
from zerograd.core.checks import check_bool, check_positive_int, check_real
from zerograd.text import functions as TF
from zerograd.text.sequence_layers import RecurrentStack, direction_suffixes
from zerograd.torch.nn import init
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter, as_tensor_result


class _Recurrent(Module, RecurrentStack):
    gates = 0
    state_names: tuple[str, ...] = ()

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = check_positive_int(name, "input_size", input_size)
        self.hidden_size = check_positive_int(name, "hidden_size", hidden_size)
        self.num_layers = check_positive_int(name, "num_layers", num_layers)
        self.dropout = float(check_real(name, "dropout", dropout, low=0, high=1))
        self.bidirectional = check_bool(name, "bidirectional", bidirectional)
        self.bias, self.batch_first = bias, batch_first
        if self.dropout and self.num_layers == 1:
            warnings.warn(f"{name}: dropout applies between recurrent layers (not after the last), "
                          f"so dropout={dropout} does nothing with num_layers=1", stacklevel=2)
        rows = self.gates * hidden_size
        for k, suffix in enumerate(direction_suffixes(num_layers, self.bidirectional)):
            columns = input_size if k < self.directions else self.directions * hidden_size
            setattr(self, f"weight_ih{suffix}", Parameter(np.empty((rows, columns), np.float32)))
            setattr(self, f"weight_hh{suffix}", Parameter(np.empty((rows, hidden_size), np.float32)))
            if bias:
                setattr(self, f"bias_ih{suffix}", Parameter(np.empty(rows, np.float32)))
                setattr(self, f"bias_hh{suffix}", Parameter(np.empty(rows, np.float32)))
        self.reset_parameters()

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def reset_parameters(self) -> None:
        for param in self.parameters():
            init.default_uniform_(param, self.hidden_size)

    def _layer_parameters(self, suffix: str) -> tuple[Any, Any, Any, Any]:
        get = self.__dict__.get
        return (get(f"weight_ih{suffix}"), get(f"weight_hh{suffix}"), get(f"bias_ih{suffix}"),
                get(f"bias_hh{suffix}"))

    def _weights(self) -> list[tuple[Any, ...]]:
        """The sequence Function's weight tuples, one per layer and direction in PyTorch's order."""
        return [self._mapped(*self._layer_parameters(suffix))
                for suffix in direction_suffixes(self.num_layers, self.bidirectional)]

    def forward(self, input: Any, hx: Any = None) -> Any:  # noqa: A002  (PyTorch's name)
        x = as_variable(input)
        states = self._checked_states(x, hx)
        unbatched = x.ndim == 2
        if unbatched:  # (T, I): a batch of one, on the axis batch_first names
            x = CF.expand_dims(x, 0 if self.batch_first else 1)
            states = tuple(None if s is None else CF.expand_dims(s, 1) for s in states)
        output, finals = self.run_stack(x, self._weights(), states)
        if unbatched:
            output = CF.squeeze(output, 0 if self.batch_first else 1)
            finals = [CF.squeeze(final, 1) for final in finals]
        return as_tensor_result(output), self._packed(as_tensor_result(finals))

    def _checked_states(self, x: Any, hx: Any) -> tuple:
        """Check the input's shape; return hx as a tuple of initial states (None for zeros), each
        shape checked as PyTorch does."""
        name = type(self).__name__
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: input must be 2-D (seq, input_size) unbatched or 3-D "
                             f"(seq, batch, input_size) ((batch, seq, input_size) with batch_first), "
                             f"got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input.size(-1) must be input_size {self.input_size}, got "
                             f"shape {x.shape}")
        states = self._states(hx)
        rows = self.num_layers * self.directions
        want = (rows, self.hidden_size) if x.ndim == 2 else (
            rows, x.shape[0 if self.batch_first else 1], self.hidden_size)
        layout = "num_layers * num_directions, " + ("" if x.ndim == 2 else "batch, ") + "hidden_size"
        for state_name, state in zip(self.state_names, states):
            if state is not None and tuple(as_variable(state).shape) != want:
                raise ValueError(f"{name}: {state_name} must have shape {want} ({layout}) for input "
                                 f"of shape {x.shape}, got {tuple(as_variable(state).shape)}")
        return tuple(None if s is None else as_variable(s) for s in states)

    def _states(self, hx: Any) -> tuple:
        raise NotImplementedError

    def _mapped(self, weight_ih: Any, weight_hh: Any, bias_ih: Any, bias_hh: Any) -> tuple:
        raise NotImplementedError

    def _packed(self, finals: list) -> Any:
        raise NotImplementedError

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        for arg, value, default in (("num_layers", self.num_layers, 1), ("bias", self.bias, True),
                                    ("batch_first", self.batch_first, False),
                                    ("dropout", self.dropout, 0),
                                    ("bidirectional", self.bidirectional, False)):
            if value != default:
                text += f", {arg}={value}"
        return text


class LSTM(_Recurrent):
    """Returns ``output, (h_n, c_n)``; ``hx`` is ``(h_0, c_0)``, each
    (num_layers * num_directions, batch, hidden) (without the batch axis for unbatched input), or
    None for zeros."""

    gates = 4
    state_names = ("h_0", "c_0")
    sequence = staticmethod(TF.lstm_sequence)

    def _states(self, hx: Any) -> tuple:
        if hx is None:
            return None, None
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) or None, got "
                            f"{type(hx).__name__}")
        return tuple(hx)

    def _mapped(self, weight_ih: Any, weight_hh: Any, bias_ih: Any, bias_hh: Any) -> tuple:
        return (CF.transpose(weight_ih), CF.transpose(weight_hh),
                None if bias_ih is None else bias_ih + bias_hh)

    def _packed(self, finals: list) -> tuple[Any, Any]:
        return tuple(finals)


class GRU(_Recurrent):
    """Returns ``output, h_n``; ``hx`` is h_0 (num_layers * num_directions, batch, hidden)
    (without the batch axis for unbatched input) or None for zeros."""

    gates = 3
    state_names = ("h_0",)
    sequence = staticmethod(TF.gru_sequence)

    def _states(self, hx: Any) -> tuple:
        if isinstance(hx, (tuple, list)):
            raise TypeError(f"GRU: hx must be one tensor h_0 or None, got {type(hx).__name__}")
        return (hx,)

    def _mapped(self, weight_ih: Any, weight_hh: Any, bias_ih: Any, bias_hh: Any) -> tuple:
        return CF.transpose(weight_ih), CF.transpose(weight_hh), bias_ih, bias_hh

    def _packed(self, finals: list) -> Any:
        return finals[0]
