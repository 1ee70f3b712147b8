"""zerograd-data: data sets, transforms and loaders that keep the training loop fed.

>>> import numpy as np
>>> from zerograd.data import DataLoader
>>> from zerograd.data.datasets import Spiral
>>> from zerograd.data.transforms import Compose, Normalize, ToFloat
>>> train = Spiral(transform=Compose([ToFloat(), Normalize(0.0, 2.0)]))
>>> for x, t in DataLoader(train, batch_size=100, seed=0):
...     print(x.shape, x.dtype, t.shape)
(100, 2) float32 (100,)
(100, 2) float32 (100,)
(100, 2) float32 (100,)
"""

from zerograd.data import datasets, download, transforms
from zerograd.data.dataloaders import DataLoader, SeqDataLoader
from zerograd.data.datasets import Dataset
from zerograd.data.download import data_dir, get_file, locate

__version__ = "0.1.0"
__all__ = [
    "DataLoader", "Dataset", "SeqDataLoader", "data_dir", "datasets", "download", "get_file",
    "locate", "transforms",
]
