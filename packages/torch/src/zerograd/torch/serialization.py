"""``torch.save`` / ``torch.load`` without pickle: a ``.safetensors`` path writes safetensors (a flat
{name: tensor} state dict; needs the optional ``safetensors`` extra), any other path an .npz archive
(NumPy's format, read with ``allow_pickle=False``) that also holds nested checkpoints: dicts, lists
and tuples of tensors, arrays, numbers, strings and None, such as
``{'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'epoch': 3}``.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.core.cuda import as_numpy
from zerograd.core.files import atomic_write
from zerograd.torch.tensor import Tensor

STRUCTURE_KEY = "__zerograd_torch_structure__"
_ARRAY_TAG = "__array__"
_TUPLE_TAG = "__tuple__"


def _is_safetensors(path: Any) -> bool:
    return os.fspath(path).endswith(".safetensors")


def _flattened(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """``obj`` as JSON, each array replaced by a reference into ``arrays``."""
    if isinstance(obj, Variable):
        obj = obj.data
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(as_numpy(obj))
        return {_ARRAY_TAG: key}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        if not all(isinstance(k, (str, int)) for k in obj):
            raise TypeError(f"save: {where} has a key that is neither a str nor an int")
        # JSON keys are strings: remember which were ints (an optimizer's state is keyed 0, 1, ...)
        return {"__dict__": [[k, _flattened(v, arrays, f"{where}[{k!r}]")] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_flattened(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
        return {_TUPLE_TAG: items} if isinstance(obj, tuple) else items
    raise TypeError(f"save: {where} is a {type(obj).__name__}; zerograd.torch.save writes tensors, "
                    "arrays, numbers, strings, None and dicts, lists and tuples of them (no pickle)")


def _rebuilt(obj: Any, arrays: Any) -> Any:
    if isinstance(obj, list):
        return [_rebuilt(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if _ARRAY_TAG in obj:
        return Tensor(arrays[obj[_ARRAY_TAG]], requires_grad=False)
    if _TUPLE_TAG in obj:
        return tuple(_rebuilt(v, arrays) for v in obj[_TUPLE_TAG])
    return {k: _rebuilt(v, arrays) for k, v in obj["__dict__"]}


def save(obj: Any, f: str | os.PathLike) -> None:
    """Write ``obj`` to ``f`` atomically (a crash leaves any earlier file whole)."""
    if _is_safetensors(f):
        _save_safetensors(obj, f)
        return
    arrays: dict[str, np.ndarray] = {}
    structure = json.dumps(_flattened(obj, arrays, "the object"))
    with atomic_write(f) as file, zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in {**arrays, STRUCTURE_KEY: np.frombuffer(structure.encode(), np.uint8)}.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def load(f: str | os.PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read what ``save`` wrote (or a .safetensors file, or a plain .npz of arrays). Tensors come
    back on the CPU; ``map_location`` is accepted for PyTorch's signature and otherwise ignored."""
    if _is_safetensors(f):
        return {name: Tensor(array, requires_grad=False) for name, array in _safetensors().load_file(
            os.fspath(f)).items()}
    try:
        with np.load(f, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise ValueError(f"load: {os.fspath(f)!r} is not a file written by zerograd.torch.save "
                         f"(nor an .npz or .safetensors file): {err}") from err
    structure = arrays.pop(STRUCTURE_KEY, None)
    if structure is None:
        return {name: Tensor(array, requires_grad=False) for name, array in arrays.items()}
    return _rebuilt(json.loads(structure.tobytes().decode()), arrays)


def _safetensors() -> Any:
    try:
        import safetensors.numpy
    except ImportError as err:
        raise ImportError("zerograd.torch: .safetensors files need the safetensors package "
                          "(pip install 'zerograd-torch[safetensors]')") from err
    return safetensors.numpy


def _save_safetensors(obj: Any, f: str | os.PathLike) -> None:
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise TypeError("save: a .safetensors file holds a flat {name: tensor} state dict; save "
                        "a nested checkpoint to another file name (an .npz archive)")
    arrays = {}
    for name, value in obj.items():
        array = value.data if isinstance(value, Variable) else value
        if not hasattr(array, "shape"):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}, not a tensor; "
                            "a .safetensors file holds tensors only")
        arrays[name] = np.ascontiguousarray(as_numpy(array))
    payload = _safetensors().save(arrays)
    with atomic_write(f) as file:
        file.write(payload)
