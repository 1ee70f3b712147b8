"""reshape, transpose, get_item, expand_dims, flatten, squeeze, broadcast_to, sum_to, concat,
stack, split."""

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward, torch_or_skip

CASES = [
    ("reshape", lambda x: F.reshape(x, (4, 6)), lambda x: x.reshape(4, 6)),
    ("reshape -1", lambda x: F.reshape(x, (-1,)), lambda x: x.reshape(-1)),
    ("transpose", F.transpose, lambda x: x.permute(2, 1, 0)),
    ("transpose axes", lambda x: F.transpose(x, (1, 0, 2)), lambda x: x.permute(1, 0, 2)),
    ("expand_dims", lambda x: F.expand_dims(x, 1), lambda x: x.unsqueeze(1)),
    ("flatten", F.flatten, lambda x: x.flatten(1)),
    ("broadcast_to", lambda x: F.broadcast_to(x[:, :1], (2, 5, 4)), lambda x: x[:, :1].expand(2, 5, 4)),
    ("sum_to", lambda x: F.sum_to(x, (1, 4)), lambda x: x.sum((0, 1)).reshape(1, 4)),
    ("get_item int", lambda x: x[1], lambda x: x[1]),
    ("get_item slices", lambda x: x[:, 1:3, ::2], lambda x: x[:, 1:3, ::2]),
    ("get_item fancy repeated", lambda x: x[np.array([0, 0, 1])], lambda x: x[[0, 0, 1]]),
    ("get_item mixed", lambda x: x[1, [2, 0, 2], 1:], lambda x: x[1, [2, 0, 2], 1:]),
    ("get_item none ellipsis", lambda x: x[None, ..., 2], lambda x: x[None, ..., 2]),
]


@pytest.mark.parametrize("name,func,_", CASES, ids=[c[0] for c in CASES])
def test_gradient_and_double_backward(name, func, _, rng):
    x = rng.standard_normal((2, 3, 4))
    check_backward(func, x)
    check_double_backward(func, x)


@pytest.mark.parametrize("name,func,torch_func", CASES, ids=[c[0] for c in CASES])
def test_against_pytorch(name, func, torch_func, rng):
    check_against_torch(func, torch_func, rng.standard_normal((2, 3, 4)).astype(np.float32))


def test_get_item_boolean_mask(rng):
    data = rng.standard_normal((3, 4))
    mask = data > 0
    check_backward(lambda x: x[mask], data)
    check_against_torch(lambda x: x[mask], lambda x: x[mask], data.astype(np.float32))


def test_repeated_indices_accumulate():
    x = Variable(np.zeros(3))
    x[np.array([0, 0, 0, 2])].sum().backward()
    assert list(x.grad.data) == [3.0, 0.0, 1.0]
    x.cleargrad()
    x[[1, 1]].sum().backward()
    assert list(x.grad.data) == [0.0, 2.0, 0.0]


def test_squeeze(rng):
    x = rng.standard_normal((1, 3, 1))
    assert F.squeeze(x).shape == (3,)
    assert F.squeeze(x, 0).shape == (3, 1)
    check_backward(lambda v: F.squeeze(v, 2), x)
    with pytest.raises(ValueError, match=r"squeeze: axis 1 of shape \(1, 3, 1\) has length 3"):
        F.squeeze(x, 1)


def test_concat_stack_split(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    check_backward(lambda x, y: F.concat([x, y], axis=1), a, b)
    check_backward(lambda x, y: F.stack([x, y], axis=2), a, a * 2)
    check_double_backward(lambda x, y: F.stack([x, y]), a, a)
    pieces = F.split(Variable(rng.standard_normal((6, 2))), 3)
    assert [p.shape for p in pieces] == [(2, 2)] * 3
    check_backward(lambda x: F.split(x, [1, 2], axis=1), rng.standard_normal((2, 4)))
    check_backward(lambda x: F.split(x, 2)[1], rng.standard_normal((4, 3)))  # unused piece gets zeros
    check_double_backward(lambda x: F.split(x, 2), rng.standard_normal((4, 3)))


def test_split_and_stack_against_pytorch(rng):
    torch = torch_or_skip()
    data = rng.standard_normal((4, 6)).astype(np.float32)
    check_against_torch(lambda x: F.split(x, 3, axis=1), lambda x: torch.split(x, 2, dim=1), data)
    check_against_torch(lambda x, y: F.concat([x, y], axis=1), lambda x, y: torch.cat([x, y], 1),
                        data, data[:, :2] * 3)
    check_against_torch(lambda x: F.stack([x, x * 2], axis=1), lambda x: torch.stack([x, x * 2], 1), data)


def test_shape_errors_are_named():
    x = Variable(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Reshape on inputs of shape \(2, 3\)"):
        F.reshape(x, (4, 2))
    with pytest.raises(ValueError, match=r"transpose: axes \(0, 0\) are not a permutation of 2"):
        F.transpose(x, (0, 0))
    with pytest.raises(ValueError, match=r"broadcast_to: shape \(2, 3\) cannot be broadcast to \(4, 2\)"):
        F.broadcast_to(x, (4, 2))
    with pytest.raises(ValueError, match=r"sum_to: shape \(2, 3\) cannot be summed to \(2,\)"):
        F.sum_to(x, (2,))
    with pytest.raises(ValueError, match=r"concat: shapes \(2, 3\) and \(3, 3\) differ off axis 1"):
        F.concat([x, np.ones((3, 3))], axis=1)
    with pytest.raises(ValueError, match=r"stack: shapes \(2, 3\) and \(3,\) differ"):
        F.stack([x, np.ones(3)])
    with pytest.raises(ValueError, match="split: axis 1 of length 3 cannot be split into 2"):
        F.split(x, 2, axis=1)
    with pytest.raises(ValueError, match="expand_dims: axis 4 is out of range"):
        F.expand_dims(x, 4)
    with pytest.raises(IndexError, match=r"GetItem on inputs of shape \(2, 3\)"):
        x[5]


def test_swapaxes_out_of_range_is_a_clear_error():
    """It used to be a bare IndexError from a Python list."""
    x = Variable(np.ones((2, 3)))
    with pytest.raises(ValueError, match="swapaxes: axis 5 is out of range for an input with 2 dimensions"):
        F.swapaxes(x, 0, 5)
    with pytest.raises(ValueError, match="transpose: axis 2 is out of range"):
        F.transpose(x, (0, 2))


def test_numpy_integer_axes_are_accepted(rng):
    x = Variable(rng.standard_normal((2, 1, 3)))
    i0, i1, i2 = np.int64(0), np.int32(1), np.int64(-1)
    assert F.swapaxes(x, i0, i2).shape == (3, 1, 2)
    assert F.transpose(x, (i2, i0, i1)).shape == (3, 2, 1)
    assert F.expand_dims(x, i0).shape == (1, 2, 1, 3)
    assert F.squeeze(x, i1).shape == (2, 3)
    assert F.concat([x, x], axis=i2).shape == (2, 1, 6)
    assert F.stack([x, x], axis=i1).shape == (2, 2, 1, 3)
    assert [p.shape for p in F.split(x, np.int64(3), axis=i2)] == [(2, 1, 1)] * 3


def test_a_variable_without_data_is_named():
    empty = Variable(None)
    for call in (lambda: F.swapaxes(empty, 0, 1), lambda: F.broadcast_to(empty, (2, 3)),
                 lambda: F.expand_dims(empty, 0), lambda: F.concat([empty, empty])):
        with pytest.raises(ValueError, match=r"^\w+: x has no data \(a Variable created with None\)"):
            call()


def test_variable_shape_methods():
    x = Variable(np.arange(6.0).reshape(2, 3))
    assert x.reshape(3, 2).shape == (3, 2) and x.reshape((6,)).shape == (6,)
    assert x.transpose().shape == (3, 2) and x.T.shape == (3, 2)
    assert x.transpose(1, 0).shape == (3, 2) and x.transpose((1, 0)).shape == (3, 2)
    assert F.reshape(x, (2, 3)) is x
