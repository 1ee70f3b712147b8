"""The engine's support for PyTorch's autograd rules: freeing the graph, several roots, in-place
ops recorded in the graph (SetItem, record_in_place), gradient hooks and the version clock."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Variable, no_grad, versions
from zerograd.core import functions as F
from zerograd.core.inplace import GradientHook, SetItem, record_in_place
from zerograd.core.testing import check_backward, check_double_backward
from zerograd.core.variable import FREED_GRAPH_MESSAGE, run_backward


def test_set_item_gradients(rng):
    x, v = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    check_backward(lambda a, b: SetItem((1,))(a, b), x, v)
    check_backward(lambda a, b: SetItem((slice(0, 2),))(a, b), x, v)  # v broadcast over rows
    check_double_backward(lambda a, b: SetItem((2,))(a, b), x, v)


def test_gradient_hook_is_the_identity_with_a_hook(rng):
    seen = []
    check_backward(lambda a: GradientHook({1: lambda g: seen.append(1)})(a), rng.normal(size=3))
    assert seen


def test_a_freed_graph_raises_and_drops_its_inputs():
    x = Variable(np.array([1.0, 2.0]))
    y = F.sum(F.exp(x))
    y.grad = Variable(np.array(1.0), requires_grad=False)
    run_backward([y], free_graph=True)
    assert y.creator.inputs == ()
    y.grad = Variable(np.array(1.0), requires_grad=False)
    with pytest.raises(RuntimeError, match="a second time"):
        run_backward([y])
    assert "retain_graph=True" in FREED_GRAPH_MESSAGE


def test_several_roots_in_one_pass():
    x = Variable(np.array(3.0))
    a, b = x * 2, x * x
    a.grad = Variable(np.array(1.0), requires_grad=False)
    b.grad = Variable(np.array(1.0), requires_grad=False)
    run_backward([a, b])
    assert float(x.grad.data) == 8.0


def test_record_in_place_keeps_the_identity_and_the_old_values():
    x = Variable(np.array([1.0, 2.0]))
    h = x * 3
    array = h.data
    record_in_place(h, lambda s: s * s)
    assert h.data is array and h.data.tolist() == [9.0, 36.0]
    Variable.backward(F.sum(h))
    assert x.grad.data.tolist() == [18.0, 36.0]  # d(9x^2)/dx


def test_the_version_clock_catches_a_saved_array_written_later():
    x = Variable(np.array([1.0, 2.0]))
    h = x * 3
    y = F.sum(h * h)
    with no_grad():
        h.data[...] = 0
        versions.bump(h.data[:1])  # a write through a view stamps the owner
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        Variable.backward(y)


def test_shape_only_functions_do_not_care():
    x = Variable(np.array([1.0, 2.0]))
    h = x * 3
    y = F.sum(F.reshape(h, (2, 1)) + 1)
    versions.bump(h.data)
    Variable.backward(y)
    assert x.grad.data.tolist() == [3.0, 3.0]
