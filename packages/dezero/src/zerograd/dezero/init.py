"""Parameter initialisers (beyond the book), re-exported from zerograd.nn.init; apply them to a
whole model with ``Layer.apply``.

>>> import numpy as np
>>> import zerograd.dezero.layers as L
>>> from zerograd.dezero import init
>>> layer = L.Linear(3, in_size=4)
>>> _ = init.constant(layer.W, 0.5)
>>> float(layer.W.data.sum())
6.0
"""

from zerograd.nn.init import (
    calculate_fans,
    constant,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    kaiming_normal,
    kaiming_uniform,
    normal,
    ones,
    uniform,
    xavier_normal,
    xavier_uniform,
    zeros,
)

__all__ = [
    "calculate_fans", "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "kaiming_normal", "kaiming_uniform", "normal", "ones", "uniform", "xavier_normal",
    "xavier_uniform", "zeros",
]
