"""TensorMethods: the Tensor methods that are torch functions with ``self`` as the input
(``x.gather(1, i)`` is ``torch.gather(x, 1, i)``), and the operators ``& | ^ ~ % // << >>``.

A mixin that Tensor inherits: it holds no state and no math, only the mapping from method to
facade function, so every method has its function's promotion and errors. A method that Tensor
defines itself (shape, reduction and autograd methods in tensor.py) is not repeated here.
"""

from __future__ import annotations

import importlib
from typing import Any

from zerograd.torch import dtypes

# The functions that are also methods, by facade module (imported at the first call: those
# modules import tensor.py, which imports this one).
_METHODS = {
    "ops_math": """exp log sqrt sin cos tanh tan asin acos atan sinh cosh asinh acosh atanh exp2
        expm1 log2 log10 log1p reciprocal rsqrt sigmoid deg2rad rad2deg sinc erf erfc erfinv abs
        neg square sign
        floor ceil trunc frac positive arcsin arccos arctan arcsinh arccosh arctanh negative
        absolute fix sgn round add sub mul div true_divide divide multiply subtract floor_divide
        float_power atan2 arctan2 hypot logaddexp logaddexp2 xlogy copysign fmod remainder
        maximum minimum fmax fmin lerp addcmul addcdiv clip clamp_min clamp_max nan_to_num
        logit""",
    "ops_compare": """eq ne lt le gt ge greater greater_equal less less_equal not_equal isclose
        allclose equal isnan isinf isfinite isposinf isneginf signbit isreal logical_and
        logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not
        bitwise_left_shift bitwise_right_shift""",
    "ops_reduce": """nansum nanmean prod var std aminmax logsumexp norm cumsum cumprod
        logcumsumexp all any count_nonzero median sort argsort msort topk kthvalue""",
    "ops_index": """gather take_along_dim take index_select masked_select masked_fill scatter
        scatter_add scatter_reduce index_add index_copy index_fill nonzero argwhere""",
    "ops_shape": """split tensor_split chunk unbind narrow tril triu roll flip fliplr flipud rot90
        tile repeat_interleave movedim moveaxis swapdims adjoint broadcast_to unflatten
        diag diagonal diag_embed ravel""",
    "ops_products": """mm bmm mv dot vdot inner outer ger addmm addmv addbmm baddbmm addr kron
        det""",
    "ops_extra": """log_softmax softmax conj conj_physical resolve_conj resolve_neg angle heaviside
        gcd lcm bincount histc unique unique_consecutive diff cross trace cov corrcoef dist
        quantile nanquantile matrix_power logdet slogdet cummax cummin nanmedian unfold hsplit
        vsplit dsplit split_with_sizes unsafe_split unsafe_chunk select sum_to_size renorm""",
}


def _ops(module: str) -> Any:
    return importlib.import_module("zerograd.torch." + module)


def _as_method(module: str, name: str) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(_ops(module), name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``x.{name}(...)`` is ``torch.{name}(x, ...)``."
    return method


def _sizes(sizes: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        return tuple(sizes[0])
    return sizes


class TensorMethods:
    """Methods of zerograd.torch.Tensor that map to torch functions (see the module doc)."""

    __slots__ = ()

    def repeat(self, *sizes: Any) -> Any:
        """Tile the tensor ``sizes`` times along each dimension (PyTorch's repeat, not NumPy's)."""
        from zerograd.core.functions import rearrange
        from zerograd.torch.ops_common import result
        return result(rearrange.repeat(self, _sizes(sizes)))

    def where(self, condition: Any, other: Any) -> Any:
        return _ops("ops_index").where(condition, self, other)

    def inverse(self) -> Any:
        return _ops("ops_products").inv(self)

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self.data.dtype.kind == "c"

    def new_zeros(self, *size: Any, dtype: Any = None, **_: Any) -> Any:
        from zerograd.torch.creation import zeros
        return zeros(*_sizes(size), dtype=dtype or self.data.dtype)

    def new_ones(self, *size: Any, dtype: Any = None, **_: Any) -> Any:
        from zerograd.torch.creation import ones
        return ones(*_sizes(size), dtype=dtype or self.data.dtype)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, **_: Any) -> Any:
        from zerograd.torch.creation import full
        return full(size, fill_value, dtype=dtype or self.data.dtype)

    def new_empty(self, *size: Any, dtype: Any = None, **_: Any) -> Any:
        from zerograd.torch.creation import empty
        return empty(*_sizes(size), dtype=dtype or self.data.dtype)

    @property
    def H(self) -> Any:  # noqa: N802
        if self.data.ndim > 2:
            raise RuntimeError(f"Tensor.H: expects a tensor of at most 2 dimensions, got {self.data.ndim}")
        return _ops("ops_shape").permute(self, tuple(range(self.data.ndim))[::-1])

    @property
    def real(self) -> Any:
        return _ops("ops_extra").real(self)

    def half(self) -> Any:
        return self.to(dtypes.float16)

    def short(self) -> Any:
        return self.to(dtypes.int16)

    def char(self) -> Any:
        return self.to(dtypes.int8)

    def byte(self) -> Any:
        return self.to(dtypes.uint8)

    def __and__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_and(self, other)

    def __or__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_or(self, other)

    def __xor__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_xor(self, other)

    def __rand__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_and(other, self)

    def __ror__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_or(other, self)

    def __rxor__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_xor(other, self)

    def __invert__(self) -> Any:
        return _ops("ops_compare").bitwise_not(self)

    def __lshift__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_left_shift(self, other)

    def __rshift__(self, other: Any) -> Any:
        return _ops("ops_compare").bitwise_right_shift(self, other)

    def __mod__(self, other: Any) -> Any:
        return _ops("ops_math").remainder(self, other)

    def __rmod__(self, other: Any) -> Any:
        return _ops("ops_math").remainder(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _ops("ops_math").floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return _ops("ops_math").floor_divide(other, self)

    def __abs__(self) -> Any:
        return _ops("ops_math").abs(self)


for _module, _names in _METHODS.items():
    for _name in _names.split():
        setattr(TensorMethods, _name, _as_method(_module, _name))
