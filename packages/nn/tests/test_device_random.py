"""The seeding and RNG-state rules on the GPU stand-in: seed(n) seeds the device
generator, dropout masks drawn on the device repeat under the same seed, and a checkpoint carries
the device generator on exactly as the run that saved it continues."""

import numpy as np
import pytest

import zerograd.core
from zerograd.core import cuda
from zerograd.nn import checkpoint, load_checkpoint, save_checkpoint
from zerograd.nn import functions as F


def _device_draws(device, n=4):
    draws = device.random.rand(n)
    assert isinstance(draws, device.ndarray)  # drawn by the device generator, not NumPy's
    return draws.get()


def _dropout_mask(device, seed):
    zerograd.core.seed(seed)
    y = F.dropout(device.asarray(np.ones(64)), 0.5, train=True)
    assert isinstance(y.data, device.ndarray)
    return y.data.get() != 0


def test_seed_seeds_the_device_generator(device):
    zerograd.core.seed(3)
    first = _device_draws(device)
    zerograd.core.seed(3)
    np.testing.assert_array_equal(_device_draws(device), first)
    zerograd.core.seed(4)
    assert not np.array_equal(_device_draws(device), first)


@pytest.mark.skipif(cuda.gpu_enable, reason="checks a run without a device")
def test_seed_leaves_the_device_generator_alone_without_a_device():
    from zerograd.core import fakecupy as device  # imported on demand since the lazy stand-in
    device.random.seed(11)
    expected = _device_draws(device)
    device.random.seed(11)
    zerograd.core.seed(3)  # no device enabled: only the host generators
    np.testing.assert_array_equal(_device_draws(device), expected)


def test_dropout_masks_on_the_device_repeat_under_the_same_seed(device):
    mask = _dropout_mask(device, 5)
    np.testing.assert_array_equal(_dropout_mask(device, 5), mask)
    assert not np.array_equal(_dropout_mask(device, 6), mask)


def test_dropout_masks_on_the_device_do_not_draw_from_numpy(device):
    zerograd.core.seed(5)
    F.dropout(device.asarray(np.ones(64)), 0.5, train=True)
    host_draw = np.random.rand()
    zerograd.core.seed(5)
    assert np.random.rand() == host_draw


def test_a_checkpoint_continues_the_device_generator_like_the_run_that_saved(device, tmp_path):
    zerograd.core.seed(0)
    _device_draws(device)  # the run has drawn on the device before it saves
    save_checkpoint(tmp_path / "run.npz", epoch=1)
    after_save = _device_draws(device, 8)
    zerograd.core.seed(99)  # a fresh process: every generator elsewhere
    _device_draws(device)
    load_checkpoint(tmp_path / "run.npz")
    np.testing.assert_array_equal(_device_draws(device, 8), after_save)


def test_saving_leaves_a_readable_device_generator_where_it_was(device, tmp_path):
    """The stand-in's state is saved as it is: the run that saves draws what a run that never
    saved draws, so a stop anywhere resumes bitwise."""
    zerograd.core.seed(0)
    _device_draws(device)
    expected = _device_draws(device)
    zerograd.core.seed(0)
    _device_draws(device)
    save_checkpoint(tmp_path / "run.npz")
    np.testing.assert_array_equal(_device_draws(device), expected)


def test_an_unreadable_device_generator_continues_from_a_seed_of_the_host_state(device, tmp_path,
                                                                                  monkeypatch):
    """CuPy's generator state cannot be read: what is saved is a seed derived from NumPy's state,
    so runs at the same host state continue alike whatever they drew on the device, and a load
    reseeds with it."""
    monkeypatch.setattr(checkpoint, "_readable_device_state", lambda: None)  # as on CuPy
    streams = []
    for device_draws_before in (0, 5):
        zerograd.core.seed(0)
        device.random.rand(device_draws_before)
        save_checkpoint(tmp_path / f"run{device_draws_before}.npz")
        streams.append(_device_draws(device))
    np.testing.assert_array_equal(streams[0], streams[1])
    _device_draws(device)
    load_checkpoint(tmp_path / "run5.npz")
    np.testing.assert_array_equal(_device_draws(device), streams[0])


def test_saving_does_not_advance_the_host_generator(device, tmp_path):
    zerograd.core.seed(0)
    expected = np.random.rand(3)
    zerograd.core.seed(0)
    save_checkpoint(tmp_path / "run.npz")
    np.testing.assert_array_equal(np.random.rand(3), expected)
