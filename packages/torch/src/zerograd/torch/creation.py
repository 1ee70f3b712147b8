"""Making tensors: ``tensor``, ``from_numpy``, ``zeros``/``ones``/``empty``/``full`` (and ``_like``),
``rand``/``randn``/``randint``/``randperm``, ``arange``, ``linspace``; ``manual_seed``.

PyTorch's defaults: floating data becomes float32, integer data int64, and a new tensor does not
require grad. Random numbers come from NumPy's global generator (zerograd's rule), or from a
``torch.Generator`` given as ``generator=``; the values differ from PyTorch's for the same seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.core.checks import ARRAY_TYPES
from zerograd.torch import random
from zerograd.torch.devices import device as as_device
from zerograd.torch.dtypes import DEFAULT_FLOAT
from zerograd.torch.promotion import get_default_dtype
from zerograd.torch.tensor import Tensor, _sizes


def _placed(array: Any, device: Any, requires_grad: bool) -> Tensor:
    result = Tensor(array, requires_grad=requires_grad)
    if device is not None and as_device(device).type == "cuda":
        result = result.to("cuda").requires_grad_(requires_grad)
    return result


def _default_dtype(array: np.ndarray) -> Any:
    if array.dtype == np.float64:
        return get_default_dtype()
    if array.dtype.kind == "i":
        return np.int64
    return array.dtype


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, a number, an array or a tensor)."""
    if isinstance(data, Variable):
        data = data.data
    if isinstance(data, ARRAY_TYPES):
        array = data  # an array keeps its dtype, as in PyTorch
    else:
        array = np.asarray(data)
        array = array.astype(_default_dtype(array), copy=False)
    return _placed(array.astype(dtype or array.dtype, copy=True), device, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array, requires_grad=False)


def _filled(maker: Any, size: tuple[Any, ...], dtype: Any, device: Any, requires_grad: bool,
            *args: Any) -> Tensor:
    return _placed(maker(_sizes(size), *args, dtype=dtype or get_default_dtype()), device,
                   requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(np.zeros, size, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(np.ones, size, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(np.empty, size, dtype, device, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = np.bool_
    elif dtype is None and isinstance(fill_value, (int, np.integer)):
        dtype = np.int64
    return _placed(np.full(_sizes((size,)), fill_value, dtype=dtype or get_default_dtype()), device,
                   requires_grad)


def _like(maker: Any, other: Any, dtype: Any, requires_grad: bool, *args: Any) -> Tensor:
    array = other.data if isinstance(other, Variable) else np.asarray(other)
    return Tensor(maker(array, *args, dtype=dtype or array.dtype), requires_grad=requires_grad)


def zeros_like(other: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(np.zeros_like, other, dtype, requires_grad)


def ones_like(other: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(np.ones_like, other, dtype, requires_grad)


def empty_like(other: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(np.empty_like, other, dtype, requires_grad)


def full_like(other: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(np.full_like, other, dtype, requires_grad, fill_value)


def rand(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    array = random.random(generator, _sizes(size)).astype(dtype or DEFAULT_FLOAT)
    return _placed(array, device, requires_grad)


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    array = random.normal(generator, _sizes(size)).astype(dtype or DEFAULT_FLOAT)
    return _placed(array, device, requires_grad)


def randint(low: int, high: Any = None, size: Any = None, generator: Any = None, dtype: Any = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high)."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: missing the required argument 'size'")
    array = random.integers(generator, low, high, _sizes((size,)))
    return _placed(array.astype(dtype or np.int64), device, requires_grad)


def randperm(n: int, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    return _placed(random.permutation(generator, n).astype(dtype or np.int64), device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v) for v in (start, end, step))
    if dtype is None:
        exact = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if exact else get_default_dtype()
    if np.dtype(dtype).kind in "iu":  # PyTorch casts the bounds to the integer dtype first
        start, end, step = int(start), int(end), int(step)
    return _placed(np.arange(start, end, step).astype(dtype), device, requires_grad)


def linspace(start: Any, end: Any, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    start, end = _number(start), _number(end)
    if dtype is not None and np.dtype(dtype).kind in "iu":
        start, end = int(start), int(end)
    array = np.linspace(start, end, steps).astype(dtype or get_default_dtype())
    return _placed(array, device, requires_grad)


def _number(value: Any) -> Any:
    """A bound given as a number or a one-element tensor, as a Python number."""
    return value.data.item() if isinstance(value, Variable) else value


def manual_seed(value: int) -> Any:
    """Seed every generator zerograd uses (zerograd.core.seed); returns ``default_generator``."""
    return random.default_generator.manual_seed(value)
