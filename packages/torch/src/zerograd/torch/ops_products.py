"""torch's products: mm, bmm, mv, dot, vdot, inner, outer/ger, addmm, addmv, addbmm, baddbmm,
addr, einsum, tensordot, kron, chain_matmul; and the torch.linalg functions NumPy has."""

from __future__ import annotations

from typing import Any

from zerograd.core import functions as CF
from zerograd.core.functions import accumulation as A
from zerograd.core.functions import linalg as L
from zerograd.core.functions import products as P
from zerograd.torch.ops_common import result, tensor_of
from zerograd.torch.ops_math import add, mul
from zerograd.torch.promotion import cast, result_type
from zerograd.torch.tensor import Tensor


def _pair(op: str, a: Any, b: Any, ndims: tuple[int, int]) -> tuple[Tensor, Tensor]:
    a, b = tensor_of(a), tensor_of(b)
    if (a.data.ndim, b.data.ndim) != ndims:
        raise RuntimeError(f"{op}: expects tensors of {ndims[0]} and {ndims[1]} dimensions, got "
                           f"shapes {tuple(a.data.shape)} and {tuple(b.data.shape)}")
    if a.data.dtype != b.data.dtype:
        raise RuntimeError(f"{op}: expected both tensors of one dtype, got {a.data.dtype} and "
                           f"{b.data.dtype}")
    return a, b


def matmul(input: Any, other: Any) -> Tensor:  # noqa: A002
    a, b = tensor_of(input), tensor_of(other)
    if a.data.ndim == 1 and b.data.ndim == 1:
        return result(P.dot(a, b))
    return result(CF.matmul(a, b))


def mm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    return result(CF.matmul(*_pair("mm", input, mat2, (2, 2))))


def bmm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    return result(CF.matmul(*_pair("bmm", input, mat2, (3, 3))))


def mv(input: Any, vec: Any) -> Tensor:  # noqa: A002
    return result(CF.matmul(*_pair("mv", input, vec, (2, 1))))


def dot(input: Any, other: Any) -> Tensor:  # noqa: A002
    return result(P.dot(*_pair("dot", input, other, (1, 1))))


vdot = inner_1d = dot


def inner(input: Any, other: Any) -> Tensor:  # noqa: A002
    a, b = tensor_of(input), tensor_of(other)
    if a.data.ndim == 0 or b.data.ndim == 0:
        return mul(a, b)
    return result(P.tensordot(a, b, ([-1], [-1])))


def outer(input: Any, vec2: Any) -> Tensor:  # noqa: A002
    return result(P.outer(*_pair("outer", input, vec2, (1, 1))))


ger = outer


def _scaled_sum(input: Any, product: Any, beta: Any, alpha: Any) -> Tensor:  # noqa: A002
    """beta * input + alpha * product; integer results take the scalars as integers and bool
    ones as truth values, as PyTorch does."""
    kind = result_type(input, product).kind
    if kind == "b":
        from zerograd.torch.ops_compare import logical_and, logical_or
        return logical_or(logical_and(input, bool(beta)), logical_and(product, bool(alpha)))
    if kind in "iu":
        alpha, beta = int(alpha), int(beta)
    product = product if alpha == 1 else mul(product, alpha)
    if beta == 0:
        return add(mul(tensor_of(input), 0), product)  # beta=0 ignores input (even NaN): a shape
    return add(input if beta == 1 else mul(input, beta), product)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    return _scaled_sum(input, result(CF.sum(bmm(batch1, batch2), 0)), beta, alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)


def einsum(equation: str, *operands: Any) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [tensor_of(x) for x in operands]
    dtype = result_type(*xs)
    return result(P.einsum(equation, *(cast(x, dtype) for x in xs)))


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    return result(P.tensordot(tensor_of(a), tensor_of(b), dims))


def kron(input: Any, other: Any) -> Tensor:  # noqa: A002
    return result(P.kron(tensor_of(input), tensor_of(other)))


def chain_matmul(*matrices: Any) -> Tensor:
    out = tensor_of(matrices[0])
    for m in matrices[1:]:
        out = mm(out, m)
    return out


def multi_dot(tensors: Any) -> Tensor:
    xs = [tensor_of(t) for t in tensors]
    first_vector, last_vector = xs[0].data.ndim == 1, xs[-1].data.ndim == 1
    if first_vector:
        xs[0] = result(CF.reshape(xs[0], (1, -1)))
    if last_vector:
        xs[-1] = result(CF.reshape(xs[-1], (-1, 1)))
    out = xs[0]
    for m in xs[1:]:
        out = result(CF.matmul(out, m))
    shape = out.data.shape[1 if first_vector else 0:]
    shape = shape[:-1] if last_vector else shape
    return result(CF.reshape(out, tuple(shape)))


# --- torch.linalg -------------------------------------------------------------------------------
def inv(A_: Any) -> Tensor:
    return result(L.inv(tensor_of(A_)))


def solve(A_: Any, B: Any, *, left: bool = True) -> Tensor:
    if not left:
        raise NotImplementedError("linalg.solve: left=False is not supported")
    return result(L.solve(tensor_of(A_), tensor_of(B)))


def det(A_: Any) -> Tensor:
    return result(L.det(tensor_of(A_)))


def svdvals(A_: Any, *, driver: Any = None) -> Tensor:
    return result(L.svdvals(tensor_of(A_)))


def _norm_input(x: Any, dtype: Any) -> Tensor:
    x = tensor_of(x)
    return x if dtype is None else cast(x, dtype)


def _dim_tuple(dim: Any) -> Any:
    return (dim,) if isinstance(dim, int) else (tuple(dim) if dim is not None else None)


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    return result(A.vector_norm(_norm_input(x, dtype), ord, _dim_tuple(dim), keepdim))


def matrix_norm(A_: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    return result(L.matrix_norm(_norm_input(A_, dtype), ord, tuple(dim), keepdim))


def norm(A_: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    return result(L.norm(_norm_input(A_, dtype), ord, _dim_tuple(dim), keepdim))
