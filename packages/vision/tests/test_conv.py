"""conv2d, deconv2d and conv2d_simple: float64 gradient checks (first and second order), PyTorch's
values and gradients, memory layout, dtypes, and clear errors on bad input."""

import numpy as np
import pytest

from zerograd.core import Variable, no_grad
from zerograd.core.testing import (
    assert_allclose,
    check_against_torch,
    check_backward,
    check_double_backward,
    traced_memory,
)
from zerograd.vision import functions as VF

# (x shape, W shape, stride, pad, dilation, groups)
CONV_CASES = [
    ((2, 3, 5, 4), (4, 3, 3, 3), 1, 1, 1, 1),
    ((2, 3, 7, 6), (2, 3, 3, 2), (2, 1), (1, 0), 1, 1),
    ((1, 2, 6, 7), (3, 2, 2, 3), 2, (0, 2), 1, 1),
    ((1, 2, 7, 7), (2, 2, 3, 3), 1, 2, 2, 1),
    ((2, 4, 5, 5), (6, 2, 3, 3), 2, 1, 1, 2),
    ((2, 3, 4, 5), (2, 3, 1, 1), 1, 0, 1, 1),
    ((2, 4, 6, 6), (4, 4, 1, 1), 2, 0, 1, 1),
]
IDS = [f"x{c[0]}-W{c[1]}-s{c[2]}-p{c[3]}-d{c[4]}-g{c[5]}" for c in CONV_CASES]


def conv(stride, pad, dilation, groups):
    return lambda x, W, b=None: VF.conv2d(x, W, b, stride, pad, dilation, groups)


def torch_conv(stride, pad, dilation, groups):
    def run(x, W, b=None):
        import torch.nn.functional as TF
        return TF.conv2d(x, W, b, stride, pad, dilation, groups)
    return run


@pytest.mark.parametrize("x_shape,w_shape,stride,pad,dilation,groups", CONV_CASES, ids=IDS)
def test_conv2d_gradients(x_shape, w_shape, stride, pad, dilation, groups, rng):
    x, W, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    f = conv(stride, pad, dilation, groups)
    check_backward(f, x, W, b)
    check_backward(f, x, W)
    check_double_backward(f, x, W, b)


@pytest.mark.parametrize("x_shape,w_shape,stride,pad,dilation,groups", CONV_CASES, ids=IDS)
def test_conv2d_against_pytorch(x_shape, w_shape, stride, pad, dilation, groups, rng):
    x = rng.standard_normal(x_shape).astype(np.float32)
    W = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    geometry = (stride, pad, dilation, groups)
    check_against_torch(conv(*geometry), torch_conv(*geometry), x, W, b)
    check_against_torch(conv(*geometry), torch_conv(*geometry), x, W)


def test_conv2d_larger_batch_against_pytorch(rng):
    x = rng.standard_normal((8, 5, 13, 11)).astype(np.float32)
    W = rng.standard_normal((7, 5, 4, 3)).astype(np.float32)
    b = rng.standard_normal(7).astype(np.float32)
    check_against_torch(conv((3, 2), (2, 1), 1, 1), torch_conv((3, 2), (2, 1), 1, 1), x, W, b,
                        rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("x_shape,w_shape,stride,pad,dilation,groups", CONV_CASES, ids=IDS)
def test_conv2d_one_image_at_a_time_gives_the_same_values_and_gradients(
        x_shape, w_shape, stride, pad, dilation, groups, rng, monkeypatch):
    from zerograd.vision.functions import conv as conv_module

    x = rng.standard_normal((3, *x_shape[1:]))
    W, b = rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    f = conv(stride, pad, dilation, groups)
    whole = f(x, W, b)
    monkeypatch.setattr(conv_module, "COLUMNS_CHUNK_BYTES", 1)  # every image its own chunk
    assert_allclose(f(x, W, b), whole, rtol=1e-12, atol=1e-12)
    check_backward(f, x, W, b)
    check_against_torch(f, torch_conv(stride, pad, dilation, groups), x.astype(np.float32),
                        W.astype(np.float32), b.astype(np.float32))


def test_conv2d_builds_the_column_matrix_in_chunks_of_images(rng, monkeypatch):
    """Peak memory stays at a chunk's im2col matrix, not the whole batch's (VGG16 at batch 8
    would need ~1 GB for its second layer's)."""
    from zerograd.vision.functions import conv as conv_module

    monkeypatch.setattr(conv_module, "COLUMNS_CHUNK_BYTES", 2**20, raising=False)
    x = rng.standard_normal((8, 32, 32, 32)).astype(np.float32)  # a constant: no input gradient
    W = rng.standard_normal((8, 32, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    whole_matrix = 8 * 32 * 32 * (32 * 9 + 1) * 4  # 9.5 MB; one image's: 1.2 MB
    for needs_grad in (False, True):  # the forward, then the weight gradient
        Wv, bv = Variable(W), Variable(b)
        with traced_memory() as memory:
            y = VF.conv2d(x, Wv, bv, pad=1)
            if needs_grad:
                y.backward()
        assert memory.peak < whole_matrix / 2, (needs_grad, memory.peak)


# (x shape, W shape (C, OC / groups, KH, KW), stride, pad, outsize, dilation, groups)
DECONV_CASES = [
    ((2, 3, 4, 3), (3, 2, 3, 3), 1, 0, None, 1, 1),
    ((1, 2, 3, 4), (2, 3, 4, 4), 2, 1, None, 1, 1),
    ((2, 2, 3, 3), (2, 2, 3, 2), (2, 3), (1, 0), (6, 8), 1, 1),
    ((1, 4, 3, 3), (4, 1, 3, 3), 2, 1, (6, 6), 1, 2),
    ((1, 2, 3, 4), (2, 2, 2, 3), 1, 1, None, 2, 1),
    # stride 1: an outsize beyond the smallest (dilation allows it), groups, pad beyond the kernel
    ((1, 2, 3, 4), (2, 2, 2, 3), 1, 1, (4, 7), 2, 1),
    ((2, 4, 4, 5), (4, 3, 3, 2), 1, (1, 0), None, 1, 2),
    ((1, 2, 6, 6), (2, 3, 3, 3), 1, 3, None, 1, 1),
]


@pytest.mark.parametrize("x_shape,w_shape,stride,pad,outsize,dilation,groups", DECONV_CASES)
def test_deconv2d_gradients_and_pytorch(x_shape, w_shape, stride, pad, outsize, dilation, groups,
                                        rng):
    x, W = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[1] * groups)

    def f(x, W, b=None):
        return VF.deconv2d(x, W, b, stride, pad, outsize, dilation, groups)

    check_backward(f, x, W, b)
    check_double_backward(f, x, W, b)
    y = f(x, W, b)
    assert outsize is None or y.shape[2:] == outsize
    smallest = VF.deconv2d(x, W, b, stride, pad, None, dilation, groups).shape[2:]
    extra = tuple(o - s for o, s in zip(y.shape[2:], smallest))

    def torch_deconv(x, W, b=None):
        import torch.nn.functional as TF
        return TF.conv_transpose2d(x, W, b, stride, pad, extra, groups, dilation)

    x32, W32, b32 = (a.astype(np.float32) for a in (x, W, b))
    check_against_torch(f, torch_deconv, x32, W32, b32)
    check_against_torch(f, torch_deconv, x32, W32)


def test_deconv2d_is_the_input_gradient_of_conv2d(rng):
    x = Variable(rng.standard_normal((2, 3, 9, 8)))
    W = rng.standard_normal((4, 3, 3, 3))
    y = VF.conv2d(x, W, stride=2, pad=1)
    gy = rng.standard_normal(y.shape)
    y.grad = Variable(gy)
    y.backward()
    expected = VF.deconv2d(gy, W, stride=2, pad=1, outsize=(9, 8))
    assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-12)


def test_conv2d_simple_equals_conv2d(rng):
    x, W, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    for stride, pad in [(1, 0), (2, 1), ((1, 2), (2, 0))]:
        assert_allclose(VF.conv2d_simple(x, W, b, stride, pad), VF.conv2d(x, W, b, stride, pad),
                        rtol=1e-12, atol=1e-12)
        check_backward(lambda x, W, b: VF.conv2d_simple(x, W, b, stride, pad), x, W, b)


def test_float32_stays_float32_and_layout_is_channels_last(rng):
    x = Variable(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    W = Variable(rng.standard_normal((5, 3, 3, 3)).astype(np.float32))
    b = Variable(np.zeros(5, dtype=np.float32))
    y = VF.conv2d(x, W, b, pad=1)
    assert y.dtype == np.float32
    assert y.data.transpose(0, 2, 3, 1).flags.c_contiguous  # NHWC in memory, NCHW in shape
    (y * y).sum().backward()
    assert x.grad.dtype == W.grad.dtype == b.grad.dtype == np.float32
    assert W.grad.data.flags.c_contiguous


def test_no_input_gradient_when_x_needs_none(rng):
    x = rng.standard_normal((1, 2, 4, 4))  # a plain array: a constant
    W = Variable(rng.standard_normal((3, 2, 3, 3)))
    y = VF.conv2d(x, W)
    y.backward()
    assert W.grad is not None
    frozen = Variable(rng.standard_normal((3, 2, 3, 3)), requires_grad=False)
    x_var = Variable(rng.standard_normal((1, 2, 4, 4)))
    VF.conv2d(x_var, frozen).backward()
    assert x_var.grad is not None and frozen.grad is None


def test_only_bias_gradient(rng):
    x = rng.standard_normal((2, 2, 4, 4))
    W = Variable(rng.standard_normal((3, 2, 3, 3)), requires_grad=False)
    b = Variable(rng.standard_normal(3))
    y = VF.conv2d(x, W, b, pad=1)
    y.backward()
    assert_allclose(b.grad, np.full(3, 2 * 4 * 4.0))


def test_no_grad_records_nothing(rng):
    W = Variable(rng.standard_normal((3, 2, 3, 3)))
    with no_grad():
        y = VF.conv2d(rng.standard_normal((1, 2, 5, 5)), W, pad=1)
    assert y.creator is None


def test_bad_input_raises_clear_errors():
    x, W = np.ones((1, 3, 5, 5)), np.ones((4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: x of shape \(1, 2, 5, 5\) has 2 channels but W "
                                         r"of shape \(4, 3, 3, 3\) expects 3"):
        VF.conv2d(np.ones((1, 2, 5, 5)), W)
    with pytest.raises(ValueError, match=r"conv2d: x must be 4-D \(N, C, H, W\), got shape \(3, 5, 5\)"):
        VF.conv2d(np.ones((3, 5, 5)), W)
    with pytest.raises(ValueError, match=r"conv2d: W must be 4-D"):
        VF.conv2d(x, np.ones((4, 3, 3)))
    with pytest.raises(ValueError, match=r"conv2d: the kernel \(8, 8\).*larger than the padded input "
                                         r"height 7 \(input shape \(1, 3, 5, 5\), pad \(1, 1\)\)"):
        VF.conv2d(x, np.ones((4, 3, 8, 8)), pad=1)
    with pytest.raises(ValueError, match=r"conv2d: b must have shape \(4,\)"):
        VF.conv2d(x, W, np.ones(3))
    with pytest.raises(ValueError, match="expects 4 \\(2 per group x 2 groups\\)"):
        VF.conv2d(x, np.ones((4, 2, 3, 3)), groups=2)
    with pytest.raises(ValueError, match="conv2d: groups must be a positive int"):
        VF.conv2d(x, W, groups=0)
    with pytest.raises(ValueError, match="conv2d: stride must be at least 1"):
        VF.conv2d(x, W, stride=0)
    with pytest.raises(ValueError, match=r"deconv2d: x of shape \(1, 3, 5, 5\) has 3 channels but W "
                                         r"of shape \(2, 4, 3, 3\) expects 2"):
        VF.deconv2d(x, np.ones((2, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"deconv2d: outsize \(20, 20\) is impossible.*\[9, 10\]"):
        VF.deconv2d(x, np.ones((3, 2, 3, 3)), stride=2, pad=1, outsize=20)
    with pytest.raises(ValueError, match=r"conv2d_simple: x of shape \(1, 2, 5, 5\) has 2 channels"):
        VF.conv2d_simple(np.ones((1, 2, 5, 5)), W)


def test_a_small_cnn_against_pytorch(rng):
    """conv - relu - pool - conv - relu - pool - linear, the benchmark's network in small: the
    channels-last outputs of each layer feed the next, forward and backward."""
    import zerograd.nn.functions as F

    x = rng.random((3, 1, 12, 12), dtype=np.float32)
    arrays = [rng.standard_normal(s).astype(np.float32) * 0.3
              for s in [(4, 1, 3, 3), (4,), (6, 4, 3, 3), (6,), (54, 5), (5,)]]

    def network(x, W1, b1, W2, b2, W3, b3):
        h = VF.pooling(F.relu(VF.conv2d(x, W1, b1, pad=1)), 2, 2)
        h = VF.pooling(F.relu(VF.conv2d(h, W2, b2, pad=1)), 2, 2)
        return F.linear(h.reshape(h.shape[0], -1), W3, b3)

    def torch_network(x, W1, b1, W2, b2, W3, b3):
        import torch.nn.functional as TF
        h = TF.max_pool2d(TF.relu(TF.conv2d(x, W1, b1, padding=1)), 2)
        h = TF.max_pool2d(TF.relu(TF.conv2d(h, W2, b2, padding=1)), 2)
        return h.flatten(1) @ W3 + b3

    check_against_torch(network, torch_network, x, *arrays)
