"""DataLoader (mini-batches, shuffled) and SeqDataLoader (parallel streams for truncated BPTT).

A batch of a Dataset that holds its samples in arrays (see ``Dataset.batchable``) is one fancy
index plus one transform call; any other data set is read sample by sample and stacked.

Shuffling draws from NumPy's global generator as in the book (so ``np.random.seed`` repeats a run),
or from the loader's own generator when ``seed=`` is given. As in the book, the order of an epoch
is drawn when the previous one ends (and at construction), so interleaving with other draws from
the global generator is the book's too.

>>> import numpy as np
>>> from zerograd.data.datasets import Spiral
>>> loader = DataLoader(Spiral(), batch_size=128, seed=0)
>>> len(loader), [x.shape for x, t in loader]
(3, [(128, 2), (128, 2), (44, 2)])
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.checks import check_positive_int, is_int


def _checked_order(where: str, saved: Any, size: int) -> np.ndarray:
    """A saved epoch order as an int64 copy, if it is a permutation of range(size)."""
    index = np.asarray(saved)
    if index.shape != (size,) or index.dtype.kind not in "iu":
        raise ValueError(f"{where}: the saved order has shape {index.shape} and dtype "
                         f"{index.dtype}, but the data set has {size} samples")
    outside = index[(index < 0) | (index >= size)]
    if outside.size:
        raise ValueError(f"{where}: the saved order holds {outside[0]}, outside the data set's "
                         f"positions 0..{size - 1}")
    counts = np.bincount(index, minlength=size)
    if (counts != 1).any():
        raise ValueError(f"{where}: the saved order lists sample {int(np.argmax(counts))} "
                         f"{int(counts.max())} times; it must visit every sample once")
    return index.astype(np.int64, copy=True)


def _make_generator(seed: Any) -> np.random.Generator | None:
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as err:
        raise ValueError(f"DataLoader: seed must be None, a non-negative integer or a "
                         f"numpy.random.Generator, got {seed!r}") from err


def _generator_state(rng: np.random.Generator) -> str:
    # JSON, because PCG64's state holds 128-bit integers that an .npz checkpoint cannot store.
    return json.dumps(rng.bit_generator.state, default=lambda a: np.asarray(a).tolist())


def _generator_from_state(text: str) -> np.random.Generator:
    state = json.loads(text)
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def _stack(values: list[Any]) -> Any:
    if values[0] is None:
        return None
    return np.array(values)


class DataLoader:
    """Iterate over a data set in mini-batches ``(x, t)`` with a leading batch axis.

    Args:
        dataset: anything with ``len()`` and ``dataset[i] -> (x, t)``; a ``Dataset`` holding
            arrays with batchable transforms is gathered a whole batch at a time.
        batch_size: samples per batch; the last batch is smaller unless ``drop_last``.
        shuffle: visit the samples in a new random order every epoch.
        gpu: yield CuPy arrays (needs CuPy and a GPU).
        drop_last: leave out the last, incomplete batch.
        seed: an int or a ``numpy.random.Generator`` giving this loader a generator of its own;
            None draws from NumPy's global generator.

    Each ``for`` loop is one epoch. A loop broken off midway is not continued: the next ``for``
    starts a new epoch, except right after ``load_state_dict``, which resumes the saved position.
    ``t`` is None when the data set has no labels.
    """

    def __init__(self, dataset: Any, batch_size: int, shuffle: bool = True, gpu: bool = False,
                 drop_last: bool = False, seed: Any = None) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"{type(self).__name__}: dataset must support len() and indexing, "
                            f"got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = check_positive_int(type(self).__name__, "batch_size", batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.gpu = False
        if gpu:
            self.to_gpu()
        self._rng = _make_generator(seed)
        self.reset()

    # -- epochs -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Start a new epoch: back to the first batch, with a new order when shuffling."""
        self.data_size = len(self.dataset)
        self.iteration = 0
        self.index = self._order()
        self._resumable = True  # the next `for` continues from here rather than resetting

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.data_size)
        if self._rng is None:
            return np.random.permutation(self.data_size)  # noqa: NPY002  (the book's global generator)
        return self._rng.permutation(self.data_size)

    @property
    def max_iter(self) -> int:
        """Batches per epoch (the book's name for ``len(loader)``)."""
        return len(self)

    def __len__(self) -> int:
        return self._batch_count(self.data_size)

    def _batch_count(self, size: int) -> int:
        if self.drop_last:
            return size // self.batch_size
        return math.ceil(size / self.batch_size)

    def __iter__(self):
        if not self._resumable:
            self.reset()
        return self._epoch()

    def _epoch(self):
        while True:
            try:
                batch = self.__next__()
            except StopIteration:
                return
            yield batch

    def __next__(self) -> tuple[Any, Any]:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        x, t = self._gather(self._batch_indices())
        self.iteration += 1
        self._resumable = False
        if self.gpu:
            x = cuda.as_cupy(x)
            t = None if t is None else cuda.as_cupy(t)
        return x, t

    def next(self) -> tuple[Any, Any]:
        """The next batch (the book's spelling of ``next(loader)``)."""
        return self.__next__()

    def _batch_indices(self) -> np.ndarray:
        start = self.iteration * self.batch_size
        return self.index[start:start + self.batch_size]

    def _gather(self, indices: np.ndarray) -> tuple[Any, Any]:
        dataset = self.dataset
        if getattr(dataset, "batchable", False) and hasattr(dataset, "get_batch"):
            return dataset.get_batch(indices)
        samples = [dataset[i] for i in indices.tolist()]
        return _stack([s[0] for s in samples]), _stack([s[1] for s in samples])

    # -- devices ------------------------------------------------------------------------------
    def to_cpu(self) -> None:
        """Yield NumPy arrays from now on."""
        self.gpu = False

    def to_gpu(self) -> None:
        """Yield CuPy arrays from now on."""
        if not cuda.gpu_enable:
            raise RuntimeError(f"{type(self).__name__}: gpu=True needs CuPy with a usable CUDA "
                               "device (pip install 'zerograd-core[cuda13]')")
        self.gpu = True

    # -- checkpoints --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Position and order of the current epoch, and the loader's own generator if it has one.

        >>> loader = DataLoader(list(zip(range(6), range(6))), batch_size=2, seed=1)
        >>> sorted(loader.state_dict())
        ['generator', 'index', 'iteration']
        """
        state: dict[str, Any] = {"iteration": self.iteration, "index": self.index.copy()}
        if self._rng is not None:
            state["generator"] = _generator_state(self._rng)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s state; the next ``for`` resumes the saved epoch exactly.

        With a ``generator`` entry the loader shuffles with that generator from now on; without
        one it draws from NumPy's global generator (which checkpoints restore separately). The
        whole state is checked before anything changes: the order must be a permutation of
        ``range(len(dataset))`` and the position a batch number of this epoch.
        """
        index, iteration, generator = self._checked_state(state)
        self.data_size = len(index)
        self.index = index
        self.iteration = iteration
        self._rng = generator
        self._resumable = True

    def _checked_state(self, state: Any) -> tuple[np.ndarray, int, np.random.Generator | None]:
        """The order, position and generator that ``state`` holds, or a clear error."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{name}: state must be a dict from state_dict(), got "
                            f"{type(state).__name__}")
        missing = {"iteration", "index"} - set(state)
        if missing:
            raise KeyError(f"{name}: state lacks {sorted(missing)}")
        size = len(self.dataset)
        index = _checked_order(name, state["index"], size)
        iteration = state["iteration"]
        if not is_int(iteration):
            raise TypeError(f"{name}: iteration must be an int, got {iteration!r} "
                            f"({type(iteration).__name__})")
        if not 0 <= iteration <= self._batch_count(size):
            raise ValueError(f"{name}: iteration {iteration} is outside "
                             f"0..{self._batch_count(size)}")
        generator = state.get("generator")
        if generator is not None:
            try:
                generator = _generator_from_state(str(generator))
            except (ValueError, TypeError, KeyError, AttributeError) as err:
                raise ValueError(f"{name}: the saved generator state is not one "
                                 f"state_dict() writes ({type(err).__name__}: {err})") from err
        return index, int(iteration), generator

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(dataset={type(self.dataset).__name__}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, gpu={self.gpu}, "
                f"drop_last={self.drop_last})")


class SeqDataLoader(DataLoader):
    """Batches for truncated BPTT: ``batch_size`` streams read the sequence in parallel.

    The data set is cut into ``batch_size`` runs of ``len(dataset) // batch_size`` samples;
    step k yields sample k of every run, so row b of consecutive batches is consecutive in time.
    One epoch is ``len(dataset) // batch_size`` steps (the runs never wrap into each other).

    >>> from zerograd.data.datasets import SinCurve
    >>> loader = SeqDataLoader(SinCurve(), batch_size=3)
    >>> x, t = next(iter(loader))
    >>> len(loader), x.shape, t.shape
    (333, (3, 1), (3, 1))
    """

    def __init__(self, dataset: Any, batch_size: int, gpu: bool = False) -> None:
        super().__init__(dataset, batch_size, shuffle=False, gpu=gpu)
        if self.batch_size > self.data_size:
            raise ValueError(f"SeqDataLoader: batch_size {self.batch_size} exceeds the data "
                             f"set's length {self.data_size}")

    def _batch_count(self, size: int) -> int:
        return size // self.batch_size

    def _batch_indices(self) -> np.ndarray:
        jump = self.data_size // self.batch_size
        return self.index[np.arange(self.batch_size) * jump + self.iteration]


__all__ = ["DataLoader", "SeqDataLoader"]
