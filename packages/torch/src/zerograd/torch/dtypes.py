"""PyTorch's dtype names as NumPy dtypes (a Tensor's ``dtype`` is its array's)."""

import numpy as np

float16 = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001  (PyTorch's names)
float64 = double = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001

DEFAULT_FLOAT = float32
