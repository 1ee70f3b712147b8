"""accuracy: the fraction of correct predictions, and clear errors for bad shapes and labels."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable


def test_accuracy():
    y = np.array([[0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], np.float32)
    acc = F.accuracy(Variable(y), np.array([1, 0, 0, 0]))
    assert isinstance(acc, Variable) and acc.dtype == np.float32
    assert float(acc.data) == 0.75
    assert float(F.accuracy(y, Variable(np.array([[1], [0], [2], [0]]))).data) == 1.0


def test_bad_input():
    with pytest.raises(ValueError, match=r"scores of shape \(N, C\)"):
        F.accuracy(np.zeros(3), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="one label for each of the 2 rows"):
        F.accuracy(np.zeros((2, 3)), np.zeros(3, dtype=int))
