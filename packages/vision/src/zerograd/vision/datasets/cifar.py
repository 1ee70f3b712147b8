"""CIFAR-10 and CIFAR-100 from their binary distributions (``cifar-10-binary.tar.gz``,
``cifar-100-binary.tar.gz``): fixed-size records of label bytes and 3 x 32 x 32 pixel bytes,
read straight out of the archive (no pickle, nothing extracted to disk).

``data`` holds the uint8 images (N, 3, 32, 32) and ``label`` the int64 labels. By default each
sample is a float32 (3, 32, 32) image scaled to [-1, 1]: the book's Normalize(0.5, 0.5) applied
to [0, 1] pixels (the book applied it to 0..255 values, which left them unscaled).
"""

from __future__ import annotations

import os
import tarfile
import zlib
from typing import Any

import numpy as np

from zerograd.data.transforms import Compose, Normalize, ToFloat
from zerograd.vision.datasets._files import BOOK_TRANSFORM, FileDataset

PIXELS = 3 * 32 * 32


class CIFARError(ValueError):
    """A CIFAR archive that is truncated, corrupt or lacks a member."""


def unit_range_float() -> Compose:
    """(3, 32, 32) uint8 -> float32 in [-1, 1]."""
    return Compose([ToFloat(), Normalize(127.5, 127.5)])


def read_records(archive: str, member: str, label_bytes: int,
                 n_classes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels (N, label_bytes) uint8 of one binary batch file
    inside a .tar.gz archive; every label byte i must be below n_classes[i]."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            try:
                f = tar.extractfile(member)
            except KeyError:
                f = None
            if f is None:
                raise CIFARError(f"CIFAR: {archive} has no file {member!r}")
            raw = f.read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise CIFARError(f"CIFAR: {archive} is not a readable .tar.gz archive ({err})") from err
    record = label_bytes + PIXELS
    if len(raw) == 0 or len(raw) % record:
        raise CIFARError(f"CIFAR: {archive}:{member} holds {len(raw)} bytes, not a whole number "
                         f"of {record}-byte records")
    records = np.frombuffer(raw, np.uint8).reshape(-1, record)
    labels = records[:, :label_bytes]
    for i, n in enumerate(n_classes):
        if labels[:, i].max() >= n:
            raise CIFARError(f"CIFAR: {archive}:{member} holds label {labels[:, i].max()} in "
                             f"byte {i}, beyond its {n} classes")
    return records[:, label_bytes:].reshape(-1, 3, 32, 32), labels


class _CIFAR(FileDataset):
    """Shared by CIFAR10 and CIFAR100: where the archive is and how to read its batches."""

    base_url = "https://www.cs.toronto.edu/~kriz/"
    archive = ""
    subdir = "cifar"
    book_transform = staticmethod(unit_range_float)

    def _archive_path(self) -> str:
        return self.find((self.archive,))

    def _read(self, members: list[str], label_bytes: int,
              n_classes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        path = self._archive_path()
        parts = [read_records(path, m, label_bytes, n_classes) for m in members]
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


class CIFAR10(_CIFAR):
    """CIFAR-10: 32x32 colour images in ten classes, 50,000 for training (five batches) and
    10,000 for testing.

    >>> CIFAR10.labels()[0]
    'airplane'
    """

    archive = "cifar-10-binary.tar.gz"

    def prepare(self) -> None:
        folder = "cifar-10-batches-bin"
        members = ([f"{folder}/data_batch_{i}.bin" for i in range(1, 6)] if self.train
                   else [f"{folder}/test_batch.bin"])
        self.data, labels = self._read(members, 1, (10,))
        self.label = labels[:, 0].astype(np.int64)

    @staticmethod
    def labels() -> dict[int, str]:
        """Class index -> name."""
        names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                 "truck"]
        return dict(enumerate(names))


CIFAR100_FINE = (
    "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus "
    "butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch "
    "crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo "
    "keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse "
    "mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy "
    "porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper "
    "snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television "
    "tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm").split()
CIFAR100_COARSE = (
    "aquatic_mammals fish flowers food_containers fruit_and_vegetables "
    "household_electrical_devices household_furniture insects large_carnivores "
    "large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores "
    "medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 "
    "vehicles_2").split()


class CIFAR100(_CIFAR):
    """CIFAR-100: 32x32 colour images in 100 fine classes grouped into 20 coarse ones, 50,000
    for training and 10,000 for testing; ``label_type`` ('fine' or 'coarse') picks the labels.

    >>> CIFAR100.labels()[99], CIFAR100.labels("coarse")[0]
    ('worm', 'aquatic_mammals')
    """

    archive = "cifar-100-binary.tar.gz"

    def __init__(self, train: bool = True, transform: Any = BOOK_TRANSFORM,
                 target_transform: Any = None, label_type: str = "fine", *,
                 root: str | os.PathLike | None = None, base_url: str | None = None) -> None:
        if label_type not in ("fine", "coarse"):
            raise ValueError(f"CIFAR100: label_type must be 'fine' or 'coarse', got {label_type!r}")
        self.label_type = label_type
        super().__init__(train, transform, target_transform, root=root, base_url=base_url)

    def prepare(self) -> None:
        member = f"cifar-100-binary/{'train' if self.train else 'test'}.bin"
        self.data, labels = self._read([member], 2, (20, 100))  # coarse byte, then fine byte
        self.label = labels[:, 1 if self.label_type == "fine" else 0].astype(np.int64)

    @staticmethod
    def labels(label_type: str = "fine") -> dict[int, str]:
        """Class index -> name for 'fine' (100) or 'coarse' (20) labels."""
        if label_type not in ("fine", "coarse"):
            raise ValueError(f"CIFAR100.labels: label_type must be 'fine' or 'coarse', got "
                             f"{label_type!r}")
        return dict(enumerate(CIFAR100_FINE if label_type == "fine" else CIFAR100_COARSE))
