"""Sequence-level LSTM and GRU (what ``torch.nn.LSTM``/``nn.GRU`` compute): each layer and
direction over the whole sequence is ONE Function.

Its forward projects the inputs of all time steps with one matrix product, then loops over time
on arrays with one fused cell per step (the gate math of ``lstm_cell``/``gru_cell``); its backward
loops back over time on arrays, one step of the cells' own gradient math (``LSTMGrad``/``GRUGrad``
forward) and one product with W_h per step, then computes each weight gradient over all steps with
one product.
A step-by-step cell loop records T graph nodes per layer and pays the engine's overhead for each;
here a layer costs one node.

Limitation (first-order speed is preferred): the backward is written on arrays, so gradients of
gradients (``backward(create_graph=True)``) through these Functions are refused with a clear error;
use ``lstm_cell``/``gru_cell`` step by step where double backward is needed.

Weights are in zerograd's layout, (in, gates * H), gate orders PyTorch's: W_x = weight_ih.T,
W_h = weight_hh.T; the LSTM has one bias b = bias_ih + bias_hh, the GRU keeps b_x = bias_ih and
b_h = bias_hh apart (b_hn sits inside r * (.)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerograd.core import Config, Function, Variable, kernels
from zerograd.core.checks import check_bool
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import concat, get_item, stack, transpose
from zerograd.text.functions._cell import ABSENT, _shape_of, add_into, constants_for
from zerograd.text.functions.gru import GRUGrad
from zerograd.text.functions.lstm import GATE_KINDS, LSTMGrad


def _refuse_double_backward(function: Function) -> None:
    if Config.enable_backprop:
        raise NotImplementedError(
            f"{type(function).__name__}: double backward (backward(create_graph=True)) through "
            "the sequence-level LSTM/GRU is not supported; run lstm_cell/gru_cell step by step "
            "(zerograd.text.layers) where gradients of gradients are needed")


class _SequenceFunction(Function):
    """What the LSTM and GRU sequences share: the time order and where states are stored.

    Hidden states live in one (T + 1, N, H) array in time order with one extra slot for the
    initial state: slot 0 for the forward direction (h_t at t + 1), slot T for the reverse one
    (h_t at t). Then the outputs and the previous states of all steps are both contiguous views.
    """

    __slots__ = ("reverse",)

    def __init__(self, reverse: bool) -> None:
        self.reverse = reverse

    def steps(self, length: int) -> range:
        """The time indices in the order the recurrence visits them."""
        return range(length - 1, -1, -1) if self.reverse else range(length)

    def out_slot(self, t: int) -> int:
        return t if self.reverse else t + 1

    def prev_slot(self, t: int) -> int:
        return t + 1 if self.reverse else t

    def outputs_of(self, states: Any) -> Any:
        """The states at times 0..T-1 (the layer's outputs), a view of ``states``."""
        return states[:-1] if self.reverse else states[1:]

    def previous_of(self, states: Any) -> Any:
        """The state each time step starts from, for all steps, a view of ``states``."""
        return states[1:] if self.reverse else states[:-1]

    def final_slot(self, length: int) -> int:
        return 0 if self.reverse else length

    def initial_slot(self, length: int) -> int:
        return length if self.reverse else 0


def _state_buffer(xp: Any, length: int, batch: int, hidden: int, dtype: Any, initial: Any,
                  slot: int) -> Any:
    states = xp.empty((length + 1, batch, hidden), dtype=dtype)
    states[slot] = 0 if initial is None else initial
    return states


def _input_projection(xs: Any, W: Any, b: Any) -> Any:
    """xs W + b for all time steps in one matrix product: (T, N, I) -> (T, N, gates * H)."""
    length, batch, in_size = xs.shape
    projected = get_array_module(xs).matmul(xs.reshape(length * batch, in_size), W)
    if b is not None:
        projected = add_into(projected, b)
    return projected.reshape(length, batch, W.shape[1])


def _weight_gradients(inputs: Any, W: Variable, grads: Any) -> Any:
    """inputs^T grads summed over all steps in one product, in W's dtype: (T, N, I), (T, N, G)."""
    in_size, width = inputs.shape[2], grads.shape[2]
    product = inputs.reshape(-1, in_size).T @ grads.reshape(-1, width)
    return product.astype(W.data.dtype, copy=False)


def _affine_gradients(xs: Variable, W: Variable, b: Variable, grads: Any) -> tuple[Any, Any, Any]:
    """(gxs, gW, gb) of xs W + b over all steps, None for what needs no gradient."""
    gxs = gW = gb = None
    if xs.requires_grad:
        gxs = (grads @ W.data.T).astype(xs.data.dtype, copy=False)
    if W.requires_grad:
        gW = _weight_gradients(xs.data, W, grads)
    if b.requires_grad:
        gb = grads.sum(axis=(0, 1)).astype(b.data.dtype, copy=False)
    return gxs, gW, gb


def _blocks(array: Any, count: int) -> Any:
    """(..., count * H) viewed as (..., count, H): one gate per row of the new axis."""
    return array.reshape(*array.shape[:-1], count, array.shape[-1] // count)


class LSTMSequence(_SequenceFunction):
    """(ys, h_T, c_T) of one LSTM layer in one direction over a whole sequence, from
    (xs, h0, c0, W_x, W_h, b); absent h0, c0 and b come as ``ABSENT`` (zeros, no bias).

    Keeps the gate activations, all hidden and cell states and tanh of the cell states.
    """

    __slots__ = ("gates", "hidden", "cells", "tanh_cells")

    def forward(self, xs: Any, h0: Any, c0: Any, W_x: Any, W_h: Any, b: Any
                ) -> tuple[Any, Any, Any]:
        xp = get_array_module(xs)
        length, batch = xs.shape[:2]
        size = W_h.shape[0]
        z = _input_projection(xs, W_x, b)
        first = self.initial_slot(length)
        hs = _state_buffer(xp, length, batch, size, z.dtype, h0, first)
        cs = _state_buffer(xp, length, batch, size, z.dtype, c0, first)
        tanh_cs = xp.empty((length, batch, size), dtype=z.dtype)
        # Every gate is scale * tanh(scale * z) + shift (see gate_constants); the inner scale (a
        # power of two, so exact) goes into z and W_h once instead of into every step.
        scale, shift, _, _ = constants_for(z[0], GATE_KINDS, size)
        z *= scale
        W_h = W_h * scale
        for step, t in enumerate(self.steps(length)):
            prev, out, zt = self.prev_slot(t), self.out_slot(t), z[t]
            if step or h0 is not None:
                zt += xp.matmul(hs[prev], W_h)
            if kernels.enabled(zt, cs):  # the NumPy reference is below
                from zerograd.core.kernels import recurrent
                recurrent.lstm_step_forward(zt, cs[prev], cs[out], tanh_cs[t], hs[out])
                continue
            xp.tanh(zt, out=zt)
            zt *= scale
            zt += shift
            i, f, g, o = _blocks(zt, 4).transpose(1, 0, 2)
            xp.multiply(i, g, out=cs[out])
            cs[out] += f * cs[prev]
            xp.tanh(cs[out], out=tanh_cs[t])
            xp.multiply(o, tanh_cs[t], out=hs[out])
        self.gates, self.hidden, self.cells, self.tanh_cells = z, hs, cs, tanh_cs
        final = self.final_slot(length)
        return self.outputs_of(hs), hs[final].copy(), cs[final].copy()

    def backward(self, gys: Variable | None, gh_T: Variable | None, gc_T: Variable | None
                 ) -> tuple[Any, ...]:
        _refuse_double_backward(self)
        xs, h0, c0, W_x, W_h, b = self.inputs
        gz, gh0, gc0 = self._gate_gradients(gys, gh_T, gc_T, W_h.data,
                                            h0.requires_grad, c0.requires_grad)
        gxs, gW_x, gb = _affine_gradients(xs, W_x, b, gz)
        gW_h = _weight_gradients(self.previous_of(self.hidden), W_h, gz) if W_h.requires_grad \
            else None
        return gxs, gh0, gc0, gW_x, gW_h, gb

    def _gate_gradients(self, gys: Variable | None, gh_T: Variable | None, gc_T: Variable | None,
                        W_h: Any, want_h0: bool, want_c0: bool) -> tuple[Any, Any, Any]:
        """The gradients of every step's pre-activation z (T, N, 4H), looping back over time, and
        of h0 and c0 (None unless wanted)."""
        gates, tanh_cs, prev_cells = self.gates, self.tanh_cells, self.previous_of(self.cells)
        xp = get_array_module(gates)
        gz = xp.empty_like(gates)
        gh = xp.zeros(tanh_cs.shape[1:], dtype=gz.dtype) if gh_T is None else gh_T.data
        gc = None if gc_T is None else gc_T.data
        W_h_T = xp.ascontiguousarray(W_h.T)  # BLAS's plain layout for the product of every step
        steps = list(self.steps(len(gz)))
        for t in reversed(steps):
            if gys is not None:
                gh = gh + gys.data[t]
            # The cell's own gradient math, one step at a time: its arrays stay in cache.
            if kernels.enabled(gates, gh, *(() if gc is None else (gc,))):  # reference below
                from zerograd.core.kernels import recurrent
                gc = recurrent.lstm_step_backward(gates[t], tanh_cs[t], prev_cells[t], gh, gc,
                                                  gz[t])
            else:
                gz[t], gc = LSTMGrad(gates[t], tanh_cs[t], True).forward(
                    None, None, prev_cells[t], None, None, None, gh, gc)
            if t != steps[0] or want_h0:
                gh = gz[t] @ W_h_T
        gh0 = gh.astype(self.inputs[1].data.dtype, copy=False) if want_h0 else None
        gc0 = gc.astype(self.inputs[2].data.dtype, copy=False) if want_c0 else None
        return gz, gh0, gc0


class GRUSequence(_SequenceFunction):
    """(ys, h_T) of one GRU layer in one direction over a whole sequence, from
    (xs, h0, W_x, W_h, b_x, b_h); absent h0 and biases come as ``ABSENT``.

    Keeps r, z and n of every step (one (T, N, 3H) array), h W_hn + b_hn and all hidden states.
    """

    __slots__ = ("gates", "hidden", "hidden_n")

    def forward(self, xs: Any, h0: Any, W_x: Any, W_h: Any, b_x: Any, b_h: Any
                ) -> tuple[Any, Any]:
        xp = get_array_module(xs)
        length, batch = xs.shape[:2]
        size = W_h.shape[0]
        a = _input_projection(xs, W_x, b_x)
        hs = _state_buffer(xp, length, batch, size, a.dtype, h0, self.initial_slot(length))
        u_ns = xp.empty((length, batch, size), dtype=a.dtype)
        for step, t in enumerate(self.steps(length)):
            h, out = hs[self.prev_slot(t)], hs[self.out_slot(t)]
            if step or h0 is not None:
                u = xp.matmul(h, W_h)
            else:  # h0 is zeros: only the bias is left of h W_h + b_h
                u = xp.zeros((batch, 3 * size), dtype=a.dtype)
            if b_h is not None:
                u = add_into(u, b_h)
            if kernels.enabled(a, u):  # the NumPy reference is below
                from zerograd.core.kernels import recurrent
                recurrent.gru_step_forward(a[t], u, h, u_ns[t], out)
                continue
            rz, n = a[t, :, :2 * size], a[t, :, 2 * size:]
            rz += u[:, :2 * size]
            rz *= 0.5  # sigmoid(v) = 0.5 * tanh(0.5 * v) + 0.5
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z = rz[:, :size], rz[:, size:]
            u_ns[t] = u[:, 2 * size:]
            n += r * u_ns[t]
            xp.tanh(n, out=n)
            xp.subtract(h, n, out=out)  # h' = n + z (h - n)
            out *= z
            out += n
        self.gates, self.hidden, self.hidden_n = a, hs, u_ns
        return self.outputs_of(hs), hs[self.final_slot(length)].copy()

    def backward(self, gys: Variable | None, gh_T: Variable | None) -> tuple[Any, ...]:
        _refuse_double_backward(self)
        xs, h0, W_x, W_h, b_x, b_h = self.inputs
        ga, gu, gh0 = self._gate_gradients(gys, gh_T, W_h.data, h0.requires_grad)
        gxs, gW_x, gb_x = _affine_gradients(xs, W_x, b_x, ga)
        gW_h = _weight_gradients(self.previous_of(self.hidden), W_h, gu) if W_h.requires_grad \
            else None
        gb_h = gu.sum(axis=(0, 1)).astype(b_h.data.dtype, copy=False) if b_h.requires_grad \
            else None
        return gxs, gh0, gW_x, gW_h, gb_x, gb_h

    def _gate_gradients(self, gys: Variable | None, gh_T: Variable | None, W_h: Any,
                        want_h0: bool) -> tuple[Any, Any, Any]:
        """The gradients of a = xs W_x + b_x and u = h W_h + b_h of every step (T, N, 3H),
        looping back over time, and of h0 (None unless wanted)."""
        gates, hidden_n, prev_hidden = self.gates, self.hidden_n, self.previous_of(self.hidden)
        xp = get_array_module(gates)
        size = hidden_n.shape[2]
        ga, gu = xp.empty_like(gates), xp.empty_like(gates)
        gh = xp.zeros(hidden_n.shape[1:], dtype=ga.dtype) if gh_T is None else gh_T.data
        W_h_T = xp.ascontiguousarray(W_h.T)  # BLAS's plain layout for the product of every step
        steps = list(self.steps(len(ga)))
        for t in reversed(steps):
            if gys is not None:
                gh = gh + gys.data[t]
            # The cell's own gradient math, one step at a time: its arrays stay in cache.
            if kernels.enabled(gates, gh):  # the NumPy reference is below
                from zerograd.core.kernels import recurrent
                gh_direct = recurrent.gru_step_backward(gates[t], hidden_n[t], prev_hidden[t], gh,
                                                        ga[t], gu[t])
            else:
                ga[t], gu[t], gh_direct = GRUGrad(gates[t, :, :2 * size], gates[t, :, 2 * size:],
                                                  hidden_n[t]).forward(
                    None, prev_hidden[t], None, None, None, None, gh)
            if t != steps[0] or want_h0:
                gh = gu[t] @ W_h_T
                gh += gh_direct
        gh0 = gh.astype(self.inputs[1].data.dtype, copy=False) if want_h0 else None
        return ga, gu, gh0


# ---- the public functions: checks, then layers and directions chained -----------------------


def _check_sequence(name: str, gates: int, x: Any, weights: Sequence[Any], bias_names: tuple,
                    bidirectional: Any, batch_first: Any) -> tuple[int, int, int]:
    """Check x and every layer's weights; return (num_layers, directions, hidden_size)."""
    check_bool(name, "bidirectional", bidirectional)
    check_bool(name, "batch_first", batch_first)
    x_shape = _shape_of(name, "x", x)
    if len(x_shape) != 3:
        layout = "(batch, time, in_size)" if batch_first else "(time, batch, in_size)"
        raise ValueError(f"{name}: x must be 3-D {layout}, got shape {x_shape}")
    if x_shape[1 if batch_first else 0] == 0:
        raise ValueError(f"{name}: x must hold at least one time step, got shape {x_shape}")
    directions = 2 if bidirectional else 1
    if not isinstance(weights, (list, tuple)) or not weights or len(weights) % directions:
        raise ValueError(f"{name}: weights must be a non-empty list of per-layer, per-direction "
                         f"tuples, a multiple of {directions} of them, got {weights!r:.80}")
    width = 2 + len(bias_names)
    in_size = x_shape[2]
    hidden = None
    for k, entry in enumerate(weights):
        if not isinstance(entry, (list, tuple)) or len(entry) != width:
            raise ValueError(f"{name}: weights[{k}] must be a tuple (W_x, W_h, "
                             f"{', '.join(bias_names)}), got {entry!r:.80}")
        W_x_shape = _shape_of(name, f"weights[{k}] W_x", entry[0])
        W_h_shape = _shape_of(name, f"weights[{k}] W_h", entry[1])
        if hidden is None:
            hidden = W_h_shape[0]
        expected_in = in_size if k < directions else directions * hidden
        expected = {"W_x": ((expected_in, gates * hidden), W_x_shape),
                    "W_h": ((hidden, gates * hidden), W_h_shape)}
        for bias_name, bias in zip(bias_names, entry[2:]):
            if bias is not None:
                expected[bias_name] = ((gates * hidden,), _shape_of(name, f"weights[{k}] {bias_name}",
                                                                    bias))
        for arg, (want, got) in expected.items():
            if want != got:
                raise ValueError(f"{name}: weights[{k}] {arg} must have shape {want} (in_size "
                                 f"{expected_in}, hidden_size {hidden}, {gates} gates), got {got}")
    return len(weights) // directions, directions, hidden


def _check_state(name: str, arg: str, state: Any, layers: int, directions: int, batch: int,
                 hidden: int) -> None:
    if state is None:
        return
    want = (layers * directions, batch, hidden)
    got = _shape_of(name, arg, state)
    if got != want:
        raise ValueError(f"{name}: {arg} must have shape {want} (num_layers * directions, batch, "
                         f"hidden_size), got {got}")


def _state_of(state: Any, k: int) -> Any:
    return ABSENT if state is None else get_item(state, k)


def _run_layers(make: Any, x: Any, weights: Sequence[Any], states: tuple, directions: int,
                batch_first: bool) -> tuple[Variable, list[list[Variable]]]:
    """Chain the layers: each layer's directions read the previous layer's output (the two
    directions side by side). Returns the last output and each output state's per-entry list."""
    if batch_first:
        x = transpose(x, (1, 0, 2))
    finals: list[list[Variable]] = [[] for _ in states]
    for first in range(0, len(weights), directions):
        outputs = []
        for k in range(first, first + directions):
            ys, *ends = make(reverse=k - first == 1)(
                x, *(_state_of(s, k) for s in states),
                *(ABSENT if w is None else w for w in weights[k]))
            outputs.append(ys)
            for final, end in zip(finals, ends):
                final.append(end)
        x = outputs[0] if directions == 1 else concat(outputs, axis=2)
    if batch_first:
        x = transpose(x, (1, 0, 2))
    return x, finals


def lstm_sequence(x: Any, weights: Sequence[Any], h0: Any = None, c0: Any = None, *,
                  bidirectional: bool = False, batch_first: bool = False
                  ) -> tuple[Variable, Variable, Variable]:
    """A multi-layer, optionally bidirectional LSTM over a whole sequence (``torch.nn.LSTM``).

    Per step, as ``lstm_cell``: z = x W_x + h W_h + b split into (i, f, g, o);
    c' = f c + i g, h' = o tanh(c'). Each layer and direction is one Function whose input
    projection, recurrence and weight gradients work over all steps at once.

    x: (T, N, I), or (N, T, I) with ``batch_first``. ``weights``: one (W_x, W_h, b) per layer and
    direction in PyTorch's order (layer 0, layer 0 reverse, layer 1, ...): W_x (I, 4H) for layer 0
    and (D H, 4H) after it, W_h (H, 4H), b (4H,) or None; with PyTorch's weights,
    W_x = weight_ih_l{k}.T, W_h = weight_hh_l{k}.T, b = bias_ih_l{k} + bias_hh_l{k}.
    h0, c0: (L D, N, H) or None (zeros). Returns (y, h_n, c_n): y (T, N, D H) (batch first if
    asked), the two directions side by side; h_n, c_n (L D, N, H), each entry its direction's
    last step. Truncated BPTT: cut between calls with ``unchain_backward`` on the loss or on the
    states passed to the next call. Double backward is not supported (see the module).

    >>> import numpy as np
    >>> x = np.ones((5, 2, 3), dtype=np.float32)
    >>> weights = [(np.zeros((3, 16), np.float32), np.zeros((4, 16), np.float32), None)]
    >>> y, h, c = lstm_sequence(x, weights)
    >>> y.shape, h.shape, c.shape
    ((5, 2, 4), (1, 2, 4), (1, 2, 4))
    """
    layers, directions, hidden = _check_sequence("lstm_sequence", 4, x, weights, ("b",),
                                                 bidirectional, batch_first)
    batch = _shape_of("lstm_sequence", "x", x)[0 if batch_first else 1]
    for arg, state in (("h0", h0), ("c0", c0)):
        _check_state("lstm_sequence", arg, state, layers, directions, batch, hidden)
    y, (hs, cs) = _run_layers(LSTMSequence, x, weights, (h0, c0), directions, batch_first)
    return y, stack(hs), stack(cs)


def gru_sequence(x: Any, weights: Sequence[Any], h0: Any = None, *, bidirectional: bool = False,
                 batch_first: bool = False) -> tuple[Variable, Variable]:
    """A multi-layer, optionally bidirectional GRU over a whole sequence (``torch.nn.GRU``).

    Per step, as ``gru_cell``: a = x W_x + b_x, u = h W_h + b_h split into (r, z, n);
    r = sigmoid(a_r + u_r), z = sigmoid(a_z + u_z), n = tanh(a_n + r u_n), h' = (1 - z) n + z h.
    Each layer and direction is one Function (see ``lstm_sequence``).

    x: (T, N, I), or (N, T, I) with ``batch_first``. ``weights``: one (W_x, W_h, b_x, b_h) per
    layer and direction in PyTorch's order: W_x (I, 3H) for layer 0 and (D H, 3H) after it,
    W_h (H, 3H), b_x, b_h (3H,) or None; with PyTorch's weights W_x = weight_ih_l{k}.T,
    W_h = weight_hh_l{k}.T, b_x = bias_ih_l{k}, b_h = bias_hh_l{k}. h0: (L D, N, H) or None.
    Returns (y, h_n): y (T, N, D H) (batch first if asked), h_n (L D, N, H).

    >>> import numpy as np
    >>> x = np.ones((5, 2, 3))
    >>> weights = [(np.zeros((3, 12)), np.zeros((4, 12)), None, None)] * 2
    >>> y, h = gru_sequence(x, weights, bidirectional=True)
    >>> y.shape, h.shape
    ((5, 2, 8), (2, 2, 4))
    """
    layers, directions, hidden = _check_sequence("gru_sequence", 3, x, weights, ("b_x", "b_h"),
                                                 bidirectional, batch_first)
    batch = _shape_of("gru_sequence", "x", x)[0 if batch_first else 1]
    _check_state("gru_sequence", "h0", h0, layers, directions, batch, hidden)
    y, (hs,) = _run_layers(GRUSequence, x, weights, (h0,), directions, batch_first)
    return y, stack(hs)


__all__ = ["GRUSequence", "LSTMSequence", "gru_sequence", "lstm_sequence"]
