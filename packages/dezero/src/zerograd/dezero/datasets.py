"""The book's ``dezero.datasets``: Dataset and the toy data sets (zerograd.data), the image data
sets (zerograd.vision.datasets) and Shakespear (zerograd.text.datasets).

Files are looked for in ``root=``, then the data directory ($ZEROGRAD_DATA, else
~/.zerograd/datasets) and system directories such as Debian's /usr/share/datasets/fashion-mnist,
and downloaded (with a checksum) only when found nowhere.

>>> from zerograd.dezero.datasets import Spiral, FashionMNIST
>>> len(Spiral()), FashionMNIST.labels()[0]
(300, 'T-shirt/top')
"""

from zerograd.data.datasets import Dataset, SinCurve, Spiral, get_spiral
from zerograd.text.datasets import Shakespear
from zerograd.text.vocabulary import CharVocabulary
from zerograd.vision.datasets import (
    CIFAR10,
    CIFAR100,
    MNIST,
    FashionMNIST,
    ImageNet,
    read_idx,
    write_idx,
)

__all__ = [
    "CIFAR10", "CIFAR100", "MNIST", "CharVocabulary", "Dataset", "FashionMNIST", "ImageNet",
    "Shakespear", "SinCurve", "Spiral", "get_spiral", "read_idx", "write_idx",
]
