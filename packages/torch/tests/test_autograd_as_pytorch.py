"""Autograd with PyTorch's rules (issue 23, point 2), each case run with real torch as the oracle."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch


def test_retain_graph_keeps_the_graph_not_the_intermediate_gradients(same_as_torch):
    def snippet(torch):
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 3
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    assert float(same_as_torch(snippet)) == 24.0


@pytest.mark.parametrize("module", ["zerograd", "torch"])
def test_a_second_backward_through_a_freed_graph_raises(module):
    torch = ztorch if module == "zerograd" else pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_the_first_backward_releases_the_saved_inputs():
    x = ztorch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    y.backward()
    assert y.creator.inputs == () and h.creator.inputs == ()


def test_two_losses_sharing_a_trunk(same_as_torch):
    def snippet(torch):
        torch.manual_seed(0)
        w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        x = torch.tensor([[1.0, 2.0]])
        h = (x @ w).tanh()
        (h.sum() * 2).backward(retain_graph=True)
        (h ** 2).mean().backward()
        return w.grad

    same_as_torch(snippet)


def test_autograd_grad_leaves_grad_alone_and_builds_graphs(same_as_torch):
    def snippet(torch):
        x = torch.tensor([0.5, 1.5], requires_grad=True)
        w = torch.tensor([2.0, -1.0], requires_grad=True)
        y = (x ** 3 * w).sum()
        (gx,) = torch.autograd.grad(y, x, create_graph=True)
        (ggx,) = torch.autograd.grad(gx.sum(), x)
        return [gx, ggx, x.grad, w.grad]

    same_as_torch(snippet)


def test_autograd_grad_with_grad_outputs_and_unused_inputs(same_as_torch):
    def snippet(torch):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = torch.tensor([1.0], requires_grad=True)
        y = x * x
        gx, gz = torch.autograd.grad([y], [x, z], grad_outputs=[torch.tensor([1.0, 0.5, 2.0])],
                                     allow_unused=True)
        return [gx, gz]

    same_as_torch(snippet)
    x = ztorch.tensor([1.0], requires_grad=True)
    z = ztorch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        ztorch.autograd.grad((x * 2).sum(), [x, z])


def test_grad_fn_and_next_functions():
    x = ztorch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    assert x.grad_fn is None and x.is_leaf and not y.is_leaf
    assert y.grad_fn.name().endswith("Backward0")
    (mul, _), = y.grad_fn.next_functions
    (accumulate, _), = mul.next_functions  # x * 2: the constant is no input of zerograd's node
    assert accumulate.variable is x


def test_retain_grad_and_register_hook(same_as_torch):
    def snippet(torch):
        x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * 2
        h.retain_grad()
        h.register_hook(lambda g: g * 10)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        y = (h * h).sum()
        y.backward(retain_graph=True)
        y.backward()
        return [x.grad, h.grad, seen[0], seen[1]]

    same_as_torch(snippet)


def test_grad_mode_switches(same_as_torch):
    def snippet(torch):
        x = torch.tensor([1.0], requires_grad=True)
        with torch.no_grad():
            a = x * 2
            with torch.enable_grad():
                b = x * 2
        torch.set_grad_enabled(False)
        c = x * 2
        torch.set_grad_enabled(True)
        with torch.set_grad_enabled(False):
            d = x * 2
        with torch.inference_mode():
            e = x * 2

        @torch.no_grad()
        def f():
            return x * 2

        @torch.set_grad_enabled(False)
        def g():
            return x * 2

        flags = [t.requires_grad for t in (a, b, c, d, e, f(), g(), x * 2)]
        return [float(v) for v in flags] + [float(torch.is_grad_enabled())]

    same_as_torch(snippet)


@pytest.mark.parametrize("op", ["max_dim", "min_dim", "max_all", "sort", "median_dim",
                                "median_all"])
def test_gradients_over_ties_go_where_pytorch_sends_them(op, same_as_torch):
    def snippet(torch):
        x = torch.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 5.0]], requires_grad=True)
        weights = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
        if op == "max_dim":
            out = x.max(1)[0].sum()
        elif op == "min_dim":
            out = x.min(dim=1, keepdim=True).values.sum()
        elif op == "max_all":
            out = x.max()
        elif op == "sort":
            out = (x.sort(dim=1)[0] * weights).sum()
        elif op == "median_dim":
            out = x.median(dim=1)[0].sum()
        else:
            out = x.median()
        out.backward()
        return x.grad

    same_as_torch(snippet)


def test_max_dim_returns_values_and_indices(same_as_torch):
    def snippet(torch):
        x = torch.tensor([[1.0, 7.0, 3.0], [9.0, 2.0, 2.0]])
        values, indices = x.max(dim=1)
        return [values, indices, x.min(0).indices, x.sort(descending=True).values]

    same_as_torch(snippet)


def test_backward_needs_a_gradient_for_a_non_scalar_output():
    x = ztorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(ztorch.tensor([1.0, 3.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 6.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ztorch.tensor(1.0).backward()


def test_the_books_backward_keeps_its_meaning():
    from zerograd.core import Variable
    x = Variable(np.array(2.0))
    h = x ** 3
    y = h * 1
    y.backward(retain_grad=True)
    assert float(h.grad.data) == 1.0  # the book: retain_grad keeps intermediate gradients
    y.backward()  # the graph always stays, and the kept gradient of h is added again:
    assert float(x.grad.data) == 36.0  # the book's meaning (PyTorch's retain_graph gives 24)


@pytest.mark.parametrize("module", ["zerograd", "torch"])
def test_requires_grad_rules(module):
    torch = ztorch if module == "zerograd" else pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2]).requires_grad_()
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    assert y.requires_grad and not y.is_leaf and not (torch.ones(2) * 2).requires_grad
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)
