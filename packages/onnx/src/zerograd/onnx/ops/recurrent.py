"""Recurrent ops both ways: ONNX's LSTM and GRU imported onto zerograd.text's sequence Functions
(one per direction, so an imported model re-exports as the same LSTM/GRU nodes), the sequence
Functions exported as one ONNX LSTM or GRU node per layer and direction, and the step cells
exported unrolled into plain ONNX ops."""

from __future__ import annotations

from typing import Any

import numpy as np

import zerograd.core.functions as CF
from zerograd.onnx.ops.registry import dtype_of, exporter, given, importer, require, text
from zerograd.text.functions._cell import ABSENT
from zerograd.text.functions.gru import GRUCell
from zerograd.text.functions.lstm import LSTMCell
from zerograd.text.functions.rnn import RNNCell
from zerograd.text.functions.sequence import GRUSequence, LSTMSequence

ONNX_LSTM_GATES = (0, 3, 1, 2)  # ONNX's i, o, f, c as blocks of zerograd's i, f, g, o
ONNX_GRU_GATES = (1, 0, 2)  # ONNX's z, r, h as blocks of zerograd's r, z, n
LSTM_FROM_ONNX = (0, 2, 3, 1)  # zerograd's i, f, g, o as blocks of ONNX's i, o, f, c
GRU_FROM_ONNX = (1, 0, 2)  # zerograd's r, z, n as blocks of ONNX's z, r, h
DIRECTIONS = {"forward": (False,), "reverse": (True,), "bidirectional": (False, True)}


# --- import ----------------------------------------------------------------------------------------
def _reordered(x: Any, order: tuple[int, ...], axis: int) -> Any:
    """x's gate blocks along ``axis`` put in ``order`` (Split and Concat, which re-export)."""
    blocks = CF.split(x, len(order), axis=axis)
    return CF.concat([blocks[k] for k in order], axis=axis)


def _directions(op: str, attrs: dict, xs: list) -> tuple[bool, ...]:
    """Check what the sequence Functions cannot do; whether each direction runs reversed."""
    direction = text(attrs.get("direction", "forward"))
    require(op, direction in DIRECTIONS, f"direction {direction!r}")
    require(op, attrs.get("layout", 0) == 0, "layout=1")
    require(op, not given(xs, 4), "sequence_lens")
    require(op, "activations" not in attrs and "clip" not in attrs, "custom activations or clip")
    return DIRECTIONS[direction]


def _weights(xs: list, d: int, order: tuple[int, ...]) -> tuple[Any, Any]:
    """Direction d of W (D, G*H, I) and R (D, G*H, H) as zerograd's (I, G*H) and (H, G*H)."""
    return tuple(CF.transpose(_reordered(CF.get_item(w, d), order, 0)) for w in xs[1:3])


def _biases(xs: list, d: int, order: tuple[int, ...]) -> tuple[Any, Any]:
    """Direction d of B (D, 2*G*H): the input-side and hidden-side biases, reordered."""
    if not given(xs, 3):
        return None, None
    halves = CF.split(CF.get_item(xs[3], d), 2, axis=0)
    return tuple(_reordered(h, order, 0) for h in halves)


def _state(xs: list, at: int, d: int) -> Any:
    return CF.get_item(xs[at], d) if given(xs, at) else ABSENT


def _outputs(node: Any, ys: list, finals: list[list]) -> list:
    """Y (T, D, N, H) and the final states (D, N, H) as ONNX lays them out."""
    outputs = [CF.stack(ys, axis=1), *[CF.stack(f, axis=0) for f in finals]]
    return outputs[:max(len(node.output), 1)]


@importer("LSTM", 7, 14, 22)
def _lstm(node: Any, attrs: dict, xs: list) -> list:
    reverses = _directions("LSTM", attrs, xs)
    require("LSTM", not given(xs, 7), "peepholes")
    ys, hs, cs = [], [], []
    for d, reverse in enumerate(reverses):
        W_x, W_h = _weights(xs, d, LSTM_FROM_ONNX)
        b_x, b_h = _biases(xs, d, LSTM_FROM_ONNX)
        b = ABSENT if b_x is None else b_x + b_h
        y, h, c = LSTMSequence(reverse)(xs[0], _state(xs, 5, d), _state(xs, 6, d), W_x, W_h, b)
        ys.append(y)
        hs.append(h)
        cs.append(c)
    return _outputs(node, ys, [hs, cs])


@importer("GRU", 7, 14, 22)
def _gru(node: Any, attrs: dict, xs: list) -> list:
    reverses = _directions("GRU", attrs, xs)
    require("GRU", attrs.get("linear_before_reset", 0) == 1,
            "linear_before_reset=0 (zerograd's GRU is PyTorch's, linear_before_reset=1)")
    ys, hs = [], []
    for d, reverse in enumerate(reverses):
        W_x, W_h = _weights(xs, d, GRU_FROM_ONNX)
        b_x, b_h = _biases(xs, d, GRU_FROM_ONNX)
        y, h = GRUSequence(reverse)(xs[0], _state(xs, 5, d), W_x, W_h,
                                    ABSENT if b_x is None else b_x, ABSENT if b_h is None else b_h)
        ys.append(y)
        hs.append(h)
    return _outputs(node, ys, [hs])


# --- text: the recurrent cells, unrolled (one step per call; ONNX's LSTM/GRU order their gates
# i, o, f, c and z, r, h where zerograd follows PyTorch's i, f, g, o and r, z, n) ---------------
def _affine(e: Any, x: str, W: str, b: str | None) -> str:
    y = e.node("MatMul", [x, W])
    return y if b is None else e.node("Add", [y, b])


def _gate_blocks(e: Any, z: str, hidden: int, count: int, axis: int = 1) -> list[str]:
    outputs = [e.fresh("gate") for _ in range(count)]
    e.node("Split", [z, e.ints([hidden] * count)], outputs, axis=axis)
    return outputs


def _rnn_cell(e: Any, f: Any, ins: list, outs: list) -> None:
    x, h, W_x, W_h, b = ins
    z = _affine(e, x, W_x, b)
    if h is not None:
        z = e.node("Add", [z, e.node("MatMul", [h, W_h])])
    e.node("Tanh", [z], outs)


def _lstm_cell(e: Any, f: Any, ins: list, outs: list) -> None:
    x, h, c, W_x, W_h, b = ins
    z = _affine(e, x, W_x, b)
    if h is not None:
        z = e.node("Add", [z, e.node("MatMul", [h, W_h])])
    i, fg, g, o = _gate_blocks(e, z, f.inputs[3].shape[1] // 4, 4)
    i, fg, o = (e.node("Sigmoid", [v]) for v in (i, fg, o))
    c_new = e.node("Mul", [i, e.node("Tanh", [g])])
    if c is not None:
        c_new = e.node("Add", [c_new, e.node("Mul", [fg, c])])
    e.node("Identity", [c_new], [outs[1]])
    e.node("Mul", [o, e.node("Tanh", [c_new])], [outs[0]])


def _gru_cell(e: Any, f: Any, ins: list, outs: list) -> None:
    x, h, W_x, W_h, b_x, b_h = ins
    hidden = f.inputs[2].shape[1] // 3
    a_r, a_z, a_n = _gate_blocks(e, _affine(e, x, W_x, b_x), hidden, 3)
    if h is None and b_h is None:
        r_in, z_in, n_in = a_r, a_z, a_n
    else:
        u = b_h if h is None else _affine(e, h, W_h, b_h)
        if h is None:  # the bias alone, (3H,): lift it to a row for the column split
            u = e.unsqueeze(u, [0])
        u_r, u_z, u_n = _gate_blocks(e, u, hidden, 3)
        r_in, z_in = e.node("Add", [a_r, u_r]), e.node("Add", [a_z, u_z])
        n_in = e.node("Add", [a_n, e.node("Mul", [e.node("Sigmoid", [r_in]), u_n])])
    z = e.node("Sigmoid", [z_in])
    n = e.node("Tanh", [n_in])
    if h is None:  # h' = n - z n
        e.node("Sub", [n, e.node("Mul", [z, n])], outs)
    else:  # h' = n + z (h - n)
        e.node("Add", [n, e.node("Mul", [z, e.node("Sub", [h, n])])], outs)


# --- text: the sequence Functions, one ONNX LSTM or GRU node per layer and direction ------------


def _onnx_gate_order(e: Any, x: str, hidden: int, order: tuple[int, ...], axis: int) -> str:
    """x's gate blocks along ``axis`` (zerograd's order) concatenated in ONNX's order."""
    blocks = _gate_blocks(e, x, hidden, len(order), axis)
    return e.node("Concat", [blocks[k] for k in order], axis=axis)


def _recurrent_node(e: Any, f: Any, op: str, order: tuple[int, ...], hidden: int, x: str,
                    states: list, weights: tuple[str, str], biases: list, outs: list,
                    **attrs: Any) -> None:
    """One ONNX LSTM/GRU node in f's direction from zerograd's weights (graph values: a
    parameter, or the Transpose the PyTorch facade records): W, R [1, G*H, in] with the gates in
    ONNX's order, B [1, 2*G*H] from the input-side and hidden-side biases (zeros for an absent one,
    no B when both are), initial states [1, N, H]. Y [T, 1, N, H] and the final states [1, N, H]
    are squeezed to zerograd's (T, N, H) and (N, H)."""
    W, R = (e.unsqueeze(e.node("Transpose", [_onnx_gate_order(e, w, hidden, order, 1)],
                                  perm=[1, 0]), [0]) for w in weights)
    B = ""
    if any(b is not None for b in biases):
        zeros = np.zeros(len(order) * hidden, dtype=dtype_of(f))
        halves = [e.constant(zeros, dtype_of(f)) if b is None else _onnx_gate_order(e, b, hidden, order, 0)
                  for b in biases]
        B = e.unsqueeze(e.node("Concat", halves, axis=0), [0])
    inputs = [x, W, R, B, "", *("" if s is None else e.unsqueeze(s, [0]) for s in states)]
    while not inputs[-1]:
        inputs.pop()
    results = [e.fresh(op.lower()) for _ in outs]
    e.node(op, inputs, results, direction="reverse" if f.reverse else "forward",
           hidden_size=int(hidden), **attrs)
    e.squeeze(results[0], [1], out=outs[0])
    for result, out in zip(results[1:], outs[1:]):
        e.squeeze(result, [0], out=out)


def _lstm_sequence(e: Any, f: Any, ins: list, outs: list) -> None:
    x, h0, c0, W_x, W_h, b = ins
    _recurrent_node(e, f, "LSTM", ONNX_LSTM_GATES, f.inputs[4].shape[0], x, [h0, c0], (W_x, W_h),
                    [b, None], outs)


def _gru_sequence(e: Any, f: Any, ins: list, outs: list) -> None:
    """linear_before_reset=1 is PyTorch's (and zerograd's) GRU: n = tanh(a_n + r (h W_hn + b_hn))."""
    x, h0, W_x, W_h, b_x, b_h = ins
    _recurrent_node(e, f, "GRU", ONNX_GRU_GATES, f.inputs[3].shape[0], x, [h0], (W_x, W_h),
                    [b_x, b_h], outs, linear_before_reset=1)


for _cls, _mapping in ((RNNCell, _rnn_cell), (LSTMCell, _lstm_cell), (GRUCell, _gru_cell),
                      (LSTMSequence, _lstm_sequence), (GRUSequence, _gru_sequence)):
    exporter(_cls)(_mapping)
