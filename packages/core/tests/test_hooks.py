"""Variable.register_post_accumulate_grad_hook: called once per backward, when a leaf's gradient is final."""

import gc

import numpy as np
import pytest

from zerograd.core import Function, Variable, no_grad
from zerograd.core import functions as F
from zerograd.core import variable as variable_module


def recorder(log):
    """A hook that logs the leaf's name and a copy of its gradient at the moment it fires."""
    def hook(v):
        log.append((v.name, None if v.grad is None else np.array(v.grad.data)))
    return hook


@pytest.fixture(autouse=True)
def no_hook_outlives_its_test():
    yield
    gc.collect()
    assert variable_module._POST_ACCUMULATE_HOOKS == {}


def test_a_leaf_used_several_times_fires_once_with_its_whole_gradient():
    log = []
    w = Variable(np.array(3.0), name="w")
    w.register_post_accumulate_grad_hook(recorder(log))
    y = F.sin(w) * w + w * w + F.exp(w)  # four Functions read w, at different generations
    y.backward()
    expected = np.cos(3.0) * 3.0 + np.sin(3.0) + 2 * 3.0 + np.exp(3.0)
    assert len(log) == 1 and log[0][0] == "w"
    assert np.isclose(log[0][1], expected) and np.isclose(w.grad.data, expected)
    del w


def test_fires_again_on_every_backward_and_sees_the_accumulated_gradient():
    log = []
    w = Variable(np.array(2.0), name="w")
    w.register_post_accumulate_grad_hook(recorder(log))
    (w * w).backward()
    (w * w).backward()
    assert [g.item() for _, g in log] == [4.0, 8.0]
    del w


def test_an_unused_leaf_and_one_without_requires_grad_never_fire():
    log = []
    used, unused = Variable(np.array(1.0), name="used"), Variable(np.array(1.0), name="unused")
    frozen = Variable(np.array(1.0), name="frozen", requires_grad=False)
    for v in (used, unused, frozen):
        v.register_post_accumulate_grad_hook(recorder(log))
    (used * frozen).backward()
    assert [name for name, _ in log] == ["used"]
    del used, unused, frozen


def test_removed_hooks_stop_firing_and_leave_the_hook_free_path():
    log = []
    w = Variable(np.array(1.0), name="w")
    first = w.register_post_accumulate_grad_hook(recorder(log))
    second = w.register_post_accumulate_grad_hook(lambda v: log.append("second"))
    (w * 2).backward()
    first.remove()
    (w * 2).backward()
    second.remove()
    second.remove()  # removing twice is harmless
    (w * 2).backward()
    assert [entry if isinstance(entry, str) else entry[0] for entry in log] == ["w", "second", "second"]
    assert variable_module._POST_ACCUMULATE_HOOKS == {}
    del w


def test_fires_while_earlier_layers_are_still_being_differentiated():
    """Hooks of the last layer run before the backward of the first layer's Function."""
    events = []

    class Logged(Function):
        def __init__(self, tag):
            self.tag = tag

        def forward(self, x):
            return x

        def backward(self, gy):
            events.append(f"backward {self.tag}")
            return gy

    x = Variable(np.ones((2, 3)), requires_grad=False)
    W1, W2 = Variable(np.ones((3, 4)), name="W1"), Variable(np.ones((4, 1)), name="W2")
    for W in (W1, W2):
        W.register_post_accumulate_grad_hook(lambda v: events.append(f"hook {v.name}"))
    h = Logged("layer1")(F.matmul(x, W1))
    y = F.sum(Logged("layer2")(F.matmul(h, W2)))
    y.backward()
    assert events == ["backward layer2", "hook W2", "backward layer1", "hook W1"]
    del W1, W2


def test_works_with_retain_grad_and_create_graph():
    log = []
    x = Variable(np.array(2.0), name="x")
    x.register_post_accumulate_grad_hook(recorder(log))
    y = x ** 3
    y.backward(retain_grad=True, create_graph=True)
    assert log[-1][1] == 12.0 and x.grad.creator is not None  # the gradient is itself a graph
    gx = x.grad
    x.cleargrad()
    gx.backward()
    assert log[-1][1] == 12.0 and len(log) == 2  # d(3x^2)/dx = 6x
    del x, gx


def test_a_path_cut_by_a_none_gradient_still_fires_when_the_leaf_got_one():
    class FirstOnly(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, gy):
            return gy, None

    log = []
    w = Variable(np.array(1.0), name="w")
    w.register_post_accumulate_grad_hook(recorder(log))
    y = FirstOnly()(w * 3, w * 5)  # the second path never reaches w
    y.backward()
    assert [(name, g.item()) for name, g in log] == [("w", 3.0)]
    del w


def test_backward_of_a_hooked_leaf_itself_fires():
    log = []
    w = Variable(np.array([1.0, 2.0]), name="w")
    w.register_post_accumulate_grad_hook(recorder(log))
    w.backward()
    assert log[0][1].tolist() == [1.0, 1.0]
    del w


def test_only_leaves_and_callables_are_accepted():
    w = Variable(np.array(1.0), name="w")
    with no_grad():
        constant = w * 2
    y = w * 2
    y.name = "y"
    with pytest.raises(ValueError, match="hook: Variable 'y' is not a leaf .*made by Mul"):
        y.register_post_accumulate_grad_hook(print)
    with pytest.raises(TypeError, match="hook must be callable, got int"):
        constant.register_post_accumulate_grad_hook(3)
    del w, y, constant


def test_a_dead_variable_takes_its_hooks_with_it():
    w = Variable(np.array(1.0))
    w.register_post_accumulate_grad_hook(print)
    assert len(variable_module._POST_ACCUMULATE_HOOKS) == 1
    del w
    assert variable_module._POST_ACCUMULATE_HOOKS == {}


def test_backward_skips_the_counting_pass_while_no_hook_is_registered(monkeypatch):
    def counting_pass(root):
        raise AssertionError("the counting pass ran without any hook registered")

    monkeypatch.setattr(variable_module, "_count_hooked_edges", counting_pass)
    x = Variable(np.array(2.0))
    (x * x + x).backward()
    assert x.grad.item() == 5.0
