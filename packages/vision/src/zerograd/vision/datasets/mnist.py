"""MNIST and Fashion-MNIST: 28x28 grayscale images in ten classes, from the IDX files.

By default each sample is the book's flattened float32 image in [0, 1] (784 values) and its
label an int64; ``data`` holds the uint8 images (N, 1, 28, 28) and ``label`` the labels (N,).
"""

from __future__ import annotations

import numpy as np

from zerograd.data.transforms import Compose, Flatten, Normalize, ToFloat
from zerograd.vision.datasets._files import FileDataset
from zerograd.vision.datasets.idx import IDXError, read_idx


def flat_unit_float() -> Compose:
    """The book's MNIST transform: (1, 28, 28) uint8 -> (784,) float32 in [0, 1]."""
    return Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)])


class MNIST(FileDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images.

    Files are looked for in ``root``, then the data directory ($ZEROGRAD_DATA or
    ~/.zerograd/datasets, under ``mnist/``) and the class's ``system_dirs``, and downloaded
    from ``base_url`` when found nowhere.

    >>> MNIST.labels()[7]
    '7'
    """

    base_url = "https://ossci-datasets.s3.amazonaws.com/mnist/"
    subdir = "mnist"
    files = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}

    book_transform = staticmethod(flat_unit_float)

    def _path(self, file_name: str) -> str:
        return self.find((file_name, file_name.removesuffix(".gz")))  # gzipped or raw

    def prepare(self) -> None:
        image_file, label_file = self.files[bool(self.train)]
        image_path, label_path = self._path(image_file), self._path(label_file)
        images = read_idx(image_path, ndim=3)
        labels = read_idx(label_path, ndim=1)
        if images.dtype != np.uint8 or images.shape[1:] != (28, 28):
            raise IDXError(f"{type(self).__name__}: {image_path} holds {images.dtype} images of "
                           f"shape {images.shape[1:]}, expected uint8 28x28")
        if len(images) != len(labels):
            raise IDXError(f"{type(self).__name__}: {image_path} has {len(images)} images but "
                           f"{label_path} has {len(labels)} labels")
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise IDXError(f"{type(self).__name__}: {label_path} holds labels outside 0..9")
        self.data = images[:, None]
        self.label = labels.astype(np.int64)

    @staticmethod
    def labels() -> dict[int, str]:
        """Class index -> name."""
        return {i: str(i) for i in range(10)}

    def show(self, row: int = 10, col: int = 10) -> None:
        """Show row x col random training images in one matplotlib figure (as in the book)."""
        import matplotlib.pyplot as plt

        h, w = self.data.shape[2:]
        grid = np.zeros((h * row, w * col), dtype=self.data.dtype)
        for r in range(row):
            for c in range(col):
                grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = \
                    self.data[np.random.randint(0, len(self.data))][0]
        plt.imshow(grid, cmap="gray", interpolation="nearest")
        plt.axis("off")
        plt.show()


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, a drop-in replacement for MNIST with clothes: ten classes of
    28x28 grayscale images, 60,000 for training and 10,000 for testing. Debian's
    ``dataset-fashion-mnist`` package (files in /usr/share/datasets/fashion-mnist) is used when
    installed.

    >>> FashionMNIST.labels()[9]
    'Ankle boot'
    """

    base_url = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    subdir = "fashion-mnist"
    system_dirs = ("/usr/share/datasets",)  # + subdir: Debian's dataset-fashion-mnist

    @staticmethod
    def labels() -> dict[int, str]:
        names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"]
        return dict(enumerate(names))
