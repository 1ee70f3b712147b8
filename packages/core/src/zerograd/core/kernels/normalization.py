"""Layer and batch normalisation, forward and backward: the statistics, the standardised xhat and
the affine output in two or three passes over memory where NumPy makes six to ten.

NumPy reference: zerograd.nn.functions.normalization (``_standardize`` and the forwards of
``LayerNorm`` and ``BatchNorm``, ``NormalizationGrad.forward`` for the backward). Same formulas
in the same order of operations, in the array's dtype; only the sums differ in rounding: they
run in float64 in independent lanes of a fixed order (NumPy's pairwise sums run in the dtype),
so float64 results agree with NumPy's to ~1e-15 and float32 ones are at least as accurate.

Layouts (the callers make them C-contiguous):

- layer norm: x (R, D), each row standardised over its D values; parallel over the rows. The
  gamma and beta gradients sum over the rows: each fixed block of ``ROWS_PER_BLOCK`` rows adds
  into its own partial sums in row order, and the blocks' partials are added in block order,
  so the result does not depend on the thread count (the bitwise-resume rule).
- batch norm: x (N, C, S) (S = H * W), each channel standardised over its N * S values;
  parallel over the (image, channel) planes, in memory order. Each plane's sums are made by
  one thread, and a channel's are added in image order: a fixed order whatever the thread
  count. x (N, C) and (N, C, 1, 1) stay on NumPy: with planes of one value the
  per-plane work costs more than NumPy's column sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.kernels._jit import kernel, prange

ROWS_PER_BLOCK = 32  # rows per partial sum of a layer norm's gamma and beta gradients


# --- sums over a 1-d array, in float64: four independent lanes per sum (one running sum is a
# --- chain of dependent additions, which the compiler may not reorder without fastmath)
@kernel(parallel=False)
def _sum(a: Any, mean: Any, squares: bool) -> float:
    """sum a, or with ``squares`` sum (a - mean)^2, the square taken in a's dtype as NumPy's
    xhat * xhat is."""
    s0 = s1 = s2 = s3 = 0.0
    whole = a.size - a.size % 4
    if squares:
        for i in range(0, whole, 4):
            d0, d1, d2, d3 = a[i] - mean, a[i + 1] - mean, a[i + 2] - mean, a[i + 3] - mean
            s0 += d0 * d0
            s1 += d1 * d1
            s2 += d2 * d2
            s3 += d3 * d3
        for i in range(whole, a.size):
            d = a[i] - mean
            s0 += d * d
    else:
        for i in range(0, whole, 4):
            s0 += a[i]
            s1 += a[i + 1]
            s2 += a[i + 2]
            s3 += a[i + 3]
        for i in range(whole, a.size):
            s0 += a[i]
    return (s0 + s1) + (s2 + s3)


@kernel(parallel=False)
def _sum_pair(a: Any, b: Any, w: Any) -> tuple[float, float]:
    """(sum a w, sum a w b), each product in the arrays' dtype; w of size 1 is one scalar."""
    s0 = s1 = s2 = s3 = p0 = p1 = p2 = p3 = 0.0
    step = 1 if w.size > 1 else 0
    whole = a.size - a.size % 4
    for i in range(0, whole, 4):
        g0, g1 = a[i] * w[i * step], a[i + 1] * w[(i + 1) * step]
        g2, g3 = a[i + 2] * w[(i + 2) * step], a[i + 3] * w[(i + 3) * step]
        s0 += g0
        s1 += g1
        s2 += g2
        s3 += g3
        p0 += g0 * b[i]
        p1 += g1 * b[i + 1]
        p2 += g2 * b[i + 2]
        p3 += g3 * b[i + 3]
    for i in range(whole, a.size):
        g = a[i] * w[i * step]
        s0 += g
        p0 += g * b[i]
    return (s0 + s1) + (s2 + s3), (p0 + p1) + (p2 + p3)


# --- layer normalisation: x (R, D) ------------------------------------------------------------
@kernel
def _layer_forward(x: Any, gamma: Any, beta: Any, eps: Any, xhat: Any, inv_std: Any,
                   y: Any) -> None:
    """x (R, D), gamma, beta (D,) -> xhat, y (R, D), inv_std (R,)."""
    rows, width = x.shape
    cast = x.dtype.type
    zero, one = cast(0), cast(1)
    for r in prange(rows):
        mean = cast(_sum(x[r], zero, False) / width)
        inv = one / np.sqrt(cast(_sum(x[r], mean, True) / width) + eps)
        inv_std[r] = inv
        for i in range(width):
            h = (x[r, i] - mean) * inv
            xhat[r, i] = h
            y[r, i] = h * gamma[i] + beta[i]


@kernel
def _layer_backward(gy: Any, xhat: Any, inv_std: Any, gamma: Any, gx: Any, ggamma_parts: Any,
                    gbeta_parts: Any) -> None:
    """gy, xhat (R, D), inv_std (R,), gamma (D,) -> gx (R, D) and, per block of rows, the
    partial sums (blocks, D) of gy xhat and gy (float64, zeroed by the caller)."""
    rows, width = gy.shape
    cast = gy.dtype.type
    for b in prange(ggamma_parts.shape[0]):
        for r in range(b * ROWS_PER_BLOCK, min(rows, (b + 1) * ROWS_PER_BLOCK)):
            s, p = _sum_pair(gy[r], xhat[r], gamma)
            mean_g, mean_gx, inv = cast(s / width), cast(p / width), inv_std[r]
            for i in range(width):
                g, h = gy[r, i], xhat[r, i]
                gx[r, i] = ((g * gamma[i] - mean_g) - h * mean_gx) * inv
                ggamma_parts[b, i] += g * h
                gbeta_parts[b, i] += g


def _rows(a: Any, width: int) -> Any:
    """a (..., *S) as a C-contiguous (R, D) array, D = prod(S) = width."""
    return np.ascontiguousarray(a).reshape(-1, width)


def _flat(a: Any) -> Any:
    """The values of a parameter or statistic (gamma's shape, (C,), (1, C, 1, 1)...) as a
    C-contiguous 1-d array."""
    return np.ascontiguousarray(a).reshape(-1)


def layer_norm_forward(x: Any, gamma: Any, beta: Any, eps: float) -> tuple[Any, Any, Any]:
    """(y, xhat, inv_std) of x (..., *S) standardised over the trailing axes of gamma's shape S;
    inv_std keeps those axes with size 1 (as ``_standardize`` gives it)."""
    width = gamma.size
    x2 = _rows(x, width)
    xhat, y = np.empty_like(x2), np.empty_like(x2)
    inv_std = np.empty(x2.shape[0], dtype=x.dtype)
    _layer_forward(x2, _flat(gamma), _flat(beta), x.dtype.type(eps), xhat, inv_std, y)
    kept = x.shape[:x.ndim - gamma.ndim] + (1,) * gamma.ndim
    return y.reshape(x.shape), xhat.reshape(x.shape), inv_std.reshape(kept)


def layer_norm_backward(gy: Any, xhat: Any, inv_std: Any, gamma: Any) -> tuple[Any, Any, Any]:
    """(gx, ggamma, gbeta) of layer_norm_forward's y (see NormalizationGrad.forward)."""
    width = gamma.size
    gy2 = _rows(gy, width)
    gx = np.empty_like(gy2)
    blocks = -(-gy2.shape[0] // ROWS_PER_BLOCK)
    ggamma_parts, gbeta_parts = np.zeros((blocks, width)), np.zeros((blocks, width))
    _layer_backward(gy2, _rows(xhat, width), _flat(inv_std), _flat(gamma), gx, ggamma_parts,
                    gbeta_parts)
    # the blocks' partials in block order: a fixed order whatever the thread count
    ggamma = ggamma_parts.sum(axis=0).astype(gy.dtype).reshape(gamma.shape)
    gbeta = gbeta_parts.sum(axis=0).astype(gy.dtype).reshape(gamma.shape)
    return gx.reshape(gy.shape), ggamma, gbeta


# --- batch normalisation: x (N, C, S), parallel over the (image, channel) planes in memory order ---
@kernel
def _plane_sums(x: Any, shift: Any, squares: bool, sums: Any) -> None:
    """x (N, C, S) -> sums (N, C) of each plane's values, or with ``squares`` of its
    (x - shift[c])^2."""
    n_images, channels, _ = x.shape
    for k in prange(n_images * channels):
        n, c = k // channels, k % channels
        sums[n, c] = _sum(x[n, c], shift[c], squares)


@kernel
def _plane_pair_sums(gy: Any, xhat: Any, one: Any, sums: Any, products: Any) -> None:
    """gy, xhat (N, C, S), one = [1] -> sums (N, C) of each plane's gy and of its gy xhat."""
    n_images, channels, _ = gy.shape
    for k in prange(n_images * channels):
        n, c = k // channels, k % channels
        sums[n, c], products[n, c] = _sum_pair(gy[n, c], xhat[n, c], one)


@kernel
def _plane_affine(x: Any, mean: Any, inv_std: Any, gamma: Any, beta: Any, keep: bool, xhat: Any,
                  y: Any) -> None:
    """x (N, C, S), per channel mean, inv_std, gamma, beta (C,) -> y (N, C, S) and, with
    ``keep``, xhat (N, C, S)."""
    n_images, channels, size = x.shape
    for k in prange(n_images * channels):
        n, c = k // channels, k % channels
        mu, inv, scale, shift = mean[c], inv_std[c], gamma[c], beta[c]
        if keep:
            for i in range(size):
                h = (x[n, c, i] - mu) * inv
                xhat[n, c, i] = h
                y[n, c, i] = h * scale + shift
        else:
            for i in range(size):
                y[n, c, i] = (x[n, c, i] - mu) * inv * scale + shift


@kernel
def _plane_backward(gy: Any, xhat: Any, mean_g: Any, mean_gx: Any, scale: Any, gx: Any) -> None:
    """gy, xhat (N, C, S), per channel mean_g, mean_gx, scale (C,) -> gx (N, C, S)."""
    n_images, channels, size = gy.shape
    for k in prange(n_images * channels):
        n, c = k // channels, k % channels
        a, b, s = mean_g[c], mean_gx[c], scale[c]
        for i in range(size):
            gx[n, c, i] = ((gy[n, c, i] - a) - xhat[n, c, i] * b) * s


def _channels(x: Any) -> Any:
    """x (N, C, H, W) as a C-contiguous (N, C, H * W) array."""
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)


def _channel_sums(partials: Any, dtype: Any, count: int = 1) -> Any:
    """The (C,) sums of the planes' partial sums (N, C), added in image order whatever the
    thread count, divided by ``count``, in the dtype."""
    return (partials.sum(axis=0) / count).astype(dtype)


def batch_statistics(x: Any) -> tuple[Any, Any]:
    """The mean and biased variance (C,) of each channel of x (N, C, H, W)."""
    x3 = _channels(x)
    count = x.size // x.shape[1]
    sums = np.empty(x.shape[:2])
    _plane_sums(x3, np.zeros(x.shape[1], dtype=x.dtype), False, sums)
    mean = _channel_sums(sums, x.dtype, count)
    _plane_sums(x3, mean, True, sums)
    return mean, _channel_sums(sums, x.dtype, count)


def batch_affine(x: Any, mean: Any, inv_std: Any, gamma: Any, beta: Any,
                 keep: bool) -> tuple[Any, Any]:
    """(xhat, y) of x (N, C, H, W) with per-channel statistics (any shape holding C values):
    xhat = (x - mean) inv_std (None unless ``keep``), y = xhat gamma + beta."""
    x3 = _channels(x)
    y = np.empty_like(x3)
    xhat = np.empty_like(x3) if keep else np.empty((0, 0, 0), dtype=x.dtype)
    _plane_affine(x3, _flat(mean), _flat(inv_std), _flat(gamma), _flat(beta), keep, xhat, y)
    return (xhat.reshape(x.shape) if keep else None), y.reshape(x.shape)


def batch_norm_backward(gy: Any, xhat: Any, inv_std: Any, gamma: Any) -> tuple[Any, Any, Any]:
    """(gx, ggamma, gbeta) of batch_affine's y in train mode, as NormalizationGrad.forward
    computes them: gx = (gy - gbeta / m - xhat ggamma / m) gamma inv_std."""
    gy3, xhat3 = _channels(gy), _channels(xhat)
    sums, products = np.empty(gy.shape[:2]), np.empty(gy.shape[:2])
    _plane_pair_sums(gy3, xhat3, np.ones(1, dtype=gy.dtype), sums, products)
    gbeta, ggamma = _channel_sums(sums, gy.dtype), _channel_sums(products, gy.dtype)
    m = gy.size // gbeta.size
    gx = np.empty_like(gy3)
    _plane_backward(gy3, xhat3, gbeta * (1 / m), ggamma * (1 / m), _flat(gamma) * _flat(inv_std),
                    gx)
    return gx.reshape(gy.shape), ggamma, gbeta
