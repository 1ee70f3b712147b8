"""group_norm, instance_norm, rms_norm, local_response_norm and bilinear: gradients (first and
second order, float64), running statistics, bad input, and PyTorch's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core.testing import check_backward, check_double_backward
from zerograd.nn.functions.bilinear import bilinear
from zerograd.nn.functions.feature_normalization import (
    group_norm,
    instance_norm,
    local_response_norm,
    rms_norm,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 3))
W, B = RNG.uniform(0.5, 1.5, 4), RNG.standard_normal(4)

CASES = {
    "group_norm": (lambda x, w, b: group_norm(x, 2, w, b), (X, W, B)),
    "instance_norm": (lambda x, w, b: instance_norm(x, None, None, w, b), (X, W, B)),
    "rms_norm": (lambda x, w: rms_norm(x, (3,), w, 1e-6), (X, RNG.uniform(0.5, 1.5, 3))),
    "local_response_norm": (lambda x: local_response_norm(x, 3, 0.1, 0.75, 1.0), (X,)),
    "bilinear": (bilinear, (RNG.standard_normal((5, 2)), RNG.standard_normal((5, 3)),
                            RNG.standard_normal((4, 2, 3)), RNG.standard_normal(4))),
}


@pytest.mark.parametrize("name", CASES)
def test_gradients(name):
    func, inputs = CASES[name]
    check_backward(func, *inputs)
    check_double_backward(func, *inputs)


def test_instance_norm_updates_running_statistics_in_place():
    mean, var = np.zeros(4), np.ones(4)
    instance_norm(X, mean, var, momentum=0.5)
    np.testing.assert_allclose(mean, 0.5 * X.mean(axis=2).mean(axis=0))
    np.testing.assert_allclose(var, 0.5 + 0.5 * X.var(axis=2, ddof=1).mean(axis=0))
    y = instance_norm(X, mean, var, use_input_stats=False).data
    np.testing.assert_allclose(y, (X - mean[:, None]) / np.sqrt(var[:, None] + 1e-5))


def test_bad_input_names_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"group_norm: num_groups \(3\) must divide the 4 channels"):
        group_norm(X, 3)
    with pytest.raises(ValueError, match=r"group_norm: weight must have shape \(4,\)"):
        group_norm(X, 2, np.ones(3))
    with pytest.raises(ValueError, match=r"rms_norm: normalized_shape \(4,\) does not match"):
        rms_norm(X, (4,))
    with pytest.raises(ValueError, match=r"bilinear: expected x1 .*, got \(2, 3\)"):
        bilinear(np.ones((2, 3)), np.ones((2, 3)), np.ones((4, 2, 3)))
    with pytest.raises(TypeError, match="local_response_norm"):
        local_response_norm(np.ones((2, 3, 4), dtype=np.int64), 2)


def test_against_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch comparison (3.11 oracle)")
    F = torch.nn.functional
    x = X.astype(np.float32)
    t = torch.tensor(x)
    w, b = torch.tensor(W, dtype=torch.float32), torch.tensor(B, dtype=torch.float32)
    pairs = [
        (group_norm(x, 2, W.astype(np.float32), B.astype(np.float32)), F.group_norm(t, 2, w, b)),
        (instance_norm(x), F.instance_norm(t)),
        (rms_norm(x, (3,)), F.rms_norm(t, (3,))),
        (local_response_norm(x, 3, 0.1), F.local_response_norm(t, 3, 0.1)),
        (local_response_norm(x, 2), F.local_response_norm(t, 2)),
    ]
    for got, expected in pairs:
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-4, atol=1e-5)
    x1, x2 = (RNG.standard_normal((3, 2, 5)).astype(np.float32) for _ in range(2))
    weight = RNG.standard_normal((4, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(bilinear(x1, x2, weight).data,
                               F.bilinear(torch.tensor(x1), torch.tensor(x2),
                                          torch.tensor(weight)).numpy(), rtol=1e-4, atol=1e-5)
