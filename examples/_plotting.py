"""What the examples share for their pictures: a grid of images and a crash-safe PNG save."""

from __future__ import annotations

import os

import numpy as np

from zerograd.core.files import atomic_write


def image_grid(images: np.ndarray, rows: int) -> np.ndarray:
    """(rows * cols, 28, 28) images -> one (rows * 28, cols * 28) picture."""
    cols = len(images) // rows
    grid = images[:rows * cols].reshape(rows, cols, 28, 28)
    return grid.transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28)


def save_figure(fig, path: str) -> None:
    """Write a matplotlib figure as PNG through a temporary file renamed into place."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100, bbox_inches="tight")
    print(f"wrote {path}")
