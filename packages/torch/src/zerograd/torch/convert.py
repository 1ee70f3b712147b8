"""Weights between zerograd's native layout and PyTorch's, so that a model trained with
``zerograd.dezero`` (or zerograd.nn) can be handed to a PyTorch user and back.

The native layers keep the book's names and layout: Linear's ``W`` is (in, out) beside ``b``;
BatchNorm holds ``gamma``, ``beta``, ``avg_mean``, ``avg_var``; Conv2d's and EmbedID's ``W`` already
have PyTorch's layout. PyTorch calls them ``weight`` (Linear's (out, in)), ``bias``,
``running_mean``, ``running_var`` (and counts ``num_batches_tracked``). Layer names (``l0``,
``conv1``) are kept: the PyTorch model must name its modules as the native model does.
zerograd.text's one-step RNN, LSTM and GRU layers map to PyTorch's single-layer ``nn.RNN``/``LSTM``/
``GRU`` (``x2h.W`` = ``weight_ih_l0``.T, ``h2h.W`` = ``weight_hh_l0``.T, ``x2h.b`` = ``bias_ih_l0``,
GRU's ``h2h.b`` = ``bias_hh_l0``); its SequenceLSTM and SequenceGRU map to ``nn.LSTM``/``nn.GRU``
of any depth and direction (``W_x_l{k}`` = ``weight_ih_l{k}``.T, ``W_h_l{k}`` = ``weight_hh_l{k}``.T,
the LSTM's ``b_l{k}`` = ``bias_ih_l{k}``, the GRU's ``b_x_l{k}``/``b_h_l{k}`` = ``bias_ih_l{k}``/
``bias_hh_l{k}``, each with ``_reverse`` for the reverse direction). The layers with one bias where
PyTorch has two (RNN, LSTM, SequenceLSTM) export ``bias_hh`` as zeros and add PyTorch's two
biases when importing.

    state = to_torch_state_dict(native_model)          # {'l0.weight': (out, in) array, ...}
    torch.save(state, 'model.safetensors')             # readable by safetensors.torch.load_file
    load_torch_state_dict(native_model, torch_model.state_dict())
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from zerograd.core import Variable
from zerograd.core.checks import ARRAY_TYPES
from zerograd.nn import IncompatibleKeys, Layer
from zerograd.nn.layers import BatchNorm, EmbedID, LayerNorm, Linear
from zerograd.text.layers import GRU, LSTM, RNN
from zerograd.text.sequence_layers import SequenceGRU, SequenceLSTM, direction_suffixes

_TORCH_NAMES = {"W": "weight", "b": "bias", "gamma": "weight", "beta": "bias",
                "avg_mean": "running_mean", "avg_var": "running_var"}
_NORMALIZATIONS = (BatchNorm, LayerNorm)


class Entry(NamedTuple):
    """One array of a native model: its native key, its PyTorch key and whether it is stored
    transposed (Linear's W)."""

    native: str
    torch: str
    transposed: bool


def _torch_name(layer: Layer, name: str) -> str:
    renamed = isinstance(layer, (Linear, EmbedID, *_NORMALIZATIONS)) or name in ("W", "b")
    return _TORCH_NAMES.get(name, name) if renamed else name


def _own(items: Iterator[tuple[str, Any]]) -> Iterator[str]:
    """The names of a layer's own entries (its children's have a dot)."""
    return (name for name, _ in items if "." not in name)


_RECURRENT = (RNN, LSTM, GRU, SequenceLSTM, SequenceGRU)
_STEP_NAMES = {"x2h.W": "weight_ih_l0", "h2h.W": "weight_hh_l0", "x2h.b": "bias_ih_l0",
               "h2h.b": "bias_hh_l0"}


def _recurrent_names(layer: Layer) -> dict[str, str]:
    """A recurrent layer's native names and the PyTorch names they map to."""
    if not isinstance(layer, (SequenceLSTM, SequenceGRU)):
        return _STEP_NAMES
    names = {}
    for suffix in direction_suffixes(layer.num_layers, layer.bidirectional):
        names[f"W_x{suffix}"], names[f"W_h{suffix}"] = f"weight_ih{suffix}", f"weight_hh{suffix}"
        biases = {"b": "bias_ih"} if isinstance(layer, SequenceLSTM) else \
            {"b_x": "bias_ih", "b_h": "bias_hh"}
        names.update({native + suffix: torch + suffix for native, torch in biases.items()})
    return names


def _recurrent_entries(prefix: str, layer: Layer) -> list[Entry]:
    dot = f"{prefix}." if prefix else ""
    present = dict(layer.named_params())
    return [Entry(dot + name, dot + torch_name, name.endswith(".W") or name.startswith("W_"))
            for name, torch_name in _recurrent_names(layer).items() if name in present]


def single_bias_pairs(model: Layer) -> list[tuple[str, str]]:
    """The PyTorch keys (bias_ih, bias_hh) of every recurrent layer that keeps one bias where
    PyTorch has two (zerograd.text's RNN, LSTM and SequenceLSTM)."""
    pairs = []
    for prefix, layer in model.named_modules():
        if isinstance(layer, SequenceLSTM):
            suffixes = direction_suffixes(layer.num_layers, layer.bidirectional)
        elif isinstance(layer, (RNN, LSTM)) and not isinstance(layer, GRU):
            suffixes = ["_l0"]
        else:
            continue
        pairs += [(_joined(prefix, f"bias_ih{s}"), _joined(prefix, f"bias_hh{s}")) for s in suffixes]
    return pairs


def _joined(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _inside(prefix: str, parents: list[str]) -> bool:
    """Whether the layer at ``prefix`` lies below one of the layers at ``parents``."""
    return any(prefix != p and (not p or prefix.startswith(p + ".")) for p in parents)


def entries(model: Layer) -> list[Entry]:
    """Every parameter and buffer of ``model`` with its PyTorch key."""
    table = []
    recurrent: list[str] = []
    for prefix, layer in model.named_modules():
        if _inside(prefix, recurrent):
            continue  # x2h and h2h of a recurrent layer: mapped with it
        if isinstance(layer, _RECURRENT):
            recurrent.append(prefix)
            table += _recurrent_entries(prefix, layer)
            continue
        names = [*_own(layer.named_params()), *_own(layer.named_buffers())]
        for name in names:
            dotted = f"{prefix}.{name}" if prefix else name
            torch_key = f"{prefix}.{_torch_name(layer, name)}" if prefix else _torch_name(layer, name)
            table.append(Entry(dotted, torch_key, isinstance(layer, Linear) and name == "W"))
    return table


def loadable(value: Any) -> Any:
    """An array for a state-dict value: a Variable's data, an array as it is, anything else
    (a PyTorch tensor, a list) through NumPy."""
    if isinstance(value, Variable):
        return value.data
    return value if isinstance(value, ARRAY_TYPES) else np.asarray(value)


def to_torch_state_dict(model: Layer) -> dict[str, np.ndarray]:
    """``model``'s state (zerograd's native layers) under PyTorch's keys and layout: arrays that
    ``torch.from_numpy`` or ``load_state_dict`` of the equivalent PyTorch model take."""
    native = model.state_dict()
    state: dict[str, np.ndarray] = {}
    for entry in entries(model):
        if entry.native not in native:
            continue  # a parameter not sized yet (a lazy layer never called)
        array = native[entry.native]
        state[entry.torch] = np.ascontiguousarray(array.T) if entry.transposed else array
    for prefix, layer in model.named_modules():
        if isinstance(layer, BatchNorm):  # PyTorch's BatchNorm also saves its step count
            state[_joined(prefix, "num_batches_tracked")] = np.zeros((), np.int64)
    for key_ih, key_hh in single_bias_pairs(model):
        if key_ih in state:
            state[key_hh] = np.zeros_like(state[key_ih])
    return state


def load_torch_state_dict(model: Layer, state: Mapping[str, Any],
                          strict: bool = True) -> IncompatibleKeys:
    """Load a PyTorch state dict (arrays or tensors under PyTorch's keys) into ``model`` of
    zerograd's native layers, all or nothing as ``Layer.load_state_dict``."""
    table = entries(model)
    by_torch_key = {entry.torch: entry for entry in table}
    native_state, unexpected = {}, []
    state = dict(state)
    for key_ih, key_hh in single_bias_pairs(model):  # PyTorch's two biases add up to the one
        if key_ih in state and key_hh in state:
            state[key_ih] = loadable(state[key_ih]) + loadable(state.pop(key_hh))
    for key, value in state.items():
        entry = by_torch_key.get(key)
        if entry is None:
            if not key.endswith("num_batches_tracked"):
                unexpected.append(key)
            continue
        array = loadable(value)
        native_state[entry.native] = array.T if entry.transposed else array
    if strict and unexpected:
        raise ValueError(f"load_torch_state_dict: unexpected keys for {type(model).__name__}: "
                         f"{unexpected}")
    result = model.load_state_dict(native_state, strict=strict)
    torch_key = {entry.native: entry.torch for entry in table}
    return IncompatibleKeys([torch_key.get(k, k) for k in result.missing_keys], unexpected)
