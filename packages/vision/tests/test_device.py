"""Convolution, pooling and a CNN training step on the GPU stand-in: the arrays stay on the
device and a step moves no data between host and device."""

import numpy as np

from zerograd.core import fakecupy
from zerograd.nn import Model, optimizers
from zerograd.nn import functions as F
from zerograd.nn import layers as L
from zerograd.vision import functions as VF
from zerograd.vision.layers import Conv2d


class SmallCNN(Model):
    def __init__(self):
        super().__init__()
        self.conv1 = Conv2d(4, 3, pad=1)
        self.conv2 = Conv2d(6, 3, stride=2, pad=1)
        self.fc = L.Linear(3)

    def forward(self, x):
        x = VF.pooling(F.relu(self.conv1(x)), 2, 2)
        x = VF.average_pooling(F.relu(self.conv2(x)), 2, 1)
        return self.fc(x.reshape(x.shape[0], -1))


def test_cnn_training_step_moves_nothing_across(device):
    rng = np.random.default_rng(0)
    x = device.asarray(rng.standard_normal((4, 2, 8, 8)).astype(np.float32))
    t = device.asarray(rng.integers(0, 3, 4))
    model = SmallCNN()
    model.to_gpu()
    optimizer = optimizers.MomentumSGD(0.01).setup(model)
    for _ in range(2):
        with fakecupy.counting_transfers() as moved:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
        assert moved.total == 0, moved
    assert all(isinstance(p.data, device.ndarray) for p in model.params())
    assert all(isinstance(p.grad.data, device.ndarray) for p in model.params())


def test_deconvolution_and_im2col_round_trip_stay_on_the_device(device):
    x = device.asarray(np.random.default_rng(1).standard_normal((1, 2, 5, 5)))
    W = device.asarray(np.random.default_rng(2).standard_normal((2, 3, 3, 3)))
    y = VF.deconv2d(x, W, stride=2, pad=1)
    cols = VF.im2col(x, 3, 1, 1)
    back = VF.col2im(cols, x.shape, 3, 1, 1)
    for result in (y, cols, back):
        assert isinstance(result.data, device.ndarray)
