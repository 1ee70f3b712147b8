"""The compiled LSTM gate kernels (one step forward and backward) against their NumPy reference,
the same sequence Function with Config.kernels off, and a float64 gradient check through them;
skipped without Numba. PyTorch's nn.LSTM checks both paths in test_functions_sequence."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Variable, using_config
from zerograd.core.gradient_check import gradient_check
from zerograd.text.functions import lstm_sequence as lstm

pytest.importorskip("numba", reason="the compiled kernels need Numba (zerograd-core[kernels])")


def _weights(rng, in_size, hidden, dtype):
    return [(rng.standard_normal((in_size, 4 * hidden)).astype(dtype) * 0.5,
             rng.standard_normal((hidden, 4 * hidden)).astype(dtype) * 0.5,
             rng.standard_normal(4 * hidden).astype(dtype))]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_kernels_match_numpy(dtype, rtol, with_state):
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((5, 3, 4)).astype(dtype)
    weights = _weights(rng, 4, 6, dtype)
    h0 = rng.standard_normal((1, 3, 6)).astype(dtype) if with_state else None
    c0 = rng.standard_normal((1, 3, 6)).astype(dtype) if with_state else None
    results = []
    for on in (False, True):
        with using_config("kernels", on):
            x = Variable(xs.copy())
            ys, h_T, c_T = lstm(x, [tuple(Variable(w) for w in weights[0])], h0, c0)
            (ys.sum() + (h_T * 2).sum() + (c_T * 3).sum()).backward()
            results.append((ys.data, h_T.data, c_T.data, x.grad.data))
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol)


def test_lstm_kernels_gradient_check():
    rng = np.random.default_rng(1)
    weights = _weights(rng, 3, 2, np.float64)
    gradient_check(lambda x: lstm(x, [weights[0]])[0], rng.standard_normal((4, 2, 3)))
