"""What the three recurrent cells share: argument checks, the placeholder for an absent state, the
gate activations computed as one tanh over all gates, and the gradients of the affine map
z = x W_x + h W_h + b that feeds the gates."""

from __future__ import annotations

import functools
from typing import Any

from zerograd.core import Variable, cuda
from zerograd.core.checks import is_array
from zerograd.nn.functions.linear import linear_gradients

# Stands in for an absent input (no previous state, no bias): its data is None and it needs no
# gradient, so the engine never computes one for it. It is never written to, so one is enough.
ABSENT = Variable(None, requires_grad=False)


def present(x: Any) -> Any:
    return ABSENT if x is None else x


def affine_gradients(gz: Variable, x: Variable, W_x: Variable, h: Variable, W_h: Variable,
                     b: Variable) -> tuple[Any, Any, Any, Any, Any]:
    """(gx, gh, gW_x, gW_h, gb) of z = x W_x + h W_h + b for the gradient gz of z (None for an
    input that needs none; h and W_h are ``ABSENT`` on a first step and get none)."""
    gx, gW_x, gb = linear_gradients(x, W_x, gz, (x.requires_grad, W_x.requires_grad,
                                                 b.requires_grad))
    gh, gW_h, _ = linear_gradients(h, W_h, gz, (h.requires_grad, W_h.requires_grad, False))
    return gx, gh, gW_x, gW_h, gb


def zeros_if_absent(v: Variable | None, shape: tuple[int, ...], like: Any) -> Variable:
    """``v``, or a constant of zeros of ``shape`` (``like``'s dtype and device) where ``v`` is
    None or ``ABSENT``: a second-derivative formula then needs no case for a missing term."""
    if v is not None and v.data is not None:
        return v
    return Variable(cuda.get_array_module(like).zeros(shape, dtype=like.dtype), requires_grad=False)


def add_into(acc: Any, term: Any) -> Any:
    """acc + term, in place when that keeps the promoted dtype (it does unless dtypes are mixed)."""
    if term.dtype == acc.dtype:
        acc += term
        return acc
    return acc + term


def affine(xp: Any, x: Any, W_x: Any, h: Any, W_h: Any, b: Any) -> Any:
    """z = x W_x + h W_h + b on arrays (h and b may be None): a new array the caller may overwrite."""
    z = xp.matmul(x, W_x)
    if h is not None:
        z = add_into(z, xp.matmul(h, W_h))
    if b is not None:
        z = add_into(z, b)
    return z


@functools.lru_cache(maxsize=64)
def gate_constants(xp: Any, dtype: Any, kinds: str, hidden: int) -> tuple[Any, Any, Any, Any]:
    """Per-column constants that turn one tanh over all gates into each gate's activation.

    ``kinds`` names each block of ``hidden`` columns: 's' for sigmoid, 't' for tanh. Because
    sigmoid(z) = 0.5 * tanh(0.5 * z) + 0.5, every gate is a = scale * tanh(scale * z) + shift, and
    its derivative, a(1 - a) for sigmoid and 1 - a^2 for tanh, is (slope - a) * a + offset.
    Returns (scale, shift, slope, offset), each of shape (len(kinds) * hidden,).
    """
    def columns(sigmoid_value: float, tanh_value: float) -> Any:
        values = [sigmoid_value if kind == "s" else tanh_value for kind in kinds]
        return xp.repeat(xp.asarray(values, dtype=dtype), hidden)

    return columns(0.5, 1.0), columns(0.5, 0.0), columns(1.0, 0.0), columns(0.0, 1.0)


def constants_for(z: Any, kinds: str, hidden: int) -> tuple[Any, Any, Any, Any]:
    return gate_constants(cuda.get_array_module(z), z.dtype, kinds, hidden)


def _shape_of(name: str, arg: str, value: Any) -> tuple[int, ...]:
    """The shape of a cell argument, after checking that it holds a floating array (the
    Function's forward must not fail later: its error could only blame the ``ABSENT`` inputs)."""
    array = value.data if isinstance(value, Variable) else value
    if isinstance(value, Variable) and array is None:
        raise ValueError(f"{name}: {arg} has no data (a parameter that is not initialised yet?)")
    if not is_array(array):
        raise TypeError(f"{name}: {arg} must be a Variable or an array, got {type(value).__name__}")
    if array.dtype.kind != "f":
        raise TypeError(f"{name}: {arg} must be a floating array, got dtype {array.dtype}")
    return tuple(array.shape)


def check_cell(name: str, gates: int, x: Any, h: Any, W_x: Any, W_h: Any,
               states: dict[str, Any], biases: dict[str, Any]) -> int:
    """Check the shapes of a cell's arguments against x (N, I) and W_x (I, gates * H); return H.

    ``states`` are (N, H) arrays such as the cell state c, ``biases`` are (gates * H,) arrays; None
    entries (and W_h when h is None) are absent and not checked.
    """
    x_shape = _shape_of(name, "x", x)
    if len(x_shape) != 2:
        raise ValueError(f"{name}: x must be 2-D (batch, in_size), got shape {x_shape}")
    W_x_shape = _shape_of(name, "W_x", W_x)
    if len(W_x_shape) != 2 or W_x_shape[1] % gates or W_x_shape[1] == 0:
        raise ValueError(f"{name}: W_x must have shape (in_size, {gates} * hidden_size), "
                         f"got {W_x_shape}")
    batch, in_size = x_shape
    if W_x_shape[0] != in_size:
        raise ValueError(f"{name}: x of shape {x_shape} does not match W_x of shape {W_x_shape} "
                         f"(in_size {in_size} != {W_x_shape[0]})")
    hidden = W_x_shape[1] // gates
    expected = {"h": (h, (batch, hidden))}
    if h is not None:
        if W_h is None:
            raise ValueError(f"{name}: W_h is required when h is given")
        expected["W_h"] = (W_h, (hidden, gates * hidden))
    expected.update({arg: (value, (batch, hidden)) for arg, value in states.items()})
    expected.update({arg: (value, (gates * hidden,)) for arg, value in biases.items()})
    for arg, (value, shape) in expected.items():
        if value is not None and _shape_of(name, arg, value) != shape:
            raise ValueError(
                f"{name}: {arg} must have shape {shape} to match x {x_shape} and W_x {W_x_shape} "
                f"(hidden_size {hidden}), got {_shape_of(name, arg, value)}"
            )
    return hidden
