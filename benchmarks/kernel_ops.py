"""Each compiled kernel against its NumPy reference, in one process: the op's step (forward and
backward, or one optimizer update) alternating ``Config.kernels`` off and on, best of the rounds,
CPU time and wall time (the kernels' before/after tables in RESULTS.md).

    OMP_NUM_THREADS=1 python benchmarks/kernel_ops.py --rounds 20            # every case
    OMP_NUM_THREADS=2 python benchmarks/kernel_ops.py adam layer_norm        # some cases

A case is a function decorated with ``@case("name")`` that builds its data once and returns a
zero-argument step. Best of rounds (not the median) because the steps are short and the machine is
shared: the minimum is the least disturbed figure of the same work.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

CASES: dict[str, Callable[[], Callable[[], object]]] = {}


def case(name: str):
    def register(build: Callable[[], Callable[[], object]]):
        CASES[name] = build
        return build
    return register


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def forward_backward(function: Callable, *inputs: np.ndarray) -> Callable[[], None]:
    """A step that runs ``function`` on fresh Variables of ``inputs`` and backpropagates a sum."""
    from zerograd.core import Variable

    def step() -> None:
        variables = [Variable(a) for a in inputs]
        function(*variables).sum().backward()

    return step


# --- optimizers --------------------------------------------------------------------------------


# --- normalization -----------------------------------------------------------------------------


# --- softmax, cross entropy, attention, GELU ---------------------------------------------------


# --- convolution and pooling -------------------------------------------------------------------
def with_gradient(function: Callable, *inputs: np.ndarray) -> Callable[[], None]:
    """A step that runs ``function`` on fresh Variables of ``inputs`` and backpropagates a fixed
    random output gradient laid out channels-last, as a network's next layer hands it back (a
    sum's broadcast gradient would make the convolution's matrix products copy it)."""
    from zerograd.core import Variable
    from zerograd.vision.functions.windows import channels_last

    def step() -> None:
        y = function(*[Variable(a) for a in inputs])
        if "gy" not in cache:
            cache["gy"] = channels_last(_rng().standard_normal(y.shape).astype(y.dtype))
        y.grad = Variable(cache["gy"])
        y.backward()

    cache: dict[str, np.ndarray] = {}
    return step


def _conv_case(x_shape: tuple, w_shape: tuple, **geometry: int) -> Callable[[], None]:
    from zerograd.vision import functions as VF
    from zerograd.vision.functions.windows import channels_last
    x = channels_last(_rng().standard_normal(x_shape).astype(np.float32))
    w = _rng().standard_normal(w_shape).astype(np.float32) * 0.05
    return with_gradient(lambda v, k: VF.conv2d(v, k, **geometry), x, w)


@case("max_pool_2x2")
def max_pool_2x2():
    from zerograd.vision import functions as VF
    x = _rng().standard_normal((100, 32, 28, 28)).astype(np.float32)
    return forward_backward(lambda v: VF.pooling(v, 2, 2), x)


@case("max_pool_3x3s2")
def max_pool_3x3s2():  # ResNet-18's pooling on 32x32 images (zerograd.vision.models)
    from zerograd.vision import functions as VF
    from zerograd.vision.functions.windows import channels_last
    x = channels_last(_rng().standard_normal((64, 64, 16, 16)).astype(np.float32))
    return with_gradient(lambda v: VF.pooling(v, 3, 2), x)


@case("max_pool_3x3s2p1")
def max_pool_3x3s2p1():  # torchvision's ResNet pooling, on a 32x32 map
    from zerograd.vision import functions as VF
    from zerograd.vision.functions.windows import channels_last
    x = channels_last(_rng().standard_normal((64, 64, 32, 32)).astype(np.float32))
    return with_gradient(lambda v: VF.pooling(v, 3, 2, 1), x)


@case("conv2d_3x3")
def conv2d_3x3():  # the CNN benchmark's second convolution
    return _conv_case((100, 32, 14, 14), (64, 32, 3, 3), pad=1)


@case("conv2d_3x3_64")
def conv2d_3x3_64():
    return _conv_case((64, 64, 32, 32), (64, 64, 3, 3), pad=1)


@case("conv2d_3x3s2_128")
def conv2d_3x3s2_128():
    return _conv_case((64, 128, 16, 16), (256, 128, 3, 3), stride=2, pad=1)


def measure(build: Callable[[], Callable[[], object]], rounds: int, calls: int) -> dict:
    """Best seconds per call (CPU, wall) with the kernels off and on, alternating round by round."""
    from zerograd.core import Config

    step = build()
    for on in (True, False):  # compile or load the kernels, warm the heap
        Config.kernels = on
        step()
        step()
    best = {on: [float("inf"), float("inf")] for on in (False, True)}
    for _ in range(rounds):
        for on in (False, True):
            Config.kernels = on
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(calls):
                step()
            best[on][0] = min(best[on][0], (time.process_time() - cpu) / calls)
            best[on][1] = min(best[on][1], (time.perf_counter() - wall) / calls)
    Config.kernels = True
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"which cases (default all: {', '.join(CASES)})")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--calls", type=int, default=3, help="calls per round")
    args = parser.parse_args()
    unknown = sorted(set(args.cases) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {sorted(CASES)}")
    print("| case | NumPy (CPU) | kernels (CPU) | ratio CPU | ratio wall |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.cases or CASES:
        best = measure(CASES[name], args.rounds, args.calls)
        off, on = best[False], best[True]
        print(f"| {name} | {off[0] * 1e3:.3f} ms | {on[0] * 1e3:.3f} ms | "
              f"{on[0] / off[0]:.2f}x | {on[1] / off[1]:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
