"""How every zerograd benchmark measures: each contender runs in its own fresh process, the
contenders alternate round by round, every process uses the same thread count, and the median of
the rounds is reported with the ratio to PyTorch (these machines are shared and noisy, so absolute
times drift; ratios taken side by side do not).

Two BLAS settings: NumPy's OpenBLAS picks its kernels from the CPU unless ``OPENBLAS_CORETYPE``
(with ``OPENBLAS_L2_SIZE``) pins them, as some machines here do for old OpenBLAS builds. Every
benchmark runs under the environment's setting and, when that pins anything, again with both
variables removed for both contenders (in the child processes only; zerograd itself never sets
them). Each child reports the kernel threadpoolctl sees in use and its peak memory while it runs
the steps: the peak resident set size minus the size once the framework is imported (so the
model, the data and the step's temporaries, not the transients of building the model; measured
the same way for every contender).

A benchmark module defines contenders, each a function returning a zero-argument ``step`` callable
(keyword arguments such as ``batch`` are passed through from ``--batch``):

    def zerograd_case(batch=100):  # builds the model and data once, returns step()
        ...
        return step

    if __name__ == "__main__":
        run_benchmark(__file__, "MLP training step", {"zerograd": "zerograd_case",
                                                       "pytorch": "torch_case"},
                      modes={"--profile": profile})  # optional: `--profile` runs profile()

``python benchmarks/mlp.py [--rounds 7] [--threads 2] [--seconds 1.0] [--blas both]
[--batch N] [--json FILE]`` prints one line per setting and contender (median ms per step, its
ratio to PyTorch, peak memory) and writes the same as JSON with --json.
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
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ENVIRONMENT, UNSET = "environment", "unset"


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


def zerograd_training_step(model, optimizer, x, t) -> Callable[[], None]:
    """The step a zerograd user writes: softmax cross entropy, fresh gradients, backward, update."""
    import zerograd.nn.functions as F

    def step() -> None:
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()

    return step


def _status_mib(field: str) -> float:
    """A size from /proc/self/status (VmRSS: resident now; VmHWM: its peak), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 2**10  # reported in kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> None:
    """Start the peak (VmHWM) again from the current size (Linux 4.0+), so that building the
    model (e.g. VGG16's float64 initialisation draws) does not count as the step's memory."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def blas_kernel() -> str:
    """The OpenBLAS kernels NumPy runs on, as threadpoolctl reports them ('?' without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "? (pip install threadpoolctl)"
    kernels = {f"{pool['internal_api']} {pool.get('architecture', '?')}"
               for pool in threadpool_info() if pool["user_api"] == "blas"}
    return ", ".join(sorted(kernels)) or "none loaded"


def _import_framework(case: str, threads: int) -> None:
    """Import what the contender runs on before the baseline memory is read."""
    import numpy  # noqa: F401

    if "torch" in case:  # contenders named *torch* run PyTorch
        import torch

        torch.set_num_threads(threads)
    else:  # zerograd runs under the allocator setting its training command uses
        import zerograd.nn  # noqa: F401
        from zerograd.core import Config, kernels
        from zerograd.core.allocator import tune_malloc

        tune_malloc()
        if Config.kernels:  # its compiled-kernel backend (Numba) loaded, as torch's libraries are
            kernels.available()


def _worker(path: str, case: str, seconds: float, threads: int, kwargs: dict) -> None:
    """Runs inside the child process: build one contender, time it, report kernel and memory."""
    _import_framework(case, threads)
    baseline = _status_mib("VmRSS")
    step = getattr(_load(path), case)(**kwargs)
    _reset_peak_rss()
    seconds_per_step = time_step(step, seconds)
    print(json.dumps({"seconds_per_step": seconds_per_step, "kernel": blas_kernel(),
                      "peak_mib": _status_mib("VmHWM") - baseline}))


def blas_settings(choice: str = "both") -> dict[str, dict[str, str]]:
    """The environments to run under, by label: the environment's own BLAS setting and, when it
    pins one and ``choice`` asks for it, the same environment without OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE."""
    pinned = {name: os.environ[name] for name in BLAS_VARIABLES if name in os.environ}
    environment = dict(os.environ)
    unset = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    label = " ".join(f"{k}={v}" for k, v in pinned.items()) or "nothing pinned"
    settings = {f"{ENVIRONMENT}: {label}": environment}
    if choice == UNSET:
        return {UNSET: unset}
    if choice == "both" and pinned:
        settings[UNSET] = unset
    return settings


def _run_child(path: str, case: str, seconds: float, threads: int, env: dict[str, str],
               kwargs: dict) -> dict:
    env = dict(env, **{name: str(threads) for name in THREAD_VARIABLES})
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", path, case, str(seconds),
         str(threads), json.dumps(kwargs)],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(path: str, cases: dict[str, str], rounds: int = 7, threads: int = 2,
            seconds: float = 1.0, blas: str = "both", kwargs: dict | None = None) -> dict:
    """Per BLAS setting, alternate the contenders over ``rounds`` fresh processes; returns, per
    setting label, the median seconds per step, the samples, the kernel and the peak memory."""
    results = {}
    for label, env in blas_settings(blas).items():
        samples: dict[str, list[dict]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, case in cases.items():
                samples[name].append(_run_child(os.path.abspath(path), case, seconds, threads, env,
                                                kwargs or {}))
        results[label] = {
            "median_seconds": {n: statistics.median(s["seconds_per_step"] for s in runs)
                               for n, runs in samples.items()},
            "peak_mib": {n: statistics.median(s["peak_mib"] for s in runs)
                         for n, runs in samples.items()},
            "kernel": {n: runs[0]["kernel"] for n, runs in samples.items()},
            "samples": {n: [s["seconds_per_step"] for s in runs] for n, runs in samples.items()},
        }
    return results


def print_report(title: str, result: dict) -> None:
    reference = result["reference"]
    options = "".join(f", {name} {value}" for name, value in result["kwargs"].items())
    print(f"{title} ({result['rounds']} rounds, {result['threads']} threads{options}, median)")
    for label, setting in result["settings"].items():
        medians = setting["median_seconds"]
        print(f"  BLAS: {label}")
        for name, median in medians.items():
            ratio = median / medians[reference] if reference in medians else float("nan")
            print(f"    {name:<22} {median * 1e3:10.3f} ms/step {ratio:6.2f}x {reference}   "
                  f"peak +{setting['peak_mib'][name]:6.1f} MiB   kernel: {setting['kernel'][name]}")


def run_benchmark(path: str, title: str, cases: dict[str, str], reference: str = "pytorch",
                  modes: dict[str, Callable[[], object]] | None = None) -> dict | None:
    """The command line of a benchmark: measure, print, optionally write JSON. The result's
    ``median_seconds`` are those of the environment's own BLAS setting.

    ``modes`` maps a flag to a function the script runs instead when the flag is on its command
    line (an in-process comparison, a profile), and then returns None; ``modes``' first flag
    found on the command line wins."""
    for flag, mode in (modes or {}).items():
        if flag in sys.argv[1:]:
            mode()
            return None
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--rounds", type=int, default=7, help="rounds per contender (median taken)")
    parser.add_argument("--threads", type=int, default=2, help="threads for BLAS and PyTorch")
    parser.add_argument("--seconds", type=float, default=1.0, help="timing window per round")
    parser.add_argument("--blas", choices=["both", ENVIRONMENT, UNSET], default="both",
                        help="BLAS settings to run under (both: the environment's, and unset "
                             "when the environment pins OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE)")
    parser.add_argument("--batch", type=int, help="batch size, for benchmarks that take one")
    parser.add_argument("--json", help="also write the results to this file")
    args, _ = parser.parse_known_args()
    kwargs = {} if args.batch is None else {"batch": args.batch}
    settings = measure(path, cases, args.rounds, args.threads, args.seconds, args.blas, kwargs)
    result = {"title": title, "reference": reference, "rounds": args.rounds,
              "threads": args.threads, "kwargs": kwargs, "settings": settings,
              "median_seconds": next(iter(settings.values()))["median_seconds"]}
    print_report(title, result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--worker":
    _worker(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), json.loads(sys.argv[6]))
