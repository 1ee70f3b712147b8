"""PyTorch's dtype names as NumPy dtypes (a Tensor's ``dtype`` is its array's)."""

import numpy as np

float16 = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001  (PyTorch's names)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
half = float16
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)
bool = np.dtype(np.bool_)  # noqa: A001

DEFAULT_FLOAT = float32
