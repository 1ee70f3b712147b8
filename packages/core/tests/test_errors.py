"""ShapeError: one exception for shape mismatches that both the book's code (ValueError) and
PyTorch's (RuntimeError) catch."""

import numpy as np
import pytest

from zerograd.core import ShapeError, Variable
from zerograd.core import functions as F


def test_a_matmul_shape_mismatch_is_a_value_error_and_a_runtime_error():
    for caught in (ShapeError, ValueError, RuntimeError):
        with pytest.raises(caught, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not align"):
            F.matmul(Variable(np.ones((2, 3))), np.ones((4, 5)))
