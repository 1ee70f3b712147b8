"""Autograd through an in-place op on a view (issue 23, point 3): the base changes in the graph
as PyTorch's CopySlices makes it; values and gradients against real torch, a numerical gradient
check, and PyTorch's errors where PyTorch refuses."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core import Variable
from zerograd.core.functions.shape import GetItem, Reshape, Transpose
from zerograd.core.gradient_check import gradient_check
from zerograd.core.inplace import SetView

WEIGHTS = np.arange(12.0).reshape(3, 4)  # an uneven upstream gradient


def _mul3(x, w):
    y = x * 2
    y[:, 0].mul_(3)
    return y


def _plus_equals_row(x, w):
    y = x * 2
    y[0] += 1
    return y


def _narrow_add(x, w):
    y = x * 2
    y.narrow(1, 1, 2).add_(1)
    return y


def _column_times_tensor(x, w):
    y = x * 2
    y[:, 1].mul_(w)
    return y


def _transposed_row(x, w):
    y = x * 2
    y.t()[1].mul_(w)
    return y


def _flat_slice_by_own_values(x, w):
    y = x * 2
    y.view(12)[2:5].mul_(x[0, :3])
    return y


def _view_of_a_view(x, w):
    y = x * 2
    v = y[1:]
    v[:, 2].mul_(w[:2])
    return y


def _the_view_used_after(x, w):
    y = x * 2
    v = y[0]
    v.mul_(w.sum())
    return (v * y[1]).sum() + y.sum()


def _squeezed_clamp(x, w):
    y = x * 2
    y.unsqueeze(0).squeeze(0)[2].clamp_(0, 20)
    return y


def _zero_and_copy(x, w):
    y = x * x
    y[:, 3].zero_()
    y[1].copy_(w.repeat(4)[:4])
    return y


def _permuted_fill(x, w):
    y = x * 2
    y.permute(1, 0)[0].fill_(7.0)
    return y


CASES = [_mul3, _plus_equals_row, _narrow_add, _column_times_tensor, _transposed_row,
         _flat_slice_by_own_values, _view_of_a_view, _the_view_used_after, _squeezed_clamp,
         _zero_and_copy, _permuted_fill]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__.strip("_"))
def test_values_and_gradients_as_pytorch(case, same_as_torch):
    def snippet(torch):
        x = torch.tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
        w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = case(x, w)
        (y * torch.tensor(WEIGHTS) if y.dim() == 2 else y).sum().backward()
        return [y.detach(), x.grad, w.grad]

    same_as_torch(snippet)


def test_the_base_and_the_view_report_their_new_nodes():
    x = ztorch.ones(2, 3, requires_grad=True)
    y = x * 2
    v = y[0]
    v.mul_(3)
    assert y.grad_fn.name() == "CopySlices" and v.grad_fn is not None  # PyTorch: AsStrided
    np.testing.assert_array_equal(y.detach().numpy(), [[6.0, 6.0, 6.0], [2.0, 2.0, 2.0]])


@pytest.mark.parametrize("view", [GetItem((slice(None), 1)), Reshape((12,)), Transpose((1, 0))],
                         ids=["GetItem", "Reshape", "Transpose"])
def test_set_view_gradient_check(view):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    v = rng.standard_normal(view.forward(x.copy()).shape)
    gradient_check(lambda a, b: SetView(view)(a, b) * Variable(WEIGHTS), x, v)


def test_pytorchs_errors():
    x = ztorch.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].mul_(2)
    assert float(x.sum()) == 6.0  # refused before any write
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        (x + 0)[:1].expand(2, 3).mul_(2)
    y = x.exp()
    y[0].mul_(2)  # Exp's backward reads its output: PyTorch's version error
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_a_function_recorded_before_an_in_place_op_keeps_the_old_node(same_as_torch):
    def snippet(torch):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        z = y + 1  # took y before the change: its gradient goes to the old node
        y.mul_(2)
        (z * z).sum().backward()
        first = x.grad.clone()
        x.grad = None
        y = x * 2
        z = y.exp()
        y.add_(1)
        (z.sum() + (y * y).sum()).backward()
        return [first, x.grad]

    same_as_torch(snippet)


def test_a_view_made_before_its_base_changed_is_refused_honestly():
    # PyTorch regenerates the old view's node from the changed base; zerograd does not, so the
    # backward refuses rather than give the old view's gradient.
    x = ztorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y[1:]
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (z.sum() + y.sum()).backward()
