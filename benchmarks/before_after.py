"""Before and after a change: zerograd's own step under an earlier commit and under this checkout.

    python benchmarks/before_after.py BASE [--rounds 5] [--windows 15] [mlp cnn lstm overhead optim]

The same benchmark definitions (BASE's ``benchmarks/<name>.py``, ``zerograd_case``) are timed with
BASE's packages and with this checkout's, each in its own fresh process, alternating round by round,
on one BLAS thread. Each process reports the fastest of ``--windows`` timed windows of CPU time
(robust on a shared machine); the median over rounds is compared. A refactoring that must not cost
speed (issue 12: within 3%) shows it here without PyTorch's own noise in the ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def fastest_step(benchmark: Path, windows: int) -> float:
    """Runs in the child: seconds of CPU time per step, the fastest of ``windows`` windows."""
    sys.path.insert(0, str(benchmark.parent))
    spec = importlib.util.spec_from_file_location("benchmark_under_test", benchmark)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:  # importing zerograd tuned malloc before this was an explicit call
        from zerograd.core.allocator import tune_malloc
        tune_malloc()
    except ImportError:
        pass
    try:  # one thread for the optimizer's update too (earlier, OMP_NUM_THREADS=1 said so)
        from zerograd.nn.optimizers import set_update_threads
        set_update_threads(1)
    except ImportError:
        pass
    step = module.zerograd_case()
    for _ in range(3):
        step()
    best = float("inf")
    for _ in range(windows):
        calls, start = 0, time.process_time()
        while True:
            step()
            calls += 1
            elapsed = time.process_time() - start
            if elapsed >= 0.2 and calls >= 2:
                break
        best = min(best, elapsed / calls)
    return best


def source_path(checkout: Path) -> str:
    return os.pathsep.join(str(p) for p in sorted((checkout / "packages").glob("*/src")))


def time_in_child(checkout: Path, benchmark: Path, windows: int) -> float:
    env = dict(os.environ, PYTHONPATH=source_path(checkout), **ONE_THREAD)
    result = subprocess.run([sys.executable, __file__, "--child", str(benchmark), str(windows)],
                            env=env, check=True, capture_output=True, text=True)
    return float(result.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the earlier commit (e.g. e19ce89, wave 1's last)")
    parser.add_argument("names", nargs="*", default=["overhead", "mlp", "cnn", "lstm", "optim"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--windows", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base),
                        args.base], check=True)
        try:
            for name in args.names:
                benchmark = base / "benchmarks" / f"{name}.py"
                before, after = [], []
                for _ in range(args.rounds):
                    before.append(time_in_child(base, benchmark, args.windows))
                    after.append(time_in_child(ROOT, benchmark, args.windows))
                b, a = statistics.median(before), statistics.median(after)
                print(f"{name:10s} before {b * 1e3:9.3f} ms  after {a * 1e3:9.3f} ms  "
                      f"after/before {a / b:.3f}", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(fastest_step(Path(sys.argv[2]), int(sys.argv[3])))
    else:
        main()
