"""test_mode and the train flag."""

from __future__ import annotations

import pytest

from zerograd.core import Config
from zerograd.nn import test_mode
from zerograd.nn.mode import is_training


def test_test_mode_switches_config_train():
    assert Config.train
    with test_mode():
        assert not Config.train
        assert not is_training(None) and is_training(True)
    assert Config.train


def test_test_mode_restores_after_an_error():
    with pytest.raises(KeyError), test_mode():
        raise KeyError("boom")
    assert Config.train
