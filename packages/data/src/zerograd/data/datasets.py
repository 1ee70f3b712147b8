"""Toy data sets of the book, generated in memory: the three-arm spiral and the sine curve.

>>> train = Spiral(train=True)
>>> len(train), train.data.dtype, train.label.dtype
(300, dtype('float32'), dtype('int64'))
"""

from __future__ import annotations

import numpy as np

from zerograd.data.dataset import Dataset

# ruff: noqa: NPY002  (the book's data draw from NumPy's global generator, on purpose)

SPIRAL_CLASSES = 3
SPIRAL_POINTS_PER_CLASS = 100


def get_spiral(train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms: points ``x`` (300, 2) float32, class ids ``t`` (300,) int64.

    Arm j, point i (rate r = i / 100) lies at radius r and angle 4j + 4r + 0.2 * noise, as
    (r sin(angle), r cos(angle)); the 300 points come in a random order. Like the book it seeds
    NumPy's global generator (1984 for train, 2020 for test), so the book's scripts, which
    initialise their models right after loading, repeat the book's numbers.

    >>> x, t = get_spiral()
    >>> x.shape, t.shape, sorted(set(t.tolist()))
    ((300, 2), (300,), [0, 1, 2])
    """
    np.random.seed(1984 if train else 2020)
    rate = np.arange(SPIRAL_POINTS_PER_CLASS) / SPIRAL_POINTS_PER_CLASS
    noise = np.random.randn(SPIRAL_CLASSES, SPIRAL_POINTS_PER_CLASS)  # drawn arm by arm
    angle = 4.0 * np.arange(SPIRAL_CLASSES)[:, None] + 4.0 * rate + 0.2 * noise
    points = np.stack([rate * np.sin(angle), rate * np.cos(angle)], axis=-1)
    x = points.reshape(-1, 2).astype(np.float32)
    t = np.repeat(np.arange(SPIRAL_CLASSES, dtype=np.int64), SPIRAL_POINTS_PER_CLASS)
    order = np.random.permutation(len(x))
    return x[order], t[order]


class Spiral(Dataset):
    """The spiral of ``get_spiral`` as a Dataset: ``dataset[i]`` is (point (2,), class id).

    >>> x, t = Spiral()[0]
    >>> x.shape, int(t)
    ((2,), 1)
    """

    def prepare(self) -> None:
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset):
    """One-step-ahead prediction on a sine wave: ``data[k]`` is y(k) and ``label[k]`` is y(k+1).

    y is sampled at 1,000 points over [0, 2 pi]: sin(x) plus uniform noise in [-0.05, 0.05) for
    train, the clean cos(x) for test (the noise is drawn from NumPy's global generator either way,
    as in the book). ``data`` and ``label`` are float64 of shape (999, 1).

    >>> ds = SinCurve(train=False)
    >>> ds.data.shape, ds.label.shape, bool((ds.data[1:] == ds.label[:-1]).all())
    ((999, 1), (999, 1), True)
    """

    num_data = 1000

    def prepare(self) -> None:
        x = np.linspace(0, 2 * np.pi, self.num_data)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = np.sin(x) + noise if self.train else np.cos(x)
        y = y.astype(np.float64)[:, None]
        self.data = y[:-1]
        self.label = y[1:]


__all__ = ["Dataset", "SinCurve", "Spiral", "get_spiral"]
