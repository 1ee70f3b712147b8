"""embed_id: row lookup with accumulated gradients for repeated ids."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable
from zerograd.core.testing import check_backward, check_double_backward


def test_lookup_and_gradient(rng):
    ids = np.array([[1, 3, 1], [0, 1, 2]])
    W = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(F.embed_id(ids, W).data, W[ids])
    check_backward(lambda w: F.embed_id(ids, w), W)
    check_double_backward(lambda w: F.embed_id(ids, w), W)


def test_repeated_ids_accumulate():
    W = Variable(np.zeros((3, 2)))
    F.embed_id(np.array([1, 1, 1, 2]), W).backward()
    np.testing.assert_array_equal(W.grad.data, [[0, 0], [3, 3], [1, 1]])


def test_against_pytorch(rng, torch_check):
    import torch

    ids = rng.integers(0, 5, (3, 4))
    W = rng.standard_normal((5, 2)).astype(np.float32)
    torch_check(lambda w: F.embed_id(ids, w),
                lambda w: torch.nn.functional.embedding(torch.tensor(ids), w), [W])


def test_bad_input():
    W = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 3\), got values from 0 to 3"):
        F.embed_id(np.array([0, 3]), W)
    with pytest.raises(ValueError, match="ids must lie"):
        F.embed_id(np.array([-1]), W)
    with pytest.raises(TypeError, match="integer array of ids"):
        F.embed_id(np.array([0.0]), W)
    with pytest.raises(ValueError, match=r"W must be a matrix"):
        F.embed_id(np.array([0]), np.zeros(3))
