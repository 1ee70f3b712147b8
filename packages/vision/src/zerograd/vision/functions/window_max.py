"""Max pooling of any dimension with PyTorch's options (dilation, ceil_mode, the argmax
indices) and adaptive max pooling, both from per-axis window tables.

A window table for one spatial axis is an integer array (out, K): entry [o, j] is the input
index of the j-th element of window o, or -1 where the window reaches into padding (or past the
end of a shorter adaptive window). The windows of all axes are gathered at once from the input
with one -inf appended to each axis (where every -1 points), the first maximum of each window
(PyTorch's choice among ties) is found with one argmax, and the output is a gather of the input
at those positions, so its gradient is a scatter-add into the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.vision.functions.resample import pooled_length


def pooling_table(n_in: int, kernel: int, stride: int, pad: int, dilation: int,
                  ceil_mode: bool) -> Any:
    """The window table of a max pooling along an axis of length ``n_in``."""
    n_out = pooled_length(n_in, kernel, stride, pad, dilation, ceil_mode)
    if n_out < 1:
        raise ValueError(f"max_pool: an input of length {n_in} gives no output for kernel "
                         f"{kernel}, stride {stride}, padding {pad}, dilation {dilation}")
    idx = np.arange(n_out)[:, None] * stride - pad + np.arange(kernel)[None, :] * dilation
    return np.where((idx >= 0) & (idx < n_in), idx, -1)


def adaptive_table(n_in: int, n_out: int) -> Any:
    """The window table of adaptive pooling: window i spans [floor(i n / out), ceil((i+1) n / out))."""
    starts = (np.arange(n_out) * n_in) // n_out
    ends = -((-(np.arange(n_out) + 1) * n_in) // n_out)
    width = int((ends - starts).max())
    idx = starts[:, None] + np.arange(width)[None, :]
    return np.where(idx < ends[:, None], idx, -1)


def window_max(x: Any, tables: list[Any]) -> tuple[Variable, Any]:
    """The maximum of every window of x (N, C, *spatial) and its flat index in the spatial axes
    (int64, PyTorch's return_indices)."""
    x = as_variable(x)
    xp = get_array_module(x.data)
    k = len(tables)
    n, c, spatial = x.shape[0], x.shape[1], x.shape[2:]
    if x.data.size == 0:
        raise ValueError(f"max_pool: x of shape {x.shape} is empty")
    padded = xp.full((n, c) + tuple(s + 1 for s in spatial), -np.inf, dtype=x.dtype)
    padded[(slice(None), slice(None)) + tuple(slice(0, s) for s in spatial)] = x.data
    index = []
    for a, table in enumerate(tables):
        t = xp.asarray(np.where(table < 0, spatial[a], table))
        shape = [1] * (2 * k)
        shape[2 * a], shape[2 * a + 1] = t.shape
        index.append(t.reshape(shape))
    windows = padded[(slice(None), slice(None)) + tuple(index)]  # (N, C, O1, K1, O2, K2, ...)
    order = (0, 1) + tuple(2 + 2 * a for a in range(k)) + tuple(3 + 2 * a for a in range(k))
    outs = tuple(t.shape[0] for t in tables)
    kernels = tuple(t.shape[1] for t in tables)
    best = windows.transpose(order).reshape((n, c) + outs + (-1,)).argmax(axis=-1)
    offsets = np.unravel_index(best if xp is np else best.get(), kernels)
    flat = np.zeros(best.shape, dtype=np.int64)
    for a, table in enumerate(tables):
        grid = np.indices(outs)[a] if k > 1 else np.arange(outs[0])
        flat = flat * spatial[a] + table[grid, offsets[a]]
    flat_dev = xp.asarray(flat)
    rows = xp.arange(n).reshape((n,) + (1,) * (k + 1))
    cols = xp.arange(c).reshape((1, c) + (1,) * k)
    values = CF.get_item(CF.reshape(x, (n, c, -1)), (rows, cols, flat_dev))
    return values, flat_dev


def max_pooling_nd(x: Any, kernel: tuple[int, ...], stride: tuple[int, ...], pad: tuple[int, ...],
                   dilation: tuple[int, ...], ceil_mode: bool = False) -> tuple[Variable, Any]:
    """Max pooling of x (N, C, *spatial) over len(kernel) axes; returns the values and the
    flat argmax indices.

    >>> import numpy as np
    >>> y, i = max_pooling_nd(np.array([[[1.0, 3.0, 2.0, 0.0]]]), (2,), (2,), (0,), (1,))
    >>> y.data, i
    (array([[[3., 2.]]]), array([[[1, 2]]]))
    """
    x = as_variable(x)
    if x.ndim != len(kernel) + 2:
        raise ValueError(f"max_pool: x must have shape (N, C) + {len(kernel)} spatial axes, got "
                         f"{x.shape}")
    for k, p in zip(kernel, pad):
        if p > k // 2:
            raise ValueError(f"max_pool: padding {pad} must be at most half the kernel {kernel}")
    tables = [pooling_table(n, k, s, p, d, ceil_mode)
              for n, k, s, p, d in zip(x.shape[2:], kernel, stride, pad, dilation)]
    return window_max(x, tables)


def adaptive_max_pooling(x: Any, output_size: tuple[Any, ...]) -> tuple[Variable, Any]:
    """Adaptive max pooling of x (N, C, *spatial) to ``output_size`` (None keeps an axis);
    returns the values and the flat argmax indices.

    >>> import numpy as np
    >>> adaptive_max_pooling(np.array([[[1.0, 3.0, 2.0]]]), (2,))[0].data
    array([[[3., 3.]]])
    """
    x = as_variable(x)
    if x.ndim != len(output_size) + 2:
        raise ValueError(f"adaptive_max_pool: x must have shape (N, C) + {len(output_size)} "
                         f"spatial axes, got {x.shape}")
    sizes = [n if o is None else int(o) for n, o in zip(x.shape[2:], output_size)]
    if min(sizes) < 1:
        raise ValueError(f"adaptive_max_pool: output_size must be positive, got {output_size}")
    return window_max(x, [adaptive_table(n, o) for n, o in zip(x.shape[2:], sizes)])


def max_unpooling_nd(x: Any, indices: Any, output_spatial: tuple[int, ...]) -> Variable:
    """The adjoint of max pooling's gather: zeros of (N, C, *output_spatial) with each value of
    x (N, C, *spatial) at its flat index (PyTorch's max_unpool). Repeated indices are refused:
    PyTorch leaves their result unspecified.

    >>> import numpy as np
    >>> max_unpooling_nd(np.array([[[3.0, 2.0]]]), np.array([[[1, 2]]]), (4,)).data
    array([[[0., 3., 2., 0.]]])
    """
    x = as_variable(x)
    xp = get_array_module(x.data)
    n, c = x.shape[:2]
    size = int(np.prod(output_spatial))
    idx = indices.reshape(n, c, -1)
    if idx.shape[2] != int(np.prod(x.shape[2:])):
        raise ValueError(f"max_unpool: indices of shape {indices.shape} do not match x of shape "
                         f"{x.shape}")
    if xp is np and idx.size:
        if int(idx.min()) < 0 or int(idx.max()) >= size:
            raise ValueError(f"max_unpool: indices must lie in [0, {size}) for an output of "
                             f"{output_spatial}, got values from {int(idx.min())} to "
                             f"{int(idx.max())}")
        ordered = np.sort(idx, axis=2)
        if (ordered[:, :, 1:] == ordered[:, :, :-1]).any():
            raise NotImplementedError("max_unpool: repeated indices (overlapping pooling "
                                      "windows) have no defined result")
    rows = xp.arange(n).reshape(n, 1, 1)
    cols = xp.arange(c).reshape(1, c, 1)
    flat = CF.reshape(x, (n, c, -1))
    y = CF.GetItemGrad((rows, cols, xp.asarray(idx)), (n, c, size), x.dtype)(flat)
    return CF.reshape(y, (n, c) + tuple(output_spatial))
