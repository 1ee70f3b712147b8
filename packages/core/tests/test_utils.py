"""utils: sum_to, comparisons, pair, conv sizes, gradient checks, and the DOT graph."""

import os

import numpy as np
import pytest

from zerograd.core import Variable, utils
from zerograd.core import functions as F


def test_sum_to_and_comparisons():
    assert utils.sum_to(np.ones((2, 3, 4)), (3, 1)).tolist() == [[8.0]] * 3
    assert utils.array_equal(Variable(np.ones(2)), np.ones(2))
    assert not utils.array_equal(np.ones(2), np.ones(3))
    assert utils.array_allclose(np.ones(2), np.ones(2) + 1e-7)


def test_pair_and_conv_sizes():
    assert utils.pair(2) == (2, 2) and utils.pair((3, 4)) == (3, 4)
    with pytest.raises(ValueError, match="pair: expected an int or a pair of ints"):
        utils.pair((1, 2, 3))
    assert utils.get_conv_outsize(4, 3, 1, 1) == 4 and utils.get_conv_outsize(7, 3, 2, 0) == 3
    assert utils.get_deconv_outsize(4, 3, 1, 1) == 4


def test_numerical_grad_and_gradient_check():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(utils.numerical_grad(F.sin, x), np.cos(x), rtol=1e-6)
    assert utils.gradient_check(lambda v: F.tanh(v) * v, np.random.default_rng(0).standard_normal(5))


def test_gradient_check_reports_a_wrong_backward(capsys):
    from zerograd.core import Function

    class Wrong(Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            return gy * 3.0

    assert not utils.gradient_check(lambda v: Wrong()(v), np.array([1.0, 2.0]))
    assert "gradient_check failed" in capsys.readouterr().out


def test_dot_graph_text():
    x = Variable(np.array(1.0), name="x")
    y = F.sin(x) * x
    y.name = "y"
    text = utils.get_dot_graph(y)
    assert text.startswith("digraph g {") and text.endswith("}")
    assert 'label="Sin"' in text and 'label="Mul"' in text and 'label="x: () float64"' in text


def test_plot_dot_graph_names_the_missing_program(monkeypatch, tmp_path):
    import zerograd.core.graph as graph

    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Graphviz's `dot` program was not found"):
        utils.plot_dot_graph(Variable(np.ones(1)) * 2, to_file=str(tmp_path / "g.png"))


def test_plot_dot_graph_renders_when_graphviz_exists(tmp_path):
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    target = tmp_path / "graph.svg"
    utils.plot_dot_graph(F.exp(Variable(np.ones(2), name="x")), to_file=str(target))
    assert target.read_text().lstrip().startswith("<")
    assert os.listdir(tmp_path) == ["graph.svg"]
