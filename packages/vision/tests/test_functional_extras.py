"""pad, interpolate, any-dimension and adaptive pooling, unfold/fold, conv1d, the transposed
convolutions and the pixel shuffles: gradient checks in float64, PyTorch in float32, errors."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.vision.functions as VF
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward


def _torch():
    return pytest.importorskip("torch")


# name -> (zerograd function of x, PyTorch function of (F, x), input shape)
CASES = {
    "pad_constant": (lambda x: VF.pad(x, (1, 2, -1, 1), value=0.5),
                     lambda F, x: F.pad(x, (1, 2, -1, 1), value=0.5), (2, 3, 4, 5)),
    "pad_reflect": (lambda x: VF.pad(x, (2, 1, 1, 3), "reflect"),
                    lambda F, x: F.pad(x, (2, 1, 1, 3), "reflect"), (2, 3, 4, 5)),
    "pad_replicate": (lambda x: VF.pad(x, (2, -1), "replicate"),
                      lambda F, x: F.pad(x, (2, -1), "replicate"), (2, 3, 5)),
    "pad_circular": (lambda x: VF.pad(x, (-1, 2, 3, 1), "circular"),
                     lambda F, x: F.pad(x, (-1, 2, 3, 1), "circular"), (1, 2, 4, 5)),
    # the slice-wise backward (no cropping widths) at its edges: a reflect width of n - 1, a
    # replicate width beyond n, a circular width of n, and one side left unpadded
    "pad_reflect_edge": (lambda x: VF.pad(x, (4, 0, 0, 3), "reflect"),
                         lambda F, x: F.pad(x, (4, 0, 0, 3), "reflect"), (2, 3, 4, 5)),
    "pad_replicate_wide": (lambda x: VF.pad(x, (0, 7, 2, 1), "replicate"),
                           lambda F, x: F.pad(x, (0, 7, 2, 1), "replicate"), (1, 2, 3, 4)),
    "pad_circular_full": (lambda x: VF.pad(x, (4, 1, 0, 3), "circular"),
                          lambda F, x: F.pad(x, (4, 1, 0, 3), "circular"), (1, 2, 3, 4)),
    "nearest": (lambda x: VF.interpolate(x, (7, 3)),
                lambda F, x: F.interpolate(x, (7, 3)), (2, 3, 4, 5)),
    "nearest_exact": (lambda x: VF.interpolate(x, (7, 3), "nearest-exact"),
                      lambda F, x: F.interpolate(x, (7, 3), mode="nearest-exact"), (2, 3, 4, 5)),
    "bilinear": (lambda x: VF.interpolate(x, (7, 3), "bilinear", False),
                 lambda F, x: F.interpolate(x, (7, 3), mode="bilinear"), (2, 3, 4, 5)),
    "bilinear_corners": (lambda x: VF.interpolate(x, (7, 3), "bilinear", True),
                         lambda F, x: F.interpolate(x, (7, 3), mode="bilinear",
                                                    align_corners=True), (2, 3, 4, 5)),
    "bilinear_scale": (lambda x: VF.interpolate(x, (6, 7), "bilinear", False, (1.5, 1.5)),
                       lambda F, x: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
                       (2, 3, 4, 5)),
    "bicubic": (lambda x: VF.interpolate(x, (7, 3), "bicubic", False),
                lambda F, x: F.interpolate(x, (7, 3), mode="bicubic"), (2, 3, 4, 5)),
    "linear": (lambda x: VF.interpolate(x, (9,), "linear", False),
               lambda F, x: F.interpolate(x, 9, mode="linear"), (2, 3, 4)),
    "adaptive_avg": (lambda x: VF.adaptive_average_pooling(x, (3, 4)),
                     lambda F, x: F.adaptive_avg_pool2d(x, (3, 4)), (2, 3, 7, 5)),
    "adaptive_max": (lambda x: VF.adaptive_max_pooling(x, (3, 4))[0],
                     lambda F, x: F.adaptive_max_pool2d(x, (3, 4)), (2, 3, 7, 5)),
    "avg_pool1d_ceil": (lambda x: VF.average_pooling_nd(x, (3,), (2,), (1,), True, False),
                        lambda F, x: F.avg_pool1d(x, 3, 2, 1, True, False), (2, 3, 8)),
    "avg_pool3d": (lambda x: VF.average_pooling_nd(x, (2, 2, 2), (1, 2, 1), (1, 0, 1), False,
                                                   True, 3),
                   lambda F, x: F.avg_pool3d(x, 2, (1, 2, 1), (1, 0, 1), divisor_override=3),
                   (1, 2, 3, 4, 3)),
    "max_pool1d_dilated": (lambda x: VF.max_pooling_nd(x, (3,), (2,), (1,), (2,), True)[0],
                           lambda F, x: F.max_pool1d(x, 3, 2, 1, 2, True), (2, 3, 9)),
    "unfold": (lambda x: VF.unfold(x, (2, 3), 2, 1, (1, 2)),
               lambda F, x: F.unfold(x, (2, 3), 2, 1, (1, 2)), (2, 3, 5, 6)),
    "fold": (lambda x: VF.fold(x, (4, 5), 2, 1, 1, 1),
             lambda F, x: F.fold(x, (4, 5), 2, 1, 1, 1), (2, 12, 30)),
    "pixel_shuffle": (lambda x: VF.pixel_shuffle(x, 2),
                      lambda F, x: F.pixel_shuffle(x, 2), (2, 8, 3, 2)),
    "pixel_unshuffle": (lambda x: VF.pixel_unshuffle(x, 2),
                        lambda F, x: F.pixel_unshuffle(x, 2), (2, 2, 4, 6)),
    "channel_shuffle": (lambda x: VF.channel_shuffle(x, 3),
                        lambda F, x: F.channel_shuffle(x, 3), (2, 6, 2, 2)),
}
NAMES = sorted(CASES)
LINEAR = ["pad_constant", "pad_reflect", "pad_reflect_edge", "pad_replicate_wide",
          "pad_circular_full", "bilinear", "unfold", "fold", "adaptive_avg"]


def _input(name, dtype=np.float64):
    # distinct values: no ties inside a pooling window
    shape = CASES[name][2]
    return (np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape)
            / 7.0).astype(dtype)


@pytest.mark.parametrize("name", NAMES)
def test_against_pytorch(name):
    torch = _torch()
    func, torch_func, _ = CASES[name]
    check_against_torch(func, lambda t: torch_func(torch.nn.functional, t),
                        _input(name, np.float32))


@pytest.mark.parametrize("name", NAMES)
def test_gradient(name):
    check_backward(CASES[name][0], _input(name))


@pytest.mark.parametrize("name", LINEAR)
def test_double_backward(name):
    check_double_backward(CASES[name][0], _input(name))


def test_max_pooling_returns_pytorchs_indices():
    torch = _torch()
    x = _input("max_pool1d_dilated", np.float32)
    _, ours = VF.max_pooling_nd(x, (3,), (2,), (1,), (2,), True)
    _, theirs = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, 1, 2, True, True)
    np.testing.assert_array_equal(ours, theirs.numpy())


@pytest.mark.parametrize("stride, padding, output_padding, dilation, groups", [
    (2, 1, 1, 1, 1), (1, 0, 0, 2, 2), (3, 2, 2, 1, 1)])
def test_transposed_and_1d_convolutions(stride, padding, output_padding, dilation, groups):
    torch = _torch()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(w.shape[1] * groups).astype(np.float32)
    TF = torch.nn.functional
    check_against_torch(
        lambda x, w, b: VF.conv_transpose1d(x, w, b, stride, padding, output_padding, groups,
                                            dilation),
        lambda x, w, b: TF.conv_transpose1d(x, w, b, stride, padding, output_padding, groups,
                                            dilation), x, w, b)
    x2 = rng.standard_normal((2, 4, 5, 4)).astype(np.float32)
    w2 = rng.standard_normal((4, 2, 2, 3)).astype(np.float32)
    check_against_torch(
        lambda x, w: VF.conv_transpose2d(x, w, None, stride, padding, output_padding, groups,
                                         dilation),
        lambda x, w: TF.conv_transpose2d(x, w, None, stride, padding, output_padding, groups,
                                         dilation), x2, w2)
    wc = rng.standard_normal((6, 4 // groups, 3)).astype(np.float32)
    check_against_torch(lambda x, w: VF.conv1d(x, w, None, stride, padding, dilation, groups),
                        lambda x, w: TF.conv1d(x, w, None, stride, padding, dilation, groups),
                        x, wc)


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_same_padding_with_an_even_kernel():
    torch = _torch()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 7)).astype(np.float32)
    w = rng.standard_normal((3, 2, 4)).astype(np.float32)
    check_against_torch(lambda x, w: VF.conv1d(x, w, padding="same", dilation=1),
                        lambda x, w: torch.nn.functional.conv1d(x, w, padding="same"), x, w)
    check_backward(lambda x, w: VF.conv1d(x, w, padding="same"), x, w)


@pytest.mark.parametrize("call, message", [
    (lambda: VF.pad(np.zeros((2, 3)), (3, 0), "reflect"), "pad: reflect widths must be smaller"),
    (lambda: VF.pad(np.zeros((2, 3)), (1, 0, 1)), "pad: pad must hold an even number"),
    (lambda: VF.pad(np.zeros((2, 3)), (1, 1), "wrap"), "pad: mode must be one of"),
    (lambda: VF.interpolate(np.zeros((1, 1, 2)), (3,), "cubic"), "interpolate: mode must be"),
    (lambda: VF.max_pooling_nd(np.zeros((1, 1, 4)), (2,), (1,), (2,), (1,)),
     "max_pool: padding (2,) must be at most half the kernel (2,)"),
    (lambda: VF.fold(np.zeros((1, 5, 4)), (3, 3), 2), "fold: cols must have shape (N, C * 4, 4)"),
    (lambda: VF.pixel_shuffle(np.zeros((1, 3, 2, 2)), 2), "pixel_shuffle: x must be"),
    (lambda: VF.conv_transpose2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), stride=2,
                                 output_padding=2), "conv_transpose2d: output_padding (2, 2)"),
    (lambda: VF.conv1d(np.zeros((1, 1, 5)), np.zeros((1, 1, 2)), stride=2, padding="same"),
     "conv2d: padding='same' needs stride 1"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_max_unpooling_against_pytorch():
    torch = _torch()
    x = _input("adaptive_max", np.float32)
    values, indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    check_against_torch(lambda v: VF.max_unpooling_nd(v, indices.numpy(), (7, 5)),
                        lambda v: torch.nn.functional.max_unpool2d(v, indices, 2, output_size=(7, 5)),
                        values.numpy())
    check_backward(lambda v: VF.max_unpooling_nd(v, indices.numpy(), (7, 5)),
                   values.numpy().astype(np.float64))
    with pytest.raises(NotImplementedError, match="max_unpool: repeated indices"):
        VF.max_unpooling_nd(np.ones((1, 1, 2)), np.array([[[1, 1]]]), (3,))
