"""EmbedID: row lookup, the book's initialisation, and clear errors for bad sizes."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.nn.layers import EmbedID


def test_lookup_and_initialisation():
    np.random.seed(0)
    layer = EmbedID(6, 3)
    np.random.seed(0)
    np.testing.assert_array_equal(layer.W.data, np.random.randn(6, 3).astype(np.float32))
    y = layer(np.array([[0, 5], [2, 2]]))
    assert y.shape == (2, 2, 3) and y.dtype == np.float32
    y.backward()
    np.testing.assert_array_equal(layer.W.grad.data[2], [2, 2, 2])
    assert "in_size=6, out_size=3" in repr(layer)


def test_bad_sizes():
    with pytest.raises(ValueError, match="in_size must be a positive int"):
        EmbedID(0, 3)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 6\)"):
        EmbedID(6, 3)(np.array([6]))


def test_sizes_must_be_ints():
    with pytest.raises(TypeError, match=r"EmbedID: out_size must be a positive int, got 3.0 \(float\)"):
        EmbedID(6, 3.0)
    with pytest.raises(TypeError, match="EmbedID: dtype must be a floating-point type"):
        EmbedID(6, 3, np.int64)
