"""The book's ``dezero.utils``: gradient checks, graph drawing, sum_to on arrays, comparisons
and convolution sizes (zerograd.core.utils), and get_file (zerograd.data, with an optional
``sha256`` check and downloads written to a temporary file renamed into place).

The book's ``cache_dir`` string is zerograd.data's ``data_dir()`` ($ZEROGRAD_DATA, else
~/.zerograd/datasets); ``locate`` finds a file there or in system directories before downloading.

>>> from zerograd.dezero.utils import get_conv_outsize, pair
>>> get_conv_outsize(28, 3, 1, 1), pair(2)
(28, (2, 2))
"""

from zerograd.core.utils import (
    array_allclose,
    array_equal,
    get_conv_outsize,
    get_deconv_outsize,
    get_dot_graph,
    gradient_check,
    numerical_grad,
    pair,
    plot_dot_graph,
    sum_to,
)
from zerograd.data.download import data_dir, get_file, locate

__all__ = [
    "array_allclose", "array_equal", "data_dir", "get_conv_outsize", "get_deconv_outsize",
    "get_dot_graph", "get_file", "gradient_check", "locate", "numerical_grad", "pair",
    "plot_dot_graph", "sum_to",
]
