"""A strict stand-in for CuPy that runs on every CPU: NumPy underneath, a separate device on top.

Its array type, ``fakecupy.ndarray``, is not ``numpy.ndarray`` and follows CuPy's rules where they
bite, so code that would break on a GPU breaks here too:

- implicit conversion to NumPy raises (``np.asarray``, ``np.array``, ``__array__``); ``.get()``
  and ``asnumpy`` copy to the host;
- an operation that mixes a device array with a NumPy array raises ``TypeError``;
- NumPy functions and ufuncs called on device arrays dispatch to this module, as CuPy's
  ``__array_ufunc__``/``__array_function__`` do; reductions give 0-d device arrays, not scalars;
- ``random`` is a generator of its own, separate from NumPy's global one.

Every copy between host and device is counted in ``transfers`` (host->device and device->host),
so a test can show that a training step moves no data across.

>>> import numpy as np
>>> x = asarray(np.arange(3.0))
>>> float((x * 2).sum())
6.0
>>> np.asarray(x)  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
TypeError: Implicit conversion to a NumPy array is not allowed. Please use `.get()` ...
>>> x + np.ones(3)
Traceback (most recent call last):
    ...
TypeError: fakecupy: operand of type numpy.ndarray mixed with a device array (move it with cuda.as_cupy)
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from zerograd.core.cuda import StandinArray

IMPLICIT_CONVERSION = ("Implicit conversion to a NumPy array is not allowed. "
                       "Please use `.get()` to construct a NumPy array explicitly.")


class TransferCounter:
    """How many times data crossed between host and device since the last ``reset()``."""

    def __init__(self) -> None:
        self.to_device = 0
        self.to_host = 0

    def reset(self) -> None:
        self.to_device = 0
        self.to_host = 0

    @property
    def total(self) -> int:
        return self.to_device + self.to_host

    def __repr__(self) -> str:
        return f"TransferCounter(to_device={self.to_device}, to_host={self.to_host})"


transfers = TransferCounter()


def _mixed_error(value: Any) -> TypeError:
    kind = f"{type(value).__module__}.{type(value).__name__}"
    return TypeError(f"fakecupy: operand of type {kind} mixed with a device array "
                     "(move it with cuda.as_cupy)")


def _to_host_values(value: Any) -> Any:
    """Device arrays inside ``value`` (nested in tuples, lists, dicts) become their NumPy buffers;
    a NumPy array there is a host operand mixed into a device operation and raises."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, np.ndarray):
        raise _mixed_error(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_to_host_values(v) for v in value)
    if isinstance(value, dict):
        return {k: _to_host_values(v) for k, v in value.items()}
    return value


def _to_device_values(value: Any) -> Any:
    """NumPy results become device arrays; scalars from reductions become 0-d device arrays."""
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, ndarray):
        return ndarray._wrap(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_to_device_values(v) for v in value)
    if isinstance(value, list):
        return [_to_device_values(v) for v in value]
    return value


def _index_on_device(key: Any) -> Any:
    """An index may hold device arrays, slices, ints, or host index arrays (copied over, counted)."""
    if isinstance(key, tuple):
        return tuple(_index_on_device(k) for k in key)
    if isinstance(key, ndarray):
        return key._array
    if isinstance(key, (np.ndarray, list)):
        transfers.to_device += 1
        return np.asarray(key)
    return key


def _defers_to_other(value: Any) -> bool:
    """An operand of another array-like type that handles ufuncs itself."""
    return (hasattr(type(value), "__array_ufunc__")
            and not isinstance(value, (ndarray, np.ndarray, np.generic)))


def _device_function(function: Any) -> Any:
    """``function`` run on device arrays only: arguments unwrapped, results wrapped."""
    def on_device(*args: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        result = function(*_to_host_values(args), **_to_host_values(kwargs))
        return out if isinstance(out, ndarray) else _to_device_values(result)

    on_device.__name__ = getattr(function, "__name__", "function")
    on_device.__doc__ = getattr(function, "__doc__", None)
    return on_device


class ndarray(StandinArray, NDArrayOperatorsMixin):  # noqa: N801  (CuPy's name)
    """A device array: a NumPy buffer that refuses to leave the device implicitly."""

    __slots__ = ("_array",)
    __array_priority__ = 100

    def __init__(self, shape: Any, dtype: Any = float) -> None:
        self._array = np.empty(shape, dtype=dtype)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> ndarray:
        device_array = cls.__new__(cls)
        device_array._array = array
        return device_array

    # --- CuPy's rules ---------------------------------------------------------------------------
    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(IMPLICIT_CONVERSION)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(_defers_to_other(value) for value in inputs):
            return NotImplemented  # e.g. a Variable: its own __array_ufunc__ answers
        out = kwargs.get("out")
        result = getattr(ufunc, method)(*_to_host_values(inputs), **_to_host_values(kwargs))
        if out is not None:
            return out[0] if len(out) == 1 else out
        return None if method == "at" else _to_device_values(result)

    def __array_function__(self, function: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        return _device_function(function)(*args, **kwargs)

    def get(self) -> np.ndarray:
        """A NumPy copy on the host."""
        transfers.to_host += 1
        return self._array.copy()

    def set(self, array: np.ndarray) -> None:
        """Copy a host array into this one."""
        transfers.to_device += 1
        self._array[...] = array

    # --- host values a user asks for (each one a transfer on a real GPU) -----------------------
    def item(self, *args: Any) -> Any:
        transfers.to_host += 1
        return self._array.item(*args)

    def tolist(self) -> Any:
        transfers.to_host += 1
        return self._array.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self._array.dtype.kind not in "iub" or self._array.ndim:
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self.item())

    def __repr__(self) -> str:
        return repr(self._array)

    def __str__(self) -> str:
        return str(self._array)

    def __format__(self, spec: str) -> str:
        return format(self.item(), spec) if self._array.ndim == 0 else str(self)

    # --- the array's own surface ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._array)

    def __iter__(self) -> Iterator[ndarray]:
        return (ndarray._wrap(np.asarray(row)) for row in self._array)

    def __getitem__(self, key: Any) -> ndarray:
        return _to_device_values(self._array[_index_on_device(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, np.ndarray) and not isinstance(value, ndarray):
            transfers.to_device += 1  # CuPy copies a host value over
        else:
            value = _to_host_values(value)
        self._array[_index_on_device(key)] = value

    def __copy__(self) -> ndarray:
        return ndarray._wrap(self._array.copy())

    def __deepcopy__(self, memo: dict) -> ndarray:
        return ndarray._wrap(self._array.copy())

    def __reduce__(self) -> Any:
        return (_from_pickle, (self._array,))

    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    itemsize = property(lambda self: self._array.itemsize)
    nbytes = property(lambda self: self._array.nbytes)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: self._array.flags)
    T = property(lambda self: ndarray._wrap(self._array.T))
    device = property(lambda self: cuda.Device(0))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("tobytes", "tofile", "dump", "dumps", "ctypes", "data"):
            raise AttributeError(f"fakecupy.ndarray has no attribute {name!r}")
        value = getattr(self._array, name)
        return _device_function(value) if callable(value) else _to_device_values(value)


def _from_pickle(array: np.ndarray) -> ndarray:
    return ndarray._wrap(array)


# --- the module's own functions, as CuPy names them ------------------------------------------------
def asarray(a: Any, dtype: Any = None, order: Any = None) -> ndarray:
    """A device array from a host array, list or scalar (a transfer), or ``a`` itself."""
    if isinstance(a, ndarray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    transfers.to_device += 1
    return ndarray._wrap(np.array(a, dtype=dtype, order=order or "K", copy=True))


def array(a: Any, dtype: Any = None, copy: bool = True, order: Any = "K", ndmin: int = 0) -> ndarray:
    """A copy on the device (CuPy's ``array``)."""
    if isinstance(a, ndarray):
        return ndarray._wrap(np.array(a._array, dtype=dtype, copy=True, order=order, ndmin=ndmin))
    transfers.to_device += 1
    return ndarray._wrap(np.array(_to_host_values(a), dtype=dtype, copy=True, order=order,
                                  ndmin=ndmin))


def asnumpy(a: Any, stream: Any = None) -> np.ndarray:
    """A NumPy copy of a device array (a transfer); host values pass through."""
    if isinstance(a, ndarray):
        return a.get()
    return np.asarray(a)


def get_array_module(*args: Any) -> types.ModuleType:
    """This module when any argument is a device array, else NumPy."""
    return sys.modules[__name__] if any(isinstance(a, ndarray) for a in args) else np


def scatter_add(target: ndarray, indices: Any, values: Any) -> None:
    """cupyx.scatter_add: target[indices] += values, repeated indices accumulating."""
    np.add.at(target._array, _index_on_device(indices), _to_host_values(values))


cupyx = types.SimpleNamespace(scatter_add=scatter_add)


def _as_strided(x: ndarray, shape: Any = None, strides: Any = None) -> ndarray:
    """cupy.lib.stride_tricks.as_strided: a strided view of a device array."""
    return ndarray._wrap(np.lib.stride_tricks.as_strided(_to_host_values(x), shape, strides))


lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_as_strided))


class _DeviceRandom:
    """``fakecupy.random``: a generator of its own, as CuPy's is separate from NumPy's."""

    def __init__(self) -> None:
        self._state = np.random.RandomState(0)

    def seed(self, seed: Any = None) -> None:
        self._state.seed(seed)

    def get_random_state(self) -> np.random.RandomState:
        return self._state

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _device_function(getattr(self._state, name))


random = _DeviceRandom()


class _MemoryPool:
    """CuPy's memory pool, as far as the stand-in can tell: nothing is pooled on a CPU."""

    def used_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        """Nothing to free."""


_memory_pool = _MemoryPool()


class Device:
    """``cupy.cuda.Device``: the one stand-in device."""

    def __init__(self, device: int = 0) -> None:
        self.id = int(device)

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def use(self) -> None:
        """The stand-in has one device; nothing to switch."""

    def synchronize(self) -> None:
        """Work on the stand-in is synchronous."""


cuda = types.SimpleNamespace(
    Device=Device,
    runtime=types.SimpleNamespace(getDeviceCount=lambda: 1, driverGetVersion=lambda: 13000,
                                  runtimeGetVersion=lambda: 13000),
    get_default_memory_pool=lambda: _memory_pool,
    get_default_pinned_memory_pool=lambda: _memory_pool,
)


@contextlib.contextmanager
def counting_transfers() -> Iterator[TransferCounter]:
    """``with counting_transfers() as moved:`` resets the counter and yields it."""
    transfers.reset()
    yield transfers


def __getattr__(name: str) -> Any:
    """Everything else is NumPy's, run on device arrays: functions and ufuncs wrapped, types,
    dtypes and constants as they are."""
    value = getattr(np, name)
    if isinstance(value, (type, np.dtype)) or not callable(value):
        return value
    if isinstance(value, np.ufunc):
        return _DeviceUfunc(value)
    return _device_function(value)


class _DeviceUfunc:
    """A ufunc of this module: called (or its ``.at``, ``.reduce``...) on device arrays only."""

    def __init__(self, ufunc: np.ufunc) -> None:
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _device_function(self._ufunc)(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._ufunc, name)
        return _device_function(value) if callable(value) else value
