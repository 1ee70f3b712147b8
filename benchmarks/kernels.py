"""The compiled kernels (zerograd.core.kernels) on and off, in one process: the CNN benchmark's
step alternating Config.kernels off/on, best of the rounds, CPU and wall time; or (``--first``)
the first two steps of a fresh process, for the on-disk cache's cold/warm comparison.

    OMP_NUM_THREADS=2 python benchmarks/kernels.py --rounds 5 --steps 3
    NUMBA_CACHE_DIR=/tmp/cold python benchmarks/kernels.py --first     # twice: cold, then warm
    ZEROGRAD_KERNELS=0 python benchmarks/kernels.py --first            # NumPy's first step
"""

from __future__ import annotations

import argparse
import time

import cnn


def first_steps() -> None:
    step = cnn.zerograd_case()
    for name in ("first", "second"):
        start = time.perf_counter()
        step()
        print(f"{name} step: {time.perf_counter() - start:.3f} s")


def on_off(rounds: int, steps: int) -> None:
    from zerograd.core import Config
    from zerograd.core.allocator import tune_malloc

    tune_malloc()
    step = cnn.zerograd_case()
    for on in (True, False):  # compile or load the kernels, warm the heap
        Config.kernels = on
        step()
        step()
    best = {on: [float("inf"), float("inf")] for on in (False, True)}
    for _ in range(rounds):
        for on in (False, True):
            Config.kernels = on
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(steps):
                step()
            best[on][0] = min(best[on][0], (time.process_time() - cpu) / steps)
            best[on][1] = min(best[on][1], (time.perf_counter() - wall) / steps)
    print(f"CNN step, kernels on / off: CPU {best[True][0] / best[False][0]:.2f}x, "
          f"wall {best[True][1] / best[False][1]:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--first", action="store_true", help="time a fresh process's first steps")
    args = parser.parse_args()
    first_steps() if args.first else on_off(args.rounds, args.steps)
