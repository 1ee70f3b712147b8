"""zerograd.torch.nn.functional against PyTorch's (values and gradients, float32) and against
central differences (float64) where the facade adapts a reduction, a layout or a default."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch.nn.functional as F
from zerograd.core.testing import check_against_torch, check_backward, torch_or_skip

rng = np.random.default_rng(0)
x4 = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
x2 = rng.standard_normal((5, 4)).astype(np.float32)
t2 = rng.standard_normal((5, 4)).astype(np.float32)
labels = np.array([0, 3, 1, 2, 3])
w_lin = rng.standard_normal((6, 4)).astype(np.float32)  # (out, in): PyTorch's layout
b_lin = rng.standard_normal(6).astype(np.float32)
w_conv = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
targets01 = rng.random((5, 4)).astype(np.float32)

class Fixed:
    """An argument passed as it is, not compared by gradient (targets zerograd treats as
    constants, where PyTorch also differentiates them)."""

    def __init__(self, value):
        self.value = value


CASES = {
    "linear": (F.linear, "linear", (x2, w_lin, b_lin), {}),
    "conv2d-padding": (F.conv2d, "conv2d", (x4, w_conv), {"stride": 2, "padding": 1}),
    "max_pool2d-stride-defaults-to-kernel": (F.max_pool2d, "max_pool2d", (x4, 2), {}),
    "avg_pool2d-stride-defaults-to-kernel": (F.avg_pool2d, "avg_pool2d", (x4, 2), {}),
    "adaptive_avg_pool2d-1": (F.adaptive_avg_pool2d, "adaptive_avg_pool2d", (x4, 1), {}),
    "adaptive_avg_pool2d-2": (F.adaptive_avg_pool2d, "adaptive_avg_pool2d", (x4, (2, 4)), {}),
    "relu": (F.relu, "relu", (x2,), {}),
    "softmax-dim": (F.softmax, "softmax", (x2,), {"dim": 0}),
    "log_softmax-dim": (F.log_softmax, "log_softmax", (x2,), {"dim": 1}),
    "cross_entropy-mean": (F.cross_entropy, "cross_entropy", (x2, labels), {}),
    "cross_entropy-sum": (F.cross_entropy, "cross_entropy", (x2, labels), {"reduction": "sum"}),
    "cross_entropy-none": (F.cross_entropy, "cross_entropy", (x2, labels), {"reduction": "none"}),
    "nll_loss": (F.nll_loss, "nll_loss", (x2, labels), {}),
    "mse_loss-mean-over-elements": (F.mse_loss, "mse_loss", (x2, t2), {}),
    "mse_loss-sum": (F.mse_loss, "mse_loss", (x2, t2), {"reduction": "sum"}),
    "l1_loss": (F.l1_loss, "l1_loss", (x2, t2), {}),
    "bce_with_logits-mean": (F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits",
                             (x2, Fixed(targets01)), {}),
    "bce_with_logits-none": (F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits",
                             (x2, Fixed(targets01)), {"reduction": "none"}),
    "layer_norm": (F.layer_norm, "layer_norm", (x2, (4,)), {}),
}


def _split(inputs):
    """Arrays go through the comparison (differentiated); the rest are fixed arguments."""
    arrays = [i for i, v in enumerate(inputs) if isinstance(v, np.ndarray)]
    return arrays, [v for v in inputs if isinstance(v, np.ndarray)]


def _fixed(value, torch=None):
    if not isinstance(value, Fixed):
        return value
    return value.value if torch is None else torch.tensor(value.value)


@pytest.mark.parametrize("name", list(CASES))
def test_against_pytorch(name):
    torch = torch_or_skip()
    ours, theirs_name, inputs, kwargs = CASES[name]
    theirs = getattr(torch.nn.functional, theirs_name)
    positions, arrays = _split(inputs)

    def call(function, *values, torch=None):
        args = [_fixed(v, torch) for v in inputs]
        for position, value in zip(positions, values):
            args[position] = value
        return function(*args, **kwargs)

    check_against_torch(lambda *v: call(ours, *v), lambda *v: call(theirs, *v, torch=torch),
                        *arrays)


@pytest.mark.parametrize("name", ["linear", "mse_loss-mean-over-elements", "bce_with_logits-mean",
                                  "bce_with_logits-none", "adaptive_avg_pool2d-2",
                                  "cross_entropy-none"])
def test_numerical_gradient(name):
    ours, _, inputs, kwargs = CASES[name]
    positions, arrays = _split(inputs)
    floating = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]

    def call(*values):
        args = [_fixed(v) for v in inputs]
        for i, value in zip(floating, values):
            args[positions[i]] = value
        return ours(*args, **kwargs)

    check_backward(call, *[arrays[i].astype(np.float64) for i in floating])


@pytest.mark.parametrize("call, message", [
    (lambda: F.cross_entropy(x2, labels, reduction="avg"), "cross_entropy: reduction must be"),
    (lambda: F.mse_loss(x2, t2[:2]), "mse_loss: x of shape (5, 4) and t of shape (2, 4) do not broadcast"),
    (lambda: F.conv2d(x4, w_conv, stride=2, padding="same"), "conv2d: padding='same' needs stride 1"),
    (lambda: F.pad(x4, (1, 1), mode="reflect", value=2.0), "pad: padding mode 'reflect' doesn't take"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)
