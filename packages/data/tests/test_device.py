"""Loaders on the GPU stand-in: each batch crosses to the device once, as the user asked."""

import numpy as np

from zerograd.core import fakecupy
from zerograd.data import DataLoader, SeqDataLoader
from zerograd.data.datasets import SinCurve


def test_dataloader_gpu_yields_device_batches_one_transfer_each(device):
    loader = DataLoader(SinCurve(train=True), batch_size=50, gpu=True)
    with fakecupy.counting_transfers() as moved:
        x, t = next(iter(loader))
    assert isinstance(x, device.ndarray) and isinstance(t, device.ndarray)
    assert (moved.to_device, moved.to_host) == (2, 0)


def test_to_gpu_and_to_cpu_switch_a_loader(device):
    loader = SeqDataLoader(SinCurve(train=True), batch_size=4)
    loader.to_gpu()
    x, _ = next(iter(loader))
    assert isinstance(x, device.ndarray)
    loader.to_cpu()
    loader.reset()
    x, _ = next(iter(loader))
    assert type(x) is np.ndarray
