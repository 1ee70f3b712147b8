"""The earlier name of :mod:`zerograd.nn.functions`, kept so that code written for zerograd 0.1
imports unchanged. Importing it gives the very same module objects, submodules included
(``zerograd.nn.functional.loss is zerograd.nn.functions.loss``), so classes and functions are
never duplicated. New code uses ``functions``: one word for one concept, as in
``zerograd.core.functions``, ``zerograd.vision.functions``, ``zerograd.text.functions`` and the
book's ``dezero.functions``.

>>> import zerograd.nn.functional as F
>>> import zerograd.nn.functions
>>> F is zerograd.nn.functions
True
"""

import sys

from zerograd.nn import functions
from zerograd.nn.functions import (
    activation,
    dropout,
    embedding,
    linear,
    loss,
    metrics,
    normalization,
)

for _submodule in (activation, dropout, embedding, linear, loss, metrics, normalization):
    sys.modules[f"{__name__}.{_submodule.__name__.rpartition('.')[2]}"] = _submodule
sys.modules[__name__] = functions
