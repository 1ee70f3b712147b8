"""Kept so that ``from zerograd.data.dataset import Dataset`` keeps working: the Dataset base
class now lives in zerograd.data.datasets, beside the toy data sets (the book's layout)."""

from zerograd.data.datasets import Dataset

__all__ = ["Dataset"]
