"""dropout: inverted scaling in train mode, identity in test mode, the global generator."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable, using_config
from zerograd.core.testing import check_backward, check_double_backward
from zerograd.nn import test_mode


def _seeded_dropout(ratio):
    def func(x):
        np.random.seed(7)  # the same mask on every call, so numerical gradients are meaningful
        return F.dropout(x, ratio)

    return func


@pytest.mark.parametrize("ratio", [0.0, 0.3, 0.5])
def test_gradient(ratio, rng):
    check_backward(_seeded_dropout(ratio), rng.standard_normal((4, 5)))
    check_double_backward(_seeded_dropout(ratio), rng.standard_normal((4, 5)))


def test_inverted_scaling():
    np.random.seed(0)
    x = Variable(np.ones((200, 50), np.float32))
    y = F.dropout(x, 0.3)
    kept = y.data != 0
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    y.backward()
    np.testing.assert_array_equal(x.grad.data, y.data)


def test_mask_comes_from_the_global_generator():
    x = np.ones((3, 4))
    np.random.seed(3)
    expected_keep = np.random.rand(3, 4) > 0.5
    np.random.seed(3)
    y = F.dropout(x, 0.5)
    np.testing.assert_array_equal(y.data != 0, expected_keep)


def test_test_mode_is_identity():
    x = Variable(np.arange(6.0).reshape(2, 3))
    with test_mode():
        assert F.dropout(x, 0.9) is x
    assert F.dropout(x, 0.9, train=False) is x
    with using_config("train", False):
        y = F.dropout(x, 0.5, train=True)  # the explicit flag wins
    assert (y.data == 0).any() or (y.data != x.data).any()


def test_ratio_one_drops_everything():
    y = F.dropout(np.ones(4), 1.0)
    np.testing.assert_array_equal(y.data, np.zeros(4))


def test_bad_input():
    with pytest.raises(ValueError, match=r"dropout_ratio must lie in \[0, 1\], got 1.5"):
        F.dropout(np.ones(3), 1.5)
    with pytest.raises(TypeError, match="floating"):
        F.dropout(np.ones(3, dtype=int))
