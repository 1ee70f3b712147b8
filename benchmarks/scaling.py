"""Cost as work grows: time per training step of the MLP (benchmarks/mlp.py) and the CNN
(benchmarks/cnn.py) at batch 1, 8, 64 and 256, zerograd against PyTorch. Small batches expose
per-op overhead, large ones the kernels.

    python benchmarks/scaling.py [--rounds 5] [--batches 1 8 64 256] [--blas environment]
                                 [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os

from _harness import ENVIRONMENT, UNSET, measure

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = {"MLP 784-1000-1000-10": "mlp.py", "CNN conv32-pool-conv64-pool-fc": "cnn.py"}
CASES = {"zerograd": "zerograd_case", "pytorch": "torch_case"}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 64, 256])
    parser.add_argument("--blas", choices=["both", ENVIRONMENT, UNSET], default=ENVIRONMENT)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    rows = []
    print(f"Time per training step by batch size ({args.rounds} rounds, {args.threads} threads, "
          "median)")
    for workload, script in WORKLOADS.items():
        for batch in args.batches:
            settings = measure(os.path.join(HERE, script), CASES, args.rounds, args.threads,
                               args.seconds, args.blas, {"batch": batch})
            for label, setting in settings.items():
                ms = {name: seconds * 1e3 for name, seconds in setting["median_seconds"].items()}
                rows.append({"workload": workload, "batch": batch, "blas": label, "ms": ms})
                print(f"  {workload:<32} batch {batch:>4}  zerograd {ms['zerograd']:9.3f} ms  "
                      f"pytorch {ms['pytorch']:9.3f} ms  {ms['zerograd'] / ms['pytorch']:5.2f}x"
                      f"   BLAS: {label}")
    result = {"rounds": args.rounds, "threads": args.threads, "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
