"""torch.scatter_reduce beyond 'sum': 'mean', 'amax', 'amin' and 'prod', with and without the
input's own values (``include_self``), and PyTorch's gradients.

sum and mean are compositions of differentiable Functions (a flat scatter of src, a division by
the count), so their gradients are PyTorch's: the mean's gradient is the output gradient divided
by the count, for self and for each src element. amax/amin share the gradient evenly among every
element equal to the result (self included where it took part), as PyTorch does. prod's gradient
is result / element, which PyTorch extends to zero elements by exclusive products; that case is
refused by name rather than answered with a division by zero.
"""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.indexing import (
    _check_range,
    _index_array,
    _positions_along,
    scatter_flat,
)
from zerograd.core.functions.selection import where
from zerograd.core.functions.shape import get_item, reshape
from zerograd.core.variable import Variable, as_variable

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _identity(dtype: Any, largest: bool, xp: Any) -> Any:
    """The value max (min) leaves unchanged: -inf (inf), or the integer type's bound."""
    if dtype.kind == "f":
        return -xp.inf if largest else xp.inf
    if dtype.kind == "b":
        return not largest
    return xp.iinfo(dtype).min if largest else xp.iinfo(dtype).max


def _counts(positions: Any, size: int, xp: Any) -> Any:
    return xp.bincount(positions, minlength=size)


class ScatterExtreme(Function):
    """y = x with, at each scattered position, the max (min) of src's elements sent there and,
    with ``include_self``, x's own."""

    __slots__ = ("positions", "largest", "include_self")

    def __init__(self, positions: Any, largest: bool, include_self: bool) -> None:
        self.positions, self.largest, self.include_self = positions, largest, include_self

    def forward(self, x: Any, src: Any) -> Any:
        xp = get_array_module(x)
        flat = x.reshape(-1).copy()
        hit = _counts(self.positions, flat.size, xp) > 0
        if not self.include_self:  # scattered positions start from the reduction's identity
            flat[hit] = _identity(x.dtype, self.largest, xp)
        ufunc = xp.maximum if self.largest else xp.minimum
        ufunc.at(flat, self.positions, src.reshape(-1))
        return flat.reshape(x.shape)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x, src = self.inputs
        xp = get_array_module(gy.data)
        y = self.outputs[0]().data.reshape(-1)
        hit = _counts(self.positions, y.size, xp) > 0
        own = (x.data.reshape(-1) == y) & (~hit | self.include_self)
        theirs = src.data.reshape(-1) == y[self.positions]
        ties = own.astype(gy.dtype) + xp.bincount(self.positions, weights=theirs,
                                                  minlength=y.size).astype(gy.dtype)
        share = reshape(gy, (-1,)) / xp.maximum(ties, 1)
        gx = reshape(share * own.astype(gy.dtype), x.shape) if x.requires_grad else None
        gsrc = reshape(get_item(share, self.positions) * theirs.astype(gy.dtype), src.shape) \
            if src.requires_grad else None
        return gx, gsrc


def scatter_reduce(x: Any, axis: int, index: Any, src: Any, reduce: str,
                   include_self: bool = True) -> Variable:
    """torch.scatter_reduce: x with src's elements reduced (``reduce``) into the positions that
    ``index`` names along ``axis``; ``include_self`` counts x's own values there too."""
    if reduce not in REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {REDUCTIONS}, got {reduce!r}")
    x, src = as_variable(x), as_variable(src)
    index = _index_array("scatter_reduce", index, x)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        return reshape(scatter_reduce(reshape(x, (1,)), 0, index.reshape(-1),
                                      reshape(src, (-1,)), reduce, include_self), ())
    from zerograd.core.checks import normalize_axis
    axis = normalize_axis("scatter_reduce", axis, x.ndim)
    _check_range("scatter_reduce", index, x.shape[axis])
    crop = tuple(slice(0, n) for n in index.shape)
    src = src if src.shape == index.shape else src[crop]
    positions = _positions_along(index, axis, x.shape, xp).reshape(-1)
    src_flat = reshape(src, (-1,))
    if reduce in ("amax", "amin"):
        return ScatterExtreme(positions, reduce == "amax", include_self)(x, src_flat)
    hit = (_counts(positions, x.data.size, xp) > 0).reshape(x.shape)
    base = x if include_self else where(hit, xp.zeros((), dtype=x.dtype), x)
    if reduce == "sum":
        return base + scatter_flat(src_flat, positions, x.shape)
    if reduce == "mean":
        count = _counts(positions, x.data.size, xp).reshape(x.shape) + (1 if include_self else 0)
        count = xp.maximum(count, 1).astype(x.dtype)
        total = base + scatter_flat(src_flat, positions, x.shape)
        if x.dtype.kind in "iu":  # PyTorch divides integers rounding down
            return as_variable(xp.floor_divide(total.data, count))
        return total / count
    return _scatter_prod(x, src_flat, positions, hit, include_self, xp)


def _scatter_prod(x: Variable, src: Variable, positions: Any, hit: Any, include_self: bool,
                  xp: Any) -> Variable:
    if (x.requires_grad or src.requires_grad) and ((x.data == 0).any() or (src.data == 0).any()):
        raise NotImplementedError("scatter_reduce: the gradient of reduce='prod' over zero "
                                  "elements is not supported")
    return _ScatterProd(positions, include_self, hit)(x, src)


class _ScatterProd(Function):
    """y = x (where included, else 1) times the src elements scattered to each position; the
    gradient is y / element (no zero elements: refused above)."""

    __slots__ = ("positions", "include_self", "hit")

    def __init__(self, positions: Any, include_self: bool, hit: Any) -> None:
        self.positions, self.include_self, self.hit = positions, include_self, hit

    def forward(self, x: Any, src: Any) -> Any:
        xp = get_array_module(x)
        flat = x.reshape(-1).copy()
        if not self.include_self:
            flat[self.hit.reshape(-1)] = 1
        xp.multiply.at(flat, self.positions, src)
        return flat.reshape(x.shape)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x, src = self.inputs
        y = self.outputs[0]()
        g = gy * y
        xp = get_array_module(gy.data)
        own = ~self.hit | self.include_self
        gx = where(own, g / x, xp.zeros((), dtype=gy.dtype)) if x.requires_grad else None
        gsrc = get_item(reshape(g, (-1,)), self.positions) / src if src.requires_grad else None
        return gx, gsrc
