"""How every zerograd benchmark measures: each contender runs in its own fresh process, the
contenders alternate round by round, every process uses the same thread count, and the median of
the rounds is reported with the ratio to PyTorch (these machines are shared and noisy, so absolute
times drift; ratios taken side by side do not).

A benchmark module defines contenders, each a function returning a zero-argument ``step`` callable:

    def zerograd_case():          # builds the model and data once, returns step()
        ...
        return step

    if __name__ == "__main__":
        run_benchmark(__file__, "MLP training step", {"zerograd": "zerograd_case",
                                                       "pytorch": "torch_case"})

``python benchmarks/mlp.py [--rounds 7] [--threads 2] [--seconds 1.0]`` prints one line per
contender (median ms per step and its ratio to PyTorch) and writes the same as JSON with --json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _load(path: str):
    spec = importlib.util.spec_from_file_location("benchmark_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_step(step: Callable[[], object], seconds: float, warmup: int = 3) -> float:
    """Seconds per call of ``step``: warm up, then call it repeatedly for about ``seconds``."""
    for _ in range(warmup):
        step()
    calls, start = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= 3:
            return elapsed / calls


def _worker(path: str, case: str, seconds: float, threads: int) -> None:
    """Runs inside the child process: build one contender and time it."""
    if "torch" in case:  # contenders named *torch* run PyTorch
        import torch

        torch.set_num_threads(threads)
    else:  # zerograd runs under the allocator setting its training command uses
        from zerograd.core.allocator import tune_malloc

        tune_malloc()
    step = getattr(_load(path), case)()
    print(json.dumps({"seconds_per_step": time_step(step, seconds)}))


def _run_child(path: str, case: str, seconds: float, threads: int) -> float:
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    out = subprocess.run(
        [sys.executable, __file__, "--worker", path, case, str(seconds), str(threads)],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds_per_step"]


def run_benchmark(path: str, title: str, cases: dict[str, str], reference: str = "pytorch") -> dict:
    """Alternate the contenders over several rounds and report medians and ratios."""
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--rounds", type=int, default=7, help="rounds per contender (median taken)")
    parser.add_argument("--threads", type=int, default=2, help="threads for BLAS and PyTorch")
    parser.add_argument("--seconds", type=float, default=1.0, help="timing window per round")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    samples: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(args.rounds):
        for label, case in cases.items():
            samples[label].append(_run_child(os.path.abspath(path), case, args.seconds, args.threads))
    medians = {label: statistics.median(times) for label, times in samples.items()}
    print(f"{title} ({args.rounds} rounds, {args.threads} threads, median)")
    for label, median in medians.items():
        ratio = medians[label] / medians[reference] if reference in medians else float("nan")
        print(f"  {label:<24} {median * 1e3:10.3f} ms/step   {ratio:6.2f}x {reference}")
    result = {"title": title, "rounds": args.rounds, "threads": args.threads,
              "median_seconds": medians, "samples": samples}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--worker":
    _worker(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
