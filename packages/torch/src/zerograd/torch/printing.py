"""How a Tensor prints: PyTorch's ``repr``/``str`` (torch/_tensor_str.py), and its print options.

``tensor([1.0000, 2.5000], requires_grad=True)``: 4 decimals by default; floats that are all whole
numbers print as ``1.``; a scientific notation when the magnitudes span more than 1000x, exceed
1e8 or go below 1e-4; summarised with ``...`` above ``threshold`` elements (``edgeitems`` at each
end); lines wrapped at ``linewidth``; a ``dtype=`` suffix unless the dtype is the default float,
int64 or bool; ``grad_fn=<MulBackward0>`` (the creator's name) or ``requires_grad=True``.
Complex tensors are not formatted as PyTorch does (NumPy's formatting is used for them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from zerograd.core.cuda import as_numpy


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """``torch.set_printoptions``: a ``profile`` ("default", "short", "full") first, then the
    options given; ``sci_mode=None`` lets each tensor choose, as by default."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    return {"precision": PRINT_OPTS.precision, "threshold": PRINT_OPTS.threshold,
            "edgeitems": PRINT_OPTS.edgeitems, "linewidth": PRINT_OPTS.linewidth,
            "sci_mode": PRINT_OPTS.sci_mode}


class _Formatter:
    """One width and one style (integer, fixed or scientific) for every element of a tensor."""

    def __init__(self, array: np.ndarray) -> None:
        self.floating = array.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        values = array.reshape(-1)
        if not self.floating:
            for value in values.tolist():
                self.max_width = max(self.max_width, len(str(value)))
        else:
            self._measure_floats(values)

    def _measure_floats(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values) & (values != 0)]
        if finite.size == 0:
            return
        magnitudes = np.abs(finite).astype(np.float64)
        low, high = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = (high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
                         if PRINT_OPTS.sci_mode is None else PRINT_OPTS.sci_mode)
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            texts, extra = [f"{v:.{precision}e}" for v in finite.tolist()], 0
        elif self.int_mode:
            texts, extra = [f"{v:.0f}" for v in finite.tolist()], 1  # and a trailing "."
        else:
            texts, extra = [f"{v:.{precision}f}" for v in finite.tolist()], 0
        self.max_width = max(self.max_width, max(len(t) for t in texts) + extra)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return (self.max_width - len(text)) * " " + text


def _summarized(array: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows (``edgeitems`` at each end of every dimension)."""
    if array.ndim == 0:
        return array
    edge = PRINT_OPTS.edgeitems
    if array.ndim == 1:
        return np.concatenate((array[:edge], array[-edge:])) if array.shape[0] > 2 * edge else array
    if not edge:
        return np.empty((0,) * array.ndim, dtype=array.dtype)
    rows = list(range(edge)) + list(range(len(array) - edge, len(array))) \
        if array.shape[0] > 2 * edge else range(len(array))
    return np.stack([_summarized(array[i]) for i in rows])


def _vector(array: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    element_length = formatter.max_width + 2
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and array.shape[0] > 2 * edge:
        data = ([formatter.format(v) for v in array[:edge].tolist()] + [" ..."]
                + [formatter.format(v) for v in array[-edge:].tolist()])
    else:
        data = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, formatter)
    edge = PRINT_OPTS.edgeitems
    if summarize and array.shape[0] > 2 * edge:
        slices = ([_nested(array[i], indent + 1, summarize, formatter) for i in range(edge)]
                  + ["..."]
                  + [_nested(array[i], indent + 1, summarize, formatter)
                     for i in range(len(array) - edge, len(array))])
    else:
        slices = [_nested(array[i], indent + 1, summarize, formatter) for i in range(len(array))]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def array_str(array: np.ndarray, indent: int) -> str:
    """The bracketed body of a tensor's print (PyTorch's ``_tensor_str``)."""
    if array.size == 0:
        return "[]"
    if array.dtype.kind == "c":  # honest fallback: PyTorch formats real and imaginary parts apart
        return np.array2string(array, separator=", ", prefix=" " * indent)
    if array.dtype == np.float16:
        array = array.astype(np.float32)
    summarize = array.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized(array) if summarize else array)
    return _nested(array, indent, summarize, formatter)


def _dtype_name(dtype: np.dtype) -> str:
    return f"torch.{np.dtype(dtype).name}"


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(tensor: Any, array: Any) -> str:
    """``repr(tensor)`` as PyTorch writes it; ``array`` is the tensor's data."""
    from zerograd.torch.devices import device_of
    from zerograd.torch.promotion import get_default_dtype

    if array is None:
        return "tensor(None)"
    prefix, suffixes = "tensor(", []
    device = device_of(array)
    if getattr(device, "type", "cpu") != "cpu":
        suffixes.append(f"device='{device}'")
    default = get_default_dtype()
    host = as_numpy(array)
    if host.size == 0:
        if host.ndim != 1:
            suffixes.append(f"size={tuple(host.shape)}")
        if host.dtype != default:
            suffixes.append(f"dtype={_dtype_name(host.dtype)}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(host.shape)}")
        complex_default = np.complex128 if default == np.float64 else np.complex64
        if host.dtype not in (default, complex_default, np.int64, np.bool_):
            suffixes.append(f"dtype={_dtype_name(host.dtype)}")
        body = array_str(host, len(prefix))
    if tensor.creator is not None:
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, len(prefix))
