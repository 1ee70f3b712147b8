"""im2col and col2im: the book's layout, adjointness, gradients, PyTorch's unfold/fold, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerograd.core import Variable
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward
from zerograd.vision import functions as VF

CASES = [  # (input shape, kernel, stride, pad)
    ((2, 3, 5, 4), 3, 1, 1),
    ((1, 2, 7, 6), (3, 2), (2, 1), (1, 0)),
    ((2, 1, 6, 6), 2, 2, 0),
    ((1, 2, 4, 5), (1, 3), 1, (2, 1)),
]


def reference_im2col(x, kernel, stride, pad):
    """A direct loop over windows: rows (n, oh, ow), columns (c, kh, kw)."""
    (kh, kw), (sh, sw), (ph, pw) = as_pair(kernel), as_pair(stride), as_pair(pad)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c, h, w = xp.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    rows = [xp[i, :, p * sh:p * sh + kh, q * sw:q * sw + kw].ravel()
            for i in range(n) for p in range(oh) for q in range(ow)]
    return np.array(rows)


def as_pair(v):
    return (v, v) if isinstance(v, int) else v


@pytest.mark.parametrize("shape,kernel,stride,pad", CASES)
def test_im2col_matches_a_loop_over_windows(shape, kernel, stride, pad, rng):
    x = rng.standard_normal(shape)
    col = VF.im2col(x, kernel, stride, pad)
    np.testing.assert_array_equal(col.data, reference_im2col(x, kernel, stride, pad))
    blocks = VF.im2col(x, kernel, stride, pad, to_matrix=False)
    n, c, kh, kw, oh, ow = blocks.shape
    np.testing.assert_array_equal(blocks.data.transpose(0, 4, 5, 1, 2, 3).reshape(col.shape), col.data)


@pytest.mark.parametrize("to_matrix", [True, False])
@pytest.mark.parametrize("shape,kernel,stride,pad", CASES)
def test_gradients(shape, kernel, stride, pad, to_matrix, rng):
    x = rng.standard_normal(shape)
    check_backward(lambda v: VF.im2col(v, kernel, stride, pad, to_matrix), x)
    check_double_backward(lambda v: VF.im2col(v, kernel, stride, pad, to_matrix), x)
    col = VF.im2col(x, kernel, stride, pad, to_matrix).data
    check_backward(lambda v: VF.col2im(v, shape, kernel, stride, pad, to_matrix), col)


@pytest.mark.parametrize("shape,kernel,stride,pad", CASES)
def test_against_pytorch_unfold(shape, kernel, stride, pad, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    n, c = shape[:2]

    def unfold(t):
        import torch.nn.functional as TF
        cols = TF.unfold(t, kernel, padding=pad, stride=stride)  # (N, C*KH*KW, L)
        return cols.transpose(1, 2).reshape(-1, cols.shape[1])

    check_against_torch(lambda v: VF.im2col(v, kernel, stride, pad), unfold, x)
    col = VF.im2col(x, kernel, stride, pad).data

    def fold(t):
        import torch.nn.functional as TF
        cols = t.reshape(n, -1, t.shape[1]).transpose(1, 2)
        return TF.fold(cols, shape[2:], kernel, padding=pad, stride=stride)

    check_against_torch(lambda v: VF.col2im(v, shape, kernel, stride, pad), fold, col)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 7), w=st.integers(1, 7),
       kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
       ph=st.integers(0, 2), pw=st.integers(0, 2), to_matrix=st.booleans())
def test_col2im_is_the_adjoint_of_im2col(n, c, h, w, kh, kw, sh, sw, ph, pw, to_matrix):
    if kh > h + 2 * ph or kw > w + 2 * pw:
        return
    rng = np.random.default_rng(n * 1000 + h * 10 + w)
    x = rng.standard_normal((n, c, h, w))
    col = VF.im2col(x, (kh, kw), (sh, sw), (ph, pw), to_matrix).data
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    assert col.shape == ((n * oh * ow, c * kh * kw) if to_matrix else (n, c, kh, kw, oh, ow))
    g = rng.standard_normal(col.shape)
    back = VF.col2im(g, x.shape, (kh, kw), (sh, sw), (ph, pw), to_matrix).data
    assert back.shape == x.shape
    np.testing.assert_allclose((col * g).sum(), (x * back).sum(), rtol=1e-10, atol=1e-10)


def test_im2col_returns_a_new_writable_array():
    x = np.arange(4.0).reshape(1, 1, 2, 2)
    col = VF.im2col(x, 1).data
    col[...] = 0
    assert x.sum() == 6.0


def test_float32_stays_float32():
    x = Variable(np.ones((1, 2, 4, 4), dtype=np.float32))
    col = VF.im2col(x, 3, pad=1)
    assert col.dtype == np.float32
    col.backward()
    assert x.grad.dtype == np.float32


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match=r"im2col: x must be 4-D \(N, C, H, W\), got shape \(3, 4, 4\)"):
        VF.im2col(np.ones((3, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"im2col: the kernel \(5, 5\).*larger than the padded input "
                                         r"height 4 \(input shape \(1, 1, 4, 4\)"):
        VF.im2col(np.ones((1, 1, 4, 4)), 5)
    with pytest.raises(ValueError, match="im2col: stride must be at least 1"):
        VF.im2col(np.ones((1, 1, 4, 4)), 2, stride=0)
    with pytest.raises(TypeError, match="im2col: kernel_size must be an int or a pair"):
        VF.im2col(np.ones((1, 1, 4, 4)), 2.5)
    with pytest.raises(ValueError, match=r"col2im: col of shape \(3, 9\) does not fit input_shape"):
        VF.col2im(np.ones((3, 9)), (1, 1, 4, 4), 3)
