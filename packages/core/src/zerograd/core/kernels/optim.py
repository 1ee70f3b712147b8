"""The optimizers' updates of one parameter as one fused, in-place pass: SGD with momentum
(dampening, Nesterov), Adam and AdamW, each with ``maximize`` and weight decay (L2, or decoupled).

Layout: the parameter, its gradient and its state arrays as one-dimensional views in their common
memory order (the update writes through them), split into fixed chunks of ``CHUNK`` elements,
one chunk per task on the kernels' threads. Every element is updated on its own, so the numbers
do not depend on the thread count. A parameter under ``PARALLEL_MIN_SIZE`` elements, or one
updated off the main thread (``Optimizer.update``'s own threads, which already share the
parameters among the CPUs), runs on the calling thread without starting a parallel region.

NumPy references: ``zerograd.nn.optimizers.sgd.MomentumSGD.rule`` and
``zerograd.nn.optimizers.adam.Adam.rule`` (with ``Optimizer.gradient`` for maximize and weight
decay). The kernels do the references' operations in the same order on the arrays' dtype (the
step's scalars, bias corrections included, computed once in Python as the references compute
them, then cast to that dtype as NumPy casts a Python float), so they give the same bits.
Anything else (amsgrad's running maximum, arrays of different layouts) stays on NumPy.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from zerograd.core.kernels import _jit
from zerograd.core.kernels._jit import kernel, prange

__all__ = ["CHUNK", "PARALLEL_MIN_SIZE", "adam", "momentum_sgd"]

# Elements per task: large enough that handing a chunk to a thread costs little beside its work,
# small enough that a ResNet's larger weights split over every thread.
CHUNK = 1 << 15
# A smaller parameter is updated on the calling thread: starting the parallel region costs more
# than the pass over a few chunks (in cache) takes.
PARALLEL_MIN_SIZE = 1 << 18


@kernel(parallel=False)
def _momentum_range(p: Any, g: Any, b: Any, lr: float, momentum: float, scale: float,
                    sign: float, l2: float, nesterov: bool) -> None:
    """scale: 1 - dampening (1 on the first step); sign: -1 under maximize; l2: weight decay."""
    with_l2 = l2 != 0  # as Optimizer.gradient decides: on the Python float
    to_dtype = p.dtype.type  # Python floats in (the dispatcher's fast path), cast as NumPy does
    lr, momentum, scale, sign, l2 = (to_dtype(lr), to_dtype(momentum), to_dtype(scale),
                                     to_dtype(sign), to_dtype(l2))
    for i in range(p.size):
        gi = g[i] * sign                  # maximize: -g
        if with_l2:
            gi = gi + l2 * p[i]           # L2 weight decay
        bi = b[i] * momentum + gi * scale
        b[i] = bi
        if nesterov:
            p[i] = p[i] - lr * (gi + momentum * bi)
        else:
            p[i] = p[i] - lr * bi


@kernel
def _momentum_sgd(p: Any, g: Any, b: Any, lr: float, momentum: float, scale: float,
                  sign: float, l2: float, nesterov: bool) -> None:
    for k in prange((p.size + CHUNK - 1) // CHUNK):
        lo, hi = k * CHUNK, min(k * CHUNK + CHUNK, p.size)
        _momentum_range(p[lo:hi], g[lo:hi], b[lo:hi], lr, momentum, scale, sign, l2, nesterov)


@kernel(parallel=False)
def _adam_range(p: Any, g: Any, m: Any, v: Any, beta1: float, rest1: float, beta2: float,
                rest2: float, eps: float, step_size: float, sign: float, l2: float,
                shrink: float) -> None:
    """rest1, rest2: 1 - beta1, 1 - beta2; eps and step_size carry the bias corrections as in
    Adam.rule; sign: -1 under maximize; l2: L2 decay; shrink: the decoupled decay's factor."""
    with_l2 = l2 != 0  # as Optimizer.gradient decides: on the Python float
    to_dtype = p.dtype.type  # Python floats in (the dispatcher's fast path), cast as NumPy does
    beta1, rest1, beta2, rest2 = to_dtype(beta1), to_dtype(rest1), to_dtype(beta2), to_dtype(rest2)
    eps, step_size, sign = to_dtype(eps), to_dtype(step_size), to_dtype(sign)
    l2, shrink = to_dtype(l2), to_dtype(shrink)
    for i in range(p.size):
        pi = p[i] * shrink                # decoupled weight decay (1 without it: exact)
        gi = g[i] * sign                  # maximize: -g
        if with_l2:
            gi = gi + l2 * pi             # L2 weight decay
        mi = m[i] * beta1 + gi * rest1
        vi = v[i] * beta2 + (gi * gi) * rest2
        m[i] = mi
        v[i] = vi
        # np.divide, not /: Numba's / checks for a zero divisor (Python's ZeroDivisionError),
        # which keeps the loop scalar and is not NumPy's 0 / 0 = NaN
        p[i] = pi - np.divide(mi, np.sqrt(vi) + eps) * step_size


@kernel
def _adam(p: Any, g: Any, m: Any, v: Any, beta1: float, rest1: float, beta2: float,
          rest2: float, eps: float, step_size: float, sign: float, l2: float,
          shrink: float) -> None:
    for k in prange((p.size + CHUNK - 1) // CHUNK):
        lo, hi = k * CHUNK, min(k * CHUNK + CHUNK, p.size)
        _adam_range(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], beta1, rest1, beta2, rest2, eps,
                    step_size, sign, l2, shrink)


def _flat(*arrays: Any) -> list[Any] | None:
    """One-dimensional views of ``arrays`` in a common memory order (all C-contiguous, or all
    Fortran-contiguous as a transposed weight and its state are), or None when there is none."""
    if all(a.flags.c_contiguous for a in arrays):
        return [a.reshape(-1) for a in arrays]
    if all(a.flags.f_contiguous for a in arrays):
        return [a.T.reshape(-1) for a in arrays]
    return None


def _in_parallel(size: int) -> bool:
    """Whether to start the kernels' threads: a large parameter, more than one thread, called
    from the main thread."""
    return (size >= PARALLEL_MIN_SIZE and threading.current_thread() is threading.main_thread()
            and _jit.numba.get_num_threads() > 1)


def _decay(h: dict[str, Any], decoupled: bool) -> tuple[float, float, float]:
    """(sign, l2, shrink) as ``Optimizer.gradient`` applies them: -1 under maximize, the L2
    coefficient (0 without), the decoupled decay's factor 1 - lr * weight_decay (1 without)."""
    decay = float(h.get("weight_decay", 0.0))  # floats only: one compiled signature per dtype
    sign = -1.0 if h.get("maximize") else 1.0
    if decay and decoupled:
        return sign, 0.0, 1 - h["lr"] * decay
    return sign, decay, 1.0


def momentum_sgd(p: Any, g: Any, b: Any, step: int, h: dict[str, Any], decoupled: bool) -> bool:
    """``MomentumSGD.rule`` in place on parameter ``p``, gradient ``g``, momentum buffer ``b``
    (``step`` counts this update; ``decoupled``: weight decay shrinks p); False, changing
    nothing, when their layouts differ."""
    views = _flat(p, g, b)
    if views is None:
        return False
    p, g, b = views
    sign, l2, shrink = _decay(h, decoupled)
    if shrink != 1:  # a decoupled decay on SGD (a group's option) shrinks p first, as NumPy does
        p *= shrink
    dampening = h.get("dampening", 0.0)
    scale = 1.0 if step == 1 or not dampening else 1 - dampening
    run = _momentum_sgd if _in_parallel(p.size) else _momentum_range
    run(p, g, b, float(h["lr"]), float(h["momentum"]), float(scale), sign, l2,
        bool(h["nesterov"]))
    return True


def adam(p: Any, g: Any, m: Any, v: Any, step: int, h: dict[str, Any], decoupled: bool) -> bool:
    """``Adam.rule`` without amsgrad, in place on ``p`` and its moments ``m``, ``v``; False,
    changing nothing, when their layouts differ."""
    views = _flat(p, g, m, v)
    if views is None:
        return False
    beta1, beta2 = float(h["beta1"]), float(h["beta2"])
    correction = math.sqrt(1 - beta2 ** step)  # the bias corrections, as Adam.rule folds them
    step_size = float(h["lr"]) * correction / (1 - beta1 ** step)
    run = _adam if _in_parallel(p.size) else _adam_range
    run(*views, beta1, 1 - beta1, beta2, 1 - beta2, correction * h["eps"], step_size,
        *_decay(h, decoupled))
    return True
