"""Convolution, pooling and padding both ways. Asymmetric or ``auto_pad`` padding and
``ceil_mode`` become an explicit ConstantPad before a window op without padding (so the result
re-exports as Pad + Conv/MaxPool); average pooling with ``ceil_mode`` or without counting the
padding runs as vision's average_pooling_nd (exported as MatMuls by resize.py's mapping)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import zerograd.core.functions as CF
from zerograd.onnx.ops.registry import (
    data,
    exporter,
    given,
    importer,
    ints,
    require,
    text,
)
from zerograd.onnx.safety import check_element_count
from zerograd.vision.functions import (
    ConstantPad,
    average_pooling,
    average_pooling_nd,
    conv2d,
    deconv2d,
    global_average_pooling,
    pad,
    pooling,
)
from zerograd.vision.functions.conv import Convolution2D, Deconvolution2D
from zerograd.vision.functions.padding import EdgePad
from zerograd.vision.functions.pool import AveragePooling2D, MaxPooling2D


def window_pads(op: str, attrs: dict, spatial: tuple[int, ...], kernel: list[int],
                strides: list[int], dilations: list[int]) -> tuple[list[int], list[int]]:
    """(begins, ends) of the padding of each spatial axis: ``pads`` or what ``auto_pad`` asks."""
    mode = text(attrs.get("auto_pad", "NOTSET"))
    n = len(spatial)
    if mode == "VALID":
        return [0] * n, [0] * n
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        totals = [max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
                  for size, k, s, d in zip(spatial, kernel, strides, dilations)]
        small = [t // 2 for t in totals]
        large = [t - t // 2 for t in totals]
        return (small, large) if mode == "SAME_UPPER" else (large, small)
    require(op, mode == "NOTSET", f"auto_pad={mode!r}")
    pads = list(attrs.get("pads", [0] * (2 * n)))
    return pads[:n], pads[n:]


def _geometry(op: str, attrs: dict, x: Any, kernel: list[int]) -> tuple[list, list, list, list]:
    n = len(kernel)
    strides = list(attrs.get("strides", [1] * n))
    dilations = list(attrs.get("dilations", [1] * n))
    begins, ends = window_pads(op, attrs, x.shape[2:], kernel, strides, dilations)
    return strides, dilations, begins, ends


def _explicit_pad(x: Any, begins: list[int], ends: list[int], value: float) -> Any:
    """x padded (or cropped, for negative widths) on its trailing spatial axes."""
    widths = ((0, 0), (0, 0)) + tuple(zip(begins, ends))
    return ConstantPad(widths, value)(x)


# --- convolution -----------------------------------------------------------------------------------
@importer("Conv", 1, 11, 22)
def _conv(node: Any, attrs: dict, xs: list) -> list:
    x, W = xs[0], xs[1]
    b = xs[2] if given(xs, 2) else None
    require("Conv", x.ndim in (3, 4), f"a {x.ndim - 2}-d convolution")
    if x.ndim == 3:  # a 1-d convolution as a 2-d one of height 1
        attrs = {key: ([1] + list(v) if key in ("kernel_shape", "strides", "dilations") else
                       [0, v[0], 0, v[1]] if key == "pads" else v) for key, v in attrs.items()}
        y = _conv(node, attrs, [CF.expand_dims(x, 2), CF.expand_dims(W, 2), b])[0]
        return [CF.squeeze(y, 2)]
    strides, dilations, begins, ends = _geometry("Conv", attrs, x, list(W.shape[2:]))
    if begins != ends:
        x, begins = _explicit_pad(x, begins, ends, 0.0), [0, 0]
    return [conv2d(x, W, b, stride=strides, pad=tuple(begins), dilation=dilations,
                   groups=attrs.get("group", 1))]


@importer("ConvTranspose", 1, 11, 22)
def _conv_transpose(node: Any, attrs: dict, xs: list) -> list:
    x, W = xs[0], xs[1]
    require("ConvTranspose", x.ndim == 4, f"a {x.ndim - 2}-d transposed convolution")
    require("ConvTranspose", "output_shape" not in attrs, "output_shape")
    require("ConvTranspose", text(attrs.get("auto_pad", "NOTSET")) == "NOTSET", "auto_pad")
    stride = list(attrs.get("strides", [1, 1]))
    dilation = list(attrs.get("dilations", [1, 1]))
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    require("ConvTranspose", pads[:2] == pads[2:], f"asymmetric pads {pads}")
    extra = attrs.get("output_padding", [0, 0])
    outsize = [stride[i] * (x.shape[2 + i] - 1) + dilation[i] * (W.shape[2 + i] - 1) + 1
               - 2 * pads[i] + extra[i] for i in range(2)]
    return [deconv2d(x, W, xs[2] if given(xs, 2) else None, stride=stride, pad=tuple(pads[:2]),
                     outsize=tuple(outsize), dilation=dilation, groups=attrs.get("group", 1))]


# --- pooling ---------------------------------------------------------------------------------------
def _ceil_ends(spatial: tuple[int, ...], kernel: list[int], strides: list[int], begins: list[int],
               ends: list[int]) -> list[int]:
    """The end padding that gives ceil_mode's window count: windows may overhang the end, but
    the last one must start inside the input or its begin padding (ONNX Runtime, PyTorch)."""
    result = []
    for n, k, s, b, e in zip(spatial, kernel, strides, begins, ends):
        count = -(-(n + b + e - k) // s) + 1
        if (count - 1) * s >= n + b:
            count -= 1
        result.append((count - 1) * s + k - n - b)
    return result


def _pool_setup(op: str, attrs: dict, x: Any) -> tuple[list, list, list, list, bool]:
    kernel = list(attrs["kernel_shape"])
    require(op, x.ndim == 4 and len(kernel) == 2, f"a {len(kernel)}-d pooling")
    strides, dilations, begins, ends = _geometry(op, attrs, x, kernel)
    require(op, set(dilations) == {1}, f"dilations {dilations}")
    ceil = bool(attrs.get("ceil_mode", 0))
    if ceil:
        ends = _ceil_ends(x.shape[2:], kernel, strides, begins, ends)
    return kernel, strides, begins, ends, ceil


@importer("MaxPool", 8, 10, 11, 12, 22)
def _max_pool(node: Any, attrs: dict, xs: list) -> list:
    require("MaxPool", len(node.output) == 1 or not node.output[1], "the Indices output")
    require("MaxPool", attrs.get("storage_order", 0) == 0, "storage_order=1")
    x = xs[0]
    kernel, strides, begins, ends, _ = _pool_setup("MaxPool", attrs, x)
    if begins != ends or any(b >= k for b, k in zip(begins, kernel)):
        x, begins = _explicit_pad(x, begins, ends, -np.inf), [0, 0]
    return [pooling(x, kernel, strides, tuple(begins))]


@importer("AveragePool", 7, 10, 11, 19, 22)
def _average_pool(node: Any, attrs: dict, xs: list) -> list:
    x = xs[0]
    declared = list(attrs.get("pads", [0, 0, 0, 0]))
    kernel, strides, begins, ends, ceil = _pool_setup("AveragePool", attrs, x)
    counted = bool(attrs.get("count_include_pad", 0))
    padded = any(begins) or any(declared)
    if not ceil and begins == ends and (counted or not padded):
        return [average_pooling(x, kernel, strides, tuple(begins))]
    require("AveragePool", declared[:2] == declared[2:] and text(attrs.get("auto_pad", "NOTSET"))
            in ("NOTSET", "VALID"), f"asymmetric pads {declared} with ceil_mode or count_include_pad=0")
    return [average_pooling_nd(x, tuple(kernel), tuple(strides), tuple(declared[:2]), ceil_mode=ceil,
                               count_include_pad=counted)]


importer("GlobalAveragePool", 1, 22)(
    lambda node, attrs, xs: [global_average_pooling(xs[0], keepdims=True)])
importer("GlobalMaxPool", 1, 22)(
    lambda node, attrs, xs: [CF.max(xs[0], tuple(range(2, xs[0].ndim)), True)])


# --- padding ---------------------------------------------------------------------------------------
PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _pad_run(x: Any, pads: list[int], mode: str, value: float, axes: list[int] | None) -> Any:
    axes = list(range(x.ndim)) if axes is None else [a % x.ndim for a in axes]
    widths = [(0, 0)] * x.ndim
    for i, axis in enumerate(axes):
        widths[axis] = (pads[i], pads[i + len(axes)])
    require("Pad", mode in PAD_MODES, f"mode {mode!r}")
    check_element_count("Pad", [n + before + after for n, (before, after) in zip(x.shape, widths)])
    if mode == "constant":
        return ConstantPad(tuple(widths), value)(x)
    flat = [w for pair in reversed(widths) for w in pair]  # F.pad's order: last axis first
    return pad(x, flat, mode=PAD_MODES[mode])


@importer("Pad", 11, 13, 18, 19, 21, 23, 24, 25)
def _pad(node: Any, attrs: dict, xs: list) -> list:
    value = float(np.asarray(data(xs[2])).reshape(-1)[0]) if given(xs, 2) else 0.0
    axes = ints(xs[3]) if given(xs, 3) else None
    return [_pad_run(xs[0], ints(xs[1]), text(attrs.get("mode", "constant")), value, axes)]


@importer("Pad", 2)
def _pad_attributes(node: Any, attrs: dict, xs: list) -> list:
    """Pad-2 takes pads and value as attributes."""
    return [_pad_run(xs[0], list(attrs["pads"]), text(attrs.get("mode", "constant")),
                     float(attrs.get("value", 0.0)), None)]


# --- export ----------------------------------------------------------------------------------------
def _window_attrs(kernel: Any, stride: Any, pad_: Any) -> dict[str, Any]:
    return {"kernel_shape": [int(k) for k in kernel], "strides": [int(s) for s in stride],
            "pads": [int(pad_[0]), int(pad_[1]), int(pad_[0]), int(pad_[1])]}


@exporter(Convolution2D)
def _convolution(e: Any, f: Any, ins: list, outs: list) -> None:
    attrs = _window_attrs(f.inputs[1].shape[2:], f.stride, f.pad)
    e.node("Conv", [n for n in ins if n is not None], outs, dilations=[int(d) for d in f.dilation],
           group=int(f.groups), **attrs)


@exporter(Deconvolution2D)
def _deconvolution(e: Any, f: Any, ins: list, outs: list) -> None:
    """ConvTranspose; output_padding restores the output size the Function was asked for."""
    x_hw, kernel = f.inputs[0].shape[2:], f.inputs[1].shape[2:]
    natural = [f.stride[i] * (x_hw[i] - 1) + f.dilation[i] * (kernel[i] - 1) + 1 - 2 * f.pad[i]
               for i in range(2)]
    attrs = _window_attrs(kernel, f.stride, f.pad)
    e.node("ConvTranspose", [n for n in ins if n is not None], outs,
           dilations=[int(d) for d in f.dilation], group=int(f.groups),
           output_padding=[int(f.out_hw[i] - natural[i]) for i in range(2)], **attrs)


@exporter(MaxPooling2D)
def _max_pooling(e: Any, f: Any, ins: list, outs: list) -> None:
    g = f.geometry
    e.node("MaxPool", [ins[0]], outs, **_window_attrs(g.kernel, g.stride, g.pad))


@exporter(AveragePooling2D)
def _average_pooling(e: Any, f: Any, ins: list, outs: list) -> None:
    g = f.geometry  # padding counts as zeros, as in zerograd
    e.node("AveragePool", [ins[0]], outs, count_include_pad=1,
           **_window_attrs(g.kernel, g.stride, g.pad))


@exporter(ConstantPad)
def _constant_pad(e: Any, f: Any, ins: list, outs: list) -> None:
    pads = [b for b, _ in f.widths] + [a for _, a in f.widths]
    # negative widths crop, in ONNX's Pad as in ConstantPad
    e.node("Pad", [ins[0], e.ints(pads), e.constant(f.value, f.inputs[0].dtype)], outs,
           mode="constant")


@exporter(EdgePad)
def _edge_pad(e: Any, f: Any, ins: list, outs: list) -> None:
    """reflect and replicate as Pad's reflect and edge modes; circular as wrap (opset 19)."""
    mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[f.mode]
    if mode == "wrap" and e.opset < 19:
        raise NotImplementedError(f"EdgePad: circular padding is Pad's wrap mode (opset 19), "
                                  f"the export asks for opset {e.opset}")
    pads = [b for b, _ in f.widths] + [a for _, a in f.widths]
    e.node("Pad", [ins[0], e.ints(pads)], outs, mode=mode)
