"""The same programs on real PyTorch and on zerograd.torch, from the same initial weights (PyTorch's
state dict loaded into the zerograd.torch model) and the same batches, give the same losses over
50 steps (float32 tolerance): an MLP, the tutorial's CNN and an LSTM, trained with SGD+momentum,
Adam and a learning-rate scheduler. PyTorch is the oracle only where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch

torch = pytest.importorskip("torch", reason="PyTorch (the oracle) is installed only in the 3.11 sessions")

STEPS = 50
BATCH = 16
torch.set_num_threads(1)  # the test machines are small and shared: threads only contend


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 3 * 3, 10),
    )


def lstm_classifier(lib):
    nn = lib.nn

    class RowReader(nn.Module):
        """Reads an image two rows at a time (14 steps of 56 pixels), classifies from the last
        output."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(56, 32, num_layers=2, batch_first=True)
            self.head = nn.Linear(32, 10)

        def forward(self, x):
            output, (h, c) = self.lstm(x.view(-1, 14, 56))
            return self.head(output[:, -1])

    return RowReader()


def sgd_momentum(lib, model):
    return lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4), None


def adam(lib, model):
    return lib.optim.Adam(model.parameters(), lr=1e-3), None


def sgd_with_step_lr(lib, model):
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    return optimizer, lib.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)


def adam_with_one_cycle(lib, model):
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return optimizer, lib.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=STEPS)


def train(lib, model, make_optimizer, batches, image_shape):
    F = lib.nn.functional
    optimizer, scheduler = make_optimizer(lib, model)
    losses = []
    for x, y in batches:
        xb, yb = lib.tensor(x).view(*image_shape), lib.tensor(y)
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
    return np.array(losses)


@pytest.mark.parametrize("make_model, image_shape, make_optimizer", [
    (mlp, (-1, 784), sgd_momentum),
    (mlp, (-1, 784), adam_with_one_cycle),
    (cnn, (-1, 1, 28, 28), adam),
    (cnn, (-1, 1, 28, 28), sgd_with_step_lr),
    (lstm_classifier, (-1, 14, 56), adam),
    (lstm_classifier, (-1, 14, 56), sgd_with_step_lr),
], ids=["mlp-sgd-momentum", "mlp-adam-onecycle", "cnn-adam", "cnn-nesterov-steplr",
        "lstm-adam", "lstm-nesterov-steplr"])
def test_losses_match_pytorch(fashion_mnist, make_model, image_shape, make_optimizer):
    x_train, y_train, _, _ = fashion_mnist
    rng = np.random.default_rng(0)
    batches = [(x_train[i], y_train[i]) for i in (rng.choice(len(x_train), BATCH, replace=False)
                                                  for _ in range(STEPS))]
    torch.manual_seed(0)
    reference = make_model(torch)
    ours = make_model(ztorch)
    ours.load_state_dict({name: value.numpy() for name, value in reference.state_dict().items()})

    expected = train(torch, reference, make_optimizer, batches, image_shape)
    got = train(ztorch, ours, make_optimizer, batches, image_shape)
    np.testing.assert_allclose(got, expected, rtol=2e-4, atol=2e-5)
    assert expected[-5:].mean() < expected[:5].mean()  # a real training run, not a flat line
