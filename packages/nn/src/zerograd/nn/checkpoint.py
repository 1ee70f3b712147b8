"""Checkpoints: a model, its optimizer, its scheduler, a data loader, plain values and the random
generators' states in one file, written atomically and read back without pickle.

    save_checkpoint("run.ckpt", model=model, optimizer=optimizer, scheduler=scheduler, epoch=3)
    values = load_checkpoint("run.ckpt", model=model, optimizer=optimizer, scheduler=scheduler)
    epoch = values["epoch"]

An entry whose value has ``state_dict()`` is stored as that state under the entry's name;
``load_checkpoint`` hands it back to the object given under the same name (``load_state_dict``).
Other entries are plain values: None, bools, numbers, strings, NumPy arrays and scalars, and lists,
tuples and dicts of them; ``load_checkpoint`` returns them as a dict. NumPy's global generator and
Python's ``random`` are always saved and restored, so that dropout and shuffling continue exactly.

The file is a NumPy ``.npz`` archive: every array is one member, and the rest is one JSON document
(stored as a uint8 array) in which each array appears as a reference. It is written and read by
zerograd.nn.serialization: atomically (an interrupted save never destroys the previous checkpoint)
and with every member's header checked. Loading reads and checks everything it uses before it
changes anything, and reads only the members the document refers to (for the objects asked for),
each after its header is checked against the file, so a small file cannot force a huge read.

The device generator is saved as well as it can be read. Where its state is readable (the
stand-in's generator has ``get_state``), that state is saved as ``device`` and restored, so a resumed
run draws exactly what the uninterrupted run draws, even after a stop in the middle of an epoch.
CuPy's generator state cannot be read (CuPy offers no get_state): there, saving reseeds the device
generator with a 32-bit seed derived from NumPy's state (CRC-32 of its key array XOR its position;
NumPy's generator is not advanced), and loading reseeds with it. The run that saved and a resumed
run then draw alike after the save, but a run that never saved at that point draws otherwise, so on
CuPy a resume is bitwise the uninterrupted run only where every such run saves at the same points
(the training command's end-of-epoch checkpoints), or where nothing draws on the device. The seed
(``cupy_seed``) is stored in every checkpoint taken with a device enabled.

>>> import os, shutil, tempfile
>>> import numpy as np
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "demo.ckpt")
>>> save_checkpoint(path, epoch=3, history={"loss": [0.5, 0.25]}, weights=np.eye(2))
>>> values = load_checkpoint(path)
>>> values["epoch"], values["history"]
(3, {'loss': [0.5, 0.25]})
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

import json
import os
import random as python_random
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.checks import is_array
from zerograd.nn.layer import Layer, snapshot
from zerograd.nn.serialization import ArchiveError, NpzArchive, write_npz

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]

FORMAT = "zerograd-checkpoint"
VERSION = 1
DOCUMENT = "__checkpoint__"  # the archive member that holds the JSON document


class CheckpointError(ValueError):
    """A file that is not a readable zerograd checkpoint (corrupt, truncated or foreign)."""


# --- encoding values as JSON with arrays set aside ---------------------------------------------
# Every JSON object in the document is a one-key wrapper ({"array": member}, {"scalar": member},
# {"tuple": [...]}, {"dict": [[key, value], ...]}), so lists, numbers and strings stay themselves
# and any key type (the optimizer's integer parameter numbers) survives the trip.
def _encode(value: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) or is_array(value):
        array = cuda.as_numpy(value) if not isinstance(value, np.generic) else np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"save_checkpoint: {where} is an array of Python objects, which "
                            f"cannot be stored without pickle")
        member = f"array_{len(arrays)}"
        arrays[member] = array
        return {"scalar" if isinstance(value, np.generic) else "array": member}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {"dict": [[_encode(k, arrays, f"a key of {where}"),
                          _encode(v, arrays, f"{where}[{k!r}]")] for k, v in value.items()]}
    raise TypeError(f"save_checkpoint: cannot store {where}, a {type(value).__name__}: only None, "
                    f"numbers, strings, arrays and lists, tuples and dicts of them, or objects "
                    f"with state_dict()")


def _decode(node: Any, arrays: Callable[[str], np.ndarray]) -> Any:
    """The value a JSON node stands for; ``arrays(member)`` reads a member of the archive."""
    if isinstance(node, list):
        return [_decode(item, arrays) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) != 1:
        raise CheckpointError(f"unexpected JSON object with keys {sorted(node)}")
    kind, body = next(iter(node.items()))
    if kind == "array":
        return arrays(body)
    if kind == "scalar":
        return arrays(body)[()]
    if kind == "tuple":
        return tuple(_decode(item, arrays) for item in body)
    if kind == "dict":
        return {_decode(k, arrays): _decode(v, arrays) for k, v in body}
    raise CheckpointError(f"unknown JSON wrapper {kind!r}")


# --- random states ------------------------------------------------------------------------------
def _random_states() -> dict[str, Any]:
    states: dict[str, Any] = {"numpy": np.random.get_state(), "python": python_random.getstate(),
                              "cupy_seed": None, "device": None}
    if cuda.gpu_enable:
        keys, position = states["numpy"][1], states["numpy"][2]
        states["cupy_seed"] = zlib.crc32(keys.tobytes()) ^ position
        states["device"] = _readable_device_state()
        if states["device"] is None:  # CuPy: continue from the seed, as a resumed run will
            cuda.cupy.random.seed(states["cupy_seed"])
    return states


def _device_generator() -> Any:
    return cuda.cupy.random.get_random_state()


def _readable_device_state() -> Any:
    """The device generator's full state where it can be read (the stand-in), else None (CuPy)."""
    get_state = getattr(_device_generator(), "get_state", None)
    return get_state() if callable(get_state) else None


def _restore_random_states(states: dict[str, Any]) -> None:
    np.random.set_state(states["numpy"])
    python_random.setstate(states["python"])
    if not cuda.gpu_enable:
        return
    set_state = getattr(_device_generator(), "set_state", None)
    if states.get("device") is not None and callable(set_state):
        set_state(states["device"])
    elif states.get("cupy_seed") is not None:
        cuda.cupy.random.seed(states["cupy_seed"])


def _is_stateful(value: Any) -> bool:
    return not isinstance(value, type) and callable(getattr(value, "state_dict", None))


# --- saving ---------------------------------------------------------------------------------------
def save_checkpoint(path: str | os.PathLike, **entries: Any) -> None:
    """Write ``entries`` and the random states to ``path`` (one .npz file, atomically).

    ``save_checkpoint(path, model=model, optimizer=optimizer, scheduler=scheduler, epoch=3)``:
    objects with ``state_dict()`` are stored as their state, other values as they are (None,
    numbers, strings, arrays, and lists/tuples/dicts of them). The file at ``path`` is replaced
    only once the new one is completely on disk.
    """
    arrays: dict[str, np.ndarray] = {}
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "states": {}, "values": {}}
    for name, value in entries.items():
        if _is_stateful(value):
            document["states"][name] = _encode(value.state_dict(), arrays, f"the state of {name!r}")
        else:
            document["values"][name] = _encode(value, arrays, f"entry {name!r}")
    document["random"] = _encode(_random_states(), arrays, "the random states")
    text = json.dumps(document, separators=(",", ":"))
    arrays[DOCUMENT] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    write_npz(path, arrays, compress=False)


# --- loading --------------------------------------------------------------------------------------
def load_checkpoint(path: str | os.PathLike, **objects: Any) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``: load each object's state, restore the
    random states and return the plain values as a dict.

    ``load_checkpoint(path, model=model, optimizer=optimizer)`` calls
    ``model.load_state_dict(<state saved as model>)`` and so on. The file is read and checked in
    full first; a corrupt file raises CheckpointError and an object that rejects its state is
    rolled back, so a failed load leaves every object and generator as it was.
    """
    path = os.fspath(path)
    for name, obj in objects.items():
        if not callable(getattr(obj, "load_state_dict", None)):
            raise TypeError(f"load_checkpoint: {name}= must have load_state_dict(), got a "
                            f"{type(obj).__name__}")
    states, values, random_states = _read(path, wanted=set(objects))
    for name in objects:
        if name not in states:
            held = ", ".join(states) or "no object states"
            raise KeyError(f"load_checkpoint: {path} holds no state saved as {name!r} "
                           f"(it holds: {held})")
    restores: list[Callable[[], None]] = []
    try:
        for name in states:  # the order they were saved in: the model before its optimizer
            if name in objects:
                restores.append(_snapshot(objects[name]))
                objects[name].load_state_dict(states[name])
    except BaseException as error:
        _roll_back(restores, error)
        raise
    _restore_random_states(random_states)
    return values


def _snapshot(obj: Any) -> Callable[[], None]:
    """A function that gives ``obj`` back its present state exactly. A Layer's snapshot also
    returns parameters that are not sized yet to None, which no state dict can express."""
    if isinstance(obj, Layer):
        return snapshot(obj)
    backup = _copy_tree(obj.state_dict())
    return lambda: obj.load_state_dict(backup)


def _roll_back(restores: list[Callable[[], None]], error: BaseException) -> None:
    """Run the snapshots' restores, newest first. The error that caused the roll-back is the
    one to raise; a failed restore is added to it as a note rather than masking it."""
    for restore in reversed(restores):
        try:
            restore()
        except Exception as failure:
            if hasattr(error, "add_note"):  # Python 3.11+
                error.add_note(f"load_checkpoint: rolling back failed too, so an object may keep "
                               f"part of the checkpoint: {type(failure).__name__}: {failure}")


def _read(path: str, wanted: set[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The states (those in ``wanted`` decoded, the others None), the plain values and the random
    states of a checkpoint file. Only the members these refer to are read, each after its header
    is checked against the file (NpzArchive)."""
    try:
        with NpzArchive(path, "load_checkpoint") as archive:
            if DOCUMENT not in archive.names:
                raise CheckpointError("it has no checkpoint document")
            document = json.loads(archive.read(DOCUMENT).tobytes().decode("utf-8"))
            if document.get("format") != FORMAT:
                raise CheckpointError(f"its format is {document.get('format')!r}")
            if document.get("version") != VERSION:
                raise CheckpointError(f"it has version {document.get('version')!r}, this "
                                      f"zerograd reads version {VERSION}")
            states = {name: _decode(node, archive.read) if name in wanted else None
                      for name, node in document["states"].items()}
            values = {name: _decode(node, archive.read)
                      for name, node in document["values"].items()}
            random_states = _decode(document["random"], archive.read)
        np.random.RandomState().set_state(random_states["numpy"])  # check it before using it
        python_random.Random().setstate(random_states["python"])
        if random_states.get("device") is not None:  # only the stand-in's, a NumPy-shaped state
            np.random.RandomState().set_state(random_states["device"])
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as error:
        reason = error.reason if isinstance(error, ArchiveError) else \
            f"{type(error).__name__}: {error}"
        raise CheckpointError(f"load_checkpoint: {path} is not a readable zerograd checkpoint "
                              f"({reason})") from error
    return states, values, random_states


def _copy_tree(value: Any) -> Any:
    """A copy of a state dict deep enough that loading into the object cannot change it."""
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_tree(v) for v in value)
    if hasattr(value, "copy") and hasattr(value, "shape"):
        return value.copy()
    return value
