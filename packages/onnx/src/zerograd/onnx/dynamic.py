"""Which sizes of a traced graph follow the dynamic axes, so that the exporter writes them as
graph computations (Shape, Gather, Mul, Concat, Range) instead of the traced numbers.

export() traces the model once as asked and once more per dynamic axis name with that axis one
longer. A size that differs between the traces depends on the axis; it is written as
``c * size_1 * size_2 ...`` of the axes it follows (checked against every trace), the sizes
read from the graph inputs at run time. The Emitter mixes ``DynamicShapes`` in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from onnx import helper

Form = Any  # an int (a fixed size), (c, symbols) for c * prod(symbols), or None (unknown)


@dataclass
class Symbol:
    """A dynamic axis name: read from ``input_name``'s ``axis``; traced with ``base`` and, in
    its own extra trace, ``changed``."""
    input_name: str
    axis: int
    base: int
    changed: int


def resolved(in_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """A reshape target with its -1 filled in."""
    shape = tuple(int(n) for n in shape)
    if -1 not in shape:
        return shape
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    total = int(np.prod(in_shape, dtype=np.int64))
    return tuple((total // known if known else 0) if n == -1 else n for n in shape)


def static_target(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list[int]:
    """Without extra traces: 0 (copy) where the batch axis stays, -1 where it is folded into the
    first axis or lands behind unit axes put in front of it."""
    dims = list(out_shape)
    if not in_shape or not dims:
        return dims
    if dims[0] == in_shape[0]:
        dims[0] = 0
    elif -1 not in dims and in_shape[0] and dims[0] % in_shape[0] == 0:
        dims[0] = -1
    elif -1 not in dims and in_shape[0] != 1 and [n for n in in_shape if n != 1] == \
            [n for n in dims if n != 1]:
        dims[next(i for i, n in enumerate(dims) if n != 1)] = -1
    return dims


class DynamicShapes:
    """The Emitter's part that writes sizes depending on the dynamic axes."""

    symbols: list[Symbol]
    partners: dict[int, list[Any]]  # id(Function) -> the same Function in each extra trace

    def variants(self, f: Any) -> list[Any]:
        """f's counterparts in the extra traces (empty when there are none)."""
        return self.partners.get(id(f), [])

    def forms(self, base: tuple[int, ...], others: list[tuple[int, ...]]) -> list[Form]:
        result = []
        for i, size in enumerate(base):
            follows = [k for k, shape in enumerate(others) if shape[i] != size]
            if not follows:
                result.append(int(size))
                continue
            product = int(np.prod([self.symbols[k].base for k in follows]))
            c, remainder = divmod(int(size), product)
            fits = not remainder and all(
                others[k][i] == c * product // self.symbols[k].base * self.symbols[k].changed
                for k in follows)
            result.append((c, tuple(follows)) if fits else None)
        return result

    def _symbol(self, k: int) -> str:
        cache = self.__dict__.setdefault("_symbol_nodes", {})
        if k not in cache:
            s = self.symbols[k]
            cache[k] = self.node("Gather", [self.node("Shape", [s.input_name]), self.ints([s.axis])],
                                 axis=0)
        return cache[k]

    def size(self, form: Form) -> str:
        """A 1-element int64 tensor holding the size ``form`` at run time."""
        c, follows = form
        value = self._symbol(follows[0])
        for k in follows[1:]:
            value = self.node("Mul", [value, self._symbol(k)])
        return value if c == 1 else self.node("Mul", [value, self.ints([c])])

    def _target(self, parts: list[Any]) -> str:
        """parts: ints and forms; a constant when every part is an int."""
        if all(isinstance(p, int) for p in parts):
            return self.ints(parts)
        pieces = [self.ints([p]) if isinstance(p, int) else self.size(p) for p in parts]
        return self.node("Concat", pieces, axis=0)

    def shape_target(self, f: Any, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> str:
        """Reshape's shape input for f (a Reshape of in_shape to out_shape)."""
        out_shape = resolved(in_shape, out_shape)
        others = self.variants(f)
        if not others:
            return self.ints(static_target(in_shape, out_shape))
        outs = [resolved(g.inputs[0].shape, g.shape) for g in others]
        ins = [g.inputs[0].shape for g in others]
        parts: list[Any] = []
        for i, form in enumerate(self.forms(out_shape, outs)):
            copies = i < len(in_shape) and out_shape[i] == in_shape[i] and \
                all(o[i] == s[i] for o, s in zip(outs, ins) if i < len(s))
            parts.append(0 if copies and not isinstance(form, int) else form)
        loose = [i for i, p in enumerate(parts) if not isinstance(p, int)]
        if len(loose) <= 1 or sum(parts[i] is None for i in loose) == 1:
            fill = next((i for i in loose if parts[i] is None), loose[0] if loose else None)
            if fill is not None:
                parts[fill] = -1
        if any(p is None for p in parts):
            raise NotImplementedError(f"Reshape: the target {out_shape} has several sizes that "
                                      "follow the dynamic axes in no product form")
        return self._target(parts)

    def expand_target(self, f: Any, x_shape: tuple[int, ...], shape: tuple[int, ...]) -> str:
        """Expand's shape input: 1 wherever x already has the size (Expand broadcasts both
        ways), else the size, computed when it follows a dynamic axis."""
        x_shape = (1,) * (len(shape) - len(x_shape)) + tuple(x_shape)
        others = self.variants(f)
        if not others:
            return self.ints([1 if a == b else b for a, b in zip(x_shape, shape)])
        x_others = [(1,) * (len(shape) - g.inputs[0].ndim) + tuple(g.inputs[0].shape) for g in others]
        parts = []
        for i, form in enumerate(self.forms(tuple(shape), [tuple(g.shape) for g in others])):
            same = x_shape[i] == shape[i] and all(xo[i] == g.shape[i] for xo, g in zip(x_others, others))
            if same:
                parts.append(1)
            elif form is None:
                raise NotImplementedError(f"Expand: the size {shape[i]} of axis {i} follows the "
                                          "dynamic axes in no product form")
            else:
                parts.append(form)
        return self._target(parts)

    def dynamic_literal(self, array: np.ndarray, others: list[np.ndarray], hint: str) -> str | None:
        """A constant whose shape follows the dynamic axes, written as a computation: Expand of
        its first slice when it repeats along those axes, Range when it is arange(n). None when
        its shape is the same in every trace and so are its values; a small integral one whose
        values follow the axes (a shape read from the input) is computed from them."""
        if all(o.shape == array.shape for o in others):
            if all(np.array_equal(o, array) for o in others):
                return None
            return self._dynamic_values(array, others, hint)
        if any(o.ndim != array.ndim for o in others):
            raise NotImplementedError(f"a constant of shape {array.shape} ({hint}) changes rank "
                                      "with the dynamic axes")
        forms = self.forms(array.shape, [o.shape for o in others])
        if any(form is None for form in forms):
            raise NotImplementedError(f"a constant of shape {array.shape} ({hint}) has a size that "
                                      "follows the dynamic axes in no product form")
        moving = [i for i, form in enumerate(forms) if not isinstance(form, int)]
        if array.ndim == 1 and array.dtype.kind in "iu" and \
                all(np.array_equal(a, np.arange(a.size)) for a in [array, *others]):
            size = self.squeeze(self.size(forms[0]), [0])
            zero, one = self.constant(0, array.dtype), self.constant(1, array.dtype)
            return self.node("Range", [zero, self.node("Cast", [size], to=_onnx_type(array.dtype)), one])
        first = array[tuple(slice(0, 1) if i in moving else slice(None) for i in range(array.ndim))]
        if all(np.array_equal(a, np.broadcast_to(first, a.shape)) for a in [array, *others]):
            return self.node("Expand", [self.literal(first, hint), self._target(forms)])
        raise NotImplementedError(f"a constant of shape {array.shape} ({hint}) is built from the "
                                  "size of a dynamic axis; export with that axis fixed "
                                  "(dynamic_axes) or build it from the input inside a Function")

    def _dynamic_values(self, array: np.ndarray, others: list[np.ndarray], hint: str) -> str:
        """A scalar or 1-D constant whose integral values are sizes of the dynamic axes (times
        a constant): Concat of those sizes and the fixed values, cast to its dtype."""
        flat = [np.asarray(a).reshape(-1) for a in [array, *others]]
        integral = array.ndim <= 1 and array.dtype.kind in "iuf" and \
            all(np.array_equal(a, np.round(a)) for a in flat)
        forms = self.forms(tuple(int(v) for v in flat[0]), [tuple(int(v) for v in a) for a in flat[1:]]) \
            if integral else [None]
        if any(form is None for form in forms):
            raise NotImplementedError(f"a constant {hint} of shape {array.shape} has values that follow "
                                      "the dynamic axes in no product form; export with that axis "
                                      "fixed (dynamic_axes) or compute it inside a Function")
        value = self._target(forms)
        if array.ndim == 0:
            value = self.squeeze(value, [0])
        return value if array.dtype == np.int64 else self.node("Cast", [value], to=_onnx_type(array.dtype))


def _onnx_type(dtype: Any) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
