"""``torch.utils``: the ``data`` submodule."""

from zerograd.torch.utils import data

__all__ = ["data"]
