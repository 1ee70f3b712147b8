"""``torch.utils.data``: Dataset, TensorDataset and a DataLoader that yields Tensors, over
zerograd.data's loader (its epochs, shuffling and checkpointable position)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.data import DataLoader as NativeDataLoader
from zerograd.torch.random import default_generator, permutation
from zerograd.torch.tensor import Tensor

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]


class Dataset:
    """Subclass it with ``__getitem__`` and ``__len__``, as in PyTorch."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.__getitem__ is not implemented")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__}.__len__ is not implemented")


class TensorDataset(Dataset):
    """Samples ``(t[i] for t in tensors)``; every tensor has the same first dimension."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        sizes = [len(t) for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: the tensors' first dimensions differ: {sizes}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """The samples at ``indices`` gathered with one fancy index per tensor."""
        return tuple(Tensor((t.data if isinstance(t, Variable) else np.asarray(t))[indices],
                            requires_grad=False) for t in self.tensors)


def _as_array(value: Any) -> Any:
    return value.data if isinstance(value, Variable) else value


def default_collate(samples: list[Any]) -> Any:
    """Stack the samples field by field into Tensors (numbers become 1-D tensors)."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (str, bytes)):
        return list(samples)
    return Tensor(np.stack([np.asarray(_as_array(s)) for s in samples]), requires_grad=False)


class DataLoader(NativeDataLoader):
    """``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None)``:
    batches of Tensors, gathered at once from a TensorDataset; worker processes are not used."""

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, sampler: Any = None,
                 num_workers: int = 0, collate_fn: Any = None, pin_memory: bool = False,
                 drop_last: bool = False, generator: Any = None) -> None:
        if sampler is not None:
            raise NotImplementedError("DataLoader: sampler= is not supported by zerograd.torch")
        super().__init__(dataset, batch_size, shuffle=shuffle, drop_last=drop_last,
                         seed=_own_generator(generator))
        self.collate_fn = collate_fn or default_collate

    def __next__(self) -> Any:
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        indices = self._batch_indices()
        self.iteration += 1
        self._resumable = False
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
            return self.dataset.batch(indices)
        return self.collate_fn([self.dataset[i] for i in indices.tolist()])


def _own_generator(generator: Any) -> Any:
    """The NumPy generator a loader shuffles with: None (the global one) for the default."""
    if generator is None or generator is default_generator:
        return None
    return generator.numpy_generator()


def random_split(dataset: Any, lengths: Sequence[int], generator: Any = None) -> list[Any]:
    """Split ``dataset`` into non-overlapping subsets of the given lengths, in a random order
    (drawn from ``generator`` when given)."""
    if sum(lengths) != len(dataset):
        raise ValueError(f"random_split: lengths {list(lengths)} do not add up to the data set's "
                         f"size {len(dataset)}")
    order = permutation(generator, len(dataset))  # NumPy's global generator when None
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets


class Subset(Dataset):
    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)
