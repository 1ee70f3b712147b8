"""What the op_db harness needs around one sample: converting torch values to zerograd's,
comparing results, and the entries compared by shape only or skipped (with the reason)."""

from __future__ import annotations

from typing import Any

import numpy as np

# Forward tolerances for float32 (PyTorch's own assert_close default is rtol 1.3e-6, atol 1e-5;
# zerograd sums in another order, so the relative one is looser) and for gradients.
RTOL, ATOL = 1e-4, 1e-5
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-4

# Random entries: their values cannot be compared with PyTorch's generator.
RANDOM_OPS = {name: "values come from another generator; not compared" for name in """
    bernoulli cauchy exponential geometric log_normal normal uniform multinomial rand_like
    randn_like randint_like randn randint nn.functional.dropout nn.functional.dropout2d
    nn.functional.dropout3d nn.functional.alpha_dropout nn.functional.feature_alpha_dropout
    nn.functional.rrelu nn.functional.fractional_max_pool2d nn.functional.fractional_max_pool3d
    svd_lowrank pca_lowrank""".split()}
# Entries whose values are undefined (uninitialised memory): shape and dtype are compared.
SHAPE_ONLY_OPS = frozenset("empty empty_like new_empty new_empty_strided empty_strided "
                           "empty_permuted".split())


class Mismatch(AssertionError):
    """zerograd ran and gave other numbers, another shape or another dtype than torch."""


def resolve(root: Any, dotted: str) -> Any:
    """``root.a.b.c`` or None (zerograd.torch's module __getattr__ raises AttributeError)."""
    value = root
    for part in dotted.split("."):
        try:
            value = getattr(value, part)
        except (AttributeError, ImportError):
            return None
    return value


def to_zerograd(value: Any, ztorch: Any) -> Any:
    """A torch value (tensors, dtypes, sizes, nested containers) as zerograd.torch's."""
    import torch
    if isinstance(value, torch.Tensor):
        array = value.detach().cpu().numpy().copy()
        result = ztorch.tensor(array, dtype=array.dtype)
        if value.requires_grad:
            result.requires_grad_(True)
        return result
    if isinstance(value, torch.dtype):
        return getattr(ztorch, str(value).split(".")[1])
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(to_zerograd(v, ztorch) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(to_zerograd(v, ztorch) for v in value)
    if isinstance(value, dict):
        return {k: to_zerograd(v, ztorch) for k, v in value.items()}
    return value


def _as_array(value: Any, ztorch: Any, what: str) -> np.ndarray:
    import torch
    if isinstance(value, torch.Tensor):
        raise Mismatch(f"{what}: the op returned a real torch.Tensor (it called real torch)")
    if isinstance(value, ztorch.Tensor):
        return np.asarray(value.detach().numpy())
    raise Mismatch(f"{what}: expected a tensor, got {type(value).__name__}")


def compare_outputs(expected: Any, got: Any, ztorch: Any, *, shape_only: bool = False,
                    what: str = "forward", grad: bool = False) -> None:
    """Raise Mismatch unless ``got`` has ``expected``'s structure, shapes, dtypes and values."""
    import torch
    if isinstance(expected, torch.Tensor):
        _compare_tensor(expected, _as_array(got, ztorch, what), shape_only, what, grad)
    elif isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            raise Mismatch(f"{what}: expected a sequence of {len(expected)}, got {_kind(got)}")
        for index, (e, g) in enumerate(zip(expected, got)):
            compare_outputs(e, g, ztorch, shape_only=shape_only, what=f"{what}[{index}]",
                            grad=grad)
    elif isinstance(expected, (bool, int, float)):
        if isinstance(got, ztorch.Tensor) or type(got) is not type(expected):
            raise Mismatch(f"{what}: expected {type(expected).__name__} {expected!r}, "
                           f"got {_kind(got)}")
        if not np.isclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True):
            raise Mismatch(f"{what}: expected {expected!r}, got {got!r}")
    elif isinstance(expected, torch.Size):
        if tuple(got) != tuple(expected):
            raise Mismatch(f"{what}: expected {tuple(expected)}, got {got!r}")
    elif expected is None:
        if got is not None:
            raise Mismatch(f"{what}: expected None, got {_kind(got)}")
    else:
        raise Mismatch(f"{what}: cannot compare a {type(expected).__name__}")


def _kind(value: Any) -> str:
    return f"{type(value).__name__} of length {len(value)}" \
        if isinstance(value, (list, tuple)) else type(value).__name__


def _compare_tensor(expected: Any, got: np.ndarray, shape_only: bool, what: str,
                    grad: bool) -> None:
    if expected.layout != __import__("torch").strided:
        raise Mismatch(f"{what}: a {expected.layout} result cannot be compared")
    if expected._is_zerotensor():  # an efficient zero gradient has no storage to read
        want = np.zeros(tuple(expected.shape), dtype=str(expected.dtype).split(".")[1])
    else:
        want = expected.detach().cpu().resolve_conj().resolve_neg().numpy()
    if tuple(got.shape) != tuple(want.shape):
        raise Mismatch(f"{what}: shape {tuple(got.shape)}, torch {tuple(want.shape)}")
    if got.dtype != want.dtype:
        raise Mismatch(f"{what}: dtype {got.dtype}, torch {want.dtype}")
    if shape_only:
        return
    if want.dtype.kind in "fc":
        rtol, atol = (GRAD_RTOL, GRAD_ATOL) if grad else (RTOL, ATOL)
        if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            with np.errstate(all="ignore"):
                worst = np.nanmax(np.abs(got.astype(np.float64) - want))
            raise Mismatch(f"{what}: values differ (largest difference {worst:.3g})")
    elif not np.array_equal(got, want):
        raise Mismatch(f"{what}: values differ")


def differentiable_outputs(value: Any, module: Any) -> list[Any]:
    """The floating tensors of an output (a tensor, or a sequence of them) that need a gradient."""
    items = value if isinstance(value, (list, tuple)) else [value]
    found = []
    for item in items:
        if isinstance(item, (list, tuple)):
            found.extend(differentiable_outputs(item, module))
        elif isinstance(item, module.Tensor) and item.requires_grad \
                and np.dtype(str(item.dtype).split(".")[-1]).kind == "f":
            found.append(item)
    return found
