"""The compiled LSTM and GRU gate kernels (zerograd.core.kernels.recurrent) against their NumPy
reference (lstm_sequence/gru_sequence with Config.kernels off), on both float dtypes, both
directions, with and without initial states, with gradients reaching the outputs and the final
states; gradient checks with the kernels on. Skipped without Numba. test_functions_sequence
compares with torch.nn.LSTM/nn.GRU with the kernels on (their default)."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Variable, using_config
from zerograd.core.testing import check_backward
from zerograd.text.functions import gru_sequence, lstm_sequence

pytest.importorskip("numba", reason="the compiled kernels need Numba (zerograd-core[kernels])")

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-13}  # float32: rounding grows over the steps
GATES = {"lstm": 4, "gru": 3}


def _arrays(kind, dtype, length=5, batch=3, in_size=4, hidden=6, scale=1.0):
    rng = np.random.default_rng(0)

    def draw(*shape):
        return (rng.standard_normal(shape) * scale).astype(dtype)

    width = GATES[kind] * hidden
    biases = 1 if kind == "lstm" else 2
    layer = [draw(in_size, width), draw(hidden, width)] + [draw(width) for _ in range(biases)]
    return draw(length, batch, in_size), draw(2, batch, hidden), draw(2, batch, hidden), layer * 2


def _run(kind, x, h0, c0, flat):
    half = len(flat) // 2
    weights = [tuple(flat[:half]), tuple(flat[half:])]
    if kind == "lstm":
        return lstm_sequence(x, weights, h0, c0, bidirectional=True)
    return gru_sequence(x, weights, h0, bidirectional=True)


def _outputs_and_gradients(kind, arrays, kernels_on):
    with using_config("kernels", kernels_on):
        inputs = [None if a is None else Variable(a.copy()) for a in arrays[:3]]
        weights = [Variable(w.copy()) for w in arrays[3]]
        outputs = _run(kind, *inputs, weights)
        loss = (outputs[0] * outputs[0]).sum()
        for state in outputs[1:]:  # gradients reach y and every final state
            loss = loss + (state * outputs[1]).sum()
        loss.backward()
        grads = [v.grad.data for v in inputs + weights if v is not None and v.grad is not None]
        return [y.data for y in outputs] + grads


@pytest.mark.parametrize("kind", sorted(GATES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("states", [True, False])
def test_kernel_matches_numpy_reference(kind, dtype, states):
    x, h0, c0, flat = _arrays(kind, dtype, scale=2.0)  # large pre-activations: saturated gates
    arrays = (x, h0 if states else None, c0 if states else None, flat)
    reference = _outputs_and_gradients(kind, arrays, False)
    fused = _outputs_and_gradients(kind, arrays, True)
    assert len(fused) == len(reference)
    for want, got in zip(reference, fused):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=TOLERANCE[dtype],
                                   atol=TOLERANCE[dtype] * np.abs(want).max())


@pytest.mark.parametrize("kind", sorted(GATES))
def test_kernel_gradients(kind):
    x, h0, c0, flat = _arrays(kind, np.float64, length=3, batch=2, in_size=3, hidden=2)
    with using_config("kernels", True):
        check_backward(lambda x, h0, c0, *flat: _run(kind, x, h0, c0, flat), x, h0, c0, *flat)
