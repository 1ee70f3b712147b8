"""Image data sets: MNIST, FashionMNIST, CIFAR10, CIFAR100 and ImageNet's labels, found on disk
(``root``, the data directory, system directories) or downloaded, and the IDX reader.

>>> FashionMNIST.labels()[0], CIFAR10.labels()[9]
('T-shirt/top', 'truck')
"""

from zerograd.vision.datasets.cifar import CIFAR10, CIFAR100, CIFARError
from zerograd.vision.datasets.idx import IDXError, read_idx, write_idx
from zerograd.vision.datasets.imagenet import ImageNet
from zerograd.vision.datasets.mnist import MNIST, FashionMNIST

__all__ = ["CIFAR10", "CIFAR100", "CIFARError", "FashionMNIST", "IDXError", "ImageNet", "MNIST",
           "read_idx", "write_idx"]
