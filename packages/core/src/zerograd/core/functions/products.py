"""Products beyond matmul: dot, outer, einsum, tensordot, kron.

einsum is one Function whose backward is einsum again (each operand's gradient contracts the
output gradient with the other operands), so it differentiates any number of times.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.matmul import matmul
from zerograd.core.functions.shape import broadcast_to, reshape, transpose
from zerograd.core.variable import Variable, as_variable


def _parse(equation: str, n: int) -> tuple[list[str], str]:
    """Operand subscripts and output subscripts (implicit output: sorted letters seen once)."""
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError("einsum: the ellipsis '...' is not supported")
    lhs, arrow, out = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != n:
        raise ValueError(f"einsum: the equation names {len(terms)} operands, {n} given")
    if not arrow:
        letters = "".join(terms)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return terms, out


_PATHS: dict[tuple[Any, ...], Any] = {}


def _path(equation: str, xs: tuple[Any, ...]) -> Any:
    """A contraction order (pairwise, through BLAS where it can), found once per equation and
    shapes: searching it costs more than a small contraction."""
    key = (equation, *(x.shape for x in xs))
    path = _PATHS.get(key)
    if path is None:
        path = _PATHS[key] = np.einsum_path(equation, *xs, optimize="greedy")[0]
        if len(_PATHS) > 256:  # bounded: forget the oldest shapes
            del _PATHS[next(iter(_PATHS))]
    return path


class Einsum(Function):
    __slots__ = ("terms", "out")

    def __init__(self, terms: list[str], out: str) -> None:
        self.terms, self.out = terms, out

    def forward(self, *xs: Any) -> Any:
        xp = get_array_module(xs[0])
        equation = ",".join(self.terms) + "->" + self.out
        if len(xs) == 1:
            return xp.asarray(xp.einsum(equation, xs[0]))
        if xp is not np:
            return xp.asarray(xp.einsum(equation, *xs, optimize=True))
        return xp.asarray(xp.einsum(equation, *xs, optimize=_path(equation, xs)))

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        grads = []
        for i, x in enumerate(self.inputs):
            if not x.requires_grad:
                grads.append(None)
                continue
            term = self.terms[i]
            if len(set(term)) != len(term):
                raise NotImplementedError(f"einsum: the gradient of an operand with a repeated "
                                          f"subscript ({term!r}) is not supported")
            others = [t for j, t in enumerate(self.terms) if j != i]
            operands = [v for j, v in enumerate(self.inputs) if j != i]
            # letters of x that appear nowhere else were summed away: broadcast back
            present = set(self.out).union(*others) if others else set(self.out)
            kept = "".join(c for c in term if c in present)
            g = einsum(",".join([self.out, *others]) + "->" + kept, gy, *operands)
            if kept != term:
                sizes = dict(zip(term, x.shape))
                shape = [sizes[c] if c in kept else 1 for c in term]
                g = broadcast_to(reshape(g, tuple(shape)), x.shape)
            grads.append(g)
        return tuple(grads)


def einsum(equation: str, *operands: Any) -> Variable:
    """numpy.einsum with a gradient for each operand (no ellipsis)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, out = _parse(equation, len(operands))
    variables = [as_variable(v) for v in operands]
    for term, v in zip(terms, variables):
        if len(term) != v.ndim:
            raise ValueError(f"einsum: subscripts {term!r} name {len(term)} dimensions of an "
                             f"operand of shape {v.shape}")
    return Einsum(terms, out)(*variables)


def dot(a: Any, b: Any) -> Variable:
    """The inner product of two vectors."""
    a, b = as_variable(a), as_variable(b)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"dot: expects two 1-d inputs of one size, got {a.shape} and {b.shape}")
    return einsum("i,i->", a, b)


def outer(a: Any, b: Any) -> Variable:
    """The outer product of two vectors."""
    a, b = as_variable(a), as_variable(b)
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def tensordot(a: Any, b: Any, dims: Any = 2) -> Variable:
    """numpy.tensordot: contract the last ``dims`` axes of a with the first of b, or the axes
    listed in ``dims = (axes_a, axes_b)``."""
    a, b = as_variable(a), as_variable(b)
    if isinstance(dims, int):
        axes_a = list(range(a.ndim - dims, a.ndim))
        axes_b = list(range(dims))
    else:
        axes_a, axes_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    axes_a = [d % a.ndim for d in axes_a]
    axes_b = [d % b.ndim for d in axes_b]
    free_a = [d for d in range(a.ndim) if d not in axes_a]
    free_b = [d for d in range(b.ndim) if d not in axes_b]
    size = 1
    for d in axes_a:
        size *= a.shape[d]
    left = reshape(transpose(a, tuple(free_a + axes_a)), (-1, size))
    right = reshape(transpose(b, tuple(axes_b + free_b)), (size, -1))
    shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return reshape(matmul(left, right), shape)


def kron(a: Any, b: Any) -> Variable:
    """The Kronecker product (numpy.kron)."""
    a, b = as_variable(a), as_variable(b)
    n = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (n - a.ndim) + a.shape)
    b = reshape(b, (1,) * (n - b.ndim) + b.shape)
    # interleave: a's axis i at 2i, b's at 2i+1, then merge the pairs
    a_shape = tuple(s for d in a.shape for s in (d, 1))
    b_shape = tuple(s for d in b.shape for s in (1, d))
    product = reshape(a, a_shape) * reshape(b, b_shape)
    return reshape(product, tuple(p * q for p, q in zip(a.shape, b.shape)))
