"""DataLoader epoch: 60,000 x 784 float32 samples, batch 100, ToFloat + Normalize, shuffled.

The batched path (one fancy index and one transform call per batch) against the per-sample path
(a __getitem__ and a transform call per sample, then a stack) of zerograd's own DataLoader on the
same data. Issue 5 asks for an epoch under 0.5 s and at least 5x faster than the per-sample path.

    python benchmarks/loader.py --rounds 5          # ms/step is ms per epoch
"""

from __future__ import annotations

import numpy as np
from _harness import run_benchmark

SAMPLES, FEATURES, BATCH = 60_000, 784, 100
EPOCH_LIMIT_SECONDS, MIN_SPEEDUP = 0.5, 5.0


def _loader(per_sample: bool):
    from zerograd.data import DataLoader, Dataset
    from zerograd.data.transforms import Compose, Normalize, ToFloat

    rng = np.random.default_rng(0)
    data = rng.random((SAMPLES, FEATURES), dtype=np.float32)
    label = rng.integers(0, 10, SAMPLES)

    class InMemory(Dataset):
        def prepare(self):
            self.data, self.label = data, label

    class PerSample(InMemory):
        batchable = False  # same data and transforms; the loader must go sample by sample

    dataset_class = PerSample if per_sample else InMemory
    dataset = dataset_class(transform=Compose([ToFloat(), Normalize(0.1307, 0.3081)]))
    assert dataset.batchable is not per_sample
    return DataLoader(dataset, BATCH, seed=0)


def _epoch_step(loader):
    def step():
        for _batch in loader:
            pass

    return step


def batched_case():
    return _epoch_step(_loader(per_sample=False))


def per_sample_case():
    return _epoch_step(_loader(per_sample=True))


if __name__ == "__main__":
    result = run_benchmark(
        __file__, f"DataLoader epoch ({SAMPLES} x {FEATURES} float32, batch {BATCH}, "
                  "ToFloat+Normalize)",
        {"batched": "batched_case", "per_sample": "per_sample_case"}, reference="per_sample")
    batched = result["median_seconds"]["batched"]
    speedup = result["median_seconds"]["per_sample"] / batched
    print(f"  batched epoch {batched:.3f} s (limit {EPOCH_LIMIT_SECONDS} s): "
          f"{'ok' if batched < EPOCH_LIMIT_SECONDS else 'TOO SLOW'}")
    print(f"  speedup over per-sample {speedup:.1f}x (needs {MIN_SPEEDUP}x): "
          f"{'ok' if speedup >= MIN_SPEEDUP else 'TOO SLOW'}")
