"""Config, using_config, no_grad, seed and cuda switching."""

import random

import numpy as np
import pytest

from zerograd.core import Config, Variable, cuda, no_grad, seed, using_config


def test_using_config_restores_even_after_an_error():
    with pytest.raises(KeyError), using_config("train", False):
        assert Config.train is False
        raise KeyError
    assert Config.train is True
    with pytest.raises(AttributeError, match="using_config: Config has no setting 'trian'"):
        with using_config("trian", False):
            pass


def test_no_grad_switches_enable_backprop():
    with no_grad():
        assert Config.enable_backprop is False
    assert Config.enable_backprop is True


def test_seed_repeats_numpy_and_python_random():
    seed(3)
    first = (np.random.rand(), random.random())
    seed(3)
    assert (np.random.rand(), random.random()) == first
    with pytest.raises(ValueError, match="seed: expected a non-negative integer, got -1"):
        seed(-1)


def test_cuda_without_cupy_falls_back_to_numpy():
    assert cuda.get_array_module(np.ones(1)) is np
    assert cuda.get_array_module(Variable(np.ones(1))) is np
    assert isinstance(cuda.as_numpy(np.ones(1)), np.ndarray)
    assert cuda.as_numpy(3.0).shape == ()
    target = np.zeros(3)
    cuda.scatter_add(np, target, np.array([0, 0, 2]), np.ones(3))
    assert target.tolist() == [2.0, 0.0, 1.0]
    if not cuda.gpu_enable:
        with pytest.raises(RuntimeError, match="as_cupy: CuPy has no GPU to move data to"):
            cuda.as_cupy(np.ones(1))
