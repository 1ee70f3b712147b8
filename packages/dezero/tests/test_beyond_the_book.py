"""Growing from the book into the full API without leaving the facade: named parameters,
state_dict, LayerList, init through apply, train/eval, parameter groups, schedulers, optimizer
state and checkpoints."""

from __future__ import annotations

import numpy as np

import zerograd.dezero as dezero
import zerograd.dezero.functions as F
import zerograd.dezero.layers as L
from zerograd.dezero import init, optimizers, schedulers
from zerograd.dezero.models import Model


class Tower(Model):
    def __init__(self, depth):
        super().__init__()
        self.blocks = L.LayerList([L.Linear(8, in_size=8) for _ in range(depth)])
        self.norm = L.LayerNorm()
        self.drop = L.Dropout(0.5)
        self.head = L.Linear(3, in_size=8)

    def forward(self, x):
        for block in self.blocks:
            x = F.gelu(block(x))
        return self.head(self.drop(self.norm(x)))


def he_init(layer):
    if isinstance(layer, L.Linear):
        init.he_normal(layer.W)
        init.zeros(layer.b)


def test_the_pytorch_style_module_system():
    model = Tower(2).apply(he_init)
    names = [name for name, _ in model.named_params()]
    assert names[:2] == ["blocks.0.W", "blocks.0.b"] and "head.W" in names
    assert [name for name, _ in model.named_children()] == ["blocks", "norm", "drop", "head"]
    assert all(float(layer.b.data.sum()) == 0 for layer in model.blocks)

    x = np.random.rand(4, 8).astype(np.float32)
    model.eval()  # the per-layer switch: dropout passes through
    np.testing.assert_array_equal(model(x).data, model(x).data)
    model.train()

    restored = Tower(2)
    restored.load_state_dict(model.state_dict())
    model.eval()
    restored.eval()
    np.testing.assert_array_equal(model(x).data, restored(x).data)


def test_parameter_groups_schedulers_and_checkpoints(tmp_path):
    np.random.seed(0)
    model = Tower(1)
    x = np.random.rand(16, 8).astype(np.float32)
    t = np.random.randint(0, 3, 16)
    optimizer = optimizers.MomentumSGD(lr=0.1).setup([
        {"params": list(model.blocks.params())},
        {"params": list(model.head.params()) + list(model.norm.params()), "lr": 0.01},
    ])
    scheduler = schedulers.StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(4):
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        scheduler.step()
    assert [group["lr"] for group in optimizer.param_groups] == [0.025, 0.0025]

    path = tmp_path / "checkpoint.npz"
    dezero.save_checkpoint(path, model=model, optimizer=optimizer, scheduler=scheduler, epoch=4)
    other = Tower(1)
    other_optimizer = optimizers.MomentumSGD(lr=0.1).setup([
        {"params": list(other.blocks.params())},
        {"params": list(other.head.params()) + list(other.norm.params()), "lr": 0.01},
    ])
    other_scheduler = schedulers.StepLR(other_optimizer, step_size=2, gamma=0.5)
    values = dezero.load_checkpoint(path, model=other, optimizer=other_optimizer,
                                    scheduler=other_scheduler)
    assert values["epoch"] == 4
    assert other_optimizer.param_groups[1]["lr"] == 0.0025
    for (name, p), (_, q) in zip(model.named_params(), other.named_params()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_extra_functions_and_gru():
    x = dezero.Variable(np.array([[-1.0, 0.5, 2.0]]))
    y = F.sum(F.silu(x)) + F.logsumexp(x, axis=1).sum() + F.var(x) + F.huber_loss(x, x * 0)
    y.backward()
    assert x.grad.shape == (1, 3)
    gru = L.GRU(4)
    h = gru(np.ones((2, 3), dtype=np.float32))
    assert h.shape == (2, 4)
    parts = F.split(F.concat([x, x], axis=1), 2, axis=1)
    np.testing.assert_array_equal(parts[0].data, x.data)
