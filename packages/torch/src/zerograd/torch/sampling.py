"""PyTorch's sampling functions that take ``generator=``: ``bernoulli``, ``multinomial``, ``normal``,
``rand_like``, ``randn_like``, ``randint_like``, and the in-place ``bernoulli_``, ``random_``,
``exponential_`` of Tensor.

Draws come from the ``torch.Generator`` given, else from the global source (zerograd.torch.random),
so the same seed gives the same numbers (not PyTorch's numbers: the generators differ).
``normal(mean, std)`` is ``mean + std * noise``, differentiable in both as in PyTorch; the gradient
of ``bernoulli`` with respect to its probabilities is zero, as PyTorch defines it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.core.cuda import as_numpy, get_array_module
from zerograd.torch import random


def _tensor(array: Any, requires_grad: bool = False) -> Any:
    from zerograd.torch.tensor import Tensor  # tensor.py imports this module
    return Tensor(array, requires_grad=requires_grad)


def _result(value: Any) -> Any:
    from zerograd.torch.tensor import as_tensor_result
    return as_tensor_result(value)


def _array(value: Any) -> Any:
    return value.data if isinstance(value, Variable) else np.asarray(value)


def _placed_like(values: np.ndarray, like: Any, dtype: Any) -> Any:
    array = values.astype(like.dtype if dtype is None else np.dtype(dtype))
    return _tensor(get_array_module(_array(like)).asarray(array))


def bernoulli(input: Any, p: Any = None, *, generator: Any = None) -> Any:  # noqa: A002
    """1 with probability ``input`` (or ``p`` when given), else 0, in input's dtype."""
    probs = _array(input) if p is None else np.full(_array(input).shape, p)
    host = as_numpy(probs)
    if host.size and (host.min() < 0 or host.max() > 1):
        raise RuntimeError(f"bernoulli: expected all probabilities in [0, 1], got values in "
                           f"[{host.min()}, {host.max()}]")
    sample = _placed_like(random.random(generator, host.shape) < host, _array(input), None)
    if p is None and isinstance(input, Variable) and input.requires_grad:
        return _result(CF.add(CF.mul(input, 0), sample))  # PyTorch: a zero gradient
    return sample


def multinomial(input: Any, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Any = None) -> Any:
    """``num_samples`` category indices per row of the (unnormalised) weights ``input``."""
    weights = as_numpy(_array(input)).astype(np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {weights.shape}")
    if not replacement and num_samples > weights.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    rng = random.source(generator)
    rows = []
    for row in weights.reshape(-1, weights.shape[-1]):
        total = row.sum()
        if total <= 0 or (not replacement and np.count_nonzero(row) < num_samples):
            raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                               "probabilities <= 0, or fewer non-zero categories than samples "
                               "without replacement)")
        rows.append(rng.choice(row.size, size=num_samples, replace=replacement, p=row / total))
    indices = np.stack(rows).reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64)
    return _tensor(get_array_module(_array(input)).asarray(indices))


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, requires_grad: bool = False) -> Any:
    """``normal(mean, std)`` with a tensor for either (their broadcast shape), or
    ``normal(mean, std, size)`` with two numbers."""
    tensors = [v for v in (mean, std) if isinstance(v, Variable)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with a number for both mean and std, size is required")
        shape = tuple(size)
        from zerograd.torch.promotion import get_default_dtype
        noise = random.normal(generator, shape).astype(dtype or get_default_dtype())
        return _tensor(noise * std + mean, requires_grad)
    if size is not None:
        raise TypeError("normal: size is only accepted with a number for both mean and std")
    if isinstance(std, Variable) and (as_numpy(std.data) < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    shape = np.broadcast_shapes(*(np.shape(_array(v)) for v in (mean, std)))
    like = tensors[0].data
    noise = get_array_module(like).asarray(random.normal(generator, shape).astype(like.dtype))
    return _result(CF.add(CF.mul(std, noise) if isinstance(std, Variable) else
                                   CF.mul(Variable(noise, requires_grad=False), std), mean))


def rand_like(input: Any, *, generator: Any = None, dtype: Any = None, **_: Any) -> Any:  # noqa: A002
    return _placed_like(random.random(generator, _array(input).shape), input, dtype)


def randn_like(input: Any, *, generator: Any = None, dtype: Any = None, **_: Any) -> Any:  # noqa: A002
    return _placed_like(random.normal(generator, _array(input).shape), input, dtype)


def randint_like(input: Any, low: int = 0, high: Any = None, *, generator: Any = None,  # noqa: A002
                 dtype: Any = None, **_: Any) -> Any:
    """``randint_like(x, high)`` or ``randint_like(x, low, high)``: in x's dtype unless given."""
    if high is None:
        low, high = 0, low
    return _placed_like(random.integers(generator, low, high, _array(input).shape), input, dtype)


class SamplingMethods:
    """The sampling methods of Tensor (a mixin without state)."""

    __slots__ = ()

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Any:
        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Any:
        return multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Any:
        probs = np.broadcast_to(as_numpy(_array(p)), self.data.shape)
        return self.copy_(_placed_like(random.random(generator, probs.shape) < probs, self, None))

    def random_(self, from_: int = 0, to: Any = None, *, generator: Any = None) -> Any:
        """Integers in [from, to); ``random_(to)`` is [0, to). Without ``to``, PyTorch's bound for
        floats (2**mantissa bits) and the dtype's maximum for integers."""
        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            dtype = self.data.dtype
            to = 2 ** (np.finfo(dtype).nmant + 1) if dtype.kind == "f" else int(np.iinfo(dtype).max)
        values = random.integers(generator, from_, to, self.data.shape)
        return self.copy_(_placed_like(values, self, None))

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Any:
        values = -np.log1p(-random.random(generator, self.data.shape)) / lambd
        return self.copy_(_placed_like(values, self, None))
