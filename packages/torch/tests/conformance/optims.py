"""optim_db graded against real torch: for every OptimizerInfo entry and each of its option sets
(``optim_inputs_func``), the same parameters and gradients go through a few steps of
torch.optim and of zerograd.torch.optim, and the parameters are compared after every step.
Entries that zerograd.torch.optim does not offer are "unsupported"; an option set that raises
is listed as unsupported; one that runs and gives other numbers is a mismatch. Each option set
also runs with ``foreach=True`` and, where torch fuses on the CPU, ``fused=True``."""

from __future__ import annotations

from typing import Any

import numpy as np

RTOL, ATOL = 1e-5, 1e-6
STEPS = 4
# Shapes of the parameters: a matrix (Adafactor factors it), a vector, a 3-d array and a scalar.
SHAPES = ((3, 4), (4,), (2, 3, 2), ())


def _option_sets(info: Any, torch: Any) -> list[tuple[str, dict[str, Any]]]:
    """(description, constructor keywords) of the entry's option sets on the CPU, float32."""
    try:
        inputs = info.optim_inputs_func(device="cpu", dtype=torch.float32)
    except TypeError:
        inputs = info.optim_inputs_func(device="cpu")
    sets = []
    for optim_input in inputs:
        kwargs = dict(optim_input.kwargs)
        sets.append((optim_input.desc, kwargs))
        if "foreach" in info.supported_impls:
            sets.append((optim_input.desc + " (foreach)", {**kwargs, "foreach": True}))
        if "fused" in info.supported_impls and "cpu" in getattr(info, "supports_fused_on", ()):
            if not isinstance(kwargs.get("lr"), torch.Tensor):
                sets.append((optim_input.desc + " (fused)", {**kwargs, "fused": True}))
    return sets


def _as_zerograd(value: Any, torch: Any, ztorch: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return ztorch.tensor(value.detach().numpy().copy())
    if isinstance(value, tuple):
        return tuple(_as_zerograd(v, torch, ztorch) for v in value)
    if isinstance(value, dict):
        return {key: _as_zerograd(item, torch, ztorch) for key, item in value.items()}
    return value


def run_both(name: str, kwargs: dict[str, Any], torch: Any, ztorch: Any,
             steps: int = STEPS, seed: int = 0) -> None:
    """Step torch.optim.<name> and zerograd.torch.optim.<name> on the same parameters and
    gradients; raises AssertionError (with the step and parameter) at the first difference."""
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(shape).astype(np.float32) for shape in SHAPES]
    grads = [[rng.standard_normal(shape).astype(np.float32) for shape in SHAPES]
             for _ in range(steps)]
    tparams = [torch.nn.Parameter(torch.tensor(a)) for a in start]
    zparams = [ztorch.nn.Parameter(ztorch.tensor(a.copy())) for a in start]
    topt = getattr(torch.optim, name)(tparams, **kwargs)
    zopt = getattr(ztorch.optim, name)(zparams, **_as_zerograd(kwargs, torch, ztorch))
    for step in range(steps):
        for tp, zp, g in zip(tparams, zparams, grads[step]):
            tp.grad = torch.tensor(g)
            zp.grad = ztorch.tensor(g.copy())
        topt.step()
        zopt.step()
        for i, (tp, zp) in enumerate(zip(tparams, zparams)):
            expected, got = tp.detach().numpy(), np.asarray(zp.data)
            if got.dtype != expected.dtype or got.shape != expected.shape:
                raise AssertionError(f"step {step + 1}, parameter {i}: {got.dtype}{got.shape} "
                                     f"against torch's {expected.dtype}{expected.shape}")
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL,
                                       err_msg=f"step {step + 1}, parameter {i}")


def grade(info: Any, torch: Any, ztorch: Any) -> tuple[str, str]:
    """(verdict, note) of one OptimizerInfo entry."""
    name = info.optim_cls.__name__
    if getattr(ztorch.optim, name, None) is None:
        return "unsupported", f"zerograd.torch.optim has no {name}"
    unsupported, mismatched = [], []
    for desc, kwargs in _option_sets(info, torch):
        try:
            run_both(name, kwargs, torch, ztorch)
        except AssertionError as err:
            mismatched.append(f"{desc}: {str(err).strip().splitlines()[0]}")
        except Exception as err:  # noqa: BLE001 - an option set zerograd refuses
            unsupported.append(f"{desc} ({type(err).__name__}: {str(err)[:80]})")
    if mismatched:
        return "mismatch", "; ".join(mismatched)
    if unsupported:
        return "unsupported", "unsupported option sets: " + "; ".join(unsupported)
    return "match", f"{len(_option_sets(info, torch))} option sets, {STEPS} steps each"


def verdicts() -> list[tuple[str, str, str]]:
    """(entry, verdict, note) for every optim_db entry."""
    import warnings

    import torch
    from torch.testing._internal.common_optimizers import optim_db

    import zerograd.torch as ztorch
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for info in optim_db:
            verdict, note = grade(info, torch, ztorch)
            results.append((info.optim_cls.__name__, verdict, note))
    return results


if __name__ == "__main__":
    from collections import Counter
    table = verdicts()
    for row in table:
        print(*row, sep=" | ")
    print(dict(Counter(verdict for _, verdict, _ in table)))
