"""The op registry both directions share: import rules keyed by ``(domain, op, since_version)``
and resolved with the model's opset (as onnx2torch does), export mappings keyed by the zerograd
Function class, and the small helpers the rules of every op family use.

An import rule is ``run(node, attrs, xs)``: ``attrs`` the node's attributes as a dict, ``xs`` its
inputs (Variables, plain arrays for constants such as shapes and axes, None for an absent
optional input); it returns the list of outputs. An export mapping is ``mapping(e, f, ins, outs)``:
``e`` the Emitter, ``f`` the recorded Function, ``ins`` the ONNX names of its inputs and ``outs``
the names its outputs must get.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

import onnx
from zerograd.core import Variable, cuda

Run = Callable[[Any, dict, list], list]
Mapping = Callable[[Any, Any, list, list], None]

ONNX_DOMAINS = ("", "ai.onnx")
IMPORTS: dict[tuple[str, str, int], Run] = {}
EXPORTS: dict[type, Mapping] = {}


class UnsupportedAttribute(ValueError):
    """An operator whose attributes ask for something zerograd does not compute."""


class UnknownVersion(ValueError):
    """An operator whose version (the model's opset resolved by ONNX's schemas) has no rule."""


def importer(op: str, *versions: int, domain: str = "") -> Callable[[Run], Run]:
    """Register a rule for the listed since_versions of ``op``: the versions whose meaning it
    implements (an opset resolving to any other version is refused, not guessed)."""
    def register(run: Run) -> Run:
        for version in versions:
            IMPORTS[(domain, op, version)] = run
        return run
    return register


def exporter(*function_classes: type) -> Callable[[Mapping], Mapping]:
    def register(mapping: Mapping) -> Mapping:
        for cls in function_classes:
            EXPORTS[cls] = mapping
        return mapping
    return register


def newest_opset() -> int:
    """The newest opset of the default domain that the installed onnx knows."""
    return onnx.defs.onnx_opset_version()


def known_versions(op: str, domain: str = "") -> list[int]:
    return sorted(v for d, o, v in IMPORTS if d == domain and o == op)


@functools.cache
def since_version(op: str, opset: int, domain: str = "") -> int | None:
    """The version of ``op`` in force at ``opset`` (None when ONNX has no such operator then)."""
    try:
        return onnx.defs.get_schema(op, max_inclusive_version=opset, domain=domain).since_version
    except onnx.defs.SchemaError:
        return None


def resolve(op: str, domain: str, opset: int) -> Run:
    """The rule for ``op`` at the model's ``opset``; UnknownVersion names the op, the opset and
    the versions zerograd imports."""
    domain = "" if domain == "ai.onnx" else domain
    known = known_versions(op, domain)
    where = f"{domain}." if domain else ""
    if not known:
        raise UnknownVersion(f"{where}{op} is not an operator zerograd imports")
    if domain == "" and not 1 <= opset <= newest_opset():
        raise UnknownVersion(f"{op}: opset {opset} is not one zerograd knows (1 to "
                             f"{newest_opset()}); {op} is imported in versions {known}")
    version = since_version(op, opset, domain)
    if version is None or (domain, op, version) not in IMPORTS:
        found = "no version" if version is None else f"version {version}"
        raise UnknownVersion(f"{where}{op}: opset {opset} gives {found} of {op}; zerograd imports "
                             f"{op} in versions {known} (each meaning as ONNX defines it)")
    return IMPORTS[(domain, op, version)]


# --- helpers of the import rules -----------------------------------------------------------------
def constant(x: Any) -> np.ndarray:
    """The array of a constant input (a shape, axes, indices), whether a Variable or an array."""
    return cuda.as_numpy(x.data if isinstance(x, Variable) else x)


def data(x: Any) -> Any:
    """The array under a Variable (or the array itself), on its own device."""
    return x.data if isinstance(x, Variable) else x


def ints(x: Any) -> list[int]:
    return [int(v) for v in constant(x).reshape(-1)]


def given(xs: list, at: int) -> bool:
    """Whether optional input ``at`` is present."""
    return len(xs) > at and xs[at] is not None


def axes_of(attrs: dict, xs: list, at: int) -> list[int] | None:
    """Axes given as the attribute (older opsets) or as input ``at`` (newer ones)."""
    if given(xs, at):
        return ints(xs[at])
    return attrs.get("axes")


def require(op: str, condition: bool, what: str) -> None:
    if not condition:
        raise UnsupportedAttribute(f"{op}: {what} is not supported")


def text(value: Any) -> str:
    """A string attribute (bytes in the proto) as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def zeros_like(x: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of x's dtype on x's device (NumPy or CuPy)."""
    array = data(x)
    return cuda.get_array_module(array).zeros(shape, dtype=array.dtype)


def one(fn: Callable[..., Any]) -> Run:
    """An operator that is one zerograd function of its first input."""
    return lambda node, attrs, xs: [fn(xs[0])]


def two(fn: Callable[[Any, Any], Any]) -> Run:
    return lambda node, attrs, xs: [fn(xs[0], xs[1])]


# --- helpers of the export mappings ----------------------------------------------------------------
def dtype_of(f: Any) -> Any:
    return f.inputs[0].dtype


def unary(op: str, **attrs: Any) -> Mapping:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, [ins[0]], outs, **attrs)
    return mapping


def binary(op: str) -> Mapping:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, ins[:2], outs)
    return mapping
