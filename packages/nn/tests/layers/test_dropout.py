"""Dropout layer: active only when both its flag and Config.train say so."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import using_config
from zerograd.nn.layers import Dropout


def test_modes():
    x = np.ones((50, 40), np.float32)
    layer = Dropout(0.5)
    assert (layer(x).data == 0).any()
    with using_config("train", False):
        np.testing.assert_array_equal(layer(x).data, x)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x)
    layer.train()
    assert (layer(x).data == 0).any()
    assert repr(layer) == "Dropout(dropout_ratio=0.5)  # 0 params"


def test_bad_ratio():
    with pytest.raises(ValueError, match="Dropout: dropout_ratio must be a finite number in \\[0, 1\\]"):
        Dropout(-0.1)


@pytest.mark.parametrize("ratio, error", [(float("nan"), ValueError), ("0.5", TypeError),
                                          (True, TypeError)])
def test_a_ratio_that_is_not_a_number_in_range_is_refused(ratio, error):
    with pytest.raises(error, match="Dropout: dropout_ratio must be a finite number in"):
        Dropout(ratio)


def test_dropout_asks_is_training():
    layer = Dropout(0.5)
    layer.is_training = lambda: False  # the one question every mode-dependent layer asks
    x = np.ones((20, 20), np.float32)
    np.testing.assert_array_equal(layer(x).data, x)
