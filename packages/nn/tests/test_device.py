"""Layers, models, optimizers (with hooks), schedulers and checkpoints on the GPU stand-in:
everything stays on the device, and a training step moves no data between host and device."""

import numpy as np
import pytest

from zerograd.core import Parameter, Variable, cuda, fakecupy
from zerograd.nn import Model, load_checkpoint, optimizers, save_checkpoint, schedulers
from zerograd.nn import functions as F
from zerograd.nn import layers as L


class Net(Model):
    def __init__(self):
        super().__init__()
        self.fc1 = L.Linear(16)
        self.bn = L.BatchNorm()
        self.drop = L.Dropout(0.2)
        self.norm = L.LayerNorm(16)
        self.fc2 = L.Linear(3)

    def forward(self, x):
        return self.fc2(self.norm(self.drop(F.relu(self.bn(self.fc1(x))))))


def batch(device, n=8):
    rng = np.random.default_rng(0)
    x = device.asarray(rng.standard_normal((n, 5)).astype(np.float32))
    t = device.asarray(rng.integers(0, 3, n))
    return x, t


def every_array(model, optimizer):
    yield from (p.data for p in model.params())
    yield from (p.grad.data for p in model.params() if p.grad is not None)
    state = optimizer.state_dict()["state"]
    for entry in state.values():
        yield from (v for v in entry.values() if hasattr(v, "dtype") and getattr(v, "ndim", 0))


OPTIMIZERS = [
    lambda: optimizers.SGD(0.1), lambda: optimizers.MomentumSGD(0.1),
    lambda: optimizers.AdaGrad(), lambda: optimizers.AdaDelta(), lambda: optimizers.Adam(),
    lambda: optimizers.AdamW(), lambda: optimizers.RMSprop(),
    # PyTorch's options and the optimizers the book lacks (issue 22)
    lambda: optimizers.MomentumSGD(0.1, dampening=0.5, weight_decay=0.1, maximize=True),
    lambda: optimizers.Adam(amsgrad=True, weight_decay=0.1),
    lambda: optimizers.RMSprop(centered=True, momentum=0.5),
    lambda: optimizers.AdaGrad(lr_decay=0.1, initial_accumulator_value=0.1),
    lambda: optimizers.Adamax(), lambda: optimizers.NAdam(), lambda: optimizers.RAdam(),
    lambda: optimizers.Rprop(), lambda: optimizers.ASGD(t0=1), lambda: optimizers.Adafactor(),
]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_training_steps_make_no_transfers(device, make_optimizer):
    model, (x, t) = Net(), batch(device)
    optimizer = make_optimizer().setup(model)
    optimizer.add_hook(optimizers.WeightDecay(1e-4))
    optimizer.add_hook(optimizers.ClipGrad(1.0))
    scheduler = schedulers.StepLR(optimizer, step_size=1, gamma=0.5)
    model.to_gpu()  # the book's order: move first, the lazy layers are sized on the device
    for _ in range(2):
        with fakecupy.counting_transfers() as moved:
            loss = F.softmax_cross_entropy(model(x), t) + F.mean_squared_error(model(x), model(x))
            model.cleargrads()
            loss.backward()
            optimizer.update()
            scheduler.step()
        assert moved.total == 0, moved
    assert all(isinstance(a, device.ndarray) for a in every_array(model, optimizer))
    assert np.isfinite(float(loss.data))


def test_to_gpu_moves_parameters_and_buffers_and_to_cpu_brings_them_back(device):
    model = Net()
    model(batch(device)[0].get())
    model.to_gpu()
    assert all(isinstance(p.data, device.ndarray) for p in model.params())
    assert all(isinstance(v, device.ndarray) for v in model.state_dict().values())
    model.to_cpu()
    assert all(type(p.data) is np.ndarray for p in model.params())


def test_checkpoint_saved_from_the_device_loads_on_the_host_and_back_bitwise(device, tmp_path):
    model, (x, t) = Net(), batch(device)
    model(x.get())
    model.to_gpu()
    optimizer = optimizers.Adam().setup(model)
    F.softmax_cross_entropy(model(x), t).backward()
    optimizer.update()
    save_checkpoint(tmp_path / "run.npz", model=model, optimizer=optimizer)
    expected = {k: cuda.as_numpy(v) for k, v in model.state_dict().items()}

    on_host = Net()
    on_host(x.get())
    host_optimizer = optimizers.Adam().setup(on_host)
    load_checkpoint(tmp_path / "run.npz", model=on_host, optimizer=host_optimizer)
    for key, value in on_host.state_dict().items():
        assert type(value) is np.ndarray
        np.testing.assert_array_equal(value, expected[key])

    on_host.to_gpu()  # and back onto the device, bitwise
    for key, value in on_host.state_dict().items():
        assert isinstance(value, device.ndarray)
        np.testing.assert_array_equal(value.get(), expected[key])


def test_device_state_dict_loads_into_a_device_model(device):
    source, target = Net(), Net()
    x = batch(device)[0]
    for model in (source, target):
        model(x.get())
        model.to_gpu()
    target.load_state_dict(source.state_dict())
    for (key, value), other in zip(target.state_dict().items(), source.state_dict().values()):
        assert isinstance(value, device.ndarray), key
        np.testing.assert_array_equal(value.get(), other.get())


def test_dropout_draws_its_mask_on_the_device(device):
    x = Variable(device.asarray(np.ones((4, 6), np.float32)))
    with fakecupy.counting_transfers() as moved:
        y = F.dropout(x, 0.5)
    assert isinstance(y.data, device.ndarray) and moved.total == 0


def test_label_range_is_checked_on_the_host_only():
    x = Variable(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: labels must lie in \[0, 3\)"):
        F.softmax_cross_entropy(x, np.array([0, 3]))


def test_parameter_to_gpu_keeps_its_identity(device):
    p = Parameter(np.ones(3, np.float32))
    p.to_gpu()
    assert isinstance(p, Parameter) and isinstance(p.data, device.ndarray)
