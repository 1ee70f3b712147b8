"""Data-parallel costs over MPI (issue 17, point 10); run under mpiexec, e.g.

    mpiexec -n 2 python benchmarks/allreduce.py [--rounds 9] [--cnn-steps 20]

1. Averaging the ResNet-50 gradient (25.6 M float32 in its 161 parameter shapes) as
   MultiNodeOptimizer does it (pack each gradient divided by the rank count into 25 MiB buckets,
   one non-blocking allreduce per bucket, gradients handed out as views) against one bare mpi4py
   ``Allreduce`` of one buffer of the same size. The two alternate round by round; medians.
2. The CNN training step of the main job (zerograd.vision.models.FashionCNN, batch 100 per rank)
   with the gradients averaged during backward (overlap) and after it.

Rank 0 prints the figures. Use one BLAS thread per rank (the default here) when ranks share cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402
from mpi4py import MPI  # noqa: E402

from zerograd.core import Parameter, Variable  # noqa: E402
from zerograd.distributed import MultiNodeOptimizer, create_communicator  # noqa: E402
from zerograd.distributed.buckets import GradientBuckets  # noqa: E402
from zerograd.nn import functions as F  # noqa: E402
from zerograd.nn import optimizers  # noqa: E402


def resnet50_shapes() -> list[tuple[int, ...]]:
    """The parameter shapes of torchvision's ResNet-50 (conv weights, BatchNorm scale and shift,
    the final Linear): 25,557,032 values."""
    shapes: list[tuple[int, ...]] = [(64, 3, 7, 7), (64,), (64,)]
    channels = 64
    for width, blocks in ((64, 3), (128, 4), (256, 6), (512, 3)):
        for block in range(blocks):
            shapes += [(width, channels, 1, 1), (width,), (width,),
                       (width, width, 3, 3), (width,), (width,),
                       (4 * width, width, 1, 1), (4 * width,), (4 * width,)]
            if block == 0:
                shapes += [(4 * width, channels, 1, 1), (4 * width,), (4 * width,)]
            channels = 4 * width
    return shapes + [(1000, 2048), (1000,)]


def timed(step, rounds: int, comm: MPI.Comm) -> list[float]:
    times = []
    for _ in range(rounds):
        comm.Barrier()
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def gradient_averaging(comm, rounds: int) -> tuple[float, float, int]:
    rng = np.random.default_rng(comm.rank)
    params = [Parameter(rng.standard_normal(s).astype(np.float32)) for s in resnet50_shapes()]
    count = sum(p.data.size for p in params)
    buckets = GradientBuckets(params, comm, overlap=False)
    grads = [rng.standard_normal(p.data.shape).astype(np.float32) for p in params]
    flat = np.ones(count, dtype=np.float32)

    def zerograd_average() -> None:
        for param, grad in zip(params, grads):
            param.grad = Variable(grad, requires_grad=False)
        buckets.average()

    def bare_allreduce() -> None:
        comm.mpi_comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)

    ours, bare = [], []
    for _ in range(rounds):  # alternate, so that drift hits both alike
        ours += timed(zerograd_average, 1, comm.mpi_comm)
        bare += timed(bare_allreduce, 1, comm.mpi_comm)
    return statistics.median(ours), statistics.median(bare), count


def cnn_steps(comm, steps: int, overlap: bool) -> float:
    from zerograd.vision.models import FashionCNN

    np.random.seed(0)
    model = FashionCNN()
    rng = np.random.default_rng(comm.rank)
    x = rng.standard_normal((100, 784)).astype(np.float32)
    t = rng.integers(0, 10, 100)
    model(x[:1])
    optimizer = MultiNodeOptimizer(optimizers.Adam(alpha=1e-3), comm, overlap=overlap)
    optimizer.setup(model)

    def step() -> None:
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()

    timed(step, 3, comm.mpi_comm)  # warm up (the first update builds the buckets)
    return statistics.median(timed(step, steps, comm.mpi_comm))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--cnn-steps", type=int, default=20)
    args = parser.parse_args()
    comm = create_communicator("mpi")
    ours, bare, count = gradient_averaging(comm, args.rounds)
    with_overlap = cnn_steps(comm, args.cnn_steps, overlap=True)
    without = cnn_steps(comm, args.cnn_steps, overlap=False)
    if comm.rank == 0 and comm.size == 1:
        print(f"ranks 1: the ResNet-50 gradient ({count:,} float32) is left as it is "
              f"({ours * 1e3:.2f} ms); run under mpiexec -n 2 or more to compare with Allreduce")
    elif comm.rank == 0:
        print(f"ranks {comm.size}: ResNet-50 gradient ({count:,} float32) averaged "
              f"{ours * 1e3:.1f} ms vs bare Allreduce {bare * 1e3:.1f} ms: {ours / bare:.2f}x")
    if comm.rank == 0:
        print(f"ranks {comm.size}: CNN step (batch 100 per rank) with overlap "
              f"{with_overlap * 1e3:.1f} ms, without {without * 1e3:.1f} ms "
              f"({without / with_overlap:.2f}x)")


if __name__ == "__main__":
    main()
