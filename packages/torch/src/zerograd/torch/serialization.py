"""``torch.save`` / ``torch.load`` in PyTorch's own file format, loaded as ``weights_only=True``.

``save`` writes what real ``torch.save`` writes: a zip holding ``archive/data.pkl`` (a protocol-2
pickle in which each tensor is ``torch._utils._rebuild_tensor_v2`` of a storage named by persistent
id), one ``archive/data/<key>`` member per storage, and the ``version`` and ``byteorder`` records;
real ``torch.load(weights_only=True)`` reads it. ``load`` reads such files, from PyTorch or from
here, with a restricted unpickler: it rebuilds tensors, parameters, OrderedDicts and plain
containers and refuses every other global by name, so a malicious file runs nothing. A
``.safetensors`` path holds a flat {name: tensor} dict instead, and a plain ``.npz`` archive of
arrays loads as one. The files themselves are written and read (atomically, every member's size
checked) by ``zerograd.nn.serialization``; this module holds only the pickle protocol.
"""

from __future__ import annotations

import _compat_pickle
import collections
import io
import math
import os
import pickle
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from zerograd.core import Variable
from zerograd.core.cuda import as_numpy
from zerograd.nn.serialization import (
    NpzArchive,
    SafetensorsArchive,
    ZipArchive,
    is_file_object,
    is_safetensors,
    save_safetensors,
    write_zip,
    zip_bytes,
)
from zerograd.torch.tensor import Parameter, Tensor

# PyTorch's storage classes and the NumPy dtypes they hold (bfloat16 has no NumPy dtype).
STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"), "DoubleStorage": np.dtype("<f8"), "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"), "IntStorage": np.dtype("<i4"), "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"), "ByteStorage": np.dtype("u1"), "BoolStorage": np.dtype("?"),
    "ComplexFloatStorage": np.dtype("<c8"), "ComplexDoubleStorage": np.dtype("<c16"),
}
_STORAGE_OF = {dtype.newbyteorder("="): name for name, dtype in STORAGE_DTYPES.items()}
PREFIX = "archive/"
PLAIN_VALUES = (type(None), bool, int, float, complex, str)


# --- saving ---------------------------------------------------------------------------------------
class _Global:
    """A name PyTorch's unpickler looks up (``torch._utils._rebuild_tensor_v2``), written by
    reference without importing it: this process has no torch."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> Any:  # pickle's save_reduce wants a callable
        raise TypeError(f"{self.module}.{self.name} exists only in PyTorch")


REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_STORAGE_CLASSES = {name: _Global("torch", name) for name in STORAGE_DTYPES}


class _TensorRecord(NamedTuple):
    array: np.ndarray
    requires_grad: bool
    parameter: bool


class _StorageRecord(NamedTuple):
    kind: str
    key: str
    numel: int


class _TorchPickler(pickle._Pickler):  # the Python pickler: it lets a subclass write GLOBAL itself
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file: Any, storages: dict[str, bytes]) -> None:
        super().__init__(file, protocol=2)
        self.storages = storages

    def _save_global_reference(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch[_Global] = _save_global_reference

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _StorageRecord):
            return ("storage", _STORAGE_CLASSES[obj.kind], obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, _TensorRecord):
            return NotImplemented
        array = obj.array
        if obj.parameter:
            return REBUILD_PARAMETER, (obj._replace(parameter=False, requires_grad=False), obj.requires_grad,
                                       collections.OrderedDict())
        key = str(len(self.storages))
        self.storages[key] = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        storage = _StorageRecord(_STORAGE_OF[array.dtype.newbyteorder("=")], key, array.size)
        return REBUILD_TENSOR, (storage, 0, array.shape, _contiguous_strides(array.shape),
                                obj.requires_grad, collections.OrderedDict())


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def _records(obj: Any, where: str) -> Any:
    """``obj`` with every tensor and array replaced by a record the pickler writes as a tensor,
    NumPy scalars by Python numbers; anything PyTorch's weights-only loader would refuse raises."""
    if isinstance(obj, Variable) or isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        array = np.asarray(as_numpy(obj.data if isinstance(obj, Variable) else obj), order="C")
        if array.dtype.newbyteorder("=") not in _STORAGE_OF:
            raise TypeError(f"save: {where} has dtype {array.dtype}, which PyTorch has no "
                            f"storage for")
        requires_grad = isinstance(obj, Variable) and bool(getattr(obj, "requires_grad", False))
        return _TensorRecord(array, requires_grad, isinstance(obj, Parameter))
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, PLAIN_VALUES):
        return obj
    if isinstance(obj, dict):
        items = [(_records(k, f"a key of {where}"), _records(v, f"{where}[{k!r}]"))
                 for k, v in obj.items()]
        return collections.OrderedDict(items) if isinstance(obj, collections.OrderedDict) \
            else dict(items)
    if isinstance(obj, (list, tuple)):
        items = [_records(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        return tuple(items) if isinstance(obj, tuple) else items
    raise TypeError(f"save: {where} is a {type(obj).__name__}; zerograd.torch.save writes tensors, "
                    "arrays, numbers, strings, None and dicts, lists and tuples of them, as "
                    "torch.load(weights_only=True) reads them")


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Write ``obj`` to ``f`` in PyTorch's format: a path is written atomically (a crash leaves
    any earlier file whole), an open binary file (``io.BytesIO``) gets the bytes at its position;
    a '.safetensors' path takes a flat {name: tensor} dict."""
    if not is_file_object(f) and is_safetensors(f):
        save_safetensors(f, _flat_arrays(obj), "save")
        return
    storages: dict[str, bytes] = {}
    pickled = io.BytesIO()
    _TorchPickler(pickled, storages).dump(_records(obj, "the object"))
    members = {PREFIX + "data.pkl": pickled.getvalue(), PREFIX + ".format_version": b"1",
               PREFIX + ".storage_alignment": b"64", PREFIX + "byteorder": b"little"}
    members.update({f"{PREFIX}data/{key}": data for key, data in storages.items()})
    members[PREFIX + "version"] = b"3\n"
    if is_file_object(f):
        f.write(zip_bytes(members, align=64))
    else:
        write_zip(f, members, align=64)


def _flat_arrays(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise TypeError("save: a .safetensors file holds a flat {name: tensor} state dict; save "
                        "a nested checkpoint to another file name")
    arrays = {}
    for name, value in obj.items():
        array = value.data if isinstance(value, Variable) else value
        if not hasattr(array, "shape"):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}, not a tensor; "
                            "a .safetensors file holds tensors only")
        arrays[name] = array
    return arrays


# --- loading --------------------------------------------------------------------------------------
class _Storage(NamedTuple):
    array: np.ndarray  # one-dimensional, the storage's elements


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                    hooks: Any = None, metadata: Any = None) -> Tensor:
    """PyTorch's ``_rebuild_tensor_v2``: a view of ``storage`` (copied), checked to lie inside it."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError(f"load: a tensor's storage is a {type(storage).__name__}")
    if not (_counts(size) and _counts(stride) and len(size) == len(stride) and _counts((offset,))):
        raise pickle.UnpicklingError(f"load: a tensor has size {size!r}, stride {stride!r} and "
                                     f"offset {offset!r}, not non-negative integers of one length")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if math.prod(size) else offset - 1
    if last >= storage.array.size:
        raise pickle.UnpicklingError(f"load: a tensor of size {tuple(size)} with stride "
                                     f"{tuple(stride)} at offset {offset} reaches element {last} of "
                                     f"a storage of {storage.array.size}")
    itemsize = storage.array.itemsize
    view = np.lib.stride_tricks.as_strided(storage.array[offset:], shape=tuple(size),
                                           strides=tuple(s * itemsize for s in stride))
    return Tensor(view.copy(), requires_grad=bool(requires_grad))


def _rebuild_parameter(data: Any, requires_grad: Any, hooks: Any = None, state: Any = None) -> Any:
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"load: a parameter holds a {type(data).__name__}")
    return Parameter(data.data, requires_grad=bool(requires_grad))


def _counts(values: Any) -> bool:
    return isinstance(values, tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)


# Every global a weights-only file may name, and what stands for it here.
ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): tuple,
}


class _WeightsUnpickler(pickle.Unpickler):
    """PyTorch's ``weights_only=True`` unpickler: tensors, parameters and containers only."""

    def __init__(self, archive: ZipArchive, prefix: str, byteorder: str) -> None:
        super().__init__(io.BytesIO(archive.read_bytes(prefix + "data.pkl")))
        self.archive, self.prefix, self.byteorder = archive, prefix, byteorder
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        # A protocol-2 pickle names Python 2's modules (__builtin__): name them as Python 3 does.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageClass(name)
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"load: {self.archive.path!r} asks for the global {module}.{name}, which "
                f"weights_only loading refuses (it could run code); only tensors, parameters, "
                f"OrderedDicts and plain containers are read") from None

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageClass) and isinstance(pid[2], str)
                and _counts((pid[4],))):
            raise pickle.UnpicklingError(f"load: unknown persistent id {pid!r}")
        _, kind, key, _, numel = pid
        if key not in self.storages:
            dtype = STORAGE_DTYPES[kind.name].newbyteorder("<" if self.byteorder == "little" else ">")
            data = self.archive.read_bytes(f"{self.prefix}data/{key}", numel * dtype.itemsize)
            self.storages[key] = _Storage(np.frombuffer(data, dtype).astype(dtype.newbyteorder("=")))
        return self.storages[key]


class _StorageClass(NamedTuple):
    name: str


def _unpickle(unpickler: _WeightsUnpickler) -> Any:
    """What the file's pickle builds; a malformed pickle is an UnpicklingError naming the file."""
    try:
        return unpickler.load()
    except Exception as err:
        if str(err).startswith(("load:", "'load:")):  # ours, naming the file already
            raise
        raise pickle.UnpicklingError(f"load: {unpickler.archive.path!r} holds a malformed pickle: "
                                     f"{type(err).__name__}: {err}") from None


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, weights_only: bool | None = None,
         **kwargs: Any) -> Any:
    """Read a file written by ``torch.save`` (PyTorch's or this one) as PyTorch's
    ``weights_only=True`` does, or a .safetensors file, or a plain .npz archive of arrays.
    ``f`` is a path or an open binary file. Tensors come back on the CPU; ``map_location`` is
    accepted for PyTorch's signature."""
    if weights_only is False:
        raise NotImplementedError("load: weights_only=False would let the file run code; "
                                  "zerograd.torch.load reads weights only")
    if not is_file_object(f) and is_safetensors(f):
        with SafetensorsArchive(f, "load") as archive:
            return {name: Tensor(archive.read(name), requires_grad=False) for name in archive.names}
    with ZipArchive(f, "load") as archive:
        pickles = [name for name in archive.names if name.endswith("/data.pkl")
                   and name.count("/") == 1]
        if pickles:
            prefix = pickles[0][: -len("data.pkl")]
            byteorder = "little"
            if prefix + "byteorder" in archive.names:
                byteorder = archive.read_bytes(prefix + "byteorder").decode("ascii", "replace")
            if byteorder not in ("little", "big"):
                raise archive.error(f"its byteorder record says {byteorder!r}")
            return _unpickle(_WeightsUnpickler(archive, prefix, byteorder))
    with NpzArchive(f, "load") as archive:
        return {name: Tensor(archive.read(name), requires_grad=False) for name in archive.names}
