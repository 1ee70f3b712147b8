"""PyTorch's activations (piecewise-linear and smooth), norms and distances: gradient checks in
float64, forward and gradients against PyTorch in float32, double backward, errors."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core.testing import check_backward, check_double_backward

# name -> (zerograd function, PyTorch function of (torch, x))
ACTIVATIONS = {
    "relu6": (F.relu6, lambda torch, x: torch.nn.functional.relu6(x)),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 1.5),
                 lambda torch, x: torch.nn.functional.hardtanh(x, -0.5, 1.5)),
    "hardsigmoid": (F.hardsigmoid, lambda torch, x: torch.nn.functional.hardsigmoid(x)),
    "hardswish": (F.hardswish, lambda torch, x: torch.nn.functional.hardswish(x)),
    "threshold": (lambda x: F.threshold(x, 0.5, -2.0),
                  lambda torch, x: torch.nn.functional.threshold(x, 0.5, -2.0)),
    "softshrink": (F.softshrink, lambda torch, x: torch.nn.functional.softshrink(x)),
    "hardshrink": (F.hardshrink, lambda torch, x: torch.nn.functional.hardshrink(x)),
    "rrelu_eval": (lambda x: F.rrelu(x, train=False),
                   lambda torch, x: torch.nn.functional.rrelu(x, training=False)),
    "selu": (F.selu, lambda torch, x: torch.nn.functional.selu(x)),
    "celu": (lambda x: F.celu(x, 0.7), lambda torch, x: torch.nn.functional.celu(x, 0.7)),
    "mish": (F.mish, lambda torch, x: torch.nn.functional.mish(x)),
    "softplus_threshold": (lambda x: F.softplus_threshold(x, 2.0, 1.0),
                           lambda torch, x: torch.nn.functional.softplus(x, 2.0, 1.0)),
    "logsigmoid": (F.logsigmoid, lambda torch, x: torch.nn.functional.logsigmoid(x)),
    "softsign": (F.softsign, lambda torch, x: torch.nn.functional.softsign(x)),
    "tanhshrink": (F.tanhshrink, lambda torch, x: torch.nn.functional.tanhshrink(x)),
    "glu": (lambda x: F.glu(x, 1), lambda torch, x: torch.nn.functional.glu(x, 1)),
    "softmin": (lambda x: F.softmin(x, 0), lambda torch, x: torch.nn.functional.softmin(x, 0)),
    "normalize": (lambda x: F.normalize(x, 3.0, 1),
                  lambda torch, x: torch.nn.functional.normalize(x, 3.0, 1)),
    "vector_norm_inf": (lambda x: F.vector_norm(x, np.inf, 0),
                        lambda torch, x: torch.linalg.vector_norm(x, float("inf"), 0)),
}
NAMES = sorted(ACTIVATIONS)
SMOOTH = [n for n in NAMES if n in ("selu", "celu", "mish", "logsigmoid", "softsign",
                                    "tanhshrink", "glu", "softmin", "normalize")]


@pytest.mark.parametrize("name", NAMES)
def test_gradient(name, rng, nonzero):
    check_backward(ACTIVATIONS[name][0], nonzero(rng, (3, 4)))


@pytest.mark.parametrize("name", NAMES)
def test_against_pytorch(name, rng, nonzero, torch_check):
    func, torch_func = ACTIVATIONS[name]
    torch_check(func, lambda t: torch_func(__import__("torch"), t),
                [nonzero(rng, (3, 4), np.float32) * 2])


@pytest.mark.parametrize("name", SMOOTH)
def test_double_backward(name, rng, nonzero):
    check_double_backward(ACTIVATIONS[name][0], nonzero(rng, (3, 4)))


def test_prelu_gradients_and_pytorch(rng, nonzero, torch_check):
    x, w = nonzero(rng, (2, 3, 4)), rng.uniform(0.1, 0.5, 3)
    check_backward(F.prelu, x, w)
    import torch
    torch_check(F.prelu, torch.nn.functional.prelu, [x.astype(np.float32), w.astype(np.float32)])


def test_rrelu_in_train_mode_draws_slopes_between_lower_and_upper(rng):
    x = -np.ones(4000)
    slopes = -F.rrelu(x, 0.1, 0.3, train=True).data
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01


def test_distances_against_pytorch(rng, torch_check):
    import torch
    a, b = rng.standard_normal((2, 5, 3)).astype(np.float32)
    torch_check(F.cosine_similarity, torch.nn.functional.cosine_similarity, [a, b])
    torch_check(lambda x, y: F.pairwise_distance(x, y, 1.5),
                lambda x, y: torch.nn.functional.pairwise_distance(x, y, 1.5), [a, b])
    check_backward(F.cosine_similarity, a, b)
    check_backward(F.pairwise_distance, a, b)


def test_norm_of_zero_has_a_zero_gradient():
    from zerograd.core import Variable
    x = Variable(np.zeros((2, 3)))
    F.vector_norm(x, axis=1).backward()
    assert np.all(x.grad.data == 0)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.hardtanh(np.zeros(2), 1.0, -1.0), ValueError, "hardtanh: min_val 1.0 must not"),
    (lambda: F.softshrink(np.zeros(2), -1.0), ValueError, "softshrink: lambd must be"),
    (lambda: F.glu(np.zeros((2, 3))), ValueError, "glu: axis 1 of x (shape (2, 3)) must have an even"),
    (lambda: F.prelu(np.zeros((2, 3)), np.ones(2)), ValueError, "prelu: weight must have 1 or 3"),
    (lambda: F.relu6(np.zeros(2, dtype=np.int64)), TypeError, "hardtanh: x must be a floating"),
    (lambda: F.rrelu(np.zeros(2), 0.5, 0.1), ValueError, "rrelu: need 0 <= lower <= upper"),
    (lambda: F.cosine_similarity(np.zeros((2, 3)), np.zeros((4, 3))), ValueError,
     "cosine_similarity: shapes (2, 3) and (4, 3) do not broadcast"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_pdist_and_bilinear_against_pytorch(rng, torch_check):
    import torch
    x = rng.standard_normal((5, 3)).astype(np.float32)
    torch_check(F.pdist, torch.nn.functional.pdist, [x])
    check_backward(lambda v: F.pdist(v, 3.0), x)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 5))
    w, bias = rng.standard_normal((6, 4, 5)), rng.standard_normal(6)
    torch_check(F.bilinear, torch.nn.functional.bilinear,
                [v.astype(np.float32) for v in (a, b, w, bias)])
    check_backward(F.bilinear, a, b, w, bias)
    with pytest.raises(ValueError, match=r"bilinear: expected x1 \(\.\.\., I\)"):
        F.bilinear(a, b, w[:, :3])
