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


@pytest.mark.parametrize("size, kernel, stride, pad, dilation",
                         [(7, 3, 1, 0, 1), (7, 3, 2, 1, 2), (10, 4, 3, 2, 3), (5, 1, 1, 0, 4)])
def test_conv_sizes_with_dilation_match_pytorch(size, kernel, stride, pad, dilation):
    """The optional dilation (vision's convolutions use it) gives PyTorch's output lengths."""
    from zerograd.core.testing import torch_or_skip

    torch = torch_or_skip()
    weight = torch.zeros(1, 1, kernel)
    forward = torch.nn.functional.conv1d(torch.zeros(1, 1, size), weight, stride=stride,
                                         padding=pad, dilation=dilation)
    assert utils.get_conv_outsize(size, kernel, stride, pad, dilation) == forward.shape[-1]
    transposed = torch.nn.functional.conv_transpose1d(torch.zeros(1, 1, size), weight, stride=stride,
                                                      padding=pad, dilation=dilation)
    assert utils.get_deconv_outsize(size, kernel, stride, pad, dilation=dilation) == transposed.shape[-1]


def test_numerical_gradients_of_non_contiguous_inputs():
    """A transposed (Fortran-ordered) input used to be perturbed in a copy: all-zero gradients."""
    from zerograd.core.testing import check_backward

    x = np.arange(1.0, 7.0).reshape(2, 3).T
    np.testing.assert_allclose(utils.numerical_grad(F.sin, x.astype(np.float32)),
                               np.cos(x.astype(np.float32)), rtol=1e-3)
    check_backward(F.sin, np.asfortranarray(x))


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
