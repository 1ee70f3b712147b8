"""Max, average and global average pooling, and the book's pooling_simple: float64 gradient checks
(first and second order), PyTorch's values and gradients (ties included), bad input."""

import numpy as np
import pytest

from zerograd.core import Variable, no_grad
from zerograd.core.testing import (
    assert_allclose,
    check_against_torch,
    check_backward,
    check_double_backward,
)
from zerograd.vision import functions as VF

# (x shape, kernel, stride, pad); the first two take the reshape fast path
CASES = [
    ((2, 3, 6, 4), 2, 2, 0),
    ((1, 2, 6, 6), (3, 2), (3, 2), 0),
    ((2, 2, 7, 7), 2, 2, 0),
    ((2, 3, 7, 9), 3, 2, 1),
    ((1, 2, 5, 5), 3, 1, 1),
    ((2, 2, 6, 8), (2, 3), (1, 2), (1, 1)),
    ((1, 2, 3, 4), 1, 1, 0),
]
IDS = [f"x{c[0]}-k{c[1]}-s{c[2]}-p{c[3]}" for c in CASES]


def distinct(rng, shape):
    """Values far apart, so that no central difference crosses a tie of the maximum."""
    return rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) * 0.1


@pytest.mark.parametrize("shape,kernel,stride,pad", CASES, ids=IDS)
def test_gradients(shape, kernel, stride, pad, rng):
    x = distinct(rng, shape)
    for f in (lambda v: VF.pooling(v, kernel, stride, pad),
              lambda v: VF.average_pooling(v, kernel, stride, pad)):
        check_backward(f, x)
        check_double_backward(f, x)


@pytest.mark.parametrize("shape,kernel,stride,pad", CASES, ids=IDS)
def test_against_pytorch(shape, kernel, stride, pad, rng):

    def torch_max(t):
        import torch.nn.functional as TF
        return TF.max_pool2d(t, kernel, stride, pad)

    def torch_avg(t):
        import torch.nn.functional as TF
        return TF.avg_pool2d(t, kernel, stride, pad)

    x = rng.standard_normal(shape).astype(np.float32)
    check_against_torch(lambda v: VF.pooling(v, kernel, stride, pad), torch_max, x)
    check_against_torch(lambda v: VF.average_pooling(v, kernel, stride, pad), torch_avg, x)
    # ties: after a ReLU many windows hold several equal maxima; the first one gets the gradient
    ties = np.maximum(np.round(x), 0).astype(np.float32)
    check_against_torch(lambda v: VF.pooling(v, kernel, stride, pad), torch_max, ties)


def test_channels_last_input_against_pytorch(rng):
    x = rng.standard_normal((3, 5, 8, 6)).astype(np.float32)
    channels_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)

    def torch_max(t):
        import torch.nn.functional as TF
        return TF.max_pool2d(t, 2, 2)

    check_against_torch(lambda v: VF.pooling(v, 2, 2), torch_max, channels_last)


def test_global_average_pooling(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    check_backward(VF.global_average_pooling, x)
    check_double_backward(VF.global_average_pooling, x)
    assert VF.global_average_pooling(x).shape == (2, 3)
    assert VF.global_average_pooling(x, keepdims=True).shape == (2, 3, 1, 1)

    def torch_gap(t):
        import torch.nn.functional as TF
        return TF.adaptive_avg_pool2d(t, 1).flatten(1)

    check_against_torch(VF.global_average_pooling, torch_gap, x.astype(np.float32))


@pytest.mark.parametrize("kernel,stride", [(2, 2), (3, 1), ((2, 3), (1, 2))])
def test_pooling_simple_equals_pooling(kernel, stride, rng):
    x = distinct(rng, (2, 3, 6, 7))
    assert_allclose(VF.pooling_simple(x, kernel, stride), VF.pooling(x, kernel, stride), rtol=0, atol=0)
    check_backward(lambda v: VF.pooling_simple(v, kernel, stride), x)


def test_no_grad_and_float32(rng):
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    with no_grad():
        y = VF.pooling(x, 3, 2, 1)
    assert y.creator is None and y.dtype == np.float32
    v = Variable(x)
    z = VF.pooling(v, 3, 2, 1)
    assert_allclose(z, y, rtol=0, atol=0)
    z.backward()
    assert v.grad.dtype == np.float32
    w = VF.average_pooling(v, 2, 2)
    assert w.dtype == np.float32


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match=r"pooling: x must be 4-D \(N, C, H, W\), got shape \(2, 4, 4\)"):
        VF.pooling(np.ones((2, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"pooling: pad \(2, 2\) must be smaller than kernel_size \(2, 2\)"):
        VF.pooling(np.ones((1, 1, 4, 4)), 2, 2, 2)
    with pytest.raises(ValueError, match=r"average_pooling: the kernel \(5, 5\).*larger than the padded "
                                         r"input height 4 \(input shape \(1, 1, 4, 4\)"):
        VF.average_pooling(np.ones((1, 1, 4, 4)), 5)
    with pytest.raises(ValueError, match=r"global_average_pooling: x must be 4-D"):
        VF.global_average_pooling(np.ones((2, 3)))


@pytest.mark.parametrize("dtype, value", [(np.uint8, 255), (np.int8, 127), (np.int32, 2**31 - 1),
                                          (np.int64, 2**40)])
def test_average_pooling_of_integers_never_overflows(dtype, value):
    x = np.full((1, 1, 4, 4), value, dtype=dtype)
    y = VF.average_pooling(x, 2, 2).data
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, np.full((1, 1, 2, 2), float(value)))


def test_average_pooling_sums_float16_in_float32():
    x = np.full((1, 1, 8, 8), 2049.0, dtype=np.float16)  # 2049 is not a float16: it is 2048
    x[0, 0, 0, 0] = 1.0  # float16 sums of 2048s drop every +1 beyond 2048
    y = VF.average_pooling(x, 8, 8).data
    assert y.dtype == np.float16
    expected = np.float16((1.0 + 63 * 2048.0) / 64)
    assert y[0, 0, 0, 0] == expected


@pytest.mark.parametrize("func", [VF.pooling, VF.average_pooling, VF.pooling_simple])
def test_pooling_a_bool_array_is_refused_clearly(func):
    with pytest.raises(TypeError, match=rf"{func.__name__}: x must hold integers or floats, got "
                                        r"dtype bool"):
        func(np.ones((1, 1, 4, 4), dtype=bool), 2, 2)
