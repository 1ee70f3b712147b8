"""zerograd.torch.nn.functional's PyTorch surface beyond the tutorial: the loss modules'
constructors (signatures, legacy flags, weight buffers), integer inputs, softmax's dtype and
implicit dim, return_indices, unbatched inputs and inplace. Values against PyTorch."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import zerograd.torch as ztorch
import zerograd.torch.nn as znn
import zerograd.torch.nn.functional as F
from zerograd.core.testing import torch_or_skip

LOSSES = ["BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss",
          "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss",
          "MSELoss", "MarginRankingLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
          "NLLLoss", "PoissonNLLLoss", "SmoothL1Loss", "SoftMarginLoss", "TripletMarginLoss"]


def _parameters(cls):
    return [(p.name, p.default, p.kind) for p in inspect.signature(cls.__init__).parameters.values()]


@pytest.mark.parametrize("name", LOSSES)
def test_loss_module_signatures_are_pytorchs(name):
    torch = torch_or_skip()
    assert _parameters(getattr(znn, name)) == _parameters(getattr(torch.nn, name))


def test_loss_modules_compute_pytorchs_values():
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 2, -100, 1])
    w = rng.uniform(0.5, 2, 3).astype(np.float32)
    ours = znn.CrossEntropyLoss(ztorch.tensor(w), label_smoothing=0.1)(ztorch.tensor(x),
                                                                       ztorch.tensor(t))
    theirs = torch.nn.CrossEntropyLoss(torch.tensor(w), label_smoothing=0.1)(torch.tensor(x),
                                                                           torch.tensor(t))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)
    assert "weight" in znn.CrossEntropyLoss(ztorch.tensor(w)).state_dict()
    assert znn.MSELoss(size_average=False).reduction == "sum"
    assert znn.L1Loss(reduce=False).reduction == "none"
    y = np.sign(rng.standard_normal(4)).astype(np.float32)
    ours = znn.MarginRankingLoss(0.2)(ztorch.tensor(x[:, 0]), ztorch.tensor(x[:, 1]),
                                      ztorch.tensor(y))
    theirs = torch.nn.MarginRankingLoss(0.2)(torch.tensor(x[:, 0]), torch.tensor(x[:, 1]),
                                             torch.tensor(y))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)


def test_integer_inputs_keep_pytorchs_dtypes():
    torch = torch_or_skip()
    a = np.array([[-3, 0, 2, 7]])
    assert F.relu6(ztorch.tensor(a)).dtype == ztorch.int64
    np.testing.assert_array_equal(F.hardtanh(ztorch.tensor(a)).numpy(),
                                  torch.nn.functional.hardtanh(torch.tensor(a)).numpy())
    assert F.softsign(ztorch.tensor(a)).dtype == ztorch.float32
    pooled = F.avg_pool1d(ztorch.tensor(a[None]), 3, 1, 1)
    np.testing.assert_array_equal(pooled.numpy(),
                                  torch.nn.functional.avg_pool1d(torch.tensor(a[None]), 3, 1, 1))


def test_softmax_dtype_and_implicit_dim():
    x = ztorch.tensor(np.ones((2, 3), np.float32))
    assert F.softmax(x, dim=1, dtype=ztorch.float64).dtype == ztorch.float64
    np.testing.assert_allclose(F.softmax(x).numpy(), np.full((2, 3), 1 / 3), rtol=1e-6)
    assert F.log_softmax(ztorch.tensor(np.float32(2.0)), 0).item() == 0.0


def test_pooling_indices_and_unbatched_inputs():
    torch = torch_or_skip()
    x = np.random.default_rng(1).standard_normal((3, 6, 5)).astype(np.float32)
    values, indices = F.max_pool2d(ztorch.tensor(x), 2, return_indices=True, ceil_mode=True)
    t_values, t_indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True,
                                                         ceil_mode=True)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    assert F.adaptive_max_pool1d(ztorch.tensor(x[0]), 2).shape == (6, 2)


def test_inplace_writes_into_a_tensor_outside_autograd():
    x = ztorch.tensor(np.array([-1.0, 2.0], np.float32))
    y = F.relu(x, inplace=True)
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0])


def test_bad_arguments_are_named():
    with pytest.raises(NotImplementedError, match="interpolate: antialias=True"):
        F.interpolate(ztorch.tensor(np.ones((1, 1, 2, 2), np.float32)), 3, mode="bilinear",
                      antialias=True)
    with pytest.raises(NotImplementedError, match="embedding: scale_grad_by_freq"):
        F.embedding(ztorch.tensor(np.array([0])), ztorch.tensor(np.ones((2, 2), np.float32)),
                    scale_grad_by_freq=True)
    with pytest.raises(TypeError, match="GaussianNLLLoss|full"):
        znn.GaussianNLLLoss(True)
