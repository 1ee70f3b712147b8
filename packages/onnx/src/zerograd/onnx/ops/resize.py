"""Resize and Upsample imported as vision's per-axis resampling (one constant matrix per
resized axis, built here from ONNX's coordinate transformations and nearest modes), and that
resampling Function exported as MatMuls against its matrices."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.onnx.ops.registry import constant, exporter, given, importer, ints, require, text
from zerograd.vision.functions import ResampleAxis
from zerograd.vision.functions.resample import resample

COORDINATES = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
               "tf_half_pixel_for_nn")
NEAREST = {"round_prefer_floor": lambda s: np.ceil(s - 0.5), "round_prefer_ceil": lambda s: np.floor(s + 0.5),
           "floor": np.floor, "ceil": np.ceil}


def source_positions(n_in: int, n_out: int, scale: float, mode: str) -> np.ndarray:
    """Where each output index samples the input (ONNX's coordinate_transformation_mode)."""
    dst = np.arange(n_out, dtype=np.float64)
    if mode == "half_pixel":
        return (dst + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (dst + 0.5) / scale - 0.5 if n_out > 1 else np.zeros(n_out)
    if mode == "align_corners":
        return dst * (n_in - 1) / (n_out - 1) if n_out > 1 else np.zeros(n_out)
    if mode == "asymmetric":
        return dst / scale
    return (dst + 0.5) / scale  # tf_half_pixel_for_nn


def nearest_matrix(n_in: int, n_out: int, scale: float, mode: str, rounding: str) -> np.ndarray:
    src = NEAREST[rounding](source_positions(n_in, n_out, scale, mode))
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), np.clip(src, 0, n_in - 1).astype(np.int64)] = 1
    return m


def linear_matrix(n_in: int, n_out: int, scale: float, mode: str) -> np.ndarray:
    src = np.clip(source_positions(n_in, n_out, scale, mode), 0, n_in - 1)
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, n_in - 1)
    weight = src - low
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(m, (rows, low), 1 - weight)
    np.add.at(m, (rows, high), weight)
    return m


def cubic_matrix(n_in: int, n_out: int, scale: float, mode: str, a: float, exclude: bool) -> np.ndarray:
    """Keys' cubic convolution over four neighbours, indices clamped at the borders (or the
    outside neighbours dropped and the weights renormalised with ``exclude_outside``)."""
    src = source_positions(n_in, n_out, scale, mode)
    base = np.floor(src).astype(np.int64)
    t = src - base
    distances = [t + 1, t, 1 - t, 2 - t]
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    weights = []
    for d in distances:
        d = np.abs(d)
        weights.append(np.where(d <= 1, ((a + 2) * d - (a + 3)) * d * d + 1,
                                ((a * d - 5 * a) * d + 8 * a) * d - 4 * a))
    if exclude:
        inside = [(base - 1 + k >= 0) & (base - 1 + k < n_in) for k in range(4)]
        weights = [w * ok for w, ok in zip(weights, inside)]
        total = sum(weights)
        weights = [w / total for w in weights]
    for k, w in enumerate(weights):
        np.add.at(m, (rows, np.clip(base - 1 + k, 0, n_in - 1)), w)
    return m


def _resample_axes(op: str, x: Any, sizes: list[int], scales: list[float], mode: str,
                   coordinates: str, rounding: str, cubic: float = -0.75, exclude: bool = False) -> Any:
    """x resized on every axis whose size changes or whose scale is not 1."""
    matrices, axes = [], []
    for axis, (n_in, n_out, scale) in enumerate(zip(x.shape, sizes, scales)):
        if n_in == n_out and scale == 1.0:
            continue
        require(op, axis >= 2, f"resizing axis {axis} (only the spatial axes)")
        if mode == "nearest":
            matrices.append(nearest_matrix(n_in, n_out, scale, coordinates, rounding))
        elif mode == "linear":
            matrices.append(linear_matrix(n_in, n_out, scale, coordinates))
        else:
            matrices.append(cubic_matrix(n_in, n_out, scale, coordinates, cubic, exclude))
        axes.append(axis)
    y = x
    for axis, m in zip(axes, matrices):
        y = resample(y, [m], first_axis=axis)
    return y


def _mode(op: str, attrs: dict) -> str:
    mode = text(attrs.get("mode", "nearest"))
    require(op, mode in ("nearest", "linear", "cubic"), f"mode {mode!r}")
    return mode


def _resize(node: Any, attrs: dict, xs: list, since: int) -> list:
    x = xs[0]
    mode = _mode("Resize", attrs)
    coordinates = text(attrs.get("coordinate_transformation_mode",
                                 "asymmetric" if since == 10 else "half_pixel"))
    require("Resize", coordinates in COORDINATES, f"coordinate_transformation_mode {coordinates!r}")
    rounding = text(attrs.get("nearest_mode", "round_prefer_floor"))
    require("Resize", rounding in NEAREST, f"nearest_mode {rounding!r}")
    require("Resize", not attrs.get("antialias", 0), "antialias=1")
    require("Resize", text(attrs.get("keep_aspect_ratio_policy", "stretch")) == "stretch",
            "keep_aspect_ratio_policy other than stretch")
    axes = [a % x.ndim for a in attrs.get("axes", range(x.ndim))]
    scales_at, sizes_at = (1, None) if since == 10 else (2, 3)
    full_scales, full_sizes = [1.0] * x.ndim, list(x.shape)
    if sizes_at is not None and given(xs, sizes_at) and constant(xs[sizes_at]).size:
        for axis, size in zip(axes, ints(xs[sizes_at])):
            full_sizes[axis] = size
            full_scales[axis] = size / x.shape[axis]
    else:
        for axis, scale in zip(axes, constant(xs[scales_at]).reshape(-1).tolist()):
            full_scales[axis] = scale
            full_sizes[axis] = int(np.floor(x.shape[axis] * scale))
    if coordinates == "tf_crop_and_resize":
        require("Resize", False, "tf_crop_and_resize")
    if mode == "nearest" and since == 10:
        rounding = "floor"
    return [_resample_axes("Resize", x, full_sizes, full_scales, mode, coordinates, rounding,
                           attrs.get("cubic_coeff_a", -0.75), bool(attrs.get("exclude_outside", 0)))]


importer("Resize", 10)(lambda node, attrs, xs: _resize(node, attrs, xs, 10))
importer("Resize", 11, 13, 18, 19)(lambda node, attrs, xs: _resize(node, attrs, xs, 11))


def _upsample(node: Any, attrs: dict, xs: list) -> list:
    """Upsample (before Resize): asymmetric coordinates, nearest rounds down."""
    x = xs[0]
    mode = _mode("Upsample", attrs)
    require("Upsample", mode != "cubic", "mode 'cubic'")
    scales = (constant(xs[1]).reshape(-1).tolist() if given(xs, 1) else list(attrs["scales"]))
    sizes = [int(np.floor(n * s)) for n, s in zip(x.shape, scales)]
    return [_resample_axes("Upsample", x, sizes, scales, mode, "asymmetric", "floor")]


importer("Upsample", 7, 9)(_upsample)


# --- export ----------------------------------------------------------------------------------------
@exporter(ResampleAxis)
def _resample_axis(e: Any, f: Any, ins: list, outs: list) -> None:
    """y = A x along f.axis: MatMul by A^T with that axis moved last (and back)."""
    ndim, axis = f.inputs[0].ndim, f.axis % f.inputs[0].ndim
    matrix = e.literal(np.asarray(cuda.as_numpy(f.matrix).T, dtype=f.inputs[0].dtype), "resample_matrix")
    if axis == ndim - 1:
        e.node("MatMul", [ins[0], matrix], outs)
        return
    perm = [a for a in range(ndim) if a != axis] + [axis]
    inverse = list(np.argsort(perm))
    moved = e.node("Transpose", [ins[0]], perm=perm)
    e.node("Transpose", [e.node("MatMul", [moved, matrix])], outs, perm=[int(a) for a in inverse])
