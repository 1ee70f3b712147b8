"""Linear resampling along axes: interpolate (nearest, nearest-exact, linear, bilinear,
bicubic, trilinear, area), adaptive average pooling and average pooling of any dimension.

Each of these maps every spatial axis separately by a matrix A (out, in): y = A x along that
axis. ``ResampleAxis`` is that one product (a tensordot, which BLAS runs); its gradient is the
product with A's transpose, so every function here has gradients of gradients. The matrices
follow PyTorch's index arithmetic (source index, clamping, weights) exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Function, Variable, as_variable
from zerograd.core.cuda import get_array_module


class ResampleAxis(Function):
    """y = A x along ``axis`` (A of shape (out, in)); gx = A^T gy along the same axis."""

    __slots__ = ("matrix", "axis")

    def __init__(self, matrix: Any, axis: int) -> None:
        self.matrix, self.axis = matrix, axis

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        y = xp.tensordot(x, self.matrix.astype(x.dtype, copy=False), axes=([self.axis], [1]))
        return xp.ascontiguousarray(xp.moveaxis(y, -1, self.axis))

    def backward(self, gy: Variable) -> Variable:
        return ResampleAxis(self.matrix.T, self.axis)(gy)


def resample(x: Any, matrices: list[Any], first_axis: int = 2) -> Variable:
    """x mapped by matrices[k] along axis first_axis + k (host matrices move to x's device)."""
    y = as_variable(x)
    xp = get_array_module(y.data)
    for k, m in enumerate(matrices):
        y = ResampleAxis(xp.asarray(m), first_axis + k)(y)
    return y


# --- matrices --------------------------------------------------------------------------------------
def _scale(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool) -> float:
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale_factor if scale_factor else n_in / n_out


def nearest_matrix(n_in: int, n_out: int, scale_factor: float | None, exact: bool) -> Any:
    """0/1 rows: output i copies input floor((i (+ 0.5 if exact)) * scale), in float32 as
    PyTorch computes it."""
    scale = np.float32(1.0 / scale_factor) if scale_factor else np.float32(n_in) / np.float32(n_out)
    dst = np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    src = np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1)
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), src] = 1
    return m


def linear_matrix(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool) -> Any:
    """Rows of two weights (1 - l, l) at floor(src) and the next index, src the source position."""
    scale = _scale(n_in, n_out, scale_factor, align_corners)
    dst = np.arange(n_out, dtype=np.float64)
    src = dst * scale if align_corners else np.maximum(scale * (dst + 0.5) - 0.5, 0)
    i0 = np.minimum(src.astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = np.clip(src - i0, 0, 1)
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(m, (rows, i0), 1 - lam)
    np.add.at(m, (rows, i1), lam)
    return m


def _cubic_weights(t: Any, a: float = -0.75) -> list[Any]:
    def near(s: Any) -> Any:  # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s: Any) -> Any:  # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def cubic_matrix(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool) -> Any:
    """Keys' cubic convolution (a = -0.75) over the four neighbours, indices clamped at the
    borders (PyTorch's bicubic)."""
    scale = _scale(n_in, n_out, scale_factor, align_corners)
    dst = np.arange(n_out, dtype=np.float64)
    src = dst * scale if align_corners else scale * (dst + 0.5) - 0.5
    i0 = np.floor(src).astype(np.int64)
    weights = _cubic_weights(src - i0)
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    for k, w in enumerate(weights):
        np.add.at(m, (rows, np.clip(i0 - 1 + k, 0, n_in - 1)), w)
    return m


def adaptive_average_matrix(n_in: int, n_out: int) -> Any:
    """Row i averages input[floor(i n_in / n_out) : ceil((i + 1) n_in / n_out)]."""
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def pooled_length(n_in: int, kernel: int, stride: int, pad: int, dilation: int,
                  ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: the number of windows, the last one starting inside the
    input or its left padding when ``ceil_mode`` rounds up."""
    span = n_in + 2 * pad - dilation * (kernel - 1) - 1
    n_out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (n_out - 1) * stride >= n_in + pad:
        n_out -= 1
    return n_out


def average_matrix(n_in: int, kernel: int, stride: int, pad: int, ceil_mode: bool,
                   count_include_pad: bool, divisor: bool) -> Any:
    """Row o sums the window of output o, divided by its size (with or without padding), or
    by 1 when a divisor override divides afterwards."""
    n_out = pooled_length(n_in, kernel, stride, pad, 1, ceil_mode)
    if n_out < 1:
        raise ValueError(f"avg_pool: an input of length {n_in} gives no output for kernel "
                         f"{kernel}, stride {stride}, padding {pad}")
    m = np.zeros((n_out, n_in))
    for o in range(n_out):
        start = o * stride - pad
        end = min(start + kernel, n_in + pad)
        size = end - start
        start, end = max(start, 0), min(end, n_in)
        m[o, start:end] = 1.0 if divisor else 1.0 / (size if count_include_pad else end - start)
    return m


# --- public functions -----------------------------------------------------------------------------
def _spatial(op: str, x: Variable, dims: int) -> tuple[int, ...]:
    if x.ndim != dims + 2:
        raise ValueError(f"{op}: x must have shape (N, C) + {dims} spatial axes, got {x.shape}")
    return x.shape[2:]


def adaptive_average_pooling(x: Any, output_size: tuple[int, ...]) -> Variable:
    """Average pooling of x (N, C, *spatial) to ``output_size`` (one size per spatial axis; None
    keeps that axis): window i spans [floor(i n / out), ceil((i + 1) n / out)).

    >>> import numpy as np
    >>> adaptive_average_pooling(np.arange(5.0).reshape(1, 1, 5), (2,)).data
    array([[[1., 3.]]])
    """
    x = as_variable(x)
    spatial = _spatial("adaptive_average_pooling", x, len(output_size))
    sizes = [n if o is None else int(o) for n, o in zip(spatial, output_size)]
    if min(sizes, default=1) < 1:
        raise ValueError(f"adaptive_average_pooling: output_size must be positive, got {output_size}")
    return resample(x, [adaptive_average_matrix(n, o) for n, o in zip(spatial, sizes)])


def average_pooling_nd(x: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                       pad: tuple[int, ...], ceil_mode: bool = False,
                       count_include_pad: bool = True, divisor_override: int | None = None) -> Variable:
    """Average pooling of x (N, C, *spatial) over len(kernel) spatial axes with PyTorch's
    options: ``ceil_mode`` keeps a last partial window, ``count_include_pad`` counts padding in
    the divisor, ``divisor_override`` replaces the divisor.

    >>> import numpy as np
    >>> average_pooling_nd(np.arange(4.0).reshape(1, 1, 4), (2,), (2,), (0,)).data
    array([[[0.5, 2.5]]])
    """
    x = as_variable(x)
    spatial = _spatial("avg_pool", x, len(kernel))
    for k, p in zip(kernel, pad):
        if p > k // 2:
            raise ValueError(f"avg_pool: padding {pad} must be at most half the kernel {kernel}")
    matrices = [average_matrix(n, k, s, p, ceil_mode, count_include_pad, divisor_override is not None)
                for n, k, s, p in zip(spatial, kernel, stride, pad)]
    y = resample(x, matrices)
    return y * (1.0 / divisor_override) if divisor_override is not None else y


INTERPOLATION = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")


def interpolate(x: Any, size: tuple[int, ...], mode: str = "nearest",
                align_corners: bool | None = None,
                scale_factor: tuple[float, ...] | None = None) -> Variable:
    """x (N, C, *spatial) resized to ``size`` (one length per spatial axis) in PyTorch's modes;
    ``scale_factor``, when the caller had one, sets the source positions as PyTorch does
    (1 / scale_factor rather than in / out).

    >>> import numpy as np
    >>> interpolate(np.array([[[0.0, 1.0]]]), (4,), mode="linear").data
    array([[[0.  , 0.25, 0.75, 1.  ]]])
    """
    x = as_variable(x)
    if mode not in INTERPOLATION:
        raise ValueError(f"interpolate: mode must be one of {INTERPOLATION}, got {mode!r}")
    spatial = _spatial("interpolate", x, len(size))
    factors = scale_factor or (None,) * len(size)
    if mode == "area":
        return adaptive_average_pooling(x, size)
    matrices = []
    for n, o, f in zip(spatial, size, factors):
        if mode.startswith("nearest"):
            matrices.append(nearest_matrix(n, o, f, mode == "nearest-exact"))
        elif mode == "bicubic":
            matrices.append(cubic_matrix(n, o, f, bool(align_corners)))
        else:
            matrices.append(linear_matrix(n, o, f, bool(align_corners)))
    return resample(x, matrices)

