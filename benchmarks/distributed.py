"""Data-parallel training on 1, 2 and 4 ranks (issue 27, point 6): samples per second, and the
share of the gradient allreduce hidden behind backward.

    python benchmarks/distributed.py [--ranks 1 2 4] [--steps 12] [--batch 64]

launches ``mpiexec -n N`` for each N (this file again, as a worker) and prints one table. Each
worker trains an MLP 784-1024-1024-1024-10 (2.9 M float32 parameters, 11.6 MB of gradients) with
MomentumSGD, batch ``--batch`` per rank, in two ways, alternating step by step:

- overlap (the default): buckets (1 MiB first, 25 MiB after) are summed while backward runs;
- after: ``overlap=False``, every bucket is summed after backward (the whole allreduce exposed).

``exposed`` is the time update() waits for the sums (with overlap off it includes packing the
gradients into the buckets, timed apart as ``packing``); ``hidden`` is 1 - exposed(overlap) /
(exposed(after) - packing): the share of the allreduce itself that ran behind backward. Medians
over the steps.
One BLAS thread per rank unless OMP_NUM_THREADS is set.

Last, on two ranks: the CPU time rank 0 spends waiting 3 s for rank 1 in ``comm.barrier()``
and in MPICH's blocking ``MPI_Barrier``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

WORKER, IDLE = "--worker", "--idle"
WAIT = 3.0  # seconds rank 1 keeps rank 0 waiting


def idle() -> None:
    from mpi4py import MPI

    from zerograd.distributed import create_communicator

    comm = create_communicator()
    for name, barrier in (("comm.barrier()", comm.barrier),
                          ("MPI_Barrier (blocking)", MPI.COMM_WORLD.Barrier)):
        if comm.rank == 1:
            time.sleep(WAIT)
        cpu = time.process_time()
        barrier()
        if comm.rank == 0:
            print(f"rank 0 waiting {WAIT:g} s in {name}: {time.process_time() - cpu:.2f} s CPU",
                  flush=True)


def time_packing(buckets) -> float:
    """Seconds to pack every gradient into its bucket, as average() does with overlap off (the
    packed values are overwritten by the real packing; with overlap on it has happened)."""
    if not buckets.active or buckets.overlap:
        return 0.0
    start = time.perf_counter()
    for bucket in buckets.buckets:
        for index in range(len(bucket.params)):
            bucket.pack(index, buckets.scale)
        bucket.reset()
    return time.perf_counter() - start


def worker(steps: int, batch: int, bucket_mb: float) -> None:
    import numpy as np

    from zerograd.distributed import MultiNodeOptimizer, create_communicator
    from zerograd.nn import functions as F
    from zerograd.nn import optimizers
    from zerograd.nn.models import MLP

    comm = create_communicator()
    rng = np.random.default_rng(comm.rank)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    t = rng.integers(0, 10, batch)
    runs = {}
    for name, overlap in (("overlap", True), ("after", False)):
        np.random.seed(0)
        model = MLP((1024, 1024, 1024, 10), activation=F.relu)
        model(x[:1])
        runs[name] = (model, MultiNodeOptimizer(optimizers.MomentumSGD(lr=1e-3), comm,
                                                overlap=overlap,
                                                bucket_bytes=int(bucket_mb * 2**20)).setup(model))
    times: dict[str, dict[str, list[float]]] = {n: {"step": [], "exposed": [], "packing": []}
                                                for n in runs}
    for step in range(steps + 2):  # two warm-up steps
        for name, (model, optimizer) in runs.items():
            comm.barrier()
            start = time.perf_counter()
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            packing = time_packing(optimizer._buckets)
            waited = time.perf_counter()
            optimizer._buckets.average() if optimizer._buckets.active else None
            exposed = time.perf_counter() - waited
            optimizer.actual_optimizer.update()
            if step >= 2:
                times[name]["step"].append(time.perf_counter() - start - packing)
                times[name]["exposed"].append(exposed)
                times[name]["packing"].append(packing)
    if comm.rank == 0:
        med = {n: {k: statistics.median(v) for k, v in d.items()} for n, d in times.items()}
        after, packing = med["after"]["exposed"], med["after"]["packing"]
        alone = after - packing  # the allreduce itself, nothing hidden
        hidden = 1 - med["overlap"]["exposed"] / alone if alone > 0 else float("nan")
        if comm.size > 1:
            sizes = [b.buffer.nbytes for b in runs["overlap"][1]._buckets.buckets]
            print("BUCKETS " + " + ".join(f"{s / 1e6:.2f} MB" for s in sizes), flush=True)
        print(f"RESULT {comm.size} {comm.size * batch / med['overlap']['step']:.0f} "
              f"{comm.size * batch / med['after']['step']:.0f} "
              f"{1e3 * med['overlap']['exposed']:.1f} {1e3 * after:.1f} {1e3 * packing:.1f} "
              f"{hidden:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--bucket-mb", type=float, default=25.0,
                        help="bucket size after the first (MiB; default the library's 25)")
    parser.add_argument(WORKER, action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(IDLE, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps, args.batch, args.bucket_mb)
        return
    if args.idle:
        idle()
        return
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    env = {**os.environ}
    env.setdefault("OMP_NUM_THREADS", "1")
    print(f"MLP 784-1024-1024-1024-10, batch {args.batch} per rank, {args.steps} steps, "
          f"buckets of {args.bucket_mb:g} MiB after a 1 MiB first one, "
          f"{os.cpu_count()} CPUs, OMP_NUM_THREADS={env['OMP_NUM_THREADS']}")
    print("| ranks | samples/s (overlap) | samples/s (after backward) | exposed (overlap) | "
          "exposed (after) | of which packing | allreduce hidden behind backward |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for ranks in args.ranks:
        done = subprocess.run([mpiexec, "-n", str(ranks), sys.executable, __file__, WORKER,
                               "--steps", str(args.steps), "--batch", str(args.batch),
                               "--bucket-mb", str(args.bucket_mb)],
                              capture_output=True, text=True, env=env, timeout=600)
        line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
        buckets = next((x for x in done.stdout.splitlines() if x.startswith("BUCKETS")), None)
        if buckets is not None:
            print(f"({ranks} ranks: {buckets.lower()})")
        if line is None:
            print(f"| {ranks} | failed: {done.stderr[-300:]!r} |")
            continue
        _, n, over, after, exposed_over, exposed_after, packing, hidden = line.split()
        shown = "n/a (nothing to sum)" if ranks == 1 else f"{float(hidden):.0%}"
        print(f"| {n} | {over} | {after} | {exposed_over} ms | {exposed_after} ms | {packing} ms "
              f"| {shown} |", flush=True)
    done = subprocess.run([mpiexec, "-n", "2", sys.executable, __file__, IDLE],
                          capture_output=True, text=True, env=env, timeout=120)
    print(done.stdout.strip() or done.stderr[-300:])


if __name__ == "__main__":
    main()
