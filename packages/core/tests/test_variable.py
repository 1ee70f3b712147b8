"""Variable: construction, attributes, graph bookkeeping, requires_grad, memory."""

import gc
import weakref

import numpy as np
import pytest

from zerograd.core import Function, Parameter, Variable, as_array, as_variable, no_grad
from zerograd.core import functions as F


def test_accepts_arrays_and_none():
    assert Variable(np.array(1.0)).data == 1.0
    assert Variable(None).data is None
    assert Variable(np.ones(3), name="x").name == "x"


@pytest.mark.parametrize("bad", [1.0, 3, [1, 2], "x", np.float64(1.0)])
def test_rejects_non_arrays_naming_the_type(bad):
    with pytest.raises(TypeError, match=f"Variable: data must be .* got {type(bad).__name__}"):
        Variable(bad)


def test_array_attributes_len_and_repr():
    x = Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert (x.shape, x.ndim, x.size, x.dtype, len(x)) == ((2, 3), 2, 6, np.float32, 2)
    assert repr(x) == "variable([[0. 1. 2.]\n          [3. 4. 5.]])"
    assert repr(Variable(None)) == "variable(None)"
    assert Variable(np.array([2.5])).item() == 2.5


def test_as_array_and_as_variable():
    assert isinstance(as_array(1.0), np.ndarray)
    a = np.ones(2)
    assert as_array(a) is a
    v = as_variable(a)
    assert isinstance(v, Variable) and v.data is a and not v.requires_grad
    assert as_variable(v) is v


def test_requires_grad_defaults():
    assert Variable(np.ones(1)).requires_grad
    assert Parameter(np.ones(1)).requires_grad
    assert not as_variable(np.ones(1)).requires_grad


def test_variable_without_grad_gets_none_computed():
    x = Variable(np.array(2.0))
    c = Variable(np.array(3.0), requires_grad=False)
    y = x * c
    y.backward()
    assert x.grad.data == 3.0 and c.grad is None


def test_output_of_constants_records_no_graph():
    y = F.sin(np.array(1.0))
    assert isinstance(y, Variable) and y.creator is None and not y.requires_grad


def test_requires_grad_and_detach():
    x = Variable(np.array(2.0))
    assert x.requires_grad_(False) is x and not x.requires_grad
    x.requires_grad_()
    y = x * 2
    d = y.detach()
    assert d.creator is None and not d.requires_grad and d.data is y.data
    (d * x).backward()
    assert x.grad.data == 4.0


def test_gradients_accumulate_until_cleargrad():
    x = Variable(np.array(3.0))
    (x * x).backward()
    (x * x).backward()
    assert x.grad.data == 12.0
    x.cleargrad()
    (x * x).backward()
    assert x.grad.data == 6.0


def test_shared_subexpression_and_generation_order():
    # the book's step 16: y = (x^2)^2 + (x^2)^2 = 2 x^4
    x = Variable(np.array(2.0))
    a = x**2
    y = a**2 + a**2
    y.backward()
    assert y.data == 32.0 and x.grad.data == 64.0


def test_same_input_twice():
    x = Variable(np.array(3.0))
    y = x + x + x
    y.backward()
    assert x.grad.data == 3.0


def test_diamond_graph_visits_each_function_once():
    x = Variable(np.array(1.5))
    a = F.exp(x)
    y = a * a + F.sin(a)
    y.backward()
    expected = 2 * np.exp(3.0) + np.cos(np.exp(1.5)) * np.exp(1.5)
    assert np.isclose(x.grad.data, expected)


def test_retain_grad_keeps_intermediate_gradients():
    x = Variable(np.array(2.0))
    a = x * 3
    y = a * a
    y.backward()
    assert a.grad is None and y.grad is None
    x.cleargrad()
    a = x * 3
    y = a * a
    y.backward(retain_grad=True)
    assert a.grad.data == 12.0 and y.grad.data == 1.0


def test_backward_of_leaf_sets_ones():
    x = Variable(np.ones((2, 2), dtype=np.float32))
    x.backward()
    assert x.grad.dtype == np.float32 and np.all(x.grad.data == 1)


def test_backward_without_data_is_a_clear_error():
    with pytest.raises(ValueError, match="backward: Variable 'w' has no data"):
        Variable(None, name="w").backward()


def test_operation_on_variable_without_data_is_a_clear_error():
    with pytest.raises(TypeError, match=r"Sin on inputs of shape None; input 0 has no data \(a Variable"):
        F.sin(Variable(None))
    with pytest.raises(TypeError, match=r"Add on inputs of shape \(2,\) and None; input 1 has no data"):
        F.add(Variable(np.ones(2)), Variable(None))


def test_unchain_and_unchain_backward():
    x = Variable(np.array(1.0))
    a = x * 2
    b = a * 3
    y = b * 4
    b.unchain()
    assert b.creator is None
    y.backward()
    assert x.grad is None and b.grad.data == 4.0  # b is now a leaf; nothing reached x
    z = F.sin(F.exp(x) * x)
    z.unchain_backward()
    assert z.creator is None
    z.backward()
    assert x.grad is None


def test_unchain_backward_cuts_sibling_outputs_of_multi_output_functions():
    x = Variable(np.arange(4.0))
    first, second = F.split(x * 2, 2)
    loss = (first * 3).sum()
    loss.unchain_backward()
    assert second.creator is None  # the piece the loss did not use is cut too
    (second * 1).sum().backward()
    assert x.grad is None


def test_unchain_backward_on_a_long_shared_graph_terminates():
    x = Variable(np.array(1.0))
    y = x
    for _ in range(60):  # each step doubles the number of paths
        y = y + y
    y.unchain_backward()
    assert y.creator is None


def test_outputs_are_weakly_held_and_graph_frees_without_gc():
    gc.disable()
    try:
        x = Variable(np.ones(4))
        a = F.sin(x)
        y = a * 2
        intermediate, data = weakref.ref(a), weakref.ref(a.data)
        del a
        assert intermediate() is not None  # held by the graph behind y
        del y
        assert intermediate() is None and data() is None
    finally:
        gc.enable()


def test_no_grad_records_nothing():
    x = Variable(np.array(1.0))
    with no_grad():
        y = x * 2
    assert y.creator is None and not y.requires_grad


def test_gradient_shape_mismatch_in_user_function_is_named():
    from zerograd.core import Function

    class Broken(Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            return gy.sum()

    x = Variable(np.ones(3))
    y = Broken()(x)
    message = r"Broken.backward returned a gradient of shape \(\) for an input of shape \(3,\)"
    with pytest.raises(ValueError, match=message):
        y.backward()


def test_user_function_in_the_book_array_style():
    from zerograd.core import Function

    class Square(Function):
        def forward(self, x):
            return x**2

        def backward(self, gy):
            return 2 * self.inputs[0].data * gy.data  # arrays, as in the book's first steps

    x = Variable(np.array(3.0))
    Square()(x).backward()
    assert x.grad.data == 6.0


def test_parameter_is_a_variable():
    p = Parameter(np.ones(2))
    assert isinstance(p, Variable) and type(p * 2) is Variable


def test_to_cpu_keeps_numpy_and_to_gpu_errors_without_cupy():
    from zerograd.core import cuda

    x = Variable(np.ones(2))
    x.to_cpu()
    assert isinstance(x.data, np.ndarray)
    if not cuda.gpu_enable:
        with pytest.raises(RuntimeError, match="as_cupy: CuPy"):
            x.to_gpu()


class _TwoInputs(Function):
    """x + y whose backward returns ``count`` gradients."""

    def __init__(self, count):
        self.count = count

    def forward(self, x, y):
        return x + y

    def backward(self, gy):
        return (gy,) * self.count


@pytest.mark.parametrize(("count", "message"), [
    (1, "_TwoInputs.backward returned 1 gradient for 2 inputs: return one per input"),
    (3, "_TwoInputs.backward returned 3 gradients for 2 inputs"),
])
def test_backward_returning_the_wrong_number_of_gradients_is_named(count, message):
    x, y = Variable(np.array(1.0)), Variable(np.array(2.0))
    with pytest.raises(ValueError, match=message):
        _TwoInputs(count)(x, y).backward()


def test_backward_may_return_its_gradients_as_a_list():
    class ListGradients(_TwoInputs):
        def backward(self, gy):
            return [gy, 2 * gy]

    x, y = Variable(np.array(1.0)), Variable(np.array(2.0))
    ListGradients(2)(x, y).backward()
    assert (x.grad.item(), y.grad.item()) == (1.0, 2.0)
