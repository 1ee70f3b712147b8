"""module_db graded against real torch: for every ModuleInfo entry and each sample of its
``module_inputs_func`` (in train and in eval mode), the module is built in torch and in
zerograd.torch with the same constructor arguments, torch's weights and buffers are copied in
through ``load_state_dict``, and the outputs, the buffers after the call, and the gradients of
the float inputs and of every parameter (for a fixed random cotangent) are compared.

Verdict per entry: match (every sample, both modes, forward and gradients), forward-only (the
gradients raise), unsupported (zerograd.torch.nn lacks the module, or a sample raises: the
note names it), mismatch (a sample ran and gave other numbers, shapes or dtypes)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from conformance import oracle

RTOL, ATOL = 1e-4, 1e-5
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-4
# Entries whose outputs are random: their values cannot be compared with torch's generator.
RANDOM_MODULES = {"FractionalMaxPool2d": "random pooling regions; not compared",
                  "FractionalMaxPool3d": "random pooling regions; not compared"}


class Mismatch(AssertionError):
    """zerograd ran and gave other numbers, another shape or another dtype than torch."""


class Unsupported(Exception):
    """zerograd raised on a sample (the message says which)."""


class ForwardOnly(Exception):
    """The forward matched but the gradients raised."""


def to_zerograd(value: Any, torch: Any, ztorch: Any) -> Any:
    """A torch value (tensors, dtypes, sizes, nested containers) as zerograd.torch's."""
    return oracle.to_zerograd(value, ztorch)


def _flat(value: Any, torch: Any) -> list[Any]:
    """The tensors in ``value`` (a tensor or nested tuples/lists), in order; None for others."""
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _flat(item, torch)]
    return [value]


def _array(value: Any) -> Any:
    if hasattr(value, "detach"):
        value = value.detach()
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def _compare(what: str, got: Any, expected: Any, rtol: float, atol: float) -> None:
    got, expected = _array(got), _array(expected)
    if got.shape != expected.shape:
        raise Mismatch(f"{what}: shape {got.shape}, torch {expected.shape}")
    if got.dtype != expected.dtype:
        raise Mismatch(f"{what}: dtype {got.dtype}, torch {expected.dtype}")
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.nanmax(np.abs(got.astype(np.float64) - expected)) if got.size else 0.0
        raise Mismatch(f"{what}: values differ (max abs {diff:.3g})")


def _build(info: Any, sample: Any, torch: Any, ztorch: Any, training: bool) -> tuple[Any, Any]:
    """The torch module and zerograd's, with torch's weights and buffers copied in."""
    name = info.module_cls.__name__
    zcls = getattr(ztorch.nn, name)
    args, kwargs = sample.constructor_input.args, sample.constructor_input.kwargs
    torch.manual_seed(0)
    tmodule = info.module_cls(*args, **kwargs)
    if info.is_lazy:  # materialise torch's parameters on a copy, then load them back
        materialised = copy.deepcopy(tmodule)
        with torch.no_grad():
            materialised(*sample.forward_input.args, **sample.forward_input.kwargs)
        tmodule.load_state_dict(materialised.state_dict())
    try:
        zmodule = zcls(*to_zerograd(args, torch, ztorch), **to_zerograd(kwargs, torch, ztorch))
        zmodule.load_state_dict({k: to_zerograd(v, torch, ztorch)
                                 for k, v in tmodule.state_dict().items()})
    except Mismatch:
        raise
    except Exception as err:  # noqa: BLE001 - zerograd refuses this constructor call
        raise Unsupported(f"constructor {_short(err)}") from err
    tmodule.train(training)
    zmodule.train(training)
    return tmodule, zmodule


def run_sample(info: Any, sample: Any, torch: Any, ztorch: Any, training: bool) -> None:
    """Compare one sample in one mode; raises Mismatch, Unsupported or ForwardOnly."""
    tmodule, zmodule = _build(info, sample, torch, ztorch, training)
    targs, tkwargs = sample.forward_input.args, sample.forward_input.kwargs
    zargs, zkwargs = to_zerograd(targs, torch, ztorch), to_zerograd(tkwargs, torch, ztorch)
    tout = tmodule(*targs, **tkwargs)
    try:
        zout = zmodule(*zargs, **zkwargs)
    except Exception as err:  # noqa: BLE001
        raise Unsupported(f"forward {_short(err)}") from err
    touts, zouts = _flat(tout, torch), _flat(zout, ztorch)
    if len(touts) != len(zouts):
        raise Mismatch(f"{len(zouts)} outputs, torch {len(touts)}")
    for i, (z, t) in enumerate(zip(zouts, touts)):
        _compare(f"output {i}", z, t, RTOL, ATOL)
    for key, value in tmodule.state_dict().items():
        _compare(f"buffer {key}", zmodule.state_dict()[key], value, RTOL, ATOL)
    _compare_gradients(tmodule, zmodule, targs, zargs, touts, zouts, torch, ztorch)


def _compare_gradients(tmodule: Any, zmodule: Any, targs: Any, zargs: Any, touts: list[Any],
                       zouts: list[Any], torch: Any, ztorch: Any) -> None:
    rng = np.random.default_rng(0)
    pairs = [(t, z) for t, z in zip(touts, zouts)
             if isinstance(t, torch.Tensor) and t.requires_grad and t.dtype.is_floating_point]
    if not pairs:
        return
    tloss, zloss = 0, 0
    for t, z in pairs:
        cotangent = rng.standard_normal(tuple(t.shape)).astype(np.float32)
        tloss = tloss + (t * torch.tensor(cotangent)).sum()
        zloss = zloss + (z * ztorch.tensor(cotangent)).sum()
    tinputs = [t for t in _flat(targs, torch) if isinstance(t, torch.Tensor) and t.requires_grad]
    zinputs = [z for z in _flat(zargs, ztorch) if getattr(z, "requires_grad", False)]
    tloss.backward()
    try:
        zloss.backward()
    except Exception as err:  # noqa: BLE001
        raise ForwardOnly(f"backward {_short(err)}") from err
    for i, (t, z) in enumerate(zip(tinputs, zinputs)):
        if t.grad is not None:
            if z.grad is None:
                raise Mismatch(f"input {i} has no gradient")
            _compare(f"gradient of input {i}", z.grad, t.grad, GRAD_RTOL, GRAD_ATOL)
    zparams = dict(zmodule.named_parameters())
    for name, t in tmodule.named_parameters():
        if t.grad is not None:
            z = zparams.get(name)
            if z is None or z.grad is None:
                raise Mismatch(f"parameter {name} has no gradient")
            _compare(f"gradient of {name}", z.grad, t.grad, GRAD_RTOL, GRAD_ATOL)


def _short(err: Exception) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {text[:100]}"


def grade(info: Any, torch: Any, ztorch: Any) -> tuple[str, str]:
    """(verdict, note) of one ModuleInfo entry."""
    name = info.module_cls.__name__
    if name in RANDOM_MODULES:
        return "unsupported", RANDOM_MODULES[name]
    if getattr(ztorch.nn, name, None) is None:
        return "unsupported", f"zerograd.torch.nn has no {name}"
    problems: dict[str, list[str]] = {"mismatch": [], "unsupported": [], "forward-only": []}
    count = 0
    for training in (True, False):
        torch.manual_seed(0)  # the samples are drawn from torch's generator: the same each run
        samples = info.module_inputs_func(info, device="cpu", dtype=torch.float32,
                                          requires_grad=True, training=training)
        for sample in samples:
            count += 1
            where = f"{'train' if training else 'eval'} {sample.desc or 'default'}"
            try:
                run_sample(info, sample, torch, ztorch, training)
            except Mismatch as err:
                problems["mismatch"].append(f"{where}: {err}")
            except Unsupported as err:
                problems["unsupported"].append(f"{where}: {err}")
            except ForwardOnly as err:
                problems["forward-only"].append(f"{where}: {err}")
    for verdict in ("mismatch", "unsupported", "forward-only"):
        if problems[verdict]:
            return verdict, "; ".join(problems[verdict][:3]) + (
                f" (+{len(problems[verdict]) - 3} more)" if len(problems[verdict]) > 3 else "")
    return "match", f"{count} samples (train and eval)"


def verdicts() -> list[tuple[str, str, str]]:
    """(entry, verdict, note) for every module_db entry."""
    import warnings

    import torch
    from torch.testing._internal.common_modules import module_db

    import zerograd.torch as ztorch
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for info in module_db:
            try:
                verdict, note = grade(info, torch, ztorch)
            except Exception as err:  # noqa: BLE001 - torch's own sample failed to build
                verdict, note = "unsupported", f"harness: {_short(err)}"
            results.append((f"nn.{info.module_cls.__name__}", verdict, note))
    return results


if __name__ == "__main__":
    import sys
    from collections import Counter
    table = verdicts()
    for row in table:
        if len(sys.argv) < 2 or row[1] in sys.argv[1:]:
            print(*row, sep=" | ")
    print(dict(Counter(verdict for _, verdict, _ in table)))
