"""torch.linalg: the functions NumPy has (norms, inv, solve, det, singular values, products)."""

from zerograd.torch.ops_extra import linalg_cross as cross
from zerograd.torch.ops_extra import matrix_power, slogdet, vecdot
from zerograd.torch.ops_products import (  # noqa: F401  (linalg's names too)
    det,
    inv,
    matmul,
    matrix_norm,
    multi_dot,
    norm,
    solve,
    svdvals,
    vdot,
    vector_norm,
)
from zerograd.torch.ops_shape import diagonal  # noqa: F401

__all__ = ["cross", "det", "diagonal", "inv", "matmul", "matrix_norm", "matrix_power", "multi_dot",
           "norm", "slogdet", "solve", "svdvals", "vdot", "vecdot", "vector_norm"]
