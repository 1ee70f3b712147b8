"""The book's ``dezero.dataloaders``: DataLoader and SeqDataLoader, re-exported from
zerograd.data.

>>> from zerograd.dezero.dataloaders import DataLoader
>>> from zerograd.dezero.datasets import Spiral
>>> [x.shape for x, t in DataLoader(Spiral(), batch_size=128)]
[(128, 2), (128, 2), (44, 2)]
"""

from zerograd.data.dataloaders import DataLoader, SeqDataLoader

__all__ = ["DataLoader", "SeqDataLoader"]
