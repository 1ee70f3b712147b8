"""In-place operations and views as PyTorch (issue 23, point 3), with real torch as the oracle."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch


def _both(module):
    return ztorch if module == "zerograd" else pytest.importorskip("torch")


def test_plus_equals_writes_into_the_tensor_under_grad_mode(same_as_torch):
    def snippet(torch):
        def accumulate(acc, x):
            acc += x  # a helper that accumulates into its argument

        acc = torch.zeros(3)
        accumulate(acc, torch.tensor([1.0, 2.0, 3.0]))
        return acc

    np.testing.assert_array_equal(same_as_torch(snippet), [1.0, 2.0, 3.0])


def test_the_in_place_methods(same_as_torch):
    def snippet(torch):
        x = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
        out = [x.clone().add_(1.5), x.clone().add_(torch.ones(2), alpha=2), x.clone().sub_(1),
               x.clone().mul_(3), x.clone().div_(2), x.clone().clamp_(-1, 2), x.clone().zero_(),
               x.clone().fill_(7), x.clone().copy_(torch.tensor([5.0, 6.0])),
               x.clone().masked_fill_(x > 2, 0.0),
               x.clone().index_add_(0, torch.tensor([1, 1]), torch.ones(2, 2)),
               x.clone().scatter_(1, torch.tensor([[1], [0]]), torch.tensor([[9.0], [8.0]]))]
        y = x.clone()
        y[0, 1] = 10.0
        y[1] = torch.tensor([-1.0, -1.0])
        out.append(y)
        return out

    same_as_torch(snippet)


def test_writes_into_a_view_reach_its_base(same_as_torch):
    def snippet(torch):
        base = torch.arange(12.0).reshape(3, 4)
        base[1:, :2].mul_(-1)
        base.view(12)[0] = 100.0
        base.t()[3].fill_(7.0)
        base.unsqueeze(0)[0, 0, 1] = 50.0
        return base

    same_as_torch(snippet)


@pytest.mark.parametrize("module", ["zerograd", "torch"])
def test_an_in_place_op_on_a_leaf_that_requires_grad_raises(module):
    torch = _both(module)
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1
    with torch.no_grad():
        w += 1  # the parameter-update idiom
    assert w.is_leaf and float(w.detach().sum()) == 4.0


def test_in_place_ops_in_the_graph_give_pytorchs_gradients(same_as_torch):
    def snippet(torch):
        x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = torch.tensor([1.5, 2.0, -0.5], requires_grad=True)
        h = x * 2
        h.add_(w)
        h.mul_(3)
        h.clamp_(-4, 5)
        h[0] = w[1] * 2
        h.masked_fill_(h < -3.5, 0.0)
        loss = (h * h).sum()
        loss.backward()
        return [h, x.grad, w.grad]

    same_as_torch(snippet)


@pytest.mark.parametrize("module", ["zerograd", "torch"])
def test_the_version_counter_catches_a_modified_saved_tensor(module):
    torch = _both(module)
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h.exp()  # exp saves its output
    with torch.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    h2 = x * 2
    z = (h2 * h2).sum()  # mul saves its inputs
    with torch.no_grad():
        h2.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


@pytest.mark.parametrize("module", ["zerograd", "torch"])
def test_an_add_saves_nothing_so_a_later_write_is_fine(module):
    torch = _both(module)
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h + 1).sum()
    with torch.no_grad():
        h.zero_()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_an_in_place_op_recorded_in_the_graph_keeps_what_earlier_nodes_saved():
    """zerograd moves the old node behind a copy, so exp's saved output survives ``y.add_(1)``
    (PyTorch raises there instead): the gradient is the out-of-place one."""
    x = ztorch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).exp()
    y.add_(1)
    (y * y).sum().backward()
    e = np.exp(2 * np.array([1.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), 2 * (e + 1) * e * 2, rtol=1e-6)


def test_autograd_through_an_in_place_op_on_a_view_outside_the_graph_is_refused_honestly():
    buffer = ztorch.zeros(2, 3)  # requires no grad: no Function links the view to it
    w = ztorch.ones(3, requires_grad=True)
    with pytest.raises(NotImplementedError, match="view of a tensor outside the graph"):
        buffer[0].add_(w)
    buffer[0] = w * 2  # the supported spelling
    buffer.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])


def test_expanded_tensors_refuse_writes():
    x = ztorch.ones(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match="clone"):
        x.add_(1)


def test_in_place_keeps_the_dtype_and_refuses_a_wider_result():
    x = ztorch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.add_(0.5)
    f = ztorch.ones(2)
    f += np.float64(1.5)
    assert f.dtype == np.float32


def test_normal_and_uniform_fill_in_place_from_a_generator():
    w = ztorch.empty(2, 3)
    ref = w.data_ptr()
    w.normal_(0.0, 0.1, generator=ztorch.Generator().manual_seed(1))
    first = w.numpy().copy()
    w.uniform_(-1, 1)
    assert w.data_ptr() == ref and w.dtype == np.float32 and np.all(np.abs(w.numpy()) <= 1)
    w.normal_(0.0, 0.1, generator=ztorch.Generator().manual_seed(1))
    np.testing.assert_array_equal(w.numpy(), first)
