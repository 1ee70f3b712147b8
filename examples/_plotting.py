"""What the examples share for their pictures: matplotlib when it is installed, a loss curve, a
grid of images and a crash-safe PNG save."""

from __future__ import annotations

import os

import numpy as np

from zerograd.core.files import atomic_write


def pyplot_or_none(picture: str):
    """matplotlib.pyplot on the Agg backend, or None after saying why ``picture`` is skipped."""
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed: skipping {picture} (pip install matplotlib)")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_loss(ax, history: list[float]) -> None:
    """The loss of each epoch, epochs counted from 1."""
    ax.plot(np.arange(1, len(history) + 1), history)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")


def image_grid(images: np.ndarray, rows: int) -> np.ndarray:
    """(rows * cols, 28, 28) images -> one (rows * 28, cols * 28) picture."""
    cols = len(images) // rows
    grid = images[:rows * cols].reshape(rows, cols, 28, 28)
    return grid.transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28)


def save_figure(fig, path: str) -> None:
    """Write a matplotlib figure as PNG through a temporary file renamed into place, then close it."""
    import matplotlib.pyplot as plt

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")
