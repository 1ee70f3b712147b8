"""What glibc's allocator setting does to a training step: benchmarks/mlp.py's and cnn.py's
zerograd step, each setting in a fresh process that imports zerograd.nn first (as a program
does) and then applies it; mean time of 20 steps after 5, and page faults per step.

    python benchmarks/allocator.py            # untuned, top padding only, zerograd's tune_malloc

Setting any of glibc's thresholds freezes its dynamic mmap threshold where it stands; see
zerograd/core/allocator.py.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time

SETTINGS = ("untuned", "top padding only", "tune_malloc")


def probe(benchmark: str, setting: str) -> str:
    """Runs in the child: apply ``setting`` after the imports, then time the steps."""
    import zerograd.nn  # noqa: F401
    import zerograd.vision  # noqa: F401

    if setting == "top padding only":  # what tune_malloc() did before 2026-12-02
        ctypes.CDLL("libc.so.6").mallopt(-2, 256 << 20)  # M_TOP_PAD
    elif setting == "tune_malloc":
        from zerograd.core.allocator import tune_malloc

        tune_malloc()
    step = __import__(benchmark).zerograd_case()
    for _ in range(5):
        step()
    before, start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
    for _ in range(20):
        step()
    seconds = (time.perf_counter() - start) / 20
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
    return f"{seconds * 1e3:8.1f} ms {faults:8.0f} faults per step"


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    for benchmark in ("mlp", "cnn"):
        for setting in SETTINGS:
            out = subprocess.run([sys.executable, __file__, "--child", benchmark, setting], env=env,
                                 check=True, capture_output=True, text=True).stdout.strip()
            print(f"{benchmark:4} {setting:18} {out}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(probe(sys.argv[2], sys.argv[3]))
    else:
        main()
