"""Sequential, LayerList and ParameterList."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Parameter
from zerograd.nn.layers import LayerList, Linear, ParameterList, Sequential


def test_sequential_chains_layers_and_functions():
    np.random.seed(0)
    model = Sequential(Linear(4, in_size=3), F.relu, Linear(2, in_size=4))
    x = np.random.randn(5, 3).astype(np.float32)
    expected = model[2](F.relu(model[0](x)))
    np.testing.assert_array_equal(model(x).data, expected.data)
    assert len(model) == 3 and list(model)[1] is F.relu
    assert [n for n, _ in model.named_params()] == ["l0.W", "l0.b", "l2.W", "l2.b"]
    assert "  (l1): relu" in repr(model).splitlines()
    model.append(F.sigmoid)
    assert model(x).shape == (5, 2)


def test_sequential_weights_use_the_books_keys(tmp_path):
    model = Sequential(Linear(2, in_size=3))
    with np.load(model.save_weights(tmp_path / "s.npz")) as archive:
        assert sorted(archive.files) == ["l0/W", "l0/b"]


def test_sequential_rejects_non_callables():
    with pytest.raises(TypeError, match="must be a Layer or a function, got int"):
        Sequential(3)


def test_layer_list():
    blocks = LayerList([Linear(2, in_size=2)])
    blocks.append(Linear(3, in_size=2))
    assert len(blocks) == 2 and blocks[-1].out_size == 3
    blocks[0] = Linear(5, in_size=2)
    assert [n for n, p in blocks.named_params()] == ["0.W", "0.b", "1.W", "1.b"]
    assert blocks[0].out_size == 5 and [layer.out_size for layer in blocks] == [5, 3]
    with pytest.raises(TypeError, match="items must be Layers"):
        blocks.append(F.relu)
    with pytest.raises(IndexError):
        blocks[2] = Linear(1)
    with pytest.raises(NotImplementedError, match="container"):
        blocks(np.ones(2))


def test_parameter_list():
    params = ParameterList([np.ones(2), Parameter(np.zeros(3))])
    params.append(np.full(1, 2.0))
    params[1] = np.ones(4)
    assert [p.shape for p in params] == [(2,), (4,), (1,)]
    assert [n for n, _ in params.named_params()] == ["0", "1", "2"]
    assert all(isinstance(p, Parameter) for p in params.params())
    with pytest.raises(TypeError, match="Parameters or arrays"):
        params.append("weights")
