"""The exception for inputs whose shapes do not fit together.

The book's API raises ValueError for a shape mismatch and PyTorch raises RuntimeError, and code
written for either catches its own. ShapeError derives from both, so one error raised by the
engine (matmul, linear, conv, strict loading) answers ``except ValueError`` in a DeZero program
and ``except RuntimeError`` in a PyTorch one, without a translation layer in the facades.

>>> issubclass(ShapeError, ValueError) and issubclass(ShapeError, RuntimeError)
True
"""

from __future__ import annotations


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit together (a ValueError for the book, a RuntimeError for PyTorch)."""
