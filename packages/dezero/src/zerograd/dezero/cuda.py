"""The book's ``dezero.cuda``: ``gpu_enable``, ``cupy`` (None without CuPy, so the book's
``from dezero.cuda import cupy`` never fails), ``get_array_module``, ``as_numpy``, ``as_cupy``;
re-exported from zerograd.core.cuda (install CuPy with ``pip install 'zerograd-dezero[cuda13]'``).

>>> import numpy as np
>>> from zerograd.dezero.cuda import as_numpy, get_array_module
>>> get_array_module(np.ones(2)) is np, as_numpy(3.0)
(True, array(3.))
"""

from zerograd.core.cuda import as_cupy, as_numpy, cp, cupy, get_array_module, gpu_enable, scatter_add

__all__ = ["as_cupy", "as_numpy", "cp", "cupy", "get_array_module", "gpu_enable", "scatter_add"]
